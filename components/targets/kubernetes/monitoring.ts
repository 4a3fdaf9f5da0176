// Metrics for prometheus-operator (monitoring: true): ServiceMonitors for Grafana's and the
// renderer's Services, or a PodMonitor when the renderer is a container in Grafana's pod
// and has no Service of its own. Both serve /metrics without auth: renderer v5 always
// (renderer docs/sources/flags.md), v3/v4 with ENABLE_METRICS=true (the wiring sets it), Grafana by default
// ([metrics] enabled = true). Prometheus must select these objects: kube-prometheus-stack,
// for one, picks only those labelled `release: <its release>` unless told otherwise, so
// monitoringLabels adds labels to each, and monitoringInterval sets how often it scrapes.
import * as k8s from "./k8s";
import type { ModeContext } from "./modeContext";
import { DEPLOYMENT_NAMES, RENDERER_SELECTOR, SERVICE_NAMES, labels } from "./objectNames";
import { SHARED_POD_RENDERER_PORT } from "./podSpecs";

const API = "monitoring.coreos.com/v1";

/** Path, interval and scheme of every endpoint. */
function scrape(ctx: ModeContext) {
    return { path: "/metrics", interval: ctx.settings.monitoringInterval, scheme: "http" } as const;
}

/** A monitor's labels: ours, then the user's (monitoringLabels) for the Prometheus that selects them. */
function monitorLabels(ctx: ModeContext, component: string): Record<string, string> {
    return { ...ctx.settings.monitoringLabels, ...labels({}, component, ctx.instanceLabels) };
}

/** The peer a NetworkPolicy admits for Prometheus: every pod of the monitoring namespace. */
export function monitoringPeer(namespace: string) {
    return { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } };
}

/** A ServiceMonitor scraping port `http` of the Services with these labels. */
export function serviceMonitor(
    ctx: ModeContext,
    name: string,
    component: string,
    serviceLabels: Record<string, string>,
): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(
        `${ctx.name}-${component}-servicemonitor`,
        {
            apiVersion: API,
            kind: "ServiceMonitor",
            metadata: { name, namespace: ctx.namespace, labels: monitorLabels(ctx, component) },
            spec: {
                selector: { matchLabels: { ...serviceLabels } },
                endpoints: [{ port: "http", ...scrape(ctx) }],
            },
        },
        ctx.opts,
    );
}

/** Grafana's Service (every mode with a Grafana). */
export function grafanaServiceMonitor(ctx: ModeContext, serviceLabels: Record<string, string>) {
    return serviceMonitor(ctx, SERVICE_NAMES.grafana, "grafana", serviceLabels);
}

/** The renderer's own Service (separate and renderer modes). */
export function rendererServiceMonitor(ctx: ModeContext) {
    return serviceMonitor(ctx, SERVICE_NAMES.renderer, "renderer", { ...RENDERER_SELECTOR });
}

/**
 * The renderer inside Grafana's pod (sidecar, operator): no Service of its own, so a
 * PodMonitor on its container port, by the name only it carries there (`portNumber` needs
 * prometheus-operator v0.79 or newer; a port name works with every version).
 */
export function sharedPodRendererMonitor(ctx: ModeContext, podSelector: Record<string, string>) {
    return new k8s.apiextensions.CustomResource(
        `${ctx.name}-renderer-podmonitor`,
        {
            apiVersion: API,
            kind: "PodMonitor",
            metadata: { name: DEPLOYMENT_NAMES.renderer, namespace: ctx.namespace, labels: monitorLabels(ctx, "renderer") },
            spec: {
                selector: { matchLabels: { ...podSelector } },
                podMetricsEndpoints: [{ port: SHARED_POD_RENDERER_PORT, ...scrape(ctx) }],
            },
        },
        ctx.opts,
    );
}
