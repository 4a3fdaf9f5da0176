// Every wait, timeout and retry bound the verifier uses, in one place so that tests and
// benchmarks can shrink them and so that no loop is unbounded. Plain data and functions.

export interface VerifyTiming {
    /** Total time to wait for `GET /api/health` to answer 200 (Grafana may still be starting). */
    healthTimeoutMs: number;
    /** First pause between health attempts; doubles after each failure up to `healthMaxIntervalMs`. */
    healthIntervalMs: number;
    healthMaxIntervalMs: number;
    /** Timeout of one HTTP request to Grafana or Slack (rendering has its own). */
    requestTimeoutMs: number;
    /** The render timeout asked of Grafana (its `timeout` parameter, rounded up to whole seconds). */
    renderTimeoutMs: number;
    /**
     * Added to `renderTimeoutMs` for this side's own abort of the render request: the
     * renderer stops at the timeout and Grafana then answers with its error, which must
     * still arrive (Grafana itself waits up to twice the timeout; see grafanaChecks.ts).
     */
    renderAbortMarginMs: number;
    /** Retries the Slack SDK itself makes on network errors and HTTP 5xx (its `retryConfig.retries`). */
    slackRetries: number;
    /** Backoff bounds of those SDK retries. */
    slackRetryMinMs: number;
    slackRetryMaxMs: number;
    /** How many HTTP 429 answers to sit out per call (the SDK is told to reject them, so only this loop retries). */
    rateLimitRetries: number;
    /** Longest `Retry-After` honoured; a longer one fails at once with a clear message. */
    maxRetryAfterSec: number;
    /**
     * When files.completeUploadExternal's answer is lost (network error, timeout, 5xx), how
     * long files.info is watched for the share (the completion is never sent twice).
     */
    completionCheckMs: number;
    /** Total time to wait for the uploaded file to show as shared in the channel. */
    shareTimeoutMs: number;
    /** First pause between share checks; grows by half after each one up to `shareMaxIntervalMs`. */
    shareIntervalMs: number;
    shareMaxIntervalMs: number;
    /** Alert-path stage: first pause between looks at the rule; grows by half up to `alertMaxIntervalMs`. */
    alertIntervalMs: number;
    alertMaxIntervalMs: number;
    /** After Grafana reports its delivery: how long Slack may take to show the message and its screenshot. */
    alertImageGraceMs: number;
}

export const DEFAULT_TIMING: VerifyTiming = {
    healthTimeoutMs: 120_000,
    healthIntervalMs: 1_000,
    healthMaxIntervalMs: 8_000,
    requestTimeoutMs: 30_000,
    renderTimeoutMs: 60_000,
    renderAbortMarginMs: 15_000,
    slackRetries: 2,
    slackRetryMinMs: 1_000,
    slackRetryMaxMs: 8_000,
    rateLimitRetries: 2,
    maxRetryAfterSec: 60,
    completionCheckMs: 10_000,
    shareTimeoutMs: 60_000,
    shareIntervalMs: 1_000,
    shareMaxIntervalMs: 8_000,
    alertIntervalMs: 5_000,
    alertMaxIntervalMs: 20_000,
    alertImageGraceMs: 30_000,
};

/**
 * The pauses of a poll: `first`, then each one `factor` times the last (rounded up), never
 * above `max`; at least 1 ms each. Endless: every caller bounds the poll by its deadline.
 */
export function* backoff(first: number, factor: number, max: number): Generator<number, never, void> {
    const cap = Math.max(1, max);
    let next = Math.min(Math.max(1, first), cap);
    for (;;) {
        yield next;
        next = Math.min(Math.ceil(next * factor), cap);
    }
}

/** Merges overrides onto the defaults; rejects values that would make a loop unbounded. */
export function resolveTiming(overrides?: Partial<VerifyTiming>): VerifyTiming {
    const t: VerifyTiming = { ...DEFAULT_TIMING };
    for (const [k, v] of Object.entries(overrides ?? {})) {
        if (v === undefined || v === null) continue;
        if (!(k in DEFAULT_TIMING))
            throw new Error(`Unknown timing setting ${JSON.stringify(k)}: expected one of ${Object.keys(DEFAULT_TIMING).join(", ")}`);
        if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
            throw new Error(`Timing setting ${k} must be a finite number >= 0, got ${JSON.stringify(v)}`);
        }
        (t as any)[k] = v;
    }
    return t;
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
