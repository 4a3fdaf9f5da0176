// The live e2e's control plane (test/e2e/controlPlane.ts) without the real binaries:
// credentials made with openssl, command lines that listen on loopback only, and the
// process handling (a component that dies, stop by PID, death with the e2e process)
// checked on stand-in components (shell scripts) in a temp toolchain folder.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { ControlPlane, ControlPlaneDied, freePort, nodeReady, writeCredentials } from "./e2e/controlPlane";
import { alive, killRecorded, processTree } from "./e2e/processes";
import {
    apiserverArgs,
    controllerManagerArgs,
    etcdArgs,
    files,
    hostPathVolumes,
    kwokArgs,
    Layout,
    schedulerArgs,
} from "./e2e/controlPlaneFiles";

const made: string[] = [];
const tmp = () => {
    made.push(fs.mkdtempSync(path.join(os.tmpdir(), "gsa-cp-test-")));
    return made[made.length - 1];
};
const until = async (ok: () => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    return ok();
};

/** A toolchain folder whose components are shell scripts. */
function fakeToolchain(scripts: Record<string, string>): string {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, "bin"));
    for (const [name, body] of Object.entries(scripts))
        fs.writeFileSync(path.join(dir, "bin", name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return dir;
}

describe("e2e control plane", () => {
    after(() => {
        for (const d of made) fs.rmSync(d, { recursive: true, force: true });
    });

    it("makes a CA, an apiserver certificate for 127.0.0.1 and the kubernetes Service names, and a system:masters client certificate", () => {
        const dir = tmp();
        writeCredentials(dir, path.join(dir, "kubeconfig"), 6443);
        const f = files(dir);
        const ca = new X509Certificate(fs.readFileSync(f.ca.crt));
        const server = new X509Certificate(fs.readFileSync(f.apiserver.crt));
        const client = new X509Certificate(fs.readFileSync(f.admin.crt));
        assert.ok(server.verify(ca.publicKey) && client.verify(ca.publicKey), "not signed by the CA");
        assert.ok(server.checkIP("127.0.0.1") && server.checkHost("kubernetes.default.svc"), server.subjectAltName);
        assert.match(client.subject, /O=system:masters/);
        assert.match(String(client.keyUsage), /1\.3\.6\.1\.5\.5\.7\.3\.2/); // clientAuth
        const kubeconfig = yaml.load(fs.readFileSync(path.join(dir, "kubeconfig"), "utf8")) as any;
        assert.equal(kubeconfig.clusters[0].cluster.server, "https://127.0.0.1:6443");
        assert.equal(
            Buffer.from(kubeconfig.users[0].user["client-certificate-data"], "base64").toString(),
            fs.readFileSync(f.admin.crt, "utf8"),
        );
        assert.equal((fs.statSync(path.join(dir, "kubeconfig")).mode & 0o777).toString(8), "600");
    });

    it("every component binds, listens and advertises on 127.0.0.1 only", () => {
        const layout: Layout = {
            dir: "/cp",
            ports: { etcd: 1, etcdPeer: 2, apiserver: 3, controllerManager: 4, scheduler: 5 },
            kubeconfig: "/kc",
            kwokStages: "/s.yaml",
        };
        const all = [etcdArgs, apiserverArgs, controllerManagerArgs, schedulerArgs, kwokArgs].flatMap((f) => f(layout));
        const addresses = all.filter((a) => /^--(listen|advertise|initial-advertise|bind|node-ip|etcd-servers|initial-cluster)/.test(a));
        assert.ok(addresses.length >= 10, addresses.join(" "));
        for (const a of addresses) assert.match(a, /=(\w+=)?(http:\/\/)?127\.0\.0\.1(:\d+)?$/, a);
        assert.ok(controllerManagerArgs(layout).includes("--enable-hostpath-provisioner"));
        assert.ok(!kwokArgs(layout).some((a) => a.startsWith("--server-address")), "kwok's own server would listen on 0.0.0.0");
    });

    it("finds a free loopback port and reads a Node's Ready condition", async () => {
        const port = await freePort();
        assert.ok(port > 1024 && port < 65536);
        assert.equal(nodeReady(JSON.stringify({ status: { conditions: [{ type: "Ready", status: "True" }] } })), true);
        assert.equal(nodeReady(JSON.stringify({ status: { conditions: [{ type: "Ready", status: "False" }] } })), false);
        assert.equal(nodeReady("not json"), false);
    });
});

describe("e2e control plane: its processes", () => {
    after(() => {
        for (const d of made) fs.rmSync(d, { recursive: true, force: true });
    });

    it("a component that exits by itself rejects `died` with its name, how it ended and its log", async () => {
        const cp = new ControlPlane(fakeToolchain({ "kube-apiserver": 'echo "bind: address already in use" >&2; exit 3' }), tmp());
        cp.launch("kube-apiserver", []);
        const e = await cp.died.catch((x) => x);
        assert.ok(e instanceof ControlPlaneDied);
        assert.match(
            e.message,
            /^kube-apiserver \(pid \d+\) exited with code 3; its log: .*kube-apiserver\.log\n {2}bind: address already in use$/,
        );
        await cp.stop();
    });

    it("stop() ends every component by its PID and removes the data dirs; nothing is reported as died", async () => {
        const workspace = tmp();
        const cp = new ControlPlane(fakeToolchain({ etcd: "exec sleep 60", kwok: "trap 'exit 0' TERM; sleep 60 & wait" }), workspace);
        fs.mkdirSync(files(cp.dir).etcdData, { recursive: true });
        const pids = [cp.launch("etcd", []), cp.launch("kwok", [])].map((p) => p.child.pid!);
        assert.ok(await until(() => pids.every(alive)));
        let died = false;
        cp.died.catch(() => (died = true));
        await cp.stop();
        assert.deepEqual(pids.filter(alive), []);
        assert.deepEqual(cp.running(), []);
        assert.equal(fs.existsSync(files(cp.dir).etcdData), false);
        await new Promise((r) => setImmediate(r));
        assert.equal(died, false);
    });

    it("a component dies with the e2e process, whatever ends it (setpriv --pdeathsig KILL)", async function () {
        this.timeout(20000);
        const toolchainDir = fakeToolchain({ etcd: "exec sleep 60" });
        const script = `const { ControlPlane } = require("./test/e2e/controlPlane");
            const cp = new ControlPlane(${JSON.stringify(toolchainDir)}, ${JSON.stringify(tmp())});
            console.log(cp.launch("etcd", []).child.pid); setInterval(() => {}, 1000);`;
        const e2e = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
            cwd: path.resolve(__dirname, ".."),
        });
        const pid = await new Promise<number>((resolve) => e2e.stdout.once("data", (d) => resolve(Number(String(d).trim()))));
        assert.ok(await until(() => alive(pid)), "the component did not start");
        e2e.kill("SIGKILL");
        assert.ok(await until(() => !alive(pid)), `component ${pid} outlived the killed e2e process`);
    });

    it("reads the host-path volumes created from the audit log, and nothing outside /tmp/hostpath_pv", () => {
        const pv = (path: string, verb = "create") => ({
            verb,
            requestURI: "/api/v1/persistentvolumes",
            objectRef: { resource: "persistentvolumes", name: "pvc-1" },
            requestObject: { spec: { hostPath: { path } } },
        });
        const events = [
            pv("/tmp/hostpath_pv/616ab35c-7cb8-4ec1-8ae4-3ee08f61a655"),
            pv("/tmp/hostpath_pv/616ab35c-7cb8-4ec1-8ae4-3ee08f61a655"),
            pv("/tmp/hostpath_pv/../../etc"),
            pv("/var/lib/data"),
            pv("/tmp/hostpath_pv/0c0ffee0-0000-4000-8000-000000000000", "delete"),
        ];
        assert.deepEqual(hostPathVolumes(events), ["/tmp/hostpath_pv/616ab35c-7cb8-4ec1-8ae4-3ee08f61a655"]);
    });
});

describe("e2e processes: a command's whole tree, by PID", () => {
    it("finds every process below a PID and kills each that is still the one recorded", async () => {
        const shell = spawn("sh", ["-c", "sleep 30 & sleep 30 & wait"], { detached: true, stdio: "ignore" });
        assert.ok(await until(() => processTree(shell.pid!).length === 3), JSON.stringify(processTree(shell.pid!)));
        const tree = processTree(shell.pid!);
        const stranger = spawn("sleep", ["30"], { stdio: "ignore" });
        assert.ok(await until(() => alive(stranger.pid!)));
        killRecorded([...tree, { pid: stranger.pid!, start: "0" }], "SIGKILL");
        assert.ok(await until(() => tree.every((p) => !alive(p.pid))), "a process of the tree survived");
        assert.ok(alive(stranger.pid!), "a PID recorded with another start time was killed");
        stranger.kill("SIGKILL");
    });
});
