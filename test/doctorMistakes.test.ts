// `npm run doctor` on a newcomer's first tries, as a person runs it (a child process): a
// Slack it cannot reach is not a rejected token, a token the stack would refuse is refused
// here too, a direct-message ID is no alert channel, and a usage error is the error and a
// pointer to --help, not the whole usage text.
import { strict as assert } from "node:assert";
import * as net from "node:net";
import { runDoctor } from "./harness/doctorProcess";
import { USAGE } from "../bin/doctor";

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((r) => srv.close(r));
    return port;
}

// Never a real token: only its type prefix may ever be shown.
const USER_TOKEN = "xoxp-1111-2222-not-a-real-user-token";
const BOT_TOKEN = "xoxb-1111-2222-not-a-real-bot-token";

describe("doctor: a newcomer's first runs", function () {
    this.timeout(30_000);

    it("Slack not reachable (no such host) says so, never 'the token was rejected'", async () => {
        const r = await runDoctor(
            [
                "--grafana-url",
                `http://127.0.0.1:${await closedPort()}`,
                "--slack-channel",
                "C0123ABCDE",
                // .invalid never resolves (RFC 6761): ENOTFOUND, or EAI_AGAIN without any DNS.
                "--slack-api-url",
                "http://slack.invalid/api/",
                "--timing",
                '{"slackRetryMinMs":10,"slackRetryMaxMs":20}',
            ],
            { SLACK_BOT_TOKEN: BOT_TOKEN },
        );
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stdout, /^FAIL {2}slack\.auth .*Cannot reach the Slack API for auth\.test/m);
        assert.match(r.stdout, /^SKIP {2}slack\.scopes .*skipped: Slack could not be reached$/m);
        assert.match(r.stdout, /Not verified: .*Slack could not be reached/);
        assert.doesNotMatch(r.stdout, /token was rejected/);
    });

    it("a user token (xoxp-) is refused as the stack refuses it, showing only its prefix", async () => {
        const r = await runDoctor(["--grafana-url", "http://localhost:3000", "--slack-token", USER_TOKEN, "--slack-channel", "C0123ABCDE"]);
        assert.equal(r.code, 2);
        assert.equal(
            r.stderr,
            "doctor: --slack-token / SLACK_BOT_TOKEN is a token starting with xoxp- (not a bot token); pass a bot token starting with xoxb- " +
                "(OAuth & Permissions → Bot User OAuth Token)\nEvery option: npm run doctor -- --help\n",
        );
        assert.ok(!r.stdout.includes(USER_TOKEN));
    });

    it("a direct-message ID (D…) is refused with the reason, for --slack-channel and --routed-channels", async () => {
        for (const args of [
            ["--slack-channel", "D0123ABCDE"],
            ["--slack-channel", "C0123ABCDE", "--routed-channels", "C0456ABCDE,D0123ABCDE"],
        ]) {
            const r = await runDoctor(["--grafana-url", "http://localhost:3000", ...args], { SLACK_BOT_TOKEN: BOT_TOKEN });
            assert.equal(r.code, 2, r.stderr);
            assert.match(
                r.stderr,
                /D0123ABCDE: D… is a direct message: alerts go to a channel \(C… public, G… private\).*im:read and im:history/,
            );
        }
    });

    it("plain `npm run doctor`: the error and a pointer to --help, not the usage text", async () => {
        const r = await runDoctor([]);
        assert.equal(r.code, 2);
        assert.equal(
            r.stderr,
            "doctor: no Grafana URL: pass --grafana-url or set GRAFANA_URL (e.g. http://localhost:3000)\nEvery option: npm run doctor -- --help\n",
        );
        assert.ok(USAGE.split("\n").length > 30, "the usage text it no longer prints is long");
        const help = await runDoctor(["--help"]);
        assert.equal(help.stdout, `${USAGE}\n`);
    });
});
