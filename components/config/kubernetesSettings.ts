// The Kubernetes production keys (renderer-only mode, sizing, placement) and their checks.
// Pure: no SDK is loaded, so config.ts reads them for every target. readSettings() hands in
// its own key readers, so these keys follow the same rules and land in the same all-at-once
// error as every other key.
import type { ConfigKeySpec, KubernetesMode, Target } from "./configKeys";
import { cpuMillis, memoryBytes, MIB } from "../shared/quantity";

/** The Grafana pods of the community Helm chart (charts/grafana `selectorLabels`) carry this label. */
export const DEFAULT_GRAFANA_POD_SELECTOR = "app.kubernetes.io/name=grafana";

export const KUBERNETES_CONFIG_KEYS: readonly ConfigKeySpec[] = [
    {
        name: "grafanaCallbackUrl",
        type: "string",
        default: "",
        description:
            "kubernetesMode renderer (required there): the URL the renderer's browser loads your Grafana at, GF_RENDERING_CALLBACK_URL, e.g. http://grafana.monitoring:80/ for a Helm-installed Grafana.",
    },
    {
        name: "grafanaPodSelector",
        type: "string",
        default: DEFAULT_GRAFANA_POD_SELECTOR,
        description: "kubernetesMode renderer: labels (key=value,...) of the Grafana pods the renderer's NetworkPolicy admits.",
    },
    {
        name: "grafanaNamespace",
        type: "string",
        default: "",
        description: "kubernetesMode renderer: namespace of those Grafana pods; empty means the renderer's own namespace.",
    },
    {
        name: "rendererCpu",
        type: "string",
        default: "250m/2",
        description: "Kubernetes: CPU request/limit of each renderer. The renderer docs recommend 4 cores for heavy use.",
    },
    {
        name: "rendererMemory",
        type: "string",
        default: "512Mi/2Gi",
        description:
            "Memory request/limit of each renderer (Docker: the limit). v5's GOMEMLIMIT and RATE_LIMIT_* follow the limit; at least 512Mi. The renderer docs recommend 16Gi for heavy use.",
    },
    { name: "grafanaCpu", type: "string", default: "100m/1", description: "Kubernetes: CPU request/limit of Grafana." },
    {
        name: "grafanaMemory",
        type: "string",
        default: "256Mi/1Gi",
        description: "Memory request/limit of Grafana (Docker: the limit); at least 256Mi.",
    },
    {
        name: "grafanaStorageSize",
        type: "string",
        default: "1Gi",
        description: "Kubernetes: size of Grafana's database volume (PersistentVolumeClaim).",
    },
    {
        name: "storageClass",
        type: "string",
        default: "",
        description: "Kubernetes: StorageClass of Grafana's database volume; empty means the cluster's default.",
    },
    {
        name: "nodeSelector",
        type: "string",
        default: "",
        description: "Kubernetes: node labels (key=value,...) every pod of this stack must run on.",
    },
    {
        name: "tolerations",
        type: "string",
        default: "",
        description:
            "Kubernetes: taints every pod tolerates, as key[=value][:Effect],... (Effect NoSchedule, PreferNoSchedule or NoExecute).",
    },
    {
        name: "priorityClassName",
        type: "string",
        default: "",
        description: "Kubernetes: PriorityClass of every pod of this stack (it must exist).",
    },
    {
        name: "monitoring",
        type: "boolean",
        default: false,
        description:
            "Kubernetes: create prometheus-operator ServiceMonitors (PodMonitor for a renderer inside Grafana's pod) for Grafana's and the renderer's /metrics, and let monitoringNamespace through the NetworkPolicies.",
    },
    {
        name: "monitoringNamespace",
        type: "string",
        default: "monitoring",
        description: "With monitoring: the namespace Prometheus scrapes from.",
    },
    {
        name: "rendererMaxReplicas",
        type: "integer",
        default: 0,
        description:
            "Kubernetes separate and renderer modes: above rendererReplicas, an autoscaling/v2 HorizontalPodAutoscaler scales the renderer between the two on CPU; 0 means no autoscaling.",
    },
    {
        name: "ingressHost",
        type: "string",
        default: "",
        description:
            "Kubernetes (modes with a Grafana): host name of a networking.k8s.io/v1 Ingress for Grafana; grafanaRootUrl and grafanaUrl default to it.",
    },
    {
        name: "ingressClassName",
        type: "string",
        default: "",
        description: "With ingressHost: the IngressClass (e.g. nginx, traefik); empty means the cluster's default class.",
    },
    {
        name: "ingressTlsSecret",
        type: "string",
        default: "",
        description: "With ingressHost: a kubernetes.io/tls Secret in namespace for that host; the URLs become https.",
    },
    {
        name: "rendererEgress",
        type: "string",
        default: "open",
        description:
            "Kubernetes separate and renderer modes: open, or restricted (the renderer may reach only Grafana's pods and DNS, so its browser cannot be pointed at other addresses).",
    },
];

/** Kubernetes-style requests and limits. */
export interface Resources {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

export interface Toleration {
    key: string;
    operator: "Equal" | "Exists";
    value?: string;
    effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** Where and how big: applied to every pod of the stack (placement) and per container (sizing). */
export interface PodPlacement {
    nodeSelector?: Record<string, string>;
    tolerations?: Toleration[];
    priorityClassName?: string;
}

export interface KubernetesSettings {
    /** kubernetesMode renderer: GF_RENDERING_CALLBACK_URL of the Grafana from elsewhere, with a trailing slash. */
    grafanaCallbackUrl?: string;
    /** kubernetesMode renderer: labels of the Grafana pods the NetworkPolicy admits. */
    grafanaPodSelector: Record<string, string>;
    /** kubernetesMode renderer: their namespace, when it is not the renderer's. */
    grafanaNamespace?: string;
    rendererResources: Resources;
    grafanaResources: Resources;
    grafanaStorageSize: string;
    storageClass?: string;
    /** Pod placement shared by every pod of the stack. */
    podPlacement: PodPlacement;
    /** Set when monitoring is on: the namespace Prometheus scrapes from. */
    monitoringNamespace?: string;
    /** Set when the renderer autoscales: the HPA's maximum (rendererReplicas is its minimum). */
    rendererMaxReplicas?: number;
    rendererEgress: "open" | "restricted";
    /** Grafana's Ingress, when ingressHost is set. */
    ingress?: { host: string; className?: string; tlsSecret?: string; url: string };
    /** Only when an Ingress sets it: Grafana's public address (overrides the general default). */
    grafanaRootUrl?: string;
}

/** What readSettings() lends this module: its readers and its problem list. */
export interface KeyReader {
    raw(key: string): string;
    /** Set to a non-empty value that differs from the declared default. */
    isSet(key: string): boolean;
    problem(key: string, given: string, allowed: string, fix: string): void;
    url(key: string, example: string): string | undefined;
    integer(key: string, min: number, max: number, example: number): number;
    boolean(key: string): boolean;
}

export interface KubernetesContext {
    target: Target;
    kubernetesMode?: KubernetesMode;
    ignoreHttpsErrors: boolean;
    rendererReplicas: number;
}

const quote = (v: string) => JSON.stringify(v);
const set = (key: string, value: string) => `pulumi config set ${key} ${value}`;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Label keys and values: k8s.io/apimachinery pkg/util/validation (qualified name, label value).
export const LABEL_KEY =
    /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** `a=b,c=d` as labels; undefined when any pair is malformed. */
export function parseLabels(text: string): Record<string, string> | undefined {
    const out: Record<string, string> = {};
    const pairs = text
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean);
    if (pairs.length === 0) return undefined;
    for (const pair of pairs) {
        const eq = pair.indexOf("=");
        if (eq <= 0) return undefined;
        const key = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        if (!LABEL_KEY.test(key) || key.length > 253 + 1 + 63 || !LABEL_VALUE.test(value)) return undefined;
        out[key] = value;
    }
    return out;
}

/** Hosts that name the renderer's own pod, not Grafana, when the renderer runs apart. */
const LOOPBACK = /^(localhost|127(\.\d+){3}|\[::1\]|0\.0\.0\.0)$/i;

export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

/** `key[=value][:Effect],...` (kubectl taint syntax) as tolerations; undefined when malformed. */
export function parseTolerations(text: string): Toleration[] | undefined {
    const out: Toleration[] = [];
    for (const item of text
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean)) {
        const m = /^([^=:\s]+)(?:=([^:\s]*))?(?::(\w+))?$/.exec(item);
        if (!m || !LABEL_KEY.test(m[1]) || (m[2] !== undefined && !LABEL_VALUE.test(m[2]))) return undefined;
        if (m[3] !== undefined && !(EFFECTS as readonly string[]).includes(m[3])) return undefined;
        const t: Toleration = m[2] !== undefined ? { key: m[1], operator: "Equal", value: m[2] } : { key: m[1], operator: "Exists" };
        if (m[3]) t.effect = m[3] as Toleration["effect"];
        out.push(t);
    }
    return out.length > 0 ? out : undefined;
}

/**
 * `request/limit` of one resource; undefined (and a problem) when malformed or request > limit.
 * `example` is the workload's own default (Grafana's differs from the renderer's).
 */
function requestLimit(
    r: KeyReader,
    key: string,
    kind: "cpu" | "memory",
    example: string,
    min?: { bytes: number; text: string },
): { request: string; limit: string } | undefined {
    const given = r.raw(key).trim();
    const parts = given.split("/").map((p) => p.trim());
    const measure = kind === "cpu" ? cpuMillis : memoryBytes;
    const values = parts.map(measure);
    if (parts.length !== 2 || values.some((v) => v === undefined)) {
        r.problem(
            key,
            quote(given),
            `request/limit as two Kubernetes ${kind} quantities, e.g. ${example}${kind === "cpu" ? " (m = millicores)" : " (Mi, Gi)"}`,
            set(key, example),
        );
        return undefined;
    }
    if (values[0]! > values[1]!) {
        r.problem(
            key,
            `${quote(given)}, a request above its limit`,
            "a request no larger than the limit",
            set(key, `${parts[1]}/${parts[1]}`),
        );
        return undefined;
    }
    if (min && values[1]! < min.bytes) {
        r.problem(
            key,
            `${quote(given)}, a limit below ${min.text}`,
            `a limit of at least ${min.text}`,
            set(key, `${parts[0]}/${min.text}`),
        );
        return undefined;
    }
    return { request: parts[0], limit: parts[1] };
}

/**
 * `<prefix>Cpu` and `<prefix>Memory` as requests and limits, the workload's defaults where
 * unset or wrong (examples from those defaults: Grafana's differ from the renderer's). A key
 * `refused` where it is set (one problem: remove it) is not also checked for its format.
 */
function workloadResources(
    r: KeyReader,
    prefix: "renderer" | "grafana",
    minMemory: { bytes: number; text: string },
    fallback: Resources,
    refused: (key: string) => boolean,
): Resources {
    const cpuKey = `${prefix}Cpu`;
    const memoryKey = `${prefix}Memory`;
    const cpuExample = `${fallback.requests.cpu}/${fallback.limits.cpu}`;
    const memoryExample = `${fallback.requests.memory}/${fallback.limits.memory}`;
    const cpu = (!refused(cpuKey) && requestLimit(r, cpuKey, "cpu", cpuExample)) || {
        request: fallback.requests.cpu,
        limit: fallback.limits.cpu,
    };
    const memory = (!refused(memoryKey) && requestLimit(r, memoryKey, "memory", memoryExample, minMemory)) || {
        request: fallback.requests.memory,
        limit: fallback.limits.memory,
    };
    return { requests: { cpu: cpu.request, memory: memory.request }, limits: { cpu: cpu.limit, memory: memory.limit } };
}

/** What every phase of readKubernetesSettings shares: the reader, the context and the refusal helpers. */
interface Phase {
    r: KeyReader;
    ctx: KubernetesContext;
    rendererOnly: boolean;
    k8s: boolean;
    /** Docker or Kubernetes: the targets that deploy a renderer. */
    deploysRenderer: boolean;
    /** A key set where this target or mode does not use it. */
    notHere(key: string, allowed: string, alt: string): void;
    /** Refuses a key set outside target kubernetes. */
    kubernetesOnly(key: string): void;
}

export function readKubernetesSettings(r: KeyReader, ctx: KubernetesContext): KubernetesSettings {
    const k8s = ctx.target === "kubernetes";
    const notHere = (key: string, allowed: string, alt: string) => {
        const where = ctx.target === "kubernetes" ? `kubernetesMode ${quote(ctx.kubernetesMode ?? "")}` : `target ${quote(ctx.target)}`;
        r.problem(key, `${quote(r.raw(key))} with ${where}`, allowed, `pulumi config rm ${key}${alt ? `   (or: ${alt})` : ""}`);
    };
    const p: Phase = {
        r,
        ctx,
        rendererOnly: ctx.kubernetesMode === "renderer",
        k8s,
        deploysRenderer: ctx.target === "docker" || ctx.target === "kubernetes",
        notHere,
        kubernetesOnly: (key) => {
            if (!k8s && r.isSet(key)) notHere(key, `${key} only with target kubernetes`, "");
        },
    };
    // Phases in the order their problems are reported.
    const grafanaCallbackUrl = readRendererOnlyKeys(p);
    const { grafanaPodSelector, grafanaNamespace } = readGrafanaLocation(p);
    checkIgnoreHttpsErrors(p, grafanaCallbackUrl);
    const sizing = readSizing(p);
    const podPlacement = readPodPlacement(p);
    const monitoringNamespace = readMonitoring(p);
    const { rendererMaxReplicas, rendererEgress } = readRendererScaling(p);
    const { ingress, grafanaRootUrl } = readIngress(p);

    return {
        grafanaCallbackUrl,
        grafanaPodSelector,
        grafanaNamespace,
        rendererResources: sizing.rendererResources,
        grafanaResources: sizing.grafanaResources,
        grafanaStorageSize: sizing.grafanaStorageSize,
        storageClass: sizing.storageClass,
        podPlacement,
        monitoringNamespace,
        rendererMaxReplicas,
        rendererEgress,
        ...(ingress ? { ingress } : {}),
        ...(grafanaRootUrl ? { grafanaRootUrl } : {}),
    };
}

/** kubernetesMode renderer: the renderer for a Grafana from elsewhere. Returns grafanaCallbackUrl. */
function readRendererOnlyKeys({ r, ctx, rendererOnly, notHere }: Phase): string | undefined {
    let grafanaCallbackUrl: string | undefined;
    if (rendererOnly) {
        grafanaCallbackUrl = r.url("grafanaCallbackUrl", "http://grafana.monitoring:80/");
        if (grafanaCallbackUrl === undefined && r.raw("grafanaCallbackUrl").trim() === "") {
            r.problem(
                "grafanaCallbackUrl",
                "nothing with kubernetesMode renderer",
                "the URL the renderer's browser loads your Grafana at, from inside the cluster (its Service: http://<service>.<namespace>:<port>/)",
                set("grafanaCallbackUrl", "http://grafana.monitoring:80/"),
            );
        } else if (grafanaCallbackUrl !== undefined && LOOPBACK.test(new URL(grafanaCallbackUrl).hostname)) {
            r.problem(
                "grafanaCallbackUrl",
                quote(grafanaCallbackUrl),
                "an address of Grafana as seen from the renderer's pod; localhost there is the renderer itself",
                set("grafanaCallbackUrl", "http://grafana.monitoring:80/"),
            );
            grafanaCallbackUrl = undefined;
        }
        if (grafanaCallbackUrl !== undefined) grafanaCallbackUrl = `${grafanaCallbackUrl}/`;
        // Grafana and its alerting live elsewhere: keys about a Grafana this stack deploys do nothing here.
        for (const key of ["grafanaUrl", "grafanaRootUrl", "grafanaServiceType", "grafanaNodePort", "slackToken", "slackChannel"]) {
            if (r.isSet(key)) {
                r.problem(
                    key,
                    key === "slackToken" ? "a token with kubernetesMode renderer" : `${quote(r.raw(key))} with kubernetesMode renderer`,
                    "nothing: this stack deploys only the renderer; Grafana and its alerting are configured where Grafana runs",
                    `pulumi config rm ${key}`,
                );
            }
        }
    } else if (r.isSet("grafanaCallbackUrl")) {
        notHere(
            "grafanaCallbackUrl",
            "grafanaCallbackUrl only with kubernetesMode renderer (the other modes decide the callback URL themselves)",
            ctx.target === "kubernetes" ? "pulumi config set kubernetesMode renderer" : "",
        );
    }
    return grafanaCallbackUrl;
}

/** grafanaPodSelector and grafanaNamespace: where the Grafana from elsewhere runs (kubernetesMode renderer). */
function readGrafanaLocation({ r, rendererOnly, notHere }: Phase): {
    grafanaPodSelector: Record<string, string>;
    grafanaNamespace: string | undefined;
} {
    let grafanaPodSelector = parseLabels(r.raw("grafanaPodSelector")) ?? parseLabels(DEFAULT_GRAFANA_POD_SELECTOR)!;
    if (!parseLabels(r.raw("grafanaPodSelector"))) {
        r.problem(
            "grafanaPodSelector",
            quote(r.raw("grafanaPodSelector")),
            "labels as key=value pairs separated by commas, e.g. app.kubernetes.io/name=grafana,app.kubernetes.io/instance=grafana",
            set("grafanaPodSelector", DEFAULT_GRAFANA_POD_SELECTOR),
        );
    } else if (!rendererOnly && r.isSet("grafanaPodSelector")) {
        notHere(
            "grafanaPodSelector",
            "grafanaPodSelector only with kubernetesMode renderer (the other modes select the Grafana pods they create)",
            "",
        );
        grafanaPodSelector = parseLabels(DEFAULT_GRAFANA_POD_SELECTOR)!;
    }

    const ns = r.raw("grafanaNamespace").trim();
    let grafanaNamespace: string | undefined = ns || undefined;
    if (ns !== "" && (!DNS_LABEL.test(ns) || ns.length > 63)) {
        r.problem(
            "grafanaNamespace",
            quote(ns),
            "a Kubernetes namespace name: lowercase letters, digits and '-', at most 63 characters",
            set("grafanaNamespace", "monitoring"),
        );
        grafanaNamespace = undefined;
    } else if (ns !== "" && !rendererOnly) {
        notHere("grafanaNamespace", "grafanaNamespace only with kubernetesMode renderer", "");
        grafanaNamespace = undefined;
    }
    return { grafanaPodSelector, grafanaNamespace };
}

/** Certificate checks: off only where the browser loads Grafana over https. */
function checkIgnoreHttpsErrors({ r, ctx, rendererOnly, deploysRenderer }: Phase, grafanaCallbackUrl: string | undefined): void {
    if (deploysRenderer && ctx.ignoreHttpsErrors && !grafanaCallbackUrl?.startsWith("https:")) {
        r.problem(
            "ignoreHttpsErrors",
            rendererOnly ? "true with a plain http grafanaCallbackUrl" : "true while the renderer loads Grafana over plain http",
            "true only with kubernetesMode renderer and an https grafanaCallbackUrl whose certificate comes from a private CA; over http it only switches certificate checks off",
            "pulumi config rm ignoreHttpsErrors",
        );
    }
}

/** Sizing: requests/limits of both workloads, Grafana's volume size and StorageClass. */
function readSizing({ r, rendererOnly, k8s, deploysRenderer, notHere, kubernetesOnly }: Phase): {
    rendererResources: Resources;
    grafanaResources: Resources;
    grafanaStorageSize: string;
    storageClass: string | undefined;
} {
    const noGrafanaHere = (key: string) => {
        if (rendererOnly && r.isSet(key)) {
            r.problem(
                key,
                `${quote(r.raw(key))} with kubernetesMode renderer`,
                "nothing: this stack deploys no Grafana",
                `pulumi config rm ${key}`,
            );
        }
    };
    // Where a sizing key is refused (workloadResources then skips its format).
    const refused = (key: string): boolean => {
        if (!r.isSet(key)) return false;
        if (key.endsWith("Cpu") && !k8s) kubernetesOnly(key);
        else if (!deploysRenderer) notHere(key, `${key} only with target docker or kubernetes (this target deploys nothing)`, "");
        else if (key.startsWith("grafana") && rendererOnly) noGrafanaHere(key);
        else return false;
        return true;
    };
    // Below 512Mi a v5 renderer has no room for Go plus one 256 MiB browser (wiring.ts, rendererMemoryEnv).
    const rendererResources = workloadResources(r, "renderer", { bytes: 512 * MIB, text: "512Mi" }, DEFAULT_RENDERER_RESOURCES, refused);
    const grafanaResources = workloadResources(r, "grafana", { bytes: 256 * MIB, text: "256Mi" }, DEFAULT_GRAFANA_RESOURCES, refused);
    for (const key of ["grafanaStorageSize", "storageClass"]) noGrafanaHere(key);

    kubernetesOnly("grafanaStorageSize");
    let grafanaStorageSize = r.raw("grafanaStorageSize").trim();
    if (memoryBytes(grafanaStorageSize) === undefined) {
        r.problem(
            "grafanaStorageSize",
            quote(grafanaStorageSize),
            "a storage quantity such as 1Gi or 10Gi",
            set("grafanaStorageSize", "1Gi"),
        );
        grafanaStorageSize = "1Gi";
    }
    kubernetesOnly("storageClass");
    const storageClass = r.raw("storageClass").trim() || undefined;
    if (storageClass && (!DNS_SUBDOMAIN.test(storageClass) || storageClass.length > 253)) {
        r.problem(
            "storageClass",
            quote(storageClass),
            "a StorageClass name (kubectl get storageclass): lowercase letters, digits, '-' and '.'",
            set("storageClass", "standard"),
        );
    }
    return { rendererResources, grafanaResources, grafanaStorageSize, storageClass };
}

/** Placement: nodeSelector, tolerations, priorityClassName. */
function readPodPlacement({ r, kubernetesOnly }: Phase): PodPlacement {
    const podPlacement: PodPlacement = {};
    kubernetesOnly("nodeSelector");
    const selectorText = r.raw("nodeSelector").trim();
    if (selectorText !== "") {
        const labels = parseLabels(selectorText);
        if (labels) podPlacement.nodeSelector = labels;
        else
            r.problem(
                "nodeSelector",
                quote(selectorText),
                "node labels as key=value pairs separated by commas, e.g. kubernetes.io/os=linux",
                set("nodeSelector", "kubernetes.io/os=linux"),
            );
    }
    kubernetesOnly("tolerations");
    const tolerationText = r.raw("tolerations").trim();
    if (tolerationText !== "") {
        const tolerations = parseTolerations(tolerationText);
        if (tolerations) podPlacement.tolerations = tolerations;
        else
            r.problem(
                "tolerations",
                quote(tolerationText),
                "taints as key[=value][:Effect] separated by commas, Effect one of NoSchedule | PreferNoSchedule | NoExecute",
                set("tolerations", "dedicated=monitoring:NoSchedule"),
            );
    }
    kubernetesOnly("priorityClassName");
    const priority = r.raw("priorityClassName").trim();
    if (priority !== "") {
        if (DNS_SUBDOMAIN.test(priority) && priority.length <= 253) podPlacement.priorityClassName = priority;
        else
            r.problem(
                "priorityClassName",
                quote(priority),
                "a PriorityClass name (kubectl get priorityclass)",
                set("priorityClassName", "system-cluster-critical"),
            );
    }
    return podPlacement;
}

/** Metrics: ServiceMonitors / PodMonitor, and Prometheus through the NetworkPolicies. Returns monitoringNamespace. */
function readMonitoring({ r, k8s }: Phase): string | undefined {
    const monitoring = r.boolean("monitoring");
    if (monitoring && !k8s) {
        r.problem(
            "monitoring",
            'true with target "docker"',
            "monitoring only with target kubernetes (it creates prometheus-operator objects)",
            "pulumi config rm monitoring",
        );
    }
    const monNs = r.raw("monitoringNamespace").trim();
    let monitoringNamespace: string | undefined;
    if (!DNS_LABEL.test(monNs) || monNs.length > 63) {
        r.problem("monitoringNamespace", quote(monNs), "a Kubernetes namespace name", set("monitoringNamespace", "monitoring"));
    } else if (r.isSet("monitoringNamespace") && !monitoring) {
        r.problem(
            "monitoringNamespace",
            `${quote(monNs)} while monitoring is false`,
            "monitoringNamespace only with monitoring true",
            "pulumi config set monitoring true   (or: pulumi config rm monitoringNamespace)",
        );
    } else if (monitoring && k8s) {
        monitoringNamespace = monNs;
    }
    return monitoringNamespace;
}

/** Renderer autoscaling and egress: only where the renderer has its own Deployment. */
function readRendererScaling({ r, ctx, rendererOnly, k8s }: Phase): {
    rendererMaxReplicas: number | undefined;
    rendererEgress: "open" | "restricted";
} {
    const ownRenderer = k8s && (ctx.kubernetesMode === "separate" || rendererOnly);
    const where = k8s ? `kubernetesMode ${quote(ctx.kubernetesMode ?? "")}` : `target ${quote(ctx.target)}`;
    const maxReplicas = r.integer("rendererMaxReplicas", 0, 100, 5);
    let rendererMaxReplicas: number | undefined;
    if (maxReplicas !== 0) {
        if (!ownRenderer) {
            r.problem(
                "rendererMaxReplicas",
                `${maxReplicas} with ${where}`,
                "autoscaling only in kubernetesMode separate or renderer (elsewhere the renderer shares Grafana's single pod or container set)",
                "pulumi config rm rendererMaxReplicas   (or: pulumi config set kubernetesMode separate)",
            );
        } else if (maxReplicas <= ctx.rendererReplicas) {
            r.problem(
                "rendererMaxReplicas",
                `${maxReplicas} with rendererReplicas ${ctx.rendererReplicas}`,
                "0 (no autoscaling) or more than rendererReplicas, which is the autoscaler's minimum",
                set("rendererMaxReplicas", String(ctx.rendererReplicas + 4)),
            );
        } else {
            rendererMaxReplicas = maxReplicas;
        }
    }
    const egress = r.raw("rendererEgress").trim();
    let rendererEgress: "open" | "restricted" = "open";
    if (egress !== "open" && egress !== "restricted") {
        r.problem("rendererEgress", quote(egress), "open | restricted", set("rendererEgress", "restricted"));
    } else if (egress === "restricted" && !ownRenderer) {
        r.problem(
            "rendererEgress",
            `"restricted" with ${where}`,
            "restricted only in kubernetesMode separate or renderer (a policy on a shared pod would restrict Grafana too)",
            "pulumi config rm rendererEgress   (or: pulumi config set kubernetesMode separate)",
        );
    } else {
        rendererEgress = egress;
    }
    return { rendererMaxReplicas, rendererEgress };
}

/** Grafana's Ingress, and the root URL it implies when grafanaRootUrl is not set. */
function readIngress({ r, rendererOnly, k8s, notHere }: Phase): {
    ingress: KubernetesSettings["ingress"];
    grafanaRootUrl: string | undefined;
} {
    const host = r.raw("ingressHost").trim().toLowerCase();
    let ingress: KubernetesSettings["ingress"];
    if (host !== "") {
        if (!k8s || rendererOnly) {
            notHere(
                "ingressHost",
                "ingressHost only with target kubernetes and a mode that deploys Grafana (sidecar, separate, operator)",
                "",
            );
        } else if (!DNS_SUBDOMAIN.test(host) || host.length > 253 || !host.includes(".")) {
            r.problem(
                "ingressHost",
                quote(host),
                "a fully qualified host name such as grafana.example.com (no scheme, port or path)",
                set("ingressHost", "grafana.example.com"),
            );
        } else {
            ingress = { host, url: "" };
        }
    }
    for (const key of ["ingressClassName", "ingressTlsSecret"] as const) {
        const v = r.raw(key).trim();
        if (v === "") continue;
        if (!DNS_SUBDOMAIN.test(v) || v.length > 253) {
            r.problem(
                key,
                quote(v),
                key === "ingressClassName"
                    ? "an IngressClass name (kubectl get ingressclass)"
                    : "a Secret name (kubectl create secret tls <name> --cert=... --key=...)",
                set(key, key === "ingressClassName" ? "nginx" : "grafana-tls"),
            );
        } else if (host === "") {
            r.problem(
                key,
                `${quote(v)} without ingressHost`,
                `${key} only with ingressHost`,
                `pulumi config set ingressHost grafana.example.com   (or: pulumi config rm ${key})`,
            );
        } else if (ingress) {
            if (key === "ingressClassName") ingress.className = v;
            else ingress.tlsSecret = v;
        }
    }
    let grafanaRootUrl: string | undefined;
    if (ingress) {
        ingress.url = `${ingress.tlsSecret ? "https" : "http"}://${ingress.host}`;
        if (r.raw("grafanaRootUrl").trim() === "") grafanaRootUrl = ingress.url;
    }
    return { ingress, grafanaRootUrl };
}

/** Defaults, as declared in Pulumi.yaml: enough for a demo and light alerting load. */
export const DEFAULT_RENDERER_RESOURCES: Resources = { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "2", memory: "2Gi" } };
export const DEFAULT_GRAFANA_RESOURCES: Resources = { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } };
