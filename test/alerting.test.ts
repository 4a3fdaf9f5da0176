// GrafanaAlerting under Pulumi mocks: what would be sent to Grafana through
// @pulumiverse/grafana, with secrets still marked, plus the pure JSON builders.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { RegisteredResource, isSecretValue, ofType, one, outputIsSecret, runWithMocks, valueOf } from "./harness/pulumiMocks";
import { ALERT_LABELS, ALERT_RULE_NAME, GrafanaAlerting, GrafanaAlertingArgs } from "../components/alerting/api/grafanaAlerting";
import {
    DEMO_SERIES,
    EXPRESSION_DATASOURCE_UID,
    MAX_UID_LENGTH,
    PANEL_ID,
    TESTDATA_DATASOURCE_TYPE,
    buildRuleData,
    canonicalJson,
    dashboardConfigJson,
    grafanaUid,
    uidsFor,
} from "../components/alerting/model/dashboardModel";
import { SLACK_TEXT_TEMPLATE, SLACK_TITLE_TEMPLATE, normalizeSlackRecipient } from "../components/alerting/model/slackTemplates";

const T = {
    provider: "pulumi:providers:grafana",
    datasource: "grafana:oss/dataSource:DataSource",
    folder: "grafana:oss/folder:Folder",
    dashboard: "grafana:oss/dashboard:Dashboard",
    ruleGroup: "grafana:alerting/ruleGroup:RuleGroup",
    contactPoint: "grafana:alerting/contactPoint:ContactPoint",
    policy: "grafana:alerting/notificationPolicy:NotificationPolicy",
};
const GRAFANA_TYPES = Object.values(T);

const PASSWORD = "pa55-w0rd-not-in-plaintext";
const TOKEN = "xoxb-1111-2222-not-in-plaintext";
const CHANNEL = "C0123ABCDEF";

/** Stands in for whatever proves Grafana healthy (a container health check, a rollout). */
class GrafanaReady extends pulumi.CustomResource {
    constructor(name: string) {
        super("test:index:GrafanaReady", name, {});
    }
}

interface Run {
    resources: RegisteredResource[];
    component?: GrafanaAlerting;
    error?: unknown;
    /** ResourceOptions each child was constructed with, by logical name. */
    childOpts: Map<string, pulumi.ResourceOptions>;
    ready?: pulumi.Resource;
}

async function run(
    overrides: Partial<GrafanaAlertingArgs> & { withSlack?: boolean } = {},
    runOpts: { preview?: boolean; stack?: string } = {},
): Promise<Run> {
    const childOpts = new Map<string, pulumi.ResourceOptions>();
    let component: GrafanaAlerting | undefined;
    let ready: pulumi.Resource | undefined;
    const { withSlack = true, ...argOverrides } = overrides;
    const stack = runOpts.stack ?? "test";
    const res = await runWithMocks({ preview: runOpts.preview, stack }, () => {
        const readiness = new GrafanaReady("grafana-ready");
        ready = readiness;
        component = new GrafanaAlerting(
            "alerting",
            {
                grafanaUrl: "http://grafana.test:3000/",
                adminUser: "admin",
                adminPassword: pulumi.secret(PASSWORD),
                slack: withSlack ? { token: pulumi.secret(TOKEN), channel: CHANNEL } : undefined,
                dependsOn: [readiness],
                stackName: stack,
                ...argOverrides,
            },
            {
                // Legacy transformations run in-process (mocks support them) and are
                // inherited by children: they let the test see each child's options.
                transformations: [
                    (a) => {
                        childOpts.set(a.name, a.opts);
                        return undefined;
                    },
                ],
            },
        );
        return component;
    });
    return { resources: res.resources, component, error: res.error, childOpts, ready };
}

/** Inputs as JSON with every secret replaced, i.e. what would be visible in plain text. */
function visibleText(r: RegisteredResource): string {
    const redact = (v: any): any => {
        if (isSecretValue(v)) return "[secret]";
        if (Array.isArray(v)) return v.map(redact);
        if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x)]));
        return v;
    };
    return JSON.stringify(redact(r.inputs));
}

/** Whether the value at `path` is secret, or sits inside a secret. */
function secretAt(inputs: any, path: (string | number)[]): boolean {
    let v = inputs;
    for (const key of path) {
        if (isSecretValue(v)) return true;
        v = v?.[key];
    }
    return isSecretValue(v);
}

describe("GrafanaAlerting (issue 4)", () => {
    describe("with Slack settings", () => {
        let r: Run;
        before(async () => {
            r = await run();
        });

        it("registers without error, exactly the expected Grafana resources", () => {
            assert.strictEqual(r.error, undefined, String(r.error));
            const grafanaResources = r.resources.filter((x) => x.type.startsWith("grafana:") || x.type === T.provider);
            assert.deepStrictEqual(
                grafanaResources.map((x) => `${x.type}/${x.name}`).sort(),
                [
                    `${T.provider}/alerting-grafana`,
                    `${T.datasource}/alerting-testdata`,
                    `${T.folder}/alerting-folder`,
                    `${T.dashboard}/alerting-dashboard`,
                    `${T.ruleGroup}/alerting-rules`,
                    `${T.contactPoint}/alerting-slack`,
                    `${T.policy}/alerting-policy`,
                ].sort(),
            );
        });

        it("builds the provider from the URL with admin basic auth as a secret", () => {
            const p = one(r.resources, T.provider);
            assert.strictEqual(p.plain.url, "http://grafana.test:3000/");
            assert.ok(isSecretValue(p.inputs.auth), "provider auth must be a secret");
            assert.strictEqual(p.plain.auth, `admin:${PASSWORD}`);
        });

        // The provider's transport (grafana-openapi-client-go pkg/transport/transport.go)
        // retries connection errors and statuses matching retryStatusCodes (`x` = any
        // digit) `retries` times, `retryWait` s apart; any other status returns at once.
        // Provider inputs reach the provider JSON-encoded (non-string config values).
        const list = (v: unknown): string[] => (typeof v === "string" ? JSON.parse(v) : v) as string[];
        const transportRetries = (codes: string[], status: number) =>
            codes.some((c) => [...c].every((ch, i) => ch === "x" || String(status)[i] === ch));

        it("rides out about 30 s of an absent Grafana per call, and no more", () => {
            const p = one(r.resources, T.provider);
            const absence = p.plain.retries * p.plain.retryWait;
            assert.ok(absence >= 30 && absence <= 30, `transport retries for ${absence}s`);
            for (const status of [502, 503, 504, 429]) {
                assert.ok(
                    transportRetries(list(p.plain.retryStatusCodes), status),
                    `${status} (a proxy while Grafana restarts) is retried`,
                );
            }
        });

        it("returns a validation error, bad credentials or a Grafana 500 at once (no transport retry)", () => {
            const codes = list(one(r.resources, T.provider).plain.retryStatusCodes);
            assert.ok(codes.length > 0, "an empty list would mean the transport's default 429 + 5xx");
            for (const status of [400, 401, 403, 404, 409, 422, 500]) {
                assert.ok(!transportRetries(codes, status), `HTTP ${status} must not be retried`);
            }
        });

        it("uses the explicit Grafana provider for every Grafana resource", () => {
            for (const x of r.resources.filter((x) => x.type.startsWith("grafana:"))) {
                assert.ok(x.provider, `${x.name} has no explicit provider`);
                assert.match(x.provider!, /[:$]pulumi:providers:grafana::alerting-grafana::/, `${x.name}: ${x.provider}`);
            }
        });

        it("makes the provider and every Grafana resource depend on Grafana being ready", () => {
            const names = [
                "alerting-grafana",
                "alerting-testdata",
                "alerting-folder",
                "alerting-dashboard",
                "alerting-rules",
                "alerting-slack",
                "alerting-policy",
            ];
            for (const name of names) {
                const opts = r.childOpts.get(name);
                assert.ok(opts, `no options seen for ${name}`);
                const deps = ([] as unknown[]).concat(opts!.dependsOn as any);
                assert.ok(deps.includes(r.ready), `${name} does not depend on the readiness resource`);
                assert.strictEqual(opts!.parent, r.component, `${name} is not a child of the component`);
            }
        });

        it("never shows the admin password or the Slack token in plain text", () => {
            for (const x of r.resources) {
                const text = visibleText(x);
                assert.ok(!text.includes(PASSWORD), `${x.name} exposes the password`);
                assert.ok(!text.includes(TOKEN), `${x.name} exposes the Slack token`);
            }
        });

        it("creates a TestData data source with a stable UID", () => {
            const ds = one(r.resources, T.datasource);
            assert.strictEqual(ds.plain.type, TESTDATA_DATASOURCE_TYPE);
            assert.strictEqual(ds.plain.uid, uidsFor("test").datasource);
        });

        it("puts the dashboard in the folder and gives it valid JSON with a stable uid and panel ids", () => {
            const folder = one(r.resources, T.folder);
            const dash = one(r.resources, T.dashboard);
            const ds = one(r.resources, T.datasource);
            assert.strictEqual(folder.plain.uid, uidsFor("test").folder);
            assert.strictEqual(dash.plain.folder, folder.plain.uid);
            const model = JSON.parse(dash.plain.configJson);
            assert.strictEqual(model.uid, uidsFor("test").dashboard);
            assert.ok(typeof model.title === "string" && model.title.length > 0);
            assert.ok(Array.isArray(model.panels) && model.panels.length >= 1);
            const ids = model.panels.map((p: any) => p.id);
            assert.ok(
                ids.every((id: unknown) => Number.isInteger(id)),
                `panel ids ${ids}`,
            );
            assert.strictEqual(new Set(ids).size, ids.length, "panel ids must be unique");
            const ts = model.panels.find((p: any) => p.id === PANEL_ID);
            assert.strictEqual(ts?.type, "timeseries");
            assert.ok(ts.targets.length >= 1);
            for (const t of ts.targets) {
                assert.strictEqual(t.datasource.uid, ds.plain.uid, "panel target must query the registered data source");
                assert.strictEqual(t.datasource.type, TESTDATA_DATASOURCE_TYPE);
            }
            assert.strictEqual(ts.datasource.uid, ds.plain.uid);
            // id/version are Grafana's; sending them breaks updates.
            assert.ok(!("id" in model) && !("version" in model));
            // Canonical: re-encoding with sorted keys gives the same bytes.
            assert.strictEqual(canonicalJson(model), dash.plain.configJson);
        });

        it("annotates the rule with the dashboard UID and panel ID so Grafana takes a screenshot", () => {
            const group = one(r.resources, T.ruleGroup);
            const dash = JSON.parse(one(r.resources, T.dashboard).plain.configJson);
            assert.strictEqual(group.plain.rules.length, 1);
            const rule = group.plain.rules[0];
            assert.strictEqual(rule.annotations.__dashboardUid__, dash.uid);
            assert.strictEqual(rule.annotations.__panelId__, String(PANEL_ID));
            assert.ok(dash.panels.some((p: any) => String(p.id) === rule.annotations.__panelId__));
            assert.strictEqual(group.plain.folderUid, one(r.resources, T.folder).plain.uid);
            assert.strictEqual(rule.name, ALERT_RULE_NAME);
            assert.strictEqual(rule.uid, uidsFor("test").rule);
            assert.ok(rule.uid.length <= MAX_UID_LENGTH);
        });

        it("gives the rule a query, Reduce and Threshold stages that reference existing refIds and data sources", () => {
            const group = one(r.resources, T.ruleGroup);
            const dsUid = one(r.resources, T.datasource).plain.uid;
            const rule = group.plain.rules[0];
            const stages: any[] = rule.datas;
            const refIds = stages.map((s) => s.refId);
            assert.strictEqual(new Set(refIds).size, refIds.length, "refIds must be unique");
            assert.ok(refIds.includes(rule.condition), `condition ${rule.condition} is not a stage`);
            const types: string[] = [];
            stages.forEach((s, i) => {
                const model = JSON.parse(s.model);
                assert.strictEqual(model.refId, s.refId, "model.refId must match the stage");
                assert.ok([dsUid, EXPRESSION_DATASOURCE_UID].includes(s.datasourceUid), `unknown data source ${s.datasourceUid}`);
                assert.strictEqual(model.datasource.uid, s.datasourceUid);
                assert.ok(Number.isInteger(s.relativeTimeRange.from) && Number.isInteger(s.relativeTimeRange.to));
                if (s.datasourceUid === EXPRESSION_DATASOURCE_UID) {
                    types.push(model.type);
                    assert.ok(refIds.slice(0, i).includes(model.expression), `${s.refId} reads ${model.expression}, not an earlier stage`);
                } else {
                    types.push("query");
                    assert.ok(s.relativeTimeRange.from > s.relativeTimeRange.to, "query needs a time window");
                }
                assert.strictEqual(canonicalJson(model), s.model, "model must be canonical JSON");
            });
            assert.deepStrictEqual(types, ["query", "reduce", "threshold"]);
            const threshold = JSON.parse(stages.find((s) => s.refId === rule.condition).model);
            assert.strictEqual(threshold.type, "threshold");
            assert.deepStrictEqual(threshold.conditions[0].evaluator, { params: [DEMO_SERIES.threshold], type: "gt" });
        });

        it("evaluates the same window the panel (and so the alert screenshot) shows", () => {
            const dash = JSON.parse(one(r.resources, T.dashboard).plain.configJson);
            const query = one(r.resources, T.ruleGroup).plain.rules[0].datas[0];
            const m = /^now-(\d+)([mh])$/.exec(dash.time.from);
            assert.ok(m && dash.time.to === "now", `dashboard time ${JSON.stringify(dash.time)}`);
            const panelSeconds = Number(m![1]) * (m![2] === "h" ? 3600 : 60);
            assert.strictEqual(query.relativeTimeRange.from - query.relativeTimeRange.to, panelSeconds);
            // Older Grafana releases screenshot now-1h whatever the dashboard says.
            assert.strictEqual(panelSeconds, 3600);
        });

        it("queries exactly what the panel shows, and that series always exceeds the threshold (demo fires)", () => {
            const dash = JSON.parse(one(r.resources, T.dashboard).plain.configJson);
            const query = JSON.parse(one(r.resources, T.ruleGroup).plain.rules[0].datas[0].model);
            assert.deepStrictEqual(query, dash.panels.find((p: any) => p.id === PANEL_ID).targets[0]);
            assert.strictEqual(query.scenarioId, "random_walk");
            assert.ok(query.min > DEMO_SERIES.threshold && query.startValue >= query.min && query.startValue <= query.max);
        });

        it("sets evaluation behaviour and a label the notification policy routes on", () => {
            const group = one(r.resources, T.ruleGroup);
            const rule = group.plain.rules[0];
            assert.strictEqual(group.plain.intervalSeconds, 60);
            assert.strictEqual(rule.for, "1m");
            assert.strictEqual(rule.noDataState, "NoData");
            assert.strictEqual(rule.execErrState, "Error");
            // The routing label, and the stack marker: <project>/<stack>/<random id kept in state>.
            assert.deepStrictEqual(Object.keys(rule.labels).sort(), [...Object.keys(ALERT_LABELS), "gsa_stack"].sort());
            for (const [k, v] of Object.entries(ALERT_LABELS)) assert.strictEqual(rule.labels[k], v);
            assert.match(rule.labels.gsa_stack, /^grafana-slack-alerts\/test\/[0-9a-f]{8}$/);
            const marker = one(r.resources, "random:index/randomId:RandomId");
            assert.deepStrictEqual([marker.name, marker.plain.byteLength], ["alerting-marker", 4]);
            const policy = one(r.resources, T.policy);
            const matcher = policy.plain.policies[0].matchers[0];
            assert.strictEqual(matcher.match, "=");
            assert.strictEqual(rule.labels[matcher.label], matcher.value, "the rule's labels must match the route");
        });

        it("creates a Slack contact point with a secret bot token, the channel and templates", () => {
            const cp = one(r.resources, T.contactPoint);
            assert.strictEqual(cp.plain.slacks.length, 1);
            const slack = cp.plain.slacks[0];
            assert.ok(secretAt(cp.inputs, ["slacks", 0, "token"]), "Slack token must be a secret");
            assert.strictEqual(slack.token, TOKEN);
            assert.strictEqual(slack.recipient, CHANNEL);
            assert.strictEqual(slack.url, undefined, "no webhook: it cannot upload images");
            assert.strictEqual(slack.title, SLACK_TITLE_TEMPLATE);
            assert.strictEqual(slack.text, SLACK_TEXT_TEMPLATE);
            assert.strictEqual(cp.plain.name, "grafana-slack-alerts-test");
        });

        it("points the notification policy (root and the project route) at the contact point", () => {
            const cp = one(r.resources, T.contactPoint);
            const policy = one(r.resources, T.policy);
            assert.strictEqual(policy.plain.contactPoint, cp.plain.name);
            assert.strictEqual(policy.plain.policies.length, 1);
            assert.strictEqual(policy.plain.policies[0].contactPoint, cp.plain.name);
            assert.ok(policy.plain.groupBies.includes("alertname"));
        });

        it("exposes the outputs the program wires", async () => {
            const c = r.component!;
            const uids = uidsFor("test");
            assert.strictEqual(c.panelId, PANEL_ID);
            assert.strictEqual(await valueOf(c.dashboardUid), uids.dashboard);
            assert.strictEqual(await valueOf(c.dashboardUrl), `http://grafana.test:3000/d/${uids.dashboard}`);
            assert.strictEqual(await valueOf(c.alertRuleName), ALERT_RULE_NAME);
            assert.strictEqual(await valueOf(c.alertRuleUid), uids.rule);
            assert.strictEqual(await valueOf(c.contactPointName), "grafana-slack-alerts-test");
            assert.strictEqual(await valueOf(c.folderUid), uids.folder);
            assert.strictEqual(await valueOf(c.datasourceUid), uids.datasource);
            assert.strictEqual(await outputIsSecret(c.dashboardUrl), false);
        });
    });

    describe("without Slack settings", () => {
        let r: Run;
        before(async () => {
            r = await run({ withSlack: false });
        });

        it("registers no Slack resource at all", () => {
            assert.strictEqual(r.error, undefined, String(r.error));
            assert.deepStrictEqual(ofType(r.resources, T.contactPoint), []);
            assert.deepStrictEqual(ofType(r.resources, T.policy), []);
            assert.ok(!r.resources.some((x) => x.plain?.slacks !== undefined || x.name.endsWith("-slack")));
            assert.ok(!r.resources.some((x) => JSON.stringify(x.plain ?? {}).includes("xoxb-")), "no token anywhere");
            assert.strictEqual(r.component!.contactPointName, undefined);
        });

        it("still creates the data source, folder, dashboard and rule", () => {
            for (const t of [T.provider, T.datasource, T.folder, T.dashboard, T.ruleGroup]) one(r.resources, t);
        });
    });

    describe("quiet previews and stable identifiers", () => {
        it("sends byte-identical dashboard JSON and rule models on every run", async () => {
            const a = await run();
            const b = await run();
            for (const t of [T.datasource, T.folder, T.dashboard, T.ruleGroup, T.contactPoint, T.policy]) {
                assert.deepStrictEqual(one(b.resources, t).plain, one(a.resources, t).plain, `${t} differs between runs`);
            }
        });

        it("works in preview, where provider outputs are unknown", async () => {
            const r = await run({}, { preview: true });
            assert.strictEqual(r.error, undefined, String(r.error));
            const dash = JSON.parse(one(r.resources, T.dashboard).plain.configJson);
            assert.strictEqual(dash.uid, uidsFor("test").dashboard);
            one(r.resources, T.contactPoint);
            one(r.resources, T.policy);
        });

        it("suffixes UIDs and names with the stack, so stacks do not collide", async () => {
            const r = await run({}, { stack: "prod" });
            const dash = JSON.parse(one(r.resources, T.dashboard).plain.configJson);
            assert.strictEqual(dash.uid, "gsa-dash-prod");
            assert.strictEqual(one(r.resources, T.contactPoint).plain.name, "grafana-slack-alerts-prod");
            assert.notStrictEqual(uidsFor("prod").folder, uidsFor("test").folder);
        });

        it("keeps UIDs valid for any Pulumi stack name", () => {
            const stacks = ["dev", "org.team-staging_1", "a".repeat(100), "x.y", "x-y", "--"];
            const seen = new Map<string, string>();
            for (const s of stacks) {
                for (const uid of Object.values(uidsFor(s))) {
                    assert.match(uid, /^[A-Za-z0-9_-]+$/, `${s}: ${uid}`);
                    assert.ok(uid.length <= MAX_UID_LENGTH, `${s}: ${uid} is ${uid.length} long`);
                }
                const d = uidsFor(s).dashboard;
                assert.ok(!seen.has(d), `${s} and ${seen.get(d)} share ${d}`);
                seen.set(d, s);
            }
            assert.throws(() => grafanaUid("gsa-dash", ""), /stackName/);
        });

        it("keeps long and dotted stack names' UIDs as they were (a changed UID replaces the Grafana object)", () => {
            // Golden values: UIDs are part of every deployed stack's state, so any change to
            // how they are derived must show up here, not as a surprise replacement.
            assert.deepStrictEqual(uidsFor("a".repeat(100)), {
                folder: "gsa-folder-aaaaaaaaaaaaaaaaaaaa-28165978",
                dashboard: "gsa-dash-aaaaaaaaaaaaaaaaaaaaaa-28165978",
                datasource: "gsa-testdata-aaaaaaaaaaaaaaaaaa-28165978",
                rule: "gsa-demo-rule-aaaaaaaaaaaaaaaaa-28165978",
            });
            assert.strictEqual(uidsFor("org.team-staging_1").dashboard, "gsa-dash-org-team-staging_1-af36c8bf");
        });

        it("encodes JSON canonically, whatever the key order it was built in", () => {
            assert.strictEqual(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
            assert.strictEqual(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
            assert.throws(() => canonicalJson({ a: NaN }), /NaN/);
            const args = { uid: "u", title: "t", datasourceUid: "d" };
            assert.strictEqual(dashboardConfigJson(args), dashboardConfigJson({ datasourceUid: "d", title: "t", uid: "u" }));
            // Each stage's model is already canonical, so re-encoding it changes nothing.
            for (const stage of buildRuleData("d")) assert.strictEqual(canonicalJson(JSON.parse(stage.model)), stage.model, stage.refId);
        });

        it("contains nothing time-dependent", () => {
            const json =
                dashboardConfigJson({ uid: "u", title: "t", datasourceUid: "d" }) +
                buildRuleData("d")
                    .map((s) => s.model)
                    .join("");
            assert.ok(!/\d{4}-\d{2}-\d{2}T/.test(json), "no ISO timestamps");
            assert.ok(!/\d{10,}/.test(json), "no epoch values");
        });
    });

    describe("Slack channel", () => {
        it("accepts IDs and #names and makes a bare name a #name", () => {
            assert.strictEqual(normalizeSlackRecipient("C0123ABCDEF"), "C0123ABCDEF");
            assert.strictEqual(normalizeSlackRecipient(" G0123ABCDEF "), "G0123ABCDEF");
            assert.strictEqual(normalizeSlackRecipient("#grafana-alert"), "#grafana-alert");
            assert.strictEqual(normalizeSlackRecipient("grafana-alert"), "#grafana-alert");
        });

        it("rejects values that can never be a channel", () => {
            for (const bad of ["", "  ", "#", "https://hooks.slack.com/services/T/B/X", "two words", "#a,#b"]) {
                assert.throws(() => normalizeSlackRecipient(bad), /invalid Slack channel/, JSON.stringify(bad));
            }
        });

        it("fails before registering anything when the channel is invalid", async () => {
            const r = await run({ slack: { token: pulumi.secret(TOKEN), channel: "https://hooks.slack.com/services/x" } });
            assert.match(String(r.error), /invalid Slack channel/);
            assert.deepStrictEqual(
                r.resources.filter((x) => GRAFANA_TYPES.includes(x.type)),
                [],
            );
        });

        it("marks the token and the admin password secret even when the caller passes plain strings", async () => {
            const r = await run({ adminPassword: PASSWORD, slack: { token: TOKEN, channel: CHANNEL } });
            assert.strictEqual(r.error, undefined, String(r.error));
            assert.ok(isSecretValue(one(r.resources, T.provider).inputs.auth));
            assert.ok(secretAt(one(r.resources, T.contactPoint).inputs, ["slacks", 0, "token"]));
            for (const x of r.resources) {
                assert.ok(!visibleText(x).includes(TOKEN) && !visibleText(x).includes(PASSWORD), `${x.name} leaks a secret`);
            }
        });

        it("passes a #name recipient through to the contact point", async () => {
            const r = await run({ slack: { token: pulumi.secret(TOKEN), channel: "#grafana-alert" } });
            assert.strictEqual(one(r.resources, T.contactPoint).plain.slacks[0].recipient, "#grafana-alert");
        });
    });

    describe("Slack templates", () => {
        for (const [name, tpl] of [
            ["title", SLACK_TITLE_TEMPLATE],
            ["text", SLACK_TEXT_TEMPLATE],
        ] as const) {
            it(`${name}: balanced Go template actions`, () => {
                const actions = tpl.match(/\{\{-?\s*[^}]*?\s*-?\}\}/g) ?? [];
                assert.strictEqual(actions.join("").split("{{").length - 1, tpl.split("{{").length - 1, "unterminated action");
                const opens = actions.filter((a) => /^\{\{-?\s*(if|range|with|define|block)\b/.test(a)).length;
                const ends = actions.filter((a) => /^\{\{-?\s*end\s*-?\}\}$/.test(a)).length;
                assert.strictEqual(opens, ends, `${opens} blocks opened, ${ends} closed`);
            });
        }

        it("title names the status and the alert; text links the panel", () => {
            assert.match(SLACK_TITLE_TEMPLATE, /\.Status/);
            assert.match(SLACK_TITLE_TEMPLATE, /\.CommonLabels\.alertname/);
            assert.match(SLACK_TEXT_TEMPLATE, /\{\{ range \.Alerts \}\}/);
            assert.match(SLACK_TEXT_TEMPLATE, /\.PanelURL/);
            assert.match(SLACK_TEXT_TEMPLATE, /\.Annotations\.summary/);
        });
    });
});

describe("GrafanaAlerting: routing and ownership (issue 12)", () => {
    it("routes the demo rule to the Slack contact point by its own notification settings, created after the contact point", async () => {
        const r = await run();
        assert.strictEqual(r.error, undefined, String(r.error));
        const cp = one(r.resources, T.contactPoint);
        const ns = one(r.resources, T.ruleGroup).plain.rules[0].notificationSettings;
        assert.strictEqual(ns.contactPoint, cp.plain.name);
        assert.deepStrictEqual(ns.groupBies, ["grafana_folder", "alertname"], "Grafana requires both labels when group_by is set");
        const deps = ([] as unknown[]).concat(r.childOpts.get("alerting-rules")!.dependsOn as any);
        assert.ok(
            deps.some((d: any) => d instanceof pulumi.CustomResource && (d as any).__name === "alerting-slack"),
            "Grafana answers 400 to a rule naming a contact point that does not exist yet",
        );
        // A Grafana this program deploys keeps the policy too (UI-made alerts reach Slack).
        assert.strictEqual(one(r.resources, T.policy).plain.contactPoint, cp.plain.name);
    });

    it("on a Grafana it does not own: no notification policy, the rule still routes to Slack", async () => {
        const r = await run({ notificationPolicy: false });
        assert.strictEqual(ofType(r.resources, T.policy).length, 0);
        assert.strictEqual(
            one(r.resources, T.ruleGroup).plain.rules[0].notificationSettings.contactPoint,
            one(r.resources, T.contactPoint).plain.name,
        );
    });

    it("without Slack the rule carries no notification settings", async () => {
        const r = await run({ withSlack: false });
        assert.strictEqual(one(r.resources, T.ruleGroup).plain.rules[0].notificationSettings, undefined);
    });

    it("with a service account token the provider sends the token (secret, no user) as its auth", async () => {
        const token = "glsa_alertingTestToken_0123456789";
        const r = await run({ apiToken: pulumi.secret(token), adminPassword: undefined });
        const p = one(r.resources, T.provider);
        assert.ok(isSecretValue(p.inputs.auth));
        assert.strictEqual(p.plain.auth, token, "a value without ':' is sent as a Bearer token");
        for (const x of r.resources) assert.ok(!visibleText(x).includes(token), `${x.name} exposes the token`);
    });

    it("demoAlert false: no demo dashboard and no always-firing rule; folder, data source and Slack stay", async () => {
        const r = await run({ demoAlert: false });
        assert.strictEqual(ofType(r.resources, T.dashboard).length, 0);
        assert.strictEqual(ofType(r.resources, T.ruleGroup).length, 0);
        assert.ok(one(r.resources, T.folder) && one(r.resources, T.datasource) && one(r.resources, T.contactPoint));
        assert.strictEqual(r.component!.dashboardUid, undefined);
        assert.strictEqual(r.component!.alertRuleName, undefined);
    });
});
