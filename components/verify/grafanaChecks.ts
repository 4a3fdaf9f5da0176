// Grafana side of the verification: health, renderer availability, and a real render.
// Uses Node's built-in fetch (no client library) and nothing captured from the program,
// because these functions also run inside the serialized dynamic provider.
import { verificationError } from "./messages";
import { readPngHeader } from "./png";
import { sleep, type VerifyTiming } from "./timing";

export interface GrafanaTarget {
    /** Base URL of Grafana's HTTP API as seen from this machine, e.g. `http://localhost:3000`. */
    url: string;
    /** `user:password` (Basic auth) or a service-account token (Bearer). */
    auth?: string;
}

export interface GrafanaResponse {
    status: number;
    contentType: string;
    location?: string;
    body: Buffer;
}

/** URL without credentials or trailing slash, safe to print. */
export function displayUrl(url: string): string {
    try {
        const u = new URL(url);
        u.username = "";
        u.password = "";
        return u.toString().replace(/\/+$/, "");
    } catch {
        return url.replace(/\/+$/, "");
    }
}

/** Short, secret-free description of why a fetch failed. */
export function describeFetchError(e: unknown, timeoutMs: number): string {
    const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (err?.name === "TimeoutError" || err?.name === "AbortError") return `no answer within ${timeoutMs} ms`;
    const code = err?.cause?.code;
    if (code === "ECONNREFUSED") return "connection refused";
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host name not found (DNS)";
    if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") return "connection closed before an answer";
    if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return "host unreachable";
    if (code) return `${code}${err.cause?.message ? ` (${err.cause.message})` : ""}`;
    return err?.cause?.message ?? err?.message ?? String(e);
}

function authHeader(auth: string | undefined): Record<string, string> {
    if (!auth) return {};
    if (auth.includes(":")) return { Authorization: `Basic ${Buffer.from(auth).toString("base64")}` };
    return { Authorization: `Bearer ${auth}` };
}

/**
 * One GET to Grafana. Redirects are not followed: Grafana redirects unauthenticated
 * browser-like requests to /login, and following them would turn a credentials problem
 * into a "200 with HTML" that looks like a placeholder.
 */
export async function grafanaGet(target: GrafanaTarget, path: string, timeoutMs: number, accept = "application/json"): Promise<GrafanaResponse> {
    const base = target.url.replace(/\/+$/, "");
    const res = await fetch(base + path, {
        method: "GET",
        headers: { Accept: accept, ...authHeader(target.auth) },
        redirect: "manual",
        signal: AbortSignal.timeout(Math.max(1, timeoutMs)),
    });
    const body = Buffer.from(await res.arrayBuffer());
    return {
        status: res.status,
        contentType: res.headers.get("content-type") ?? "",
        location: res.headers.get("location") ?? undefined,
        body,
    };
}

/** Grafana's own error text (`{"message": ...}`), shortened; empty when there is none. */
function grafanaMessage(r: GrafanaResponse): string {
    try {
        const m = JSON.parse(r.body.toString("utf8"))?.message;
        if (typeof m === "string" && m) return m.length > 200 ? `${m.slice(0, 200)}...` : m;
    } catch {
        // not JSON: fall through
    }
    return "";
}

function isAuthFailure(r: GrafanaResponse): boolean {
    return r.status === 401 || r.status === 403 || (r.status >= 300 && r.status < 400 && /\/login/.test(r.location ?? ""));
}

export interface GrafanaHealth {
    version?: string;
    attempts: number;
}

/** One wait between health attempts, for progress output. */
export interface GrafanaWait {
    attempt: number;
    /** How the attempt ended, e.g. "HTTP 503" or "connection refused". */
    last: string;
    /** The pause before the next attempt, and what is left of the health timeout. */
    waitMs: number;
    remainingMs: number;
}

export interface WaitForGrafanaHooks {
    /** Fail at the first error that waiting cannot fix (see `permanentConnectionError`) instead of retrying. */
    failFast?: boolean;
    /** Called before each pause between attempts. */
    onWait?: (w: GrafanaWait) => void;
}

/**
 * Why a failed fetch cannot succeed by retrying, in words, or undefined when it might:
 * an invalid URL, a port fetch refuses to use (the Fetch standard's "bad port" list, e.g.
 * 6000), a refused connection, a host name that does not resolve. (A refused connection
 * is only "permanent" for someone checking a running Grafana, hence `failFast` is opt-in.)
 */
export function permanentConnectionError(e: unknown, url: string): string | undefined {
    const err = e as { message?: string; cause?: { code?: string; message?: string } };
    let host = url;
    let port = "";
    try {
        const u = new URL(url);
        host = u.hostname;
        port = u.port || (u.protocol === "https:" ? "443" : "80");
    } catch {
        return `${displayUrl(url)} is not a valid URL`;
    }
    const code = err?.cause?.code;
    if (code === "ERR_INVALID_URL") return `${displayUrl(url)} is not a valid URL`;
    if (err?.cause?.message === "bad port") return `fetch refuses to connect to port ${port} (a port browsers block, on the Fetch standard's bad-port list); use another port`;
    if (code === "ECONNREFUSED") return `the connection to ${host}:${port} was refused: nothing listens there (Grafana is not running, or the port is not published or forwarded)`;
    if (code === "ENOTFOUND") return `the host name ${host} does not resolve (DNS): a typo, or a name only known inside Docker or the cluster`;
    return undefined;
}

/** Polls /api/health with capped exponential backoff until 200 or `healthTimeoutMs` passes. */
export async function waitForGrafana(target: GrafanaTarget, timing: VerifyTiming, hooks: WaitForGrafanaHooks = {}): Promise<GrafanaHealth> {
    const deadline = Date.now() + timing.healthTimeoutMs;
    // Every attempt gets at least this long, so the last one before the deadline is a
    // real try (and its failure a meaningful "last" reason), not a 1 ms timeout.
    const reserve = Math.max(1, Math.min(timing.requestTimeoutMs, 1_000, timing.healthTimeoutMs / 4));
    let interval = Math.max(1, timing.healthIntervalMs);
    let attempts = 0;
    let last = "no attempt made";
    for (;;) {
        attempts++;
        const perRequest = Math.max(reserve, Math.min(timing.requestTimeoutMs, deadline - Date.now()));
        try {
            // Health needs no credentials; sending none keeps a wrong password from
            // masquerading as "Grafana is down".
            const r = await grafanaGet({ url: target.url }, "/api/health", perRequest);
            if (r.status === 200) {
                let version: string | undefined;
                try {
                    version = JSON.parse(r.body.toString("utf8"))?.version;
                } catch {
                    version = undefined;
                }
                return { version: typeof version === "string" ? version : undefined, attempts };
            }
            const msg = grafanaMessage(r);
            last = `HTTP ${r.status}${msg ? ` ${msg}` : ""}`;
        } catch (e) {
            const permanent = hooks.failFast ? permanentConnectionError(e, target.url) : undefined;
            if (permanent) throw verificationError("grafana_connection", { url: displayUrl(target.url), reason: permanent });
            last = describeFetchError(e, perRequest);
        }
        const remaining = deadline - Date.now();
        if (remaining < reserve) {
            throw verificationError("grafana_unreachable", {
                url: displayUrl(target.url),
                seconds: +(timing.healthTimeoutMs / 1000).toFixed(3),
                last: `${attempts} attempt${attempts === 1 ? "" : "s"}, last: ${last}`,
            });
        }
        hooks.onWait?.({ attempt: attempts, last, waitMs: Math.min(interval, remaining - reserve), remainingMs: remaining });
        await sleep(Math.min(interval, remaining - reserve));
        interval = Math.min(interval * 2, Math.max(1, timing.healthMaxIntervalMs));
    }
}

export interface RendererInfo {
    rendererVersion?: string;
    grafanaVersion?: string;
}

/** Asks Grafana (with the credentials) whether it has a renderer: `rendererAvailable`. */
export async function checkRendererAvailable(target: GrafanaTarget, timing: VerifyTiming): Promise<RendererInfo> {
    const endpoint = "GET /api/frontend/settings";
    let r: GrafanaResponse;
    try {
        r = await grafanaGet(target, "/api/frontend/settings", timing.requestTimeoutMs);
    } catch (e) {
        throw verificationError("grafana_http_error", { endpoint, url: displayUrl(target.url), detail: describeFetchError(e, timing.requestTimeoutMs) });
    }
    if (isAuthFailure(r)) throw verificationError("grafana_auth", { url: displayUrl(target.url), endpoint, status: r.status });
    let settings: any;
    try {
        settings = r.status === 200 ? JSON.parse(r.body.toString("utf8")) : undefined;
    } catch {
        settings = undefined;
    }
    if (r.status !== 200 || typeof settings !== "object" || settings === null) {
        const msg = grafanaMessage(r);
        throw verificationError("grafana_http_error", {
            endpoint,
            url: displayUrl(target.url),
            detail: r.status === 200 ? `it answered HTTP 200 with ${r.contentType || "no content type"}, not Grafana's JSON settings` : `it answered HTTP ${r.status}${msg ? ` (${msg})` : ""}`,
        });
    }
    if (settings.rendererAvailable !== true) throw verificationError("renderer_not_configured", {});
    return {
        rendererVersion: typeof settings.rendererVersion === "string" && settings.rendererVersion ? settings.rendererVersion : undefined,
        grafanaVersion: typeof settings.buildInfo?.version === "string" ? settings.buildInfo.version : undefined,
    };
}

export interface RenderRequest {
    dashboardUid: string;
    panelId: number;
    width: number;
    height: number;
    /** Grafana organisation of the dashboard; 1 unless you use several. */
    orgId?: number;
}

export interface RenderedImage {
    png: Buffer;
    width: number;
    height: number;
    bytes: number;
    renderMs: number;
}

export function renderPath(req: RenderRequest, timeoutSec: number): string {
    const q = new URLSearchParams({
        orgId: String(req.orgId ?? 1),
        panelId: String(req.panelId),
        width: String(req.width),
        height: String(req.height),
        // scale=1 pins the device pixel ratio, so a real render is exactly width x height.
        scale: "1",
        tz: "UTC",
        timeout: String(timeoutSec),
    });
    // The slug segment is not looked at by Grafana; "_" keeps the URL stable.
    return `/render/d-solo/${encodeURIComponent(req.dashboardUid)}/_?${q.toString()}`;
}

/**
 * Renders one panel through Grafana and proves the result is a real render: a PNG whose
 * own IHDR size is exactly what was asked for. Grafana without a working renderer
 * answers 200 with a small fixed-size placeholder, which fails here.
 */
export async function renderPanel(target: GrafanaTarget, req: RenderRequest, timing: VerifyTiming): Promise<RenderedImage> {
    const timeoutSec = Math.max(1, Math.ceil(timing.renderTimeoutMs / 1000));
    const path = renderPath(req, timeoutSec);
    const endpoint = `GET ${path.split("?")[0]}`;
    const params = { dashboardUid: req.dashboardUid, panelId: req.panelId, endpoint, url: displayUrl(target.url) };
    const started = Date.now();
    let r: GrafanaResponse;
    try {
        r = await grafanaGet(target, path, timing.renderTimeoutMs, "image/png");
    } catch (e) {
        const err = e as { name?: string };
        if (err?.name === "TimeoutError" || err?.name === "AbortError") {
            throw verificationError("render_timeout", { ...params, seconds: +(timing.renderTimeoutMs / 1000).toFixed(3) });
        }
        throw verificationError("grafana_http_error", { ...params, detail: describeFetchError(e, timing.renderTimeoutMs) });
    }
    const renderMs = Date.now() - started;
    if (isAuthFailure(r)) throw verificationError("grafana_auth", { ...params, status: r.status });
    if (r.status !== 200) {
        const msg = grafanaMessage(r);
        const hint = r.status === 404 ? " (no such dashboard or render endpoint)" : "";
        throw verificationError("render_failed", { ...params, detail: `HTTP ${r.status}${hint}${msg ? `: ${msg}` : ""}` });
    }
    const header = readPngHeader(r.body);
    if (!header.ok) {
        throw verificationError("renderer_placeholder", {
            ...params,
            detail: `${header.reason} (content type ${r.contentType || "missing"}, ${r.body.length} bytes)`,
        });
    }
    if (header.width !== req.width || header.height !== req.height) {
        throw verificationError("renderer_placeholder", {
            ...params,
            detail: `the PNG is ${header.width}x${header.height} (${r.body.length} bytes), not the requested ${req.width}x${req.height}`,
        });
    }
    return { png: r.body, width: header.width, height: header.height, bytes: r.body.length, renderMs };
}
