// The one place that decides how Grafana and the renderer are wired together: the URLs
// each uses to reach the other, the shared token, Grafana's settings, the renderer's
// variables (which depend on its major version), ports, probes and sizing. Each target
// (Docker, Kubernetes sidecar / separate / operator) only translates this into its own
// objects, so the four can never disagree.
import type { StackSettings } from "../config/config";
import { MIB, memoryBytes, toMiB } from "../shared/quantity";
import type { SecretName } from "../secrets/stackSecrets";

export type { SecretName } from "../secrets/stackSecrets";

/** An environment variable: a plain value, or a reference to one of the generated/configured secrets. */
export type EnvVar = { name: string; value: string; secret?: undefined } | { name: string; secret: SecretName; value?: undefined };

/**
 * Where each side finds the other, as seen from inside the containers. Each target places
 * its own (components/targets/docker/placement.ts, components/targets/kubernetes/placement.ts).
 */
export interface Placement {
    /** Host name Grafana uses for the renderer (`localhost` when they share a pod). */
    rendererHost: string;
    /** Host name the renderer's browser uses to load Grafana pages. */
    grafanaHost: string;
    /** Port of that Grafana address (a Service port may differ from the container port). */
    grafanaPort: number;
    /** A Grafana from elsewhere (kubernetesMode renderer): the callback URL exactly as configured. */
    callbackUrl?: string;
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
    /** Grafana's secret settings, always delivered as environment variables (or their `__FILE` form). */
    grafanaSecretEnv: EnvVar[];
    grafana: ContainerPlan;
    renderer: ContainerPlan;
}

export const GRAFANA_CONTAINER_PORT = 3000;
export const RENDERER_PORT = 8081;
/** v3/v4: Chromium's config/cache dir (XDG_*), below the writable /tmp of a read-only root. v5 picks its own per browser. */
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

/** The renderer's variables. v5 (Go) reads new names; v3/v4 (Node) read the old ones (renderer docs/sources/flags.md; v4 README). */
export function rendererEnv(rendererMajor: number, ignoreHttpsErrors: boolean, memoryLimit?: string): EnvVar[] {
    const env: EnvVar[] = [{ name: "AUTH_TOKEN", secret: "rendererToken" }];
    if (rendererMajor >= 5) {
        env.push({ name: "SERVER_ADDR", value: `:${RENDERER_PORT}` });
        if (ignoreHttpsErrors) env.push({ name: "BROWSER_FLAG", value: "--ignore-certificate-errors" });
        if (memoryLimit !== undefined) env.push(...rendererMemoryEnv(memoryLimit));
    } else {
        env.push({ name: "HTTP_PORT", value: String(RENDERER_PORT) });
        if (ignoreHttpsErrors) env.push({ name: "IGNORE_HTTPS_ERRORS", value: "true" });
        // v3/v4 need a writable Chromium home (crashpad "--database is required", renderer
        // #458/#748). v5 must not get these: it gives every browser its own directory only
        // when they are unset (renderer pkg/service/browser.go, createAllocatorOptions).
        env.push({ name: "XDG_CONFIG_HOME", value: CHROMIUM_HOME }, { name: "XDG_CACHE_HOME", value: CHROMIUM_HOME });
    }
    return env;
}

/**
 * Memory a headless Chromium is budgeted for one render. The renderer's own floor is 64 MiB
 * (`RATE_LIMIT_MIN_MEMORY_PER_BROWSER`); a dashboard panel with data takes several times that.
 */
export const BROWSER_MEMORY_BUDGET_MIB = 256;
/** The renderer's default `RATE_LIMIT_MIN_LIMIT` (pkg/config/config.go, RateLimitFlags). */
const RENDERER_DEFAULT_MIN_LIMIT = 3;

/**
 * v5's memory bounds, derived from the container's memory limit. Without them the renderer
 * sizes its concurrency from the node's memory, not the container's (pkg/api/middleware/
 * ratelimiter.go reads total/free memory through github.com/pbnjay/memory, i.e. sysinfo),
 * so on a big node it starts more browsers than the limit holds and is OOM-killed.
 * - GOMEMLIMIT: the Go process's soft heap limit; the renderer docs (docs/sources/_index.md,
 *   troubleshooting.md) recommend 1 GiB per 8 GiB of container limit, never the whole limit.
 * - RATE_LIMIT_MAX_AVAILABLE (bytes): caps the "total memory" the limiter divides into
 *   browser slots; here the limit minus GOMEMLIMIT, what is left for Chromium.
 * - RATE_LIMIT_MAX_LIMIT: hard cap on concurrent renders, one per BROWSER_MEMORY_BUDGET_MIB.
 * - RATE_LIMIT_MIN_LIMIT: the limiter admits this many before any other check, so it must
 *   not exceed the cap (default 3).
 */
export function rendererMemoryEnv(memoryLimit: string): EnvVar[] {
    const limit = memoryBytes(memoryLimit);
    if (limit === undefined) throw new Error(`renderer memory limit ${JSON.stringify(memoryLimit)} is not a memory quantity`);
    const goMiB = Math.max(1, Math.floor(toMiB(limit) / 8));
    const forBrowsers = limit - goMiB * MIB;
    const maxConcurrent = Math.max(1, Math.floor(forBrowsers / (BROWSER_MEMORY_BUDGET_MIB * MIB)));
    return [
        { name: "GOMEMLIMIT", value: `${goMiB}MiB` },
        { name: "RATE_LIMIT_MAX_AVAILABLE", value: String(forBrowsers) },
        { name: "RATE_LIMIT_MAX_LIMIT", value: String(maxConcurrent) },
        { name: "RATE_LIMIT_MIN_LIMIT", value: String(Math.min(RENDERER_DEFAULT_MIN_LIMIT, maxConcurrent)) },
    ];
}

const httpProbeCommand = (port: number, path: string) => [
    "CMD-SHELL",
    `wget -q -O /dev/null http://127.0.0.1:${port}${path} || curl -fsS -o /dev/null http://127.0.0.1:${port}${path} || exit 1`,
];

export interface WiringOptions {
    /**
     * Give Grafana the stack's own `security.secret_key` (GF_SECURITY_SECRET_KEY), the key
     * that encrypts what Grafana stores (the Slack token of its contact point). False keeps
     * Grafana's built-in default, which a Grafana that already encrypted data with it needs
     * (grafana.com/docs/grafana/latest/setup-grafana/configure-grafana/#secret_key).
     */
    grafanaSecretKey?: boolean;
}

/**
 * An external database (grafanaDatabaseUrl): Grafana takes type, host, name and credentials
 * from `[database] url` (pkg/services/sqlstore/database_config.go); the type is also written
 * out, so the operator's spec.config says which database it is. decideWiring adds the
 * generated secret_key too: it encrypts the secrets in that database, one key shared by every
 * replica and kept with the database, instead of Grafana's public default.
 */
function externalDatabase(type: string, grafanaIni: Record<string, Record<string, string>>, grafanaSecretEnv: EnvVar[]): void {
    grafanaIni.database = { type };
    grafanaSecretEnv.push({ name: "GF_DATABASE_URL", secret: "grafanaDatabaseUrl" });
}

/** Decides the whole wiring for a stack and a placement. Pure: same input, same output. */
export function decideWiring(
    settings: Pick<
        StackSettings,
        | "rendererMajor"
        | "ignoreHttpsErrors"
        | "grafanaAdminUser"
        | "grafanaRootUrl"
        | "rendererResources"
        | "grafanaResources"
        | "monitoringNamespace"
        | "grafanaDatabaseType"
        | "grafanaIni"
    >,
    placement: Placement,
    options: WiringOptions = {},
): Wiring {
    const renderingServerUrl = `http://${placement.rendererHost}:${RENDERER_PORT}/render`;
    const renderingCallbackUrl = placement.callbackUrl ?? `http://${placement.grafanaHost}:${placement.grafanaPort}/`;
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
    // The user's own sections (grafanaIni); readSettings refused every key set above.
    for (const [section, keys] of Object.entries(settings.grafanaIni ?? {})) grafanaIni[section] = { ...grafanaIni[section], ...keys };

    const grafanaSecretEnv: EnvVar[] = [
        { name: "GF_SECURITY_ADMIN_PASSWORD", secret: "grafanaAdminPassword" },
        // Grafana 13 refuses to start with the default "-" token; both sides share one secret.
        { name: "GF_RENDERING_RENDERER_TOKEN", secret: "rendererToken" },
    ];
    if (settings.grafanaDatabaseType) externalDatabase(settings.grafanaDatabaseType, grafanaIni, grafanaSecretEnv);
    // The stack's own key, instead of Grafana's public default: for a new Grafana, or a shared database.
    if (options.grafanaSecretKey || settings.grafanaDatabaseType)
        grafanaSecretEnv.push({ name: "GF_SECURITY_SECRET_KEY", secret: "grafanaSecretKey" });
    const v5 = settings.rendererMajor >= 5;
    const rendererHealthPath = v5 ? "/healthz" : "/";
    // Chromium is memory hungry; on v5 the memory bounds in its env follow this limit.
    const rendererResources = settings.rendererResources;
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
            resources: settings.grafanaResources,
            env: grafanaEnv({ grafanaIni, grafanaSecretEnv }),
        },
        renderer: {
            containerPort: RENDERER_PORT,
            healthPath: rendererHealthPath,
            // v5's image has neither wget nor curl; it ships a healthcheck subcommand (its Dockerfile's HEALTHCHECK).
            healthcheck: v5
                ? ["CMD", "/usr/bin/grafana-image-renderer", "healthcheck"]
                : httpProbeCommand(RENDERER_PORT, rendererHealthPath),
            runAsUser: 65532,
            resources: rendererResources,
            env: [
                ...rendererEnv(settings.rendererMajor, settings.ignoreHttpsErrors, rendererResources.limits.memory),
                // v5 always serves /metrics; v3/v4 only with this (v4's ENABLE_METRICS).
                ...(settings.monitoringNamespace && !v5 ? [{ name: "ENABLE_METRICS", value: "true" }] : []),
            ],
        },
    };
}
