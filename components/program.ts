// The whole stack: validate config, generate secrets, decide the wiring, hand it to the
// chosen target, then configure Grafana's alerting and prove an image reaches Slack.
// Target modules are loaded on demand so a Docker stack never loads the Kubernetes SDK.
import * as pulumi from "@pulumi/pulumi";
import { readSettings, StackSettings } from "./config";
import type { GrafanaDeployment } from "./grafanaDeployment";
import { StackSecrets } from "./stackSecrets";
import { decideWiring, placementFor, Wiring } from "./wiring";

/** What to run to add Slack, shown as a stack output when no token is configured. */
export const ADD_SLACK_HINT =
    "Slack is not configured: create the app from slack-app-manifest.yaml (README: \"Create the Slack app\"), then run " +
    "`pulumi config set --secret slackToken xoxb-...` and `pulumi config set slackChannel C0123ABCD` and `pulumi up` again.";

/** Shown when Slack is on but Grafana does not know the address people open it at. */
export const ROOT_URL_HINT =
    "Links in Slack alerts use Grafana's root URL, which is not set (Grafana then links to http://localhost:3000/): " +
    "run `pulumi config set grafanaRootUrl https://<address people open Grafana at>` and `pulumi up`.";

async function deployTarget(settings: StackSettings, wiring: Wiring, secrets: StackSecrets): Promise<GrafanaDeployment> {
    if (settings.target === "docker") {
        const { DockerGrafanaWithRenderer } = await import("./docker/dockerGrafanaWithRenderer");
        return new DockerGrafanaWithRenderer("grafana", {
            stackName: settings.stack,
            grafanaImage: settings.grafanaImage.ref,
            rendererImage: settings.rendererImage.ref,
            grafanaPort: settings.grafanaPort,
            grafanaUrl: settings.grafanaUrl!,
            wiring,
            secret: (name) => secrets.get(name),
        });
    }
    const { KubernetesGrafanaWithRenderer } = await import("./kubernetes/kubernetesGrafanaWithRenderer");
    return new KubernetesGrafanaWithRenderer("grafana", { settings, wiring, secrets });
}

/** Defines every resource of the stack and returns its outputs. Throws before creating anything when config is bad. */
export async function defineStack(): Promise<Record<string, unknown>> {
    const settings = readSettings();
    for (const warning of settings.warnings) pulumi.log.warn(warning);

    const secrets = new StackSecrets("secrets", {
        grafanaAdminPassword: settings.grafanaAdminPassword,
        rendererToken: settings.rendererToken,
    });
    const wiring = decideWiring(settings, placementFor(settings));
    const deployment = await deployTarget(settings, wiring, secrets);

    const nextSteps: string[] = [];
    const outputs: Record<string, unknown> = {
        target: settings.target,
        ...(settings.kubernetesMode ? { kubernetesMode: settings.kubernetesMode, namespace: settings.namespace } : {}),
        grafanaUrl: deployment.grafanaApiUrl,
        renderingServerUrl: deployment.renderingServerUrl,
        renderingCallbackUrl: deployment.renderingCallbackUrl,
        grafanaAdminUser: settings.grafanaAdminUser,
        // A secret output: `pulumi stack output grafanaAdminPassword --show-secrets` to log in.
        grafanaAdminPassword: secrets.grafanaAdminPassword,
        nextSteps,
    };

    if (settings.kubernetesMode === "renderer") {
        // Only the renderer: no Grafana here, so no admin credentials and no alerting; the
        // outputs are the settings for the Grafana from elsewhere (token as a secret).
        delete outputs.grafanaUrl;
        delete outputs.grafanaAdminUser;
        delete outputs.grafanaAdminPassword;
        Object.assign(outputs, deployment.outputs);
        nextSteps.push(deployment.unreachableHint!);
        return outputs;
    }

    if (!deployment.grafanaApiUrl) {
        // Workloads are deployed; Grafana's API cannot be reached from here yet, so the
        // Grafana-side resources wait for the config the hint names.
        nextSteps.push(deployment.unreachableHint ?? "Set grafanaUrl to reach Grafana's API, then run `pulumi up` again.");
        if (!settings.slack) nextSteps.push(ADD_SLACK_HINT);
        return outputs;
    }

    const { GrafanaAlerting } = await import("./alerting/grafanaAlerting");
    const alerting = new GrafanaAlerting("alerting", {
        grafanaUrl: deployment.grafanaApiUrl,
        adminUser: settings.grafanaAdminUser,
        adminPassword: secrets.grafanaAdminPassword,
        slack: settings.slack,
        dependsOn: deployment.ready,
        stackName: settings.stack,
    });
    outputs.dashboardUrl = alerting.dashboardUrl;
    outputs.alertRuleName = alerting.alertRuleName;
    if (alerting.contactPointName) outputs.contactPoint = alerting.contactPointName;
    if (!settings.slack) nextSteps.push(ADD_SLACK_HINT);
    else if (!settings.grafanaRootUrl) nextSteps.push(ROOT_URL_HINT);

    if (settings.verify) {
        const { SlackImageVerification } = await import("./verify/slackImageVerification");
        const verification = new SlackImageVerification("verification", {
            grafanaUrl: deployment.grafanaApiUrl,
            grafanaAuth: pulumi.secret(pulumi.interpolate`${settings.grafanaAdminUser}:${secrets.grafanaAdminPassword}`),
            dashboardUid: alerting.dashboardUid,
            panelId: alerting.panelId,
            slackToken: settings.slack?.token,
            slackChannel: settings.slack?.channel,
            slackApiUrl: settings.slackApiUrl,
            stackName: `${settings.project}/${settings.stack}`,
            grafanaImage: settings.grafanaImage.ref,
            rendererImage: settings.rendererImage.ref,
            verifyTrigger: settings.verifyTrigger,
            cleanupTestMessage: settings.cleanupTestMessage,
            verifyAlertTimeout: settings.slack ? settings.verifyAlertTimeout : 0,
            alertRuleUid: alerting.alertRuleUid,
        }, { dependsOn: [alerting] });
        outputs.verification = {
            verified: verification.verified,
            how: verification.how,
            alertPath: verification.alertPath,
            imageWidth: verification.imageWidth,
            imageHeight: verification.imageHeight,
            imageBytes: verification.imageBytes,
            renderMs: verification.renderMs,
            slackChannelId: verification.slackChannelId,
            slackFileId: verification.slackFileId,
            permalink: verification.permalink,
            messageTs: verification.messageTs,
        };
    }
    return outputs;
}
