// The Docker target on its own, for `npm run e2e` under the real engine and the real Docker
// provider: steps 1-4 of components/program.ts exactly as defineStack() runs them (settings,
// secrets, the wiring decision, the target), and not steps 5-6. Those need the Grafana
// provider, which cannot be built here (terraform-provider-grafana requires AGPL
// github.com/grafana/grafana modules) and a real Grafana to talk to.
import { readSettings } from "../../components/config/config";
import { deployTarget, placementFor } from "../../components/program";
import { StackSecrets } from "../../components/secrets/stackSecrets";
import { decideWiring } from "../../components/wiring/wiring";

async function dockerTargetOnly(): Promise<Record<string, unknown>> {
    const settings = readSettings();
    if (settings.target !== "docker")
        throw new Error(`test/e2e/dockerProgram.ts runs the Docker target only, got target ${settings.target}`);
    const secrets = new StackSecrets("secrets", {
        grafanaAdminPassword: settings.grafanaAdminPassword,
        rendererToken: settings.rendererToken,
    });
    const wiring = decideWiring(settings, placementFor(settings));
    const deployment = await deployTarget(settings, wiring, secrets);
    return {
        grafanaUrl: deployment.grafanaApiUrl,
        renderingServerUrl: deployment.renderingServerUrl,
        renderingCallbackUrl: deployment.renderingCallbackUrl,
        grafanaAdminUser: settings.grafanaAdminUser,
        grafanaAdminPassword: secrets.grafanaAdminPassword,
    };
}

export = dockerTargetOnly();
