// Child process for the benchmark: evaluates the stack program once under Pulumi mocks as a
// preview would (fresh process, nothing cached), then prints one JSON line with what it cost.
// argv[2]: JSON `{config, secretKeys}` (config keys without project prefix), "baseline" for a
// program that registers one resource with the same toolchain, or "sdk:<package>" to
// measure what requiring that SDK alone costs.
//
// Besides time and memory it reports which SDKs were loaded, how much of the time went
// into ts-node transpiling the project's TypeScript, and a SHA-256 over every registered
// resource's type, name and inputs in canonical JSON: equal hashes across runs mean a
// no-change `pulumi up` has nothing to diff.
import { createHash } from "crypto";
import { performance } from "perf_hooks";
import { canonicalJson } from "../components/canonicalJson";

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

// The dynamic provider of the verification resource is serialized (closure capture through
// the V8 inspector) on every preview: time that promise from call to text. The module is
// wrapped when the program first loads it, so runs that never load it do not pay for it.
const serialize = { calls: 0, ms: 0 };
{
    const Module = require("module") as { _load: (request: string, ...rest: unknown[]) => any };
    const load = Module._load;
    let wrapped = false;
    Module._load = function (request: string, ...rest: unknown[]) {
        const exported = load.call(this, request, ...rest);
        if (!wrapped && request.endsWith("closure/serializeClosure") && typeof exported?.serializeFunction === "function") {
            wrapped = true;
            const original = exported.serializeFunction;
            exported.serializeFunction = (...args: unknown[]) => {
                const t = performance.now();
                serialize.calls++;
                const p: Promise<unknown> = original.apply(exported, args);
                p.then(
                    () => {
                        serialize.ms += performance.now() - t;
                    },
                    () => undefined,
                );
                return p;
            };
        }
        return exported;
    };
}

export interface EvalChildInput {
    config: Record<string, string>;
    secretKeys?: string[];
}

export interface EvalChildOutput {
    /** From this script's first line to the registrations settling (excludes Node start and ts-node setup). */
    evalMs: number;
    maxRssMiB: number;
    resources: number;
    /** Project .ts files transpiled by ts-node during evaluation, and the time that took. */
    tsFiles: number;
    /** Whether ts-node ran transpile-only (else it type-checked each file), and with what. */
    transpileOnly: boolean;
    transpiler: "swc" | "typescript";
    tsCompileMs: number;
    /** Dynamic-provider serializations and their total duration (call to text). */
    serializeCalls: number;
    serializeMs: number;
    /** Modules in require.cache at the end. */
    modules: number;
    loaded: Record<"kubernetes" | "docker" | "grafana" | "random" | "slack", boolean>;
    /** SHA-256 of the canonical JSON of every registration (type, name, inputs, provider), sorted. */
    inputsHash: string;
    /** The same per resource (`type::name`), to name what differs when the overall hash does. */
    resourceHashes: Record<string, string>;
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

async function main(): Promise<void> {
    const arg = process.argv[2] ?? "{}";
    if (arg.startsWith("sdk:")) return probeSdk(arg.slice(4));
    const pulumi: typeof import("@pulumi/pulumi") = require("@pulumi/pulumi");
    const input: EvalChildInput = arg === "baseline" ? { config: {} } : JSON.parse(arg);
    const prefix = (k: string) => `grafana-slack-alerts:${k}`;
    pulumi.runtime.setAllConfig(
        Object.fromEntries(Object.entries(input.config).map(([k, v]) => [prefix(k), v])),
        (input.secretKeys ?? []).map(prefix),
    );
    const registrations: string[] = [];
    const resourceHashes: Record<string, string> = {};
    await pulumi.runtime.setMocks(
        {
            newResource: (a) => {
                const text = canonicalJson({ type: a.type, name: a.name, inputs: a.inputs, provider: a.provider ?? null });
                registrations.push(text);
                resourceHashes[`${a.type}::${a.name}`] = createHash("sha256").update(text).digest("hex").slice(0, 16);
                return { id: `${a.name}-id`, state: a.inputs };
            },
            call: (a) => a.inputs,
        },
        "grafana-slack-alerts",
        "bench",
        true,
    );

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
    const cached = Object.keys(require.cache);
    const loaded = (name: string) => cached.some((p) => p.includes(`/node_modules/${name}/`));
    const out: EvalChildOutput = {
        evalMs,
        maxRssMiB: process.resourceUsage().maxRSS / 1024,
        resources: registrations.length,
        tsFiles: compile.files,
        transpileOnly: !!(tsNode as { transpileOnly?: boolean } | undefined)?.transpileOnly,
        transpiler: (tsNode as { options?: { swc?: boolean } } | undefined)?.options?.swc ? "swc" : "typescript",
        tsCompileMs: compile.ms,
        serializeCalls: serialize.calls,
        serializeMs: serialize.ms,
        modules: cached.length,
        loaded: {
            kubernetes: loaded("@pulumi/kubernetes"),
            docker: loaded("@pulumi/docker"),
            grafana: loaded("@pulumiverse/grafana"),
            random: loaded("@pulumi/random"),
            slack: loaded("@slack/web-api"),
        },
        inputsHash: createHash("sha256")
            .update([...registrations].sort().join("\n"))
            .digest("hex"),
        resourceHashes,
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
