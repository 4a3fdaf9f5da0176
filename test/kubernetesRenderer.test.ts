// kubernetesMode renderer: only the renderer, for a Grafana that runs elsewhere. Run through
// the whole program under mocks: what is registered (renderer objects, nothing of Grafana),
// what the NetworkPolicy admits, what the outputs hand over (token only as a secret), and
// how its keys are validated.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigValidationError } from "../components/config/config";
import { isSecretValue, ofType, one, RegisteredResource, valueOf } from "./harness/pulumiMocks";
import { runStack } from "./harness/program";
import { validateAllKubernetesObjects } from "./harness/kubernetesSchemas";
import { settingsFor } from "./harness/configSource";

const RENDERER_TOKEN = "renderer-only-token-0123456789abcdef";
const T = {
    namespace: "kubernetes:core/v1:Namespace",
    secret: "kubernetes:core/v1:Secret",
    service: "kubernetes:core/v1:Service",
    pvc: "kubernetes:core/v1:PersistentVolumeClaim",
    deployment: "kubernetes:apps/v1:Deployment",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
};
const BASE = {
    target: "kubernetes",
    kubernetesMode: "renderer",
    namespace: "rendering",
    grafanaCallbackUrl: "http://grafana.monitoring:80/",
    grafanaNamespace: "monitoring",
    grafanaPodSelector: "app.kubernetes.io/name=grafana,app.kubernetes.io/instance=grafana",
    rendererReplicas: "2",
    rendererToken: RENDERER_TOKEN,
};

async function secretOutput(o: unknown): Promise<{ secret: boolean; value: unknown }> {
    const out = pulumi.output(o as pulumi.Input<unknown>);
    return { secret: await pulumi.isSecret(out), value: await valueOf(out) };
}

describe("kubernetes renderer mode: the renderer alone, for a Grafana from elsewhere", function () {
    let resources: RegisteredResource[];
    let outputs: Record<string, unknown>;
    before(async () => {
        const run = await runStack(BASE);
        assert.equal(run.error, undefined, String(run.error));
        resources = run.resources;
        outputs = run.result!;
    });

    it("registers the renderer's Namespace, Secret, Deployment, Service, NetworkPolicy and PDB, all schema-valid", () => {
        const k8sTypes = resources
            .filter((r) => r.type.startsWith("kubernetes:"))
            .map((r) => r.type)
            .sort();
        assert.deepEqual(k8sTypes, [T.pdb, T.deployment, T.namespace, T.secret, T.service, T.networkPolicy].sort());
        assert.equal(one(resources, T.deployment).plain.metadata.name, "grafana-image-renderer");
        assert.equal(one(resources, T.deployment).plain.spec.replicas, 2);
        assert.equal(one(resources, T.service).plain.metadata.name, "grafana-image-renderer");
        assert.equal(validateAllKubernetesObjects(resources), 6);
    });

    it("creates nothing of Grafana: no Grafana workload, Service, claim, provider or alerting resource", () => {
        assert.equal(ofType(resources, T.pvc).length, 0);
        assert.ok(!resources.some((r) => /grafana\.integreatly\.org|integreatly\.org/.test(r.type)), "no Grafana CR");
        assert.ok(
            !resources.some((r) => r.type.startsWith("grafana:") || r.type === "pulumi:providers:grafana"),
            "no Grafana-side resource",
        );
        assert.ok(!resources.some((r) => r.type.startsWith("pulumi-nodejs:dynamic")), "no verification");
        const d = one(resources, T.deployment);
        assert.deepEqual(
            d.plain.spec.template.spec.containers.map((c: any) => c.name),
            ["grafana-image-renderer"],
        );
    });

    it("keeps only the renderer token in the Secret, and the Deployment reads it by reference", () => {
        const secret = one(resources, T.secret);
        assert.deepEqual(Object.keys(secret.plain.stringData), ["renderer-token"]);
        assert.ok(isSecretValue(secret.inputs.stringData["renderer-token"]) || isSecretValue(secret.inputs.stringData));
        const env = one(resources, T.deployment).plain.spec.template.spec.containers[0].env;
        const auth = env.find((e: any) => e.name === "AUTH_TOKEN");
        assert.equal(auth.value, undefined);
        assert.equal(auth.valueFrom.secretKeyRef.key, "renderer-token");
        for (const r of resources.filter((x) => x.type !== T.secret && x.type !== "random:index/randomPassword:RandomPassword")) {
            assert.ok(!JSON.stringify(r.plain).includes(RENDERER_TOKEN), `${r.type} ${r.name} carries the token`);
        }
    });

    it("admits only the configured Grafana pods in the configured namespace, on the renderer's port", () => {
        const np = one(resources, T.networkPolicy);
        assert.deepEqual(np.plain.spec.policyTypes, ["Ingress"]);
        assert.deepEqual(np.plain.spec.ingress, [
            {
                // One peer with both selectors: those pods in that namespace (not: any pod there, or those labels anywhere).
                from: [
                    {
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
                        podSelector: { matchLabels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "grafana" } },
                    },
                ],
                ports: [{ protocol: "TCP", port: 8081 }],
            },
        ]);
        assert.deepEqual(np.plain.spec.podSelector.matchLabels, one(resources, T.deployment).plain.spec.selector.matchLabels);
    });

    it("keeps a renderer up during node drains with several replicas (PDB over the renderer pods)", () => {
        const pdb = one(resources, T.pdb);
        assert.equal(pdb.plain.spec.maxUnavailable, 1);
        assert.deepEqual(pdb.plain.spec.selector.matchLabels, one(resources, T.deployment).plain.spec.selector.matchLabels);
    });

    it("outputs the two URLs in plain text and the token only as secrets", async () => {
        assert.equal(outputs.renderingServerUrl, "http://grafana-image-renderer.rendering:8081/render");
        assert.equal(outputs.renderingCallbackUrl, "http://grafana.monitoring:80/");
        const token = await secretOutput(outputs.rendererToken);
        assert.deepEqual(token, { secret: true, value: RENDERER_TOKEN });
        const env = await secretOutput(outputs.grafanaRenderingEnv);
        assert.equal(env.secret, true, "the GF_RENDERING_* lines contain the token: a secret as a whole");
        assert.deepEqual((env.value as string).trim().split("\n"), [
            "GF_RENDERING_SERVER_URL=http://grafana-image-renderer.rendering:8081/render",
            "GF_RENDERING_CALLBACK_URL=http://grafana.monitoring:80/",
            `GF_RENDERING_RENDERER_TOKEN=${RENDERER_TOKEN}`,
            "GF_UNIFIED_ALERTING_SCREENSHOTS_CAPTURE=true",
        ]);
        for (const key of ["grafanaUrl", "grafanaAdminUser", "grafanaAdminPassword", "dashboardUrl", "verification"]) {
            assert.ok(!(key in outputs), `no ${key} output: there is no Grafana here`);
        }
        for (const [k, v] of Object.entries(outputs)) {
            const o = await secretOutput(v);
            if (!o.secret) assert.ok(!JSON.stringify(o.value ?? null).includes(RENDERER_TOKEN), `plain output ${k} carries the token`);
        }
    });

    it("says in nextSteps what to give Grafana, without the token itself", () => {
        const steps = (outputs.nextSteps as string[]).join("\n");
        assert.match(steps, /GF_RENDERING_SERVER_URL=http:\/\/grafana-image-renderer\.rendering:8081\/render/);
        assert.match(steps, /GF_RENDERING_CALLBACK_URL=http:\/\/grafana\.monitoring:80\//);
        assert.match(steps, /pulumi stack output rendererToken --show-secrets/);
        assert.match(steps, /kubectl create secret generic grafana-renderer-token -n monitoring/);
        assert.doesNotMatch(steps, new RegExp(RENDERER_TOKEN));
        assert.doesNotMatch(steps, /slackToken/, "no Slack hint: alerting is configured where Grafana runs");
    });
});

describe("kubernetes renderer mode: defaults and an https Grafana", () => {
    it("admits the Helm chart's Grafana pods in its own namespace by default; one replica, no PDB", async () => {
        const run = await runStack({ target: "kubernetes", kubernetesMode: "renderer", grafanaCallbackUrl: "http://grafana:80" });
        assert.equal(run.error, undefined, String(run.error));
        const np = one(run.resources, T.networkPolicy);
        assert.deepEqual(np.plain.spec.ingress[0].from, [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "grafana" } } }]);
        assert.equal(ofType(run.resources, T.pdb).length, 0);
        assert.equal(run.result!.renderingCallbackUrl, "http://grafana:80/");
        assert.equal(
            await pulumi.isSecret(pulumi.output(run.result!.rendererToken as pulumi.Output<string>)),
            true,
            "a generated token is a secret output too",
        );
        validateAllKubernetesObjects(run.resources);
    });

    it("accepts ignoreHttpsErrors with an https callback URL (a private CA) and passes the browser flag", async () => {
        const run = await runStack({
            ...BASE,
            grafanaCallbackUrl: "https://grafana.monitoring.svc:3000/grafana",
            ignoreHttpsErrors: "true",
        });
        assert.equal(run.error, undefined, String(run.error));
        const env = one(run.resources, T.deployment).plain.spec.template.spec.containers[0].env;
        assert.deepEqual(
            env.find((e: any) => e.name === "BROWSER_FLAG"),
            { name: "BROWSER_FLAG", value: "--ignore-certificate-errors" },
        );
        assert.equal(run.result!.renderingCallbackUrl, "https://grafana.monitoring.svc:3000/grafana/");
    });
});

describe("kubernetes renderer mode: config checks", () => {
    const problems = (values: Record<string, string>): ConfigValidationError => {
        try {
            settingsFor(values);
        } catch (e) {
            assert.ok(e instanceof ConfigValidationError, String(e));
            return e;
        }
        assert.fail(`expected ${JSON.stringify(values)} to be rejected`);
    };
    const keys = (e: ConfigValidationError) => e.problems.map((p) => p.key);

    it("requires grafanaCallbackUrl, with the command that sets it", () => {
        const e = problems({ target: "kubernetes", kubernetesMode: "renderer" });
        const p = e.problems.find((x) => x.key === "grafanaCallbackUrl")!;
        assert.match(p.given, /nothing with kubernetesMode renderer/);
        assert.equal(p.fix, "pulumi config set grafanaCallbackUrl http://grafana.monitoring:80/");
    });

    it("refuses a loopback callback (localhost in the renderer's pod is the renderer) and a malformed one", () => {
        assert.match(
            problems({ target: "kubernetes", kubernetesMode: "renderer", grafanaCallbackUrl: "http://localhost:3000" }).message,
            /grafanaCallbackUrl: got "http:\/\/localhost:3000"; allowed: an address of Grafana as seen from the renderer's pod/,
        );
        assert.match(
            problems({ target: "kubernetes", kubernetesMode: "renderer", grafanaCallbackUrl: "grafana:3000" }).message,
            /grafanaCallbackUrl: got "grafana:3000"; allowed: an absolute http/,
        );
    });

    it("reports every problem at once: bad selector, bad namespace, Grafana-side keys that do nothing here, plain-http ignoreHttpsErrors", () => {
        const e = problems({
            target: "kubernetes",
            kubernetesMode: "renderer",
            grafanaCallbackUrl: "http://grafana.monitoring",
            grafanaPodSelector: "app.kubernetes.io/name",
            grafanaNamespace: "Monitoring",
            grafanaUrl: "http://localhost:3000",
            grafanaServiceType: "LoadBalancer",
            ignoreHttpsErrors: "true",
        });
        assert.deepEqual(keys(e).sort(), [
            "grafanaNamespace",
            "grafanaPodSelector",
            "grafanaServiceType",
            "grafanaUrl",
            "ignoreHttpsErrors",
        ]);
        assert.match(e.message, /grafanaPodSelector: got "app\.kubernetes\.io\/name"; allowed: labels as key=value pairs/);
        assert.match(
            e.message,
            /grafanaUrl: got "http:\/\/localhost:3000" with kubernetesMode renderer; allowed: nothing: this stack deploys only the renderer/,
        );
        assert.match(e.message, /ignoreHttpsErrors: got true with a plain http grafanaCallbackUrl/);
    });

    it("never echoes a Slack token given in renderer mode", () => {
        const e = problems({
            target: "kubernetes",
            kubernetesMode: "renderer",
            grafanaCallbackUrl: "http://grafana",
            slackToken: "xoxb-1-2-SECRETVALUE",
            slackChannel: "C0123ABCDE",
        });
        assert.ok(keys(e).includes("slackToken"));
        assert.doesNotMatch(e.message, /SECRETVALUE/);
    });

    it("refuses the renderer-mode keys in the other modes and on Docker", () => {
        const e = problems({
            target: "kubernetes",
            kubernetesMode: "separate",
            grafanaCallbackUrl: "http://grafana",
            grafanaPodSelector: "app=grafana",
            grafanaNamespace: "monitoring",
        });
        assert.deepEqual(keys(e).sort(), ["grafanaCallbackUrl", "grafanaNamespace", "grafanaPodSelector"]);
        assert.match(e.message, /fix: pulumi config rm grafanaCallbackUrl {3}\(or: pulumi config set kubernetesMode renderer\)/);
        const d = problems({ grafanaCallbackUrl: "http://grafana" });
        assert.match(d.message, /grafanaCallbackUrl: got "http:\/\/grafana" with target "docker"/);
    });

    it("reads the selector and namespace into settings", () => {
        const s = settingsFor({
            target: "kubernetes",
            kubernetesMode: "renderer",
            grafanaCallbackUrl: "http://g",
            grafanaPodSelector: " app = grafana , tier=ui ",
            grafanaNamespace: "obs",
        });
        assert.deepEqual(s.grafanaPodSelector, { app: "grafana", tier: "ui" });
        assert.equal(s.grafanaNamespace, "obs");
        assert.equal(s.grafanaCallbackUrl, "http://g/");
    });
});
