// Separate mode: Grafana and the renderer in their own Deployments, each behind a Service,
// addressing each other by cluster DNS (the wiring's placement uses SERVICE_NAMES). The
// renderer scales to rendererReplicas, with a PodDisruptionBudget when there is more than
// one, and a NetworkPolicy lets only Grafana's pods reach it. Grafana scales too on an
// external database (grafanaReplicas): then its replicas form the alerting HA cluster
// through a headless Service, with their own PodDisruptionBudget and NetworkPolicy.
import { GRAFANA_SELECTOR } from "./objectNames";
import type { ModeContext, ModeResult } from "./modeContext";
import { buildGrafanaDeployment, grafanaIngressPolicy } from "./grafanaWorkload";
import { rendererWorkload } from "./rendererWorkload";
import { alertingPeersService, grafanaDisruptionBudget, grafanaHa } from "./grafanaHa";

export function deploySeparate(ctx: ModeContext): ModeResult {
    const renderer = rendererWorkload(ctx, { podSelector: { ...GRAFANA_SELECTOR }, port: ctx.wiring.grafana.containerPort });
    const grafana = buildGrafanaDeployment(ctx);
    if (grafanaHa(ctx.settings)) {
        alertingPeersService(ctx, GRAFANA_SELECTOR);
        grafanaDisruptionBudget(ctx, GRAFANA_SELECTOR);
        grafanaIngressPolicy(ctx, GRAFANA_SELECTOR, { sharedRenderer: false });
    }
    return { grafanaPodSelector: { ...GRAFANA_SELECTOR }, ready: [grafana, renderer.deployment, renderer.service] };
}
