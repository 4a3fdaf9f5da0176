// What every target (Docker, Kubernetes sidecar / separate / operator) hands back to the
// program: where Grafana's API is, how the two were wired, and what to wait for.
import * as pulumi from "@pulumi/pulumi";

export interface GrafanaDeployment {
    /**
     * URL this machine uses to reach Grafana's HTTP API (Grafana provider, verifier), or
     * undefined when there is no way to reach it yet: then `unreachableHint` says what to set.
     */
    readonly grafanaApiUrl?: pulumi.Output<string>;
    /** `GF_RENDERING_SERVER_URL` as configured. */
    readonly renderingServerUrl: string;
    /** `GF_RENDERING_CALLBACK_URL` as configured. */
    readonly renderingCallbackUrl: string;
    /** Resources that finish only once Grafana (and the renderer) are healthy. */
    readonly ready: pulumi.Resource[];
    /** Why Grafana's API cannot be reached yet and the config that fixes it. */
    readonly unreachableHint?: string;
    /** Stack outputs only this target has (kubernetesMode renderer: the settings for your Grafana). */
    readonly outputs?: Record<string, unknown>;
}
