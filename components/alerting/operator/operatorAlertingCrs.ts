// The stack's Grafana objects as grafana-operator v5 custom resources (grafana.integreatly.org/
// v1beta1): pure builders from the same shared model the Grafana API path uses
// (alerting/alertingModel.ts, dashboardModel.ts), so both paths create the same UIDs, JSON,
// rule stages and timings. The operator reaches Grafana from inside the cluster, so nothing
// here needs a URL this machine can open.
//
// How the operator (v5.24.0) treats these, from its source:
// - instanceSelector: matched against the labels of Grafana CRs in the CR's own namespace
//   (allowCrossNamespaceImport false, the default), and only instances whose status says
//   stage complete / success (controllers/controller_shared.go, GetScopedMatchingInstances).
//   It is immutable (api/v1beta1/common.go), so the selector is fixed labels, never a value
//   that could change.
// - folderRef: the name of a GrafanaFolder in the same namespace; its spec.uid is used
//   (controller_shared.go, getFolderUID). Dashboards and rule groups name the stack's folder so.
// - Secrets: a contact point's `valuesFrom` entries are read from the Secret and set at
//   `targetPath` in the integration's settings (controllers/contactpoint_controller.go,
//   buildContactPointSettings), so the bot token never sits in the CR.
// - Finalizer `operator.grafana.com/finalizer`: deleting a CR deletes its object in Grafana
//   (each controller's finalize). Switching between these CRs and the API path therefore
//   takes two steps (docs/kubernetes.md "Alerting through the operator").
// - Readiness: each controller sets a `<Kind>Synchronized` condition True once the object was
//   applied to every matching Grafana, False with the errors otherwise, and removes it while no
//   instance matches (buildSynchronizedCondition, setNoMatchingInstancesCondition): Pulumi
//   waits on exactly that condition.
// - resyncPeriod: left at the operator's default (10m) for drift correction.
// - GrafanaNotificationPolicy: one per Grafana CR, recorded in its annotation
//   operator.grafana.com/applied-notificationpolicy; an instance that already has another is
//   skipped and the condition still turns True (notificationpolicy_controller.go, Reconcile).
import type * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import {
    AlertRuleModel,
    RuleRouting,
    SLACK_TOKEN_SETTING,
    notificationPolicy,
    slackIntegrationSettings,
    stackFolder,
    testDataSource,
} from "../model/alertingModel";
import { grafanaUid } from "../model/dashboardModel";
import { parseDuration } from "../../config/provisioning/alertRuleFiles";

export const OPERATOR_ALERTING_API_VERSION = "grafana.integreatly.org/v1beta1";

export type OperatorAlertingKind =
    | "GrafanaDatasource"
    | "GrafanaFolder"
    | "GrafanaDashboard"
    | "GrafanaAlertRuleGroup"
    | "GrafanaContactPoint"
    | "GrafanaNotificationPolicy";

/** The condition each kind's controller sets True once applied (grafana-operator controllers/*_controller.go, v5.24.0). */
export const SYNCHRONIZED_CONDITION: Record<OperatorAlertingKind, string> = {
    GrafanaDatasource: "DatasourceSynchronized",
    GrafanaFolder: "FolderSynchronized",
    GrafanaDashboard: "DashboardSynchronized",
    GrafanaAlertRuleGroup: "AlertGroupSynchronized",
    GrafanaContactPoint: "ContactPointSynchronized",
    GrafanaNotificationPolicy: "NotificationPolicySynchronized",
};

/** `pulumi.com/waitFor` for a kind: Pulumi finishes the CR only once the operator applied it to Grafana. */
export function waitForAnnotation(kind: OperatorAlertingKind): Record<string, string> {
    return { "pulumi.com/waitFor": `condition=${SYNCHRONIZED_CONDITION[kind]}` };
}

/** Fixed names of the stack's CRs in its namespace (one stack per namespace, as the Grafana CR's name is fixed too). */
export const CR_NAMES = {
    datasource: "gsa-testdata",
    folder: "gsa-folder",
    dashboard: "gsa-demo-dashboard",
    ruleGroup: "gsa-demo-rules",
    contactPoint: "gsa-slack",
    policy: "gsa-policy",
} as const;

/** Key of the Slack bot token in the Secret the contact points read it from. */
export const SLACK_TOKEN_SECRET_KEY = "slack-token";

/**
 * A Kubernetes object name (DNS-1123 subdomain, kept to a label's 63 characters) for a CR
 * made from free text: `<prefix>-<text>` when the text is already a valid lowercase name,
 * else a slug plus a short hash of the text, so two texts never share a name.
 */
export function crName(prefix: string, text: string): string {
    const plain = `${prefix}-${text}`;
    if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(text) && plain.length <= 63) return plain;
    const hash = createHash("sha256").update(text).digest("hex").slice(0, 8);
    const slug = text
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "")
        .slice(0, 63 - prefix.length - hash.length - 2)
        .replace(/-+$/, "");
    return slug ? `${prefix}-${slug}-${hash}` : `${prefix}-${hash}`;
}

/** The UID of a Slack integration (contact point receiver): stable per stack and channel. */
export function slackReceiverUid(stackName: string, channel?: string): string {
    return channel === undefined
        ? grafanaUid("gsa-slack", stackName)
        : grafanaUid("gsa-route", `${stackName}-${channel.replace(/^#/, "")}`);
}

/** What every CR of the stack shares: which Grafana CR the operator applies it to. */
export interface CrCommon {
    /** The Grafana CR's labels (operatorMode.ts grafanaCrLabels): matchLabels of every instanceSelector. */
    instanceSelector: Record<string, string>;
}

function common(c: CrCommon) {
    return { instanceSelector: { matchLabels: { ...c.instanceSelector } } };
}

/** `spec` of the stack's TestData GrafanaDatasource. */
export function datasourceSpec(c: CrCommon, stackName: string) {
    const ds = testDataSource(stackName);
    return {
        ...common(c),
        uid: ds.uid,
        datasource: { name: ds.name, type: ds.type, access: ds.access, isDefault: ds.isDefault },
    };
}

/** `spec` of the stack's GrafanaFolder. */
export function folderSpec(c: CrCommon, stackName: string) {
    const f = stackFolder(stackName);
    return { ...common(c), uid: f.uid, title: f.title };
}

/** `spec` of a GrafanaDashboard in the stack's folder, from a dashboard's canonical JSON. */
export function dashboardSpec(c: CrCommon, dashboard: { uid: string; configJson: string }) {
    return { ...common(c), uid: dashboard.uid, folderRef: CR_NAMES.folder, json: dashboard.configJson };
}

/**
 * A duration as the CRD's patterns take it: `for` allows s|m|h|d|w, `keepFiringFor` only
 * ns..h, neither Prometheus' `y` nor a bare `0` (which rule files may use), so every value is
 * written in seconds (fractions allowed). undefined for what Grafana would not parse either.
 */
export function crDuration(text: string): string | undefined {
    const ms = parseDuration(text);
    return ms === undefined ? undefined : `${ms / 1000}s`;
}

function crRouting(r: RuleRouting) {
    return {
        receiver: r.receiver,
        ...(r.groupBy ? { group_by: [...r.groupBy] } : {}),
        ...(r.groupWait ? { group_wait: r.groupWait } : {}),
        ...(r.groupInterval ? { group_interval: r.groupInterval } : {}),
        ...(r.repeatInterval ? { repeat_interval: r.repeatInterval } : {}),
        ...(r.muteTimeIntervals ? { mute_time_intervals: [...r.muteTimeIntervals] } : {}),
        ...(r.activeTimeIntervals ? { active_time_intervals: [...r.activeTimeIntervals] } : {}),
    };
}

/**
 * One rule as the CRD's AlertRule: stages with their models as JSON objects, and the
 * fields the CRD requires filled with Grafana's own defaults where the model leaves them
 * out (`for` 0s, noDataState NoData, execErrState Error: what Grafana stores when the API
 * path omits them).
 */
export function crRule(rule: AlertRuleModel) {
    const forText = rule.for === undefined ? "0s" : crDuration(rule.for);
    if (forText === undefined) throw new Error(`rule ${rule.uid}: for ${JSON.stringify(rule.for)} is not a duration`);
    const keepFiringFor = rule.keepFiringFor === undefined ? undefined : crDuration(rule.keepFiringFor);
    return {
        uid: rule.uid,
        title: rule.title,
        condition: rule.condition,
        data: rule.data.map((d) => ({
            refId: d.refId,
            datasourceUid: d.datasourceUid,
            relativeTimeRange: { from: d.relativeTimeRange.from, to: d.relativeTimeRange.to },
            model: JSON.parse(d.model) as unknown,
            ...(d.queryType !== undefined ? { queryType: d.queryType } : {}),
        })),
        for: forText,
        ...(keepFiringFor !== undefined && keepFiringFor !== "0s" ? { keepFiringFor } : {}),
        ...(rule.missingSeriesEvalsToResolve !== undefined ? { missingSeriesEvalsToResolve: rule.missingSeriesEvalsToResolve } : {}),
        noDataState: rule.noDataState ?? "NoData",
        execErrState: rule.execErrState ?? "Error",
        isPaused: rule.isPaused,
        labels: { ...rule.labels },
        annotations: { ...rule.annotations },
        ...(rule.notificationSettings ? { notificationSettings: crRouting(rule.notificationSettings) } : {}),
    };
}

/** `spec` of a GrafanaAlertRuleGroup in the stack's folder. */
export function ruleGroupSpec(c: CrCommon, group: { name: string; intervalSeconds: number; rules: AlertRuleModel[] }) {
    return {
        ...common(c),
        name: group.name,
        folderRef: CR_NAMES.folder,
        interval: `${group.intervalSeconds}s`,
        rules: group.rules.map(crRule),
    };
}

/**
 * `spec` of a Slack GrafanaContactPoint: one integration whose bot token the operator reads
 * from `secretName` (key {@link SLACK_TOKEN_SECRET_KEY}) into the settings' `token`.
 */
export function slackContactPointSpec(c: CrCommon, a: { name: string; uid: string; channel: string; secretName: pulumi.Input<string> }) {
    return {
        ...common(c),
        name: a.name,
        receivers: [
            {
                uid: a.uid,
                type: "slack",
                disableResolveMessage: false,
                settings: slackIntegrationSettings(a.channel),
                valuesFrom: [
                    {
                        targetPath: SLACK_TOKEN_SETTING,
                        valueFrom: { secretKeyRef: { name: a.secretName, key: SLACK_TOKEN_SECRET_KEY } },
                    },
                ],
            },
        ],
    };
}

/** `spec` of the GrafanaNotificationPolicy (the whole policy tree, as the API path's NotificationPolicy). */
export function notificationPolicySpec(c: CrCommon, contactPoint: string) {
    const p = notificationPolicy(contactPoint);
    return {
        ...common(c),
        // Locked in Grafana's UI, as the API path's NotificationPolicy is (provenance "api"). The
        // operator's default (editable unset) sends X-Disable-Provenance, leaving the tree editable,
        // yet it PUTs the whole tree again at every resync, so UI edits would silently vanish
        // (grafana-operator v5.24.0 controllers/notificationpolicy_controller.go, reconcileWithInstance).
        // Immutable once set (CEL on spec.editable): it must be there from the CR's first version.
        editable: false,
        route: {
            receiver: p.receiver,
            group_by: [...p.groupBy],
            group_wait: p.groupWait,
            group_interval: p.groupInterval,
            repeat_interval: p.repeatInterval,
            routes: p.routes.map((r) => ({
                receiver: r.receiver,
                // Grafana's own matcher form ([name, operator, value]); the CRD's `matchers` drop the operator.
                object_matchers: r.matchers.map((m) => [m.label, m.match, m.value]),
                group_wait: r.groupWait,
            })),
        },
    };
}
