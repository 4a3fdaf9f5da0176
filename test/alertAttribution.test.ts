// Proof that cannot be fooled (issue 20): the alert-path stage over real HTTP, the real
// @slack/web-api client, and TWO fake Grafanas posting into one fake Slack channel: this
// stack's and another stack's (the same rule UID and title, the same root URL, as two `dev`
// stacks of different people have, and its own gsa_stack marker), or another app's bot.
// Only this stack's alert, by this token's bot, with this stack's screenshot of the panel
// in its thread, passes; whichever message comes first. Plus Grafana's delivery status read
// right: a 403 on the receivers API, other receivers' failures, a rule routed by the policy
// tree, an error state that fires the rule anyway; and the screenshot judged by its pixels.
import { strict as assert } from "node:assert";
import { fatalFailures, runVerification, type VerificationReport, type VerifyOptions } from "../components/verify/checks";
import { ALL_SCOPES, FAST_TIMING, FakeGrafana, FakeSlack, GOOD_TOKEN, type FakeAlertingOptions, verifyOptionsFor } from "./fakes";

const RULE_UID = "gsa-demo-rule-dev";
const RULE_TITLE = "Demo random walk above threshold";
const OURS = "grafana-slack-alerts/dev/0a1b2c3d";
const THEIRS = "grafana-slack-alerts/dev/9f8e7d6c";
const OTHER_APP = "xoxb-other-app-2222222222-abcdefghijklmnop";

describe("alert path: this stack's alert only (two stacks, two bots, one channel)", () => {
    let slack: FakeSlack;
    let grafana: FakeGrafana;
    let foreign: FakeGrafana | undefined;
    let progress: string[];

    type Theirs = Partial<FakeAlertingOptions> & { token?: string; first?: boolean };

    async function start(ours: Partial<FakeAlertingOptions> = {}, theirs?: Theirs) {
        slack = await FakeSlack.start({
            tokens: {
                [GOOD_TOKEN]: { scopes: [...ALL_SCOPES] },
                [OTHER_APP]: { scopes: [...ALL_SCOPES], userId: "U0OTHERAPP", botId: "B0OTHERAPP" },
            },
        });
        const alerting = (o: Partial<FakeAlertingOptions>, token = GOOD_TOKEN): FakeAlertingOptions => ({
            ruleUid: RULE_UID,
            ruleTitle: RULE_TITLE,
            dashboardUid: "gsa-dev",
            panelId: 2,
            slack: { apiUrl: slack.apiUrl, token, recipient: "#grafana-alert" },
            ...o,
        });
        grafana = await FakeGrafana.start({ alerting: alerting({ labels: { gsa_stack: OURS }, ...ours }) });
        foreign = undefined;
        if (theirs) {
            const { token, first, ...rest } = theirs;
            // The same root URL as ours: two `dev` stacks on http://localhost:3000 link alike.
            foreign = await FakeGrafana.start({
                alerting: alerting({ labels: { gsa_stack: THEIRS }, rootUrl: `${grafana.url}/`, ...rest }, token),
            });
            if (first) {
                // Theirs is in the channel, screenshot and all, before this stack's stage begins.
                foreign.alerting!.start();
                const last = rest.screenshot === false ? "chat.postMessage" : "files.completeUploadExternal";
                while (!foreign.alerting!.notifierCalls.some((c) => c.method === last)) await new Promise((r) => setTimeout(r, 5));
            }
        }
        progress = [];
    }

    function options(over: Partial<VerifyOptions> = {}): VerifyOptions {
        let foreignStarted = false;
        return verifyOptionsFor(grafana, slack, {
            // A grace long enough for the other stack's message to arrive while this one is judged.
            timing: { ...FAST_TIMING, healthTimeoutMs: 5_000, requestTimeoutMs: 5_000, alertImageGraceMs: 600 },
            alertTimeoutMs: 3_000,
            alertRuleUid: RULE_UID,
            onAlertProgress: (l) => {
                progress.push(l);
                // The other stack's clock starts with this stage (its own knobs then order the two).
                if (!foreignStarted) foreign?.alerting?.start();
                foreignStarted = true;
            },
            ...over,
        });
    }

    afterEach(async () => {
        await grafana?.close();
        await foreign?.close();
        await slack?.close();
    });

    const alertCheck = (r: VerificationReport) => r.checks.find((c) => c.id === "alert.path")!;
    const shots = () => [...slack.files.values()].filter((f) => f.threadTs);
    const notified = (g: FakeGrafana | undefined) => g?.alerting?.notifierCalls.map((c) => c.method) ?? [];

    async function failsWithoutOurScreenshot(theirs: Theirs, over: Partial<VerifyOptions> = {}) {
        await start({ screenshot: false, firingAfterMs: 20, deliverAfterMs: 10 }, theirs);
        const report = await runVerification(options(over));
        const c = alertCheck(report);
        assert.equal(c.status, "fail", c.finding);
        assert.equal(c.key, "alert_no_image", c.finding);
        assert.equal(report.verified, false);
        assert.equal(report.level, "nothing");
        assert.equal(fatalFailures(report).length, 1);
        // The other stack's alert did arrive, with its screenshot, while this one was judged.
        assert.deepEqual(notified(foreign), ["chat.postMessage", "files.getUploadURLExternal", "upload", "files.completeUploadExternal"]);
        assert.equal(shots().length, 1);
        // The message named is this stack's own (the one carrying its marker).
        assert.equal(report.alertPath?.messageTs, slack.messages.find((m) => m.attachments[0]?.text.includes(OURS))?.ts);
        return report;
    }

    it("only the other stack's alert has a screenshot, and it came first: fails (alert_no_image), passing it over by its marker", async () => {
        await failsWithoutOurScreenshot({ first: true });
        assert.ok(
            progress.some((l) =>
                new RegExp(`passed over message \\S+ linking to the rule: another stack's \\(gsa_stack=${THEIRS}\\)`).test(l),
            ),
            progress.join("\n"),
        );
    });

    it("only the other stack's alert has a screenshot, and it came second: fails too (no first-match, no late match)", async () => {
        // Theirs 200 ms after this stage began; this one is judged 1.5 s after its message is found.
        await failsWithoutOurScreenshot(
            { firingAfterMs: 200, deliverAfterMs: 10 },
            { timing: { ...FAST_TIMING, healthTimeoutMs: 5_000, requestTimeoutMs: 5_000, alertImageGraceMs: 1_500 } },
        );
        const [first, second] = slack.messages;
        assert.ok(first.attachments[0].text.includes(OURS) && second.attachments[0].text.includes(THEIRS), "ours first, theirs second");
    });

    it("the other stack's template prints no marker: its screenshot's comment (the labels) still gives it away", async () => {
        await failsWithoutOurScreenshot({ first: true, markerInMessage: false });
    });

    it("another app's bot posts the same rule link with a screenshot: not this token's bot, fails", async () => {
        await failsWithoutOurScreenshot({ first: true, labels: {}, token: OTHER_APP });
        assert.ok(
            progress.some((l) => /passed over message \S+ linking to the rule: posted by B0OTHERAPP, not this token's bot/.test(l)),
            progress.join("\n"),
        );
    });

    it("this stack's alert has its screenshot and another stack's message without one came first: passes on ours", async () => {
        await start({}, { first: true, screenshot: false });
        const report = await runVerification(options());
        const c = alertCheck(report);
        assert.equal(c.status, "pass", c.finding);
        assert.equal(report.verified, true);
        assert.equal(report.level, "alert path");
        const [theirs, ours] = slack.messages;
        assert.ok(theirs.attachments[0].text.includes(THEIRS), "theirs came first");
        assert.equal(report.alertPath?.messageTs, ours.ts);
        assert.equal(report.alertPath?.marker, OURS);
        assert.equal(report.alertPath?.screenshotFileId, shots().find((f) => f.threadTs === ours.ts)?.id);
        assert.match(c.finding, new RegExp(`marked gsa_stack=${OURS}`));
    });

    it("a 403 on the receivers API and another receiver failing: the delivered alert is still proven, the permission named once", async () => {
        await start({
            receiversForbidden: true,
            otherReceivers: [{ name: "another team's slack", attemptAfterMs: 0, error: "failed to send Slack message: channel_not_found" }],
        });
        const report = await runVerification(options());
        assert.equal(alertCheck(report).status, "pass", alertCheck(report).finding);
        const lines = progress.filter((l) =>
            /receivers status answered HTTP 403: these credentials lack alert\.notifications:read/.test(l),
        );
        assert.equal(lines.length, 1, progress.join("\n"));
    });

    it("a rule routed by the policy tree (no notification settings): only its route's receiver counts, not another failing one", async () => {
        await start({
            routedByPolicy: true,
            otherReceivers: [{ name: "another team's slack", attemptAfterMs: 0, error: "failed to send Slack message: invalid_auth" }],
        });
        const report = await runVerification(options());
        assert.equal(alertCheck(report).status, "pass", alertCheck(report).finding);
        assert.equal(report.alertPath?.contactPoint, "grafana-slack-alerts-dev");
        assert.ok(
            progress.some((l) => /contact point grafana-slack-alerts-dev delivered at /.test(l)),
            progress.join("\n"),
        );
        assert.equal(grafana.faults.count("policies"), 1);
    });

    it("rule health error with execErrState Alerting: the alert fires anyway, so the stage waits and proves it", async () => {
        await start({ health: "error", execErrState: "Alerting", lastError: "failed to execute query A: timeout" });
        const report = await runVerification(options());
        assert.equal(alertCheck(report).status, "pass", alertCheck(report).finding);
        assert.equal(report.alertPath?.ruleHealth, "error");
    });

    it("the screenshot in the thread is the login page: fails, naming the cause and the callback URL; sizes and difference reported", async () => {
        await start({ firingAfterMs: 60 });
        const report = await runVerification(
            options({
                rendererCallbackUrl: "http://grafana:3000/",
                // The renderer loses its login after the direct check: Grafana's screenshot is the login page.
                onCheck: (c) => {
                    if (c.id === "slack.landed") grafana.opts.renderMode = "loginPage";
                },
            }),
        );
        const c = alertCheck(report);
        assert.equal(c.key, "alert_image_not_panel", c.finding);
        assert.match(
            c.finding,
            /^Grafana's alert screenshot for rule "Demo random walk above threshold" \(gsa-demo-rule-dev\) in C0ALERTS01 is not a picture of the panel: file F0FAKE\d+ \(1000x500\) is the same page as \/login rendered through the same renderer \(0% of its pixels differ; a real panel differs in more than 0\.5%\): it is Grafana's login page/,
        );
        assert.match(c.fix ?? "", /loads Grafana at http:\/\/grafana:3000\/ \(GF_RENDERING_CALLBACK_URL\)/);
        const content = report.alertPath?.screenshotContent;
        assert.deepEqual([content?.width, content?.height, content?.verdict], [1000, 500, "login"]);
        assert.deepEqual(
            content?.references.map((r) => [r.what, r.width, r.height, r.difference]),
            [
                ["panel 1002 (not in the dashboard)", 1000, 500, 0],
                ["/login", 1000, 500, 0],
            ],
        );
        assert.equal(report.verified, false);
    });

    it("the token may not read files (no files:read): the screenshot cannot be checked, so not verified, and not fatal", async () => {
        slack = await FakeSlack.start();
        await slack.close();
        await start();
        slack.tokens[GOOD_TOKEN] = { scopes: ALL_SCOPES.filter((s) => s !== "files:read") };
        const report = await runVerification(options());
        const c = alertCheck(report);
        assert.equal(c.key, "alert_image_unreadable", c.finding);
        assert.match(
            c.finding,
            /its url_private answered text\/html; charset=utf-8, not a PNG \(Slack's sign-in page: the token may not read files, files:read\)/,
        );
        assert.equal(report.verified, false);
        assert.ok(!fatalFailures(report).some((f) => f.key === "alert_image_unreadable"));
    });
});
