// Fault injection and request accounting shared by the fake Slack and fake Grafana.
// Tests and the benchmark script configure faults per endpoint and read the request log
// to compare what the verifier sent against the protocol minimum.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface FaultRule {
    /**
     * Endpoint the rule applies to: a Slack method (`auth.test`, `files.info`, ...),
     * `upload` (the upload URL), a Grafana endpoint (`health`, `settings`, `render`),
     * or `*` for every endpoint.
     */
    endpoint: string;
    /** How many matching requests it hits; afterwards the endpoint behaves again. Default 1; `Infinity` = always. */
    times?: number;
    /** Let this many matching requests through untouched first. Default 0. */
    after?: number;
    /** Answer with this HTTP status (500, 503, 429, ...). */
    status?: number;
    /** With status 429: the `Retry-After` header, in seconds. */
    retryAfter?: number;
    /** Slack only: answer HTTP 200 `{ok: false, error}` (plus `extra`, e.g. `needed`/`provided`). */
    slackError?: string;
    extra?: Record<string, unknown>;
    /** Wait this long before answering (alone: a slow but correct answer). */
    delayMs?: number;
    /** Close the connection without answering. */
    hangUp?: boolean;
    /**
     * Slack only: apply `status` / `hangUp` after the method has run, so its effect stays
     * and only the answer is lost (a timeout or 5xx after Slack acted).
     */
    late?: boolean;
}

export interface RequestLogEntry {
    /** 1-based order of arrival. */
    seq: number;
    endpoint: string;
    httpMethod: string;
    path: string;
    status: number;
    /** Set when an injected fault produced the answer. */
    fault?: string;
    at: number;
    durationMs: number;
}

interface ActiveRule extends FaultRule {
    seen: number;
    hits: number;
}

/** Per-endpoint faults, per-endpoint latency and the request log. */
export class FaultBook {
    private rules: ActiveRule[] = [];
    readonly log: RequestLogEntry[] = [];
    /** Added to every answer, in ms. */
    latencyMs = 0;
    /** Added to answers of one endpoint, in ms (on top of `latencyMs`). */
    latencyByEndpoint: Record<string, number> = {};

    inject(...rules: FaultRule[]): void {
        for (const r of rules) this.rules.push({ ...r, seen: 0, hits: 0 });
    }

    clearFaults(): void {
        this.rules = [];
    }

    /** The fault to apply to this request, if any (consumes one use of it). */
    take(endpoint: string): FaultRule | undefined {
        for (const r of this.rules) {
            if (r.endpoint !== endpoint && r.endpoint !== "*") continue;
            r.seen++;
            if (r.seen <= (r.after ?? 0)) continue;
            if (r.hits >= (r.times ?? 1)) continue;
            r.hits++;
            return r;
        }
        return undefined;
    }

    latencyFor(endpoint: string): number {
        return this.latencyMs + (this.latencyByEndpoint[endpoint] ?? 0);
    }

    /** Logs a request as it arrives; the fake fills in status, fault and duration as it answers. */
    record(endpoint: string, httpMethod: string, path: string, at: number): RequestLogEntry {
        const entry: RequestLogEntry = { seq: this.log.length + 1, endpoint, httpMethod, path, status: 0, at, durationMs: 0 };
        this.log.push(entry);
        return entry;
    }

    /** Requests per endpoint. */
    counts(): Record<string, number> {
        const out: Record<string, number> = {};
        for (const e of this.log) out[e.endpoint] = (out[e.endpoint] ?? 0) + 1;
        return out;
    }

    /** Requests to one endpoint, or all of them. */
    count(endpoint?: string): number {
        return endpoint === undefined ? this.log.length : this.log.filter((e) => e.endpoint === endpoint).length;
    }

    /** Endpoints in order of arrival (handy for asserting the exact sequence). */
    sequence(): string[] {
        return this.log.map((e) => e.endpoint);
    }

    resetLog(): void {
        this.log.length = 0;
    }
}

export function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

export async function readBody(req: http.IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
}

export interface StartedServer {
    server: http.Server;
    port: number;
    /** `http://127.0.0.1:<port>` */
    origin: string;
    close(): Promise<void>;
}

/** Listens on 127.0.0.1 with a random port. `close` also drops kept-alive connections. */
export async function startServer(handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>): Promise<StartedServer> {
    const server = http.createServer((req, res) => {
        handler(req, res).catch((e) => {
            if (!res.headersSent) {
                res.writeHead(500, { "content-type": "text/plain" });
                res.end(`fake server bug: ${(e as Error).message}`);
            } else {
                res.destroy();
            }
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    return {
        server,
        port,
        origin: `http://127.0.0.1:${port}`,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
