// Your own dashboards and alert rules: reading the folders, every problem at once with
// file and rule, the panel links, Slack routes, and the resources the example folders
// produce under mocks (identical across runs).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigValidationError, readSettings } from "../components/config/config";
import { uidsFor } from "../components/alerting/model/dashboardModel";
import { parseDuration, readAlertRuleFiles } from "../components/config/provisioning/alertRuleFiles";
import { panelsOf, readDashboardFiles } from "../components/config/provisioning/dashboardFiles";
import { checkImageLinks } from "../components/config/provisioning/imageLinkage";
import { loadProvisioning } from "../components/config/provisioning/plan";
import { RULE_GROUP_NAME } from "../components/shared/grafanaVocabulary";
import type { ProvisionedSummary } from "../components/config/provisioning/plan";
import { matcherMatches, parseMatcher, parseSlackRoutes, routeFor, type LabelMatcher } from "../components/config/provisioning/slackRoutes";
import { fakeConfigSource } from "./harness/configSource";
import { ofType, one } from "./harness/pulumiMocks";
import { runStack } from "./harness/program";

const ROOT = path.resolve(__dirname, "..");
const TOKEN = "xoxb-1111-2222-provisioningTOKEN";
const ROUTES = '[{"channel":"#web-alerts","matchers":["team=web"]},{"channel":"#db-alerts","matchers":["team=db"]}]';
const EXAMPLES = { dashboardsDir: "examples/dashboards", alertRulesDir: "examples/alert-rules", slackRoutes: ROUTES };
const DASHBOARD = "grafana:oss/dashboard:Dashboard";
const RULE_GROUP = "grafana:alerting/ruleGroup:RuleGroup";
const CONTACT_POINT = "grafana:alerting/contactPoint:ContactPoint";

/** A rule of a RuleGroup as registered (the fields these tests read). */
type RuleInput = {
    uid: string;
    for?: string;
    noDataState?: string;
    notificationSettings?: { contactPoint: string };
    annotations: Record<string, string>;
    datas: Array<{ datasourceUid: string }>;
};

const made: string[] = [];
after(() => {
    for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A throwaway project directory with the given files. */
function project(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gsa-prov-"));
    made.push(dir);
    for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
}

const dashboard = (uid: string | undefined, panels: unknown[] = [{ id: 1, type: "timeseries", title: "P1" }]) =>
    JSON.stringify({ ...(uid !== undefined ? { uid } : {}), title: `Dashboard ${uid}`, panels });

/** A valid rule in the export's YAML shape, with overrides spliced in. */
function ruleYaml(uid: string, opts: { link?: string; extra?: string } = {}): string {
    const link = opts.link ?? '            __dashboardUid__: d1\n            __panelId__: "1"\n';
    return `        - uid: ${uid}
          title: Rule ${uid}
          condition: B
          data:
            - refId: A
              relativeTimeRange: {from: 600, to: 0}
              datasourceUid: \${DS_TESTDATA}
              model: {refId: A, scenarioId: random_walk}
            - refId: B
              relativeTimeRange: {from: 0, to: 0}
              datasourceUid: __expr__
              model: {refId: B, type: threshold, expression: A}
          for: 1m
${opts.extra ?? ""}          annotations:
${link}            summary: s
          labels:
            team: web
`;
}
const groupYaml = (name: string, interval: string, rules: string) =>
    `apiVersion: 1\ngroups:\n    - orgId: 1\n      name: ${name}\n      folder: F\n      interval: ${interval}\n      rules:\n${rules}`;

function settingsProblems(values: Record<string, string>, projectDir: string): ConfigValidationError {
    try {
        readSettings(fakeConfigSource({ values }), "grafana-slack-alerts", "test", projectDir);
    } catch (e) {
        assert.ok(e instanceof ConfigValidationError, String(e));
        return e;
    }
    assert.fail("expected a ConfigValidationError");
}

describe("provisioning: the example folders", () => {
    it("read without problems: one dashboard, one group of two rules, both linked to panels, one per channel", () => {
        const r = loadProvisioning({ stack: "dev", ...EXAMPLES, requireImages: true, slackOn: true, projectDir: ROOT });
        assert.deepEqual(r.problems, []);
        assert.deepEqual(r.warnings, []);
        const plan = r.plan!;
        assert.deepEqual(
            plan.dashboards.map((d) => d.uid),
            ["gsa-example-cpu"],
        );
        assert.deepEqual(
            plan.groups.map((g) => [g.name, g.intervalSeconds, g.rules.map((x) => x.uid)]),
            [["cpu", 60, ["cpu-web-high", "cpu-db-high"]]],
        );
        assert.deepEqual(
            plan.links.map((l) => [l.ruleUid, l.status, l.panelId]),
            [
                ["cpu-web-high", "linked", 2],
                ["cpu-db-high", "linked", 6],
            ],
        );
        assert.deepEqual(plan.ruleChannels, { "cpu-web-high": "#web-alerts", "cpu-db-high": "#db-alerts" });
        assert.deepEqual(plan.channels, ["#web-alerts", "#db-alerts"]);
    });

    it("fills the TestData input with the stack's data source and drops instance-only fields", () => {
        const { dashboards } = readDashboardFiles("examples/dashboards", ROOT, "gsa-testdata-dev");
        const model = JSON.parse(dashboards[0].configJson);
        assert.equal(model.id, undefined);
        assert.equal(model.version, undefined);
        assert.equal(model.__inputs, undefined);
        assert.ok(!dashboards[0].configJson.includes("${DS_"), "no placeholder left");
        assert.equal(model.panels[1].datasource.uid, "gsa-testdata-dev");
        // Canonical: sorted keys, no whitespace; the same file gives the same string.
        assert.equal(
            dashboards[0].configJson,
            readDashboardFiles("examples/dashboards", ROOT, "gsa-testdata-dev").dashboards[0].configJson,
        );
        assert.ok(dashboards[0].configJson.startsWith('{"annotations":'));
    });

    it("finds panels nested in collapsed rows and in the pre-5.0 rows layout", () => {
        const ids = panelsOf({ panels: [{ id: 1, type: "row", panels: [{ id: 7 }] }, { id: 2 }], rows: [{ panels: [{ id: 9 }] }] }).map(
            (p) => p.id,
        );
        assert.deepEqual(ids, [1, 7, 2, 9]);
    });
});

describe("provisioning: every problem at once, with file and rule", () => {
    it("a rule without a panel link, a duplicate UID, a bad interval and a YAML syntax error", () => {
        const dir = project({
            "dash/a.json": dashboard("d1"),
            "dash/b.json": dashboard("d1"),
            "dash/c.json": dashboard(undefined),
            "rules/1-ok.yaml": groupYaml("g1", "1m", ruleYaml("r-ok") + ruleYaml("r-nolink", { link: "" })),
            "rules/2-interval.yaml": groupYaml("g2", "45s", ruleYaml("r-interval")),
            "rules/3-broken.yaml": "apiVersion: 1\ngroups:\n  - name: g3\n    rules: [\n",
        });
        const err = settingsProblems({ dashboardsDir: "dash", alertRulesDir: "rules", target: "kubernetes", kubernetesMode: "bogus" }, dir);
        const text = err.message;
        assert.match(text, /nothing was created/);
        // The other config problem is still there: one error for everything.
        assert.ok(err.problems.some((p) => p.key === "kubernetesMode"));
        const byKey = (k: string) => err.problems.filter((p) => p.key === k).map((p) => p.given);
        assert.deepEqual(
            byKey("dashboardsDir").map((g) => g.split(":")[0]),
            ["dash/b.json", "dash/c.json"],
        );
        assert.match(byKey("dashboardsDir")[0], /UID "d1" is already used by dash\/a\.json/);
        assert.match(byKey("dashboardsDir")[1], /no "uid"/);
        const rules = byKey("alertRulesDir");
        assert.ok(
            rules.some((g) =>
                /^rules\/1-ok\.yaml, rule "r-nolink": has no __dashboardUid__ \/ __panelId__ annotations, so its alert would arrive in Slack without a picture/.test(
                    g,
                ),
            ),
            rules.join("\n"),
        );
        assert.ok(
            rules.some((g) => /^rules\/2-interval\.yaml, group "g2": interval "45s"/.test(g)),
            rules.join("\n"),
        );
        assert.ok(
            rules.some((g) => /^rules\/3-broken\.yaml: is not valid YAML \(line \d+, column \d+: /.test(g)),
            rules.join("\n"),
        );
        const interval = err.problems.find((p) => /interval "45s"/.test(p.given))!;
        assert.match(interval.allowed, /multiple of Grafana's 10s/);
        assert.match(interval.fix, /edit rules\/2-interval\.yaml: set interval: 50s/);
        const nolink = err.problems.find((p) => /r-nolink/.test(p.given))!;
        assert.match(nolink.fix, /__dashboardUid__: <dashboard uid> and __panelId__/);
        assert.match(nolink.fix, /pulumi config set requireImages false/);
    });

    it("through the whole program: nothing is registered", async () => {
        const dir = project({ "rules/x.yaml": groupYaml("g", "7s", ruleYaml("r", { link: "" })) });
        const cwd = process.cwd();
        process.chdir(dir);
        try {
            const run = await runStack({ alertRulesDir: "rules" });
            assert.ok(run.error instanceof ConfigValidationError, String(run.error));
            assert.match(run.error.message, /2 problems/);
            assert.deepEqual(run.resources, []);
        } finally {
            process.chdir(cwd);
        }
    });

    it("checks each field Grafana checks, naming the rule", () => {
        const bad = `        - uid: r-bad
          title: Bad
          condition: Z
          data:
            - refId: A
              relativeTimeRange: {from: 0, to: 600}
              datasourceUid: \${DS_PROMETHEUS}
              model: {}
            - refId: A
              datasourceUid: __expr__
              model: {}
          noDataState: Nothing
          execErrState: Fine
          for: 5 minutes
          labels: {team: [a]}
`;
        const dir = project({
            "rules/r.yaml":
                groupYaml("g", "1m", bad + ruleYaml("r-ok")) + "    - name: ''\n      folder: ''\n      interval: 1m\n      rules: []\n",
        });
        const { problems } = readAlertRuleFiles("rules", dir, "tdu");
        const given = problems.map((p) => p.given).join("\n");
        for (const expected of [
            /rule "r-bad": data\[0\] \(refId A\) datasourceUid \$\{DS_PROMETHEUS\} is not filled/,
            /rule "r-bad": refId "A" is used twice/,
            /rule "r-bad": condition "Z" is not one of the refIds/,
            /rule "r-bad": noDataState is "Nothing"/,
            /rule "r-bad": execErrState is "Fine"/,
            /rule "r-bad": for is "5 minutes"/,
            /rule "r-bad": labels\.team is \["a"\]/,
            /group "groups\[1\]": the group has no name/,
            /group "groups\[1\]": the group has no folder/,
        ])
            assert.match(given, expected);
        assert.ok(problems.every((p) => p.given.startsWith("rules/r.yaml")));
    });

    it("refuses a duplicate rule UID across files and the demo's group name and rule UID", () => {
        const demo = uidsFor("test");
        const dir = project({
            "rules/a.yaml": groupYaml("a", "1m", ruleYaml("same")),
            "rules/b.yaml": groupYaml("b", "1m", ruleYaml("same").replace("title: Rule same", "title: Other")),
            "rules/c.yaml": groupYaml(RULE_GROUP_NAME, "1m", ruleYaml("x")),
            "rules/d.yaml": groupYaml("d", "1m", ruleYaml(demo.rule)),
        });
        const { problems } = readAlertRuleFiles("rules", dir, "tdu", {
            ruleUids: { [demo.rule]: "the stack's demo rule" },
            groupNames: { [RULE_GROUP_NAME]: "the stack's demo rule group" },
        });
        const given = problems.map((p) => p.given);
        assert.deepEqual(given, [
            'rules/b.yaml, rule "same": rule UID already used by rules/a.yaml, rule "same"',
            `rules/c.yaml, group "${RULE_GROUP_NAME}": group name already used by the stack's demo rule group`,
            `rules/d.yaml, rule "${demo.rule}": rule UID already used by the stack's demo rule`,
        ]);
    });

    it("a file's group named like the rule group the program registers is refused, before anything is created", async () => {
        // The name comes from what the program registers, so the check cannot drift from it.
        const demoGroup = one((await runStack({})).resources, RULE_GROUP).plain.name as string;
        const dir = project({ "rules/g.yaml": groupYaml(demoGroup, "1m", ruleYaml("x")) });
        const err = settingsProblems({ alertRulesDir: "rules" }, dir);
        assert.deepEqual(
            err.problems.map((p) => p.given),
            [`rules/g.yaml, group "${demoGroup}": group name already used by the stack's demo rule group`],
        );
    });

    it("names a folder that does not exist, with the fix", () => {
        const err = settingsProblems({ alertRulesDir: "no-such-dir" }, os.tmpdir());
        const p = err.problems.find((x) => x.key === "alertRulesDir")!;
        assert.match(p.given, /"no-such-dir": no such folder/);
        assert.match(p.fix, /pulumi config set alertRulesDir alert-rules/);
    });

    it("parses Prometheus durations as Grafana does", () => {
        assert.equal(parseDuration("1m"), 60_000);
        assert.equal(parseDuration("1h30m"), 5_400_000);
        assert.equal(parseDuration("0"), 0);
        assert.equal(parseDuration("90s"), 90_000);
        for (const bad of ["", "1.5m", "m", "1m1h", "5 minutes"]) assert.equal(parseDuration(bad), undefined, bad);
    });

    it("reads the JSON export (with the grandfathered dasboardUid field) like the YAML one", () => {
        const doc = {
            apiVersion: 1,
            groups: [
                {
                    orgId: 1,
                    name: "j",
                    folder: "F",
                    interval: "30s",
                    rules: [
                        {
                            uid: "rj",
                            title: "J",
                            condition: "A",
                            data: [{ refId: "A", relativeTimeRange: { from: 300, to: 0 }, datasourceUid: "prom", model: { expr: "up" } }],
                            dasboardUid: "d1",
                            panelId: 1,
                            noDataState: "OK",
                            execErrState: "KeepLast",
                            for: "0s",
                            isPaused: true,
                        },
                    ],
                },
            ],
        };
        const dir = project({ "rules/j.json": JSON.stringify(doc) });
        const r = readAlertRuleFiles("rules", dir, "tdu");
        assert.deepEqual(r.problems, []);
        const rule = r.groups[0].rules[0];
        assert.deepEqual(rule.link, { dashboardUid: "d1", panelId: 1 });
        assert.equal(rule.isPaused, true);
        assert.equal(rule.data[0].model, '{"expr":"up"}');
    });
});

describe("provisioning: image linkage", () => {
    const known = [
        {
            uid: "d1",
            title: "D1",
            source: "dash/d1.json",
            panels: [
                { id: 1, title: "CPU", type: "timeseries" },
                { id: 4, title: "Mem", type: "timeseries" },
            ],
        },
    ];
    const rule = (uid: string, link?: { dashboardUid: string; panelId: number }, linkProblem?: string) => ({
        file: "rules/r.yaml",
        group: "g",
        uid,
        title: uid,
        condition: "A",
        data: [],
        annotations: {},
        labels: {},
        isPaused: false,
        link,
        linkProblem,
    });

    it("linked, external (looked up when verified), missing panel (listing the panels) and unlinked", () => {
        const r = checkImageLinks(
            [
                rule("ok", { dashboardUid: "d1", panelId: 4 }),
                rule("ext", { dashboardUid: "elsewhere", panelId: 2 }),
                rule("gone", { dashboardUid: "d1", panelId: 9 }),
                rule("half", undefined, "__dashboardUid__ is set but __panelId__ is not"),
            ],
            known,
            true,
        );
        assert.deepEqual(
            r.links.map((l) => l.status),
            ["linked", "external", "missing-panel", "unlinked"],
        );
        assert.equal(r.problems.length, 2);
        assert.match(
            r.problems[0].given,
            /rule "gone": links to panel 9 of dashboard d1 \(dash\/d1\.json\), which has no such panel; its panels: 1 \("CPU"\), 4 \("Mem"\)/,
        );
        assert.match(r.problems[1].given, /rule "half": __dashboardUid__ is set but __panelId__ is not/);
        assert.deepEqual(r.warnings, []);
    });

    it("requireImages false turns the same findings into warnings", () => {
        const r = checkImageLinks([rule("gone", { dashboardUid: "d1", panelId: 9 }), rule("none")], known, false);
        assert.deepEqual(r.problems, []);
        assert.equal(r.warnings.length, 2);
        assert.match(
            r.warnings[1],
            /rule "none": has no __dashboardUid__ \/ __panelId__ annotations, so its alert will arrive without a picture/,
        );
    });

    it("a rule may link to the stack's demo panel, while the demo exists", () => {
        const demo = uidsFor("test");
        const dir = project({
            "rules/r.yaml": groupYaml(
                "g",
                "1m",
                ruleYaml("r", { link: `            __dashboardUid__: ${demo.dashboard}\n            __panelId__: "1"\n` }),
            ),
        });
        const r = loadProvisioning({
            stack: "test",
            alertRulesDir: "rules",
            requireImages: true,
            slackRoutes: "",
            slackOn: false,
            projectDir: dir,
        });
        assert.deepEqual(r.problems, []);
        assert.equal(r.plan!.links[0].status, "linked");
        // With demoAlert false the demo dashboard is removed: the same link names no panel.
        const off = loadProvisioning({
            stack: "test",
            alertRulesDir: "rules",
            requireImages: true,
            slackRoutes: "",
            slackOn: false,
            projectDir: dir,
            demoAlert: false,
        });
        assert.equal(off.plan!.links[0].status, "missing-panel");
        assert.match(off.problems[0].given, /removed by demoAlert false/);
    });
});

describe("provisioning: slackRoutes", () => {
    it("parses Grafana label matchers", () => {
        assert.deepEqual(parseMatcher("team=db"), { name: "team", op: "=", value: "db", text: "team=db" });
        assert.deepEqual(parseMatcher(' service =~ "api|web" '), {
            name: "service",
            op: "=~",
            value: "api|web",
            text: 'service =~ "api|web"',
        });
        assert.equal((parseMatcher("env!~dev.*") as LabelMatcher).op, "!~");
        assert.equal((parseMatcher("severity!=info") as LabelMatcher).op, "!=");
        assert.match(parseMatcher("team") as string, /not of the form/);
        assert.match(parseMatcher("1team=x") as string, /not of the form/);
        assert.match(parseMatcher("x=~(") as string, /regular expression "\(" is invalid/);
        assert.match(parseMatcher('x="open') as string, /not closed/);
    });

    it("matches like Alertmanager: anchored regexes, a missing label is empty", () => {
        const m = (t: string) => parseMatcher(t) as LabelMatcher;
        assert.ok(matcherMatches(m("service=~api|web"), { service: "web" }));
        assert.ok(!matcherMatches(m("service=~api"), { service: "api-2" }), "anchored");
        assert.ok(matcherMatches(m("team!=db"), {}));
        assert.ok(matcherMatches(m("team=~"), {}), "missing label matches an empty regex");
    });

    it("routes each rule to the first matching channel", () => {
        const { routes, problems } = parseSlackRoutes(
            '[{"channel":"#a","matchers":["team=db","severity=critical"]},{"channel":"C0123ABCD","matchers":["team=~db|web"]}]',
            true,
        );
        assert.deepEqual(problems, []);
        assert.equal(routeFor(routes, { team: "db", severity: "critical" })?.channel, "#a");
        assert.equal(routeFor(routes, { team: "db", severity: "info" })?.channel, "C0123ABCD");
        assert.equal(routeFor(routes, { team: "ops" }), undefined);
    });

    it("reports every bad route at once", () => {
        const { problems } = parseSlackRoutes(
            '[{"channel":"db alerts","matchers":["team=db"]},{"channel":"#ok","matchers":[]},{"channel":"#ok2","matchers":["team"],"match":1},"x"]',
            true,
        );
        assert.deepEqual(
            problems.map((p) => p.given.split(":")[0]),
            ["route 1", "route 2", "route 3", "route 3", "route 4"],
        );
        assert.ok(problems.every((p) => p.key === "slackRoutes" && p.fix.startsWith("pulumi config set slackRoutes '")));
        assert.match(parseSlackRoutes("{not json", true).problems[0].given, /is not JSON/);
        assert.match(parseSlackRoutes('[{"channel":"#a","matchers":["a=b"]}]', false).problems[0].allowed, /only together with slackToken/);
    });

    it("rules no route matches go to slackChannel, and a route that matches nothing is a warning", () => {
        const r = loadProvisioning({
            stack: "dev",
            alertRulesDir: "examples/alert-rules",
            requireImages: false,
            slackOn: true,
            projectDir: ROOT,
            slackRoutes: '[{"channel":"#db-alerts","matchers":["team=db"]},{"channel":"#nobody","matchers":["team=nobody"]}]',
        });
        assert.deepEqual(r.plan!.ruleChannels, { "cpu-db-high": "#db-alerts" });
        assert.ok(
            r.warnings.some((w) => /route 2 \(#nobody: team=nobody\) matches no rule/.test(w)),
            r.warnings.join("\n"),
        );
    });
});

describe("provisioning: the program under mocks", () => {
    const config = { slackToken: TOKEN, slackChannel: "C0123ABCDE", ...EXAMPLES };

    it("creates the dashboards, rule groups and contact points, routing each rule through its notification settings", async () => {
        const run = await runStack(config, { stack: "dev" });
        assert.equal(run.error, undefined, String(run.error));
        const dashboards = ofType(run.resources, DASHBOARD);
        assert.deepEqual(dashboards.map((d) => JSON.parse(d.plain.configJson).uid).sort(), ["gsa-dash-dev", "gsa-example-cpu"]);
        const own = one(run.resources, DASHBOARD, "own-alerts-dashboard-gsa-example-cpu");
        assert.equal(own.plain.folder, one(run.resources, RULE_GROUP, "own-alerts-rules-cpu").plain.folderUid, "same folder");

        const cps = ofType(run.resources, CONTACT_POINT);
        assert.deepEqual(cps.map((c) => [c.plain.name, c.plain.slacks[0].recipient]).sort(), [
            ["grafana-slack-alerts-dev", "C0123ABCDE"],
            ["grafana-slack-alerts-dev-db-alerts", "#db-alerts"],
            ["grafana-slack-alerts-dev-web-alerts", "#web-alerts"],
        ]);
        for (const cp of cps) assert.equal(cp.plain.slacks[0].token, TOKEN);
        assert.ok(
            cps.every((c) => JSON.stringify(c.inputs.slacks).includes(pulumi.runtime.specialSecretSig)),
            "token wrapped as a secret",
        );

        const group = one(run.resources, RULE_GROUP, "own-alerts-rules-cpu");
        assert.equal(group.plain.name, "cpu");
        assert.equal(group.plain.intervalSeconds, 60);
        const rules: RuleInput[] = group.plain.rules;
        assert.deepEqual(
            rules.map((r) => [r.uid, r.notificationSettings?.contactPoint, r.annotations.__dashboardUid__, r.annotations.__panelId__]),
            [
                ["cpu-web-high", "grafana-slack-alerts-dev-web-alerts", "gsa-example-cpu", "2"],
                ["cpu-db-high", "grafana-slack-alerts-dev-db-alerts", "gsa-example-cpu", "6"],
            ],
        );
        assert.equal(rules[0].datas[0].datasourceUid, "gsa-testdata-dev");
        assert.equal(rules[0].for, "5m");
        assert.equal(rules[1].noDataState, "NoData");

        // The verification renders each rule's panel (proof per rule), after the rules exist.
        const verification = one(run.resources, "pulumi-nodejs:dynamic/verify:SlackImageVerification", "verification");
        assert.deepEqual(verification.plain.ruleUids, ["cpu-web-high", "cpu-db-high"]);
        assert.equal(verification.plain.requireImages, true);
        // ...and looks at every other channel the routes send alerts to (bot membership, scopes).
        assert.deepEqual(verification.plain.routedChannels, ["#web-alerts", "#db-alerts"]);
        assert.ok(run.result!.verification && "channels" in (run.result!.verification as object));

        const summary = run.result!.ownAlerts as ProvisionedSummary;
        assert.deepEqual(
            summary.rules.map((r) => [r.uid, r.channel, r.link]),
            [
                ["cpu-web-high", "#web-alerts", "linked"],
                ["cpu-db-high", "#db-alerts", "linked"],
            ],
        );
    });

    it("gives identical inputs on a second run (no diff)", async () => {
        const a = await runStack(config, { stack: "dev" });
        const b = await runStack(config, { stack: "dev" });
        const mine = (rs: typeof a.resources) =>
            rs.filter((r) => r.name.startsWith("own-alerts")).map((r) => [r.type, r.name, JSON.stringify(r.plain)]);
        assert.ok(mine(a.resources).length >= 4);
        assert.deepEqual(mine(a.resources), mine(b.resources));
    });

    it("demoAlert false without verifyRule: your rules are still proven, through the first linked rule's panel", async () => {
        const run = await runStack({ ...config, demoAlert: "false" }, { stack: "dev" });
        assert.equal(run.error, undefined, String(run.error));
        const v = one(run.resources, "pulumi-nodejs:dynamic/verify:SlackImageVerification", "verification");
        // Each rule's linked panel rendered once (verification.rules), every routed channel looked at...
        assert.deepEqual(v.plain.ruleUids, ["cpu-web-high", "cpu-db-high"]);
        assert.deepEqual(v.plain.routedChannels, ["#web-alerts", "#db-alerts"]);
        // ...and the one test post shows the first rule's panel; that rule may never fire, so no alert-path wait.
        assert.deepEqual([v.plain.dashboardUid, v.plain.panelId, v.plain.alertRuleUid], ["gsa-example-cpu", 2, "cpu-web-high"]);
        assert.equal(v.plain.verifyAlertTimeout, 0);
        assert.ok(run.result!.verification && "rules" in (run.result!.verification as object));
    });

    it("verifyRule routed by slackRoutes: the alert-path stage reads the rule's own channel", async () => {
        const run = await runStack({ ...config, demoAlert: "false", verifyRule: "cpu-db-high" }, { stack: "dev" });
        assert.equal(run.error, undefined, String(run.error));
        const v = one(run.resources, "pulumi-nodejs:dynamic/verify:SlackImageVerification", "verification");
        assert.equal(v.plain.alertRuleUid, "cpu-db-high");
        assert.equal(v.plain.alertChannel, "#db-alerts");
        const unrouted = await runStack(config, { stack: "dev" });
        assert.equal(
            one(unrouted.resources, "pulumi-nodejs:dynamic/verify:SlackImageVerification", "verification").plain.alertChannel,
            undefined,
        );
    });

    it("without Slack: dashboards and rules, no contact point, no notification settings", async () => {
        const run = await runStack({ dashboardsDir: EXAMPLES.dashboardsDir, alertRulesDir: EXAMPLES.alertRulesDir });
        assert.equal(run.error, undefined, String(run.error));
        assert.equal(ofType(run.resources, CONTACT_POINT).length, 0);
        const group = one(run.resources, RULE_GROUP, "own-alerts-rules-cpu");
        assert.ok((group.plain.rules as RuleInput[]).every((r) => r.notificationSettings === undefined));
    });
});
