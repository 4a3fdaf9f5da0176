// The live scenario of one Kubernetes mode (separate, sidecar, renderer) on the e2e's
// control plane: `pulumi up` with the workloads rolled out on the kwok node, the objects
// read back against what the program registers under mocks, a quiet second preview, a
// one-key change previewed and applied, and a destroy that leaves nothing.
import * as assert from "assert";
import { stackFileConfig } from "./engine";
import { Live, eventually, getJson, kubectlResource, pulumiLiveOk, rolledOut } from "./liveCluster";
import { changedSteps, liveSecretForComparison, objectKey, secretForComparison, subsetDiff, urnName } from "./liveObjects";
import { matchAutoNamed, mockObjects, PROJECT } from "./registrations";
import { check, say } from "./report";

export interface ModeSpec {
    mode: "separate" | "sidecar" | "renderer";
    /** Keys set over the committed stack file, and why. */
    overrides: Record<string, string>;
    why?: string;
    /** The one-key change: the key, its new value, the resource it changes and the paths that change. */
    change: { key: string; value: string; resource: string; paths: string[] };
}

export const MODE_SPECS: ModeSpec[] = [
    {
        mode: "separate",
        overrides: { grafanaServiceType: "NodePort" },
        why: "grafanaServiceType NodePort: no load-balancer controller here (the server allocates the node port)",
        change: { key: "rendererReplicas", value: "3", resource: "grafana-renderer", paths: ["spec.replicas"] },
    },
    {
        mode: "sidecar",
        overrides: {},
        change: {
            key: "grafanaCpu",
            value: "200m/1",
            resource: "grafana-grafana",
            paths: ["spec.template.spec.containers[0].resources.requests.cpu"],
        },
    },
    {
        mode: "renderer",
        overrides: {},
        change: { key: "rendererReplicas", value: "3", resource: "grafana-renderer", paths: ["spec.replicas"] },
    },
];

const key = (k: string) => `${PROJECT}:${k}`;

/** The live stack's config: the committed stack file with the spec's overrides. */
export function liveConfig(spec: ModeSpec): Record<string, string> {
    const config = stackFileConfig(`Pulumi.k8s-${spec.mode}.yaml`);
    for (const [k, v] of Object.entries(spec.overrides)) config[key(k)] = v;
    return config;
}

/** The live objects of the kinds the program registers, keyed as mockObjects keys them. */
export function liveObjects(live: Live, namespace: string, expected: Map<string, any>): Map<string, any> {
    const kinds = [...new Set([...expected.values()].map((o) => kubectlResource(o.apiVersion, o.kind)))];
    const items = getJson(live, [kinds.join(","), "-n", namespace]).items as any[];
    const out = new Map<string, any>();
    for (const o of items) {
        if (o.kind === "Namespace" && o.metadata.name !== namespace) continue;
        out.set(matchAutoNamed(objectKey(o), expected.keys()), o);
    }
    return out;
}

/** The read-back check: the same set of objects, and each field the program set present with its value. */
export function compareWithMocks(live: Map<string, any>, expected: Map<string, any>, adminPassword?: string): void {
    assert.deepStrictEqual([...live.keys()].sort(), [...expected.keys()].sort(), "the live objects are not the registered ones");
    const problems: string[] = [];
    for (const [k, exp] of expected) {
        for (const d of subsetDiff(secretForComparison(exp), liveSecretForComparison(live.get(k)))) problems.push(`${k}: ${d}`);
    }
    assert.deepStrictEqual(problems, []);
    const secret = [...live.values()].find((o) => o.kind === "Secret");
    if (adminPassword !== undefined && secret) {
        const stored = Buffer.from(secret.data["admin-password"] ?? "", "base64").toString();
        assert.ok(stored === adminPassword, "the Secret's admin-password is not the stack's grafanaAdminPassword output");
    }
}

/** pulumi config set / preview --json: the steps a one-key change makes. */
async function previewChange(live: Live, stack: string, spec: ModeSpec): Promise<ReturnType<typeof changedSteps>> {
    live.engine.ok(["config", "set", spec.change.key, spec.change.value, "--stack", stack]);
    const r = await pulumiLiveOk(live, `live ${spec.mode}: preview (${spec.change.key})`, ["preview", "--json", "--stack", stack]);
    return changedSteps(r.stdout);
}

/** Whether the stack's namespace and every object labelled with its instance are gone. */
function nothingLeft(live: Live, namespace: string, stack: string, kinds: string[]): string[] {
    const left: string[] = [];
    const ns = live.cp.kubectl(["get", "namespace", namespace, "-o", "name"]);
    if (ns.status === 0) left.push(ns.stdout.trim());
    const labelled = getJson(live, [kinds.join(","), "-A", "-l", `app.kubernetes.io/instance=${stack}`]).items as any[];
    for (const o of labelled) left.push(objectKey(o));
    return left;
}

/** What the up check promises for these registrations (kinds and counts), e.g. "2 Deployments rolled out (3 pods ...), PVC Bound, ...". */
export function upPromise(expected: Map<string, any>): string {
    const of = (kind: string) => [...expected.values()].filter((o) => o.kind === kind);
    const deployments = of("Deployment");
    const pods = deployments.reduce((n, d) => n + (d.spec?.replicas ?? 1), 0);
    const parts = [
        `${deployments.length} Deployment${deployments.length === 1 ? "" : "s"} rolled out (${pods} pod${pods === 1 ? "" : "s"} Running/Ready on the kwok node)`,
    ];
    for (const pvc of of("PersistentVolumeClaim")) parts.push(`PVC ${pvc.metadata.name} Bound`);
    if (of("Secret").length) parts.push("Secret");
    const policies = of("NetworkPolicy").length;
    if (policies) parts.push(`${policies} NetworkPolic${policies === 1 ? "y" : "ies"}`);
    if (of("PodDisruptionBudget").length) parts.push("PodDisruptionBudget");
    return parts.join(", ");
}

/** After `up`: rollout, claims bound, the objects equal to the mock registrations, the Grafana side skipped. */
async function upChecks(live: Live, mode: string, stack: string, namespace: string, expected: Map<string, any>): Promise<void> {
    await check(
        `live ${mode}: the objects read back (kubectl get -o json) equal the mock registrations after server defaults (${expected.size} objects)`,
        () => {
            const outputs = JSON.parse(live.engine.ok(["stack", "output", "--json", "--show-secrets", "--stack", stack]).stdout);
            compareWithMocks(liveObjects(live, namespace, expected), expected, outputs.grafanaAdminPassword);
        },
    );
    await check(skippedCheckName(mode), () => {
        const outputs = JSON.parse(live.engine.ok(["stack", "output", "--json", "--stack", stack]).stdout);
        const hint = String(outputs.nextSteps?.[0] ?? "");
        if (mode === "renderer") {
            assert.match(hint, new RegExp(`GF_RENDERING_SERVER_URL=http://grafana-image-renderer\\.${namespace}:8081/render`), hint);
            assert.strictEqual(outputs.grafanaRenderingEnv, "[secret]", "the rendering settings (with the token) are not a secret output");
            return hint.split("\n")[0];
        }
        assert.match(hint, /the Grafana-side resources \(contact point, alert rules, verification\) were skipped/, hint);
        return `nextSteps: ${hint.split("\n")[0]}`;
    });
}

/** What the program does about Grafana's side on this cluster, where Grafana's API cannot be reached. */
function skippedCheckName(mode: string): string {
    return mode === "renderer"
        ? "live renderer: no Grafana here: the outputs give your Grafana its rendering settings, the token a secret"
        : `live ${mode}: Grafana's API is unreachable here, so the Grafana side (contact point, rules, verification) is skipped, and nextSteps says so`;
}

/** The one-key change: previewed as exactly one update of the expected paths, then applied. */
async function changeCheck(live: Live, spec: ModeSpec, stack: string, namespace: string): Promise<void> {
    const c = spec.change;
    await check(
        `live ${spec.mode}: ${c.key} ${c.value}: the preview shows exactly that change (${c.resource}: ${c.paths.join(", ")}), and up applies it`,
        async () => {
            const steps = await previewChange(live, stack, spec);
            assert.deepStrictEqual(
                steps.map((s) => ({ op: s.op, resource: urnName(s.urn), paths: s.paths })),
                [{ op: "update", resource: c.resource, paths: c.paths }],
            );
            await pulumiLiveOk(live, `live ${spec.mode}: up (${c.key})`, ["up", "--yes", "--skip-preview", "--stack", stack]);
            rolledOut(live, namespace);
            if (c.key === "rendererReplicas") {
                const d = getJson(live, ["deployment.v1.apps", "grafana-image-renderer", "-n", namespace]);
                assert.strictEqual(d.status.readyReplicas, Number(c.value));
            }
        },
    );
}

export async function liveMode(live: Live, spec: ModeSpec): Promise<void> {
    const { mode } = spec;
    const stack = `live-${mode}`;
    const config = liveConfig(spec);
    const namespace = config[key("namespace")];
    say(`\nlive ${mode} (Pulumi.k8s-${mode}.yaml${spec.why ? "; " + spec.why : ""})`);
    live.engine.initStack(stack, config);
    const expected = await mockObjects(config, stack);
    const kinds = [...new Set([...expected.values()].map((o) => kubectlResource(o.apiVersion, o.kind)))];

    let upOk = false;
    await check(`live ${mode}: pulumi up: ${upPromise(expected)}`, async () => {
        await pulumiLiveOk(live, `live ${mode}: up`, ["up", "--yes", "--skip-preview", "--stack", stack]);
        upOk = true;
        rolledOut(live, namespace);
        for (const pvc of getJson(live, ["pvc", "-n", namespace]).items as any[]) {
            assert.strictEqual(pvc.status?.phase, "Bound", `PVC ${pvc.metadata.name}: ${JSON.stringify(pvc.status)}`);
        }
    });
    if (!upOk) return;
    await upChecks(live, mode, stack, namespace, expected);
    await check(`live ${mode}: a second \`pulumi preview --diff --expect-no-changes\` is quiet`, async () => {
        await pulumiLiveOk(live, `live ${mode}: preview (no changes)`, ["preview", "--diff", "--expect-no-changes", "--stack", stack]);
    });
    await changeCheck(live, spec, stack, namespace);
    await check(`live ${mode}: pulumi destroy leaves no object of the stack, the namespace gone`, async () => {
        live.cp.notePersistentVolumes();
        await pulumiLiveOk(live, `live ${mode}: destroy`, ["destroy", "--yes", "--skip-preview", "--stack", stack]);
        assert.deepStrictEqual(nothingLeft(live, namespace, stack, kinds), []);
        assert.deepStrictEqual(live.engine.exportStack(stack).deployment?.resources ?? [], []);
        await eventually("the claim's PersistentVolume deleted (reclaimPolicy Delete)", 30, () =>
            (getJson(live, ["pv"]).items as any[]).every((pv) => pv.spec?.claimRef?.namespace !== namespace),
        );
    });
    live.engine.pulumi(["stack", "rm", "--yes", "--force", stack]);
}
