// `npm run doctor` as a person runs it: a child process against the fake Grafana and
// fake Slack. Asserts exit codes, one checklist line per check, --json, --no-send, and
// that no secret ever appears in what it prints.
import { strict as assert } from "node:assert";
import { FakeGrafana, FakeSlack, GOOD_TOKEN, type FakeGrafanaOptions } from "./fakes";
import { runDoctor as doctor, type DoctorRun as Run } from "./harness/doctorProcess";

const FAST = JSON.stringify({ healthIntervalMs: 5, shareIntervalMs: 5, slackRetryMinMs: 1, slackRetryMaxMs: 5, requestTimeoutMs: 2000 });

/** Runs bin/doctor.ts the way `npm run doctor` does (ts-node, transpile-only), with a clean environment. */

function checklist(stdout: string): string[] {
    return stdout.split("\n").filter((l) => /^(PASS|FAIL|SKIP) {2}/.test(l));
}

describe("doctor (child process)", function () {
    this.timeout(60_000);
    let grafana: FakeGrafana;
    let slack: FakeSlack;

    afterEach(async () => {
        await grafana?.close();
        await slack?.close();
    });

    async function start(g: ConstructorParameters<typeof FakeGrafana>[0] = {}) {
        grafana = await FakeGrafana.start(g);
        slack = await FakeSlack.start();
    }

    function assertNoSecret(r: Run) {
        for (const s of [GOOD_TOKEN, grafana.opts.password, Buffer.from(grafana.auth).toString("base64")]) {
            assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), "a secret was printed");
        }
    }

    it("all checks pass: exit 0, one PASS line per check, the post landed; secrets from the environment stay unprinted", async () => {
        await start();
        const r = await doctor(
            [
                "--grafana-url",
                grafana.url,
                "--slack-api-url",
                slack.apiUrl,
                "--dashboard-uid",
                "gsa-dev",
                "--panel-id",
                "2",
                "--timing",
                FAST,
            ],
            { GRAFANA_AUTH: grafana.auth, SLACK_BOT_TOKEN: GOOD_TOKEN, SLACK_CHANNEL: "#grafana-alert" },
        );
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const lines = checklist(r.stdout);
        assert.deepEqual(
            lines.map((l) => l.split(/\s+/).slice(0, 2).join(" ")),
            [
                "PASS grafana.health",
                "PASS grafana.renderer",
                "PASS grafana.dashboard",
                "PASS grafana.render",
                "PASS slack.auth",
                "PASS slack.scopes",
                "PASS slack.channel",
                "PASS slack.upload",
                "PASS slack.landed",
            ],
        );
        assert.match(
            r.stdout,
            /All checks passed: 9 passed, 0 failed, 0 skipped\. Verified: files\.info shows F0FAKE\d+ shared in C0ALERTS01/,
        );
        assert.equal(slack.postedFiles().length, 1);
        assert.match(slack.postedFiles()[0].initialComment ?? "", /dev \(doctor\)/);
        assertNoSecret(r);
    });

    it("a failing check: exit 1, the FAIL line carries the finding and the fix; a token given as an option is not printed", async () => {
        await start({ renderMode: "placeholder" });
        const r = await doctor([
            "--grafana-url",
            grafana.url,
            "--grafana-auth",
            grafana.auth,
            "--slack-token",
            GOOD_TOKEN,
            "--slack-channel",
            "C0ALERTS01",
            "--slack-api-url",
            slack.apiUrl,
            "--timing",
            FAST,
        ]);
        assert.equal(r.code, 1, r.stdout + r.stderr);
        const lines = checklist(r.stdout);
        assert.equal(lines.length, 9);
        const fail = lines.find((l) => l.startsWith("FAIL"));
        assert.match(
            fail ?? "",
            /^FAIL {2}grafana\.render +The panel renders as a real PNG of the panel: Grafana returned a stand-in image instead of panel 1 of dashboard gsa-dash-dev: the PNG is 400x120 .*\. Fix: run again in a minute/,
        );
        assert.match(lines.find((l) => l.includes("slack.upload")) ?? "", /^SKIP .*no real image was rendered/);
        assert.equal(slack.faults.count("files.getUploadURLExternal"), 0);
        assert.match(r.stdout, /docs\/troubleshooting\.md/);
        assertNoSecret(r);
    });

    it("--routed-channels: each routed channel on its own line, a failed one with what to do; --json lists them in channels", async () => {
        await start();
        slack.channels.push(
            { id: "C0DBALERT1", name: "db-alerts", isMember: false },
            { id: "G0PRIVATE1", name: "secret-ops", isPrivate: true },
        );
        const args = ["--grafana-url", grafana.url, "--slack-api-url", slack.apiUrl, "--timing", FAST, "--slack-channel", "C0ALERTS01"];
        const env = { GRAFANA_AUTH: grafana.auth, SLACK_BOT_TOKEN: GOOD_TOKEN };
        const r = await doctor([...args, "--routed-channels", "C0DBALERT1,G0PRIVATE1"], env);
        assert.equal(r.code, 1, r.stdout + r.stderr);
        assert.match(
            checklist(r.stdout).find((l) => l.includes("slack.routes")) ?? "",
            /^FAIL {2}slack\.routes +Every routed channel has the bot, and the token its scopes: The bot is not a member of routed channel C0DBALERT1/,
        );
        const channelLines = r.stdout.split("\n").filter((l) => l.startsWith("  PASS") || l.startsWith("  FAIL"));
        assert.deepEqual(
            channelLines.map((l) => l.split(":")[0].trim()),
            ["PASS  C0ALERTS01 (slackChannel)", "FAIL  C0DBALERT1 (routed)", "PASS  G0PRIVATE1 (routed)"],
        );
        assert.match(channelLines[1], /\. Fix: invite the bot: type \/invite @grafana-slack-alerts in C0DBALERT1, then run again$/);
        assert.match(r.stdout, /Not verified: routed channel C0DBALERT1 failed/);
        assert.equal(slack.postedFiles().length, 1, "one test post, to slackChannel only");

        const j = await doctor([...args, "--json", "--no-send"], { ...env, SLACK_ROUTED_CHANNELS: "G0PRIVATE1" });
        assert.equal(j.code, 0, j.stdout + j.stderr);
        const out = JSON.parse(j.stdout);
        assert.deepEqual(
            out.channels.map((c: any) => [c.channel, c.status, c.private ?? null]),
            [
                ["C0ALERTS01", "skip", null],
                ["G0PRIVATE1", "pass", true],
            ],
        );
        assertNoSecret(r);
        assertNoSecret(j);
    });

    it("--json prints one JSON object with the checklist, and the exit code", async () => {
        await start();
        const r = await doctor(
            [
                "--json",
                "--grafana-url",
                grafana.url,
                "--grafana-auth",
                "admin:not-the-password",
                "--slack-api-url",
                slack.apiUrl,
                "--timing",
                FAST,
            ],
            {
                SLACK_BOT_TOKEN: GOOD_TOKEN,
                SLACK_CHANNEL: "C0ALERTS01",
            },
        );
        assert.equal(r.code, 1);
        const out = JSON.parse(r.stdout);
        assert.equal(out.ok, false);
        assert.equal(out.exitCode, 1);
        assert.equal(out.checks.length, 9);
        const renderer = out.checks.find((c: any) => c.id === "grafana.renderer");
        assert.equal(renderer.status, "fail");
        assert.equal(renderer.key, "grafana_auth");
        assert.match(renderer.fix, /admin credentials/);
        assert.ok(!r.stdout.includes("not-the-password"));
        assertNoSecret(r);
    });

    it("--grafana-auth takes a service account token (glsa_...), sent as Bearer and never printed", async () => {
        // (A wrong token's 401 "Invalid API key" is covered by the preflight tests.)
        const saToken = "glsa_doctorTestToken_0123456789abcdef_0a1b2c3d";
        await start({ apiToken: saToken });
        const ok = await doctor(["--json", "--no-send", "--grafana-url", grafana.url, "--grafana-auth", saToken, "--timing", FAST]);
        assert.equal(ok.code, 0, ok.stdout + ok.stderr);
        const grafanaChecks = JSON.parse(ok.stdout).checks.filter((c: any) => c.id.startsWith("grafana."));
        assert.ok(grafanaChecks.length >= 3 && grafanaChecks.every((c: any) => c.status === "pass"), JSON.stringify(grafanaChecks));
        assert.ok(
            grafanaChecks.some((c: any) => c.id === "grafana.render"),
            "rendered with the token",
        );
        assert.ok(!ok.stdout.includes(saToken) && !ok.stderr.includes(saToken));
    });

    it("--no-send runs every check but the upload", async () => {
        await start();
        const r = await doctor(["--no-send", "--json", "--grafana-url", grafana.url, "--slack-api-url", slack.apiUrl, "--timing", FAST], {
            GRAFANA_AUTH: grafana.auth,
            SLACK_BOT_TOKEN: GOOD_TOKEN,
            SLACK_CHANNEL: "#grafana-alert",
        });
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const out = JSON.parse(r.stdout);
        assert.deepEqual(
            out.checks.map((c: any) => `${c.id}:${c.status}`),
            [
                "grafana.health:pass",
                "grafana.renderer:pass",
                "grafana.dashboard:pass",
                "grafana.render:pass",
                "slack.auth:pass",
                "slack.scopes:pass",
                "slack.channel:pass",
                "slack.upload:skip",
                "slack.landed:skip",
            ],
        );
        assert.deepEqual(slack.faults.sequence(), ["auth.test", "conversations.list"]);
        assertNoSecret(r);
    });

    it("without a Slack token checks Grafana only, and a Grafana that is down fails naming its URL", async () => {
        await start({ faults: [{ endpoint: "health", status: 503, times: Infinity }] });
        const r = await doctor(["--grafana-url", grafana.url, "--health-timeout", "1", "--timing", FAST], { GRAFANA_AUTH: grafana.auth });
        assert.equal(r.code, 1);
        const lines = checklist(r.stdout);
        assert.match(
            lines[0],
            new RegExp(
                `^FAIL  grafana\\.health +Grafana is up: Grafana is not up at ${grafana.url.replace(/[.]/g, "\\.")}: .*last: HTTP 503`,
            ),
        );
        assert.equal(lines.filter((l) => l.startsWith("SKIP")).length, 8);
        assert.equal(slack.faults.count(), 0);
    });

    it("a wrong dashboard or panel, or a broken renderer, is never verified and uploads nothing", async () => {
        const cases: Array<[FakeGrafanaOptions, string[], string]> = [
            [{ dashboards: { "gsa-dash-dev": [1] } }, ["--dashboard-uid", "typo-dash"], "dashboard_not_found"],
            [{ dashboards: { "gsa-dash-dev": [1] } }, ["--panel-id", "9"], "panel_not_found"],
            [{ renderMode: "error" }, [], "render_failed"],
        ];
        for (const [g, args, key] of cases) {
            await start(g);
            const r = await doctor(["--json", "--grafana-url", grafana.url, "--slack-api-url", slack.apiUrl, "--timing", FAST, ...args], {
                GRAFANA_AUTH: grafana.auth,
                SLACK_BOT_TOKEN: GOOD_TOKEN,
                SLACK_CHANNEL: "C0ALERTS01",
            });
            assert.equal(r.code, 1, r.stdout + r.stderr);
            const out = JSON.parse(r.stdout);
            assert.equal(out.verified, false);
            assert.ok(
                out.checks.some((c: any) => c.status === "fail" && c.key === key),
                `${key}: ${r.stdout}`,
            );
            assert.equal(slack.faults.count("files.getUploadURLExternal"), 0);
            assert.equal(slack.postedFiles().length, 0);
            await grafana.close();
            await slack.close();
        }
    });

    describe("bad usage exits 2 and prints no value that could be a secret", () => {
        it("no Grafana URL", async () => {
            const r = await doctor([], { SLACK_BOT_TOKEN: GOOD_TOKEN });
            assert.equal(r.code, 2);
            assert.match(r.stderr, /no Grafana URL: pass --grafana-url or set GRAFANA_URL/);
            assert.match(r.stderr, /Usage: npm run doctor/);
            assert.ok(!r.stderr.includes(GOOD_TOKEN) && !r.stdout.includes(GOOD_TOKEN));
        });

        it("an unknown option, a stray value, a token without a channel, a bad number", async () => {
            const results = await Promise.all([
                doctor(["--grafana-url", "http://localhost:3000", "--slak-token", GOOD_TOKEN]),
                doctor(["--grafana-url", "http://localhost:3000", GOOD_TOKEN]),
                doctor(["--grafana-url", "http://localhost:3000", "--slack-token", GOOD_TOKEN]),
                doctor(["--grafana-url", "http://localhost:3000", "--panel-id", "two"]),
                doctor(["--grafana-url", "http://admin:pw-in-url-secret@localhost:3000"]),
                doctor(["--grafana-url", "http://localhost:3000", "--width", "640"]),
                doctor(["--grafana-url", "http://localhost:3000", "--slack-channel", "C0123A"]),
            ]);
            const messages = [
                /unknown option --slak-token/,
                /unexpected argument/,
                /a Slack token needs a channel/,
                /--panel-id must be a positive whole number/,
                /must not contain credentials/,
                /--width must be a whole number of pixels from 1000 to 3000: renderer v5 clamps .*, got 640/,
                /--slack-channel \/ SLACK_CHANNEL must be a channel ID \(C, G, D or Z followed by at least 8 capital letters or digits/,
            ];
            results.forEach((r, i) => {
                assert.equal(r.code, 2, r.stderr);
                assert.match(r.stderr, messages[i]);
                assert.ok(!r.stderr.includes(GOOD_TOKEN) && !r.stdout.includes(GOOD_TOKEN), `token printed in case ${i}`);
                assert.ok(!r.stderr.includes("pw-in-url-secret"));
            });
        });

        it("--help exits 0", async () => {
            const r = await doctor(["--help"]);
            assert.equal(r.code, 0);
            assert.match(r.stdout, /--no-send/);
        });
    });
});
