// A memory cgroup of our own for a process `npm run e2e` starts on this machine, so the real
// renderer and its browsers run under the same memory limit the program gives the renderer's
// container, and the kernel reports their peak. A child of this process's own memory cgroup
// (cgroup v2: the unified hierarchy; v1: the memory controller's). Removed when empty.
import * as fs from "fs";
import * as path from "path";

export interface MemoryCgroup {
    dir: string;
    limitBytes: number;
    /** Highest memory use the kernel recorded (bytes). */
    peak(): number;
    /** Processes the kernel's OOM killer ended in this cgroup. */
    oomKills(): number;
    /** Shell prefix that moves the shell into the cgroup before it execs the command. */
    enterCommand(): string;
    /** Removes the cgroup (its processes must be gone). */
    remove(): void;
}

/** This process's cgroup for the memory controller: [mount, path] (v2 first). */
function ownMemoryCgroup(): { root: string; rel: string; v2: boolean } | undefined {
    const lines = fs.readFileSync("/proc/self/cgroup", "utf8").trim().split("\n");
    const v1 = lines.map((l) => l.split(":")).find(([, ctrl]) => ctrl.split(",").includes("memory"));
    if (v1 && fs.existsSync("/sys/fs/cgroup/memory")) return { root: "/sys/fs/cgroup/memory", rel: v1[2], v2: false };
    const unified = lines.map((l) => l.split(":")).find(([id]) => id === "0");
    const root = fs.existsSync("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
    if (unified && fs.existsSync(path.join(root, "cgroup.controllers"))) return { root, rel: unified[2], v2: true };
    return undefined;
}

const readNumber = (file: string) => Number(fs.readFileSync(file, "utf8").trim());

/** Creates `<own cgroup>/<name>` limited to `limitBytes`; undefined (with the reason) when this machine does not allow it. */
export function createMemoryCgroup(name: string, limitBytes: number): MemoryCgroup | string {
    const own = ownMemoryCgroup();
    if (!own) return "no memory cgroup controller on this machine";
    const dir = path.join(own.root, own.rel, name);
    try {
        fs.mkdirSync(dir);
        fs.writeFileSync(path.join(dir, own.v2 ? "memory.max" : "memory.limit_in_bytes"), String(limitBytes));
    } catch (e) {
        try {
            fs.rmdirSync(dir);
        } catch {
            // never created
        }
        return `cannot create a memory cgroup under ${path.join(own.root, own.rel)}: ${(e as Error).message}`;
    }
    const events = () => fs.readFileSync(path.join(dir, own.v2 ? "memory.events" : "memory.oom_control"), "utf8");
    return {
        dir,
        limitBytes,
        peak: () => readNumber(path.join(dir, own.v2 ? "memory.peak" : "memory.max_usage_in_bytes")),
        oomKills: () => Number(/^oom_kill (\d+)$/m.exec(events())?.[1] ?? 0),
        enterCommand: () => `echo $$ > ${path.join(dir, "cgroup.procs")} && exec "$@"`,
        remove: () => {
            for (let i = 0; i < 50; i++) {
                try {
                    fs.rmdirSync(dir);
                    return;
                } catch (e) {
                    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
                    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
                }
            }
        },
    };
}
