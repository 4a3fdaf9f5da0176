// The whole stack, end to end under mocks: targets, the Grafana side, the verification,
// and what ends up in the stack outputs.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { isSecretValue, ofType, one, RegisteredResource, valueOf } from "./harness/pulumiMocks";
import { runStack } from "./harness/program";
import { DEMO_OFF_HINT } from "../components/program";

const TOKEN = "xoxb-9999-8888-PROGRAMsecretTOKEN";
const PASSWORD = "configured-admin-password";
const RENDERER_TOKEN = "configured-renderer-token-0123456789";
const SECRETS = [TOKEN, PASSWORD, RENDERER_TOKEN];
const DYNAMIC = "pulumi-nodejs:dynamic/verify:SlackImageVerification";
const GRAFANA_PROVIDER = "pulumi:providers:grafana";
const CONTACT_POINT = "grafana:alerting/contactPoint:ContactPoint";

const slackConfig = { slackToken: TOKEN, slackChannel: "C0123ABCDE", grafanaAdminPassword: PASSWORD, rendererToken: RENDERER_TOKEN };

/** Resolves every output (in a non-preview run) so the test can look for secrets in plain ones. */
async function plainOutputs(outputs: Record<string, unknown>): Promise<{ plain: Record<string, unknown>; secretKeys: string[] }> {
    const plain: Record<string, unknown> = {};
    const secretKeys: string[] = [];
    for (const [k, v] of Object.entries(outputs)) {
        const o = pulumi.output(v as pulumi.Input<unknown>);
        if (await pulumi.isSecret(o)) {
            secretKeys.push(k);
            continue;
        }
        plain[k] = await valueOf(o);
    }
    return { plain, secretKeys };
}

const grafanaSide = (rs: RegisteredResource[]) => rs.filter((r) => r.type.startsWith("grafana:") || r.type === GRAFANA_PROVIDER);

describe("program: docker with Slack and verification", () => {
    let resources: RegisteredResource[];
    let outputs: Record<string, unknown>;

    before(async () => {
        const run = await runStack({ ...slackConfig, verifyTrigger: "2026-11-22" }, { stack: "dev" });
        assert.equal(run.error, undefined, String(run.error));
        resources = run.resources;
        outputs = run.result!;
    });

    it("points the Grafana provider at grafanaUrl with secret admin auth", () => {
        const provider = one(resources, GRAFANA_PROVIDER);
        assert.equal(provider.plain.url, "http://localhost:3000");
        assert.ok(isSecretValue(provider.inputs.auth));
        assert.equal(provider.plain.auth, `admin:${PASSWORD}`);
    });

    it("creates the Slack contact point with the configured channel and a secret token", () => {
        const cp = one(resources, CONTACT_POINT);
        assert.equal(cp.plain.slacks[0].recipient, "C0123ABCDE");
        assert.equal(cp.plain.slacks[0].token, TOKEN);
        assert.ok(JSON.stringify(cp.inputs.slacks).includes(pulumi.runtime.specialSecretSig), "token wrapped as a secret");
    });

    it("registers the verification with secret credentials and the dashboard it renders", () => {
        const v = one(resources, DYNAMIC, "verification");
        assert.ok(isSecretValue(v.inputs.grafanaAuth));
        assert.ok(isSecretValue(v.inputs.slackToken));
        assert.equal(v.plain.grafanaUrl, "http://localhost:3000");
        assert.equal(v.plain.slackChannel, "C0123ABCDE");
        assert.equal(v.plain.verifyTrigger, "2026-11-22");
        assert.equal(v.plain.rendererImage, "grafana/grafana-image-renderer:v5.11.1");
        // Named when a render is not the panel (a login page): the callback URL as wired.
        assert.equal(v.plain.rendererCallbackUrl, "http://grafana:3000/");
        const dashboard = one(resources, "grafana:oss/dashboard:Dashboard");
        assert.equal(v.plain.dashboardUid, JSON.parse(dashboard.plain.configJson).uid);
        assert.equal(typeof v.plain.panelId, "number");
        // The alert-path stage follows the demo rule, for the configured time.
        assert.equal(v.plain.verifyAlertTimeout, 300);
        const rules = one(resources, "grafana:alerting/ruleGroup:RuleGroup");
        assert.equal(v.plain.alertRuleUid, rules.plain.rules[0].uid);
    });

    it("exports the alerting outputs and no secret in any plain output", async () => {
        const { plain, secretKeys } = await plainOutputs(outputs);
        assert.deepEqual(secretKeys, ["grafanaAdminPassword"]);
        assert.match(String(plain.dashboardUrl), /^http:\/\/localhost:3000\/d\//);
        assert.ok(plain.alertRuleName);
        assert.ok(plain.contactPoint);
        assert.ok(plain.verification && typeof plain.verification === "object");
        assert.deepEqual(plain.nextSteps, [DEMO_OFF_HINT], "only: turn the demo off once it reached Slack");
        const text = JSON.stringify(plain);
        for (const s of SECRETS) assert.ok(!text.includes(s), "a secret leaked into a plain output");
    });
});

describe("program: docker without Slack", () => {
    it("creates no Slack resource and says how to add Slack", async () => {
        const run = await runStack({});
        assert.equal(run.error, undefined, String(run.error));
        assert.equal(ofType(run.resources, CONTACT_POINT).length, 0);
        assert.equal(ofType(run.resources, "grafana:alerting/notificationPolicy:NotificationPolicy").length, 0);
        const v = one(run.resources, DYNAMIC, "verification");
        assert.equal(v.plain.slackToken, undefined, "the verifier still renders, without Slack");
        assert.equal(v.plain.verifyAlertTimeout, 0, "no Slack, no alert path to wait for");
        const steps = await valueOf(run.result!.nextSteps as string[]);
        assert.equal(steps!.length, 1);
        assert.match(steps![0], /pulumi config set --secret slackToken xoxb-/);
    });

    it("registers no verification with verify=false", async () => {
        const run = await runStack({ verify: "false" });
        assert.equal(ofType(run.resources, DYNAMIC).length, 0);
    });
});

describe("program: kubernetes", () => {
    it("ClusterIP without grafanaUrl: deploys the workloads, skips the Grafana side, says what to set", async () => {
        const run = await runStack({ target: "kubernetes", kubernetesMode: "separate", ...slackConfig });
        assert.equal(run.error, undefined, String(run.error));
        assert.ok(ofType(run.resources, "kubernetes:apps/v1:Deployment").length === 2);
        assert.deepEqual(grafanaSide(run.resources), []);
        assert.equal(ofType(run.resources, DYNAMIC).length, 0);
        const steps = await valueOf(run.result!.nextSteps as string[]);
        assert.match(steps!.join("\n"), /kubectl port-forward svc\/grafana 3000:3000 -n grafana/);
        assert.match(steps!.join("\n"), /pulumi config set grafanaUrl http:\/\/localhost:3000/);
    });

    it("LoadBalancer: the provider and verifier use the Service's address", async () => {
        const run = await runStack(
            { target: "kubernetes", kubernetesMode: "sidecar", grafanaServiceType: "LoadBalancer", grafanaPort: "80", ...slackConfig },
            {
                stateFor: (args) =>
                    args.type === "kubernetes:core/v1:Service" && args.inputs.spec?.type === "LoadBalancer"
                        ? { status: { loadBalancer: { ingress: [{ ip: "203.0.113.7" }] } } }
                        : undefined,
            },
        );
        assert.equal(run.error, undefined, String(run.error));
        assert.equal(one(run.resources, GRAFANA_PROVIDER).plain.url, "http://203.0.113.7:80");
        assert.equal(one(run.resources, DYNAMIC, "verification").plain.grafanaUrl, "http://203.0.113.7:80");
        assert.equal(await valueOf(run.result!.grafanaUrl as pulumi.Output<string>), "http://203.0.113.7:80");
    });

    for (const mode of ["sidecar", "separate", "operator"]) {
        it(`${mode} with grafanaUrl: no secret as a literal env value anywhere, none in plain outputs`, async () => {
            const run = await runStack({
                target: "kubernetes",
                kubernetesMode: mode,
                grafanaUrl: "http://grafana.example.test",
                ...slackConfig,
            });
            assert.equal(run.error, undefined, String(run.error));
            for (const r of run.resources.filter((x) => x.type.startsWith("kubernetes:") && x.type !== "kubernetes:core/v1:Secret")) {
                const text = JSON.stringify(r.plain);
                for (const s of SECRETS) assert.ok(!text.includes(s), `${r.type}/${r.name} carries a secret in plain text`);
            }
            const secret = one(run.resources, "kubernetes:core/v1:Secret");
            assert.ok(isSecretValue(secret.inputs.stringData), "the Secret's data is a Pulumi secret");
            const { plain } = await plainOutputs(run.result!);
            const text = JSON.stringify(plain);
            for (const s of SECRETS) assert.ok(!text.includes(s));
            assert.equal(plain.kubernetesMode, mode);
            assert.ok(one(run.resources, CONTACT_POINT));
            assert.match(String(plain.nextSteps), /pulumi config set grafanaRootUrl/, "Slack links would point at localhost");
        });
    }

    it("a secret stored in plain text in the stack is refused, through the real config source", async () => {
        const run = await runStack({ ...slackConfig }, { secretKeys: ["grafanaAdminPassword", "rendererToken"] });
        assert.ok(run.error instanceof Error);
        assert.match(run.error.message, /slackToken: got a value stored in plain text/);
        assert.ok(!run.error.message.includes(TOKEN));
        assert.deepEqual(run.resources, []);
    });

    it("bad Kubernetes config registers nothing", async () => {
        const run = await runStack({
            target: "kubernetes",
            kubernetesMode: "sidecar",
            rendererReplicas: "2",
            namespace: "Bad_NS",
            grafanaServiceType: "Ingress",
        });
        assert.ok(run.error instanceof Error);
        assert.match(run.error.message, /3 problems/);
        assert.deepEqual(run.resources, []);
    });
});

describe("program: target existing (issue 12)", () => {
    const API_TOKEN = "glsa_programTestToken_0123456789abcdef";
    const PREFLIGHT = "pulumi-nodejs:dynamic/preflight:GrafanaPreflight";
    const POLICY = "grafana:alerting/notificationPolicy:NotificationPolicy";
    const existing = {
        target: "existing",
        grafanaUrl: "https://grafana.example.com",
        grafanaApiToken: API_TOKEN,
        slackToken: TOKEN,
        slackChannel: "C0123ABCDE",
    };

    it("deploys nothing, generates no secret, and creates no notification policy", async () => {
        const run = await runStack(existing);
        assert.equal(run.error, undefined, String(run.error));
        const foreign = run.resources.filter((r) => /^(docker|kubernetes|random):/.test(r.type));
        // Only the demo rule's stack marker (a RandomId, no secret) is generated.
        assert.deepEqual(
            foreign.map((r) => `${r.type}::${r.name}`),
            ["random:index/randomId:RandomId::alerting-marker"],
        );
        assert.equal(ofType(run.resources, POLICY).length, 0);
        assert.ok(one(run.resources, CONTACT_POINT));
    });

    it("authenticates with the token as a secret: provider, preflight and verification", async () => {
        const run = await runStack(existing);
        const provider = one(run.resources, GRAFANA_PROVIDER);
        assert.equal(provider.plain.url, "https://grafana.example.com");
        assert.ok(isSecretValue(provider.inputs.auth));
        assert.equal(provider.plain.auth, API_TOKEN);
        for (const [type, name] of [
            [PREFLIGHT, "preflight"],
            [DYNAMIC, "verification"],
        ]) {
            const r = one(run.resources, type, name);
            assert.ok(isSecretValue(r.inputs.grafanaAuth), `${name}: grafanaAuth is secret`);
            assert.equal(r.plain.grafanaAuth, API_TOKEN);
        }
        const { plain, secretKeys } = await plainOutputs(run.result!);
        assert.deepEqual(secretKeys, []);
        assert.ok(!JSON.stringify(plain).includes(API_TOKEN));
        assert.equal(plain.grafanaAuthentication, "service account token (grafanaApiToken)");
        assert.equal(plain.grafanaAdminPassword, undefined);
    });

    it("routes the rule to the created contact point and checks the Grafana up front", async () => {
        const run = await runStack(existing);
        const cp = one(run.resources, CONTACT_POINT);
        const rule = one(run.resources, "grafana:alerting/ruleGroup:RuleGroup").plain.rules[0];
        assert.equal(rule.notificationSettings.contactPoint, cp.plain.name);
        const pre = one(run.resources, PREFLIGHT, "preflight");
        assert.equal(pre.plain.target, "existing");
        assert.equal(pre.plain.contactPoint, cp.plain.name);
        assert.equal(pre.plain.folderUid, one(run.resources, "grafana:oss/folder:Folder").plain.uid);
        assert.equal(pre.plain.dockerVolume, undefined);
    });

    it("with the admin user and password instead of a token", async () => {
        const { grafanaApiToken: _t, ...rest } = existing;
        const run = await runStack({ ...rest, grafanaAdminUser: "ops", grafanaAdminPassword: PASSWORD });
        assert.equal(run.error, undefined, String(run.error));
        assert.equal(one(run.resources, GRAFANA_PROVIDER).plain.auth, `ops:${PASSWORD}`);
    });

    it("demoAlert false: no demo dashboard or rule, the proof says it was skipped, no demo hint", async () => {
        const run = await runStack({ ...existing, demoAlert: "false" });
        assert.equal(run.error, undefined, String(run.error));
        assert.equal(ofType(run.resources, "grafana:alerting/ruleGroup:RuleGroup").length, 0);
        assert.equal(ofType(run.resources, DYNAMIC).length, 0);
        const { plain } = await plainOutputs(run.result!);
        assert.match((plain.verification as any).how, /skipped: demoAlert is false/);
        assert.ok(!(plain.nextSteps as string[]).includes(DEMO_OFF_HINT));
    });

    it("demoAlert false with verifyRule: the proof renders that rule's panel and follows that rule", async () => {
        const run = await runStack(
            { ...existing, demoAlert: "false", verifyRule: "p99-latency" },
            {
                stateFor: (args) =>
                    args.type === PREFLIGHT ? { verifyRuleDashboardUid: "svc-overview", verifyRulePanelId: 7 } : undefined,
            },
        );
        assert.equal(run.error, undefined, String(run.error));
        assert.equal(one(run.resources, PREFLIGHT, "preflight").plain.verifyRule, "p99-latency");
        const v = one(run.resources, DYNAMIC, "verification");
        assert.equal(v.plain.rendererCallbackUrl, undefined, "an existing Grafana's callback URL is not known here");
        assert.equal(v.plain.alertRuleUid, "p99-latency");
        assert.equal(v.plain.dashboardUid, "svc-overview");
        assert.equal(v.plain.panelId, 7);
    });

    it("the demo is on by default and nextSteps says to turn it off once verified", async () => {
        const run = await runStack(existing);
        const steps = await valueOf(run.result!.nextSteps as string[]);
        assert.deepEqual(steps, [DEMO_OFF_HINT]);
        assert.match(DEMO_OFF_HINT, /pulumi config set demoAlert false/);
    });

    it("bad configs name their keys, leak no token, and register nothing", async () => {
        const run = await runStack(
            { target: "existing", grafanaApiToken: API_TOKEN, grafanaImage: "grafana/grafana:12.0.0" },
            { secretKeys: [] },
        );
        assert.ok(run.error instanceof Error);
        assert.match(run.error.message, /grafanaUrl: got nothing with target existing/);
        assert.match(
            run.error.message,
            /grafanaApiToken: got a value stored in plain text.*\n\s+fix: pulumi config rm grafanaApiToken && pulumi config set --secret grafanaApiToken glsa_\.\.\./,
        );
        assert.match(run.error.message, /grafanaImage: got "grafana\/grafana:12\.0\.0" with target existing/);
        assert.ok(!run.error.message.includes(API_TOKEN));
        assert.deepEqual(run.resources, []);
    });
});

describe("program: the preflight on the Docker target (lost state, reused volume)", () => {
    it("tells the preflight whether the stack's last update created its Grafana objects (its own outputs)", async () => {
        const fresh = await runStack({ ...slackConfig }, { stack: "dev" });
        const ref = one(fresh.resources, "pulumi:pulumi:StackReference");
        assert.equal(ref.name, "organization/grafana-slack-alerts/dev", "the stack reads its own outputs");
        assert.equal(one(fresh.resources, "pulumi-nodejs:dynamic/preflight:GrafanaPreflight").plain.stateHasObjects, false);
        // A stack deployed by an earlier program version: it exported alertRuleName.
        const deployed = await runStack(
            { ...slackConfig },
            {
                stack: "dev",
                stateFor: (args) =>
                    args.type === "pulumi:pulumi:StackReference"
                        ? { outputs: { alertRuleName: "Demo random walk above threshold" } }
                        : undefined,
            },
        );
        assert.equal(one(deployed.resources, "pulumi-nodejs:dynamic/preflight:GrafanaPreflight").plain.stateHasObjects, true);
        const { plain } = await plainOutputs(deployed.result!);
        assert.ok(plain.grafanaFolderUid, "the marker output for the next run");
    });

    it("runs before every Grafana object, naming the stack's data volume", async () => {
        const run = await runStack({ ...slackConfig }, { stack: "dev" });
        const pre = one(run.resources, "pulumi-nodejs:dynamic/preflight:GrafanaPreflight", "preflight");
        assert.equal(pre.plain.target, "docker");
        const volume = one(run.resources, "docker:index/volume:Volume");
        assert.equal(pre.plain.dockerVolume, volume.plain.name);
        assert.equal(pre.plain.replaceLeftovers, false);
        assert.ok(isSecretValue(pre.inputs.grafanaAuth));
    });
});
