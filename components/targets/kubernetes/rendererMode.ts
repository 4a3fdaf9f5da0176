// Renderer mode: only the renderer, for a Grafana that runs elsewhere in the same cluster (a
// Helm release, an operator's). Its Service is ClusterIP and its NetworkPolicy admits only
// the grafanaPodSelector pods, so a Grafana outside the cluster cannot reach it. Nothing of
// Grafana is created here; the stack hands over what that Grafana needs: the two URLs and
// the token (a secret), as settings to paste, or where the token already is (rendererTokenSecret).
import * as pulumi from "@pulumi/pulumi";
import type { Wiring } from "../../wiring/wiring";
import type { ModeContext } from "./modeContext";
import { rendererWorkload, RendererWorkload } from "./rendererWorkload";

export interface RendererModeResult extends RendererWorkload {
    /** Extra stack outputs: the settings for the Grafana from elsewhere. */
    outputs: Record<string, unknown>;
    /** What to do next, for nextSteps. */
    hint: string;
}

/** The `GF_RENDERING_*` variables Grafana needs, token included: a secret as a whole. */
export function grafanaRenderingEnv(wiring: Wiring, token: pulumi.Output<string>): pulumi.Output<string> {
    return pulumi.secret(pulumi.interpolate`GF_RENDERING_SERVER_URL=${wiring.renderingServerUrl}
GF_RENDERING_CALLBACK_URL=${wiring.renderingCallbackUrl}
GF_RENDERING_RENDERER_TOKEN=${token}
GF_UNIFIED_ALERTING_SCREENSHOTS_CAPTURE=true
`);
}

export function deployRendererOnly(ctx: ModeContext, token: pulumi.Output<string> | undefined): RendererModeResult {
    const { settings, wiring } = ctx;
    const workload = rendererWorkload(ctx, { podSelector: settings.grafanaPodSelector, namespace: settings.grafanaNamespace });
    const grafanaNs = settings.grafanaNamespace ?? settings.namespace;
    const selector = Object.entries(settings.grafanaPodSelector)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
    const theirs = settings.existingSecrets.rendererToken;
    const hint = [
        "This stack deploys only the renderer. Give your Grafana these settings (docs/kubernetes.md shows them as Helm values):",
        `  GF_RENDERING_SERVER_URL=${wiring.renderingServerUrl}`,
        `  GF_RENDERING_CALLBACK_URL=${wiring.renderingCallbackUrl}`,
        theirs
            ? `  GF_RENDERING_RENDERER_TOKEN=<the token in key ${theirs.key} of Secret ${theirs.name} in namespace ${settings.namespace} (rendererTokenSecret)>`
            : "  GF_RENDERING_RENDERER_TOKEN=<the token: pulumi stack output rendererToken --show-secrets>",
        "  GF_UNIFIED_ALERTING_SCREENSHOTS_CAPTURE=true   (pictures in alert notifications)",
        ...(theirs
            ? []
            : [
                  `Keep the token in a Secret beside Grafana, e.g.: kubectl create secret generic grafana-renderer-token -n ${grafanaNs} --from-literal=token="$(pulumi stack output rendererToken --show-secrets)"`,
              ]),
        `The renderer admits only pods labelled ${selector} in namespace ${grafanaNs} (grafanaPodSelector, grafanaNamespace).`,
    ].join("\n");
    return {
        ...workload,
        hint,
        // A secret output: `pulumi stack output rendererToken --show-secrets` (none when the token is in the user's Secret).
        outputs: token ? { rendererToken: pulumi.secret(token), grafanaRenderingEnv: grafanaRenderingEnv(wiring, token) } : {},
    };
}
