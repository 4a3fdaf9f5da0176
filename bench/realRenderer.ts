// `npm run bench`, section 5: the real grafana-image-renderer (the e2e toolchain's binary, with
// Debian's chromium) under the program's default renderer environment and memory limit (a
// memory cgroup of that size, as in `npm run e2e`): render latency at 1, 4 and 8 concurrent
// renders of a panel page, refusals (429), and the kernel's peak memory for the renderer and
// its browsers against the limit. Needs the toolchain (scripts/e2e-toolchain.sh); without it
// the section says so and measures nothing.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_RENDERER_IMAGE, parseImageRef } from "../components/shared/images";
import { toolchain } from "../test/e2e/engine";
import { Processes } from "../test/e2e/processes";
import { programRenderer, rendererBinary, startRenderer, type RunningRenderer } from "../test/e2e/realRenderer";
import { plainConfig, renderDirect, startPageServer } from "../test/e2e/rendererScenarios";
import { table } from "./report";
import { fmt } from "./stats";

export const CONCURRENCY = [1, 4, 8];

/** Nearest-rank percentile. */
export function percentile(xs: number[], p: number): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
}

interface Level {
    concurrency: number;
    latencies: number[];
    refused: number;
    failed: string[];
    wallMs: number;
    peakMiB?: number;
}

/** `total` renders in rounds of `concurrency` at once; the cgroup's peak is reset first (cgroup v1). */
async function level(r: RunningRenderer, pageUrl: string, concurrency: number, total: number): Promise<Level> {
    const peakFile = r.cgroup && path.join(r.cgroup.dir, "memory.max_usage_in_bytes");
    if (peakFile && fs.existsSync(peakFile)) fs.writeFileSync(peakFile, "0");
    const out: Level = { concurrency, latencies: [], refused: 0, failed: [], wallMs: 0 };
    const t0 = Date.now();
    for (let done = 0; done < total; done += concurrency) {
        const answers = await Promise.all(
            Array.from({ length: Math.min(concurrency, total - done) }, () => renderDirect(r, pageUrl, 1000, 500)),
        );
        for (const a of answers) {
            if (a.status === 200) out.latencies.push(a.ms);
            else if (a.status === 429) out.refused++;
            else out.failed.push(`HTTP ${a.status}`);
        }
    }
    out.wallMs = Date.now() - t0;
    if (r.cgroup) out.peakMiB = r.cgroup.peak() / 2 ** 20;
    return out;
}

function sectionText(r: RunningRenderer, levels: Level[], coldMs: number, total: number, version: string): string {
    const limitMiB = r.cgroup ? r.cgroup.limitBytes / 2 ** 20 : undefined;
    const rows = levels.map((l) => [
        String(l.concurrency),
        `${l.latencies.length} / ${l.refused}${l.failed.length ? ` / ${l.failed.length} failed` : ""}`,
        l.latencies.length ? fmt(percentile(l.latencies, 50)) : "–",
        l.latencies.length ? fmt(percentile(l.latencies, 95)) : "–",
        fmt((l.latencies.length / l.wallMs) * 1000, 2),
        l.peakMiB !== undefined && limitMiB
            ? `${fmt(l.peakMiB)} of ${fmt(limitMiB)} (${fmt((l.peakMiB / limitMiB) * 100)}%)`
            : "not measured",
    ]);
    return [
        `grafana-image-renderer ${version} (built from source by scripts/e2e-toolchain.sh) with Debian's chromium, started with the program's default renderer environment ` +
            `(GOMEMLIMIT ${r.env.GOMEMLIMIT}, RATE_LIMIT_MAX_AVAILABLE ${fmt(Number(r.env.RATE_LIMIT_MAX_AVAILABLE) / 2 ** 20)} MiB, RATE_LIMIT_MAX_LIMIT ${r.env.RATE_LIMIT_MAX_LIMIT}, RATE_LIMIT_MIN_LIMIT ${r.env.RATE_LIMIT_MIN_LIMIT}) ` +
            (limitMiB
                ? `in a ${fmt(limitMiB)} MiB memory cgroup (the container's limit)`
                : `without a memory cgroup (${r.cgroupProblem})`) +
            `. Each render: a 1000x500 panel page served on 127.0.0.1, asked for as Grafana asks (GET /render with X-Auth-Token). ` +
            `${total} renders per row, in rounds of that many at once; latency of the rendered ones (ms, nearest-rank percentiles), from request to the whole PNG. The first render after start (cold browser) took ${fmt(coldMs)} ms and is not in the rows. ` +
            "Peak memory: the kernel's high-water mark for the renderer and all its browsers (memory.max_usage_in_bytes, reset before each row).",
        "",
        table(["Concurrent", "Rendered / 429", "p50 ms", "p95 ms", "Renders/s", "Peak memory MiB"], rows, ["r", "r", "r", "r", "r", "r"]),
    ].join("\n");
}

/** Section 5 of the report: measured, or why not. */
export async function benchmarkRealRenderer(progress: (msg: string) => void, total: number): Promise<string> {
    const dir = toolchain().dir;
    const bin = rendererBinary(dir);
    if (!bin)
        return `Not measured in this run: no ${path.join(dir, "bin", "grafana-image-renderer")} or /usr/bin/chromium (build them with \`npm run e2e:toolchain\`).`;
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "gsa-bench-renderer-"));
    const procs = new Processes();
    const pages = await startPageServer();
    let r: RunningRenderer | undefined;
    try {
        const program = await programRenderer(plainConfig("Pulumi.dev.yaml"), {
            ...plainConfig("Pulumi.k8s-separate.yaml"),
            renderYamlTo: path.join(workspace, "rendered"),
        });
        r = await startRenderer(procs, bin, program.docker, workspace, program.memoryLimitBytes);
        const version = parseImageRef(DEFAULT_RENDERER_IMAGE).tag ?? "?";
        const pageUrl = `${pages.origin}/panel?panelId=1`;
        const cold = await renderDirect(r, pageUrl, 1000, 500);
        const levels: Level[] = [];
        for (const c of CONCURRENCY) {
            progress(`real renderer: ${total} renders, ${c} at once`);
            levels.push(await level(r, pageUrl, c, total));
        }
        return sectionText(r, levels, cold.ms, total, version);
    } finally {
        await r?.stop();
        await procs.stopAll();
        await pages.close();
        const left = procs.leftovers(workspace);
        if (left.length) progress(`real renderer: processes left running: ${left.join("; ")}`);
        fs.rmSync(workspace, { recursive: true, force: true });
    }
}
