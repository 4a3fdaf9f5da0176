// The stack's Grafana objects as plain data, shared by both ways of creating them: the
// Grafana API provider (grafanaAlerting.ts) and grafana-operator custom resources
// (kubernetes/operatorAlertingCrs.ts). Each path only translates these into its own
// field names, so the two can never disagree on a UID, a title, a rule stage or a timing.
// Pure and deterministic; nothing in here touches Pulumi or an SDK.
import {
    DEMO_SERIES,
    DASHBOARD_UID_ANNOTATION,
    PANEL_ID,
    PANEL_ID_ANNOTATION,
    PROJECT,
    THRESHOLD_REF_ID,
    TESTDATA_DATASOURCE_TYPE,
    RuleDataStage,
    buildRuleData,
    dashboardConfigJson,
    uidsFor,
} from "./dashboardModel";
import { SLACK_TEXT_TEMPLATE, SLACK_TITLE_TEMPLATE, normalizeSlackRecipient } from "./slackTemplates";
// The constants from dashboardModel, not alertRuleFiles: a stack without rule files never loads the file readers.
import type { RuleFromFile, RuleNotificationSettings } from "../../config/provisioning/alertRuleFiles";

/** Labels on the demo rule; the notification policy routes on {@link ROUTING_LABEL}. */
export const ROUTING_LABEL = { name: "project", value: PROJECT } as const;
export const ALERT_LABELS: Readonly<Record<string, string>> = { [ROUTING_LABEL.name]: ROUTING_LABEL.value };

/**
 * The label that marks a stack's demo rule: `<project>/<stack>/<random id kept in state>`
 * (stackMarker). Grafana prints every label in the comment of the screenshot it uploads
 * into the message's thread (grafana/alerting receivers/slack slack.go initialCommentForImage)
 * and this project's text template prints it in the message, so the verifier tells this
 * stack's alert from another stack's in the same channel, even two `dev` stacks with the
 * same rule UID and the same Grafana URL (components/verify/alertSlack.ts MARKER_LABEL).
 */
export const STACK_MARKER_LABEL = "gsa_stack";

/** The marker's value; `id` is a random hex string kept in state (RandomId), so every `pulumi up` gives the same. */
export function stackMarker(project: string, stackName: string, id: string): string {
    return `${project}/${stackName}/${id}`;
}

/** How alerts are grouped into one Slack message (Grafana requires both labels when set). */
export const ALERT_GROUP_BY: readonly string[] = ["grafana_folder", "alertname"];

/** Name of the Slack contact point of a stack. */
export function contactPointNameFor(stackName: string): string {
    return `${PROJECT}-${stackName}`;
}

/** Name of the contact point for a channel of slackRoutes. */
export function routeContactPointName(stackName: string, channel: string): string {
    return `${PROJECT}-${stackName}-${channel.replace(/^#/, "")}`;
}

// The rule group's name (one per folder, so per stack): the config's file readers reserve it.
export { RULE_GROUP_NAME } from "../../shared/grafanaVocabulary";
/** Name (alert title, `alertname` label) of the demo rule. */
export const ALERT_RULE_NAME = "Demo random walk above threshold";
/** How often the demo rule group is evaluated. */
export const RULE_GROUP_INTERVAL_SECONDS = 60;

/** The timings of a rule's simplified routing to its Slack contact point (those of the policy's project route). */
export const SLACK_ROUTE_TIMING = { groupWait: "10s", groupInterval: "5m", repeatInterval: "4h" } as const;

/** The TestData data source of a stack. */
export function testDataSource(stackName: string) {
    return {
        uid: uidsFor(stackName).datasource,
        name: `TestData (${PROJECT} ${stackName})`,
        type: TESTDATA_DATASOURCE_TYPE,
        access: "proxy",
        isDefault: false,
    } as const;
}

/** The folder holding the stack's dashboards and rule groups. */
export function stackFolder(stackName: string): { uid: string; title: string } {
    return { uid: uidsFor(stackName).folder, title: `${PROJECT} (${stackName})` };
}

/** The demo dashboard: UID and canonical JSON (dashboardModel.ts). */
export function demoDashboard(stackName: string): { uid: string; configJson: string } {
    const uids = uidsFor(stackName);
    return {
        uid: uids.dashboard,
        configJson: dashboardConfigJson({ uid: uids.dashboard, title: `Slack alert demo (${stackName})`, datasourceUid: uids.datasource }),
    };
}

/**
 * One alert rule in neutral form (durations as Grafana's strings, stages as in
 * dashboardModel.ts). `R` is how the contact point is named: a string here, a resource's
 * output on the API path (so the rule depends on the contact point's creation).
 */
export interface AlertRuleModel<R = string> {
    uid: string;
    title: string;
    condition: string;
    data: RuleDataStage[];
    for?: string;
    keepFiringFor?: string;
    missingSeriesEvalsToResolve?: number;
    noDataState?: string;
    execErrState?: string;
    isPaused: boolean;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    /** Simplified routing: straight to this contact point, whatever the policy tree says. */
    notificationSettings?: RuleRouting<R>;
}

/** A rule's notification settings with the contact point decided (the file's own settings, receiver required). */
export interface RuleRouting<R = string> extends Omit<RuleNotificationSettings, "receiver"> {
    receiver: R;
}

/** Routing to a Slack contact point with this project's timings. */
export function slackRouting<R>(contactPoint: R): RuleRouting<R> {
    return { receiver: contactPoint, groupBy: [...ALERT_GROUP_BY], ...SLACK_ROUTE_TIMING };
}

/** The always-firing demo rule of a stack, routed to `contactPoint` when Slack is configured. */
export function demoRule<R = string>(stackName: string, contactPoint?: R): AlertRuleModel<R> {
    const uids = uidsFor(stackName);
    return {
        uid: uids.rule,
        title: ALERT_RULE_NAME,
        condition: THRESHOLD_REF_ID,
        // Always-firing demo (see DEMO_SERIES): Pending for 1m, then Firing.
        for: "1m",
        noDataState: "NoData",
        execErrState: "Error",
        isPaused: false,
        labels: { ...ALERT_LABELS },
        annotations: {
            // Both are needed for Grafana to take a screenshot of the panel.
            __dashboardUid__: uids.dashboard,
            __panelId__: String(PANEL_ID),
            summary: `Demo value above ${DEMO_SERIES.threshold}`,
            description:
                "Always-firing demo rule from grafana-slack-alerts: it proves that Grafana " +
                "alerts reach Slack with a screenshot of the panel. Turn it off once verified " +
                "(pulumi config set demoAlert false).",
        },
        data: buildRuleData(uids.datasource),
        ...(contactPoint !== undefined ? { notificationSettings: slackRouting(contactPoint) } : {}),
    };
}

/**
 * A Slack integration's settings without the token (which each path delivers as a
 * secret of its own kind: a provider secret input, or a Kubernetes Secret reference).
 */
export function slackIntegrationSettings(channel: string): { recipient: string; title: string; text: string } {
    return { recipient: normalizeSlackRecipient(channel), title: SLACK_TITLE_TEMPLATE, text: SLACK_TEXT_TEMPLATE };
}

/** The key of the bot token in Grafana's Slack integration settings (grafana/alerting receivers/slack config: `token`). */
export const SLACK_TOKEN_SETTING = "token";

/**
 * The notification policy tree on a Grafana this program deploys: everything to the
 * stack's Slack contact point, this project's alerts with a faster first notification.
 */
export function notificationPolicy(contactPoint: string) {
    return {
        receiver: contactPoint,
        groupBy: [...ALERT_GROUP_BY],
        groupWait: "30s",
        groupInterval: "5m",
        repeatInterval: "4h",
        routes: [
            {
                matchers: [{ label: ROUTING_LABEL.name, match: "=", value: ROUTING_LABEL.value }],
                receiver: contactPoint,
                groupWait: "10s",
            },
        ],
    };
}

/**
 * A rule from alertRulesDir (provisioning/alertRuleFiles.ts) in the shared form: its panel
 * link as the two annotations Grafana screenshots by, routed to `receiver` (a Slack contact
 * point) with the file's own timings, or to the file's own receiver when none is given.
 */
export function fileRuleModel<R = string>(rule: RuleFromFile, receiver?: R): AlertRuleModel<R | string> {
    const ns = rule.notificationSettings;
    const to: R | string | undefined = receiver ?? ns?.receiver;
    return {
        uid: rule.uid,
        title: rule.title,
        condition: rule.condition,
        data: rule.data,
        ...(rule.for !== undefined ? { for: rule.for } : {}),
        ...(rule.keepFiringFor !== undefined ? { keepFiringFor: rule.keepFiringFor } : {}),
        ...(rule.missingSeriesEvalsToResolve !== undefined ? { missingSeriesEvalsToResolve: rule.missingSeriesEvalsToResolve } : {}),
        ...(rule.noDataState !== undefined ? { noDataState: rule.noDataState } : {}),
        ...(rule.execErrState !== undefined ? { execErrState: rule.execErrState } : {}),
        isPaused: rule.isPaused,
        labels: { ...rule.labels },
        annotations: {
            ...rule.annotations,
            ...(rule.link ? { [DASHBOARD_UID_ANNOTATION]: rule.link.dashboardUid, [PANEL_ID_ANNOTATION]: String(rule.link.panelId) } : {}),
        },
        ...(to !== undefined
            ? {
                  notificationSettings: {
                      receiver: to,
                      ...(ns?.groupBy ? { groupBy: ns.groupBy } : {}),
                      ...(ns?.groupWait ? { groupWait: ns.groupWait } : {}),
                      ...(ns?.groupInterval ? { groupInterval: ns.groupInterval } : {}),
                      ...(ns?.repeatInterval ? { repeatInterval: ns.repeatInterval } : {}),
                      ...(ns?.muteTimeIntervals ? { muteTimeIntervals: ns.muteTimeIntervals } : {}),
                      ...(ns?.activeTimeIntervals ? { activeTimeIntervals: ns.activeTimeIntervals } : {}),
                  },
              }
            : {}),
    };
}
