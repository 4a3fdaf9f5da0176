// The one canonical JSON encoding: dashboards and rule models (so an unchanged stack
// previews quietly) and the benchmark's input hashes use it alike.

/** JSON with object keys sorted recursively (the same order Go's encoding/json uses), no whitespace. */
export function canonicalJson(value: unknown): string {
    return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value !== null && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(value as object).sort()) {
            const v = (value as Record<string, unknown>)[key];
            if (v !== undefined) out[key] = sortKeys(v);
        }
        return out;
    }
    if (typeof value === "number" && !Number.isFinite(value)) {
        throw new Error(`cannot encode ${value} in JSON`);
    }
    return value;
}
