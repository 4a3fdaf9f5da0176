// What no message may show, found by its shape: URL credentials, Slack and Grafana tokens,
// Basic/Bearer credentials and long random-looking strings. The verifier's scrubber
// (verify/messages.ts makeScrubber) removes the secrets it knows exactly; these patterns are
// the second line for the ones nobody told it about (a token pasted into the wrong key, a
// proxy echoing the Authorization header). Shortening always happens after this, never
// before: a cut can otherwise leave half a secret that no exact match finds.

/** Longest quoted value a config message shows. */
export const MAX_QUOTED = 200;
const REDACTED = "[redacted]";

/**
 * Token shapes. Slack: xoxb-/xoxp-/xoxa-/xoxr-/xoxs-/xoxe- and app-level xapp- tokens
 * (docs.slack.dev/authentication/tokens); Grafana: service account tokens glsa_ and Cloud
 * tokens glc_ (grafana.com/docs/grafana/latest/administration/service-accounts/); JWTs
 * (three base64url parts, the first `eyJ`). At least 8 characters after the prefix, so the
 * placeholders in our own help texts (`xoxb-...`, `glsa_...`) stay readable.
 */
const TOKEN_SHAPES = [
    /\bxox[a-z]\.?[a-z]*-[A-Za-z0-9-]{8,}/g,
    /\bxapp-[A-Za-z0-9-]{8,}/g,
    /\bgl(?:sa|c)_[A-Za-z0-9_+/=-]{8,}/g,
    /\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*/g,
];

/** `scheme://user:password@`: the userinfo goes, the rest of the URL stays. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'<>]+@/gi;

/** `Basic <base64 of user:password>` and `Bearer <token>`, as an echoed Authorization header shows them. */
const AUTH_SCHEMES = /\b(Basic|Bearer)(\s+)([A-Za-z0-9+/=._~-]+)/g;

/** A run of 32+ token characters mixing upper case, lower case and digits: a key, not a word or a UID. */
const LONG_RANDOM = /[A-Za-z0-9+/_=-]{32,}/g;

function isCredential(scheme: string, value: string): boolean {
    if (scheme === "Basic") return value.length >= 4 && Buffer.from(value, "base64").toString("utf8").includes(":");
    return value.length >= 16 && /\d/.test(value);
}

function randomLooking(run: string): boolean {
    return /[A-Z]/.test(run) && /[a-z]/.test(run) && /\d/.test(run);
}

/** Removes URL credentials, token-shaped strings and Basic/Bearer credentials from any text. */
export function redactSecrets(text: string): string {
    let out = text.replace(URL_USERINFO, `$1${REDACTED}@`);
    for (const shape of TOKEN_SHAPES) out = out.replace(shape, REDACTED);
    return out.replace(AUTH_SCHEMES, (whole, scheme: string, space: string, value: string) =>
        isCredential(scheme, value) ? `${scheme}${space}${REDACTED}` : whole,
    );
}

/** Whether a value (a whole config value) looks like a token rather than a setting. */
export function looksLikeToken(value: string): boolean {
    const v = value.trim();
    return redactSecrets(v) !== v || (v.match(LONG_RANDOM) ?? []).some(randomLooking);
}

/** Redacts, then shortens to `max` characters, saying how long it was. */
export function clip(text: string, max: number): string {
    const clean = redactSecrets(text);
    return clean.length > max ? `${clean.slice(0, max)}... (${clean.length} characters)` : clean;
}

/**
 * A text that quotes values (JSON-style "..."), made safe to print: each quoted value is
 * redacted, loses any long random-looking run and is cut to MAX_QUOTED characters; the
 * text around it is redacted too. For config problems and warnings, which quote what the
 * user typed.
 */
export function safeMessage(text: string): string {
    const quoted = text.replace(/"(?:[^"\\]|\\.)*"/g, (q) => {
        const inner = redactSecrets(q.slice(1, -1)).replace(LONG_RANDOM, (run) => (randomLooking(run) ? REDACTED : run));
        return inner.length > MAX_QUOTED ? `"${inner.slice(0, MAX_QUOTED)}..." (${inner.length} characters)` : `"${inner}"`;
    });
    return redactSecrets(quoted);
}
