// The one check of a URL this program sends requests to (config keys, the verification's
// inputs, doctor's flags): absolute http(s) with a host, and no credentials in it, since a
// URL ends up in outputs and messages while credentials must stay secret.

export type HttpUrlProblem = "not-http" | "credentials";

/** Why `value` is not a usable http(s) URL, or undefined when it is. */
export function httpUrlProblem(value: string): HttpUrlProblem | undefined {
    let u: URL;
    try {
        u = new URL(value);
    } catch {
        return "not-http";
    }
    if ((u.protocol !== "http:" && u.protocol !== "https:") || !u.hostname) return "not-http";
    if (u.username || u.password) return "credentials";
    return undefined;
}
