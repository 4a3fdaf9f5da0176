// `node -r ./bench/runnerRegister.js file.ts`: registers ts-node exactly as Pulumi's Node.js
// runner does before it requires a CommonJS TypeScript program
// (node_modules/@pulumi/pulumi/cmd/run/run.js, the `typeScript` branch of `run()`):
//  - compiler options are the tsconfig.json's own `compilerOptions`, read by the runner's
//    tsutils.loadTypeScriptCompilerOptions (no `extends`), laid over the runner's defaults
//    (ES2020, nodenext for TypeScript >= 4.7, sourceMap);
//  - transpileOnly is PULUMI_NODEJS_TRANSPILE_ONLY when set, else the tsconfig's `noCheck`
//    (undefined: ts-node type-checks);
//  - typescript and ts-node come from node_modules (else the SDK's vendored ones).
// test/runnerSettings.test.ts keeps run.js saying what this file copies. Plain JavaScript:
// it must not itself need ts-node. BENCH_RUNNER_INFO=1 prints the decision on stderr.
"use strict";

const fs = require("fs");
const path = require("path");
const semver = require("semver");
const tsutils = require("@pulumi/pulumi/tsutils");

const tsConfigPath = process.env.PULUMI_NODEJS_TSCONFIG_PATH || "tsconfig.json";
const skipProject = !fs.existsSync(tsConfigPath);
const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
let transpileOnly;
const transpileOnlyEnv = process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
if (transpileOnlyEnv) transpileOnly = transpileOnlyEnv === "true";
else transpileOnly = compilerOptions.noCheck;
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
const ts = require(typescriptRequire);
const tsVersion = semver.parse(ts.version);
const useNodeNext = tsVersion && tsVersion.compare(new semver.SemVer("4.7.0")) >= 0;
const options = {
    compiler: typescriptRequire,
    transpileOnly,
    project: tsConfigPath,
    skipProject,
    compilerOptions: {
        target: "ES2020",
        module: useNodeNext ? "nodenext" : "commonjs",
        moduleResolution: useNodeNext ? "nodenext" : "node",
        sourceMap: "true",
        ...compilerOptions,
    },
};
require(tsnodeRequire).register(options);
if (process.env.BENCH_RUNNER_INFO === "1") {
    process.stderr.write(`runnerRegister: ${path.resolve(tsConfigPath)} transpileOnly=${transpileOnly} typescript ${ts.version}\n`);
}
