// The live scenarios with custom resources: prometheus-operator's ServiceMonitor/PodMonitor
// (monitoring: true) with the renderer autoscaled (rendererMaxReplicas) and Grafana's
// Ingress, and grafana-operator's CRs (operator mode), each kind installed from the
// vendored, source-cited CRDs in test/schemas/.
import * as assert from "assert";
import * as path from "path";
import { ROOT, stackFileConfig } from "./engine";
import { Live, eventually, getJson, pulumiLiveOk, rolledOut } from "./liveCluster";
import { MODE_SPECS, compareWithMocks, liveConfig, liveObjects } from "./liveModes";
import { mockObjects, PROJECT } from "./registrations";
import { dryRunsAccepted } from "./controlPlaneFiles";
import { check, say } from "./report";

const SCHEMAS = path.join(ROOT, "test", "schemas");
export const PROMETHEUS_CRDS = ["prometheus-operator-v0.93.0-servicemonitors.yaml", "prometheus-operator-v0.93.0-podmonitors.yaml"];
export const GRAFANA_OPERATOR_CRDS = [
    "grafanas",
    "grafanadatasources",
    "grafanafolders",
    "grafanadashboards",
    "grafanaalertrulegroups",
    "grafanacontactpoints",
    "grafananotificationpolicies",
].map((k) => `grafana-operator-v5.24.0-${k}.yaml`);

/** Applies vendored CRDs (server-side: the Grafana CRD is too big for kubectl's last-applied annotation) and waits until they serve. */
function installCrds(live: Live, files: string[]): string[] {
    const args = ["apply", "--server-side", "-o", "name", ...files.flatMap((f) => ["-f", path.join(SCHEMAS, f)])];
    const names = live.cp.kubectlOk(args).trim().split("\n");
    live.cp.kubectlOk(["wait", "--for=condition=Established", "--timeout=60s", ...names]);
    return names.map((n) => n.replace(/^customresourcedefinition\.apiextensions\.k8s\.io\//, ""));
}

const key = (k: string) => `${PROJECT}:${k}`;

/** separate mode with monitoring and an autoscaled renderer, through up, a quiet preview and destroy; ingressHost by a dry run. */
export async function monitoringScenario(live: Live): Promise<void> {
    const stack = "live-monitoring";
    const namespace = "grafana-alerts-monitoring";
    say("\nlive monitoring (separate + monitoring true + rendererMaxReplicas 4; ingressHost as a server-side dry run)");
    await check(
        "live monitoring: prometheus-operator's ServiceMonitor and PodMonitor CRDs (vendored v0.93.0) installed and Established",
        () => {
            assert.strictEqual(installCrds(live, PROMETHEUS_CRDS).length, 2);
        },
    );
    const config = {
        ...liveConfig(MODE_SPECS[0]),
        [key("namespace")]: namespace,
        [key("monitoring")]: "true",
        [key("rendererMaxReplicas")]: "4",
    };
    live.engine.initStack(stack, config);
    const expected = await mockObjects(config, stack);
    const count = (kind: string) => [...expected.values()].filter((o) => o.kind === kind).length;
    let up = false;
    await check(
        `live monitoring: pulumi up: ${count("ServiceMonitor")} ServiceMonitors and the HorizontalPodAutoscaler accepted, read back equal to the mock registrations`,
        async () => {
            await pulumiLiveOk(live, "live monitoring: up", ["up", "--yes", "--skip-preview", "--stack", stack]);
            up = true;
            assert.ok(count("ServiceMonitor") === 2 && count("HorizontalPodAutoscaler") === 1, "expected 2 ServiceMonitors and an HPA");
            compareWithMocks(liveObjects(live, namespace, expected), expected);
        },
    );
    if (!up) return;
    await check(
        "live monitoring: the HPA controller scales the renderer to its minimum (2), and a second preview stays quiet",
        async () => {
            await eventually(
                "renderer at 2 ready replicas",
                45,
                () => getJson(live, ["deployment.v1.apps", "grafana-image-renderer", "-n", namespace]).status?.readyReplicas === 2,
            );
            rolledOut(live, namespace);
            await pulumiLiveOk(live, "live monitoring: preview (no changes)", [
                "preview",
                "--diff",
                "--expect-no-changes",
                "--stack",
                stack,
            ]);
        },
    );
    await check(
        "live monitoring: ingressHost: the Ingress the program registers is accepted by the server (dry run in the stack's namespace)",
        async () => {
            const withIngress = await mockObjects({ ...config, [key("ingressHost")]: "grafana.e2e.example" }, stack);
            const ingress = [...withIngress.values()].find((o) => o.kind === "Ingress");
            assert.ok(ingress, "no Ingress registered with ingressHost");
            const answer = JSON.parse(
                live.cp.kubectlOk(["create", "--dry-run=server", "-o", "json", "-f", "-"], { input: JSON.stringify(ingress) }),
            );
            assert.strictEqual(answer.spec.rules[0].host, "grafana.e2e.example");
            return "a real up with ingressHost then reaches Grafana through the Ingress with the Grafana provider, which the toolchain does not build";
        },
    );
    await check("live monitoring: pulumi destroy leaves no object of the stack, the namespace gone", async () => {
        live.cp.notePersistentVolumes();
        await pulumiLiveOk(live, "live monitoring: destroy", ["destroy", "--yes", "--skip-preview", "--stack", stack]);
        assert.notStrictEqual(live.cp.kubectl(["get", "namespace", namespace]).status, 0, `namespace ${namespace} still there`);
    });
    live.engine.pulumi(["stack", "rm", "--yes", "--force", stack]);
}

/**
 * The stack's marker id (a RandomId the demo rule's `gsa_stack` label carries) made first, with
 * its parents: in a new stack's preview it is unknown, and the provider sends an object with
 * unknown fields to no dry run, so the rule group would go unchecked.
 */
async function createStackMarker(live: Live, stack: string): Promise<void> {
    const steps: any[] = JSON.parse((await pulumiLiveOk(live, undefined, ["preview", "--json", "--stack", stack])).stdout).steps ?? [];
    const marker = steps.find((s) => s.newState?.type === "random:index/randomId:RandomId");
    assert.ok(marker, "the preview creates no RandomId (the stack marker)");
    const parents = new Map(steps.map((s) => [s.urn, s.newState?.parent]));
    const targets: string[] = [];
    for (let urn = marker.urn; urn && !urn.includes("::pulumi:pulumi:Stack::"); urn = parents.get(urn)) targets.push("--target", urn);
    await pulumiLiveOk(live, "live operator: up (stack marker only)", ["up", "--yes", "--skip-preview", "--stack", stack, ...targets]);
}

/** The custom resources a `pulumi preview --json` would create, as `<plural resource>/<name>` (the audit log's terms). */
export function customResourceCreates(previewJson: string): string[] {
    return (JSON.parse(previewJson).steps ?? [])
        .filter(
            (s: any) =>
                s.op === "create" && /^kubernetes:(grafana\.integreatly\.org|monitoring\.coreos\.com)\//.test(s.newState?.type ?? ""),
        )
        .map((s: any) => `${s.newState.type.split(":")[2].toLowerCase()}s/${s.newState.inputs?.metadata?.name ?? "?"}`)
        .sort();
}

/** operator mode: every CR through the live server's validation by `pulumi preview`; the operator itself cannot run here. */
export async function operatorScenario(live: Live): Promise<void> {
    const stack = "live-operator";
    const config = { ...stackFileConfig("Pulumi.k8s-operator.yaml"), [key("monitoring")]: "true" };
    const namespace = config[key("namespace")];
    say("\nlive operator (Pulumi.k8s-operator.yaml + monitoring; `pulumi preview` only)");
    await check(
        "live operator: grafana-operator's CRDs (vendored v5.24.0: Grafana and the six alerting kinds) installed and Established",
        () => {
            assert.strictEqual(installCrds(live, GRAFANA_OPERATOR_CRDS).length, 7);
        },
    );
    live.engine.initStack(stack, config);
    // The provider dry-runs an object only in a namespace that exists (else it skips the object
    // in a preview), so the namespace is made first, as the first `up` would.
    live.cp.kubectlOk(["create", "namespace", namespace]);
    await check(
        "live operator: pulumi preview: the server accepts every custom resource in a dry run (OpenAPI schema and CEL rules)",
        async () => {
            await createStackMarker(live, stack);
            const r = await pulumiLiveOk(live, "live operator: preview", ["preview", "--json", "--stack", stack]);
            const crs = customResourceCreates(r.stdout);
            const expected = [...(await mockObjects(config, stack)).values()].filter((o) =>
                /grafana\.integreatly\.org|monitoring\.coreos\.com/.test(o.apiVersion),
            );
            assert.strictEqual(crs.length, expected.length, `preview creates ${crs.join(", ")}; the program registers ${expected.length}`);
            // The apiserver's audit log: the objects it answered a dry-run write for (the provider's preview check).
            const accepted = dryRunsAccepted(live.cp.auditEvents());
            assert.deepStrictEqual(
                crs.filter((c) => !accepted.has(c)),
                [],
                "custom resources the server did not accept in a dry run",
            );
            return crs.join(", ");
        },
    );
    await check(
        "live operator: this server enforces the CRDs' CEL rules: a rule group with both folderRef and folderUID is refused",
        async () => {
            const group = [...(await mockObjects(config, stack)).values()].find((o) => o.kind === "GrafanaAlertRuleGroup");
            assert.ok(group, "no GrafanaAlertRuleGroup registered");
            const bad = { ...group, spec: { ...group.spec, folderRef: "x", folderUID: "y" } };
            const r = live.cp.kubectl(["create", "--dry-run=server", "-f", "-"], { input: JSON.stringify(bad) });
            assert.notStrictEqual(r.status, 0, "the server accepted a rule group that breaks the CRD's CEL rule");
            assert.match(r.stderr, /Only one of FolderUID or FolderRef can be set/);
        },
    );
    say(
        "        (nothing sets these CRs' status: grafana-operator cannot be built here (it links AGPL Grafana modules), so no `up`: it would wait for GrafanaReady)",
    );
    live.cp.kubectl(["delete", "namespace", namespace, "--wait=false"]);
    live.engine.pulumi(["stack", "rm", "--yes", "--force", stack]);
}
