// Proof per rule: `doctor --rule` / `--all-rules` against the fake Grafana over real HTTP.
// Each rule is looked up through the provisioning API, its panel link read, the panel
// looked up and rendered once however many rules share it; nothing goes to Slack.
import { strict as assert } from "node:assert";
import { FakeGrafana, type FakeAlertRule } from "./fakes";
import { ruleLink, runRuleImageChecks } from "../components/verify/ruleImages";
import { parseArgs } from "../bin/doctor";
import { verificationProvider } from "../components/verify/verificationProvider";
import { runDoctor as doctor } from "./harness/doctorProcess";

const FAST = { healthIntervalMs: 5, requestTimeoutMs: 2000 };

const DASHBOARDS = { "gsa-example-cpu": [2, 3, { row: 4, panels: [6] }] };
const RULES: FakeAlertRule[] = [
    { uid: "cpu-web-high", title: "Web CPU above 80%", dashboardUid: "gsa-example-cpu", panelId: 2 },
    { uid: "cpu-web-load", title: "Web load high", dashboardUid: "gsa-example-cpu", panelId: 2 },
    { uid: "cpu-db-high", title: "Database CPU above 90%", dashboardUid: "gsa-example-cpu", panelId: 6 },
    { uid: "cpu-gone", title: "Panel removed", dashboardUid: "gsa-example-cpu", panelId: 9 },
    { uid: "old-dash", title: "Dashboard deleted", dashboardUid: "deleted-dashboard", panelId: 1 },
    { uid: "no-link", title: "Made in the UI" },
];

describe("proof per rule", function () {
    this.timeout(60_000);
    let grafana: FakeGrafana;
    afterEach(() => grafana?.close());

    it("reads a rule's panel link from its annotations", () => {
        assert.deepEqual(ruleLink({ annotations: { __dashboardUid__: "d", __panelId__: "6" } }), { dashboardUid: "d", panelId: 6 });
        assert.match(ruleLink({ annotations: {} }) as string, /no __dashboardUid__ and __panelId__/);
        assert.match(ruleLink({ annotations: { __dashboardUid__: "d" } }) as string, /no __panelId__/);
        assert.match(ruleLink({ annotations: { __dashboardUid__: "d", __panelId__: "six" } }) as string, /not a panel id/);
    });

    it("doctor --all-rules: one line per rule, a gone panel and a missing link fail, each panel rendered once", async () => {
        grafana = await FakeGrafana.start({ dashboards: DASHBOARDS, alertRules: RULES });
        const r = await doctor(["--grafana-url", grafana.url, "--all-rules", "--timing", JSON.stringify(FAST)], {
            GRAFANA_AUTH: grafana.auth,
        });
        assert.equal(r.code, 1, r.stdout + r.stderr);
        const lines = r.stdout.split("\n").filter((l) => /^(PASS|FAIL) {2}rule /.test(l));
        // Sorted by UID, one line each.
        assert.deepEqual(
            lines.map((l) => l.split(" ").slice(0, 4).join(" ")),
            [
                "PASS  rule cpu-db-high",
                "FAIL  rule cpu-gone",
                "PASS  rule cpu-web-high",
                "PASS  rule cpu-web-load",
                "FAIL  rule no-link",
                "FAIL  rule old-dash",
            ],
        );
        assert.match(lines[0], /panel 6 of dashboard gsa-example-cpu renders as a 1000x500 PNG/);
        assert.match(lines[1], /Dashboard gsa-example-cpu has no panel 9: .*panel IDs 2, 3, 4, 6/);
        assert.match(lines[3], /render shared with another rule on this panel/);
        assert.match(
            lines[4],
            /Alert rule no-link \("Made in the UI"\) is not linked to a panel: it has no __dashboardUid__ and __panelId__ annotations.*Fix: add the annotations/,
        );
        assert.match(lines[5], /Dashboard deleted-dashboard does not exist/);
        assert.match(r.stdout, /3 of 6 rules would arrive without a picture: 3 passed, 3 failed; 2 panels rendered/);
        assert.deepEqual(
            grafana.renders.map((c) => `${c.uid}/${c.panelId}`).sort(),
            ["gsa-example-cpu/2", "gsa-example-cpu/6"],
            "each linked panel once, no render of a missing one",
        );
        assert.ok(!r.stdout.includes(grafana.opts.password) && !r.stderr.includes(grafana.opts.password));
    });

    it("doctor --rule: the named rules only, an unknown UID named with the fix; --json; each rule alone", async () => {
        grafana = await FakeGrafana.start({ dashboards: DASHBOARDS, alertRules: RULES });
        const r = await doctor(["--grafana-url", grafana.url, "--rule", "cpu-web-high,nope", "--json", "--timing", JSON.stringify(FAST)], {
            GRAFANA_AUTH: grafana.auth,
        });
        assert.equal(r.code, 1, r.stdout + r.stderr);
        const out = JSON.parse(r.stdout);
        assert.deepEqual(
            out.rules.map((x: { uid: string; status: string; key?: string }) => [x.uid, x.status, x.key]),
            [
                ["cpu-web-high", "pass", undefined],
                ["nope", "fail", "rule_not_found"],
            ],
        );
        assert.equal(out.renders, 1);
        const ok = await runRuleImageChecks({ grafanaUrl: grafana.url, grafanaAuth: grafana.auth, rules: ["cpu-db-high"], timing: FAST });
        assert.equal(ok.ok, true);
        assert.deepEqual(
            ok.rules.map((x) => [x.uid, x.status, x.dashboardUid, x.panelId]),
            [["cpu-db-high", "pass", "gsa-example-cpu", 6]],
        );
    });

    it("wrong credentials fail once, before any rule, and a bad --rule is a usage error", async () => {
        grafana = await FakeGrafana.start({ dashboards: DASHBOARDS, alertRules: RULES });
        const report = await runRuleImageChecks({
            grafanaUrl: grafana.url,
            grafanaAuth: "admin:wrong-password",
            rules: "all",
            timing: FAST,
        });
        assert.equal(report.ok, false);
        assert.equal(report.failure?.key, "grafana_auth");
        assert.deepEqual(report.rules, []);
        assert.throws(() => parseArgs(["--grafana-url", grafana.url, "--rule", "bad uid!"], {}), /--rule: "bad uid!" is not a rule UID/);
        assert.throws(() => parseArgs(["--grafana-url", grafana.url, "--rule", "a", "--all-rules"], {}), /give one of them/);
        const parsed = parseArgs(["--grafana-url", grafana.url, "--all-rules"], {});
        assert.equal(parsed !== "help" && parsed.rules, "all");
    });

    describe("the verification resource (provider methods over real HTTP, no Slack)", () => {
        const inputs = (over: Record<string, unknown> = {}) => ({
            grafanaUrl: grafana.url,
            grafanaAuth: grafana.auth,
            dashboardUid: "gsa-example-cpu",
            panelId: 2,
            stackName: "grafana-slack-alerts/dev",
            grafanaImage: "grafana/grafana:11.6.0",
            rendererImage: "grafana/grafana-image-renderer:v5.0.1",
            timing: FAST,
            ...over,
        });
        const checked = async (over: Record<string, unknown>) => {
            const c = await verificationProvider.check!({}, inputs(over));
            assert.deepEqual(c.failures ?? [], []);
            return c.inputs;
        };

        it("renders every linked panel once and lists verification.rules; a changed rule list re-renders in update", async () => {
            grafana = await FakeGrafana.start({ dashboards: DASHBOARDS, alertRules: RULES });
            const created = await verificationProvider.create!(
                await checked({ ruleUids: ["cpu-web-high", "cpu-web-load", "cpu-db-high"] }),
            );
            const rules = created.outs.rules as Array<Record<string, unknown>>;
            assert.deepEqual(
                rules.map((r) => [r.uid, r.status, r.panelId, r.imageWidth]),
                [
                    ["cpu-web-high", "pass", 2, 1000],
                    ["cpu-web-load", "pass", 2, 1000],
                    ["cpu-db-high", "pass", 6, 1000],
                ],
            );
            // The demo panel 2 (and the panel it must differ from, one the dashboard does not have),
            // then the rules' panels 2 and 6: panel 2 of the rules once.
            assert.deepEqual(
                grafana.renders.map((c) => c.panelId),
                [2, 1006, 2, 6],
            );
            const news = await checked({ ruleUids: ["cpu-db-high"] });
            const diff = await verificationProvider.diff!("id", created.outs, news);
            assert.equal(diff.changes, true);
            assert.deepEqual(diff.replaces, [], "a new rule list posts nothing: update, not replace");
            const updated = await verificationProvider.update!("id", created.outs, news);
            assert.deepEqual(
                (updated.outs.rules as Array<Record<string, unknown>>).map((r) => r.uid),
                ["cpu-db-high"],
            );
            assert.equal(updated.outs.verified, created.outs.verified, "the direct proof's results are kept");
        });

        it("a rule whose panel is gone fails the resource with requireImages, and is listed without", async () => {
            grafana = await FakeGrafana.start({ dashboards: DASHBOARDS, alertRules: RULES });
            await assert.rejects(
                verificationProvider.create!(await checked({ ruleUids: ["cpu-web-high", "cpu-gone"] })),
                /Proof per rule: 1 of 2 rules would arrive without a picture.*\n- FAIL {2}rule cpu-gone .*has no panel 9/s,
            );
            const created = await verificationProvider.create!(
                await checked({ ruleUids: ["cpu-web-high", "cpu-gone"], requireImages: false }),
            );
            assert.deepEqual(
                (created.outs.rules as Array<Record<string, unknown>>).map((r) => [r.uid, r.status, r.key]),
                [
                    ["cpu-web-high", "pass", undefined],
                    ["cpu-gone", "fail", "panel_not_found"],
                ],
            );
        });
    });
});
