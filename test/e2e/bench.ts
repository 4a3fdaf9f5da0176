// `npm run e2e:bench`: wall time of the real engine's `pulumi preview` for this project's
// Kubernetes stack (separate mode, renderYamlTo) against a one-resource TypeScript program
// (one random.RandomPassword) under the same toolchain, language host and node_modules, so
// the difference is what this program costs over the engine's fixed start-up; then, on the
// e2e's live control plane, `pulumi up` against `kubectl apply --server-side` of the same
// manifests (benchLive.ts). Writes only its own section of BENCHMARKS.md (between the
// e2e-engine markers, appended when absent).
// Knobs: E2E_BENCH_RUNS (runs per row, default 3); E2E_BENCH_OUT (default BENCHMARKS.md).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LiveBench, liveBench } from "./benchLive";
import { Engine, ensureToolchain, ROOT, stackFileConfig } from "./engine";
import { LIVE_BINS } from "./live";

const RUNS = Math.max(1, Number(process.env.E2E_BENCH_RUNS ?? 3) || 3);
const OUT = process.env.E2E_BENCH_OUT ? path.resolve(process.env.E2E_BENCH_OUT) : path.join(ROOT, "BENCHMARKS.md");
export const START = "<!-- e2e-engine:start (npm run e2e:bench writes this section) -->";
export const END = "<!-- e2e-engine:end -->";

/** Replaces the text between the markers, or appends the section. */
export function replaceSection(doc: string, section: string): string {
    const block = `${START}\n${section.trim()}\n${END}`;
    const a = doc.indexOf(START);
    const b = doc.indexOf(END);
    if (a >= 0 && b > a) return doc.slice(0, a) + block + doc.slice(b + END.length);
    return doc.replace(/\s*$/, "\n\n") + block + "\n";
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmtRow = (xs: number[]) => `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;

function oneResourceProgram(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gsa-one-resource-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: one-resource\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "one-resource", private: true }));
    // The project's own tsconfig.json, so Pulumi's runner compiles both programs the same way
    // (its noCheck and ts-node/swc settings decide most of a preview's start-up).
    fs.copyFileSync(path.join(ROOT, "tsconfig.json"), path.join(dir, "tsconfig.json"));
    fs.writeFileSync(
        path.join(dir, "index.ts"),
        'import * as random from "@pulumi/random";\nexport const length = new random.RandomPassword("one", { length: 16 }).length;\n',
    );
    return dir;
}

/** The first, cold build of this toolchain, measured once (Go's module and build caches empty). */
const COLD_BUILD =
    "The first, cold build on this machine (2 cores shared with other jobs, load average about 20) took about 105 min of build time in all (each build timed on its own; some ran side by side): " +
    "CLI 35 min, language host 3 min, kubernetes provider 52 min (it compiles the whole Kubernetes Go SDK), random provider 14 min; " +
    "it leaves 540 MB of binaries in the cache folder, and about 3.7 GB of Go modules and 7 GB of Go build cache (shared by all Go builds on the machine). " +
    "The control-plane part (scripts/e2e-toolchain-kube.sh), cold, at a load average of 15-20: kube-apiserver 9 min, controller-manager 7 min, " +
    "scheduler 1 min, kubectl 3.5 min, etcd 3 min, kwok 5.5 min (about 30 min), 600 MB more binaries, Go's caches then about 4 GB and 12 GB.";

/** The last full `npm run e2e` with this toolchain (test/e2e/run.ts records it in the cache folder). */
function lastE2e(dir: string): string {
    const file = path.join(dir, "last-e2e.json");
    if (!fs.existsSync(file)) return "";
    const r = JSON.parse(fs.readFileSync(file, "utf8")) as { at: string; seconds: number; passed: number; failed: number };
    return ` The last full \`npm run e2e\` with this toolchain (${r.at}) took ${r.seconds.toFixed(0)} s: ${r.passed} passed, ${r.failed} failed.`;
}

function previews(engine: Engine, stack: string, label: string): number[] {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        const r = engine.ok(["preview", "--stack", stack]);
        times.push(r.seconds);
        process.stderr.write(`[e2e:bench] ${label} #${i + 1}: ${r.seconds.toFixed(1)} s\n`);
    }
    return times;
}

interface PreviewBench {
    oneFresh: number[];
    k8sFresh: number[];
    k8sSteady: number[];
    up: number;
    resources: number;
}

/** The preview rows: this project (render-to-YAML) empty and deployed, and a one-resource program. */
function previewBench(dir: string): PreviewBench {
    const k8s = new Engine(dir);
    const outDir = path.join(k8s.tmp, "rendered");
    k8s.initStack("bench", { ...stackFileConfig("Pulumi.k8s-separate.yaml"), "grafana-slack-alerts:renderYamlTo": outDir });
    const k8sFresh = previews(k8s, "bench", "kubernetes stack, nothing deployed");
    const up = k8s.ok(["up", "--yes", "--stack", "bench"]);
    const k8sSteady = previews(k8s, "bench", "kubernetes stack, deployed (no changes)");
    const resources = (JSON.parse(k8s.ok(["stack", "export", "--stack", "bench"]).stdout).deployment?.resources ?? []).length;
    k8s.ok(["destroy", "--yes", "--stack", "bench"]);
    k8s.cleanup();

    const programDir = oneResourceProgram();
    const one = new Engine(dir, programDir);
    one.initStack("bench", {});
    const oneFresh = previews(one, "bench", "one-resource program");
    one.cleanup();
    fs.rmSync(programDir, { recursive: true, force: true });
    return { oneFresh, k8sFresh, k8sSteady, up: up.seconds, resources };
}

/** The live rows (benchLive.ts): the real `pulumi up` on a live cluster against `kubectl apply --server-side`. */
function liveSection(live: LiveBench | undefined): string[] {
    if (!live) return ["", "Live rows skipped: this toolchain has no control plane (rebuild it: npm run e2e:toolchain)."];
    const ratio = median(live.up) / median(live.apply);
    return [
        "",
        `### Live: \`pulumi up\` against \`kubectl apply --server-side\` (the floor), on the e2e's control plane`,
        "",
        `The control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok with one node) started in ${live.controlPlaneStart.toFixed(1)} s. ` +
            `Each run starts from an empty namespace and ends when the Deployments are rolled out and the claim is Bound; ` +
            `kubectl applies the ${live.objects} manifests the engine renders from the same config (separate mode, grafanaServiceType NodePort).`,
        "",
        "| Step | seconds, median (min–max) |",
        "| --- | --- |",
        `| \`pulumi up --yes --skip-preview\` (this program, real engine) | ${fmtRow(live.up)} |`,
        `| \`kubectl apply --server-side\` + \`rollout status\` + claim Bound | ${fmtRow(live.apply)} |`,
        `| \`pulumi destroy --yes --skip-preview\` (until the namespace is gone) | ${fmtRow(live.destroy)} |`,
        "",
        `Ratio of medians, \`pulumi up\` / \`kubectl apply\`: ${ratio.toFixed(2)}x. Inside \`pulumi up\` (its engine events, whole seconds): ` +
            `the Deployments were rolled out after ${median(live.deploymentsDone)} s, the Services done after ${median(live.servicesDone)} s. ` +
            "The gap is pulumi-kubernetes' Service await, which after every change of a Service's Endpoints waits 10 s for them to settle " +
            "(pulumi/pulumi-kubernetes provider/pkg/await/service.go); the rest is the engine's fixed cost (CLI and program start, TypeScript, providers, state).",
    ];
}

async function main(): Promise<void> {
    const dir = ensureToolchain();
    const load0 = os.loadavg();
    const t0 = Date.now();
    const { oneFresh, k8sFresh, k8sSteady, up, resources } = previewBench(dir);
    const live = LIVE_BINS.every((b) => fs.existsSync(path.join(dir, "bin", b)))
        ? await liveBench(dir, RUNS, (l) => process.stderr.write(`[e2e:bench] ${l}\n`))
        : undefined;

    const complete = fs.readFileSync(path.join(dir, "COMPLETE"), "utf8").trim().split("\n");
    const load1 = os.loadavg();
    const section = [
        "## Real engine: `pulumi preview`, and `pulumi up` on a live cluster (npm run e2e:bench)",
        "",
        `Generated ${new Date().toISOString().replace(/\.\d+Z$/, "Z")} by test/e2e/bench.ts in ${((Date.now() - t0) / 1000).toFixed(0)} s, ${RUNS} runs per row, ` +
            `on ${os.cpus().length} cores (load average ${load0.map((x) => x.toFixed(2)).join(" / ")} at start, ${load1.map((x) => x.toFixed(2)).join(" / ")} at end). ` +
            "The toolchain is the one `npm run e2e` uses (scripts/e2e-toolchain.sh): " +
            complete[1].replace(/^versions: /, "") +
            ". Seconds as median (min–max), whole `pulumi preview` process: CLI start, language host, TypeScript compile, program, providers.",
        "",
        "| Program | `pulumi preview` (s) |",
        "| --- | --- |",
        `| one resource (random.RandomPassword), empty stack | ${fmtRow(oneFresh)} |`,
        `| this project, kubernetes separate + renderYamlTo, empty stack | ${fmtRow(k8sFresh)} |`,
        `| same, after \`pulumi up\` (${resources} resources in state; no changes) | ${fmtRow(k8sSteady)} |`,
        "",
        `For scale: that \`pulumi up\` took ${up.toFixed(1)} s.` + lastE2e(dir),
        ...liveSection(live),
        "",
        `Toolchain build: ${complete.slice(2).join(", ")} (this cache's build, from its COMPLETE file; a rebuild finds Go's build cache warm). ` +
            COLD_BUILD,
    ].join("\n");
    fs.writeFileSync(OUT, replaceSection(fs.existsSync(OUT) ? fs.readFileSync(OUT, "utf8") : "# Benchmarks\n", section));
    console.log(section);
    process.stderr.write(`[e2e:bench] wrote ${path.relative(process.cwd(), OUT) || OUT}\n`);
}

if (require.main === module) {
    main().catch((e) => {
        console.error(e);
        process.exitCode = 1;
    });
}
