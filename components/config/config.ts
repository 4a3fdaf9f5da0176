// The stack's configuration: the one module that reads it. Every key is checked up
// front and every problem is reported at once, before any resource is registered, so
// bad config creates nothing. Secret values are never put in a message.
// The Pulumi SDK is loaded only when settings are built (it costs over a second): the
// preflight of `npm run up` runs the same checks without it (configProblems).
import type * as pulumi from "@pulumi/pulumi";
import {
    DEFAULT_GRAFANA_IMAGE,
    DEFAULT_RENDERER_IMAGE,
    ImageRef,
    MIN_GRAFANA,
    RECOMMENDED_GRAFANA,
    channelNameUploadProblem,
    grafanaVersionProblem,
    olderThan,
} from "../shared/images";
import { CHANNEL_FORMAT, isChannelId, isChannelName, notAChannelReason } from "../shared/slackChannel";
import { slackTokenProblem } from "../shared/slackToken";
import { loadProvisioning, type ProvisioningPlan } from "./provisioning/plan";
import { KUBERNETES_CONFIG_KEYS, KubernetesSettings, readKubernetesSettings } from "./kubernetesSettings";
import { ConfigReader, quote, setCommand as set, setSecretCommand as setSecret } from "./configReader";
import { clip, safeMessage } from "../shared/redaction";
import { GRAFANA_SCALE_CONFIG_KEYS, GrafanaScaleSettings, readGrafanaScale } from "./grafanaScaleSettings";
import { KUBERNETES_OBJECT_CONFIG_KEYS, KubernetesObjectSettings, readKubernetesObjects } from "./kubernetesObjectSettings";
import { GRAFANA_INI_CONFIG_KEYS, GrafanaIniSettings, readGrafanaIni } from "./grafanaIniSettings";
import { inLauncherWords } from "../shared/launcher";
import { KUBERNETES_MODES, OPERATOR_ALERTING, OPERATOR_API_VERSIONS, SERVICE_TYPES, TARGETS } from "./configKeys";
import type {
    ConfigKeySpec,
    GrafanaServiceType,
    KubernetesMode,
    OperatorAlerting,
    OperatorApiVersion,
    RawConfigSource,
    Target,
} from "./configKeys";
import type { ConfigProblem } from "../shared/problems";
import { pulumiSdk as sdk } from "../shared/pulumiSdk";

export * from "./configKeys";
export type { ConfigProblem } from "../shared/problems";

/**
 * Every key of the public contract. Pulumi.yaml declares exactly these (a test keeps them
 * in step). Optional secrets are declared as plain strings with an empty default: the
 * engine rejects a `secret: true` key whose default is not encrypted (pulumi/pulumi sdk/go/common/workspace).
 */
export const CONFIG_KEYS: readonly ConfigKeySpec[] = [
    {
        name: "target",
        type: "string",
        default: "docker",
        description:
            "Where to run Grafana and the renderer: docker (local Docker engine), kubernetes, or existing (a Grafana that already runs: nothing is deployed).",
    },
    {
        name: "kubernetesMode",
        type: "string",
        default: "",
        description:
            "With target kubernetes: sidecar, operator, separate (empty means separate) or renderer (only the renderer, for a Grafana from elsewhere). Must stay empty with target docker.",
    },
    { name: "namespace", type: "string", default: "grafana", description: "Kubernetes namespace the program creates and deploys into." },
    {
        name: "operatorApiVersion",
        type: "string",
        default: "v1beta1",
        description: "kubernetesMode operator: v1beta1 (grafana-operator v5) or v1alpha1 (grafana-operator v4, integreatly.org).",
    },
    {
        name: "grafanaImage",
        type: "string",
        default: DEFAULT_GRAFANA_IMAGE,
        description: `Grafana image with a pinned version tag; at least ${MIN_GRAFANA}, ${RECOMMENDED_GRAFANA}+ recommended.`,
    },
    {
        name: "rendererImage",
        type: "string",
        default: DEFAULT_RENDERER_IMAGE,
        description: "Grafana Image Renderer image with a pinned version tag; v5 recommended, v3/v4 supported.",
    },
    {
        name: "grafanaPort",
        type: "integer",
        default: 3000,
        description: "Port Grafana is published on: the host port (docker) or the Service port (kubernetes).",
    },
    {
        name: "grafanaUrl",
        type: "string",
        default: "",
        description:
            "URL Pulumi uses to reach Grafana's API (provider and verifier). Docker default http://localhost:<grafanaPort>; kubernetes: derived from a LoadBalancer, otherwise set it.",
    },
    {
        name: "grafanaRootUrl",
        type: "string",
        default: "",
        description:
            "Public address people open Grafana at: Grafana's root_url, used in the links of Slack alerts. Docker default: grafanaUrl; kubernetes: unset (Grafana's own default) unless you set it.",
    },
    { name: "grafanaAdminUser", type: "string", default: "admin", description: "Grafana admin user name." },
    {
        name: "grafanaAdminPassword",
        type: "string",
        default: "",
        secret: true,
        description: "Grafana admin password (secret). Generated and kept in state when unset.",
    },
    {
        name: "rendererToken",
        type: "string",
        default: "",
        secret: true,
        description: "Shared token between Grafana and the renderer (secret). Generated and kept in state when unset.",
    },
    {
        name: "ignoreHttpsErrors",
        type: "boolean",
        default: false,
        description:
            "Let the renderer's browser accept certificates from a private CA (v5: BROWSER_FLAG=--ignore-certificate-errors; v3/v4: IGNORE_HTTPS_ERRORS=true). Only with kubernetesMode renderer and an https grafanaCallbackUrl.",
    },
    {
        name: "rendererReplicas",
        type: "integer",
        default: 1,
        description: "Renderer replicas (kubernetes separate mode; the sidecar and docker run exactly one).",
    },
    {
        name: "grafanaServiceType",
        type: "string",
        default: "ClusterIP",
        description: "Kubernetes Service type for Grafana: ClusterIP, NodePort or LoadBalancer.",
    },
    {
        name: "grafanaNodePort",
        type: "integer",
        default: 0,
        description: "With grafanaServiceType NodePort: a fixed node port (30000-32767); 0 lets Kubernetes choose.",
    },
    {
        name: "slackToken",
        type: "string",
        default: "",
        secret: true,
        description: "Slack bot token (xoxb-..., secret). Without it no Slack resource is created.",
    },
    { name: "slackChannel", type: "string", default: "", description: "Slack channel for alerts: a channel ID (C0123ABCD) or #name." },
    {
        name: "slackApiUrl",
        type: "string",
        default: "https://slack.com/api/",
        description: "Slack Web API base URL used by the verifier (change only for a proxy).",
    },
    {
        name: "verify",
        type: "boolean",
        default: true,
        description: "Render a panel through Grafana, post it to Slack and confirm it landed, on every change.",
    },
    { name: "verifyTrigger", type: "string", default: "", description: "Change to any new value to force the verification to run again." },
    {
        name: "verifyAlertTimeout",
        type: "integer",
        default: 300,
        description:
            "Seconds the verification waits for Grafana's own alert of the demo rule, with its screenshot, in the Slack channel (needs channels:history / groups:history); 0 skips that stage.",
    },
    {
        name: "cleanupTestMessage",
        type: "boolean",
        default: false,
        description: "Delete the verification's Slack post when the stack is destroyed.",
    },
    {
        name: "renderYamlTo",
        type: "string",
        default: "",
        description: "Kubernetes only: write manifests to this directory instead of applying them (secrets land there in plain text).",
    },
    // Your own dashboards and alert rules (README "Your own alerts").
    {
        name: "dashboardsDir",
        type: "string",
        default: "",
        description:
            "Folder (relative to the project) of dashboard JSON files, as Grafana's Export > Save to file writes them; each becomes a dashboard in the stack's folder. Every file needs a uid.",
    },
    {
        name: "alertRulesDir",
        type: "string",
        default: "",
        description:
            "Folder (relative to the project) of alert-rule files in Grafana's provisioning format (YAML or JSON, apiVersion: 1, groups:), as the alerting UI's Export writes them; each group becomes a rule group in the stack's folder.",
    },
    {
        name: "requireImages",
        type: "boolean",
        default: true,
        description:
            "Refuse (true) or only warn about (false) a rule from alertRulesDir whose __dashboardUid__/__panelId__ do not name a panel, so its alert would arrive without a picture.",
    },
    {
        name: "slackRoutes",
        type: "string",
        default: "",
        description:
            'JSON list of {"channel", "matchers"} routing rules from alertRulesDir to more Slack channels by label (e.g. [{"channel":"#db-alerts","matchers":["team=db"]}]); one contact point per channel; unmatched rules go to slackChannel.',
    },
    ...KUBERNETES_CONFIG_KEYS,
    // Grafana beyond one replica, and what production clusters need on the objects (docs/kubernetes.md).
    ...GRAFANA_SCALE_CONFIG_KEYS,
    ...KUBERNETES_OBJECT_CONFIG_KEYS,
    ...GRAFANA_INI_CONFIG_KEYS,
    // kubernetesMode operator: who creates Grafana's objects (docs/kubernetes.md "Alerting through the operator").
    {
        name: "operatorAlerting",
        type: "string",
        default: "auto",
        description:
            "kubernetesMode operator: crs (the data source, folder, dashboards, rule groups and Slack contact points as grafana-operator v5 custom resources, applied by the operator inside the cluster, so no grafanaUrl is needed), api (through Grafana's API from this machine: needs a reachable grafanaUrl), or auto (crs while Grafana's API is not reachable from here, else api). Pin crs or api once deployed; switching takes two steps.",
    },
    // Bring your own Grafana (target existing), the demo alert and leftovers of a lost state.
    {
        name: "grafanaApiToken",
        type: "string",
        default: "",
        secret: true,
        description:
            "With target existing: a Grafana service account token (glsa_..., Admin role, secret), sent as a Bearer token. Without it grafanaAdminUser/grafanaAdminPassword are used.",
    },
    {
        name: "demoAlert",
        type: "boolean",
        default: true,
        description: "Create the demo dashboard and its always-firing alert rule. Set false once the path to Slack is proven.",
    },
    {
        name: "verifyRule",
        type: "string",
        default: "",
        description: "UID of an alert rule of yours whose alerts the proof checks instead of the demo rule (for demoAlert false).",
    },
    {
        name: "replaceLeftovers",
        type: "boolean",
        default: false,
        description:
            "Let this stack replace objects with its own fixed UIDs that a lost Pulumi state left in Grafana (they are deleted and created again).",
    },
];

/** Validated settings. Secrets are Outputs marked secret; they never become plain strings here. */
export interface StackSettings extends KubernetesSettings, GrafanaScaleSettings, KubernetesObjectSettings, GrafanaIniSettings {
    project: string;
    stack: string;
    target: Target;
    /** Set only for target kubernetes. */
    kubernetesMode?: KubernetesMode;
    namespace: string;
    operatorApiVersion: OperatorApiVersion;
    grafanaImage: ImageRef;
    rendererImage: ImageRef;
    /** Renderer major version from its tag: decides the variable names it reads. */
    rendererMajor: number;
    grafanaPort: number;
    /** Explicit grafanaUrl, or the Docker default; undefined when it must be derived (kubernetes). */
    grafanaUrl?: string;
    /**
     * Grafana's public root_url (links in Slack). Kept apart from grafanaUrl on Kubernetes:
     * setting grafanaUrl to a port-forward must not change (and restart) the workloads.
     */
    grafanaRootUrl?: string;
    grafanaAdminUser: string;
    /** Configured password (secret) or undefined: then one is generated. */
    grafanaAdminPassword?: pulumi.Output<string>;
    /** Configured renderer token (secret) or undefined: then one is generated. */
    rendererToken?: pulumi.Output<string>;
    ignoreHttpsErrors: boolean;
    rendererReplicas: number;
    grafanaServiceType: GrafanaServiceType;
    /** Fixed node port, or undefined to let Kubernetes choose. */
    grafanaNodePort?: number;
    /** Present only when both token and channel are set. */
    slack?: { token: pulumi.Output<string>; channel: string };
    slackApiUrl: string;
    verify: boolean;
    verifyTrigger: string;
    /** Seconds to wait for Grafana's own alert in Slack (alert-path stage); 0 skips it. */
    verifyAlertTimeout: number;
    cleanupTestMessage: boolean;
    renderYamlTo?: string;
    /** Dashboards, rule groups and routes from dashboardsDir / alertRulesDir / slackRoutes; undefined when none is set. */
    provisioning?: ProvisioningPlan;
    /** target existing: service account token (secret), sent as Bearer; else the admin user/password are used. */
    grafanaApiToken?: pulumi.Output<string>;
    /** Create the demo dashboard and rule. */
    demoAlert: boolean;
    /** UID of the user's rule the alert-path proof checks (demoAlert false). */
    verifyRule?: string;
    /** Replace this stack's own leftover objects found in Grafana instead of failing. */
    replaceLeftovers: boolean;
    /** kubernetesMode operator: who creates Grafana's objects (auto resolves in kubernetes/grafanaAccess.ts). */
    operatorAlerting: OperatorAlerting;
    /** Non-fatal findings, logged as warnings. */
    warnings: string[];
}

/**
 * The settings as readSettings() returns them, by target: what a target always has is typed
 * so. Docker publishes Grafana at a URL known before deploy (grafanaUrl, default
 * http://localhost:<grafanaPort>); an existing Grafana is reached at grafanaUrl with a token
 * or the admin password; Kubernetes always has a mode (it derives Grafana's URL later).
 */
export type TargetSettings = DockerStackSettings | KubernetesStackSettings | ExistingStackSettings;
export type DockerStackSettings = StackSettings & { target: "docker"; grafanaUrl: string };
export type KubernetesStackSettings = StackSettings & { target: "kubernetes"; kubernetesMode: KubernetesMode };
export type ExistingStackSettings = StackSettings & { target: "existing"; grafanaUrl: string } & (
        { grafanaApiToken: pulumi.Output<string> } | { grafanaApiToken?: undefined; grafanaAdminPassword: pulumi.Output<string> }
    );
/** A stack whose Grafana and renderer this program deploys. */
export type DeployedStackSettings = DockerStackSettings | KubernetesStackSettings;

/** Problems as they may be shown: values quoted as typed, never their credentials, tokens or megabytes (redaction.ts). */
export function safeProblems(problems: ConfigProblem[]): ConfigProblem[] {
    return problems.map((p) => ({ key: p.key, given: clip(safeMessage(p.given), 1000), allowed: p.allowed, fix: safeMessage(p.fix) }));
}

/**
 * Raised when config is invalid; lists every problem. Marked as a Pulumi RunError (the
 * SDK's `__pulumiRunError` marker, which RunError.isInstance reads) so Pulumi's runner
 * prints it without a stack trace, without loading the SDK to extend its class.
 */
export class ConfigValidationError extends Error {
    readonly __pulumiRunError = true;
    readonly problems: ConfigProblem[];
    constructor(problems: ConfigProblem[]) {
        const safe = safeProblems(problems);
        super(formatProblems(safe));
        this.problems = safe;
        this.name = "ConfigValidationError";
        // Pulumi's runner inspects every uncaught error (a trace span event), a RunError too;
        // formatting its frames through ts-node's source maps took 25-50 s of a bad-config `up`.
        this.stack = `${this.name}: ${this.message}`;
    }
}

/**
 * One problem as printed under "- ": the key, what was given and what is allowed, then the fix
 * on an indented second line, in the words of the user's launcher (`npm run up`'s preflight
 * prints the same).
 */
export function formatProblem(p: ConfigProblem, env: NodeJS.ProcessEnv = process.env): string {
    return `${p.key}: got ${p.given}; allowed: ${p.allowed}.\n      fix: ${inLauncherWords(p.fix, env)}`;
}

export function formatProblems(problems: ConfigProblem[], env: NodeJS.ProcessEnv = process.env): string {
    const head = `Stack configuration has ${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing was created.`;
    return [head, ...problems.map((p) => `  - ${formatProblem(p, env)}`)].join("\n");
}

export function stackConfigSource(project = sdk().getProject()): RawConfigSource {
    const pulumi = sdk();
    const prefix = `${project}:`;
    const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
    return {
        get: (key) => pulumi.runtime.getConfig(prefix + key),
        isSecret: (key) => (isConfigSecret ? isConfigSecret(prefix + key) : true),
        keys: () =>
            Object.keys(pulumi.runtime.allConfig())
                .filter((k) => k.startsWith(prefix))
                .map((k) => k.slice(prefix.length)),
    };
}

/** First renderer with the auth token Grafana sends (CVE-2022-31176). */
const MIN_RENDERER = "3.6.1";
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Reads and validates the whole configuration. Throws ConfigValidationError with every
 * problem found; returns settings only when there is none.
 */
export function readSettings(
    source: RawConfigSource = stackConfigSource(),
    project = sdk().getProject(),
    stack = sdk().getStack(),
    projectDir = process.cwd(),
): TargetSettings {
    const read = readAll(source, stack, projectDir);
    const { r, placement, images, grafana, renderer, slack, existing, provisioning } = read;
    if (r.problems.length > 0) throw new ConfigValidationError(r.problems);

    const pulumi = sdk();
    const secret = (v: string | undefined) => (v === undefined ? undefined : pulumi.secret(v));
    return byTarget({
        project,
        stack,
        ...placement,
        ...images,
        grafanaPort: grafana.grafanaPort,
        grafanaUrl: grafana.grafanaUrl,
        grafanaRootUrl: grafana.grafanaRootUrl,
        grafanaAdminUser: grafana.grafanaAdminUser,
        grafanaAdminPassword: secret(grafana.password),
        rendererToken: secret(grafana.rendererToken),
        ...renderer,
        slack: slack.token === undefined ? undefined : { token: pulumi.secret(slack.token), channel: slack.channel },
        slackApiUrl: slack.apiUrl,
        ...read.verification,
        grafanaApiToken: secret(existing.apiToken),
        demoAlert: existing.demoAlert,
        verifyRule: existing.verifyRule,
        replaceLeftovers: existing.replaceLeftovers,
        operatorAlerting: read.operatorAlerting,
        provisioning: provisioning.plan,
        warnings: r.warnings.map(safeMessage),
        ...read.kubernetesSettings,
        ...read.production,
    });
}

/**
 * Every problem and warning of a stack's configuration, without building settings or
 * loading the Pulumi SDK: `npm run up`'s preflight (scripts/preflight.js) runs it on the
 * stack files, so config problems show even before a Pulumi CLI is installed.
 */
export function configProblems(
    source: RawConfigSource,
    stack: string,
    projectDir: string,
): { problems: ConfigProblem[]; warnings: string[] } {
    const { r } = readAll(source, stack, projectDir);
    return { problems: safeProblems(r.problems), warnings: r.warnings.map(safeMessage) };
}

/**
 * Every key, read and checked. One function per concern, all recording into the same
 * reader, so problems of every concern are reported together.
 */
function readAll(source: RawConfigSource, stack: string, projectDir: string) {
    const r = new ConfigReader(source, CONFIG_KEYS);
    r.rejectUnknownKeys();

    const placement = readPlacement(r);
    const { target, kubernetesMode } = placement;
    const images = readImages(r, target);
    const grafana = readGrafana(r, target, stack);
    const renderer = readRendererPlacement(r, target, kubernetesMode);
    const slack = readSlack(r, target, images.grafanaImage);
    const verification = readVerification(r);

    // Your own dashboards and alert rules: every file problem joins the list.
    const provisioning = loadProvisioning({
        stack,
        dashboardsDir: r.raw("dashboardsDir").trim() || undefined,
        alertRulesDir: r.raw("alertRulesDir").trim() || undefined,
        requireImages: r.boolean("requireImages"),
        slackRoutes: r.raw("slackRoutes"),
        slackOn: slack.token !== undefined,
        projectDir,
        demoAlert: r.raw("demoAlert").trim().toLowerCase() !== "false",
    });
    r.problems.push(...provisioning.problems);
    r.warnings.push(...provisioning.warnings);

    const kubernetesSettings = readKubernetesSettings(r, {
        target,
        kubernetesMode,
        ignoreHttpsErrors: renderer.ignoreHttpsErrors,
        rendererReplicas: renderer.rendererReplicas,
    });
    const production = {
        ...readGrafanaScale(r, { target, kubernetesMode, operatorApiVersion: placement.operatorApiVersion }),
        ...readKubernetesObjects(r, { ...placement, grafanaServiceType: renderer.grafanaServiceType }),
        ...readGrafanaIni(r, { target, kubernetesMode }),
    };
    const existing = readExistingGrafana(r, target, grafana);
    const operatorAlerting = readOperatorAlerting(r, placement);
    return {
        r,
        placement,
        images,
        grafana,
        renderer,
        slack,
        verification,
        provisioning,
        kubernetesSettings,
        production,
        existing,
        operatorAlerting,
    };
}

/** The settings in their target's shape; every check above has already required what each target needs. */
function byTarget(s: StackSettings): TargetSettings {
    if (s.target === "kubernetes") {
        if (!s.kubernetesMode) throw new Error("target kubernetes without a kubernetesMode (readSettings defaults it)");
        return { ...s, target: s.target, kubernetesMode: s.kubernetesMode };
    }
    if (!s.grafanaUrl) throw new Error(`target ${s.target} without grafanaUrl (readSettings defaults or requires it)`);
    if (s.target === "docker") return { ...s, target: s.target, grafanaUrl: s.grafanaUrl };
    if (s.grafanaApiToken) return { ...s, target: s.target, grafanaUrl: s.grafanaUrl, grafanaApiToken: s.grafanaApiToken };
    if (!s.grafanaAdminPassword)
        throw new Error("target existing without grafanaApiToken or grafanaAdminPassword (readSettings requires one)");
    return { ...s, target: s.target, grafanaUrl: s.grafanaUrl, grafanaApiToken: undefined, grafanaAdminPassword: s.grafanaAdminPassword };
}

/** target, kubernetesMode, namespace, operatorApiVersion, renderYamlTo. */
function readPlacement(r: ConfigReader) {
    const target = r.oneOf("target", TARGETS, "docker") ?? "docker";
    const k8s = target === "kubernetes";

    let kubernetesMode: KubernetesMode | undefined;
    const modeRaw = r.raw("kubernetesMode");
    if (!k8s) {
        if (modeRaw !== "") {
            r.problem(
                "kubernetesMode",
                `${quote(modeRaw)} with target ${quote(r.raw("target"))}`,
                "kubernetesMode only with target kubernetes",
                `pulumi config rm kubernetesMode   (or: pulumi config set target kubernetes)`,
            );
        }
    } else if (modeRaw === "") {
        kubernetesMode = "separate";
    } else {
        kubernetesMode = r.oneOf("kubernetesMode", KUBERNETES_MODES, "separate");
    }

    const namespace = r.raw("namespace");
    if (!DNS_LABEL.test(namespace) || namespace.length > 63) {
        r.problem(
            "namespace",
            quote(namespace),
            "a Kubernetes name: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters",
            set("namespace", "grafana"),
        );
    }
    const operatorApiVersion = r.oneOf("operatorApiVersion", OPERATOR_API_VERSIONS, "v1beta1") ?? "v1beta1";
    if (r.isSet("operatorApiVersion") && kubernetesMode !== "operator") {
        const context = k8s ? `kubernetesMode ${quote(kubernetesMode ?? modeRaw)}` : `target ${quote(r.raw("target"))}`;
        r.problem(
            "operatorApiVersion",
            `${quote(r.raw("operatorApiVersion"))} with ${context}`,
            "operatorApiVersion only with kubernetesMode operator",
            "pulumi config rm operatorApiVersion   (or: pulumi config set kubernetesMode operator)",
        );
    }

    const renderYamlTo = r.raw("renderYamlTo").trim() || undefined;
    if (renderYamlTo && !k8s) {
        r.problem(
            "renderYamlTo",
            `${quote(renderYamlTo)} with target ${target}`,
            "renderYamlTo only with target kubernetes",
            "pulumi config rm renderYamlTo",
        );
    }
    return { target, kubernetesMode, namespace, operatorApiVersion, renderYamlTo };
}

/** grafanaImage and rendererImage: pinned, and new enough for what this program relies on. */
function readImages(r: ConfigReader, target: Target) {
    const grafanaImage = r.image("grafanaImage", DEFAULT_GRAFANA_IMAGE);
    const rendererImage = r.image("rendererImage", DEFAULT_RENDERER_IMAGE);
    if (grafanaImage.version) {
        const v = grafanaImage.version;
        const tooOld = grafanaVersionProblem(v);
        if (tooOld) {
            r.problem(
                "grafanaImage",
                `${quote(grafanaImage.ref)} (Grafana ${v.version})`,
                tooOld,
                set("grafanaImage", DEFAULT_GRAFANA_IMAGE),
            );
        } else if (olderThan(v, RECOMMENDED_GRAFANA)) {
            r.warnings.push(
                `grafanaImage ${grafanaImage.ref}: Grafana ${RECOMMENDED_GRAFANA} or newer is recommended (11.5.2 still fails Slack image uploads to a #name recipient, grafana issue #100283).`,
            );
        }
    }
    if (target === "docker" && /distroless/.test(grafanaImage.tag ?? "")) {
        r.problem(
            "grafanaImage",
            `${quote(grafanaImage.ref)} with target docker`,
            "an image with a shell for Docker's healthcheck (the default Alpine tag or -ubuntu); distroless tags work on Kubernetes, whose probes need no shell",
            set("grafanaImage", DEFAULT_GRAFANA_IMAGE),
        );
    }
    const rendererMajor = rendererImage.version?.major ?? 5;
    if (rendererImage.version && olderThan(rendererImage.version, MIN_RENDERER)) {
        r.problem(
            "rendererImage",
            `${quote(rendererImage.ref)} (renderer ${rendererImage.version.version})`,
            "renderer 3.6.1 or newer (the first with the shared auth token Grafana requires)",
            set("rendererImage", DEFAULT_RENDERER_IMAGE),
        );
    }
    return { grafanaImage, rendererImage, rendererMajor };
}

/**
 * Names only the containers of a Docker stack resolve (docker/placement.ts's network aliases,
 * dockerGrafanaWithRenderer.ts's container names): not where this machine reaches Grafana.
 */
function dockerNetworkNames(stack: string): string[] {
    return ["grafana", "renderer", `grafana-${stack}`, `grafana-image-renderer-${stack}`];
}

/** How Grafana is reached and logged in to, and the renderer token it shares. */
function readGrafana(r: ConfigReader, target: Target, stack: string) {
    const grafanaPort = r.integer("grafanaPort", 1, 65535, 3000);
    let explicitUrl = r.url("grafanaUrl", `http://localhost:${grafanaPort}`);
    if (target === "docker" && explicitUrl && dockerNetworkNames(stack).includes(new URL(explicitUrl).hostname)) {
        r.problem(
            "grafanaUrl",
            `${quote(explicitUrl)} with target docker`,
            `where this machine reaches Grafana's API: Docker publishes Grafana on 127.0.0.1:${grafanaPort}; ` +
                `${new URL(explicitUrl).hostname} is a name on the stack's own Docker network, which only its containers resolve ` +
                `(unset, grafanaUrl is http://localhost:${grafanaPort})`,
            "pulumi config rm grafanaUrl",
        );
        explicitUrl = undefined;
    }
    // Docker publishes Grafana on localhost; Kubernetes may derive it; an existing Grafana must say.
    const grafanaUrl = explicitUrl ?? (target === "docker" ? `http://localhost:${grafanaPort}` : undefined);
    const grafanaRootUrl = r.url("grafanaRootUrl", "https://grafana.example.com") ?? (target === "docker" ? grafanaUrl : undefined);

    const grafanaAdminUser = r.raw("grafanaAdminUser");
    if (grafanaAdminUser === "" || grafanaAdminUser.includes(":") || /\s/.test(grafanaAdminUser)) {
        r.problem(
            "grafanaAdminUser",
            quote(grafanaAdminUser),
            "a non-empty name without ':' or spaces (it is sent as HTTP basic auth)",
            set("grafanaAdminUser", "admin"),
        );
    }
    const password = r.secret("grafanaAdminPassword", "<password>", (password) => {
        if (password.length >= 8) return;
        r.problem(
            "grafanaAdminPassword",
            "a secret shorter than 8 characters",
            "at least 8 characters, or unset to generate one",
            `${setSecret("grafanaAdminPassword", "<longer password>")}   (or: pulumi config rm grafanaAdminPassword)`,
        );
    });
    const rendererToken = r.secret("rendererToken", "<token>", (rendererToken) => {
        if (rendererToken.length >= 16 && !/[\s,]/.test(rendererToken)) return;
        r.problem(
            "rendererToken",
            /[\s,]/.test(rendererToken) ? "a secret containing spaces or commas" : "a secret shorter than 16 characters",
            "at least 16 characters without spaces or commas (the renderer splits its token list on them), or unset to generate one",
            `${setSecret("rendererToken", "<token>")}   (or: pulumi config rm rendererToken)`,
        );
    });
    return { grafanaPort, explicitUrl, grafanaUrl, grafanaRootUrl, grafanaAdminUser, password, rendererToken };
}

/** Renderer replicas and certificate handling, Grafana's Service type and node port. */
function readRendererPlacement(r: ConfigReader, target: Target, kubernetesMode: KubernetesMode | undefined) {
    const ignoreHttpsErrors = r.boolean("ignoreHttpsErrors");
    const rendererReplicas = r.integer("rendererReplicas", 1, 100, 1);
    if (rendererReplicas > 1) {
        if (target === "docker") {
            r.problem(
                "rendererReplicas",
                `${rendererReplicas} with target docker`,
                "1 with target docker (one renderer container)",
                set("rendererReplicas", "1"),
            );
        } else if (kubernetesMode === "sidecar") {
            r.problem(
                "rendererReplicas",
                `${rendererReplicas} with kubernetesMode sidecar`,
                "1 in sidecar mode (the renderer lives in Grafana's single pod); use kubernetesMode separate to scale the renderer",
                `${set("rendererReplicas", "1")}   (or: pulumi config set kubernetesMode separate)`,
            );
        } else if (kubernetesMode === "operator") {
            r.problem(
                "rendererReplicas",
                `${rendererReplicas} with kubernetesMode operator`,
                "1 in operator mode (the renderer is a container in the operator's Grafana pod); use kubernetesMode separate to scale the renderer",
                `${set("rendererReplicas", "1")}   (or: pulumi config set kubernetesMode separate)`,
            );
        }
    }

    const grafanaServiceType = r.oneOf("grafanaServiceType", SERVICE_TYPES, "LoadBalancer") ?? "ClusterIP";
    if (target !== "kubernetes" && r.isSet("grafanaServiceType")) {
        r.problem(
            "grafanaServiceType",
            `${quote(r.raw("grafanaServiceType"))} with target ${target}`,
            "grafanaServiceType only with target kubernetes",
            "pulumi config rm grafanaServiceType",
        );
    }
    let grafanaNodePort: number | undefined = r.integer("grafanaNodePort", 0, 32767, 30300);
    if (grafanaNodePort === 0) {
        grafanaNodePort = undefined;
    } else if (grafanaNodePort < 30000) {
        r.problem("grafanaNodePort", String(grafanaNodePort), "0 or a node port from 30000 to 32767", set("grafanaNodePort", "30300"));
    } else if (grafanaServiceType !== "NodePort") {
        r.problem(
            "grafanaNodePort",
            `${grafanaNodePort} with grafanaServiceType ${grafanaServiceType}`,
            "a node port only with grafanaServiceType NodePort",
            `pulumi config set grafanaServiceType NodePort   (or: pulumi config rm grafanaNodePort)`,
        );
    }
    return { ignoreHttpsErrors, rendererReplicas, grafanaServiceType, grafanaNodePort };
}

/** The bot token, the channel (and whether this Grafana can upload to it), the API URL. */
function readSlack(r: ConfigReader, target: Target, grafanaImage: ImageRef) {
    const token = r.secret("slackToken", "xoxb-...", (token) => {
        const bad = slackTokenProblem(token);
        if (!bad) return;
        const fix = setSecret("slackToken", "xoxb-...");
        r.problem(
            "slackToken",
            bad.given,
            bad.allowed,
            bad.webhook ? `${fix}   (create the bot from slack-app-manifest.yaml; see README "Create the Slack app")` : fix,
        );
    });
    const channel = r.raw("slackChannel").trim();
    if (token !== undefined) {
        if (channel === "") {
            r.problem(
                "slackChannel",
                "nothing while slackToken is set",
                "a channel ID (C0123ABCD) or #name",
                set("slackChannel", "C0123ABCD"),
            );
        }
    } else if (channel !== "") {
        r.problem(
            "slackToken",
            `nothing while slackChannel is ${quote(channel)}`,
            "a bot token (xoxb-...) whenever slackChannel is set",
            `${setSecret("slackToken", "xoxb-...")}   (or: pulumi config rm slackChannel)`,
        );
    }
    const notAChannel = notAChannelReason(channel);
    if (notAChannel) {
        r.problem(
            "slackChannel",
            quote(channel),
            notAChannel,
            `${set("slackChannel", "C0123ABCD")}   (the ID of a channel: its details > About)`,
        );
    } else if (channel !== "" && !isChannelId(channel) && !(channel.startsWith("#") && isChannelName(channel))) {
        const hint = /^[a-z0-9]/.test(channel) ? `#${channel}` : "C0123ABCD";
        r.problem("slackChannel", quote(channel), `${CHANNEL_FORMAT}; an ID is recommended`, set("slackChannel", `'${hint}'`));
    }
    // (An existing Grafana's version is read from it by the preflight, not from grafanaImage.)
    const nameUploadProblem =
        target !== "existing" && channel.startsWith("#") && grafanaImage.version && !grafanaVersionProblem(grafanaImage.version)
            ? channelNameUploadProblem(grafanaImage.version)
            : undefined;
    if (nameUploadProblem) {
        r.problem(
            "slackChannel",
            `${quote(channel)} with grafanaImage ${quote(grafanaImage.ref)}`,
            `a channel ID (C0123ABCD) with this Grafana: ${nameUploadProblem}`,
            `${set("slackChannel", "C0123ABCD")}   (or: ${set("grafanaImage", DEFAULT_GRAFANA_IMAGE)})`,
        );
    }
    const apiUrl = r.url("slackApiUrl", "https://slack.com/api/") ?? "https://slack.com/api";
    return { token, channel, apiUrl: apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/` };
}

/** The verification: whether it runs, how long it waits for the alert, cleanup. */
function readVerification(r: ConfigReader) {
    return {
        verify: r.boolean("verify"),
        verifyTrigger: r.raw("verifyTrigger"),
        verifyAlertTimeout: r.integer("verifyAlertTimeout", 0, 3600, 300),
        cleanupTestMessage: r.boolean("cleanupTestMessage"),
    };
}

/** target existing (URL and token), the demo alert, the rule to verify, leftovers. */
function readExistingGrafana(r: ConfigReader, target: Target, grafana: ReturnType<typeof readGrafana>) {
    const existing = target === "existing";
    const apiToken = r.secret("grafanaApiToken", "glsa_...", (apiToken) => {
        if (!existing || (!apiToken.includes(":") && !/\s/.test(apiToken))) return;
        r.problem(
            "grafanaApiToken",
            "a value with ':' or spaces in it",
            "a service account token (glsa_...); a user:password goes in grafanaAdminUser and grafanaAdminPassword",
            `pulumi config rm grafanaApiToken && ${setSecret("grafanaApiToken", "glsa_...")}`,
        );
    });
    if (apiToken !== undefined && !existing) {
        r.problem(
            "grafanaApiToken",
            `a token with target ${quote(target)}`,
            "grafanaApiToken only with target existing (a Grafana this program deploys is reached with its admin password)",
            "pulumi config rm grafanaApiToken   (or: pulumi config set target existing)",
        );
    }
    if (existing) {
        if (grafana.explicitUrl === undefined && r.raw("grafanaUrl").trim() === "") {
            r.problem(
                "grafanaUrl",
                "nothing with target existing",
                "the URL of your Grafana's API as this machine reaches it, e.g. https://grafana.example.com",
                set("grafanaUrl", "https://grafana.example.com"),
            );
        }
        if (apiToken === undefined && grafana.password === undefined) {
            r.problem(
                "grafanaApiToken",
                "nothing (and no grafanaAdminPassword) with target existing",
                "a Grafana service account token with the Admin role (recommended), or the password of grafanaAdminUser",
                `${setSecret("grafanaApiToken", "glsa_...")}   (or: ${setSecret("grafanaAdminPassword", "<password>")})`,
            );
        }
        // Keys that configure what this program deploys: with target existing nothing is deployed.
        for (const key of [
            "grafanaImage",
            "rendererImage",
            "grafanaPort",
            "grafanaRootUrl",
            "rendererToken",
            "rendererReplicas",
            "namespace",
            "ignoreHttpsErrors",
            "grafanaNodePort",
        ]) {
            if (r.isSet(key)) {
                r.problem(
                    key,
                    `${r.specOf(key).secret ? "a value" : quote(r.raw(key))} with target existing`,
                    `${key} only with target docker or kubernetes: with target existing nothing is deployed (your Grafana's own settings apply)`,
                    `pulumi config rm ${key}`,
                );
            }
        }
    }
    const demoAlert = r.boolean("demoAlert");
    const verifyRule = r.raw("verifyRule").trim() || undefined;
    if (verifyRule !== undefined && !/^[A-Za-z0-9_-]{1,40}$/.test(verifyRule)) {
        r.problem(
            "verifyRule",
            quote(verifyRule),
            "an alert rule UID: up to 40 letters, digits, '-' or '_' (Alerting > Alert rules > the rule > Details > Rule UID)",
            set("verifyRule", "<rule UID>"),
        );
    }
    return { apiToken, demoAlert, verifyRule, replaceLeftovers: r.boolean("replaceLeftovers") };
}

/** operatorAlerting: only in operator mode, and crs only where the operator has alerting CRs (v5). */
function readOperatorAlerting(r: ConfigReader, placement: ReturnType<typeof readPlacement>): OperatorAlerting {
    const value = r.oneOf("operatorAlerting", OPERATOR_ALERTING, "crs") ?? "auto";
    if (r.isSet("operatorAlerting") && placement.kubernetesMode !== "operator") {
        const context =
            placement.target === "kubernetes"
                ? `kubernetesMode ${quote(placement.kubernetesMode ?? "")}`
                : `target ${quote(placement.target)}`;
        r.problem(
            "operatorAlerting",
            `${quote(r.raw("operatorAlerting"))} with ${context}`,
            "operatorAlerting only with kubernetesMode operator (it picks how the grafana-operator's Grafana gets its alerting objects)",
            "pulumi config rm operatorAlerting   (or: pulumi config set kubernetesMode operator)",
        );
    } else if (value === "crs" && placement.kubernetesMode === "operator" && placement.operatorApiVersion === "v1alpha1") {
        r.problem(
            "operatorAlerting",
            `${quote("crs")} with operatorApiVersion ${quote("v1alpha1")}`,
            "crs only with operatorApiVersion v1beta1 (grafana-operator v5): the v4 operator (v1alpha1) has no alerting custom resources; with v1alpha1 use api and a reachable grafanaUrl",
            "pulumi config set operatorAlerting api   (or: pulumi config set operatorApiVersion v1beta1, with grafana-operator v5 installed)",
        );
    }
    return value;
}
