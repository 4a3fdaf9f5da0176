// How this machine (Pulumi's Grafana provider, the verifier) reaches Grafana's API on a
// cluster. Decided once, before anything is registered: an explicit grafanaUrl wins, a
// LoadBalancer Service yields its address, anything else is "unreachable" with the exact
// commands that fix it. Never a guess that would hang or fail obscurely later.
import * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../../config/config";
import { SERVICE_NAMES } from "./objectNames";

export type GrafanaAccess =
    /** `grafanaUrl` is set: use it as given. */
    | { kind: "explicit"; url: string }
    /** A LoadBalancer Service: its ingress address once Kubernetes assigns one (Pulumi waits for it). */
    | { kind: "loadBalancer"; port: number }
    /** Grafana's Ingress: its host URL, once the ingress controller has admitted it (Pulumi waits for that). */
    | { kind: "ingress"; url: string }
    /** No way to reach Grafana from here yet: deploy the workloads, skip the Grafana side, say what to set. */
    | { kind: "unreachable"; hint: string };

type AccessSettings = Pick<
    StackSettings,
    "grafanaUrl" | "grafanaServiceType" | "grafanaPort" | "grafanaNodePort" | "namespace" | "renderYamlTo" | "ingress"
>;

/** Pure: the access decision for these settings. */
export function decideGrafanaAccess(s: AccessSettings): GrafanaAccess {
    const skipped =
        "The Grafana workloads are deployed; the Grafana-side resources (contact point, alert rules, verification) were skipped.";
    if (s.renderYamlTo) {
        return {
            kind: "unreachable",
            hint: [
                `Grafana's API is not reachable: renderYamlTo is set, so the manifests are written to ${s.renderYamlTo} and nothing runs on a cluster` +
                    (s.grafanaUrl ? ` (grafanaUrl ${s.grafanaUrl} is ignored while renderYamlTo is set).` : "."),
                "The Grafana-side resources (contact point, alert rules, verification) were skipped; the written Secret holds the token and admin password in plain text.",
                "Next, either deploy to the cluster directly:",
                "  pulumi config rm renderYamlTo && pulumi up",
                `or apply the manifests yourself (kubectl apply -R -f ${s.renderYamlTo}) and manage Grafana's alerting by hand.`,
            ].join("\n"),
        };
    }
    if (s.grafanaUrl) return { kind: "explicit", url: s.grafanaUrl };
    if (s.ingress) return { kind: "ingress", url: s.ingress.url };

    const svc = SERVICE_NAMES.grafana;
    const ns = s.namespace;
    if (s.grafanaServiceType === "LoadBalancer") return { kind: "loadBalancer", port: s.grafanaPort };
    if (s.grafanaServiceType === "NodePort") {
        const port =
            s.grafanaNodePort !== undefined
                ? String(s.grafanaNodePort)
                : `<node port from: kubectl get svc ${svc} -n ${ns} -o jsonpath='{.spec.ports[0].nodePort}'>`;
        return {
            kind: "unreachable",
            hint: [
                `Grafana's API is not reachable yet: grafanaServiceType is NodePort and grafanaUrl is not set; Pulumi cannot know which node address reaches the cluster from this machine.`,
                skipped,
                "Next, pick a node address this machine can reach (kubectl get nodes -o wide; localhost on Docker Desktop) and run:",
                `  pulumi config set grafanaUrl http://<node-address>:${port} && pulumi up`,
            ].join("\n"),
        };
    }
    return {
        kind: "unreachable",
        hint: [
            `Grafana's API is not reachable yet: grafanaServiceType is ClusterIP and grafanaUrl is not set.`,
            skipped,
            "Next, either forward a local port (keep it running in another terminal) and point grafanaUrl at it:",
            `  kubectl port-forward svc/${svc} 3000:${s.grafanaPort} -n ${ns}`,
            "  pulumi config set grafanaUrl http://localhost:3000 && pulumi up",
            "or expose Grafana with a Service type this machine can reach:",
            "  pulumi config set grafanaServiceType LoadBalancer && pulumi up    (clusters that provision load balancers)",
            "  pulumi config set grafanaServiceType NodePort && pulumi config set grafanaNodePort 30300 && pulumi config set grafanaUrl http://<node-address>:30300 && pulumi up",
        ].join("\n"),
    };
}

/** The shape of a Service's `status` as far as the load-balancer address goes. */
export interface LoadBalancerStatus {
    loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] };
}

/**
 * `http://<address>:<port>` from a LoadBalancer Service's status. Pulumi only finishes the
 * Service once an address is assigned, so an empty status means something else went wrong:
 * fail with a message that says what, instead of handing the provider a bogus URL.
 */
export function loadBalancerUrlFromStatus(status: LoadBalancerStatus | undefined, port: number, namespace: string): string {
    const ingress = status?.loadBalancer?.ingress?.find((i) => i.hostname || i.ip);
    const host = ingress?.hostname || ingress?.ip;
    if (!host) {
        throw new Error(
            `Service ${SERVICE_NAMES.grafana} in namespace ${namespace} has no load-balancer address (status.loadBalancer.ingress is empty). ` +
                `Check: kubectl get svc ${SERVICE_NAMES.grafana} -n ${namespace}. On clusters without a load-balancer controller ` +
                `use grafanaServiceType NodePort, or ClusterIP with kubectl port-forward, and set grafanaUrl.`,
        );
    }
    return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

export function loadBalancerUrl(
    status: pulumi.Output<LoadBalancerStatus | undefined>,
    port: number,
    namespace: string,
): pulumi.Output<string> {
    return status.apply((st) => loadBalancerUrlFromStatus(st, port, namespace));
}
