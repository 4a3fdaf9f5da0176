// Where Grafana and the renderer find each other on Kubernetes, per kubernetesMode: one pod
// (`localhost`), two Services (cluster DNS names), or a Grafana from elsewhere (its callback
// URL as configured). Pure, no Kubernetes SDK: the program decides the wiring from it before
// the Kubernetes target is loaded, and the Services are created under the same SERVICE_NAMES.
import type { StackSettings } from "../../config/config";
import { GRAFANA_CONTAINER_PORT, type Placement } from "../../wiring/wiring";
import { SERVICE_NAMES } from "./objectNames";

export function kubernetesPlacement(
    settings: Pick<StackSettings, "kubernetesMode" | "namespace" | "grafanaPort" | "grafanaCallbackUrl">,
): Placement {
    // `<service>.<namespace>` resolves through the pod's DNS search domains on any cluster,
    // whatever its DNS domain (cluster.local is only the default).
    const dnsName = (service: string) => `${service}.${settings.namespace}`;
    if (settings.kubernetesMode === "separate") {
        return {
            rendererHost: dnsName(SERVICE_NAMES.renderer),
            grafanaHost: dnsName(SERVICE_NAMES.grafana),
            grafanaPort: settings.grafanaPort,
        };
    }
    if (settings.kubernetesMode === "renderer") {
        // Grafana runs elsewhere (another namespace too): the browser loads it at the configured URL.
        if (!settings.grafanaCallbackUrl) throw new Error("kubernetesMode renderer needs grafanaCallbackUrl (readSettings requires it).");
        const callback = new URL(settings.grafanaCallbackUrl);
        return {
            rendererHost: dnsName(SERVICE_NAMES.renderer),
            grafanaHost: callback.hostname,
            grafanaPort: Number(callback.port || (callback.protocol === "https:" ? 443 : 80)),
            callbackUrl: settings.grafanaCallbackUrl,
        };
    }
    // sidecar and operator: the renderer is a second container in Grafana's pod.
    return { rendererHost: "localhost", grafanaHost: "localhost", grafanaPort: GRAFANA_CONTAINER_PORT };
}
