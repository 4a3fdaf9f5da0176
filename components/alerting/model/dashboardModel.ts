// Pure, deterministic builders for everything Grafana-side that is JSON: the demo
// dashboard, the alert rule's query/expression stages and the stable UIDs.
//
// "Deterministic" matters for quiet previews: the same stack name must always give
// byte-identical strings (canonical key order, no timestamps, no randomness), so a
// second `pulumi up` shows no diff. Nothing in here touches Pulumi.
import { canonicalJson } from "../../shared/canonicalJson";
import { EXPRESSION_DATASOURCE_UID, PANEL_ID, PROJECT, TESTDATA_DATASOURCE_TYPE, type RuleDataStage } from "../../shared/grafanaVocabulary";

export { canonicalJson };
// Grafana's vocabulary (UIDs, annotations, what a rule accepts) lives in shared/, where the config's file readers use it too.
export * from "../../shared/grafanaVocabulary";

/** refId of the TestData query, of the Reduce stage and of the Threshold stage (the rule's condition). */
export const QUERY_REF_ID = "A";
export const REDUCE_REF_ID = "B";
export const THRESHOLD_REF_ID = "C";

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
