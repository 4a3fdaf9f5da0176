// `pulumi preview`/`up` load the program through Pulumi's Node.js runner, which type-checks it
// with ts-node (seconds, on every run) unless the project's tsconfig.json sets
// compilerOptions.noCheck. These tests read tsconfig.json with the runner's own function and
// decide transpile-only exactly as node_modules/@pulumi/pulumi/cmd/run/run.js does, and make
// sure `npm test` still type-checks strictly (tsconfig.check.json).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { reportPath } from "../bench/reportPath";

const ROOT = path.resolve(__dirname, "..");
const RUN_JS = path.join(ROOT, "node_modules/@pulumi/pulumi/cmd/run/run.js");

/** What run.js decides for ts-node's transpileOnly (PULUMI_NODEJS_TRANSPILE_ONLY unset). */
function runnerTranspileOnly(tsconfig: string): unknown {
    const tsutils = require("@pulumi/pulumi/tsutils") as { loadTypeScriptCompilerOptions(p: string): Record<string, unknown> };
    return tsutils.loadTypeScriptCompilerOptions(tsconfig).noCheck;
}

describe("the program under Pulumi's runner", () => {
    it("the runner still decides transpile-only from PULUMI_NODEJS_TRANSPILE_ONLY, else tsconfig noCheck", () => {
        // If a Pulumi upgrade changes this, the tests below no longer describe what it does.
        const src = fs.readFileSync(RUN_JS, "utf8");
        assert.match(src, /const compilerOptions = tsutils\.loadTypeScriptCompilerOptions\(tsConfigPath\);/);
        assert.match(src, /transpileOnly = transpileOnlyEnv === "true";/);
        assert.match(src, /transpileOnly = compilerOptions\.noCheck;/);
    });

    it("tsconfig.json makes the runner load the program transpile-only (noCheck, read as the runner reads it)", () => {
        assert.equal(
            runnerTranspileOnly(path.join(ROOT, "tsconfig.json")),
            true,
            "tsconfig.json must set compilerOptions.noCheck: true itself (the runner does not follow extends)",
        );
        // The check above can fail: a tsconfig without it is type-checked by the runner.
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gsa-tsconfig-"));
        try {
            fs.writeFileSync(
                path.join(tmp, "tsconfig.json"),
                JSON.stringify({ extends: path.join(ROOT, "tsconfig.json"), compilerOptions: {} }),
            );
            assert.equal(runnerTranspileOnly(path.join(tmp, "tsconfig.json")), undefined);
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("npm test type-checks with tsconfig.check.json: the same options with noCheck off", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        // scripts/test.js runs the lint, this check and mocha at once, each a package.json script.
        assert.equal(pkg.scripts.test, "node scripts/test.js");
        const { STEPS } = require("../scripts/test") as { STEPS: Array<{ name: string }> };
        assert.deepEqual(STEPS.map((s) => s.name).sort(), ["lint:eslint", "lint:prettier", "test:mocha", "typecheck"]);
        // --incremental: a later run on this machine re-checks only what changed (the file under node_modules/.cache).
        assert.match(
            pkg.scripts.typecheck,
            /^tsc --noEmit (--incremental --tsBuildInfoFile node_modules\/\.cache\/\S+ )?-p tsconfig\.check\.json$/,
        );
        assert.match(pkg.scripts["test:mocha"], /^mocha( |$)/);
        assert.equal(pkg.scripts.lint, "npm run -s lint:eslint && npm run -s lint:prettier");
        const parse = (f: string) =>
            ts.getParsedCommandLineOfConfigFile(
                path.join(ROOT, f),
                {},
                { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(String(d.messageText)) },
            )!;
        const program = parse("tsconfig.json");
        const check = parse("tsconfig.check.json");
        assert.deepEqual(program.errors, []);
        assert.equal(program.options.noCheck, true);
        assert.equal(check.options.noCheck, false);
        assert.equal(check.options.strict, true);
        assert.deepEqual(check.fileNames, program.fileNames);
    });

    it("npm test's runner (scripts/test.js) runs every step to its end and fails if any fails, printing that step's output", async () => {
        const { runSteps } = require("../scripts/test") as {
            runSteps(scripts: Record<string, string>, steps: unknown[], out: unknown): Promise<number>;
        };
        let text = "";
        const sink = { write: (d: unknown) => ((text += String(d)), true) };
        const out = { stdout: sink, stderr: sink };
        const scripts = { live: "echo streamed", bad: "echo the lint problem >&2; exit 3", quiet: "sleep 0.2; echo quiet output" };
        const steps = [
            { name: "live", stream: true },
            { name: "bad", nice: 10 },
            { name: "quiet", nice: 10 },
        ];
        assert.equal(await runSteps(scripts, steps, out), 1);
        assert.match(text, /^streamed\n/);
        assert.match(text, /---- npm run bad failed \(exit 3\): ----\nthe lint problem\n/);
        assert.doesNotMatch(text, /quiet output/, "a passing step's output is not printed");
        assert.match(text, /npm test: live ok [\d.]+s, bad FAILED [\d.]+s, quiet ok [\d.]+s\n$/);
        text = "";
        assert.equal(await runSteps(scripts, [steps[0], steps[2]], out), 0);
        assert.equal(await runSteps(scripts, [{ name: "missing" }], out), 1);
        assert.match(text, /npm run missing failed \(exit 1\): ----\nno such script in package\.json/);
    });

    it("tsconfig.check.json reports a deliberate type error (and tsconfig.json would not)", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gsa-typecheck-"));
        try {
            const bad = path.join(tmp, "bad.ts");
            fs.writeFileSync(bad, 'export const port: number = "3000";\n');
            // The global types the checker needs, instead of parsing the whole ES lib (seconds).
            const globals = path.join(tmp, "globals.d.ts");
            fs.writeFileSync(
                globals,
                [
                    "Array<T>",
                    "Boolean",
                    "CallableFunction",
                    "Function",
                    "IArguments",
                    "NewableFunction",
                    "Number",
                    "Object",
                    "RegExp",
                    "String",
                ]
                    .map((t) => `interface ${t} {}`)
                    .join("\n"),
            );
            const diagnostics = (base: string) => {
                const cfg = path.join(tmp, `${base}.json`);
                fs.writeFileSync(
                    cfg,
                    JSON.stringify({ extends: path.join(ROOT, base), compilerOptions: { types: [] }, files: [globals, bad], include: [] }),
                );
                const parsed = ts.getParsedCommandLineOfConfigFile(
                    cfg,
                    {},
                    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
                )!;
                const prog = ts.createProgram({
                    rootNames: parsed.fileNames,
                    options: { ...parsed.options, lib: undefined, noLib: true, noEmit: true },
                });
                return ts.getPreEmitDiagnostics(prog).map((d) => d.code);
            };
            assert.deepEqual(diagnostics("tsconfig.check.json"), [2322]);
            assert.deepEqual(diagnostics("tsconfig.json"), []);
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });
});

describe("housekeeping", () => {
    it("LICENSE is the full Apache License 2.0 that package.json names", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        assert.equal(pkg.license, "Apache-2.0");
        const text = fs.readFileSync(path.join(ROOT, "LICENSE"), "utf8");
        assert.match(text, /^\s*Apache License\s+Version 2\.0, January 2004\s+http:\/\/www\.apache\.org\/licenses\//);
        assert.match(text, /TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION/);
        assert.match(text, /9\. Accepting Warranty or Additional Liability\./);
        assert.match(text, /END OF TERMS AND CONDITIONS/);
    });

    it("npm run bench writes BENCHMARKS.md only when asked (--write or BENCH_OUT)", () => {
        assert.equal(reportPath([], {}, ROOT), undefined, "a plain run prints only");
        assert.equal(reportPath(["--write"], {}, ROOT), path.join(ROOT, "BENCHMARKS.md"));
        assert.equal(reportPath([], { BENCH_OUT: "out/bench.md" }, ROOT), path.resolve("out/bench.md"));
        assert.equal(reportPath(["--write"], { BENCH_OUT: "/tmp/b.md" }, ROOT), "/tmp/b.md", "BENCH_OUT wins");
    });
});

describe("dynamic resources under the runner", () => {
    it("none is a pulumi.dynamic.Resource (closure serialization costs every preview ~1 s): they send providerBoundary's text", () => {
        const offenders: string[] = [];
        const walk = (dir: string) => {
            for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
                const p = path.join(dir, e.name);
                if (e.isDirectory()) walk(p);
                else if (
                    e.name.endsWith(".ts") &&
                    /extends\s+pulumi\.dynamic\.Resource\b|new\s+pulumi\.dynamic\.Resource\b/.test(fs.readFileSync(p, "utf8"))
                )
                    offenders.push(path.relative(ROOT, p));
            }
        };
        walk(path.join(ROOT, "components"));
        assert.deepEqual(
            offenders,
            [],
            "extend pulumi.CustomResource with dynamicResourceType() and __provider: providerSource(module, export) (components/shared/providerBoundary.ts)",
        );
    });
});
