// The Grafana objects more than one mode creates: its data claim, the NetworkPolicy in front
// of its pod, and its own Deployment (sidecar, separate).
import * as k8s from "./k8s";
import { AWAIT_TIMEOUTS, type ModeContext, podMetadata, podPlacementSpec, pullSecretsSpec, spreadOverNodes } from "./modeContext";
import { COMMON_LABELS, DEPLOYMENT_NAMES, GRAFANA_DATA_CLAIM, GRAFANA_SELECTOR, labels, versionLabel } from "./objectNames";
import { GRAFANA_DATA_VOLUME, grafanaContainer, grafanaDataVolume, podSecurityContext } from "./podSpecs";
import { GOSSIP_CONTAINER_PORTS, gossipIngressRule, grafanaHa, haEnv } from "./grafanaHa";
import { grafanaIniSecretEnv } from "./credentials";
import { monitoringPeer } from "./monitoring";
import type { Container, Volume } from "./podSpecs";

/** Grafana's database (sidecar, separate): alert rules and contact points must survive a pod restart. */
export function grafanaDataClaim(ctx: ModeContext): k8s.core.v1.PersistentVolumeClaim {
    return new k8s.core.v1.PersistentVolumeClaim(
        `${ctx.name}-grafana-data`,
        {
            metadata: { name: GRAFANA_DATA_CLAIM, namespace: ctx.namespace, labels: { ...COMMON_LABELS, ...ctx.instanceLabels } },
            spec: {
                accessModes: ["ReadWriteOnce"],
                resources: { requests: { storage: ctx.settings.grafanaStorageSize } },
                ...(ctx.settings.storageClass ? { storageClassName: ctx.settings.storageClass } : {}),
            },
        },
        { ...ctx.opts, customTimeouts: AWAIT_TIMEOUTS },
    );
}

/**
 * When the renderer shares Grafana's pod (sidecar, operator), it still listens on the pod
 * IP. This policy admits traffic to Grafana's port only, so nothing else in the cluster
 * reaches the renderer; Grafana talks to it over localhost, which no policy filters. With
 * several Grafanas (separate and operator mode) it also lets them gossip with each other:
 * a policy that selects a pod admits only what some policy allows.
 */
export function grafanaIngressPolicy(
    ctx: ModeContext,
    podSelector: Record<string, string>,
    opts: { sharedRenderer: boolean },
): k8s.networking.v1.NetworkPolicy {
    const scrapeRenderer = opts.sharedRenderer && ctx.settings.monitoringNamespace;
    return new k8s.networking.v1.NetworkPolicy(
        `${ctx.name}-grafana-ingress`,
        {
            metadata: { name: "grafana-ingress", namespace: ctx.namespace, labels: labels({}, "grafana", ctx.instanceLabels) },
            spec: {
                podSelector: { matchLabels: podSelector },
                policyTypes: ["Ingress"],
                ingress: [
                    { ports: [{ protocol: "TCP", port: ctx.wiring.grafana.containerPort }] },
                    // With monitoring, Prometheus may also scrape the renderer's /metrics.
                    ...(scrapeRenderer
                        ? [
                              {
                                  from: [monitoringPeer(scrapeRenderer)],
                                  ports: [{ protocol: "TCP", port: ctx.wiring.renderer.containerPort }],
                              },
                          ]
                        : []),
                    ...(grafanaHa(ctx.settings) ? [gossipIngressRule(podSelector)] : []),
                ],
            },
        },
        ctx.opts,
    );
}

/**
 * Grafana's own Deployment (sidecar, separate). On SQLite: one replica with its database on
 * the ReadWriteOnce claim, replaced rather than rolled so the claim is never held twice. On
 * an external database (grafanaDatabaseUrl): no claim (an emptyDir for plugins and the
 * like), rolled one pod at a time, grafanaReplicas of them; with several, the alerting HA
 * cluster (grafanaHa.ts). `extra` adds the renderer when it shares the pod.
 */
export function buildGrafanaDeployment(
    ctx: ModeContext,
    extra: { containers?: Container[]; volumes?: Volume[] } = {},
): k8s.apps.v1.Deployment {
    const { settings, wiring } = ctx;
    const external = settings.grafanaDatabaseType !== undefined;
    const ha = grafanaHa(settings);
    const dataVolume: Volume = external
        ? { name: GRAFANA_DATA_VOLUME, emptyDir: {} }
        : grafanaDataVolume(grafanaDataClaim(ctx).metadata.name);
    const podLabels = labels(GRAFANA_SELECTOR, "grafana", { ...ctx.instanceLabels, ...versionLabel(settings.grafanaImage.tag) });
    const container = grafanaContainer(wiring.grafana, settings.grafanaImage.ref, ctx.secretName, {
        existing: settings.existingSecrets,
        env: [...grafanaIniSecretEnv(settings, ctx.secretName), ...(ha ? haEnv(settings.namespace) : [])],
        ...(ha ? { ports: GOSSIP_CONTAINER_PORTS } : {}),
    });
    return new k8s.apps.v1.Deployment(
        `${ctx.name}-grafana`,
        {
            metadata: { name: DEPLOYMENT_NAMES.grafana, namespace: ctx.namespace, labels: podLabels },
            spec: {
                replicas: settings.grafanaReplicas,
                strategy: external ? { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } : { type: "Recreate" },
                selector: { matchLabels: { ...GRAFANA_SELECTOR } },
                template: {
                    metadata: podMetadata(settings, podLabels),
                    spec: {
                        automountServiceAccountToken: false,
                        enableServiceLinks: false,
                        ...podPlacementSpec(settings.podPlacement),
                        ...pullSecretsSpec(settings),
                        securityContext: podSecurityContext(wiring.grafana.runAsUser),
                        containers: [container, ...(extra.containers ?? [])],
                        volumes: [dataVolume, ...(extra.volumes ?? [])],
                        ...(ha ? { topologySpreadConstraints: spreadOverNodes(GRAFANA_SELECTOR) } : {}),
                    },
                },
            },
        },
        { ...ctx.opts, customTimeouts: AWAIT_TIMEOUTS },
    );
}
