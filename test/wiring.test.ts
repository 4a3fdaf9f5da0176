import { strict as assert } from "assert";
import { decideWiring, grafanaEnvName, placementFor, rendererEnv } from "../components/wiring";
import { settingsFor } from "./harness/configSource";

const names = (env: { name: string }[]) => env.map((e) => e.name);

describe("wiring: one decision for every target", () => {
    const cases: Array<{ title: string; config: Record<string, string>; server: string; callback: string }> = [
        { title: "docker", config: {}, server: "http://renderer:8081/render", callback: "http://grafana:3000/" },
        { title: "kubernetes sidecar", config: { target: "kubernetes", kubernetesMode: "sidecar" }, server: "http://localhost:8081/render", callback: "http://localhost:3000/" },
        { title: "kubernetes operator", config: { target: "kubernetes", kubernetesMode: "operator" }, server: "http://localhost:8081/render", callback: "http://localhost:3000/" },
        {
            title: "kubernetes separate (Service port differs from the container port)",
            config: { target: "kubernetes", kubernetesMode: "separate", namespace: "obs", grafanaPort: "80" },
            server: "http://grafana-image-renderer.obs.svc.cluster.local:8081/render",
            callback: "http://grafana.obs.svc.cluster.local:80/",
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
        assert.equal(decideWiring(docker, placementFor(docker)).grafanaIni.server.root_url, "https://grafana.example.com/", "Docker: grafanaUrl is the public URL");
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
    it("v5 reads SERVER_ADDR and BROWSER_FLAG", () => {
        assert.deepEqual(names(rendererEnv(5, true)), ["AUTH_TOKEN", "SERVER_ADDR", "BROWSER_FLAG", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"]);
        assert.ok(!names(rendererEnv(5, false)).includes("BROWSER_FLAG"));
    });
    it("v3/v4 read HTTP_PORT and IGNORE_HTTPS_ERRORS", () => {
        assert.deepEqual(names(rendererEnv(4, true)), ["AUTH_TOKEN", "HTTP_PORT", "IGNORE_HTTPS_ERRORS", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"]);
        assert.ok(!names(rendererEnv(3, false)).includes("IGNORE_HTTPS_ERRORS"));
    });
    it("probes /healthz on v5 and / before", () => {
        const v5 = settingsFor();
        const v4 = settingsFor({ rendererImage: "grafana/grafana-image-renderer:v4.0.14" });
        assert.equal(decideWiring(v5, placementFor(v5)).renderer.healthPath, "/healthz");
        assert.equal(decideWiring(v4, placementFor(v4)).renderer.healthPath, "/");
    });
});
