// `npm run e2e:bench`'s live rows: on the e2e's control plane (controlPlane.ts), the wall
// time of this program's real `pulumi up` (separate mode, as `npm run e2e` runs it) against
// the floor: `kubectl apply --server-side` of the same manifests (rendered by the engine
// from the same config with renderYamlTo), each until the Deployments are rolled out and
// the claim is Bound. Each run starts from an empty namespace; medians of E2E_BENCH_RUNS.
import * as fs from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import { ControlPlane } from "./controlPlane";
import { Engine } from "./engine";
import { MODE_SPECS, liveConfig } from "./liveModes";
import { PROJECT } from "./registrations";

/** Every YAML file under `dir`; the Namespace's first (kubectl applies the files in the order given). */
function manifestFiles(dir: string): string[] {
    const all = (fs.readdirSync(dir, { recursive: true }) as string[]).map((f) => path.join(dir, f)).filter((f) => /\.ya?ml$/.test(f));
    const isNamespace = (f: string) => /^kind: Namespace$/m.test(fs.readFileSync(f, "utf8"));
    return [...all.filter(isNamespace), ...all.filter((f) => !isNamespace(f))];
}

/** kubectl apply --server-side of the manifests, then rollout status of each Deployment and the claims Bound: seconds. */
function kubectlApply(cp: ControlPlane, files: string[], namespace: string): number {
    const t0 = performance.now();
    cp.kubectlOk(["apply", "--server-side", ...files.flatMap((f) => ["-f", f])]);
    const deployments = cp.kubectlOk(["get", "deployments", "-n", namespace, "-o", "name"]).trim().split("\n");
    for (const d of deployments) cp.kubectlOk(["rollout", "status", "-n", namespace, d, "--timeout=120s"], { timeoutS: 130 });
    cp.kubectlOk(["wait", "--for=jsonpath={.status.phase}=Bound", "pvc", "--all", "-n", namespace, "--timeout=60s"], { timeoutS: 70 });
    return (performance.now() - t0) / 1000;
}

export interface LiveBench {
    controlPlaneStart: number;
    up: number[];
    destroy: number[];
    apply: number[];
    objects: number;
    /** Seconds into each `up` (engine events, whole seconds) when the last Deployment, and the last Service, was done. */
    deploymentsDone: number[];
    servicesDone: number[];
}

/** From `pulumi up --json` events: whole seconds from the first event until the last object of `type` was done. */
export function doneAfter(eventsJson: string, type: string): number {
    const events = eventsJson
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l));
    const t0 = events[0]?.timestamp ?? 0;
    const done = events.filter((e) => e.resOutputsEvent?.metadata?.type === type).map((e) => e.timestamp - t0);
    return done.length ? Math.max(...done) : NaN;
}

/** Runs the live comparison (minutes); stops the control plane whatever happens. */
export async function liveBench(toolchainDir: string, runs: number, log: (line: string) => void): Promise<LiveBench> {
    const engine = new Engine(toolchainDir);
    const cp = new ControlPlane(toolchainDir, engine.tmp);
    try {
        await cp.start();
        engine.env.KUBECONFIG = cp.kubeconfig;
        const config = liveConfig(MODE_SPECS[0]);
        const namespace = config[`${PROJECT}:namespace`];
        const rendered = path.join(engine.tmp, "manifests");
        engine.initStack("render", { ...config, [`${PROJECT}:renderYamlTo`]: rendered });
        engine.ok(["up", "--yes", "--skip-preview", "--stack", "render"]);
        const files = manifestFiles(rendered);
        engine.initStack("bench", config);
        const result: LiveBench = {
            controlPlaneStart: cp.startSeconds,
            up: [],
            destroy: [],
            apply: [],
            objects: files.length,
            deploymentsDone: [],
            servicesDone: [],
        };
        for (let i = 0; i < runs; i++) {
            const up = await engine.run(["up", "--yes", "--skip-preview", "--json", "--stack", "bench"]);
            if (up.status !== 0) throw new Error(`pulumi up failed:\n${up.stdout}\n${up.stderr}`);
            const destroy = await engine.run(["destroy", "--yes", "--skip-preview", "--stack", "bench"]);
            if (destroy.status !== 0) throw new Error(`pulumi destroy failed:\n${destroy.stdout}\n${destroy.stderr}`);
            const apply = kubectlApply(cp, files, namespace);
            cp.kubectlOk(["delete", "namespace", namespace, "--wait=true", "--timeout=120s"], { timeoutS: 130 });
            result.up.push(up.seconds);
            result.destroy.push(destroy.seconds);
            result.apply.push(apply);
            result.deploymentsDone.push(doneAfter(up.stdout, "kubernetes:apps/v1:Deployment"));
            result.servicesDone.push(doneAfter(up.stdout, "kubernetes:core/v1:Service"));
            log(
                `live #${i + 1}: pulumi up ${up.seconds.toFixed(1)} s, destroy ${destroy.seconds.toFixed(1)} s; kubectl apply --server-side ${apply.toFixed(1)} s`,
            );
        }
        return result;
    } finally {
        await cp.stop();
        engine.cleanup();
    }
}
