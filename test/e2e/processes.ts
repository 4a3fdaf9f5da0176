// Processes `npm run e2e` starts (the renderer, which starts chromium; dockerd, which starts
// containerd): each in its own process group, logged to a file in the workspace, stopped by
// its PID (the group, so its children go with it) at the end, also after a failure or ^C.
// `leftovers()` lists what is still running afterwards, so the run can prove nothing is.
// Processes the e2e started, found through /proc (`processTree`, `killRecorded`): pulumi starts
// each plugin in a process group of its own, so ending a pulumi command for good means its
// whole tree, by PID. A process is named by PID and start time, so a PID the kernel has since
// reused is left alone.
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";

export interface Started {
    name: string;
    pid: number;
    child: ChildProcess;
    logFile: string;
    /** Resolves with the exit code (or the signal's name) when the process exits. */
    exited: Promise<number | string>;
    /** Set once the process has exited. */
    exit?: number | string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
    });
}

/** Is `pid` a live process (not a zombie)? */
export function alive(pid: number): boolean {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
    } catch {
        return false;
    }
}

/** Every live process: pid, parent, process group and command line. */
export function processTable(): { pid: number; ppid: number; pgid: number; cmd: string }[] {
    const out: { pid: number; ppid: number; pgid: number; cmd: string }[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
            if (fields[0] === "Z") continue;
            const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ").trim();
            out.push({ pid: Number(entry), ppid: Number(fields[1]), pgid: Number(fields[2]), cmd });
        } catch {
            // exited while we looked
        }
    }
    return out;
}

export class Processes {
    readonly started: Started[] = [];
    private readonly onExit = () => this.killAllNow();
    private readonly onSignal = () => {
        this.killAllNow();
        process.exit(130);
    };

    /** handleSignals false: the caller stops them on ^C itself (the e2e's interrupt handler, which first stops pulumi). */
    constructor(opts: { handleSignals?: boolean } = {}) {
        process.on("exit", this.onExit);
        if (opts.handleSignals === false) return;
        process.on("SIGINT", this.onSignal);
        process.on("SIGTERM", this.onSignal);
    }

    /** Starts `cmd` in its own process group, output appended to `logFile`. */
    start(name: string, cmd: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string; logFile: string }): Started {
        const fd = fs.openSync(opts.logFile, "a");
        const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, detached: true, stdio: ["ignore", fd, fd] });
        fs.closeSync(fd);
        if (child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
        const s: Started = {
            name,
            pid: child.pid,
            child,
            logFile: opts.logFile,
            exited: new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown"))),
        };
        void s.exited.then((e) => (s.exit = e));
        this.started.push(s);
        return s;
    }

    /** SIGTERM to the process group, then SIGKILL after `graceMs`; resolves once the leader has exited. */
    async stop(s: Started, graceMs = 10_000): Promise<void> {
        if (s.exit !== undefined && !this.groupAlive(s.pid)) return;
        this.signalGroup(s.pid, "SIGTERM");
        const deadline = Date.now() + graceMs;
        while (Date.now() < deadline && (s.exit === undefined || this.groupAlive(s.pid))) await sleep(100);
        if (s.exit === undefined || this.groupAlive(s.pid)) {
            this.signalGroup(s.pid, "SIGKILL");
            await Promise.race([s.exited, sleep(5_000)]);
        }
    }

    /** Stops everything still running, newest first. */
    async stopAll(): Promise<void> {
        for (const s of [...this.started].reverse()) await this.stop(s);
        process.off("exit", this.onExit);
        process.off("SIGINT", this.onSignal);
        process.off("SIGTERM", this.onSignal);
    }

    /** Synchronous last resort (exit, ^C): SIGKILL to every group started. */
    killAllNow(): void {
        for (const s of this.started) this.signalGroup(s.pid, "SIGKILL");
    }

    private groupAlive(pgid: number): boolean {
        return processTable().some((p) => p.pgid === pgid);
    }

    private signalGroup(pgid: number, signal: NodeJS.Signals): void {
        try {
            process.kill(-pgid, signal);
        } catch {
            // already gone
        }
    }

    /**
     * Processes still running that this run started: in one of its process groups, below one
     * of its PIDs, or naming `marker` (the workspace path) on their command line.
     */
    leftovers(marker: string): string[] {
        const table = processTable();
        const ours = new Set(this.started.map((s) => s.pid));
        const groups = new Set(this.started.map((s) => s.pid));
        let grew = true;
        while (grew) {
            grew = false;
            for (const p of table) {
                if (!ours.has(p.pid) && (ours.has(p.ppid) || groups.has(p.pgid) || p.cmd.includes(marker))) {
                    ours.add(p.pid);
                    grew = true;
                }
            }
        }
        return table.filter((p) => ours.has(p.pid) && p.pid !== process.pid).map((p) => `${p.pid} ${p.cmd.slice(0, 160)}`);
    }
}

export interface ProcessId {
    pid: number;
    /** Field 22 of /proc/<pid>/stat: start time in clock ticks since boot. */
    start: string;
}

/** The stat fields after the command name (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    } catch {
        return undefined;
    }
}

/** `pid` and every process below it, each with its start time. */
export function processTree(pid: number): ProcessId[] {
    const children = new Map<number, number[]>();
    const starts = new Map<number, string>();
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        const f = statFields(Number(entry));
        if (!f) continue;
        // After the name: state(0) ppid(1) ... starttime is field 22 overall, index 19 here.
        const ppid = Number(f[1]);
        children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
        starts.set(Number(entry), f[19]);
    }
    const out: ProcessId[] = [];
    const queue = [pid];
    while (queue.length) {
        const p = queue.shift()!;
        if (!starts.has(p)) continue;
        out.push({ pid: p, start: starts.get(p)! });
        queue.push(...(children.get(p) ?? []));
    }
    return out;
}

/** Sends `signal` to each process that is still the one recorded (same PID, same start time). */
export function killRecorded(procs: ProcessId[], signal: NodeJS.Signals): void {
    for (const p of procs) {
        if (statFields(p.pid)?.[19] !== p.start) continue;
        try {
            process.kill(p.pid, signal);
        } catch {
            // gone meanwhile
        }
    }
}
