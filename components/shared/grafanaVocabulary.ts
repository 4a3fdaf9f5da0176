// Grafana's vocabulary as this project uses it: the project's name, the stable UIDs of a
// stack's objects, the annotations that link a rule to a panel, and what Grafana accepts in
// an alert rule. Pure data: the alerting model builds with it, the config's file readers
// check your files against it.
import { createHash } from "crypto";

/** Project name, used in titles, tags and labels. */
export const PROJECT = "grafana-slack-alerts";

/** Name of the stack's demo rule group (one per folder, so per stack); files may not use it. */
export const RULE_GROUP_NAME = PROJECT;

/** Plugin id of Grafana's built-in TestData data source (Grafana 10+; older versions called it `testdata`). */
export const TESTDATA_DATASOURCE_TYPE = "grafana-testdata-datasource";

/** Data source UID (and type) Grafana uses for server-side expressions (Reduce, Threshold, Math). */
export const EXPRESSION_DATASOURCE_UID = "__expr__";

/** ID of the time-series panel the alert rule is attached to (`__panelId__`). */
export const PANEL_ID = 1;

/** The annotations that make Grafana screenshot a panel for an alert (on any rule, demo or your own). */
export const DASHBOARD_UID_ANNOTATION = "__dashboardUid__";
export const PANEL_ID_ANNOTATION = "__panelId__";

/** Grafana's limit for dashboard / folder / data source / rule UIDs. */
export const MAX_UID_LENGTH = 40;

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
