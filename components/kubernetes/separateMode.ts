// Separate mode: Grafana and the renderer in their own Deployments, each behind a Service,
// addressing each other by cluster DNS (the wiring's placement uses SERVICE_NAMES). The
// renderer scales to rendererReplicas, with a PodDisruptionBudget when there is more than
// one, and a NetworkPolicy lets only Grafana's pods reach it.
import * as k8s from "@pulumi/kubernetes";
import { DEPLOYMENT_NAMES, GRAFANA_SELECTOR, RENDERER_SELECTOR, SERVICE_NAMES, labels } from "./objectNames";
import { AWAIT_TIMEOUTS, ModeContext, ModeResult, grafanaDeployment } from "./modeCommon";
import { podSecurityContext, rendererContainer, rendererVolumes } from "./podSpecs";

export function deploySeparate(ctx: ModeContext): ModeResult {
    const { settings, wiring } = ctx;
    const rendererLabels = labels(RENDERER_SELECTOR, "renderer");
    const replicas = settings.rendererReplicas;

    const renderer = new k8s.apps.v1.Deployment(`${ctx.name}-renderer`, {
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
    const rendererService = new k8s.core.v1.Service(`${ctx.name}-renderer-service`, {
        metadata: { name: SERVICE_NAMES.renderer, namespace: ctx.namespace, labels: rendererLabels },
        spec: {
            type: "ClusterIP",
            selector: { ...RENDERER_SELECTOR },
            ports: [{ name: "http", protocol: "TCP", port: wiring.renderer.containerPort, targetPort: wiring.renderer.containerPort }],
        },
    }, { ...ctx.opts, customTimeouts: AWAIT_TIMEOUTS });

    // Only Grafana's pods may call the renderer (the token is the second lock).
    new k8s.networking.v1.NetworkPolicy(`${ctx.name}-renderer-ingress`, {
        metadata: { name: "grafana-image-renderer-ingress", namespace: ctx.namespace, labels: rendererLabels },
        spec: {
            podSelector: { matchLabels: { ...RENDERER_SELECTOR } },
            policyTypes: ["Ingress"],
            ingress: [{
                from: [{ podSelector: { matchLabels: { ...GRAFANA_SELECTOR } } }],
                ports: [{ protocol: "TCP", port: wiring.renderer.containerPort }],
            }],
        },
    }, ctx.opts);

    if (replicas > 1) {
        new k8s.policy.v1.PodDisruptionBudget(`${ctx.name}-renderer-pdb`, {
            metadata: { name: DEPLOYMENT_NAMES.renderer, namespace: ctx.namespace, labels: rendererLabels },
            spec: { maxUnavailable: 1, selector: { matchLabels: { ...RENDERER_SELECTOR } } },
        }, ctx.opts);
    }

    const grafana = grafanaDeployment(ctx);

    return { grafanaPodSelector: { ...GRAFANA_SELECTOR }, ready: [grafana, renderer, rendererService] };
}
