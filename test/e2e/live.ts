// `npm run e2e`'s live part: a Kubernetes control plane on 127.0.0.1 (controlPlane.ts) and
// the program's real `pulumi up` / preview / destroy against it, per mode (liveModes.ts)
// and with custom resources (liveCrds.ts). Every component is stopped by its PID at the
// end, also when a check fails, a component dies, or on Ctrl-C; the e2e then checks that
// none is left. E2E_LIVE=0 skips this part, E2E_LIVE_SCENARIOS=separate,operator runs only
// those; E2E_KILL_APISERVER_AFTER=<s> kills the apiserver that many seconds into the first
// `pulumi up` (the failure path, by hand).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ControlPlane } from "./controlPlane";
import { Engine } from "./engine";
import { Live, running } from "./liveCluster";
import { monitoringScenario, operatorScenario } from "./liveCrds";
import { MODE_SPECS, liveMode } from "./liveModes";
import { AbortE2e, check, results, timings } from "./report";

export const LIVE_BINS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "kubectl"];

/** Ctrl-C / SIGTERM while live: every pulumi process group and component killed now, then exit. */
function onSignal(cp: ControlPlane): (signal: NodeJS.Signals) => void {
    return (signal) => {
        for (const r of running) {
            try {
                process.kill(-r.pid, "SIGKILL");
            } catch {
                // already gone
            }
        }
        const pids = cp.running();
        cp.killNow();
        console.log(
            `\ne2e: ${signal}: stopped ${pids.map((p) => `${p.name} (pid ${p.pid})`).join(", ") || "no component"}; workspace kept: ${path.dirname(cp.dir)}`,
        );
        process.exit(signal === "SIGINT" ? 130 : 143);
    };
}

/** The opt-in failure drill: kill kube-apiserver `seconds` into the first live `up`. */
function scheduleApiserverKill(cp: ControlPlane, seconds: number): void {
    const timer = setInterval(() => {
        if (running.size === 0) return;
        clearInterval(timer);
        setTimeout(() => {
            const apiserver = cp.running().find((p) => p.name === "kube-apiserver");
            if (!apiserver) return;
            console.log(`        (E2E_KILL_APISERVER_AFTER: killing kube-apiserver, pid ${apiserver.pid})`);
            process.kill(apiserver.pid, "SIGKILL");
        }, seconds * 1000);
    }, 100);
    timer.unref();
}

async function scenarios(live: Live): Promise<void> {
    const { cp, engine } = live;
    await check("live control plane: etcd, kube-apiserver, controller-manager, scheduler and kwok on 127.0.0.1; node Ready", async () => {
        try {
            await cp.start();
        } catch (e) {
            throw new AbortE2e(`${(e as Error).message}\n(component logs: ${cp.dir}/logs)`);
        }
        timings.push({ step: "live: control plane start", seconds: cp.startSeconds });
        engine.env.KUBECONFIG = cp.kubeconfig;
        const nodes = JSON.parse(cp.kubectlOk(["get", "node", "-o", "json"])).items;
        assert.strictEqual(nodes.length, 1);
        const server = JSON.parse(cp.kubectlOk(["version", "-o", "json"])).serverVersion.gitVersion;
        const { cpu, memory } = nodes[0].status.allocatable;
        return `kube-apiserver ${server}, started in ${cp.startSeconds.toFixed(1)} s; node ${nodes[0].metadata.name}: ${cpu} CPU, ${memory}`;
    });
    const kill = Number(process.env.E2E_KILL_APISERVER_AFTER);
    if (kill > 0) scheduleApiserverKill(cp, kill);
    const only = (process.env.E2E_LIVE_SCENARIOS ?? "separate,sidecar,renderer,monitoring,operator").split(",");
    for (const spec of MODE_SPECS) if (only.includes(spec.mode)) await liveMode(live, spec);
    if (only.includes("monitoring")) await monitoringScenario(live);
    if (only.includes("operator")) await operatorScenario(live);
}

/** The live part, after the render-to-YAML scenarios, with the same engine. */
export async function liveScenarios(engine: Engine, toolchainDir: string): Promise<void> {
    const missing = LIVE_BINS.filter((b) => !fs.existsSync(path.join(toolchainDir, "bin", b)));
    if (missing.length) {
        console.log(
            `\nlive: skipped: the toolchain has no ${missing.join(", ")} (built before the control plane was added); rebuild: npm run e2e:toolchain`,
        );
        return;
    }
    const cp = new ControlPlane(toolchainDir, engine.tmp);
    const signal = onSignal(cp);
    const lastResort = () => cp.killNow();
    process.once("SIGINT", signal).once("SIGTERM", signal).once("exit", lastResort);
    try {
        await scenarios({ engine, cp });
    } catch (e) {
        if (!(e instanceof AbortE2e)) throw e;
        console.log("\nlive: ended early (above); stopping the control plane");
    } finally {
        const pids = cp.running();
        await cp.stop();
        process.off("SIGINT", signal).off("SIGTERM", signal).off("exit", lastResort);
        const left = pids.filter((p) => alive(p.pid));
        console.log(`\nlive: stopped ${pids.map((p) => `${p.name} (${p.pid})`).join(", ") || "nothing (none running)"}; data dirs removed`);
        if (left.length) {
            results.failed++;
            console.log(`  FAIL  live: processes left running: ${left.map((p) => `${p.name} (${p.pid})`).join(", ")}`);
        }
    }
}

/** Whether a PID still runs (not a zombie). */
function alive(pid: number): boolean {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return !/^\d+ \(.*\) Z/.test(stat);
    } catch {
        return false;
    }
}
