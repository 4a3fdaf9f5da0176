// A fake Grafana speaking the parts of the real HTTP API the verifier uses:
//   GET /api/health               (no auth)  -> {"database":"ok","version":...}
//   GET /api/frontend/settings    (auth)     -> {..., "rendererAvailable", "rendererVersion", "buildInfo"}
//   GET /api/dashboards/uid/<uid> (auth)     -> {"dashboard": {..., "panels"}, "meta"} | 404 {"message":"Dashboard not found"}
//   GET /render/d-solo/<uid>/<slug>?panelId&width&height&scale   (auth) -> image/png
// Faults and latency per endpoint: `health`, `settings`, `dashboard`, `render`.
//
// What /render does, from Grafana's and the renderer's source:
// - grafana pkg/api/render.go (RenderHandler) never looks the dashboard up: it hands the
//   URL to the renderer, and the renderer (grafana-image-renderer pkg/service/browser.go,
//   BrowserService.Render) navigates there and screenshots whatever the page shows. An
//   unknown dashboard or panel is therefore HTTP 200 with a PNG of Grafana's "Dashboard
//   not found" / "Panel not found" page, at the requested size.
// - Renderer v5 clamps the viewport to [BROWSER_MIN_WIDTH, BROWSER_MAX_WIDTH] x
//   [BROWSER_MIN_HEIGHT, BROWSER_MAX_HEIGHT], defaults 1000-3000 x 500-3000
//   (pkg/config/config.go browser.min-width etc.; WithViewport in pkg/service/browser.go).
// - Any renderer failure is `c.Handle(hs.Cfg, 500, "Rendering failed.", err)`: HTTP 500
//   with Grafana's HTML error page (public/views/error.html; the error itself only in
//   Grafana's log, pkg/services/contexthandler/model/model.go Handle). Grafana's own
//   deadline (2 x timeout, pkg/services/rendering/interface.go getRequestTimeout) is
//   `c.Handle(500, ErrTimeout.Error())`: the same page titled "timeout error - ...".
// - Over [rendering] concurrent_render_request_limit, Grafana serves the fixed image
//   public/img/rendering_limit_<theme>.png with HTTP 200; without a renderer,
//   public/img/rendering_plugin_not_installed.png with HTTP 200 (pkg/services/rendering/
//   rendering.go render(); the same in the v2 adapter of newer Grafana). Newer Grafana
//   answers a renderer 429 with HTTP 429 {"message":"Too many rendering requests"}.
// - /render/<any path> renders that path (pkg/api/render.go: `Path: web.Params(c.Req)["*"]
//   + queryParams`), so /render/login pictures the login page for a renderer that is not
//   logged in, and, for one that is (the renderKey cookie), Grafana's redirect of a
//   signed-in user away from /login: the home dashboard.
// - renderMode `loginPage`: the renderer's browser reaches Grafana without being logged in
//   (an auth proxy or SSO in front of the callback URL, grafana-image-renderer#739,
//   grafana#6766): every URL is redirected to the login page, which it screenshots at the
//   requested size, HTTP 200 image/png.
// - A dashboard in schema v2 (Grafana 12+): GET /api/dashboards/uid/<uid> answers 406
//   {"message": "dashboard api version not supported, use /apis/dashboard.grafana.app/
//   <version>/namespaces/<ns>/dashboards/<uid> instead"} (pkg/api/dashboard.go GetDashboard),
//   and that path answers the Kubernetes-style object whose spec.elements hold the panels
//   ({"panel-1": {"kind": "Panel", "spec": {"id": 1, "title": ...}}}).
import type * as http from "node:http";
import { FaultBook, readBody, sleep, startServer, type FaultRule, type StartedServer } from "./faults";
import { makePicture, makePng, type PictureKind } from "./png";
import { FakeAlerting, type FakeAlertingOptions } from "./fakeAlerting";

/** Alerting endpoints (fakeAlerting.ts), by path. */
function alertingEndpoint(pathname: string): string | undefined {
    if (pathname === "/api/prometheus/grafana/api/v1/rules") return "rules";
    if (pathname === "/api/alertmanager/grafana/config/api/v1/receivers") return "receivers";
    if (pathname.startsWith("/api/v1/provisioning/alert-rules/")) return "provisioning";
    if (pathname === "/api/v1/provisioning/policies") return "policies";
    return undefined;
}

export interface FakeGrafanaOptions {
    /** Admin user and password accepted with Basic auth. */
    user?: string;
    password?: string;
    version?: string;
    /** What /api/frontend/settings reports. Default true. */
    rendererAvailable?: boolean;
    rendererVersion?: string;
    /**
     * How /render behaves: `real` (a PNG of the size the renderer produces: the requested
     * size, clamped by a v5 renderer, times scale), `placeholder` (200 + Grafana's fixed-size
     * rendering_limit image: too many renders at once), `error` (500 HTML "Rendering
     * failed.": the renderer failed), `timeout` (500 HTML "timeout error - ...": Grafana's
     * own deadline passed), `busy` (429 JSON "Too many rendering requests", newer Grafana),
     * `login` (200 text/html: a login or auth-proxy page in front of Grafana), `loginPage`
     * (200 image/png: the renderer's browser is not logged in, so every URL is a picture of
     * the login page at the requested size).
     */
    renderMode?: "real" | "placeholder" | "error" | "timeout" | "busy" | "login" | "loginPage";
    /** Dashboards (by UID) stored in schema v2: the classic API answers 406 and the /apis one serves them. */
    dashboardsV2?: string[];
    /** Size of the placeholder image. Default 400x120. */
    placeholderSize?: { width: number; height: number };
    /**
     * Dashboards that exist (uid -> panels); others answer 404 on /api/dashboards/uid and
     * still render as HTTP 200 PNGs. A panel is its ID, or a row: `{ row, panels }` holds
     * its panels inside (a collapsed row, as Grafana stores it). Default: any UID exists,
     * with panels 1 and 2.
     */
    dashboards?: Record<string, FakePanel[]>;
    /**
     * The renderer's viewport bounds (BROWSER_MIN/MAX_WIDTH/HEIGHT). Default: v5's defaults
     * when rendererVersion is 5 or newer, none (the requested size) for older renderers.
     */
    rendererViewport?: { minWidth: number; minHeight: number; maxWidth: number; maxHeight: number } | null;
    faults?: FaultRule[];
    /**
     * A service account token also accepted, as `Authorization: Bearer <token>`; a wrong
     * one answers 401 {"message":"Invalid API key","messageId":"api-key.invalid"}
     * (grafana pkg/services/authn/clients/api_key.go, errAPIKeyInvalid).
     */
    apiToken?: string;
    latencyMs?: number;
    /** Grafana's alerting and its Slack notifier (the alert-path stage); without it those endpoints answer 404. */
    alerting?: FakeAlertingOptions;
    /**
     * Alert rules the provisioning API lists (GET /api/v1/provisioning/alert-rules) and
     * answers by UID (GET .../alert-rules/{uid}, 404 when unknown), for the per-rule proof.
     * Without it those endpoints answer as without `alerting`.
     */
    alertRules?: FakeAlertRule[];
}

/** A provisioned alert rule; `dashboardUid` / `panelId` become its panel-link annotations. */
export interface FakeAlertRule {
    uid: string;
    title: string;
    ruleGroup?: string;
    dashboardUid?: string;
    panelId?: number | string;
}

export type FakePanel = number | { row: number; panels: number[] };

/** Renderer v5 defaults: grafana-image-renderer pkg/config/config.go (browser.min-width 1000, min-height 500, max-width 3000, max-height 3000). */
export const RENDERER_V5_VIEWPORT = { minWidth: 1000, minHeight: 500, maxWidth: 3000, maxHeight: 3000 };

/** Grafana's HTML error page (public/views/error.html) as rendered in production: the title only. */
export function grafanaErrorPage(title: string): string {
    return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>Grafana - Error</title><base href="/" /></head>
  <body class="fs-variant-error">
    <main class="fs-error-page">
      <section class="fs-error-page__content" aria-labelledby="error-title">
        <header class="fs-error-page__header">
          <div>
            <h1 id="error-title"><a class="text-link" href="login">Grafana</a><span> / Server Error</span></h1>
            <p>Sadly something went wrong.</p>
          </div>
        </header>
        <h2>${title}</h2>
        <p>Check the Grafana server logs for the detailed error message.</p>
      </section>
    </main>
  </body>
</html>
`;
}

export interface RenderCall {
    uid: string;
    /** A path other than a panel (`login`). */
    path?: string;
    panelId: number;
    width: number;
    height: number;
    scale: number;
    /** Seconds Grafana passes on to the renderer (pkg/api/render.go: `timeout`, default 60). */
    timeout: number;
}

export class FakeGrafana {
    readonly faults = new FaultBook();
    readonly renders: RenderCall[] = [];
    opts: Required<
        Omit<
            FakeGrafanaOptions,
            "faults" | "latencyMs" | "dashboards" | "rendererViewport" | "alerting" | "apiToken" | "alertRules" | "dashboardsV2"
        >
    > & {
        dashboardsV2: string[];
        apiToken?: string;
        dashboards?: Record<string, FakePanel[]>;
        rendererViewport: FakeGrafanaOptions["rendererViewport"];
    };
    private started?: StartedServer;
    /** The alert rule and Slack notifier, when `alerting` was given. */
    readonly alerting?: FakeAlerting;
    /** Rules of the provisioning API (the per-rule proof); tests may change them between runs. */
    alertRules?: FakeAlertRule[];

    constructor(options: FakeGrafanaOptions = {}) {
        this.opts = {
            user: options.user ?? "admin",
            password: options.password ?? "grafana-admin-pw-1234",
            version: options.version ?? "11.5.2",
            rendererAvailable: options.rendererAvailable ?? true,
            rendererVersion: options.rendererVersion ?? "5.0.1",
            renderMode: options.renderMode ?? "real",
            placeholderSize: options.placeholderSize ?? { width: 400, height: 120 },
            dashboards: options.dashboards,
            apiToken: options.apiToken,
            rendererViewport: options.rendererViewport,
            dashboardsV2: options.dashboardsV2 ?? [],
        };
        if (options.alerting)
            // Grafana's alert screenshot goes through the same renderer, at the screenshot
            // service's default 1000x500 (pkg/services/screenshot/option.go DefaultWidth/Height).
            this.alerting = new FakeAlerting(
                options.alerting,
                () => this.url,
                this.opts.version,
                () => this.picture(options.alerting!.dashboardUid, options.alerting!.panelId, 1000, 500),
            );
        this.alertRules = options.alertRules;
        if (options.faults) this.faults.inject(...options.faults);
        this.faults.latencyMs = options.latencyMs ?? 0;
    }

    static async start(options: FakeGrafanaOptions = {}): Promise<FakeGrafana> {
        const g = new FakeGrafana(options);
        g.started = await startServer((req, res) => g.handle(req, res));
        return g;
    }

    /** Base URL to give the verifier as grafanaUrl. */
    get url(): string {
        if (!this.started) throw new Error("FakeGrafana not started");
        return this.started.origin;
    }

    /** The `user:password` this Grafana accepts. */
    get auth(): string {
        return `${this.opts.user}:${this.opts.password}`;
    }

    close(): Promise<void> {
        this.alerting?.stop();
        return this.started?.close() ?? Promise.resolve();
    }

    private authorized(req: http.IncomingMessage): boolean {
        const h = req.headers.authorization ?? "";
        const bearer = /^Bearer (.+)$/.exec(h);
        if (bearer) return this.opts.apiToken !== undefined && bearer[1] === this.opts.apiToken;
        const m = /^Basic (.+)$/.exec(h);
        if (!m) return false;
        return Buffer.from(m[1], "base64").toString("utf8") === this.auth;
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const started = Date.now();
        await readBody(req);
        const url = new URL(req.url ?? "/", "http://fake");
        const endpoint =
            alertingEndpoint(url.pathname) ??
            (url.pathname === "/api/health"
                ? "health"
                : url.pathname === "/api/frontend/settings"
                  ? "settings"
                  : url.pathname.startsWith("/render/")
                    ? "render"
                    : "other");
        const dashboardPath = /^\/api\/dashboards\/uid\/([^/]+)$/.exec(url.pathname);
        const entry = this.faults.record(dashboardPath ? "dashboard" : endpoint, req.method ?? "GET", url.pathname, started);
        const send = (status: number, body: Buffer | string | object, headers: Record<string, string> = {}) => {
            const isBuf = Buffer.isBuffer(body);
            const payload = isBuf ? body : typeof body === "string" ? body : JSON.stringify(body);
            const type = isBuf ? "image/png" : typeof body === "string" ? "text/plain; charset=utf-8" : "application/json";
            entry.status = status;
            entry.durationMs = Date.now() - started;
            res.writeHead(status, { "content-type": type, ...headers });
            res.end(payload);
        };

        const latency = this.faults.latencyFor(entry.endpoint);
        if (latency > 0) await sleep(latency);
        const fault = this.faults.take(entry.endpoint);
        if (fault) {
            if (fault.delayMs) await sleep(fault.delayMs);
            if (fault.hangUp) {
                entry.fault = "hangUp";
                entry.durationMs = Date.now() - started;
                req.socket.destroy();
                return;
            }
            if (fault.status) {
                entry.fault = `status ${fault.status}`;
                const headers: Record<string, string> = fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {};
                // A failing render is Grafana's HTML error page, never JSON (pkg/api/render.go).
                if (endpoint === "render" && fault.status >= 500)
                    return send(fault.status, grafanaErrorPage("Rendering failed."), {
                        ...headers,
                        "content-type": "text/html; charset=UTF-8",
                    });
                const body =
                    endpoint === "health"
                        ? { database: "failing", version: this.opts.version }
                        : { message: `injected fault ${fault.status}` };
                return send(fault.status, body, headers);
            }
            // delay only: fall through to the normal answer
        }

        if (req.method !== "GET") return send(405, { message: "Method not allowed" });
        if (endpoint === "health") {
            return send(200, { commit: "fake", database: "ok", version: this.opts.version });
        }
        const ruleList =
            this.alertRules && (url.pathname === "/api/v1/provisioning/alert-rules" || (endpoint === "provisioning" && !this.alerting));
        if (ruleList) {
            if (!this.authorized(req))
                return send(401, { message: "Invalid username or password", messageId: "password-auth.failed", statusCode: 401 });
            return this.answerRules(url.pathname, send);
        }
        if (this.alerting && ["rules", "receivers", "provisioning", "policies"].includes(endpoint)) {
            if (!this.authorized(req))
                return send(401, { message: "Invalid username or password", messageId: "password-auth.failed", statusCode: 401 });
            const answer = this.alerting.answer(endpoint, url);
            return send(answer.status, answer.body);
        }
        const v2 = /^\/apis\/dashboard\.grafana\.app\/v2beta1\/namespaces\/default\/dashboards\/([^/]+)$/.exec(url.pathname);
        if (v2 && this.authorized(req)) return this.answerV2(decodeURIComponent(v2[1]), send);
        if ((endpoint === "other" && !dashboardPath) || alertingEndpoint(url.pathname)) return send(404, { message: "Not found" });
        if (!this.authorized(req)) {
            if (/^Bearer /.test(req.headers.authorization ?? ""))
                return send(401, { message: "Invalid API key", messageId: "api-key.invalid", statusCode: 401 });
            // Grafana's answer to an API call with wrong Basic credentials.
            return send(401, { message: "Invalid username or password", messageId: "password-auth.failed", statusCode: 401 });
        }
        if (dashboardPath) {
            // grafana pkg/api/dashboard.go GetDashboard: an unknown UID is
            // response.Error(404, "Dashboard not found", err), which in production is the JSON
            // {"message": "Dashboard not found"} (pkg/api/response/response.go Error).
            const uid = decodeURIComponent(dashboardPath[1]);
            const panels = this.panelsOf(uid);
            if (!panels) return send(404, { message: "Dashboard not found" });
            if (this.opts.dashboardsV2.includes(uid))
                return send(406, {
                    message: `dashboard api version not supported, use /apis/dashboard.grafana.app/v2beta1/namespaces/default/dashboards/${uid} instead`,
                });
            return send(200, {
                dashboard: { uid, title: `Fake ${uid}`, version: 1, schemaVersion: 39, panels: panels.map(panelJson) },
                meta: { slug: uid, url: `/d/${uid}/${uid}`, folderTitle: "General", canSave: true, canEdit: true, provisioned: false },
            });
        }
        if (endpoint === "settings") {
            return send(200, {
                appUrl: `${this.url}/`,
                rendererAvailable: this.opts.rendererAvailable,
                rendererVersion: this.opts.rendererAvailable ? this.opts.rendererVersion : "",
                buildInfo: { version: this.opts.version, edition: "Open Source" },
            });
        }
        return this.answerRender(url, send);
    }

    /** /render/<path>: what Grafana and the renderer answer (see the header). */
    private answerRender(url: URL, send: (status: number, body: Buffer | string | object, headers?: Record<string, string>) => void): void {
        const m = /^\/render\/d-solo\/([^/]+)\/[^/]*$/.exec(url.pathname);
        const login = url.pathname === "/render/login";
        if (!m && !login) return send(404, { message: "Not found" });
        const q = url.searchParams;
        const call: RenderCall = {
            uid: m ? decodeURIComponent(m[1]) : "",
            ...(login ? { path: "login" } : {}),
            panelId: Number(q.get("panelId")),
            width: Number(q.get("width") ?? 1000),
            height: Number(q.get("height") ?? 500),
            scale: Number(q.get("scale") ?? 1),
            timeout: Number(q.get("timeout") ?? 60),
        };
        this.renders.push(call);
        const html = { "content-type": "text/html; charset=UTF-8" };
        if (!this.opts.rendererAvailable || this.opts.renderMode === "placeholder") {
            const p = this.opts.placeholderSize;
            return send(200, makePng(p.width, p.height, [200, 200, 200]));
        }
        if (this.opts.renderMode === "error") return send(500, grafanaErrorPage("Rendering failed."), html);
        if (this.opts.renderMode === "timeout")
            return send(500, grafanaErrorPage("timeout error - you can set timeout in seconds with &amp;timeout url parameter"), html);
        // pkg/api/render.go: c.JsonApiErr(http.StatusTooManyRequests, "Too many rendering requests", err).
        if (this.opts.renderMode === "busy") return send(429, { message: "Too many rendering requests", traceID: "" });
        if (this.opts.renderMode === "login") {
            return send(
                200,
                '<!doctype html><html><head><title>Sign in</title></head><body><form action="/login" method="post"><input name="user"/><input name="password" type="password"/></form></body></html>',
                html,
            );
        }
        // A real screenshot: of the panel, of the "not found" page for an unknown dashboard
        // or panel, of the home dashboard for /login; with loginPage, of the login page.
        const size = this.rendererSize(call.width, call.height);
        const w = Math.round(size.width * call.scale);
        const h = Math.round(size.height * call.scale);
        if (login) return send(200, makePicture(w, h, this.opts.renderMode === "loginPage" ? "login" : "home"));
        return send(200, this.picture(call.uid, call.panelId, w, h));
    }

    /** What the renderer pictures for a panel URL at this size. */
    picture(uid: string, panelId: number, width: number, height: number): Buffer {
        if (this.opts.renderMode === "loginPage") return makePicture(width, height, "login");
        const known = this.panelsOf(uid)?.some((p) => panelIds(p).includes(panelId)) ?? false;
        const kind: PictureKind = known ? "panel" : "notFound";
        return makePicture(width, height, kind, known ? panelId : 0);
    }

    /** A schema-v2 dashboard through Grafana's /apis (dashboard.grafana.app v2beta1): panels in spec.elements. */
    private answerV2(uid: string, send: (status: number, body: object) => void): void {
        const panels = this.panelsOf(uid);
        if (!panels || !this.opts.dashboardsV2.includes(uid)) return send(404, { kind: "Status", status: "Failure", code: 404 });
        const elements = Object.fromEntries(
            panels.flatMap(panelIds).map((id) => [`panel-${id}`, { kind: "Panel", spec: { id, title: `Panel ${id}` } }]),
        );
        send(200, {
            kind: "Dashboard",
            apiVersion: "dashboard.grafana.app/v2beta1",
            metadata: { name: uid, namespace: "default" },
            spec: { title: `Fake ${uid}`, elements, layout: { kind: "GridLayout", spec: { items: [] } } },
        });
    }

    /**
     * The provisioning API's rules: pkg/services/ngalert/api/api_provisioning.go
     * RouteGetAlertRules (200, a JSON list of ProvisionedAlertRule) and RouteGetAlertRule
     * (200, or 404 for an unknown UID); fields from
     * pkg/services/ngalert/api/tooling/definitions/provisioning_alert_rules.go.
     */
    private answerRules(pathname: string, send: (status: number, body: object) => void): void {
        const view = (r: FakeAlertRule) => ({
            id: 1,
            uid: r.uid,
            orgID: 1,
            folderUID: "gsa-folder-dev",
            ruleGroup: r.ruleGroup ?? "cpu",
            title: r.title,
            condition: "C",
            data: [],
            updated: "2026-11-23T09:00:00Z",
            noDataState: "NoData",
            execErrState: "Error",
            for: "5m",
            annotations: {
                ...(r.dashboardUid !== undefined ? { __dashboardUid__: r.dashboardUid } : {}),
                ...(r.panelId !== undefined ? { __panelId__: String(r.panelId) } : {}),
                summary: `${r.title} (fake)`,
            },
            labels: {},
            provenance: "api",
            isPaused: false,
        });
        const rules = this.alertRules ?? [];
        if (pathname === "/api/v1/provisioning/alert-rules") return send(200, rules.map(view));
        const uid = decodeURIComponent(pathname.split("/").pop() ?? "");
        const rule = rules.find((r) => r.uid === uid);
        if (!rule) return send(404, { message: "could not find alert rule" });
        return send(200, view(rule));
    }

    /** The viewport the renderer uses for a requested size (v5 clamps it; older ones do not). */
    rendererSize(width: number, height: number): { width: number; height: number } {
        const v =
            this.opts.rendererViewport === undefined
                ? Number(this.opts.rendererVersion.split(".")[0]) >= 5
                    ? RENDERER_V5_VIEWPORT
                    : null
                : this.opts.rendererViewport;
        if (!v) return { width, height };
        // pkg/service/browser.go WithViewport: below the minimum -> the minimum; above a positive maximum -> the maximum.
        const clamp = (x: number, min: number, max: number) => (x < min ? min : max > 0 && x > max ? max : x);
        return { width: clamp(width, v.minWidth, v.maxWidth), height: clamp(height, v.minHeight, v.maxHeight) };
    }

    private panelsOf(uid: string): FakePanel[] | undefined {
        if (!this.opts.dashboards) return [1, 2];
        return this.opts.dashboards[uid];
    }
}

function panelIds(p: FakePanel): number[] {
    return typeof p === "number" ? [p] : [p.row, ...p.panels];
}

/** A panel as Grafana stores it; a collapsed row keeps its panels in its own `panels`. */
function panelJson(p: FakePanel): Record<string, unknown> {
    if (typeof p === "number") return { id: p, type: "timeseries", title: `Panel ${p}`, gridPos: { h: 8, w: 12, x: 0, y: 0 } };
    return {
        id: p.row,
        type: "row",
        title: `Row ${p.row}`,
        collapsed: true,
        gridPos: { h: 1, w: 24, x: 0, y: 0 },
        panels: p.panels.map(panelJson),
    };
}
