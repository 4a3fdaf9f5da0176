// The Kubernetes production keys (renderer-only mode, sizing, placement) and their checks.
// Pure: no SDK is loaded, so config.ts reads them for every target. readSettings() hands in
// its own key readers, so these keys follow the same rules and land in the same all-at-once
// error as every other key.
import type { ConfigKeySpec, KubernetesMode, Target } from "./config";

/** The Grafana pods of the community Helm chart (charts/grafana `selectorLabels`) carry this label. */
export const DEFAULT_GRAFANA_POD_SELECTOR = "app.kubernetes.io/name=grafana";

export const KUBERNETES_CONFIG_KEYS: readonly ConfigKeySpec[] = [
    { name: "grafanaCallbackUrl", type: "string", default: "", description: "kubernetesMode renderer (required there): the URL the renderer's browser loads your Grafana at, GF_RENDERING_CALLBACK_URL, e.g. http://grafana.monitoring:80/ for a Helm-installed Grafana." },
    { name: "grafanaPodSelector", type: "string", default: DEFAULT_GRAFANA_POD_SELECTOR, description: "kubernetesMode renderer: labels (key=value,...) of the Grafana pods the renderer's NetworkPolicy admits." },
    { name: "grafanaNamespace", type: "string", default: "", description: "kubernetesMode renderer: namespace of those Grafana pods; empty means the renderer's own namespace." },
];

export interface KubernetesSettings {
    /** kubernetesMode renderer: GF_RENDERING_CALLBACK_URL of the Grafana from elsewhere, with a trailing slash. */
    grafanaCallbackUrl?: string;
    /** kubernetesMode renderer: labels of the Grafana pods the NetworkPolicy admits. */
    grafanaPodSelector: Record<string, string>;
    /** kubernetesMode renderer: their namespace, when it is not the renderer's. */
    grafanaNamespace?: string;
}

/** What readSettings() lends this module: its readers and its problem list. */
export interface KeyReader {
    raw(key: string): string;
    /** Set to a non-empty value that differs from the declared default. */
    isSet(key: string): boolean;
    problem(key: string, given: string, allowed: string, fix: string): void;
    url(key: string, example: string): string | undefined;
}

export interface KubernetesContext {
    target: Target;
    kubernetesMode?: KubernetesMode;
    ignoreHttpsErrors: boolean;
}

const quote = (v: string) => JSON.stringify(v);
const set = (key: string, value: string) => `pulumi config set ${key} ${value}`;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Label keys and values: k8s.io/apimachinery pkg/util/validation (qualified name, label value).
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** `a=b,c=d` as labels; undefined when any pair is malformed. */
export function parseLabels(text: string): Record<string, string> | undefined {
    const out: Record<string, string> = {};
    const pairs = text.split(",").map((p) => p.trim()).filter(Boolean);
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

export function readKubernetesSettings(r: KeyReader, ctx: KubernetesContext): KubernetesSettings {
    const rendererOnly = ctx.kubernetesMode === "renderer";
    const notHere = (key: string, allowed: string, alt: string) => {
        const where = ctx.target === "kubernetes" ? `kubernetesMode ${quote(ctx.kubernetesMode ?? "")}` : `target ${quote(ctx.target)}`;
        r.problem(key, `${quote(r.raw(key))} with ${where}`, allowed, `pulumi config rm ${key}${alt ? `   (or: ${alt})` : ""}`);
    };

    // --- kubernetesMode renderer: the renderer for a Grafana from elsewhere.
    let grafanaCallbackUrl: string | undefined;
    if (rendererOnly) {
        grafanaCallbackUrl = r.url("grafanaCallbackUrl", "http://grafana.monitoring:80/");
        if (grafanaCallbackUrl === undefined && r.raw("grafanaCallbackUrl").trim() === "") {
            r.problem("grafanaCallbackUrl", "nothing with kubernetesMode renderer",
                "the URL the renderer's browser loads your Grafana at, from inside the cluster (its Service: http://<service>.<namespace>:<port>/)",
                set("grafanaCallbackUrl", "http://grafana.monitoring:80/"));
        } else if (grafanaCallbackUrl !== undefined && LOOPBACK.test(new URL(grafanaCallbackUrl).hostname)) {
            r.problem("grafanaCallbackUrl", quote(grafanaCallbackUrl),
                "an address of Grafana as seen from the renderer's pod; localhost there is the renderer itself",
                set("grafanaCallbackUrl", "http://grafana.monitoring:80/"));
            grafanaCallbackUrl = undefined;
        }
        if (grafanaCallbackUrl !== undefined) grafanaCallbackUrl = `${grafanaCallbackUrl}/`;
        // Grafana and its alerting live elsewhere: keys about a Grafana this stack deploys do nothing here.
        for (const key of ["grafanaUrl", "grafanaRootUrl", "grafanaServiceType", "grafanaNodePort", "slackToken", "slackChannel"]) {
            if (r.isSet(key)) {
                r.problem(key, key === "slackToken" ? "a token with kubernetesMode renderer" : `${quote(r.raw(key))} with kubernetesMode renderer`,
                    "nothing: this stack deploys only the renderer; Grafana and its alerting are configured where Grafana runs",
                    `pulumi config rm ${key}`);
            }
        }
    } else if (r.isSet("grafanaCallbackUrl")) {
        notHere("grafanaCallbackUrl", "grafanaCallbackUrl only with kubernetesMode renderer (the other modes decide the callback URL themselves)",
            ctx.target === "kubernetes" ? "pulumi config set kubernetesMode renderer" : "");
    }

    let grafanaPodSelector = parseLabels(r.raw("grafanaPodSelector")) ?? parseLabels(DEFAULT_GRAFANA_POD_SELECTOR)!;
    if (!parseLabels(r.raw("grafanaPodSelector"))) {
        r.problem("grafanaPodSelector", quote(r.raw("grafanaPodSelector")), "labels as key=value pairs separated by commas, e.g. app.kubernetes.io/name=grafana,app.kubernetes.io/instance=grafana",
            set("grafanaPodSelector", DEFAULT_GRAFANA_POD_SELECTOR));
    } else if (!rendererOnly && r.isSet("grafanaPodSelector")) {
        notHere("grafanaPodSelector", "grafanaPodSelector only with kubernetesMode renderer (the other modes select the Grafana pods they create)", "");
        grafanaPodSelector = parseLabels(DEFAULT_GRAFANA_POD_SELECTOR)!;
    }

    const ns = r.raw("grafanaNamespace").trim();
    let grafanaNamespace: string | undefined = ns || undefined;
    if (ns !== "" && (!DNS_LABEL.test(ns) || ns.length > 63)) {
        r.problem("grafanaNamespace", quote(ns), "a Kubernetes namespace name: lowercase letters, digits and '-', at most 63 characters", set("grafanaNamespace", "monitoring"));
        grafanaNamespace = undefined;
    } else if (ns !== "" && !rendererOnly) {
        notHere("grafanaNamespace", "grafanaNamespace only with kubernetesMode renderer", "");
        grafanaNamespace = undefined;
    }

    // --- Certificate checks: off only where the browser loads Grafana over https.
    const deploysRenderer = ctx.target === "docker" || ctx.target === "kubernetes";
    if (deploysRenderer && ctx.ignoreHttpsErrors && !grafanaCallbackUrl?.startsWith("https:")) {
        r.problem("ignoreHttpsErrors", rendererOnly ? "true with a plain http grafanaCallbackUrl" : "true while the renderer loads Grafana over plain http",
            "true only with kubernetesMode renderer and an https grafanaCallbackUrl whose certificate comes from a private CA; over http it only switches certificate checks off",
            "pulumi config rm ignoreHttpsErrors");
    }

    return { grafanaCallbackUrl, grafanaPodSelector, grafanaNamespace };
}
