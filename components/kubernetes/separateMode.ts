// Separate mode: Grafana and the renderer in their own Deployments, each behind a Service,
// addressing each other by cluster DNS (the wiring's placement uses SERVICE_NAMES). The
// renderer scales to rendererReplicas, with a PodDisruptionBudget when there is more than
// one, and a NetworkPolicy lets only Grafana's pods reach it.
import { GRAFANA_SELECTOR } from "./objectNames";
import { ModeContext, ModeResult, buildGrafanaDeployment } from "./modeContext";
import { rendererWorkload } from "./rendererWorkload";

export function deploySeparate(ctx: ModeContext): ModeResult {
    const renderer = rendererWorkload(ctx, { podSelector: { ...GRAFANA_SELECTOR }, port: ctx.wiring.grafana.containerPort });
    const grafana = buildGrafanaDeployment(ctx);
    return { grafanaPodSelector: { ...GRAFANA_SELECTOR }, ready: [grafana, renderer.deployment, renderer.service] };
}
