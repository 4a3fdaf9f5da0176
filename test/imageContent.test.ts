// "A real panel" by content (components/verify/panelContent.ts, pixels.ts), over real HTTP
// against the fake Grafana: a renderer whose browser is not logged in pictures the login
// page for every URL at exactly the requested size; the verification must fail before
// anything is posted to Slack, naming the callback URL and the cause. Plus the measure
// itself, and dashboards Grafana 12+ stores in schema v2.
import { strict as assert } from "node:assert";
import { runVerification, type VerifyOptions } from "../components/verify/checks";
import { decodePng, pixelDifference, SAME_PAGE_THRESHOLD } from "../components/verify/pixels";
import { FAST_TIMING, FakeGrafana, FakeSlack, makePng, type FakeGrafanaOptions, verifyOptionsFor } from "./fakes";
import { makePicture } from "./fakes/png";

describe("image content: a panel, not a login page", () => {
    let grafana: FakeGrafana;
    let slack: FakeSlack;

    async function start(g: FakeGrafanaOptions = {}) {
        grafana = await FakeGrafana.start(g);
        slack = await FakeSlack.start();
    }

    function options(over: Partial<VerifyOptions> = {}): VerifyOptions {
        return verifyOptionsFor(grafana, slack, {
            rendererCallbackUrl: "http://grafana:3000/",
            timing: FAST_TIMING,
            ...over,
        });
    }

    afterEach(async () => {
        await grafana?.close();
        await slack?.close();
    });

    it("pixelDifference: 0 for the same picture, most pixels for another page, and scales across sizes", () => {
        const panel = decodePng(makePicture(1000, 500, "panel", 2));
        const login = decodePng(makePicture(1000, 500, "login"));
        assert.equal(pixelDifference(panel, decodePng(makePicture(1000, 500, "panel", 2))), 0);
        assert.ok(pixelDifference(panel, login) > 0.1);
        // A screenshot at twice the scale is still the same page as its reference.
        assert.ok(pixelDifference(decodePng(makePicture(2000, 1000, "login")), login) < SAME_PAGE_THRESHOLD);
        // Solid images differ only by colour beyond the tolerance.
        assert.equal(pixelDifference(decodePng(makePng(10, 10, [10, 10, 10])), decodePng(makePng(10, 10, [20, 20, 20]))), 0);
        assert.equal(pixelDifference(decodePng(makePng(10, 10, [10, 10, 10])), decodePng(makePng(10, 10, [200, 20, 20]))), 1);
    });

    it("a renderer that pictures the login page for every URL: fails grafana.render, names the callback URL and the cause, posts nothing", async () => {
        await start({ renderMode: "loginPage" });
        const report = await runVerification(options());
        const c = report.checks.find((x) => x.id === "grafana.render")!;
        assert.equal(c.status, "fail");
        assert.equal(c.key, "render_login_page");
        assert.match(
            c.finding,
            /^Grafana's renderer pictured its login page instead of panel 2 of dashboard gsa-dev: the 1000x500 PNG is the same page as a render of \/login \(0% of its pixels differ\) and as a render of a panel the dashboard does not have \(0%\)/,
        );
        assert.match(c.finding, /loads Grafana at http:\/\/grafana:3000\/ \(GF_RENDERING_CALLBACK_URL\) without being logged in/);
        assert.match(c.fix ?? "", /not through an auth proxy, SSO or OAuth gateway/);
        assert.equal(report.verified, false);
        // Nothing reached Slack: the upload needs a real panel.
        assert.equal(report.checks.find((x) => x.id === "slack.upload")?.status, "skip");
        assert.equal(slack.faults.count("files.getUploadURLExternal"), 0);
        assert.deepEqual(
            grafana.renders.map((r) => r.path ?? `panel ${r.panelId}`),
            ["panel 2", "panel 1002", "login"],
        );
        // Both images' sizes and the differences measured, for --json and the outputs.
        const content = report.image?.content;
        assert.deepEqual(
            content?.references.map((r) => [r.what, r.width, r.height, r.difference]),
            [
                ["panel 1002 (not in the dashboard)", 1000, 500, 0],
                ["/login", 1000, 500, 0],
            ],
        );
        assert.equal(content?.verdict, "login");
    });

    it("without a known callback URL the message names GF_RENDERING_CALLBACK_URL", async () => {
        await start({ renderMode: "loginPage" });
        const report = await runVerification(options({ rendererCallbackUrl: undefined, slackToken: undefined }));
        const c = report.checks.find((x) => x.id === "grafana.render")!;
        assert.match(c.finding, /loads Grafana at GF_RENDERING_CALLBACK_URL \(\[rendering\] callback_url\) without being logged in/);
    });

    it("a panel that renders as the page of a missing panel (but not /login): render_not_panel", async () => {
        // The dashboard the renderer sees has no panels: every panel is "not found".
        await start({ dashboards: { "gsa-dev": [2] } });
        const original = grafana.picture.bind(grafana);
        grafana.picture = (uid, _panelId, w, h) => original(uid, 999, w, h);
        const report = await runVerification(options());
        const c = report.checks.find((x) => x.id === "grafana.render")!;
        assert.equal(c.key, "render_not_panel", c.finding);
        assert.match(
            c.finding,
            /the same as a panel that does not exist: the 1000x500 PNG differs from a render of panel 1002 \(not in the dashboard\) in 0%/,
        );
        assert.equal(slack.faults.count("files.getUploadURLExternal"), 0);
    });

    it("a dashboard in schema v2 (406 on the classic API): read through /apis, its panels found, the panel rendered", async () => {
        await start({ dashboardsV2: ["gsa-dev"] });
        const report = await runVerification(options({ slackToken: undefined }));
        const c = report.checks.find((x) => x.id === "grafana.dashboard")!;
        assert.equal(c.status, "pass", c.finding);
        assert.match(c.finding, /^dashboard gsa-dev \("Fake gsa-dev"\) has panel 2 \("Panel 2"\)$/);
        assert.equal(report.checks.find((x) => x.id === "grafana.render")?.status, "pass");
        const missing = await runVerification(options({ slackToken: undefined, panelId: 7 }));
        assert.equal(missing.checks.find((x) => x.id === "grafana.dashboard")?.key, "panel_not_found");
    });
});
