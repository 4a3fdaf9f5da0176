// Sidecar mode: one Deployment whose single pod runs Grafana and the renderer; they talk
// over localhost (the wiring's placement says so). One replica only: a second Grafana
// would bring a second renderer and a second, separate database.
import * as k8s from "@pulumi/kubernetes";
import { DEPLOYMENT_NAMES, GRAFANA_SELECTOR, labels } from "./objectNames";
import { AWAIT_TIMEOUTS, ModeContext, ModeResult, grafanaDataClaim, grafanaPortOnlyPolicy } from "./modeCommon";
import { grafanaContainer, grafanaDataVolume, podSecurityContext, rendererContainer, rendererVolumes } from "./podSpecs";

export function deploySidecar(ctx: ModeContext): ModeResult {
    const { settings, wiring } = ctx;
    if (settings.rendererReplicas !== 1) {
        // readSettings already rejects this; a second guard keeps the component honest when used directly.
        throw new Error(`kubernetesMode sidecar runs exactly one renderer (rendererReplicas is ${settings.rendererReplicas}); use kubernetesMode separate to scale it.`);
    }
    const claim = grafanaDataClaim(ctx);
    const podLabels = labels(GRAFANA_SELECTOR, "grafana");

    const deployment = new k8s.apps.v1.Deployment(`${ctx.name}-grafana`, {
        metadata: { name: DEPLOYMENT_NAMES.grafana, namespace: ctx.namespace, labels: podLabels },
        spec: {
            replicas: 1,
            // The data volume is ReadWriteOnce: the old pod must let go of it before the new one starts.
            strategy: { type: "Recreate" },
            selector: { matchLabels: { ...GRAFANA_SELECTOR } },
            template: {
                metadata: { labels: podLabels },
                spec: {
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    securityContext: podSecurityContext(wiring.grafana.runAsUser),
                    containers: [
                        grafanaContainer(wiring.grafana, settings.grafanaImage.ref, ctx.secretName),
                        rendererContainer(wiring.renderer, settings.rendererImage.ref, ctx.secretName),
                    ],
                    volumes: [grafanaDataVolume(claim.metadata.name), ...rendererVolumes()],
                },
            },
        },
    }, { ...ctx.opts, customTimeouts: AWAIT_TIMEOUTS });

    grafanaPortOnlyPolicy(ctx, GRAFANA_SELECTOR);
    return { grafanaPodSelector: { ...GRAFANA_SELECTOR }, ready: [deployment] };
}
