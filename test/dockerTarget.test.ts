import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { isSecretValue, ofType, one, RegisteredResource, valueOf } from "./harness/pulumiMocks";
import { runStack } from "./harness/program";

const CONTAINER = "docker:index/container:Container";
const IMAGE = "docker:index/remoteImage:RemoteImage";
const NETWORK = "docker:index/network:Network";

/** KEY=VALUE list of a container as a map. */
function envOf(c: RegisteredResource): Record<string, string> {
    return Object.fromEntries((c.plain.envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

/** The files uploaded into a container, by path (plain values). */
function uploadsOf(c: RegisteredResource): Record<string, string> {
    return Object.fromEntries(((c.plain.uploads ?? []) as Array<{ file: string; content: string }>).map((u) => [u.file, u.content]));
}

/** Whether every upload's content is registered as a secret. */
function uploadsAreSecret(c: RegisteredResource): boolean {
    const uploads = c.inputs.uploads;
    if (isSecretValue(uploads)) return true;
    return Array.isArray(uploads) && uploads.every((u: any) => isSecretValue(u) || isSecretValue(u.content));
}

describe("docker target (default dev stack)", function () {
    const RENDERER_TOKEN = "configured-renderer-token-0123456789";
    let resources: RegisteredResource[];
    let outputs: Record<string, unknown>;
    let grafana: RegisteredResource;
    let renderer: RegisteredResource;

    before(async () => {
        const run = await runStack({ target: "docker", verify: "false", rendererToken: RENDERER_TOKEN }, { stack: "dev" });
        assert.equal(run.error, undefined, String(run.error));
        resources = run.resources;
        outputs = run.result!;
        grafana = one(resources, CONTAINER, "grafana-grafana");
        renderer = one(resources, CONTAINER, "grafana-renderer");
    });

    it("registers one network, two pinned images, two containers and a data volume", () => {
        assert.equal(ofType(resources, NETWORK).length, 1);
        assert.deepEqual(
            ofType(resources, IMAGE)
                .map((i) => i.plain.name)
                .sort(),
            ["grafana/grafana-image-renderer:v5.11.1", "grafana/grafana:13.1.1"],
        );
        assert.equal(ofType(resources, CONTAINER).length, 2);
        assert.equal(ofType(resources, "docker:index/volume:Volume").length, 1);
        for (const image of ofType(resources, IMAGE)) assert.doesNotMatch(image.plain.name, /:latest$/);
    });

    it("puts both containers on the same user-defined network under stable aliases", () => {
        const network = one(resources, NETWORK);
        assert.equal(network.plain.name, "grafana-slack-alerts-dev");
        assert.deepEqual(grafana.plain.networksAdvanced, [{ name: "grafana-slack-alerts-dev", aliases: ["grafana"] }]);
        assert.deepEqual(renderer.plain.networksAdvanced, [{ name: "grafana-slack-alerts-dev", aliases: ["renderer"] }]);
    });

    it("wires Grafana to the renderer by alias, never by localhost", () => {
        const env = envOf(grafana);
        assert.equal(env.GF_RENDERING_SERVER_URL, "http://renderer:8081/render");
        assert.equal(env.GF_RENDERING_CALLBACK_URL, "http://grafana:3000/");
        assert.doesNotMatch(env.GF_RENDERING_SERVER_URL + env.GF_RENDERING_CALLBACK_URL, /localhost|127\.0\.0\.1/);
    });

    it("gives both sides the same renderer token: Grafana's as a file (__FILE), the renderer's a secret env", () => {
        const env = envOf(grafana);
        assert.equal(env.GF_RENDERING_RENDERER_TOKEN, undefined, "no token in Grafana's container settings");
        assert.equal(env.GF_RENDERING_RENDERER_TOKEN__FILE, "/run/secrets/grafana-slack-alerts/gf_rendering_renderer_token");
        assert.equal(uploadsOf(grafana)[env.GF_RENDERING_RENDERER_TOKEN__FILE], RENDERER_TOKEN);
        assert.ok(uploadsAreSecret(grafana), "the uploaded values are secrets in the state");
        assert.equal(envOf(renderer).AUTH_TOKEN, RENDERER_TOKEN);
        assert.ok(isSecretValue(renderer.inputs.envs), "the renderer's env (token) is a secret");
    });

    it("puts no secret into Grafana's environment (docker inspect shows only file paths)", () => {
        const values = Object.values(uploadsOf(grafana));
        assert.equal(values.length, 3, "admin password, renderer token, secret_key");
        for (const v of values) assert.ok(!(grafana.plain.envs as string[]).some((e) => e.includes(v)));
        assert.ok(!isSecretValue(grafana.inputs.envs), "nothing secret left in the env list");
        for (const e of grafana.plain.envs as string[]) if (e.includes("__FILE=")) assert.match(e, /^GF_[A-Z_]+__FILE=\/run\/secrets\//);
    });

    it("sets admin credentials and enables alert screenshots", () => {
        const env = envOf(grafana);
        assert.equal(env.GF_SECURITY_ADMIN_USER, "admin");
        assert.equal(env.GF_SECURITY_ADMIN_PASSWORD, undefined);
        assert.match(uploadsOf(grafana)[env.GF_SECURITY_ADMIN_PASSWORD__FILE], /^generated-secrets-grafana-admin-password/);
        assert.equal(env.GF_UNIFIED_ALERTING_SCREENSHOTS_CAPTURE, "true");
        assert.match(env.GF_UNIFIED_ALERTING_SCREENSHOTS_CAPTURE_TIMEOUT, /^\d+s$/);
    });

    it("uses renderer v5 variable names for a v5 image, certificate checks on, no XDG variables", () => {
        const env = envOf(renderer);
        assert.equal(env.SERVER_ADDR, ":8081");
        assert.equal(env.BROWSER_FLAG, undefined, "ignoreHttpsErrors is false by default");
        assert.equal(env.IGNORE_HTTPS_ERRORS, undefined);
        assert.equal(env.XDG_CONFIG_HOME, undefined, "v5 makes a directory per browser only when XDG_* are unset");
    });

    it("bounds the renderer's memory: the container limit and the env derived from it agree", () => {
        const env = envOf(renderer);
        assert.equal(renderer.plain.memory, 2048, "MB, the same 2Gi limit as on Kubernetes");
        assert.equal(grafana.plain.memory, 1024);
        // No swap: Docker's default (as much swap again) would be read back as a change at every preview.
        assert.equal(renderer.plain.memorySwap, 2048);
        assert.equal(grafana.plain.memorySwap, 1024);
        assert.equal(env.GOMEMLIMIT, "256MiB");
        assert.equal(Number(env.RATE_LIMIT_MAX_AVAILABLE), (2048 - 256) * 2 ** 20, "what is left for Chromium, in bytes");
        assert.ok(Number(env.RATE_LIMIT_MAX_LIMIT) >= 1 && Number(env.RATE_LIMIT_MAX_LIMIT) <= 8);
        assert.ok(Number(env.RATE_LIMIT_MIN_LIMIT) <= Number(env.RATE_LIMIT_MAX_LIMIT));
    });

    it("publishes only Grafana, on 127.0.0.1:grafanaPort", () => {
        assert.equal(renderer.plain.ports, undefined);
        assert.deepEqual(grafana.plain.ports, [{ internal: 3000, external: 3000, ip: "127.0.0.1" }]);
    });

    it("health-checks and waits for both containers, restarts them, keeps Grafana's data in a volume", () => {
        for (const c of [grafana, renderer]) {
            assert.ok(c.plain.healthcheck.tests.length > 0);
            assert.equal(c.plain.wait, true);
            assert.ok(c.plain.waitTimeout > 0);
            assert.equal(c.plain.restart, "unless-stopped");
            assert.deepEqual(c.plain.capabilities, { drops: ["ALL"] });
        }
        assert.match(grafana.plain.healthcheck.tests.join(" "), /\/api\/health/);
        assert.deepEqual(renderer.plain.healthcheck.tests, ["CMD", "/usr/bin/grafana-image-renderer", "healthcheck"]);
        assert.equal(grafana.plain.volumes[0].containerPath, "/var/lib/grafana");
    });

    it("exports the URLs and target, and keeps the password a secret output", async () => {
        assert.equal(await valueOf(outputs.grafanaUrl as pulumi.Output<string>), "http://localhost:3000");
        assert.equal(outputs.renderingServerUrl, "http://renderer:8081/render");
        assert.equal(outputs.renderingCallbackUrl, "http://grafana:3000/");
        assert.equal(outputs.target, "docker");
        assert.equal(await pulumi.isSecret(outputs.grafanaAdminPassword as pulumi.Output<string>), true);
    });

    it("generates the admin password and Grafana's secret_key (the token was configured)", () => {
        const generated = ofType(resources, "random:index/randomPassword:RandomPassword");
        assert.deepEqual(
            generated.map((r) => r.name),
            ["secrets-grafana-admin-password", "secrets-grafana-secret-key"],
        );
        for (const g of generated) assert.equal(g.plain.special, false);
        assert.equal(generated[1].plain.length, 40);
    });
});

describe("docker target with a v4 renderer", () => {
    it("uses the old variable names and probe", async () => {
        const run = await runStack({ verify: "false", rendererImage: "grafana/grafana-image-renderer:v4.0.14" });
        assert.equal(run.error, undefined, String(run.error));
        const env = envOf(one(run.resources, CONTAINER, "grafana-renderer"));
        assert.equal(env.IGNORE_HTTPS_ERRORS, undefined);
        assert.equal(env.XDG_CONFIG_HOME, "/tmp/.chromium", "v3/v4 need a writable Chromium home");
        assert.equal(env.GOMEMLIMIT, undefined);
        assert.equal(env.HTTP_PORT, "8081");
        assert.equal(env.BROWSER_FLAG, undefined);
        assert.equal(env.SERVER_ADDR, undefined);
        assert.match(one(run.resources, CONTAINER, "grafana-renderer").plain.healthcheck.tests.join(" "), /8081\/ /);
    });
});

describe("docker target: ignoreHttpsErrors", () => {
    it("is refused: the renderer loads Grafana over plain http, so it would only switch certificate checks off", async () => {
        const run = await runStack({ verify: "false", ignoreHttpsErrors: "true" });
        assert.match(
            String(run.error),
            /ignoreHttpsErrors: got true while the renderer loads Grafana over plain http.*\n.*fix: pulumi config rm ignoreHttpsErrors/,
        );
        assert.deepEqual(run.resources, []);
    });
});

describe("bad config creates nothing", () => {
    it("registers no resource and reports every problem", async () => {
        const run = await runStack({ target: "docker", kubernetesMode: "sidecar", grafanaPort: "-1", slackChannel: "#alerts" });
        assert.ok(run.error instanceof Error);
        assert.match(run.error.message, /3 problems/);
        assert.deepEqual(run.resources, []);
    });
});
