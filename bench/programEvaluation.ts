// Benchmark sections 1 and 4: evaluating the program as a preview would, one fresh Node
// process per run, for each target and mode, against a one-resource baseline. Runs are
// interleaved (baseline, target 1, target 2, ..., then again) so that drift in machine
// load hits every row alike, and every ratio comes from samples of the same run.
import { spawnSync } from "child_process";
import * as path from "path";
import { performance } from "perf_hooks";
import type { EvalChildOutput, SdkProbeOutput } from "./evalProgram";
import { Stats, stats } from "./stats";

export interface EvalRun extends EvalChildOutput {
    /** Spawn to exit: Node start, ts-node setup, evaluation, exit. */
    wallMs: number;
}

const CHILD = path.join(__dirname, "evalProgram.ts");
const ROOT = path.resolve(__dirname, "..");
/** Registers ts-node exactly as Pulumi's Node.js runner does (see that file). */
const RUNNER_REGISTER = path.join(__dirname, "runnerRegister.js");

/** A stack config for the child, with the keys `pulumi config set --secret` would mark. */
export interface StackConfig {
    config: Record<string, string>;
    secretKeys?: string[];
    /** Environment variables for the child (e.g. PULUMI_DEBUG_PROMISE_LEAKS). */
    env?: Record<string, string>;
}

/**
 * One fresh process that loads TypeScript as Pulumi's runner does (bench/runnerRegister.js).
 * `transpileOnly: "runner"` leaves the decision to the runner's rule (tsconfig noCheck);
 * `true` forces transpile-only, as PULUMI_NODEJS_TRANSPILE_ONLY=true would.
 */
function runChild(
    arg: string,
    transpileOnly: "runner" | true = "runner",
    extra: string[] = [],
    vars: Record<string, string> = {},
): { wallMs: number; out: any } {
    const env: NodeJS.ProcessEnv = { ...process.env };
    // A PULUMI_CONFIG from the caller's shell must not leak into the mocked stack, nor the
    // caller's runner settings into the measurement.
    delete env.PULUMI_CONFIG;
    delete env.PULUMI_NODEJS_TRANSPILE_ONLY;
    delete env.PULUMI_NODEJS_TSCONFIG_PATH;
    delete env.PULUMI_DEBUG_PROMISE_LEAKS;
    if (transpileOnly === true) env.PULUMI_NODEJS_TRANSPILE_ONLY = "true";
    Object.assign(env, vars);
    const t0 = performance.now();
    const child = spawnSync(process.execPath, ["-r", RUNNER_REGISTER, CHILD, arg, ...extra], { cwd: ROOT, encoding: "utf8", env });
    const wallMs = performance.now() - t0;
    const last = child.stdout.trim().split("\n").pop() ?? "";
    if (child.status !== 0 || !last.startsWith("{")) {
        // Exit 0 without a result: Node ran out of work while the program still awaited something.
        const why =
            child.status === 0
                ? "exit 0 without a result: the evaluation awaited a promise that never settled"
                : `exit ${child.status ?? child.signal}`;
        throw new Error(`program evaluation failed for ${arg} (${why}):\n${child.stdout}\n${child.stderr}`);
    }
    return { wallMs, out: JSON.parse(last) };
}

/**
 * Runs the child once; `stack` is a stack config, or "baseline". `hash` adds the
 * registrations' fingerprint (test/benchOutcomes.test.ts; the benchmark leaves it out).
 */
export function evaluateOnce(stack: StackConfig | "baseline", hash = false): EvalRun {
    const extra = hash ? ["--hash"] : [];
    // The baseline is loaded transpile-only whatever tsconfig says; the program as the runner would.
    const { wallMs, out } =
        stack === "baseline"
            ? runChild("baseline", true, extra)
            : runChild(JSON.stringify({ config: stack.config, secretKeys: stack.secretKeys }), "runner", extra, stack.env);
    return { wallMs, ...(out as EvalChildOutput) };
}

/** A stack as a user runs it: Slack configured, so the verification resource is part of it. */
const SLACK = { slackToken: "xoxb-bench-0000000000-abcdefghijklmnop", slackChannel: "C0ALERTS01" };
const SECRET_KEYS = ["slackToken"];
const K8S = { target: "kubernetes", grafanaUrl: "http://localhost:3000", ...SLACK };

export const TARGETS: Array<{ label: string; stack: StackConfig }> = [
    { label: "docker", stack: { config: { ...SLACK }, secretKeys: SECRET_KEYS } },
    { label: "kubernetes sidecar", stack: { config: { ...K8S, kubernetesMode: "sidecar" }, secretKeys: SECRET_KEYS } },
    {
        label: "kubernetes operator v1beta1",
        stack: { config: { ...K8S, kubernetesMode: "operator", operatorApiVersion: "v1beta1" }, secretKeys: SECRET_KEYS },
    },
    {
        label: "kubernetes operator v1alpha1",
        stack: { config: { ...K8S, kubernetesMode: "operator", operatorApiVersion: "v1alpha1" }, secretKeys: SECRET_KEYS },
    },
    { label: "kubernetes separate", stack: { config: { ...K8S, kubernetesMode: "separate" }, secretKeys: SECRET_KEYS } },
];

/** The docker stack with Pulumi's per-promise debug stacks taken in full, as without components/shared/promiseStacks.ts. */
export const LEAK_DEBUG_ROW = {
    label: "docker, PULUMI_DEBUG_PROMISE_LEAKS=1",
    stack: { ...TARGETS[0].stack, env: { PULUMI_DEBUG_PROMISE_LEAKS: "1" } },
};

/** Separate mode with more renderer replicas (1 is the "kubernetes separate" row). */
export function replicaRows(replicas: number[]): Array<{ label: string; stack: StackConfig; replicas: number }> {
    return replicas.map((n) => ({
        label: `kubernetes separate, ${n} renderer replica${n === 1 ? "" : "s"}`,
        replicas: n,
        stack: { config: { ...K8S, kubernetesMode: "separate", rendererReplicas: String(n) }, secretKeys: SECRET_KEYS },
    }));
}

export interface EvalRow {
    label: string;
    samples: EvalRun[];
    wall: Stats;
    eval: Stats;
    rss: Stats;
    tsCompile: Stats;
    pulumiLoad: Stats;
    programLoad: Stats;
    stackTrace: Stats;
    stackTraces: number;
    stackFrames: number;
    tsFiles: number;
    /** Every run was transpile-only (the runner's decision for the program rows), and with what. */
    transpileOnly: boolean;
    transpiler: EvalChildOutput["transpiler"];
    modules: number;
    resources: number;
    /** Median wall time and median peak RSS over the baseline's. */
    ratio: number;
    rssRatio: number;
    loaded: EvalChildOutput["loaded"];
}

function toRow(label: string, samples: EvalRun[], base?: { wall: number; rss: number }): EvalRow {
    const wall = stats(samples.map((x) => x.wallMs));
    const rss = stats(samples.map((x) => x.maxRssMiB));
    return {
        label,
        samples,
        wall,
        eval: stats(samples.map((x) => x.evalMs)),
        rss,
        tsCompile: stats(samples.map((x) => x.tsCompileMs)),
        pulumiLoad: stats(samples.map((x) => x.pulumiLoadMs)),
        programLoad: stats(samples.map((x) => x.programLoadMs)),
        stackTrace: stats(samples.map((x) => x.stackTraceMs)),
        stackTraces: samples[0].stackTraces,
        stackFrames: samples[0].stackFrames,
        tsFiles: samples[0].tsFiles,
        transpileOnly: samples.every((x) => x.transpileOnly),
        transpiler: samples[0].transpiler,
        modules: samples[0].modules,
        resources: samples[0].resources,
        ratio: base ? wall.median / base.wall : 1,
        rssRatio: base ? rss.median / base.rss : 1,
        loaded: samples[0].loaded,
    };
}

export interface EvaluationResult {
    baseline: EvalRow;
    rows: EvalRow[];
}

/**
 * Interleaves runs (baseline, row 1, row 2, ... then again). `runsFor` lets a row take
 * fewer runs than `runs` (it then joins only the first rounds).
 */
export function benchmarkEvaluation(
    runs: number,
    rows: Array<{ label: string; stack: StackConfig; runs?: number }> = TARGETS,
    progress?: (msg: string) => void,
): EvaluationResult {
    const samples = new Map<string, EvalRun[]>();
    const all: Array<{ label: string; stack: StackConfig | "baseline"; runs?: number }> = [
        { label: "baseline (1 resource)", stack: "baseline" },
        ...rows,
    ];
    for (let i = 0; i < runs; i++) {
        for (const row of all) {
            if (i >= (row.runs ?? runs)) continue;
            const list = samples.get(row.label) ?? [];
            list.push(evaluateOnce(row.stack));
            samples.set(row.label, list);
        }
        progress?.(`evaluation round ${i + 1}/${runs} done`);
    }
    const baseline = toRow(all[0].label, samples.get(all[0].label)!);
    const base = { wall: baseline.wall.median, rss: baseline.rss.median };
    return { baseline, rows: rows.map((r) => toRow(r.label, samples.get(r.label)!, base)) };
}

export interface SdkCost {
    sdk: string;
    requireMs: Stats;
    modulesAdded: number;
    rssAddedMiB: Stats;
}

/** What requiring an SDK costs on top of @pulumi/pulumi, in a fresh process: what a target avoids by not loading it. */
export function benchmarkSdkCost(sdks: string[], runs: number): SdkCost[] {
    const samples = new Map<string, SdkProbeOutput[]>();
    for (let i = 0; i < runs; i++) {
        for (const sdk of sdks) {
            const list = samples.get(sdk) ?? [];
            list.push(runChild(`sdk:${sdk}`, true).out as SdkProbeOutput);
            samples.set(sdk, list);
        }
    }
    return sdks.map((sdk) => {
        const s = samples.get(sdk)!;
        return {
            sdk,
            requireMs: stats(s.map((x) => x.requireMs)),
            modulesAdded: s[0].modulesAdded,
            rssAddedMiB: stats(s.map((x) => x.rssAddedMiB)),
        };
    });
}
