// Kubernetes target: Grafana and the renderer in one of three layouts (kubernetesMode),
// all wired by components/wiring.ts, or the renderer alone for a Grafana from elsewhere
// (renderer mode). Common to every mode: the Namespace and one Secret with the renderer
// token (plus the admin credentials when Grafana is ours), read through secretKeyRef. The
// Grafana modes add the Grafana Service on grafanaPort. Each mode only translates the
// wiring into its own objects (sidecarMode.ts, separateMode.ts, operatorMode.ts, rendererMode.ts).
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "./k8s";
import type { StackSettings } from "../config";
import type { GrafanaDeployment } from "../grafanaDeployment";
import type { SecretName, Wiring } from "../wiring";
import { GrafanaAccess, LoadBalancerStatus, decideGrafanaAccess, loadBalancerUrl } from "./grafanaAccess";
import { AWAIT_TIMEOUTS, ModeContext, ModeResult, contextLabels } from "./modeContext";
import { ADMIN_USER_KEY, COMMON_LABELS, SECRET_KEYS, SERVICE_NAMES, labels } from "./objectNames";
import { deployOperator } from "./operatorMode";
import { deployRendererOnly } from "./rendererMode";
import { grafanaServiceMonitor, sharedPodRendererMonitor } from "./monitoring";
import { deploySeparate } from "./separateMode";
import { deploySidecar } from "./sidecarMode";

/** The settings the Kubernetes target reads, and no others (a narrow contract, checked by the compiler). */
export type KubernetesTargetSettings = Pick<
    StackSettings,
    | "stack"
    | "target"
    | "kubernetesMode"
    | "namespace"
    | "operatorApiVersion"
    | "grafanaImage"
    | "rendererImage"
    | "grafanaPort"
    | "grafanaUrl"
    | "grafanaAdminUser"
    | "rendererReplicas"
    | "rendererMaxReplicas"
    | "grafanaServiceType"
    | "grafanaNodePort"
    | "renderYamlTo"
    | "ingress"
    | "podPlacement"
    | "storageClass"
    | "grafanaStorageSize"
    | "monitoringNamespace"
    | "grafanaPodSelector"
    | "grafanaNamespace"
    | "rendererEgress"
>;

export interface KubernetesGrafanaWithRendererArgs {
    /** Validated settings; `target` must be kubernetes (kubernetesMode picks the layout). */
    settings: KubernetesTargetSettings;
    /** The wiring decided in components/wiring.ts for this mode's placement. */
    wiring: Wiring;
    /** The secret behind a wiring reference (renderer token, admin password), as a secret Output. */
    secret: (name: SecretName) => pulumi.Output<string>;
}

/** The credentials Secret's keys: the secrets the wiring refers to (and the admin user, for the operator). */
function credentialsData(
    rendererOnly: boolean,
    adminUser: string,
    wiring: Wiring,
    secret: (name: SecretName) => pulumi.Output<string>,
): Record<string, pulumi.Input<string>> {
    // Renderer mode: the token only; no Grafana here, so no admin credentials either.
    if (rendererOnly) return { [SECRET_KEYS.rendererToken]: secret("rendererToken") };
    return {
        [SECRET_KEYS.rendererToken]: secret("rendererToken"),
        [SECRET_KEYS.grafanaAdminPassword]: secret("grafanaAdminPassword"),
        [ADMIN_USER_KEY]: adminUser,
        // Only a stack whose Grafana is new has it (program.ts): existing Secrets stay as they are.
        ...(wiring.grafanaSecretEnv.some((v) => v.secret === "grafanaSecretKey")
            ? { [SECRET_KEYS.grafanaSecretKey]: secret("grafanaSecretKey") }
            : {}),
    };
}

/**
 * Grafana and the Grafana Image Renderer on Kubernetes, in the layout `kubernetesMode` picks:
 * `sidecar` (one pod), `separate` (two Deployments and Services), `operator` (a grafana-operator
 * `Grafana` CR with the renderer as an extra container) or `renderer` (the renderer alone, for a
 * Grafana that runs elsewhere). Every mode translates the same wiring; secrets reach the pods
 * only through `secretKeyRef` to the one Secret this component creates.
 *
 * With `renderYamlTo` the objects are written as manifests instead of applied.
 */
export class KubernetesGrafanaWithRenderer extends pulumi.ComponentResource implements GrafanaDeployment {
    /** How Pulumi reaches Grafana's API (explicit URL, LoadBalancer, or unreachable with a hint). */
    readonly access: GrafanaAccess;
    /** Set only with renderYamlTo: the provider that writes manifests instead of applying them. */
    readonly provider?: k8s.Provider;
    readonly namespace: k8s.core.v1.Namespace;
    readonly credentials: k8s.core.v1.Secret;
    /** Grafana's Ingress, with ingressHost. */
    readonly ingress?: k8s.networking.v1.Ingress;
    /** Grafana's Service; none in renderer mode (Grafana runs elsewhere). */
    readonly grafanaService?: k8s.core.v1.Service;
    readonly grafanaApiUrl?: pulumi.Output<string>;
    readonly renderingServerUrl: string;
    readonly renderingCallbackUrl: string;
    readonly ready: pulumi.Resource[];
    readonly unreachableHint?: string;
    readonly outputs?: Record<string, unknown>;

    constructor(name: string, args: KubernetesGrafanaWithRendererArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grafana-slack-alerts:kubernetes:GrafanaWithRenderer", name, {}, opts);
        const { settings, wiring, secret } = args;
        const mode = settings.kubernetesMode;
        if (settings.target !== "kubernetes" || mode === undefined) {
            throw new Error(`KubernetesGrafanaWithRenderer needs target kubernetes and a kubernetesMode (got target ${settings.target}).`);
        }

        const rendererOnly = mode === "renderer";
        this.access = decideGrafanaAccess(settings);
        if (settings.renderYamlTo) {
            this.provider = new k8s.Provider(`${name}-render-yaml`, { renderYamlToDirectory: settings.renderYamlTo }, { parent: this });
        }
        const childOpts: pulumi.CustomResourceOptions = { parent: this, ...(this.provider ? { provider: this.provider } : {}) };

        const instanceLabels = contextLabels(settings.stack);
        this.namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
                metadata: { name: settings.namespace, labels: { ...COMMON_LABELS, ...instanceLabels } },
            },
            childOpts,
        );
        const namespace = this.namespace.metadata.name;

        // Auto-named and immutable: changing a secret replaces the Secret under a new name,
        // which changes every workload that references it, so Grafana and the renderer roll
        // together and never run with two different tokens.
        this.credentials = new k8s.core.v1.Secret(
            `${name}-credentials`,
            {
                metadata: { namespace, labels: labels({}, "credentials", instanceLabels) },
                type: "Opaque",
                immutable: true,
                stringData: credentialsData(rendererOnly, settings.grafanaAdminUser, wiring, secret),
            },
            childOpts,
        );

        const ctx: ModeContext = {
            name,
            settings,
            wiring,
            namespace,
            secretName: this.credentials.metadata.name,
            opts: childOpts,
            instanceLabels,
        };
        this.renderingServerUrl = wiring.renderingServerUrl;
        this.renderingCallbackUrl = wiring.renderingCallbackUrl;

        if (rendererOnly) {
            const renderer = deployRendererOnly(ctx, secret("rendererToken"));
            this.ready = [renderer.deployment, renderer.service];
            this.unreachableHint = renderer.hint;
            this.access = { kind: "unreachable", hint: renderer.hint };
            this.outputs = renderer.outputs;
            this.registerOutputs({
                namespace,
                renderingServerUrl: this.renderingServerUrl,
                renderingCallbackUrl: this.renderingCallbackUrl,
            });
            return;
        }
        const result: ModeResult =
            mode === "sidecar" ? deploySidecar(ctx) : mode === "separate" ? deploySeparate(ctx) : deployOperator(ctx);

        // Grafana's Service: the callback host in separate mode, the API endpoint for Pulumi otherwise.
        const nodePort = settings.grafanaServiceType === "NodePort" ? settings.grafanaNodePort : undefined;
        this.grafanaService = new k8s.core.v1.Service(
            `${name}-grafana-service`,
            {
                metadata: { name: SERVICE_NAMES.grafana, namespace, labels: labels({}, "grafana", instanceLabels) },
                spec: {
                    type: settings.grafanaServiceType,
                    selector: result.grafanaPodSelector,
                    ports: [
                        {
                            name: "http",
                            protocol: "TCP",
                            port: settings.grafanaPort,
                            targetPort: wiring.grafana.containerPort,
                            ...(nodePort !== undefined ? { nodePort } : {}),
                        },
                    ],
                },
            },
            { ...childOpts, customTimeouts: AWAIT_TIMEOUTS },
        );

        this.ready = [...result.ready, this.grafanaService];
        if (settings.ingress) {
            // Pulumi finishes an Ingress only once the controller has given it an address,
            // so the host URL is used only when something answers for it.
            this.ingress = new k8s.networking.v1.Ingress(
                `${name}-grafana-ingress`,
                {
                    metadata: { name: SERVICE_NAMES.grafana, namespace, labels: labels({}, "grafana", instanceLabels) },
                    spec: {
                        ...(settings.ingress.className ? { ingressClassName: settings.ingress.className } : {}),
                        ...(settings.ingress.tlsSecret
                            ? { tls: [{ hosts: [settings.ingress.host], secretName: settings.ingress.tlsSecret }] }
                            : {}),
                        rules: [
                            {
                                host: settings.ingress.host,
                                http: {
                                    paths: [
                                        {
                                            path: "/",
                                            pathType: "Prefix",
                                            backend: { service: { name: SERVICE_NAMES.grafana, port: { number: settings.grafanaPort } } },
                                        },
                                    ],
                                },
                            },
                        ],
                    },
                },
                { ...childOpts, customTimeouts: AWAIT_TIMEOUTS, dependsOn: [this.grafanaService] },
            );
            this.ready.push(this.ingress);
        }
        if (settings.monitoringNamespace) {
            grafanaServiceMonitor(ctx, {
                "app.kubernetes.io/part-of": COMMON_LABELS["app.kubernetes.io/part-of"],
                "app.kubernetes.io/component": "grafana",
                ...instanceLabels,
            });
            if (mode !== "separate") sharedPodRendererMonitor(ctx, result.grafanaPodSelector);
        }

        let url: pulumi.Output<string> | undefined;
        if (this.access.kind === "explicit") {
            url = pulumi.output(this.access.url);
        } else if (this.access.kind === "ingress") {
            url = pulumi.output(this.access.url);
        } else if (this.access.kind === "loadBalancer") {
            url = loadBalancerUrl(
                this.grafanaService.status as pulumi.Output<LoadBalancerStatus | undefined>,
                this.access.port,
                settings.namespace,
            );
        } else {
            this.unreachableHint = this.access.hint;
        }
        // The URL resolves only once every workload is ready, and carries them as dependencies:
        // whatever is built from it (the Grafana provider) waits for a healthy Grafana.
        this.grafanaApiUrl = url && pulumi.all([url, ...this.ready.map((r) => r.urn)]).apply(([u]) => u);

        this.registerOutputs({
            namespace,
            grafanaApiUrl: this.grafanaApiUrl,
            renderingServerUrl: this.renderingServerUrl,
            renderingCallbackUrl: this.renderingCallbackUrl,
            unreachableHint: this.unreachableHint,
        });
    }
}
