// What every e2e scenario reports through: one line per check (`  ok    <name>`,
// `  FAIL  <name>` with the reason indented under it, or `  skip  <name>` with why), the wall time of each engine step,
// and the counts for the last line.
import { AsyncLocalStorage } from "async_hooks";

export interface Timing {
    step: string;
    seconds: number;
}

export const results = { passed: 0, failed: 0, skipped: 0 };
export const timings: Timing[] = [];

const kept = new AsyncLocalStorage<string[]>();

/** Prints a line of the report, or keeps it when the scenario runs inside kept(). */
export function say(line: string): void {
    const lines = kept.getStore();
    if (lines) lines.push(line);
    else console.log(line);
}

/** Runs `fn` with its report lines kept instead of printed (a part running beside another); returns them. */
export async function keepLines(fn: () => Promise<void>): Promise<{ lines: string[]; error?: unknown }> {
    const lines: string[] = [];
    try {
        await kept.run(lines, fn);
        return { lines };
    } catch (error) {
        return { lines, error };
    }
}

/** Thrown by a check to end every scenario after it (the control plane died, say); counted once. */
export class AbortE2e extends Error {}

/**
 * Runs one check: prints `ok` (with the note the check returns, in brackets on the next
 * line) or `FAIL` and the reason; an AbortE2e is counted, then passed on.
 */
export async function check(name: string, fn: () => void | string | Promise<void | string>): Promise<boolean> {
    try {
        const note = await fn();
        results.passed++;
        say(`  ok    ${name}${note ? `\n        (${note})` : ""}`);
        return true;
    } catch (e) {
        results.failed++;
        say(
            `  FAIL  ${name}\n${String((e as Error).message ?? e)
                .split("\n")
                .map((l) => "        " + l)
                .join("\n")}`,
        );
        if (e instanceof AbortE2e) throw e;
        return false;
    }
}

/** A check this run cannot make, with the reason (counted as skipped, never as passed). */
export function skip(name: string, reason: string): void {
    results.skipped++;
    say(`  skip  ${name}\n        ${reason}`);
}

/** Records a step's wall time for the summary; returns its argument. */
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
