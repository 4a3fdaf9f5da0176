// The shared verification (components/verify/checks.ts) against the fake Grafana and
// fake Slack over real HTTP, with the real @slack/web-api client. Each test asserts the
// outcome, the requests actually sent (against the protocol minimum) and that no
// secret reaches any message.
import { strict as assert } from "node:assert";
import { runVerification, fatalFailures, type VerificationReport, type VerifyOptions } from "../components/verify/checks";
import { makeScrubber } from "../components/shared/messages";
import { readPngHeader } from "../components/verify/png";
import { expectedRenderSize, grafanaGet, renderPanel, sizeProblem } from "../components/verify/grafanaChecks";
import { resolveTiming, type VerifyTiming } from "../components/shared/timing";
import {
    ALL_SCOPES,
    FAST_TIMING,
    FakeGrafana,
    FakeSlack,
    GOOD_TOKEN,
    makePng,
    protocolMinimum,
    type FakeGrafanaOptions,
    type FakeSlackOptions,
    verifyOptionsFor,
} from "./fakes";

/** Small waits so the suite stays fast; bounds stay explicit. */
const FAST: Partial<VerifyTiming> = FAST_TIMING;

const SECRET_TOKENS = [
    GOOD_TOKEN,
    "xoxb-revoked-9876543210-zyxwvutsrqponm",
    "xoxb-inactive-5555555555-qwertyuiopasdf",
    "xoxb-narrow-1111111111-lkjhgfdsazxcvb",
];

function assertNoSecrets(report: VerificationReport, grafana: FakeGrafana): void {
    const text = JSON.stringify(report);
    for (const s of [...SECRET_TOKENS, grafana.opts.password, grafana.auth, Buffer.from(grafana.auth).toString("base64")]) {
        assert.ok(!text.includes(s), `report contains a secret (${s.slice(0, 8)}...)`);
    }
}

function check(report: VerificationReport, id: string) {
    const c = report.checks.find((x) => x.id === id);
    assert.ok(c, `no check ${id}`);
    return c;
}

describe("verification checks (fake Grafana + fake Slack over HTTP)", () => {
    let grafana: FakeGrafana;
    let slack: FakeSlack;

    async function start(g: FakeGrafanaOptions = {}, s: FakeSlackOptions = {}) {
        grafana = await FakeGrafana.start(g);
        slack = await FakeSlack.start({
            tokens: {
                [GOOD_TOKEN]: { scopes: [...ALL_SCOPES] },
                [SECRET_TOKENS[1]]: { scopes: [...ALL_SCOPES], error: "token_revoked" },
                [SECRET_TOKENS[2]]: { scopes: [...ALL_SCOPES], error: "account_inactive" },
            },
            ...s,
        });
    }

    function options(over: Partial<VerifyOptions> = {}): VerifyOptions {
        return verifyOptionsFor(grafana, slack, {
            timing: FAST,
            ...over,
        });
    }

    afterEach(async () => {
        await grafana?.close();
        await slack?.close();
    });

    describe("the happy path", () => {
        it("renders, uploads and confirms with exactly the minimum requests", async () => {
            await start();
            const report = await runVerification(options());
            assert.equal(report.ok, true, JSON.stringify(report.failures));
            assert.equal(report.verified, true);
            assert.match(report.verifiedHow, /^files\.info shows F0FAKE\d+ shared in C0ALERTS01/);
            // The panel, then the reference it must differ from: a panel the dashboard does not have.
            assert.deepEqual(grafana.faults.sequence(), ["health", "settings", "dashboard", "render", "render"]);
            assert.deepEqual(slack.faults.sequence(), [
                "auth.test",
                "files.getUploadURLExternal",
                "upload",
                "files.completeUploadExternal",
                "files.info",
            ]);
            assert.deepEqual({ grafana: grafana.faults.counts(), slack: slack.faults.counts() }, protocolMinimum());
            assert.deepEqual(report.image && { w: report.image.width, h: report.image.height }, { w: 1000, h: 500 });
            assert.deepEqual(grafana.renders, [
                { uid: "gsa-dev", panelId: 2, width: 1000, height: 500, scale: 1, timeout: 1 },
                { uid: "gsa-dev", panelId: 1002, width: 1000, height: 500, scale: 1, timeout: 1 },
            ]);
            const content = report.image?.content;
            assert.equal(content?.verdict, "panel");
            assert.ok(content!.references[0].difference > 0.05, JSON.stringify(content));
            const [posted] = slack.postedFiles();
            assert.equal(report.slack?.fileId, posted.id);
            assert.equal(report.slack?.channelId, "C0ALERTS01");
            assert.equal(report.slack?.messageTs, posted.ts);
            assert.match(report.slack?.permalink ?? "", /^https:\/\/fake-workspace\.slack\.test\/files\//);
            // What reached Slack is the rendered PNG itself, with a comment naming the stack.
            assert.equal(posted.bytes?.length, report.image?.bytes);
            assert.deepEqual(readPngHeader(posted.bytes!), { ok: true, width: 1000, height: 500 });
            assert.match(posted.initialComment ?? "", /grafana-slack-alerts\/dev/);
            assert.ok(report.checks.every((c) => c.status === "pass"));
            assertNoSecrets(report, grafana);
        });

        it("renders at the requested size", async () => {
            await start();
            const report = await runVerification(options({ width: 1600, height: 900 }));
            assert.equal(report.ok, true);
            assert.deepEqual([report.image?.width, report.image?.height], [1600, 900]);
            assert.deepEqual(readPngHeader(slack.postedFiles()[0].bytes!), { ok: true, width: 1600, height: 900 });
        });

        it("looks a #name up with conversations.list, following pages, and uses the ID", async () => {
            await start(
                {},
                {
                    channelsPageSize: 2,
                    channels: [
                        { id: "C0AAAAAA01", name: "general" },
                        { id: "C0AAAAAA02", name: "random" },
                        { id: "C0AAAAAA03", name: "ops" },
                        { id: "C0ALERTS01", name: "grafana-alert" },
                        { id: "C0AAAAAA05", name: "zzz" },
                    ],
                },
            );
            const report = await runVerification(options({ slackChannel: "#grafana-alert" }));
            assert.equal(report.ok, true, JSON.stringify(report.failures));
            assert.equal(report.slack?.channelId, "C0ALERTS01");
            assert.deepEqual(slack.faults.counts(), protocolMinimum({ channelPages: 2 }).slack);
            assert.equal(slack.postedFiles()[0].channelId, "C0ALERTS01");
        });

        it("asks conversations.list for pages under Slack's limit of 1000 (the fake refuses 1000 like Slack, fakes.test.ts)", async () => {
            await start();
            const seen: string[] = [];
            const orig = (slack as any).call.bind(slack);
            (slack as any).call = (m: string, p: Record<string, string>, t: unknown) => {
                if (m === "conversations.list") seen.push(p.limit);
                return orig(m, p, t);
            };
            const report = await runVerification(options({ slackChannel: "#grafana-alert" }));
            assert.equal(report.ok, true, JSON.stringify(report.failures));
            assert.deepEqual(seen, ["200"]);
        });

        it("polls files.info until sharing completes", async () => {
            await start({}, { shareAfterPolls: 3 });
            const report = await runVerification(options());
            assert.equal(report.verified, true);
            assert.deepEqual(slack.faults.counts(), protocolMinimum({ sharePolls: 4 }).slack);
            assert.equal(report.slack?.polls, 4);
        });

        it("treats file_not_found right after completion as not shared yet", async () => {
            await start({}, { faults: [{ endpoint: "files.info", slackError: "file_not_found" }] });
            const report = await runVerification(options());
            assert.equal(report.verified, true, JSON.stringify(report.failures));
            assert.equal(slack.faults.count("files.info"), 2);
        });

        it("uses conversations.history when the token has history but not files:read", async () => {
            await start(
                {},
                { tokens: { [GOOD_TOKEN]: { scopes: ["chat:write", "files:write", "channels:history"] } }, shareAfterPolls: 1 },
            );
            const report = await runVerification(options());
            assert.equal(report.verified, true, JSON.stringify(report.failures));
            assert.match(report.verifiedHow, /^conversations\.history shows message \S+ in C0ALERTS01 carrying F0FAKE/);
            assert.equal(slack.faults.count("files.info"), 0);
            assert.equal(slack.faults.count("conversations.history"), 2);
        });

        it("without a Slack token runs only the Grafana checks", async () => {
            await start();
            const report = await runVerification(options({ slackToken: undefined }));
            assert.equal(report.ok, true);
            assert.equal(report.verified, false);
            assert.match(report.verifiedHow, /no Slack token/);
            assert.equal(slack.faults.count(), 0);
            assert.deepEqual(
                report.checks.filter((c) => c.status === "skip").map((c) => c.id),
                ["slack.auth", "slack.scopes", "slack.channel", "slack.upload", "slack.landed"],
            );
        });

        it("with send: false checks everything but posts nothing", async () => {
            await start();
            const report = await runVerification(options({ send: false, slackChannel: "#grafana-alert" }));
            assert.equal(report.ok, true);
            assert.equal(report.verified, false);
            assert.deepEqual(slack.faults.sequence(), ["auth.test", "conversations.list"]);
            assert.equal(check(report, "slack.upload").status, "skip");
        });
    });

    describe("did it land", () => {
        it("does not claim success when the token may not look: verified false, says which scope to add", async () => {
            await start({}, { tokens: { [GOOD_TOKEN]: { scopes: ["chat:write", "files:write"] } } });
            const report = await runVerification(options());
            assert.equal(report.verified, false);
            assert.equal(report.ok, false);
            const landed = check(report, "slack.landed");
            assert.equal(landed.key, "verify_scope_missing");
            assert.match(landed.fix ?? "", /add files:read/);
            assert.match(report.verifiedHow, /^not verified: /);
            // Posted, but no look was attempted without the scope; not fatal for a deployment.
            assert.equal(slack.postedFiles().length, 1);
            assert.equal(slack.faults.count("files.info") + slack.faults.count("conversations.history"), 0);
            assert.deepEqual(fatalFailures(report), []);
            assert.equal(report.slack?.fileId, slack.postedFiles()[0].id);
        });

        it("when scopes are not reported, tries files.info, then history, then reports unverified", async () => {
            await start({}, { sendScopesHeader: false, tokens: { [GOOD_TOKEN]: { scopes: ["chat:write", "files:write"] } } });
            const report = await runVerification(options());
            assert.equal(report.verified, false);
            assert.equal(check(report, "slack.landed").key, "verify_scope_missing");
            assert.equal(slack.faults.count("files.info"), 1);
            assert.equal(slack.faults.count("conversations.history"), 1);
        });

        it("fails with share_timeout when the file never shows as shared, after a bounded number of polls", async () => {
            await start({}, { shareAfterPolls: 1_000_000 });
            const report = await runVerification(options({ timing: { ...FAST, shareTimeoutMs: 150 } }));
            const landed = check(report, "slack.landed");
            assert.equal(landed.status, "fail");
            assert.equal(landed.key, "share_timeout");
            assert.match(landed.finding, /Slack did not show file F0FAKE\d+ in C0ALERTS01/);
            assert.equal(report.slack?.polls, undefined);
            const polls = slack.faults.count("files.info");
            assert.ok(polls >= 2 && polls < 100, `polls: ${polls}`);
            assert.equal(fatalFailures(report).length, 1);
        });
    });

    describe("Slack errors a person can act on", () => {
        for (const [label, token, key] of [
            ["an unknown token", "xoxb-unknown-0000000000-nothingatallx", "invalid_auth"],
            ["a revoked token", SECRET_TOKENS[1], "token_revoked"],
            ["a deactivated account", SECRET_TOKENS[2], "account_inactive"],
        ] as const) {
            it(`${label}: ${key}, reinstall the app, nothing else sent`, async () => {
                await start();
                const report = await runVerification(options({ slackToken: token }));
                const auth = check(report, "slack.auth");
                assert.equal(auth.status, "fail");
                assert.equal(auth.key, key);
                assert.match(auth.finding, new RegExp(`auth\\.test returned ${key}`));
                assert.match(auth.fix ?? "", /reinstall the Slack app/);
                assert.deepEqual(slack.faults.sequence(), ["auth.test"]);
                assert.ok(!JSON.stringify(report).includes(token));
                assertNoSecrets(report, grafana);
            });
        }

        it("not_authed", async () => {
            await start({}, { faults: [{ endpoint: "auth.test", slackError: "not_authed" }] });
            const report = await runVerification(options());
            assert.equal(check(report, "slack.auth").key, "not_authed");
            assert.match(report.failures[0].message, /Next step: set slackToken/);
        });

        it("missing_scope from the granted scopes: lists needed and granted, posts nothing", async () => {
            await start({}, { tokens: { [SECRET_TOKENS[3]]: { scopes: ["chat:write", "channels:read"] } } });
            const report = await runVerification(options({ slackToken: SECRET_TOKENS[3] }));
            const scopes = check(report, "slack.scopes");
            assert.equal(scopes.key, "missing_scope");
            assert.match(scopes.finding, /needed: files:write; granted: chat:write, channels:read/);
            assert.match(scopes.fix ?? "", /add files:write .*reinstall the app/);
            assert.equal(slack.faults.count("files.getUploadURLExternal"), 0);
            assertNoSecrets(report, grafana);
        });

        it("missing_scope from the API itself (scopes not reported)", async () => {
            await start({}, { sendScopesHeader: false, tokens: { [GOOD_TOKEN]: { scopes: ["chat:write"] } } });
            const report = await runVerification(options());
            const upload = check(report, "slack.upload");
            assert.equal(upload.key, "missing_scope");
            assert.match(upload.finding, /needed: files:write; granted: chat:write/);
        });

        it("not_in_channel from the upload: invite the bot", async () => {
            await start({}, { channels: [{ id: "C0ALERTS01", name: "grafana-alert", isMember: false }] });
            const report = await runVerification(options());
            const upload = check(report, "slack.upload");
            assert.equal(upload.key, "not_in_channel");
            assert.equal(upload.finding, "The bot is not a member of C0ALERTS01: files.completeUploadExternal returned not_in_channel");
            assert.match(upload.fix ?? "", /\/invite @<app name> in C0ALERTS01/);
            assert.equal(slack.postedFiles().length, 0);
            // The file Slack created is kept for cleanup, and the refusal is not retried.
            assert.match(report.slack?.fileId ?? "", /^F0FAKE/);
            assert.equal(slack.faults.count("files.completeUploadExternal"), 1);
        });

        it("not_in_channel seen in conversations.list stops before uploading", async () => {
            await start({}, { channels: [{ id: "C0ALERTS01", name: "grafana-alert", isMember: false }] });
            const report = await runVerification(options({ slackChannel: "#grafana-alert" }));
            assert.equal(check(report, "slack.channel").key, "not_in_channel");
            assert.match(check(report, "slack.channel").fix ?? "", /\/invite @<app name> in #grafana-alert/);
            assert.equal(slack.faults.count("files.getUploadURLExternal"), 0);
        });

        it("channel_not_found for an unknown ID: use the channel ID, check the workspace", async () => {
            await start();
            const report = await runVerification(options({ slackChannel: "C0NOSUCH99" }));
            const upload = check(report, "slack.upload");
            assert.equal(upload.key, "channel_not_found");
            assert.match(upload.fix ?? "", /use the channel ID/);
        });

        it("channel_not_found for an unknown #name", async () => {
            await start();
            const report = await runVerification(options({ slackChannel: "#nope" }));
            const ch = check(report, "slack.channel");
            assert.equal(ch.key, "channel_not_found");
            assert.match(ch.finding, /no channel of that name among the 1 the token can see/);
        });

        it("a #name without channels:read/groups:read: says to use the ID, lists nothing", async () => {
            await start({}, { tokens: { [GOOD_TOKEN]: { scopes: ["chat:write", "files:write", "files:read"] } } });
            const report = await runVerification(options({ slackChannel: "#grafana-alert" }));
            assert.equal(check(report, "slack.channel").key, "channel_name_needs_id");
            assert.equal(slack.faults.count("conversations.list"), 0);
            assert.equal(slack.faults.count("files.getUploadURLExternal"), 0);
        });

        it("a missing channel with a token", async () => {
            await start();
            const report = await runVerification(options({ slackChannel: undefined }));
            assert.equal(check(report, "slack.channel").key, "channel_missing");
        });
    });

    describe("every routed channel (slackRoutes): looked at, not posted to", () => {
        const CHANNELS = [
            { id: "C0ALERTS01", name: "grafana-alert" },
            { id: "C0DBALERT1", name: "db-alerts" },
            { id: "G0PRIVATE1", name: "secret-ops", isPrivate: true },
            { id: "C0WEBALRT1", name: "web-alerts" },
        ];
        const ROUTED = ["C0DBALERT1", "G0PRIVATE1", "#web-alerts", "C0ALERTS01", "C0DBALERT1"];
        const route = (report: VerificationReport, channel: string) => {
            const c = report.channels?.find((x) => x.channel === channel);
            assert.ok(c, `no channel entry for ${channel}`);
            return c;
        };

        it("all channels good: one conversations.info per routed channel, one test post, each channel reported", async () => {
            await start({}, { channels: CHANNELS });
            const report = await runVerification(options({ routedChannels: ROUTED }));
            assert.equal(report.ok, true, JSON.stringify(report.failures));
            assert.equal(report.verified, true);
            // slackChannel and repeats are not looked at again; the #name is resolved first.
            assert.equal(slack.faults.count("conversations.info"), 3);
            assert.equal(slack.faults.count("conversations.list"), 1);
            assert.equal(slack.faults.count("files.completeUploadExternal"), 1);
            assert.deepEqual(
                slack.postedFiles().map((f) => f.channelId),
                ["C0ALERTS01"],
            );
            assert.deepEqual(
                report.channels?.map((c) => [c.channel, c.role, c.status, c.id, c.private ?? null]),
                [
                    ["C0ALERTS01", "slackChannel", "pass", "C0ALERTS01", null],
                    ["C0DBALERT1", "route", "pass", "C0DBALERT1", false],
                    ["G0PRIVATE1", "route", "pass", "G0PRIVATE1", true],
                    ["#web-alerts", "route", "pass", "C0WEBALRT1", false],
                ],
            );
            assert.match(
                route(report, "G0PRIVATE1").finding,
                /private, the bot is a member, the token has chat:write, files:write, groups:read/,
            );
            assert.equal(check(report, "slack.routes").status, "pass");
        });

        it("a routed channel the bot is not in: invite the bot there; verified false naming the channel, the test post still made", async () => {
            await start({}, { channels: [...CHANNELS.slice(0, 1), { id: "C0DBALERT1", name: "db-alerts", isMember: false }] });
            const report = await runVerification(options({ routedChannels: ["C0DBALERT1"] }));
            const db = route(report, "C0DBALERT1");
            assert.deepEqual([db.status, db.key, db.member], ["fail", "route_not_member", false]);
            assert.match(db.finding, /The bot is not a member of routed channel C0DBALERT1: conversations\.info shows is_member false/);
            assert.equal(db.fix, "invite the bot: type /invite @grafana-slack-alerts in C0DBALERT1, then run again");
            assert.equal(route(report, "C0ALERTS01").status, "pass");
            assert.equal(check(report, "slack.routes").key, "route_not_member");
            assert.equal(report.verified, false);
            assert.match(
                report.verifiedHow,
                /^not verified: routed channel C0DBALERT1 failed \(slack\.routes\); the test post: files\.info shows/,
            );
            // Fatal: Grafana's alerts for that channel would be refused.
            assert.deepEqual(
                fatalFailures(report).map((f) => f.key),
                ["route_not_member"],
            );
            assert.equal(slack.postedFiles().length, 1);
        });

        it("an archived routed channel: unarchive it or route elsewhere; found before membership; a #name of one is not found", async () => {
            // Archived and the bot no longer in it: archived is the finding (no one can be invited there).
            const archived = { id: "C0DBALERT1", name: "db-alerts", isArchived: true, isMember: false };
            await start({}, { channels: [CHANNELS[0], archived] });
            const report = await runVerification(options({ routedChannels: ["C0DBALERT1", "#db-alerts"] }));
            const db = route(report, "C0DBALERT1");
            assert.deepEqual([db.status, db.key], ["fail", "route_archived"]);
            assert.match(db.finding, /^Routed channel C0DBALERT1 is archived: conversations\.info shows is_archived true/);
            assert.match(db.fix ?? "", /^unarchive C0DBALERT1 in Slack .*or route those alerts to another channel in slackRoutes/);
            // conversations.list with exclude_archived does not show it by name.
            assert.deepEqual([route(report, "#db-alerts").status, route(report, "#db-alerts").key], ["fail", "channel_not_found"]);
            assert.deepEqual(
                fatalFailures(report).map((f) => f.key),
                ["route_archived", "channel_not_found"],
            );
            assert.equal(report.verified, false);
            assert.match(report.verifiedHow, /routed channels C0DBALERT1, #db-alerts failed/);
        });

        it("a private channel created since March 2021 (C ID: is_channel true, is_group false): told private by is_private", async () => {
            await start({}, { channels: [CHANNELS[0], { id: "C0PRIVNEW1", name: "sre-private", isPrivate: true }] });
            // Slack's shape for such a channel, over HTTP with the real client.
            const { WebClient } = await import("@slack/web-api");
            const client = new WebClient(GOOD_TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
            const info: any = (await client.conversations.info({ channel: "C0PRIVNEW1" })).channel;
            assert.deepEqual([info.is_channel, info.is_group, info.is_private], [true, false, true]);
            const report = await runVerification(options({ routedChannels: ["C0PRIVNEW1"] }));
            const c = route(report, "C0PRIVNEW1");
            assert.deepEqual([c.status, c.private], ["pass", true]);
            assert.match(c.finding, /private, the bot is a member, the token has chat:write, files:write, groups:read/);
        });

        it("a private channel without groups:read: add the scope and reinstall", async () => {
            const narrow = ALL_SCOPES.filter((s) => s !== "groups:read");
            await start({}, { channels: CHANNELS, tokens: { [GOOD_TOKEN]: { scopes: narrow } } });
            const report = await runVerification(options({ routedChannels: ["G0PRIVATE1", "C0DBALERT1"] }));
            const priv = route(report, "G0PRIVATE1");
            assert.deepEqual([priv.status, priv.key, priv.private], ["fail", "route_scope_missing", true]);
            assert.match(
                priv.finding,
                /^The Slack token lacks groups:read for routed channel G0PRIVATE1: conversations\.info needs groups:read to look at a private channel; granted: chat:write,files:write/,
            );
            assert.match(priv.fix ?? "", /^add groups:read under OAuth & Permissions > Bot Token Scopes .*reinstall the app/);
            // The public one is fine with channels:read.
            assert.equal(route(report, "C0DBALERT1").status, "pass");
            assert.equal(report.verified, false);
            assert.match(report.verifiedHow, /routed channel G0PRIVATE1 failed/);
        });

        it("a private channel the bot is not in is invisible (channel_not_found): invite the bot, or fix the ID", async () => {
            await start({}, { channels: [CHANNELS[0], { id: "G0PRIVATE1", name: "secret-ops", isPrivate: true, isMember: false }] });
            const report = await runVerification(options({ routedChannels: ["G0PRIVATE1", "C0NOSUCH01"] }));
            for (const ch of ["G0PRIVATE1", "C0NOSUCH01"]) {
                const c = route(report, ch);
                assert.deepEqual([c.status, c.key], ["fail", "route_channel_hidden"]);
                assert.match(c.fix ?? "", new RegExp(`^if ${ch} is private, invite the bot: type /invite @grafana-slack-alerts in it`));
            }
            // Each channel is its own failure, so pulumi up lists each on its own line.
            assert.deepEqual(
                report.failures.map((f) => f.key),
                ["route_channel_hidden", "route_channel_hidden"],
            );
            assert.match(report.verifiedHow, /routed channels G0PRIVATE1, C0NOSUCH01 failed/);
        });

        it("a public routed channel without channels:read: named with the scope to add", async () => {
            const narrow = ALL_SCOPES.filter((s) => s !== "channels:read");
            await start({}, { channels: CHANNELS, tokens: { [GOOD_TOKEN]: { scopes: narrow } } });
            const report = await runVerification(options({ routedChannels: ["C0DBALERT1"] }));
            const db = route(report, "C0DBALERT1");
            assert.deepEqual([db.key, db.private], ["route_scope_missing", false]);
            assert.match(
                db.finding,
                /lacks channels:read for routed channel C0DBALERT1: conversations\.info needs channels:read to look at a public channel/,
            );
        });

        it("without a token the routed channels are skipped like every Slack check; with --no-send they are still looked at", async () => {
            await start({}, { channels: CHANNELS });
            const none = await runVerification(options({ slackToken: undefined, routedChannels: ["C0DBALERT1"] }));
            assert.equal(check(none, "slack.routes").status, "skip");
            assert.deepEqual(
                [route(none, "C0DBALERT1").status, route(none, "C0DBALERT1").finding],
                ["skip", "skipped: no Slack token given"],
            );
            const rejected = await runVerification(
                options({ slackToken: "xoxb-unknown-0000000000-nothingatallx", routedChannels: ["C0DBALERT1"] }),
            );
            assert.equal(route(rejected, "C0DBALERT1").finding, "skipped: the token was rejected");
            const noSend = await runVerification(options({ send: false, routedChannels: ["C0DBALERT1"] }));
            assert.equal(route(noSend, "C0DBALERT1").status, "pass");
            assert.equal(route(noSend, "C0ALERTS01").status, "skip");
            assert.equal(slack.postedFiles().length, 0);
        });

        it("no routed channels: no slack.routes check, no channels list, no extra request", async () => {
            await start();
            const report = await runVerification(options());
            assert.equal(report.channels, undefined);
            assert.ok(!report.checks.some((c) => c.id === "slack.routes"));
            assert.equal(slack.faults.count("conversations.info"), 0);
        });
    });

    describe("rate limits and retries are bounded", () => {
        it("429 with Retry-After: waits and retries the same call once", async () => {
            await start(
                {},
                {
                    faults: [
                        { endpoint: "auth.test", status: 429, retryAfter: 0 },
                        { endpoint: "files.info", status: 429, retryAfter: 0, times: 2 },
                    ],
                },
            );
            const report = await runVerification(options());
            assert.equal(report.verified, true, JSON.stringify(report.failures));
            assert.equal(slack.faults.count("auth.test"), 2);
            assert.equal(slack.faults.count("files.info"), 3);
        });

        it("429 with a Retry-After longer than the bound fails at once, naming the wait", async () => {
            await start({}, { faults: [{ endpoint: "auth.test", status: 429, retryAfter: 120, times: Infinity }] });
            const report = await runVerification(options());
            const auth = check(report, "slack.auth");
            assert.equal(auth.key, "ratelimited");
            assert.match(
                auth.finding,
                /Slack rate-limited auth\.test: HTTP 429 with Retry-After 120s, longer than the 5s this check waits/,
            );
            assert.equal(slack.faults.count("auth.test"), 1);
        });

        it("a 429 that never ends gives up after rateLimitRetries, with no SDK retries on top", async () => {
            await start({}, { faults: [{ endpoint: "auth.test", status: 429, retryAfter: 0, times: Infinity }] });
            const report = await runVerification(options());
            assert.equal(check(report, "slack.auth").key, "ratelimited");
            assert.equal(slack.faults.count("auth.test"), 3); // 1 + rateLimitRetries(2)
        });

        it("a 500 from the upload URL once is retried, only that POST", async () => {
            await start({}, { faults: [{ endpoint: "upload", status: 500 }] });
            const report = await runVerification(options());
            assert.equal(report.verified, true, JSON.stringify(report.failures));
            assert.equal(slack.faults.count("upload"), 2);
            assert.equal(slack.faults.count("files.getUploadURLExternal"), 1);
            assert.equal(slack.faults.count("files.completeUploadExternal"), 1);
        });

        it("an upload URL that keeps failing stops after slackRetries + 1 attempts", async () => {
            await start({}, { faults: [{ endpoint: "upload", status: 500, times: Infinity }] });
            const report = await runVerification(options());
            const upload = check(report, "slack.upload");
            assert.equal(upload.key, "upload_failed");
            assert.match(upload.finding, /HTTP 500 \(3 attempts\)/);
            assert.equal(slack.faults.count("upload"), 3);
            assert.equal(slack.faults.count("files.completeUploadExternal"), 0);
        });

        it("an unreachable Slack API is named, with the bounded attempts", async () => {
            await start();
            const url = slack.apiUrl;
            await slack.close();
            const report = await runVerification(options({ slackApiUrl: url }));
            const auth = check(report, "slack.auth");
            assert.equal(auth.key, "slack_unreachable");
            assert.match(auth.finding, /ECONNREFUSED.*after 3 attempts/);
            assert.match(auth.fix ?? "", new RegExp(url.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")));
        });
    });

    describe("the upload's three steps, never completed twice", () => {
        it("drives getUploadURLExternal, the upload POST and completeUploadExternal itself, once each", async () => {
            await start();
            const report = await runVerification(options());
            assert.equal(report.verified, true, JSON.stringify(report.failures));
            assert.match(
                check(report, "slack.upload").finding,
                /^getUploadURLExternal, upload, completeUploadExternal: F0FAKE\d+ for C0ALERTS01$/,
            );
            assert.equal(slack.files.get(report.slack!.fileId!)?.completions, 1);
        });

        for (const [label, late] of [
            ["a timeout", { hangUp: true }],
            ["an HTTP 500", { status: 500 }],
        ] as const) {
            it(`${label} after Slack completed: files.info shows it shared, the completion is not sent again`, async () => {
                await start({}, { faults: [{ endpoint: "files.completeUploadExternal", late: true, ...late }] });
                const report = await runVerification(options());
                assert.equal(report.verified, true, JSON.stringify(report.failures));
                assert.equal(slack.faults.count("files.completeUploadExternal"), 1, "no SDK retry and no blind re-send");
                assert.equal(slack.postedFiles().length, 1);
                assert.equal(slack.postedFiles()[0].completions, 1);
                assert.match(
                    check(report, "slack.upload").finding,
                    /^files\.info showed F0FAKE\d+ shared after the completion's answer was lost/,
                );
            });
        }

        it("a completion whose answer was lost and that never shows as shared: not sent again, upload_unconfirmed with the file ID", async () => {
            await start({}, { faults: [{ endpoint: "files.completeUploadExternal", status: 503 }] });
            const report = await runVerification(options());
            const upload = check(report, "slack.upload");
            assert.equal(upload.key, "upload_unconfirmed");
            assert.match(upload.finding, /Slack answered HTTP 503; files\.info did not show it shared within 60 ms/);
            assert.equal(slack.faults.count("files.completeUploadExternal"), 1, "sent once, never twice");
            assert.ok(slack.faults.count("files.info") >= 2, "files.info was asked");
            assert.match(report.slack?.fileId ?? "", /^F0FAKE/, "the file ID is kept, so the caller can delete the file");
        });

        it("Slack completed it but the share shows only after the check window: still never completed twice", async () => {
            await start({}, { faults: [{ endpoint: "files.completeUploadExternal", late: true, status: 500 }] });
            slack.shareAfterPolls = 1_000_000;
            const report = await runVerification(options());
            assert.equal(check(report, "slack.upload").key, "upload_unconfirmed");
            assert.equal(slack.faults.count("files.completeUploadExternal"), 1);
            assert.equal(slack.postedFiles().length, 1);
            assert.equal(slack.postedFiles()[0].completions, 1, "one completion: one post");
        });

        it("a lost completion answer without files:read: not sent again, upload_unconfirmed, the file ID kept for cleanup", async () => {
            await start(
                {},
                {
                    tokens: { [GOOD_TOKEN]: { scopes: ["chat:write", "files:write"] } },
                    faults: [{ endpoint: "files.completeUploadExternal", late: true, status: 502 }],
                },
            );
            const report = await runVerification(options());
            const upload = check(report, "slack.upload");
            assert.equal(upload.key, "upload_unconfirmed");
            assert.match(
                upload.finding,
                /^Slack may or may not have posted file F0FAKE\d+ to C0ALERTS01: files\.completeUploadExternal, which shares the file, got no usable answer \(Slack answered HTTP 502\)/,
            );
            assert.equal(slack.faults.count("files.completeUploadExternal"), 1);
            assert.equal(report.slack?.fileId, slack.postedFiles()[0].id);
            assert.ok(fatalFailures(report).some((f) => f.key === "upload_unconfirmed"));
        });

        it("a 429 on the completion: Slack did nothing, so only the completion is sent again after Retry-After", async () => {
            await start({}, { faults: [{ endpoint: "files.completeUploadExternal", status: 429, retryAfter: 0 }] });
            const report = await runVerification(options());
            assert.equal(report.verified, true, JSON.stringify(report.failures));
            assert.deepEqual(
                slack.faults.sequence().filter((e) => e.startsWith("files.") || e === "upload"),
                ["files.getUploadURLExternal", "upload", "files.completeUploadExternal", "files.completeUploadExternal", "files.info"],
            );
        });
    });

    describe("confirming the share after the post went out", () => {
        it("missing_scope from files.info although auth.test listed files:read: verified false naming the scope, not a failure", async () => {
            await start(
                {},
                {
                    faults: [
                        {
                            endpoint: "files.info",
                            slackError: "missing_scope",
                            extra: { needed: "files:read", provided: "chat:write,files:write" },
                            times: Infinity,
                        },
                        {
                            endpoint: "conversations.history",
                            slackError: "missing_scope",
                            extra: { needed: "channels:history", provided: "chat:write,files:write" },
                            times: Infinity,
                        },
                    ],
                },
            );
            const report = await runVerification(options());
            assert.equal(report.verified, false);
            const landed = check(report, "slack.landed");
            assert.equal(landed.key, "verify_scope_refused");
            assert.match(
                landed.finding,
                /^Posted file F0FAKE\d+ to C0ALERTS01 but could not confirm it landed: conversations\.history returned missing_scope \(needed: channels:history/,
            );
            assert.match(landed.fix ?? "", /^add channels:history under OAuth & Permissions/);
            assert.deepEqual(fatalFailures(report), [], "a refused look never fails the run");
            assert.equal(slack.postedFiles().length, 1);
        });

        it("not_in_channel from conversations.history (token without files:read): verified false, invite the bot or add files:read", async () => {
            await start(
                {},
                {
                    tokens: { [GOOD_TOKEN]: { scopes: ["chat:write", "files:write", "channels:history"] } },
                    faults: [{ endpoint: "conversations.history", slackError: "not_in_channel", times: Infinity }],
                },
            );
            const report = await runVerification(options());
            assert.equal(report.verified, false);
            const landed = check(report, "slack.landed");
            assert.equal(landed.key, "verify_not_in_channel");
            assert.match(landed.fix ?? "", /or add files:read so files\.info can look instead/);
            assert.deepEqual(fatalFailures(report), []);
        });
    });

    describe("Grafana errors a person can act on", () => {
        it("health failing a few times then healthy: waits with backoff, one request per attempt", async () => {
            await start({ faults: [{ endpoint: "health", status: 503, times: 3 }] });
            const report = await runVerification(options({ slackToken: undefined }));
            assert.equal(report.ok, true, JSON.stringify(report.failures));
            assert.equal(grafana.faults.count("health"), 4);
            assert.match(check(report, "grafana.health").finding, /after 4 attempts/);
        });

        it("health that never recovers: a timeout error naming the URL, bounded attempts", async () => {
            await start({ faults: [{ endpoint: "health", status: 503, times: Infinity }] });
            const report = await runVerification(options({ slackToken: undefined, timing: { ...FAST, healthTimeoutMs: 250 } }));
            const health = check(report, "grafana.health");
            assert.equal(health.key, "grafana_unreachable");
            assert.ok(
                health.finding.startsWith(
                    `Grafana is not up at ${grafana.url}: ${grafana.url}/api/health gave no healthy answer within 0.25s`,
                ),
                health.finding,
            );
            assert.match(health.finding, /last: HTTP 503/);
            assert.ok(grafana.faults.count("health") < 40);
            assert.equal(grafana.faults.count("settings") + grafana.faults.count("render"), 0);
            assert.equal(check(report, "grafana.render").status, "skip");
        });

        it("slow health: each attempt times out, the error says so", async () => {
            await start({ faults: [{ endpoint: "health", delayMs: 1_000, times: Infinity }] });
            const report = await runVerification(
                options({ slackToken: undefined, timing: { ...FAST, requestTimeoutMs: 50, healthTimeoutMs: 200 } }),
            );
            const health = check(report, "grafana.health");
            assert.equal(health.key, "grafana_unreachable");
            assert.match(health.finding, /last: no answer within \d+ ms/);
        });

        it("a request timeout that is no whole number of ms (health's reserve: healthTimeoutMs / 4) is used, not refused", async () => {
            await start();
            const r = await grafanaGet({ url: grafana.url }, "/api/health", 62.5);
            assert.equal(r.status, 200);
        });

        it("nothing listening: connection refused", async () => {
            await start();
            const url = grafana.url;
            await grafana.close();
            const report = await runVerification(
                options({ grafanaUrl: url, slackToken: undefined, timing: { ...FAST, healthTimeoutMs: 250 } }),
            );
            assert.match(check(report, "grafana.health").finding, /last: connection refused/);
        });

        it("wrong credentials: Grafana 401, says to use the admin credentials; no password in the report", async () => {
            await start();
            const report = await runVerification(options({ grafanaAuth: "admin:wrong-password-here" }));
            const renderer = check(report, "grafana.renderer");
            assert.equal(renderer.key, "grafana_auth");
            assert.match(renderer.finding, /GET \/api\/frontend\/settings answered HTTP 401/);
            assert.match(renderer.fix ?? "", /admin credentials/);
            assert.equal(grafana.faults.count("render"), 0);
            assert.ok(!JSON.stringify(report).includes("wrong-password-here"));
            // Slack is still checked (independent), but nothing is posted without an image.
            assert.equal(check(report, "slack.auth").status, "pass");
            assert.equal(slack.faults.count("files.getUploadURLExternal"), 0);
        });

        it("no renderer configured: rendererAvailable=false, no render attempted", async () => {
            await start({ rendererAvailable: false });
            const report = await runVerification(options());
            assert.equal(check(report, "grafana.renderer").key, "renderer_not_configured");
            assert.match(check(report, "grafana.renderer").fix ?? "", /GF_RENDERING_SERVER_URL/);
            assert.equal(grafana.faults.count("render"), 0);
        });

        it("each skipped check names the cause once: the failed step it needs, not the steps skipped because of it", async () => {
            await start({ rendererAvailable: false }, { tokens: { [SECRET_TOKENS[3]]: { scopes: ["chat:write", "channels:read"] } } });
            const report = await runVerification(options({ slackToken: SECRET_TOKENS[3], slackChannel: "" }));
            const skipped = Object.fromEntries(report.checks.filter((c) => c.status === "skip").map((c) => [c.id, c.finding]));
            assert.deepEqual(skipped, {
                "grafana.dashboard": "skipped: Grafana has no usable renderer",
                "grafana.render": "skipped: Grafana has no usable renderer",
                "slack.upload": "skipped: no real image was rendered; a scope is missing; the channel did not resolve",
                "slack.landed": "skipped: nothing was posted",
            });
            assert.equal(report.verifiedHow, "not verified: no real image was rendered; a scope is missing; the channel did not resolve");
        });

        it("a PNG of another size with a renderer configured: Grafana's concurrency-limit image, run again", async () => {
            await start({ renderMode: "placeholder" });
            const report = await runVerification(options());
            const render = check(report, "grafana.render");
            assert.equal(render.key, "renderer_placeholder");
            assert.match(
                render.finding,
                /the PNG is 400x120 \(\d+ bytes\), not 1000x500; .*rendering_limit_\*\.png.*concurrent_render_request_limit/,
            );
            assert.match(render.fix ?? "", /^run again in a minute; .*GF_RENDERING_CONCURRENT_RENDER_REQUEST_LIMIT/);
            assert.equal(slack.faults.count("files.getUploadURLExternal"), 0);
            assert.equal(report.verified, false);
        });

        it("a broken renderer: Grafana's HTTP 500 HTML \"Rendering failed.\" points to Grafana's log and the wiring", async () => {
            await start({ renderMode: "error" });
            const report = await runVerification(options());
            const render = check(report, "grafana.render");
            assert.equal(render.key, "render_failed");
            assert.match(
                render.finding,
                /answered HTTP 500 "Rendering failed\.": Grafana's call to the image renderer failed, .*logger=rendering/,
            );
            for (const hint of [
                /grep logger=rendering/,
                /a 401 from the renderer is a token mismatch/,
                /unreachable from Grafana/,
                /GF_RENDERING_CALLBACK_URL/,
                /GF_RENDERING_RENDERER_TOKEN must equal the renderer's AUTH_TOKEN/,
            ]) {
                assert.match(render.fix ?? "", hint);
            }
            assert.equal(slack.faults.count("files.getUploadURLExternal"), 0);
            assert.equal(report.verified, false);
        });

        it("an injected HTTP 503 on the render is reported with Grafana's page title, not JSON detail", async () => {
            await start({ faults: [{ endpoint: "render", status: 503 }] });
            const report = await runVerification(options({ slackToken: undefined }));
            assert.equal(check(report, "grafana.render").key, "render_rejected");
            assert.match(check(report, "grafana.render").finding, /answered HTTP 503 "Rendering failed\."/);
        });

        it('Grafana\'s own render deadline (HTTP 500 "timeout error"): render_timeout', async () => {
            await start({ renderMode: "timeout" });
            const report = await runVerification(options({ slackToken: undefined }));
            assert.equal(check(report, "grafana.render").key, "render_timeout");
            assert.match(
                check(report, "grafana.render").finding,
                /HTTP 500 "timeout error - you can set timeout in seconds with &timeout url parameter": the renderer did not answer Grafana within its deadline/,
            );
        });

        it("a renderer at its limit (HTTP 429 from newer Grafana): render_busy, run again", async () => {
            await start({ renderMode: "busy" });
            const report = await runVerification(options({ slackToken: undefined }));
            assert.equal(check(report, "grafana.render").key, "render_busy");
            assert.match(check(report, "grafana.render").fix ?? "", /^run again in a minute/);
        });

        it("a login or proxy page (HTTP 200 text/html) is an auth/proxy problem, not the renderer", async () => {
            await start({ renderMode: "login" });
            const report = await runVerification(options());
            const render = check(report, "grafana.render");
            assert.equal(render.key, "render_not_image");
            assert.match(render.finding, /HTTP 200 with an HTML page titled "Sign in": a login page or an authenticating proxy/);
            assert.doesNotMatch(render.fix ?? "", /GF_RENDERING/);
            assert.equal(slack.faults.count("files.getUploadURLExternal"), 0);
        });

        it("an unknown dashboard renders as a 200 PNG in Grafana, so it is looked up first: dashboard_not_found, nothing rendered or posted", async () => {
            await start({ dashboards: { "gsa-dev": [2] } });
            // The fake, like Grafana, renders an unknown dashboard as a 200 PNG (fakes.test.ts).
            const report = await runVerification(options({ dashboardUid: "no-such-dash" }));
            const dash = check(report, "grafana.dashboard");
            assert.equal(dash.key, "dashboard_not_found");
            assert.match(
                dash.finding,
                /^Dashboard no-such-dash does not exist in Grafana at http:\/\/127\.0\.0\.1:\d+: GET \/api\/dashboards\/uid\/no-such-dash answered HTTP 404 \("Dashboard not found"\)/,
            );
            assert.equal(check(report, "grafana.render").status, "skip");
            assert.equal(grafana.faults.count("render"), 0);
            assert.equal(slack.faults.count("files.getUploadURLExternal"), 0);
            assert.equal(report.verified, false);
        });

        it("an unknown panel: panel_not_found lists the panels there are, rows' nested panels included", async () => {
            await start({ dashboards: { "gsa-dev": [1, { row: 10, panels: [11, 12] }] } });
            const report = await runVerification(options({ panelId: 7 }));
            const dash = check(report, "grafana.dashboard");
            assert.equal(dash.key, "panel_not_found");
            assert.match(dash.finding, /^Dashboard gsa-dev has no panel 7: its JSON .* has panel IDs 1, 10, 11, 12;/);
            assert.equal(grafana.faults.count("render"), 0);
            assert.equal(slack.faults.count("files.getUploadURLExternal"), 0);
        });

        it("a panel inside a collapsed row is found and rendered", async () => {
            await start({ dashboards: { "gsa-dev": [1, { row: 10, panels: [11, 12] }] } });
            const report = await runVerification(options({ panelId: 12 }));
            assert.equal(report.verified, true, JSON.stringify(report.failures));
            assert.match(check(report, "grafana.dashboard").finding, /dashboard gsa-dev \("Fake gsa-dev"\) has panel 12 \("Panel 12"\)/);
        });

        it("a render that takes too long: aborted at the timeout asked of Grafana plus the margin", async () => {
            await start({ faults: [{ endpoint: "render", delayMs: 1_000 }] });
            const started = Date.now();
            const report = await runVerification(
                options({ slackToken: undefined, timing: { ...FAST, renderTimeoutMs: 200, renderAbortMarginMs: 150 } }),
            );
            const took = Date.now() - started;
            assert.equal(check(report, "grafana.render").key, "render_timeout");
            assert.match(
                check(report, "grafana.render").finding,
                /did not answer GET \/render\/d-solo\/gsa-dev\/_ within 0\.35s \(the 1s render timeout asked of it, plus 0\.15s for its answer\)/,
            );
            assert.ok(took >= 350 && took < 1_000, `aborted after ${took} ms`);
        });

        it("a slow render that Grafana answers within the margin is not cut off", async () => {
            await start({ faults: [{ endpoint: "render", delayMs: 250 }] });
            const report = await runVerification(
                options({ slackToken: undefined, timing: { ...FAST, renderTimeoutMs: 200, renderAbortMarginMs: 300 } }),
            );
            assert.equal(check(report, "grafana.render").status, "pass", JSON.stringify(report.failures));
            assert.equal(grafana.renders[0].timeout, 1, "Grafana is asked for the render timeout in whole seconds");
        });
    });

    describe("renderer v5 viewport bounds", () => {
        const t = resolveTiming(FAST);
        it("renderer v5 clamps the viewport (1000-3000 x 500-3000, fakes.test.ts) and the check expects the clamped size", async () => {
            await start({ rendererVersion: "5.11.1" });
            const img = await renderPanel(
                { url: grafana.url, auth: grafana.auth },
                { dashboardUid: "gsa-dev", panelId: 2, width: 640, height: 360, rendererVersion: "5.11.1" },
                t,
            );
            assert.deepEqual([img.width, img.height], [1000, 500]);
            assert.deepEqual(expectedRenderSize(640, 360, "5.11.1"), { width: 1000, height: 500 });
        });

        it("a v4 renderer renders the requested size as is", async () => {
            await start({ rendererVersion: "4.0.17" });
            const img = await renderPanel(
                { url: grafana.url, auth: grafana.auth },
                { dashboardUid: "gsa-dev", panelId: 2, width: 640, height: 360, rendererVersion: "4.0.17" },
                t,
            );
            assert.deepEqual([img.width, img.height], [640, 360]);
        });

        it("a renderer with raised BROWSER_MIN_WIDTH/HEIGHT returns a bigger PNG: named, with the bounds to respect", async () => {
            await start({ rendererViewport: { minWidth: 1920, minHeight: 1080, maxWidth: 3000, maxHeight: 3000 } });
            const report = await runVerification(options({ slackToken: undefined }));
            const render = check(report, "grafana.render");
            assert.equal(render.key, "renderer_placeholder");
            assert.match(render.finding, /the PNG is 1920x1080 .*not 1000x500/);
            assert.match(render.fix ?? "", /BROWSER_MIN_WIDTH \/ BROWSER_MIN_HEIGHT/);
        });

        it("sizes outside the bounds are refused before anything runs (resource inputs and doctor share the rule)", () => {
            assert.equal(sizeProblem("width", 1000), undefined);
            assert.equal(sizeProblem("height", 3000), undefined);
            assert.match(
                sizeProblem("width", 640) ?? "",
                /^width must be a whole number of pixels from 1000 to 3000: renderer v5 clamps the viewport to 1000-3000 x 500-3000 by default/,
            );
            assert.match(sizeProblem("height", 499) ?? "", /^height must be a whole number of pixels from 500 to 3000/);
            assert.ok(sizeProblem("height", 3001));
            assert.ok(sizeProblem("width", 1200.5));
        });
    });

    describe("secrets", () => {
        it("every failing scenario's report is free of the token and the password", async () => {
            await start({ renderMode: "placeholder" }, { faults: [{ endpoint: "auth.test", slackError: "invalid_auth" }] });
            const report = await runVerification(options());
            assert.equal(report.ok, false);
            assertNoSecrets(report, grafana);
        });
    });
});

describe("PNG header and scrubbing (units)", () => {
    it("reads width and height from IHDR", () => {
        assert.deepEqual(readPngHeader(makePng(321, 123)), { ok: true, width: 321, height: 123 });
    });
    it("rejects what is not a PNG, or is cut short", () => {
        assert.equal(readPngHeader(Buffer.from("<html>login</html> padding padding")).ok, false);
        assert.equal(readPngHeader(makePng(10, 10).subarray(0, 20)).ok, false);
    });
    it("scrubs secrets and their encoded forms", () => {
        const scrub = makeScrubber(["xoxb-1-2-secret", "admin:pass word!"]);
        const b64 = Buffer.from("admin:pass word!").toString("base64");
        assert.equal(
            scrub(`a xoxb-1-2-secret b ${b64} c ${encodeURIComponent("admin:pass word!")}`),
            "a [redacted] b [redacted] c [redacted]",
        );
    });
});
