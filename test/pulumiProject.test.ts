// The mocks never apply the CLI's project-file rules, so this test does: Pulumi.yaml
// against the published schema, and every shipped Pulumi.<stack>.yaml against the
// engine's config rules (required keys, secret keys encrypted, types) and our own
// validation, so `pulumi up` on a shipped stack cannot fail on config.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import Ajv2020 from "ajv/dist/2020";
import { CONFIG_KEYS, readSettings } from "../components/config/config";
import { fakeConfigSource } from "./harness/configSource";
import { SHARED_SCHEMAS_DIR, VENDORED_SCHEMAS_DIR, schemaPath } from "./harness/sharedSchemas";

const ROOT = path.resolve(__dirname, "..");
const SCHEMA = schemaPath("pulumi-project.schema.json");
const PROJECT = "grafana-slack-alerts";

const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as any;
const stackFiles = fs
    .readdirSync(ROOT)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .sort();

type Decl = { type: string; default?: unknown; secret?: boolean; description?: string; value?: unknown };

/** The engine's rules for a project `config:` block (pulumi/pulumi sdk/go/common/workspace). */
function projectConfigProblems(config: Record<string, Decl | string | number | boolean>): string[] {
    const problems: string[] = [];
    for (const [key, decl] of Object.entries(config)) {
        const namespaced = key.includes(":") && !key.startsWith(`${PROJECT}:`);
        if (typeof decl !== "object") continue;
        if (namespaced) {
            if ("type" in decl || "default" in decl) problems.push(`${key}: keys of other namespaces take 'value', not type/default`);
            continue;
        }
        if (decl.default !== undefined) {
            const ok = {
                string: typeof decl.default === "string",
                integer: Number.isInteger(decl.default),
                boolean: typeof decl.default === "boolean",
            }[decl.type as "string"];
            if (!ok) problems.push(`${key}: default ${JSON.stringify(decl.default)} does not match type ${decl.type}`);
            if (decl.secret) problems.push(`${key}: secret: true with a plain default fails "must be encrypted as it's secret"`);
        }
    }
    return problems;
}

/** The engine's rules for one stack against the project's declarations. */
function stackConfigProblems(stack: string, stackConfig: Record<string, unknown>, decls: Record<string, Decl>): string[] {
    const problems: string[] = [];
    for (const [key, decl] of Object.entries(decls)) {
        const full = `${PROJECT}:${key}`;
        const value = stackConfig[full];
        if (value === undefined) {
            if (decl.default === undefined) problems.push(`${stack}: missing configuration value '${key}' (declared without a default)`);
            continue;
        }
        if (decl.secret && !(typeof value === "object" && value !== null && "secure" in value)) {
            problems.push(`${stack}: '${key}' must be encrypted as it's secret`);
        }
        if (typeof value !== "object") {
            const s = String(value);
            if (decl.type === "integer" && !/^-?\d+$/.test(s)) problems.push(`${stack}: '${key}' is not an integer`);
            if (decl.type === "boolean" && !/^(true|false)$/.test(s)) problems.push(`${stack}: '${key}' is not a boolean`);
        }
    }
    return problems;
}

describe("Pulumi.yaml", () => {
    it("passes the Pulumi project-file JSON schema", () => {
        const ajv = new Ajv2020({ strict: false, allErrors: true });
        const validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, "utf8")));
        const ok = validate(project);
        assert.ok(ok, JSON.stringify(validate.errors, null, 2));
    });

    it("is a Node.js TypeScript project named grafana-slack-alerts", () => {
        assert.equal(project.name, PROJECT);
        assert.equal(project.runtime.name ?? project.runtime, "nodejs");
    });

    it("declares config within the engine's rules (no secret with a plain default, defaults match types)", () => {
        assert.deepEqual(projectConfigProblems(project.config), []);
    });

    it("declares exactly the keys the program reads, with the same types and defaults", () => {
        const declared = Object.keys(project.config).sort();
        assert.deepEqual(declared, CONFIG_KEYS.map((k) => k.name).sort());
        for (const k of CONFIG_KEYS) {
            const d = project.config[k.name] as Decl;
            assert.equal(d.type, k.type, k.name);
            assert.deepEqual(d.default, k.default, k.name);
            assert.ok(d.description && d.description.length > 10, `${k.name} has a description`);
        }
    });

    it("the rule checker itself catches what the engine rejects", () => {
        // Guards the two checks above against passing vacuously.
        assert.equal(projectConfigProblems({ x: { type: "string", default: "", secret: true } }).length, 1);
        assert.equal(projectConfigProblems({ x: { type: "integer", default: "3000" } }).length, 1);
        assert.equal(stackConfigProblems("s", {}, { x: { type: "string" } }).length, 1);
        assert.equal(stackConfigProblems("s", { [`${PROJECT}:x`]: "plain" }, { x: { type: "string", secret: true } }).length, 1);
    });
});

describe("shipped stack files", () => {
    it("include the default dev stack (local Docker)", () => {
        assert.ok(stackFiles.includes("Pulumi.dev.yaml"));
        const dev = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as any;
        assert.equal(dev.config[`${PROJECT}:target`], "docker");
    });

    for (const file of stackFiles) {
        const stack = file.slice("Pulumi.".length, -".yaml".length);
        const doc = (yaml.load(fs.readFileSync(path.join(ROOT, file), "utf8")) ?? {}) as any;
        const config: Record<string, unknown> = doc.config ?? {};

        it(`${file} meets the engine's config rules`, () => {
            assert.deepEqual(stackConfigProblems(stack, config, project.config), []);
        });

        it(`${file} carries no plain-text secret and passes the program's validation`, () => {
            const values: Record<string, string> = {};
            for (const [k, v] of Object.entries(config)) {
                if (!k.startsWith(`${PROJECT}:`)) continue;
                assert.ok(typeof v !== "object", `${k} in ${file} is encrypted; shipped stacks carry no secrets`);
                values[k.slice(PROJECT.length + 1)] = String(v);
            }
            for (const k of CONFIG_KEYS.filter((x) => x.secret)) assert.equal(values[k.name], undefined, `${k.name} in ${file}`);
            // What its header comment says to set first (never shipped: no placeholder that would
            // only fail at upload), the secrets as `--secret` would store them.
            const secrets: Record<string, string> =
                values.target === "existing" ? { grafanaApiToken: "glsa_placeholder", slackToken: "xoxb-placeholder" } : {};
            const yours: Record<string, string> =
                values.target === "existing" ? { grafanaUrl: "https://grafana.internal", slackChannel: "C01ABCDEF23" } : {};
            readSettings(
                fakeConfigSource({ values: { ...values, ...yours, ...secrets }, secretKeys: Object.keys(secrets) }),
                PROJECT,
                stack,
            );
        });
    }
});

describe("vendored schemas", () => {
    it("test/schemas is a byte-identical copy of ../shared/schemas (when shared/ is beside the repo)", function () {
        if (!fs.existsSync(SHARED_SCHEMAS_DIR)) this.skip();
        for (const f of fs.readdirSync(SHARED_SCHEMAS_DIR)) {
            assert.ok(
                fs.readFileSync(path.join(VENDORED_SCHEMAS_DIR, f)).equals(fs.readFileSync(path.join(SHARED_SCHEMAS_DIR, f))),
                `test/schemas/${f} differs; copy it again`,
            );
        }
    });
});
