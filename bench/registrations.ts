// A fingerprint of everything a program registers (type, name, inputs and provider of each
// resource, in canonical JSON, secrets still wrapped): equal fingerprints mean a no-change
// `pulumi up` has nothing to diff. bench/evalProgram.ts computes it in a fresh process when
// asked (--hash); test/benchOutcomes.test.ts compares it across evaluations.
import { createHash } from "crypto";
import { canonicalJson } from "../components/shared/canonicalJson";

export interface Registration {
    type: string;
    name: string;
    inputs: unknown;
    provider?: string;
}

/** One registration as canonical JSON. */
export function registrationText(r: Registration): string {
    return canonicalJson({ type: r.type, name: r.name, inputs: r.inputs, provider: r.provider ?? null });
}

/** SHA-256 over every registration's canonical JSON, in sorted order (registration order may vary with timing). */
export function registrationsHash(rs: readonly Registration[]): string {
    return createHash("sha256").update(rs.map(registrationText).sort().join("\n")).digest("hex");
}
