import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigValidationError, readSettings } from "../components/config/config";
import { DEFAULT_GRAFANA_IMAGE, DEFAULT_RENDERER_IMAGE, parseImageRef, parseVersion } from "../components/shared/images";
import { fakeConfigSource, settingsFor } from "./harness/configSource";

/** Runs readSettings and returns the validation error it must throw. */
function problemsFor(values: Record<string, string>, secretKeys?: string[]): ConfigValidationError {
    try {
        readSettings(fakeConfigSource({ values, secretKeys }), "grafana-slack-alerts", "test");
    } catch (e) {
        assert.ok(e instanceof ConfigValidationError, `expected ConfigValidationError, got ${e}`);
        return e;
    }
    assert.fail(`expected config ${JSON.stringify(values)} to be rejected`);
}

function problemFor(values: Record<string, string>, key: string, secretKeys?: string[]) {
    const err = problemsFor(values, secretKeys);
    const p = err.problems.find((x) => x.key === key);
    assert.ok(p, `expected a problem for ${key}; got ${err.message}`);
    return { problem: p, message: err.message };
}

const TOKEN = "xoxb-1111-2222-abcdefSECRETtoken";

describe("config: the validation error", () => {
    it("carries its message as its stack, so Pulumi's runner, which inspects it, formats no frames", () => {
        const e = problemsFor({ target: "kubernetes", kubernetesMode: "sidecars" });
        assert.equal(e.stack, `ConfigValidationError: ${e.message}`);
        assert.ok(pulumi.RunError.isInstance(e), "printed without a stack trace only as a RunError");
    });
});

describe("config: defaults", () => {
    it("gives the documented defaults for an empty dev stack", () => {
        const s = settingsFor();
        assert.equal(s.target, "docker");
        assert.equal(s.kubernetesMode, undefined);
        assert.equal(s.namespace, "grafana");
        assert.equal(s.operatorApiVersion, "v1beta1");
        assert.equal(s.grafanaImage.ref, DEFAULT_GRAFANA_IMAGE);
        assert.equal(s.rendererImage.ref, DEFAULT_RENDERER_IMAGE);
        assert.equal(s.rendererMajor, 5);
        assert.equal(s.grafanaPort, 3000);
        assert.equal(s.grafanaUrl, "http://localhost:3000");
        assert.equal(s.grafanaAdminUser, "admin");
        assert.equal(s.grafanaAdminPassword, undefined, "generated when unset");
        assert.equal(s.rendererToken, undefined, "generated when unset");
        assert.equal(s.ignoreHttpsErrors, false);
        assert.equal(s.rendererReplicas, 1);
        assert.equal(s.slack, undefined);
        assert.equal(s.verify, true);
        assert.equal(s.verifyAlertTimeout, 300);
        assert.equal(s.renderYamlTo, undefined);
    });

    it("verifyAlertTimeout: 0 turns the alert-path stage off; any whole number of seconds up to 3600 is kept", () => {
        assert.equal(settingsFor({ verifyAlertTimeout: "0" }).verifyAlertTimeout, 0);
        assert.equal(settingsFor({ verifyAlertTimeout: "600" }).verifyAlertTimeout, 600);
    });

    it("defaults kubernetesMode to separate with target kubernetes and derives no Grafana URL", () => {
        const s = settingsFor({ target: "kubernetes" });
        assert.equal(s.kubernetesMode, "separate");
        assert.equal(s.grafanaUrl, undefined);
    });

    it("uses grafanaPort in the Docker default URL and trims a trailing slash from an explicit one", () => {
        assert.equal(settingsFor({ grafanaPort: "3100" }).grafanaUrl, "http://localhost:3100");
        assert.equal(settingsFor({ grafanaUrl: "https://grafana.example.com/" }).grafanaUrl, "https://grafana.example.com");
    });

    it("accepts a bot token with a channel ID or #name", () => {
        for (const channel of ["C0123ABCDE", "#grafana-alert"]) {
            const s = settingsFor({ slackToken: TOKEN, slackChannel: channel });
            assert.equal(s.slack?.channel, channel);
        }
    });
});

describe("config: each bad value is reported with the key, the value, what is allowed and the fix", () => {
    const cases: Array<{ title: string; values: Record<string, string>; key: string; given: RegExp; fix: RegExp }> = [
        { title: "unknown target", values: { target: "dockr" }, key: "target", given: /"dockr"/, fix: /pulumi config set target docker/ },
        {
            title: "unknown mode",
            values: { target: "kubernetes", kubernetesMode: "daemonset" },
            key: "kubernetesMode",
            given: /"daemonset"/,
            fix: /pulumi config set kubernetesMode separate/,
        },
        {
            title: "mode with target docker",
            values: { kubernetesMode: "sidecar" },
            key: "kubernetesMode",
            given: /"sidecar" with target "docker"/,
            fix: /pulumi config rm kubernetesMode/,
        },
        {
            title: "bad port",
            values: { grafanaPort: "70000" },
            key: "grafanaPort",
            given: /"70000"/,
            fix: /pulumi config set grafanaPort 3000/,
        },
        {
            title: "non-numeric port",
            values: { grafanaPort: "http" },
            key: "grafanaPort",
            given: /"http"/,
            fix: /pulumi config set grafanaPort/,
        },
        {
            title: "malformed URL",
            values: { grafanaUrl: "localhost:3000" },
            key: "grafanaUrl",
            given: /"localhost:3000"/,
            fix: /pulumi config set grafanaUrl http:\/\/localhost:3000/,
        },
        {
            title: "non-bot token",
            values: { slackToken: "xoxp-user-token-12345", slackChannel: "C0123ABCDE" },
            key: "slackToken",
            given: /xoxp-/,
            fix: /pulumi config set --secret slackToken xoxb-/,
        },
        {
            title: "webhook instead of token",
            values: { slackToken: "https://hooks.slack.com/services/T/B/X", slackChannel: "C0123ABCDE" },
            key: "slackToken",
            given: /incoming-webhook/,
            fix: /--secret slackToken xoxb-/,
        },
        {
            title: "token without channel",
            values: { slackToken: TOKEN },
            key: "slackChannel",
            given: /nothing while slackToken is set/,
            fix: /pulumi config set slackChannel/,
        },
        {
            title: "channel without token",
            values: { slackChannel: "C0123ABCDE" },
            key: "slackToken",
            given: /nothing while slackChannel/,
            fix: /--secret slackToken/,
        },
        {
            title: "channel neither ID nor #name",
            values: { slackToken: TOKEN, slackChannel: "grafana alerts!" },
            key: "slackChannel",
            given: /"grafana alerts!"/,
            fix: /pulumi config set slackChannel/,
        },
        {
            title: "image without tag",
            values: { grafanaImage: "grafana/grafana" },
            key: "grafanaImage",
            given: /no tag/,
            fix: /pulumi config set grafanaImage grafana\/grafana:/,
        },
        {
            title: "image with latest",
            values: { rendererImage: "grafana/grafana-image-renderer:latest" },
            key: "rendererImage",
            given: /latest/,
            fix: /pulumi config set rendererImage grafana\/grafana-image-renderer:v5/,
        },
        {
            title: "renderer replicas < 1",
            values: { target: "kubernetes", rendererReplicas: "0" },
            key: "rendererReplicas",
            given: /"0"/,
            fix: /pulumi config set rendererReplicas 1/,
        },
        {
            title: "sidecar with replicas > 1",
            values: { target: "kubernetes", kubernetesMode: "sidecar", rendererReplicas: "3" },
            key: "rendererReplicas",
            given: /3 with kubernetesMode sidecar/,
            fix: /kubernetesMode separate/,
        },
        {
            title: "invalid namespace",
            values: { target: "kubernetes", namespace: "Grafana_NS" },
            key: "namespace",
            given: /"Grafana_NS"/,
            fix: /pulumi config set namespace grafana/,
        },
        {
            title: "unknown service type",
            values: { target: "kubernetes", grafanaServiceType: "Ingress" },
            key: "grafanaServiceType",
            given: /"Ingress"/,
            fix: /pulumi config set grafanaServiceType/,
        },
        {
            title: "unknown operator API",
            values: { target: "kubernetes", kubernetesMode: "operator", operatorApiVersion: "v2" },
            key: "operatorApiVersion",
            given: /"v2"/,
            fix: /operatorApiVersion v1beta1/,
        },
        {
            title: "Grafana too old for Slack uploads",
            values: { grafanaImage: "grafana/grafana:9.5.3" },
            key: "grafanaImage",
            given: /Grafana 9\.5\.3/,
            fix: /pulumi config set grafanaImage grafana\/grafana:1/,
        },
        {
            title: "renderer without auth token support",
            values: { rendererImage: "grafana/grafana-image-renderer:3.4.0" },
            key: "rendererImage",
            given: /3\.4\.0/,
            fix: /rendererImage grafana\/grafana-image-renderer:v5/,
        },
        {
            title: "renderYamlTo with docker",
            values: { renderYamlTo: "out" },
            key: "renderYamlTo",
            given: /"out" with target docker/,
            fix: /pulumi config rm renderYamlTo/,
        },
        {
            title: "boolean that is not one",
            values: { verify: "yes" },
            key: "verify",
            given: /"yes"/,
            fix: /pulumi config set verify true/,
        },
        {
            title: "alert timeout that is not whole seconds",
            values: { verifyAlertTimeout: "5m" },
            key: "verifyAlertTimeout",
            given: /"5m"/,
            fix: /pulumi config set verifyAlertTimeout 300/,
        },
        {
            title: "negative alert timeout",
            values: { verifyAlertTimeout: "-1" },
            key: "verifyAlertTimeout",
            given: /"-1"/,
            fix: /pulumi config set verifyAlertTimeout 300/,
        },
        {
            title: "misspelt key",
            values: { grafanaPorts: "3000" },
            key: "grafanaPorts",
            given: /unknown key/,
            fix: /pulumi config rm grafanaPorts && pulumi config set grafanaPort/,
        },
        {
            title: "operator API version without operator mode",
            values: { target: "kubernetes", kubernetesMode: "sidecar", operatorApiVersion: "v1alpha1" },
            key: "operatorApiVersion",
            given: /"v1alpha1" with kubernetesMode "sidecar"/,
            fix: /pulumi config rm operatorApiVersion/,
        },
        {
            title: "distroless Grafana on Docker (no shell for the healthcheck)",
            values: { grafanaImage: "grafana/grafana:13.1.1-distroless" },
            key: "grafanaImage",
            given: /distroless.*with target docker/,
            fix: /pulumi config set grafanaImage grafana\/grafana:13/,
        },
        {
            title: "malformed public URL",
            values: { grafanaRootUrl: "grafana.example.com" },
            key: "grafanaRootUrl",
            given: /"grafana.example.com"/,
            fix: /pulumi config set grafanaRootUrl https:/,
        },
        {
            title: "node port outside the range",
            values: { target: "kubernetes", grafanaServiceType: "NodePort", grafanaNodePort: "8080" },
            key: "grafanaNodePort",
            given: /8080/,
            fix: /grafanaNodePort 30300/,
        },
    ];
    for (const c of cases) {
        it(c.title, () => {
            const { problem, message } = problemFor(c.values, c.key);
            assert.match(problem.given, c.given);
            assert.ok(problem.allowed.length > 0);
            assert.match(problem.fix, c.fix);
            // The message a user sees carries all four parts.
            assert.ok(message.includes(`- ${c.key}: got ${problem.given}; allowed: ${problem.allowed}.`), message);
            assert.ok(message.includes(`fix: ${problem.fix}`), message);
        });
    }

    // Version floors (issue 10 item 8): grafana/grafana #98283 (rule groups with preset rule
    // UIDs answer 500 on 11.4.1-11.5.1, fixed in 11.5.2 / 11.6.0) and #100283 (#name
    // recipients fail image uploads, fixed in 11.4.3 / 11.5.3 / 11.6.0).
    for (const tag of ["11.4.1", "11.4.3", "11.5.1"]) {
        it(`rejects grafana/grafana:${tag}, naming the rule-UID bug`, () => {
            const { problem, message } = problemFor({ grafanaImage: `grafana/grafana:${tag}` }, "grafanaImage");
            assert.match(problem.given, new RegExp(`Grafana ${tag.replace(/\./g, "\\.")}`));
            assert.match(problem.allowed, /Grafana 11\.5\.2 or newer/);
            assert.match(problem.allowed, /HTTP 500.*preset rule UIDs.*#98283/);
            assert.match(problem.fix, /pulumi config set grafanaImage grafana\/grafana:13\./);
            assert.match(message, /nothing was created/);
        });
    }

    it("rejects a Grafana older than 11.4.1 for its retired upload API", () => {
        const { problem } = problemFor({ grafanaImage: "grafana/grafana:11.3.0" }, "grafanaImage");
        assert.match(problem.allowed, /files\.upload/);
    });

    it("accepts 11.5.2 with a warning that 11.6.0 is recommended", () => {
        const s = settingsFor({ grafanaImage: "grafana/grafana:11.5.2" });
        assert.equal(s.warnings.length, 1);
        assert.match(s.warnings[0], /11\.6\.0 or newer is recommended/);
        assert.deepEqual(settingsFor({ grafanaImage: "grafana/grafana:11.6.0" }).warnings, []);
        assert.deepEqual(settingsFor({ grafanaImage: "grafana/grafana:12.0.0-security-01" }).warnings, []);
    });

    it("rejects a #name channel on 11.5.2 (uploads fail with channel_not_found until 11.5.3)", () => {
        const values = { grafanaImage: "grafana/grafana:11.5.2", slackToken: "xoxb-1-2-abc", slackChannel: "#alerts" };
        const { problem } = problemFor(values, "slackChannel");
        assert.match(problem.allowed, /channel_not_found.*#100283/);
        assert.match(problem.fix, /pulumi config set slackChannel C0123ABCD/);
        assert.equal(settingsFor({ ...values, grafanaImage: "grafana/grafana:11.5.3" }).slack?.channel, "#alerts");
        assert.equal(settingsFor({ ...values, slackChannel: "C0123ABCDE" }).slack?.channel, "C0123ABCDE");
    });
});

import { normalizeSlackRecipient } from "../components/alerting/model/slackTemplates";
import { validateInputs } from "../components/verify/verificationProvider";

describe("config: Slack channel IDs as Slack validates them", () => {
    it("rejects an ID Slack would refuse (^[CGDZ][A-Z0-9]{8,}$), accepts C/G IDs of 9+ characters (D/Z: test/configMistakes)", () => {
        for (const bad of ["C0123A", "C0123ABC", "c0123abcde", "U0123ABCDE"]) {
            const { problem } = problemFor({ slackToken: "xoxb-1-2-abc", slackChannel: bad }, "slackChannel");
            assert.match(problem.given, new RegExp(bad));
            assert.match(problem.allowed, /^a channel ID \(C or G followed by at least 8 capital letters or digits/);
        }
        for (const good of ["C0123ABCD", "G0123ABCDE"]) {
            assert.equal(settingsFor({ slackToken: "xoxb-1-2-abc", slackChannel: good }).slack?.channel, good);
        }
    });

    it("the contact point, the verification resource and doctor use the same definition", () => {
        assert.throws(() => normalizeSlackRecipient("C0123A"), /invalid Slack channel "C0123A"/);
        assert.equal(normalizeSlackRecipient("Z0123ABCDE"), "Z0123ABCDE");
        const named = { stackName: "dev", grafanaImage: "grafana/grafana:11.6.0", rendererImage: "grafana/grafana-image-renderer:v5.11.1" };
        const bad = validateInputs({
            grafanaUrl: "http://localhost:3000",
            grafanaAuth: "admin:pw",
            dashboardUid: "d",
            panelId: 1,
            slackToken: "xoxb-1-2-abc",
            slackChannel: "C0123A",
            ...named,
        });
        assert.deepEqual(
            bad.failures.map((f) => f.property),
            ["slackChannel"],
        );
        assert.equal(
            validateInputs({
                grafanaUrl: "http://localhost:3000",
                grafanaAuth: "admin:pw",
                dashboardUid: "d",
                panelId: 1,
                slackToken: "xoxb-1-2-abc",
                slackChannel: "C0123ABCD",
                ...named,
            }).failures.length,
            0,
        );
    });
});

describe("config: every problem at once, never a secret", () => {
    it("reports several bad keys in one error", () => {
        const err = problemsFor({
            target: "kubernetes",
            kubernetesMode: "bogus",
            grafanaPort: "0",
            grafanaImage: "grafana/grafana:latest",
            slackChannel: "#ok",
        });
        const keys = err.problems.map((p) => p.key).sort();
        assert.deepEqual(keys, ["grafanaImage", "grafanaPort", "kubernetesMode", "slackToken"]);
        assert.match(err.message, /has 4 problems; nothing was created/);
    });

    it("never echoes a secret value, even a malformed one", () => {
        const secretToken = "xoxp-THIS-IS-A-SECRET-VALUE";
        const secretPassword = "short";
        const err = problemsFor({
            slackToken: secretToken,
            slackChannel: "C0123ABCDE",
            grafanaAdminPassword: secretPassword,
            rendererToken: "has a, comma",
        });
        assert.ok(!err.message.includes("THIS-IS-A-SECRET-VALUE"), err.message);
        assert.ok(!err.message.includes(`"${secretPassword}"`), err.message);
        assert.ok(!err.message.includes("has a, comma"), err.message);
        assert.deepEqual(err.problems.map((p) => p.key).sort(), ["grafanaAdminPassword", "rendererToken", "slackToken"]);
    });

    it("rejects a secret stored in plain text and says how to store it encrypted", () => {
        const { problem, message } = problemFor({ slackToken: TOKEN, slackChannel: "C0123ABCDE" }, "slackToken", []);
        assert.match(problem.fix, /pulumi config rm slackToken && pulumi config set --secret slackToken/);
        assert.ok(!message.includes(TOKEN));
    });

    it("returns secrets as secret Outputs", async () => {
        const s = settingsFor({ slackToken: TOKEN, slackChannel: "C0123ABCDE", grafanaAdminPassword: "a-long-password" });
        const { isSecret } = await import("@pulumi/pulumi");
        assert.equal(await isSecret(s.slack!.token), true);
        assert.equal(await isSecret(s.grafanaAdminPassword!), true);
    });
});

describe("images", () => {
    it("reads repository, tag, digest and version", () => {
        const r = parseImageRef("registry.local:5000/grafana/grafana:12.0.0-security-01@sha256:abc");
        assert.equal(r.repository, "registry.local:5000/grafana/grafana");
        assert.equal(r.tag, "12.0.0-security-01");
        assert.equal(r.digest, "sha256:abc");
        assert.equal(r.version?.version, "12.0.0");
        assert.equal(parseImageRef("registry.local:5000/renderer").tag, undefined, "a registry port is not a tag");
        assert.equal(parseVersion("v5.11.1")?.version, "5.11.1");
        assert.equal(parseVersion("main"), undefined);
    });

    it("reads only the version a tag starts with, dropping pre-release and build suffixes", () => {
        const read = (tag: string) => parseVersion(tag)?.version;
        assert.equal(read("11.6.0-security-01"), "11.6.0");
        assert.equal(read("12.0.0+security-01"), "12.0.0");
        assert.equal(read("11.5-ubuntu"), "11.5.0");
        assert.equal(read("v5"), "5.0.0");
        assert.equal(read("12.0.0-security-01-ubuntu"), "12.0.0");
        for (const tag of ["latest", "main", "nightly-11.6.0", "11abc", "ubuntu-12.0.0", ""]) assert.equal(read(tag), undefined, tag);
    });

    it("compares a security release's image (11.6.0-security-01) as the release it patches", () => {
        // semver alone would order 11.6.0-security-01 before 11.6.0 and warn about it.
        for (const tag of ["11.6.0-security-01", "12.0.0-security-01-ubuntu"]) {
            assert.deepEqual(settingsFor({ grafanaImage: `grafana/grafana:${tag}` }).warnings, [], tag);
        }
        const patched = settingsFor({ grafanaImage: "grafana/grafana:11.5.2-security-01" });
        assert.match(patched.warnings.join("\n"), /11\.6\.0 or newer is recommended/);
        const { problem } = problemFor({ grafanaImage: "grafana/grafana:11.5.1-security-01" }, "grafanaImage");
        assert.match(problem.given, /Grafana 11\.5\.1\)/);
        assert.match(problem.allowed, /preset rule UIDs/);
        const values = { grafanaImage: "grafana/grafana:11.5.2-security-01", slackToken: "xoxb-1-2-abc", slackChannel: "#alerts" };
        assert.match(problemFor(values, "slackChannel").problem.allowed, /channel_not_found/);
        assert.equal(settingsFor({ ...values, grafanaImage: "grafana/grafana:11.5.3-security-01" }).slack?.channel, "#alerts");
    });

    it("reads the renderer's major version through a v prefix and rejects renderers before 3.6.1", () => {
        assert.equal(settingsFor({ rendererImage: "grafana/grafana-image-renderer:v4.0.17" }).rendererMajor, 4);
        assert.equal(settingsFor({ rendererImage: "grafana/grafana-image-renderer:3.6.1" }).rendererMajor, 3);
        const { problem } = problemFor({ rendererImage: "grafana/grafana-image-renderer:3.6.0-beta.1" }, "rendererImage");
        assert.match(problem.given, /renderer 3\.6\.0\)/);
    });
});

describe("config: target existing, the demo alert, leftovers (issue 12)", () => {
    const TOKEN = "glsa_configTestToken_0123456789";
    const base = { target: "existing", grafanaUrl: "https://grafana.example.com/", grafanaApiToken: TOKEN };

    it("accepts a URL and a secret service account token; the token is a secret Output", async () => {
        const s = settingsFor(base);
        assert.equal(s.target, "existing");
        assert.equal(s.grafanaUrl, "https://grafana.example.com");
        assert.equal(s.grafanaRootUrl, undefined, "an existing Grafana's root_url is its own");
        assert.ok(s.grafanaApiToken && (await pulumi.isSecret(s.grafanaApiToken)));
        assert.equal(s.demoAlert, true);
        assert.equal(s.replaceLeftovers, false);
        assert.equal(s.kubernetesMode, undefined);
    });

    it("accepts the admin user and password instead of a token", () => {
        const s = settingsFor({ target: "existing", grafanaUrl: "https://g.example.com", grafanaAdminPassword: "long-enough-password" });
        assert.equal(s.grafanaApiToken, undefined);
    });

    it("a missing URL names grafanaUrl; missing credentials name grafanaApiToken, with both fixes", () => {
        const err = problemsFor({ target: "existing" });
        assert.deepEqual(err.problems.map((p) => p.key).sort(), ["grafanaApiToken", "grafanaUrl"]);
        const url = err.problems.find((p) => p.key === "grafanaUrl")!;
        assert.match(url.fix, /^pulumi config set grafanaUrl https:\/\//);
        const cred = err.problems.find((p) => p.key === "grafanaApiToken")!;
        assert.match(cred.fix, /pulumi config set --secret grafanaApiToken glsa_\.\.\..*pulumi config set --secret grafanaAdminPassword/);
    });

    it("refuses a token stored in plain text with the --secret fix, never showing it", () => {
        const { problem, message } = problemFor(base, "grafanaApiToken", []);
        assert.equal(problem.given, "a value stored in plain text in the stack file");
        assert.equal(problem.fix, "pulumi config rm grafanaApiToken && pulumi config set --secret grafanaApiToken glsa_...");
        assert.ok(!message.includes(TOKEN));
    });

    it("refuses user:password as a token, and a token with a target this program deploys", () => {
        assert.match(
            problemFor({ ...base, grafanaApiToken: "admin:secret-pass" }, "grafanaApiToken").problem.allowed,
            /user:password goes in grafanaAdminUser/,
        );
        const { problem, message } = problemFor({ grafanaApiToken: TOKEN }, "grafanaApiToken");
        assert.match(problem.given, /with target "docker"/);
        assert.ok(!message.includes(TOKEN) && !message.includes("secret-pass"));
    });

    it("reports keys that configure a deployment as having no effect, all at once", () => {
        const err = problemsFor({
            ...base,
            grafanaImage: "grafana/grafana:12.0.0",
            rendererToken: "0123456789abcdef0123",
            grafanaPort: "3001",
            kubernetesMode: "sidecar",
        });
        assert.deepEqual(err.problems.map((p) => p.key).sort(), ["grafanaImage", "grafanaPort", "kubernetesMode", "rendererToken"]);
        assert.ok(!err.message.includes("0123456789abcdef0123"), "a secret key's value is not shown");
        assert.match(
            err.message,
            /grafanaImage: got "grafana\/grafana:12\.0\.0" with target existing; allowed: grafanaImage only with target docker or kubernetes/,
        );
    });

    it("demoAlert, verifyRule and replaceLeftovers", () => {
        const s = settingsFor({ ...base, demoAlert: "false", verifyRule: "abc-123_X", replaceLeftovers: "true" });
        assert.deepEqual([s.demoAlert, s.verifyRule, s.replaceLeftovers], [false, "abc-123_X", true]);
        assert.match(problemFor({ demoAlert: "no" }, "demoAlert").problem.fix, /pulumi config set demoAlert true/);
        assert.match(problemFor({ verifyRule: "My rule" }, "verifyRule").problem.allowed, /alert rule UID/);
    });
});
