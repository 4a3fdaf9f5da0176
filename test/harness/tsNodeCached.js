// `node -r ./test/harness/tsNodeCached.js file.ts`: the project's TypeScript compiled by
// ts-node exactly as `ts-node --transpile-only` compiles it (its own compile(), this
// project's tsconfig.json, swc), with the JavaScript kept in node_modules/.cache/ so the
// next process loads it without ts-node, TypeScript or swc. The tests start doctor about
// 70 times; ts-node's start costs each a quarter of a second of CPU.
// Cached by the file's path and text, tsconfig.json and the ts-node, TypeScript and swc
// versions. Plain JavaScript: it runs before any TypeScript loader exists.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..", "..");
const CACHE = path.join(ROOT, "node_modules", ".cache", "grafana-slack-alerts-tests");
const NODE_MODULES = path.join(ROOT, "node_modules") + path.sep;

function versionOf(pkg) {
    try {
        return JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", pkg, "package.json"), "utf8")).version;
    } catch {
        return "none";
    }
}

const SALT = [
    fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8"),
    versionOf("ts-node"),
    versionOf("typescript"),
    versionOf("@swc/core"),
    process.version,
].join("\0");

let service;
const plain = require.extensions[".js"];

require.extensions[".ts"] = (module, filename) => {
    if (filename.startsWith(NODE_MODULES)) return plain(module, filename);
    const code = fs.readFileSync(filename, "utf8");
    const key = crypto.createHash("sha256").update(`${SALT}\0${filename}\0`).update(code).digest("hex").slice(0, 32);
    const cached = path.join(CACHE, `${key}.js`);
    let js;
    try {
        js = fs.readFileSync(cached, "utf8");
    } catch {
        service ??= require("ts-node").create({ transpileOnly: true, cwd: ROOT });
        js = service.compile(code, filename);
        try {
            fs.mkdirSync(CACHE, { recursive: true });
            // Write, then rename: a process starting at the same time reads all of it or none.
            const tmp = `${cached}.${process.pid}.tmp`;
            fs.writeFileSync(tmp, js);
            fs.renameSync(tmp, cached);
        } catch {
            // a read-only tree: compile again next time
        }
    }
    module._compile(js, filename);
};
