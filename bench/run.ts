// `npm run bench`: measures program evaluation (preview under mocks), the verifier's round
// trips and fault handling against the loopback fakes, and how evaluation scales with the
// renderer replica count. Prints a Markdown report to stdout (progress goes to stderr) and
// writes it to a file only when asked: `npm run bench -- --write` (BENCHMARKS.md) or
// BENCH_OUT=<path>, so a plain run leaves the tree as it was. The report's prose is
// bench/report-template.md; this file computes the figures and tables that fill it in. It
// only measures: what must hold (unused SDKs never loaded, identical inputs across runs, the
// verifier at its request minimum) is asserted by `npm test`.
//
// Knobs (environment): BENCH_RUNS (evaluation runs per row, default 7),
// BENCH_REPLICA_RUNS (default 3), BENCH_VERIFY_RUNS (happy path, default 10),
// BENCH_FAULT_RUNS (transient faults, default 3), BENCH_PERMANENT_RUNS (default 5),
// BENCH_RENDER_RUNS (real-renderer renders per concurrency level, default 16),
// BENCH_OUT (write the report to this path). Flag: --write (write BENCHMARKS.md).
// First: it wraps the verifier's sleep before any check module loads.
import "./recordWaits";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { DEFAULT_TIMING } from "../components/shared/timing";
import {
    ALERT_BENCH_TIMING,
    alertPathTable,
    alertScenarios,
    pollsToSee,
    pollTimes,
    runAlertScenario,
    type AlertScenarioResult,
} from "./alertPath";
import {
    benchmarkEvaluation,
    benchmarkSdkCost,
    LEAK_DEBUG_ROW,
    replicaRows,
    TARGETS,
    type EvalRow,
    type SdkCost,
} from "./programEvaluation";
import { benchmarkRealRenderer } from "./realRenderer";
import { fillTemplate, table } from "./report";
import { reportPath } from "./reportPath";
import { fmt, fmtStats, type Stats } from "./stats";
import { BENCH_TIMING, benchmarkScenario, coldRun, faultScenarios, happyScenarios, HEALTH_FAIL_MS, type ScenarioResult } from "./verifier";

const ROOT = path.resolve(__dirname, "..");
const TEMPLATE = path.join(__dirname, "report-template.md");

function intEnv(name: string, fallback: number): number {
    const v = process.env[name];
    if (v === undefined || v === "") return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(v)}`);
    return n;
}

const RUNS = intEnv("BENCH_RUNS", 7);
const REPLICA_RUNS = Math.min(RUNS, intEnv("BENCH_REPLICA_RUNS", 3));
const VERIFY_RUNS = intEnv("BENCH_VERIFY_RUNS", 10);
const FAULT_RUNS = intEnv("BENCH_FAULT_RUNS", 3);
const PERMANENT_RUNS = intEnv("BENCH_PERMANENT_RUNS", 5);
const SDK_RUNS = 3;
/** Renders per concurrency level of the real-renderer section (a multiple of 8 keeps every round full). */
const RENDER_RUNS = intEnv("BENCH_RENDER_RUNS", 16);
const OUT = reportPath(process.argv.slice(2), process.env, ROOT);
/** At most this many times the one-resource baseline, as the runner loads the program (issue 11). */
const RUNNER_RATIO_TARGET = 1.5;
const REPLICAS = [10, 100];
const LATENCIES = [0, 50];

const progress = (msg: string) => process.stderr.write(`[bench ${fmt(performance.now() / 1000, 1)}s] ${msg}\n`);
const ms = (s: Stats, digits = 0) => fmtStats(s, digits);
const yesNo = (b: boolean) => (b ? "yes" : "**no**");
const verdict = (r: EvalRow) => (r.ratio <= RUNNER_RATIO_TARGET ? "within" : "**over**");
const isTarget = (r: EvalRow) => !r.label.includes("renderer replica") && r.label !== LEAK_DEBUG_ROW.label;

function machineTable(loadStart: number[], loadEnd: number[]): string {
    const cpus = os.cpus();
    const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" / ");
    return table(
        ["", ""],
        [
            ["CPU", `${cpus[0]?.model?.trim() ?? "unknown CPU"}, ${cpus.length} logical core${cpus.length === 1 ? "" : "s"}`],
            ["Memory", `${fmt(os.totalmem() / 1024 ** 3, 1)} GiB`],
            ["OS", `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`],
            ["Node", process.version],
            ["Load average (1/5/15 min) at start", load(loadStart)],
            ["Load average (1/5/15 min) at end", load(loadEnd)],
        ],
    );
}

const SDK_NAMES: Record<keyof EvalRow["loaded"], string> = {
    kubernetes: "@pulumi/kubernetes",
    docker: "@pulumi/docker",
    grafana: "@pulumiverse/grafana",
    random: "@pulumi/random",
    slack: "@slack/web-api",
};

function loadedList(r: EvalRow): string {
    const on = (Object.keys(r.loaded) as Array<keyof EvalRow["loaded"]>).filter((k) => r.loaded[k]).map((k) => SDK_NAMES[k]);
    return on.length ? on.join(", ") : "none";
}

/** In-process time outside module loading and stack traces: registration, the program's code, GC. */
const rest = (r: EvalRow) => r.eval.median - r.pulumiLoad.median - r.programLoad.median - r.stackTrace.median;

function evaluationTables(baseline: EvalRow, rows: EvalRow[], sdk: SdkCost[]): Record<string, string> {
    const leak = rows.filter((r) => r.label === LEAK_DEBUG_ROW.label);
    const all = [baseline, ...rows.filter(isTarget), ...leak];
    const evaluationTable = table(
        ["Target / mode", "Resources", "Wall ms", "× baseline", "Peak RSS MiB", "× baseline", "SDKs loaded"],
        all.map((r) => [r.label, String(r.resources), ms(r.wall), fmt(r.ratio, 2), ms(r.rss), fmt(r.rssRatio, 2), loadedList(r)]),
        ["l", "r", "r", "r", "r", "r", "l"],
    );
    const timeTable = table(
        [
            "Target / mode",
            "Wall",
            "Process + ts-node setup",
            "In-process",
            "loading `@pulumi/pulumi`",
            "loading the program (of which transpiling: ms, files)",
            "stack traces (traces, frames)",
            "the rest",
            "Modules loaded",
        ],
        all.map((r) => [
            r.label,
            fmt(r.wall.median),
            fmt(r.wall.median - r.eval.median),
            fmt(r.eval.median),
            fmt(r.pulumiLoad.median),
            `${fmt(r.programLoad.median)} (${fmt(r.tsCompile.median)}, ${r.tsFiles})`,
            `${fmt(r.stackTrace.median)} (${r.stackTraces}, ${r.stackFrames})`,
            fmt(rest(r)),
            String(r.modules),
        ]),
        ["l", "r", "r", "r", "r", "r", "r", "r", "r"],
    );
    const k8s = rows.filter((r) => isTarget(r) && r.label.startsWith("kubernetes"));
    const docker = rows.filter((r) => r.label === "docker");
    const needs: Record<string, { key: keyof EvalRow["loaded"]; rows: EvalRow[]; who: string }> = {
        "@pulumi/kubernetes": { key: "kubernetes", rows: k8s, who: "the four kubernetes rows" },
        "@pulumi/docker": { key: "docker", rows: docker, who: "docker" },
    };
    const sdkTable = table(
        ["SDK", "require ms", "Modules added", "RSS added MiB", "Needed by", "Loaded by a row that does not need it"],
        sdk.map((s) => {
            const need = needs[s.sdk];
            const wasteful = rows.filter((r) => isTarget(r) && r.loaded[need.key] && !need.rows.includes(r)).map((r) => r.label);
            return [
                `\`${s.sdk}\``,
                ms(s.requireMs),
                String(s.modulesAdded),
                ms(s.rssAddedMiB, 1),
                need.who,
                wasteful.length ? `**${wasteful.join(", ")}**` : "none",
            ];
        }),
        ["l", "r", "r", "r", "l", "l"],
    );
    return { evaluationTable, timeTable, sdkTable };
}

/** The docker stack again with Pulumi's promise stacks in full: what components/shared/promiseStacks.ts saves. */
function leakValues(docker: EvalRow, leak: EvalRow): Record<string, string> {
    return {
        leakRatio: fmt(leak.ratio, 2),
        leakWall: fmt(leak.wall.median),
        leakStack: fmt(leak.stackTrace.median),
        leakFrames: String(leak.stackFrames),
        leakSaved: fmt(leak.wall.median - docker.wall.median),
        leakRss: fmt(leak.rss.median - docker.rss.median),
    };
}

function headlineValues(baseline: EvalRow, rows: EvalRow[]): Record<string, string> {
    const targets = rows.filter(isTarget);
    const docker = targets.find((r) => r.label === "docker") ?? targets[0];
    const worst = targets.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    const excess = docker.wall.median - baseline.wall.median;
    const stackExcess = docker.stackTrace.median - baseline.stackTrace.median;
    const load = docker.programLoad.median - baseline.programLoad.median;
    const restExcess = rest(docker) - rest(baseline);
    return {
        dockerRatio: fmt(docker.ratio, 2),
        dockerWall: fmt(docker.wall.median),
        baselineWall: fmt(baseline.wall.median),
        target: String(RUNNER_RATIO_TARGET),
        dockerVerdict: verdict(docker),
        worstLabel: worst.label,
        worstRatio: fmt(worst.ratio, 2),
        worstVerdict: verdict(worst),
        programLoading: docker.transpileOnly
            ? `transpile-only (tsconfig \`noCheck\`), transpiled by ${docker.transpiler === "swc" ? "swc" : "TypeScript"}`
            : "**type-checked** (tsconfig has no `noCheck`)",
        transpiler: docker.transpiler,
        dockerExcess: fmt(excess),
        dockerStackExcess: fmt(stackExcess),
        dockerStackTraces: String(docker.stackTraces),
        baselineStackTraces: String(baseline.stackTraces),
        dockerStackFrames: String(docker.stackFrames),
        baselineStackFrames: String(baseline.stackFrames),
        dockerLoad: fmt(load),
        dockerTsCompile: fmt(docker.tsCompile.median),
        dockerTsFiles: String(docker.tsFiles),
        dockerRestExcess: fmt(restExcess),
        dockerResources: String(docker.resources),
        dockerOtherExcess: fmt(excess - stackExcess - load - restExcess),
        ...leakValues(
            docker,
            rows.find((r) => r.label === LEAK_DEBUG_ROW.label)!,
        ),
    };
}

function timingLine(): string {
    const t = BENCH_TIMING;
    return (
        `health: first retry after ${t.healthIntervalMs} ms, doubling to ${t.healthMaxIntervalMs} ms, up to ${t.healthTimeoutMs / 1000} s; ` +
        `share: first re-poll after ${t.shareIntervalMs} ms, ×1.5 to ${t.shareMaxIntervalMs} ms, up to ${t.shareTimeoutMs / 1000} s; ` +
        `Slack SDK retries on 5xx/network: ${t.slackRetries}, backoff ${t.slackRetryMinMs}–${t.slackRetryMaxMs} ms; ` +
        `HTTP 429: up to ${t.rateLimitRetries} waits of Retry-After (at most ${t.maxRetryAfterSec} s)`
    );
}

const noWaits = (r: ScenarioResult) => r.runs.every((m) => m.waits.length === 0 && m.scheduledMs === 0);

function verifierValues(cold: Awaited<ReturnType<typeof coldRun>>, happy: ScenarioResult[]): Record<string, string> {
    const happyTable = table(
        [
            "Scenario",
            "Time ms",
            "Requests / minimum",
            "At minimum (every run)",
            "Latency floor ms (requests × latency)",
            "Time over floor ms",
            "Waits scheduled",
            "Idle ms (longest gap)",
        ],
        happy.map((r, i) => {
            const floor = r.minimumTotal * LATENCIES[i];
            const idle = r.runs.map((m) => m.idleMs);
            const gap = r.runs.map((m) => m.maxGapMs);
            return [
                r.scenario.label,
                ms(r.wall, 1),
                `${r.requests.min === r.requests.max ? r.requests.median : `${r.requests.min}–${r.requests.max}`} / ${r.minimumTotal}`,
                yesNo(r.allAtMinimum),
                fmt(floor),
                fmt(r.wall.median - floor, 1),
                noWaits(r) ? "none" : "**some**",
                `${fmt(Math.min(...idle))}–${fmt(Math.max(...idle))} (≤ ${fmt(Math.max(...gap))})`,
            ];
        }),
        ["l", "r", "r", "l", "r", "r", "l", "r"],
    );
    return {
        timingLine: timingLine(),
        happyTable,
        coldMs: fmt(cold.wallMs),
        coldRequests: String(cold.requests),
        coldOutcome: cold.outcome,
        happyWaits: happy.every(noWaits) ? "none" : "**some** (see the table)",
        happyMaxGap: fmt(Math.max(...happy.flatMap((r) => r.runs.map((m) => m.maxGapMs)))),
        shareIntervalMs: String(BENCH_TIMING.shareIntervalMs),
    };
}

function faultValues(results: ScenarioResult[]): Record<string, string> {
    const rows = results.map((r) => {
        const s = r.scenario;
        const outcomes = [...new Set(r.runs.map((m) => m.outcome))].join("; ");
        const reqs =
            r.requests.min === r.requests.max
                ? String(r.requests.median)
                : `${fmt(r.requests.median)} (${r.requests.min}–${r.requests.max})`;
        const excess = [...new Set(r.runs.flatMap((m) => m.excess))];
        const waits = r.runs[0].waits.length ? r.runs[0].waits.map((w) => fmt(w)).join(" + ") : "none";
        const sdkWait = r.runs[0].scheduledMs - r.runs[0].waits.reduce((a, b) => a + b, 0);
        const scheduled = sdkWait > 0 ? `${waits === "none" ? "" : `${waits} + `}${fmt(sdkWait)} (SDK backoff)` : waits;
        const idleBeyond = r.runs.map((m) => m.idleMs - m.scheduledMs);
        return [
            s.label + (s.informational ? " ¹" : ""),
            s.fault,
            "verified" in s.expect ? "verified" : `${s.expect.key} at ${s.expect.check}`,
            `${r.allOutcomesOk ? "✅" : "❌"} ${outcomes}`,
            ms(r.wall),
            `${reqs} / ${r.minimumTotal}${excess.length ? ` (over: ${excess.join(", ")})` : ""}`,
            `${scheduled}${r.waitsAsConfigured ? "" : " **(not as configured)**"}`,
            `${fmt(Math.min(...idleBeyond))}–${fmt(Math.max(...idleBeyond))}`,
            s.bound ? `${fmt(s.bound.ms / 1000, s.bound.ms % 1000 ? 1 : 0)} s (${s.bound.what})` : "—",
        ];
    });
    const faultTable = table(
        [
            "Scenario",
            "Injected",
            "Expected",
            "Outcome",
            "Time ms",
            "Requests / minimum",
            "Waits scheduled (ms)",
            "Idle beyond schedule (ms)",
            "Verifier's bound",
        ],
        rows,
        ["l", "l", "l", "l", "r", "r", "l", "r", "l"],
    );
    const permanent = results.filter((r) => r.scenario.kind === "permanent");
    const perGap = Math.max(...results.flatMap((r) => r.runs.map((m) => (m.idleMs - m.scheduledMs) / Math.max(1, m.requests - 1))));
    return {
        faultTable,
        healthFailS: String(HEALTH_FAIL_MS / 1000),
        worstExcessIdle: fmt(Math.max(...results.map((r) => r.worstExcessIdleMs))),
        worstGapPerRequest: fmt(perGap, 1),
        permanentMin: fmt(Math.min(...permanent.map((r) => r.wall.min))),
        permanentMax: fmt(Math.max(...permanent.map((r) => r.wall.max))),
    };
}

function alertValues(results: AlertScenarioResult[]): Record<string, string> {
    const t = ALERT_BENCH_TIMING;
    const prod = pollTimes(300_000, DEFAULT_TIMING);
    const seen90 = pollsToSee(90_000, 60_000, DEFAULT_TIMING);
    return {
        alertTable: alertPathTable(results),
        alertIntervalMs: String(t.alertIntervalMs),
        alertMaxIntervalMs: String(t.alertMaxIntervalMs),
        prodAlertIntervalS: String(DEFAULT_TIMING.alertIntervalMs / 1000),
        prodAlertMaxIntervalS: String(DEFAULT_TIMING.alertMaxIntervalMs / 1000),
        prodLooks: String(prod.length),
        prodLookTimes: prod
            .slice(0, 8)
            .map((x) => x / 1000)
            .join(", "),
        seen90Rules: String(seen90.rules),
        seen90Receivers: String(seen90.receivers),
    };
}

function replicaValues(rows: EvalRow[]): Record<string, string> {
    const one = rows.find((r) => r.label === "kubernetes separate")!;
    const reps = [
        { n: 1, r: one },
        ...REPLICAS.map((n) => ({ n, r: rows.find((x) => x.label.startsWith(`kubernetes separate, ${n} renderer`))! })),
    ];
    const replicaTable = table(
        ["Replicas", "Resources", "Wall ms", "× 1 replica", "In-process ms", "Peak RSS MiB"],
        reps.map(({ n, r }) => [
            String(n),
            String(r.resources),
            ms(r.wall),
            fmt(r.wall.median / one.wall.median, 2),
            ms(r.eval),
            ms(r.rss),
        ]),
        ["r", "r", "r", "r", "r", "r"],
    );
    const overlaps = reps.every(({ r }) => r.wall.min <= one.wall.max && one.wall.min <= r.wall.max);
    return {
        replicaTable,
        replicaResources: reps.map(({ n, r }) => `${n}: ${r.resources}`).join(", "),
        replicaMedians: reps.map(({ n, r }) => `${n}: ${fmt(r.wall.median)} ms`).join(", "),
        replicaOverlap: overlaps
            ? "overlap, so in this run the differences cannot be told from run-to-run noise on a shared machine"
            : "do **not** overlap: evaluation time changed with the count in this run",
    };
}

async function main(): Promise<void> {
    const t0 = performance.now();
    const loadStart = os.loadavg();
    const date = new Date().toISOString().replace(/\.\d+Z$/, "Z");

    progress(
        `program evaluation: ${TARGETS.length} targets + baseline + leak-debug docker × ${RUNS}, replicas ${REPLICAS.join("/")} × ${REPLICA_RUNS}`,
    );
    const evaluation = benchmarkEvaluation(
        RUNS,
        [...TARGETS, LEAK_DEBUG_ROW, ...replicaRows(REPLICAS).map((r) => ({ ...r, runs: REPLICA_RUNS }))],
        progress,
    );
    progress("SDK load cost");
    const sdk = benchmarkSdkCost(["@pulumi/kubernetes", "@pulumi/docker"], SDK_RUNS);

    progress("verifier: cold run + happy path");
    const cold = await coldRun();
    const happy: ScenarioResult[] = [];
    for (const s of happyScenarios(LATENCIES)) happy.push(await benchmarkScenario(s, VERIFY_RUNS));
    progress("verifier: faults");
    const faults: ScenarioResult[] = [];
    for (const s of faultScenarios()) {
        faults.push(await benchmarkScenario(s, s.kind === "permanent" ? PERMANENT_RUNS : FAULT_RUNS));
        progress(`  ${s.label}: done`);
    }
    progress("verifier: alert-path stage");
    const alerts: AlertScenarioResult[] = [];
    for (const s of alertScenarios()) alerts.push(await runAlertScenario(s, FAULT_RUNS));
    progress("real renderer");
    const realRendererSection = await benchmarkRealRenderer(progress, RENDER_RUNS);

    const totalS = (performance.now() - t0) / 1000;
    const text = fillTemplate(fs.readFileSync(TEMPLATE, "utf8"), {
        date,
        totalS: fmt(totalS),
        machineTable: machineTable(loadStart, os.loadavg()),
        runs: String(RUNS),
        replicaRuns: String(REPLICA_RUNS),
        verifyRuns: String(VERIFY_RUNS),
        faultRuns: String(FAULT_RUNS),
        permanentRuns: String(PERMANENT_RUNS),
        sdkRuns: String(SDK_RUNS),
        ...headlineValues(evaluation.baseline, evaluation.rows),
        ...evaluationTables(evaluation.baseline, evaluation.rows, sdk),
        ...verifierValues(cold, happy),
        ...faultValues(faults),
        ...alertValues(alerts),
        ...replicaValues(evaluation.rows),
        realRendererSection,
        renderRuns: String(RENDER_RUNS),
    });
    process.stdout.write(text);
    if (OUT) {
        // Keep the real-engine section that `npm run e2e:bench` (test/e2e/bench.ts) maintains.
        const e2eSection = fs.existsSync(OUT)
            ? /<!-- e2e-engine:start[\s\S]*?<!-- e2e-engine:end -->/.exec(fs.readFileSync(OUT, "utf8"))?.[0]
            : undefined;
        fs.writeFileSync(OUT, e2eSection ? `${text.trimEnd()}\n\n${e2eSection}\n` : text);
        progress(`wrote ${path.relative(process.cwd(), OUT) || OUT} in ${fmt(totalS)} s`);
    } else {
        progress(`done in ${fmt(totalS)} s (report on stdout; --write or BENCH_OUT=<path> saves it)`);
    }
}

main().catch((e) => {
    process.stderr.write(`bench failed: ${(e as Error)?.stack ?? e}\n`);
    process.exit(2);
});
