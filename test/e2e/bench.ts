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
    fs.writeFileSync(
        path.join(dir, "tsconfig.json"),
        JSON.stringify({
            compilerOptions: { strict: true, target: "ES2022", module: "commonjs", esModuleInterop: true, skipLibCheck: true },
        }),
    );
    fs.writeFileSync(
        path.join(dir, "index.ts"),
        'import * as random from "@pulumi/random";\nexport const length = new random.RandomPassword("one", { length: 16 }).length;\n',
    );
    return dir;
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
        `For scale: that \`pulumi up\` took ${up.seconds.toFixed(1)} s. Toolchain build (from COMPLETE): ${complete.slice(2).join(", ")}.`,
    ].join("\n");
    fs.writeFileSync(OUT, replaceSection(fs.existsSync(OUT) ? fs.readFileSync(OUT, "utf8") : "# Benchmarks\n", section));
    console.log(section);
    process.stderr.write(`[e2e:bench] wrote ${path.relative(process.cwd(), OUT) || OUT}\n`);
}

if (require.main === module) main();
