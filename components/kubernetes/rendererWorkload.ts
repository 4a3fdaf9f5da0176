// The renderer on its own: Deployment, Service, the NetworkPolicy that admits only Grafana,
// and a PodDisruptionBudget with several replicas. Separate mode puts it beside the Grafana
// it deploys; renderer mode deploys it alone for a Grafana from elsewhere.
import * as k8s from "@pulumi/kubernetes";
import { DEPLOYMENT_NAMES, RENDERER_SELECTOR, SERVICE_NAMES, labels } from "./objectNames";
import { AWAIT_TIMEOUTS, ModeContext } from "./modeCommon";
import { podSecurityContext, rendererContainer, rendererVolumes } from "./podSpecs";

/** Who may call the renderer: Grafana's pods, in the renderer's namespace or another one. */
export interface RendererClients {
    podSelector: Record<string, string>;
    /** Their namespace when it is not the renderer's. */
    namespace?: string;
}

export interface RendererWorkload {
    deployment: k8s.apps.v1.Deployment;
    service: k8s.core.v1.Service;
}

export function rendererWorkload(ctx: ModeContext, clients: RendererClients): RendererWorkload {
    const { settings, wiring } = ctx;
    const rendererLabels = labels(RENDERER_SELECTOR, "renderer");
    const replicas = settings.rendererReplicas;

    const deployment = new k8s.apps.v1.Deployment(`${ctx.name}-renderer`, {
        metadata: { name: DEPLOYMENT_NAMES.renderer, namespace: ctx.namespace, labels: rendererLabels },
        spec: {
            replicas,
            selector: { matchLabels: { ...RENDERER_SELECTOR } },
            template: {
                metadata: { labels: rendererLabels },
                spec: {
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    securityContext: podSecurityContext(wiring.renderer.runAsUser),
                    containers: [rendererContainer(wiring.renderer, settings.rendererImage.ref, ctx.secretName)],
                    volumes: rendererVolumes(),
                    // Spread replicas over nodes when there are several, without blocking scheduling on small clusters.
                    topologySpreadConstraints: replicas > 1 ? [{
                        maxSkew: 1,
                        topologyKey: "kubernetes.io/hostname",
                        whenUnsatisfiable: "ScheduleAnyway",
                        labelSelector: { matchLabels: { ...RENDERER_SELECTOR } },
                    }] : undefined,
                },
            },
        },
    }, { ...ctx.opts, customTimeouts: AWAIT_TIMEOUTS });

    // The renderer's Service: its DNS name is the host in the wiring's renderingServerUrl.
    const service = new k8s.core.v1.Service(`${ctx.name}-renderer-service`, {
        metadata: { name: SERVICE_NAMES.renderer, namespace: ctx.namespace, labels: rendererLabels },
        spec: {
            type: "ClusterIP",
            selector: { ...RENDERER_SELECTOR },
            ports: [{ name: "http", protocol: "TCP", port: wiring.renderer.containerPort, targetPort: wiring.renderer.containerPort }],
        },
    }, { ...ctx.opts, customTimeouts: AWAIT_TIMEOUTS });

    // Only Grafana's pods may call the renderer (the token is the second lock). A peer with
    // both selectors matches pods with those labels in that namespace only; every namespace
    // carries the label kubernetes.io/metadata.name (set by the API server since 1.21).
    const peer = clients.namespace
        ? { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": clients.namespace } }, podSelector: { matchLabels: { ...clients.podSelector } } }
        : { podSelector: { matchLabels: { ...clients.podSelector } } };
    new k8s.networking.v1.NetworkPolicy(`${ctx.name}-renderer-ingress`, {
        metadata: { name: "grafana-image-renderer-ingress", namespace: ctx.namespace, labels: rendererLabels },
        spec: {
            podSelector: { matchLabels: { ...RENDERER_SELECTOR } },
            policyTypes: ["Ingress"],
            ingress: [{ from: [peer], ports: [{ protocol: "TCP", port: wiring.renderer.containerPort }] }],
        },
    }, ctx.opts);

    if (replicas > 1) {
        new k8s.policy.v1.PodDisruptionBudget(`${ctx.name}-renderer-pdb`, {
            metadata: { name: DEPLOYMENT_NAMES.renderer, namespace: ctx.namespace, labels: rendererLabels },
            spec: { maxUnavailable: 1, selector: { matchLabels: { ...RENDERER_SELECTOR } } },
        }, ctx.opts);
    }
    return { deployment, service };
}
