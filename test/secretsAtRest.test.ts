// Secrets at rest and in messages (issue 23): nothing derived from the password in plain
// state, text from Grafana scrubbed before it is shortened, and config messages that never
// quote URL credentials, token-looking values or megabytes.
import { strict as assert } from "assert";
import * as http from "node:http";
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import { ConfigValidationError, readSettings } from "../components/config/config";
import { runPreflight, type PreflightInputs } from "../components/alerting/preflight/preflightChecks";
import { runVerification } from "../components/verify/checks";
import { clip, looksLikeToken, redactSecrets } from "../components/shared/redaction";
import { show } from "../components/config/provisioning/files";
import { fakeConfigSource } from "./harness/configSource";
import { one } from "./harness/pulumiMocks";
import { runStack } from "./harness/program";
import { FAST_TIMING } from "./fakes";

const USER_PASS = "admin:Sup3rSecretPassw0rd";
const BASIC = Buffer.from(USER_PASS).toString("base64");

/** Every 6-character piece of the credential's Basic form and of the password: none may show. */
function assertNoPieceOf(text: string): void {
    for (const secret of [BASIC.slice(8), USER_PASS.slice(6)]) {
        for (let i = 0; i + 6 <= secret.length; i++) {
            assert.ok(!text.includes(secret.slice(i, i + 6)), `shows ${JSON.stringify(secret.slice(i, i + 6))}: ${text}`);
        }
    }
}

/**
 * A proxy in front of "Grafana" that echoes the request's Authorization header in its error
 * message, padded so that a 200 (or 160) character cut lands inside the credential.
 */
async function echoingProxy(pad: number): Promise<{ url: string; close: () => Promise<void> }> {
    const server = http.createServer((req, res) => {
        if (req.url === "/api/health" && !req.headers.authorization) {
            res.writeHead(200, { "Content-Type": "application/json" });
            res.end(JSON.stringify({ database: "ok", version: "12.0.0" }));
            return;
        }
        res.writeHead(502, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ message: `${"x".repeat(pad)} Authorization: ${req.headers.authorization ?? ""}` }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise((r) => server.close(() => r())),
    };
}

describe("secrets: no password-derived value in plain state", () => {
    it("the preflight's fingerprint of user:password is an additional secret output", async () => {
        const run = await runStack({});
        assert.equal(run.error, undefined, String(run.error));
        const preflight = one(run.resources, "pulumi-nodejs:dynamic/preflight:GrafanaPreflight", "preflight");
        assert.ok(preflight.secretOutputs?.includes("authFingerprint"), JSON.stringify(preflight.secretOutputs));
    });
});

describe("secrets: Grafana's text is scrubbed before it is shortened", function () {
    this.timeout(20_000);

    it("the verifier (doctor's checks): an echoed Authorization header cut at 200 characters shows no piece of it", async () => {
        // 200 - 173 = 27 characters of "Authorization: Basic <base64>": the cut lands in the password's part.
        const proxy = await echoingProxy(173);
        try {
            const report = await runVerification({
                grafanaUrl: proxy.url,
                grafanaAuth: USER_PASS,
                dashboardUid: "gsa-dev",
                panelId: 2,
                stackName: "grafana-slack-alerts/dev",
                timing: FAST_TIMING,
            });
            const text = JSON.stringify(report);
            assert.match(text, /Authorization: Basic \[reda\.\.\. \(205 characters\)/);
            assertNoPieceOf(text);
        } finally {
            await proxy.close();
        }
    });

    it("the preflight: the same echo cut at 160 characters", async () => {
        const proxy = await echoingProxy(133);
        try {
            const inputs: PreflightInputs = {
                grafanaUrl: proxy.url,
                grafanaAuth: USER_PASS,
                target: "existing",
                stackName: "dev",
                folderUid: "f",
                datasourceUid: "d",
                dashboardUid: "b",
                ruleGroup: "g",
                replaceLeftovers: false,
                requestTimeoutMs: 2_000,
                healthTimeoutMs: 300,
            };
            const err = await runPreflight(inputs, true).then(
                () => assert.fail("expected the preflight to fail"),
                (e: Error) => e,
            );
            assert.match(err.message, /Authorization: Basic \[reda\.\.\. \(165 characters\)/);
            assertNoPieceOf(err.message);
        } finally {
            await proxy.close();
        }
    });

    it("clip redacts first, then cuts", () => {
        const text = `${"x".repeat(30)} Authorization: Basic ${BASIC}`;
        const clean = `${"x".repeat(30)} Authorization: Basic [redacted]`;
        assert.equal(clip(text, 40), `${clean.slice(0, 40)}... (${clean.length} characters)`);
        assertNoPieceOf(clip(text, 60));
    });
});

describe("secrets: config messages quote no credentials, no tokens and no megabytes", () => {
    function problems(values: Record<string, string>): ConfigValidationError {
        try {
            readSettings(fakeConfigSource({ values }), "grafana-slack-alerts", "test");
        } catch (e) {
            assert.ok(e instanceof ConfigValidationError, String(e));
            return e;
        }
        assert.fail("expected a ConfigValidationError");
    }

    it("a URL's userinfo is never quoted, whatever else is wrong with the URL", () => {
        const err = problems({ grafanaUrl: "ftp://u:SeCrEt@h", grafanaRootUrl: "https://ops:hunter2hunter2@grafana.example.com" });
        assert.ok(!err.message.includes("SeCrEt") && !err.message.includes("hunter2"), err.message);
        assert.match(err.message, /grafanaUrl: got "ftp:\/\/\[redacted\]@h"/);
        assert.ok(err.problems.every((p) => !p.given.includes("SeCrEt")));
    });

    it("a token pasted into a non-secret key is not quoted, in any key", () => {
        const slack = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";
        const grafana = "glsa_AbCdEfGhIjKlMnOpQrStUvWxYz012345_0a1b2c3d";
        const random = "Zk9yM2xvbmdSYW5kb21LZXlNYXRlcmlhbDEyMzQ1Njc4OTA";
        const err = problems({ target: slack, kubernetesMode: grafana, namespace: random });
        for (const t of [slack, grafana, random]) assert.ok(!err.message.includes(t.slice(5, 20)), err.message);
        assert.match(err.message, /target: got "\[redacted\]"/);
    });

    it("a 2 MB value is quoted as its first 200 characters and its length", () => {
        const err = problems({ target: "y".repeat(2_000_000) });
        assert.ok(err.message.length < 3_000, `${err.message.length} characters`);
        assert.match(err.message, /target: got "y{200}\.\.\." \(2000000 characters\)/);
        assert.ok(err.problems.every((p) => p.given.length <= 1_100));
    });

    it("warnings are made safe the same way", () => {
        const token = "xoxb-1234567890-abcdefghijklmnop";
        const s = readSettings(
            fakeConfigSource({
                values: {
                    dashboardsDir: "examples/dashboards",
                    alertRulesDir: "examples/alert-rules",
                    slackToken: "xoxb-1111-2222-warningsTOKEN",
                    slackChannel: "C0123ABCD",
                    slackRoutes: JSON.stringify([{ channel: "#nowhere", matchers: [`team="${token}"`] }]),
                },
            }),
            "grafana-slack-alerts",
            "test",
            path.resolve(__dirname, ".."),
        );
        const route = s.warnings.find((w) => w.includes("#nowhere"));
        assert.ok(route, s.warnings.join("\n"));
        assert.ok(!route.includes(token.slice(5)), route);
        assert.match(route, /team="\[redacted\]"/);
    });

    it("the shapes: Slack and Grafana tokens, JWTs, Basic and Bearer credentials; not our own placeholders, UIDs or images", () => {
        for (const t of [
            "xoxb-1-2-abcdefghijkl",
            "xoxe.xoxp-1-AbCdEfGhIjKlMnOp",
            "xapp-1-A0B1C2D3E4-123456",
            "glsa_AbCdEfGh12345678_abcdef01",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig",
        ])
            assert.ok(looksLikeToken(t), t);
        for (const v of ["xoxb-...", "glsa_...", "C0123ABCD", "grafana/grafana:13.1.1", "gsa-dev-0123456789abcdef", "#grafana-alert"])
            assert.ok(!looksLikeToken(v), v);
        assert.equal(redactSecrets(`Authorization: Basic ${BASIC}`), "Authorization: Basic [redacted]");
        assert.equal(redactSecrets("Basic authentication, as a Bearer token"), "Basic authentication, as a Bearer token");
        // A value from a rule file, shown in a problem: redacted before it is cut to 80 characters.
        assert.equal(show(`${"x".repeat(60)} xoxb-${"1".repeat(40)}-abcdefghijkl`), `"${"x".repeat(60)} [redacted]"`);
    });
});
