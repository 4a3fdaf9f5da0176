// The whole stack: validate config, generate secrets, decide the wiring, hand it to the
// chosen target, then configure Grafana's alerting and prove an image reaches Slack.
// Target modules are loaded on demand so a Docker stack never loads the Kubernetes SDK.
import * as pulumi from "@pulumi/pulumi";
import { readSettings, type DeployedStackSettings, type ExistingStackSettings, type StackSettings } from "./config/config";
import { dockerPlacement } from "./targets/docker/placement";
import type { GrafanaDeployment } from "./targets/grafanaDeployment";
import { kubernetesPlacement } from "./targets/kubernetes/placement";
import { inLauncherWords } from "./shared/launcher";
import { skipUnusedPromiseStacks } from "./shared/promiseStacks";
import { StackSecrets } from "./secrets/stackSecrets";
import { decideWiring, type Placement, type SecretName, type Wiring } from "./wiring/wiring";

/** What to run to add Slack, shown as a stack output when no token is configured. */
export const ADD_SLACK_HINT =
    'Slack is not configured: create the app from slack-app-manifest.yaml (README: "Create the Slack app"), then run ' +
    "`pulumi config set --secret slackToken xoxb-...` and `pulumi config set slackChannel C0123ABCD` and `pulumi up` again.";

/** Shown when Slack is on but Grafana does not know the address people open it at. */
export const ROOT_URL_HINT =
    "Links in Slack alerts use Grafana's root URL, which is not set (Grafana then links to http://localhost:3000/): " +
    "run `pulumi config set grafanaRootUrl https://<address people open Grafana at>` and `pulumi up`.";

/** Step 3's input: where each side finds the other, as the chosen target places them. */
export function placementFor(
    settings: Pick<StackSettings, "target" | "kubernetesMode" | "namespace" | "grafanaPort" | "grafanaCallbackUrl">,
): Placement {
    if (settings.target === "docker") return dockerPlacement();
    if (settings.target === "kubernetes") return kubernetesPlacement(settings);
    throw new Error("target existing deploys nothing, so nothing is placed");
}

/** Step 4: hands the wiring to the chosen target (exported so tests build targets exactly as the program does). */
export async function deployTarget(settings: DeployedStackSettings, wiring: Wiring, secrets: StackSecrets): Promise<GrafanaDeployment> {
    const secret = (name: SecretName) => secrets.get(name);
    if (settings.target === "docker") {
        const { DockerGrafanaWithRenderer } = await import("./targets/docker/dockerGrafanaWithRenderer");
        return new DockerGrafanaWithRenderer("grafana", { settings, wiring, secret });
    }
    const { KubernetesGrafanaWithRenderer } = await import("./targets/kubernetes/kubernetesGrafanaWithRenderer");
    return new KubernetesGrafanaWithRenderer("grafana", { settings, wiring, secret });
}

/** grafanaAdminPasswordSecret: the password from the user's Secret, read from the cluster; undefined otherwise. */
async function existingAdminPassword(settings: StackSettings): Promise<pulumi.Output<string> | undefined> {
    const ref = settings.existingSecrets.grafanaAdminPassword;
    if (!ref) return undefined;
    const { existingSecretValue } = await import("./targets/kubernetes/existingSecrets");
    return existingSecretValue("grafana-admin-password", settings.namespace, ref);
}

/** Shown while the always-firing demo rule is on and Slack is configured. */
export const DEMO_OFF_HINT =
    "Once the demo alert has reached Slack with its picture, turn the always-firing demo off: " +
    "`pulumi config set demoAlert false` and `pulumi up` (your own rules keep their routing).";

/** The stack's organization; "organization" (the local backend's) where the runtime has none (mocks). */
function organization(): string {
    try {
        return pulumi.getOrganization();
    } catch {
        return "organization";
    }
}

/** Outputs present once a stack has created its Grafana objects (any program version). */
export const STATE_MARKER_OUTPUTS = ["grafanaFolderUid", "alertRuleName", "dashboardUrl", "contactPoint"] as const;

/**
 * The stack's reference to its own last outputs (a stack can reference itself; a new stack
 * has none), one per run: the preflight and operatorAlerting both read it.
 */
const selfReferences = new WeakMap<StackSettings, pulumi.StackReference>();
function selfReference(settings: StackSettings): pulumi.StackReference {
    let self = selfReferences.get(settings);
    if (!self) {
        self = new pulumi.StackReference(`${organization()}/${settings.project}/${settings.stack}`);
        selfReferences.set(settings, self);
    }
    return self;
}

/** The stack's outputs from its last update; undefined when not known (a preview without them): never waits forever. */
function lastOutputs(settings: StackSettings): Promise<Record<string, unknown> | undefined> {
    const outputs = selfReference(settings).outputs;
    return new Promise((resolve) => {
        outputs.apply((o) => resolve(o));
        // Output's own isKnown (not in the SDK's typings): when false, the apply above never runs.
        void (outputs as unknown as { isKnown: Promise<boolean> }).isKnown.then((known) => known || resolve(undefined));
    });
}

/** Outputs that show this stack deployed a Grafana before (any program version): it then has data. */
const DEPLOYED_GRAFANA_OUTPUTS = ["grafanaAdminPassword", ...STATE_MARKER_OUTPUTS];

/** `grafanaEncryptionKey`, the output that records which key this stack's Grafana encrypts with. */
export const GRAFANA_KEY = {
    generated: "generated: security.secret_key kept (secret) in this stack's state",
    default: "Grafana's built-in default security.secret_key (this Grafana encrypted data before the key was generated; see nextSteps)",
} as const;

/** Shown while a Grafana deployed before the generated key keeps the public default. */
export const GRAFANA_DEFAULT_KEY_HINT =
    "Grafana encrypts what it stores (the Slack token of its contact point, data source passwords) with security.secret_key. " +
    "This stack's Grafana encrypted its data with Grafana's public default key before this program generated one, and it cannot " +
    "read that data under another key, so the stack keeps the default. To move to a generated key, back up Grafana's data, then " +
    "either start it afresh: `pulumi destroy --yes && pulumi up` (a new data volume and a generated key; what this stack provisions " +
    "comes back, changes made in Grafana's UI do not), or, on Grafana Enterprise, configure a KMS key provider and run " +
    "`grafana cli admin secrets-migration re-encrypt-data-keys` then `grafana cli admin secrets-migration re-encrypt` " +
    '(Grafana docs: "Configure database encryption").';

/**
 * Whether this stack's Grafana gets a generated secret_key, from the stack's last outputs: a
 * new stack does; one whose Grafana was deployed before (by a version without the key) keeps
 * Grafana's default, because the data it encrypted cannot be read under a new key; after
 * that, the recorded choice stands.
 */
export function grafanaKeyChoice(last: Record<string, unknown> | undefined): keyof typeof GRAFANA_KEY {
    const recorded = last?.grafanaEncryptionKey;
    if (typeof recorded === "string") return recorded === GRAFANA_KEY.default ? "default" : "generated";
    return DEPLOYED_GRAFANA_OUTPUTS.some((k) => last?.[k] !== undefined && last?.[k] !== null) ? "default" : "generated";
}

/** Which secret_key this stack's Grafana uses; undefined without a Grafana (renderer mode). */
async function secretKeyChoice(settings: DeployedStackSettings): Promise<keyof typeof GRAFANA_KEY | undefined> {
    if (settings.kubernetesMode === "renderer") return undefined;
    // A shared database starts empty and needs one key for every replica (docs/kubernetes.md, "Scaling Grafana").
    if (settings.grafanaDatabaseUrl !== undefined) return "generated";
    return grafanaKeyChoice(await lastOutputs(settings));
}

/** How Pulumi reaches and authenticates to Grafana, and whether this stack deployed it. */
interface GrafanaConnection {
    grafanaUrl: pulumi.Output<string>;
    /** `user:password` or a service account token, secret. */
    auth: pulumi.Output<string>;
    apiToken?: pulumi.Output<string>;
    adminPassword?: pulumi.Output<string>;
    /** What must be ready (healthy) before Grafana's API is used. */
    ready: pulumi.Resource[];
    /** True when this stack deployed Grafana (docker, kubernetes): it then owns the policy tree. */
    ownsGrafana: boolean;
    /** GF_RENDERING_CALLBACK_URL as wired, for the verification's messages (unknown for an existing Grafana). */
    rendererCallbackUrl?: pulumi.Input<string>;
}

/**
 * Defines every resource of the stack and returns its outputs. Throws before creating anything
 * when config is bad. The next steps name commands as the user runs them (launcher.ts).
 */
export async function defineStack(): Promise<Record<string, unknown>> {
    let outputs: Record<string, unknown>;
    try {
        outputs = await defineResources();
    } catch (e) {
        throw withoutFrames(e);
    }
    if (Array.isArray(outputs.nextSteps))
        outputs.nextSteps = outputs.nextSteps.map((s) => (typeof s === "string" ? inLauncherWords(s) : s));
    return outputs;
}

/**
 * A RunError (bad config, a refused switch) as it leaves the program: without stack frames.
 * Pulumi's runner prints only its message, but also formats the whole error for a tracing
 * event (@pulumi/pulumi cmd/run/run.js, uncaughtHandler: util.inspect with colors). Under
 * ts-node the SDK's own frames are source-mapped to node_modules/@pulumi/<file>.ts (its maps
 * say "../resource.ts"), and Node 20's inspect loops on such a path until V8's string limit
 * (nodejs/node#64011, fixed upstream by #64022): 20-60 s before a bad-config `pulumi up` ended.
 */
export function withoutFrames(e: unknown): unknown {
    if (e instanceof Error && (e as { __pulumiRunError?: unknown }).__pulumiRunError === true) e.stack = `${e.name}: ${e.message}`;
    return e;
}

async function defineResources(): Promise<Record<string, unknown>> {
    // Pulumi's per-promise debug stacks, unread unless PULUMI_DEBUG_PROMISE_LEAKS: see the module.
    skipUnusedPromiseStacks();
    const settings = readSettings();
    for (const warning of settings.warnings) pulumi.log.warn(inLauncherWords(warning));
    if (settings.target === "existing") return defineExistingGrafanaStack(settings);

    // Grafana's secret_key: generated for a new Grafana, the default kept for one that has data.
    const keyChoice = await secretKeyChoice(settings);
    const secrets = new StackSecrets("secrets", {
        grafanaAdminPassword: settings.grafanaAdminPassword ?? (await existingAdminPassword(settings)),
        rendererToken: settings.rendererToken,
        rendererTokenElsewhere: settings.existingSecrets.rendererToken !== undefined,
        grafanaSecretKey: keyChoice === "generated",
        grafanaDatabaseUrl: settings.grafanaDatabaseUrl,
    });
    const wiring = decideWiring(settings, placementFor(settings), { grafanaSecretKey: keyChoice === "generated" });
    const deployment = await deployTarget(settings, wiring, secrets);

    const nextSteps: string[] = keyChoice === "default" ? [GRAFANA_DEFAULT_KEY_HINT] : [];
    const outputs: Record<string, unknown> = {
        target: settings.target,
        ...(settings.kubernetesMode ? { kubernetesMode: settings.kubernetesMode, namespace: settings.namespace } : {}),
        grafanaUrl: deployment.grafanaApiUrl,
        renderingServerUrl: deployment.renderingServerUrl,
        renderingCallbackUrl: deployment.renderingCallbackUrl,
        grafanaAdminUser: settings.grafanaAdminUser,
        // A secret output: `pulumi stack output grafanaAdminPassword --show-secrets` to log in.
        grafanaAdminPassword: secrets.grafanaAdminPassword,
        ...(keyChoice ? { grafanaEncryptionKey: GRAFANA_KEY[keyChoice] } : {}),
        nextSteps,
    };

    if (settings.kubernetesMode === "renderer") {
        // Only the renderer: no Grafana here, so no admin credentials and no alerting; the
        // outputs are the settings for the Grafana from elsewhere (token as a secret).
        delete outputs.grafanaUrl;
        delete outputs.grafanaAdminUser;
        delete outputs.grafanaAdminPassword;
        Object.assign(outputs, deployment.outputs);
        nextSteps.push(deployment.unreachableHint!);
        return outputs;
    }

    if (settings.target === "kubernetes" && settings.kubernetesMode === "operator") {
        // operatorAlerting: Grafana's objects as the grafana-operator's CRs instead of through its API.
        // The last update's outputs say which side created Grafana's objects: never switch in one step.
        const { defineOperatorAlerting, previousAlertingPath } = await import("./alerting/operator/operatorAlerting");
        const last = await lastOutputs(settings);
        if (defineOperatorAlerting(settings, deployment, outputs, nextSteps, previousAlertingPath(last, STATE_MARKER_OUTPUTS))) {
            if (!settings.slack) nextSteps.push(ADD_SLACK_HINT);
            else if (!settings.grafanaRootUrl) nextSteps.push(ROOT_URL_HINT);
            if (settings.demoAlert && settings.slack) nextSteps.push(DEMO_OFF_HINT);
            return outputs;
        }
    }

    if (!deployment.grafanaApiUrl) {
        // Workloads are deployed; Grafana's API cannot be reached from here yet, so the
        // Grafana-side resources wait for the config the hint names.
        nextSteps.push(deployment.unreachableHint ?? "Set grafanaUrl to reach Grafana's API, then run `pulumi up` again.");
        if (!settings.slack) nextSteps.push(ADD_SLACK_HINT);
        return outputs;
    }

    await configureGrafana(
        settings,
        {
            grafanaUrl: deployment.grafanaApiUrl,
            auth: pulumi.secret(pulumi.interpolate`${settings.grafanaAdminUser}:${secrets.grafanaAdminPassword}`),
            adminPassword: secrets.grafanaAdminPassword,
            ready: deployment.ready,
            ownsGrafana: true,
            rendererCallbackUrl: deployment.renderingCallbackUrl,
        },
        outputs,
        nextSteps,
    );
    return outputs;
}

/**
 * target existing: a Grafana that already runs. Nothing is deployed and no secret is
 * generated; the program talks to grafanaUrl with the service account token (or the admin
 * user and password), creates its objects and never a notification policy.
 */
async function defineExistingGrafanaStack(settings: ExistingStackSettings): Promise<Record<string, unknown>> {
    const nextSteps: string[] = [];
    const grafanaUrl = pulumi.output(settings.grafanaUrl);
    const token = settings.grafanaApiToken;
    const auth =
        settings.grafanaApiToken !== undefined
            ? settings.grafanaApiToken
            : pulumi.secret(pulumi.interpolate`${settings.grafanaAdminUser}:${settings.grafanaAdminPassword}`);
    const outputs: Record<string, unknown> = {
        target: settings.target,
        grafanaUrl,
        grafanaAuthentication: token
            ? "service account token (grafanaApiToken)"
            : `user ${settings.grafanaAdminUser} (grafanaAdminPassword)`,
        nextSteps,
    };
    await configureGrafana(
        settings,
        {
            grafanaUrl,
            auth: pulumi.secret(auth),
            apiToken: token,
            adminPassword: token ? undefined : settings.grafanaAdminPassword,
            ready: [],
            ownsGrafana: false,
        },
        outputs,
        nextSteps,
    );
    return outputs;
}

type Preflight = import("./alerting/preflight/grafanaPreflight").GrafanaPreflight;
type Alerting = import("./alerting/api/grafanaAlerting").GrafanaAlerting;
type OwnAlerts = import("./alerting/api/provisionedAlerting").ProvisionedAlerting;
/** The panel the proof renders and the rule whose alert it follows. */
interface ProofTarget {
    dashboardUid: pulumi.Output<string>;
    panelId: pulumi.Output<number>;
    ruleUid: pulumi.Output<string> | pulumi.Output<string | undefined> | undefined;
    followAlert: boolean;
}

/**
 * The Grafana side on every target: the preflight first (credentials; on target existing
 * the version and the renderer; leftovers of a lost state), then the alerting objects,
 * then the proof.
 */
async function configureGrafana(
    settings: StackSettings,
    access: GrafanaConnection,
    outputs: Record<string, unknown>,
    nextSteps: string[],
): Promise<void> {
    const { preflight, alerting } = await preflightAndAlerting(settings, access, outputs);
    if (!settings.slack) nextSteps.push(ADD_SLACK_HINT);
    else if (!settings.grafanaRootUrl && access.ownsGrafana) nextSteps.push(ROOT_URL_HINT);
    if (settings.demoAlert && settings.slack) nextSteps.push(DEMO_OFF_HINT);

    const own = await ownAlerts(settings, access, preflight, alerting, outputs);
    if (!settings.verify) return;
    const proof = proofTarget(settings, preflight, alerting);
    if (!proof) {
        outputs.verification = {
            verified: false,
            how: settings.provisioning?.groups.length
                ? "skipped: demoAlert is false and no rule from alertRulesDir links to a panel, so there is no panel to render; link one (__dashboardUid__ / __panelId__) or set verifyRule"
                : "skipped: demoAlert is false, so there is no demo panel to render; set verifyRule to the UID of a rule of yours to check it instead",
        };
        return;
    }
    await verification(settings, access, preflight, [alerting, ...(own ? [own] : [])], proof, outputs);
}

/** The preflight, then the demo's alerting objects (and the Slack contact point), which wait for it. */
async function preflightAndAlerting(
    settings: StackSettings,
    access: GrafanaConnection,
    outputs: Record<string, unknown>,
): Promise<{ preflight: Preflight; alerting: Alerting }> {
    const { GrafanaAlerting, RULE_GROUP_NAME, contactPointNameFor } = await import("./alerting/api/grafanaAlerting");
    const { uidsFor } = await import("./alerting/model/dashboardModel");
    const { GrafanaPreflight } = await import("./alerting/preflight/grafanaPreflight");
    const uids = uidsFor(settings.stack);

    // Did this stack's last update already create its Grafana objects? Read from its own
    // outputs (a stack can reference itself; a new or removed-and-recreated stack has none):
    // then the objects the preflight finds are its own, not a lost state's leftovers. Keys of
    // every program version that created them, so upgrading a deployed stack is no "lost state".
    const self = selfReference(settings);
    const stateHasObjects = self.outputs.apply((o) => STATE_MARKER_OUTPUTS.some((k) => o?.[k] !== undefined && o?.[k] !== null));

    // The "up-front" checks are this small resource, not the verification: the verification
    // runs last, after the folder, rule and contact point exist; the preflight runs before
    // any of them, so a Grafana without a renderer (or too old) gets nothing created.
    const preflight = new GrafanaPreflight(
        "preflight",
        {
            grafanaUrl: access.grafanaUrl,
            grafanaAuth: access.auth,
            target: settings.target,
            stackName: settings.stack,
            folderUid: uids.folder,
            datasourceUid: uids.datasource,
            dashboardUid: uids.dashboard,
            ruleGroup: RULE_GROUP_NAME,
            contactPoint: settings.slack ? contactPointNameFor(settings.stack) : undefined,
            slackChannel: settings.slack?.channel,
            replaceLeftovers: settings.replaceLeftovers,
            verifyRule: settings.verifyRule,
            stateHasObjects,
            // The Docker target's data volume (components/docker: grafana-slack-alerts-<stack>-data).
            dockerVolume: settings.target === "docker" ? `grafana-slack-alerts-${settings.stack}-data` : undefined,
        },
        { dependsOn: access.ready },
    );

    const alerting = new GrafanaAlerting("alerting", {
        grafanaUrl: access.grafanaUrl,
        adminUser: settings.grafanaAdminUser,
        adminPassword: access.adminPassword,
        apiToken: access.apiToken,
        notificationPolicy: access.ownsGrafana,
        demoAlert: settings.demoAlert,
        slack: settings.slack,
        dependsOn: [...access.ready, preflight],
        stackName: settings.stack,
    });
    outputs.grafanaFolderUid = alerting.folderUid;
    if (alerting.dashboardUrl) outputs.dashboardUrl = alerting.dashboardUrl;
    if (alerting.alertRuleName) outputs.alertRuleName = alerting.alertRuleName;
    if (alerting.contactPointName) outputs.contactPoint = alerting.contactPointName;
    if (settings.target === "existing") {
        outputs.grafanaVersion = preflight.grafanaVersion;
        outputs.rendererAvailable = preflight.rendererAvailable;
    }
    if (settings.replaceLeftovers) outputs.replacedLeftovers = preflight.replaced;
    return { preflight, alerting };
}

/** Your own dashboards and alert rules (dashboardsDir / alertRulesDir / slackRoutes), when configured. */
async function ownAlerts(
    settings: StackSettings,
    access: GrafanaConnection,
    preflight: Preflight,
    alerting: Alerting,
    outputs: Record<string, unknown>,
): Promise<OwnAlerts | undefined> {
    if (!settings.provisioning) return undefined;
    const { ProvisionedAlerting } = await import("./alerting/api/provisionedAlerting");
    const own = new ProvisionedAlerting("own-alerts", {
        plan: settings.provisioning,
        stackName: settings.stack,
        provider: alerting.provider,
        folderUid: alerting.folderUid,
        slack: settings.slack,
        defaultContactPoint: alerting.contactPointName,
        dependsOn: [...access.ready, preflight],
    });
    outputs.ownAlerts = own.summary;
    return own;
}

function proofTarget(settings: StackSettings, preflight: Preflight, alerting: Alerting): ProofTarget | undefined {
    // What the proof renders and follows: verifyRule's panel (from its annotations, looked up
    // by the preflight) when set, else the demo's, else (demoAlert false) the panel of your
    // first rule from alertRulesDir that links to one, so your rules are still proven; that
    // rule may never fire, so the alert-path stage is not waited for then. Without any of
    // them there is nothing to render.
    const ownLink =
        settings.provisioning?.links.find((l) => l.status === "linked") ??
        settings.provisioning?.links.find((l) => l.status === "external");
    return settings.verifyRule
        ? {
              dashboardUid: preflight.verifyRuleDashboardUid as pulumi.Output<string>,
              panelId: preflight.verifyRulePanelId as pulumi.Output<number>,
              ruleUid: pulumi.output(settings.verifyRule),
              followAlert: true,
          }
        : alerting.dashboardUid
          ? {
                dashboardUid: alerting.dashboardUid,
                panelId: pulumi.output(alerting.panelId),
                ruleUid: alerting.alertRuleUid,
                followAlert: true,
            }
          : ownLink?.dashboardUid && ownLink.panelId !== undefined
            ? {
                  dashboardUid: pulumi.output(ownLink.dashboardUid),
                  panelId: pulumi.output(ownLink.panelId),
                  ruleUid: pulumi.output(ownLink.ruleUid),
                  followAlert: false,
              }
            : undefined;
}

/** The dynamic resource that renders the proof's panel, posts it and follows the alert; its results as outputs. */
async function verification(
    settings: StackSettings,
    access: GrafanaConnection,
    preflight: Preflight,
    after: pulumi.Resource[],
    proof: ProofTarget,
    outputs: Record<string, unknown>,
): Promise<void> {
    const { SlackImageVerification } = await import("./verify/slackImageVerification");
    const verification = new SlackImageVerification(
        "verification",
        {
            grafanaUrl: access.grafanaUrl,
            grafanaAuth: access.auth,
            dashboardUid: proof.dashboardUid,
            panelId: proof.panelId,
            slackToken: settings.slack?.token,
            slackChannel: settings.slack?.channel,
            // Every other channel slackRoutes sends alerts to: the bot's membership and scopes there.
            ...(settings.slack && settings.provisioning?.channels.length ? { routedChannels: settings.provisioning.channels } : {}),
            slackApiUrl: settings.slackApiUrl,
            stackName: `${settings.project}/${settings.stack}`,
            // Re-run triggers: an existing Grafana's version stands in for the image tags.
            grafanaImage: !access.ownsGrafana
                ? preflight.grafanaVersion.apply((v) => `existing Grafana ${v ?? "(version unknown)"}`)
                : settings.grafanaImage.ref,
            rendererImage: !access.ownsGrafana ? "the existing Grafana's renderer" : settings.rendererImage.ref,
            verifyTrigger: settings.verifyTrigger,
            cleanupTestMessage: settings.cleanupTestMessage,
            verifyAlertTimeout: settings.slack && proof.followAlert ? settings.verifyAlertTimeout : 0,
            rendererCallbackUrl: access.rendererCallbackUrl,
            alertRuleUid: proof.ruleUid,
            // verifyRule routed to another channel by slackRoutes: the alert-path stage reads that one.
            ...(settings.slack && settings.verifyRule && settings.provisioning?.ruleChannels[settings.verifyRule]
                ? { alertChannel: settings.provisioning.ruleChannels[settings.verifyRule] }
                : {}),
            // Proof per rule: each of your rules' panels rendered once, nothing posted per rule.
            ...(settings.provisioning
                ? {
                      ruleUids: settings.provisioning.groups.flatMap((g) => g.rules.map((r) => r.uid)),
                      requireImages: settings.provisioning.requireImages,
                  }
                : {}),
        },
        { dependsOn: after },
    );
    outputs.verification = {
        verified: verification.verified,
        how: verification.how,
        alertPath: verification.alertPath,
        imageWidth: verification.imageWidth,
        imageHeight: verification.imageHeight,
        imageBytes: verification.imageBytes,
        renderMs: verification.renderMs,
        slackChannelId: verification.slackChannelId,
        slackFileId: verification.slackFileId,
        permalink: verification.permalink,
        messageTs: verification.messageTs,
        ...(settings.provisioning ? { rules: verification.rules } : {}),
        ...(settings.slack && settings.provisioning?.channels.length ? { channels: verification.channels } : {}),
    };
}
