#!/usr/bin/env node
// Which stacks exist, for the wrappers (npm run up / preview / destroy / pulumi). A stack is
// created only from its committed Pulumi.<stack>.yaml, or when asked (`--create` or
// PULUMI_STACK_CREATE=1): a mistyped PULUMI_STACK would otherwise be created with the
// defaults and deployed (to local Docker, or worse). The refusal names the stacks there are
// and the closest one.
//
// Known stacks: the Pulumi.<stack>.yaml files, plus the stacks of a local (file://) state
// backend, read from its folder without the CLI (the preflight runs before one is known);
// scripts/pulumi.sh adds what `pulumi stack ls --json` lists for any other backend.
//
// As a command (scripts/pulumi.sh, when `pulumi stack select` found no stack):
//   node scripts/stacks.js <stack> [stack-ls-json]   prints the refusal on stderr, exits 1.
"use strict";

const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const PROJECT = "grafana-slack-alerts";

/** Stacks with a Pulumi.<stack>.yaml in the project. */
function stackFiles(root = ROOT) {
    return fs
        .readdirSync(root)
        .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f))
        .filter(Boolean)
        .map((m) => m[1]);
}

/** The state folder of the backend the wrappers use, or undefined for a non-file backend. */
function fileBackendDir(root, env) {
    const url = env.PULUMI_BACKEND_URL || `file://${path.join(root, ".pulumi-state")}`;
    if (!url.startsWith("file://")) return undefined;
    const dir = url.slice("file://".length).replace(/^~(?=\/)/, env.HOME || "");
    return path.resolve(root, dir || ".");
}

/**
 * Stacks a file backend holds: <dir>/.pulumi/stacks/<project>/<stack>.json (project-scoped
 * layout) or <dir>/.pulumi/stacks/<stack>.json (the legacy one), optionally gzipped
 * (pulumi/pulumi pkg/backend/diy: stackPath, PULUMI_SELF_MANAGED_STATE_GZIP). Undefined
 * when the backend is not a local folder.
 */
function backendStacks(root, env) {
    const dir = fileBackendDir(root, env);
    if (dir === undefined) return undefined;
    const names = [];
    for (const folder of [path.join(dir, ".pulumi", "stacks", PROJECT), path.join(dir, ".pulumi", "stacks")]) {
        let entries;
        try {
            entries = fs.readdirSync(folder);
        } catch {
            continue;
        }
        for (const f of entries) {
            const m = /^(.+)\.json(\.gz)?$/.exec(f);
            if (m) names.push(m[1]);
        }
    }
    return names;
}

/** Stack names from `pulumi stack ls --json` ([{name: "dev" | "org/project/dev", ...}]). */
function listedStacks(json) {
    try {
        const list = JSON.parse(json || "[]");
        return Array.isArray(list) ? list.map((s) => String((s && s.name) || "").split("/").pop()).filter(Boolean) : [];
    } catch {
        return [];
    }
}

function editDistance(a, b) {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const tmp = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = tmp;
        }
    }
    return row[b.length];
}

/** The known stack nearest to a mistyped one (edit distance at most 3), if any. */
function closestStack(name, names) {
    let best;
    let bestDistance = 4;
    for (const n of names) {
        const d = editDistance(name.toLowerCase(), n.toLowerCase());
        if (d < bestDistance) [best, bestDistance] = [n, d];
    }
    return best;
}

/** How the user ran the wrapper that stopped: npm sets npm_lifecycle_event to the script's name. */
function wrapperCommand(env, args = []) {
    const script = env.npm_lifecycle_event;
    if (script === "up" || script === "preview" || script === "destroy") return `npm run ${script}`;
    return `npm run pulumi -- ${args.join(" ")}`.trim();
}

/**
 * The refusal for a stack that neither exists nor has a stack file: the stacks there are, the
 * closest name, and the command with either (`run`: how the user ran the wrapper).
 */
function missingStackMessage(stack, known, run) {
    const names = [...new Set(known)].sort();
    const near = closestStack(stack, names.filter((n) => n !== stack));
    const instead = near ? `PULUMI_STACK=${near} ${run}` : `PULUMI_STACK=<one of them> ${run}`;
    // Creating a stack only to destroy it helps nobody.
    const create = run === "npm run destroy" ? "" : `; or, for a new stack ${stack} with the default config: PULUMI_STACK=${stack} PULUMI_STACK_CREATE=1 ${run}`;
    return (
        `Stack ${stack} does not exist and has no Pulumi.${stack}.yaml, so it was not created and nothing was run.` +
        `${near ? ` Did you mean ${near}?` : ""} Stacks: ${names.length ? names.join(", ") : "none yet"}.\n      Next step: ${instead}${create}.`
    );
}

/**
 * For the preflight: the refusal when `stack` has no stack file, was not asked to be created,
 * and a local state backend does not hold it; undefined otherwise (including a non-file
 * backend, where scripts/pulumi.sh decides with the CLI).
 */
function stackProblem({ root = ROOT, stack = "dev", env = process.env, run = "npm run up" } = {}) {
    const files = stackFiles(root);
    if (files.includes(stack) || env.PULUMI_STACK_CREATE === "1") return undefined;
    const inBackend = backendStacks(root, env);
    if (inBackend === undefined || inBackend.includes(stack)) return undefined;
    return missingStackMessage(stack, [...files, ...inBackend], run);
}

module.exports = { stackFiles, backendStacks, closestStack, missingStackMessage, stackProblem, listedStacks };

if (require.main === module) {
    const [stack, listed, ...args] = process.argv.slice(2);
    const known = [...stackFiles(ROOT), ...(backendStacks(ROOT, process.env) || []), ...listedStacks(listed)];
    process.stderr.write(`${missingStackMessage(stack, known, wrapperCommand(process.env, args))}\n`);
    process.exit(1);
}
