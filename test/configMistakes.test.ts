// A newcomer's config mistakes, caught when the config is read (before anything is created,
// and by `npm run up`'s preflight), each with one coherent fix that fits the key: sizes of
// Grafana's own, no format nit for a key that must go, no direct-message channel, no Docker
// network name as the address this machine reaches Grafana at, and no placeholder in a
// shipped stack file that would only fail at upload time.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { ConfigValidationError, readSettings, type ConfigProblem } from "../components/config/config";
import { fakeConfigSource } from "./harness/configSource";
import { runStack } from "./harness/program";
import * as pulumi from "@pulumi/pulumi";

const REPO = path.resolve(__dirname, "..");
const preflight = require("../scripts/preflight") as { configProblems(o: { root: string; stack: string }): string[] };

/** The problems readSettings reports for these values (none: []). */
function problems(values: Record<string, string>, stack = "dev"): ConfigProblem[] {
    try {
        readSettings(fakeConfigSource({ values }), "grafana-slack-alerts", stack, REPO);
        return [];
    } catch (e) {
        if (e instanceof ConfigValidationError) return e.problems;
        throw e;
    }
}

describe("config: a newcomer's mistakes, one fitting fix each", () => {
    it("grafanaMemory in the wrong form: the example is Grafana's own size, not the renderer's", () => {
        const [p, ...rest] = problems({ grafanaMemory: "128Mi" });
        assert.deepEqual(rest, []);
        assert.equal(p.key, "grafanaMemory");
        assert.match(p.allowed, /e\.g\. 256Mi\/1Gi/);
        assert.equal(p.fix, "pulumi config set grafanaMemory 256Mi/1Gi");
        // The renderer keeps its own.
        assert.equal(problems({ rendererMemory: "1Gi" })[0].fix, "pulumi config set rendererMemory 512Mi/2Gi");
        assert.equal(problems({ target: "kubernetes", grafanaCpu: "2" })[0].fix, "pulumi config set grafanaCpu 100m/1");
    });

    it("grafanaCpu: abc on Docker is one problem (remove it), not also a format complaint", () => {
        assert.deepEqual(
            problems({ grafanaCpu: "abc" }).map((p) => [p.key, p.fix]),
            [["grafanaCpu", "pulumi config rm grafanaCpu"]],
        );
        // The same where Grafana is not deployed at all.
        const renderer = { target: "kubernetes", kubernetesMode: "renderer", grafanaCallbackUrl: "http://grafana.monitoring:80/" };
        assert.deepEqual(
            problems({ ...renderer, grafanaMemory: "lots" }).map((p) => [p.key, p.fix]),
            [["grafanaMemory", "pulumi config rm grafanaMemory"]],
        );
        // Where it belongs, its format is checked.
        assert.match(problems({ target: "kubernetes", grafanaCpu: "abc" })[0].allowed, /request\/limit as two Kubernetes cpu quantities/);
    });

    it("D… and Z… IDs are refused with the reason (the app has channel scopes only), in slackChannel and slackRoutes", () => {
        for (const id of ["D0123ABCDE", "Z0123ABCDE"]) {
            const [p, ...rest] = problems({ slackToken: "xoxb-1", slackChannel: id });
            assert.deepEqual(rest, []);
            assert.equal(p.key, "slackChannel");
            assert.match(
                p.allowed,
                /alerts go to a channel \(C… public, G… private\).*channels:\*, groups:\* in slack-app-manifest\.yaml.*im:read and im:history/,
            );
            assert.match(p.fix, /^pulumi config set slackChannel C0123ABCD/);
        }
        assert.match(problems({ slackToken: "xoxb-1", slackChannel: "D0123ABCDE" })[0].allowed, /^D… is a direct message/);
        const routes = JSON.stringify([{ channel: "D0456ABCDE", matchers: ["team=db"] }]);
        const routed = problems({
            slackToken: "xoxb-1",
            slackChannel: "C0123ABCDE",
            slackRoutes: routes,
            alertRulesDir: "examples/alert-rules",
        });
        assert.ok(
            routed.some((p) => p.key === "slackRoutes" && /D… is a direct message/.test(p.allowed)),
            JSON.stringify(routed),
        );
        // The manifest indeed asks for no direct-message scope.
        assert.doesNotMatch(fs.readFileSync(path.join(REPO, "slack-app-manifest.yaml"), "utf8"), /^\s*- (im|mpim):/m);
    });

    it("grafanaUrl http://grafana:3000 on Docker: refused, saying that name only resolves inside the stack's network", () => {
        for (const url of ["http://grafana:3000", "http://grafana-dev:3000/", "http://renderer:8081"]) {
            const [p, ...rest] = problems({ grafanaUrl: url });
            assert.deepEqual(rest, [], url);
            assert.equal(p.key, "grafanaUrl");
            assert.match(
                p.allowed,
                /Docker publishes Grafana on 127\.0\.0\.1:3000; .* is a name on the stack's own Docker network, which only its containers resolve/,
            );
            assert.equal(p.fix, "pulumi config rm grafanaUrl");
        }
        assert.deepEqual(problems({ grafanaUrl: "http://localhost:3000" }), []);
        // On Kubernetes a Service name can be right (Pulumi running in the cluster).
        assert.deepEqual(problems({ target: "kubernetes", grafanaUrl: "http://grafana:3000" }, "k8s"), []);
    });

    it("Pulumi.existing.yaml ships no placeholder: with only the secrets, the missing URL and channel show at config time", () => {
        const doc = yaml.load(fs.readFileSync(path.join(REPO, "Pulumi.existing.yaml"), "utf8")) as { config: Record<string, unknown> };
        const values: Record<string, string> = {};
        for (const [k, v] of Object.entries(doc.config)) values[k.replace(/^grafana-slack-alerts:/, "")] = String(v);
        const secrets = { grafanaApiToken: "glsa_placeholder", slackToken: "xoxb-placeholder" };
        const found = (() => {
            try {
                readSettings(fakeConfigSource({ values: { ...values, ...secrets } }), "grafana-slack-alerts", "existing", REPO);
                return [];
            } catch (e) {
                return (e as ConfigValidationError).problems.map((p) => p.key);
            }
        })();
        assert.deepEqual(found.sort(), ["grafanaUrl", "slackChannel"]);
        // And `PULUMI_STACK=existing npm run up` says so before anything else, without a CLI.
        const shipped = preflight.configProblems({ root: REPO, stack: "existing" });
        assert.deepEqual(
            shipped.map((p) => p.split(":")[0]),
            ["grafanaUrl", "grafanaApiToken"],
        );
        assert.match(shipped[0], /fix: PULUMI_STACK=existing npm run pulumi -- config set grafanaUrl https:\/\/grafana\.example\.com/);
    });

    it("a bad config leaves the program as a RunError without stack frames (the runner's formatting of frames hung 20-60 s)", async () => {
        // Pulumi's runner formats every uncaught error with util.inspect({colors: true}) for a
        // tracing event; on Node 20 that loops on the SDK's source-mapped frames
        // (node_modules/@pulumi/resource.ts), nodejs/node#64011. The runner prints only the
        // message of a RunError, so its frames are dropped before it leaves the program.
        const run = await runStack({ kubernetesMode: "sidecars" });
        const e = run.error as Error;
        assert.ok(pulumi.RunError.isInstance(e), "printed without a stack trace");
        assert.equal(e.stack, `ConfigValidationError: ${e.message}`);
        assert.doesNotMatch(String(e.stack), /\n\s+at /);
        assert.equal(run.resources.length, 0);
    });
});
