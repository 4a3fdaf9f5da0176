// The vocabulary of the stack config: targets, modes, what a key is, and where raw values
// come from. config.ts and every *Settings reader use it; config.ts re-exports it.

export type Target = "docker" | "kubernetes" | "existing";
export type KubernetesMode = "sidecar" | "operator" | "separate" | "renderer";
export type OperatorApiVersion = "v1beta1" | "v1alpha1";
export type GrafanaServiceType = "ClusterIP" | "NodePort" | "LoadBalancer";

export const TARGETS: readonly Target[] = ["docker", "kubernetes", "existing"];
export const KUBERNETES_MODES: readonly KubernetesMode[] = ["sidecar", "operator", "separate", "renderer"];
export const OPERATOR_API_VERSIONS: readonly OperatorApiVersion[] = ["v1beta1", "v1alpha1"];
export const SERVICE_TYPES: readonly GrafanaServiceType[] = ["ClusterIP", "NodePort", "LoadBalancer"];
/** kubernetesMode operator: Grafana's objects as grafana-operator CRs, through Grafana's API, or whichever fits. */
export type OperatorAlerting = "auto" | "crs" | "api";
export const OPERATOR_ALERTING: readonly OperatorAlerting[] = ["auto", "crs", "api"];

export interface ConfigKeySpec {
    name: string;
    type: "string" | "integer" | "boolean";
    /** Default as declared in Pulumi.yaml (the engine injects it when a stack lacks the key). */
    default: string | number | boolean;
    /** Set with `pulumi config set --secret`; never shown. */
    secret?: boolean;
    description: string;
}

/** Where raw values come from: the stack config by default, a map in tests. */
export interface RawConfigSource {
    /** Raw string value of `key`, or undefined when unset. */
    get(key: string): string | undefined;
    /** Whether the stack stores `key` encrypted. */
    isSecret(key: string): boolean;
    /** Keys of this project's namespace present in the stack. */
    keys(): string[];
    /**
     * Whether `key` is set but encrypted where this source cannot decrypt it (the preflight
     * reads the stack file without the CLI): its presence counts, its content is not checked.
     */
    isUnreadable?(key: string): boolean;
}
