import { strict as assert } from "assert";
import { BROWSER_MEMORY_BUDGET_MIB, decideWiring, grafanaEnvName, rendererEnv, rendererMemoryEnv } from "../components/wiring/wiring";
import { placementFor } from "../components/program";
import { settingsFor } from "./harness/configSource";

const names = (env: { name: string }[]) => env.map((e) => e.name);

describe("wiring: one decision for every target", () => {
    const cases: Array<{ title: string; config: Record<string, string>; server: string; callback: string }> = [
        { title: "docker", config: {}, server: "http://renderer:8081/render", callback: "http://grafana:3000/" },
        {
            title: "kubernetes sidecar",
            config: { target: "kubernetes", kubernetesMode: "sidecar" },
            server: "http://localhost:8081/render",
            callback: "http://localhost:3000/",
        },
        {
            title: "kubernetes operator",
            config: { target: "kubernetes", kubernetesMode: "operator" },
            server: "http://localhost:8081/render",
            callback: "http://localhost:3000/",
        },
        {
            title: "kubernetes separate (Service port differs from the container port)",
            config: { target: "kubernetes", kubernetesMode: "separate", namespace: "obs", grafanaPort: "80" },
            // <service>.<namespace>: resolved through the pod's search domains, whatever the cluster's DNS domain.
            server: "http://grafana-image-renderer.obs:8081/render",
            callback: "http://grafana.obs:80/",
        },
        {
            title: "kubernetes renderer (Grafana from elsewhere, callback as configured)",
            config: {
                target: "kubernetes",
                kubernetesMode: "renderer",
                namespace: "rendering",
                grafanaCallbackUrl: "http://grafana.monitoring",
            },
            server: "http://grafana-image-renderer.rendering:8081/render",
            callback: "http://grafana.monitoring/",
        },
    ];
    for (const c of cases) {
        it(`${c.title}: server and callback URLs`, () => {
            const s = settingsFor(c.config);
            const w = decideWiring(s, placementFor(s));
            assert.equal(w.renderingServerUrl, c.server);
            assert.equal(w.renderingCallbackUrl, c.callback);
            assert.equal(w.grafanaIni.rendering.server_url, c.server);
            assert.equal(w.grafanaIni.rendering.callback_url, c.callback);
        });
    }

    it("target existing deploys nothing, so nothing is placed or wired", () => {
        const existing = settingsFor({
            target: "existing",
            grafanaUrl: "https://g.example.com",
            grafanaAdminPassword: "long-enough-password",
        });
        assert.throws(() => placementFor(existing), /target existing deploys nothing/);
    });

    it("delivers the token and the admin password only as secret references", () => {
        const s = settingsFor();
        const w = decideWiring(s, placementFor(s));
        const secretRefs = [...w.grafana.env, ...w.renderer.env].filter((e) => e.secret).map((e) => `${e.name}<-${e.secret}`);
        assert.deepEqual(secretRefs.sort(), [
            "AUTH_TOKEN<-rendererToken",
            "GF_RENDERING_RENDERER_TOKEN<-rendererToken",
            "GF_SECURITY_ADMIN_PASSWORD<-grafanaAdminPassword",
        ]);
        for (const e of [...w.grafana.env, ...w.renderer.env]) {
            if (/TOKEN|PASSWORD/.test(e.name)) assert.equal(e.value, undefined, `${e.name} has no literal value`);
        }
    });

    it("turns grafana.ini keys into GF_ variables and sets root_url from the public URL", () => {
        assert.equal(grafanaEnvName("unified_alerting.screenshots", "capture"), "GF_UNIFIED_ALERTING_SCREENSHOTS_CAPTURE");
        const docker = settingsFor({ grafanaUrl: "https://grafana.example.com" });
        assert.equal(
            decideWiring(docker, placementFor(docker)).grafanaIni.server.root_url,
            "https://grafana.example.com/",
            "Docker: grafanaUrl is the public URL",
        );
        const k8s = settingsFor({ target: "kubernetes" });
        assert.equal(decideWiring(k8s, placementFor(k8s)).grafanaIni.server, undefined, "unknown public URL: no root_url");
        const public_ = settingsFor({ target: "kubernetes", grafanaRootUrl: "https://grafana.example.com" });
        assert.equal(decideWiring(public_, placementFor(public_)).grafanaIni.server.root_url, "https://grafana.example.com/");
    });

    it("Kubernetes: setting grafanaUrl (a port-forward) does not change the wiring, so Grafana is not restarted", () => {
        const before = settingsFor({ target: "kubernetes" });
        const after = settingsFor({ target: "kubernetes", grafanaUrl: "http://localhost:3000" });
        assert.deepEqual(decideWiring(after, placementFor(after)), decideWiring(before, placementFor(before)));
    });
});

describe("wiring: renderer variables follow its major version", () => {
    it("v5 reads SERVER_ADDR and BROWSER_FLAG, and gets no XDG variables (they would defeat its per-browser directories)", () => {
        assert.deepEqual(names(rendererEnv(5, true)), ["AUTH_TOKEN", "SERVER_ADDR", "BROWSER_FLAG"]);
        assert.ok(!names(rendererEnv(5, false)).includes("BROWSER_FLAG"));
        const s = settingsFor({ target: "kubernetes" });
        const env = names(decideWiring(s, placementFor(s)).renderer.env);
        assert.ok(!env.some((n) => n.startsWith("XDG_")), env.join(","));
    });
    it("v3/v4 read HTTP_PORT and IGNORE_HTTPS_ERRORS", () => {
        assert.deepEqual(
            names(rendererEnv(4, true, "2Gi")),
            ["AUTH_TOKEN", "HTTP_PORT", "IGNORE_HTTPS_ERRORS", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"],
            "no v5 memory variables",
        );
        assert.ok(!names(rendererEnv(3, false)).includes("IGNORE_HTTPS_ERRORS"));
    });
    it("probes /healthz on v5 and / before", () => {
        const v5 = settingsFor();
        const v4 = settingsFor({ rendererImage: "grafana/grafana-image-renderer:v4.0.14" });
        assert.equal(decideWiring(v5, placementFor(v5)).renderer.healthPath, "/healthz");
        assert.equal(decideWiring(v4, placementFor(v4)).renderer.healthPath, "/");
    });
});

describe("wiring: the renderer's memory bounds follow its memory limit (v5)", () => {
    const envOf = (limit: string) => Object.fromEntries(rendererMemoryEnv(limit).map((e) => [e.name, e.value]));

    it("2Gi: GOMEMLIMIT an eighth of the limit, the rest for browsers, one render per budget", () => {
        const env = envOf("2Gi");
        assert.equal(env.GOMEMLIMIT, "256MiB", "renderer docs: 1 GiB of GOMEMLIMIT per 8 GiB of limit");
        assert.equal(env.RATE_LIMIT_MAX_AVAILABLE, String((2048 - 256) * 2 ** 20), "bytes");
        assert.equal(env.RATE_LIMIT_MAX_LIMIT, String(Math.floor((2048 - 256) / BROWSER_MEMORY_BUDGET_MIB)));
        assert.equal(env.RATE_LIMIT_MIN_LIMIT, "3");
    });

    it("scales with the limit, and a small limit lowers the minimum below the renderer's default of 3", () => {
        const big = envOf("16Gi");
        assert.equal(big.GOMEMLIMIT, "2048MiB");
        assert.equal(big.RATE_LIMIT_MAX_LIMIT, String(Math.floor((16384 - 2048) / BROWSER_MEMORY_BUDGET_MIB)));
        const small = envOf("512Mi");
        assert.equal(small.GOMEMLIMIT, "64MiB");
        assert.equal(small.RATE_LIMIT_MAX_LIMIT, "1");
        assert.equal(small.RATE_LIMIT_MIN_LIMIT, "1", "the limiter admits MIN_LIMIT renders before checking the cap");
        assert.equal(envOf("2000M").RATE_LIMIT_MAX_AVAILABLE, String(2000e6 - 238 * 2 ** 20), "decimal units too");
        assert.throws(() => rendererMemoryEnv("lots"), /not a memory quantity/);
    });

    it("every target's v5 renderer carries them, derived from the plan's own limit", () => {
        const configs: Record<string, string>[] = [{}, { target: "kubernetes" }, { target: "kubernetes", kubernetesMode: "sidecar" }];
        for (const config of configs) {
            const s = settingsFor(config);
            const w = decideWiring(s, placementFor(s));
            const env = Object.fromEntries(w.renderer.env.map((e) => [e.name, e.value]));
            assert.deepEqual(
                Object.fromEntries(Object.entries(env).filter(([k]) => k === "GOMEMLIMIT" || k.startsWith("RATE_LIMIT_"))),
                envOf(w.renderer.resources.limits.memory),
                JSON.stringify(config),
            );
        }
    });
});
