// The preflight over real HTTP against a fake of Grafana's object API: credentials, the
// version and renderer of an existing Grafana, and the leftovers of a lost Pulumi state
// (issue 10 item 9: a reused Docker volume, an existing Grafana), then the same code
// sent and run the way Pulumi runs a dynamic provider (the `__provider` text).
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runPreflight, type PreflightInputs } from "../components/alerting/preflight/preflightChecks";
import { providerSource } from "../components/shared/providerBoundary";
import { uidsFor } from "../components/alerting/model/dashboardModel";
import { RULE_GROUP_NAME, contactPointNameFor } from "../components/alerting/api/grafanaAlerting";
import { FakeGrafanaApi, type FakeGrafanaApiOptions } from "./fakes/fakeGrafanaApi";
import { runWithMocks } from "./harness/pulumiMocks";

const TOKEN = "glsa_preflightTestToken0123456789abcdef_0a1b2c3d";
const STACK = "dev";
const U = uidsFor(STACK);
const CP = contactPointNameFor(STACK);

/** Everything an earlier `pulumi up` of stack dev with Slack created. */
function leftoversOf(): FakeGrafanaApiOptions {
    return {
        folders: [{ uid: U.folder, title: `grafana-slack-alerts (${STACK})` }],
        datasources: [{ uid: U.datasource, name: `TestData (grafana-slack-alerts ${STACK})`, type: "grafana-testdata-datasource" }],
        dashboards: [{ uid: U.dashboard, title: `Slack alert demo (${STACK})`, folderUid: U.folder }],
        ruleGroups: [
            {
                folderUid: U.folder,
                title: RULE_GROUP_NAME,
                rules: [{ uid: U.rule, title: "Demo random walk above threshold", contactPoint: CP }],
            },
        ],
        contactPoints: [{ uid: "cp-slack-1", name: CP, type: "slack" }],
    };
}

function inputsFor(g: FakeGrafanaApi, over: Partial<PreflightInputs> = {}): PreflightInputs {
    return {
        grafanaUrl: g.url,
        grafanaAuth: g.auth,
        target: "existing",
        stackName: STACK,
        folderUid: U.folder,
        datasourceUid: U.datasource,
        dashboardUid: U.dashboard,
        ruleGroup: RULE_GROUP_NAME,
        contactPoint: CP,
        slackChannel: "C0123ABCDE",
        replaceLeftovers: false,
        requestTimeoutMs: 2_000,
        healthTimeoutMs: 300,
        ...over,
    };
}

async function failure(p: Promise<unknown>): Promise<string> {
    try {
        await p;
    } catch (e) {
        return (e as Error).message;
    }
    assert.fail("expected the preflight to fail");
}

describe("preflight: an existing Grafana (target existing)", () => {
    let g: FakeGrafanaApi | undefined;
    afterEach(async () => {
        await g?.close();
        g = undefined;
    });

    it("passes a clean Grafana with a renderer, authenticating with the token as Bearer, and changes nothing", async () => {
        g = await FakeGrafanaApi.start({ apiToken: TOKEN, version: "12.3.1" });
        const r = await runPreflight(inputsFor(g, { grafanaAuth: TOKEN }), true);
        assert.equal(r.grafanaVersion, "12.3.1");
        assert.equal(r.rendererAvailable, true);
        assert.deepEqual(r.leftovers, []);
        assert.deepEqual(g.writes, []);
        assert.ok(
            g.log.every((l) => l.status !== 401),
            "every call authenticated",
        );
    });

    it("refuses Grafana 11.5.1 naming the rule-UID bug, before anything is created", async () => {
        g = await FakeGrafanaApi.start({ apiToken: TOKEN, version: "11.5.1" });
        const m = await failure(runPreflight(inputsFor(g, { grafanaAuth: TOKEN }), true));
        assert.match(
            m,
            /^Grafana at http:\/\/127\.0\.0\.1:\d+ is version 11\.5\.1: this program needs Grafana 11\.5\.2 or newer: .*HTTP 500.*#98283/,
        );
        assert.match(m, /Next step: upgrade that Grafana to 11\.6\.0 or newer \(at least 11\.5\.2\)/);
        assert.deepEqual(g.writes, []);
    });

    it("reads a security release's version (11.6.0+security-01) as the release it patches", async () => {
        // semver alone orders 11.5.2+security-01 and 11.6.0-security-01 by their release; the suffix never makes one older.
        for (const version of ["11.6.0+security-01", "11.6.0-security-01", "12.0.0+security-01"]) {
            g = await FakeGrafanaApi.start({ apiToken: TOKEN, version });
            const r = await runPreflight(inputsFor(g, { grafanaAuth: TOKEN, slackChannel: "#alerts" }), true);
            assert.equal(r.grafanaVersion, version);
            await g.close();
        }
        g = await FakeGrafanaApi.start({ apiToken: TOKEN, version: "11.5.1+security-01" });
        const m = await failure(runPreflight(inputsFor(g, { grafanaAuth: TOKEN }), true));
        assert.match(m, /is version 11\.5\.1\+security-01: this program needs Grafana 11\.5\.2 or newer: .*#98283/);
    });

    it("refuses a #name channel on 11.5.2 (image uploads fail until 11.5.3)", async () => {
        g = await FakeGrafanaApi.start({ apiToken: TOKEN, version: "11.5.2" });
        const m = await failure(runPreflight(inputsFor(g, { grafanaAuth: TOKEN, slackChannel: "#alerts" }), true));
        assert.match(m, /cannot upload images to #alerts: .*channel_not_found.*Next step: use the channel's ID/);
        await runPreflight(inputsFor(g, { grafanaAuth: TOKEN, slackChannel: "C0123ABCDE" }), true);
    });

    it("without a renderer: fails up front with the exact GF_RENDERING_* settings to add", async () => {
        g = await FakeGrafanaApi.start({ apiToken: TOKEN, rendererAvailable: false });
        const m = await failure(runPreflight(inputsFor(g, { grafanaAuth: TOKEN }), true));
        assert.match(m, /has no image renderer: \/api\/frontend\/settings reports rendererAvailable=false/);
        for (const setting of [
            "GF_RENDERING_SERVER_URL=",
            "GF_RENDERING_CALLBACK_URL=",
            "GF_RENDERING_RENDERER_TOKEN=",
            "GF_UNIFIED_ALERTING_SCREENSHOTS_CAPTURE=true",
        ]) {
            assert.ok(m.includes(setting), `names ${setting}`);
        }
        assert.deepEqual(g.writes, []);
    });

    it("a rejected token says how to make one, and never shows it", async () => {
        g = await FakeGrafanaApi.start({ apiToken: "glsa_theRealOne" });
        const m = await failure(runPreflight(inputsFor(g, { grafanaAuth: TOKEN }), true));
        assert.match(m, /rejected grafanaApiToken: \/api\/frontend\/settings answered HTTP 401: Invalid API key/);
        assert.match(m, /pulumi config set --secret grafanaApiToken glsa_\.\.\./);
        assert.ok(!m.includes(TOKEN));
    });

    it("a service account without the role gets the role to give it", async () => {
        g = await FakeGrafanaApi.start({ apiToken: TOKEN, forbidden: true });
        const m = await failure(runPreflight(inputsFor(g, { grafanaAuth: TOKEN }), true));
        assert.match(m, /may not manage this stack's objects: \/api\/folders\/.* answered HTTP 403.*Admin role/);
    });

    it("an unreachable Grafana names its URL within the health bound", async () => {
        g = await FakeGrafanaApi.start();
        const url = g.url;
        await g.close();
        g = undefined;
        const started = Date.now();
        const m = await failure(runPreflight({ ...inputsFor({ url, auth: "admin:x" } as FakeGrafanaApi), grafanaUrl: url }, true));
        assert.match(m, new RegExp(`^Grafana is not up at ${url.replace(/[.]/g, "\\.")}`));
        assert.ok(Date.now() - started < 3_000);
    });
});

describe("preflight: verifyRule, a rule of yours the proof follows", () => {
    let g: FakeGrafanaApi | undefined;
    afterEach(async () => {
        await g?.close();
        g = undefined;
    });
    const teamRules = (annotations?: Record<string, string>): FakeGrafanaApiOptions => ({
        apiToken: TOKEN,
        folders: [{ uid: "team", title: "Team" }],
        ruleGroups: [{ folderUid: "team", title: "latency", rules: [{ uid: "p99-latency", title: "p99 latency high", annotations }] }],
    });

    it("returns the panel the rule is linked to (what Grafana screenshots)", async () => {
        g = await FakeGrafanaApi.start(teamRules({ __dashboardUid__: "svc-overview", __panelId__: "7", summary: "x" }));
        const r = await runPreflight(inputsFor(g, { grafanaAuth: TOKEN, verifyRule: "p99-latency" }), false);
        assert.deepEqual([r.verifyRuleTitle, r.verifyRuleDashboardUid, r.verifyRulePanelId], ["p99 latency high", "svc-overview", 7]);
    });

    it("an unknown UID names where to copy the right one", async () => {
        g = await FakeGrafanaApi.start(teamRules());
        const m = await failure(runPreflight(inputsFor(g, { grafanaAuth: TOKEN, verifyRule: "nope" }), true));
        assert.match(m, /has no alert rule with UID nope: .*HTTP 404\. Next step: copy the UID from Alerting > Alert rules/);
    });

    it("a rule not linked to a panel would reach Slack without a picture: says how to link it", async () => {
        g = await FakeGrafanaApi.start(teamRules({ summary: "no panel" }));
        const m = await failure(runPreflight(inputsFor(g, { grafanaAuth: TOKEN, verifyRule: "p99-latency" }), true));
        assert.match(
            m,
            /Alert rule p99-latency \("p99 latency high"\) is not linked to a panel: .*without a picture\. Next step: .*Link dashboard and panel/,
        );
    });
});

describe("preflight: leftovers of a lost Pulumi state (issue 10 item 9)", () => {
    let g: FakeGrafanaApi | undefined;
    afterEach(async () => {
        await g?.close();
        g = undefined;
    });

    it("existing Grafana: fails fast listing each object and the exact requests that remove it; deletes nothing", async () => {
        g = await FakeGrafanaApi.start({ apiToken: TOKEN, ...leftoversOf() });
        const m = await failure(runPreflight(inputsFor(g, { grafanaAuth: TOKEN }), true));
        assert.match(
            m,
            new RegExp(
                `already has objects this stack creates with fixed UIDs: rule group "${RULE_GROUP_NAME}", folder ${U.folder}, data source ${U.datasource}, contact point "${CP}"`,
            ),
        );
        assert.match(m, /Next step: let this stack replace them .*`pulumi config set replaceLeftovers true` and `pulumi up`/);
        assert.ok(m.includes(`DELETE ${g.url}/api/folders/${U.folder}?forceDeleteRules=true`));
        assert.ok(m.includes(`DELETE ${g.url}/api/datasources/uid/${U.datasource}`));
        assert.ok(m.includes(`DELETE ${g.url}/api/v1/provisioning/contact-points/cp-slack-1`));
        assert.deepEqual(g.writes, []);
    });

    it("existing Grafana with replaceLeftovers: deletes exactly this stack's objects, rules first, never the policy tree", async () => {
        g = await FakeGrafanaApi.start({ apiToken: TOKEN, ...leftoversOf(), policyReceivers: ["team-oncall"] });
        const r = await runPreflight(inputsFor(g, { grafanaAuth: TOKEN, replaceLeftovers: true }), true);
        assert.equal(r.replaced.length, 4);
        assert.deepEqual(g.writes, [
            `DELETE /api/v1/provisioning/folder/${U.folder}/rule-groups/${RULE_GROUP_NAME}`,
            `DELETE /api/folders/${U.folder}?forceDeleteRules=true`,
            `DELETE /api/datasources/uid/${U.datasource}`,
            "DELETE /api/v1/provisioning/contact-points/cp-slack-1",
        ]);
        assert.deepEqual(g.state.policyReceivers, ["team-oncall"], "someone else's policy tree is untouched");
        assert.deepEqual([g.state.folders, g.state.datasources, g.state.contactPoints, g.state.ruleGroups], [[], [], [], []]);
    });

    it("replaceLeftovers keeps a folder that holds someone else's dashboard, and says so", async () => {
        const opts = leftoversOf();
        opts.dashboards!.push({ uid: "team-dash", title: "Team overview", folderUid: U.folder });
        g = await FakeGrafanaApi.start({ apiToken: TOKEN, ...opts });
        const m = await failure(runPreflight(inputsFor(g, { grafanaAuth: TOKEN, replaceLeftovers: true }), true));
        assert.match(
            m,
            /Left this stack's earlier objects in Grafana at .* alone: folder .* also holds "Team overview", which are not this stack's/,
        );
        assert.deepEqual(g.writes, []);
    });

    it("the same objects seen by an update (the stack's own, after it created them) are no leftovers", async () => {
        g = await FakeGrafanaApi.start({ apiToken: TOKEN, ...leftoversOf() });
        const r = await runPreflight(inputsFor(g, { grafanaAuth: TOKEN }), false);
        assert.deepEqual(r.leftovers, []);
        assert.deepEqual(g.writes, []);
    });

    it("Docker volume reused, new generated password: explains the volume and both ways out", async () => {
        g = await FakeGrafanaApi.start({ password: "the-password-of-the-first-run", ...leftoversOf() });
        const m = await failure(
            runPreflight(
                inputsFor(g, {
                    target: "docker",
                    grafanaAuth: "admin:a-new-generated-password-0123",
                    dockerVolume: "grafana-slack-alerts-dev-data",
                }),
                true,
            ),
        );
        assert.match(
            m,
            /^Grafana's database in Docker volume grafana-slack-alerts-dev-data does not accept this stack's admin password: \/api\/frontend\/settings answered HTTP 401/,
        );
        assert.match(m, /pulumi config set --secret grafanaAdminPassword <the earlier password>/);
        assert.match(m, /`pulumi destroy --yes && pulumi up`/);
        assert.ok(!m.includes("a-new-generated-password-0123"));
    });

    it("Docker volume reused with the right password: leftovers, and replaceLeftovers resets the policy tree this stack owns first", async () => {
        const opts = { ...leftoversOf(), policyReceivers: [CP] };
        g = await FakeGrafanaApi.start(opts);
        const docker = { target: "docker" as const, dockerVolume: "grafana-slack-alerts-dev-data" };
        const m = await failure(runPreflight(inputsFor(g, docker), true));
        assert.match(
            m,
            /start with an empty Grafana \(this deletes volume grafana-slack-alerts-dev-data\): `pulumi destroy --yes && pulumi up`/,
        );
        const r = await runPreflight(inputsFor(g, { ...docker, replaceLeftovers: true }), true);
        assert.equal(r.replaced.length, 4);
        assert.ok(
            g.writes.indexOf("DELETE /api/v1/provisioning/policies") <
                g.writes.indexOf("DELETE /api/v1/provisioning/contact-points/cp-slack-1"),
        );
        assert.deepEqual(g.state.contactPoints, []);
    });
});

const RUNNER = `
const fs = require("fs");
const requireFromString = require(process.env.REQUIRE_FROM_STRING);
const [providerFile, jobFile] = process.argv.slice(2);
const provider = requireFromString(fs.readFileSync(providerFile, "utf8")).handler();
const job = JSON.parse(fs.readFileSync(jobFile, "utf8"));
const results = [];
(async () => {
  for (const [method, args] of job) {
    // "modules": the packages this process has loaded so far (what running the provider costs).
    if (method === "modules") { results.push({ ok: true, result: Object.keys(require.cache) }); continue; }
    try { results.push({ ok: true, result: (await provider[method](...args)) ?? null }); }
    catch (e) { results.push({ ok: false, message: String((e && e.message) || e) }); }
  }
  process.stdout.write(JSON.stringify(results));
})();
`;

describe("preflight provider, as the engine runs it in a plain node process", function () {
    this.timeout(60_000);
    let dir: string;
    let g: FakeGrafanaApi;

    function run(calls: Array<[string, unknown[]]>): Promise<Array<{ ok: boolean; result?: any; message?: string }>> {
        const jobFile = path.join(dir, `job-${Math.random().toString(36).slice(2)}.json`);
        fs.writeFileSync(jobFile, JSON.stringify(calls));
        const env: NodeJS.ProcessEnv = { ...process.env, REQUIRE_FROM_STRING: require.resolve("require-from-string") };
        delete env.NODE_OPTIONS;
        return new Promise((resolve, reject) => {
            const child = spawn(process.execPath, [path.join(dir, "runner.js"), path.join(dir, "provider.js"), jobFile], { env });
            let out = "";
            let err = "";
            child.stdout.on("data", (d) => (out += d));
            child.stderr.on("data", (d) => (err += d));
            child.on("close", (code) => {
                try {
                    resolve(JSON.parse(out));
                } catch {
                    reject(new Error(`runner exited ${code}: ${err || out}`));
                }
            });
        });
    }

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "preflight-provider-"));
        // The `__provider` text the resource sends (providerBoundary.ts), as the engine gets it.
        fs.writeFileSync(path.join(dir, "provider.js"), providerSource("components/alerting/preflightProvider.ts", "preflightProvider"));
        fs.writeFileSync(path.join(dir, "runner.js"), RUNNER);
        g = await FakeGrafanaApi.start({ apiToken: TOKEN, ...leftoversOf() });
    });
    after(async () => {
        await g.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("the resource sends components/alerting/preflightProvider.ts; states that name that path or grafanaPreflight.ts (before the split and the move to preflight/) load the same provider", async () => {
        const { GrafanaPreflight } = await import("../components/alerting/preflight/grafanaPreflight");
        const { preflightProvider } = await import("../components/alerting/preflight/preflightProvider");
        const { preflightProvider: named } = await import("../components/alerting/preflightProvider");
        const { preflightProvider: older } = await import("../components/alerting/grafanaPreflight");
        assert.equal(named, preflightProvider);
        assert.equal(older, preflightProvider);
        const { resources } = await runWithMocks({}, () => new GrafanaPreflight("p", { ...inputsFor(g, { grafanaAuth: TOKEN }) }));
        assert.equal(resources[0].plain.__provider, providerSource("components/alerting/preflightProvider.ts", "preflightProvider"));
    });

    it("create on a stack whose outputs show its objects (a deployed stack upgraded to the preflight) finds no leftovers", async () => {
        const inputs = { __provider: "text", ...inputsFor(g, { grafanaAuth: TOKEN }), stateHasObjects: true };
        const [created, modules] = await run([
            ["create", [inputs]],
            ["modules", []],
        ]);
        assert.equal(created.ok, true, created.message);
        // The provider is its own module: its process never loads the SDK (over a second each time).
        assert.deepEqual(
            modules.result.filter((m: string) => m.includes(`${path.sep}@pulumi${path.sep}`)),
            [],
        );
        const [diff] = await run([["diff", ["id", { ...created.result.outs, stateHasObjects: false }, inputs]]]);
        assert.deepEqual(created.result.outs.leftovers, []);
        assert.equal(g.writes.length, 0);
        assert.equal(diff.result.changes, false, "stateHasObjects flipping after the first update is no change");
    });

    it("create fails on leftovers; an update of the stack's own objects passes; the token is never stored", async () => {
        const inputs = { __provider: "text", ...inputsFor(g, { grafanaAuth: TOKEN }) };
        const [created] = await run([["create", [inputs]]]);
        assert.equal(created.ok, false);
        assert.match(created.message!, /already has objects this stack creates/);

        const clean = await FakeGrafanaApi.start({ apiToken: TOKEN });
        try {
            const first = { __provider: "text", ...inputsFor(clean, { grafanaAuth: TOKEN }) };
            const [c] = await run([["create", [first]]]);
            assert.equal(c.ok, true, c.message);
            assert.ok(!JSON.stringify(c.result).includes(TOKEN), "the token is not in the stored state");
            assert.equal(c.result.outs.__provider, undefined);
            // The stack's objects now exist; a changed token re-runs the checks without leftovers.
            clean.state.folders.push({ uid: U.folder, title: "x" });
            const [d, u] = await run([
                ["diff", ["id", c.result.outs, { ...first, grafanaAuth: "glsa_other" }]],
                ["update", ["id", c.result.outs, first]],
            ]);
            assert.equal(d.result.changes, true);
            assert.deepEqual(d.result.replaces, []);
            assert.equal(u.ok, true, u.message);
            const [same] = await run([["diff", ["id", c.result.outs, first]]]);
            assert.equal(same.result.changes, false, "a second `pulumi up` finds no diff");
        } finally {
            await clean.close();
        }
    });
});
