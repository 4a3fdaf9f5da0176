// Grafana's security.secret_key (issue 23): generated (secret, in state) for a stack whose
// Grafana is new, delivered from the Kubernetes Secret or as a Docker file; a stack whose
// Grafana already encrypted data with the default key keeps it (read from the stack's last
// outputs) and is told how to migrate; neither churns on the next run.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { GRAFANA_KEY, grafanaKeyChoice } from "../components/program";
import { isSecretValue, ofType, one, RegisteredResource, valueOf } from "./harness/pulumiMocks";
import { runStack } from "./harness/program";

const PASSWORD = "random:index/randomPassword:RandomPassword";
const CONTAINER = "docker:index/container:Container";
const SECRET = "kubernetes:core/v1:Secret";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

/** Outputs of a stack deployed by a version before the generated key (no grafanaEncryptionKey). */
const OLD_DOCKER_OUTPUTS = { target: "docker", grafanaUrl: "http://localhost:3000", grafanaAdminPassword: "x", alertRuleName: "Demo" };

function withLast(last: Record<string, unknown> | undefined) {
    return (args: pulumi.runtime.MockResourceArgs) =>
        args.type === "pulumi:pulumi:StackReference" && last ? { outputs: last } : undefined;
}

/** The stack's plain outputs (secret ones left out). */
async function plainOutputs(outputs: Record<string, unknown>): Promise<Record<string, unknown>> {
    const plain: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(outputs)) {
        const o = pulumi.output(v as pulumi.Input<unknown>);
        if (!(await pulumi.isSecret(o))) plain[k] = await valueOf(o);
    }
    return plain;
}

function grafanaEnvNames(resources: RegisteredResource[]): string[] {
    return (one(resources, CONTAINER, "grafana-grafana").plain.envs as string[]).map((e) => e.slice(0, e.indexOf("=")));
}

/**
 * Each registration's inputs, secrets still marked, by type and name (what a preview diffs).
 * The preflight's stateHasObjects is left out: it turns true once the stack has outputs, and its
 * provider's diff ignores it (bookkeeping, preflightProvider.ts).
 */
function registrations(resources: RegisteredResource[]): Record<string, string> {
    return Object.fromEntries(resources.map((r) => [`${r.type}::${r.name}`, JSON.stringify({ ...r.inputs, stateHasObjects: undefined })]));
}

describe("Grafana's secret_key: a new stack gets its own", () => {
    it("Docker: generated once (40 characters, secret), handed over as GF_SECURITY_SECRET_KEY__FILE", async () => {
        const run = await runStack({ verify: "false" }, { stack: "dev" });
        assert.equal(run.error, undefined, String(run.error));
        const key = one(run.resources, PASSWORD, "secrets-grafana-secret-key");
        assert.equal(key.plain.length, 40);
        const grafana = one(run.resources, CONTAINER, "grafana-grafana");
        assert.ok(grafanaEnvNames(run.resources).includes("GF_SECURITY_SECRET_KEY__FILE"));
        assert.ok(!grafanaEnvNames(run.resources).includes("GF_SECURITY_SECRET_KEY"));
        const upload = (grafana.plain.uploads as Array<{ file: string; content: string }>).find((u) =>
            u.file.endsWith("/gf_security_secret_key"),
        );
        assert.match(upload?.content ?? "", /^generated-secrets-grafana-secret-key/);
        const plain = await plainOutputs(run.result!);
        assert.equal(plain.grafanaEncryptionKey, GRAFANA_KEY.generated);
        assert.ok(!(plain.nextSteps as string[]).some((s) => /secrets-migration/.test(s)));
    });

    for (const mode of ["sidecar", "separate", "operator"]) {
        it(`Kubernetes ${mode}: a key of the credentials Secret, read by Grafana through secretKeyRef`, async () => {
            const run = await runStack({ target: "kubernetes", kubernetesMode: mode, verify: "false" });
            assert.equal(run.error, undefined, String(run.error));
            const secret = one(run.resources, SECRET);
            assert.ok(isSecretValue(secret.inputs.stringData["secret-key"]) || isSecretValue(secret.inputs.stringData));
            assert.match(secret.plain.stringData["secret-key"], /^generated-secrets-grafana-secret-key/);
            const text = JSON.stringify(run.resources.map((r) => r.plain));
            assert.match(text, /"name":"GF_SECURITY_SECRET_KEY","valueFrom":\{"secretKeyRef":\{("name":"[^"]+",)?"key":"secret-key"\}\}/);
            assert.ok(!text.includes('"name":"GF_SECURITY_SECRET_KEY","value"'));
        });
    }

    it("kubernetesMode renderer has no Grafana, so no key", async () => {
        const run = await runStack({
            target: "kubernetes",
            kubernetesMode: "renderer",
            grafanaCallbackUrl: "http://grafana.monitoring:80/",
            verify: "false",
        });
        assert.equal(run.error, undefined, String(run.error));
        assert.equal(ofType(run.resources, PASSWORD).filter((p) => p.name.includes("secret-key")).length, 0);
        assert.equal(one(run.resources, SECRET).plain.stringData["secret-key"], undefined);
    });
});

describe("Grafana's secret_key: a Grafana that already has data keeps the default", () => {
    it("the choice, from the last outputs: new, deployed before, and what was recorded", () => {
        assert.equal(grafanaKeyChoice(undefined), "generated");
        assert.equal(grafanaKeyChoice({}), "generated");
        assert.equal(grafanaKeyChoice({ target: "kubernetes", renderingServerUrl: "x" }), "generated", "renderer mode had no Grafana");
        assert.equal(grafanaKeyChoice(OLD_DOCKER_OUTPUTS), "default");
        assert.equal(grafanaKeyChoice({ ...OLD_DOCKER_OUTPUTS, grafanaEncryptionKey: GRAFANA_KEY.generated }), "generated");
        assert.equal(grafanaKeyChoice({ ...OLD_DOCKER_OUTPUTS, grafanaEncryptionKey: GRAFANA_KEY.default }), "default");
    });

    it("Docker: no key, no GF_SECURITY_SECRET_KEY, and nextSteps names the migration", async () => {
        const run = await runStack({ verify: "false" }, { stack: "dev", stateFor: withLast(OLD_DOCKER_OUTPUTS) });
        assert.equal(run.error, undefined, String(run.error));
        assert.deepEqual(
            ofType(run.resources, PASSWORD).map((p) => p.name),
            ["secrets-grafana-admin-password", "secrets-renderer-token"],
        );
        assert.ok(!grafanaEnvNames(run.resources).some((n) => n.startsWith("GF_SECURITY_SECRET_KEY")));
        const plain = await plainOutputs(run.result!);
        assert.equal(plain.grafanaEncryptionKey, GRAFANA_KEY.default);
        const hint = (plain.nextSteps as string[]).find((s) => /secret_key/.test(s)) ?? "";
        assert.match(hint, /cannot read that data under another key/);
        assert.match(hint, /`grafana cli admin secrets-migration re-encrypt-data-keys`/);
        assert.match(hint, /`pulumi destroy --yes && pulumi up`/);
    });

    it("Kubernetes: the credentials Secret keeps exactly its keys, so nothing is replaced or restarted", async () => {
        const last = { target: "kubernetes", kubernetesMode: "sidecar", grafanaAdminPassword: "x" };
        const run = await runStack({ target: "kubernetes", kubernetesMode: "sidecar", verify: "false" }, { stateFor: withLast(last) });
        assert.equal(run.error, undefined, String(run.error));
        assert.deepEqual(Object.keys(one(run.resources, SECRET).plain.stringData).sort(), [
            "admin-password",
            "admin-user",
            "renderer-token",
        ]);
        assert.ok(!JSON.stringify(one(run.resources, DEPLOYMENT, "grafana-grafana").plain).includes("GF_SECURITY_SECRET_KEY"));
    });
});

describe("Grafana's secret_key: the next run shows no diff", () => {
    for (const [title, first] of [
        ["a new stack (generated)", undefined],
        ["an existing stack (default)", OLD_DOCKER_OUTPUTS],
    ] as const) {
        it(`${title}: the second run, reading the first run's outputs, registers the same inputs`, async () => {
            const one_ = await runStack({ verify: "false" }, { stack: "dev", stateFor: withLast(first) });
            assert.equal(one_.error, undefined, String(one_.error));
            const outputs = await plainOutputs(one_.result!);
            const two = await runStack(
                { verify: "false" },
                { stack: "dev", stateFor: withLast({ ...outputs, grafanaAdminPassword: "x" }) },
            );
            assert.deepEqual(registrations(two.resources), registrations(one_.resources));
        });
    }
});
