// The key reader behind readSettings(): typed getters that record a problem (key, value
// given, what is allowed, the fix command) instead of throwing, so every problem of a
// stack is reported at once. Secret values are read for checks only and never quoted.
import type { ConfigKeySpec, RawConfigSource } from "./configKeys";
import type { ConfigProblem } from "../shared/problems";
import { parseImageRef, pinProblem, pinWarning, type ImageRef } from "../shared/images";
import { httpUrlProblem } from "../shared/httpUrl";

export const quote = (v: string) => JSON.stringify(v);
export const setCommand = (key: string, value: string) => `pulumi config set ${key} ${value}`;
export const setSecretCommand = (key: string, value: string) => `pulumi config set --secret ${key} ${value}`;

/** What secret() returns for a secret that is set but cannot be read here (encrypted). */
export const UNREADABLE_SECRET = "(encrypted; its content is checked by pulumi up)";

export class ConfigReader {
    readonly problems: ConfigProblem[] = [];
    readonly warnings: string[] = [];
    private readonly spec: Map<string, ConfigKeySpec>;

    constructor(
        private readonly source: RawConfigSource,
        keys: readonly ConfigKeySpec[],
    ) {
        this.spec = new Map(keys.map((k) => [k.name, k]));
    }

    problem(key: string, given: string, allowed: string, fix: string): void {
        this.problems.push({ key, given, allowed, fix });
    }

    /** The declared spec of a key (every key read must be declared). */
    specOf(key: string): ConfigKeySpec {
        const s = this.spec.get(key);
        if (!s) throw new Error(`config key ${key} is read but not declared in CONFIG_KEYS`);
        return s;
    }

    /** The raw value, or the declared default when the key is unset. */
    raw(key: string): string {
        const v = this.source.get(key);
        return v === undefined ? String(this.specOf(key).default) : v;
    }

    /** Set to a non-empty value that differs from the declared default. */
    isSet(key: string): boolean {
        const v = this.source.get(key);
        return v !== undefined && v !== "" && v !== String(this.specOf(key).default);
    }

    oneOf<T extends string>(key: string, allowed: readonly T[], example: T): T | undefined {
        const v = this.raw(key);
        if ((allowed as readonly string[]).includes(v)) return v as T;
        this.problem(key, quote(v), allowed.join(" | "), setCommand(key, example));
        return undefined;
    }

    integer(key: string, min: number, max: number, example: number): number {
        const v = this.raw(key).trim();
        const n = Number(v);
        if (!/^-?\d+$/.test(v) || n < min || n > max) {
            this.problem(key, quote(v), `a whole number from ${min} to ${max}`, setCommand(key, String(example)));
            return Number(this.specOf(key).default);
        }
        return n;
    }

    boolean(key: string): boolean {
        const v = this.raw(key).trim().toLowerCase();
        if (v === "true" || v === "false") return v === "true";
        const fallback = this.specOf(key).default;
        this.problem(key, quote(this.raw(key)), "true | false", setCommand(key, String(fallback)));
        return Boolean(fallback);
    }

    /** An optional http(s) URL without credentials, trailing slashes removed. */
    url(key: string, example: string): string | undefined {
        const v = this.raw(key).trim();
        if (v === "") return undefined;
        const why = httpUrlProblem(v);
        if (why === "credentials") {
            this.problem(
                key,
                "a URL with credentials in it",
                "a URL without user:password (credentials come from grafanaAdminUser/grafanaAdminPassword)",
                setCommand(key, example),
            );
            return undefined;
        }
        if (why) {
            this.problem(key, quote(v), "an absolute http:// or https:// URL", setCommand(key, example));
            return undefined;
        }
        return v.replace(/\/+$/, "");
    }

    /**
     * A secret value: must be stored encrypted. Returns the plain value for checks only;
     * `checkContent` runs on it when it can be read (not in the preflight, which sees an
     * encrypted value as present, UNREADABLE_SECRET, and leaves its content to `pulumi up`).
     */
    secret(key: string, example: string, checkContent?: (value: string) => void): string | undefined {
        if (this.source.isUnreadable?.(key)) return UNREADABLE_SECRET;
        const v = this.source.get(key);
        if (v === undefined || v === "") return undefined;
        if (!this.source.isSecret(key)) {
            this.problem(
                key,
                "a value stored in plain text in the stack file",
                "a secret value",
                `pulumi config rm ${key} && ${setSecretCommand(key, example)}`,
            );
        }
        checkContent?.(v);
        return v;
    }

    /** Whether the stack stores the key encrypted (set with --secret). */
    storedAsSecret(key: string): boolean {
        return this.source.get(key) !== undefined && this.source.isSecret(key);
    }

    /** An image reference that must carry a version tag. */
    image(key: string, example: string): ImageRef {
        const ref = parseImageRef(this.raw(key));
        const why = pinProblem(ref);
        if (why)
            this.problem(
                key,
                `${quote(ref.ref)}, which ${why}`,
                `an image with a version tag or a digest, e.g. ${example} or ${example}@sha256:<64 hex digits>`,
                setCommand(key, example),
            );
        else {
            const warning = pinWarning(ref, key, example);
            if (warning) this.warnings.push(warning);
        }
        return ref;
    }

    /** Typos: a key this program does not read is almost always a misspelt one. */
    rejectUnknownKeys(): void {
        const known = [...this.spec.keys()];
        for (const key of this.source.keys()) {
            if (this.spec.has(key)) continue;
            const near = closest(key, known);
            this.problem(
                key,
                "an unknown key",
                `one of the keys documented in the README${near ? ` (did you mean ${near}?)` : ""}`,
                `pulumi config rm ${key}${near ? ` && pulumi config set ${near} <value>` : ""}`,
            );
        }
    }
}

/** The known key nearest to a misspelt one (edit distance <= 3), if any. */
function closest(key: string, known: string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = 4;
    for (const k of known) {
        const d = editDistance(key.toLowerCase(), k.toLowerCase());
        if (d < bestDistance) {
            best = k;
            bestDistance = d;
        }
    }
    return best;
}

function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const tmp = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = tmp;
        }
    }
    return row[b.length];
}
