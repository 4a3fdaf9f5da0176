#!/usr/bin/env node
// Checks, before `npm run up` creates anything, what would otherwise fail halfway through:
//  - the stack exists, has a Pulumi.<stack>.yaml, or was asked to be created (scripts/stacks.js);
//  - its configuration passes the program's own validation (components/config/config.ts
//    configProblems: the same reader and messages as `pulumi up`, without the Pulumi SDK);
//  - a Pulumi CLI can run (scripts/resolve-pulumi.js);
//  - target docker: the Docker engine answers (docker:host, DOCKER_HOST or the default
//    socket, as the Docker provider picks it) and grafanaPort is free on 127.0.0.1 (or
//    already published by this stack's own Grafana container);
//  - target kubernetes (unless renderYamlTo): the kubeconfig has the context Pulumi's
//    Kubernetes provider will use (kubernetes:context, else the current context).
// Every problem is one line with its fix, all reported at once; exit 1 when there is one.
// On success prints the Pulumi CLI's path on stdout (scripts/up.sh exports it).
// Reads the stack's settings from Pulumi.yaml and Pulumi.<stack>.yaml without the CLI:
// the keys it needs are never secret (an encrypted secret counts as set; its content is
// checked by `pulumi up`). Plain JavaScript; only the config check loads TypeScript (ts-node
// transpiling with swc, as Pulumi's runner does), and not the Pulumi SDK.
// SKIP_PREFLIGHT=1 skips the target checks (e.g. a Docker engine reached over ssh://).
"use strict";

const fs = require("fs");
const http = require("http");
const net = require("net");
const os = require("os");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const PROJECT = "grafana-slack-alerts";
const TIMEOUT_MS = 3000;

/** Loads one of the program's TypeScript modules (ts-node, transpile-only, as Pulumi's runner). */
function typescript(module) {
    if (!require.extensions[".ts"]) {
        require("ts-node").register({ transpileOnly: true, project: path.join(ROOT, "tsconfig.json") });
    }
    return require(module);
}

/** A Pulumi command as the user of `npm run up` types it for this stack (components/shared/launcher.ts). */
function commandFor(stack, args) {
    return typescript("../components/shared/launcher").pulumiCommand(args, { GSA_LAUNCHER: "npm", GSA_LAUNCHER_STACK: stack });
}

function loadYaml(file) {
    const yaml = require("js-yaml");
    return yaml.load(fs.readFileSync(file, "utf8")) || {};
}

/** The settings preflight needs: project defaults overlaid with the stack file. */
function stackSettings(root, stack) {
    const project = loadYaml(path.join(root, "Pulumi.yaml"));
    const settings = {};
    for (const [k, decl] of Object.entries(project.config || {})) {
        if (decl && typeof decl === "object" && "default" in decl) settings[k] = decl.default;
    }
    const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
    const other = {};
    if (fs.existsSync(stackFile)) {
        for (const [k, v] of Object.entries(loadYaml(stackFile).config || {})) {
            if (v && typeof v === "object") continue; // secure values: never needed here
            if (k.startsWith(`${PROJECT}:`)) settings[k.slice(PROJECT.length + 1)] = v;
            else other[k] = v;
        }
    }
    return { settings, other };
}

/** Where the Docker provider talks to the engine: `{ display, socketPath }` or `{ display, host, port }`. */
function dockerEndpoint(other, env) {
    const raw = (other["docker:host"] || env.DOCKER_HOST || "unix:///var/run/docker.sock").trim();
    if (raw.startsWith("unix://")) return { display: raw, socketPath: raw.slice("unix://".length) };
    if (raw.startsWith("tcp://") || raw.startsWith("http://") || raw.startsWith("https://")) {
        const u = new URL(raw.replace(/^tcp:/, "http:"));
        return { display: raw, host: u.hostname, port: Number(u.port || (env.DOCKER_TLS_VERIFY ? 2376 : 2375)), tls: !!env.DOCKER_TLS_VERIFY || raw.startsWith("https:") };
    }
    return { display: raw, unsupported: true };
}

/** One GET to the Docker Engine API; resolves `{ status, body }` or rejects with the socket error. */
function dockerGet(ep, apiPath, timeoutMs = TIMEOUT_MS) {
    return new Promise((resolve, reject) => {
        const req = http.request(
            { socketPath: ep.socketPath, host: ep.host, port: ep.port, path: apiPath, method: "GET", timeout: timeoutMs },
            (res) => {
                let body = "";
                res.setEncoding("utf8");
                res.on("data", (d) => (body += d));
                res.on("end", () => resolve({ status: res.statusCode, body }));
            },
        );
        req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
        req.on("error", reject);
        req.end();
    });
}

function socketReason(e, ep) {
    switch (e && e.code) {
        case "ENOENT": return `no socket at ${ep.socketPath}`;
        case "ECONNREFUSED": return "connection refused";
        case "EACCES": return `permission denied on ${ep.socketPath}`;
        case "ETIMEDOUT": return `no answer within ${TIMEOUT_MS / 1000} s`;
        case "ENOTFOUND": return `host ${ep.host} not found`;
        default: return (e && (e.code || e.message)) || String(e);
    }
}

/** Problems with the Docker engine, and whether it answered (so the port check may ask it). */
async function checkDocker(other, env) {
    const ep = dockerEndpoint(other, env);
    if (ep.unsupported || ep.tls) return { problems: [], ep, answered: false, note: `Docker engine at ${ep.display} not checked (${ep.tls ? "TLS" : "scheme"})` };
    try {
        // GET /_ping answers 200 "OK" (Docker Engine API, docs.docker.com/reference/api/engine/version/v1.57/operations/SystemPing).
        const r = await dockerGet(ep, "/_ping");
        if (r.status === 200) return { problems: [], ep, answered: true };
        return { problems: [`Docker: the engine at ${ep.display} answered /_ping with HTTP ${r.status}. Fix: restart Docker (Docker Desktop, or sudo systemctl restart docker) and run npm run up again.`], ep, answered: false };
    } catch (e) {
        const why = socketReason(e, ep);
        const fix = e && e.code === "EACCES"
            ? "Fix: let your user use Docker (sudo usermod -aG docker $USER, then log in again), or set DOCKER_HOST to an engine you may use."
            : `Fix: start Docker (Docker Desktop, or sudo systemctl start docker)${env.DOCKER_HOST ? ", or correct DOCKER_HOST" : ", or set DOCKER_HOST to your engine"}; ` +
              // Not `config set target kubernetes` on this stack: it would deploy to whatever the
              // current kube context is, and its destroy delete that namespace. The committed
              // Kubernetes stack is a stack of its own.
              "or deploy to Kubernetes as a stack of its own: PULUMI_STACK=k8s-sidecar npm run up.";
        return { problems: [`Docker: the engine does not answer at ${ep.display} (${why}). ${fix}`], ep, answered: false };
    }
}

/** Resolves true when nothing listens on host:port (we could bind it), else the error code. */
function portFree(port, host) {
    return new Promise((resolve) => {
        const srv = net.createServer();
        srv.once("error", (e) => resolve(e.code || "error"));
        srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
    });
}

/**
 * The container publishing `port` on the host: GET /containers/json lists running containers
 * with `Names` ("/name") and `Ports` [{IP, PrivatePort, PublicPort, Type}] (Docker Engine API,
 * docs.docker.com/reference/api/engine/version/v1.57/operations/ContainerList).
 */
async function containerOnPort(ep, port) {
    try {
        const r = await dockerGet(ep, "/containers/json");
        if (r.status !== 200) return undefined;
        for (const c of JSON.parse(r.body)) {
            if ((c.Ports || []).some((p) => p.PublicPort === port)) return String((c.Names || [])[0] || c.Id || "").replace(/^\//, "");
        }
    } catch {
        // unknown: fall through
    }
    return undefined;
}

async function checkGrafanaPort(settings, stack, docker) {
    const port = Number(settings.grafanaPort ?? 3000);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return []; // the program reports bad config itself
    // A remote engine publishes on its own host: nothing to check here.
    if (docker.ep.host && !["localhost", "127.0.0.1", "::1"].includes(docker.ep.host)) return [];
    const free = await portFree(port, "127.0.0.1");
    if (free === true) return [];
    if (free === "EACCES") return [`Grafana port: ${port} is a privileged port this user may not bind on 127.0.0.1. Fix: ${commandFor(stack, `config set grafanaPort 3000`)} (any port above 1023).`];
    const owner = docker.answered ? await containerOnPort(docker.ep, port) : undefined;
    if (owner === `grafana-${stack}`) return []; // this stack's Grafana, from an earlier `up`
    const by = owner ? `the Docker container ${owner}` : "another program";
    const stop = owner ? ` (or stop it: docker stop ${owner})` : "";
    return [`Grafana port: 127.0.0.1:${port} is already in use by ${by}. Fix: ${commandFor(stack, `config set grafanaPort ${port === 3001 ? 3002 : 3001}`)}${stop}.`];
}

/** The kubeconfig files kubectl and the Kubernetes provider read, with the contexts they define. */
function readKubeconfig(other, env) {
    const explicit = other["kubernetes:kubeconfig"];
    const home = env.HOME || os.homedir();
    let files;
    if (explicit) {
        if (/apiVersion|clusters:/.test(explicit)) {
            const doc = require("js-yaml").load(explicit) || {};
            return { where: "kubernetes:kubeconfig", docs: [doc], missing: [] };
        }
        files = [explicit.replace(/^~(?=\/)/, home)];
    } else if (env.KUBECONFIG) {
        files = env.KUBECONFIG.split(path.delimiter).filter(Boolean);
    } else {
        files = [path.join(home, ".kube", "config")];
    }
    const docs = [];
    const missing = [];
    for (const f of files) {
        if (!fs.existsSync(f)) {
            missing.push(f);
            continue;
        }
        try {
            docs.push(require("js-yaml").load(fs.readFileSync(f, "utf8")) || {});
        } catch (e) {
            return { where: files.join(path.delimiter), docs: [], missing: [], error: `${f} is not valid YAML` };
        }
    }
    return { where: files.join(path.delimiter), docs, missing };
}

function checkKubernetes(settings, other, env, stack) {
    if (settings.renderYamlTo) return [];
    const kc = readKubeconfig(other, env);
    const renderOnly = `or only write manifests: ${commandFor(stack, "config set renderYamlTo rendered-manifests")}`;
    if (kc.error) return [`Kubernetes: ${kc.error}. Fix: repair it (kubectl config view shows the problem), ${renderOnly}.`];
    if (kc.docs.length === 0) {
        return [`Kubernetes: no kubeconfig at ${kc.where}. Fix: create a cluster or get its credentials (e.g. kind create cluster), or set KUBECONFIG, ${renderOnly}.`];
    }
    // Merged as kubectl does: the first file that sets current-context wins; contexts are the union.
    const contexts = [...new Set(kc.docs.flatMap((d) => (d.contexts || []).map((c) => c && c.name).filter(Boolean)))];
    const current = kc.docs.map((d) => d["current-context"]).find((c) => c);
    const list = contexts.length ? `contexts: ${contexts.join(", ")}` : "it defines no context";
    const chosen = other["kubernetes:context"];
    if (chosen) {
        if (contexts.includes(chosen)) return [];
        return [`Kubernetes: kubernetes:context is "${chosen}", which ${kc.where} does not define (${list}). Fix: ${commandFor(stack, `config set kubernetes:context ${contexts[0] || "<context>"}`)}.`];
    }
    if (!current) {
        return [`Kubernetes: ${kc.where} has no current context (${list}). Fix: kubectl config use-context ${contexts[0] || "<context>"}, or ${commandFor(stack, `config set kubernetes:context ${contexts[0] || "<context>"}`)}.`];
    }
    if (!contexts.includes(current)) {
        return [`Kubernetes: the current context "${current}" is not defined in ${kc.where} (${list}). Fix: kubectl config use-context ${contexts[0] || "<context>"}.`];
    }
    return [];
}

/** Every problem for the stack's target, one line each (empty: good to go). */
async function targetProblems({ root = ROOT, stack = "dev", env = process.env } = {}) {
    let cfg;
    try {
        cfg = stackSettings(root, stack);
    } catch (e) {
        return [`Stack files: cannot read Pulumi.yaml / Pulumi.${stack}.yaml (${e.message}). Fix: correct the YAML.`];
    }
    const { settings, other } = cfg;
    const target = settings.target || "docker";
    if (target === "kubernetes") return checkKubernetes(settings, other, env, stack);
    if (target !== "docker") return []; // the config check names an unknown target
    const docker = await checkDocker(other, env);
    return [...docker.problems, ...(await checkGrafanaPort(settings, stack, docker))];
}

/**
 * The stack file as the program's config reader sees it under `pulumi up`: plain values as
 * strings (structured ones as JSON), keys of the project's namespace; an encrypted value
 * counts as set, unreadable here. Undefined when a key not declared secret is encrypted:
 * its value cannot be checked without the CLI, so the config check is left to `pulumi up`.
 */
function stackConfigSource(root, stack, configKeys) {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    const config = fs.existsSync(file) ? loadYaml(file).config || {} : {};
    const values = {};
    const encrypted = new Set();
    for (const [k, v] of Object.entries(config)) {
        if (!k.startsWith(`${PROJECT}:`)) continue;
        const key = k.slice(PROJECT.length + 1);
        if (v && typeof v === "object" && "secure" in v) encrypted.add(key);
        else values[key] = v !== null && typeof v === "object" ? JSON.stringify(v) : String(v ?? "");
    }
    const secretKeys = new Set(configKeys.filter((c) => c.secret).map((c) => c.name));
    if ([...encrypted].some((k) => !secretKeys.has(k))) return undefined;
    return {
        get: (key) => values[key],
        isSecret: (key) => encrypted.has(key),
        keys: () => [...Object.keys(values), ...encrypted],
        isUnreadable: (key) => encrypted.has(key),
    };
}

/** The program's config problems for the stack, each as `npm run up` prints it (key, given, allowed; fix). */
function configProblems({ root = ROOT, stack = "dev" } = {}) {
    const config = typescript("../components/config/config");
    let source;
    try {
        source = stackConfigSource(root, stack, config.CONFIG_KEYS);
    } catch (e) {
        return [`Stack files: cannot read Pulumi.${stack}.yaml (${e.message}). Fix: correct the YAML.`];
    }
    if (!source) return [];
    const { problems } = config.configProblems(source, stack, root);
    return problems.map((p) => config.formatProblem(p, { GSA_LAUNCHER: "npm", GSA_LAUNCHER_STACK: stack }));
}

/** Every problem before `npm run up`, all at once: the stack, its config, the CLI, the target. */
async function preflightProblems({ root = ROOT, stack = "dev", env = process.env, skipTarget = false, resolve } = {}) {
    const cli = resolve().then(
        (r) => ({ r }),
        (e) => ({ problem: `Pulumi CLI: ${e.message}` }),
    );
    // A stack that would be created by mistake: nothing else is worth checking for it.
    const missing = require("./stacks").stackProblem({ root, stack, env });
    const checks = missing
        ? [missing]
        : [...configProblems({ root, stack }), ...(skipTarget ? [] : await targetProblems({ root, stack, env }))];
    const c = await cli;
    return { cli: c.r, problems: [...(c.problem ? [c.problem] : []), ...checks] };
}

module.exports = { targetProblems, configProblems, preflightProblems, stackSettings, dockerEndpoint };

if (require.main === module) {
    const { resolvePulumi } = require("./resolve-pulumi");
    const stack = process.env.PULUMI_STACK || "dev";
    preflightProblems({ stack, skipTarget: process.env.SKIP_PREFLIGHT === "1", resolve: () => resolvePulumi() }).then(
        ({ cli, problems }) => {
            if (problems.length) {
                const n = problems.length;
                process.stderr.write(`Preflight for stack ${stack} found ${n} problem${n === 1 ? "" : "s"}; nothing was created.\n${problems.map((p) => `  - ${p}\n`).join("")}`);
                process.exit(1);
            }
            process.stderr.write(`pulumi: using ${cli.how}\n`);
            process.stdout.write(`${cli.bin}\n`);
        },
        (e) => {
            process.stderr.write(`preflight failed unexpectedly: ${e && e.message}\n`);
            process.exit(1);
        },
    );
}
