// A stand-in for Grafana's rendering path, for `npm run e2e` against the real renderer.
// Grafana itself is AGPL and is never built or run here; this models the parts of it the
// renderer meets, from Grafana's source:
//  - GET /render/<path>?<query> (pkg/api/render.go RenderToPng): width, height (800x400 when
//    absent), timeout (60), scale; `Path` is <path>?<query>. The renderer is called as
//    pkg/services/rendering/http_mode.go does: GET <server_url>?url=<callback_url><path>?<query>
//    &render=1 (rendering.go getGrafanaCallbackURL) &renderKey &domain (the callback URL's host)
//    &timezone &encoding=png &timeout &width &height &deviceScaleFactor (%f), headers
//    X-Auth-Token (the renderer token), X-Tenant-ID (the domain), User-Agent Grafana/<version>.
//    A renderer 429 is answered 429 {"message":"Too many rendering requests"}; any other
//    failure 500 "Rendering failed." (c.Handle), Grafana's own deadline (timeout + 2 s,
//    getRequestTimeout) 500 "timeout error".
//  - the pages the renderer's browser loads: with the renderKey cookie (pkg/services/
//    contexthandler: a valid render key signs the request in as the render user) the panel,
//    or Grafana's "Panel not found" for a panel the dashboard lacks; without it a redirect to
//    /login (pkg/middleware/auth.go: a page that needs a signed-in user redirects there).
//    The panel page marks a running query while it "loads" as Grafana's frontend does
//    (window.__grafanaSceneContext, window.__grafanaRunningQueryCount: what the renderer's
//    readiness check polls, grafana-image-renderer pkg/service/browser.go waitForReady).
//  - mode "login": an auth proxy or SSO in front of the callback URL (grafana-image-renderer
//    #739): every page the browser loads is a login page.
//  - GET /api/health (no auth) {"database":"ok","version"}.
// Used on this machine (in front of the fake Grafana API) and, compiled to JavaScript, as the
// Grafana container of the Docker scenarios. Node's standard library only.
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";

export interface StandInOptions {
    /** GF_RENDERING_SERVER_URL: where Grafana calls the renderer. */
    rendererUrl: string;
    /** GF_RENDERING_CALLBACK_URL: where the renderer's browser loads Grafana's pages (ends with /). */
    callbackUrl: string;
    /** GF_RENDERING_RENDERER_TOKEN. */
    rendererToken: string;
    /** `user:password` accepted with Basic auth on /render. */
    auth: string;
    mode: "panel" | "login";
    /** Dashboards and their panel IDs; other dashboards or panels show Grafana's "not found". */
    dashboards: Record<string, number[]>;
    version: string;
}

/** What the stand-in saw: each render it asked for, and each page the browser loaded. */
export interface StandInLog {
    renders: { path: string; rendererStatus: number; ms: number }[];
    pages: { path: string; host: string; renderKey: boolean; userAgent: string }[];
}

const PAGE_STYLE =
    "html,body{margin:0;height:100%;background:#111217;color:#ccccdc;font-family:sans-serif}" +
    ".panel{position:absolute;inset:8px;border:1px solid #2c3235;border-radius:2px;background:#181b1f}" +
    ".title{padding:8px 12px;font-size:14px;font-weight:500}";

/** A panel as Grafana draws it: a titled box with a time series (deterministic data). */
export function panelPage(uid: string, panelId: number): string {
    const seed = crypto.createHash("sha256").update(`${uid}/${panelId}`).digest();
    const points = Array.from({ length: 32 }, (_, i) => `${(i * 100) / 31},${20 + (seed[i] / 255) * 60}`).join(" ");
    return `<!doctype html><html><head><title>Panel ${panelId} - Grafana</title><style>${PAGE_STYLE}</style>
<script>window.__grafanaSceneContext = {}; window.__grafanaRunningQueryCount = 1;</script></head>
<body><div class="panel"><div class="title">CPU usage (panel ${panelId})</div>
<svg id="chart" viewBox="0 0 100 100" preserveAspectRatio="none" style="position:absolute;inset:36px 12px 12px 12px;width:calc(100% - 24px);height:calc(100% - 48px)"></svg></div>
<script>setTimeout(function () {
  document.getElementById("chart").innerHTML = '<polyline fill="none" stroke="#73bf69" stroke-width="1.5" vector-effect="non-scaling-stroke" points="${points}"/>' +
    '<polygon fill="#73bf6933" points="0,100 ${points} 100,100"/>';
  window.__grafanaRunningQueryCount = 0;
}, 150);</script></body></html>`;
}

/** Grafana's message for a d-solo URL whose panel the dashboard does not have. */
export function notFoundPage(what: string): string {
    return `<!doctype html><html><head><title>Grafana</title><style>${PAGE_STYLE}</style></head>
<body><div class="panel"><div class="title" style="padding-top:40%;text-align:center">${what} not found</div></div></body></html>`;
}

/** Grafana's login page, as far as a screenshot shows it. */
export function loginPage(): string {
    return `<!doctype html><html><head><title>Grafana</title><style>${PAGE_STYLE}
form{width:320px;margin:15vh auto 0;display:flex;flex-direction:column;gap:12px}
input,button{height:32px;border:1px solid #2c3235;background:#0b0c0e;color:#ccccdc;padding:0 8px}
button{background:#3d71d9;color:#fff;border:0}h1{text-align:center;font-weight:400}</style></head>
<body><form method="post" action="login"><h1>Welcome to Grafana</h1><input name="user" placeholder="email or username"/>
<input name="password" type="password" placeholder="password"/><button type="submit">Log in</button></form></body></html>`;
}

const cookie = (req: http.IncomingMessage, name: string) =>
    (req.headers.cookie ?? "")
        .split(";")
        .map((c) => c.trim().split("="))
        .find(([k]) => k === name)?.[1];

/**
 * Handles Grafana's rendering paths and pages; answers false for anything else (the caller
 * serves the API). Render keys are kept for the length of a render, as Grafana's are.
 */
export function renderingHandler(
    opts: StandInOptions,
    log: StandInLog,
): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean> {
    const renderKeys = new Set<string>();
    return async (req, res) => {
        const url = new URL(req.url ?? "/", "http://stand-in");
        if (req.method === "GET" && url.pathname === "/api/health") {
            res.writeHead(200, { "content-type": "application/json" });
            res.end(JSON.stringify({ commit: "stand-in", database: "ok", version: opts.version }));
            return true;
        }
        if (url.pathname.startsWith("/render/")) {
            await render(opts, log, renderKeys, req, res, url);
            return true;
        }
        if (url.pathname === "/login" || url.pathname.startsWith("/d-solo/") || url.pathname.startsWith("/d/")) {
            page(opts, log, renderKeys, req, res, url);
            return true;
        }
        return false;
    };
}

function page(
    opts: StandInOptions,
    log: StandInLog,
    renderKeys: Set<string>,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
): void {
    const key = cookie(req, "renderKey");
    const signedIn = key !== undefined && renderKeys.has(key);
    log.pages.push({
        path: url.pathname + url.search,
        host: req.headers.host ?? "",
        renderKey: signedIn,
        userAgent: req.headers["user-agent"] ?? "",
    });
    const html = (status: number, body: string) => {
        res.writeHead(status, { "content-type": "text/html; charset=UTF-8" });
        res.end(body);
    };
    if (url.pathname === "/login" || opts.mode === "login") return html(200, loginPage());
    if (!signedIn) {
        res.writeHead(302, { location: `${new URL(opts.callbackUrl).pathname}login` });
        res.end();
        return;
    }
    const m = /^\/d-solo\/([^/]+)/.exec(url.pathname);
    const uid = m ? decodeURIComponent(m[1]) : "";
    const panelId = Number(url.searchParams.get("panelId"));
    if (!(opts.dashboards[uid] ?? []).includes(panelId)) return html(200, notFoundPage(opts.dashboards[uid] ? "Panel" : "Dashboard"));
    html(200, panelPage(uid, panelId));
}

async function render(
    opts: StandInOptions,
    log: StandInLog,
    renderKeys: Set<string>,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
): Promise<void> {
    const auth = /^Basic (.+)$/.exec(req.headers.authorization ?? "");
    if (!auth || Buffer.from(auth[1], "base64").toString("utf8") !== opts.auth) {
        res.writeHead(401, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: "Unauthorized" }));
        return;
    }
    const q = url.searchParams;
    const timeoutS = Number(q.get("timeout") ?? 60);
    const renderKey = crypto.randomBytes(16).toString("hex");
    const domain = new URL(opts.callbackUrl).hostname;
    const params = new URLSearchParams({
        url: `${opts.callbackUrl}${url.pathname.slice("/render/".length)}${url.search}&render=1`,
        renderKey,
        domain,
        timezone: "",
        encoding: q.get("encoding") ?? "png",
        timeout: String(timeoutS),
        width: q.get("width") ?? "800",
        height: q.get("height") ?? "400",
        deviceScaleFactor: Number(q.get("scale") ?? 1).toFixed(6),
    });
    renderKeys.add(renderKey);
    const started = Date.now();
    const answer = (status: number, type: string, body: Buffer | string) => {
        res.writeHead(status, { "content-type": type });
        res.end(body);
    };
    try {
        const r = await fetch(`${opts.rendererUrl}?${params}`, {
            headers: { "X-Auth-Token": opts.rendererToken, "X-Tenant-ID": domain, "User-Agent": `Grafana/${opts.version}` },
            signal: AbortSignal.timeout((timeoutS + 2) * 1000),
        });
        const body = Buffer.from(await r.arrayBuffer());
        log.renders.push({ path: url.pathname + url.search, rendererStatus: r.status, ms: Date.now() - started });
        if (r.status === 200) return answer(200, "image/png", body);
        if (r.status === 429) return answer(429, "application/json", JSON.stringify({ message: "Too many rendering requests" }));
        answer(500, "text/html; charset=UTF-8", "<!doctype html><title>Grafana - Error</title><h2>Rendering failed.</h2>");
    } catch (e) {
        const timedOut = (e as Error).name === "TimeoutError";
        log.renders.push({ path: url.pathname + url.search, rendererStatus: timedOut ? -1 : 0, ms: Date.now() - started });
        answer(
            500,
            "text/html; charset=UTF-8",
            `<!doctype html><title>Grafana - Error</title><h2>${timedOut ? "timeout error" : "Rendering failed."}</h2>`,
        );
    } finally {
        renderKeys.delete(renderKey);
    }
}

/**
 * `GF_X__FILE=<path>` read into `GF_X`, as the Grafana image's entrypoint does before Grafana
 * starts (grafana/grafana packaging/docker/run.sh: every `GF_*__FILE` variable's file content
 * is exported under the name without `__FILE`). The program passes Grafana's secrets this way.
 */
export function expandFileVariables(env: NodeJS.ProcessEnv, read: (file: string) => string): NodeJS.ProcessEnv {
    const out: NodeJS.ProcessEnv = { ...env };
    for (const [name, file] of Object.entries(env)) {
        if (!/^GF_.+__FILE$/.test(name) || !file) continue;
        out[name.slice(0, -"__FILE".length)] = read(file);
        delete out[name];
    }
    return out;
}

/** The stand-in as a server of its own (the Docker scenarios' Grafana container), from GF_* variables. */
export function serveFromEnv(given: NodeJS.ProcessEnv = process.env): http.Server {
    const env = expandFileVariables(given, (file) => fs.readFileSync(file, "utf8"));
    const opts: StandInOptions = {
        rendererUrl: env.GF_RENDERING_SERVER_URL ?? "",
        callbackUrl: env.GF_RENDERING_CALLBACK_URL ?? "",
        rendererToken: env.GF_RENDERING_RENDERER_TOKEN ?? "",
        auth: `${env.GF_SECURITY_ADMIN_USER ?? "admin"}:${env.GF_SECURITY_ADMIN_PASSWORD ?? ""}`,
        mode: env.STAND_IN_MODE === "login" ? "login" : "panel",
        dashboards: JSON.parse(env.STAND_IN_DASHBOARDS ?? '{"gsa-e2e":[1,2]}'),
        version: env.STAND_IN_VERSION ?? "13.1.1",
    };
    const log: StandInLog = { renders: [], pages: [] };
    const handle = renderingHandler(opts, log);
    const server = http.createServer((req, res) => {
        if (req.url === "/stand-in/log") {
            res.writeHead(200, { "content-type": "application/json" });
            res.end(JSON.stringify(log));
            return;
        }
        void handle(req, res).then((done) => {
            if (!done) {
                res.writeHead(404, { "content-type": "application/json" });
                res.end(JSON.stringify({ message: "Not found" }));
            }
        });
    });
    return server.listen(Number(env.GF_SERVER_HTTP_PORT ?? 3000), "0.0.0.0");
}

if (require.main === module) serveFromEnv();
