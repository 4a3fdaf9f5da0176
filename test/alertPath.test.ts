// The alert-path stage (components/verify/alertPath.ts) over real HTTP: the fake Grafana
// plays Grafana's rule evaluation and its Slack notifier against the fake Slack, and the
// verifier (real @slack/web-api client) must find Grafana's own message with its
// screenshot, or say in Grafana's or Slack's words where the path stopped. One test per
// outcome; every timing knob is milliseconds.
import { strict as assert } from "node:assert";
import { fatalFailures, runVerification, type VerificationReport, type VerifyOptions } from "../components/verify/checks";
import {
    ALL_SCOPES,
    FAST_TIMING,
    FakeGrafana,
    FakeSlack,
    GOOD_TOKEN,
    type FakeAlertingOptions,
    type FakeSlackOptions,
    verifyOptionsFor,
} from "./fakes";

const RULE_UID = "gsa-rule-dev";
const RULE_TITLE = "Demo random walk above threshold";

describe("alert-path stage (fake Grafana notifier -> fake Slack, over HTTP)", () => {
    let grafana: FakeGrafana;
    let slack: FakeSlack;
    let progress: string[];

    async function start(alerting: Partial<FakeAlertingOptions> = {}, s: FakeSlackOptions = {}) {
        slack = await FakeSlack.start(s);
        grafana = await FakeGrafana.start({
            alerting: {
                ruleUid: RULE_UID,
                ruleTitle: RULE_TITLE,
                dashboardUid: "gsa-dev",
                panelId: 2,
                slack: { apiUrl: slack.apiUrl, token: GOOD_TOKEN, recipient: "#grafana-alert" },
                ...alerting,
            },
        });
        progress = [];
    }

    function options(over: Partial<VerifyOptions> = {}): VerifyOptions {
        return verifyOptionsFor(grafana, slack, {
            // Fast polls; generous request bounds, so a loaded machine cannot fail the direct part.
            timing: { ...FAST_TIMING, healthTimeoutMs: 5_000, requestTimeoutMs: 5_000 },
            alertTimeoutMs: 1_500,
            alertRuleUid: RULE_UID,
            onAlertProgress: (l) => progress.push(l),
            ...over,
        });
    }

    afterEach(async () => {
        await grafana?.close();
        await slack?.close();
    });

    function alertCheck(report: VerificationReport) {
        const c = report.checks.find((x) => x.id === "alert.path");
        assert.ok(c, "no alert.path check");
        return c;
    }

    it("delivered with its screenshot: pass, with the message, permalink, PNG size and time from rule creation", async () => {
        await start();
        const report = await runVerification(options());
        const c = alertCheck(report);
        assert.equal(c.status, "pass", c.finding);
        assert.equal(report.ok, true);
        assert.equal(report.verified, true);
        assert.equal(report.level, "alert path");
        const a = report.alertPath!;
        const [msg] = slack.messages;
        const [shot] = [...slack.files.values()].filter((f) => f.threadTs);
        assert.equal(a.messageTs, msg.ts);
        assert.equal(a.screenshotFileId, shot.id);
        assert.equal(a.screenshotBytes, shot.bytes?.length);
        assert.equal(a.screenshotIn, "thread");
        assert.equal(a.ruleUid, RULE_UID);
        assert.equal(a.ruleState, "firing");
        assert.match(a.permalink ?? "", /^https:\/\/fake-workspace\.slack\.test\/archives\/C0ALERTS01\/p\d+$/);
        assert.ok(
            a.secondsFromRuleCreation !== undefined && a.secondsFromRuleCreation >= 0 && a.secondsFromRuleCreation <= 3,
            String(a.secondsFromRuleCreation),
        );
        assert.match(
            report.verifiedHow,
            /^alert path: Grafana's alert for rule "Demo random walk above threshold" \(gsa-rule-dev\) reached C0ALERTS01 as message \S+ with its screenshot F0FAKE\d+ \(PNG, 1000x500, \d+ bytes\) in the thread, [\d.]+% of its pixels unlike panel 1002 \(not in the dashboard\)/,
        );
        assert.match(report.verifiedHow, /; direct render\+upload: files\.info shows/);
        // What Grafana's notifier sent, in order, against the fake Slack.
        assert.deepEqual(
            grafana.alerting!.notifierCalls.map((x) => x.method),
            ["chat.postMessage", "files.getUploadURLExternal", "upload", "files.completeUploadExternal"],
        );
        // Slack was read only once Grafana reported its delivery: one page each, one permalink.
        assert.deepEqual(
            ["conversations.history", "conversations.replies", "chat.getPermalink"].map((m) => slack.faults.count(m)),
            [1, 1, 1],
        );
        // A line per change of state, in order.
        assert.match(progress[0], /rule "Demo random walk above threshold" \(gsa-rule-dev\) is (pending|firing)/);
        assert.ok(
            progress.some((l) => /is firing, health ok \(firing since /.test(l)),
            progress.join("\n"),
        );
        assert.ok(progress.some((l) => /contact point grafana-slack-alerts-dev delivered at /.test(l)));
        assert.match(progress[progress.length - 1], /screenshot F0FAKE\d+ \(\d+ bytes\) in the thread/);
        assert.equal(new Set(progress).size, progress.length, "a line per change, not per poll");
        const text = JSON.stringify(report) + progress.join("\n");
        for (const secret of [GOOD_TOKEN, grafana.opts.password, Buffer.from(grafana.auth).toString("base64")])
            assert.ok(!text.includes(secret), "a secret leaked");
    });

    it("conversations.replies refused to the bot token: finds the screenshot in the thread with files.list", async () => {
        await start({}, { repliesRefused: "not_allowed_token_type" });
        const report = await runVerification(options());
        const c = alertCheck(report);
        assert.equal(c.status, "pass", c.finding);
        assert.equal(report.alertPath?.screenshotIn, "thread");
        assert.equal(slack.faults.count("conversations.replies"), 1);
        assert.equal(slack.faults.count("files.list"), 1);
        assert.ok(
            progress.some((l) =>
                /conversations\.replies refused \(not_allowed_token_type\); looking for the screenshot with files\.list/.test(l),
            ),
        );
    });

    it("an older Grafana without rule UIDs in the rules API: the rule is matched by its title", async () => {
        await start({ ruleUidInRulesApi: false });
        const report = await runVerification(options());
        assert.equal(alertCheck(report).status, "pass", alertCheck(report).finding);
    });

    it("delivered without a screenshot: fails, saying Grafana still counts it as sent and what to check", async () => {
        await start({ screenshot: false });
        const report = await runVerification(options());
        const c = alertCheck(report);
        assert.equal(c.status, "fail");
        assert.equal(c.key, "alert_no_image");
        assert.match(
            c.finding,
            /^Grafana's alert for rule "Demo random walk above threshold" \(gsa-rule-dev\) reached C0ALERTS01 without a screenshot: message \S+ has no PNG uploaded into its thread by the bot/,
        );
        assert.match(c.fix ?? "", /GF_UNIFIED_ALERTING_SCREENSHOTS_CAPTURE=true/);
        assert.equal(report.verified, false);
        assert.equal(report.level, "nothing");
        assert.equal(fatalFailures(report).length, 1);
    });

    it("not delivered: quotes the contact point's lastNotifyAttemptError", async () => {
        await start({ slack: undefined });
        // The contact point names a channel Slack does not know: chat.postMessage fails.
        grafana.alerting!.o.slack = { apiUrl: slack.apiUrl, token: GOOD_TOKEN, recipient: "#no-such-channel" };
        const report = await runVerification(options());
        const c = alertCheck(report);
        assert.equal(c.key, "alert_not_delivered");
        assert.match(
            c.finding,
            /contact point grafana-slack-alerts-dev failed its last attempt at \S+: failed to send Slack message: failed to send request: channel_not_found$/,
        );
        assert.match(c.fix ?? "", /Alerting > Contact points > grafana-slack-alerts-dev/);
        assert.equal(slack.faults.count("conversations.history"), 0, "nothing to look for in Slack");
    });

    it("rule health error: quotes Grafana's lastError at once, without waiting for the bound", async () => {
        await start({ health: "error", lastError: "failed to execute query A: data source not found" });
        const t = Date.now();
        const report = await runVerification(options({ alertTimeoutMs: 60_000 }));
        const c = alertCheck(report);
        assert.equal(c.key, "alert_rule_error");
        assert.match(
            c.finding,
            /^Alert rule "Demo random walk above threshold" \(gsa-rule-dev\) cannot be evaluated: Grafana reports health error: failed to execute query A: data source not found$/,
        );
        assert.ok(Date.now() - t < 10_000);
    });

    it("rule health nodata: says the query returns nothing", async () => {
        await start({ health: "nodata" });
        const report = await runVerification(options());
        const c = alertCheck(report);
        assert.equal(c.key, "alert_rule_nodata");
        assert.match(c.finding, /gets no data: Grafana reports health nodata: its query returns no series/);
    });

    it("late delivery beyond the bound: the rule fires but nothing reaches Slack in time -> routing", async () => {
        await start({ deliverAfterMs: 5_000 });
        const report = await runVerification(options({ alertTimeoutMs: 300 }));
        const c = alertCheck(report);
        assert.equal(c.key, "alert_not_routed");
        assert.match(
            c.finding,
            /^The alert for rule "Demo random walk above threshold" \(gsa-rule-dev\) never reached Slack: it has fired since \S+, but within 0\.3s contact point grafana-slack-alerts-dev attempted no delivery$/,
        );
        assert.match(c.fix ?? "", /notification settings/);
        assert.equal(slack.messages.length, 0);
        // Bounded: the poll schedule, not a busy loop.
        const polls = grafana.faults.count("rules");
        assert.ok(polls >= 3 && polls < 60, `polls: ${polls}`);
    });

    it("still pending at the bound: names the state and the timeout to raise", async () => {
        await start({ firingAfterMs: 10_000 });
        const report = await runVerification(options({ alertTimeoutMs: 200 }));
        const c = alertCheck(report);
        assert.equal(c.key, "alert_not_firing");
        assert.match(c.finding, /did not fire within 0\.2s: Grafana reports it pending \(last evaluated /);
        assert.match(c.fix ?? "", /raise verifyAlertTimeout/);
    });

    it("429 while reading history: waits Retry-After and finds the alert", async () => {
        await start({}, { faults: [{ endpoint: "conversations.history", status: 429, retryAfter: 0 }] });
        const report = await runVerification(options());
        assert.equal(alertCheck(report).status, "pass", alertCheck(report).finding);
        assert.equal(slack.faults.count("conversations.history"), 2);
    });

    it("429 on every history read: keeps polling within the bound, then fails naming the method", async () => {
        await start({}, { faults: [{ endpoint: "conversations.history", status: 429, retryAfter: 0, times: Infinity }] });
        // A bound that leaves a loaded machine time for the delivery to show (then Slack is read).
        const report = await runVerification(options({ alertTimeoutMs: 1_000 }));
        const c = alertCheck(report);
        assert.equal(c.key, "ratelimited");
        assert.match(c.finding, /^Slack rate-limited conversations\.history: HTTP 429 with Retry-After 0s, still limited after 2 waits$/);
        assert.ok(progress.some((l) => /Slack rate-limited reading C0ALERTS01/.test(l)));
    });

    it("reading the channel not allowed: verified false with the scope to add, at once, and not fatal", async () => {
        await start({}, { tokens: { [GOOD_TOKEN]: { scopes: ALL_SCOPES.filter((s) => !s.endsWith(":history")) } } });
        const report = await runVerification(options({ alertTimeoutMs: 60_000 }));
        const c = alertCheck(report);
        assert.equal(c.key, "alert_read_scope_missing");
        assert.match(
            c.finding,
            /^Cannot read C0ALERTS01 to find Grafana's alert: the token lacks channels:history \(public channels\) or groups:history \(private ones\)/,
        );
        assert.match(c.fix ?? "", /add channels:history \(public channels\) or groups:history/);
        assert.equal(report.verified, false);
        assert.deepEqual(fatalFailures(report), []);
        assert.equal(grafana.faults.count("rules"), 0, "no waiting without a way to look");
    });

    it("Grafana notified before the stage began (a re-run): says so at once; the direct level stands", async () => {
        await start({ deliveredBeforeMs: 60_000 });
        const report = await runVerification(options({ alertTimeoutMs: 60_000 }));
        const c = alertCheck(report);
        assert.equal(c.key, "alert_notified_earlier");
        assert.match(
            c.finding,
            /^Grafana notified contact point grafana-slack-alerts-dev about rule "Demo random walk above threshold" \(gsa-rule-dev\) before this check began/,
        );
        assert.equal(report.verified, true);
        assert.equal(report.level, "direct render+upload");
        assert.deepEqual(fatalFailures(report), []);
    });

    it("delivered to another channel: Grafana says sent, the verified channel has no such message", async () => {
        await start(
            {},
            {
                channels: [
                    { id: "C0ALERTS01", name: "grafana-alert" },
                    { id: "C0OTHER001", name: "elsewhere" },
                ],
            },
        );
        grafana.alerting!.o.slack = { apiUrl: slack.apiUrl, token: GOOD_TOKEN, recipient: "#elsewhere" };
        const report = await runVerification(options());
        const c = alertCheck(report);
        assert.equal(c.key, "alert_message_missing");
        assert.match(c.finding, /^Grafana reports delivering the alert for rule .* but C0ALERTS01 shows no such message/);
    });

    it("a rule routed to another channel (slackRoutes, alertChannel): that channel is read, and the alert found there", async () => {
        await start(
            {},
            {
                channels: [
                    { id: "C0ALERTS01", name: "grafana-alert" },
                    { id: "C0OTHER001", name: "elsewhere" },
                ],
            },
        );
        grafana.alerting!.o.slack = { apiUrl: slack.apiUrl, token: GOOD_TOKEN, recipient: "C0OTHER001" };
        const report = await runVerification(options({ routedChannels: ["C0OTHER001"], alertChannel: "C0OTHER001" }));
        assert.equal(alertCheck(report).status, "pass", JSON.stringify(report.alertPath));
        assert.equal(report.level, "alert path");
        const alert = slack.messages.find((m) => m.channel === "C0OTHER001");
        assert.equal(report.alertPath?.messageTs, alert?.ts);
        // The test image still went to slackChannel.
        assert.deepEqual(
            slack
                .postedFiles()
                .filter((f) => !f.threadTs)
                .map((f) => f.channelId),
            ["C0ALERTS01"],
        );
    });

    it("no rule points at the panel: fails at once", async () => {
        await start({ panelId: 7 });
        const report = await runVerification(options({ alertRuleUid: undefined }));
        const c = alertCheck(report);
        assert.equal(c.key, "alert_rule_missing");
        assert.match(
            c.finding,
            /^No alert rule points at panel 2 of dashboard gsa-dev: Grafana's rules API lists no alert rule annotated with that dashboard and panel$/,
        );
    });

    it("without a rule UID, follows the rule annotated with the panel", async () => {
        await start();
        const report = await runVerification(options({ alertRuleUid: undefined }));
        assert.equal(alertCheck(report).status, "pass", alertCheck(report).finding);
        assert.equal(report.alertPath?.ruleUid, RULE_UID);
    });

    it("alertTimeoutMs 0 (verifyAlertTimeout: 0): no stage, no Grafana alerting request, report as before", async () => {
        await start();
        const report = await runVerification(options({ alertTimeoutMs: 0 }));
        assert.equal(
            report.checks.some((c) => c.id === "alert.path"),
            false,
        );
        assert.equal(report.level, "direct render+upload");
        assert.deepEqual(
            grafana.faults.sequence().filter((e) => ["rules", "receivers", "provisioning"].includes(e)),
            [],
        );
    });

    it("a failed direct check skips the stage", async () => {
        slack = await FakeSlack.start();
        grafana = await FakeGrafana.start({
            renderMode: "placeholder",
            alerting: { ruleUid: RULE_UID, ruleTitle: RULE_TITLE, dashboardUid: "gsa-dev", panelId: 2 },
        });
        const report = await runVerification(options());
        assert.equal(alertCheck(report).status, "skip");
        assert.match(alertCheck(report).finding, /an earlier check failed/);
    });
});
