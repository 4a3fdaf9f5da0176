// The Kubernetes knobs production users reach for, through the whole program under mocks:
// annotations and load-balancer source ranges, monitor labels and interval, image pull
// Secrets, pod annotations, grafanaIni, the user's own Secrets, an existing namespace, and
// the renderer leaving its pod only after its renders. Every object validated against its schema.
import { strict as assert } from "assert";
import { ConfigValidationError, readSettings } from "../components/config/config";
import { PUBLIC_LOAD_BALANCER_WARNING } from "../components/config/kubernetesObjectSettings";
import { RENDER_TIMEOUT_SECONDS } from "../components/targets/kubernetes/podSpecs";
import { isSecretValue, ofType, one, outputIsSecret, RegisteredResource } from "./harness/pulumiMocks";
import { runStack } from "./harness/program";
import { validateAllKubernetesObjects } from "./harness/kubernetesSchemas";
import { fakeConfigSource, settingsFor } from "./harness/configSource";

const T = {
    namespace: "kubernetes:core/v1:Namespace",
    deployment: "kubernetes:apps/v1:Deployment",
    service: "kubernetes:core/v1:Service",
    secret: "kubernetes:core/v1:Secret",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    serviceMonitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
    podMonitor: "kubernetes:monitoring.coreos.com/v1:PodMonitor",
    grafanaV5: "kubernetes:grafana.integreatly.org/v1beta1:Grafana",
    grafanaV4: "kubernetes:integreatly.org/v1alpha1:Grafana",
    random: "random:index/randomPassword:RandomPassword",
};

type State = (args: { type: string; name: string; inputs: any; id?: string }) => Record<string, any> | undefined;

async function run(config: Record<string, string>, opts: { secretKeys?: string[]; stateFor?: State } = {}): Promise<RegisteredResource[]> {
    const r = await runStack({ target: "kubernetes", ...config }, { secretKeys: opts.secretKeys ?? [], stateFor: opts.stateFor });
    assert.equal(r.error, undefined, String(r.error));
    validateAllKubernetesObjects(r.resources);
    return r.resources;
}

const named = (rs: RegisteredResource[], type: string, name: string) => ofType(rs, type).find((r) => r.plain.metadata?.name === name);
const envOf = (c: any): Record<string, any> => Object.fromEntries(c.env.map((e: any) => [e.name, e]));

/** Every pod template a run defines, with where it comes from. */
function pods(rs: RegisteredResource[]): { source: string; metadata: any; spec: any }[] {
    return [
        ...ofType(rs, T.deployment).map((d) => ({ source: d.plain.metadata.name, ...d.plain.spec.template })),
        ...ofType(rs, T.grafanaV5).map((g) => ({ source: "Grafana v1beta1", ...g.plain.spec.deployment.spec.template })),
    ];
}

function problems(values: Record<string, string>, secretKeys: string[] = []): ConfigValidationError {
    try {
        readSettings(fakeConfigSource({ values, secretKeys }), "grafana-slack-alerts", "test");
    } catch (e) {
        assert.ok(e instanceof ConfigValidationError, String(e));
        return e;
    }
    assert.fail(`expected ${JSON.stringify(values)} to be refused`);
}

describe("kubernetes knobs: Grafana's Service and Ingress", function () {
    it("annotations and load-balancer source ranges on the Service; no warning for a restricted or internal load balancer", async () => {
        const config = {
            kubernetesMode: "separate",
            grafanaServiceType: "LoadBalancer",
            grafanaUrl: "http://grafana.example.com",
            grafanaServiceAnnotations: '{"service.beta.kubernetes.io/aws-load-balancer-internal":"true"}',
            grafanaLoadBalancerSourceRanges: "203.0.113.0/24, 2001:db8::/32",
        };
        const svc = named(await run(config), T.service, "grafana")!.plain;
        assert.deepEqual(svc.metadata.annotations, { "service.beta.kubernetes.io/aws-load-balancer-internal": "true" });
        assert.deepEqual(svc.spec.loadBalancerSourceRanges, ["203.0.113.0/24", "2001:db8::/32"]);
        assert.deepEqual(settingsFor({ target: "kubernetes", ...config }).warnings, []);
        assert.deepEqual(
            settingsFor({ target: "kubernetes", grafanaServiceType: "LoadBalancer", grafanaLoadBalancerSourceRanges: "10.0.0.0/8" })
                .warnings,
            [],
        );
        assert.deepEqual(
            settingsFor({
                target: "kubernetes",
                grafanaServiceType: "LoadBalancer",
                grafanaServiceAnnotations: '{"networking.gke.io/load-balancer-type":"Internal"}',
            }).warnings,
            [],
        );
    });

    it("warns about a public plain-http LoadBalancer (as Pulumi.k8s-separate.yaml ships), with the commands that restrict it", () => {
        const { warnings } = settingsFor({
            target: "kubernetes",
            kubernetesMode: "separate",
            grafanaServiceType: "LoadBalancer",
            grafanaPort: "80",
        });
        assert.deepEqual(warnings, [PUBLIC_LOAD_BALANCER_WARNING]);
        assert.match(warnings[0], /pulumi config set grafanaLoadBalancerSourceRanges/);
        assert.match(warnings[0], /pulumi config set grafanaServiceAnnotations/);
        assert.deepEqual(settingsFor({ target: "kubernetes", kubernetesMode: "separate" }).warnings, [], "ClusterIP: no warning");
    });

    it("annotations on the Ingress (cert-manager acts on them)", async () => {
        const rs = await run({
            kubernetesMode: "sidecar",
            ingressHost: "grafana.example.com",
            ingressTlsSecret: "grafana-tls",
            ingressAnnotations: '{"cert-manager.io/cluster-issuer":"letsencrypt"}',
        });
        assert.deepEqual(one(rs, T.ingress).plain.metadata.annotations, { "cert-manager.io/cluster-issuer": "letsencrypt" });
    });

    it("refuses malformed values and values without the key they depend on, all at once", () => {
        const e = problems({
            target: "kubernetes",
            grafanaServiceAnnotations: '{"bad key!":"x"}',
            grafanaLoadBalancerSourceRanges: "10.0.0.0/8",
            ingressAnnotations: '["not", "an", "object"]',
            podAnnotations: '{"a":1}',
        });
        const byKey = Object.fromEntries(e.problems.map((p) => [p.key, p]));
        assert.match(byKey.grafanaServiceAnnotations.given, /"bad key!" is not an annotation name/);
        assert.match(byKey.grafanaLoadBalancerSourceRanges.given, /with grafanaServiceType ClusterIP/);
        assert.match(byKey.ingressAnnotations.allowed, /a JSON object of annotation names/);
        assert.match(byKey.podAnnotations.given, /"a" is not an annotation name with a string value/);
        assert.match(
            problems({ target: "kubernetes", grafanaServiceType: "LoadBalancer", grafanaLoadBalancerSourceRanges: "10.0.0.300/8" }).message,
            /grafanaLoadBalancerSourceRanges: got "10\.0\.0\.300\/8"; allowed: client CIDRs/,
        );
        assert.match(
            problems({ target: "kubernetes", ingressAnnotations: '{"a":"b"}' }).message,
            /ingressAnnotations: got annotations without ingressHost/,
        );
        assert.match(
            problems({
                target: "kubernetes",
                kubernetesMode: "renderer",
                grafanaCallbackUrl: "http://grafana.monitoring",
                grafanaServiceAnnotations: '{"a":"b"}',
            }).message,
            /grafanaServiceAnnotations: got .* with kubernetesMode "renderer"; allowed: nothing: this stack deploys no Grafana Service/,
        );
        assert.match(
            problems({ grafanaServiceAnnotations: '{"a":"b"}' }).message,
            /grafanaServiceAnnotations: got .* with target "docker"; allowed: grafanaServiceAnnotations only with target kubernetes/,
        );
    });
});

describe("kubernetes knobs: monitors", function () {
    it("labels and interval on every ServiceMonitor and the PodMonitor", async () => {
        for (const kubernetesMode of ["separate", "operator"]) {
            const rs = await run({
                kubernetesMode,
                monitoring: "true",
                monitoringLabels: "release=kube-prometheus-stack",
                monitoringInterval: "1m",
            });
            const monitors = [...ofType(rs, T.serviceMonitor), ...ofType(rs, T.podMonitor)];
            assert.equal(monitors.length, 2, kubernetesMode);
            for (const m of monitors) {
                assert.equal(m.plain.metadata.labels.release, "kube-prometheus-stack", m.name);
                assert.equal(m.plain.metadata.labels["app.kubernetes.io/part-of"], "grafana-slack-alerts", "ours kept");
                const endpoints = m.plain.spec.endpoints ?? m.plain.spec.podMetricsEndpoints;
                assert.deepEqual(
                    endpoints.map((e: any) => e.interval),
                    ["1m"],
                );
            }
        }
    });

    it("refuses them without monitoring, and an interval Prometheus cannot parse", () => {
        const e = problems({ target: "kubernetes", monitoringLabels: "release=x", monitoringInterval: "1 minute" });
        assert.deepEqual(e.problems.map((p) => p.key).sort(), ["monitoringInterval", "monitoringInterval", "monitoringLabels"]);
        assert.match(e.message, /monitoringInterval: got "1 minute"; allowed: a Prometheus duration/);
        assert.match(e.message, /monitoringLabels: got "release=x" while monitoring is false/);
    });
});

describe("kubernetes knobs: every pod", function () {
    it("imagePullSecrets and podAnnotations reach every pod (Deployments, the operator's v5 pod; v4 through its ServiceAccount)", async () => {
        const knobs = { imagePullSecrets: "registry-a, registry-b", podAnnotations: '{"sidecar.istio.io/inject":"false"}' };
        for (const kubernetesMode of ["sidecar", "separate", "operator"]) {
            const rs = await run({ kubernetesMode, ...knobs });
            for (const pod of pods(rs)) {
                assert.deepEqual(
                    pod.spec.imagePullSecrets,
                    [{ name: "registry-a" }, { name: "registry-b" }],
                    `${kubernetesMode} ${pod.source}`,
                );
                assert.deepEqual(pod.metadata.annotations, { "sidecar.istio.io/inject": "false" }, `${kubernetesMode} ${pod.source}`);
            }
        }
        const v4 = one(
            await run({ kubernetesMode: "operator", operatorApiVersion: "v1alpha1", operatorAlerting: "api", ...knobs }),
            T.grafanaV4,
        ).plain.spec;
        assert.deepEqual(v4.serviceAccount.imagePullSecrets, [{ name: "registry-a" }, { name: "registry-b" }]);
        assert.deepEqual(v4.deployment.annotations, { "sidecar.istio.io/inject": "false" });
    });

    it("the renderer in its own pod leaves only after its renders: preStop pause of the render timeout, grace period beyond it", async () => {
        const configs: Record<string, string>[] = [
            { kubernetesMode: "separate" },
            { kubernetesMode: "renderer", grafanaCallbackUrl: "http://grafana.monitoring" },
        ];
        for (const config of configs) {
            const pod = named(await run(config), T.deployment, "grafana-image-renderer")!.plain.spec.template.spec;
            const renderer = pod.containers[0];
            assert.deepEqual(
                renderer.lifecycle,
                { preStop: { sleep: { seconds: RENDER_TIMEOUT_SECONDS } } },
                "no shell needed (v5's image has none)",
            );
            assert.ok(pod.terminationGracePeriodSeconds >= RENDER_TIMEOUT_SECONDS + 5, "the pause plus the renderer's 5 s shutdown");
            assert.ok(renderer.readinessProbe, "in its own pod the renderer keeps its readiness probe");
        }
    });

    it("createNamespace false: no Namespace, everything in the existing one", async () => {
        const rs = await run({ kubernetesMode: "separate", namespace: "monitoring", createNamespace: "false" });
        assert.equal(ofType(rs, T.namespace).length, 0);
        for (const r of rs.filter((x) => x.type.startsWith("kubernetes:"))) assert.equal(r.plain.metadata.namespace, "monitoring", r.name);
        assert.match(problems({ createNamespace: "false" }).message, /createNamespace: got "false" with target "docker"/);
    });
});

describe("kubernetes knobs: the user's own Secrets", function () {
    const EXISTING = {
        createNamespace: "false",
        namespace: "grafana",
        grafanaAdminPasswordSecret: "grafana-admin",
        rendererTokenSecret: "renderer:tok",
    };
    /** The cluster's copy of the user's Secret, as the provider reads it. */
    const cluster: State = (args) =>
        args.id === "grafana/grafana-admin"
            ? { data: { "admin-password": Buffer.from("from-the-cluster-pw").toString("base64") } }
            : undefined;

    it("pods read them by secretKeyRef; our Secret holds neither; Pulumi logs in with the password it reads; no password or token is generated", async () => {
        const r = await runStack(
            { target: "kubernetes", kubernetesMode: "separate", ...EXISTING, grafanaUrl: "http://grafana.example.com", verify: "false" },
            { stateFor: cluster },
        );
        assert.equal(r.error, undefined, String(r.error));
        const rs = r.resources;
        validateAllKubernetesObjects(rs);
        const grafana = envOf(named(rs, T.deployment, "grafana")!.plain.spec.template.spec.containers[0]);
        const renderer = envOf(named(rs, T.deployment, "grafana-image-renderer")!.plain.spec.template.spec.containers[0]);
        assert.deepEqual(grafana.GF_SECURITY_ADMIN_PASSWORD.valueFrom.secretKeyRef, { name: "grafana-admin", key: "admin-password" });
        assert.deepEqual(grafana.GF_RENDERING_RENDERER_TOKEN.valueFrom.secretKeyRef, { name: "renderer", key: "tok" });
        assert.deepEqual(renderer.AUTH_TOKEN.valueFrom.secretKeyRef, { name: "renderer", key: "tok" });
        // A new stack's Grafana gets its own secret_key (issue 23), kept in our Secret.
        assert.deepEqual(Object.keys(one(rs, T.secret, "grafana-credentials").plain.stringData).sort(), ["admin-user", "secret-key"]);
        assert.equal(one(rs, T.secret, "grafana-admin-password").plain.stringData, undefined, "the user's Secret is read, never written");
        assert.deepEqual(
            ofType(rs, T.random).map((x) => x.name),
            ["secrets-grafana-secret-key"],
            "no password or token generated",
        );
        const provider = rs.find((x) => x.type === "pulumi:providers:grafana")!;
        assert.ok(isSecretValue(provider.inputs.auth), "the admin credentials stay a secret");
        assert.equal(provider.plain.auth, "admin:from-the-cluster-pw");
        assert.ok(await outputIsSecret(r.result!.grafanaAdminPassword as any), "the output is a secret");
    });

    it("renderer mode: the token stays in the user's Secret; no token output, the hint names the Secret", async () => {
        const r = await runStack({
            target: "kubernetes",
            kubernetesMode: "renderer",
            grafanaCallbackUrl: "http://grafana.monitoring",
            createNamespace: "false",
            rendererTokenSecret: "grafana-renderer-token",
        });
        assert.equal(r.error, undefined, String(r.error));
        assert.equal(r.result!.rendererToken, undefined);
        assert.equal(r.result!.grafanaRenderingEnv, undefined);
        assert.match(String((r.result!.nextSteps as string[])[0]), /key token of Secret grafana-renderer-token/);
        assert.deepEqual(one(r.resources, T.secret).plain.stringData, {});
    });

    it("need createNamespace false, exclude the value keys, and a cluster to read from", () => {
        const e = problems(
            { target: "kubernetes", grafanaAdminPasswordSecret: "a", rendererTokenSecret: "b:c:d", grafanaAdminPassword: "x".repeat(12) },
            ["grafanaAdminPassword"],
        );
        const byKey = Object.fromEntries(e.problems.map((p) => [p.key, p]));
        assert.match(byKey.grafanaAdminPasswordSecret.given, /while grafanaAdminPassword is set too/);
        assert.match(byKey.rendererTokenSecret.given, /"b:c:d"/);
        assert.match(
            problems({ target: "kubernetes", grafanaAdminPasswordSecret: "a" }).message,
            /grafanaAdminPasswordSecret: got "a" while createNamespace is true.*\n.*fix: pulumi config set createNamespace false/,
        );
        assert.match(
            problems({ target: "kubernetes", createNamespace: "false", grafanaAdminPasswordSecret: "a", renderYamlTo: "out" }).message,
            /grafanaAdminPasswordSecret: got "a" with renderYamlTo/,
        );
    });
});

describe("kubernetes knobs: grafanaIni", function () {
    const SMTP = '{"smtp":{"enabled":true,"host":"smtp.example.com:587"},"feature_toggles":{"enable":"newVizTooltips"}}';

    it("plain: each key becomes GF_<SECTION>_<KEY> (separate), or spec.config (operator v1beta1)", async () => {
        const env = envOf(
            named(await run({ kubernetesMode: "separate", grafanaIni: SMTP }), T.deployment, "grafana")!.plain.spec.template.spec
                .containers[0],
        );
        assert.equal(env.GF_SMTP_ENABLED.value, "true");
        assert.equal(env.GF_SMTP_HOST.value, "smtp.example.com:587");
        assert.equal(env.GF_FEATURE_TOGGLES_ENABLE.value, "newVizTooltips");
        const config = one(await run({ kubernetesMode: "operator", grafanaIni: SMTP }), T.grafanaV5).plain.spec.config;
        assert.deepEqual(config.smtp, { enabled: "true", host: "smtp.example.com:587" });
        assert.equal(config.rendering.server_url, "http://localhost:8081/render", "the program's own keys stay");
    });

    it("stored as a secret: every value through the credentials Secret, none in the pod spec", async () => {
        const ini = '{"smtp":{"password":"smtp-s3cr3t","user":"alerts"},"auth.generic_oauth":{"client_secret":"oauth-s3cr3t"}}';
        for (const kubernetesMode of ["separate", "operator"]) {
            const rs = await run({ kubernetesMode, grafanaIni: ini }, { secretKeys: ["grafanaIni"] });
            const secret = one(rs, T.secret);
            assert.equal(secret.plain.stringData.GF_SMTP_PASSWORD, "smtp-s3cr3t");
            assert.equal(secret.plain.stringData.GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET, "oauth-s3cr3t");
            const pod = pods(rs).find((p) => p.spec.containers.some((c: any) => c.name === "grafana"))!;
            const env = envOf(pod.spec.containers.find((c: any) => c.name === "grafana"));
            assert.equal(env.GF_SMTP_PASSWORD.valueFrom.secretKeyRef.key, "GF_SMTP_PASSWORD", kubernetesMode);
            assert.equal(env.GF_SMTP_USER.valueFrom.secretKeyRef.key, "GF_SMTP_USER");
            const specs = JSON.stringify(rs.filter((r) => r.type !== T.secret).map((r) => r.plain));
            assert.ok(!specs.includes("s3cr3t"), `${kubernetesMode}: no value outside the Secret`);
        }
    });

    it("refuses a secret in plain text, keys the program sets, and non-Kubernetes targets, naming each key", () => {
        const e = problems({
            target: "kubernetes",
            grafanaIni:
                '{"smtp":{"password":"p"},"server":{"root_url":"https://x"},"database":{"url":"postgres://a"},"unified_alerting":{"ha_peers":"x"}}',
        });
        const p = e.problems.find((x) => x.key === "grafanaIni")!;
        assert.match(p.given, /smtp\.password \(it names a secret: store grafanaIni with --secret\)/);
        assert.match(p.given, /server\.root_url \(set grafanaRootUrl\)/);
        assert.match(p.given, /database\.url \(set grafanaDatabaseUrl\)/);
        assert.match(p.given, /unified_alerting\.ha_peers \(set grafanaReplicas\)/);
        assert.match(p.fix, /pulumi config set --secret grafanaIni/);
        assert.ok(!e.message.includes("https://x"), "values are not quoted");
        assert.match(problems({ grafanaIni: '{"smtp":{"host":"x"}}' }).message, /grafanaIni: got settings with target "docker"/);
        assert.match(
            problems({ target: "kubernetes", grafanaIni: '{"smtp":{"host":{"nested":1}}}' }).message,
            /grafanaIni: got smtp\.host: not a section of keys with string, number or boolean values/,
        );
        assert.match(
            problems({ target: "kubernetes", grafanaIni: "{not json" }, ["grafanaIni"]).message,
            /grafanaIni: got a secret that is not a JSON object/,
        );
    });
});
