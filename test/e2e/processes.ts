// Processes the e2e started, found through /proc: pulumi starts each plugin in a process
// group of its own, so ending a pulumi command for good means its whole tree, by PID. A
// process is named by PID and start time, so a PID the kernel has since reused is left alone.
import * as fs from "fs";

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

/** Whether a PID runs (a zombie does not count). */
export function alive(pid: number): boolean {
    const f = statFields(pid);
    return f !== undefined && f[0] !== "Z";
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
