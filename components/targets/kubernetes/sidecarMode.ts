// Sidecar mode: one Deployment whose single pod runs Grafana and the renderer; they talk
// over localhost (the wiring's placement says so). One replica only: a second Grafana
// would bring a second renderer and a second, separate database.
import { GRAFANA_SELECTOR } from "./objectNames";
import type { ModeContext, ModeResult } from "./modeContext";
import { buildGrafanaDeployment, grafanaIngressPolicy } from "./grafanaWorkload";
import { rendererContainer, rendererVolumes } from "./podSpecs";

export function deploySidecar(ctx: ModeContext): ModeResult {
    const { settings, wiring } = ctx;
    if (settings.rendererReplicas !== 1) {
        // readSettings already rejects this; a second guard keeps the component honest when used directly.
        throw new Error(
            `kubernetesMode sidecar runs exactly one renderer (rendererReplicas is ${settings.rendererReplicas}); use kubernetesMode separate to scale it.`,
        );
    }
    const deployment = buildGrafanaDeployment(ctx, {
        containers: [
            rendererContainer(wiring.renderer, settings.rendererImage.ref, ctx.secretName, {
                sharedPod: true,
                existing: settings.existingSecrets,
            }),
        ],
        volumes: rendererVolumes(),
    });

    grafanaIngressPolicy(ctx, GRAFANA_SELECTOR, { sharedRenderer: true });
    return { grafanaPodSelector: { ...GRAFANA_SELECTOR }, ready: [deployment] };
}
