// Grafana side of the verification: health, renderer availability, and a real render.
// Over shared/grafanaHttp.ts, the one Grafana client.
import { verificationError } from "../shared/messages";
import { grafanaGet, type GrafanaEndpoint, type GrafanaResponse } from "../shared/grafanaHttp";

export { grafanaGet, type GrafanaEndpoint, type GrafanaResponse } from "../shared/grafanaHttp";
import { clip } from "../shared/redaction";
import { readPngHeader } from "./png";
import { backoff, sleep, type VerifyTiming } from "../shared/timing";
import { parseVersion } from "../shared/images";

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

/** Grafana's own error text (`{"message": ...}`), shortened; empty when there is none. */
function grafanaMessage(r: GrafanaResponse): string {
    try {
        const m = JSON.parse(r.body.toString("utf8"))?.message;
        if (typeof m === "string" && m) return clip(r.scrub(m), 200);
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
    let host: string;
    let port: string;
    try {
        const u = new URL(url);
        host = u.hostname;
        port = u.port || (u.protocol === "https:" ? "443" : "80");
    } catch {
        return `${displayUrl(url)} is not a valid URL`;
    }
    const code = err?.cause?.code;
    if (code === "ERR_INVALID_URL") return `${displayUrl(url)} is not a valid URL`;
    if (err?.cause?.message === "bad port")
        return `fetch refuses to connect to port ${port} (a port browsers block, on the Fetch standard's bad-port list); use another port`;
    if (code === "ECONNREFUSED")
        return `the connection to ${host}:${port} was refused: nothing listens there (Grafana is not running, or the port is not published or forwarded)`;
    if (code === "ENOTFOUND")
        return `the host name ${host} does not resolve (DNS): a typo, or a name only known inside Docker or the cluster`;
    return undefined;
}

/** Polls /api/health with capped exponential backoff until 200 or `healthTimeoutMs` passes. */
export async function waitForGrafana(
    target: GrafanaEndpoint,
    timing: VerifyTiming,
    hooks: WaitForGrafanaHooks = {},
): Promise<GrafanaHealth> {
    const deadline = Date.now() + timing.healthTimeoutMs;
    // Every attempt gets at least this long, so the last one before the deadline is a
    // real try (and its failure a meaningful "last" reason), not a 1 ms timeout.
    const reserve = Math.max(1, Math.min(timing.requestTimeoutMs, 1_000, timing.healthTimeoutMs / 4));
    const pauses = backoff(timing.healthIntervalMs, 2, timing.healthMaxIntervalMs);
    let attempts = 0;
    for (;;) {
        attempts++;
        let last: string;
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
        const waitMs = Math.min(pauses.next().value, remaining - reserve);
        hooks.onWait?.({ attempt: attempts, last, waitMs, remainingMs: remaining });
        await sleep(waitMs);
    }
}

export interface RendererInfo {
    rendererVersion?: string;
    grafanaVersion?: string;
    /** Grafana's [server] root_url (`appUrl`, pkg/api/frontendsettings.go): the base of the links in its alerts. */
    appUrl?: string;
}

/** Asks Grafana (with the credentials) whether it has a renderer: `rendererAvailable`. */
export async function checkRendererAvailable(target: GrafanaEndpoint, timing: VerifyTiming): Promise<RendererInfo> {
    const endpoint = "GET /api/frontend/settings";
    let r: GrafanaResponse;
    try {
        r = await grafanaGet(target, "/api/frontend/settings", timing.requestTimeoutMs);
    } catch (e) {
        throw verificationError("grafana_http_error", {
            endpoint,
            url: displayUrl(target.url),
            detail: describeFetchError(e, timing.requestTimeoutMs),
        });
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
            detail:
                r.status === 200
                    ? `it answered HTTP 200 with ${r.contentType || "no content type"}, not Grafana's JSON settings`
                    : `it answered HTTP ${r.status}${msg ? ` (${msg})` : ""}`,
        });
    }
    if (settings.rendererAvailable !== true) throw verificationError("renderer_not_configured", {});
    return {
        rendererVersion: typeof settings.rendererVersion === "string" && settings.rendererVersion ? settings.rendererVersion : undefined,
        grafanaVersion: typeof settings.buildInfo?.version === "string" ? settings.buildInfo.version : undefined,
        appUrl: typeof settings.appUrl === "string" && settings.appUrl ? settings.appUrl : undefined,
    };
}

export interface PanelRef {
    dashboardUid: string;
    panelId: number;
    /** Grafana organisation of the dashboard; 1 unless you use several. */
    orgId?: number;
}

export interface DashboardInfo {
    title?: string;
    panelTitle?: string;
    /** Every panel ID in the dashboard, rows' nested panels included. */
    panelIds: number[];
}

/** Every panel in a dashboard's JSON: top-level panels, panels inside (collapsed) rows, and old-style `rows[].panels`. */
export function dashboardPanels(dashboard: any): Array<{ id: number; title?: string }> {
    const out: Array<{ id: number; title?: string }> = [];
    const walk = (list: unknown) => {
        if (!Array.isArray(list)) return;
        for (const p of list) {
            if (!p || typeof p !== "object") continue;
            if (typeof p.id === "number") out.push({ id: p.id, title: typeof p.title === "string" ? p.title : undefined });
            walk(p.panels);
        }
    };
    walk(dashboard?.panels);
    if (Array.isArray(dashboard?.rows)) for (const r of dashboard.rows) walk(r?.panels);
    return out;
}

/**
 * A dashboard stored in schema v2, through the path Grafana's 406 names (pkg/api/dashboard.go
 * GetDashboard: "dashboard api version not supported, use /apis/dashboard.grafana.app/<version>/
 * namespaces/<ns>/dashboards/<uid> instead"). Its panels are spec.elements of kind Panel or
 * LibraryPanel, each with its `id`. Answered as the classic API would, for the caller.
 */
async function readDashboardV2(
    target: GrafanaEndpoint,
    ref: PanelRef,
    refused: GrafanaResponse,
    timing: VerifyTiming,
): Promise<GrafanaResponse> {
    const path = /\/apis\/dashboard\.grafana\.app\/[A-Za-z0-9]+\/namespaces\/[^/\s]+\/dashboards\/[^/\s]+/.exec(
        grafanaMessage(refused),
    )?.[0];
    const url = displayUrl(target.url);
    if (!path) {
        throw verificationError("grafana_http_error", {
            endpoint: `GET /api/dashboards/uid/${ref.dashboardUid}`,
            url,
            detail: `it answered HTTP 406 (${grafanaMessage(refused) || "no message"}): a dashboard this Grafana serves only through its /apis API, which it did not name`,
        });
    }
    const r = await getDashboardJson(target, path, ref, timing);
    if (r.status !== 200) return r;
    let doc: any;
    try {
        doc = JSON.parse(r.body.toString("utf8"));
    } catch {
        return r;
    }
    const elements: any[] = Object.values(doc?.spec?.elements ?? {});
    const panels = elements
        .filter((e) => (e?.kind === "Panel" || e?.kind === "LibraryPanel") && typeof e?.spec?.id === "number")
        .map((e) => ({ id: e.spec.id as number, title: typeof e.spec.title === "string" ? (e.spec.title as string) : undefined }));
    const dashboard = { v2: true, title: doc?.spec?.title, panels };
    return { ...r, body: Buffer.from(JSON.stringify({ dashboard })) };
}

/** GET a dashboard's JSON in the panel's organisation; a request that fails is grafana_http_error. */
async function getDashboardJson(target: GrafanaEndpoint, path: string, ref: PanelRef, timing: VerifyTiming): Promise<GrafanaResponse> {
    try {
        // X-Grafana-Org-Id selects the organisation for an API request (Grafana's context handler).
        const org: Record<string, string> = ref.orgId ? { "X-Grafana-Org-Id": String(ref.orgId) } : {};
        return await grafanaGet(target, path, timing.requestTimeoutMs, "application/json", org);
    } catch (e) {
        const detail = describeFetchError(e, timing.requestTimeoutMs);
        throw verificationError("grafana_http_error", { endpoint: `GET ${path}`, url: displayUrl(target.url), detail });
    }
}

/**
 * Looks the dashboard up before rendering: Grafana's /render never does, and renders an
 * unknown dashboard or panel as a 200 PNG of its "not found" page (see the fake Grafana).
 */
export async function checkDashboardPanel(target: GrafanaEndpoint, ref: PanelRef, timing: VerifyTiming): Promise<DashboardInfo> {
    const path = `/api/dashboards/uid/${encodeURIComponent(ref.dashboardUid)}`;
    const endpoint = `GET ${path}`;
    const url = displayUrl(target.url);
    let r = await getDashboardJson(target, path, ref, timing);
    if (isAuthFailure(r)) throw verificationError("grafana_auth", { url, endpoint, status: r.status });
    if (r.status === 404) {
        const msg = grafanaMessage(r);
        throw verificationError("dashboard_not_found", { dashboardUid: ref.dashboardUid, url, detail: msg ? `"${msg}"` : "no message" });
    }
    // A schema-v2 dashboard (Grafana 12+): the classic API refuses it and names the /apis path.
    if (r.status === 406) r = await readDashboardV2(target, ref, r, timing);
    let body: any;
    try {
        body = r.status === 200 ? JSON.parse(r.body.toString("utf8")) : undefined;
    } catch {
        body = undefined;
    }
    if (r.status !== 200 || typeof body?.dashboard !== "object" || body.dashboard === null) {
        const msg = grafanaMessage(r);
        throw verificationError("grafana_http_error", {
            endpoint,
            url,
            detail:
                r.status === 200
                    ? `it answered HTTP 200 with ${r.contentType || "no content type"}, not a dashboard`
                    : `it answered HTTP ${r.status}${msg ? ` (${msg})` : ""}`,
        });
    }
    const panels: Array<{ id: number; title?: string }> = body.dashboard.v2 ? body.dashboard.panels : dashboardPanels(body.dashboard);
    const ids = [...new Set(panels.map((p) => p.id))].sort((a, b) => a - b);
    const panel = panels.find((p) => p.id === ref.panelId);
    if (!panel) {
        throw verificationError("panel_not_found", {
            dashboardUid: ref.dashboardUid,
            panelId: ref.panelId,
            panels: ids.length ? ids.join(", ") : "(none)",
        });
    }
    return { title: typeof body.dashboard.title === "string" ? body.dashboard.title : undefined, panelTitle: panel.title, panelIds: ids };
}

export interface RenderRequest extends PanelRef {
    width: number;
    height: number;
    /** The renderer's version as Grafana reports it: decides the size the renderer will produce. */
    rendererVersion?: string;
}

export interface RenderedImage {
    png: Buffer;
    width: number;
    height: number;
    bytes: number;
    renderMs: number;
}

/**
 * Renderer v5's default viewport bounds (grafana-image-renderer pkg/config/config.go:
 * browser.min-width 1000, min-height 500, max-width 3000, max-height 3000). It clamps a
 * requested size into them (pkg/service/browser.go WithViewport), so a smaller request
 * comes back bigger. Requested sizes are validated within these bounds, which every
 * renderer then renders exactly.
 */
export const RENDERER_SIZE_BOUNDS = { minWidth: 1000, maxWidth: 3000, minHeight: 500, maxHeight: 3000 };

/** Why a requested size is out of bounds, or undefined when it is fine. */
export function sizeProblem(name: "width" | "height", value: unknown): string | undefined {
    const [min, max] =
        name === "width"
            ? [RENDERER_SIZE_BOUNDS.minWidth, RENDERER_SIZE_BOUNDS.maxWidth]
            : [RENDERER_SIZE_BOUNDS.minHeight, RENDERER_SIZE_BOUNDS.maxHeight];
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        return `${name} must be a whole number of pixels from ${min} to ${max}: renderer v5 clamps the viewport to ${RENDERER_SIZE_BOUNDS.minWidth}-${RENDERER_SIZE_BOUNDS.maxWidth} x ${RENDERER_SIZE_BOUNDS.minHeight}-${RENDERER_SIZE_BOUNDS.maxHeight} by default (BROWSER_MIN/MAX_WIDTH/HEIGHT), so another size would not come back as asked`;
    }
    return undefined;
}

/** The size a render comes back at: v5 (or an unknown version) clamps; v4 and older render as asked. */
export function expectedRenderSize(width: number, height: number, rendererVersion?: string): { width: number; height: number } {
    const version = parseVersion(rendererVersion ?? "");
    if (version && version.major < 5) return { width, height };
    const b = RENDERER_SIZE_BOUNDS;
    return { width: Math.min(Math.max(width, b.minWidth), b.maxWidth), height: Math.min(Math.max(height, b.minHeight), b.maxHeight) };
}

/** The seconds Grafana is asked to give the renderer (its `timeout` parameter, whole seconds). */
export function renderTimeoutSeconds(timing: VerifyTiming): number {
    return Math.max(1, Math.ceil(timing.renderTimeoutMs / 1000));
}

/**
 * How long the client waits for /render: the timeout asked of Grafana plus a margin.
 * The renderer stops at that timeout (renderer pkg/api/render.go: a context with the
 * `timeout` parameter, then 408), and Grafana waits for it up to twice as long
 * (grafana pkg/services/rendering/interface.go getRequestTimeout: Timeout * 2 by default,
 * "gives service some additional time to timeout and return possible errors" in
 * http_mode.go). Aborting at exactly the timeout would cut off Grafana's own answer.
 */
export function renderAbortMs(timing: VerifyTiming): number {
    return timing.renderTimeoutMs + timing.renderAbortMarginMs;
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

/** The heading of Grafana's HTML error page (public/views/error.html puts the title in <h2>). */
export function htmlErrorTitle(body: Buffer, scrub: (text: string) => string = (t) => t): string {
    const text = body.toString("utf8");
    const h2 = /<h2[^>]*>([\s\S]*?)<\/h2>/i.exec(text)?.[1] ?? /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text)?.[1] ?? "";
    const clean = h2
        .replace(/<[^>]+>/g, "")
        .replace(/&amp;/g, "&")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&#34;|&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/\s+/g, " ")
        .trim();
    return clip(scrub(clean), 200);
}

/** Grafana's reason for a failed render: the HTML error page's title, or the JSON message. */
function renderErrorReason(r: GrafanaResponse): string {
    if (/html/i.test(r.contentType)) return htmlErrorTitle(r.body, r.scrub);
    return grafanaMessage(r);
}

/**
 * Renders one panel through Grafana and proves the result is a real render: a PNG whose
 * own IHDR size is what the renderer produces for the requested size. Every other answer
 * becomes a catalogued failure (see the fake Grafana for where each comes from).
 */
export async function renderPanel(target: GrafanaEndpoint, req: RenderRequest, timing: VerifyTiming): Promise<RenderedImage> {
    return fetchRender(target, renderPath(req, renderTimeoutSeconds(timing)), req, timing);
}

/**
 * The path of any page rendered through Grafana, e.g. `login`: /render/<path> pictures that
 * path of Grafana (pkg/api/render.go: `Path: web.Params(c.Req)["*"] + queryParams`).
 */
export function renderPagePath(page: string, req: RenderRequest, timeoutSec: number): string {
    const q = new URLSearchParams({
        orgId: String(req.orgId ?? 1),
        width: String(req.width),
        height: String(req.height),
        scale: "1",
        tz: "UTC",
        timeout: String(timeoutSec),
    });
    return `/render/${page}?${q.toString()}`;
}

/** One GET of a render path, its answer checked as renderPanel describes (`req` names the panel in messages). */
export async function fetchRender(target: GrafanaEndpoint, path: string, req: RenderRequest, timing: VerifyTiming): Promise<RenderedImage> {
    const timeoutSec = renderTimeoutSeconds(timing);
    const abortMs = renderAbortMs(timing);
    const endpoint = `GET ${path.split("?")[0]}`;
    const params = { dashboardUid: req.dashboardUid, panelId: req.panelId, endpoint, url: displayUrl(target.url) };
    const started = Date.now();
    let r: GrafanaResponse;
    try {
        r = await grafanaGet(target, path, abortMs, "image/png");
    } catch (e) {
        const err = e as { name?: string };
        if (err?.name === "TimeoutError" || err?.name === "AbortError") {
            const margin = +(timing.renderAbortMarginMs / 1000).toFixed(3);
            throw verificationError("render_timeout", {
                ...params,
                detail: `Grafana did not answer ${endpoint} within ${+(abortMs / 1000).toFixed(3)}s (the ${timeoutSec}s render timeout asked of it, plus ${margin}s for its answer)`,
            });
        }
        throw verificationError("grafana_http_error", { ...params, detail: describeFetchError(e, abortMs) });
    }
    const renderMs = Date.now() - started;
    if (isAuthFailure(r)) throw verificationError("grafana_auth", { ...params, status: r.status });
    if (r.status !== 200) throw renderStatusError(r, params, timeoutSec);
    const header = readPngHeader(r.body);
    if (!header.ok) {
        const what = /html/i.test(r.contentType)
            ? `an HTML page${htmlErrorTitle(r.body, r.scrub) ? ` titled "${htmlErrorTitle(r.body, r.scrub)}"` : ""}`
            : `${r.contentType || "no content type"} (${header.reason})`;
        throw verificationError("render_not_image", { ...params, detail: what });
    }
    // A 200 PNG of another size: with rendererAvailable=true (checked before) this is
    // Grafana's rendering_limit image (concurrency limit). Grafana without a renderer also
    // answers 200 with a fixed image, rendering_plugin_not_installed.png: so it reads in
    // pkg/services/rendering/rendering.go render() through 11.x-12.x and in the v2 adapter
    // (rendering/v2 adapter: ErrRenderUnavailable -> that image unless ErrorRenderUnavailable),
    // and pkg/api/render.go never sets ErrorRenderUnavailable. We found no 11.5-13 source that
    // answers 500 for "no renderer"; if one does, it lands in render_failed above, which also
    // names the wiring. Either way renderer_not_configured catches it first.
    const expected = expectedRenderSize(req.width, req.height, req.rendererVersion);
    if (header.width !== expected.width || header.height !== expected.height) {
        const asked =
            expected.width === req.width && expected.height === req.height
                ? `${req.width}x${req.height}`
                : `${expected.width}x${expected.height} (the requested ${req.width}x${req.height} within the renderer's bounds)`;
        throw verificationError("renderer_placeholder", {
            ...params,
            detail: `the PNG is ${header.width}x${header.height} (${r.body.length} bytes), not ${asked}`,
        });
    }
    return { png: r.body, width: header.width, height: header.height, bytes: r.body.length, renderMs };
}

/** A render answered with another status than 200, as a catalogued failure. */
function renderStatusError(r: GrafanaResponse, params: Record<string, string | number>, timeoutSec: number): Error {
    const reason = renderErrorReason(r);
    const quoted = reason ? ` "${reason}"` : "";
    // pkg/api/render.go: ErrTimeout -> c.Handle(500, err.Error()), any other failure -> "Rendering failed.".
    if (r.status === 500 && /^timeout error/i.test(reason)) {
        return verificationError("render_timeout", {
            ...params,
            detail: `${params.endpoint} answered HTTP 500${quoted}: the renderer did not answer Grafana within its deadline (twice the ${timeoutSec}s render timeout)`,
        });
    }
    if (r.status === 500) return verificationError("render_failed", { ...params, detail: `HTTP 500${quoted}` });
    if (r.status === 429) return verificationError("render_busy", params);
    return verificationError("render_rejected", {
        ...params,
        detail: `HTTP ${r.status}${quoted}${r.status === 404 ? " (no render endpoint here: is this Grafana?)" : ""}`,
    });
}
