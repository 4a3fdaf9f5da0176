#!/usr/bin/env node
// Picks the Pulumi CLI the scripts run, in this order:
//   1. a `pulumi` on PATH outside any node_modules/.bin (npm puts ./node_modules/.bin, with
//      the npm launcher, first on PATH while it runs a script: that one is not "installed");
//   2. ~/.pulumi/bin/pulumi (where get.pulumi.com's installer puts it), or $PULUMI_HOME/bin;
//   3. the official npm launcher (devDependency `pulumi`): its cached binary if it has one,
//      otherwise the launcher itself, which downloads the CLI once — but only after a quick
//      check that the download site answers, so a machine without network fails in seconds
//      instead of on the launcher's bare "fetch failed".
// Prints the executable's path on stdout and which one it is on stderr; exits 1 with what
// failed and the next step when there is none. Plain JavaScript: it runs before anything
// else, so it must not pay for ts-node.
//
// GSA_PULUMI_PROBE_URL (tests): the URL probed before a download (default: the launcher's).
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const EXE = process.platform === "win32" ? "pulumi.exe" : "pulumi";
/** What the npm launcher fetches first (node_modules/pulumi/lib/download.js INSTALL_SH_URL). */
const INSTALL_URL = "https://get.pulumi.com/install.sh";
const PROBE_TIMEOUT_MS = 5000;
const INSTALL_HINT =
    "Next step: install the Pulumi CLI (curl -fsSL https://get.pulumi.com | sh, or see https://www.pulumi.com/docs/iac/download-install/) " +
    "and open a new shell, or put an installed `pulumi` on PATH; then run the command again.";

function isExecutableFile(p) {
    try {
        if (!fs.statSync(p).isFile()) return false;
        fs.accessSync(p, fs.constants.X_OK);
        return true;
    } catch {
        return false;
    }
}

/** True for a node_modules/.bin directory (ours or a parent's): npm's launchers live there. */
function isNodeModulesBin(dir) {
    return /(^|[\\/])node_modules[\\/]\.bin[\\/]?$/.test(dir);
}

/** An installed CLI on PATH or in the installer's directory, or undefined. */
function findInstalled(env) {
    for (const dir of (env.PATH || "").split(path.delimiter)) {
        if (!dir || isNodeModulesBin(dir)) continue;
        const p = path.join(dir, EXE);
        if (!isExecutableFile(p)) continue;
        // A symlink into a node_modules tree is an npm launcher, not an installed CLI.
        let real = p;
        try {
            real = fs.realpathSync(p);
        } catch {
            // keep p
        }
        if (/[\\/]node_modules[\\/]/.test(real)) continue;
        return { bin: p, how: `the Pulumi CLI on PATH (${p})` };
    }
    const homes = [];
    if (env.PULUMI_HOME) homes.push(env.PULUMI_HOME);
    homes.push(path.join(env.HOME || os.homedir(), ".pulumi"));
    for (const home of homes) {
        const p = path.join(home, "bin", EXE);
        if (isExecutableFile(p)) return { bin: p, how: `the Pulumi CLI in ${path.dirname(p)}` };
    }
    return undefined;
}

/** The npm launcher's package, or undefined when node_modules has none. */
function launcherPackage() {
    try {
        const pkgPath = require.resolve("pulumi/package.json", { paths: [ROOT] });
        const pkg = JSON.parse(fs.readFileSync(pkgPath, "utf8"));
        const dir = path.dirname(pkgPath);
        return { dir, version: pkg.version, run: path.join(dir, typeof pkg.bin === "string" ? pkg.bin : pkg.bin.pulumi) };
    } catch {
        return undefined;
    }
}

/** Where the launcher caches a version (node_modules/pulumi/lib/cache.js cacheDir). */
function launcherCache(version, env) {
    const home = env.PULUMI_HOME || path.join(env.HOME || os.homedir(), ".pulumi");
    return path.join(home, "versions", version, "bin", EXE);
}

/** Resolves to undefined when the download site answers, else a short reason. */
async function probeDownload(url, timeoutMs) {
    try {
        await fetch(url, { method: "HEAD", signal: AbortSignal.timeout(timeoutMs) });
        return undefined;
    } catch (e) {
        const code = e && e.cause && e.cause.code;
        if (e && (e.name === "TimeoutError" || e.name === "AbortError")) return `no answer within ${timeoutMs / 1000} s`;
        if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "the host name does not resolve (no network or no DNS)";
        if (code === "ECONNREFUSED") return "the connection was refused";
        return code || (e && e.message) || String(e);
    }
}

/**
 * The CLI to run: `{ bin, how }`, or throws an Error whose message says what failed and
 * what to do. `probe` is injectable for tests.
 */
async function resolvePulumi(env = process.env, probe = probeDownload) {
    const installed = findInstalled(env);
    if (installed) return installed;
    const launcher = launcherPackage();
    if (!launcher) {
        throw new Error(`no Pulumi CLI found: none on PATH, none in ~/.pulumi/bin, and no npm launcher in node_modules (run npm ci). ${INSTALL_HINT}`);
    }
    const version = env.PULUMI_VERSION || launcher.version;
    const cached = launcherCache(version, env);
    if (isExecutableFile(cached)) return { bin: cached, how: `the Pulumi CLI v${version} the npm launcher downloaded (${cached})` };
    const url = env.GSA_PULUMI_PROBE_URL || INSTALL_URL;
    const why = await probe(url, PROBE_TIMEOUT_MS);
    if (why) {
        throw new Error(
            `no Pulumi CLI found: none on PATH, none in ~/.pulumi/bin, and the npm launcher cannot download v${version} ` +
                `(${new URL(url).host}: ${why}). ${INSTALL_HINT}`,
        );
    }
    return { bin: launcher.run, how: `the npm launcher (it downloads the Pulumi CLI v${version} into ${path.dirname(path.dirname(cached))} once)` };
}

module.exports = { resolvePulumi, findInstalled, isNodeModulesBin, launcherCache, INSTALL_HINT };

if (require.main === module) {
    resolvePulumi().then(
        ({ bin, how }) => {
            process.stderr.write(`pulumi: using ${how}\n`);
            process.stdout.write(`${bin}\n`);
        },
        (e) => {
            process.stderr.write(`pulumi: ${e.message}\n`);
            process.exit(1);
        },
    );
}
