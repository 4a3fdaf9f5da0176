// The Kubernetes target under Pulumi mocks, for each mode and both operator API versions:
// what is registered, how Grafana and the renderer find each other, how the token reaches
// both, probes, hardening, and that every object passes its schema.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { readSettings, StackSettings } from "../components/config/config";
import { deployTarget, placementFor } from "../components/program";
import { StackSecrets } from "../components/secrets/stackSecrets";
import { CHROMIUM_HOME, decideWiring, grafanaEnvName, Wiring } from "../components/wiring/wiring";
import { KubernetesGrafanaWithRenderer } from "../components/targets/kubernetes/kubernetesGrafanaWithRenderer";
import { decideGrafanaAccess, loadBalancerUrlFromStatus } from "../components/targets/kubernetes/grafanaAccess";
import { V1ALPHA1_TYPED_INI, operatorVersion } from "../components/targets/kubernetes/operatorMode";
import { isSecretValue, ofType, one, RegisteredResource, runWithMocks, valueOf } from "./harness/pulumiMocks";
import { crdSchema, validateAllKubernetesObjects } from "./harness/kubernetesSchemas";

const T = {
    namespace: "kubernetes:core/v1:Namespace",
    secret: "kubernetes:core/v1:Secret",
    service: "kubernetes:core/v1:Service",
    pvc: "kubernetes:core/v1:PersistentVolumeClaim",
    deployment: "kubernetes:apps/v1:Deployment",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    grafanaV5: "kubernetes:grafana.integreatly.org/v1beta1:Grafana",
    grafanaV4: "kubernetes:integreatly.org/v1alpha1:Grafana",
    provider: "pulumi:providers:kubernetes",
};

const RENDERER_TOKEN = "renderer-token-0123456789abcdefXYZ";
const ADMIN_PASSWORD = "admin-password-s3cr3t-value";
/** What the provider's auto-naming would give the Secret. */
const SECRET_SUFFIX = "-7c1e9a2b";
const SECRET_ENV = ["GF_RENDERING_RENDERER_TOKEN", "GF_SECURITY_ADMIN_PASSWORD", "AUTH_TOKEN"];

interface K8sRun {
    resources: RegisteredResource[];
    settings: StackSettings;
    wiring: Wiring;
    component: KubernetesGrafanaWithRenderer;
    apiUrl?: string;
}

/** Mock state standing in for the provider: auto-named Secrets, and whatever a test adds. */
function providerState(extra?: (args: pulumi.runtime.MockResourceArgs) => Record<string, any> | undefined) {
    return (args: pulumi.runtime.MockResourceArgs) => {
        const state: Record<string, any> = { ...extra?.(args) };
        if (args.type === T.secret && !args.inputs.metadata?.name) {
            state.metadata = { ...args.inputs.metadata, name: `${args.name}${SECRET_SUFFIX}` };
        }
        return state;
    };
}

/** Builds settings, wiring, secrets and the component exactly as the program does. */
async function deployK8s(
    config: Record<string, string>,
    opts: {
        stateFor?: (args: pulumi.runtime.MockResourceArgs) => Record<string, any> | undefined;
        preview?: boolean;
        withSecrets?: boolean;
    } = {},
): Promise<K8sRun> {
    const secretConfig: Record<string, string> =
        opts.withSecrets === false ? {} : { rendererToken: RENDERER_TOKEN, grafanaAdminPassword: ADMIN_PASSWORD };
    const run = await runWithMocks(
        {
            config: { target: "kubernetes", verify: "false", ...secretConfig, ...config },
            secretKeys: Object.keys(secretConfig),
            preview: opts.preview,
            stateFor: providerState(opts.stateFor),
        },
        async () => {
            const settings = readSettings();
            if (settings.target !== "kubernetes") throw new Error(`deployK8s: target ${settings.target}`);
            const wiring = decideWiring(settings, placementFor(settings));
            const secrets = new StackSecrets("secrets", {
                grafanaAdminPassword: settings.grafanaAdminPassword,
                rendererToken: settings.rendererToken,
            });
            const component = (await deployTarget(settings, wiring, secrets)) as KubernetesGrafanaWithRenderer;
            return { settings, wiring, component };
        },
    );
    if (run.error) throw run.error;
    const { settings, wiring, component } = run.result!;
    const apiUrl = component.grafanaApiUrl && !opts.preview ? await valueOf(component.grafanaApiUrl) : undefined;
    return { resources: run.resources, settings, wiring, component, apiUrl };
}

// ---------------------------------------------------------------------------------------
// Reading the registered objects

interface PodView {
    /** Where the pod comes from, for messages. */
    source: string;
    labels: Record<string, string>;
    spec: any;
    containers: any[];
}

/** The pods a run defines: Deployments' templates and what each Grafana CR adds to the operator's pod. */
function podsOf(resources: RegisteredResource[]): PodView[] {
    const pods: PodView[] = [];
    for (const d of ofType(resources, T.deployment)) {
        const t = d.plain.spec.template;
        pods.push({
            source: `Deployment ${d.plain.metadata.name}`,
            labels: t.metadata.labels,
            spec: t.spec,
            containers: t.spec.containers,
        });
    }
    for (const cr of ofType(resources, T.grafanaV5)) {
        const spec = cr.plain.spec.deployment.spec.template.spec;
        pods.push({ source: "Grafana v1beta1", labels: { app: cr.plain.metadata.name }, spec, containers: spec.containers });
    }
    for (const cr of ofType(resources, T.grafanaV4)) {
        const d = cr.plain.spec.deployment;
        // The operator builds the grafana container from these fields; the renderer comes from spec.containers.
        const grafana = {
            name: "grafana",
            env: d.env,
            securityContext: d.containerSecurityContext,
            resources: cr.plain.spec.resources,
            v4: cr.plain.spec,
        };
        pods.push({
            source: "Grafana v1alpha1",
            labels: { app: cr.plain.metadata.name },
            spec: { securityContext: d.securityContext, volumes: d.extraVolumes },
            containers: [grafana, ...cr.plain.spec.containers],
        });
    }
    return pods;
}

function container(resources: RegisteredResource[], name: string): { pod: PodView; c: any } {
    const found = podsOf(resources).flatMap((pod) => pod.containers.filter((c) => c.name === name).map((c) => ({ pod, c })));
    assert.equal(found.length, 1, `one container named ${name}, found ${found.length}`);
    return found[0];
}

function envMap(c: any): Record<string, any> {
    return Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e]));
}

const selects = (selector: Record<string, string>, podLabels: Record<string, string>) =>
    Object.entries(selector).every(([k, v]) => podLabels[k] === v);

function secretOf(run: K8sRun): RegisteredResource {
    return one(run.resources, T.secret);
}

function expectedSecretName(run: K8sRun): string {
    return `${secretOf(run).name}${SECRET_SUFFIX}`;
}

// ---------------------------------------------------------------------------------------

const MODES: { title: string; config: Record<string, string> }[] = [
    { title: "sidecar", config: { kubernetesMode: "sidecar" } },
    { title: "separate", config: { kubernetesMode: "separate", namespace: "observability", grafanaPort: "80", rendererReplicas: "3" } },
    { title: "operator v1beta1", config: { kubernetesMode: "operator", operatorApiVersion: "v1beta1" } },
    { title: "operator v1alpha1", config: { kubernetesMode: "operator", operatorApiVersion: "v1alpha1" } },
];

for (const mode of MODES) {
    describe(`kubernetes ${mode.title}: what every mode shares`, function () {
        let run: K8sRun;
        before(async () => {
            run = await deployK8s(mode.config);
        });

        it("every registered Kubernetes object passes its schema (kubernetes-models / the operator CRD)", () => {
            assert.ok(validateAllKubernetesObjects(run.resources) >= 5);
        });

        it("creates the namespace and puts every namespaced object in it", () => {
            const ns = one(run.resources, T.namespace);
            assert.equal(ns.plain.metadata.name, run.settings.namespace);
            for (const r of run.resources.filter((x) => x.type.startsWith("kubernetes:") && x.type !== T.namespace)) {
                assert.equal(r.plain.metadata.namespace, run.settings.namespace, `${r.type} ${r.name}`);
            }
        });

        it("keeps the token and the admin password in one Secret, as secrets", () => {
            const secret = secretOf(run);
            assert.equal(secret.plain.metadata.name, undefined, "auto-named, so a changed secret rolls the pods");
            assert.equal(secret.plain.immutable, true);
            assert.deepEqual(Object.keys(secret.plain.stringData).sort(), ["admin-password", "admin-user", "renderer-token"]);
            assert.equal(secret.plain.stringData["renderer-token"], RENDERER_TOKEN);
            assert.equal(secret.plain.stringData["admin-password"], ADMIN_PASSWORD);
            assert.ok(
                isSecretValue(secret.inputs.stringData["renderer-token"]) || isSecretValue(secret.inputs.stringData),
                "token is a secret",
            );
            assert.ok(
                isSecretValue(secret.inputs.stringData["admin-password"]) || isSecretValue(secret.inputs.stringData),
                "password is a secret",
            );
        });

        it("never puts a secret into anything but the Secret, and never as a literal env value", () => {
            for (const r of run.resources.filter((x) => x.type !== T.secret)) {
                const text = JSON.stringify(r.plain);
                assert.ok(!text.includes(RENDERER_TOKEN), `${r.type} ${r.name} contains the renderer token`);
                assert.ok(!text.includes(ADMIN_PASSWORD), `${r.type} ${r.name} contains the admin password`);
            }
            let checked = 0;
            for (const pod of podsOf(run.resources)) {
                for (const c of pod.containers) {
                    for (const e of c.env ?? []) {
                        if (!SECRET_ENV.includes(e.name)) continue;
                        checked++;
                        assert.equal(e.value, undefined, `${pod.source}/${c.name} ${e.name} has a literal value`);
                        assert.equal(e.valueFrom?.secretKeyRef?.name, expectedSecretName(run), `${c.name} ${e.name} reads our Secret`);
                    }
                }
            }
            assert.equal(checked, 3, "token on both sides and the admin password");
        });

        it("gives Grafana and the renderer the same token from the same Secret key", () => {
            const g = envMap(container(run.resources, "grafana").c).GF_RENDERING_RENDERER_TOKEN;
            const r = envMap(container(run.resources, "grafana-image-renderer").c).AUTH_TOKEN;
            assert.deepEqual(g.valueFrom, r.valueFrom);
            assert.deepEqual(g.valueFrom.secretKeyRef, { name: expectedSecretName(run), key: "renderer-token" });
            const pw = envMap(container(run.resources, "grafana").c).GF_SECURITY_ADMIN_PASSWORD;
            assert.deepEqual(pw.valueFrom.secretKeyRef, { name: expectedSecretName(run), key: "admin-password" });
        });

        it("exposes Grafana through the Service named grafana on grafanaPort, selecting Grafana's pods", () => {
            const svc = ofType(run.resources, T.service).find((s) => s.plain.metadata.name === "grafana")!;
            assert.ok(svc, "Service grafana");
            assert.equal(svc.plain.spec.type, "ClusterIP");
            assert.deepEqual(
                svc.plain.spec.ports.map((p: any) => [p.port, p.targetPort]),
                [[run.settings.grafanaPort, 3000]],
            );
            const grafanaPod = container(run.resources, "grafana").pod;
            assert.ok(
                selects(svc.plain.spec.selector, grafanaPod.labels),
                `selector ${JSON.stringify(svc.plain.spec.selector)} matches ${grafanaPod.source}`,
            );
            const rendererPod = container(run.resources, "grafana-image-renderer").pod;
            if (rendererPod.source !== grafanaPod.source)
                assert.ok(!selects(svc.plain.spec.selector, rendererPod.labels), "not the renderer's pods");
        });

        it("pins images, and sizes every container", () => {
            for (const pod of podsOf(run.resources)) {
                for (const c of pod.containers) {
                    if (c.image !== undefined) assert.match(c.image, /:[^:/]+$/, `${c.name} image has a tag`);
                    if (c.image !== undefined) assert.doesNotMatch(c.image, /:latest$/);
                    for (const k of ["requests", "limits"]) {
                        assert.ok(c.resources?.[k]?.cpu && c.resources?.[k]?.memory, `${pod.source}/${c.name} ${k}`);
                    }
                }
            }
            const r = container(run.resources, "grafana-image-renderer").c;
            assert.equal(r.image, run.settings.rendererImage.ref);
            assert.deepEqual(r.resources, run.wiring.renderer.resources);
            assert.ok(parseInt(r.resources.limits.memory) >= 1, "renderer memory limit");
        });

        it("probes Grafana on /api/health and the renderer on its health path", () => {
            const { c: r, pod } = container(run.resources, "grafana-image-renderer");
            const shared = pod.containers.some((c: any) => c.name === "grafana");
            for (const p of ["livenessProbe", "startupProbe"]) {
                assert.deepEqual(r[p]?.httpGet, { path: "/healthz", port: 8081, scheme: "HTTP" }, `renderer ${p}`);
            }
            if (shared) {
                // In Grafana's pod a stalled renderer must not take Grafana off its Service.
                assert.equal(r.readinessProbe, undefined, "no renderer readinessProbe in a shared pod");
            } else {
                assert.deepEqual(r.readinessProbe?.httpGet, { path: "/healthz", port: 8081, scheme: "HTTP" }, "renderer readinessProbe");
            }
            const g = container(run.resources, "grafana").c;
            if (g.v4) {
                // Operator v4 builds Grafana's probes on /api/health itself; we tune them.
                assert.ok(g.v4.readinessProbeSpec && g.v4.livenessProbeSpec);
                assert.equal(run.wiring.grafana.healthPath, "/api/health");
            } else {
                for (const p of ["readinessProbe", "livenessProbe"]) {
                    assert.deepEqual(g[p]?.httpGet, { path: "/api/health", port: 3000, scheme: "HTTP" }, `grafana ${p}`);
                }
            }
        });

        it("hardens every container: non-root, no capabilities, no privilege escalation, RuntimeDefault seccomp", () => {
            for (const pod of podsOf(run.resources)) {
                assert.equal(pod.spec.securityContext?.runAsNonRoot, true, `${pod.source} pod runAsNonRoot`);
                assert.equal(pod.spec.securityContext?.seccompProfile?.type, "RuntimeDefault", `${pod.source} pod seccomp`);
                for (const c of pod.containers) {
                    const sc = c.securityContext;
                    assert.equal(sc?.runAsNonRoot, true, `${c.name} runAsNonRoot`);
                    assert.ok(sc?.runAsUser > 0, `${c.name} runs as a non-zero uid`);
                    assert.deepEqual(sc?.capabilities?.drop, ["ALL"], `${c.name} drops all capabilities`);
                    assert.equal(sc?.capabilities?.add, undefined);
                    assert.equal(sc?.allowPrivilegeEscalation, false, `${c.name} no privilege escalation`);
                    assert.equal(sc?.seccompProfile?.type, "RuntimeDefault", `${c.name} seccomp`);
                }
            }
        });

        it("runs the renderer on a read-only root with an emptyDir /tmp, memory bounds from its limit, and no XDG variables on v5", () => {
            const { pod, c } = container(run.resources, "grafana-image-renderer");
            assert.equal(c.securityContext.readOnlyRootFilesystem, true);
            const tmp = c.volumeMounts.find((m: any) => m.mountPath === "/tmp");
            assert.ok(tmp, "/tmp is mounted");
            const volume = pod.spec.volumes.find((v: any) => v.name === tmp.name);
            assert.deepEqual(volume.emptyDir, {}, "/tmp is an emptyDir");
            const env = envMap(c);
            assert.equal(env.XDG_CONFIG_HOME, undefined, "v5 makes a directory per browser only when XDG_* are unset");
            assert.equal(env.XDG_CACHE_HOME, undefined);
            assert.equal(env.GOMEMLIMIT.value, "256MiB", "an eighth of the 2Gi limit");
            assert.equal(c.resources.limits.memory, "2Gi");
            assert.ok(Number(env.RATE_LIMIT_MAX_AVAILABLE.value) < 2 * 2 ** 30, "less than the container limit");
            assert.ok(Number(env.RATE_LIMIT_MAX_LIMIT.value) >= 1);
        });

        it("gives no pod a service-account token or Service environment variables", () => {
            for (const pod of podsOf(run.resources)) {
                if (pod.source === "Grafana v1alpha1") continue; // v4's spec.deployment has neither field
                assert.equal(pod.spec.automountServiceAccountToken, false, `${pod.source} automountServiceAccountToken`);
                assert.equal(pod.spec.enableServiceLinks, false, `${pod.source} enableServiceLinks`);
            }
        });

        it("makes Grafana's API unreachable without grafanaUrl on a ClusterIP Service, and says what to set", () => {
            assert.equal(run.component.grafanaApiUrl, undefined);
            assert.match(
                run.component.unreachableHint!,
                new RegExp(`kubectl port-forward svc/grafana 3000:${run.settings.grafanaPort} -n ${run.settings.namespace}`),
            );
            assert.match(run.component.unreachableHint!, /pulumi config set grafanaUrl http:\/\/localhost:3000/);
        });

        it("reports the wiring's URLs and waits for the workloads", () => {
            assert.equal(run.component.renderingServerUrl, run.wiring.renderingServerUrl);
            assert.equal(run.component.renderingCallbackUrl, run.wiring.renderingCallbackUrl);
            assert.ok(run.component.ready.length >= 2);
            for (const r of run.resources.filter((x) => [T.deployment, T.grafanaV4, T.grafanaV5].includes(x.type))) {
                assert.equal(r.plain.metadata.annotations?.["pulumi.com/skipAwait"], undefined, `${r.name} is awaited`);
            }
        });
    });
}

describe("kubernetes sidecar: one pod, localhost", function () {
    let run: K8sRun;
    before(async () => {
        run = await deployK8s({ kubernetesMode: "sidecar" });
    });

    it("registers one Deployment with Grafana and the renderer in the same pod, one replica", () => {
        const d = one(run.resources, T.deployment);
        assert.equal(d.plain.metadata.name, "grafana");
        assert.equal(d.plain.spec.replicas, 1);
        assert.deepEqual(
            d.plain.spec.template.spec.containers.map((c: any) => c.name),
            ["grafana", "grafana-image-renderer"],
        );
        assert.equal(ofType(run.resources, T.service).length, 1, "only Grafana's Service");
        assert.equal(ofType(run.resources, T.pdb).length, 0);
    });

    it("wires Grafana to http://localhost:8081/render and the renderer back to http://localhost:3000/", () => {
        const env = envMap(container(run.resources, "grafana").c);
        assert.equal(env.GF_RENDERING_SERVER_URL.value, "http://localhost:8081/render");
        assert.equal(env.GF_RENDERING_CALLBACK_URL.value, "http://localhost:3000/");
        const renderer = container(run.resources, "grafana-image-renderer").c;
        assert.equal(renderer.ports[0].containerPort, 8081);
        assert.equal(container(run.resources, "grafana").c.ports[0].containerPort, 3000);
        assert.equal(envMap(renderer).SERVER_ADDR.value, ":8081");
    });

    it("keeps Grafana's database on a claim and replaces the pod instead of rolling it", () => {
        const d = one(run.resources, T.deployment);
        const claim = one(run.resources, T.pvc);
        assert.deepEqual(claim.plain.spec.accessModes, ["ReadWriteOnce"]);
        assert.equal(d.plain.spec.strategy.type, "Recreate");
        const data = d.plain.spec.template.spec.volumes.find((v: any) => v.persistentVolumeClaim);
        assert.equal(data.persistentVolumeClaim.claimName, claim.plain.metadata.name);
        assert.ok(
            container(run.resources, "grafana").c.volumeMounts.some((m: any) => m.name === data.name && m.mountPath === "/var/lib/grafana"),
        );
    });

    it("admits traffic to Grafana's port only, so the renderer's port is not reachable from other pods", () => {
        const np = one(run.resources, T.networkPolicy);
        assert.ok(selects(np.plain.spec.podSelector.matchLabels, container(run.resources, "grafana").pod.labels));
        assert.deepEqual(np.plain.spec.ingress, [{ ports: [{ protocol: "TCP", port: 3000 }] }]);
    });

    it("rejects more than one renderer replica even when used directly", async () => {
        const run2 = await runWithMocks({ config: { target: "kubernetes", kubernetesMode: "sidecar" } }, () => {
            const settings = { ...readSettings(), rendererReplicas: 2 };
            const wiring = decideWiring(settings, placementFor(settings));
            const secrets = new StackSecrets("s", {});
            new KubernetesGrafanaWithRenderer("grafana", { settings, wiring, secret: (name) => secrets.get(name) });
        });
        assert.match(String(run2.error), /exactly one renderer/);
    });
});

describe("kubernetes separate: two Deployments, two Services, cluster DNS", function () {
    let run: K8sRun;
    before(async () => {
        run = await deployK8s({ kubernetesMode: "separate", namespace: "observability", grafanaPort: "80", rendererReplicas: "3" });
    });

    const svc = (name: string) => ofType(run.resources, T.service).find((s) => s.plain.metadata.name === name)!;
    const deployment = (name: string) => ofType(run.resources, T.deployment).find((d) => d.plain.metadata.name === name)!;

    it("registers a Deployment and a Service for each side", () => {
        assert.deepEqual(
            ofType(run.resources, T.deployment)
                .map((d) => d.plain.metadata.name)
                .sort(),
            ["grafana", "grafana-image-renderer"],
        );
        assert.deepEqual(
            ofType(run.resources, T.service)
                .map((s) => s.plain.metadata.name)
                .sort(),
            ["grafana", "grafana-image-renderer"],
        );
        assert.equal(deployment("grafana").plain.spec.replicas, 1);
        assert.equal(deployment("grafana-image-renderer").plain.spec.replicas, 3);
    });

    it("points Grafana at the renderer's Service and the renderer at Grafana's Service, by cluster DNS name and Service port", () => {
        const env = envMap(container(run.resources, "grafana").c);
        const server = new URL(env.GF_RENDERING_SERVER_URL.value);
        const callback = new URL(env.GF_RENDERING_CALLBACK_URL.value);
        // <service>.<namespace>: the pod's search domains resolve it on any cluster DNS domain.
        assert.equal(env.GF_RENDERING_SERVER_URL.value, "http://grafana-image-renderer.observability:8081/render");
        assert.equal(env.GF_RENDERING_CALLBACK_URL.value, "http://grafana.observability:80/");
        const portOf = (u: URL) => Number(u.port || (u.protocol === "https:" ? 443 : 80));
        // The hosts and ports in the URLs are the objects this mode created.
        const r = svc("grafana-image-renderer").plain;
        assert.equal(server.hostname, `${r.metadata.name}.${r.metadata.namespace}`);
        assert.equal(portOf(server), r.spec.ports[0].port);
        const g = svc("grafana").plain;
        assert.equal(callback.hostname, `${g.metadata.name}.${g.metadata.namespace}`);
        assert.equal(portOf(callback), g.spec.ports[0].port);
        assert.equal(g.spec.ports[0].targetPort, container(run.resources, "grafana").c.ports[0].containerPort);
        assert.equal(r.spec.ports[0].targetPort, container(run.resources, "grafana-image-renderer").c.ports[0].containerPort);
        assert.ok(selects(r.spec.selector, container(run.resources, "grafana-image-renderer").pod.labels));
        assert.ok(!selects(r.spec.selector, container(run.resources, "grafana").pod.labels));
    });

    it("lets only Grafana's pods reach the renderer's port", () => {
        const np = one(run.resources, T.networkPolicy);
        const rendererPod = container(run.resources, "grafana-image-renderer").pod;
        const grafanaPod = container(run.resources, "grafana").pod;
        assert.ok(selects(np.plain.spec.podSelector.matchLabels, rendererPod.labels));
        assert.ok(!selects(np.plain.spec.podSelector.matchLabels, grafanaPod.labels));
        assert.deepEqual(np.plain.spec.policyTypes, ["Ingress"]);
        assert.equal(np.plain.spec.ingress.length, 1);
        const rule = np.plain.spec.ingress[0];
        assert.equal(rule.from.length, 1);
        assert.ok(selects(rule.from[0].podSelector.matchLabels, grafanaPod.labels));
        assert.ok(!selects(rule.from[0].podSelector.matchLabels, rendererPod.labels));
        assert.deepEqual(rule.ports, [{ protocol: "TCP", port: 8081 }]);
    });

    it("adds a PodDisruptionBudget for more than one renderer, selecting the renderer pods", () => {
        const pdb = one(run.resources, T.pdb);
        assert.equal(pdb.plain.spec.maxUnavailable, 1);
        assert.ok(selects(pdb.plain.spec.selector.matchLabels, container(run.resources, "grafana-image-renderer").pod.labels));
    });

    it("adds no PodDisruptionBudget for a single renderer", async () => {
        const single = await deployK8s({ kubernetesMode: "separate" });
        assert.equal(ofType(single.resources, T.pdb).length, 0);
        assert.equal(
            ofType(single.resources, T.deployment).find((d) => d.plain.metadata.name === "grafana-image-renderer")!.plain.spec.replicas,
            1,
        );
        validateAllKubernetesObjects(single.resources);
    });

    it("speaks the renderer v4 variables and probes / for a v4 image", async () => {
        const v4 = await deployK8s({ kubernetesMode: "separate", rendererImage: "grafana/grafana-image-renderer:v4.0.14" });
        const { pod, c: r } = container(v4.resources, "grafana-image-renderer");
        const env = envMap(r);
        assert.equal(env.HTTP_PORT.value, "8081");
        assert.equal(env.IGNORE_HTTPS_ERRORS, undefined, "certificate checks stay on by default");
        assert.equal(env.XDG_CONFIG_HOME.value, CHROMIUM_HOME, "v3/v4 need a writable Chromium home");
        // On a read-only root that home must lie under a mounted emptyDir of this very pod.
        const home: string = env.XDG_CONFIG_HOME.value;
        const mount = (r.volumeMounts ?? []).find(
            (m: any) => home === m.mountPath || home.startsWith(`${m.mountPath.replace(/\/$/, "")}/`),
        );
        assert.ok(mount, `no volume mounted above ${home}`);
        assert.ok(!mount.readOnly, `${mount.mountPath} is mounted read-only`);
        const volume = (pod.spec.volumes ?? []).find((v: any) => v.name === mount.name);
        assert.ok(volume?.emptyDir, `${mount.mountPath} is not an emptyDir`);
        assert.equal(env.SERVER_ADDR, undefined);
        assert.equal(env.GOMEMLIMIT, undefined, "v4 is Node: no Go memory limit");
        assert.equal(r.readinessProbe.httpGet.path, "/");
        assert.equal(r.livenessProbe.httpGet.path, "/");
        assert.equal(r.image, "grafana/grafana-image-renderer:v4.0.14");
        validateAllKubernetesObjects(v4.resources);
    });
});

describe("kubernetes operator v1beta1 (grafana-operator v5)", function () {
    let run: K8sRun;
    let cr: RegisteredResource;
    before(async () => {
        run = await deployK8s({ kubernetesMode: "operator", operatorApiVersion: "v1beta1" });
        cr = one(run.resources, T.grafanaV5);
    });

    it("registers a Grafana custom resource and no Deployment of its own", () => {
        assert.equal(cr.plain.apiVersion, "grafana.integreatly.org/v1beta1");
        assert.equal(cr.plain.kind, "Grafana");
        assert.equal(cr.plain.metadata.name, "grafana");
        assert.equal(ofType(run.resources, T.deployment).length, 0);
        assert.equal(ofType(run.resources, T.grafanaV4).length, 0);
    });

    it("makes Pulumi wait for the operator's GrafanaReady condition (set only after every stage, login included, succeeded)", () => {
        assert.equal(cr.plain.metadata.annotations["pulumi.com/waitFor"], "condition=GrafanaReady");
        assert.ok(
            run.component.ready.some((r) => r instanceof k8s.apiextensions.CustomResource),
            "the custom resource is awaited",
        );
    });

    it("passes grafana.ini through spec.config, rendering URLs on localhost", () => {
        assert.deepEqual(cr.plain.spec.config, run.wiring.grafanaIni);
        assert.equal(cr.plain.spec.config.rendering.server_url, "http://localhost:8081/render");
        assert.equal(cr.plain.spec.config.rendering.callback_url, "http://localhost:3000/");
        assert.equal(cr.plain.spec.config["unified_alerting.screenshots"].capture, "true");
        for (const section of Object.values(cr.plain.spec.config) as Record<string, unknown>[]) {
            for (const v of Object.values(section)) assert.equal(typeof v, "string");
        }
    });

    it("uses the pinned Grafana image and its own admin credentials", () => {
        assert.equal(cr.plain.spec.version, run.settings.grafanaImage.tag, "the official image by tag: every v5 operator reads that");
        assert.equal(
            operatorVersion("registry.local/grafana/grafana:13.1.1"),
            "registry.local/grafana/grafana:13.1.1",
            "another registry: full reference",
        );
        assert.equal(cr.plain.spec.disableDefaultAdminSecret, true);
        const env = envMap(container(run.resources, "grafana").c);
        // valueFrom on both: the operator merges env by name over its own secretKeyRefs.
        assert.deepEqual(env.GF_SECURITY_ADMIN_USER.valueFrom.secretKeyRef, { name: expectedSecretName(run), key: "admin-user" });
        for (const e of Object.values(env)) assert.equal(e.value, undefined, `${e.name}: only secret references in the merged container`);
    });

    it("merges the renderer into spec.deployment as a second container, with its volumes", () => {
        const pod = cr.plain.spec.deployment.spec.template.spec;
        assert.deepEqual(
            pod.containers.map((c: any) => c.name),
            ["grafana", "grafana-image-renderer"],
        );
        assert.equal(pod.containers[0].image, undefined, "Grafana's image comes from spec.version");
        const names = pod.volumes.map((v: any) => v.name);
        for (const m of pod.containers[1].volumeMounts) assert.ok(names.includes(m.name), `volume ${m.name} declared`);
        assert.equal(cr.plain.spec.deployment.spec.replicas, 1);
    });

    it("keeps Grafana's data on the operator's claim", () => {
        assert.ok(cr.plain.spec.persistentVolumeClaim.spec.resources.requests.storage);
        const pod = cr.plain.spec.deployment.spec.template.spec;
        assert.deepEqual(
            pod.volumes.find((v: any) => v.name === "grafana-data"),
            { name: "grafana-data", persistentVolumeClaim: { claimName: "grafana-pvc" } },
        );
        assert.equal(cr.plain.spec.deployment.spec.strategy.type, "Recreate");
        assert.equal(ofType(run.resources, T.pvc).length, 0, "the operator creates the claim");
    });

    it("runs Grafana on a read-only root, as the operator's default does (it mounts /var/lib/grafana, /var/log/grafana, /tmp)", () => {
        const g = container(run.resources, "grafana").c;
        assert.equal(g.securityContext.readOnlyRootFilesystem, true);
        assert.equal(g.volumeMounts, undefined, "the operator's own mounts stay: none of ours replaces them");
    });

    it("selects the operator's pods (app: <name>) for the Service and the network policy", () => {
        const svc = one(run.resources, T.service);
        assert.deepEqual(svc.plain.spec.selector, { app: "grafana" });
        assert.deepEqual(one(run.resources, T.networkPolicy).plain.spec.podSelector.matchLabels, { app: "grafana" });
    });
});

describe("kubernetes operator v1alpha1 (grafana-operator v4, the seeds' form)", function () {
    let run: K8sRun;
    let cr: RegisteredResource;
    before(async () => {
        run = await deployK8s({
            kubernetesMode: "operator",
            operatorApiVersion: "v1alpha1",
            grafanaUrl: "http://localhost:3000",
            grafanaRootUrl: "https://grafana.example.com",
        });
        cr = one(run.resources, T.grafanaV4);
    });

    it("registers an integreatly.org/v1alpha1 Grafana and waits for the operator's success message", () => {
        assert.equal(cr.plain.apiVersion, "integreatly.org/v1alpha1");
        assert.equal(cr.plain.metadata.annotations["pulumi.com/waitFor"], "jsonpath={.status.message}=success");
        assert.equal(ofType(run.resources, T.grafanaV5).length, 0);
        assert.equal(ofType(run.resources, T.deployment).length, 0);
    });

    it("uses the typed spec.config for the rendering URLs (localhost in the shared pod)", () => {
        assert.deepEqual(cr.plain.spec.config.rendering, {
            server_url: "http://localhost:8081/render",
            callback_url: "http://localhost:3000/",
        });
        assert.equal(cr.plain.spec.config.server.root_url, "https://grafana.example.com/");
        assert.equal(cr.plain.spec.baseImage, run.settings.grafanaImage.ref);
    });

    it("delivers every grafana.ini key exactly once: typed config or a GF_ variable", () => {
        const env = envMap({ env: cr.plain.spec.deployment.env });
        for (const [section, keys] of Object.entries(run.wiring.grafanaIni)) {
            for (const [key, value] of Object.entries(keys)) {
                const inConfig = cr.plain.spec.config[section]?.[key];
                const inEnv = env[grafanaEnvName(section, key)];
                const typed = V1ALPHA1_TYPED_INI[section]?.includes(key) ?? false;
                assert.equal(inConfig, typed ? value : undefined, `${section}.${key} in config`);
                if (!typed) assert.equal(inEnv?.value, value, `${section}.${key} as ${grafanaEnvName(section, key)}`);
            }
        }
        assert.equal(env.GF_UNIFIED_ALERTING_SCREENSHOTS_CAPTURE.value, "true");
    });

    it("runs Grafana on a read-only root with a writable /tmp (v4 mounts data, logs, plugins and provisioning itself)", () => {
        assert.equal(cr.plain.spec.deployment.containerSecurityContext.readOnlyRootFilesystem, true);
        const tmp = cr.plain.spec.deployment.extraVolumeMounts.find((m: any) => m.mountPath === "/tmp");
        assert.ok(tmp, "/tmp mounted into Grafana's container");
        assert.deepEqual(cr.plain.spec.deployment.extraVolumes.find((v: any) => v.name === tmp.name).emptyDir, {});
    });

    it("adds the renderer through spec.containers with its volumes in spec.deployment.extraVolumes", () => {
        assert.deepEqual(
            cr.plain.spec.containers.map((c: any) => c.name),
            ["grafana-image-renderer"],
        );
        const names = cr.plain.spec.deployment.extraVolumes.map((v: any) => v.name);
        for (const m of cr.plain.spec.containers[0].volumeMounts) assert.ok(names.includes(m.name), `volume ${m.name} declared`);
    });

    it("skips the operator's admin account and hands Grafana ours from the Secret", () => {
        assert.equal(cr.plain.spec.deployment.skipCreateAdminAccount, true);
        const env = envMap({ env: cr.plain.spec.deployment.env });
        assert.equal(env.GF_SECURITY_ADMIN_USER.valueFrom.secretKeyRef.key, "admin-user");
        assert.equal(env.GF_SECURITY_ADMIN_PASSWORD.valueFrom.secretKeyRef.key, "admin-password");
        assert.deepEqual(cr.plain.spec.dataStorage.accessModes, ["ReadWriteOnce"]);
    });

    it("reaches Grafana at the explicit grafanaUrl (not at the public root URL)", () => {
        assert.equal(run.apiUrl, "http://localhost:3000");
        assert.equal(run.component.unreachableHint, undefined);
    });
});

describe("kubernetes: the typed v4 config keys exist in the v4 CRD", () => {
    it("every key in V1ALPHA1_TYPED_INI is a string property of spec.config", () => {
        const config = crdSchema("integreatly.org/v1alpha1").properties.spec.properties.config;
        for (const [section, keys] of Object.entries(V1ALPHA1_TYPED_INI)) {
            for (const key of keys) {
                assert.equal(config.properties[section]?.properties?.[key]?.type, "string", `${section}.${key}`);
            }
        }
        assert.equal(config.properties["unified_alerting.screenshots"], undefined, "screenshots are not typed in v4: they go to env");
    });
});

describe("kubernetes: reaching Grafana's API from Pulumi", function () {
    it("LoadBalancer: the Service's ingress address, once Kubernetes assigns one", async () => {
        const run = await deployK8s(
            { kubernetesMode: "separate", grafanaServiceType: "LoadBalancer", grafanaPort: "8080" },
            {
                stateFor: (args) =>
                    args.type === T.service && args.inputs.spec?.type === "LoadBalancer"
                        ? { status: { loadBalancer: { ingress: [{ ip: "203.0.113.10" }] } } }
                        : undefined,
            },
        );
        const svc = ofType(run.resources, T.service).find((s) => s.plain.metadata.name === "grafana")!;
        assert.equal(svc.plain.spec.type, "LoadBalancer");
        assert.equal(svc.plain.metadata.annotations?.["pulumi.com/skipAwait"], undefined, "Pulumi waits for the address");
        assert.equal(run.apiUrl, "http://203.0.113.10:8080");
        assert.equal(run.component.unreachableHint, undefined);
        validateAllKubernetesObjects(run.resources);
    });

    it("LoadBalancer: a host name, an IPv6 address, and a clear error without any address", () => {
        assert.equal(
            loadBalancerUrlFromStatus({ loadBalancer: { ingress: [{ hostname: "lb.example.com" }] } }, 3000, "ns"),
            "http://lb.example.com:3000",
        );
        assert.equal(
            loadBalancerUrlFromStatus({ loadBalancer: { ingress: [{ ip: "2001:db8::1" }] } }, 80, "ns"),
            "http://[2001:db8::1]:80",
        );
        assert.throws(
            () => loadBalancerUrlFromStatus({ loadBalancer: {} }, 3000, "obs"),
            /Service grafana in namespace obs has no load-balancer address.*NodePort/s,
        );
    });

    it("LoadBalancer in preview: the URL stays unknown, nothing hangs", async () => {
        const run = await deployK8s({ kubernetesMode: "sidecar", grafanaServiceType: "LoadBalancer" }, { preview: true });
        assert.ok(run.component.grafanaApiUrl, "a URL will exist");
        assert.equal(run.component.unreachableHint, undefined);
        assert.ok(ofType(run.resources, T.deployment).length === 1);
    });

    it("NodePort with a fixed port: the Service gets it, and the hint names the exact grafanaUrl", async () => {
        const run = await deployK8s({ kubernetesMode: "sidecar", grafanaServiceType: "NodePort", grafanaNodePort: "30300" });
        const svc = one(run.resources, T.service);
        assert.equal(svc.plain.spec.type, "NodePort");
        assert.equal(svc.plain.spec.ports[0].nodePort, 30300);
        assert.equal(run.component.grafanaApiUrl, undefined);
        assert.match(run.component.unreachableHint!, /pulumi config set grafanaUrl http:\/\/<node-address>:30300 && pulumi up/);
        validateAllKubernetesObjects(run.resources);
    });

    it("NodePort chosen by Kubernetes: the hint says how to read it", async () => {
        const run = await deployK8s({ kubernetesMode: "sidecar", grafanaServiceType: "NodePort" });
        assert.equal(one(run.resources, T.service).plain.spec.ports[0].nodePort, undefined);
        assert.match(run.component.unreachableHint!, /kubectl get svc grafana -n grafana -o jsonpath='\{\.spec\.ports\[0\]\.nodePort\}'/);
    });

    it("an explicit grafanaUrl wins over the Service type", async () => {
        const run = await deployK8s({ kubernetesMode: "sidecar", grafanaUrl: "http://localhost:3000" });
        assert.equal(run.apiUrl, "http://localhost:3000");
        assert.equal(run.component.unreachableHint, undefined);
        assert.deepEqual(decideGrafanaAccess({ ...run.settings, grafanaServiceType: "LoadBalancer" }), {
            kind: "explicit",
            url: "http://localhost:3000",
        });
    });

    it("renderYamlTo: a provider that writes manifests, used by every object; Grafana treated as unreachable", async () => {
        const run = await deployK8s({
            kubernetesMode: "separate",
            renderYamlTo: "rendered-manifests",
            grafanaUrl: "http://localhost:3000",
        });
        const provider = one(run.resources, T.provider);
        assert.equal(provider.plain.renderYamlToDirectory, "rendered-manifests");
        for (const r of run.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
            assert.ok(r.provider?.includes(provider.name), `${r.type} ${r.name} uses the YAML provider`);
        }
        assert.equal(run.component.grafanaApiUrl, undefined);
        assert.match(run.component.unreachableHint!, /renderYamlTo is set/);
        assert.match(run.component.unreachableHint!, /plain text/);
        assert.match(run.component.unreachableHint!, /pulumi config rm renderYamlTo && pulumi up/);
        assert.match(run.component.unreachableHint!, /grafanaUrl http:\/\/localhost:3000 is ignored/);
        validateAllKubernetesObjects(run.resources);
    });

    it("without renderYamlTo: the ambient Kubernetes provider (kubeconfig, kubernetes:context)", async () => {
        const run = await deployK8s({ kubernetesMode: "sidecar" });
        assert.equal(ofType(run.resources, T.provider).filter((p) => p.plain.renderYamlToDirectory).length, 0);
    });

    it("with generated secrets: the Secret carries the generated values, still as secrets", async () => {
        const run = await deployK8s(
            { kubernetesMode: "sidecar" },
            {
                withSecrets: false,
                stateFor: (args) =>
                    args.type === "random:index/randomPassword:RandomPassword"
                        ? { result: `generated-${args.name}-0123456789abcdef` }
                        : undefined,
            },
        );
        const secret = secretOf(run);
        assert.match(secret.plain.stringData["renderer-token"], /^generated-secrets-renderer-token/);
        assert.match(secret.plain.stringData["admin-password"], /^generated-secrets-grafana-admin-password/);
        for (const r of run.resources.filter((x) => x.type !== T.secret && x.type.startsWith("kubernetes:"))) {
            assert.doesNotMatch(JSON.stringify(r.plain), /generated-secrets/);
        }
    });
});
