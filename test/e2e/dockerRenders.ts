// `npm run e2e`, Docker scenarios: renders through the deployed containers. The stand-in
// Grafana (standInGrafana.ts) calls the renderer at GF_RENDERING_SERVER_URL and hands it
// GF_RENDERING_CALLBACK_URL, both as the program set them, so a render from this machine
// proves the wiring by alias in both directions: Grafana -> http://renderer:8081/render and the
// renderer's browser -> http://grafana:3000/ (the seeds' `localhost` fails exactly here).
import * as assert from "assert";
import * as fs from "fs";
import { check } from "./report";
import type { DockerEngine } from "./dockerEngine";
import { assertPng, type RenderAnswer } from "./rendererScenarios";
import type { StandInLog } from "./standInGrafana";

interface Grafana {
    url: string;
    auth: string;
}

async function renderThroughGrafana(g: Grafana, width: number, height: number): Promise<RenderAnswer> {
    const t0 = Date.now();
    const res = await fetch(`${g.url}/render/d-solo/gsa-e2e/e2e?orgId=1&panelId=2&width=${width}&height=${height}&timeout=60`, {
        headers: { authorization: `Basic ${Buffer.from(g.auth).toString("base64")}` },
        signal: AbortSignal.timeout(120_000),
    });
    return {
        status: res.status,
        type: res.headers.get("content-type") ?? "",
        body: Buffer.from(await res.arrayBuffer()),
        ms: Date.now() - t0,
    };
}

const envOf = (c: any) =>
    Object.fromEntries((c.Config.Env as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));

/** The memory cgroup of a running container's first process (cgroup v1 or v2), for its peak. */
function containerPeakBytes(pid: number): number | undefined {
    const lines = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n");
    const v1 = lines.map((l) => l.split(":")).find(([, c]) => c.split(",").includes("memory"));
    const candidates = v1
        ? [`/sys/fs/cgroup/memory${v1[2]}/memory.max_usage_in_bytes`]
        : [`/sys/fs/cgroup${lines.find((l) => l.startsWith("0::"))?.slice(3)}/memory.peak`];
    const file = candidates.find((f) => fs.existsSync(f));
    return file ? Number(fs.readFileSync(file, "utf8").trim()) : undefined;
}

export async function dockerRenderChecks(docker: DockerEngine, stack: string, grafana: Grafana): Promise<void> {
    const rendererName = `grafana-image-renderer-${stack}`;
    await check(
        "docker: the stand-in Grafana renders through http://renderer:8081/render by alias, and the renderer's browser loads http://grafana:3000/d-solo/... by alias",
        async () => {
            const env = envOf(docker.inspect("container", `grafana-${stack}`));
            assert.strictEqual(env.GF_RENDERING_SERVER_URL, "http://renderer:8081/render");
            assert.strictEqual(env.GF_RENDERING_CALLBACK_URL, "http://grafana:3000/");
            assertPng(await renderThroughGrafana(grafana, 1000, 500), 1000, 500);
            const log = (await (await fetch(`${grafana.url}/stand-in/log`)).json()) as StandInLog;
            assert.deepStrictEqual(
                log.renders.map((r) => r.rendererStatus),
                [200],
            );
            const load = log.pages.find((p) => p.path.startsWith("/d-solo/gsa-e2e/"));
            assert.ok(load, `the renderer's browser never loaded the panel: ${JSON.stringify(log.pages)}`);
            assert.strictEqual(load.host, "grafana:3000");
            assert.ok(load.renderKey, "the browser came without the render key Grafana gave the renderer");
        },
    );
    const renderer = docker.inspect("container", rendererName);
    const maxLimit = Number(envOf(renderer).RATE_LIMIT_MAX_LIMIT);
    const n = maxLimit + 3;
    await check(
        `docker: ${n} concurrent renders through Grafana within the renderer container's 2048 MiB limit complete or get 429; the container is not OOM-killed or restarted`,
        async () => {
            const answers = await Promise.all(Array.from({ length: n }, () => renderThroughGrafana(grafana, 1000, 500)));
            for (const a of answers) if (a.status !== 429) assertPng(a, 1000, 500);
            const ok = answers.filter((a) => a.status === 200).length;
            assert.ok(ok >= 1, `none rendered: ${answers.map((a) => a.status).join(", ")}`);
            const after = docker.inspect("container", rendererName);
            assert.strictEqual(after.State.OOMKilled, false);
            assert.strictEqual(after.RestartCount, 0);
            assert.strictEqual(after.State.Running, true);
            const peak = containerPeakBytes(after.State.Pid);
            console.log(
                `        ${ok} rendered, ${n - ok} refused with 429; container peak memory ${peak ? Math.round(peak / 2 ** 20) : "?"} MiB of 2048 MiB`,
            );
        },
    );
}
