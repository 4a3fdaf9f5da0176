// Everything the provisioning folders and `slackRoutes` ask for, read and checked in one
// go from readSettings(): dashboards, rule groups, each rule's panel link and Slack
// channel. Problems come back as ConfigProblems, so they join every other config problem
// in one ConfigValidationError and nothing is created.
import type { ConfigProblem } from "../../shared/problems";
import { PANEL_ID, RULE_GROUP_NAME, uidsFor } from "../../shared/grafanaVocabulary";
import type { RuleFromFile, RuleGroupFromFile } from "./alertRuleFiles";
import type { DashboardFile } from "./dashboardFiles";
import type { KnownDashboard, RuleLink } from "./imageLinkage";
import type { SlackRoute } from "./slackRoutes";

export interface ProvisioningInput {
    stack: string;
    /** Folder of dashboard JSON files, relative to `projectDir`; undefined when unset. */
    dashboardsDir?: string;
    /** Folder of alert-rule provisioning files, relative to `projectDir`; undefined when unset. */
    alertRulesDir?: string;
    requireImages: boolean;
    /** Raw `slackRoutes` (JSON list), "" when unset. */
    slackRoutes: string;
    /** Whether a Slack token (and so `slackChannel`) is configured. */
    slackOn: boolean;
    /** Where Pulumi.yaml is; folders are relative to it. */
    projectDir: string;
    /** Whether the demo dashboard exists (demoAlert); rules may link to its panel then. Default true. */
    demoAlert?: boolean;
}

export interface ProvisioningPlan {
    dashboards: DashboardFile[];
    groups: RuleGroupFromFile[];
    routes: SlackRoute[];
    requireImages: boolean;
    /** Each rule's panel link, in file order. */
    links: RuleLink[];
    /** Rule UID -> the route channel it goes to; absent: `slackChannel` (the stack's contact point). */
    ruleChannels: Record<string, string>;
    /** Channels of the routes, each once, in route order: one contact point each. */
    channels: string[];
}

/** What was provisioned, for the stack outputs (plain, deterministic); the same on the API and the CR path. */
export interface ProvisionedSummary {
    dashboards: string[];
    ruleGroups: string[];
    /** Channel -> contact point name, for the routed channels. */
    contactPoints: Record<string, string>;
    rules: Array<{ uid: string; title: string; group: string; channel?: string; dashboardUid?: string; panelId?: number; link: string }>;
}

/** The summary of a plan: each rule with its group, channel (when Slack is configured) and panel link. */
export function provisioningSummary(
    plan: ProvisioningPlan,
    slackChannel: string | undefined,
    contactPoints: Record<string, string>,
): ProvisionedSummary {
    const linkOf = new Map(plan.links.map((l) => [l.ruleUid, l]));
    return {
        dashboards: plan.dashboards.map((d) => d.uid),
        ruleGroups: plan.groups.map((g) => g.name),
        contactPoints,
        rules: plan.groups.flatMap((g) =>
            g.rules.map((r) => ({
                uid: r.uid,
                title: r.title,
                group: g.name,
                ...(slackChannel !== undefined ? { channel: plan.ruleChannels[r.uid] ?? slackChannel } : {}),
                ...(r.link ? { dashboardUid: r.link.dashboardUid, panelId: r.link.panelId } : {}),
                link: linkOf.get(r.uid)?.status ?? "unlinked",
            })),
        ),
    };
}

export interface ProvisioningResult {
    /** Undefined when no provisioning key is set. */
    plan?: ProvisioningPlan;
    problems: ConfigProblem[];
    warnings: string[];
}

export function loadProvisioning(input: ProvisioningInput): ProvisioningResult {
    const problems: ConfigProblem[] = [];
    const warnings: string[] = [];
    if (!input.dashboardsDir && !input.alertRulesDir && input.slackRoutes.trim() === "") return { problems, warnings };
    // Loaded only when a provisioning key is set: the file readers (and js-yaml) cost every
    // other stack's preview about 20 ms (BENCHMARKS.md).
    const { readAlertRuleFiles } = require("./alertRuleFiles") as typeof import("./alertRuleFiles");
    const { readDashboardFiles } = require("./dashboardFiles") as typeof import("./dashboardFiles");
    const { checkImageLinks } = require("./imageLinkage") as typeof import("./imageLinkage");
    const { parseSlackRoutes } = require("./slackRoutes") as typeof import("./slackRoutes");

    const demo = uidsFor(input.stack);
    const dashboards = input.dashboardsDir
        ? readDashboardFiles(input.dashboardsDir, input.projectDir, demo.datasource, { [demo.dashboard]: "the stack's demo dashboard" })
        : { dashboards: [], problems: [], warnings: [] };
    problems.push(...dashboards.problems);
    warnings.push(...dashboards.warnings);

    const rules = input.alertRulesDir
        ? readAlertRuleFiles(input.alertRulesDir, input.projectDir, demo.datasource, {
              ruleUids: { [demo.rule]: "the stack's demo rule" },
              groupNames: { [RULE_GROUP_NAME]: "the stack's demo rule group" },
          })
        : { groups: [], problems: [], warnings: [] };
    problems.push(...rules.problems);
    warnings.push(...rules.warnings);
    const allRules = rules.groups.flatMap((g) => g.rules);

    // Rules may link to the demo panel too, while the demo exists; with demoAlert false its
    // dashboard is gone, so a link to it names no panel.
    const demoDashboard: KnownDashboard = {
        uid: demo.dashboard,
        title: "demo",
        source: input.demoAlert === false ? "the stack's demo dashboard, removed by demoAlert false" : "the stack's demo dashboard",
        panels: input.demoAlert === false ? [] : [{ id: PANEL_ID, title: "Demo random walk", type: "timeseries" }],
    };
    const known: KnownDashboard[] = [
        demoDashboard,
        ...dashboards.dashboards.map((d) => ({ uid: d.uid, title: d.title, source: d.file, panels: d.panels })),
    ];
    const linkage = checkImageLinks(allRules, known, input.requireImages);
    problems.push(...linkage.problems);
    warnings.push(...linkage.warnings);

    const routing = parseSlackRoutes(input.slackRoutes, input.slackOn);
    problems.push(...routing.problems);
    const ruleChannels = ruleRouting(routing.routes, allRules, input.slackOn, warnings);
    const channels = [...new Set(routing.routes.map((r) => r.channel))];
    return {
        plan: {
            dashboards: dashboards.dashboards,
            groups: rules.groups,
            routes: routing.routes,
            requireImages: input.requireImages,
            links: linkage.links,
            ruleChannels,
            channels,
        },
        problems,
        warnings,
    };
}

/**
 * Which slackRoutes channel each rule's alerts go to (what Grafana matches a notification
 * policy on: the rule's labels plus alertname); warns about a route no rule matches and a
 * receiver in a file that the Slack contact point replaces.
 */
function ruleRouting(routes: SlackRoute[], allRules: RuleFromFile[], slackOn: boolean, warnings: string[]): Record<string, string> {
    // Required here for the same reason as in loadProvisioning (already loaded by then).
    const { routeFor } = require("./slackRoutes") as typeof import("./slackRoutes");
    const { show } = require("./files") as typeof import("./files");
    const ruleChannels: Record<string, string> = {};
    const used = new Set<number>();
    for (const rule of allRules) {
        // What Grafana matches a notification policy on: the rule's labels plus alertname.
        const route = routeFor(routes, { ...rule.labels, alertname: rule.title });
        if (route) {
            ruleChannels[rule.uid] = route.channel;
            used.add(routes.indexOf(route));
        }
    }
    if (allRules.length > 0) {
        routes.forEach((r, i) => {
            if (!used.has(i)) {
                warnings.push(
                    `slackRoutes: route ${i + 1} (${r.channel}: ${r.matchers.map((m) => m.text).join(", ")}) matches no rule from alertRulesDir. Check its matchers against the rules' labels.`,
                );
            }
        });
    }
    if (allRules.some((r) => r.notificationSettings?.receiver) && slackOn) {
        for (const r of allRules.filter((x) => x.notificationSettings?.receiver)) {
            warnings.push(
                `alertRulesDir: ${r.file}, rule ${show(r.uid)}: notification_settings.receiver ${show(r.notificationSettings!.receiver)} is replaced by the Slack contact point of ${ruleChannels[r.uid] ?? "slackChannel"}. Remove receiver from the file to silence this.`,
            );
        }
    }
    return ruleChannels;
}
