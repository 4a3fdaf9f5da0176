#!/usr/bin/env node
// `npm test`: the lint (ESLint, Prettier), the strict type check and mocha, started at once
// instead of one after another. Each is a package.json script (lint:eslint, lint:prettier,
// typecheck, test:mocha), run as `npm run` would (a shell, node_modules/.bin first on PATH).
// Mocha is the longest and often waits (servers, child processes, timers); the others are
// pure CPU and take the cores it leaves idle (CI has 2). No priorities: on a machine shared
// with other work, a lowered one starved the lint for minutes.
// Mocha's output streams as it runs; the others' is printed at the end, in full when they fail.
// Exits non-zero when any of them fails, after all have finished (every problem at once).
"use strict";

const { spawn } = require("child_process");
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");

/** The package.json scripts `npm test` runs; mocha's output streams, the others' is kept. */
const STEPS = [
    { name: "test:mocha", stream: true },
    { name: "lint:eslint" },
    { name: "lint:prettier" },
    { name: "typecheck" },
];

/** Runs one script command; streams its output or keeps it for the end. */
function run(name, command, { stream }, out = { stdout: process.stdout, stderr: process.stderr }) {
    const env = { ...process.env, PATH: `${path.join(ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH}` };
    const started = Date.now();
    return new Promise((resolve) => {
        const child = spawn("sh", ["-c", command], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
        let kept = "";
        for (const [s, to] of [
            [child.stdout, out.stdout],
            [child.stderr, out.stderr],
        ]) {
            s.on("data", (d) => {
                if (stream) to.write(d);
                else kept += d;
            });
        }
        child.on("error", (e) => resolve({ name, code: 1, out: String(e), seconds: 0 }));
        child.on("close", (code, signal) => resolve({ name, code: code ?? 1, signal, out: kept, seconds: (Date.now() - started) / 1000 }));
    });
}

/** Runs the steps at once; prints what failed and a summary; resolves to the exit code. */
async function runSteps(scripts, steps = STEPS, out = { stdout: process.stdout, stderr: process.stderr }) {
    const results = await Promise.all(
        steps.map((s) =>
            scripts[s.name]
                ? run(s.name, scripts[s.name], s, out)
                : { name: s.name, code: 1, out: "no such script in package.json", seconds: 0 },
        ),
    );
    for (const r of results) {
        if (r.code !== 0 && r.out) out.stderr.write(`\n---- npm run ${r.name} failed (${r.signal ?? `exit ${r.code}`}): ----\n${r.out}\n`);
    }
    const summary = results.map((r) => `${r.name} ${r.code === 0 ? "ok" : "FAILED"} ${r.seconds.toFixed(1)}s`).join(", ");
    out.stderr.write(`npm test: ${summary}\n`);
    return results.some((r) => r.code !== 0) ? 1 : 0;
}

module.exports = { STEPS, runSteps };

if (require.main === module) {
    const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts;
    runSteps(scripts).then((code) => process.exit(code));
}
