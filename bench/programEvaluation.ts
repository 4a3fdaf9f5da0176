// Benchmark section 1 and 4: evaluating the program as a preview would, one fresh Node
// process per run, for each target and mode, against a one-resource baseline.
import { spawnSync } from "child_process";
import * as path from "path";
import { performance } from "perf_hooks";
import { median, Stats, stats } from "./stats";

export interface EvalRun {
    wallMs: number;
    evalMs: number;
    maxRssMiB: number;
    resources: number;
    loaded: Record<string, boolean>;
}

const CHILD = path.join(__dirname, "evalProgram.ts");

/** Runs the child once; `config` is the stack config, or "baseline". */
export function evaluateOnce(config: Record<string, string> | "baseline"): EvalRun {
    const arg = config === "baseline" ? "baseline" : JSON.stringify(config);
    const t0 = performance.now();
    const child = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", CHILD, arg], {
        cwd: path.resolve(__dirname, ".."),
        encoding: "utf8",
    });
    const wallMs = performance.now() - t0;
    if (child.status !== 0) throw new Error(`program evaluation failed for ${arg}:\n${child.stderr}`);
    const out = JSON.parse(child.stdout.trim().split("\n").pop()!);
    return { wallMs, ...out };
}

export const TARGETS: Array<{ label: string; config: Record<string, string> }> = [
    { label: "docker", config: {} },
    { label: "kubernetes sidecar", config: { target: "kubernetes", kubernetesMode: "sidecar", grafanaUrl: "http://localhost:3000" } },
    { label: "kubernetes operator v1beta1", config: { target: "kubernetes", kubernetesMode: "operator", operatorApiVersion: "v1beta1", grafanaUrl: "http://localhost:3000" } },
    { label: "kubernetes operator v1alpha1", config: { target: "kubernetes", kubernetesMode: "operator", operatorApiVersion: "v1alpha1", grafanaUrl: "http://localhost:3000" } },
    { label: "kubernetes separate", config: { target: "kubernetes", kubernetesMode: "separate", grafanaUrl: "http://localhost:3000" } },
];

export interface EvalRow {
    label: string;
    wall: Stats;
    rss: Stats;
    resources: number;
    ratio: number;
    loaded: Record<string, boolean>;
}

/** Interleaves runs (baseline, t1, t2, ... then again) so drift hits all rows alike. */
export function benchmarkEvaluation(runs: number, rows = TARGETS): { baseline: EvalRow; rows: EvalRow[] } {
    const samples = new Map<string, EvalRun[]>();
    const all = [{ label: "baseline (1 resource)", config: "baseline" as const }, ...rows];
    for (let i = 0; i < runs; i++) {
        for (const row of all) {
            const list = samples.get(row.label) ?? [];
            list.push(evaluateOnce(row.config));
            samples.set(row.label, list);
        }
    }
    const toRow = (label: string, baseWall?: number): EvalRow => {
        const s = samples.get(label)!;
        const wall = stats(s.map((x) => x.wallMs));
        return {
            label,
            wall,
            rss: stats(s.map((x) => x.maxRssMiB)),
            resources: s[0].resources,
            ratio: baseWall ? wall.median / baseWall : 1,
            loaded: s[0].loaded,
        };
    };
    const baseline = toRow(all[0].label);
    return { baseline, rows: rows.map((r) => toRow(r.label, baseline.wall.median)) };
}

/** Evaluation time as the renderer replica count grows (separate mode). */
export function benchmarkReplicaScaling(runs: number, replicas = [1, 10, 100]): Array<{ replicas: number; wallMs: number; resources: number }> {
    return replicas.map((n) => {
        const config = { target: "kubernetes", kubernetesMode: "separate", grafanaUrl: "http://localhost:3000", rendererReplicas: String(n) };
        const walls: number[] = [];
        let resources = 0;
        for (let i = 0; i < runs; i++) {
            const r = evaluateOnce(config);
            walls.push(r.wallMs);
            resources = r.resources;
        }
        return { replicas: n, wallMs: median(walls), resources };
    });
}
