// Several Grafana replicas (grafanaReplicas > 1, always on an external database): unified
// alerting's HA cluster, so the replicas' Alertmanagers gossip which notifications went out
// and Slack gets each alert once. What Grafana's docs ask for on Kubernetes (alerting/set-up/
// configure-high-availability: gossip on 9094 TCP and UDP, the pod IP as the address the
// peers reach), as the Helm chart (grafana-community/helm-charts, formerly grafana/helm-charts,
// charts/grafana: templates/_pod.tpl's POD_IP from status.podIP and gossip-tcp / gossip-udp
// container ports, templates/headless-service.yaml) and grafana-operator v5 (the
// `<name>-alerting` headless Service on 9094, controllers/reconcilers/grafana/
// service_reconciler.go and resources.go; examples/grafana/multiple_replicas) do it.
// The renderer's callback may reach any replica: its render key lives in Grafana's remote
// cache, by default the shared database (grafana pkg/services/rendering/auth.go).
import * as k8s from "./k8s";
import type { ModeContext } from "./modeContext";
import { labels } from "./objectNames";

type EnvVar = k8s.types.input.core.v1.EnvVar;
type ContainerPort = k8s.types.input.core.v1.ContainerPort;

/** Grafana's `[unified_alerting] ha_listen_address` default port. */
export const GOSSIP_PORT = 9094;
/** The peers' headless Service: the name grafana-operator v5 gives its own (`<cr name>-alerting`). */
export const ALERTING_PEERS_SERVICE = "grafana-alerting";

/** Whether this stack runs Grafana's HA cluster. */
export function grafanaHa(settings: { grafanaReplicas: number }): boolean {
    return settings.grafanaReplicas > 1;
}

/** `ha_peers`: the headless Service resolves to every Grafana pod's IP (`<service>.<namespace>`, as placement.ts). */
export function haPeers(namespace: string): string {
    return `${ALERTING_PEERS_SERVICE}.${namespace}:${GOSSIP_PORT}`;
}

/** The pod IP from the downward API; Grafana advertises it to its peers (set before the variables that use it). */
export const POD_IP_ENV: EnvVar = { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } };

/**
 * Grafana's HA settings as variables of our own Deployment (separate mode). `$(POD_IP)` is
 * expanded by the kubelet from the variable before it. Without an advertise address the
 * gossip library picks an address of its own, and refuses to start where pod IPs are not private.
 */
export function haEnv(namespace: string): EnvVar[] {
    return [
        POD_IP_ENV,
        { name: "GF_UNIFIED_ALERTING_HA_PEERS", value: haPeers(namespace) },
        { name: "GF_UNIFIED_ALERTING_HA_ADVERTISE_ADDRESS", value: `$(POD_IP):${GOSSIP_PORT}` },
    ];
}

/**
 * The same as grafana.ini keys, for the operator's `spec.config` (its multiple_replicas example):
 * Grafana expands `${POD_IP}` in ini values from its environment (pkg/setting, evalEnvVarExpression).
 */
export function haIni(namespace: string): Record<string, string> {
    return {
        ha_peers: haPeers(namespace),
        ha_listen_address: `\${POD_IP}:${GOSSIP_PORT}`,
        ha_advertise_address: `\${POD_IP}:${GOSSIP_PORT}`,
    };
}

/** Gossip ports on Grafana's container, named as the Helm chart names them. */
export const GOSSIP_CONTAINER_PORTS: ContainerPort[] = [
    { name: "gossip-tcp", containerPort: GOSSIP_PORT, protocol: "TCP" },
    { name: "gossip-udp", containerPort: GOSSIP_PORT, protocol: "UDP" },
];

/** The NetworkPolicy rule that lets the Grafana pods gossip with each other (TCP and UDP). */
export function gossipIngressRule(podSelector: Record<string, string>) {
    return {
        from: [{ podSelector: { matchLabels: { ...podSelector } } }],
        ports: [
            { protocol: "TCP", port: GOSSIP_PORT },
            { protocol: "UDP", port: GOSSIP_PORT },
        ],
    };
}

/**
 * The peers' headless Service (separate mode; the operator makes its own). It lists pods
 * before they are ready: at a first start no replica is ready yet, and the gossip cluster
 * (prometheus/alertmanager cluster, via grafana/alerting) would only find its peers at its
 * next refresh (every 15 s) instead of at once.
 */
export function alertingPeersService(ctx: ModeContext, podSelector: Record<string, string>): k8s.core.v1.Service {
    return new k8s.core.v1.Service(
        `${ctx.name}-grafana-alerting-service`,
        {
            metadata: { name: ALERTING_PEERS_SERVICE, namespace: ctx.namespace, labels: labels({}, "grafana", ctx.instanceLabels) },
            spec: {
                clusterIP: "None",
                publishNotReadyAddresses: true,
                selector: { ...podSelector },
                ports: [
                    { name: "gossip-tcp", protocol: "TCP", port: GOSSIP_PORT, targetPort: GOSSIP_PORT },
                    { name: "gossip-udp", protocol: "UDP", port: GOSSIP_PORT, targetPort: GOSSIP_PORT },
                ],
            },
        },
        ctx.opts,
    );
}

/** A drain takes one Grafana at a time and never blocks on a single one. */
export function grafanaDisruptionBudget(ctx: ModeContext, podSelector: Record<string, string>): k8s.policy.v1.PodDisruptionBudget {
    return new k8s.policy.v1.PodDisruptionBudget(
        `${ctx.name}-grafana-pdb`,
        {
            metadata: { name: "grafana", namespace: ctx.namespace, labels: labels({}, "grafana", ctx.instanceLabels) },
            spec: { maxUnavailable: 1, selector: { matchLabels: { ...podSelector } } },
        },
        ctx.opts,
    );
}
