// The parts of the real-renderer and Docker e2e that need neither the toolchain nor chromium:
// the stand-in Grafana's model of Grafana's rendering path (against a recording renderer on
// 127.0.0.1), process groups stopped by PID with nothing left, the toolchain's pins.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { DEFAULT_RENDERER_IMAGE, parseImageRef } from "../components/shared/images";
import { percentile } from "../bench/realRenderer";
import { startServer, type StartedServer } from "./fakes/faults";
import { alive, Processes } from "./e2e/processes";
import { expandFileVariables, renderingHandler, type StandInLog, type StandInOptions } from "./e2e/standInGrafana";

const ROOT = path.resolve(__dirname, "..");

/** A renderer that records Grafana's call, then loads the callback URL as its browser would (cookie renderKey). */
async function recordingRenderer(calls: { query: URLSearchParams; headers: http.IncomingHttpHeaders; page: number; location?: string }[]) {
    return startServer(async (req, res) => {
        const query = new URL(req.url ?? "/", "http://r").searchParams;
        const page = await fetch(query.get("url")!, { headers: { cookie: `renderKey=${query.get("renderKey")}` }, redirect: "manual" });
        calls.push({ query, headers: req.headers, page: page.status, location: page.headers.get("location") ?? undefined });
        res.writeHead(page.status === 200 ? 200 : 500, { "content-type": "image/png" });
        res.end(Buffer.from(await page.text()));
    });
}

async function standIn(renderer: StartedServer, mode: StandInOptions["mode"]): Promise<{ server: StartedServer; log: StandInLog }> {
    const log: StandInLog = { renders: [], pages: [] };
    const stage: { handle?: ReturnType<typeof renderingHandler> } = {};
    const server = await startServer(async (req, res) => {
        if (!(await stage.handle!(req, res))) res.writeHead(404).end();
    });
    const opts = { rendererUrl: `${renderer.origin}/render`, callbackUrl: `${server.origin}/`, rendererToken: "tok-123", auth: "admin:pw" };
    stage.handle = renderingHandler({ ...opts, mode, dashboards: { d1: [2] }, version: "13.1.1" }, log);
    return { server, log };
}

const basic = { authorization: `Basic ${Buffer.from("admin:pw").toString("base64")}` };

describe("e2e: the stand-in Grafana's rendering path (as Grafana's RenderingService calls a renderer)", () => {
    const calls: Parameters<typeof recordingRenderer>[0] = [];
    let renderer: StartedServer;
    const servers: StartedServer[] = [];
    before(async () => (renderer = await recordingRenderer(calls)));
    after(async () => Promise.all([renderer.close(), ...servers.map((s) => s.close())]));

    it("calls the renderer with Grafana's query and headers, and the browser gets the panel with its render key", async () => {
        const { server, log } = await standIn(renderer, "panel");
        servers.push(server);
        const res = await fetch(`${server.origin}/render/d-solo/d1/x?orgId=1&panelId=2&width=1200&height=600&scale=2`, { headers: basic });
        assert.equal(res.status, 200);
        const { query, headers, page } = calls.at(-1)!;
        assert.equal(query.get("url"), `${server.origin}/d-solo/d1/x?orgId=1&panelId=2&width=1200&height=600&scale=2&render=1`);
        assert.deepEqual([query.get("width"), query.get("height"), query.get("deviceScaleFactor")], ["1200", "600", "2.000000"]);
        assert.deepEqual([query.get("encoding"), query.get("timeout"), query.get("domain")], ["png", "60", "127.0.0.1"]);
        assert.equal(headers["x-auth-token"], "tok-123");
        assert.equal(headers["user-agent"], "Grafana/13.1.1");
        assert.equal(page, 200);
        assert.ok(log.pages.at(-1)!.renderKey);
        assert.match(await res.text(), /CPU usage \(panel 2\)/);
    });

    it("sends a browser without a valid render key to /login, and answers an unknown panel with Grafana's 'Panel not found'", async () => {
        const { server } = await standIn(renderer, "panel");
        servers.push(server);
        const anonymous = await fetch(`${server.origin}/d-solo/d1/x?panelId=2`, {
            headers: { cookie: "renderKey=stale" },
            redirect: "manual",
        });
        assert.deepEqual([anonymous.status, anonymous.headers.get("location")], [302, "/login"]);
        const missing = await fetch(`${server.origin}/render/d-solo/d1/x?panelId=9`, { headers: basic });
        assert.match(await missing.text(), /Panel not found/);
        assert.equal((await fetch(`${server.origin}/render/d-solo/d1/x?panelId=2`)).status, 401, "render without Grafana credentials");
    });

    it("in login mode every page the renderer loads is the login page", async () => {
        const { server } = await standIn(renderer, "login");
        servers.push(server);
        const res = await fetch(`${server.origin}/render/d-solo/d1/x?panelId=2`, { headers: basic });
        assert.match(await res.text(), /Welcome to Grafana/);
    });
});

describe("e2e: the stand-in Grafana reads GF_*__FILE as Grafana's image does", () => {
    it("exports each GF_X__FILE's file content as GF_X and leaves other variables alone", () => {
        const files: Record<string, string> = { "/run/secrets/t": "s3cr3t-token" };
        const env = expandFileVariables(
            { GF_RENDERING_RENDERER_TOKEN__FILE: "/run/secrets/t", GF_SERVER_ROOT_URL: "http://g/", OTHER__FILE: "/x" },
            (f) => {
                if (!(f in files)) throw new Error(`no ${f}`);
                return files[f];
            },
        );
        assert.deepEqual(env, { GF_RENDERING_RENDERER_TOKEN: "s3cr3t-token", GF_SERVER_ROOT_URL: "http://g/", OTHER__FILE: "/x" });
    });
});

describe("e2e: processes stopped by PID", () => {
    it("stops a process group with its children, and leaves nothing behind", async () => {
        const procs = new Processes();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gsa-procs-"));
        const s = procs.start("sleeper", "/bin/sh", ["-c", "sleep 30 & sleep 30"], {
            env: { PATH: "/usr/bin:/bin" },
            logFile: path.join(dir, "log"),
        });
        await new Promise((r) => setTimeout(r, 200));
        assert.ok(procs.leftovers(dir).length >= 2, "sh and its sleeps are running");
        await procs.stopAll();
        assert.ok(!alive(s.pid));
        assert.deepEqual(procs.leftovers(dir), []);
        fs.rmSync(dir, { recursive: true, force: true });
    });
});

describe("e2e toolchain pins", () => {
    it("builds the renderer at the version of the program's default rendererImage", () => {
        const env = fs.readFileSync(path.join(ROOT, "scripts", "e2e-versions.env"), "utf8");
        assert.equal(`v${/^RENDERER_VERSION=(.+)$/m.exec(env)?.[1]}`, parseImageRef(DEFAULT_RENDERER_IMAGE).tag);
    });

    it("--dir and --check still answer without building (a fresh cache: not complete)", () => {
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), "gsa-cache-"));
        const env = { ...process.env, XDG_CACHE_HOME: cache };
        const script = path.join(ROOT, "scripts", "e2e-toolchain.sh");
        assert.match(
            spawnSync("bash", [script, "--dir"], { env, encoding: "utf8" }).stdout,
            new RegExp(`^${cache}/grafana-slack-alerts/e2e-[0-9a-f]{16}\\n$`),
        );
        assert.equal(spawnSync("bash", [script, "--check"], { env }).status, 1);
        fs.rmSync(cache, { recursive: true, force: true });
    });

    it("reports nearest-rank percentiles", () => {
        assert.deepEqual([percentile([5, 1, 3, 2, 4], 50), percentile([5, 1, 3, 2, 4], 95), percentile([7], 95)], [3, 5, 7]);
    });
});
