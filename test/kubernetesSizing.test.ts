// Sizing and placement keys (rendererCpu/Memory, grafanaCpu/Memory, grafanaStorageSize,
// storageClass, nodeSelector, tolerations, priorityClassName) and the instance/version
// labels, through the whole program under mocks, for every mode and the Docker target.
import { strict as assert } from "assert";
import { ConfigValidationError } from "../components/config/config";
import { parseTolerations } from "../components/config/kubernetesSettings";
import { ofType, one, RegisteredResource } from "./harness/pulumiMocks";
import { runStack } from "./harness/program";
import { validateAllKubernetesObjects } from "./harness/kubernetesSchemas";
import { settingsFor } from "./harness/configSource";

const T = {
    deployment: "kubernetes:apps/v1:Deployment",
    pvc: "kubernetes:core/v1:PersistentVolumeClaim",
    v5: "kubernetes:grafana.integreatly.org/v1beta1:Grafana",
    v4: "kubernetes:integreatly.org/v1alpha1:Grafana",
};
const SIZED = {
    target: "kubernetes",
    rendererCpu: "1/4",
    rendererMemory: "4Gi/16Gi",
    grafanaCpu: "200m/2",
    grafanaMemory: "512Mi/2Gi",
    grafanaStorageSize: "10Gi",
    storageClass: "fast-ssd",
    nodeSelector: "kubernetes.io/os=linux,pool=monitoring",
    tolerations: "dedicated=monitoring:NoSchedule,spot:NoExecute,gpu",
    priorityClassName: "monitoring-high",
};
const TOLERATIONS = [
    { key: "dedicated", operator: "Equal", value: "monitoring", effect: "NoSchedule" },
    { key: "spot", operator: "Exists", effect: "NoExecute" },
    { key: "gpu", operator: "Exists" },
];

/** Every pod spec a run defines, with where it came from (our Deployments or the operator's). */
function podSpecs(
    resources: RegisteredResource[],
): { source: string; spec: any; metaLabels?: Record<string, string>; selector?: Record<string, string> }[] {
    return [
        ...ofType(resources, T.deployment).map((d) => ({
            source: d.plain.metadata.name,
            spec: d.plain.spec.template.spec,
            metaLabels: d.plain.spec.template.metadata.labels,
            selector: d.plain.spec.selector.matchLabels,
        })),
        ...ofType(resources, T.v5).map((cr) => ({ source: "v1beta1", spec: cr.plain.spec.deployment.spec.template.spec })),
        ...ofType(resources, T.v4).map((cr) => ({ source: "v1alpha1", spec: cr.plain.spec.deployment })),
    ];
}

function containerNamed(resources: RegisteredResource[], name: string): any {
    for (const p of podSpecs(resources)) {
        const c = (p.spec.containers ?? []).find((x: any) => x.name === name);
        if (c) return c;
    }
    for (const cr of ofType(resources, T.v4)) {
        const c = cr.plain.spec.containers.find((x: any) => x.name === name);
        if (c) return c;
        if (name === "grafana") return { resources: cr.plain.spec.resources };
    }
    return undefined;
}

const MODES: Record<string, string>[] = [
    { kubernetesMode: "sidecar" },
    { kubernetesMode: "separate", rendererReplicas: "2" },
    { kubernetesMode: "operator", operatorApiVersion: "v1beta1" },
    { kubernetesMode: "operator", operatorApiVersion: "v1alpha1" },
    { kubernetesMode: "renderer", grafanaCallbackUrl: "http://grafana.monitoring" },
];

for (const mode of MODES) {
    const title = `${mode.kubernetesMode}${mode.operatorApiVersion ? ` ${mode.operatorApiVersion}` : ""}`;
    describe(`kubernetes ${title}: sizing and placement keys`, function () {
        let resources: RegisteredResource[];
        const rendererOnly = mode.kubernetesMode === "renderer";
        before(async () => {
            const config: Record<string, string> = { ...SIZED, ...mode };
            if (rendererOnly) for (const k of ["grafanaCpu", "grafanaMemory", "grafanaStorageSize", "storageClass"]) delete config[k];
            const run = await runStack(config);
            assert.equal(run.error, undefined, String(run.error));
            resources = run.resources;
        });

        it("every object still passes its schema", () => {
            assert.ok(validateAllKubernetesObjects(resources) >= 4);
        });

        it("sizes the renderer from rendererCpu/rendererMemory, and its memory bounds follow the limit", () => {
            const r = containerNamed(resources, "grafana-image-renderer");
            assert.deepEqual(r.resources, { requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "4", memory: "16Gi" } });
            const env = Object.fromEntries(r.env.map((e: any) => [e.name, e.value]));
            assert.equal(env.GOMEMLIMIT, "2048MiB", "1 GiB per 8 GiB of limit");
            assert.equal(env.RATE_LIMIT_MAX_AVAILABLE, String((16384 - 2048) * 2 ** 20));
        });

        if (!rendererOnly) {
            it("sizes Grafana from grafanaCpu/grafanaMemory and its volume from grafanaStorageSize/storageClass", () => {
                assert.deepEqual(containerNamed(resources, "grafana").resources, {
                    requests: { cpu: "200m", memory: "512Mi" },
                    limits: { cpu: "2", memory: "2Gi" },
                });
                const claim = ofType(resources, T.pvc)[0]?.plain.spec ?? ofType(resources, T.v5)[0]?.plain.spec.persistentVolumeClaim.spec;
                if (claim) {
                    assert.equal(claim.resources.requests.storage, "10Gi");
                    assert.equal(claim.storageClassName, "fast-ssd");
                } else {
                    const ds = one(resources, T.v4).plain.spec.dataStorage;
                    assert.deepEqual([ds.size, ds.class], ["10Gi", "fast-ssd"]);
                }
            });
        }

        it("places every pod: nodeSelector, tolerations, priorityClassName", () => {
            const pods = podSpecs(resources);
            assert.ok(pods.length >= 1);
            for (const p of pods) {
                assert.deepEqual(p.spec.nodeSelector, { "kubernetes.io/os": "linux", pool: "monitoring" }, p.source);
                assert.deepEqual(p.spec.tolerations, TOLERATIONS, p.source);
                assert.equal(p.spec.priorityClassName, "monitoring-high", p.source);
            }
        });

        it("labels workloads with app.kubernetes.io/instance (the stack) and version (the image tag), never in a selector", () => {
            for (const p of podSpecs(resources).filter((x) => x.metaLabels)) {
                assert.equal(p.metaLabels!["app.kubernetes.io/instance"], "test", p.source);
                assert.match(p.metaLabels!["app.kubernetes.io/version"], /^v?\d+\.\d+\.\d+$/, p.source);
                assert.equal(p.selector!["app.kubernetes.io/instance"], undefined, "selectors are immutable: no stack or version in them");
                assert.equal(p.selector!["app.kubernetes.io/version"], undefined);
            }
            for (const r of resources.filter((x) => x.type.startsWith("kubernetes:") && x.plain.metadata)) {
                assert.equal(r.plain.metadata.labels?.["app.kubernetes.io/instance"], "test", `${r.type} ${r.name}`);
            }
        });
    });
}

describe("kubernetes: defaults leave placement out", () => {
    it("no nodeSelector, tolerations or priorityClassName unless configured; default sizes and a 1Gi claim on the default StorageClass", async () => {
        const run = await runStack({ target: "kubernetes", kubernetesMode: "separate" });
        assert.equal(run.error, undefined, String(run.error));
        for (const p of podSpecs(run.resources)) {
            for (const k of ["nodeSelector", "tolerations", "priorityClassName"]) assert.equal(p.spec[k], undefined, `${p.source} ${k}`);
        }
        const claim = one(run.resources, T.pvc).plain.spec;
        assert.equal(claim.resources.requests.storage, "1Gi");
        assert.equal(claim.storageClassName, undefined);
        assert.deepEqual(containerNamed(run.resources, "grafana-image-renderer").resources, {
            requests: { cpu: "250m", memory: "512Mi" },
            limits: { cpu: "2", memory: "2Gi" },
        });
    });
});

describe("docker: rendererMemory and grafanaMemory set the containers' limits", () => {
    it("uses the limits (in MB) and derives the renderer's memory bounds from the same limit", async () => {
        const run = await runStack({ verify: "false", rendererMemory: "1Gi/4Gi", grafanaMemory: "512Mi/1536Mi" });
        assert.equal(run.error, undefined, String(run.error));
        const renderer = one(run.resources, "docker:index/container:Container", "grafana-renderer");
        assert.equal(renderer.plain.memory, 4096);
        assert.ok((renderer.plain.envs as string[]).includes("GOMEMLIMIT=512MiB"));
        assert.equal(one(run.resources, "docker:index/container:Container", "grafana-grafana").plain.memory, 1536);
    });
});

describe("config: sizing and placement checks", () => {
    const problems = (values: Record<string, string>): ConfigValidationError => {
        try {
            settingsFor(values);
        } catch (e) {
            assert.ok(e instanceof ConfigValidationError, String(e));
            return e;
        }
        assert.fail(`expected ${JSON.stringify(values)} to be rejected`);
    };

    it("reports every malformed value at once, each with its fix", () => {
        const e = problems({
            target: "kubernetes",
            rendererCpu: "2",
            rendererMemory: "4Gi/2Gi",
            grafanaMemory: "128Mi/128Mi",
            grafanaStorageSize: "ten",
            storageClass: "Fast_SSD",
            nodeSelector: "pool",
            tolerations: "a=b:Sometimes",
            priorityClassName: "High!",
        });
        const byKey = Object.fromEntries(e.problems.map((p) => [p.key, p]));
        assert.deepEqual(Object.keys(byKey).sort(), [
            "grafanaMemory",
            "grafanaStorageSize",
            "nodeSelector",
            "priorityClassName",
            "rendererCpu",
            "rendererMemory",
            "storageClass",
            "tolerations",
        ]);
        assert.match(byKey.rendererCpu.allowed, /request\/limit as two Kubernetes cpu quantities/);
        assert.equal(byKey.rendererCpu.fix, "pulumi config set rendererCpu 250m/2");
        assert.match(byKey.rendererMemory.given, /a request above its limit/);
        assert.equal(byKey.rendererMemory.fix, "pulumi config set rendererMemory 2Gi/2Gi");
        assert.match(byKey.grafanaMemory.given, /a limit below 256Mi/);
        assert.match(byKey.tolerations.allowed, /NoSchedule \| PreferNoSchedule \| NoExecute/);
    });

    it("refuses a renderer memory limit below 512Mi (no room for Go and one browser)", () => {
        assert.match(problems({ rendererMemory: "256Mi/256Mi" }).message, /rendererMemory: got "256Mi\/256Mi", a limit below 512Mi/);
    });

    it("refuses Kubernetes-only keys on Docker, and Grafana's keys in renderer mode", () => {
        const d = problems({
            rendererCpu: "1/2",
            storageClass: "fast",
            nodeSelector: "a=b",
            tolerations: "a",
            priorityClassName: "p",
            grafanaStorageSize: "5Gi",
        });
        assert.deepEqual(d.problems.map((p) => p.key).sort(), [
            "grafanaStorageSize",
            "nodeSelector",
            "priorityClassName",
            "rendererCpu",
            "storageClass",
            "tolerations",
        ]);
        assert.match(d.message, /rendererCpu: got "1\/2" with target "docker"; allowed: rendererCpu only with target kubernetes/);
        const r = problems({
            target: "kubernetes",
            kubernetesMode: "renderer",
            grafanaCallbackUrl: "http://g",
            grafanaMemory: "1Gi/2Gi",
            storageClass: "fast",
        });
        assert.deepEqual(r.problems.map((p) => p.key).sort(), ["grafanaMemory", "storageClass"]);
    });

    it("refuses the memory keys with target existing (nothing is deployed)", () => {
        const e = problems({ target: "existing", grafanaUrl: "https://grafana.example.com", rendererMemory: "1Gi/4Gi" });
        assert.ok(
            e.problems.some((p) => p.key === "rendererMemory" && /with target "existing"/.test(p.given)),
            e.message,
        );
    });

    it("parses tolerations in kubectl taint syntax", () => {
        assert.deepEqual(parseTolerations("a=b:NoSchedule, c , d:NoExecute"), [
            { key: "a", operator: "Equal", value: "b", effect: "NoSchedule" },
            { key: "c", operator: "Exists" },
            { key: "d", operator: "Exists", effect: "NoExecute" },
        ]);
        assert.equal(parseTolerations("a=b:Never"), undefined);
        assert.equal(parseTolerations(""), undefined);
    });
});
