// Fixed Kubernetes names and labels shared by the three modes. Names that other objects
// or DNS rely on are fixed here (never auto-named); the placement (placement.ts) addresses
// the same SERVICE_NAMES, so the URLs in the wiring and the Services created here cannot drift apart.
import type { SecretName } from "../../wiring/wiring";

/** Service names (fixed, so the DNS names in the wiring are known before deploy). */
export const SERVICE_NAMES = { grafana: "grafana", renderer: "grafana-image-renderer" } as const;

/** Deployment names in sidecar and separate mode. */
export const DEPLOYMENT_NAMES = { grafana: "grafana", renderer: "grafana-image-renderer" } as const;

/** Container names. The operator merges containers by name; its Grafana container is `grafana`. */
export const CONTAINER_NAMES = { grafana: "grafana", renderer: "grafana-image-renderer" } as const;

/** PersistentVolumeClaim for Grafana's database in sidecar and separate mode. */
export const GRAFANA_DATA_CLAIM = "grafana-data";
/** Size of Grafana's database volume: SQLite with a few dashboards and alert rules. */
export const GRAFANA_DATA_SIZE = "1Gi";
/** Where the Grafana image keeps its database and plugins. */
export const GRAFANA_DATA_PATH = "/var/lib/grafana";

/**
 * Name of the Grafana custom resource. Both operator versions label the pods they create
 * `app: <name>`, and v5 names the data claim `<name>-pvc`; the Service selects on that.
 */
export const GRAFANA_CR_NAME = "grafana";

/** Keys in that Secret. */
export const SECRET_KEYS: Record<SecretName, string> = {
    rendererToken: "renderer-token",
    grafanaAdminPassword: "admin-password",
    grafanaSecretKey: "secret-key",
    grafanaDatabaseUrl: "database-url",
};
/** The admin user name is not secret, but the operator v5 merge needs it as a secretKeyRef too. */
export const ADMIN_USER_KEY = "admin-user";

const PART_OF = "grafana-slack-alerts";

/** Labels on everything this program creates. */
export const COMMON_LABELS = {
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": "pulumi",
} as const;

/** Pod selector labels (sidecar and separate mode). Stable: a selector cannot change after creation. */
export const GRAFANA_SELECTOR = { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/part-of": PART_OF } as const;
export const RENDERER_SELECTOR = { "app.kubernetes.io/name": "grafana-image-renderer", "app.kubernetes.io/part-of": PART_OF } as const;

/** Labels the grafana-operator (v4 and v5) puts on the Grafana pods it creates. */
export const OPERATOR_POD_SELECTOR = { app: GRAFANA_CR_NAME } as const;

export function labels(selector: Record<string, string>, component: string, extra: Record<string, string> = {}): Record<string, string> {
    return { ...COMMON_LABELS, ...extra, ...selector, "app.kubernetes.io/component": component };
}

/** A label value from free text: at most 63 of [A-Za-z0-9_.-], starting and ending alphanumeric. */
function labelValue(text: string): string {
    return text
        .replace(/[^A-Za-z0-9_.-]/g, "-")
        .slice(0, 63)
        .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}

/** `app.kubernetes.io/instance`: the stack, so two stacks' objects can be told apart. Never in a selector. */
export function instanceLabel(stack: string): Record<string, string> {
    const v = labelValue(stack);
    return v ? { "app.kubernetes.io/instance": v } : {};
}

/** `app.kubernetes.io/version`: the image tag, on workloads and their pods (never in a selector). */
export function versionLabel(tag: string | undefined): Record<string, string> {
    const v = labelValue(tag ?? "");
    return v ? { "app.kubernetes.io/version": v } : {};
}
