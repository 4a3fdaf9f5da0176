// Containers, probes, security contexts and volumes, translated from a ContainerPlan of
// the wiring. All three modes build their containers here, so a Grafana or renderer
// container looks the same whether it runs in our Deployment or in the operator's.
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "./k8s";
import type { ContainerPlan, EnvVar, SecretName } from "../wiring";
import { ADMIN_USER_KEY, CONTAINER_NAMES, GRAFANA_DATA_PATH, SECRET_KEYS } from "./objectNames";

export type Container = k8s.types.input.core.v1.Container;
type K8sEnvVar = k8s.types.input.core.v1.EnvVar;
type Probe = k8s.types.input.core.v1.Probe;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;
type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
export type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** A reference to a key of the credentials Secret: `valueFrom.secretKeyRef`. */
export function secretKeyRef(secretName: pulumi.Input<string>, key: string): K8sEnvVar["valueFrom"] {
    return { secretKeyRef: { name: secretName, key } };
}

/**
 * The wiring's variables as Kubernetes env: plain values stay values, secret references
 * become `secretKeyRef`s on the credentials Secret. A secret never becomes a literal value.
 */
export function toKubernetesEnv(env: EnvVar[], secretName: pulumi.Input<string>): K8sEnvVar[] {
    return env.map((v) =>
        v.secret !== undefined
            ? { name: v.name, valueFrom: secretKeyRef(secretName, secretKey(v.secret)) }
            : { name: v.name, value: v.value },
    );
}

export function secretKey(name: SecretName): string {
    return SECRET_KEYS[name];
}

/** `GF_SECURITY_ADMIN_USER` from the Secret (the operator v5 merges env by name, so both sides must use valueFrom). */
export function adminUserFromSecret(secretName: pulumi.Input<string>): K8sEnvVar {
    return { name: "GF_SECURITY_ADMIN_USER", valueFrom: secretKeyRef(secretName, ADMIN_USER_KEY) };
}

/** Probe timing, shared by Grafana and the renderer. */
export const PROBE_TIMING = {
    /** First start: Grafana migrates its database, the renderer starts Chromium. Up to 5 minutes. */
    startup: { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60 },
    readiness: { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
    liveness: { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
} as const;

export interface Probes {
    startupProbe: Probe;
    readinessProbe: Probe;
    livenessProbe: Probe;
}

/** HTTP startup, readiness and liveness probes on the plan's health path and port. */
export function httpProbes(plan: ContainerPlan): Probes {
    const httpGet = { path: plan.healthPath, port: plan.containerPort, scheme: "HTTP" };
    return {
        startupProbe: { httpGet, ...PROBE_TIMING.startup },
        readinessProbe: { httpGet, ...PROBE_TIMING.readiness },
        livenessProbe: { httpGet, ...PROBE_TIMING.liveness },
    };
}

/** Container hardening: non-root as the image's own user, no capabilities, RuntimeDefault seccomp. */
export function containerSecurityContext(plan: ContainerPlan, readOnlyRootFilesystem: boolean): SecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: plan.runAsUser,
        runAsGroup: plan.runAsUser,
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/**
 * Pod hardening. `fsGroup` makes Grafana's data volume writable by its user; emptyDirs are
 * world-writable anyway, so the renderer (another uid) is unaffected.
 */
export function podSecurityContext(fsGroup: number): PodSecurityContext {
    return {
        runAsNonRoot: true,
        fsGroup,
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** The renderer's writable places; its root filesystem is read-only. */
export const RENDERER_VOLUMES = {
    /** Chromium's profiles and caches: v5 makes one directory per browser here, v3/v4 use XDG_* below it. */
    tmp: { name: "renderer-tmp", mountPath: "/tmp" },
    /**
     * v3/v4 (Puppeteer) render through /dev/shm, and the runtime's 64 MB default crashes large
     * panels. v5 starts Chromium with chromedp's default options, which include
     * --disable-dev-shm-usage (chromedp allocate.go), so it writes that memory to /tmp instead.
     */
    shm: { name: "renderer-shm", mountPath: "/dev/shm", sizeLimit: "256Mi" },
} as const;

export function rendererVolumes(): Volume[] {
    return [
        { name: RENDERER_VOLUMES.tmp.name, emptyDir: {} },
        { name: RENDERER_VOLUMES.shm.name, emptyDir: { medium: "Memory", sizeLimit: RENDERER_VOLUMES.shm.sizeLimit } },
    ];
}

function rendererVolumeMounts(): VolumeMount[] {
    return [
        { name: RENDERER_VOLUMES.tmp.name, mountPath: RENDERER_VOLUMES.tmp.mountPath },
        { name: RENDERER_VOLUMES.shm.name, mountPath: RENDERER_VOLUMES.shm.mountPath },
    ];
}

/** Name of Grafana's data volume in the pod (the operator v5 uses the same name for its own). */
export const GRAFANA_DATA_VOLUME = "grafana-data";

export function grafanaDataVolume(claimName: pulumi.Input<string>): Volume {
    return { name: GRAFANA_DATA_VOLUME, persistentVolumeClaim: { claimName } };
}

/** A container from its plan: pinned image, the wiring's env (secrets from the Secret), probes, sizing. */
function containerFromPlan(
    name: string,
    plan: ContainerPlan,
    image: string,
    secretName: pulumi.Input<string>,
    rest: Pick<Container, "securityContext" | "volumeMounts">,
): Container {
    return {
        name,
        image,
        imagePullPolicy: "IfNotPresent",
        ports: [{ name: "http", containerPort: plan.containerPort, protocol: "TCP" }],
        env: toKubernetesEnv(plan.env, secretName),
        ...httpProbes(plan),
        resources: plan.resources,
        ...rest,
    };
}

/** The renderer container: read-only root with writable /tmp and /dev/shm. */
export function rendererContainer(plan: ContainerPlan, image: string, secretName: pulumi.Input<string>): Container {
    return containerFromPlan(CONTAINER_NAMES.renderer, plan, image, secretName, {
        securityContext: containerSecurityContext(plan, true),
        volumeMounts: rendererVolumeMounts(),
    });
}

/**
 * Grafana's container security context. In our own Deployments (sidecar, separate) the root
 * filesystem stays writable: they mount only the data volume, and Grafana also writes logs
 * and plugin sockets elsewhere. In operator mode it is read-only, as the operator's own
 * default, which mounts emptyDirs at /var/log/grafana and /tmp for that (operator v5
 * controllers/reconcilers/grafana/deployment_reconciler.go; v4 gets a /tmp volume from us).
 */
export function grafanaSecurityContext(plan: ContainerPlan, readOnlyRootFilesystem = false): SecurityContext {
    return containerSecurityContext(plan, readOnlyRootFilesystem);
}

/** The Grafana container for our own Deployments (sidecar, separate): hardening and the data volume. */
export function grafanaContainer(plan: ContainerPlan, image: string, secretName: pulumi.Input<string>): Container {
    return containerFromPlan(CONTAINER_NAMES.grafana, plan, image, secretName, {
        securityContext: grafanaSecurityContext(plan),
        volumeMounts: [{ name: GRAFANA_DATA_VOLUME, mountPath: GRAFANA_DATA_PATH }],
    });
}
