// The e2e run's checklist: `  ok    <name>` / `  FAIL  <name>` / `  skip  <name>` lines, the
// wall time of each timed step, and the counts the last line reports.
export interface Timing {
    step: string;
    seconds: number;
}

export const results = { passed: 0, failed: 0, skipped: 0 };
export const timings: Timing[] = [];

export async function check(name: string, fn: () => void | Promise<void>): Promise<boolean> {
    try {
        await fn();
        results.passed++;
        console.log(`  ok    ${name}`);
        return true;
    } catch (e) {
        results.failed++;
        console.log(
            `  FAIL  ${name}\n${String((e as Error).message ?? e)
                .split("\n")
                .map((l) => "        " + l)
                .join("\n")}`,
        );
        return false;
    }
}

/** A check this run cannot make yet, with the reason (counted as skipped, never as passed). */
export function skip(name: string, reason: string): void {
    results.skipped++;
    console.log(`  skip  ${name}\n        ${reason}`);
}

export function timed<T extends { seconds: number }>(step: string, r: T): T {
    timings.push({ step, seconds: r.seconds });
    return r;
}

/** Runs `fn` and records its wall time under `step`. */
export async function timeStep<T>(step: string, fn: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
        return await fn();
    } finally {
        timings.push({ step, seconds: (Date.now() - t0) / 1000 });
    }
}
