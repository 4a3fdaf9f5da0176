// The SlackImageVerification resource as the program registers it (Pulumi mocks): its
// type, that credentials are sent to the engine as secrets whatever the caller passed,
// and that the serialized provider carries no credential.
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { isSecretValue, runWithMocks, valueOf } from "./harness/pulumiMocks";

const TOKEN = "xoxb-resource-test-1234567890-abcdefghijkl";
const PASSWORD = "resource-test-admin-pw-0987";

describe("SlackImageVerification resource (mocks)", function () {
    this.timeout(30_000);

    it("registers a dynamic resource with secret credentials and exposes the results", async () => {
        const run = await runWithMocks(
            {
                stateFor: (args) =>
                    args.type.endsWith(":SlackImageVerification")
                        ? {
                              verified: true,
                              verifiedHow: "files.info shows F1 shared in C1",
                              imageWidth: 1000,
                              slackFileId: "F1",
                              messageTs: "1.2",
                          }
                        : undefined,
            },
            async () => {
                const { SlackImageVerification } = await import("../components/verify/slackImageVerification");
                const v = new SlackImageVerification("verification", {
                    grafanaUrl: "http://localhost:3000",
                    grafanaAuth: `admin:${PASSWORD}`, // plain on purpose: the resource must make it secret
                    dashboardUid: "gsa-dev",
                    panelId: 2,
                    slackToken: TOKEN,
                    slackChannel: "#grafana-alert",
                    stackName: "grafana-slack-alerts/dev",
                    grafanaImage: "grafana/grafana:11.5.2",
                    rendererImage: "grafana/grafana-image-renderer:v5.0.1",
                    cleanupTestMessage: true,
                });
                return {
                    verified: await valueOf(v.verified),
                    how: await valueOf(v.verifiedHow),
                    width: await valueOf(v.imageWidth),
                    fileId: await valueOf(v.slackFileId),
                    ts: await valueOf(v.messageTs),
                };
            },
        );
        assert.equal(run.error, undefined, String(run.error));
        const [res] = run.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/verify:SlackImageVerification");
        assert.ok(res, `registered: ${run.resources.map((r) => r.type).join(", ")}`);
        assert.ok(isSecretValue(res.inputs.slackToken), "slackToken is sent as a secret");
        assert.ok(isSecretValue(res.inputs.grafanaAuth), "grafanaAuth is sent as a secret");
        assert.equal(res.plain.slackToken, TOKEN);
        const provider = String(res.plain.__provider);
        assert.match(provider, /exports\.handler/);
        assert.ok(!provider.includes(TOKEN) && !provider.includes(PASSWORD), "the serialized provider captures no credential");
        assert.deepEqual(run.result, { verified: true, how: "files.info shows F1 shared in C1", width: 1000, fileId: "F1", ts: "1.2" });
    });

    it("keeps an already-secret token secret and leaves an absent one out", async () => {
        const run = await runWithMocks({}, async () => {
            const { SlackImageVerification } = await import("../components/verify/slackImageVerification");
            new SlackImageVerification("grafana-only", {
                grafanaUrl: "http://localhost:3000",
                grafanaAuth: pulumi.secret(`admin:${PASSWORD}`),
                dashboardUid: "gsa-dev",
                panelId: 2,
                stackName: "s",
                grafanaImage: "g",
                rendererImage: "r",
            });
        });
        const [res] = run.resources.filter((r) => r.type.endsWith(":SlackImageVerification"));
        assert.ok(isSecretValue(res.inputs.grafanaAuth));
        assert.equal(res.inputs.slackToken, undefined);
    });
});
