// Day-2 keys on Kubernetes: monitoring (ServiceMonitors / PodMonitor, validated against the
// prometheus-operator CRDs), renderer autoscaling (HPA, PDB kept consistent) and the
// restricted renderer egress, through the whole program under mocks.
import { strict as assert } from "assert";
import { ConfigValidationError } from "../components/config/config";
import { ofType, one, RegisteredResource } from "./harness/pulumiMocks";
import { runStack } from "./harness/program";
import { validateAllKubernetesObjects } from "./harness/kubernetesSchemas";
import { settingsFor } from "./harness/configSource";

const T = {
    deployment: "kubernetes:apps/v1:Deployment",
    service: "kubernetes:core/v1:Service",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    serviceMonitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
    podMonitor: "kubernetes:monitoring.coreos.com/v1:PodMonitor",
};

async function run(config: Record<string, string>): Promise<RegisteredResource[]> {
    const r = await runStack({ target: "kubernetes", ...config });
    assert.equal(r.error, undefined, String(r.error));
    return r.resources;
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
    Object.entries(selector).every(([k, v]) => labels?.[k] === v);
const policy = (rs: RegisteredResource[], name: string) => ofType(rs, T.networkPolicy).find((p) => p.plain.metadata.name === name)!;
/** The pod templates a run defines: Deployments', and the operator CR's pod (its containers merged into the operator's). */
const podTemplates = (rs: RegisteredResource[]) => [
    ...ofType(rs, T.deployment).map((d) => d.plain.spec.template.spec),
    ...rs
        .filter((r) => r.type === "kubernetes:grafana.integreatly.org/v1beta1:Grafana")
        .map((g) => g.plain.spec.deployment.spec.template.spec),
];
const rendererDeployment = (rs: RegisteredResource[]) =>
    ofType(rs, T.deployment).find((d) => d.plain.metadata.name === "grafana-image-renderer")!;

describe("kubernetes monitoring: ServiceMonitors and the NetworkPolicies", function () {
    it("separate: a ServiceMonitor per Service, each selecting exactly its Service, and Prometheus let through to the renderer", async () => {
        const rs = await run({ kubernetesMode: "separate", monitoring: "true", monitoringNamespace: "prom" });
        validateAllKubernetesObjects(rs);
        const sms = ofType(rs, T.serviceMonitor);
        assert.deepEqual(sms.map((s) => s.plain.metadata.name).sort(), ["grafana", "grafana-image-renderer"]);
        const services = ofType(rs, T.service);
        for (const sm of sms) {
            const selected = services.filter((svc) => matches(sm.plain.spec.selector.matchLabels, svc.plain.metadata.labels));
            assert.deepEqual(
                selected.map((x) => x.plain.metadata.name),
                [sm.plain.metadata.name],
                `${sm.plain.metadata.name} selects its own Service only`,
            );
            assert.deepEqual(sm.plain.spec.endpoints, [{ port: "http", path: "/metrics", interval: "30s", scheme: "http" }]);
            assert.ok(
                selected[0].plain.spec.ports.some((p: any) => p.name === "http"),
                "the Service has the named port",
            );
        }
        const np = policy(rs, "grafana-image-renderer-ingress");
        assert.deepEqual(np.plain.spec.ingress[1], {
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "prom" } } }],
            ports: [{ protocol: "TCP", port: 8081 }],
        });
        assert.equal(ofType(rs, T.podMonitor).length, 0);
    });

    for (const mode of [{ kubernetesMode: "sidecar" }, { kubernetesMode: "operator" }]) {
        it(`${mode.kubernetesMode}: the renderer inside Grafana's pod gets a PodMonitor on its own port name; the policy admits Prometheus to it`, async () => {
            const rs = await run({ ...mode, monitoring: "true" });
            validateAllKubernetesObjects(rs);
            assert.deepEqual(
                ofType(rs, T.serviceMonitor).map((s) => s.plain.metadata.name),
                ["grafana"],
            );
            const pm = one(rs, T.podMonitor);
            assert.deepEqual(pm.plain.spec.podMetricsEndpoints, [{ port: "renderer", path: "/metrics", interval: "30s", scheme: "http" }]);
            // By name (every prometheus-operator version; portNumber needs v0.79): the name must be
            // unique in the pod and be the renderer's port, 8081.
            const pod = podTemplates(rs)[0];
            const named = pod.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => ({ container: c.name, ...p })));
            assert.deepEqual(
                named.filter((p: any) => p.name === "renderer").map((p: any) => [p.container, p.containerPort]),
                [["grafana-image-renderer", 8081]],
            );
            assert.equal(new Set(named.map((p: any) => p.name)).size, named.length, "no duplicate port names in Grafana's pod");
            const np = policy(rs, "grafana-ingress");
            assert.deepEqual(
                pm.plain.spec.selector.matchLabels,
                np.plain.spec.podSelector.matchLabels,
                "the same pods as Grafana's policy",
            );
            assert.deepEqual(np.plain.spec.ingress[1].from, [
                { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
            ]);
            assert.deepEqual(np.plain.spec.ingress[1].ports, [{ protocol: "TCP", port: 8081 }]);
        });
    }

    it("renderer mode: only the renderer's ServiceMonitor (no Grafana here)", async () => {
        const rs = await run({ kubernetesMode: "renderer", grafanaCallbackUrl: "http://grafana.monitoring", monitoring: "true" });
        validateAllKubernetesObjects(rs);
        assert.deepEqual(
            ofType(rs, T.serviceMonitor).map((s) => s.plain.metadata.name),
            ["grafana-image-renderer"],
        );
    });

    it("renderer v4: turns its metrics on with ENABLE_METRICS", async () => {
        const rs = await run({ kubernetesMode: "separate", monitoring: "true", rendererImage: "grafana/grafana-image-renderer:v4.0.14" });
        const env = rendererDeployment(rs).plain.spec.template.spec.containers[0].env;
        assert.deepEqual(
            env.find((e: any) => e.name === "ENABLE_METRICS"),
            { name: "ENABLE_METRICS", value: "true" },
        );
    });

    it("off by default: no monitors, no extra policy rules", async () => {
        const rs = await run({ kubernetesMode: "separate" });
        assert.equal(ofType(rs, T.serviceMonitor).length + ofType(rs, T.podMonitor).length, 0);
        assert.equal(policy(rs, "grafana-image-renderer-ingress").plain.spec.ingress.length, 1);
        const env = rendererDeployment(rs).plain.spec.template.spec.containers[0].env;
        assert.equal(
            env.find((e: any) => e.name === "ENABLE_METRICS"),
            undefined,
        );
    });
});

describe("kubernetes renderer autoscaling (rendererMaxReplicas)", function () {
    it("an autoscaling/v2 HPA on the renderer Deployment between rendererReplicas and the maximum, on CPU", async () => {
        const rs = await run({ kubernetesMode: "separate", rendererReplicas: "2", rendererMaxReplicas: "6" });
        validateAllKubernetesObjects(rs);
        const hpa = one(rs, T.hpa);
        assert.deepEqual(hpa.plain.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "grafana-image-renderer" });
        assert.equal(hpa.plain.spec.minReplicas, 2);
        assert.equal(hpa.plain.spec.maxReplicas, 6);
        // 70% of the CPU limit (2 cores by default), not of the 250m request: one busy browser is 400% of that.
        assert.deepEqual(hpa.plain.spec.metrics[0].resource, { name: "cpu", target: { type: "AverageValue", averageValue: "1400m" } });
        const { scaleUp, scaleDown } = hpa.plain.spec.behavior;
        assert.ok(scaleUp.stabilizationWindowSeconds >= 60, "a burst shorter than one render adds no pod");
        assert.deepEqual(
            scaleUp.policies,
            [{ type: "Pods", value: 1, periodSeconds: 60 }],
            "one pod at a time, not straight to the maximum",
        );
        assert.deepEqual(scaleDown.policies, [{ type: "Pods", value: 1, periodSeconds: 120 }]);
        assert.ok(scaleDown.stabilizationWindowSeconds >= 300);
        const d = rendererDeployment(rs);
        assert.equal(d.plain.spec.replicas, undefined, "replicas left to the autoscaler, or every pulumi up would reset them");
        assert.ok(d.plain.spec.template.spec.containers[0].resources.requests.cpu, "CPU utilisation needs a CPU request");
        assert.equal(one(rs, T.pdb).plain.spec.maxUnavailable, 1);
    });

    it("keeps the PDB with a minimum of one (the autoscaler may add more) without ever blocking a drain", async () => {
        const rs = await run({ kubernetesMode: "renderer", grafanaCallbackUrl: "http://grafana.monitoring", rendererMaxReplicas: "3" });
        validateAllKubernetesObjects(rs);
        assert.equal(one(rs, T.hpa).plain.spec.minReplicas, 1);
        const pdb = one(rs, T.pdb);
        assert.equal(pdb.plain.spec.maxUnavailable, 1);
        assert.equal(pdb.plain.spec.minAvailable, undefined);
        assert.ok(rendererDeployment(rs).plain.spec.template.spec.topologySpreadConstraints, "replicas spread over nodes");
    });

    it("is refused at or below rendererReplicas, and outside separate/renderer mode", () => {
        const errors = (values: Record<string, string>) => {
            try {
                settingsFor(values);
            } catch (e) {
                assert.ok(e instanceof ConfigValidationError);
                return e.message;
            }
            assert.fail("expected a config error");
        };
        assert.match(
            errors({ target: "kubernetes", rendererReplicas: "3", rendererMaxReplicas: "3" }),
            /rendererMaxReplicas: got 3 with rendererReplicas 3; allowed: 0 \(no autoscaling\) or more than rendererReplicas.*\n.*fix: pulumi config set rendererMaxReplicas 7/,
        );
        assert.match(
            errors({ target: "kubernetes", kubernetesMode: "sidecar", rendererMaxReplicas: "4" }),
            /rendererMaxReplicas: got 4 with kubernetesMode "sidecar"/,
        );
        assert.match(errors({ rendererMaxReplicas: "4" }), /rendererMaxReplicas: got 4 with target "docker"/);
    });
});

describe("kubernetes renderer egress (rendererEgress restricted)", function () {
    it("separate: the renderer may reach Grafana's pods on Grafana's port and cluster DNS, nothing else", async () => {
        const rs = await run({ kubernetesMode: "separate", rendererEgress: "restricted" });
        validateAllKubernetesObjects(rs);
        const np = policy(rs, "grafana-image-renderer-egress");
        assert.deepEqual(np.plain.spec.policyTypes, ["Egress"]);
        assert.ok(matches(np.plain.spec.podSelector.matchLabels, rendererDeployment(rs).plain.spec.template.metadata.labels));
        const grafanaPod = ofType(rs, T.deployment).find((d) => d.plain.metadata.name === "grafana")!.plain.spec.template.metadata.labels;
        const [toGrafana, toDns] = np.plain.spec.egress;
        assert.ok(matches(toGrafana.to[0].podSelector.matchLabels, grafanaPod));
        assert.deepEqual(toGrafana.ports, [{ protocol: "TCP", port: 3000 }]);
        // DNS to any address: node-local-dns (169.254.20.10, host network) and OpenShift's DNS
        // pods (5353) are not kube-dns pods in kube-system.
        assert.equal(toDns.to, undefined);
        assert.deepEqual(toDns.ports, [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
            { protocol: "UDP", port: 5353 },
            { protocol: "TCP", port: 5353 },
        ]);
        assert.equal(np.plain.spec.egress.length, 2);
    });

    it("renderer mode: to the configured Grafana pods in their namespace (any port: only Grafana's Service port is known)", async () => {
        const rs = await run({
            kubernetesMode: "renderer",
            grafanaCallbackUrl: "http://grafana.monitoring",
            grafanaNamespace: "monitoring",
            rendererEgress: "restricted",
        });
        const np = policy(rs, "grafana-image-renderer-egress");
        assert.deepEqual(np.plain.spec.egress[0], {
            to: [
                {
                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
                    podSelector: { matchLabels: { "app.kubernetes.io/name": "grafana" } },
                },
            ],
        });
    });

    it("open by default; refused where the renderer shares Grafana's pod, and for unknown values", async () => {
        assert.equal(policy(await run({ kubernetesMode: "separate" }), "grafana-image-renderer-egress"), undefined);
        const errors = (values: Record<string, string>) => {
            try {
                settingsFor(values);
            } catch (e) {
                assert.ok(e instanceof ConfigValidationError);
                return e.message;
            }
            assert.fail("expected a config error");
        };
        assert.match(
            errors({ target: "kubernetes", kubernetesMode: "operator", rendererEgress: "restricted" }),
            /rendererEgress: got "restricted" with kubernetesMode "operator"; allowed: restricted only in kubernetesMode separate or renderer/,
        );
        assert.match(
            errors({ target: "kubernetes", rendererEgress: "closed" }),
            /rendererEgress: got "closed"; allowed: open \| restricted/,
        );
        assert.match(errors({ monitoring: "true" }), /monitoring: got true with target "docker"/);
        assert.match(
            errors({ target: "kubernetes", monitoringNamespace: "prom" }),
            /monitoringNamespace: got "prom" while monitoring is false/,
        );
    });
});

describe("kubernetes Ingress for Grafana (ingressHost)", function () {
    const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";

    it("routes the host to Grafana's Service port, with class and TLS; root_url and Pulumi's URL follow it", async () => {
        const r = await runStack({
            target: "kubernetes",
            kubernetesMode: "sidecar",
            grafanaPort: "8080",
            ingressHost: "grafana.example.com",
            ingressClassName: "nginx",
            ingressTlsSecret: "grafana-tls",
            verify: "false",
        });
        assert.equal(r.error, undefined, String(r.error));
        validateAllKubernetesObjects(r.resources);
        const ing = one(r.resources, INGRESS);
        assert.equal(ing.plain.spec.ingressClassName, "nginx");
        assert.deepEqual(ing.plain.spec.tls, [{ hosts: ["grafana.example.com"], secretName: "grafana-tls" }]);
        assert.deepEqual(ing.plain.spec.rules, [
            {
                host: "grafana.example.com",
                http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "grafana", port: { number: 8080 } } } }] },
            },
        ]);
        const svc = ofType(r.resources, T.service).find((s) => s.plain.metadata.name === "grafana")!;
        assert.equal(svc.plain.spec.ports[0].port, 8080, "the backend is the Service's own port");
        const env = one(r.resources, T.deployment).plain.spec.template.spec.containers[0].env;
        assert.equal(
            env.find((e: any) => e.name === "GF_SERVER_ROOT_URL").value,
            "https://grafana.example.com/",
            "links in Slack point at the Ingress",
        );
        assert.equal(one(r.resources, "pulumi:providers:grafana").plain.url, "https://grafana.example.com", "no port-forward needed");
        assert.ok(!(r.result!.nextSteps as string[]).some((s) => /port-forward/.test(s)));
    });

    it("plain http without a TLS Secret; an explicit grafanaRootUrl / grafanaUrl still win", async () => {
        const r = await runStack({
            target: "kubernetes",
            kubernetesMode: "separate",
            ingressHost: "grafana.local.test",
            grafanaRootUrl: "https://dash.example.com",
            grafanaUrl: "http://localhost:3000",
            verify: "false",
        });
        assert.equal(r.error, undefined, String(r.error));
        assert.equal(one(r.resources, INGRESS).plain.spec.tls, undefined);
        const grafana = ofType(r.resources, T.deployment).find((d) => d.plain.metadata.name === "grafana")!;
        assert.equal(
            grafana.plain.spec.template.spec.containers[0].env.find((e: any) => e.name === "GF_SERVER_ROOT_URL").value,
            "https://dash.example.com/",
        );
        assert.equal(one(r.resources, "pulumi:providers:grafana").plain.url, "http://localhost:3000");
        assert.equal(settingsFor({ target: "kubernetes", ingressHost: "grafana.local.test" }).grafanaRootUrl, "http://grafana.local.test");
    });

    it("validates the host, class and Secret names, and refuses them without a Grafana here", () => {
        const errors = (values: Record<string, string>) => {
            try {
                settingsFor(values);
            } catch (e) {
                assert.ok(e instanceof ConfigValidationError);
                return e;
            }
            assert.fail("expected a config error");
        };
        const e = errors({
            target: "kubernetes",
            ingressHost: "https://grafana.example.com/",
            ingressClassName: "Nginx!",
            ingressTlsSecret: "tls",
        });
        assert.deepEqual(e.problems.map((p) => p.key).sort(), ["ingressClassName", "ingressHost"]);
        assert.match(e.message, /ingressHost: got "https:\/\/grafana\.example\.com\/"; allowed: a fully qualified host name/);
        assert.match(errors({ target: "kubernetes", ingressTlsSecret: "tls" }).message, /ingressTlsSecret: got "tls" without ingressHost/);
        assert.match(
            errors({ target: "kubernetes", kubernetesMode: "renderer", grafanaCallbackUrl: "http://g", ingressHost: "grafana.example.com" })
                .message,
            /ingressHost: got "grafana\.example\.com" with kubernetesMode "renderer"/,
        );
        assert.match(
            errors({ ingressHost: "grafana.example.com" }).message,
            /ingressHost: got "grafana\.example\.com" with target "docker"/,
        );
    });
});
