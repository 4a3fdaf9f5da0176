// Pure, deterministic builders for everything Grafana-side that is JSON: the demo
// dashboard, the alert rule's query/expression stages and the stable UIDs.
//
// "Deterministic" matters for quiet previews: the same stack name must always give
// byte-identical strings (canonical key order, no timestamps, no randomness), so a
// second `pulumi up` shows no diff. Nothing in here touches Pulumi.
import { createHash } from "crypto";
import { canonicalJson } from "../../shared/canonicalJson";

export { canonicalJson };

/** Project name, used in titles, tags and labels. */
export const PROJECT = "grafana-slack-alerts";

/** Plugin id of Grafana's built-in TestData data source (Grafana 10+; older versions called it `testdata`). */
export const TESTDATA_DATASOURCE_TYPE = "grafana-testdata-datasource";

/** Data source UID (and type) Grafana uses for server-side expressions (Reduce, Threshold, Math). */
export const EXPRESSION_DATASOURCE_UID = "__expr__";

/** ID of the time-series panel the alert rule is attached to (`__panelId__`). */
export const PANEL_ID = 1;

/** The annotations that make Grafana screenshot a panel for an alert (on any rule, demo or your own). */
export const DASHBOARD_UID_ANNOTATION = "__dashboardUid__";
export const PANEL_ID_ANNOTATION = "__panelId__";

/** refId of the TestData query, of the Reduce stage and of the Threshold stage (the rule's condition). */
export const QUERY_REF_ID = "A";
export const REDUCE_REF_ID = "B";
export const THRESHOLD_REF_ID = "C";

/** Grafana's limit for dashboard / folder / data source / rule UIDs. */
export const MAX_UID_LENGTH = 40;

/**
 * The demo series and the alert threshold.
 *
 * The rule is a clearly labelled ALWAYS-FIRING demo: TestData's random walk starts at
 * `startValue` and is clamped to [`min`, `max`], which lies entirely above `threshold`,
 * so "last value > threshold" is true on every evaluation. That makes the end-to-end
 * check deterministic: about `for` + one evaluation interval after `pulumi up`, Grafana
 * fires, renders the panel and posts it to Slack, then repeats only every
 * `repeatInterval` (4h) while the rule stays active. A walk that merely crosses the
 * threshold would flap (TestData restarts the walk on every query) and could leave the
 * verifier waiting for an unlucky random draw.
 */
export const DEMO_SERIES = {
    startValue: 75,
    min: 55,
    max: 95,
    spread: 4,
    threshold: 50,
} as const;

/** Grafana-side identifiers of the objects this project manages for one stack. */
export interface GrafanaUids {
    folder: string;
    dashboard: string;
    datasource: string;
    rule: string;
}

/**
 * A Grafana UID `<base>-<stack>`: stable for a stack, valid for Grafana (`[A-Za-z0-9_-]`,
 * at most 40 characters). When the stack name has other characters (e.g. `.`) or the
 * result would be too long, the cleaned, shortened name gets a short hash of the real
 * stack name, so two different stacks never share a UID.
 */
export function grafanaUid(base: string, stackName: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(base) || base.length > 20) {
        throw new Error(`invalid UID base "${base}": use at most 20 of [A-Za-z0-9_-]`);
    }
    if (stackName.length === 0) throw new Error("stackName must not be empty");
    const cleaned = stackName.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "");
    const plain = `${base}-${cleaned}`;
    if (cleaned === stackName && plain.length <= MAX_UID_LENGTH) return plain;
    const hash = createHash("sha256").update(stackName).digest("hex").slice(0, 8);
    const room = MAX_UID_LENGTH - base.length - hash.length - 2;
    const head = cleaned.slice(0, room).replace(/-+$/, "");
    return head ? `${base}-${head}-${hash}` : `${base}-${hash}`;
}

/** The UIDs of the folder, dashboard, TestData data source and alert rule of a stack. */
export function uidsFor(stackName: string): GrafanaUids {
    return {
        folder: grafanaUid("gsa-folder", stackName),
        dashboard: grafanaUid("gsa-dash", stackName),
        datasource: grafanaUid("gsa-testdata", stackName),
        rule: grafanaUid("gsa-demo-rule", stackName),
    };
}

/**
 * The TestData query shared by the panel and the alert rule. With the same query and the
 * same time window ({@link QUERY_WINDOW_SECONDS} = the dashboard's `time`), the screenshot
 * shows the data the rule evaluated: Grafana's alert screenshots pass no time range, so
 * they use the dashboard's own (`time`), and releases that filled in a default used
 * now-1h (grafana pkg/services/screenshot, ScreenshotOptions).
 */
export function randomWalkQuery(datasourceUid: string): Record<string, unknown> {
    return {
        refId: QUERY_REF_ID,
        datasource: { type: TESTDATA_DATASOURCE_TYPE, uid: datasourceUid },
        scenarioId: "random_walk",
        alias: "demo random walk",
        seriesCount: 1,
        startValue: DEMO_SERIES.startValue,
        min: DEMO_SERIES.min,
        max: DEMO_SERIES.max,
        spread: DEMO_SERIES.spread,
    };
}

export interface DashboardModelArgs {
    /** Dashboard UID (see {@link uidsFor}). */
    uid: string;
    /** Dashboard title. */
    title: string;
    /** UID of the TestData data source the panel queries. */
    datasourceUid: string;
}

/** The dashboard model: one time-series panel (id {@link PANEL_ID}) over the TestData random walk. */
export function buildDashboardModel(args: DashboardModelArgs): Record<string, unknown> {
    const datasource = { type: TESTDATA_DATASOURCE_TYPE, uid: args.datasourceUid };
    return {
        uid: args.uid,
        title: args.title,
        tags: [PROJECT],
        timezone: "utc",
        editable: true,
        schemaVersion: 41,
        refresh: "1m",
        // The rule's window (QUERY_WINDOW_SECONDS), so panel and screenshot show what it evaluates.
        time: { from: `now-${QUERY_WINDOW_SECONDS / 60}m`, to: "now" },
        templating: { list: [] },
        panels: [
            {
                id: PANEL_ID,
                type: "timeseries",
                title: "Demo random walk",
                description:
                    `TestData random walk kept between ${DEMO_SERIES.min} and ${DEMO_SERIES.max}. ` +
                    `The alert rule fires while its last value is above ${DEMO_SERIES.threshold} (always, by design).`,
                datasource,
                gridPos: { h: 10, w: 24, x: 0, y: 0 },
                targets: [randomWalkQuery(args.datasourceUid)],
                fieldConfig: {
                    defaults: {
                        min: 0,
                        max: 100,
                        unit: "none",
                        color: { mode: "palette-classic" },
                        custom: {
                            drawStyle: "line",
                            lineWidth: 2,
                            fillOpacity: 10,
                            showPoints: "never",
                            // Draw the alert threshold into the panel, so the Slack screenshot shows it.
                            thresholdsStyle: { mode: "line+area" },
                        },
                        thresholds: {
                            mode: "absolute",
                            steps: [
                                { color: "green", value: null },
                                { color: "red", value: DEMO_SERIES.threshold },
                            ],
                        },
                    },
                    overrides: [],
                },
                options: {
                    legend: { displayMode: "list", placement: "bottom", showLegend: true },
                    tooltip: { mode: "single", sort: "none" },
                },
            },
        ],
    };
}

/** {@link buildDashboardModel} as the canonical JSON string for `grafana.oss.Dashboard.configJson`. */
export function dashboardConfigJson(args: DashboardModelArgs): string {
    return canonicalJson(buildDashboardModel(args));
}

/** One stage of an alert rule, shaped like `grafana.alerting.RuleGroupRuleData` with plain values. */
export interface RuleDataStage {
    refId: string;
    datasourceUid: string;
    relativeTimeRange: { from: number; to: number };
    /** Canonical JSON of the stage's model. */
    model: string;
    /** Query type, for data sources that have several (rules from files keep theirs). */
    queryType?: string;
}

/**
 * How far back (seconds) the rule's query looks on each evaluation: one hour, the same as
 * the dashboard's time range, which is also the window older Grafana releases screenshot.
 */
export const QUERY_WINDOW_SECONDS = 3600;

/**
 * The rule's stages: A = the panel's TestData query over the last hour,
 * B = Reduce(A, last), C = Threshold(B > {@link DEMO_SERIES}.threshold), the condition.
 * Models carry no `intervalMs` / `maxDataPoints`: those are Grafana's defaults, which the
 * provider strips from state, so leaving them out keeps previews quiet.
 */
export function buildRuleData(datasourceUid: string): RuleDataStage[] {
    const expr = { type: EXPRESSION_DATASOURCE_UID, uid: EXPRESSION_DATASOURCE_UID };
    return [
        {
            refId: QUERY_REF_ID,
            datasourceUid,
            relativeTimeRange: { from: QUERY_WINDOW_SECONDS, to: 0 },
            model: canonicalJson(randomWalkQuery(datasourceUid)),
        },
        {
            refId: REDUCE_REF_ID,
            datasourceUid: EXPRESSION_DATASOURCE_UID,
            relativeTimeRange: { from: 0, to: 0 },
            model: canonicalJson({
                refId: REDUCE_REF_ID,
                datasource: expr,
                type: "reduce",
                expression: QUERY_REF_ID,
                reducer: "last",
            }),
        },
        {
            refId: THRESHOLD_REF_ID,
            datasourceUid: EXPRESSION_DATASOURCE_UID,
            relativeTimeRange: { from: 0, to: 0 },
            model: canonicalJson({
                refId: THRESHOLD_REF_ID,
                datasource: expr,
                type: "threshold",
                expression: REDUCE_REF_ID,
                conditions: [
                    {
                        type: "query",
                        evaluator: { type: "gt", params: [DEMO_SERIES.threshold] },
                        operator: { type: "and" },
                        query: { params: [THRESHOLD_REF_ID] },
                        reducer: { type: "last", params: [] },
                    },
                ],
            }),
        },
    ];
}

/** Link to a dashboard by UID (Grafana redirects `/d/<uid>` to the slugged URL). */
export function dashboardUrlFor(grafanaUrl: string, uid: string): string {
    return `${grafanaUrl.replace(/\/+$/, "")}/d/${encodeURIComponent(uid)}`;
}

// --- What Grafana accepts in an alert rule, shared by the demo rule and rules from files ---
// (grafana/grafana pkg/services/ngalert/models/alert_rule.go: NoDataStateFromString,
// ErrStateFromString, ValidateRuleGroupInterval; the scheduler's base interval is 10 s.)

/** Values of a rule's `noDataState`. */
export const NO_DATA_STATES = ["NoData", "Alerting", "OK", "KeepLast"] as const;
/** Values of a rule's `execErrState`. */
export const EXEC_ERR_STATES = ["Error", "Alerting", "OK", "KeepLast"] as const;
/** Grafana's scheduler tick: a rule group's interval must be a positive multiple of it. */
export const BASE_INTERVAL_SECONDS = 10;
/** The legacy UID Grafana still accepts for the expression data source. */
export const LEGACY_EXPRESSION_DATASOURCE_UID = "-100";

/** Whether a string is a valid Grafana UID (`[A-Za-z0-9_-]`, at most {@link MAX_UID_LENGTH}). */
export function isGrafanaUid(uid: string): boolean {
    return /^[A-Za-z0-9_-]+$/.test(uid) && uid.length <= MAX_UID_LENGTH;
}

/** Whether a rule stage is a server-side expression (Reduce, Math, Threshold, ...), not a query. */
export function isExpressionStage(datasourceUid: string): boolean {
    return datasourceUid === EXPRESSION_DATASOURCE_UID || datasourceUid === LEGACY_EXPRESSION_DATASOURCE_UID;
}
