// The grafana-operator alerting CRs as pure data: each passes its CRD (grafana-operator
// v5.24.0, vendored in test/schemas), carries the CEL rules ajv cannot check, and says
// exactly what the Grafana API path says (same UIDs, JSON, stages, timings).
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { GrafanaAlerting } from "../components/alerting/api/grafanaAlerting";
import {
    demoDashboard,
    demoRule,
    contactPointNameFor,
    RULE_GROUP_NAME,
    RULE_GROUP_INTERVAL_SECONDS,
} from "../components/alerting/model/alertingModel";
import { canonicalJson, uidsFor } from "../components/alerting/model/dashboardModel";
import {
    CR_NAMES,
    CrCommon,
    OPERATOR_ALERTING_API_VERSION,
    OperatorAlertingKind,
    SLACK_TOKEN_SECRET_KEY,
    crDuration,
    crName,
    crRule,
    dashboardSpec,
    datasourceSpec,
    folderSpec,
    notificationPolicySpec,
    ruleGroupSpec,
    SYNCHRONIZED_CONDITION,
    slackContactPointSpec,
    slackReceiverUid,
} from "../components/alerting/operator/operatorAlertingCrs";
import { EXEC_ERR_STATES, NO_DATA_STATES } from "../components/alerting/model/dashboardModel";
import { crdSchema, validateKubernetesObject } from "./harness/kubernetesSchemas";
import { RegisteredResource, one, runWithMocks } from "./harness/pulumiMocks";

const STACK = "dev";
const SELECTOR: CrCommon = {
    instanceSelector: { "app.kubernetes.io/part-of": "grafana-slack-alerts", "app.kubernetes.io/instance": "dev" },
};
const clone = (v: unknown): any => JSON.parse(JSON.stringify(v));

function cr(kind: OperatorAlertingKind, spec: unknown): any {
    return clone({ apiVersion: OPERATOR_ALERTING_API_VERSION, kind, metadata: { name: "x", namespace: "grafana" }, spec });
}
function registered(obj: any): RegisteredResource {
    return { type: `kubernetes:${obj.apiVersion}:${obj.kind}`, name: "x", inputs: obj, plain: obj, custom: true };
}
const validate = (obj: any) => validateKubernetesObject(registered(obj));

function allCrs() {
    const cp = contactPointNameFor(STACK);
    return {
        datasource: cr("GrafanaDatasource", datasourceSpec(SELECTOR, STACK)),
        folder: cr("GrafanaFolder", folderSpec(SELECTOR, STACK)),
        dashboard: cr("GrafanaDashboard", dashboardSpec(SELECTOR, demoDashboard(STACK))),
        ruleGroup: cr(
            "GrafanaAlertRuleGroup",
            ruleGroupSpec(SELECTOR, { name: RULE_GROUP_NAME, intervalSeconds: RULE_GROUP_INTERVAL_SECONDS, rules: [demoRule(STACK, cp)] }),
        ),
        contactPoint: cr(
            "GrafanaContactPoint",
            slackContactPointSpec(SELECTOR, { name: cp, uid: slackReceiverUid(STACK), channel: "C0123ABCD", secretName: "slack-abc" }),
        ),
        policy: cr("GrafanaNotificationPolicy", notificationPolicySpec(SELECTOR, cp)),
    };
}

describe("operator alerting CRs (pure builders)", () => {
    it("every CR passes its grafana-operator v5.24.0 CRD, undeclared fields rejected", () => {
        for (const obj of Object.values(allCrs())) validate(obj);
    });

    it("the CRD checks bite: a typo, a wrong enum or a missing required field fails", () => {
        const c = allCrs();
        const typo = clone(c.folder);
        typo.spec.titel = "x";
        assert.throws(() => validate(typo), /additional properties \(titel\)/);
        const state = clone(c.ruleGroup);
        state.spec.rules[0].noDataState = "Nodata";
        assert.throws(() => validate(state), /noDataState must be equal to one of the allowed values/);
        const noFor = clone(c.ruleGroup);
        delete noFor.spec.rules[0].for;
        assert.throws(() => validate(noFor), /required property 'for'/);
        const interval = clone(c.ruleGroup);
        interval.spec.interval = 60;
        assert.throws(() => validate(interval), /interval must be string/);
        const selector = clone(c.contactPoint);
        delete selector.spec.instanceSelector;
        assert.throws(() => validate(selector), /required property 'instanceSelector'/);
        const uid = clone(c.datasource);
        uid.spec.uid = "has a space";
        assert.throws(() => validate(uid), /uid must match pattern/);
    });

    it("CEL rules the CRDs declare (not checked by ajv) hold: one folder reference, one value source", () => {
        const c = allCrs();
        // GrafanaDashboard / GrafanaAlertRuleGroup: exactly one of folderUID and folderRef, no `folder` title with them.
        for (const obj of [c.dashboard, c.ruleGroup]) {
            assert.equal(obj.spec.folderRef, CR_NAMES.folder);
            assert.equal(obj.spec.folderUID, undefined);
            assert.equal(obj.spec.folder, undefined);
        }
        const rules = JSON.stringify(crdSchema(OPERATOR_ALERTING_API_VERSION, "grafana-operator-v5.24.0-grafanaalertrulegroups.yaml"));
        assert.match(rules, /Only one of FolderUID or FolderRef can be set and one must be defined/, "the rule the assertions above model");
        // ValueFromSource: exactly one of configMapKeyRef and secretKeyRef.
        for (const v of c.contactPoint.spec.receivers[0].valuesFrom) {
            assert.ok(v.valueFrom.secretKeyRef);
            assert.equal(v.valueFrom.configMapKeyRef, undefined);
        }
    });

    it("every CR selects the stack's Grafana CR by its labels, in its own namespace", () => {
        for (const obj of Object.values(allCrs())) {
            assert.deepEqual(obj.spec.instanceSelector, { matchLabels: SELECTOR.instanceSelector });
            assert.equal(
                obj.spec.allowCrossNamespaceImport,
                undefined,
                "the operator's default (false): only Grafanas in the CR's namespace",
            );
        }
    });

    it("the Slack token comes from a Secret key (valuesFrom → settings.token), never inline", () => {
        const cp = allCrs().contactPoint;
        const receiver = cp.spec.receivers[0];
        assert.equal(receiver.type, "slack");
        assert.equal(receiver.settings.token, undefined);
        assert.deepEqual(receiver.valuesFrom, [
            { targetPath: "token", valueFrom: { secretKeyRef: { name: "slack-abc", key: SLACK_TOKEN_SECRET_KEY } } },
        ]);
        assert.equal(receiver.settings.recipient, "C0123ABCD");
        assert.equal(receiver.uid, slackReceiverUid(STACK));
        assert.notEqual(slackReceiverUid(STACK), slackReceiverUid(STACK, "#db"));
    });

    it("uses the API path's UIDs: data source, folder, dashboard, rule", () => {
        const c = allCrs();
        const uids = uidsFor(STACK);
        assert.equal(c.datasource.spec.uid, uids.datasource);
        assert.equal(c.folder.spec.uid, uids.folder);
        assert.equal(c.dashboard.spec.uid, uids.dashboard);
        assert.equal(JSON.parse(c.dashboard.spec.json).uid, uids.dashboard);
        assert.equal(c.ruleGroup.spec.rules[0].uid, uids.rule);
        assert.equal(c.ruleGroup.spec.rules[0].annotations.__dashboardUid__, uids.dashboard);
        assert.equal(c.ruleGroup.spec.rules[0].notificationSettings.receiver, contactPointNameFor(STACK));
    });

    it("Pulumi waits on the exact condition types the v5.24.0 controllers set", () => {
        // grafana-operator v5.24.0 controllers/*_controller.go, the condition*Synchronized constants
        // (datasource_controller.go:49, folder_controller.go:46, dashboard_controller.go:51,
        // alertrulegroup_controller.go:44 "AlertGroup", not "AlertRuleGroup"; contactpoint_controller.go:51,
        // notificationpolicy_controller.go:50). A wrong name never turns True: every update would time out.
        assert.deepEqual(SYNCHRONIZED_CONDITION, {
            GrafanaDatasource: "DatasourceSynchronized",
            GrafanaFolder: "FolderSynchronized",
            GrafanaDashboard: "DashboardSynchronized",
            GrafanaAlertRuleGroup: "AlertGroupSynchronized",
            GrafanaContactPoint: "ContactPointSynchronized",
            GrafanaNotificationPolicy: "NotificationPolicySynchronized",
        });
    });

    it("every noDataState / execErrState a rule file may use is one the CRD allows (and no more)", () => {
        const rule = crdSchema(OPERATOR_ALERTING_API_VERSION, "grafana-operator-v5.24.0-grafanaalertrulegroups.yaml").properties.spec
            .properties.rules.items.properties;
        assert.deepEqual([...NO_DATA_STATES].sort(), [...rule.noDataState.enum].sort());
        assert.deepEqual([...EXEC_ERR_STATES].sort(), [...rule.execErrState.enum].sort());
    });

    it("the policy tree is locked in Grafana's UI as on the API path, from the CR's first version", () => {
        const policy = allCrs().policy;
        // Unset, the operator leaves the tree editable and overwrites UI edits at each resync.
        assert.equal(policy.spec.editable, false);
        const crd = JSON.stringify(crdSchema(OPERATOR_ALERTING_API_VERSION, "grafana-operator-v5.24.0-grafananotificationpolicies.yaml"));
        assert.match(crd, /spec\.editable is immutable/, "why it cannot be added later: the CEL rule refuses the update");
    });

    it("durations in the CRDs' forms; rule defaults as Grafana stores them", () => {
        assert.equal(crDuration("1m"), "60s");
        assert.equal(crDuration("0"), "0s");
        assert.equal(crDuration("1h30m"), "5400s");
        assert.equal(crDuration("1500ms"), "1.5s");
        assert.equal(crDuration("soon"), undefined);
        const bare = crRule({ uid: "u", title: "t", condition: "C", data: [], isPaused: false, labels: {}, annotations: {} });
        assert.equal(bare.for, "0s");
        assert.equal(bare.noDataState, "NoData");
        assert.equal(bare.execErrState, "Error");
        assert.throws(() => crRule({ ...demoRule(STACK), for: "soon" }), /for "soon" is not a duration/);
    });

    it("CR names are valid Kubernetes names, distinct for distinct texts", () => {
        assert.equal(crName("gsa-dash", "cpu-usage"), "gsa-dash-cpu-usage");
        const a = crName("gsa-dash", "CPU_Usage");
        const b = crName("gsa-dash", "cpu-usage");
        assert.match(a, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        assert.notEqual(a, b);
        assert.ok(crName("gsa-rules", "x".repeat(200)).length <= 63);
    });

    it("says exactly what the Grafana API path says (one shared model)", async () => {
        const cp = contactPointNameFor(STACK);
        const run = await runWithMocks({ stack: STACK }, () => {
            new GrafanaAlerting("alerting", {
                grafanaUrl: "http://grafana.test",
                adminUser: "admin",
                adminPassword: pulumi.secret("pw-12345678"),
                slack: { token: pulumi.secret("xoxb-1"), channel: "C0123ABCD" },
                stackName: STACK,
            });
        });
        const c = allCrs();
        const ds = one(run.resources, "grafana:oss/dataSource:DataSource").plain;
        assert.deepEqual(
            { uid: ds.uid, name: ds.name, type: ds.type, access: ds.accessMode, isDefault: ds.isDefault },
            { uid: c.datasource.spec.uid, ...c.datasource.spec.datasource },
        );
        const folder = one(run.resources, "grafana:oss/folder:Folder").plain;
        assert.deepEqual({ uid: folder.uid, title: folder.title }, { uid: c.folder.spec.uid, title: c.folder.spec.title });
        assert.equal(one(run.resources, "grafana:oss/dashboard:Dashboard").plain.configJson, c.dashboard.spec.json);

        const group = one(run.resources, "grafana:alerting/ruleGroup:RuleGroup").plain;
        assert.equal(group.name, c.ruleGroup.spec.name);
        assert.equal(`${group.intervalSeconds}s`, c.ruleGroup.spec.interval);
        const [apiRule] = group.rules;
        const [crRule0] = c.ruleGroup.spec.rules;
        assert.deepEqual(
            {
                uid: apiRule.uid,
                title: apiRule.name,
                condition: apiRule.condition,
                // The stack marker is added by each path's component from its own RandomId (stackMarker.ts).
                labels: Object.fromEntries(Object.entries(apiRule.labels).filter(([k]) => k !== "gsa_stack")),
                annotations: apiRule.annotations,
            },
            {
                uid: crRule0.uid,
                title: crRule0.title,
                condition: crRule0.condition,
                labels: crRule0.labels,
                annotations: crRule0.annotations,
            },
        );
        assert.equal(crDuration(apiRule.for), crRule0.for);
        assert.deepEqual(
            [apiRule.noDataState, apiRule.execErrState, apiRule.isPaused],
            [crRule0.noDataState, crRule0.execErrState, crRule0.isPaused],
        );
        assert.deepEqual(
            apiRule.datas.map((d: any) => ({ ...d, model: JSON.parse(d.model) })),
            crRule0.data,
            "the same stages and models",
        );
        assert.equal(canonicalJson(crRule0.data[0].model), apiRule.datas[0].model);
        const ns = apiRule.notificationSettings;
        assert.deepEqual(
            {
                receiver: ns.contactPoint,
                group_by: ns.groupBies,
                group_wait: ns.groupWait,
                group_interval: ns.groupInterval,
                repeat_interval: ns.repeatInterval,
            },
            crRule0.notificationSettings,
        );

        const contact = one(run.resources, "grafana:alerting/contactPoint:ContactPoint").plain;
        assert.equal(contact.name, c.contactPoint.spec.name);
        const { token: _token, disableResolveMessage, ...apiSettings } = contact.slacks[0];
        assert.deepEqual(apiSettings, c.contactPoint.spec.receivers[0].settings);
        assert.equal(disableResolveMessage, c.contactPoint.spec.receivers[0].disableResolveMessage);

        const policy = one(run.resources, "grafana:alerting/notificationPolicy:NotificationPolicy").plain;
        const route = c.policy.spec.route;
        assert.deepEqual(
            [policy.contactPoint, policy.groupBies, policy.groupWait, policy.groupInterval, policy.repeatInterval],
            [route.receiver, route.group_by, route.group_wait, route.group_interval, route.repeat_interval],
        );
        assert.deepEqual(
            policy.policies.map((p: any) => ({
                receiver: p.contactPoint,
                object_matchers: p.matchers.map((m: any) => [m.label, m.match, m.value]),
                group_wait: p.groupWait,
            })),
            route.routes,
        );
        assert.equal(route.receiver, cp);
    });
});
