// The real Pulumi engine for `npm run e2e` and its benchmark: the pinned toolchain that
// scripts/e2e-toolchain.sh builds, a local file backend in a temp folder, a generated
// passphrase, and plugins found on PATH from the toolchain only (no download, no
// ~/.pulumi). The project is copied into the temp folder so that `stack init` (which writes
// the passphrase salt into Pulumi.<stack>.yaml) never touches the working tree.
import { spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { killRecorded, processTree } from "./processes";

export const ROOT = path.resolve(__dirname, "..", "..");
const TOOLCHAIN_SCRIPT = path.join(ROOT, "scripts", "e2e-toolchain.sh");

/** The toolchain's cache folder, and whether it is completely built. */
export function toolchain(): { dir: string; complete: boolean } {
    // E2E_TOOLCHAIN_DIR: use a toolchain folder built elsewhere (same layout: bin/, COMPLETE).
    if (process.env.E2E_TOOLCHAIN_DIR) {
        const dir = path.resolve(process.env.E2E_TOOLCHAIN_DIR);
        return { dir, complete: fs.existsSync(path.join(dir, "COMPLETE")) };
    }
    const r = spawnSync("bash", [TOOLCHAIN_SCRIPT, "--dir"], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`scripts/e2e-toolchain.sh --dir failed: ${r.stderr}`);
    const dir = r.stdout.trim();
    return { dir, complete: fs.existsSync(path.join(dir, "COMPLETE")) };
}

/** Builds the toolchain when it is not built yet (minutes to tens of minutes). */
export function ensureToolchain(): string {
    const t = toolchain();
    if (t.complete) return t.dir;
    process.stderr.write(`e2e: building the toolchain into ${t.dir} (scripts/e2e-toolchain.sh); this takes a while the first time\n`);
    const r = spawnSync("bash", [TOOLCHAIN_SCRIPT], { stdio: "inherit" });
    if (r.status !== 0) throw new Error("scripts/e2e-toolchain.sh failed (see above)");
    return toolchain().dir;
}

/** Files and folders of the project that are not copied into the temp project. */
const NOT_COPIED = new Set([".git", "node_modules", ".tools", ".pulumi-state", "rendered-manifests", "bin-out"]);

export interface RunResult {
    args: string[];
    status: number | null;
    stdout: string;
    stderr: string;
    seconds: number;
}

/** A pulumi command running in the background (Engine.start). */
export interface RunningPulumi {
    pid: number;
    result: Promise<RunResult>;
    /** Ends it (and its plugins); `result` then resolves. */
    stop: () => void;
}

/** Every pulumi command started with Engine.start and not finished (Ctrl-C kills their process groups). */
export const activeRuns = new Set<RunningPulumi>();
/** Set once Ctrl-C / SIGTERM arrived: no pulumi command starts after it. */
let interrupted: NodeJS.Signals | undefined;
const interruptHooks = new Set<() => string>();

/** Runs `hook` on Ctrl-C / SIGTERM (it stops what it started, and says what); returns its removal. */
export function onInterrupt(hook: () => string): () => void {
    interruptHooks.add(hook);
    return () => interruptHooks.delete(hook);
}

/**
 * Ctrl-C / SIGTERM: the running pulumi commands are stopped (they run detached, so the
 * terminal's signal does not reach them: SIGINT, as Ctrl-C would, and after 5 s SIGKILL to
 * each process of their trees, plugins included), then every hook; then exit 130 / 143.
 */
export function installInterruptHandler(workspaces: () => string[]): void {
    const handler = async (signal: NodeJS.Signals) => {
        interrupted = signal;
        const runs = [...activeRuns];
        const trees = runs.map((r) => processTree(r.pid));
        for (const r of runs) r.stop();
        await Promise.race([Promise.all(runs.map((r) => r.result)), new Promise((r) => setTimeout(r, 5000))]);
        for (const tree of trees) killRecorded(tree, "SIGKILL");
        const said = [...interruptHooks].map((h) => h()).filter(Boolean);
        console.log(
            `\ne2e: ${signal}: stopped ${runs.length} pulumi command(s)${said.map((s) => "; " + s).join("")}; workspace kept: ${workspaces().join(", ")}`,
        );
        process.exit(signal === "SIGINT" ? 130 : 143);
    };
    process.once("SIGINT", (s) => void handler(s)).once("SIGTERM", (s) => void handler(s));
}

export class Engine {
    readonly tmp: string;
    readonly project: string;
    readonly env: NodeJS.ProcessEnv;
    readonly runs: RunResult[] = [];

    /** A fresh temp workspace: a copy of the project (or `programDir`), backend, PULUMI_HOME, PATH. */
    constructor(
        readonly toolchainDir: string,
        programDir?: string,
    ) {
        this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gsa-e2e-"));
        this.project = path.join(this.tmp, "project");
        if (programDir) {
            fs.cpSync(programDir, this.project, { recursive: true });
        } else {
            fs.mkdirSync(this.project);
            for (const entry of fs.readdirSync(ROOT)) {
                if (NOT_COPIED.has(entry) || /^Pulumi\..+\.yaml$/.test(entry)) continue;
                fs.cpSync(path.join(ROOT, entry), path.join(this.project, entry), { recursive: true });
            }
        }
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(this.project, "node_modules"), "dir");

        // The dynamic-provider host ships in @pulumi/pulumi (a shell script that runs its
        // provider with node); the CLI finds it on PATH like any plugin.
        const hostBin = path.join(this.tmp, "bin");
        fs.mkdirSync(hostBin);
        fs.symlinkSync(
            path.join(ROOT, "node_modules", "@pulumi", "pulumi", "pulumi-resource-pulumi-nodejs"),
            path.join(hostBin, "pulumi-resource-pulumi-nodejs"),
        );
        const stateDir = path.join(this.tmp, "state");
        fs.mkdirSync(stateDir);

        const env: NodeJS.ProcessEnv = {};
        // Only what a shell and node need from the caller's environment; nothing Pulumi-related.
        for (const k of ["HOME", "USER", "LANG", "LC_ALL", "TMPDIR", "TERM"]) if (process.env[k]) env[k] = process.env[k];
        Object.assign(env, {
            PATH: [path.join(toolchainDir, "bin"), hostBin, path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter),
            PULUMI_HOME: path.join(this.tmp, "pulumi-home"),
            PULUMI_BACKEND_URL: `file://${stateDir}`,
            PULUMI_CONFIG_PASSPHRASE: crypto.randomBytes(24).toString("base64url"),
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_SKIP_CONFIRMATIONS: "true",
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
            NO_COLOR: "1",
        });
        this.env = env;
    }

    /** Runs the toolchain's `pulumi` in the temp project; never throws on a non-zero exit. */
    pulumi(args: string[], opts: { timeoutS?: number } = {}): RunResult {
        const t0 = performance.now();
        const r = spawnSync(path.join(this.toolchainDir, "bin", "pulumi"), [...args, "--non-interactive", "--color", "never"], {
            cwd: this.project,
            env: this.env,
            encoding: "utf8",
            timeout: (opts.timeoutS ?? 600) * 1000,
            maxBuffer: 64 * 1024 * 1024,
        });
        const result: RunResult = {
            args,
            status: r.status,
            stdout: r.stdout ?? "",
            stderr: (r.stderr ?? "") + (r.error ? `\n${r.error.message}` : ""),
            seconds: (performance.now() - t0) / 1000,
        };
        this.runs.push(result);
        return result;
    }

    /**
     * pulumi() without blocking, in its own process group: `stop()` ends the CLI and every
     * plugin it started (SIGINT, as Ctrl-C would, then SIGKILL to the group after 10 s).
     */
    start(args: string[], opts: { timeoutS?: number } = {}): RunningPulumi {
        if (interrupted) throw new Error(`e2e interrupted (${interrupted}): not starting pulumi ${args[0]}`);
        const t0 = performance.now();
        const child = spawn(path.join(this.toolchainDir, "bin", "pulumi"), [...args, "--non-interactive", "--color", "never"], {
            cwd: this.project,
            env: this.env,
            detached: true,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const pid = child.pid!;
        const group = (signal: NodeJS.Signals) => {
            try {
                process.kill(-pid, signal);
            } catch {
                // the group has no process left
            }
        };
        let killer: NodeJS.Timeout | undefined;
        const stop = () => {
            group("SIGINT");
            // Plugins run in process groups of their own: the CLI's whole tree, while it still has one.
            killer ??= setTimeout(() => killRecorded(processTree(pid), "SIGKILL"), 10_000);
        };
        const timeout = setTimeout(stop, (opts.timeoutS ?? 600) * 1000);
        const result = new Promise<RunResult>((resolve) => {
            child.on("close", (status, signal) => {
                clearTimeout(timeout);
                if (killer) clearTimeout(killer);
                group("SIGKILL"); // anything left in the CLI's own group
                const r = {
                    args,
                    status,
                    stdout,
                    stderr: stderr + (signal ? `\n(pulumi ended by ${signal})` : ""),
                    seconds: (performance.now() - t0) / 1000,
                };
                this.runs.push(r);
                resolve(r);
            });
        });
        const running = { pid, result, stop };
        activeRuns.add(running);
        void result.then(() => activeRuns.delete(running));
        return running;
    }

    /** pulumi() without blocking this process (start(), awaited). */
    run(args: string[], opts: { timeoutS?: number } = {}): Promise<RunResult> {
        return this.start(args, opts).result;
    }

    /** Like pulumi(), but throws with the command's output when it fails. */
    ok(args: string[], opts: { timeoutS?: number } = {}): RunResult {
        const r = this.pulumi(args, opts);
        if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
        return r;
    }

    /** Writes Pulumi.<stack>.yaml into the temp project, then creates the stack with a passphrase. */
    initStack(stack: string, config: Record<string, string>): void {
        const lines = ["config:", ...Object.entries(config).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)];
        fs.writeFileSync(path.join(this.project, `Pulumi.${stack}.yaml`), lines.join("\n") + "\n");
        this.ok(["stack", "init", stack, "--secrets-provider", "passphrase"]);
    }

    /** The stack's deployment (`pulumi stack export`). */
    exportStack(stack: string): any {
        return JSON.parse(this.ok(["stack", "export", "--stack", stack]).stdout);
    }

    cleanup(): void {
        fs.rmSync(this.tmp, { recursive: true, force: true });
    }
}

/** Plain `key: value` pairs of a committed stack file's `config:` block. */
export function stackFileConfig(file: string): Record<string, string> {
    const yaml = require("js-yaml") as typeof import("js-yaml");
    const doc = yaml.load(fs.readFileSync(path.join(ROOT, file), "utf8")) as { config?: Record<string, unknown> };
    return Object.fromEntries(Object.entries(doc.config ?? {}).map(([k, v]) => [k, String(v)]));
}
