// A fake Grafana speaking the parts of the real HTTP API the verifier uses:
//   GET /api/health               (no auth)  -> {"database":"ok","version":...}
//   GET /api/frontend/settings    (auth)     -> {..., "rendererAvailable", "rendererVersion", "buildInfo"}
//   GET /render/d-solo/<uid>/<slug>?panelId&width&height&scale   (auth) -> image/png
// Without a working renderer it does what Grafana does: HTTP 200 with a small
// placeholder PNG. Faults and latency per endpoint: `health`, `settings`, `render`.
import type * as http from "node:http";
import { FaultBook, readBody, sleep, startServer, type FaultRule, type StartedServer } from "./faults";
import { makePng } from "./png";

export interface FakeGrafanaOptions {
    /** Admin user and password accepted with Basic auth. */
    user?: string;
    password?: string;
    version?: string;
    /** What /api/frontend/settings reports. Default true. */
    rendererAvailable?: boolean;
    rendererVersion?: string;
    /**
     * How /render behaves: `real` (a PNG of exactly width*scale x height*scale),
     * `placeholder` (200 + a fixed-size PNG, as Grafana without a working renderer),
     * `error` (500 {"message":"Rendering failed: ..."}, as Grafana when the renderer errors).
     */
    renderMode?: "real" | "placeholder" | "error";
    /** Size of the placeholder image. Default 400x120. */
    placeholderSize?: { width: number; height: number };
    /** Dashboards that exist (uid -> panel IDs); others answer 404. Default: any. */
    dashboards?: Record<string, number[]>;
    faults?: FaultRule[];
    latencyMs?: number;
    /**
     * A service account token also accepted, as `Authorization: Bearer <token>`; a wrong
     * one answers 401 {"message":"Invalid API key","messageId":"api-key.invalid"}
     * (grafana pkg/services/authn/clients/api_key.go, errAPIKeyInvalid).
     */
    apiToken?: string;
}

export interface RenderCall {
    uid: string;
    panelId: number;
    width: number;
    height: number;
    scale: number;
}

export class FakeGrafana {
    readonly faults = new FaultBook();
    readonly renders: RenderCall[] = [];
    opts: Required<Omit<FakeGrafanaOptions, "faults" | "latencyMs" | "dashboards" | "apiToken">> & { dashboards?: Record<string, number[]>; apiToken?: string };
    private started?: StartedServer;

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
        };
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
        return this.started?.close() ?? Promise.resolve();
    }

    private authorized(req: http.IncomingMessage): boolean {
        const h = req.headers.authorization ?? "";
        const m = /^Basic (.+)$/.exec(h);
        if (!m) return false;
        return Buffer.from(m[1], "base64").toString("utf8") === this.auth;
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const started = Date.now();
        await readBody(req);
        const url = new URL(req.url ?? "/", "http://fake");
        const endpoint =
            url.pathname === "/api/health" ? "health" : url.pathname === "/api/frontend/settings" ? "settings" : url.pathname.startsWith("/render/") ? "render" : "other";
        const entry = { seq: this.faults.log.length + 1, endpoint, httpMethod: req.method ?? "GET", path: url.pathname, status: 0, at: started, durationMs: 0 } as {
            seq: number; endpoint: string; httpMethod: string; path: string; status: number; fault?: string; at: number; durationMs: number;
        };
        this.faults.log.push(entry);
        const send = (status: number, body: Buffer | string | object, headers: Record<string, string> = {}) => {
            const isBuf = Buffer.isBuffer(body);
            const payload = isBuf ? body : typeof body === "string" ? body : JSON.stringify(body);
            const type = isBuf ? "image/png" : typeof body === "string" ? "text/plain; charset=utf-8" : "application/json";
            entry.status = status;
            entry.durationMs = Date.now() - started;
            res.writeHead(status, { "content-type": type, ...headers });
            res.end(payload);
        };

        const latency = this.faults.latencyFor(endpoint);
        if (latency > 0) await sleep(latency);
        const fault = this.faults.take(endpoint);
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
                const body = endpoint === "health" ? { database: "failing", version: this.opts.version } : { message: `injected fault ${fault.status}` };
                return send(fault.status, body, headers);
            }
            // delay only: fall through to the normal answer
        }

        if (req.method !== "GET") return send(405, { message: "Method not allowed" });
        if (endpoint === "health") {
            return send(200, { commit: "fake", database: "ok", version: this.opts.version });
        }
        if (endpoint === "other") return send(404, { message: "Not found" });
        const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
        if (bearer && bearer[1] !== this.opts.apiToken) {
            return send(401, { message: "Invalid API key", messageId: "api-key.invalid", statusCode: 401 });
        }
        if (!bearer && !this.authorized(req)) {
            // Grafana's answer to an API call with wrong Basic credentials.
            return send(401, { message: "Invalid username or password", messageId: "password-auth.failed", statusCode: 401 });
        }
        if (endpoint === "settings") {
            return send(200, {
                appUrl: `${this.url}/`,
                rendererAvailable: this.opts.rendererAvailable,
                rendererVersion: this.opts.rendererAvailable ? this.opts.rendererVersion : "",
                buildInfo: { version: this.opts.version, edition: "Open Source" },
            });
        }
        // render
        const m = /^\/render\/d-solo\/([^/]+)\/[^/]*$/.exec(url.pathname);
        if (!m) return send(404, { message: "Not found" });
        const q = url.searchParams;
        const call: RenderCall = {
            uid: decodeURIComponent(m[1]),
            panelId: Number(q.get("panelId")),
            width: Number(q.get("width") ?? 1000),
            height: Number(q.get("height") ?? 500),
            scale: Number(q.get("scale") ?? 1),
        };
        this.renders.push(call);
        if (this.opts.dashboards && !(this.opts.dashboards[call.uid] ?? []).includes(call.panelId)) {
            return send(404, { message: "Dashboard not found" });
        }
        if (!this.opts.rendererAvailable || this.opts.renderMode === "placeholder") {
            const p = this.opts.placeholderSize;
            return send(200, makePng(p.width, p.height, [200, 200, 200]));
        }
        if (this.opts.renderMode === "error") {
            return send(500, { message: "Rendering failed: Error: net::ERR_CONNECTION_REFUSED at http://grafana:3000/d-solo/" });
        }
        return send(200, makePng(Math.round(call.width * call.scale), Math.round(call.height * call.scale)));
    }
}
