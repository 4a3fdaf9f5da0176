// slack-app-manifest.yaml: Slack's app-manifest format (v1 schema limits), exactly the bot
// scopes this project needs, and the names the docs rely on.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

const MANIFEST = path.join(__dirname, "..", "slack-app-manifest.yaml");
const DOC = path.join(__dirname, "..", "README.md");

describe("slack-app-manifest.yaml", () => {
    const text = fs.readFileSync(MANIFEST, "utf8");
    const m: any = yaml.load(text);

    it("requests exactly the bot scopes the project uses, and no user scopes", () => {
        assert.deepStrictEqual([...m.oauth_config.scopes.bot].sort(), [
            "channels:history",
            "channels:read",
            "chat:write",
            "files:read",
            "files:write",
            "groups:history",
            "groups:read",
        ]);
        assert.strictEqual(new Set(m.oauth_config.scopes.bot).size, m.oauth_config.scopes.bot.length, "duplicate scope");
        for (const key of ["user", "user_optional", "bot_optional"]) {
            assert.strictEqual(m.oauth_config.scopes[key], undefined, `unexpected ${key} scopes`);
        }
    });

    it("uses only top-level sections of the v1 manifest schema", () => {
        assert.strictEqual(m._metadata.major_version, 1);
        const allowed = ["_metadata", "display_information", "features", "oauth_config", "settings"];
        assert.deepStrictEqual(
            Object.keys(m).filter((k) => !allowed.includes(k)),
            [],
        );
        assert.deepStrictEqual(Object.keys(m.oauth_config), ["scopes"]);
    });

    it("respects Slack's field limits", () => {
        const d = m.display_information;
        assert.ok(d.name.length >= 1 && d.name.length <= 35, "name: 1-35 chars");
        assert.ok(d.description.length >= 1 && d.description.length <= 140, "description: 1-140 chars");
        assert.ok(
            d.long_description.length >= 175 && d.long_description.length <= 4000,
            `long_description is ${d.long_description.length} chars, needs 175-4000`,
        );
        assert.match(d.background_color, /^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/);
        const bot = m.features.bot_user;
        assert.ok(bot.display_name.length >= 1 && bot.display_name.length <= 80);
    });

    it("has a bot user (needed for an xoxb- token) with the name the docs invite, and a non-expiring token", () => {
        assert.strictEqual(m.features.bot_user.display_name, "grafana-slack-alerts");
        assert.strictEqual(m.settings.token_rotation_enabled, false, "rotating tokens expire; Grafana keeps one static token");
        assert.strictEqual(m.settings.socket_mode_enabled, false);
        assert.strictEqual(m.features.slash_commands, undefined);
        assert.strictEqual(m.settings.event_subscriptions, undefined);
    });

    it("is what the README tells people to install and invite", () => {
        const doc = fs.readFileSync(DOC, "utf8");
        assert.ok(doc.includes("slack-app-manifest.yaml"));
        assert.ok(doc.includes(`/invite @${m.features.bot_user.display_name}`));
        for (const scope of m.oauth_config.scopes.bot) assert.ok(doc.includes(`\`${scope}\``), `docs do not explain ${scope}`);
        assert.ok(doc.includes("pulumi config set --secret slackToken"));
        assert.ok(doc.includes("pulumi config set slackChannel"));
    });
});
