// `npm run e2e`, renderer scenarios: the real grafana-image-renderer (built by the toolchain)
// with Debian's chromium, started with the program's own environment for its renderer.
//  - /healthz answers; /render without the shared token is refused; with it a page served
//    here renders as a PNG of the requested size; sizes outside 1000-3000 x 500-3000 are clamped;
//  - the verifier's whole path (`doctor`) through a stand-in Grafana that calls the renderer as
//    Grafana does: it passes on a panel, and fails when every page is a login page;
//  - the memory settings: concurrent renders under the program's memory limit complete or are
//    refused with 429, and none crashes the renderer.
import * as assert from "assert";
import * as http from "http";
import { readPngHeader } from "../../components/verify/png";
import { startServer, type StartedServer } from "../fakes/faults";
import { check, skip, timeStep } from "./report";
import { stackFileConfig } from "./engine";
import type { Processes } from "./processes";
import { programRenderer, rendererBinary, startRenderer, type ProgramRenderer, type RunningRenderer } from "./realRenderer";
import { doctorScenarios } from "./rendererDoctor";
import { panelPage } from "./standInGrafana";

const PROJECT_PREFIX = "grafana-slack-alerts:";

/** A committed stack file's config with the project prefix taken off (as runStack takes it). */
export function plainConfig(file: string): Record<string, string> {
    return Object.fromEntries(Object.entries(stackFileConfig(file)).map(([k, v]) => [k.replace(PROJECT_PREFIX, ""), v]));
}

export interface RenderAnswer {
    status: number;
    type: string;
    body: Buffer;
    ms: number;
}

/** GET <renderer>/render for `pageUrl` as Grafana asks for it; `token` null sends no X-Auth-Token. */
export async function renderDirect(
    r: RunningRenderer,
    pageUrl: string,
    width: number,
    height: number,
    token: string | null = r.token,
): Promise<RenderAnswer> {
    const q = new URLSearchParams({
        url: pageUrl,
        width: String(width),
        height: String(height),
        deviceScaleFactor: "1.000000",
        timeout: "60",
        encoding: "png",
        renderKey: "e2e-render-key",
        domain: "127.0.0.1",
    });
    const t0 = Date.now();
    const res = await fetch(`${r.url}/render?${q}`, {
        headers: token === null ? {} : { "X-Auth-Token": token },
        signal: AbortSignal.timeout(90_000),
    });
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, type: res.headers.get("content-type") ?? "", body, ms: Date.now() - t0 };
}

/** A PNG of exactly width x height, or an assertion error naming what came back. */
export function assertPng(a: RenderAnswer, width: number, height: number): void {
    assert.strictEqual(a.status, 200, `HTTP ${a.status} ${a.type}: ${a.body.toString("utf8", 0, 300)}`);
    assert.match(a.type, /^image\/png/);
    const header = readPngHeader(a.body);
    assert.ok(header.ok, header.ok ? "" : header.reason);
    assert.deepStrictEqual([header.width, header.height], [width, height]);
}

/** A page server on 127.0.0.1: /panel is a panel page (the renderer's test page). */
export function startPageServer(): Promise<StartedServer> {
    return startServer(async (req: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(200, { "content-type": "text/html; charset=UTF-8" });
        res.end(panelPage("e2e-direct", Number(new URL(req.url ?? "/", "http://x").searchParams.get("panelId") ?? 1)));
    });
}

export async function rendererScenarios(procs: Processes, toolchainDir: string, workspace: string): Promise<void> {
    console.log("\nrenderer (the real grafana-image-renderer and Debian's chromium, with the program's environment)");
    const bin = rendererBinary(toolchainDir);
    if (!bin)
        return skip(
            "renderer: every scenario",
            `no ${toolchainDir}/bin/grafana-image-renderer or /usr/bin/chromium: run scripts/e2e-toolchain.sh`,
        );
    let program: ProgramRenderer | undefined;
    await check("renderer: the Docker and the Kubernetes container get the same environment from the program", async () => {
        // renderYamlTo, as the Kubernetes scenarios run it: no cluster, so no load balancer to wait for.
        const kube = { ...plainConfig("Pulumi.k8s-separate.yaml"), renderYamlTo: `${workspace}/rendered/renderer-env` };
        program = await programRenderer(plainConfig("Pulumi.dev.yaml"), kube);
        assert.deepStrictEqual(program.kubernetes, program.docker);
        for (const k of [
            "AUTH_TOKEN",
            "SERVER_ADDR",
            "GOMEMLIMIT",
            "RATE_LIMIT_MAX_AVAILABLE",
            "RATE_LIMIT_MAX_LIMIT",
            "RATE_LIMIT_MIN_LIMIT",
        ])
            assert.ok(k in program.docker, `the program sets no ${k}`);
        // Grafana's side of the shared token (read from its secret file, as Grafana's image does) is the renderer's.
        assert.equal(
            program.grafanaEnv.GF_RENDERING_RENDERER_TOKEN,
            program.docker.AUTH_TOKEN,
            "Grafana's renderer token is not the renderer's",
        );
    });
    if (!program) return;
    let renderer: RunningRenderer | undefined;
    const pages = await startPageServer();
    try {
        await check(
            `renderer: starts with exactly the program's variables (${Object.keys(program.docker).sort().join(", ")}; SERVER_ADDR moved to 127.0.0.1, BROWSER_PATH added) and /healthz answers`,
            async () => {
                renderer = await timeStep("renderer: start until /healthz", () =>
                    startRenderer(procs, bin, program!.docker, workspace, program!.memoryLimitBytes),
                );
                const res = await fetch(`${renderer.url}/healthz`);
                assert.strictEqual(res.status, 200);
            },
        );
        if (!renderer) return;
        await directRenders(renderer, `${pages.origin}/panel?panelId=1`);
        await doctorScenarios(renderer, program);
        await memoryScenario(renderer, `${pages.origin}/panel?panelId=2`);
    } finally {
        await renderer?.stop();
        await pages.close();
    }
}

async function directRenders(r: RunningRenderer, pageUrl: string): Promise<void> {
    await check("renderer: /render without X-Auth-Token is refused (401), and with a wrong token too", async () => {
        const none = await renderDirect(r, pageUrl, 1000, 500, null);
        assert.strictEqual(none.status, 401, none.body.toString());
        assert.match(none.body.toString(), /Missing X-Auth-Token header/);
        const wrong = await renderDirect(r, pageUrl, 1000, 500, `${r.token}-wrong`);
        assert.strictEqual(wrong.status, 401, wrong.body.toString());
    });
    await check("renderer: with the program's token, a page renders as a PNG of the requested size (1200x600)", async () => {
        assertPng(await timeStep("renderer: first render (cold browser)", () => renderDirect(r, pageUrl, 1200, 600)), 1200, 600);
    });
    await check("renderer: sizes outside 1000-3000 x 500-3000 are clamped (400x200 -> 1000x500, 3600x3200 -> 3000x3000)", async () => {
        assertPng(await renderDirect(r, pageUrl, 400, 200), 1000, 500);
        assertPng(await renderDirect(r, pageUrl, 3600, 3200), 3000, 3000);
    });
}

/** Concurrent renders beyond the program's RATE_LIMIT_MAX_LIMIT, under its memory limit. */
async function memoryScenario(r: RunningRenderer, pageUrl: string): Promise<void> {
    const maxLimit = Number(r.env.RATE_LIMIT_MAX_LIMIT);
    const n = maxLimit + 3;
    const limitMiB = r.cgroup ? Math.round(r.cgroup.limitBytes / 2 ** 20) : undefined;
    await check(
        `renderer: ${n} concurrent renders under the program's memory settings (GOMEMLIMIT ${r.env.GOMEMLIMIT}, RATE_LIMIT_MAX_LIMIT ${maxLimit}, ` +
            `${limitMiB ? `a ${limitMiB} MiB memory cgroup` : "no memory cgroup"}) complete or get 429; none crashes the renderer`,
        async () => {
            assert.ok(r.cgroup, `the limit could not be enforced: ${r.cgroupProblem}`);
            const answers = await Promise.all(Array.from({ length: n }, () => renderDirect(r, pageUrl, 1000, 500).catch((e: Error) => e)));
            const summary = answers.map((a) => (a instanceof Error ? a.message : String(a.status)));
            for (const a of answers) {
                assert.ok(!(a instanceof Error), `a render failed outright: ${summary.join(", ")}`);
                if (a.status !== 429) assertPng(a, 1000, 500);
            }
            const ok = answers.filter((a) => !(a instanceof Error) && a.status === 200).length;
            assert.ok(ok >= Math.min(n, Number(r.env.RATE_LIMIT_MIN_LIMIT)), `only ${ok} of ${n} rendered: ${summary.join(", ")}`);
            assert.strictEqual(r.process.exit, undefined, "the renderer exited");
            assert.strictEqual(r.cgroup.oomKills(), 0, "the kernel's OOM killer ended a process in the renderer's cgroup");
            assert.strictEqual((await fetch(`${r.url}/healthz`)).status, 200);
            const peakMiB = Math.round(r.cgroup.peak() / 2 ** 20);
            console.log(`        ${ok} rendered, ${n - ok} refused with 429; peak memory ${peakMiB} MiB of ${limitMiB} MiB`);
        },
    );
}
