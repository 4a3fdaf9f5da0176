// kubernetesMode operator with operatorAlerting crs (or auto while Grafana's API is out of
// reach): the stack's Grafana objects as grafana-operator custom resources, which the
// operator applies from inside the cluster, so alerting works with a ClusterIP Service and
// no port-forward. The specs come from operatorAlertingCrs.ts (the same model as the API
// path); this module registers them, the Secret holding the Slack token, and the outputs.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../../targets/kubernetes/k8s";
import type { KubernetesStackSettings } from "../../config/config";
import type { GrafanaDeployment } from "../../targets/grafanaDeployment";
import { provisioningSummary, type ProvisionedSummary, type ProvisioningPlan } from "../../config/provisioning/plan";
import {
    ALERT_RULE_NAME,
    RULE_GROUP_INTERVAL_SECONDS,
    RULE_GROUP_NAME,
    contactPointNameFor,
    demoDashboard,
    demoRule,
    fileRuleModel,
    routeContactPointName,
    STACK_MARKER_LABEL,
} from "../model/alertingModel";
import { demoMarker } from "../model/stackMarker";
import { dashboardUrlFor, uidsFor } from "../model/dashboardModel";
import { decideGrafanaAccess } from "../../targets/kubernetes/grafanaAccess";
import { inLauncherWords } from "../../shared/launcher";
import { AWAIT_TIMEOUTS, contextLabels } from "../../targets/kubernetes/modeContext";
import { KubernetesGrafanaWithRenderer } from "../../targets/kubernetes/kubernetesGrafanaWithRenderer";
import { SERVICE_NAMES, labels } from "../../targets/kubernetes/objectNames";
import { grafanaCrLabels } from "../../targets/kubernetes/operatorMode";
import {
    CR_NAMES,
    CrCommon,
    OPERATOR_ALERTING_API_VERSION,
    OperatorAlertingKind,
    SLACK_TOKEN_SECRET_KEY,
    crName,
    dashboardSpec,
    datasourceSpec,
    folderSpec,
    notificationPolicySpec,
    ruleGroupSpec,
    slackContactPointSpec,
    slackReceiverUid,
    waitForAnnotation,
} from "./operatorAlertingCrs";

type PathSettings = Pick<
    KubernetesStackSettings,
    | "kubernetesMode"
    | "operatorApiVersion"
    | "operatorAlerting"
    | "grafanaUrl"
    | "grafanaServiceType"
    | "grafanaPort"
    | "grafanaNodePort"
    | "namespace"
    | "renderYamlTo"
    | "ingress"
>;

/** The demo rule group's spec, its rule marked as this stack's (the API path's label, alertingModel.ts STACK_MARKER_LABEL). */
function markedDemoGroup(c: CrCommon, stackName: string, contactPoint: string | undefined, marker: pulumi.Output<string>) {
    const spec = ruleGroupSpec(c, {
        name: RULE_GROUP_NAME,
        intervalSeconds: RULE_GROUP_INTERVAL_SECONDS,
        rules: [demoRule(stackName, contactPoint)],
    });
    return { ...spec, rules: spec.rules.map((r) => ({ ...r, labels: { ...r.labels, [STACK_MARKER_LABEL]: marker } })) };
}

/** The config command that pins the choice `auto` made (shown in the warning). */
export const PIN_CRS_COMMAND = "pulumi config set operatorAlerting crs";

/**
 * Pure: who creates Grafana's objects in operator mode. `auto` picks the CRs exactly when
 * this machine has no way to Grafana's API (no grafanaUrl, no Ingress, not a LoadBalancer,
 * or renderYamlTo) and the operator has alerting CRs (v1beta1); with a warning, because
 * `auto` would silently switch to the API once a URL appears, and a one-step switch
 * collides on UIDs (the operator's finalizers delete what the other side just took over).
 */
export function operatorAlertingPath(s: PathSettings): { path: "crs" | "api"; warning?: string } {
    if (s.kubernetesMode !== "operator" || s.operatorAlerting === "api") return { path: "api" };
    if (s.operatorAlerting === "crs") return { path: "crs" };
    if (s.operatorApiVersion !== "v1beta1" || decideGrafanaAccess(s).kind !== "unreachable") return { path: "api" };
    return {
        path: "crs",
        warning:
            "operatorAlerting is auto and Grafana's API is not reachable from here, so the data source, folder, dashboards, rule groups and " +
            "Slack contact points are grafana-operator custom resources. Pin that choice now: `" +
            PIN_CRS_COMMAND +
            "`. Left on auto, setting grafanaUrl, ingressHost or a LoadBalancer later would switch to Grafana's API in one step, " +
            'which collides on the same UIDs; switching takes two steps (docs/kubernetes.md "Alerting through the operator").',
    };
}

/** The next step in CR mode: the verification needs Grafana's API from this machine. */
export function crModeVerificationHint(s: Pick<KubernetesStackSettings, "namespace" | "grafanaPort" | "stack">): string {
    return [
        "Grafana's alerting objects are grafana-operator custom resources: the operator applies them inside the cluster, and Pulumi " +
            "finished each only once the operator reported it synchronized " +
            `(kubectl get grafanadatasources,grafanafolders,grafanadashboards,grafanaalertrulegroups,grafanacontactpoints -n ${s.namespace}).`,
        "The verification (a panel image reaching Slack) needs Grafana's API from this machine and was skipped. To run it, forward a port and run doctor:",
        `  kubectl port-forward svc/${SERVICE_NAMES.grafana} 3000:${s.grafanaPort} -n ${s.namespace}`,
        `  GRAFANA_AUTH="admin:$(npm run -s pulumi -- stack output grafanaAdminPassword --show-secrets)" SLACK_BOT_TOKEN=xoxb-... \\`,
        `    npm run doctor -- --grafana-url http://localhost:3000 --slack-channel <channel ID> --stack ${s.stack} --alert`,
        "(keep operatorAlerting on crs: setting grafanaUrl is not needed for doctor).",
    ].join("\n");
}

export interface OperatorAlertingArgs {
    stackName: string;
    namespace: pulumi.Input<string>;
    /** Labels of the Grafana CR: every CR's instanceSelector. */
    instanceSelector: Record<string, string>;
    /** Labels every object of the stack carries besides the common ones. */
    instanceLabels: Record<string, string>;
    slack?: { token: pulumi.Input<string>; channel: string };
    demoAlert: boolean;
    /** Replace the policy tree (a Grafana this program deploys: always here). */
    notificationPolicy: boolean;
    provisioning?: ProvisioningPlan;
    /** The Grafana CR (ready once the operator logged in): the operator skips instances that are not. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
    /** renderYamlTo's provider, when set. */
    provider?: k8s.Provider;
}

/** Makes one CR of the component (OperatorAlerting.customResource). */
type CrFactory = (
    logical: string,
    kind: OperatorAlertingKind,
    crName: string,
    spec: unknown,
    extra?: pulumi.Input<pulumi.Resource>[],
) => k8s.apiextensions.CustomResource;

/** The stack's Grafana objects as grafana-operator CRs. */
export class OperatorAlerting extends pulumi.ComponentResource {
    readonly folderUid: pulumi.Output<string>;
    readonly dashboardUid?: pulumi.Output<string>;
    readonly alertRuleName?: pulumi.Output<string>;
    readonly alertRuleUid?: pulumi.Output<string>;
    readonly contactPointName?: pulumi.Output<string>;
    /** Your own alerts, as ProvisionedAlerting's summary has them. */
    readonly summary?: ProvisionedSummary;
    readonly resources: k8s.apiextensions.CustomResource[] = [];

    constructor(name: string, args: OperatorAlertingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grafana-slack-alerts:kubernetes:OperatorAlerting", name, {}, opts);
        const c: CrCommon = { instanceSelector: args.instanceSelector };
        const uids = uidsFor(args.stackName);
        const customResource: CrFactory = (logical, kind, crName, spec, extra = []) =>
            this.customResource(name, args, { logical, kind, crName, spec, extra });

        const datasource = customResource("testdata", "GrafanaDatasource", CR_NAMES.datasource, datasourceSpec(c, args.stackName));
        const folder = customResource("folder", "GrafanaFolder", CR_NAMES.folder, folderSpec(c, args.stackName));

        const cpName = contactPointNameFor(args.stackName);
        const { contactPoint, slackSecretName } = args.slack ? this.slack(name, args, c, customResource, cpName) : {};
        if (contactPoint) this.contactPointName = contactPoint.urn.apply(() => cpName);

        const dashboards: k8s.apiextensions.CustomResource[] = [];
        if (args.demoAlert) {
            const dashboard = customResource(
                "dashboard",
                "GrafanaDashboard",
                CR_NAMES.dashboard,
                dashboardSpec(c, demoDashboard(args.stackName)),
                [folder, datasource],
            );
            dashboards.push(dashboard);
            // Grafana checks the annotated dashboard, the query's data source and the named contact point.
            const rules = customResource(
                "rules",
                "GrafanaAlertRuleGroup",
                CR_NAMES.ruleGroup,
                markedDemoGroup(c, args.stackName, contactPoint ? cpName : undefined, demoMarker(name, args.stackName, this)),
                [folder, datasource, dashboard, ...(contactPoint ? [contactPoint] : [])],
            );
            this.dashboardUid = dashboard.urn.apply(() => uids.dashboard);
            this.alertRuleName = rules.urn.apply(() => ALERT_RULE_NAME);
            this.alertRuleUid = rules.urn.apply(() => uids.rule);
        }

        if (args.provisioning) {
            this.summary = this.provisioned(args, c, customResource, {
                folder,
                datasource,
                contactPoint,
                slackSecretName,
                cpName,
                dashboards,
            });
        }

        this.folderUid = folder.urn.apply(() => uids.folder);
        this.registerOutputs({
            folderUid: this.folderUid,
            dashboardUid: this.dashboardUid,
            alertRuleName: this.alertRuleName,
            alertRuleUid: this.alertRuleUid,
            contactPointName: this.contactPointName,
        });
    }

    /** One grafana-operator CR of this component: labelled, waited for until the operator synchronized it. */
    private customResource(
        name: string,
        args: OperatorAlertingArgs,
        r: { logical: string; kind: OperatorAlertingKind; crName: string; spec: unknown; extra: pulumi.Input<pulumi.Resource>[] },
    ): k8s.apiextensions.CustomResource {
        const cr = new k8s.apiextensions.CustomResource(
            `${name}-${r.logical}`,
            {
                apiVersion: OPERATOR_ALERTING_API_VERSION,
                kind: r.kind,
                metadata: {
                    name: r.crName,
                    namespace: args.namespace,
                    labels: labels({}, "alerting", args.instanceLabels),
                    annotations: waitForAnnotation(r.kind),
                },
                spec: r.spec,
            },
            {
                parent: this,
                ...(args.provider ? { provider: args.provider } : {}),
                dependsOn: [...args.dependsOn, ...r.extra],
                // A CR finishes once the operator reports it synchronized; an instance that never
                // matches (operator missing, selector wrong) fails the update with the CR's conditions.
                customTimeouts: AWAIT_TIMEOUTS,
            },
        );
        this.resources.push(cr);
        return cr;
    }

    /**
     * The Slack contact point and, when asked, the policy tree. The bot token reaches the
     * operator only through a Secret (valuesFrom, never the CR). Auto-named and immutable: a
     * new token is a new Secret, so the contact points' specs change and the operator applies
     * the new token at once.
     */
    private slack(
        name: string,
        args: OperatorAlertingArgs,
        c: CrCommon,
        customResource: CrFactory,
        cpName: string,
    ): { contactPoint: k8s.apiextensions.CustomResource; slackSecretName: pulumi.Output<string> } {
        const secret = new k8s.core.v1.Secret(
            `${name}-slack-token`,
            {
                metadata: { namespace: args.namespace, labels: labels({}, "alerting", args.instanceLabels) },
                type: "Opaque",
                immutable: true,
                stringData: { [SLACK_TOKEN_SECRET_KEY]: pulumi.secret(args.slack!.token) },
            },
            { parent: this, ...(args.provider ? { provider: args.provider } : {}), dependsOn: args.dependsOn },
        );
        const slackSecretName = secret.metadata.name;
        const contactPoint = customResource(
            "slack",
            "GrafanaContactPoint",
            CR_NAMES.contactPoint,
            slackContactPointSpec(c, {
                name: cpName,
                uid: slackReceiverUid(args.stackName),
                channel: args.slack!.channel,
                secretName: slackSecretName,
            }),
            [secret],
        );
        if (args.notificationPolicy) {
            // Grafana's one policy tree per organization, replaced (the operator resets it when the CR goes).
            customResource("policy", "GrafanaNotificationPolicy", CR_NAMES.policy, notificationPolicySpec(c, cpName), [contactPoint]);
        }
        return { contactPoint, slackSecretName };
    }

    /** dashboardsDir / alertRulesDir / slackRoutes as CRs: as ProvisionedAlerting does through the API. */
    private provisioned(
        args: OperatorAlertingArgs,
        c: CrCommon,
        customResource: CrFactory,
        s: {
            folder: pulumi.Resource;
            datasource: pulumi.Resource;
            contactPoint?: pulumi.Resource;
            slackSecretName?: pulumi.Output<string>;
            cpName: string;
            dashboards: pulumi.Resource[];
        },
    ): ProvisionedSummary {
        const plan = args.provisioning!;
        const dashboards = plan.dashboards.map((d) =>
            customResource(`dashboard-${crName("own", d.uid)}`, "GrafanaDashboard", crName("gsa-dash", d.uid), dashboardSpec(c, d), [
                s.folder,
                s.datasource,
            ]),
        );
        // One contact point per routed channel; slackChannel's is the stack's own.
        const routeContactPoints: Record<string, string> = {};
        const routeResources: pulumi.Resource[] = [];
        if (args.slack && s.slackSecretName) {
            for (const channel of plan.channels) {
                if (channel === args.slack.channel.trim()) continue;
                const cp = routeContactPointName(args.stackName, channel);
                routeResources.push(
                    customResource(
                        `slack-${crName("route", channel.replace(/^#/, ""))}`,
                        "GrafanaContactPoint",
                        crName("gsa-route", channel.replace(/^#/, "")),
                        slackContactPointSpec(c, {
                            name: cp,
                            uid: slackReceiverUid(args.stackName, channel),
                            channel,
                            secretName: s.slackSecretName,
                        }),
                        s.contactPoint ? [s.contactPoint] : [],
                    ),
                );
                routeContactPoints[channel] = cp;
            }
        }
        const receiverFor = (ruleUid: string): string | undefined => {
            if (!args.slack) return undefined;
            const channel = plan.ruleChannels[ruleUid];
            return (channel !== undefined ? routeContactPoints[channel] : undefined) ?? s.cpName;
        };
        for (const group of plan.groups) {
            customResource(
                `rules-${crName("own", group.name)}`,
                "GrafanaAlertRuleGroup",
                crName("gsa-rules", group.name),
                ruleGroupSpec(c, {
                    name: group.name,
                    intervalSeconds: group.intervalSeconds,
                    rules: group.rules.map((rule) => fileRuleModel(rule, receiverFor(rule.uid))),
                }),
                [s.folder, s.datasource, ...s.dashboards, ...dashboards, ...(s.contactPoint ? [s.contactPoint] : []), ...routeResources],
            );
        }
        return provisioningSummary(plan, args.slack?.channel, routeContactPoints);
    }
}

/** Which side created the stack's Grafana objects in its last update, from its outputs (undefined: none yet). */
export function previousAlertingPath(last: Record<string, unknown> | undefined, markers: readonly string[]): "crs" | "api" | undefined {
    if (typeof last?.operatorAlerting === "string" && last.operatorAlerting.startsWith("crs")) return "crs";
    return markers.some((k) => last?.[k] !== undefined && last?.[k] !== null) ? "api" : undefined;
}

/**
 * Refuses a one-step switch: both sides own the same UIDs, so the new side would take the
 * objects over and the old side would then delete them (the provider's delete, or the
 * operator's finalizer), leaving Grafana without them. Nothing is registered then.
 */
export function oneStepSwitchError(previous: "crs" | "api" | undefined, path: "crs" | "api", apiReachable: boolean): string | undefined {
    if (previous === "api" && path === "crs") {
        return [
            "operatorAlerting: this stack's Grafana objects were created through Grafana's API, and this update would create them as grafana-operator custom resources:",
            "in one step, the operator would take the objects over and Pulumi would then delete them through the API. Grafana's alerting objects were left as they are.",
            "To stay on the API: pulumi config set operatorAlerting api   (and keep grafanaUrl set).",
            "To switch, two steps: (1) with Grafana still reachable at the old grafanaUrl (keep the port-forward running):",
            "  pulumi config set operatorAlerting api && pulumi config rm grafanaUrl && pulumi up     (removes the objects, creates nothing)",
            "(2) pulumi config set operatorAlerting crs && pulumi up",
        ].join("\n");
    }
    if (previous === "crs" && path === "api" && apiReachable) {
        return [
            "operatorAlerting: this stack's Grafana objects are grafana-operator custom resources, and this update would create them through Grafana's API:",
            "in one step, Pulumi would take the objects over and then delete the custom resources, whose finalizers delete the objects from Grafana. Grafana's alerting objects were left as they are.",
            "To stay on the custom resources: pulumi config set operatorAlerting crs.",
            "To switch, two steps: (1) without a grafanaUrl (pulumi config rm grafanaUrl; no LoadBalancer or ingressHost):",
            "  pulumi config set operatorAlerting api && pulumi up     (the operator removes the objects, nothing is created)",
            "(2) forward a port, pulumi config set grafanaUrl http://localhost:3000 && pulumi up",
        ].join("\n");
    }
    return undefined;
}

/**
 * Step 5 in CR mode, called by the program for kubernetesMode operator: registers the CRs
 * and fills the outputs when the path is `crs`; returns false (nothing registered) when the
 * Grafana API path applies instead.
 */
export function defineOperatorAlerting(
    settings: KubernetesStackSettings,
    deployment: GrafanaDeployment,
    outputs: Record<string, unknown>,
    nextSteps: string[],
    previous?: "crs" | "api",
): boolean {
    const choice = operatorAlertingPath(settings);
    const conflict = oneStepSwitchError(previous, choice.path, deployment.grafanaApiUrl !== undefined);
    if (conflict) throw new pulumi.RunError(inLauncherWords(conflict));
    if (choice.path === "api") {
        if (!deployment.grafanaApiUrl && settings.operatorApiVersion === "v1beta1") {
            nextSteps.push(
                `With operatorAlerting api, Grafana's alerting objects wait for a reachable grafanaUrl. The grafana-operator can create them inside the cluster instead, no grafanaUrl needed: \`${PIN_CRS_COMMAND}\` and \`pulumi up\`.`,
            );
        }
        return false;
    }
    if (choice.warning) pulumi.log.warn(inLauncherWords(choice.warning));
    if (!(deployment instanceof KubernetesGrafanaWithRenderer)) throw new Error("operatorAlerting crs needs the Kubernetes target");

    const instanceLabels = contextLabels(settings.stack);
    const alerting = new OperatorAlerting("operator-alerting", {
        stackName: settings.stack,
        namespace: deployment.namespaceName,
        instanceSelector: grafanaCrLabels(instanceLabels),
        instanceLabels,
        slack: settings.slack,
        demoAlert: settings.demoAlert,
        notificationPolicy: true,
        provisioning: settings.provisioning,
        dependsOn: deployment.ready,
        provider: deployment.provider,
    });

    outputs.operatorAlerting = "crs: grafana-operator custom resources, applied by the operator inside the cluster";
    outputs.grafanaFolderUid = alerting.folderUid;
    if (alerting.dashboardUid) {
        const base = deployment.grafanaApiUrl ?? settings.grafanaRootUrl;
        if (base) outputs.dashboardUrl = pulumi.all([base, alerting.dashboardUid]).apply(([u, uid]) => dashboardUrlFor(u, uid));
        else outputs.dashboardUid = alerting.dashboardUid;
    }
    if (alerting.alertRuleName) outputs.alertRuleName = alerting.alertRuleName;
    if (alerting.contactPointName) outputs.contactPoint = alerting.contactPointName;
    if (alerting.summary) outputs.ownAlerts = alerting.summary;
    if (settings.verify) {
        outputs.verification = {
            verified: false,
            how: "skipped: operatorAlerting crs, and the verification needs Grafana's API from this machine; run doctor after a port-forward (nextSteps)",
        };
    }
    if (settings.renderYamlTo) {
        nextSteps.push(
            `renderYamlTo is set: the manifests, these custom resources included, are in ${settings.renderYamlTo}; apply them with ` +
                `kubectl apply -R -f ${settings.renderYamlTo} and the operator creates the objects in Grafana. The written Secrets hold ` +
                "the Slack token, the renderer token and the admin password in plain text.",
        );
    }
    nextSteps.push(crModeVerificationHint(settings));
    return true;
}
