// Benchmark section: the alert-path stage (components/verify/alertPath.ts) against the
// fakes, the fake Grafana playing the rule and its Slack notifier. Each run counts the
// requests the STAGE made (Grafana: provisioning, rules, receivers; Slack: history,
// replies, the screenshot's download, permalink; the notifier's own Slack calls are
// Grafana's, not counted; the screenshot's reference render is Grafana's render) and
// compares them with the fewest the poll schedule allows: the schedule polls the rule
// at 0, i, i+1.5i, ... (capped), so a delivery D ms after the stage began is seen at the
// first poll at or after D, and only then is Slack read (once each).
import { performance } from "perf_hooks";
import { runVerification, type VerificationReport } from "../components/verify/checks";
import type { MessageKey } from "../components/shared/messages";
import { DEFAULT_TIMING, type VerifyTiming } from "../components/shared/timing";
import { table } from "./report";
import { FakeGrafana, FakeSlack, GOOD_TOKEN, type FakeAlertingOptions, type FaultRule } from "../test/fakes";
import { stats, type Stats } from "./stats";

/** Production waits, with the alert-path poll schedule scaled down 100x so a run takes a second, not minutes. */
export const ALERT_BENCH_TIMING: VerifyTiming = { ...DEFAULT_TIMING, alertIntervalMs: 50, alertMaxIntervalMs: 200, alertImageGraceMs: 300 };
const RULE_UID = "gsa-rule-bench";

export interface AlertScenario {
    label: string;
    fault: string;
    alerting: Partial<FakeAlertingOptions>;
    slackFaults?: FaultRule[];
    /** The contact point's recipient. Default #grafana-alert (the channel verified). */
    recipient?: string;
    boundMs: number;
    expect: "alert path" | MessageKey;
    /** The stage's fewest requests per endpoint for this scenario. */
    minimum: Record<string, number>;
}

export interface AlertScenarioResult {
    scenario: AlertScenario;
    wall: Stats;
    outcomes: string[];
    outcomeOk: boolean;
    counts: Record<string, number>[];
    atMinimum: boolean;
    excess: string[];
}

/** Poll times (ms after the stage began) of the schedule with no request time, up to and including the bound `untilMs`. */
export function pollTimes(untilMs: number, t: VerifyTiming): number[] {
    const out = [0];
    let at = 0;
    let interval = Math.max(1, t.alertIntervalMs);
    while (at + interval <= untilMs) {
        at += interval;
        out.push(at);
        interval = Math.min(Math.ceil(interval * 1.5), Math.max(1, t.alertMaxIntervalMs));
    }
    // The stage shortens the last wait to the bound and looks once more before judging.
    if (at < untilMs) out.push(untilMs);
    return out;
}

/** Rule polls to see an event at `eventMs`, and how many of them come at or after `firingMs` (receivers reads). */
export function pollsToSee(eventMs: number, firingMs: number, t: VerifyTiming): { rules: number; receivers: number } {
    const times = pollTimes(eventMs + 10 * t.alertMaxIntervalMs, t);
    const k = times.findIndex((x) => x >= eventMs) + 1;
    return { rules: k, receivers: times.slice(0, k).filter((x) => x >= firingMs).length };
}

export function alertScenarios(t: VerifyTiming = ALERT_BENCH_TIMING): AlertScenario[] {
    const firing = 120;
    const deliver = 80;
    const seen = pollsToSee(firing + deliver, firing, t);
    const delivered = {
        provisioning: 1,
        rules: seen.rules,
        receivers: seen.receivers,
        "conversations.history": 1,
        "conversations.replies": 1,
        // The screenshot downloaded (url_private) to compare with a reference render.
        download: 1,
        "chat.getPermalink": 1,
    };
    const bound = 1_000;
    const all = pollTimes(bound, t);
    return [
        {
            label: "alert delivered with its screenshot",
            fault: `fires ${firing} ms after the stage begins, notifier runs ${deliver} ms later`,
            alerting: { firingAfterMs: firing, deliverAfterMs: deliver },
            boundMs: 5_000,
            expect: "alert path",
            minimum: delivered,
        },
        {
            label: "Slack 429, Retry-After: 1 (conversations.history)",
            fault: "the first history read answers HTTP 429 with Retry-After: 1",
            alerting: { firingAfterMs: firing, deliverAfterMs: deliver },
            slackFaults: [{ endpoint: "conversations.history", status: 429, retryAfter: 1 }],
            boundMs: 5_000,
            expect: "alert path",
            minimum: { ...delivered, "conversations.history": 2 },
        },
        {
            label: "contact point error (lastNotifyAttemptError)",
            fault: "the contact point's recipient is a channel Slack does not know",
            alerting: { firingAfterMs: firing, deliverAfterMs: deliver },
            recipient: "#no-such-channel",
            boundMs: 5_000,
            expect: "alert_not_delivered",
            minimum: { provisioning: 1, rules: seen.rules, receivers: seen.receivers },
        },
        {
            label: "never routed (bound 1 s)",
            fault: "the rule fires but no route leads to the contact point",
            alerting: { firingAfterMs: firing, routed: false },
            boundMs: bound,
            expect: "alert_not_routed",
            // Every poll of the bound; receivers from the first firing poll on.
            minimum: { provisioning: 1, rules: all.length, receivers: all.filter((x) => x >= firing).length },
        },
    ];
}

const STAGE_GRAFANA = ["provisioning", "rules", "receivers"];
const STAGE_SLACK = ["conversations.history", "conversations.replies", "download", "chat.getPermalink"];

function outcome(report: VerificationReport): string {
    if (report.level === "alert path") return "alert path";
    return report.alertPath?.failure?.key ?? `no stage (${report.verifiedHow})`;
}

export async function runAlertScenario(s: AlertScenario, runs: number, t: VerifyTiming = ALERT_BENCH_TIMING): Promise<AlertScenarioResult> {
    const walls: number[] = [];
    const outcomes: string[] = [];
    const counts: Record<string, number>[] = [];
    for (let i = 0; i < runs; i++) {
        const slack = await FakeSlack.start({ faults: s.slackFaults });
        const grafana = await FakeGrafana.start({
            alerting: {
                ruleUid: RULE_UID,
                ruleTitle: "Demo random walk above threshold",
                dashboardUid: "gsa-dev",
                panelId: 1,
                slack: { apiUrl: slack.apiUrl, token: GOOD_TOKEN, recipient: s.recipient ?? "#grafana-alert" },
                ...s.alerting,
            },
        });
        try {
            const t0 = performance.now();
            const report = await runVerification({
                grafanaUrl: grafana.url,
                grafanaAuth: grafana.auth,
                dashboardUid: "gsa-dev",
                panelId: 1,
                slackToken: GOOD_TOKEN,
                slackChannel: "C0ALERTS01",
                slackApiUrl: slack.apiUrl,
                stackName: "grafana-slack-alerts/bench",
                timing: t,
                alertTimeoutMs: s.boundMs,
                alertRuleUid: RULE_UID,
            });
            walls.push(performance.now() - t0);
            outcomes.push(outcome(report));
            const g = grafana.faults.counts();
            const sl = slack.faults.counts();
            const c: Record<string, number> = {};
            for (const k of STAGE_GRAFANA) if (g[k]) c[k] = g[k];
            for (const k of STAGE_SLACK) if (sl[k]) c[k] = sl[k];
            counts.push(c);
        } finally {
            await grafana.close();
            await slack.close();
        }
    }
    const excess = [
        ...new Set(
            counts.flatMap((c) =>
                Object.entries(c)
                    .filter(([k, n]) => n > (s.minimum[k] ?? 0))
                    .map(([k, n]) => `${k} ${n}>${s.minimum[k] ?? 0}`),
            ),
        ),
    ];
    return {
        scenario: s,
        wall: stats(walls),
        outcomes,
        outcomeOk: outcomes.every((o) => o === s.expect),
        counts,
        atMinimum: excess.length === 0,
        excess,
    };
}

const fmtCounts = (c: Record<string, number>) =>
    [...STAGE_GRAFANA, ...STAGE_SLACK]
        .filter((k) => c[k])
        .map((k) => `${k} ${c[k]}`)
        .join(", ");

/** The report's table: each scenario's outcome, time and the stage's requests against the minimum. */
export function alertPathTable(results: AlertScenarioResult[]): string {
    const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
    return table(
        ["Scenario", "Fault", "Outcome", "Wall ms", "Stage requests", "Minimum"],
        results.map((r) => [
            r.scenario.label,
            r.scenario.fault,
            `${r.outcomeOk ? "" : "❌ "}${[...new Set(r.outcomes)].join("; ")}`,
            `${fmt(r.wall.median)} (${fmt(r.wall.min)}–${fmt(r.wall.max)})`,
            `${fmtCounts(r.counts[0] ?? {})}${r.atMinimum ? "" : ` ❌ (${r.excess.join(", ")})`}`,
            fmtCounts(r.scenario.minimum),
        ]),
    );
}
