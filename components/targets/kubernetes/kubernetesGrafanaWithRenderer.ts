// Kubernetes target: Grafana and the renderer in one of three layouts (kubernetesMode),
// all wired by components/wiring/wiring.ts, or the renderer alone for a Grafana from elsewhere
// (renderer mode). Common to every mode: the Namespace and one Secret with the renderer
// token (plus the admin credentials when Grafana is ours), read through secretKeyRef. The
// Grafana modes add the Grafana Service on grafanaPort. Each mode only translates the
// wiring into its own objects (sidecarMode.ts, separateMode.ts, operatorMode.ts, rendererMode.ts).
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "./k8s";
import type { GrafanaDeployment } from "../grafanaDeployment";
import type { SecretName, Wiring } from "../../wiring/wiring";
import { GrafanaAccess, LoadBalancerStatus, decideGrafanaAccess, loadBalancerUrl } from "./grafanaAccess";
import { ModeContext, ModeResult, contextLabels, type KubernetesTargetSettings } from "./modeContext";

export type { KubernetesTargetSettings } from "./modeContext";
import { COMMON_LABELS } from "./objectNames";
import { credentialsSecret } from "./credentials";
import { grafanaIngress, grafanaService } from "./grafanaExposure";
import { deployOperator } from "./operatorMode";
import { deployRendererOnly } from "./rendererMode";
import { grafanaServiceMonitor, sharedPodRendererMonitor } from "./monitoring";
import { deploySeparate } from "./separateMode";
import { deploySidecar } from "./sidecarMode";

export interface KubernetesGrafanaWithRendererArgs {
    /** Validated settings; `target` must be kubernetes (kubernetesMode picks the layout). */
    settings: KubernetesTargetSettings;
    /** The wiring decided in components/wiring/wiring.ts for this mode's placement. */
    wiring: Wiring;
    /** The secret behind a wiring reference (renderer token, admin password), as a secret Output. */
    secret: (name: SecretName) => pulumi.Output<string>;
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
    /** The Namespace, unless createNamespace is false (then the namespace existed before). */
    readonly namespace?: k8s.core.v1.Namespace;
    /** The namespace's name, once it exists. */
    readonly namespaceName: pulumi.Output<string>;
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
        this.namespace = namespaceObject(name, settings, instanceLabels, childOpts);
        const namespace = this.namespace ? this.namespace.metadata.name : pulumi.output(settings.namespace);
        this.namespaceName = namespace;
        this.credentials = credentialsSecret(name, { settings, wiring, secret, rendererOnly, namespace, instanceLabels, opts: childOpts });

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
            const renderer = deployRendererOnly(ctx, settings.existingSecrets.rendererToken ? undefined : secret("rendererToken"));
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

        this.grafanaService = grafanaService(ctx, result.grafanaPodSelector);
        this.ready = [...result.ready, this.grafanaService];
        this.ingress = grafanaIngress(ctx, this.grafanaService);
        if (this.ingress) this.ready.push(this.ingress);
        if (settings.monitoringNamespace) {
            grafanaServiceMonitor(ctx, {
                "app.kubernetes.io/part-of": COMMON_LABELS["app.kubernetes.io/part-of"],
                "app.kubernetes.io/component": "grafana",
                ...instanceLabels,
            });
            if (mode !== "separate") sharedPodRendererMonitor(ctx, result.grafanaPodSelector);
        }

        if (this.access.kind === "unreachable") this.unreachableHint = this.access.hint;
        // The URL resolves only once every workload is ready, and carries them as dependencies:
        // whatever is built from it (the Grafana provider) waits for a healthy Grafana.
        const url = apiUrl(this.access, this.grafanaService, settings.namespace);
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

/** Grafana's API URL as the access decision gives it: as configured, the Ingress's, or the load balancer's address. */
function apiUrl(access: GrafanaAccess, service: k8s.core.v1.Service, namespace: string): pulumi.Output<string> | undefined {
    if (access.kind === "explicit" || access.kind === "ingress") return pulumi.output(access.url);
    if (access.kind === "loadBalancer")
        return loadBalancerUrl(service.status as pulumi.Output<LoadBalancerStatus | undefined>, access.port, namespace);
    return undefined;
}

/** The Namespace, unless createNamespace is false: then it exists already (another release's, or the one holding the user's Secrets). */
function namespaceObject(
    name: string,
    settings: KubernetesTargetSettings,
    instanceLabels: Record<string, string>,
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Namespace | undefined {
    if (!settings.createNamespace) return undefined;
    return new k8s.core.v1.Namespace(
        `${name}-namespace`,
        { metadata: { name: settings.namespace, labels: { ...COMMON_LABELS, ...instanceLabels } } },
        opts,
    );
}
