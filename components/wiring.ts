// The one place that decides how Grafana and the renderer are wired together: the URLs
// each uses to reach the other, the shared token, Grafana's settings, the renderer's
// variables (which depend on its major version), ports, probes and sizing. Each target
// (Docker, Kubernetes sidecar / separate / operator) only translates this into its own
// objects, so the four can never disagree.
import type { StackSettings } from "./config";

/** Secrets are referenced by name; each target decides how to deliver them (env value or secretKeyRef). */
export type SecretName = "rendererToken" | "grafanaAdminPassword";

/** An environment variable: a plain value, or a reference to one of the generated/configured secrets. */
export type EnvVar = { name: string; value: string; secret?: undefined } | { name: string; secret: SecretName; value?: undefined };

/** Where each side finds the other, as seen from inside the containers. */
export interface Placement {
    /** Host name Grafana uses for the renderer (`localhost` when they share a pod). */
    rendererHost: string;
    /** Host name the renderer's browser uses to load Grafana pages. */
    grafanaHost: string;
    /** Port of that Grafana address (a Service port may differ from the container port). */
    grafanaPort: number;
}

export interface ContainerPlan {
    /** Port the process listens on inside the container. */
    containerPort: number;
    /** HTTP path for readiness and liveness probes. */
    healthPath: string;
    /** Command for Docker's HEALTHCHECK (`CMD` form). */
    healthcheck: string[];
    /** Non-root user the image runs as. */
    runAsUser: number;
    /** Kubernetes-style requests and limits. */
    resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
    env: EnvVar[];
}

export interface Wiring {
    /** What Grafana calls to render: `GF_RENDERING_SERVER_URL`. */
    renderingServerUrl: string;
    /** What the renderer loads to take the picture: `GF_RENDERING_CALLBACK_URL`. */
    renderingCallbackUrl: string;
    /** Grafana's non-secret settings as grafana.ini sections (the operator takes them as `spec.config`). */
    grafanaIni: Record<string, Record<string, string>>;
    /** Grafana's secret settings, always delivered as environment variables. */
    grafanaSecretEnv: EnvVar[];
    grafana: ContainerPlan;
    renderer: ContainerPlan;
}

export const GRAFANA_CONTAINER_PORT = 3000;
export const RENDERER_PORT = 8081;
/** Chromium needs a writable config/cache dir; the renderer's root filesystem is read-only. */
export const CHROMIUM_HOME = "/tmp/.chromium";
/** How long Grafana waits for an alert screenshot; its 10s default is tight for a cold browser. */
export const SCREENSHOT_TIMEOUT = "30s";

/** The variable Grafana reads for a grafana.ini key: `GF_<SECTION>_<KEY>`, dots become underscores. */
export function grafanaEnvName(section: string, key: string): string {
    return `GF_${section}_${key}`.replace(/[.-]/g, "_").toUpperCase();
}

/** Grafana's settings as environment variables: the ini sections plus the secret references. */
export function grafanaEnv(w: Pick<Wiring, "grafanaIni" | "grafanaSecretEnv">): EnvVar[] {
    const env: EnvVar[] = [];
    for (const section of Object.keys(w.grafanaIni)) {
        for (const key of Object.keys(w.grafanaIni[section])) {
            env.push({ name: grafanaEnvName(section, key), value: w.grafanaIni[section][key] });
        }
    }
    return [...env, ...w.grafanaSecretEnv];
}

/** The renderer's variables. v5 (Go) reads new names; v3/v4 (Node) read the old ones (FIELD-NOTES). */
export function rendererEnv(rendererMajor: number, ignoreHttpsErrors: boolean): EnvVar[] {
    const env: EnvVar[] = [{ name: "AUTH_TOKEN", secret: "rendererToken" }];
    if (rendererMajor >= 5) {
        env.push({ name: "SERVER_ADDR", value: `:${RENDERER_PORT}` });
        if (ignoreHttpsErrors) env.push({ name: "BROWSER_FLAG", value: "--ignore-certificate-errors" });
    } else {
        env.push({ name: "HTTP_PORT", value: String(RENDERER_PORT) });
        if (ignoreHttpsErrors) env.push({ name: "IGNORE_HTTPS_ERRORS", value: "true" });
    }
    env.push({ name: "XDG_CONFIG_HOME", value: CHROMIUM_HOME }, { name: "XDG_CACHE_HOME", value: CHROMIUM_HOME });
    return env;
}

/** Placement for each target: containers on one Docker network, one pod, or two Services. */
export function placementFor(settings: Pick<StackSettings, "target" | "kubernetesMode" | "namespace" | "grafanaPort">, names = SERVICE_NAMES): Placement {
    if (settings.target === "docker") {
        return { rendererHost: DOCKER_ALIASES.renderer, grafanaHost: DOCKER_ALIASES.grafana, grafanaPort: GRAFANA_CONTAINER_PORT };
    }
    if (settings.kubernetesMode === "separate") {
        const fqdn = (service: string) => `${service}.${settings.namespace}.svc.cluster.local`;
        return { rendererHost: fqdn(names.renderer), grafanaHost: fqdn(names.grafana), grafanaPort: settings.grafanaPort };
    }
    // sidecar and operator: the renderer is a second container in Grafana's pod.
    return { rendererHost: "localhost", grafanaHost: "localhost", grafanaPort: GRAFANA_CONTAINER_PORT };
}

/** Network aliases of the Docker containers: the names each container resolves the other by. */
export const DOCKER_ALIASES = { grafana: "grafana", renderer: "renderer" } as const;
/** Kubernetes Service names (fixed, so the DNS names in the wiring are known before deploy). */
export const SERVICE_NAMES = { grafana: "grafana", renderer: "grafana-image-renderer" } as const;

const httpProbeCommand = (port: number, path: string) => [
    "CMD-SHELL",
    `wget -q -O /dev/null http://127.0.0.1:${port}${path} || curl -fsS -o /dev/null http://127.0.0.1:${port}${path} || exit 1`,
];

/** Decides the whole wiring for a stack and a placement. Pure: same input, same output. */
export function decideWiring(
    settings: Pick<StackSettings, "rendererMajor" | "ignoreHttpsErrors" | "grafanaAdminUser" | "grafanaRootUrl">,
    placement: Placement,
): Wiring {
    const renderingServerUrl = `http://${placement.rendererHost}:${RENDERER_PORT}/render`;
    const renderingCallbackUrl = `http://${placement.grafanaHost}:${placement.grafanaPort}/`;
    const grafanaIni: Record<string, Record<string, string>> = {
        security: { admin_user: settings.grafanaAdminUser },
        rendering: { server_url: renderingServerUrl, callback_url: renderingCallbackUrl },
        // Screenshots are what puts the panel's picture into the Slack alert.
        "unified_alerting.screenshots": {
            capture: "true",
            capture_timeout: SCREENSHOT_TIMEOUT,
            max_concurrent_screenshots: "5",
            upload_external_image_storage: "false",
        },
    };
    // Links in Slack messages point at root_url; only set it when the public address is known.
    if (settings.grafanaRootUrl) grafanaIni.server = { root_url: `${settings.grafanaRootUrl}/` };

    const grafanaSecretEnv: EnvVar[] = [
        { name: "GF_SECURITY_ADMIN_PASSWORD", secret: "grafanaAdminPassword" },
        // Grafana 13 refuses to start with the default "-" token; both sides share one secret.
        { name: "GF_RENDERING_RENDERER_TOKEN", secret: "rendererToken" },
    ];
    const v5 = settings.rendererMajor >= 5;
    const rendererHealthPath = v5 ? "/healthz" : "/";
    return {
        renderingServerUrl,
        renderingCallbackUrl,
        grafanaIni,
        grafanaSecretEnv,
        grafana: {
            containerPort: GRAFANA_CONTAINER_PORT,
            healthPath: "/api/health",
            healthcheck: httpProbeCommand(GRAFANA_CONTAINER_PORT, "/api/health"),
            runAsUser: 472,
            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
            env: grafanaEnv({ grafanaIni, grafanaSecretEnv }),
        },
        renderer: {
            containerPort: RENDERER_PORT,
            healthPath: rendererHealthPath,
            // v5 ships its own healthcheck subcommand (no shell, no wget in its image).
            healthcheck: v5 ? ["CMD", "/usr/bin/grafana-image-renderer", "healthcheck"] : httpProbeCommand(RENDERER_PORT, rendererHealthPath),
            runAsUser: 65532,
            // Chromium is memory hungry; the renderer's concurrency on v5 scales with memory.
            resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "2", memory: "2Gi" } },
            env: rendererEnv(settings.rendererMajor, settings.ignoreHttpsErrors),
        },
    };
}
