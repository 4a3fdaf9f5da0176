// A Kubernetes control plane for the live e2e scenarios, from the toolchain's binaries
// (scripts/e2e-toolchain-kube.sh): etcd, kube-apiserver, kube-controller-manager (with the
// host-path provisioner and a default StorageClass), kube-scheduler and kwok with one fake
// Node, so pods are scheduled and become Running/Ready without a kubelet. Everything
// listens on 127.0.0.1 only, on free ports; certificates and the service-account key are
// made with openssl in the workspace; a kubeconfig is written there. Each process is
// started under `setpriv --pdeathsig KILL` (it dies with this process, whatever kills it)
// and stopped by its PID; the data dirs are removed at stop.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { performance } from "perf_hooks";
import * as https from "https";
import {
    AUDIT_POLICY,
    AuditEvent,
    Layout,
    NODE,
    NODE_NAME,
    STORAGE_CLASS,
    apiserverArgs,
    controllerManagerArgs,
    etcdArgs,
    files,
    hostPathVolumes,
    kubeconfigYaml,
    kwokArgs,
    opensslSteps,
    schedulerArgs,
} from "./controlPlaneFiles";

/** A control-plane process that stopped when nobody asked it to. */
export class ControlPlaneDied extends Error {
    constructor(
        readonly component: string,
        readonly pid: number,
        readonly how: string,
        readonly log: string,
    ) {
        super(`${component} (pid ${pid}) ${how}; its log: ${log}${lastLines(log)}`);
    }
}

function lastLines(file: string, n = 8): string {
    try {
        const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-n);
        return lines.length ? "\n  " + lines.join("\n  ") : "";
    } catch {
        return "";
    }
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released for the component to bind). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

/** Certificates, the service-account key (openssl) and the kubeconfig, in the control plane's folder. */
export function writeCredentials(dir: string, kubeconfig: string, apiserverPort: number): void {
    fs.mkdirSync(files(dir).pki, { recursive: true });
    for (const step of opensslSteps(dir)) {
        if (step.extFile) fs.writeFileSync(step.extFile.path, step.extFile.text);
        const r = spawnSync("openssl", step.args, { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`openssl ${step.args.join(" ")} failed: ${r.stderr ?? r.error?.message}`);
    }
    const f = files(dir);
    fs.writeFileSync(f.auditPolicy, AUDIT_POLICY);
    const read = (p: string) => fs.readFileSync(p, "utf8");
    fs.writeFileSync(
        kubeconfig,
        kubeconfigYaml(`https://127.0.0.1:${apiserverPort}`, read(f.ca.crt), read(f.admin.crt), read(f.admin.key)),
        {
            mode: 0o600,
        },
    );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
    name: string;
    child: ChildProcess;
    log: string;
    exited?: string;
}

export interface KubectlResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

export class ControlPlane {
    readonly dir: string;
    readonly kubeconfig: string;
    readonly procs: Proc[] = [];
    /** Seconds from the first process started to the node Ready. */
    startSeconds = 0;
    /** Rejects when a component exits while the control plane should be running. */
    readonly died: Promise<never>;
    private reject!: (e: ControlPlaneDied) => void;
    private stopping = false;
    /** Host-path volumes the provisioner made (removed at stop if the PV controller has not). */
    private readonly volumePaths = new Set<string>();

    constructor(
        readonly toolchainDir: string,
        workspace: string,
    ) {
        this.dir = path.join(workspace, "control-plane");
        this.kubeconfig = path.join(workspace, "kubeconfig");
        fs.mkdirSync(path.join(this.dir, "logs"), { recursive: true });
        this.died = new Promise<never>((_, reject) => (this.reject = reject));
        this.died.catch(() => undefined); // observed by whoever races it
    }

    bin(name: string): string {
        return path.join(this.toolchainDir, "bin", name);
    }

    /** Starts `name` under setpriv --pdeathsig, its output to logs/<name>.log. */
    launch(name: string, args: string[]): Proc {
        const log = path.join(this.dir, "logs", `${name}.log`);
        const fd = fs.openSync(log, "a");
        const child = spawn("setpriv", ["--pdeathsig", "KILL", "--", this.bin(name), ...args], {
            stdio: ["ignore", fd, fd],
            env: { PATH: "/usr/bin:/bin", HOME: this.dir },
            // Its own session: a terminal's Ctrl-C reaches this process, which stops it by PID.
            detached: true,
        });
        fs.closeSync(fd);
        const proc: Proc = { name, child, log };
        child.on("exit", (code, signal) => {
            proc.exited = signal ? `was killed by ${signal}` : `exited with code ${code}`;
            if (!this.stopping) this.reject(new ControlPlaneDied(name, child.pid ?? -1, proc.exited, log));
        });
        child.on("error", (e) => {
            proc.exited = `could not start: ${e.message}`;
            if (!this.stopping) this.reject(new ControlPlaneDied(name, child.pid ?? -1, proc.exited, log));
        });
        this.procs.push(proc);
        return proc;
    }

    /** Runs the toolchain's kubectl against this control plane. */
    kubectl(args: string[], opts: { input?: string; timeoutS?: number } = {}): KubectlResult {
        const r = spawnSync(this.bin("kubectl"), ["--kubeconfig", this.kubeconfig, ...args], {
            input: opts.input,
            encoding: "utf8",
            timeout: (opts.timeoutS ?? 60) * 1000,
            maxBuffer: 64 * 1024 * 1024,
        });
        return { status: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? `\n${r.error.message}` : "") };
    }

    /** Like kubectl(), but throws with its output when it fails. */
    kubectlOk(args: string[], opts: { input?: string; timeoutS?: number } = {}): string {
        const r = this.kubectl(args, opts);
        if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.status}:\n${r.stdout}${r.stderr}`);
        return r.stdout;
    }

    /** Polls `ok` every 200 ms until it returns true, the timeout passes, or a component dies. */
    async waitFor(what: string, timeoutS: number, ok: () => boolean | Promise<boolean>): Promise<void> {
        const deadline = performance.now() + timeoutS * 1000;
        for (;;) {
            const dead = this.procs.find((p) => p.exited);
            if (dead) throw new ControlPlaneDied(dead.name, dead.child.pid ?? -1, dead.exited!, dead.log);
            if (await ok()) return;
            if (performance.now() > deadline) throw new Error(`control plane: ${what} not within ${timeoutS} s (logs: ${this.dir}/logs)`);
            await sleep(200);
        }
    }

    /** GET path on a component's HTTPS port: the apiserver checked against our CA, with our client certificate. */
    private get(port: number, urlPath: string): Promise<{ status: number; body: string }> {
        const f = files(this.dir);
        return new Promise((resolve) => {
            const req = https.get(
                {
                    host: "127.0.0.1",
                    port,
                    path: urlPath,
                    ca: fs.readFileSync(f.ca.crt),
                    cert: fs.readFileSync(f.admin.crt),
                    key: fs.readFileSync(f.admin.key),
                    // The controller-manager and scheduler serve self-signed certificates (their --cert-dir).
                    rejectUnauthorized: port === this.layout?.ports.apiserver,
                    timeout: 2000,
                },
                (res) => {
                    let body = "";
                    res.on("data", (d) => (body += d));
                    res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
                },
            );
            req.on("error", () => resolve({ status: 0, body: "" }));
            req.on("timeout", () => req.destroy());
        });
    }

    private layout?: Layout;

    /** Starts every component and waits until the fake Node is Ready. */
    async start(): Promise<void> {
        const t0 = performance.now();
        const ports = {
            etcd: await freePort(),
            etcdPeer: await freePort(),
            apiserver: await freePort(),
            controllerManager: await freePort(),
            scheduler: await freePort(),
        };
        const layout: Layout = {
            dir: this.dir,
            ports,
            kubeconfig: this.kubeconfig,
            kwokStages: path.join(this.toolchainDir, "share", "kwok", "stages.yaml"),
        };
        this.layout = layout;
        writeCredentials(this.dir, this.kubeconfig, ports.apiserver);
        this.launch("etcd", etcdArgs(layout));
        this.launch("kube-apiserver", apiserverArgs(layout));
        await this.waitFor("kube-apiserver /readyz", 90, async () => (await this.get(ports.apiserver, "/readyz")).status === 200);
        this.launch("kube-controller-manager", controllerManagerArgs(layout));
        this.launch("kube-scheduler", schedulerArgs(layout));
        this.launch("kwok", kwokArgs(layout));
        const objects = [STORAGE_CLASS, NODE].map((o) => JSON.stringify(o)).join("\n");
        this.kubectlOk(["create", "-f", "-"], { input: objects });
        await Promise.all([
            this.waitFor(
                "kube-controller-manager /healthz",
                60,
                async () => (await this.get(ports.controllerManager, "/healthz")).status === 200,
            ),
            this.waitFor("kube-scheduler /healthz", 60, async () => (await this.get(ports.scheduler, "/healthz")).status === 200),
            this.waitFor(`node ${NODE_NAME} Ready (kwok)`, 60, async () =>
                nodeReady((await this.get(ports.apiserver, `/api/v1/nodes/${NODE_NAME}`)).body),
            ),
            // Pods need their namespace's default ServiceAccount: the controller-manager makes it.
            this.waitFor(
                "the default ServiceAccount",
                60,
                async () => (await this.get(ports.apiserver, "/api/v1/namespaces/default/serviceaccounts/default")).status === 200,
            ),
        ]);
        this.startSeconds = (performance.now() - t0) / 1000;
    }

    /** Remembers the host-path directories of the cluster's PersistentVolumes, to remove any left at stop. */
    notePersistentVolumes(): void {
        const r = this.kubectl(["get", "pv", "-o", "json"]);
        if (r.status !== 0) return;
        for (const pv of JSON.parse(r.stdout).items ?? []) {
            const p = pv.spec?.hostPath?.path;
            if (typeof p === "string" && p.startsWith("/tmp/hostpath_pv/")) this.volumePaths.add(p);
        }
    }

    /** Stops every component by PID (newest first: SIGTERM, then SIGKILL after 10 s), then removes the data. */
    async stop(): Promise<void> {
        if (this.stopping) return;
        this.notePersistentVolumes();
        this.stopping = true;
        for (const p of [...this.procs].reverse()) {
            if (p.exited) continue;
            const gone = new Promise<void>((r) => p.child.once("exit", () => r()));
            p.child.kill("SIGTERM");
            const timer = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
            await gone;
            clearTimeout(timer);
        }
        this.removeData();
    }

    /** Last resort (process exit, an uncaught error): SIGKILL every component still running, at once. */
    killNow(): void {
        this.stopping = true;
        for (const p of this.procs) if (!p.exited && p.child.pid) p.child.kill("SIGKILL");
        this.removeData();
    }

    /** The etcd data and the host-path volumes the PV controller has not removed (known from the cluster or the audit log). */
    private removeData(): void {
        fs.rmSync(files(this.dir).etcdData, { recursive: true, force: true });
        for (const p of new Set([...this.volumePaths, ...hostPathVolumes(this.auditEvents())]))
            fs.rmSync(p, { recursive: true, force: true });
    }

    /** The apiserver's audit events so far (controlPlaneFiles.ts AUDIT_POLICY: writes, metadata only). */
    auditEvents(): AuditEvent[] {
        const file = files(this.dir).auditLog;
        if (!fs.existsSync(file)) return [];
        const events: AuditEvent[] = [];
        for (const line of fs.readFileSync(file, "utf8").split("\n")) {
            try {
                if (line) events.push(JSON.parse(line) as AuditEvent);
            } catch {
                // the last line of an apiserver that was killed while writing it
            }
        }
        return events;
    }

    /** Components that ended, and how (for the final report). */
    exited(): { name: string; pid: number; how: string }[] {
        return this.procs.filter((p) => p.exited).map((p) => ({ name: p.name, pid: p.child.pid ?? -1, how: p.exited! }));
    }

    /** PIDs of the components still running (for the final "nothing left" check). */
    running(): { name: string; pid: number }[] {
        return this.procs.filter((p) => !p.exited && p.child.pid).map((p) => ({ name: p.name, pid: p.child.pid! }));
    }
}

/** True when a Node object (JSON) has condition Ready=True. */
export function nodeReady(json: string): boolean {
    try {
        const node = JSON.parse(json);
        return (node.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");
    } catch {
        return false;
    }
}
