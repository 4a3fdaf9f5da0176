// What every mode receives and returns, and the pod-spec pieces more than one workload uses
// (Grafana's own workload is grafanaWorkload.ts).
import type * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../../config/config";
import type { Wiring } from "../../wiring/wiring";
import type { PodPlacement } from "../../config/kubernetesSettings";
import { instanceLabel } from "./objectNames";

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
    | "grafanaReplicas"
    | "grafanaDatabaseType"
    | "createNamespace"
    | "grafanaServiceAnnotations"
    | "grafanaLoadBalancerSourceRanges"
    | "ingressAnnotations"
    | "monitoringLabels"
    | "monitoringInterval"
    | "imagePullSecrets"
    | "podAnnotations"
    | "existingSecrets"
    | "grafanaIniSecretEnv"
>;

export interface ModeContext {
    /** Prefix for Pulumi logical names (the component's name). */
    name: string;
    settings: KubernetesTargetSettings;
    wiring: Wiring;
    /** The namespace the program created (an Output, so everything depends on it). */
    namespace: pulumi.Output<string>;
    /** Name of the credentials Secret (auto-named: it changes, and pods roll, when a secret changes). */
    secretName: pulumi.Output<string>;
    /** Options for every object: parent, and the renderYamlTo provider when set. */
    opts: pulumi.CustomResourceOptions;
    /** Labels every object carries besides the common ones (`app.kubernetes.io/instance`). */
    instanceLabels: Record<string, string>;
}

/** The context's extra labels for a given stack. */
export function contextLabels(stack: string): Record<string, string> {
    return instanceLabel(stack);
}

/** nodeSelector, tolerations, priorityClassName for a pod spec: only the ones configured. */
export function podPlacementSpec(p: PodPlacement): PodPlacement {
    return {
        ...(p.nodeSelector ? { nodeSelector: { ...p.nodeSelector } } : {}),
        ...(p.tolerations ? { tolerations: p.tolerations.map((t) => ({ ...t })) } : {}),
        ...(p.priorityClassName ? { priorityClassName: p.priorityClassName } : {}),
    };
}

/** Spread replicas over nodes, without blocking scheduling on a small cluster. */
export function spreadOverNodes(podSelector: Record<string, string>) {
    return [
        {
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: { ...podSelector } },
        },
    ];
}

/** imagePullSecrets for a pod spec, when configured. */
export function pullSecretsSpec(s: Pick<KubernetesTargetSettings, "imagePullSecrets">): { imagePullSecrets?: { name: string }[] } {
    return s.imagePullSecrets ? { imagePullSecrets: s.imagePullSecrets.map((name) => ({ name })) } : {};
}

/** A pod template's metadata: its labels and, when configured, podAnnotations. */
export function podMetadata(s: Pick<KubernetesTargetSettings, "podAnnotations">, podLabels: Record<string, string>) {
    return { labels: podLabels, ...(s.podAnnotations ? { annotations: { ...s.podAnnotations } } : {}) };
}

export interface ModeResult {
    /** Labels of the pods running Grafana: the Grafana Service selects on them. */
    grafanaPodSelector: Record<string, string>;
    /** Objects that finish only once Grafana and the renderer are healthy. */
    ready: pulumi.Resource[];
}

/**
 * How long Pulumi waits for a workload to become ready before failing the update with the
 * provider's own diagnosis (unschedulable pod, image pull error, failing probe, ...).
 */
export const AWAIT_TIMEOUTS: pulumi.CustomTimeouts = { create: "10m", update: "10m" };
