// Benchmark sections 2 and 3: the verification (render + Slack upload + confirmation)
// against the loopback fakes in test/fakes, on the happy path with and without injected
// latency, and with transient and permanent faults. Every run counts the HTTP requests
// each fake saw, compares them with what the protocol (plus the fault) forces, and
// measures idle time: the gaps between one request's answer and the next request,
// against the waits the configured timing schedules.
// First: it must wrap the verifier's sleep before the check modules load.
import { recordedWaits } from "./recordWaits";
import { runVerification, type CheckId, type VerificationReport, type VerifyOptions } from "../components/verify/checks";
import type { MessageKey } from "../components/shared/messages";
import { DEFAULT_TIMING, type VerifyTiming } from "../components/shared/timing";
import {
    ALL_SCOPES,
    GOOD_TOKEN,
    protocolMinimum,
    startFakes,
    type FakeGrafanaOptions,
    type FakeSlackOptions,
    type RequestLogEntry,
} from "../test/fakes";
import { performance } from "perf_hooks";
import { stats, type Stats } from "./stats";

type Fakes = Awaited<ReturnType<typeof startFakes>>;
type Counts = { grafana: Record<string, number>; slack: Record<string, number> };

/**
 * The timing every scenario runs with: the production defaults, so that a wait in the
 * figures is a wait a user would see. Listed in the report.
 */
export const BENCH_TIMING: VerifyTiming = { ...DEFAULT_TIMING };

export const NARROW_TOKEN = "xoxb-bench-narrow-1111111111-lkjhgfdsazxc";

export interface Scenario {
    label: string;
    kind: "happy" | "transient" | "permanent";
    /** One line on what is injected. */
    fault: string;
    grafana?: FakeGrafanaOptions;
    slack?: FakeSlackOptions;
    /** Injects faults; may return a cleanup (e.g. a timer). Called just before the run starts. */
    arm?: (f: Fakes) => (() => void) | void;
    options?: Partial<VerifyOptions>;
    /** Success, or the catalogue key (and the check it must fail at). */
    expect: { verified: true } | { key: MessageKey; check: CheckId };
    /** The requests this scenario needs: the protocol minimum plus what the fault forces. */
    minimum: Counts;
    /** The verifier's own limit for this scenario (it gives up after this), for the report. */
    bound?: { ms: number; what: string };
    /** The waits the configured timing schedules for this scenario (verifier's own; default none). */
    expectedWaitsMs?: number[];
    /** Reported, but its request count does not decide the exit code (a known behaviour, shown for the record). */
    informational?: boolean;
}

export interface RunMeasure {
    wallMs: number;
    outcome: string;
    outcomeOk: boolean;
    requests: number;
    counts: Counts;
    /** Endpoints asked more often than the minimum: "files.info 5>4". */
    excess: string[];
    /** Sum of the gaps between an answer and the next request. */
    idleMs: number;
    /** Longest single gap. */
    maxGapMs: number;
    /** Waits the verifier scheduled itself (timing.sleep) plus the SDK's 5xx backoff. */
    scheduledMs: number;
    waits: number[];
}

export interface ScenarioResult {
    scenario: Scenario;
    runs: RunMeasure[];
    wall: Stats;
    requests: Stats;
    minimumTotal: number;
    allOutcomesOk: boolean;
    allAtMinimum: boolean;
    /** Every run asked for exactly the scheduled waits (to the ms). */
    waitsAsConfigured: boolean;
    /** Largest idle-beyond-schedule over the runs (ms). */
    worstExcessIdleMs: number;
}

/** The backoff the Slack SDK sleeps before retrying after `n` consecutive HTTP 5xx answers. */
function sdkBackoffMs(n: number, t: VerifyTiming): number {
    let sum = 0;
    for (let i = 0; i < Math.min(n, t.slackRetries); i++)
        sum += Math.min(t.slackRetryMinMs * 2 ** i, Math.max(t.slackRetryMinMs, t.slackRetryMaxMs));
    return sum;
}

/** The waits of the health backoff schedule while health fails for `windowMs`; attempts = waits + 1. */
export function healthWaitsFor(windowMs: number, t: VerifyTiming): number[] {
    const waits: number[] = [];
    let at = 0;
    let interval = Math.max(1, t.healthIntervalMs);
    while (at < windowMs) {
        waits.push(interval);
        at += interval;
        interval = Math.min(interval * 2, Math.max(1, t.healthMaxIntervalMs));
    }
    return waits;
}

/** Share polls the schedule needs, and the waits between them, when the `polls`-th look is the first to see the share. */
export function shareWaitsFor(polls: number, t: VerifyTiming): number[] {
    const waits: number[] = [];
    let interval = Math.max(1, t.shareIntervalMs);
    for (let i = 1; i < polls; i++) {
        waits.push(interval);
        interval = Math.min(Math.ceil(interval * 1.5), Math.max(1, t.shareMaxIntervalMs));
    }
    return waits;
}

function add(base: Counts, extra: Partial<Record<"grafana" | "slack", Record<string, number>>>): Counts {
    const out: Counts = { grafana: { ...base.grafana }, slack: { ...base.slack } };
    for (const side of ["grafana", "slack"] as const) {
        for (const [k, v] of Object.entries(extra[side] ?? {})) out[side][k] = (out[side][k] ?? 0) + v;
    }
    return out;
}

const total = (c: Counts) => [...Object.values(c.grafana), ...Object.values(c.slack)].reduce((a, b) => a + b, 0);

/** The scenarios of sections 2 and 3. `latencyMs` applies to every request of both fakes. */
export function happyScenarios(latencies: number[]): Scenario[] {
    return latencies.map((ms) => ({
        label: `happy path, ${ms} ms per request`,
        kind: "happy" as const,
        fault: ms ? `${ms} ms latency on every request (both fakes)` : "none",
        grafana: { latencyMs: ms },
        slack: { latencyMs: ms },
        expect: { verified: true as const },
        minimum: protocolMinimum(),
    }));
}

export const HEALTH_FAIL_MS = 2_000;
export const SHARE_AFTER_POLLS = 3;

export function faultScenarios(t: VerifyTiming = BENCH_TIMING): Scenario[] {
    const min = protocolMinimum();
    const healthWaits = healthWaitsFor(HEALTH_FAIL_MS, t);
    const sharePolls = SHARE_AFTER_POLLS + 1;
    // At most rateLimitRetries waits of at most maxRetryAfterSec each (then it fails), plus the requests themselves.
    const rateLimitBound = {
        ms: t.rateLimitRetries * t.maxRetryAfterSec * 1000,
        what: `${t.rateLimitRetries} waits × ${t.maxRetryAfterSec} s max Retry-After, then it fails`,
    };
    const grafanaOnly = { grafana: { health: 1, settings: 1, dashboard: 1, render: 2 }, slack: { "auth.test": 1 } };
    return [
        {
            label: "Grafana health failing for the first 2 s",
            kind: "transient",
            fault: `/api/health answers 503 until ${HEALTH_FAIL_MS} ms after the start`,
            arm: (f) => {
                f.grafana.faults.inject({ endpoint: "health", status: 503, times: Infinity });
                const timer = setTimeout(() => f.grafana.faults.clearFaults(), HEALTH_FAIL_MS);
                return () => clearTimeout(timer);
            },
            expect: { verified: true },
            minimum: add(min, { grafana: { health: healthWaits.length } }),
            expectedWaitsMs: healthWaits,
            bound: { ms: t.healthTimeoutMs, what: "healthTimeoutMs, then grafana_unreachable" },
        },
        {
            label: "Slack 429, Retry-After: 1 (auth.test)",
            kind: "transient",
            fault: "auth.test answers HTTP 429 with Retry-After: 1 once",
            arm: (f) => f.slack.faults.inject({ endpoint: "auth.test", status: 429, retryAfter: 1 }),
            expect: { verified: true },
            minimum: add(min, { slack: { "auth.test": 1 } }),
            expectedWaitsMs: [1000],
            bound: rateLimitBound,
        },
        {
            label: "one HTTP 500 from the upload URL",
            kind: "transient",
            fault: "the upload URL answers HTTP 500 once",
            arm: (f) => f.slack.faults.inject({ endpoint: "upload", status: 500 }),
            expect: { verified: true },
            minimum: add(min, { slack: { upload: 1 } }),
            // The verifier posts the bytes itself and retries like the SDK would: its first backoff.
            expectedWaitsMs: [t.slackRetryMinMs],
            bound: {
                ms: sdkBackoffMs(t.slackRetries, t) + (t.slackRetries + 1) * t.requestTimeoutMs,
                what: `${t.slackRetries + 1} attempts × ${t.requestTimeoutMs / 1000} s timeout + ${sdkBackoffMs(t.slackRetries, t) / 1000} s backoff`,
            },
        },
        {
            label: `sharing shows only after ${SHARE_AFTER_POLLS} polls`,
            kind: "transient",
            fault: `files.info shows the file unshared ${SHARE_AFTER_POLLS} times`,
            slack: { shareAfterPolls: SHARE_AFTER_POLLS },
            expect: { verified: true },
            minimum: protocolMinimum({ sharePolls }),
            expectedWaitsMs: shareWaitsFor(sharePolls, t),
            bound: { ms: t.shareTimeoutMs, what: "shareTimeoutMs, then share_timeout" },
        },
        {
            label: "Slack 429, Retry-After: 1 (files.completeUploadExternal)",
            kind: "transient",
            fault: "completeUploadExternal answers HTTP 429 with Retry-After: 1 once",
            arm: (f) => f.slack.faults.inject({ endpoint: "files.completeUploadExternal", status: 429, retryAfter: 1 }),
            expect: { verified: true },
            minimum: add(min, { slack: { "files.completeUploadExternal": 1 } }),
            expectedWaitsMs: [1000],
            bound: rateLimitBound,
            informational: true,
        },
        {
            label: "not_in_channel",
            kind: "permanent",
            fault: "the bot is not a member of C0ALERTS01",
            slack: { channels: [{ id: "C0ALERTS01", name: "grafana-alert", isMember: false }] },
            expect: { key: "not_in_channel", check: "slack.upload" },
            // The upload is the first call that can tell (a channel ID is used as is).
            minimum: {
                grafana: min.grafana,
                slack: { "auth.test": 1, "files.getUploadURLExternal": 1, upload: 1, "files.completeUploadExternal": 1 },
            },
        },
        {
            label: "missing_scope (no files:write)",
            kind: "permanent",
            fault: "the token has chat:write, channels:read only",
            slack: { tokens: { [NARROW_TOKEN]: { scopes: ["chat:write", "channels:read"] }, [GOOD_TOKEN]: { scopes: [...ALL_SCOPES] } } },
            options: { slackToken: NARROW_TOKEN },
            expect: { key: "missing_scope", check: "slack.scopes" },
            minimum: grafanaOnly,
        },
        {
            label: "bad Grafana credentials",
            kind: "permanent",
            fault: "grafanaAuth has a wrong password (Grafana answers 401)",
            options: { grafanaAuth: "admin:wrong-password-bench" },
            expect: { key: "grafana_auth", check: "grafana.renderer" },
            // Slack is still checked (independent); nothing is uploaded without an image.
            minimum: { grafana: { health: 1, settings: 1 }, slack: { "auth.test": 1 } },
        },
        {
            label: "placeholder image",
            kind: "permanent",
            fault: "Grafana answers the render with a 400x120 placeholder PNG",
            grafana: { renderMode: "placeholder" },
            expect: { key: "renderer_placeholder", check: "grafana.render" },
            minimum: grafanaOnly,
        },
    ];
}

function outcomeOf(report: VerificationReport): string {
    if (report.verified) return "verified";
    const failed = report.checks.find((c) => c.status === "fail");
    return failed ? `${failed.key ?? "?"} at ${failed.id}` : `not verified (${report.verifiedHow})`;
}

function gaps(log: RequestLogEntry[]): number[] {
    const sorted = [...log].sort((a, b) => a.at - b.at || a.seq - b.seq);
    const out: number[] = [];
    for (let i = 1; i < sorted.length; i++) {
        const prevEnd = sorted[i - 1].at + sorted[i - 1].durationMs;
        out.push(Math.max(0, sorted[i].at - prevEnd));
    }
    return out;
}

export async function runScenarioOnce(s: Scenario, t: VerifyTiming = BENCH_TIMING): Promise<RunMeasure> {
    const f = await startFakes({ grafana: s.grafana, slack: s.slack });
    try {
        const disarm = s.arm?.(f);
        recordedWaits.length = 0;
        const t0 = performance.now();
        const report = await runVerification({
            grafanaUrl: f.grafana.url,
            grafanaAuth: f.grafana.auth,
            dashboardUid: "gsa-dev",
            panelId: 1,
            slackToken: GOOD_TOKEN,
            slackChannel: "C0ALERTS01",
            slackApiUrl: f.slack.apiUrl,
            stackName: "grafana-slack-alerts/bench",
            timing: t,
            send: true,
            ...s.options,
        });
        const wallMs = performance.now() - t0;
        if (typeof disarm === "function") disarm();
        const counts: Counts = { grafana: f.grafana.faults.counts(), slack: f.slack.faults.counts() };
        const excess: string[] = [];
        for (const side of ["grafana", "slack"] as const) {
            for (const [ep, n] of Object.entries(counts[side])) {
                const allowed = s.minimum[side][ep] ?? 0;
                if (n > allowed) excess.push(`${ep} ${n}>${allowed}`);
            }
        }
        const outcome = outcomeOf(report);
        const outcomeOk =
            "verified" in s.expect
                ? report.verified && report.ok
                : !report.verified &&
                  report.checks.some(
                      (c) =>
                          c.id === (s.expect as { check: CheckId }).check &&
                          c.status === "fail" &&
                          c.key === (s.expect as { key: MessageKey }).key,
                  ) &&
                  f.slack.postedFiles().length === 0;
        const log = [...f.grafana.faults.log, ...f.slack.faults.log];
        const g = gaps(log);
        // The SDK's own retries (its API methods); the upload POST is the verifier's, and its waits are recorded.
        const slack5xx = f.slack.faults.log.filter((e) => e.endpoint !== "upload" && e.fault?.startsWith("status 5")).length;
        const waits = [...recordedWaits];
        return {
            wallMs,
            outcome,
            outcomeOk,
            requests: log.length,
            counts,
            excess,
            idleMs: g.reduce((a, b) => a + b, 0),
            maxGapMs: g.length ? Math.max(...g) : 0,
            scheduledMs: waits.reduce((a, b) => a + b, 0) + sdkBackoffMs(slack5xx, t),
            waits,
        };
    } finally {
        await f.close();
    }
}

export async function benchmarkScenario(s: Scenario, runs: number, t: VerifyTiming = BENCH_TIMING): Promise<ScenarioResult> {
    const measures: RunMeasure[] = [];
    for (let i = 0; i < runs; i++) measures.push(await runScenarioOnce(s, t));
    return {
        scenario: s,
        runs: measures,
        wall: stats(measures.map((m) => m.wallMs)),
        requests: stats(measures.map((m) => m.requests)),
        minimumTotal: total(s.minimum),
        allOutcomesOk: measures.every((m) => m.outcomeOk),
        allAtMinimum: measures.every((m) => m.excess.length === 0),
        waitsAsConfigured: measures.every((m) => {
            const want = s.expectedWaitsMs ?? [];
            return m.waits.length === want.length && m.waits.every((w, i) => Math.abs(w - want[i]) <= 1);
        }),
        worstExcessIdleMs: Math.max(...measures.map((m) => m.idleMs - m.scheduledMs)),
    };
}

/** One run of the happy path in a process that has not run the verifier yet (loads the Slack SDK, JIT). */
export async function coldRun(): Promise<RunMeasure> {
    return runScenarioOnce(happyScenarios([0])[0]);
}
