// Kubernetes resource quantities ("512Mi", "2Gi", "250m", "1.5"), parsed once so config
// validation, the wiring's memory bounds and the Docker target all read a size the same way.
// Grammar: k8s.io/apimachinery pkg/api/resource/quantity.go (binary Ki..Ei, decimal k..E,
// milli "m" for CPU); exponent forms (1e3) are left out on purpose: nobody sizes a pod so.

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

export const MIB = 2 ** 20;

/** Bytes in a memory quantity such as `2Gi` or `512M`; undefined when it is not one. */
export function memoryBytes(q: string): number | undefined {
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(q.trim());
    if (!m) return undefined;
    const unit = m[2] ?? "";
    const bytes = Number(m[1]) * (BINARY[unit] ?? DECIMAL[unit]);
    return Number.isFinite(bytes) && bytes > 0 ? Math.floor(bytes) : undefined;
}

/** Millicores in a CPU quantity such as `250m`, `2` or `0.5`; undefined when it is not one. */
export function cpuMillis(q: string): number | undefined {
    const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(q.trim());
    if (!m) return undefined;
    const millis = m[2] ? Number(m[1]) : Number(m[1]) * 1000;
    return Number.isFinite(millis) && millis >= 1 ? Math.floor(millis) : undefined;
}

/** Whole mebibytes (Docker's `memory` is in MB, and so is our GOMEMLIMIT). */
export function toMiB(bytes: number): number {
    return Math.floor(bytes / MIB);
}
