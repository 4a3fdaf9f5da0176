// Pulumi's Node.js runtime wraps every promise it creates in `debuggablePromise`
// (@pulumi/pulumi runtime/debuggable.ts): four per property of every resource registered,
// about 1,800 for this stack. Each reads `new Error().stack` and keeps the text on the
// promise as `_debugStackTrace`, which Pulumi prints only to explain a promise leak when
// PULUMI_DEBUG_PROMISE_LEAKS is set. Under ts-node every such read maps its frames through
// source maps: a third of a preview's evaluation here, for text nothing reads (BENCHMARKS.md).
//
// So, unless PULUMI_DEBUG_PROMISE_LEAKS is set (checked on every call, as Pulumi decided it),
// those stacks are captured without frames. Nothing else changes: errors keep their full,
// source-mapped stacks, and the source positions Pulumi records for each resource are taken
// outside debuggablePromise. If a Pulumi version no longer has this function, nothing is
// changed (test/benchOutcomes.test.ts fails, so the upgrade is noticed).

const WRAPPED: unique symbol = Symbol.for("grafana-slack-alerts.promiseStacks");

/** The part of runtime/debuggable.js used here (internal to @pulumi/pulumi, untyped). */
interface DebuggableModule {
    debugPromiseLeaks: boolean;
    debuggablePromise: ((p: Promise<unknown>, ctx: unknown) => Promise<unknown>) & { [WRAPPED]?: true };
}

/** The @pulumi/pulumi module the SDKs call, or undefined when it is not shaped as expected. */
export function debuggableModule(): DebuggableModule | undefined {
    let mod: Partial<DebuggableModule> | undefined;
    try {
        mod = require("@pulumi/pulumi/runtime/debuggable");
    } catch {
        return undefined;
    }
    return typeof mod?.debuggablePromise === "function" && typeof mod.debugPromiseLeaks === "boolean"
        ? (mod as DebuggableModule)
        : undefined;
}

/** Makes Pulumi's per-promise debug stacks frameless while leak debugging is off. Idempotent; false when not applied. */
export function skipUnusedPromiseStacks(): boolean {
    const mod = debuggableModule();
    if (!mod) return false;
    const original = mod.debuggablePromise;
    if (original[WRAPPED]) return true;
    const wrapped = function (this: unknown, p: Promise<unknown>, ctx: unknown) {
        if (mod.debugPromiseLeaks) return original.call(this, p, ctx);
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return original.call(this, p, ctx);
        } catch (e) {
            // An error from inside Pulumi (a bug there) would otherwise carry no frames.
            Error.stackTraceLimit = limit;
            if (e instanceof Error) Error.captureStackTrace(e, wrapped);
            throw e;
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
    mod.debuggablePromise = Object.assign(wrapped, { [WRAPPED]: true as const });
    return true;
}
