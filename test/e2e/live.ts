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
import { performance } from "perf_hooks";
import { ControlPlane } from "./controlPlane";
import { activeRuns, Engine, onInterrupt } from "./engine";
import { Live } from "./liveCluster";
import { monitoringScenario, operatorScenario } from "./liveCrds";
import { MODE_SPECS, liveMode } from "./liveModes";
import { alive } from "./processes";
import { AbortE2e, check, results, say, timings } from "./report";

export const LIVE_BINS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "kubectl"];

/** The opt-in failure drill: kill kube-apiserver `seconds` into the first live `up`. */
function scheduleApiserverKill(cp: ControlPlane, seconds: number): void {
    const timer = setInterval(() => {
        if (activeRuns.size === 0) return;
        clearInterval(timer);
        setTimeout(() => {
            const apiserver = cp.running().find((p) => p.name === "kube-apiserver");
            if (!apiserver) return;
            say(`        (E2E_KILL_APISERVER_AFTER: killing kube-apiserver, pid ${apiserver.pid})`);
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
    const all: [string, () => Promise<void>][] = [
        ...MODE_SPECS.map((spec): [string, () => Promise<void>] => [spec.mode, () => liveMode(live, spec)]),
        ["monitoring", () => monitoringScenario(live)],
        ["operator", () => operatorScenario(live)],
    ];
    for (const [name, run] of all) {
        if (!only.includes(name)) continue;
        const t0 = performance.now();
        await run();
        timings.push({ step: `live ${name}: whole scenario`, seconds: (performance.now() - t0) / 1000 });
    }
}

/** The live part, after the render-to-YAML scenarios, with the same engine. */
export async function liveScenarios(engine: Engine, toolchainDir: string): Promise<void> {
    const missing = [...LIVE_BINS.map((b) => path.join("bin", b)), path.join("share", "kwok", "stages.yaml")].filter(
        (f) => !fs.existsSync(path.join(toolchainDir, f)),
    );
    if (missing.length) {
        say(
            `\nlive: skipped: the toolchain has no ${missing.join(", ")} (built before the control plane was added); rebuild: npm run e2e:toolchain`,
        );
        return;
    }
    const cp = new ControlPlane(toolchainDir, engine.tmp);
    const removeHook = onInterrupt(() => {
        const pids = cp.running();
        cp.killNow();
        return `killed ${pids.map((p) => `${p.name} (pid ${p.pid})`).join(", ") || "no control-plane component"}`;
    });
    const lastResort = () => cp.killNow();
    process.once("exit", lastResort);
    try {
        await scenarios({ engine, cp });
    } catch (e) {
        if (!(e instanceof AbortE2e)) throw e;
        say("\nlive: ended early (above); stopping the control plane");
    } finally {
        const pids = cp.running();
        const before = cp.exited().map((p) => `${p.name} (${p.pid}) had ${p.how.replace(/^was /, "been ")}`);
        await cp.stop();
        removeHook();
        process.off("exit", lastResort);
        const left = pids.filter((p) => alive(p.pid));
        const stopped = pids.map((p) => `${p.name} (${p.pid})`).join(", ") || "nothing (none running)";
        say(`\nlive: stopped ${stopped} by PID${before.length ? `; ${before.join(", ")}` : ""}; data dirs removed`);
        if (left.length) {
            results.failed++;
            say(`  FAIL  live: processes left running: ${left.map((p) => `${p.name} (${p.pid})`).join(", ")}`);
        }
    }
}
