// What the Kubernetes objects carry beyond their specs, as production clusters need it:
// annotations (Grafana's Service and Ingress, every pod), load-balancer source ranges,
// image pull Secrets, prometheus-operator monitor labels and interval, whether the program
// creates the namespace, and Secrets of the user's that hold the admin password or the
// renderer token. Checked with every other key, into the same all-at-once error.
import type { ConfigKeySpec, GrafanaServiceType, KubernetesMode, Target } from "./configKeys";
import { DNS_SUBDOMAIN, LABEL_KEY, parseLabels, type KeyReader } from "./kubernetesSettings";

const keySpec = (name: string, type: "string" | "boolean", def: string | boolean, description: string): ConfigKeySpec => ({
    name,
    type,
    default: def,
    description,
});

export const KUBERNETES_OBJECT_CONFIG_KEYS: readonly ConfigKeySpec[] = [
    keySpec(
        "createNamespace",
        "boolean",
        true,
        "Kubernetes: create namespace (true), or deploy into one that already exists (false; needed next to another release's namespace and for grafanaAdminPasswordSecret / rendererTokenSecret).",
    ),
    keySpec(
        "grafanaServiceAnnotations",
        "string",
        "",
        'Kubernetes: annotations of Grafana\'s Service as a JSON object, e.g. {"service.beta.kubernetes.io/aws-load-balancer-internal":"true"} for an internal load balancer.',
    ),
    keySpec(
        "grafanaLoadBalancerSourceRanges",
        "string",
        "",
        "With grafanaServiceType LoadBalancer: the client CIDRs (comma-separated, e.g. 203.0.113.0/24) the load balancer admits; empty admits every address.",
    ),
    keySpec(
        "ingressAnnotations",
        "string",
        "",
        'With ingressHost: annotations of Grafana\'s Ingress as a JSON object, e.g. {"cert-manager.io/cluster-issuer":"letsencrypt"}.',
    ),
    keySpec(
        "monitoringLabels",
        "string",
        "",
        "With monitoring: labels (key=value,...) on the ServiceMonitors and PodMonitor, e.g. release=kube-prometheus-stack for the Prometheus that selects by it.",
    ),
    keySpec(
        "monitoringInterval",
        "string",
        "30s",
        "With monitoring: how often Prometheus scrapes (a Prometheus duration such as 30s or 1m).",
    ),
    keySpec("imagePullSecrets", "string", "", "Kubernetes: Secrets (comma-separated names, in namespace) every pod pulls its images with."),
    keySpec(
        "podAnnotations",
        "string",
        "",
        'Kubernetes: annotations of every pod of this stack as a JSON object, e.g. {"sidecar.istio.io/inject":"false"}.',
    ),
    keySpec(
        "grafanaAdminPasswordSecret",
        "string",
        "",
        "Kubernetes modes with a Grafana: an existing Secret in namespace holding the admin password, as name or name:key (key default admin-password), instead of grafanaAdminPassword; needs createNamespace false.",
    ),
    keySpec(
        "rendererTokenSecret",
        "string",
        "",
        "Kubernetes: an existing Secret in namespace holding the renderer token, as name or name:key (key default token), instead of rendererToken; needs createNamespace false.",
    ),
];

/** A key of a Secret that is not this program's. */
export interface SecretRef {
    name: string;
    key: string;
}

export interface KubernetesObjectSettings {
    /** false: the namespace exists already; the program creates no Namespace. */
    createNamespace: boolean;
    grafanaServiceAnnotations?: Record<string, string>;
    grafanaLoadBalancerSourceRanges?: string[];
    ingressAnnotations?: Record<string, string>;
    monitoringLabels?: Record<string, string>;
    monitoringInterval: string;
    imagePullSecrets?: string[];
    podAnnotations?: Record<string, string>;
    /** Secrets of the user's that replace keys of the program's credentials Secret. */
    existingSecrets: { grafanaAdminPassword?: SecretRef; rendererToken?: SecretRef };
}

/** readSettings()'s reader, with its warning list. */
export interface WarningKeyReader extends KeyReader {
    warnings: string[];
}

export interface ObjectContext {
    target: Target;
    kubernetesMode?: KubernetesMode;
    grafanaServiceType: GrafanaServiceType;
    renderYamlTo?: string;
}

const quote = (v: string) => JSON.stringify(v);
const set = (key: string, value: string) => `pulumi config set ${key} '${value}'`;

/** A JSON object of annotations; undefined (and a problem) when malformed. */
function annotations(r: KeyReader, key: string, example: string): Record<string, string> | undefined {
    const text = r.raw(key).trim();
    if (text === "") return undefined;
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        parsed = undefined;
    }
    const entries = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? Object.entries(parsed) : undefined;
    const bad = entries?.find(([k, v]) => typeof v !== "string" || !LABEL_KEY.test(k) || k.length > 317);
    if (!entries || entries.length === 0 || bad) {
        r.problem(
            key,
            bad ? `${quote(text)}: ${quote(bad[0])} is not an annotation name with a string value` : quote(text),
            'a JSON object of annotation names (prefix/name) to string values, e.g. {"example.com/team":"ops"}',
            set(key, example),
        );
        return undefined;
    }
    return Object.fromEntries(entries as [string, string][]);
}

/** "name" or "name:key" of an existing Secret. */
function secretRef(r: KeyReader, key: string, defaultKey: string): SecretRef | undefined {
    const text = r.raw(key).trim();
    if (text === "") return undefined;
    const [name, secretKey = defaultKey, ...rest] = text.split(":");
    if (rest.length > 0 || !DNS_SUBDOMAIN.test(name) || name.length > 253 || !/^[-._a-zA-Z0-9]+$/.test(secretKey)) {
        r.problem(
            key,
            quote(text),
            `a Secret name, or name:key (key default ${defaultKey}; kubectl get secret -n <namespace>)`,
            `pulumi config set ${key} grafana-credentials:${defaultKey}`,
        );
        return undefined;
    }
    return { name, key: secretKey };
}

/** Keys that only mean something on Kubernetes. */
function kubernetesOnly(r: KeyReader, ctx: ObjectContext, keys: readonly string[]): void {
    if (ctx.target === "kubernetes") return;
    for (const key of keys) {
        if (r.isSet(key)) {
            r.problem(
                key,
                `${quote(r.raw(key))} with target ${quote(ctx.target)}`,
                `${key} only with target kubernetes`,
                `pulumi config rm ${key}`,
            );
        }
    }
}

/** Every key of this module, in one pass; each concern in its own function. */
export function readKubernetesObjects(r: WarningKeyReader, ctx: ObjectContext): KubernetesObjectSettings {
    kubernetesOnly(
        r,
        ctx,
        KUBERNETES_OBJECT_CONFIG_KEYS.map((k) => k.name).filter((k) => k !== "monitoringInterval"),
    );
    const createNamespace = r.boolean("createNamespace");
    return {
        createNamespace,
        ...readServiceExposure(r, ctx),
        ...readMonitorObjects(r),
        ...readPodObjects(r),
        existingSecrets: readExistingSecrets(r, ctx, createNamespace),
    };
}

/** An annotation or key that makes a cloud's load balancer internal (AWS, GKE, Azure, OCI and others say "internal"). */
function internalLoadBalancer(a: Record<string, string> | undefined): boolean {
    return Object.entries(a ?? {}).some(([k, v]) => /^internal$/i.test(v) || (/internal/i.test(k) && !/^false$/i.test(v)));
}

/** Grafana's Service annotations and load-balancer source ranges; the Ingress's annotations. */
function readServiceExposure(r: WarningKeyReader, ctx: ObjectContext) {
    const grafanaServiceAnnotations = annotations(
        r,
        "grafanaServiceAnnotations",
        '{"service.beta.kubernetes.io/aws-load-balancer-internal":"true"}',
    );
    const rangesText = r.raw("grafanaLoadBalancerSourceRanges").trim();
    const ranges = rangesText === "" ? undefined : rangesText.split(",").map((c) => c.trim());
    const CIDR = /^(\d{1,3}(\.\d{1,3}){3}\/(3[0-2]|[12]?\d)|[0-9a-fA-F:]*:[0-9a-fA-F:]*\/(12[0-8]|1[01]\d|[1-9]?\d))$/;
    let grafanaLoadBalancerSourceRanges: string[] | undefined;
    if (
        ranges &&
        ranges.some(
            (c) =>
                !CIDR.test(c) ||
                c
                    .split("/")[0]
                    .split(".")
                    .some((o) => Number(o) > 255),
        )
    ) {
        r.problem(
            "grafanaLoadBalancerSourceRanges",
            quote(rangesText),
            "client CIDRs separated by commas, e.g. 203.0.113.0/24,2001:db8::/32",
            set("grafanaLoadBalancerSourceRanges", "203.0.113.0/24"),
        );
    } else if (ranges && ctx.target === "kubernetes" && ctx.grafanaServiceType !== "LoadBalancer") {
        r.problem(
            "grafanaLoadBalancerSourceRanges",
            `${quote(rangesText)} with grafanaServiceType ${ctx.grafanaServiceType}`,
            "source ranges only with grafanaServiceType LoadBalancer",
            "pulumi config set grafanaServiceType LoadBalancer   (or: pulumi config rm grafanaLoadBalancerSourceRanges)",
        );
    } else {
        grafanaLoadBalancerSourceRanges = ranges;
    }
    const ingressAnnotations = annotations(r, "ingressAnnotations", '{"cert-manager.io/cluster-issuer":"letsencrypt"}');
    if (ingressAnnotations && r.raw("ingressHost").trim() === "") {
        r.problem(
            "ingressAnnotations",
            "annotations without ingressHost",
            "ingressAnnotations only with ingressHost (they annotate Grafana's Ingress)",
            "pulumi config set ingressHost grafana.example.com   (or: pulumi config rm ingressAnnotations)",
        );
    }
    const deploysGrafana = ctx.target === "kubernetes" && ctx.kubernetesMode !== "renderer";
    for (const key of ["grafanaServiceAnnotations", "grafanaLoadBalancerSourceRanges"]) {
        if (ctx.target === "kubernetes" && !deploysGrafana && r.isSet(key)) {
            r.problem(
                key,
                `${quote(r.raw(key))} with kubernetesMode "renderer"`,
                "nothing: this stack deploys no Grafana Service",
                `pulumi config rm ${key}`,
            );
        }
    }
    if (
        deploysGrafana &&
        ctx.grafanaServiceType === "LoadBalancer" &&
        !grafanaLoadBalancerSourceRanges &&
        !internalLoadBalancer(grafanaServiceAnnotations)
    ) {
        r.warnings.push(PUBLIC_LOAD_BALANCER_WARNING);
    }
    return { grafanaServiceAnnotations, grafanaLoadBalancerSourceRanges, ingressAnnotations };
}

export const PUBLIC_LOAD_BALANCER_WARNING =
    "grafanaServiceType LoadBalancer publishes Grafana over plain http to every address: the admin password Pulumi and the verifier send, " +
    "and every login, cross the network unencrypted. Restrict it (pulumi config set grafanaLoadBalancerSourceRanges 203.0.113.0/24), " +
    'make it internal (pulumi config set grafanaServiceAnnotations \'{"service.beta.kubernetes.io/aws-load-balancer-internal":"true"}\', ' +
    "or your cloud's annotation), or use ingressHost with ingressTlsSecret and grafanaServiceType ClusterIP.";

/** Prometheus-operator monitors: labels a Prometheus selects them by, and the scrape interval. */
function readMonitorObjects(r: KeyReader) {
    const monitoring = r.raw("monitoring").trim().toLowerCase() === "true";
    const labelsText = r.raw("monitoringLabels").trim();
    let monitoringLabels: Record<string, string> | undefined;
    if (labelsText !== "") {
        monitoringLabels = parseLabels(labelsText);
        if (!monitoringLabels) {
            r.problem(
                "monitoringLabels",
                quote(labelsText),
                "labels as key=value pairs separated by commas, e.g. release=kube-prometheus-stack",
                set("monitoringLabels", "release=kube-prometheus-stack"),
            );
        }
    }
    // prometheus-operator's Duration (the ServiceMonitor CRD's pattern for `interval`), without the bare 0.
    const monitoringInterval = r.raw("monitoringInterval").trim();
    const valid =
        /^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$/.test(monitoringInterval) && /[1-9]/.test(monitoringInterval);
    if (!valid) {
        r.problem(
            "monitoringInterval",
            quote(monitoringInterval),
            "a Prometheus duration such as 15s, 30s or 1m",
            set("monitoringInterval", "30s"),
        );
    }
    for (const key of ["monitoringLabels", "monitoringInterval"]) {
        if (r.isSet(key) && !monitoring) {
            r.problem(
                key,
                `${quote(r.raw(key))} while monitoring is false`,
                `${key} only with monitoring true`,
                `pulumi config set monitoring true   (or: pulumi config rm ${key})`,
            );
        }
    }
    return { monitoringLabels, monitoringInterval: valid ? monitoringInterval : "30s" };
}

/** What every pod carries: image pull Secrets and annotations. */
function readPodObjects(r: KeyReader) {
    const pullText = r.raw("imagePullSecrets").trim();
    const names = pullText === "" ? undefined : pullText.split(",").map((n) => n.trim());
    let imagePullSecrets: string[] | undefined;
    if (names && names.some((n) => !DNS_SUBDOMAIN.test(n) || n.length > 253)) {
        r.problem(
            "imagePullSecrets",
            quote(pullText),
            "Secret names separated by commas (kubectl create secret docker-registry <name> ... -n <namespace>)",
            set("imagePullSecrets", "registry-credentials"),
        );
    } else {
        imagePullSecrets = names;
    }
    return { imagePullSecrets, podAnnotations: annotations(r, "podAnnotations", '{"example.com/team":"ops"}') };
}

/** Existing Secrets for the admin password and the renderer token, instead of the program's. */
function readExistingSecrets(r: KeyReader, ctx: ObjectContext, createNamespace: boolean): KubernetesObjectSettings["existingSecrets"] {
    const out: KubernetesObjectSettings["existingSecrets"] = {};
    const pairs = [
        ["grafanaAdminPasswordSecret", "grafanaAdminPassword", "admin-password"],
        ["rendererTokenSecret", "rendererToken", "token"],
    ] as const;
    for (const [key, valueKey, defaultKey] of pairs) {
        const ref = secretRef(r, key, defaultKey);
        if (!ref || ctx.target !== "kubernetes") continue;
        const given = `${quote(r.raw(key))}`;
        if (r.raw(valueKey).trim() !== "") {
            r.problem(
                key,
                `${given} while ${valueKey} is set too`,
                `one of ${key} and ${valueKey}`,
                `pulumi config rm ${valueKey}   (or: pulumi config rm ${key})`,
            );
        } else if (key === "grafanaAdminPasswordSecret" && ctx.kubernetesMode === "renderer") {
            r.problem(key, `${given} with kubernetesMode "renderer"`, "nothing: this stack deploys no Grafana", `pulumi config rm ${key}`);
        } else if (createNamespace) {
            r.problem(
                key,
                `${given} while createNamespace is true`,
                `${key} only with createNamespace false: the Secret must exist in namespace before pulumi up, so the namespace does too`,
                `pulumi config set createNamespace false   (or: pulumi config rm ${key})`,
            );
        } else if (key === "grafanaAdminPasswordSecret" && ctx.renderYamlTo) {
            r.problem(
                key,
                `${given} with renderYamlTo`,
                "grafanaAdminPassword or a generated password with renderYamlTo: the program reads the existing Secret from the cluster, which renderYamlTo never talks to",
                `pulumi config rm ${key}   (or: pulumi config rm renderYamlTo)`,
            );
        } else {
            out[valueKey] = ref;
        }
    }
    return out;
}
