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
import type { OperatorApiVersion } from "../config";
import { parseImageRef } from "../images";
import { Wiring, grafanaEnvName } from "../wiring";
import type { PodPlacement } from "../kubernetesSettings";
import { AWAIT_TIMEOUTS, ModeContext, ModeResult, grafanaPortOnlyPolicy, podPlacementSpec } from "./modeContext";
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
} from "./podSpecs";

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
}

/** Grafana's secrets plus the admin user, all as secretKeyRefs (what the operator needs to log in, too). */
function grafanaCredentialEnv(a: OperatorSpecArgs) {
    return [adminUserFromSecret(a.secretName), ...toKubernetesEnv(a.wiring.grafanaSecretEnv, a.secretName)];
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
    const config: Record<string, Record<string, string>> = {};
    for (const [section, keys] of Object.entries(wiring.grafanaIni)) config[section] = { ...keys };
    return {
        // The official image by its tag alone: older v5 operators prefix spec.version with
        // docker.io/grafana/grafana:, newer ones also take a full reference (used for others).
        version: operatorVersion(a.grafanaImage),
        // Our Secret holds the admin password; the operator reads it back from the container env.
        disableDefaultAdminSecret: true,
        config,
        // The operator creates the claim `<name>-pvc`; the volume below mounts it as Grafana's data.
        persistentVolumeClaim: {
            spec: {
                accessModes: ["ReadWriteOnce"],
                resources: { requests: { storage: a.storageSize ?? GRAFANA_DATA_SIZE } },
                ...(a.storageClass ? { storageClassName: a.storageClass } : {}),
            },
        },
        deployment: {
            spec: {
                replicas: 1,
                strategy: { type: "Recreate" },
                template: {
                    spec: {
                        // Grafana and the renderer never call the Kubernetes API; no Service env either.
                        automountServiceAccountToken: false,
                        enableServiceLinks: false,
                        ...podPlacementSpec(a.placement ?? {}),
                        securityContext: podSecurityContext(wiring.grafana.runAsUser),
                        volumes: [
                            { name: GRAFANA_DATA_VOLUME, persistentVolumeClaim: { claimName: `${GRAFANA_CR_NAME}-pvc` } },
                            ...rendererVolumes(),
                        ],
                        containers: [
                            {
                                // Merged into the operator's own Grafana container (image from spec.version).
                                name: CONTAINER_NAMES.grafana,
                                env: grafanaCredentialEnv(a),
                                ...httpProbes(wiring.grafana),
                                resources: wiring.grafana.resources,
                                securityContext: grafanaSecurityContext(wiring.grafana, true),
                            },
                            rendererContainer(wiring.renderer, a.rendererImage, a.secretName),
                        ],
                    },
                },
            },
        },
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
            env: [...iniEnv, ...grafanaCredentialEnv(a)],
            securityContext: podSecurityContext(wiring.grafana.runAsUser),
            // Read-only root as in v5; v4 mounts data, logs, plugins and provisioning itself
            // (controllers/model/grafanaDeployment.go, v4.10.1) but no /tmp, so we add one.
            // v4's spec.deployment has no automountServiceAccountToken / enableServiceLinks.
            containerSecurityContext: grafanaSecurityContext(wiring.grafana, true),
            extraVolumes: [...rendererVolumes(), { name: V1ALPHA1_GRAFANA_TMP.name, emptyDir: {} }],
            extraVolumeMounts: [{ name: V1ALPHA1_GRAFANA_TMP.name, mountPath: V1ALPHA1_GRAFANA_TMP.mountPath }],
        },
        containers: [rendererContainer(wiring.renderer, a.rendererImage, a.secretName)],
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

    grafanaPortOnlyPolicy(ctx, OPERATOR_POD_SELECTOR);
    return { grafanaPodSelector: { ...OPERATOR_POD_SELECTOR }, ready: [grafana] };
}
