// Grafana-side configuration through @pulumiverse/grafana: a TestData data source, a
// folder, a dashboard with one time-series panel, an alert rule on that panel (annotated
// so Grafana captures a screenshot of it) and, when Slack settings are given, a Slack
// contact point. The rule reaches the contact point through its own notification settings
// (simplified routing), on every target; only a Grafana this program deploys also gets the
// notification policy, which replaces the whole policy tree (never on target existing).
import * as pulumi from "@pulumi/pulumi";
// The SDK's modules, not its index: the index loads all twenty of its namespaces, about 10 ms
// of every preview (BENCHMARKS.md).
import { ContactPoint, NotificationPolicy, RuleGroup } from "@pulumiverse/grafana/alerting";
import { Dashboard, DataSource, Folder } from "@pulumiverse/grafana/oss";
import { Provider as GrafanaProvider } from "@pulumiverse/grafana/provider";
import type * as grafanaTypes from "@pulumiverse/grafana";
import { PANEL_ID, dashboardUrlFor, uidsFor } from "../model/dashboardModel";
import {
    ALERT_RULE_NAME,
    AlertRuleModel,
    RULE_GROUP_INTERVAL_SECONDS,
    RULE_GROUP_NAME,
    contactPointNameFor,
    demoDashboard,
    demoRule,
    notificationPolicy,
    slackIntegrationSettings,
    STACK_MARKER_LABEL,
    stackFolder,
    testDataSource,
} from "../model/alertingModel";
import { demoMarker } from "../model/stackMarker";

// The shared model's names, re-exported where callers have always found them.
export { ALERT_GROUP_BY, ALERT_LABELS, ALERT_RULE_NAME, ROUTING_LABEL, RULE_GROUP_NAME, contactPointNameFor } from "../model/alertingModel";

/** A rule of the shared model (alertingModel.ts) as the provider's RuleGroup takes it. */
export function providerRuleArgs(rule: AlertRuleModel<pulumi.Input<string>>): grafanaTypes.types.input.alerting.RuleGroupRule {
    const ns = rule.notificationSettings;
    return {
        name: rule.title,
        uid: rule.uid,
        condition: rule.condition,
        datas: rule.data.map((d) => ({ ...d })),
        ...(rule.for !== undefined ? { for: rule.for } : {}),
        ...(rule.keepFiringFor !== undefined ? { keepFiringFor: rule.keepFiringFor } : {}),
        ...(rule.missingSeriesEvalsToResolve !== undefined ? { missingSeriesEvalsToResolve: rule.missingSeriesEvalsToResolve } : {}),
        ...(rule.noDataState !== undefined ? { noDataState: rule.noDataState } : {}),
        ...(rule.execErrState !== undefined ? { execErrState: rule.execErrState } : {}),
        isPaused: rule.isPaused,
        labels: { ...rule.labels },
        annotations: { ...rule.annotations },
        ...(ns
            ? {
                  notificationSettings: {
                      contactPoint: ns.receiver,
                      ...(ns.groupBy ? { groupBies: ns.groupBy } : {}),
                      ...(ns.groupWait ? { groupWait: ns.groupWait } : {}),
                      ...(ns.groupInterval ? { groupInterval: ns.groupInterval } : {}),
                      ...(ns.repeatInterval ? { repeatInterval: ns.repeatInterval } : {}),
                      ...(ns.muteTimeIntervals ? { muteTimings: ns.muteTimeIntervals } : {}),
                      ...(ns.activeTimeIntervals ? { activeTimings: ns.activeTimeIntervals } : {}),
                  },
              }
            : {}),
    };
}

/**
 * The always-firing demo rule (alertingModel.ts demoRule) as the provider takes it, with
 * simplified routing straight to the Slack contact point, whatever the policy tree says
 * (the only routing on a Grafana we do not own), marked as this stack's for the verifier.
 */
function markedDemoRule(stackName: string, contactPoint: pulumi.Input<string> | undefined, marker: pulumi.Output<string>) {
    const rule = providerRuleArgs(demoRule(stackName, contactPoint));
    return { ...rule, labels: { ...rule.labels, [STACK_MARKER_LABEL]: marker } };
}

/**
 * How the Grafana provider's HTTP transport retries (grafana/grafana-openapi-client-go
 * pkg/transport/transport.go: every connection error and every status matching
 * `retryStatusCodes` is retried `retries` times, `retryWait` seconds apart; anything else,
 * a 400 or 401 included, is returned at once). The provider's own default codes are 429,
 * 5xx, 401 and 412 (terraform-provider-grafana pkg/provider/framework_provider.go).
 *
 * Grafana is known healthy before the provider is used (the target's `ready` resources),
 * so these only ride out a brief absence: a LoadBalancer name not resolving yet, an
 * operator rolling the pod. 6 x 5 s = 30 s per call. Not retried: 401 (wrong credentials
 * must say so now, not after minutes), plain 500 (Grafana's answer to a request it cannot
 * process, e.g. grafana issue #98283). Kept: 429, the gateway errors a proxy or load
 * balancer gives while Grafana restarts, and 412 (the provider's note: Grafana answers 412
 * to folders created in rapid succession).
 *
 * Not tunable from here: the rule-group resource wraps its PUT in its own 2-minute loop
 * that retries every error, a 400 included (terraform-provider-grafana
 * internal/resources/grafana/resource_alerting_rule_group.go, putAlertRuleGroup), and the
 * resource declares no Timeouts, so Pulumi's customTimeouts are ignored for it
 * (pulumi-terraform-bridge pkg/tfshim/sdk-v2/provider2.go, configWithTimeouts). This
 * program therefore orders the rule group after everything it references, so the 400s it
 * could cause (missing data source, dashboard or contact point) cannot happen.
 */
export const GRAFANA_API_RETRIES = 6;
export const GRAFANA_API_RETRY_WAIT_SECONDS = 5;
export const GRAFANA_API_RETRY_STATUS_CODES: readonly string[] = ["429", "502", "503", "504", "412"];

export interface GrafanaAlertingArgs {
    /** URL Pulumi uses to reach Grafana's HTTP API, e.g. http://localhost:3000 */
    grafanaUrl: pulumi.Input<string>;
    /** Grafana admin user (used when no apiToken is given). */
    adminUser: pulumi.Input<string>;
    /** Grafana admin password, a secret (used when no apiToken is given). */
    adminPassword?: pulumi.Input<string>;
    /** A Grafana service account token (secret): the provider sends it as a Bearer token. */
    apiToken?: pulumi.Input<string>;
    /**
     * Create the NotificationPolicy (it replaces the organization's whole policy tree).
     * Default true; false on a Grafana this program does not own (target existing).
     */
    notificationPolicy?: boolean;
    /** Create the demo dashboard and its always-firing rule. Default true. */
    demoAlert?: boolean;
    /**
     * Slack settings; omit to create no Slack resources (no contact point, no notification
     * policy). `token` is a secret `xoxb-` bot token (images need a bot token: an incoming
     * webhook cannot upload); `channel` is an ID (`C…`/`G…`) or `"#name"`.
     */
    slack?: { token: pulumi.Input<string>; channel: string };
    /**
     * Resources that must be ready (Grafana healthy) before any Grafana API call. The
     * provider and every Grafana resource depend on them.
     */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** Stack name, for names and UIDs (deterministic: same stack, same UIDs). */
    stackName: string;
}

/**
 * Grafana's side of image alerts, through `@pulumiverse/grafana`: a TestData data source, a
 * folder, the demo dashboard and its always-firing rule (annotated with the panel, so Grafana
 * captures a screenshot), and with Slack settings the Slack contact point the rule routes to.
 * Only a Grafana this program deploys also gets the notification policy.
 *
 * All JSON is built deterministically (`dashboardModel.ts`), so an unchanged stack previews quietly.
 */
export class GrafanaAlerting extends pulumi.ComponentResource {
    /** The Grafana provider (URL + admin basic auth) all children use. */
    readonly provider: GrafanaProvider;
    /** UID of the TestData data source. */
    readonly datasourceUid: pulumi.Output<string>;
    /** UID of the folder holding the dashboard and the rule group. */
    readonly folderUid: pulumi.Output<string>;
    /** UID of the demo dashboard (constant per stack, see `uidsFor`); undefined without the demo. */
    readonly dashboardUid?: pulumi.Output<string>;
    /** ID of the panel the rule is attached to. */
    readonly panelId: number;
    /** Browser link to the dashboard, from `grafanaUrl`; undefined without the demo. */
    readonly dashboardUrl?: pulumi.Output<string>;
    /** Name (title) of the demo alert rule; undefined without the demo. */
    readonly alertRuleName?: pulumi.Output<string>;
    /** UID of the demo alert rule; undefined without the demo. */
    readonly alertRuleUid?: pulumi.Output<string>;
    /** Name of the Slack contact point; undefined without Slack settings. */
    readonly contactPointName?: pulumi.Output<string>;
    /** The demo rule's stack marker (label gsa_stack): `<project>/<stack>/<random id kept in state>`; undefined without the demo. */
    readonly stackMarker?: pulumi.Output<string>;

    constructor(name: string, args: GrafanaAlertingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grafana-slack-alerts:alerting:GrafanaAlerting", name, {}, opts);

        const uids = uidsFor(args.stackName);
        // Validate before registering anything, so a bad channel fails the preview.
        const slackSettings = args.slack ? slackIntegrationSettings(args.slack.channel) : undefined;
        const ready = args.dependsOn ?? [];

        this.provider = new GrafanaProvider(
            `${name}-grafana`,
            {
                url: args.grafanaUrl,
                // A value without ':' is sent as a Bearer token (terraform-provider-grafana
                // pkg/provider/configure_clients.go, parseAuth); `user:password` as Basic auth.
                auth: pulumi.secret(args.apiToken ?? pulumi.interpolate`${args.adminUser}:${args.adminPassword ?? ""}`),
                // Ride out a brief absence after "ready", fail fast on everything else (see above).
                retries: GRAFANA_API_RETRIES,
                retryWait: GRAFANA_API_RETRY_WAIT_SECONDS,
                retryStatusCodes: [...GRAFANA_API_RETRY_STATUS_CODES],
            },
            { parent: this, dependsOn: ready },
        );
        const child = (extra: pulumi.Input<pulumi.Resource>[] = []): pulumi.CustomResourceOptions => ({
            parent: this,
            provider: this.provider,
            dependsOn: [...ready, ...extra],
        });

        const ds = testDataSource(args.stackName);
        const datasource = new DataSource(
            `${name}-testdata`,
            { type: ds.type, name: ds.name, uid: ds.uid, accessMode: ds.access, isDefault: ds.isDefault },
            child(),
        );

        const folderModel = stackFolder(args.stackName);
        const folder = new Folder(`${name}-folder`, { title: folderModel.title, uid: folderModel.uid }, child());

        // Slack first: the rule names its contact point, and Grafana rejects a rule whose
        // notification settings name a contact point that does not exist (HTTP 400).
        const contactPoint = args.slack && slackSettings ? slackContactPoint(name, args, slackSettings, child) : undefined;
        if (contactPoint) this.contactPointName = contactPoint.name;

        if (args.demoAlert !== false) {
            this.stackMarker = demoMarker(name, args.stackName, this);
            const { dashboard, ruleGroup } = demoObjects(
                name,
                args.stackName,
                { folder, datasource, contactPoint, marker: this.stackMarker },
                child,
            );
            // Constants, but derived from the resources so consumers depend on their creation.
            this.dashboardUid = dashboard.urn.apply(() => uids.dashboard);
            this.dashboardUrl = pulumi.all([args.grafanaUrl, dashboard.urn]).apply(([url]) => dashboardUrlFor(url, uids.dashboard));
            this.alertRuleName = ruleGroup.urn.apply(() => ALERT_RULE_NAME);
            this.alertRuleUid = ruleGroup.urn.apply(() => uids.rule);
        }

        this.datasourceUid = datasource.uid;
        this.folderUid = folder.uid;
        this.panelId = PANEL_ID;

        this.registerOutputs({
            datasourceUid: this.datasourceUid,
            folderUid: this.folderUid,
            dashboardUid: this.dashboardUid,
            panelId: this.panelId,
            dashboardUrl: this.dashboardUrl,
            alertRuleName: this.alertRuleName,
            alertRuleUid: this.alertRuleUid,
            contactPointName: this.contactPointName,
            stackMarker: this.stackMarker,
        });
    }
}

type ChildOptions = (extra?: pulumi.Input<pulumi.Resource>[]) => pulumi.CustomResourceOptions;

/**
 * The Slack contact point and, unless told otherwise, the notification policy tree.
 * NOTE: Grafana has one policy tree per organization; this resource replaces all of it (and
 * resets it to the default on destroy). Only on a Grafana this program deploys: it sends
 * alerts people add in the UI to Slack too. This project's alerts get a faster first
 * notification (the route's groupWait).
 */
function slackContactPoint(
    name: string,
    args: GrafanaAlertingArgs,
    slackSettings: ReturnType<typeof slackIntegrationSettings>,
    child: ChildOptions,
): ContactPoint {
    const contactPoint = new ContactPoint(
        `${name}-slack`,
        {
            name: contactPointNameFor(args.stackName),
            slacks: [{ token: pulumi.secret(args.slack!.token), ...slackSettings, disableResolveMessage: false }],
        },
        child(),
    );
    if (args.notificationPolicy !== false) {
        const policy = notificationPolicy(contactPointNameFor(args.stackName));
        new NotificationPolicy(
            `${name}-policy`,
            {
                contactPoint: contactPoint.name,
                groupBies: policy.groupBy,
                groupWait: policy.groupWait,
                groupInterval: policy.groupInterval,
                repeatInterval: policy.repeatInterval,
                policies: policy.routes.map((r) => ({
                    matchers: r.matchers,
                    contactPoint: contactPoint.name,
                    groupWait: r.groupWait,
                })),
            },
            child(),
        );
    }
    return contactPoint;
}

/** The demo dashboard and its always-firing rule, marked with the stack's marker. */
function demoObjects(
    name: string,
    stackName: string,
    deps: { folder: Folder; datasource: DataSource; contactPoint?: ContactPoint; marker: pulumi.Output<string> },
    child: ChildOptions,
): { dashboard: Dashboard; ruleGroup: RuleGroup } {
    const { folder, datasource, contactPoint } = deps;
    const dashboard = new Dashboard(
        `${name}-dashboard`,
        {
            folder: folder.uid,
            // Overwrite adopts a dashboard with our UID left behind by a lost state.
            overwrite: true,
            configJson: demoDashboard(stackName).configJson,
        },
        // The panel queries the data source by UID: create it first.
        child([datasource]),
    );
    const ruleGroup = new RuleGroup(
        `${name}-rules`,
        {
            name: RULE_GROUP_NAME,
            folderUid: folder.uid,
            intervalSeconds: RULE_GROUP_INTERVAL_SECONDS,
            rules: [markedDemoRule(stackName, contactPoint?.name, deps.marker)],
        },
        // Grafana checks the annotated dashboard/panel, the query's data source and
        // the contact point the rule names; a 400 here would retry for 2 minutes.
        child([datasource, dashboard, ...(contactPoint ? [contactPoint] : [])]),
    );
    return { dashboard, ruleGroup };
}
