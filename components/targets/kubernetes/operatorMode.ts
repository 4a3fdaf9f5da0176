// Operator mode: a Grafana custom resource for a grafana-operator that is already installed
// in the cluster. The operator creates Grafana's Deployment; the renderer rides along as a
// second container in that pod, so the wiring is the same as sidecar mode (localhost).
//
//   v1beta1  (operator v5, grafana.integreatly.org): grafana.ini is `spec.config`
//            (section -> key -> string); `spec.deployment` is strategic-merged into the
//            operator's Deployment, containers by name (Grafana's is `grafana`).
//   v1alpha1 (operator v4, integreatly.org, the older blog posts' form): a typed `spec.config` that
//            only knows some keys (unknown ones would be pruned silently, so those go to
//            env), extra containers in `spec.containers`, env in `spec.deployment.env`.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "./k8s";
import type { OperatorApiVersion } from "../../config/config";
import { parseImageRef } from "../../shared/images";
import { Wiring, grafanaEnvName } from "../../wiring/wiring";
import type { PodPlacement } from "../../config/kubernetesSettings";
import { AWAIT_TIMEOUTS, ModeContext, ModeResult, podPlacementSpec, spreadOverNodes } from "./modeContext";
import { grafanaIngressPolicy } from "./grafanaWorkload";
import { COMMON_LABELS, CONTAINER_NAMES, GRAFANA_CR_NAME, GRAFANA_DATA_SIZE, OPERATOR_POD_SELECTOR } from "./objectNames";
import {
    GRAFANA_DATA_VOLUME,
    PROBE_TIMING,
    adminUserFromSecret,
    grafanaSecurityContext,
    httpProbes,
    podSecurityContext,
    rendererContainer,
    rendererVolumes,
    toKubernetesEnv,
    type ExistingSecretRefs,
} from "./podSpecs";
import { POD_IP_ENV, grafanaDisruptionBudget, grafanaHa, haIni } from "./grafanaHa";
import { grafanaIniSecretEnv } from "./credentials";

export const OPERATOR_API: Record<OperatorApiVersion, { apiVersion: string; kind: "Grafana"; waitFor: string }> = {
    // Operator v5 sets the GrafanaReady condition only after every stage succeeded, the last
    // one logging in to Grafana, and removes it when a stage fails. `status.stage` is no
    // signal: it is written before a stage runs and reads `complete` even when that stage
    // failed (controllers/grafana_controller.go, Reconcile; complete_reconciler.go). The
    // `condition=Type` form is kubectl's, supported by pulumi-kubernetes since 4.18 (PR #3134).
    v1beta1: { apiVersion: "grafana.integreatly.org/v1beta1", kind: "Grafana", waitFor: "condition=GrafanaReady" },
    // Operator v4 sets `message: success` after a reconcile that found the Deployment ready
    // (and `phase: failing` with the error otherwise).
    v1alpha1: { apiVersion: "integreatly.org/v1alpha1", kind: "Grafana", waitFor: "jsonpath={.status.message}=success" },
};

/**
 * grafana.ini keys that the operator v4 CRD types as strings in `spec.config` (checked
 * against grafana-operator-v4.10.1-grafanas.yaml by the tests). Any other key of the
 * wiring's grafana.ini reaches Grafana as a `GF_*` variable instead.
 */
export const V1ALPHA1_TYPED_INI: Readonly<Record<string, readonly string[]>> = {
    rendering: ["server_url", "callback_url"],
    security: ["admin_user"],
    server: ["root_url"],
};

/** Grafana's writable /tmp under operator v4 (v5 mounts its own `grafana-tmp`). */
const V1ALPHA1_GRAFANA_TMP = { name: "grafana-tmp", mountPath: "/tmp" } as const;

export interface OperatorSpecArgs {
    wiring: Wiring;
    grafanaImage: string;
    rendererImage: string;
    secretName: pulumi.Input<string>;
    /** Grafana's database volume: size (default GRAFANA_DATA_SIZE) and StorageClass (default: the cluster's). */
    storageSize?: string;
    storageClass?: string;
    /** nodeSelector, tolerations, priorityClassName for the operator's Grafana pod. */
    placement?: PodPlacement;
    /** Grafana replicas (v1beta1); more than one form the alerting HA cluster through the operator's grafana-alerting Service. */
    replicas?: number;
    /** The namespace (v1beta1 HA: `ha_peers` names the operator's headless Service in it). */
    namespace?: string;
    /** An external database (grafanaDatabaseUrl): no claim, rolling updates. */
    externalDatabase?: boolean;
    /** Secrets in the user's own Secrets instead of ours. */
    existing?: ExistingSecretRefs;
    /** More variables for Grafana (grafanaIni's values when it is a secret). */
    grafanaEnv?: K8sEnvVar[];
    imagePullSecrets?: string[];
    podAnnotations?: Record<string, string>;
}

type K8sEnvVar = k8s.types.input.core.v1.EnvVar;

/** Grafana's secrets plus the admin user, all as secretKeyRefs (what the operator needs to log in, too). */
function grafanaCredentialEnv(a: OperatorSpecArgs) {
    return [adminUserFromSecret(a.secretName), ...toKubernetesEnv(a.wiring.grafanaSecretEnv, a.secretName, a.existing)];
}

const OFFICIAL_GRAFANA = ["grafana/grafana", "docker.io/grafana/grafana"];

/** What goes in v1beta1 `spec.version`: the tag for the official image, else the full reference. */
export function operatorVersion(image: string): string {
    const ref = parseImageRef(image);
    return OFFICIAL_GRAFANA.includes(ref.repository) && ref.tag && !ref.digest ? ref.tag : image;
}

/** `spec` of a v1beta1 Grafana (operator v5). */
export function grafanaV1beta1Spec(a: OperatorSpecArgs) {
    const { wiring } = a;
    const replicas = a.replicas ?? 1;
    const config: Record<string, Record<string, string>> = {};
    for (const [section, keys] of Object.entries(wiring.grafanaIni)) config[section] = { ...keys };
    // Several replicas: the operator's own multiple_replicas example (examples/grafana/multiple_replicas).
    if (replicas > 1) config.unified_alerting = { ...config.unified_alerting, ...haIni(a.namespace ?? "default") };
    return {
        // The official image by its tag alone: older v5 operators prefix spec.version with
        // docker.io/grafana/grafana:, newer ones also take a full reference (used for others).
        version: operatorVersion(a.grafanaImage),
        // Our Secret holds the admin password; the operator reads it back from the container env.
        disableDefaultAdminSecret: true,
        config,
        // The operator creates the claim `<name>-pvc`; the volume below mounts it as Grafana's data.
        // On an external database there is none: the operator's own emptyDir holds plugins and the like.
        ...(a.externalDatabase
            ? {}
            : {
                  persistentVolumeClaim: {
                      spec: {
                          accessModes: ["ReadWriteOnce"],
                          resources: { requests: { storage: a.storageSize ?? GRAFANA_DATA_SIZE } },
                          ...(a.storageClass ? { storageClassName: a.storageClass } : {}),
                      },
                  },
              }),
        deployment: {
            spec: {
                replicas,
                strategy: a.externalDatabase
                    ? { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }
                    : { type: "Recreate" },
                template: {
                    ...(a.podAnnotations ? { metadata: { annotations: { ...a.podAnnotations } } } : {}),
                    spec: v1beta1PodSpec(a, replicas > 1),
                },
            },
        },
    };
}

/** The pod template's spec a v1beta1 Grafana merges into the operator's (containers by name). */
function v1beta1PodSpec(a: OperatorSpecArgs, ha: boolean) {
    const { wiring } = a;
    return {
        // Grafana and the renderer never call the Kubernetes API; no Service env either.
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        ...podPlacementSpec(a.placement ?? {}),
        ...(a.imagePullSecrets ? { imagePullSecrets: a.imagePullSecrets.map((name) => ({ name })) } : {}),
        securityContext: podSecurityContext(wiring.grafana.runAsUser),
        volumes: [
            ...(a.externalDatabase ? [] : [{ name: GRAFANA_DATA_VOLUME, persistentVolumeClaim: { claimName: `${GRAFANA_CR_NAME}-pvc` } }]),
            ...rendererVolumes(),
        ],
        ...(ha ? { topologySpreadConstraints: spreadOverNodes(OPERATOR_POD_SELECTOR) } : {}),
        containers: [
            {
                // Merged into the operator's own Grafana container (image from spec.version).
                // POD_IP: the operator sets it too since v5.18; ours makes older v5 operators work.
                name: CONTAINER_NAMES.grafana,
                env: [...grafanaCredentialEnv(a), ...(a.grafanaEnv ?? []), ...(ha ? [POD_IP_ENV] : [])],
                ...httpProbes(wiring.grafana),
                resources: wiring.grafana.resources,
                securityContext: grafanaSecurityContext(wiring.grafana, true),
            },
            rendererContainer(wiring.renderer, a.rendererImage, a.secretName, { sharedPod: true, existing: a.existing }),
        ],
    };
}

/** `spec` of a v1alpha1 Grafana (operator v4). */
export function grafanaV1alpha1Spec(a: OperatorSpecArgs) {
    const { wiring } = a;
    if (wiring.grafana.healthPath !== "/api/health") {
        // Operator v4 builds Grafana's probes itself, always on /api/health.
        throw new Error(`operator v4 probes Grafana on /api/health, but the wiring expects ${wiring.grafana.healthPath}`);
    }
    const config: Record<string, Record<string, string>> = {};
    const iniEnv: { name: string; value: string }[] = [];
    for (const [section, keys] of Object.entries(wiring.grafanaIni)) {
        for (const [key, value] of Object.entries(keys)) {
            if (V1ALPHA1_TYPED_INI[section]?.includes(key)) {
                (config[section] ??= {})[key] = value;
            } else {
                iniEnv.push({ name: grafanaEnvName(section, key), value });
            }
        }
    }
    const probe = (timing: { periodSeconds: number; timeoutSeconds: number; failureThreshold: number }, initialDelaySeconds: number) => ({
        scheme: "HTTP",
        initialDelaySeconds,
        ...timing,
    });
    return {
        baseImage: a.grafanaImage,
        config,
        // The operator creates the claim `grafana-pvc` and mounts it as Grafana's data.
        dataStorage: {
            accessModes: ["ReadWriteOnce"],
            size: a.storageSize ?? GRAFANA_DATA_SIZE,
            ...(a.storageClass ? { class: a.storageClass } : {}),
        },
        resources: wiring.grafana.resources,
        // No startup probe in v4: give the first start (database migrations) a minute before liveness counts.
        readinessProbeSpec: probe(PROBE_TIMING.readiness, 5),
        livenessProbeSpec: probe(PROBE_TIMING.liveness, 60),
        deployment: {
            replicas: 1,
            strategy: { type: "Recreate" },
            skipCreateAdminAccount: true,
            ...podPlacementSpec(a.placement ?? {}),
            env: [...iniEnv, ...grafanaCredentialEnv(a), ...(a.grafanaEnv ?? [])],
            // v4 puts these on the Deployment and its pods (controllers/model/grafanaDeployment.go, getPodAnnotations).
            ...(a.podAnnotations ? { annotations: { ...a.podAnnotations } } : {}),
            securityContext: podSecurityContext(wiring.grafana.runAsUser),
            // Read-only root as in v5; v4 mounts data, logs, plugins and provisioning itself
            // (controllers/model/grafanaDeployment.go, v4.10.1) but no /tmp, so we add one.
            // v4's spec.deployment has no automountServiceAccountToken / enableServiceLinks.
            containerSecurityContext: grafanaSecurityContext(wiring.grafana, true),
            extraVolumes: [...rendererVolumes(), { name: V1ALPHA1_GRAFANA_TMP.name, emptyDir: {} }],
            extraVolumeMounts: [{ name: V1ALPHA1_GRAFANA_TMP.name, mountPath: V1ALPHA1_GRAFANA_TMP.mountPath }],
        },
        containers: [rendererContainer(wiring.renderer, a.rendererImage, a.secretName, { sharedPod: true, existing: a.existing })],
        // v4's pods run as the ServiceAccount it creates; its imagePullSecrets are theirs.
        ...(a.imagePullSecrets ? { serviceAccount: { imagePullSecrets: a.imagePullSecrets.map((name) => ({ name })) } } : {}),
    };
}

/**
 * The Grafana CR's labels. The alerting CRs (operatorAlertingCrs.ts) select this instance by
 * exactly these: the operator matches an instanceSelector against Grafana CRs' labels.
 */
export function grafanaCrLabels(instanceLabels: Record<string, string>): Record<string, string> {
    return { ...COMMON_LABELS, ...instanceLabels };
}

export function deployOperator(ctx: ModeContext): ModeResult {
    const { settings, wiring } = ctx;
    const api = OPERATOR_API[settings.operatorApiVersion];
    const specArgs: OperatorSpecArgs = {
        wiring,
        grafanaImage: settings.grafanaImage.ref,
        rendererImage: settings.rendererImage.ref,
        secretName: ctx.secretName,
        storageSize: settings.grafanaStorageSize,
        storageClass: settings.storageClass,
        placement: settings.podPlacement,
        replicas: settings.grafanaReplicas,
        namespace: settings.namespace,
        externalDatabase: settings.grafanaDatabaseType !== undefined,
        existing: settings.existingSecrets,
        grafanaEnv: grafanaIniSecretEnv(settings, ctx.secretName),
        imagePullSecrets: settings.imagePullSecrets,
        podAnnotations: settings.podAnnotations,
    };
    const spec = settings.operatorApiVersion === "v1beta1" ? grafanaV1beta1Spec(specArgs) : grafanaV1alpha1Spec(specArgs);

    const grafana = new k8s.apiextensions.CustomResource(
        `${ctx.name}-grafana`,
        {
            apiVersion: api.apiVersion,
            kind: api.kind,
            metadata: {
                name: GRAFANA_CR_NAME,
                namespace: ctx.namespace,
                labels: grafanaCrLabels(ctx.instanceLabels),
                // Pulumi waits until the operator reports the instance ready (never skipAwait).
                annotations: { "pulumi.com/waitFor": api.waitFor },
            },
            spec,
        },
        { ...ctx.opts, customTimeouts: AWAIT_TIMEOUTS },
    );

    grafanaIngressPolicy(ctx, OPERATOR_POD_SELECTOR, { sharedRenderer: true });
    if (grafanaHa(settings)) grafanaDisruptionBudget(ctx, OPERATOR_POD_SELECTOR);
    return { grafanaPodSelector: { ...OPERATOR_POD_SELECTOR }, ready: [grafana] };
}
