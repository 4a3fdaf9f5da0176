// The renderer on its own: Deployment, Service, the NetworkPolicy that admits only Grafana,
// and a PodDisruptionBudget with several replicas. Separate mode puts it beside the Grafana
// it deploys; renderer mode deploys it alone for a Grafana from elsewhere.
import * as k8s from "./k8s";
import { DEPLOYMENT_NAMES, RENDERER_SELECTOR, SERVICE_NAMES, labels, versionLabel } from "./objectNames";
import { AWAIT_TIMEOUTS, ModeContext, podPlacementSpec } from "./modeContext";
import { monitoringPeer, rendererServiceMonitor } from "./monitoring";
import { podSecurityContext, rendererContainer, rendererVolumes } from "./podSpecs";

/** Who may call the renderer: Grafana's pods, in the renderer's namespace or another one. */
export interface RendererClients {
    podSelector: Record<string, string>;
    /** Their namespace when it is not the renderer's. */
    namespace?: string;
    /** Grafana's container port, when known (renderer mode only knows Grafana's Service port). */
    port?: number;
}

/** CoreDNS / kube-dns pods: `k8s-app: kube-dns` in kube-system on kubeadm, GKE, EKS, AKS, kind, k3s. */
export const CLUSTER_DNS_PEER = {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
    podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
} as const;

/** CPU utilisation (of the request) the autoscaler keeps the renderers at. */
export const RENDERER_TARGET_CPU_PERCENT = 70;

export interface RendererWorkload {
    deployment: k8s.apps.v1.Deployment;
    service: k8s.core.v1.Service;
}

export function rendererWorkload(ctx: ModeContext, clients: RendererClients): RendererWorkload {
    const { settings, wiring } = ctx;
    const rendererLabels = labels(RENDERER_SELECTOR, "renderer", ctx.instanceLabels);
    const workloadLabels = { ...rendererLabels, ...versionLabel(settings.rendererImage.tag) };
    const replicas = settings.rendererReplicas;
    // With an autoscaler the Deployment leaves replicas to it: a value here would undo its
    // scaling on every `pulumi up`.
    const autoscaled = settings.rendererMaxReplicas !== undefined;
    const mayRunSeveral = replicas > 1 || autoscaled;

    const deployment = new k8s.apps.v1.Deployment(
        `${ctx.name}-renderer`,
        {
            metadata: { name: DEPLOYMENT_NAMES.renderer, namespace: ctx.namespace, labels: workloadLabels },
            spec: {
                ...(autoscaled ? {} : { replicas }),
                selector: { matchLabels: { ...RENDERER_SELECTOR } },
                template: {
                    metadata: { labels: workloadLabels },
                    spec: {
                        automountServiceAccountToken: false,
                        enableServiceLinks: false,
                        ...podPlacementSpec(settings.podPlacement),
                        securityContext: podSecurityContext(wiring.renderer.runAsUser),
                        containers: [rendererContainer(wiring.renderer, settings.rendererImage.ref, ctx.secretName)],
                        volumes: rendererVolumes(),
                        // Spread replicas over nodes when there are several, without blocking scheduling on small clusters.
                        topologySpreadConstraints: mayRunSeveral
                            ? [
                                  {
                                      maxSkew: 1,
                                      topologyKey: "kubernetes.io/hostname",
                                      whenUnsatisfiable: "ScheduleAnyway",
                                      labelSelector: { matchLabels: { ...RENDERER_SELECTOR } },
                                  },
                              ]
                            : undefined,
                    },
                },
            },
        },
        { ...ctx.opts, customTimeouts: AWAIT_TIMEOUTS },
    );

    // The renderer's Service: its DNS name is the host in the wiring's renderingServerUrl.
    const service = new k8s.core.v1.Service(
        `${ctx.name}-renderer-service`,
        {
            metadata: { name: SERVICE_NAMES.renderer, namespace: ctx.namespace, labels: rendererLabels },
            spec: {
                type: "ClusterIP",
                selector: { ...RENDERER_SELECTOR },
                ports: [{ name: "http", protocol: "TCP", port: wiring.renderer.containerPort, targetPort: wiring.renderer.containerPort }],
            },
        },
        { ...ctx.opts, customTimeouts: AWAIT_TIMEOUTS },
    );

    // Only Grafana's pods may call the renderer (the token is the second lock). A peer with
    // both selectors matches pods with those labels in that namespace only; every namespace
    // carries the label kubernetes.io/metadata.name (set by the API server since 1.21).
    const peer = clients.namespace
        ? {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": clients.namespace } },
              podSelector: { matchLabels: { ...clients.podSelector } },
          }
        : { podSelector: { matchLabels: { ...clients.podSelector } } };
    const rendererPort = [{ protocol: "TCP", port: wiring.renderer.containerPort }];
    new k8s.networking.v1.NetworkPolicy(
        `${ctx.name}-renderer-ingress`,
        {
            metadata: { name: "grafana-image-renderer-ingress", namespace: ctx.namespace, labels: rendererLabels },
            spec: {
                podSelector: { matchLabels: { ...RENDERER_SELECTOR } },
                policyTypes: ["Ingress"],
                ingress: [
                    { from: [peer], ports: rendererPort },
                    // Prometheus scrapes /metrics on the same port.
                    ...(settings.monitoringNamespace
                        ? [{ from: [monitoringPeer(settings.monitoringNamespace)], ports: rendererPort }]
                        : []),
                ],
            },
        },
        ctx.opts,
    );

    if (settings.rendererEgress === "restricted") {
        // The browser may load Grafana and resolve names, nothing else: a render request
        // cannot point it at cloud metadata, internal services or the internet.
        new k8s.networking.v1.NetworkPolicy(
            `${ctx.name}-renderer-egress`,
            {
                metadata: { name: "grafana-image-renderer-egress", namespace: ctx.namespace, labels: rendererLabels },
                spec: {
                    podSelector: { matchLabels: { ...RENDERER_SELECTOR } },
                    policyTypes: ["Egress"],
                    egress: [
                        { to: [peer], ...(clients.port ? { ports: [{ protocol: "TCP", port: clients.port }] } : {}) },
                        {
                            to: [CLUSTER_DNS_PEER],
                            ports: [
                                { protocol: "UDP", port: 53 },
                                { protocol: "TCP", port: 53 },
                            ],
                        },
                    ],
                },
            },
            ctx.opts,
        );
    }

    if (mayRunSeveral) {
        // maxUnavailable 1: a drain never takes every renderer at once, and never blocks on a
        // single one (the autoscaler may be down to its minimum of 1).
        new k8s.policy.v1.PodDisruptionBudget(
            `${ctx.name}-renderer-pdb`,
            {
                metadata: { name: DEPLOYMENT_NAMES.renderer, namespace: ctx.namespace, labels: rendererLabels },
                spec: { maxUnavailable: 1, selector: { matchLabels: { ...RENDERER_SELECTOR } } },
            },
            ctx.opts,
        );
    }
    if (autoscaled) {
        new k8s.autoscaling.v2.HorizontalPodAutoscaler(
            `${ctx.name}-renderer-hpa`,
            {
                metadata: { name: DEPLOYMENT_NAMES.renderer, namespace: ctx.namespace, labels: rendererLabels },
                spec: {
                    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: DEPLOYMENT_NAMES.renderer },
                    minReplicas: replicas,
                    maxReplicas: settings.rendererMaxReplicas!,
                    metrics: [
                        {
                            type: "Resource",
                            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: RENDERER_TARGET_CPU_PERCENT } },
                        },
                    ],
                },
            },
            { ...ctx.opts, dependsOn: [deployment] },
        );
    }
    if (settings.monitoringNamespace) rendererServiceMonitor(ctx);
    return { deployment, service };
}
