// Grafana's Service and Ingress, as the modes that deploy Grafana expose it: the Service on
// grafanaPort (the callback host in separate mode, the API endpoint for Pulumi otherwise),
// with the user's annotations (an internal load balancer, say) and load-balancer source
// ranges, and the Ingress on ingressHost with its annotations (cert-manager, the controller's
// own), as the Helm chart offers them (charts/grafana service.yaml, ingress.yaml).
import * as k8s from "./k8s";
import { AWAIT_TIMEOUTS, type ModeContext } from "./modeContext";
import { SERVICE_NAMES, labels } from "./objectNames";

export function grafanaService(ctx: ModeContext, podSelector: Record<string, string>): k8s.core.v1.Service {
    const { settings, wiring } = ctx;
    const nodePort = settings.grafanaServiceType === "NodePort" ? settings.grafanaNodePort : undefined;
    return new k8s.core.v1.Service(
        `${ctx.name}-grafana-service`,
        {
            metadata: {
                name: SERVICE_NAMES.grafana,
                namespace: ctx.namespace,
                labels: labels({}, "grafana", ctx.instanceLabels),
                ...(settings.grafanaServiceAnnotations ? { annotations: { ...settings.grafanaServiceAnnotations } } : {}),
            },
            spec: {
                type: settings.grafanaServiceType,
                selector: podSelector,
                ports: [
                    {
                        name: "http",
                        protocol: "TCP",
                        port: settings.grafanaPort,
                        targetPort: wiring.grafana.containerPort,
                        ...(nodePort !== undefined ? { nodePort } : {}),
                    },
                ],
                ...(settings.grafanaLoadBalancerSourceRanges
                    ? { loadBalancerSourceRanges: [...settings.grafanaLoadBalancerSourceRanges] }
                    : {}),
            },
        },
        { ...ctx.opts, customTimeouts: AWAIT_TIMEOUTS },
    );
}

/**
 * Pulumi finishes an Ingress only once the controller has given it an address, so the host
 * URL is used only when something answers for it.
 */
export function grafanaIngress(ctx: ModeContext, service: k8s.core.v1.Service): k8s.networking.v1.Ingress | undefined {
    const { settings } = ctx;
    const ingress = settings.ingress;
    if (!ingress) return undefined;
    return new k8s.networking.v1.Ingress(
        `${ctx.name}-grafana-ingress`,
        {
            metadata: {
                name: SERVICE_NAMES.grafana,
                namespace: ctx.namespace,
                labels: labels({}, "grafana", ctx.instanceLabels),
                ...(settings.ingressAnnotations ? { annotations: { ...settings.ingressAnnotations } } : {}),
            },
            spec: {
                ...(ingress.className ? { ingressClassName: ingress.className } : {}),
                ...(ingress.tlsSecret ? { tls: [{ hosts: [ingress.host], secretName: ingress.tlsSecret }] } : {}),
                rules: [
                    {
                        host: ingress.host,
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
        { ...ctx.opts, customTimeouts: AWAIT_TIMEOUTS, dependsOn: [service] },
    );
}
