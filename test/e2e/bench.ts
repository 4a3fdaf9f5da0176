// `npm run e2e:bench`: wall time of the real engine's `pulumi preview` for this project's
// Kubernetes stack (separate mode, renderYamlTo) against a one-resource TypeScript program
// (one random.RandomPassword) under the same toolchain, language host and node_modules, so
// the difference is what this program costs over the engine's fixed start-up. Writes only
// its own section of BENCHMARKS.md (between the e2e-engine markers, appended when absent).
// Knobs: E2E_BENCH_RUNS (previews per row, default 3); E2E_BENCH_OUT (default BENCHMARKS.md).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Engine, ensureToolchain, ROOT, stackFileConfig } from "./engine";

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
    "it leaves 540 MB of binaries in the cache folder, and about 3.7 GB of Go modules and 7 GB of Go build cache (shared by all Go builds on the machine).";

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

function main(): void {
    const dir = ensureToolchain();
    const load0 = os.loadavg();
    const t0 = Date.now();

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

    const complete = fs.readFileSync(path.join(dir, "COMPLETE"), "utf8").trim().split("\n");
    const load1 = os.loadavg();
    const section = [
        "## Real engine: `pulumi preview` wall time (npm run e2e:bench)",
        "",
        `Generated ${new Date().toISOString().replace(/\.\d+Z$/, "Z")} by test/e2e/bench.ts in ${((Date.now() - t0) / 1000).toFixed(0)} s, ${RUNS} previews per row, ` +
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
        `For scale: that \`pulumi up\` took ${up.seconds.toFixed(1)} s.` + lastE2e(dir),
        "",
        `Toolchain build: ${complete.slice(2).join(", ")} (this cache's build, from its COMPLETE file; a rebuild finds Go's build cache warm). ` +
            COLD_BUILD,
    ].join("\n");
    fs.writeFileSync(OUT, replaceSection(fs.existsSync(OUT) ? fs.readFileSync(OUT, "utf8") : "# Benchmarks\n", section));
    console.log(section);
    process.stderr.write(`[e2e:bench] wrote ${path.relative(process.cwd(), OUT) || OUT}\n`);
}

if (require.main === module) main();
