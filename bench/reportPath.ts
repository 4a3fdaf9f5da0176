// Where `npm run bench` writes its report: nowhere unless asked, so a run leaves the tree clean.
import * as path from "path";

/** BENCH_OUT (resolved), else BENCHMARKS.md in `root` with `--write`, else undefined: print only. */
export function reportPath(argv: readonly string[], env: NodeJS.ProcessEnv, root: string): string | undefined {
    if (env.BENCH_OUT) return path.resolve(env.BENCH_OUT);
    return argv.includes("--write") ? path.join(root, "BENCHMARKS.md") : undefined;
}
