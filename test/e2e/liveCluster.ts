// What the live scenarios share: the engine pointed at the control plane, pulumi runs that
// a dying control plane ends, and reading objects back with kubectl.
import * as assert from "assert";
import { ControlPlane } from "./controlPlane";
import { NODE_NAME } from "./controlPlaneFiles";
import { Engine, RunResult } from "./engine";
import { AbortE2e, timed } from "./report";

export interface Live {
    engine: Engine;
    cp: ControlPlane;
}

/**
 * Runs `pulumi args` against the live cluster and records its wall time under `step`. When
 * a control-plane component dies meanwhile, the command is stopped with its plugins and the
 * e2e ends with AbortE2e naming the component (a dead apiserver would otherwise leave the
 * provider retrying until its 10-minute await timeout).
 */
export async function pulumiLive(live: Live, step: string | undefined, args: string[]): Promise<RunResult> {
    const run = live.engine.start(args);
    try {
        const r = await Promise.race([run.result, live.cp.died]);
        return step ? timed(step, r) : r;
    } catch (e) {
        run.stop();
        const r = await run.result;
        throw new AbortE2e(
            `the control plane failed during \`pulumi ${args.join(" ")}\`: ${(e as Error).message}\n` +
                `\`pulumi ${args[0]}\` (pid ${run.pid}) was stopped with its plugins after ${r.seconds.toFixed(1)} s; the e2e ends here`,
        );
    }
}

/** Like pulumiLive, but fails the check with the command's output when it exits non-zero. */
export async function pulumiLiveOk(live: Live, step: string | undefined, args: string[]): Promise<RunResult> {
    const r = await pulumiLive(live, step, args);
    assert.strictEqual(r.status, 0, `pulumi ${args.join(" ")} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
    return r;
}

/** `kubectl get ... -o json`, parsed; a List's items or the one object. */
export function getJson(live: Live, args: string[]): any {
    return JSON.parse(live.cp.kubectlOk(["get", ...args, "-o", "json"]));
}

/** The kubectl resource name for an apiVersion and kind (`apps/v1` Deployment → deployment.v1.apps). */
export function kubectlResource(apiVersion: string, kind: string): string {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    return group ? `${kind.toLowerCase()}.${version}.${group}` : kind.toLowerCase();
}

/** Each Deployment rolled out (ready = updated = desired, the newest generation observed); their pods Running and Ready on the kwok node. */
export function rolledOut(live: Live, namespace: string): { deployments: number; pods: number } {
    const deployments = getJson(live, ["deployments.v1.apps", "-n", namespace]).items as any[];
    let want = 0;
    for (const d of deployments) {
        const s = d.status ?? {};
        const replicas = d.spec.replicas ?? 1;
        want += replicas;
        assert.ok(
            s.observedGeneration >= d.metadata.generation && s.readyReplicas === replicas && s.updatedReplicas === replicas,
            `Deployment ${d.metadata.name} not rolled out: ${JSON.stringify(s)}`,
        );
    }
    const pods = (getJson(live, ["pods", "-n", namespace]).items as any[]).filter((p) => !p.metadata.deletionTimestamp);
    for (const p of pods) {
        const ready = (p.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");
        assert.ok(p.status?.phase === "Running" && ready, `pod ${p.metadata.name} is ${p.status?.phase}, Ready ${ready}`);
        assert.strictEqual(p.spec.nodeName, NODE_NAME, `pod ${p.metadata.name} scheduled on ${p.spec.nodeName}`);
    }
    assert.strictEqual(pods.length, want, `${pods.length} pods for ${want} desired replicas`);
    return { deployments: deployments.length, pods: pods.length };
}

/** Polls `ok` every 500 ms for up to `seconds` (a controller's work after `pulumi up` returned). */
export async function eventually(what: string, seconds: number, ok: () => boolean): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        if (ok()) return;
        if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s`);
        await new Promise((r) => setTimeout(r, 500));
    }
}
