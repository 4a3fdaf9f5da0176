// Containers, probes, security contexts and volumes, translated from a ContainerPlan of
// the wiring. All three modes build their containers here, so a Grafana or renderer
// container looks the same whether it runs in our Deployment or in the operator's.
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "./k8s";
import type { ContainerPlan, EnvVar, SecretName } from "../../wiring/wiring";
import { ADMIN_USER_KEY, CONTAINER_NAMES, GRAFANA_DATA_PATH, SECRET_KEYS } from "./objectNames";

export type Container = k8s.types.input.core.v1.Container;
type K8sEnvVar = k8s.types.input.core.v1.EnvVar;
type Probe = k8s.types.input.core.v1.Probe;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;
type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
export type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;
type ContainerPort = k8s.types.input.core.v1.ContainerPort;

/** A reference to a key of the credentials Secret: `valueFrom.secretKeyRef`. */
export function secretKeyRef(secretName: pulumi.Input<string>, key: string): K8sEnvVar["valueFrom"] {
    return { secretKeyRef: { name: secretName, key } };
}

/** Secrets that live in the user's own Secrets (grafanaAdminPasswordSecret, rendererTokenSecret) instead of ours. */
export type ExistingSecretRefs = Partial<Record<SecretName, { name: string; key: string }>>;

/**
 * The wiring's variables as Kubernetes env: plain values stay values, secret references
 * become `secretKeyRef`s on the credentials Secret, or on the user's Secret where one is
 * configured. A secret never becomes a literal value.
 */
export function toKubernetesEnv(env: EnvVar[], secretName: pulumi.Input<string>, existing: ExistingSecretRefs = {}): K8sEnvVar[] {
    return env.map((v) => {
        if (v.secret === undefined) return { name: v.name, value: v.value };
        const theirs = existing[v.secret];
        return { name: v.name, valueFrom: theirs ? secretKeyRef(theirs.name, theirs.key) : secretKeyRef(secretName, secretKey(v.secret)) };
    });
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

/** What a container may add to its plan: the user's Secrets, more env and ports, its port's name. */
export interface ContainerOptions {
    existing?: ExistingSecretRefs;
    /** Appended after the wiring's variables (a `$(VAR)` in them may name any variable before it). */
    env?: K8sEnvVar[];
    ports?: ContainerPort[];
}

/** A container from its plan: pinned image, the wiring's env (secrets from the Secret), probes, sizing. */
function containerFromPlan(
    name: string,
    plan: ContainerPlan,
    image: string,
    secretName: pulumi.Input<string>,
    rest: Pick<Container, "securityContext" | "volumeMounts" | "lifecycle"> &
        ContainerOptions & { portName?: string; probes: Partial<Probes> },
): Container {
    const { existing, env = [], ports = [], portName = "http", probes, ...fields } = rest;
    return {
        name,
        image,
        imagePullPolicy: "IfNotPresent",
        ports: [{ name: portName, containerPort: plan.containerPort, protocol: "TCP" }, ...ports],
        env: [...toKubernetesEnv(plan.env, secretName, existing), ...env],
        ...probes,
        resources: plan.resources,
        ...fields,
    };
}

/**
 * The renderer's port name where it shares Grafana's pod (sidecar, operator): both
 * containers naming theirs `http` is a duplicate a PodMonitor cannot scrape by name.
 */
export const SHARED_POD_RENDERER_PORT = "renderer";

/**
 * Grafana's longest render (its /render API's default `timeout`, 60 s: grafana pkg/api/render.go).
 * Renderer v5 cancels every render at SIGTERM (its request contexts derive from the signal
 * context, pkg/api/server.go, and shutdown waits 5 s), so a renderer pod that goes away must
 * first stop getting renders and finish the ones it has: the preStop pause below.
 */
export const RENDER_TIMEOUT_SECONDS = 60;
/** The pod's grace period: the preStop pause, then the renderer's own 5 s shutdown, with margin. */
export const RENDERER_GRACE_SECONDS = RENDER_TIMEOUT_SECONDS + 15;

/**
 * The renderer container: read-only root with writable /tmp and /dev/shm. In its own pod
 * (separate, renderer mode) a preStop pause lets the Service drop it and its renders
 * finish before SIGTERM (the `sleep` action needs no shell: v5's image has none;
 * Kubernetes 1.30+). In Grafana's pod (`sharedPod`) it has no readiness probe: a stalled
 * renderer must not take Grafana off its Service (startup and liveness still restart it).
 */
export function rendererContainer(
    plan: ContainerPlan,
    image: string,
    secretName: pulumi.Input<string>,
    opts: ContainerOptions & { sharedPod?: boolean } = {},
): Container {
    const { sharedPod, ...options } = opts;
    const { readinessProbe, ...startupAndLiveness } = httpProbes(plan);
    return containerFromPlan(CONTAINER_NAMES.renderer, plan, image, secretName, {
        securityContext: containerSecurityContext(plan, true),
        volumeMounts: rendererVolumeMounts(),
        ...options,
        ...(sharedPod
            ? { portName: SHARED_POD_RENDERER_PORT, probes: startupAndLiveness }
            : {
                  probes: { ...startupAndLiveness, readinessProbe },
                  lifecycle: { preStop: { sleep: { seconds: RENDER_TIMEOUT_SECONDS } } },
              }),
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
export function grafanaContainer(
    plan: ContainerPlan,
    image: string,
    secretName: pulumi.Input<string>,
    opts: ContainerOptions = {},
): Container {
    return containerFromPlan(CONTAINER_NAMES.grafana, plan, image, secretName, {
        securityContext: grafanaSecurityContext(plan),
        volumeMounts: [{ name: GRAFANA_DATA_VOLUME, mountPath: GRAFANA_DATA_PATH }],
        probes: httpProbes(plan),
        ...opts,
    });
}
