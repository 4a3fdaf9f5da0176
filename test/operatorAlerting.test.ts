// kubernetesMode operator with operatorAlerting: the whole program under Pulumi mocks. With
// the CRs, Grafana's objects are grafana-operator custom resources that pass the operator's
// CRDs, select the stack's Grafana CR, read the Slack token from a Secret and use the API
// path's UIDs; no Grafana provider, preflight or verification resource exists. The key is
// validated with every other, and `auto` picks the API path whenever a URL reaches Grafana.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigValidationError } from "../components/config/config";
import { contactPointNameFor } from "../components/alerting/model/alertingModel";
import { uidsFor } from "../components/alerting/model/dashboardModel";
import { PIN_CRS_COMMAND, operatorAlertingPath, previousAlertingPath } from "../components/alerting/operator/operatorAlerting";
import { STATE_MARKER_OUTPUTS } from "../components/program";
import {
    SLACK_TOKEN_SECRET_KEY,
    SYNCHRONIZED_CONDITION,
    type OperatorAlertingKind,
} from "../components/alerting/operator/operatorAlertingCrs";
import { settingsFor } from "./harness/configSource";
import { validateAllKubernetesObjects } from "./harness/kubernetesSchemas";
import { RegisteredResource, isSecretValue, ofType, one, unwrapSecrets, valueOf } from "./harness/pulumiMocks";
import { runStack } from "./harness/program";

const TOKEN = "xoxb-1111-2222-operatorCRsTOKEN";
const CHANNEL = "C0123ABCDE";
const OPERATOR = { target: "kubernetes", kubernetesMode: "operator" };
const SLACK = { slackToken: TOKEN, slackChannel: CHANNEL };
const CR = (kind: OperatorAlertingKind) => `kubernetes:grafana.integreatly.org/v1beta1:${kind}`;
const GRAFANA_CR = "kubernetes:grafana.integreatly.org/v1beta1:Grafana";
const SECRET = "kubernetes:core/v1:Secret";
const ROUTES = '[{"channel":"#web-alerts","matchers":["team=web"]},{"channel":"#db-alerts","matchers":["team=db"]}]';

/** Anything that talks to Grafana's API from this machine. */
function grafanaApiResources(resources: RegisteredResource[]): string[] {
    return resources
        .filter((r) => r.type.startsWith("grafana:") || r.type === "pulumi:providers:grafana" || r.type.startsWith("pulumi-nodejs:dynamic"))
        .map((r) => `${r.type} ${r.name}`);
}
const operatorCrs = (resources: RegisteredResource[]) =>
    resources.filter((r) => r.type.startsWith("kubernetes:grafana.integreatly.org/v1beta1:") && r.type !== GRAFANA_CR);

/** The auto-named Secrets get their name from the provider; the mock does it the same way. */
function namedSecrets(args: pulumi.runtime.MockResourceArgs): Record<string, any> | undefined {
    if (args.type === SECRET && !args.inputs.metadata?.name) return { metadata: { ...args.inputs.metadata, name: `${args.name}-5f3a` } };
    return undefined;
}
/** Warnings the last run logged (the harness captures pulumi.log.warn, so the test output stays quiet). */
let warned: string[] = [];
async function stack(config: Record<string, string>, stackName = "dev", last?: Record<string, unknown>) {
    // `last`: the stack's outputs from its previous update, as its reference to itself reads them.
    const stateFor = (args: pulumi.runtime.MockResourceArgs) =>
        args.type === "pulumi:pulumi:StackReference" ? (last ? { outputs: last } : undefined) : namedSecrets(args);
    const run = await runStack({ verify: "true", ...config }, { stack: stackName, stateFor });
    warned = run.warnings;
    return run;
}

describe("operatorAlerting: which path", () => {
    const path = (values: Record<string, string>) => operatorAlertingPath(settingsFor({ ...OPERATOR, ...values }) as any);

    it("auto: the CRs exactly when nothing reaches Grafana's API from here, with a warning to pin it", () => {
        const cluster = path({});
        assert.equal(cluster.path, "crs");
        assert.ok(cluster.warning?.includes(PIN_CRS_COMMAND), cluster.warning);
        assert.equal(path({ grafanaServiceType: "NodePort" }).path, "crs", "a node port this machine may not reach");
        assert.equal(path({ renderYamlTo: "out" }).path, "crs", "manifests: the operator applies them once applied");
        assert.deepEqual(path({ grafanaUrl: "http://localhost:3000" }), { path: "api" });
        assert.deepEqual(path({ grafanaServiceType: "LoadBalancer" }), { path: "api" });
        assert.deepEqual(path({ ingressHost: "grafana.example.com" }), { path: "api" });
        assert.deepEqual(path({ operatorApiVersion: "v1alpha1" }), { path: "api" }, "operator v4 has no alerting CRs");
    });

    it("crs and api are taken as given, without a warning", () => {
        assert.deepEqual(path({ operatorAlerting: "crs", grafanaUrl: "http://localhost:3000" }), { path: "crs" });
        assert.deepEqual(path({ operatorAlerting: "api" }), { path: "api" });
        assert.deepEqual(operatorAlertingPath(settingsFor({ target: "kubernetes", kubernetesMode: "sidecar" }) as any), { path: "api" });
    });
});

describe("operatorAlerting: config errors", () => {
    function problems(values: Record<string, string>) {
        try {
            settingsFor(values);
        } catch (e) {
            assert.ok(e instanceof ConfigValidationError, String(e));
            return e.problems.filter((p) => p.key === "operatorAlerting");
        }
        assert.fail("expected a config error");
    }

    it("only with kubernetesMode operator: names the key, the value, what is allowed and the fix", () => {
        const [p] = problems({ target: "kubernetes", kubernetesMode: "sidecar", operatorAlerting: "crs" });
        assert.equal(p.given, '"crs" with kubernetesMode "sidecar"');
        assert.match(p.allowed, /only with kubernetesMode operator/);
        assert.equal(p.fix, "pulumi config rm operatorAlerting   (or: pulumi config set kubernetesMode operator)");
        assert.equal(problems({ operatorAlerting: "api" })[0].given, '"api" with target "docker"');
    });

    it("crs needs the v5 operator (v1alpha1 has no alerting CRs)", () => {
        const [p] = problems({ ...OPERATOR, operatorApiVersion: "v1alpha1", operatorAlerting: "crs" });
        assert.match(p.allowed, /v4 operator \(v1alpha1\) has no alerting custom resources/);
        assert.match(p.fix, /^pulumi config set operatorAlerting api/);
    });

    it("an unknown value lists the allowed ones; reported with every other problem, nothing created", async () => {
        const [p] = problems({ ...OPERATOR, operatorAlerting: "operator" });
        assert.equal(p.allowed, "auto | crs | api");
        const run = await stack({ ...OPERATOR, operatorAlerting: "operator", grafanaPort: "0" });
        assert.ok(run.error instanceof ConfigValidationError);
        assert.deepEqual(run.error.problems.map((x) => x.key).sort(), ["grafanaPort", "operatorAlerting"]);
        assert.equal(run.resources.length, 0);
    });

    it("auto with any other mode is no problem (the declared default)", () => {
        settingsFor({ target: "kubernetes", kubernetesMode: "sidecar", operatorAlerting: "auto" });
    });
});

describe("operatorAlerting crs: the program under mocks", function () {
    this.timeout(30000);

    it("creates the six CRs, each passing its CRD, and nothing that talks to Grafana's API", async () => {
        const run = await stack({ ...OPERATOR, ...SLACK });
        assert.equal(run.error, undefined, String(run.error));
        assert.deepEqual(grafanaApiResources(run.resources), []);
        assert.deepEqual(
            operatorCrs(run.resources)
                .map((r) => r.type.split(":").pop())
                .sort(),
            [
                "GrafanaAlertRuleGroup",
                "GrafanaContactPoint",
                "GrafanaDashboard",
                "GrafanaDatasource",
                "GrafanaFolder",
                "GrafanaNotificationPolicy",
            ],
        );
        assert.ok(validateAllKubernetesObjects(run.resources) >= 12);
    });

    it("every CR selects the stack's Grafana CR by its labels and waits for the operator's Synchronized condition", async () => {
        const run = await stack({ ...OPERATOR, ...SLACK });
        const grafana = one(run.resources, GRAFANA_CR).plain;
        for (const cr of operatorCrs(run.resources)) {
            assert.deepEqual(cr.plain.spec.instanceSelector, { matchLabels: grafana.metadata.labels }, cr.name);
            assert.equal(cr.plain.metadata.namespace, grafana.metadata.namespace, "same namespace: no cross-namespace import needed");
            assert.equal(
                cr.plain.metadata.annotations["pulumi.com/waitFor"],
                `condition=${SYNCHRONIZED_CONDITION[cr.plain.kind as OperatorAlertingKind]}`,
            );
        }
    });

    it("reads the Slack token from its own Secret through valuesFrom; the token is secret and never in a CR", async () => {
        const run = await stack({ ...OPERATOR, ...SLACK });
        const secret = one(run.resources, SECRET, "operator-alerting-slack-token");
        assert.ok(
            isSecretValue(secret.inputs.stringData[SLACK_TOKEN_SECRET_KEY]) || isSecretValue(secret.inputs.stringData),
            "marked secret",
        );
        assert.equal(secret.plain.stringData[SLACK_TOKEN_SECRET_KEY], TOKEN);
        assert.equal(secret.plain.immutable, true);
        const cp = one(run.resources, CR("GrafanaContactPoint")).plain;
        assert.deepEqual(cp.spec.receivers[0].valuesFrom, [
            {
                targetPath: "token",
                valueFrom: { secretKeyRef: { name: "operator-alerting-slack-token-5f3a", key: SLACK_TOKEN_SECRET_KEY } },
            },
        ]);
        for (const cr of operatorCrs(run.resources)) assert.ok(!JSON.stringify(cr.plain).includes(TOKEN), cr.name);
        assert.ok(!JSON.stringify(run.result).includes(TOKEN), "nor in an output");
    });

    it("uses the API path's UIDs and names, routes the demo rule to the contact point, dependencies in Grafana's order", async () => {
        const run = await stack({ ...OPERATOR, ...SLACK });
        const uids = uidsFor("dev");
        const spec = (kind: OperatorAlertingKind) => one(run.resources, CR(kind)).plain.spec;
        assert.equal(spec("GrafanaDatasource").uid, uids.datasource);
        assert.equal(spec("GrafanaFolder").uid, uids.folder);
        assert.equal(spec("GrafanaDashboard").uid, uids.dashboard);
        const rule = spec("GrafanaAlertRuleGroup").rules[0];
        assert.equal(rule.uid, uids.rule);
        // The stack marker, as on the API path: <project>/<stack>/<random id kept in state>.
        assert.match(rule.labels.gsa_stack, /^grafana-slack-alerts\/dev\/[0-9a-f]{8}$/);
        assert.equal(rule.notificationSettings.receiver, contactPointNameFor("dev"));
        assert.equal(spec("GrafanaContactPoint").name, contactPointNameFor("dev"));
        assert.equal(spec("GrafanaNotificationPolicy").route.receiver, contactPointNameFor("dev"));
        assert.equal(await valueOf(run.result!.grafanaFolderUid as pulumi.Output<string>), uids.folder);
        assert.equal(await valueOf(run.result!.contactPoint as pulumi.Output<string>), contactPointNameFor("dev"));
    });

    it("says the verification was skipped and how to run doctor; the auto choice warns once how to pin it", async () => {
        const run = await stack({ ...OPERATOR, ...SLACK });
        assert.equal(warned.filter((w) => w.includes(PIN_CRS_COMMAND)).length, 1, warned.join("\n"));
        const out = run.result!;
        assert.match(String(out.operatorAlerting), /^crs: grafana-operator custom resources/);
        assert.equal((out.verification as any).verified, false);
        assert.match((out.verification as any).how, /^skipped: operatorAlerting crs/);
        const steps = (out.nextSteps as string[]).join("\n");
        assert.match(steps, /kubectl port-forward svc\/grafana 3000:3000 -n grafana/);
        assert.match(steps, /npm run doctor -- --grafana-url http:\/\/localhost:3000 .*--stack dev --alert/);
        assert.doesNotMatch(steps, /pulumi config set grafanaUrl/, "no advice to reach the API: that would switch auto over");
    });

    it("without Slack: no contact point, policy or Secret; the rule has no routing; demoAlert false: no dashboard or rule group", async () => {
        const bare = await stack({ ...OPERATOR });
        assert.deepEqual(
            operatorCrs(bare.resources)
                .map((r) => r.plain.kind)
                .sort(),
            ["GrafanaAlertRuleGroup", "GrafanaDashboard", "GrafanaDatasource", "GrafanaFolder"],
        );
        assert.equal(one(bare.resources, CR("GrafanaAlertRuleGroup")).plain.spec.rules[0].notificationSettings, undefined);
        assert.equal(ofType(bare.resources, SECRET).length, 1, "only the credentials Secret");
        validateAllKubernetesObjects(bare.resources);
        const noDemo = await stack({ ...OPERATOR, ...SLACK, demoAlert: "false" });
        assert.deepEqual(
            operatorCrs(noDemo.resources)
                .map((r) => r.plain.kind)
                .sort(),
            ["GrafanaContactPoint", "GrafanaDatasource", "GrafanaFolder", "GrafanaNotificationPolicy"],
        );
        validateAllKubernetesObjects(noDemo.resources);
    });

    it("your own dashboards, rule groups and routed channels become CRs too, with the API path's routing", async () => {
        const run = await stack({
            ...OPERATOR,
            ...SLACK,
            dashboardsDir: "examples/dashboards",
            alertRulesDir: "examples/alert-rules",
            slackRoutes: ROUTES,
        });
        assert.equal(run.error, undefined, String(run.error));
        assert.deepEqual(grafanaApiResources(run.resources), []);
        validateAllKubernetesObjects(run.resources);
        const dashboards = ofType(run.resources, CR("GrafanaDashboard")).map((r) => r.plain.spec);
        assert.deepEqual(dashboards.map((d) => d.uid).sort(), ["gsa-dash-dev", "gsa-example-cpu"]);
        assert.ok(dashboards.every((d) => d.folderRef === "gsa-folder"));
        const cps = ofType(run.resources, CR("GrafanaContactPoint")).map((r) => r.plain.spec);
        assert.deepEqual(cps.map((c) => [c.name, c.receivers[0].settings.recipient]).sort(), [
            ["grafana-slack-alerts-dev", CHANNEL],
            ["grafana-slack-alerts-dev-db-alerts", "#db-alerts"],
            ["grafana-slack-alerts-dev-web-alerts", "#web-alerts"],
        ]);
        assert.equal(new Set(cps.map((c) => c.receivers[0].uid)).size, 3, "one receiver UID each");
        assert.ok(cps.every((c) => c.receivers[0].valuesFrom[0].valueFrom.secretKeyRef.name === "operator-alerting-slack-token-5f3a"));
        const group = ofType(run.resources, CR("GrafanaAlertRuleGroup"))
            .map((r) => r.plain.spec)
            .find((g) => g.name === "cpu");
        assert.equal(group.interval, "60s");
        assert.deepEqual(
            group.rules.map((r: any) => [
                r.uid,
                r.notificationSettings.receiver,
                r.annotations.__dashboardUid__,
                r.annotations.__panelId__,
                r.for,
            ]),
            [
                ["cpu-web-high", "grafana-slack-alerts-dev-web-alerts", "gsa-example-cpu", "2", "300s"],
                ["cpu-db-high", "grafana-slack-alerts-dev-db-alerts", "gsa-example-cpu", "6", "300s"],
            ],
        );
        assert.equal(group.rules[0].data[0].datasourceUid, "gsa-testdata-dev");
        assert.deepEqual(
            (run.result!.ownAlerts as any).rules.map((r: any) => [r.uid, r.channel, r.link]),
            [
                ["cpu-web-high", "#web-alerts", "linked"],
                ["cpu-db-high", "#db-alerts", "linked"],
            ],
        );
    });

    it("with renderYamlTo the CRs are written with the manifests (same provider)", async () => {
        const run = await stack({ ...OPERATOR, ...SLACK, renderYamlTo: "rendered-manifests" });
        const provider = one(run.resources, "pulumi:providers:kubernetes").name;
        const crs = operatorCrs(run.resources);
        assert.equal(crs.length, 6);
        assert.ok(crs.every((r) => r.provider?.includes(provider)));
        assert.deepEqual(grafanaApiResources(run.resources), []);
        assert.match((run.result!.nextSteps as string[]).join("\n"), /kubectl apply -R -f rendered-manifests .*plain text/s);
    });

    it("a preview that cannot know the last outputs still evaluates (no wait on them)", async () => {
        const run = await runStack({ ...OPERATOR, ...SLACK }, { stack: "dev", preview: true });
        assert.equal(run.error, undefined, String(run.error));
        assert.equal(operatorCrs(run.resources).length, 6);
    });

    it("two evaluations give identical inputs", async () => {
        const config = {
            ...OPERATOR,
            ...SLACK,
            dashboardsDir: "examples/dashboards",
            alertRulesDir: "examples/alert-rules",
            slackRoutes: ROUTES,
        };
        const a = await stack(config);
        const b = await stack(config);
        const mine = (rs: RegisteredResource[]) =>
            rs.filter((r) => r.name.startsWith("operator-alerting")).map((r) => [r.type, r.name, JSON.stringify(r.plain)]);
        assert.ok(mine(a.resources).length >= 9);
        assert.deepEqual(mine(a.resources), mine(b.resources));
    });
});

describe("operatorAlerting: the API path stays as it was", function () {
    this.timeout(30000);

    it("auto with grafanaUrl: Grafana's API, no CRs", async () => {
        const run = await stack({ ...OPERATOR, ...SLACK, grafanaUrl: "http://localhost:3000" });
        assert.equal(run.error, undefined, String(run.error));
        assert.deepEqual(operatorCrs(run.resources), []);
        assert.ok(grafanaApiResources(run.resources).some((r) => r.startsWith("grafana:alerting/contactPoint:ContactPoint")));
        assert.equal(run.result!.operatorAlerting, undefined);
    });

    it("api pinned without a URL: nothing Grafana-side, and the hint names operatorAlerting crs", async () => {
        const run = await stack({ ...OPERATOR, ...SLACK, operatorAlerting: "api" });
        assert.deepEqual(operatorCrs(run.resources), []);
        assert.deepEqual(grafanaApiResources(run.resources), []);
        const steps = (run.result!.nextSteps as string[]).join("\n");
        assert.match(steps, /pulumi config set operatorAlerting crs/);
        assert.match(steps, /kubectl port-forward/);
    });

    it("crs pinned with a grafanaUrl: still the CRs (the choice is stable), and the dashboard link uses the URL", async () => {
        const run = await stack({ ...OPERATOR, ...SLACK, operatorAlerting: "crs", grafanaUrl: "http://localhost:3000" });
        assert.equal(operatorCrs(run.resources).length, 6);
        assert.deepEqual(grafanaApiResources(run.resources), []);
        assert.deepEqual(warned, [], "pinned: nothing to warn about");
        assert.equal(await valueOf(run.result!.dashboardUrl as pulumi.Output<string>), "http://localhost:3000/d/gsa-dash-dev");
    });

    it("operator v4 (v1alpha1) on auto keeps today's behaviour: no CRs", async () => {
        const run = await stack({ ...OPERATOR, ...SLACK, operatorApiVersion: "v1alpha1" });
        assert.equal(run.error, undefined, String(run.error));
        assert.deepEqual(operatorCrs(run.resources), []);
        assert.ok(!JSON.stringify(unwrapSecrets(run.result)).includes("operatorAlerting crs"), "no crs advice for v4");
    });
});

describe("operatorAlerting: never a one-step switch (the last update's outputs say who made the objects)", function () {
    this.timeout(30000);
    const API_MADE = { grafanaFolderUid: "gsa-folder-dev", contactPoint: "grafana-slack-alerts-dev" };
    const CRS_MADE = {
        ...API_MADE,
        operatorAlerting: "crs: grafana-operator custom resources, applied by the operator inside the cluster",
    };

    it("reads the previous side from the outputs", () => {
        assert.equal(previousAlertingPath(undefined, STATE_MARKER_OUTPUTS), undefined);
        assert.equal(
            previousAlertingPath({ grafanaUrl: "x" }, STATE_MARKER_OUTPUTS),
            undefined,
            "workloads only: nothing Grafana-side yet",
        );
        assert.equal(previousAlertingPath(API_MADE, STATE_MARKER_OUTPUTS), "api");
        assert.equal(previousAlertingPath(CRS_MADE, STATE_MARKER_OUTPUTS), "crs");
    });

    it("API-made objects, now the CRs: refused with the two steps, no CR and no Grafana call registered", async () => {
        const run = await stack({ ...OPERATOR, ...SLACK }, "dev", API_MADE);
        assert.ok(run.error instanceof pulumi.RunError, String(run.error));
        assert.match(
            run.error.message,
            /created through Grafana's API, and this update would create them as grafana-operator custom resources/,
        );
        assert.match(run.error.message, /pulumi config set operatorAlerting api && pulumi config rm grafanaUrl && pulumi up/);
        assert.deepEqual(operatorCrs(run.resources), []);
        assert.deepEqual(grafanaApiResources(run.resources), []);
    });

    it("CR-made objects, now a grafanaUrl on auto: refused; step 1 of the way back (api, no URL) passes and creates nothing", async () => {
        const run = await stack({ ...OPERATOR, ...SLACK, grafanaUrl: "http://localhost:3000" }, "dev", CRS_MADE);
        assert.ok(run.error instanceof pulumi.RunError, String(run.error));
        assert.match(run.error.message, /finalizers delete the objects from Grafana/);
        assert.match(run.error.message, /To stay on the custom resources: pulumi config set operatorAlerting crs/);
        assert.deepEqual(grafanaApiResources(run.resources), []);
        const step1 = await stack({ ...OPERATOR, ...SLACK, operatorAlerting: "api" }, "dev", CRS_MADE);
        assert.equal(step1.error, undefined, String(step1.error));
        assert.deepEqual(operatorCrs(step1.resources), []);
        assert.deepEqual(grafanaApiResources(step1.resources), []);
    });

    it("the same side again is no switch", async () => {
        const crs = await stack({ ...OPERATOR, ...SLACK }, "dev", CRS_MADE);
        assert.equal(crs.error, undefined, String(crs.error));
        assert.equal(operatorCrs(crs.resources).length, 6);
        const api = await stack({ ...OPERATOR, ...SLACK, grafanaUrl: "http://localhost:3000" }, "dev", API_MADE);
        assert.equal(api.error, undefined, String(api.error));
        assert.ok(grafanaApiResources(api.resources).length > 0);
    });
});
