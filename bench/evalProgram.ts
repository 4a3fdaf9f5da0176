// Child process for the benchmark: evaluates the stack program once under Pulumi mocks as a
// preview would (fresh process, nothing cached), then prints one JSON line with what it cost.
// argv[2]: JSON `{config, secretKeys}` (config keys without project prefix), "baseline" for a
// program that registers one resource with the same toolchain, or "sdk:<package>" to
// measure what requiring that SDK alone costs. With `--hash` (argv[3]) it also fingerprints
// every registration (bench/registrations.ts); the benchmark runs leave that work out.
//
// Besides time and memory it reports where the in-process time went: loading
// @pulumi/pulumi, loading the program's modules and SDKs (ts-node transpiling the project's
// TypeScript included), and formatting stack traces (Error.prepareStackTrace, which ts-node's
// source-map support installs: Pulumi reads a stack trace for every resource and for every
// output promise it creates).
import { performance } from "perf_hooks";

const start = performance.now();

// ts-node (already registered via `node -r bench/runnerRegister.js`, as Pulumi's runner
// registers it) compiles each .ts file through `service.compile`, looked up at call time:
// wrap it to count and time it. `transpileOnly` says whether it type-checks.
const compile = { files: 0, ms: 0 };
const tsNode = (
    process as unknown as Record<symbol, { compile?: (code: string, file: string, lineOffset?: number) => string } | undefined>
)[Symbol.for("ts-node.register.instance")];
if (tsNode?.compile) {
    const original = tsNode.compile.bind(tsNode);
    tsNode.compile = (code: string, file: string, lineOffset?: number) => {
        const t = performance.now();
        try {
            return original(code, file, lineOffset);
        } finally {
            compile.files++;
            compile.ms += performance.now() - t;
        }
    };
}

// Stack traces: every `new Error().stack` read goes through Error.prepareStackTrace (ts-node's
// source-map support maps each frame). Timed, not changed.
const traces = { count: 0, frames: 0, ms: 0 };
{
    const original = Error.prepareStackTrace;
    if (original) {
        Error.prepareStackTrace = function (this: unknown, error: Error, frames: NodeJS.CallSite[]) {
            const t = performance.now();
            try {
                return original.call(this, error, frames);
            } finally {
                traces.count++;
                traces.frames += frames.length;
                traces.ms += performance.now() - t;
            }
        };
    }
}

// Module loading once the program starts: time inside outermost require() calls (a module's
// own requires are inside its parent's), less any stack formatting that happened inside.
const loading = { on: false, ms: 0 };
{
    const Module = require("module") as { _load: (request: string, ...rest: unknown[]) => unknown };
    const load = Module._load;
    let depth = 0;
    Module._load = function (this: unknown, request: string, ...rest: unknown[]) {
        if (!loading.on || depth > 0) {
            depth++;
            try {
                return load.call(this, request, ...rest);
            } finally {
                depth--;
            }
        }
        const t = performance.now();
        const traced = traces.ms;
        depth++;
        try {
            return load.call(this, request, ...rest);
        } finally {
            depth--;
            loading.ms += performance.now() - t - (traces.ms - traced);
        }
    };
}

export interface EvalChildInput {
    config: Record<string, string>;
    secretKeys?: string[];
}

export interface EvalChildOutput {
    /** From this script's first line to the registrations settling (excludes Node start and ts-node setup). */
    evalMs: number;
    /** require("@pulumi/pulumi"): what any Pulumi program pays. */
    pulumiLoadMs: number;
    /** Module loading after that (the program's modules, the SDKs, transpiling included), stack formatting excluded. */
    programLoadMs: number;
    /** Stack traces formatted (Error.prepareStackTrace calls), their frames and their total time. */
    stackTraces: number;
    stackFrames: number;
    stackTraceMs: number;
    maxRssMiB: number;
    resources: number;
    /** Project .ts files transpiled by ts-node during evaluation, and the time that took. */
    tsFiles: number;
    /** Whether ts-node ran transpile-only (else it type-checked each file), and with what. */
    transpileOnly: boolean;
    transpiler: "swc" | "typescript";
    tsCompileMs: number;
    /** Modules in require.cache at the end. */
    modules: number;
    loaded: Record<"kubernetes" | "docker" | "grafana" | "random" | "slack", boolean>;
    /** With --hash: bench/registrations.ts registrationsHash() of every registration, and of each (`type::name`). */
    inputsHash?: string;
    resourceHashes?: Record<string, string>;
}

export interface SdkProbeOutput {
    sdk: string;
    /** Time to require the SDK after @pulumi/pulumi is loaded, and what it adds. */
    requireMs: number;
    modulesAdded: number;
    rssAddedMiB: number;
}

/** What loading one SDK costs on top of @pulumi/pulumi: the price a target pays if it loads an SDK it does not use. */
function probeSdk(sdk: string): void {
    require("@pulumi/pulumi");
    const modules0 = Object.keys(require.cache).length;
    const rss0 = process.memoryUsage().rss;
    const t = performance.now();
    require(sdk);
    const out: SdkProbeOutput = {
        sdk,
        requireMs: performance.now() - t,
        modulesAdded: Object.keys(require.cache).length - modules0,
        rssAddedMiB: (process.memoryUsage().rss - rss0) / 1024 / 1024,
    };
    process.stdout.write(JSON.stringify(out) + "\n");
}

function hashes(registrations: import("./registrations").Registration[]): Pick<EvalChildOutput, "inputsHash" | "resourceHashes"> {
    const { registrationsHash } = require("./registrations") as typeof import("./registrations");
    return {
        inputsHash: registrationsHash(registrations),
        resourceHashes: Object.fromEntries(registrations.map((r) => [`${r.type}::${r.name}`, registrationsHash([r])])),
    };
}

async function main(): Promise<void> {
    const arg = process.argv[2] ?? "{}";
    if (arg.startsWith("sdk:")) return probeSdk(arg.slice(4));
    const hash = process.argv[3] === "--hash";
    const t0 = performance.now();
    const pulumi: typeof import("@pulumi/pulumi") = require("@pulumi/pulumi");
    const pulumiLoadMs = performance.now() - t0;
    const input: EvalChildInput = arg === "baseline" ? { config: {} } : JSON.parse(arg);
    const prefix = (k: string) => `grafana-slack-alerts:${k}`;
    pulumi.runtime.setAllConfig(
        Object.fromEntries(Object.entries(input.config).map(([k, v]) => [prefix(k), v])),
        (input.secretKeys ?? []).map(prefix),
    );
    const registrations: Array<{ type: string; name: string; inputs: unknown; provider?: string }> = [];
    await pulumi.runtime.setMocks(
        {
            newResource: (a) => {
                registrations.push({ type: a.type, name: a.name, inputs: a.inputs, provider: a.provider });
                return { id: `${a.name}-id`, state: a.inputs };
            },
            call: (a) => a.inputs,
        },
        "grafana-slack-alerts",
        "bench",
        true,
    );

    loading.on = true;
    if (arg === "baseline") {
        // The same toolchain and runtime, one resource: what any Pulumi program pays.
        class Thing extends pulumi.CustomResource {
            constructor(name: string) {
                super("bench:index:Thing", name, {});
            }
        }
        new Thing("one");
    } else {
        const { defineStack } = require("../components/program");
        await defineStack();
    }
    // Wait for registrations to drain.
    let last = -1;
    for (let stable = 0; stable < 3;) {
        await new Promise((r) => setTimeout(r, 5));
        stable = registrations.length === last ? stable + 1 : 0;
        last = registrations.length;
    }
    const evalMs = performance.now() - start;
    loading.on = false;
    const cached = Object.keys(require.cache);
    const loaded = (name: string) => cached.some((p) => p.includes(`/node_modules/${name}/`));
    const out: EvalChildOutput = {
        evalMs,
        pulumiLoadMs,
        programLoadMs: loading.ms,
        stackTraces: traces.count,
        stackFrames: traces.frames,
        stackTraceMs: traces.ms,
        maxRssMiB: process.resourceUsage().maxRSS / 1024,
        resources: registrations.length,
        tsFiles: compile.files,
        transpileOnly: !!(tsNode as { transpileOnly?: boolean } | undefined)?.transpileOnly,
        transpiler: (tsNode as { options?: { swc?: boolean } } | undefined)?.options?.swc ? "swc" : "typescript",
        tsCompileMs: compile.ms,
        modules: cached.length,
        loaded: {
            kubernetes: loaded("@pulumi/kubernetes"),
            docker: loaded("@pulumi/docker"),
            grafana: loaded("@pulumiverse/grafana"),
            random: loaded("@pulumi/random"),
            slack: loaded("@slack/web-api"),
        },
        ...(hash ? hashes(registrations) : {}),
    };
    process.stdout.write(JSON.stringify(out) + "\n");
}

main().then(
    () => process.exit(0),
    (e) => {
        console.error(e);
        process.exit(1);
    },
);
