// The dynamic provider the way Pulumi runs it: the `__provider` text the resource sends
// (components/shared/providerHost.js, see providerBoundary.ts), loaded in a separate plain
// `node` process (no ts-node) with require-from-string (as the dynamic-provider host does),
// and driven through check/diff/create/update/delete against the fakes.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { providerSource } from "../components/shared/providerBoundary";
import { FAST_TIMING as FAST, FakeGrafana, FakeSlack, GOOD_TOKEN } from "./fakes";

const REPO = path.resolve(__dirname, "..");
/** What the engine sends for a value not known yet. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const RUNNER = `
const fs = require("fs");
const requireFromString = require(process.env.REQUIRE_FROM_STRING);
const [providerFile, jobFile] = process.argv.slice(2);
// Exactly what @pulumi/pulumi/cmd/dynamic-provider does with the __provider text.
const provider = requireFromString(fs.readFileSync(providerFile, "utf8")).handler();
const job = JSON.parse(fs.readFileSync(jobFile, "utf8"));
const results = [];
(async () => {
  for (const [method, given] of job) {
    // "$checked": the inputs the last check returned, as the engine passes them on within one \`pulumi up\`.
    const checked = [...results].reverse().find((r) => r.method === "check");
    const args = given.map((a) => (a === "$checked" ? checked && checked.result && checked.result.inputs : a));
    try {
      const r = await provider[method](...args);
      results.push({ method, ok: true, result: r === undefined ? null : r });
    } catch (e) {
      results.push({ method, ok: false, message: String((e && e.message) || e) });
    }
  }
  process.stdout.write(JSON.stringify(results));
})();
`;

interface CallResult {
    ok: boolean;
    result?: any;
    message?: string;
}

describe("verification provider, serialized and run in a child process", function () {
    this.timeout(60_000);
    let dir: string;
    let providerFile: string;
    let providerText: string;
    let grafana: FakeGrafana;
    let slack: FakeSlack;
    let jobs = 0;

    /** Runs provider calls in a fresh `node` process (one process per simulated `pulumi up`). */
    function run(...calls: Array<[string, unknown[]]>): Promise<CallResult[]> {
        const jobFile = path.join(dir, `job-${++jobs}.json`);
        fs.writeFileSync(jobFile, JSON.stringify(calls));
        const env: NodeJS.ProcessEnv = { ...process.env, REQUIRE_FROM_STRING: require.resolve("require-from-string") };
        delete env.NODE_OPTIONS; // no ts-node in the provider's process, as under Pulumi
        return new Promise((resolve, reject) => {
            const child = spawn(process.execPath, [path.join(dir, "runner.js"), providerFile, jobFile], { cwd: REPO, env });
            let out = "";
            let err = "";
            child.stdout.on("data", (d) => (out += d));
            child.stderr.on("data", (d) => (err += d));
            child.on("error", reject);
            child.on("close", (code) => {
                try {
                    resolve(JSON.parse(out));
                } catch {
                    reject(new Error(`runner exited ${code}: ${err || out}`));
                }
            });
        });
    }

    async function one(method: string, ...args: unknown[]): Promise<CallResult> {
        const [r] = await run([method, args]);
        return r;
    }

    function news(over: Record<string, unknown> = {}): Record<string, unknown> {
        return {
            __provider: "serialized provider text",
            grafanaUrl: grafana.url,
            grafanaAuth: grafana.auth,
            dashboardUid: "gsa-dev",
            panelId: 2,
            slackToken: GOOD_TOKEN,
            slackChannel: "#grafana-alert",
            slackApiUrl: slack.apiUrl,
            stackName: "grafana-slack-alerts/dev",
            grafanaImage: "grafana/grafana:11.5.2",
            rendererImage: "grafana/grafana-image-renderer:v5.0.1",
            verifyTrigger: "",
            cleanupTestMessage: false,
            timing: FAST,
            ...over,
        };
    }

    /** check then create in one process, as the engine does on the first `pulumi up`. */
    async function createFrom(inputs: Record<string, unknown>): Promise<{ checked: any; created: CallResult }> {
        const [checked, created] = await run(["check", [{}, inputs]], ["create", ["$checked"]]);
        assert.equal(checked.ok, true, checked.message);
        assert.deepEqual(checked.result.failures, []);
        return { checked: checked.result.inputs, created };
    }

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-provider-"));
        // The `__provider` text the resource sends (providerHost.js), as the engine gets it.
        providerText = providerSource();
        providerFile = path.join(dir, "provider.js");
        fs.writeFileSync(providerFile, providerText);
        fs.writeFileSync(path.join(dir, "runner.js"), RUNNER);
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    beforeEach(async () => {
        grafana = await FakeGrafana.start();
        slack = await FakeSlack.start();
    });

    afterEach(async () => {
        await grafana.close();
        await slack.close();
    });

    it("sends a small loader of the provider's source that captures no program state", () => {
        // The verifier itself is loaded from components/ at run time (providerBoundary.ts).
        assert.ok(providerText.length < 8_000, `the provider text is ${providerText.length} characters`);
        assert.match(providerText, /verificationProvider\.ts/);
        assert.doesNotMatch(providerText, /xoxb-fake|runVerification|files\.uploadV2/);
        assert.doesNotMatch(providerText, /require\("@pulumi\/pulumi"\)|require\("@slack\/web-api"\)/);
        assert.doesNotMatch(
            providerText,
            new RegExp(REPO.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")),
            "no absolute path of this checkout in the state",
        );
    });

    describe("check", () => {
        it("applies defaults and accepts valid inputs", async () => {
            const r = await one("check", {}, news({ verifyTrigger: undefined, cleanupTestMessage: undefined }));
            assert.deepEqual(r.result.failures, []);
            assert.equal(r.result.inputs.width, 1000);
            assert.equal(r.result.inputs.height, 500);
            assert.equal(r.result.inputs.verifyTrigger, "");
            assert.equal(r.result.inputs.cleanupTestMessage, false);
        });

        it("names each bad input, never echoing a secret", async () => {
            const r = await one(
                "check",
                {},
                news({
                    grafanaUrl: "http://admin:hunter2-secret@localhost:3000",
                    grafanaAuth: "",
                    panelId: 0,
                    width: 3.5,
                    height: 360,
                    slackToken: "xoxb-has a space-verysecretvalue",
                    slackChannel: "general channel",
                    slackApiUrl: "ftp://x",
                    dashboardUid: "",
                }),
            );
            const props = r.result.failures.map((f: any) => f.property).sort();
            assert.deepEqual(props, [
                "dashboardUid",
                "grafanaAuth",
                "grafanaUrl",
                "height",
                "panelId",
                "slackApiUrl",
                "slackChannel",
                "slackToken",
                "width",
            ]);
            const text = JSON.stringify(r.result.failures);
            // Renderer v5 would clamp 360 up to 500: the size is refused, naming the bounds.
            assert.match(text, /height must be a whole number of pixels from 500 to 3000: renderer v5 clamps the viewport/);
            assert.ok(!text.includes("hunter2") && !text.includes("verysecretvalue"));
            assert.match(text, /must not contain credentials: pass them as grafanaAuth/);
        });

        it("requires a channel with a token", async () => {
            const r = await one("check", {}, news({ slackChannel: "" }));
            assert.deepEqual(
                r.result.failures.map((f: any) => f.property),
                ["slackChannel"],
            );
        });

        it("lets values unknown during preview through", async () => {
            const r = await one("check", {}, news({ grafanaUrl: UNKNOWN, dashboardUid: UNKNOWN, panelId: UNKNOWN }));
            assert.deepEqual(r.result.failures, []);
        });
    });

    describe("create / diff / update / delete", () => {
        it("create verifies and returns outputs without any secret", async () => {
            const { created } = await createFrom(news());
            assert.equal(created.ok, true, created.message);
            const { id, outs } = created.result;
            const [posted] = slack.postedFiles();
            assert.equal(id, posted.id);
            assert.equal(outs.verified, true);
            assert.match(outs.verifiedHow, /^files\.info shows/);
            assert.deepEqual([outs.imageWidth, outs.imageHeight, outs.imageBytes], [1000, 500, posted.bytes?.length]);
            assert.equal(typeof outs.renderMs, "number");
            assert.equal(outs.slackChannelId, "C0ALERTS01");
            assert.equal(outs.slackFileId, posted.id);
            assert.equal(outs.messageTs, posted.ts);
            assert.match(outs.permalink, /^https:\/\//);
            assert.equal(outs.checks.length, 9);
            const text = JSON.stringify(outs);
            assert.ok(!text.includes(GOOD_TOKEN) && !text.includes(grafana.opts.password));
            assert.equal(outs.grafanaAuth, undefined);
            assert.equal(outs.slackToken, undefined);
            assert.match(outs.slackTokenFingerprint, /^sha256:[0-9a-f]{16}$/);
        });

        it("a second `pulumi up` with nothing changed finds no diff and sends nothing", async () => {
            const { created } = await createFrom(news());
            const olds = { ...created.result.outs, __provider: "serialized provider text" };
            const grafanaBefore = grafana.faults.count();
            const slackBefore = slack.faults.count();
            const [checked, diff] = await run(["check", [olds, news()]], ["diff", [created.result.id, olds, "$checked"]]);
            assert.equal(checked.ok, true, checked.message);
            assert.equal(diff.result.changes, false);
            assert.deepEqual(diff.result.replaces, []);
            assert.equal(grafana.faults.count(), grafanaBefore);
            assert.equal(slack.faults.count(), slackBefore);
            assert.equal(slack.postedFiles().length, 1);
        });

        it("re-checks (replaces) when something checked changes, names what", async () => {
            const { created } = await createFrom(news());
            const olds = created.result.outs;
            const cases: Array<[Record<string, unknown>, string[]]> = [
                [{ verifyTrigger: "2026-11-22" }, ["verifyTrigger"]],
                [{ slackToken: "xoxb-another-token-000000000000" }, ["slackToken"]],
                [{ grafanaImage: "grafana/grafana:12.0.0" }, ["grafanaImage"]],
                [{ rendererImage: "grafana/grafana-image-renderer:v5.1.0" }, ["rendererImage"]],
                [{ panelId: 3, dashboardUid: "other" }, ["dashboardUid", "panelId"]],
                [{ slackChannel: "C0OTHER001" }, ["slackChannel"]],
                [{ grafanaUrl: "http://127.0.0.1:1" }, ["grafanaUrl"]],
                [{ width: 1200 }, ["width"]],
                [{ grafanaUrl: UNKNOWN }, ["grafanaUrl"]],
            ];
            const calls: Array<[string, unknown[]]> = [];
            for (const [over] of cases)
                calls.push(["diff", [created.result.id, olds, { ...news(over), width: over.width ?? 1000, height: 500 }]]);
            const results = await run(...calls);
            results.forEach((r, i) => {
                assert.equal(r.result.changes, true, JSON.stringify(cases[i][0]));
                assert.deepEqual([...r.result.replaces].sort(), cases[i][1]);
            });
        });

        it("bookkeeping-only changes update the state and post nothing", async () => {
            const { created } = await createFrom(news());
            const olds = created.result.outs;
            const newInputs = { ...news({ cleanupTestMessage: true }), width: 1000, height: 500 };
            const before = slack.faults.count();
            const [diff, update] = await run(
                ["diff", [created.result.id, olds, newInputs]],
                ["update", [created.result.id, olds, newInputs]],
            );
            assert.equal(diff.result.changes, true);
            assert.deepEqual(diff.result.replaces, []);
            assert.equal(update.result.outs.cleanupTestMessage, true);
            assert.equal(update.result.outs.slackFileId, olds.slackFileId);
            assert.equal(update.result.outs.verified, true);
            // Kept for the later delete; the resource marks it secret (additionalSecretOutputs).
            assert.equal(update.result.outs.slackToken, GOOD_TOKEN);
            assert.equal(slack.faults.count(), before);
        });

        it("delete removes the posted file when asked, and tolerates it being gone already", async () => {
            const { created } = await createFrom(news({ cleanupTestMessage: true }));
            const state = created.result.outs;
            assert.equal(state.slackToken, GOOD_TOKEN);
            const [first, second] = await run(["delete", [created.result.id, state]], ["delete", [created.result.id, state]]);
            assert.equal(first.ok, true, first.message);
            assert.equal(second.ok, true, second.message);
            assert.equal(slack.postedFiles().length, 0);
            assert.equal(slack.faults.count("files.delete"), 2);
        });

        it("delete leaves the file alone without cleanupTestMessage", async () => {
            const { created } = await createFrom(news());
            const r = await one("delete", created.result.id, created.result.outs);
            assert.equal(r.ok, true);
            assert.equal(slack.faults.count("files.delete"), 0);
            assert.equal(slack.postedFiles().length, 1);
        });

        it("a delete with a revoked stored token gives up quietly instead of wedging later updates", async () => {
            const { created } = await createFrom(news({ cleanupTestMessage: true }));
            slack.faults.inject({ endpoint: "files.delete", slackError: "token_revoked" });
            const r = await one("delete", created.result.id, created.result.outs);
            assert.equal(r.ok, true, r.message);
            assert.equal(slack.faults.count("files.delete"), 1);
            assert.equal(slack.postedFiles().length, 1, "the post stays; nothing could remove it");
        });

        it("a delete Slack refuses for another reason fails with the next step, and no token", async () => {
            const { created } = await createFrom(news({ cleanupTestMessage: true }));
            slack.faults.inject({ endpoint: "files.delete", slackError: "fatal_error" });
            const r = await one("delete", created.result.id, created.result.outs);
            assert.equal(r.ok, false);
            assert.match(
                r.message ?? "",
                /^Could not delete the test file F0FAKE\d+ from Slack: files\.delete returned fatal_error\. Next step: if Slack is having trouble, run the command again later; otherwise delete the test message by hand/,
            );
            assert.ok(!(r.message ?? "").includes(GOOD_TOKEN));
        });

        it("a failed verification fails create with every fatal finding and no secret", async () => {
            await grafana.close();
            grafana = await FakeGrafana.start({ renderMode: "error" });
            const { created } = await createFrom(news({ slackToken: "xoxb-unknown-1234567890-abcdefabcdef" }));
            assert.equal(created.ok, false);
            assert.match(
                created.message ?? "",
                /^Verification failed \(2 checks\):\n- Grafana could not render panel 2 of dashboard gsa-dev: .*"Rendering failed\.".*Next step: find the reason in Grafana's log: the lines with logger=rendering/,
            );
            assert.match(created.message ?? "", /\n- Slack rejected the bot token: auth\.test returned invalid_auth/);
            assert.ok(!(created.message ?? "").includes("xoxb-unknown") && !(created.message ?? "").includes(grafana.opts.password));
            assert.equal(slack.postedFiles().length, 0);
        });

        it("a token that may not look still creates, with verified false and the reason", async () => {
            slack.tokens[GOOD_TOKEN] = { scopes: ["chat:write", "files:write"] };
            const { created } = await createFrom(news({ slackChannel: "C0ALERTS01" }));
            assert.equal(created.ok, true, created.message);
            assert.equal(created.result.outs.verified, false);
            assert.match(
                created.result.outs.verifiedHow,
                /^not verified: Posted file F0FAKE\d+ to C0ALERTS01 but could not confirm it landed/,
            );
        });

        it("when sharing never shows and cleanup is on, create fails and removes what it posted", async () => {
            slack.shareAfterPolls = 1_000_000;
            const { created } = await createFrom(news({ cleanupTestMessage: true, timing: { ...FAST, shareTimeoutMs: 100 } }));
            assert.equal(created.ok, false);
            assert.match(created.message ?? "", /Slack did not show file F0FAKE\d+ in #grafana-alert/);
            assert.equal(slack.faults.count("files.delete"), 1);
            assert.equal(slack.postedFiles().length, 0);
        });

        it("a failing create removes what it posted even without cleanupTestMessage: the next `pulumi up` posts no second file", async () => {
            slack.shareAfterPolls = 1_000_000;
            const { created } = await createFrom(news({ cleanupTestMessage: false, timing: { ...FAST, shareTimeoutMs: 100 } }));
            assert.equal(created.ok, false);
            assert.equal(slack.faults.count("files.delete"), 1);
            assert.equal(slack.postedFiles().length, 0, "no file is left for a failed create");
            assert.ok(!(created.message ?? "").includes(GOOD_TOKEN));
        });

        it("a create that fails after posting (a rule's panel cannot be proven) removes the post too", async () => {
            const { created } = await createFrom(news({ ruleUids: ["no-such-rule"] }));
            assert.equal(created.ok, false);
            assert.match(created.message ?? "", /Proof per rule/);
            assert.equal(slack.faults.count("files.completeUploadExternal"), 1, "it had posted");
            assert.equal(slack.postedFiles().length, 0);
        });

        it("a lost completion answer: one completion, and the failed create deletes the file", async () => {
            slack.faults.inject({ endpoint: "files.completeUploadExternal", late: true, status: 502 });
            slack.shareAfterPolls = 1_000_000;
            const { created } = await createFrom(news({ timing: { ...FAST, shareTimeoutMs: 100 } }));
            assert.equal(created.ok, false);
            assert.match(created.message ?? "", /Slack may or may not have posted file F0FAKE\d+/);
            assert.equal(slack.faults.count("files.completeUploadExternal"), 1);
            assert.equal(slack.faults.count("files.delete"), 1);
            assert.equal(slack.postedFiles().length, 0);
        });

        it("routed channels (slackRoutes): create lists each channel in `channels`; one the bot is not in fails create naming it", async () => {
            slack.channels.push({ id: "C0DBALERT1", name: "db-alerts" }, { id: "G0PRIVATE1", name: "secret-ops", isPrivate: true });
            const good = await createFrom(news({ routedChannels: ["C0DBALERT1", "G0PRIVATE1"] }));
            assert.equal(good.created.ok, true, good.created.message);
            assert.deepEqual(good.checked.routedChannels, ["C0DBALERT1", "G0PRIVATE1"]);
            assert.deepEqual(
                good.created.result.outs.channels.map((c: any) => [c.channel, c.role, c.status, c.private ?? null]),
                [
                    ["#grafana-alert", "slackChannel", "pass", null],
                    ["C0DBALERT1", "route", "pass", false],
                    ["G0PRIVATE1", "route", "pass", true],
                ],
            );
            assert.equal(good.created.result.outs.verified, true);
            // A change of the routed channels re-checks them.
            const d = await one("diff", "id", good.created.result.outs, { ...good.checked, routedChannels: ["C0DBALERT1"] });
            assert.deepEqual(d.result.replaces, ["routedChannels"]);

            slack.channels[1].isMember = false;
            const bad = await createFrom(news({ routedChannels: ["C0DBALERT1", "G0PRIVATE1"] }));
            assert.equal(bad.created.ok, false);
            assert.equal(
                bad.created.message,
                "Verification failed: The bot is not a member of routed channel C0DBALERT1: conversations.info shows is_member false, so Slack would refuse the alerts that slackRoutes sends there (not_in_channel). Next step: invite the bot: type /invite @grafana-slack-alerts in C0DBALERT1, then run again",
            );
        });

        it("check rejects routed channels that are no channel ID or #name", async () => {
            const r = await one("check", {}, news({ routedChannels: ["C0DBALERT1", "db alerts"] }));
            assert.deepEqual(
                r.result.failures.map((f: any) => f.property),
                ["routedChannels"],
            );
        });

        it("without a Slack token, verifies Grafana only", async () => {
            const { created } = await createFrom(news({ slackToken: undefined, slackChannel: undefined }));
            assert.equal(created.ok, true, created.message);
            assert.match(created.result.id, /^grafana-only-/);
            assert.equal(created.result.outs.verified, false);
            assert.equal(created.result.outs.imageWidth, 1000);
            assert.equal(created.result.outs.slackTokenFingerprint, undefined);
            assert.equal(slack.faults.count(), 0);
        });
    });
    describe("the alert-path stage (verifyAlertTimeout)", () => {
        async function withAlerting(over: Record<string, unknown> = {}) {
            await grafana.close();
            grafana = await FakeGrafana.start({
                alerting: {
                    ruleUid: "gsa-rule-dev",
                    ruleTitle: "Demo random walk above threshold",
                    dashboardUid: "gsa-dev",
                    panelId: 2,
                    slack: { apiUrl: slack.apiUrl, token: GOOD_TOKEN, recipient: "#grafana-alert" },
                    ...over,
                },
            });
        }
        const ALERT_TIMING = { ...FAST, alertIntervalMs: 5, alertMaxIntervalMs: 20, alertImageGraceMs: 60 };

        it("create waits for Grafana's own alert and returns alertPath and how (the level proven)", async () => {
            await withAlerting();
            const { checked, created } = await createFrom(
                news({ verifyAlertTimeout: 5, alertRuleUid: "gsa-rule-dev", timing: ALERT_TIMING }),
            );
            assert.equal(checked.verifyAlertTimeout, 5);
            assert.equal(created.ok, true, created.message);
            const outs = created.result.outs;
            assert.equal(outs.verified, true);
            assert.match(
                outs.how,
                /^alert path: Grafana's alert for rule "Demo random walk above threshold" \(gsa-rule-dev\) reached C0ALERTS01 as message /,
            );
            assert.equal(outs.alertPath.status, "pass");
            assert.equal(outs.alertPath.ruleUid, "gsa-rule-dev");
            assert.equal(outs.alertPath.ruleState, "firing");
            assert.equal(outs.alertPath.messageTs, slack.messages[0].ts);
            assert.match(outs.alertPath.permalink, /^https:\/\/fake-workspace\.slack\.test\/archives\/C0ALERTS01\/p\d+$/);
            assert.match(outs.alertPath.screenshotFileId, /^F0FAKE\d+$/);
            assert.ok(outs.alertPath.screenshotBytes > 0);
            assert.equal(typeof outs.alertPath.secondsFromRuleCreation, "number");
            assert.equal(outs.alertRuleUid, "gsa-rule-dev");
            assert.ok(outs.checks.some((c: any) => c.id === "alert.path" && c.status === "pass"));
            assert.ok(!JSON.stringify(outs).includes(GOOD_TOKEN));
        });

        it("an alert without its screenshot fails create with the catalogued message", async () => {
            await withAlerting({ screenshot: false });
            const { created } = await createFrom(news({ verifyAlertTimeout: 5, alertRuleUid: "gsa-rule-dev", timing: ALERT_TIMING }));
            assert.equal(created.ok, false);
            assert.match(
                created.message ?? "",
                /^Verification failed: Grafana's alert for rule .* reached #grafana-alert without a screenshot: .*Next step: \(1\) Grafana must reach its renderer/,
            );
        });

        it("verifyAlertTimeout 0 behaves as before: direct level, no alertPath", async () => {
            const { created } = await createFrom(news({ verifyAlertTimeout: 0 }));
            assert.equal(created.ok, true, created.message);
            assert.equal(created.result.outs.alertPath, undefined);
            assert.match(created.result.outs.how, /^direct render\+upload: files\.info shows /);
        });

        it("turning the stage on (a state from before it existed) runs it again in update, posting nothing", async () => {
            await withAlerting();
            const { created } = await createFrom(news({ timing: ALERT_TIMING }));
            const olds = { ...created.result.outs };
            delete olds.verifyAlertTimeout;
            delete olds.alertRuleUid;
            const newInputs = {
                ...news({ verifyAlertTimeout: 5, alertRuleUid: "gsa-rule-dev", timing: ALERT_TIMING }),
                width: 1000,
                height: 500,
            };
            const testPosts = () => slack.postedFiles().filter((f) => !f.threadTs).length;
            const before = testPosts();
            const [diff, update] = await run(
                ["diff", [created.result.id, olds, newInputs]],
                ["update", [created.result.id, olds, newInputs]],
            );
            assert.equal(diff.result.changes, true);
            assert.deepEqual(diff.result.replaces, []);
            assert.equal(update.ok, true, update.message);
            const outs = update.result.outs;
            assert.equal(outs.verifyAlertTimeout, 5);
            assert.equal(outs.alertRuleUid, "gsa-rule-dev");
            assert.equal(outs.alertPath.status, "pass", JSON.stringify(outs.alertPath));
            assert.match(outs.how, /^alert path: Grafana's alert for rule .* reached C0ALERTS01/);
            assert.match(outs.verifiedHow, /; direct render\+upload: files\.info shows /);
            assert.equal(outs.checks.filter((c: any) => c.id === "alert.path").length, 1);
            assert.equal(outs.slackFileId, created.result.outs.slackFileId, "the test post stays the one in the state");
            assert.equal(testPosts(), before, "nothing posted");
            // Turning it off again drops the stage's result, still posting nothing.
            const off = { ...newInputs, verifyAlertTimeout: 0 };
            const [again] = await run(["update", [created.result.id, outs, off]]);
            assert.equal(again.result.outs.alertPath, undefined);
            assert.match(again.result.outs.how, /^direct render\+upload: files\.info shows /);
            assert.equal(testPosts(), before);
        });

        it("another stack's alert with a screenshot and ours without: create fails (no verified)", async () => {
            await withAlerting({ screenshot: false, labels: { gsa_stack: "grafana-slack-alerts/dev/0a1b2c3d" } });
            const foreign = await FakeGrafana.start({
                alerting: {
                    ruleUid: "gsa-rule-dev",
                    ruleTitle: "Demo random walk above threshold",
                    dashboardUid: "gsa-dev",
                    panelId: 2,
                    rootUrl: `${grafana.url}/`,
                    labels: { gsa_stack: "grafana-slack-alerts/dev/9f8e7d6c" },
                    firingAfterMs: 0,
                    deliverAfterMs: 0,
                    slack: { apiUrl: slack.apiUrl, token: GOOD_TOKEN, recipient: "#grafana-alert" },
                },
            });
            try {
                foreign.alerting!.start();
                const { created } = await createFrom(
                    news({ verifyAlertTimeout: 5, alertRuleUid: "gsa-rule-dev", timing: { ...ALERT_TIMING, alertImageGraceMs: 300 } }),
                );
                assert.equal(created.ok, false);
                assert.match(
                    created.message ?? "",
                    /^Verification failed: Grafana's alert for rule .* reached #grafana-alert without a screenshot/,
                );
                assert.equal([...slack.files.values()].filter((f) => f.threadTs).length, 1, "the other stack's screenshot was there");
            } finally {
                await foreign.close();
            }
        });

        it("check rejects a bad verifyAlertTimeout or alertRuleUid, naming the property", async () => {
            const r = await one("check", {}, news({ verifyAlertTimeout: -1, alertRuleUid: "not a uid!" }));
            assert.deepEqual(r.result.failures.map((f: any) => f.property).sort(), ["alertRuleUid", "verifyAlertTimeout"]);
        });
    });
});
