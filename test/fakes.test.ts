// The fakes' own behaviour, checked directly over HTTP: what they model of Slack and Grafana
// (each cited in the fake's source). The product's tests (verifyChecks.test.ts and others)
// then only assert what the verifier does against them.
import { strict as assert } from "node:assert";
import { readPngHeader } from "../components/verify/png";
import { ALL_SCOPES, FakeGrafana, FakeSlack, GOOD_TOKEN } from "./fakes";

describe("the fakes model the services (direct HTTP)", () => {
    let grafana: FakeGrafana | undefined;
    let slack: FakeSlack | undefined;
    afterEach(async () => {
        await grafana?.close();
        await slack?.close();
        grafana = slack = undefined;
    });

    const slackPost = (s: FakeSlack, method: string, params: Record<string, string>) =>
        fetch(`${s.apiUrl}${method}`, {
            method: "POST",
            headers: { Authorization: `Bearer ${GOOD_TOKEN}`, "Content-Type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams(params).toString(),
        }).then((r) => r.json() as Promise<any>);

    it("fake Slack refuses conversations.list with a limit of 1000 as Slack does, and takes 999", async () => {
        slack = await FakeSlack.start({ tokens: { [GOOD_TOKEN]: { scopes: [...ALL_SCOPES] } } });
        assert.deepEqual(await slackPost(slack, "conversations.list", { types: "public_channel", limit: "1000" }), {
            ok: false,
            error: "invalid_arguments",
        });
        assert.equal((await slackPost(slack, "conversations.list", { types: "public_channel", limit: "999" })).ok, true);
    });

    it("fake Slack refuses a channel_id that is not a conversation ID, with Slack's own error", async () => {
        slack = await FakeSlack.start({ tokens: { [GOOD_TOKEN]: { scopes: [...ALL_SCOPES] } } });
        const body = await slackPost(slack, "files.completeUploadExternal", { files: "[]", channel_id: "C0123A" });
        assert.equal(body.error, "invalid_arguments");
        assert.match(body.response_metadata.messages[0], /input must match regex pattern: \^\[CGDZ\]\[A-Z0-9\]\{8,\}\$/);
    });

    it("fake Grafana renders an unknown dashboard as a 200 PNG of the requested size, and its API answers 404", async () => {
        grafana = await FakeGrafana.start({ dashboards: { "gsa-dev": [2] } });
        const auth = { Authorization: `Basic ${Buffer.from(grafana.auth).toString("base64")}` };
        const direct = await fetch(`${grafana.url}/render/d-solo/no-such-dash/_?panelId=2&width=1000&height=500&scale=1`, {
            headers: auth,
        });
        assert.equal(direct.status, 200);
        assert.deepEqual(readPngHeader(Buffer.from(await direct.arrayBuffer())), { ok: true, width: 1000, height: 500 });
        const noDash = await fetch(`${grafana.url}/api/dashboards/uid/no-such-dash`, { headers: auth });
        assert.deepEqual([noDash.status, await noDash.json()], [404, { message: "Dashboard not found" }]);
    });

    it("fake Grafana's renderer v5 clamps the viewport to 1000-3000 x 500-3000; v4 does not", async () => {
        grafana = await FakeGrafana.start({ rendererVersion: "5.11.1" });
        assert.deepEqual(grafana.rendererSize(640, 360), { width: 1000, height: 500 });
        assert.deepEqual(grafana.rendererSize(4000, 3500), { width: 3000, height: 3000 });
        await grafana.close();
        grafana = await FakeGrafana.start({ rendererVersion: "4.0.17" });
        assert.deepEqual(grafana.rendererSize(640, 360), { width: 640, height: 360 });
    });
});
