// The pure parts of the real-engine e2e (test/e2e): no toolchain, no engine, milliseconds.
import { strict as assert } from "assert";
import { END, replaceSection, START } from "./e2e/bench";
import { typeToken } from "./e2e/run";
import { kubectlResource } from "./e2e/liveCluster";
import { customResourceCreates } from "./e2e/liveCrds";
import { doneAfter } from "./e2e/benchLive";
import { dryRunsAccepted } from "./e2e/controlPlaneFiles";
import { upPromise } from "./e2e/liveModes";
import { changedSteps, liveSecretForComparison, sameQuantity, secretForComparison, subsetDiff, urnName } from "./e2e/liveObjects";
import { matchAutoNamed } from "./e2e/registrations";

describe("e2e helpers", () => {
    it("maps a written manifest to the Pulumi type token the schema validators key on", () => {
        assert.equal(typeToken("v1", "Secret"), "kubernetes:core/v1:Secret");
        assert.equal(typeToken("apps/v1", "Deployment"), "kubernetes:apps/v1:Deployment");
        assert.equal(typeToken("grafana.integreatly.org/v1beta1", "Grafana"), "kubernetes:grafana.integreatly.org/v1beta1:Grafana");
    });

    it("e2e:bench appends its BENCHMARKS.md section once, then replaces only that section", () => {
        const doc = "# Benchmarks\n\nnpm run bench output\n";
        const once = replaceSection(doc, "## Real engine\nfirst");
        assert.equal(once, `# Benchmarks\n\nnpm run bench output\n\n${START}\n## Real engine\nfirst\n${END}\n`);
        const twice = replaceSection(once + "\ntrailing text\n", "## Real engine\nsecond");
        assert.equal(twice, `# Benchmarks\n\nnpm run bench output\n\n${START}\n## Real engine\nsecond\n${END}\n\ntrailing text\n`);
    });
});

describe("e2e live helpers: comparing live objects and previews", () => {
    it("a live object equals its registration when every field the program set is there; server defaults are no difference", () => {
        const registered = {
            kind: "Deployment",
            spec: { replicas: 2, template: { spec: { containers: [{ name: "r", resources: { limits: { cpu: "1", memory: "1Gi" } } }] } } },
        };
        const live = {
            kind: "Deployment",
            metadata: { uid: "u", managedFields: [] },
            spec: {
                replicas: 2,
                progressDeadlineSeconds: 600,
                template: {
                    spec: {
                        dnsPolicy: "ClusterFirst",
                        containers: [
                            {
                                name: "r",
                                terminationMessagePath: "/dev/termination-log",
                                resources: { limits: { cpu: "1000m", memory: "1024Mi" } },
                            },
                        ],
                    },
                },
            },
            status: { readyReplicas: 2 },
        };
        assert.deepEqual(subsetDiff(registered, live), []);
    });

    it("names every field the server holds differently, missing, or a list of another length", () => {
        const registered = { spec: { replicas: 3, selector: { app: "x" }, ports: [{ port: 80 }, { port: 81 }], cpu: "250m" } };
        const live = { spec: { replicas: 2, ports: [{ port: 80 }], cpu: "500m" } };
        assert.deepEqual(subsetDiff(registered, live), [
            "spec.replicas: expected 3, got 2",
            "spec.selector: expected an object, got undefined",
            "spec.ports: expected 2 items, got 1",
            'spec.cpu: expected "250m", got "500m"',
        ]);
        assert.equal(sameQuantity("0.5", "500m"), true);
        assert.equal(sameQuantity("1Gi", "1G"), false);
    });

    it("a Secret's stringData is compared with the live data's keys (the server folds stringData into data)", () => {
        const registered = { kind: "Secret", type: "Opaque", stringData: { b: "x", a: "y" } };
        const live = { kind: "Secret", type: "Opaque", data: { a: "eQ==", b: "eA==" } };
        assert.deepEqual(subsetDiff(secretForComparison(registered), liveSecretForComparison(live)), []);
        const missingKey = { kind: "Secret", type: "Opaque", data: { a: "eQ==" } };
        assert.deepEqual(subsetDiff(secretForComparison(registered), liveSecretForComparison(missingKey)), [
            "dataKeys: expected 2 items, got 1",
        ]);
    });

    it("an auto-named object's live name maps back to its registration's key; others keep theirs", () => {
        const expected = ["v1 Secret ns/grafana-credentials-<auto-named>", "v1 Service ns/grafana"];
        assert.equal(matchAutoNamed("v1 Secret ns/grafana-credentials-1a2b3c4d", expected), expected[0]);
        assert.equal(
            matchAutoNamed("v1 Secret ns/grafana-credentials-extra-1a2b3c4d", expected),
            "v1 Secret ns/grafana-credentials-extra-1a2b3c4d",
        );
        assert.equal(matchAutoNamed("v1 Service ns/grafana", expected), "v1 Service ns/grafana");
        assert.equal(kubectlResource("apps/v1", "Deployment"), "deployment.v1.apps");
        assert.equal(kubectlResource("v1", "PersistentVolumeClaim"), "persistentvolumeclaim");
    });
});

describe("e2e live helpers: what the scenarios report", () => {
    it("reads the changed steps of `pulumi preview --json`, with their detailed diff paths (a StackReference's read is none)", () => {
        const json = JSON.stringify({
            steps: [
                { op: "same", urn: "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s" },
                { op: "read", urn: "urn:pulumi:s::p::pulumi:pulumi:StackReference::organization/p/s" },
                {
                    op: "update",
                    urn: "urn:pulumi:s::p::grafana-slack-alerts:kubernetes:GrafanaWithRenderer$kubernetes:apps/v1:Deployment::grafana-renderer",
                    diffReasons: ["spec"],
                    detailedDiff: { "spec.replicas": { kind: "update", inputDiff: true } },
                },
                { op: "create", urn: "urn:pulumi:s::p::kubernetes:core/v1:Service::svc", diffReasons: ["metadata"] },
            ],
        });
        const steps = changedSteps(json);
        assert.deepEqual(
            steps.map((s) => [s.op, urnName(s.urn), s.paths]),
            [
                ["update", "grafana-renderer", ["spec.replicas"]],
                ["create", "svc", ["metadata"]],
            ],
        );
    });
    it("says what the live up promises for a mode's registrations", () => {
        const objects = new Map<string, any>([
            ["a", { kind: "Deployment", spec: { replicas: 1 } }],
            ["b", { kind: "Deployment", spec: { replicas: 2 } }],
            ["c", { kind: "PersistentVolumeClaim", metadata: { name: "grafana-data" } }],
            ["d", { kind: "Secret" }],
            ["e", { kind: "NetworkPolicy" }],
            ["f", { kind: "PodDisruptionBudget" }],
        ]);
        assert.equal(
            upPromise(objects),
            "2 Deployments rolled out (3 pods Running/Ready on the kwok node), PVC grafana-data Bound, Secret, 1 NetworkPolicy, PodDisruptionBudget",
        );
    });
});

describe("e2e live helpers: what the server and the engine said", () => {
    it("lists the custom resources a preview would create, in the audit log's resource/name terms", () => {
        const step = (type: string, name: string, op = "create") => ({
            op,
            urn: `urn::${type}`,
            newState: { type, inputs: { metadata: { name } } },
        });
        const json = JSON.stringify({
            steps: [
                step("kubernetes:grafana.integreatly.org/v1beta1:Grafana", "grafana"),
                step("kubernetes:monitoring.coreos.com/v1:PodMonitor", "grafana-image-renderer"),
                step("kubernetes:apps/v1:Deployment", "grafana"),
                step("kubernetes:grafana.integreatly.org/v1beta1:GrafanaFolder", "f", "same"),
            ],
        });
        assert.deepEqual(customResourceCreates(json), ["grafanas/grafana", "podmonitors/grafana-image-renderer"]);
    });

    it("counts an object as accepted by the server only for a dry-run write it answered 2xx", () => {
        const ev = (uri: string, code: number, resource = "grafanas", name = "grafana") => ({
            verb: "patch",
            requestURI: uri,
            objectRef: { resource, name },
            responseStatus: { code },
        });
        const accepted = dryRunsAccepted([
            ev("/apis/grafana.integreatly.org/v1beta1/namespaces/n/grafanas/grafana?dryRun=All&fieldManager=pulumi", 200),
            ev(
                "/apis/grafana.integreatly.org/v1beta1/namespaces/n/grafanaalertrulegroups/r?dryRun=All",
                422,
                "grafanaalertrulegroups",
                "r",
            ),
            ev("/apis/monitoring.coreos.com/v1/namespaces/n/podmonitors/p?fieldManager=pulumi", 201, "podmonitors", "p"),
        ]);
        assert.deepEqual([...accepted], ["grafanas/grafana"]);
    });

    it("reads from `pulumi up --json` events when the last object of a type was done", () => {
        const out = (t: number, type: string) => JSON.stringify({ timestamp: t, resOutputsEvent: { metadata: { type } } });
        const events = [
            JSON.stringify({ timestamp: 100, diagnosticEvent: {} }),
            out(104, "kubernetes:apps/v1:Deployment"),
            out(106, "kubernetes:apps/v1:Deployment"),
            out(115, "kubernetes:core/v1:Service"),
            "not an event",
        ].join("\n");
        assert.equal(doneAfter(events, "kubernetes:apps/v1:Deployment"), 6);
        assert.equal(doneAfter(events, "kubernetes:core/v1:Service"), 15);
        assert.ok(Number.isNaN(doneAfter(events, "kubernetes:core/v1:Secret")));
    });
});
