// The one HTTP client for Grafana's API, used by the verifier (verify/grafanaChecks.ts),
// doctor and the preflight (alerting/preflight/preflightChecks.ts): Node's built-in fetch,
// Basic auth for `user:password` and Bearer for a token, no redirects followed, and a
// scrubber that takes the request's credentials out of whatever Grafana answers.
import { makeScrubber } from "./messages";

export interface GrafanaEndpoint {
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
    /** Takes this request's credentials out of text from the answer, before it is shortened. */
    scrub: (text: string) => string;
}

/** The Authorization header for `user:password` (Basic) or a service-account token (Bearer). */
export function authHeader(auth: string | undefined): Record<string, string> {
    if (!auth) return {};
    if (auth.includes(":")) return { Authorization: `Basic ${Buffer.from(auth).toString("base64")}` };
    return { Authorization: `Bearer ${auth}` };
}

/**
 * One request to Grafana. Redirects are not followed: Grafana redirects unauthenticated
 * browser-like requests to /login, and following them would turn a credentials problem
 * into a "200 with HTML" that looks like a placeholder (or hide a 401).
 */
export async function grafanaRequest(
    target: GrafanaEndpoint,
    method: string,
    path: string,
    timeoutMs: number,
    accept = "application/json",
    headers: Record<string, string> = {},
): Promise<GrafanaResponse> {
    const base = target.url.replace(/\/+$/, "");
    const res = await fetch(base + path, {
        method,
        headers: { Accept: accept, ...headers, ...authHeader(target.auth) },
        redirect: "manual",
        // AbortSignal.timeout takes whole milliseconds only (a fraction throws a RangeError):
        // waitForGrafana's reserve is a quarter of healthTimeoutMs, e.g. 62.5.
        signal: AbortSignal.timeout(Math.max(1, Math.ceil(timeoutMs))),
    });
    const body = Buffer.from(await res.arrayBuffer());
    return {
        status: res.status,
        contentType: res.headers.get("content-type") ?? "",
        location: res.headers.get("location") ?? undefined,
        body,
        scrub: makeScrubber([target.auth]),
    };
}

/** One GET to Grafana (grafanaRequest). */
export function grafanaGet(
    target: GrafanaEndpoint,
    path: string,
    timeoutMs: number,
    accept = "application/json",
    headers: Record<string, string> = {},
): Promise<GrafanaResponse> {
    return grafanaRequest(target, "GET", path, timeoutMs, accept, headers);
}
