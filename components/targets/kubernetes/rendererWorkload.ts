// The renderer on its own: Deployment, Service, the NetworkPolicy that admits only Grafana,
// and a PodDisruptionBudget with several replicas. Separate mode puts it beside the Grafana
// it deploys; renderer mode deploys it alone for a Grafana from elsewhere.
import * as k8s from "./k8s";
import { DEPLOYMENT_NAMES, RENDERER_SELECTOR, SERVICE_NAMES, labels, versionLabel } from "./objectNames";
import { AWAIT_TIMEOUTS, ModeContext, podMetadata, podPlacementSpec, pullSecretsSpec, spreadOverNodes } from "./modeContext";
import { monitoringPeer, rendererServiceMonitor } from "./monitoring";
import { RENDERER_GRACE_SECONDS, RENDER_TIMEOUT_SECONDS, podSecurityContext, rendererContainer, rendererVolumes } from "./podSpecs";
import { cpuMillis } from "../../shared/quantity";

/** Who may call the renderer: Grafana's pods, in the renderer's namespace or another one. */
export interface RendererClients {
    podSelector: Record<string, string>;
    /** Their namespace when it is not the renderer's. */
    namespace?: string;
    /** Grafana's container port, when known (renderer mode only knows Grafana's Service port). */
    port?: number;
}

/**
 * DNS, to any address: cluster DNS is not always `k8s-app: kube-dns` pods in kube-system.
 * node-local-dns answers on a link-local address (169.254.20.10) from the node's network,
 * and OpenShift's DNS pods (openshift-dns) listen on 5353 behind the Service's 53 (policies
 * see the pod's port). The Helm chart's renderer egress policy allows port 53 to anywhere
 * too (charts/grafana image-renderer-network-policy.yaml). A browser gains little from
 * reaching port 53 or 5353 of other hosts.
 */
export const DNS_EGRESS_PORTS = [53, 5353].flatMap((port) => [
    { protocol: "UDP", port },
    { protocol: "TCP", port },
]);

/**
 * CPU the autoscaler keeps the renderers at, as a share of the CPU limit (`rendererCpu`'s
 * second half). Against the request (250m) one busy browser reads as 400% and the
 * autoscaler jumps to its maximum at once; against the limit it grows with real load.
 */
export const RENDERER_TARGET_CPU_PERCENT = 70;

/**
 * How fast the autoscaler moves. Up: a burst shorter than one render timeout adds no pod,
 * then at most one pod a minute. Down: five quiet minutes, then one pod every two minutes,
 * each leaving after its renders finished (the preStop pause, podSpecs.ts).
 */
export const RENDERER_HPA_BEHAVIOR = {
    scaleUp: {
        stabilizationWindowSeconds: RENDER_TIMEOUT_SECONDS,
        selectPolicy: "Max",
        policies: [{ type: "Pods", value: 1, periodSeconds: 60 }],
    },
    scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: "Max", policies: [{ type: "Pods", value: 1, periodSeconds: 120 }] },
};

/** The autoscaler's per-pod CPU target in millicores, from the renderer's CPU limit. */
export function rendererTargetCpu(limit: string): string {
    const millis = cpuMillis(limit);
    if (millis === undefined) throw new Error(`renderer CPU limit ${JSON.stringify(limit)} is not a CPU quantity`);
    return `${Math.max(1, Math.round((millis * RENDERER_TARGET_CPU_PERCENT) / 100))}m`;
}

export interface RendererWorkload {
    deployment: k8s.apps.v1.Deployment;
    service: k8s.core.v1.Service;
}

export function rendererWorkload(ctx: ModeContext, clients: RendererClients): RendererWorkload {
    const { settings, wiring } = ctx;
    const rendererLabels = labels(RENDERER_SELECTOR, "renderer", ctx.instanceLabels);
    const deployment = rendererDeployment(ctx, rendererLabels);

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
    rendererPolicies(ctx, clients, rendererLabels);
    rendererScaling(ctx, deployment, rendererLabels);
    if (settings.monitoringNamespace) rendererServiceMonitor(ctx);
    return { deployment, service };
}

/** Whether more than one renderer may run (several replicas, or an autoscaler). */
function mayRunSeveral(settings: ModeContext["settings"]): boolean {
    return settings.rendererReplicas > 1 || settings.rendererMaxReplicas !== undefined;
}

function rendererDeployment(ctx: ModeContext, rendererLabels: Record<string, string>): k8s.apps.v1.Deployment {
    const { settings, wiring } = ctx;
    const workloadLabels = { ...rendererLabels, ...versionLabel(settings.rendererImage.tag) };
    // With an autoscaler the Deployment leaves replicas to it: a value here would undo its
    // scaling on every `pulumi up`.
    const autoscaled = settings.rendererMaxReplicas !== undefined;
    return new k8s.apps.v1.Deployment(
        `${ctx.name}-renderer`,
        {
            metadata: { name: DEPLOYMENT_NAMES.renderer, namespace: ctx.namespace, labels: workloadLabels },
            spec: {
                ...(autoscaled ? {} : { replicas: settings.rendererReplicas }),
                selector: { matchLabels: { ...RENDERER_SELECTOR } },
                template: {
                    metadata: podMetadata(settings, workloadLabels),
                    spec: {
                        automountServiceAccountToken: false,
                        enableServiceLinks: false,
                        ...podPlacementSpec(settings.podPlacement),
                        ...pullSecretsSpec(settings),
                        securityContext: podSecurityContext(wiring.renderer.runAsUser),
                        containers: [
                            rendererContainer(wiring.renderer, settings.rendererImage.ref, ctx.secretName, {
                                existing: settings.existingSecrets,
                            }),
                        ],
                        // The preStop pause (the longest render) plus the renderer's own shutdown.
                        terminationGracePeriodSeconds: RENDERER_GRACE_SECONDS,
                        volumes: rendererVolumes(),
                        // Spread replicas over nodes when there are several, without blocking scheduling on small clusters.
                        topologySpreadConstraints: mayRunSeveral(settings) ? spreadOverNodes(RENDERER_SELECTOR) : undefined,
                    },
                },
            },
        },
        { ...ctx.opts, customTimeouts: AWAIT_TIMEOUTS },
    );
}

/** Who may reach the renderer, and (rendererEgress restricted) what it may reach. */
function rendererPolicies(ctx: ModeContext, clients: RendererClients, rendererLabels: Record<string, string>): void {
    const { settings, wiring } = ctx;
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
    if (settings.rendererEgress !== "restricted") return;
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
                    { ports: DNS_EGRESS_PORTS },
                ],
            },
        },
        ctx.opts,
    );
}

/** The PodDisruptionBudget with several renderers, and the autoscaler with rendererMaxReplicas. */
function rendererScaling(ctx: ModeContext, deployment: k8s.apps.v1.Deployment, rendererLabels: Record<string, string>): void {
    const { settings, wiring } = ctx;
    if (mayRunSeveral(settings)) {
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
    if (settings.rendererMaxReplicas === undefined) return;
    new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        `${ctx.name}-renderer-hpa`,
        {
            metadata: { name: DEPLOYMENT_NAMES.renderer, namespace: ctx.namespace, labels: rendererLabels },
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: DEPLOYMENT_NAMES.renderer },
                minReplicas: settings.rendererReplicas,
                maxReplicas: settings.rendererMaxReplicas,
                metrics: [
                    {
                        type: "Resource",
                        resource: {
                            name: "cpu",
                            target: { type: "AverageValue", averageValue: rendererTargetCpu(wiring.renderer.resources.limits.cpu) },
                        },
                    },
                ],
                behavior: RENDERER_HPA_BEHAVIOR,
            },
        },
        { ...ctx.opts, dependsOn: [deployment] },
    );
}
