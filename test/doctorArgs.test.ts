// doctor's command line (node:util parseArgs underneath), parsed in process: every option
// reaches the options, every mistake is a usage error naming the option, and no value that
// could be a token is ever echoed. The same errors through the real process (exit 2, usage
// on stderr) are covered in doctor.test.ts.
import { strict as assert } from "node:assert";
import { OPTION_NAMES, USAGE, parseArgs } from "../bin/doctor";

const URL = ["--grafana-url", "http://localhost:3000"];
const TOKEN = "xoxb-1111-2222-doctorArgsSecretToken";

function usageError(argv: string[], env: NodeJS.ProcessEnv = {}): string {
    try {
        parseArgs(argv, env);
    } catch (e) {
        return (e as Error).message;
    }
    return assert.fail(`expected a usage error for ${argv.join(" ")}`);
}

function parsed(argv: string[], env: NodeJS.ProcessEnv = {}) {
    const r = parseArgs(argv, env);
    assert.ok(r !== "help");
    return r;
}

describe("doctor: command line", () => {
    it("an unknown option is named, with the options allowed, and its value is never shown", () => {
        for (const argv of [
            [...URL, "--slak-token", TOKEN],
            [...URL, `--slak-token=${TOKEN}`],
        ]) {
            const m = usageError(argv);
            assert.match(m, /^unknown option --slak-token; the options are --grafana-url, --grafana-auth, --slack-token, /);
            assert.match(m, /--all-rules, -h\/--help$/);
            assert.ok(!m.includes(TOKEN), m);
        }
        // Something pasted where an option belongs is not echoed even as a name.
        const pasted = usageError([...URL, `--${TOKEN}`]);
        assert.match(pasted, /^unknown option \(not shown: it does not look like an option name\)/);
        assert.ok(!pasted.includes("doctorArgsSecretToken"), pasted);
        assert.match(usageError([...URL, "-x"]), /^unknown option -x; /);
    });

    it("a stray value, a flag given a value, a value option without one: errors that echo no value", () => {
        const cases: Array<[string[], RegExp]> = [
            [[...URL, TOKEN], /^unexpected argument \(options start with --\)$/],
            [[...URL, "--", TOKEN], /^unexpected argument/],
            [[...URL, `--json=${TOKEN}`], /^--json takes no value$/],
            [[...URL, `--no-send=${TOKEN}`], /^--no-send takes no value$/],
            [[...URL, "--stack"], /^--stack needs a value$/],
            [[...URL, "--slack-channel", "--json"], /^--slack-channel needs a value$/],
            [["--grafana-url", "--slack-token", TOKEN], /^--grafana-url needs a value$/],
            [[...URL, "--slack-token"], /^--slack-token needs a value$/],
        ];
        for (const [argv, message] of cases) {
            const m = usageError(argv, { SLACK_CHANNEL: "C0ALERTS01" });
            assert.match(m, message, argv.join(" "));
            assert.ok(!m.includes(TOKEN), m);
        }
    });

    it("a secret may start with --; any option may be given as --name=value, the last one wins", () => {
        const r = parsed([...URL, "--grafana-auth", "--admin:pw", "--slack-token", "xoxb--1", "--slack-channel", "C0ALERTS01"]);
        assert.equal(r.options.grafanaAuth, "--admin:pw");
        assert.equal(r.options.slackToken, "xoxb--1");
        // Taken as the token's value (not "needs a value"), then refused as no bot token, unshown.
        assert.equal(
            usageError([...URL, "--slack-token", "--xoxb-secret", "--slack-channel", "C0ALERTS01"]),
            "--slack-token / SLACK_BOT_TOKEN is a value that is not a Slack token; pass a bot token starting with xoxb- (OAuth & Permissions → Bot User OAuth Token)",
        );
        const inline = parsed([
            "--grafana-url=http://grafana:3000",
            "--stack=prod",
            "--stack=staging",
            "--panel-id=3",
            "--width=1200",
            "--rule=a,b",
        ]);
        assert.equal(inline.options.grafanaUrl, "http://grafana:3000");
        assert.equal(inline.options.stackName, "staging (doctor)");
        assert.equal(inline.options.panelId, 3);
        assert.equal(inline.options.width, 1200);
        assert.deepEqual(inline.rules, ["a", "b"]);
        // An empty value is no value (and hides the environment's, as a given option does).
        assert.match(usageError(["--grafana-url="], { GRAFANA_URL: "http://env:3000" }), /^no Grafana URL/);
    });

    it("flags: --no-send, --json, --all-rules, --alert; -h and --help win over what follows them", () => {
        const r = parsed([...URL, "--no-send", "--json", "--all-rules"]);
        assert.equal(r.options.send, false);
        assert.equal(r.json, true);
        assert.equal(r.rules, "all");
        const defaults = parsed(URL);
        assert.equal(defaults.options.send, true);
        assert.equal(defaults.json, false);
        assert.equal(defaults.rules, undefined);
        const env = { SLACK_BOT_TOKEN: TOKEN, SLACK_CHANNEL: "C0ALERTS01" };
        assert.equal(parsed([...URL, "--alert"], env).options.alertTimeoutMs, 300_000);
        assert.equal(parseArgs(["-h", "--bogus"], {}), "help");
        assert.equal(parseArgs([...URL, "--help", TOKEN], {}), "help");
        assert.match(usageError(["--bogus", "--help"]), /^unknown option --bogus/);
    });

    it("--help lists exactly the options the parser accepts", () => {
        const listed = new Set(USAGE.split("Options")[1].match(/(?<![\w-])--?[a-z][a-z-]*/g));
        listed.delete("-h");
        listed.delete("--help");
        const accepted = OPTION_NAMES.filter((o) => o !== "-h/--help");
        assert.deepEqual([...listed].sort(), [...accepted].sort());
        assert.match(USAGE, /^ {2}-h, --help /m);
    });
});

describe("doctor: --routed-channels", () => {
    it("takes a comma-separated list (or SLACK_ROUTED_CHANNELS), needs a token, and echoes no value", () => {
        const env = { SLACK_BOT_TOKEN: TOKEN, SLACK_CHANNEL: "C0ALERTS01" };
        assert.deepEqual(parsed([...URL, "--routed-channels", "C0DBALERT1, #web-alerts"], env).options.routedChannels, [
            "C0DBALERT1",
            "#web-alerts",
        ]);
        assert.deepEqual(parsed(URL, { ...env, SLACK_ROUTED_CHANNELS: "G0PRIVATE1" }).options.routedChannels, ["G0PRIVATE1"]);
        assert.equal(parsed(URL, env).options.routedChannels, undefined);
        const bad = usageError([...URL, "--routed-channels", `C0DBALERT1,${TOKEN}`], env);
        assert.match(bad, /^--routed-channels \/ SLACK_ROUTED_CHANNELS must be a comma-separated list, each a channel ID/);
        assert.ok(!bad.includes(TOKEN), bad);
        assert.match(usageError([...URL, "--routed-channels", "C0DBALERT1"]), /^--routed-channels needs a Slack token/);
    });
});
