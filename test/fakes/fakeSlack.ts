// A fake Slack Web API on 127.0.0.1, speaking the wire format the real @slack/web-api
// client uses (`slackApiUrl`): form-encoded POSTs to /api/<method>, `ok:false` errors
// with HTTP 200, the `x-oauth-scopes` header, HTTP 429 + Retry-After, and the external
// upload flow (getUploadURLExternal -> POST to the absolute upload_url ->
// completeUploadExternal). Sharing is asynchronous: a completed file shows up in
// `shares` / the channel history only after `shareAfterPolls` looks at it.
import type * as http from "node:http";
import { FaultBook, readBody, sleep, startServer, type FaultRule, type StartedServer } from "./faults";

export interface FakeToken {
    scopes: string[];
    /** Make every call with this token fail: invalid_auth, token_revoked, account_inactive. */
    error?: string;
    team?: string;
    userId?: string;
}

export interface FakeChannel {
    id: string;
    name: string;
    isPrivate?: boolean;
    /** Whether the bot is in the channel. Default true. */
    isMember?: boolean;
}

export interface FakeSlackOptions {
    /** Accepted tokens. Default: `xoxb-fake-good` with every scope the verifier may use. */
    tokens?: Record<string, FakeToken>;
    /** Default: C0ALERTS01 #grafana-alert (bot is a member). */
    channels?: FakeChannel[];
    /** Looks (files.info / conversations.history) that still see the file unshared. Default 0. */
    shareAfterPolls?: number;
    /** Largest conversations.list page the fake returns. Default 1000. */
    channelsPageSize?: number;
    /** Send `x-oauth-scopes` (Slack always does; off to test clients that must cope). Default true. */
    sendScopesHeader?: boolean;
    faults?: FaultRule[];
    latencyMs?: number;
}

export interface FakeFile {
    id: string;
    filename: string;
    title?: string;
    length: number;
    bytes?: Buffer;
    channelId?: string;
    initialComment?: string;
    ts?: string;
    polls: number;
    deleted: boolean;
    /** How many files.completeUploadExternal calls named this file. */
    completions?: number;
}

export const GOOD_TOKEN = "xoxb-fake-good-0123456789-abcdefghijklmnop";
export const ALL_SCOPES = ["chat:write", "files:write", "files:read", "channels:read", "groups:read", "channels:history", "groups:history"];

type Params = Record<string, string>;

class SlackError extends Error {
    constructor(readonly code: string, readonly extra: Record<string, unknown> = {}) {
        super(code);
    }
}

/** Which scope each method needs (channel-type dependent ones are checked in the handler). */
const METHOD_SCOPES: Record<string, string | undefined> = {
    "auth.test": undefined,
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "files.info": "files:read",
    "files.delete": "files:write",
};

export class FakeSlack {
    readonly faults = new FaultBook();
    readonly files = new Map<string, FakeFile>();
    tokens: Record<string, FakeToken>;
    channels: FakeChannel[];
    shareAfterPolls: number;
    channelsPageSize: number;
    sendScopesHeader: boolean;
    private started?: StartedServer;
    private nextId = 1;
    private tsCounter = 0;

    constructor(options: FakeSlackOptions = {}) {
        this.tokens = options.tokens ?? { [GOOD_TOKEN]: { scopes: [...ALL_SCOPES] } };
        this.channels = options.channels ?? [{ id: "C0ALERTS01", name: "grafana-alert" }];
        this.shareAfterPolls = options.shareAfterPolls ?? 0;
        this.channelsPageSize = options.channelsPageSize ?? 1000;
        this.sendScopesHeader = options.sendScopesHeader ?? true;
        if (options.faults) this.faults.inject(...options.faults);
        this.faults.latencyMs = options.latencyMs ?? 0;
    }

    static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
        const s = new FakeSlack(options);
        s.started = await startServer((req, res) => s.handle(req, res));
        return s;
    }

    /** What to pass as `slackApiUrl` (ends with `/api/`, like https://slack.com/api/). */
    get apiUrl(): string {
        if (!this.started) throw new Error("FakeSlack not started");
        return `${this.started.origin}/api/`;
    }

    close(): Promise<void> {
        return this.started?.close() ?? Promise.resolve();
    }

    /** Files completed into a channel and not deleted. */
    postedFiles(): FakeFile[] {
        return [...this.files.values()].filter((f) => f.ts && !f.deleted);
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const started = Date.now();
        const body = await readBody(req);
        const url = new URL(req.url ?? "/", "http://fake");
        const isUpload = url.pathname.startsWith("/upload/v1/");
        const endpoint = isUpload ? "upload" : url.pathname.replace(/^\/api\//, "");
        const entry = { seq: this.faults.log.length + 1, endpoint, httpMethod: req.method ?? "POST", path: url.pathname, status: 0, at: started, durationMs: 0 } as {
            seq: number; endpoint: string; httpMethod: string; path: string; status: number; fault?: string; at: number; durationMs: number;
        };
        this.faults.log.push(entry);
        let scopesHeader: string | undefined;
        const send = (status: number, payload: object | string, headers: Record<string, string> = {}) => {
            entry.status = status;
            entry.durationMs = Date.now() - started;
            const h: Record<string, string> = {
                "content-type": typeof payload === "string" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
                ...headers,
            };
            if (scopesHeader !== undefined && this.sendScopesHeader) h["x-oauth-scopes"] = scopesHeader;
            res.writeHead(status, h);
            res.end(typeof payload === "string" ? payload : JSON.stringify(payload));
        };

        const latency = this.faults.latencyFor(endpoint);
        if (latency > 0) await sleep(latency);
        const taken = this.faults.take(endpoint);
        const lateFault = taken?.late ? taken : undefined;
        const fault = taken?.late ? undefined : taken;
        if (taken?.delayMs) await sleep(taken.delayMs);
        if (fault?.hangUp) {
            entry.fault = "hangUp";
            entry.durationMs = Date.now() - started;
            req.socket.destroy();
            return;
        }
        if (fault?.status) {
            entry.fault = `status ${fault.status}`;
            const headers: Record<string, string> = fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {};
            return send(fault.status, fault.status === 429 ? { ok: false, error: "ratelimited" } : `injected HTTP ${fault.status}`, headers);
        }
        if (fault?.slackError) {
            entry.fault = fault.slackError;
            return send(200, { ok: false, error: fault.slackError, ...(fault.extra ?? {}) });
        }

        if (isUpload) return this.handleUpload(url, req, body, send);

        const params = parseParams(req, body);
        const token = bearer(req) ?? params.token;
        try {
            if (!token) throw new SlackError("not_authed");
            const info = this.tokens[token];
            if (!info) throw new SlackError("invalid_auth");
            if (info.error) throw new SlackError(info.error);
            scopesHeader = info.scopes.join(",");
            const needed = METHOD_SCOPES[endpoint];
            if (needed && !info.scopes.includes(needed)) throw new SlackError("missing_scope", { needed, provided: info.scopes.join(",") });
            const result = this.call(endpoint, params, info);
            if (lateFault?.hangUp) {
                entry.fault = "late hangUp";
                entry.durationMs = Date.now() - started;
                req.socket.destroy();
                return;
            }
            if (lateFault?.status) {
                entry.fault = `late status ${lateFault.status}`;
                return send(lateFault.status, `injected HTTP ${lateFault.status}`);
            }
            return send(200, { ok: true, ...result });
        } catch (e) {
            if (e instanceof SlackError) {
                return send(200, { ok: false, error: e.code, ...e.extra });
            }
            throw e;
        }
    }

    private handleUpload(url: URL, req: http.IncomingMessage, body: Buffer, send: (s: number, p: object | string) => void): void {
        const id = url.pathname.split("/").pop() ?? "";
        const file = this.files.get(id);
        if (!file || req.method !== "POST") return send(404, "not found");
        const bytes = extractUpload(req.headers["content-type"] ?? "", body);
        file.bytes = bytes;
        return send(200, `OK - ${bytes.length}`);
    }

    private call(method: string, p: Params, tok: FakeToken): Record<string, unknown> {
        switch (method) {
            case "auth.test":
                return { url: "https://fake-workspace.slack.test/", team: tok.team ?? "Fake Workspace", user: "grafana-slack-alerts", team_id: "T0FAKE0001", user_id: tok.userId ?? "U0BOT00001", bot_id: "B0BOT00001", is_enterprise_install: false };
            case "conversations.list": {
                const types = (p.types ?? "public_channel").split(",");
                if (types.includes("public_channel") && !tok.scopes.includes("channels:read")) throw new SlackError("missing_scope", { needed: "channels:read", provided: tok.scopes.join(",") });
                if (types.includes("private_channel") && !tok.scopes.includes("groups:read")) throw new SlackError("missing_scope", { needed: "groups:read", provided: tok.scopes.join(",") });
                const visible = this.channels.filter((c) => (c.isPrivate ? types.includes("private_channel") && c.isMember !== false : types.includes("public_channel")));
                // docs.slack.dev/reference/methods/conversations.list: "specify a limit value under
                // 1000" (node-slack-sdk CursorPaginationEnabled: "max value of 999"); anything
                // else is refused with Slack's generic invalid_arguments.
                const asked = p.limit === undefined ? 100 : Number(p.limit);
                if (!Number.isInteger(asked) || asked < 1 || asked >= 1000) throw new SlackError("invalid_arguments");
                const limit = Math.min(asked, this.channelsPageSize);
                const offset = p.cursor ? Number(Buffer.from(p.cursor, "base64").toString("utf8").replace(/^offset:/, "")) : 0;
                const page = visible.slice(offset, offset + limit);
                const next = offset + limit < visible.length ? Buffer.from(`offset:${offset + limit}`).toString("base64") : "";
                return {
                    channels: page.map((c) => ({ id: c.id, name: c.name, name_normalized: c.name, is_channel: !c.isPrivate, is_private: !!c.isPrivate, is_member: c.isMember !== false, is_archived: false })),
                    response_metadata: { next_cursor: next },
                };
            }
            case "files.getUploadURLExternal": {
                const length = Number(p.length);
                if (!p.filename || !Number.isInteger(length) || length <= 0) throw new SlackError("invalid_arguments");
                const id = `F0FAKE${String(this.nextId++).padStart(4, "0")}`;
                this.files.set(id, { id, filename: p.filename, length, polls: 0, deleted: false });
                return { upload_url: `${this.started!.origin}/upload/v1/${id}`, file_id: id };
            }
            case "files.completeUploadExternal": {
                let list: Array<{ id: string; title?: string }>;
                try {
                    list = JSON.parse(p.files ?? "[]");
                } catch {
                    throw new SlackError("invalid_arguments");
                }
                const files = list.map((f) => {
                    const file = this.files.get(f.id);
                    if (!file || !file.bytes) throw new SlackError("file_not_found");
                    if (file.bytes.length !== file.length) throw new SlackError("file_size_mismatch");
                    return { file, title: f.title };
                });
                if (p.channel_id) {
                    // What Slack answers for a channel_id that is not a conversation ID (a
                    // name, a user ID, a short ID), as real clients have recorded it.
                    if (!/^[CGDZ][A-Z0-9]{8,}$/.test(p.channel_id)) {
                        throw new SlackError("invalid_arguments", { response_metadata: { messages: ["[ERROR] input must match regex pattern: ^[CGDZ][A-Z0-9]{8,}$ [json-pointer:/channel_id]"] } });
                    }
                    const ch = this.channels.find((c) => c.id === p.channel_id);
                    if (!ch) throw new SlackError("channel_not_found");
                    if (ch.isMember === false) throw new SlackError("not_in_channel");
                }
                const ts = `${1700000000 + ++this.tsCounter}.000100`;
                for (const { file, title } of files) {
                    // Slack does not document a second completion of the same file; the fake
                    // takes the worst case, a second post, and counts completions so tests can
                    // prove the client never sends one after a completion that worked.
                    file.completions = (file.completions ?? 0) + 1;
                    file.title = title;
                    if (p.channel_id) {
                        file.channelId = p.channel_id;
                        file.initialComment = p.initial_comment;
                        file.ts = ts;
                    }
                }
                // Like Slack: only id and title; sharing completes later.
                return { files: files.map(({ file }) => ({ id: file.id, title: file.title ?? file.filename })) };
            }
            case "files.info": {
                const file = this.files.get(p.file ?? "");
                if (!file) throw new SlackError("file_not_found");
                if (file.deleted) throw new SlackError("file_deleted");
                return { file: this.fileObject(file, this.look(file)) };
            }
            case "conversations.history": {
                const ch = this.channels.find((c) => c.id === p.channel);
                if (!ch) throw new SlackError("channel_not_found");
                const needed = ch.isPrivate ? "groups:history" : "channels:history";
                if (!tok.scopes.includes(needed)) throw new SlackError("missing_scope", { needed, provided: tok.scopes.join(",") });
                if (ch.isMember === false) throw new SlackError("not_in_channel");
                const messages = [...this.files.values()]
                    .filter((f) => f.channelId === ch.id && !f.deleted && this.look(f))
                    .map((f) => ({ type: "message", ts: f.ts, text: f.initialComment ?? "", files: [this.fileObject(f, true)] }))
                    .reverse();
                return { messages, has_more: false };
            }
            case "files.delete": {
                const file = this.files.get(p.file ?? "");
                if (!file) throw new SlackError("file_not_found");
                if (file.deleted) throw new SlackError("file_deleted");
                file.deleted = true;
                return {};
            }
            default:
                throw new SlackError("unknown_method");
        }
    }

    /** One look at a file's sharing state; true once it has been looked at more than `shareAfterPolls` times. */
    private look(file: FakeFile): boolean {
        if (!file.ts) return false;
        file.polls++;
        return file.polls > this.shareAfterPolls;
    }

    private fileObject(f: FakeFile, shared: boolean): Record<string, unknown> {
        const ch = this.channels.find((c) => c.id === f.channelId);
        const share = shared && ch ? { [ch.id]: [{ ts: f.ts, channel_name: ch.name, team_id: "T0FAKE0001", share_user_id: "U0BOT00001" }] } : {};
        return {
            id: f.id,
            name: f.filename,
            title: f.title ?? f.filename,
            mimetype: "image/png",
            filetype: "png",
            size: f.bytes?.length ?? f.length,
            permalink: `https://fake-workspace.slack.test/files/U0BOT00001/${f.id}/${f.filename}`,
            channels: shared && ch && !ch.isPrivate ? [ch.id] : [],
            groups: shared && ch && ch.isPrivate ? [ch.id] : [],
            shares: shared && ch ? (ch.isPrivate ? { private: share } : { public: share }) : {},
        };
    }
}

function bearer(req: http.IncomingMessage): string | undefined {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    return m ? m[1] : undefined;
}

function parseParams(req: http.IncomingMessage, body: Buffer): Params {
    const type = req.headers["content-type"] ?? "";
    if (type.startsWith("application/json")) {
        const o = body.length ? JSON.parse(body.toString("utf8")) : {};
        return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    }
    return Object.fromEntries(new URLSearchParams(body.toString("utf8")));
}

/** The file bytes of a multipart/form-data upload (the SDK's form), or the raw body. */
export function extractUpload(contentType: string, body: Buffer): Buffer {
    const m = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
    if (!contentType.startsWith("multipart/form-data") || !m) return body;
    const boundary = Buffer.from(`--${m[1] ?? m[2]}`);
    let pos = body.indexOf(boundary);
    while (pos >= 0) {
        const next = body.indexOf(boundary, pos + boundary.length);
        if (next < 0) break;
        const part = body.subarray(pos + boundary.length + 2, next - 2); // skip CRLF after boundary, before next
        const headerEnd = part.indexOf("\r\n\r\n");
        if (headerEnd >= 0) {
            const headers = part.subarray(0, headerEnd).toString("utf8");
            if (/filename=/.test(headers)) return Buffer.from(part.subarray(headerEnd + 4));
        }
        pos = next;
    }
    return body;
}
