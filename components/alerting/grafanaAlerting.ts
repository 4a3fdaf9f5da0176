// Grafana-side configuration through @pulumiverse/grafana: a TestData data source, a
// folder, a dashboard with one time-series panel, an alert rule on that panel (annotated
// so Grafana captures a screenshot of it) and, when Slack settings are given, a Slack
// contact point plus the notification policy that routes to it.
import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import {
    DEMO_SERIES,
    PANEL_ID,
    PROJECT,
    THRESHOLD_REF_ID,
    TESTDATA_DATASOURCE_TYPE,
    buildRuleData,
    dashboardConfigJson,
    dashboardUrlFor,
    uidsFor,
} from "./dashboardModel";
import { SLACK_TEXT_TEMPLATE, SLACK_TITLE_TEMPLATE, normalizeSlackRecipient } from "./slackTemplates";

/** Labels on the demo rule; the notification policy routes on {@link ROUTING_LABEL}. */
export const ROUTING_LABEL = { name: "project", value: PROJECT } as const;
export const ALERT_LABELS: Readonly<Record<string, string>> = { [ROUTING_LABEL.name]: ROUTING_LABEL.value };

/** Name of the rule group (one per folder, so per stack). */
export const RULE_GROUP_NAME = PROJECT;
/** Name (alert title, `alertname` label) of the demo rule. */
export const ALERT_RULE_NAME = "Demo random walk above threshold";

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
    /** Grafana admin user. */
    adminUser: pulumi.Input<string>;
    /** Grafana admin password, a secret. */
    adminPassword: pulumi.Input<string>;
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

export class GrafanaAlerting extends pulumi.ComponentResource {
    /** The Grafana provider (URL + admin basic auth) all children use. */
    readonly provider: grafana.Provider;
    /** UID of the TestData data source. */
    readonly datasourceUid: pulumi.Output<string>;
    /** UID of the folder holding the dashboard and the rule group. */
    readonly folderUid: pulumi.Output<string>;
    /** UID of the demo dashboard (constant per stack, see `uidsFor`). */
    readonly dashboardUid: pulumi.Output<string>;
    /** ID of the panel the rule is attached to. */
    readonly panelId: number;
    /** Browser link to the dashboard, from `grafanaUrl`. */
    readonly dashboardUrl: pulumi.Output<string>;
    /** Name (title) of the demo alert rule. */
    readonly alertRuleName: pulumi.Output<string>;
    /** UID of the demo alert rule. */
    readonly alertRuleUid: pulumi.Output<string>;
    /** Name of the Slack contact point; undefined without Slack settings. */
    readonly contactPointName?: pulumi.Output<string>;

    constructor(name: string, args: GrafanaAlertingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grafana-slack-alerts:alerting:GrafanaAlerting", name, {}, opts);

        const uids = uidsFor(args.stackName);
        // Validate before registering anything, so a bad channel fails the preview.
        const recipient = args.slack ? normalizeSlackRecipient(args.slack.channel) : undefined;
        const ready = args.dependsOn ?? [];

        this.provider = new grafana.Provider(
            `${name}-grafana`,
            {
                url: args.grafanaUrl,
                auth: pulumi.secret(pulumi.interpolate`${args.adminUser}:${args.adminPassword}`),
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

        const datasource = new grafana.oss.DataSource(
            `${name}-testdata`,
            {
                type: TESTDATA_DATASOURCE_TYPE,
                name: `TestData (${PROJECT} ${args.stackName})`,
                uid: uids.datasource,
                accessMode: "proxy",
                isDefault: false,
            },
            child(),
        );

        const folder = new grafana.oss.Folder(
            `${name}-folder`,
            { title: `${PROJECT} (${args.stackName})`, uid: uids.folder },
            child(),
        );

        const dashboard = new grafana.oss.Dashboard(
            `${name}-dashboard`,
            {
                folder: folder.uid,
                // Overwrite adopts a dashboard with our UID left behind by a lost state.
                overwrite: true,
                configJson: dashboardConfigJson({
                    uid: uids.dashboard,
                    title: `Slack alert demo (${args.stackName})`,
                    datasourceUid: uids.datasource,
                }),
            },
            // The panel queries the data source by UID: create it first.
            child([datasource]),
        );

        const ruleGroup = new grafana.alerting.RuleGroup(
            `${name}-rules`,
            {
                name: RULE_GROUP_NAME,
                folderUid: folder.uid,
                intervalSeconds: 60,
                rules: [
                    {
                        name: ALERT_RULE_NAME,
                        uid: uids.rule,
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
                                "alerts reach Slack with a screenshot of the panel. Pause or delete it once verified.",
                        },
                        datas: buildRuleData(uids.datasource),
                    },
                ],
            },
            // Grafana checks the annotated dashboard/panel; the query needs the data source.
            child([datasource, dashboard]),
        );

        if (args.slack && recipient) {
            const contactPoint = new grafana.alerting.ContactPoint(
                `${name}-slack`,
                {
                    name: `${PROJECT}-${args.stackName}`,
                    slacks: [
                        {
                            token: pulumi.secret(args.slack.token),
                            recipient,
                            title: SLACK_TITLE_TEMPLATE,
                            text: SLACK_TEXT_TEMPLATE,
                            disableResolveMessage: false,
                        },
                    ],
                },
                child(),
            );

            // NOTE: Grafana has one policy tree per organization; this resource replaces all
            // of it (and resets it to the default on destroy).
            new grafana.alerting.NotificationPolicy(
                `${name}-policy`,
                {
                    contactPoint: contactPoint.name,
                    groupBies: ["grafana_folder", "alertname"],
                    groupWait: "30s",
                    groupInterval: "5m",
                    repeatInterval: "4h",
                    policies: [
                        {
                            matchers: [{ label: ROUTING_LABEL.name, match: "=", value: ROUTING_LABEL.value }],
                            contactPoint: contactPoint.name,
                            // Faster first notification for this project's alerts.
                            groupWait: "10s",
                        },
                    ],
                },
                child(),
            );
            this.contactPointName = contactPoint.name;
        }

        this.datasourceUid = datasource.uid;
        this.folderUid = folder.uid;
        this.panelId = PANEL_ID;
        // Constants, but derived from the resources so consumers depend on their creation.
        this.dashboardUid = dashboard.urn.apply(() => uids.dashboard);
        this.dashboardUrl = pulumi
            .all([args.grafanaUrl, dashboard.urn])
            .apply(([url]) => dashboardUrlFor(url, uids.dashboard));
        this.alertRuleName = ruleGroup.urn.apply(() => ALERT_RULE_NAME);
        this.alertRuleUid = ruleGroup.urn.apply(() => uids.rule);

        this.registerOutputs({
            datasourceUid: this.datasourceUid,
            folderUid: this.folderUid,
            dashboardUid: this.dashboardUid,
            panelId: this.panelId,
            dashboardUrl: this.dashboardUrl,
            alertRuleName: this.alertRuleName,
            alertRuleUid: this.alertRuleUid,
            contactPointName: this.contactPointName,
        });
    }
}
