// Your own dashboards and alert rules (dashboardsDir / alertRulesDir / slackRoutes), as
// Grafana resources in the stack's folder: one Dashboard per file, one RuleGroup per
// group, one Slack contact point per routed channel. Everything was read and checked by
// readSettings() (plan.ts); this only registers resources, from plain deterministic data.
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import type * as grafana from "@pulumiverse/grafana";
import { ContactPoint, RuleGroup } from "@pulumiverse/grafana/alerting";
import { Dashboard } from "@pulumiverse/grafana/oss";
import type { Provider as GrafanaProvider } from "@pulumiverse/grafana/provider";
import { fileRuleModel, routeContactPointName } from "../model/alertingModel";
import { providerRuleArgs } from "./grafanaAlerting";
import { SLACK_TEXT_TEMPLATE, SLACK_TITLE_TEMPLATE, normalizeSlackRecipient } from "../model/slackTemplates";
import type { RuleFromFile } from "../../config/provisioning/alertRuleFiles";
import { provisioningSummary, type ProvisionedSummary, type ProvisioningPlan } from "../../config/provisioning/plan";

export interface ProvisionedAlertingArgs {
    plan: ProvisioningPlan;
    stackName: string;
    /** The Grafana provider of the stack (GrafanaAlerting's). */
    provider: GrafanaProvider;
    /** The stack's folder: every dashboard and rule group goes there. */
    folderUid: pulumi.Input<string>;
    /** Slack settings; without them rules keep the file's own notification settings, if any. */
    slack?: { token: pulumi.Input<string>; channel: string };
    /** The stack's contact point (slackChannel): where rules no route matches go. */
    defaultContactPoint?: pulumi.Input<string>;
    /** Resources that must be ready (Grafana healthy) before any Grafana API call. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** A resource-name suffix: the text itself when it is simple, else a slug plus a short hash. */
export function nameSuffix(text: string): string {
    if (/^[A-Za-z0-9._-]{1,60}$/.test(text)) return text;
    const slug = text
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "")
        .slice(0, 40);
    const hash = createHash("sha256").update(text).digest("hex").slice(0, 8);
    return slug ? `${slug}-${hash}` : hash;
}

export { routeContactPointName } from "../model/alertingModel";

export class ProvisionedAlerting extends pulumi.ComponentResource {
    readonly summary: ProvisionedSummary;
    readonly dashboards: Dashboard[] = [];
    readonly ruleGroups: RuleGroup[] = [];

    constructor(name: string, args: ProvisionedAlertingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grafana-slack-alerts:alerting:ProvisionedAlerting", name, {}, opts);
        const { plan } = args;
        const ready = args.dependsOn ?? [];
        const child = (extra: pulumi.Input<pulumi.Resource>[] = []): pulumi.CustomResourceOptions => ({
            parent: this,
            provider: args.provider,
            dependsOn: [...ready, ...extra],
        });

        for (const d of plan.dashboards) {
            this.dashboards.push(
                new Dashboard(
                    `${name}-dashboard-${nameSuffix(d.uid)}`,
                    {
                        folder: args.folderUid,
                        // Adopts a dashboard with this UID left by a lost state or an earlier import.
                        overwrite: true,
                        configJson: d.configJson,
                    },
                    child(),
                ),
            );
        }

        // One contact point per routed channel; slackChannel's is the stack's own.
        const contactPoints: Record<string, pulumi.Output<string>> = {};
        const contactPointNames: Record<string, string> = {};
        const extra: ContactPoint[] = [];
        if (args.slack) {
            for (const channel of plan.channels) {
                if (channel === args.slack.channel.trim() && args.defaultContactPoint) continue;
                const cpName = routeContactPointName(args.stackName, channel);
                const cp = new ContactPoint(
                    `${name}-slack-${nameSuffix(channel.replace(/^#/, ""))}`,
                    {
                        name: cpName,
                        slacks: [
                            {
                                token: pulumi.secret(args.slack.token),
                                recipient: normalizeSlackRecipient(channel),
                                title: SLACK_TITLE_TEMPLATE,
                                text: SLACK_TEXT_TEMPLATE,
                                disableResolveMessage: false,
                            },
                        ],
                    },
                    child(),
                );
                extra.push(cp);
                contactPoints[channel] = cp.name;
                contactPointNames[channel] = cpName;
            }
        }
        const contactPointFor = (rule: RuleFromFile): pulumi.Input<string> | undefined => {
            if (!args.slack) return undefined;
            const channel = plan.ruleChannels[rule.uid];
            return (channel !== undefined ? contactPoints[channel] : undefined) ?? args.defaultContactPoint;
        };

        for (const group of plan.groups) {
            this.ruleGroups.push(
                new RuleGroup(
                    `${name}-rules-${nameSuffix(group.name)}`,
                    {
                        name: group.name,
                        folderUid: args.folderUid,
                        intervalSeconds: group.intervalSeconds,
                        rules: group.rules.map((rule) => ruleArgs(rule, contactPointFor(rule))),
                    },
                    child([...this.dashboards, ...extra]),
                ),
            );
        }

        this.summary = provisioningSummary(plan, args.slack?.channel, contactPointNames);
        this.registerOutputs({ summary: this.summary });
    }
}

/** One rule as the provider wants it: the shared model (alertingModel.ts fileRuleModel), routed to `contactPoint`. */
export function ruleArgs(rule: RuleFromFile, contactPoint: pulumi.Input<string> | undefined): grafana.types.input.alerting.RuleGroupRule {
    return providerRuleArgs(fileRuleModel(rule, contactPoint));
}
