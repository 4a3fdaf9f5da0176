// Small statistics helpers for the benchmark report.
export interface Stats {
    median: number;
    min: number;
    max: number;
    n: number;
}

export function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function stats(xs: number[]): Stats {
    return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

export const fmt = (x: number, digits = 0) => x.toFixed(digits);
export const fmtStats = (s: Stats, digits = 0) => `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
