// The pure parts of the live scenarios (live.ts): how a live object is compared with what
// the program registers under mocks, and how `pulumi preview --json` is read.
import { cpuMillis, memoryBytes } from "../../components/shared/quantity";

/** Two resource quantities that mean the same amount ("1" and "1000m", "1024Mi" and "1Gi"). */
export function sameQuantity(a: string, b: string): boolean {
    if (a === b) return true;
    const cpu = [cpuMillis(a), cpuMillis(b)];
    if (cpu[0] !== undefined && cpu[0] === cpu[1]) return true;
    const mem = [memoryBytes(a), memoryBytes(b)];
    return mem[0] !== undefined && mem[0] === mem[1];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Where `live` differs from `expected`, field by field: every field the program set must be
 * there with the same value (quantities compared by amount); fields only the server set
 * (defaults, status, uid, managedFields) are not differences. Lists compare element by element.
 */
export function subsetDiff(expected: unknown, live: unknown, at = ""): string[] {
    if (expected === undefined || expected === null) return [];
    if (Array.isArray(expected)) {
        if (!Array.isArray(live)) return [`${at}: expected a list of ${expected.length}, got ${JSON.stringify(live)}`];
        if (live.length !== expected.length) return [`${at}: expected ${expected.length} items, got ${live.length}`];
        return expected.flatMap((e, i) => subsetDiff(e, live[i], `${at}[${i}]`));
    }
    if (isObject(expected)) {
        if (!isObject(live)) return [`${at}: expected an object, got ${JSON.stringify(live)}`];
        return Object.keys(expected).flatMap((k) => subsetDiff(expected[k], live[k], at ? `${at}.${k}` : k));
    }
    if (expected === live) return [];
    if (typeof expected === "string" && typeof live === "string" && sameQuantity(expected, live)) return [];
    return [`${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(live)}`];
}

/**
 * A Secret as the server keeps it: `stringData` is folded into base64 `data` on write. The
 * mock run's generated values differ from the real stack's, so keys are compared here and
 * values by the caller (against the stack's secret outputs).
 */
export function secretForComparison(expected: any): any {
    if (expected?.kind !== "Secret" || !expected.stringData) return expected;
    const { stringData, ...rest } = expected;
    return { ...rest, data: undefined, dataKeys: Object.keys(stringData).sort() };
}

/** The data keys of a live Secret, sorted (the shape secretForComparison expects). */
export function liveSecretForComparison(live: any): any {
    if (live?.kind !== "Secret") return live;
    return { ...live, dataKeys: Object.keys(live.data ?? {}).sort() };
}

/** `apiVersion kind namespace/name` of an object. */
export const objectKey = (o: any) => `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? "-"}/${o.metadata?.name}`;

/** One step of `pulumi preview --json`, as far as the scenarios read it. */
export interface PreviewStep {
    op: string;
    urn: string;
    /** Property paths that differ (detailedDiff, else diffReasons). */
    paths: string[];
}

/**
 * The steps of a `pulumi preview --json` output that change something: neither "same" nor
 * "read" (the program reads its own stack's last outputs through a StackReference at every
 * run, components/program.ts; a read changes nothing).
 */
export function changedSteps(previewJson: string): PreviewStep[] {
    const doc = JSON.parse(previewJson);
    return (doc.steps ?? [])
        .filter((s: any) => s.op !== "same" && s.op !== "read")
        .map((s: any) => ({
            op: s.op,
            urn: s.urn,
            paths: Object.keys(s.detailedDiff ?? {}).length ? Object.keys(s.detailedDiff).sort() : [...(s.diffReasons ?? [])].sort(),
        }));
}

/** The logical name at the end of a URN (`...::grafana-renderer` → `grafana-renderer`). */
export const urnName = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);
