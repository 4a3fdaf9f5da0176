// `npm run doctor -- --alert` as a person runs it (child process) against the fake Grafana,
// whose notifier posts the alert to the fake Slack: exit 0 only when Grafana's own alert
// with its screenshot was found, a line per change of state while waiting, the stage's
// result in --json, and the reason in Grafana's or Slack's words when it fails.
import { strict as assert } from "node:assert";
import { parseArgs } from "../bin/doctor";
import { uidsFor } from "../components/alerting/model/dashboardModel";
import { FakeGrafana, FakeSlack, GOOD_TOKEN, type FakeAlertingOptions } from "./fakes";
import { runDoctor as doctor } from "./harness/doctorProcess";

const FAST = JSON.stringify({
    healthIntervalMs: 5,
    shareIntervalMs: 5,
    slackRetryMinMs: 1,
    slackRetryMaxMs: 5,
    requestTimeoutMs: 2000,
    alertIntervalMs: 5,
    alertMaxIntervalMs: 20,
    alertImageGraceMs: 60,
});

describe("doctor --alert (child process)", function () {
    this.timeout(60_000);
    let grafana: FakeGrafana;
    let slack: FakeSlack;
    const uids = uidsFor("dev");

    afterEach(async () => {
        await grafana?.close();
        await slack?.close();
    });

    async function start(alerting: Partial<FakeAlertingOptions> = {}) {
        slack = await FakeSlack.start();
        grafana = await FakeGrafana.start({
            alerting: {
                ruleUid: uids.rule,
                ruleTitle: "Demo random walk above threshold",
                dashboardUid: uids.dashboard,
                panelId: 1,
                slack: { apiUrl: slack.apiUrl, token: GOOD_TOKEN, recipient: "#grafana-alert" },
                ...alerting,
            },
        });
    }

    const env = () => ({ GRAFANA_AUTH: grafana.auth, SLACK_BOT_TOKEN: GOOD_TOKEN, SLACK_CHANNEL: "#grafana-alert" });

    it("finds Grafana's alert with its screenshot: exit 0, progress lines, PASS alert.path", async () => {
        await start();
        const r = await doctor(
            ["--alert", "--alert-timeout", "20", "--grafana-url", grafana.url, "--slack-api-url", slack.apiUrl, "--timing", FAST],
            env(),
        );
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /Then waiting up to 20s for Grafana's own alert/);
        const lines = r.stdout.split("\n");
        assert.ok(
            lines.some((l) =>
                /^\.\.\.\. {2}alert path: rule "Demo random walk above threshold" \(gsa-demo-rule-dev[^)]*\) is firing/.test(l),
            ),
            r.stdout,
        );
        assert.ok(
            lines.some((l) => /^\.\.\.\. {2}alert path: contact point grafana-slack-alerts-dev delivered at /.test(l)),
            r.stdout,
        );
        assert.match(
            r.stdout,
            /^PASS {2}alert\.path +Grafana's own alert reached Slack with its screenshot: alert path: Grafana's alert for rule .* with its screenshot F0FAKE\d+/m,
        );
        assert.match(r.stdout, /All checks passed: \d+ passed, 0 failed, 0 skipped\. Verified: alert path: /);
        assert.ok(!r.stdout.includes(GOOD_TOKEN) && !r.stdout.includes(grafana.opts.password));
    });

    it("delivered without a screenshot: exit 1, the FAIL line names it; --json carries the stage", async () => {
        await start({ screenshot: false });
        const r = await doctor(
            ["--alert", "--json", "--grafana-url", grafana.url, "--slack-api-url", slack.apiUrl, "--timing", FAST],
            env(),
        );
        assert.equal(r.code, 1, r.stdout + r.stderr);
        const out = JSON.parse(r.stdout);
        assert.equal(out.ok, false);
        assert.equal(out.level, "nothing");
        const c = out.checks.find((x: any) => x.id === "alert.path");
        assert.equal(c.status, "fail");
        assert.equal(c.key, "alert_no_image");
        assert.equal(out.alertPath.status, "fail");
        assert.equal(out.alertPath.ruleState, "firing");
        assert.match(out.alertPath.messageTs, /^\d+\.\d{6}$/);
        assert.equal(out.alertPath.failure.key, "alert_no_image");
    });

    it("nothing within --alert-timeout: exit 1 naming routing", async () => {
        await start({ routed: false });
        const r = await doctor(
            ["--alert", "--alert-timeout", "0.3", "--grafana-url", grafana.url, "--slack-api-url", slack.apiUrl, "--timing", FAST],
            env(),
        );
        assert.equal(r.code, 1);
        assert.match(
            r.stdout,
            /^FAIL {2}alert\.path .*never reached Slack: it has fired since \S+, but within 0\.3s contact point grafana-slack-alerts-dev attempted no delivery\. Fix: routing does not reach/m,
        );
    });

    it("another stack's alert (same rule link, its own marker) carries the screenshot, ours does not: exit 1, never verified", async () => {
        await start({ screenshot: false, labels: { gsa_stack: "grafana-slack-alerts/dev/0a1b2c3d" } });
        const foreign = await FakeGrafana.start({
            alerting: {
                ruleUid: uids.rule,
                ruleTitle: "Demo random walk above threshold",
                dashboardUid: uids.dashboard,
                panelId: 1,
                rootUrl: `${grafana.url}/`,
                labels: { gsa_stack: "grafana-slack-alerts/dev/9f8e7d6c" },
                firingAfterMs: 0,
                deliverAfterMs: 0,
                slack: { apiUrl: slack.apiUrl, token: GOOD_TOKEN, recipient: "#grafana-alert" },
            },
        });
        try {
            foreign.alerting!.start();
            const r = await doctor(
                ["--alert", "--json", "--grafana-url", grafana.url, "--slack-api-url", slack.apiUrl, "--timing", FAST],
                env(),
            );
            assert.equal(r.code, 1, r.stdout + r.stderr);
            const out = JSON.parse(r.stdout);
            assert.equal(out.verified, false);
            assert.equal(out.alertPath.failure.key, "alert_no_image");
            assert.equal(out.alertPath.marker, "grafana-slack-alerts/dev/0a1b2c3d");
            assert.equal([...slack.files.values()].filter((f) => f.threadTs).length, 1, "the other stack's screenshot was there");
        } finally {
            await foreign.close();
        }
    });

    it("a renderer that pictures the login page: exit 1 before posting, naming --callback-url; --json has both images' sizes and the difference", async () => {
        slack = await FakeSlack.start();
        grafana = await FakeGrafana.start({ renderMode: "loginPage" });
        const r = await doctor(
            [
                "--json",
                "--grafana-url",
                grafana.url,
                "--slack-api-url",
                slack.apiUrl,
                "--callback-url",
                "http://grafana:3000/",
                "--timing",
                FAST,
            ],
            env(),
        );
        assert.equal(r.code, 1, r.stdout + r.stderr);
        const out = JSON.parse(r.stdout);
        const c = out.checks.find((x: any) => x.id === "grafana.render");
        assert.equal(c.key, "render_login_page");
        assert.match(c.finding, /loads Grafana at http:\/\/grafana:3000\/ \(GF_RENDERING_CALLBACK_URL\) without being logged in/);
        assert.deepEqual([out.image.width, out.image.height, out.image.content.verdict], [1000, 500, "login"]);
        assert.deepEqual(
            out.image.content.references.map((x: any) => [x.width, x.height, x.difference]),
            [
                [1000, 500, 0],
                [1000, 500, 0],
            ],
        );
        assert.equal(slack.faults.count("files.getUploadURLExternal"), 0);
    });

    it("usage (parsed in process): --alert-timeout needs --alert; --alert needs a token and a send; the stack's rule UID", () => {
        const base = ["--grafana-url", "http://localhost:3000"];
        const slackEnv = { SLACK_BOT_TOKEN: GOOD_TOKEN, SLACK_CHANNEL: "C0ALERTS01" };
        const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
            [[...base, "--alert-timeout", "5"], slackEnv, /--alert-timeout goes with --alert/],
            [[...base, "--alert"], {}, /--alert needs a Slack token/],
            [[...base, "--alert", "--no-send"], slackEnv, /--alert cannot go with --no-send/],
            [[...base, "--alert", "--alert-timeout", "soon"], slackEnv, /--alert-timeout must be a number of seconds/],
        ];
        for (const [argv, e, message] of cases) {
            assert.throws(
                () => parseArgs(argv, e),
                (err: Error) => message.test(err.message) && !err.message.includes(GOOD_TOKEN),
            );
        }
        const parsed = parseArgs([...base, "--alert", "--stack", "prod"], slackEnv);
        assert.ok(parsed !== "help");
        assert.equal(parsed.options.alertTimeoutMs, 300_000);
        assert.equal(parsed.options.alertRuleUid, uidsFor("prod").rule);
        const other = parseArgs([...base, "--alert", "--alert-timeout", "90", "--dashboard-uid", "mine"], slackEnv);
        assert.ok(other !== "help");
        assert.equal(other.options.alertTimeoutMs, 90_000);
        assert.equal(other.options.alertRuleUid, undefined, "another dashboard: the rule annotated with its panel");
        const off = parseArgs(base, slackEnv);
        assert.ok(off !== "help");
        assert.equal(off.options.alertTimeoutMs, undefined);
    });
});
