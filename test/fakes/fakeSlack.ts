// A fake Slack Web API on 127.0.0.1, speaking the wire format the real @slack/web-api
// client uses (`slackApiUrl`): form-encoded POSTs to /api/<method>, `ok:false` errors
// with HTTP 200, the `x-oauth-scopes` header, HTTP 429 + Retry-After, and the external
// upload flow (getUploadURLExternal -> POST to the absolute upload_url ->
// completeUploadExternal). Sharing is asynchronous: a completed file shows up in
// `shares` / the channel history only after `shareAfterPolls` looks at it.
//
// Each token is its own bot (auth.test user_id / bot_id, docs.slack.dev/reference/methods/
// auth.test): what it posts carries its `user` and `bot_id`, what it uploads its `user`,
// so two apps (or two stacks' bots) in one channel are told apart as in Slack. A file's
// `url_private` serves its bytes only with `Authorization: Bearer <token with files:read>`
// (Slack platform blog "Important Changes to Files in the Web API": url_private requires an
// authorization header with a token that has files:read); without one Slack answers its
// sign-in page, HTTP 200 text/html.
import type * as http from "node:http";
import { FaultBook, readBody, sleep, startServer, type FaultRule, type StartedServer } from "./faults";

export interface FakeToken {
    scopes: string[];
    /** Make every call with this token fail: invalid_auth, token_revoked, account_inactive. */
    error?: string;
    team?: string;
    /** The bot user (auth.test user_id). Default U0BOT00001. */
    userId?: string;
    /** The bot (auth.test bot_id). Default B0BOT00001. */
    botId?: string;
}

export interface FakeChannel {
    id: string;
    name: string;
    isPrivate?: boolean;
    /** Whether the bot is in the channel. Default true. */
    isMember?: boolean;
    /** Archived: conversations.info / list say `is_archived: true`, chat.postMessage answers is_archived. */
    isArchived?: boolean;
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
    /**
     * conversations.replies answers this error to bot tokens on channels, as its method page
     * says may happen ("bot user tokens ... lack sufficient permissions to use this method on
     * public and private channels", docs.slack.dev/reference/methods/conversations.replies).
     */
    repliesRefused?: string;
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
    /** Set when completed into a thread (`thread_ts`). */
    threadTs?: string;
    polls: number;
    deleted: boolean;
    /** How many files.completeUploadExternal calls named this file. */
    completions?: number;
    /** The uploading token's bot user. */
    userId: string;
}

export const GOOD_TOKEN = "xoxb-fake-good-0123456789-abcdefghijklmnop";
export const ALL_SCOPES = ["chat:write", "files:write", "files:read", "channels:read", "groups:read", "channels:history", "groups:history"];

type Params = Record<string, string>;

export interface FakeMessage {
    ts: string;
    channel: string;
    text: string;
    attachments: any[];
    threadTs?: string;
    userId: string;
    botId: string;
}

/** `oldest` / `latest` bounds of history and replies (exclusive unless `inclusive`). */
function inRange(ts: string, p: Params): boolean {
    const t = Number(ts);
    const inclusive = p.inclusive === "true" || p.inclusive === "1";
    if (p.oldest && (inclusive ? t < Number(p.oldest) : t <= Number(p.oldest))) return false;
    if (p.latest && (inclusive ? t > Number(p.latest) : t >= Number(p.latest))) return false;
    return true;
}

/** Cursor pagination as Slack does it: `limit` items, `has_more`, `response_metadata.next_cursor`. */
function page<T>(items: T[], p: Params): { messages: T[]; has_more: boolean; response_metadata: { next_cursor: string } } {
    const limit = Math.max(1, Math.min(Number(p.limit ?? 100) || 100, 999));
    const offset = p.cursor
        ? Number(
              Buffer.from(p.cursor, "base64")
                  .toString("utf8")
                  .replace(/^offset:/, ""),
          )
        : 0;
    const slice = items.slice(offset, offset + limit);
    const more = offset + limit < items.length;
    return {
        messages: slice,
        has_more: more,
        response_metadata: { next_cursor: more ? Buffer.from(`offset:${offset + limit}`).toString("base64") : "" },
    };
}

class SlackError extends Error {
    constructor(
        readonly code: string,
        readonly extra: Record<string, unknown> = {},
    ) {
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
    repliesRefused?: string;
    private started?: StartedServer;
    private nextId = 1;
    private tsCounter = 0;
    /** Messages posted with chat.postMessage (Grafana's alert notifications). */
    readonly messages: FakeMessage[] = [];

    constructor(options: FakeSlackOptions = {}) {
        this.tokens = options.tokens ?? { [GOOD_TOKEN]: { scopes: [...ALL_SCOPES] } };
        this.channels = options.channels ?? [{ id: "C0ALERTS01", name: "grafana-alert" }];
        this.shareAfterPolls = options.shareAfterPolls ?? 0;
        this.channelsPageSize = options.channelsPageSize ?? 1000;
        this.sendScopesHeader = options.sendScopesHeader ?? true;
        this.repliesRefused = options.repliesRefused;
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
        const endpoint = endpointOf(url.pathname);
        const entry = this.faults.record(endpoint, req.method ?? "POST", url.pathname, started);
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
            return send(
                fault.status,
                fault.status === 429 ? { ok: false, error: "ratelimited" } : `injected HTTP ${fault.status}`,
                headers,
            );
        }
        if (fault?.slackError) {
            entry.fault = fault.slackError;
            return send(200, { ok: false, error: fault.slackError, ...(fault.extra ?? {}) });
        }

        if (endpoint === "upload") return this.handleUpload(url, req, body, send);
        if (endpoint === "download") return this.handleDownload(url, req, res, entry, started);

        // Slack takes arguments in the query string too; Grafana's notifier sends
        // files.getUploadURLExternal as a GET with `?filename=&length=`
        // (grafana/alerting receivers/slack/v1/slack.go getUploadURL).
        const params = { ...Object.fromEntries(url.searchParams), ...parseParams(req, body) };
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

    /** GET url_private: the bytes with a token that may read files, else Slack's sign-in page. */
    private handleDownload(
        url: URL,
        req: http.IncomingMessage,
        res: http.ServerResponse,
        entry: { status: number; durationMs: number },
        started: number,
    ): void {
        const id = /^\/files-pri\/[^-/]+-([^/]+)\//.exec(url.pathname)?.[1] ?? "";
        const file = this.files.get(id);
        const tok = this.tokens[bearer(req) ?? ""];
        const ok = file && !file.deleted && file.bytes && tok && !tok.error && tok.scopes.includes("files:read");
        entry.status = ok ? 200 : file ? 200 : 404;
        entry.durationMs = Date.now() - started;
        if (!file) {
            res.writeHead(404, { "content-type": "text/plain" });
            res.end("not found");
            return;
        }
        if (!ok) {
            res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
            res.end("<!DOCTYPE html><html><head><title>Slack</title></head><body><h1>Sign in to Fake Workspace</h1></body></html>");
            return;
        }
        res.writeHead(200, { "content-type": "image/png", "content-length": String(file.bytes!.length) });
        res.end(file.bytes);
    }

    private call(method: string, p: Params, tok: FakeToken): Record<string, unknown> {
        switch (method) {
            case "auth.test":
                return {
                    url: "https://fake-workspace.slack.test/",
                    team: tok.team ?? "Fake Workspace",
                    user: "grafana-slack-alerts",
                    team_id: "T0FAKE0001",
                    user_id: tok.userId ?? "U0BOT00001",
                    bot_id: tok.botId ?? "B0BOT00001",
                    is_enterprise_install: false,
                };
            case "conversations.list": {
                const types = (p.types ?? "public_channel").split(",");
                if (types.includes("public_channel") && !tok.scopes.includes("channels:read"))
                    throw new SlackError("missing_scope", { needed: "channels:read", provided: tok.scopes.join(",") });
                if (types.includes("private_channel") && !tok.scopes.includes("groups:read"))
                    throw new SlackError("missing_scope", { needed: "groups:read", provided: tok.scopes.join(",") });
                // exclude_archived defaults to false (docs.slack.dev/reference/methods/conversations.list).
                const excludeArchived = p.exclude_archived === "true" || p.exclude_archived === "1";
                const visible = this.channels
                    .filter((c) =>
                        c.isPrivate ? types.includes("private_channel") && c.isMember !== false : types.includes("public_channel"),
                    )
                    .filter((c) => !(excludeArchived && c.isArchived));
                // docs.slack.dev/reference/methods/conversations.list: "specify a limit value under
                // 1000" (node-slack-sdk CursorPaginationEnabled: "max value of 999"); anything
                // else is refused with Slack's generic invalid_arguments.
                const asked = p.limit === undefined ? 100 : Number(p.limit);
                if (!Number.isInteger(asked) || asked < 1 || asked >= 1000) throw new SlackError("invalid_arguments");
                const limit = Math.min(asked, this.channelsPageSize);
                const offset = p.cursor
                    ? Number(
                          Buffer.from(p.cursor, "base64")
                              .toString("utf8")
                              .replace(/^offset:/, ""),
                      )
                    : 0;
                const page = visible.slice(offset, offset + limit);
                const next = offset + limit < visible.length ? Buffer.from(`offset:${offset + limit}`).toString("base64") : "";
                return {
                    channels: page.map((c) => ({
                        id: c.id,
                        name: c.name,
                        name_normalized: c.name,
                        is_channel: !legacyGroup(c),
                        is_private: !!c.isPrivate,
                        is_member: c.isMember !== false,
                        is_archived: !!c.isArchived,
                    })),
                    response_metadata: { next_cursor: next },
                };
            }
            case "conversations.info": {
                // docs.slack.dev/reference/methods/conversations.info: the scope depends on the
                // conversation's type, channels:read for a public channel, groups:read for a
                // private one; errors include channel_not_found and missing_scope (with `needed`
                // and `provided`), and the answer's `channel` carries is_private and is_member
                // (slackapi/slack-api-specs web-api/slack_web_openapi_v2.json /conversations.info;
                // node-slack-sdk packages/web-api/src/types/response/ConversationsInfoResponse.ts).
                // A private channel is invisible to a bot that is not in it: channel_not_found,
                // as for an unknown ID (slackapi/bolt-js#1656). Slack does not say whether that
                // or missing_scope comes first for a private channel the bot is not in; here the
                // channel stays invisible, and both answers lead to the same advice.
                const ch = this.channels.find((c) => c.id === p.channel);
                if (!ch || (ch.isPrivate && ch.isMember === false)) throw new SlackError("channel_not_found");
                const needed = ch.isPrivate ? "groups:read" : "channels:read";
                if (!tok.scopes.includes(needed)) throw new SlackError("missing_scope", { needed, provided: tok.scopes.join(",") });
                return {
                    channel: {
                        id: ch.id,
                        name: ch.name,
                        name_normalized: ch.name,
                        is_channel: !legacyGroup(ch),
                        is_group: legacyGroup(ch),
                        is_im: false,
                        is_mpim: false,
                        is_private: !!ch.isPrivate,
                        is_archived: !!ch.isArchived,
                        is_general: false,
                        is_member: ch.isMember !== false,
                        created: 1449252889,
                    },
                };
            }
            case "files.getUploadURLExternal": {
                const length = Number(p.length);
                if (!p.filename || !Number.isInteger(length) || length <= 0) throw new SlackError("invalid_arguments");
                const id = `F0FAKE${String(this.nextId++).padStart(4, "0")}`;
                this.files.set(id, { id, filename: p.filename, length, polls: 0, deleted: false, userId: tok.userId ?? "U0BOT00001" });
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
                        throw new SlackError("invalid_arguments", {
                            response_metadata: {
                                messages: ["[ERROR] input must match regex pattern: ^[CGDZ][A-Z0-9]{8,}$ [json-pointer:/channel_id]"],
                            },
                        });
                    }
                    const ch = this.channels.find((c) => c.id === p.channel_id);
                    if (!ch) throw new SlackError("channel_not_found");
                    if (ch.isMember === false) throw new SlackError("not_in_channel");
                }
                const ts = this.nextTs();
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
                        // Shared as a reply in that thread (Grafana posts its screenshot this way).
                        if (p.thread_ts) file.threadTs = p.thread_ts;
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
                // Only top-level messages: thread replies appear in conversations.replies
                // (https://docs.slack.dev/reference/methods/conversations.history).
                const fileMessages = [...this.files.values()]
                    .filter((f) => f.channelId === ch.id && !f.deleted && !f.threadTs && this.look(f))
                    .map((f) => this.fileMessage(f));
                const chatMessages = this.messages.filter((m) => m.channel === ch.id && !m.threadTs).map((m) => this.messageObject(m));
                const all = [...fileMessages, ...chatMessages].filter((m) => inRange(m.ts, p)).sort((a, b) => Number(b.ts) - Number(a.ts));
                return page(all, p);
            }
            case "chat.postMessage": {
                // https://docs.slack.dev/reference/methods/chat.postMessage: chat:write; the
                // channel as an ID or a name; answers the channel's ID and the message ts.
                // Grafana's Slack notifier sends JSON {channel, attachments[{title, title_link,
                // text, fallback, footer, ...}]} (grafana/alerting receivers/slack/v1/slack.go).
                if (!tok.scopes.includes("chat:write"))
                    throw new SlackError("missing_scope", { needed: "chat:write", provided: tok.scopes.join(",") });
                const name = (p.channel ?? "").replace(/^#/, "");
                const ch = this.channels.find((c) => c.id === p.channel || c.name === name);
                if (!ch) throw new SlackError("channel_not_found");
                // Listed among chat.postMessage's errors: "is_archived: Channel has been archived."
                if (ch.isArchived) throw new SlackError("is_archived");
                if (ch.isMember === false) throw new SlackError("not_in_channel");
                let attachments: any[];
                try {
                    attachments = p.attachments ? JSON.parse(p.attachments) : [];
                } catch {
                    throw new SlackError("invalid_attachments");
                }
                if (!p.text && attachments.length === 0 && !p.blocks) throw new SlackError("no_text");
                const msg: FakeMessage = {
                    ts: this.nextTs(),
                    channel: ch.id,
                    text: p.text ?? "",
                    attachments,
                    threadTs: p.thread_ts || undefined,
                    userId: tok.userId ?? "U0BOT00001",
                    botId: tok.botId ?? "B0BOT00001",
                };
                this.messages.push(msg);
                return { channel: ch.id, ts: msg.ts, message: this.messageObject(msg) };
            }
            case "chat.getPermalink": {
                // https://docs.slack.dev/reference/methods/chat.getPermalink (no scope needed).
                const ch = this.channels.find((c) => c.id === p.channel);
                if (!ch) throw new SlackError("channel_not_found");
                const known =
                    this.messages.some((m) => m.channel === ch.id && m.ts === p.message_ts) ||
                    [...this.files.values()].some((f) => f.channelId === ch.id && f.ts === p.message_ts);
                if (!known) throw new SlackError("message_not_found");
                return {
                    channel: ch.id,
                    permalink: `https://fake-workspace.slack.test/archives/${ch.id}/p${(p.message_ts ?? "").replace(".", "")}`,
                };
            }
            case "conversations.replies": {
                // https://docs.slack.dev/reference/methods/conversations.replies: same scopes
                // as history; the parent first, then its replies, cursor-paginated; a ts
                // that is no message gives thread_not_found.
                const ch = this.channels.find((c) => c.id === p.channel);
                if (!ch) throw new SlackError("channel_not_found");
                const needed = ch.isPrivate ? "groups:history" : "channels:history";
                if (!tok.scopes.includes(needed)) throw new SlackError("missing_scope", { needed, provided: tok.scopes.join(",") });
                if (ch.isMember === false) throw new SlackError("not_in_channel");
                if (this.repliesRefused) throw new SlackError(this.repliesRefused);
                const parent = this.messages.find((m) => m.channel === ch.id && m.ts === p.ts);
                if (!parent) throw new SlackError("thread_not_found");
                const replies = [
                    ...this.messages.filter((m) => m.channel === ch.id && m.threadTs === p.ts).map((m) => this.messageObject(m)),
                    ...[...this.files.values()]
                        .filter((f) => f.channelId === ch.id && f.threadTs === p.ts && !f.deleted && this.look(f))
                        .map((f) => ({ ...this.fileMessage(f), thread_ts: p.ts, upload: true })),
                ].sort((a, b) => Number(a.ts) - Number(b.ts));
                return page([{ ...this.messageObject(parent), reply_count: replies.length }, ...replies], p);
            }
            case "files.list": {
                // https://docs.slack.dev/reference/methods/files.list: files:read; filters
                // channel, ts_from (inclusive), types (images), user; paging count/page.
                if (!tok.scopes.includes("files:read"))
                    throw new SlackError("missing_scope", { needed: "files:read", provided: tok.scopes.join(",") });
                const all = [...this.files.values()]
                    .filter((f) => f.ts && !f.deleted && (!p.channel || f.channelId === p.channel))
                    .filter((f) => !p.ts_from || Number(f.ts) >= Number(p.ts_from))
                    .filter((f) => !p.types || p.types === "all" || (p.types.split(",").includes("images") && /\.png$/i.test(f.filename)))
                    .sort((a, b) => Number(b.ts) - Number(a.ts))
                    .map((f) => this.fileObject(f, this.look(f)));
                const count = Math.max(1, Number(p.count ?? 100) || 100);
                const pageNo = Math.max(1, Number(p.page ?? 1) || 1);
                return {
                    files: all.slice((pageNo - 1) * count, pageNo * count),
                    paging: { count, total: all.length, page: pageNo, pages: Math.max(1, Math.ceil(all.length / count)) },
                };
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

    /** Slack-style message ts: seconds since the epoch, then a unique 6-digit suffix. */
    private nextTs(): string {
        return `${Math.floor(Date.now() / 1000)}.${String(++this.tsCounter).padStart(6, "0")}`;
    }

    /** A posted message as conversations.history / replies show it (bot-token posts carry bot_id). */
    private messageObject(m: FakeMessage): { ts: string; [k: string]: unknown } {
        return {
            type: "message",
            ts: m.ts,
            text: m.text,
            user: m.userId,
            bot_id: m.botId,
            app_id: "A0APP00001",
            ...(m.attachments.length > 0 ? { attachments: m.attachments.map((a, i) => ({ id: i + 1, ...a })) } : {}),
            ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
        };
    }

    /** The message a shared file makes: its uploader, its comment, the file. */
    private fileMessage(f: FakeFile): { ts: string; [k: string]: unknown } {
        return { type: "message", ts: f.ts as string, text: f.initialComment ?? "", user: f.userId, files: [this.fileObject(f, true)] };
    }

    /** One look at a file's sharing state; true once it has been looked at more than `shareAfterPolls` times. */
    private look(file: FakeFile): boolean {
        if (!file.ts) return false;
        file.polls++;
        return file.polls > this.shareAfterPolls;
    }

    private fileObject(f: FakeFile, shared: boolean): Record<string, unknown> {
        const ch = this.channels.find((c) => c.id === f.channelId);
        // A share into a thread names its parent (`thread_ts`), as in Slack's file objects.
        const share =
            shared && ch
                ? {
                      [ch.id]: [
                          {
                              ts: f.ts,
                              ...(f.threadTs ? { thread_ts: f.threadTs } : {}),
                              channel_name: ch.name,
                              team_id: "T0FAKE0001",
                              share_user_id: f.userId,
                          },
                      ],
                  }
                : {};
        return {
            id: f.id,
            name: f.filename,
            title: f.title ?? f.filename,
            mimetype: "image/png",
            filetype: "png",
            size: f.bytes?.length ?? f.length,
            user: f.userId,
            url_private: `${this.started!.origin}/files-pri/T0FAKE0001-${f.id}/${encodeURIComponent(f.filename)}`,
            url_private_download: `${this.started!.origin}/files-pri/T0FAKE0001-${f.id}/download/${encodeURIComponent(f.filename)}`,
            permalink: `https://fake-workspace.slack.test/files/${f.userId}/${f.id}/${f.filename}`,
            channels: shared && ch && !ch.isPrivate ? [ch.id] : [],
            groups: shared && ch && ch.isPrivate ? [ch.id] : [],
            shares: shared && ch ? (ch.isPrivate ? { private: share } : { public: share }) : {},
        };
    }
}

/**
 * is_group marks only a private channel from before March 2021 (ID starting with G); a newer
 * private channel, or one converted from public, answers is_channel true, is_group false,
 * is_private true (docs.slack.dev/reference/objects/group-object; "let is_private guide you",
 * api.slack.com/changelog/2018-09-more-reasons-to-be-a-conversations-api-convert).
 */
function legacyGroup(c: FakeChannel): boolean {
    return !!c.isPrivate && c.id.startsWith("G");
}

/** A request's endpoint: a Web API method, `upload` (the upload URL) or `download` (url_private). */
function endpointOf(pathname: string): string {
    if (pathname.startsWith("/upload/v1/")) return "upload";
    if (pathname.startsWith("/files-pri/")) return "download";
    return pathname.replace(/^\/api\//, "");
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
