// Slack side of the verification, on the real @slack/web-api client. Retry policy:
// the SDK retries network errors and HTTP 5xx itself (bounded by `slackRetries`), and is
// told to reject HTTP 429 (`rejectRateLimitedCalls`) so that only `slackCall` below waits
// out a rate limit, once per call, a bounded number of times. Nothing retries twice.
import { WebClient } from "@slack/web-api";
import { isVerificationError, verificationError } from "../shared/messages";
import { backoff, sleep, type VerifyTiming } from "../shared/timing";
import { isChannelId } from "../shared/slackChannel";

export const DEFAULT_SLACK_API_URL = "https://slack.com/api/";
/** conversations.list page size: Slack's recommended 200 (its maximum is 999). */
export const CHANNEL_PAGE_LIMIT = 200;
/** Scopes the verification (and Grafana's Slack contact point) need to post an image. */
export const NEEDED_SCOPES = ["chat:write", "files:write"];

export interface SlackContext {
    client: WebClient;
    /** For the completion's own retry-free client; never put in a message. */
    token: string;
    apiUrl: string;
    timing: VerifyTiming;
}

/** A logger that says nothing: the SDK's default one writes to the console, which would break `doctor --json`. */
function silentLogger(): any {
    const noop = () => undefined;
    return { debug: noop, info: noop, warn: noop, error: noop, setLevel: noop, getLevel: () => "error", setName: noop };
}

export function createSlackContext(token: string, apiUrl: string | undefined, timing: VerifyTiming): SlackContext {
    const slackApiUrl = apiUrl && apiUrl.trim() ? apiUrl.trim() : DEFAULT_SLACK_API_URL;
    const client = new WebClient(token, {
        slackApiUrl,
        timeout: timing.requestTimeoutMs,
        rejectRateLimitedCalls: true,
        retryConfig: {
            retries: timing.slackRetries,
            factor: 2,
            minTimeout: timing.slackRetryMinMs,
            maxTimeout: Math.max(timing.slackRetryMinMs, timing.slackRetryMaxMs),
            randomize: false,
        },
        logger: silentLogger(),
    });
    return { client, token, apiUrl: slackApiUrl.replace(/\/+$/, "/"), timing };
}

const TOKEN_ERRORS = ["invalid_auth", "not_authed", "token_revoked", "account_inactive"] as const;

function translatePlatformError(code: string, data: any, method: string, channel?: string): Error {
    if ((TOKEN_ERRORS as readonly string[]).includes(code)) return verificationError(code as (typeof TOKEN_ERRORS)[number], { method });
    if (code === "missing_scope") {
        return verificationError("missing_scope", {
            method,
            needed: data?.needed ?? "(Slack did not say)",
            provided: data?.provided ?? "(Slack did not say)",
        });
    }
    if (code === "not_in_channel")
        return verificationError("not_in_channel", { channel: channel ?? "the channel", detail: `${method} returned not_in_channel` });
    if (code === "channel_not_found")
        return verificationError("channel_not_found", { channel: channel ?? "(none given)", method, detail: "" });
    if (code === "ratelimited") return verificationError("ratelimited", { method, retryAfter: "?", detail: " (reported as ok:false)" });
    return verificationError("slack_error", { method, error: code });
}

/** Maps an SDK error to a catalogued failure. `channel` names the channel for channel errors. */
export function translateSlackError(e: unknown, method: string, ctx: SlackContext, channel?: string): Error {
    if (isVerificationError(e)) return e;
    const err = e as {
        code?: string;
        data?: any;
        statusCode?: number;
        original?: { message?: string; cause?: { code?: string } };
        message?: string;
        retryAfter?: number;
    };
    const attempts = ctx.timing.slackRetries + 1;
    switch (err?.code) {
        case "slack_webapi_platform_error": {
            const code: string = err.data?.error ?? "unknown_error";
            return Object.assign(translatePlatformError(code, err.data, method, channel), {
                slackError: code,
                ...(code === "missing_scope"
                    ? {
                          needed: String(err.data?.needed ?? "(Slack did not say)"),
                          provided: String(err.data?.provided ?? "(Slack did not say)"),
                      }
                    : {}),
            });
        }
        case "slack_webapi_http_error": {
            const detail = `Slack answered HTTP ${err.statusCode} (${attempts} attempt${attempts === 1 ? "" : "s"})`;
            if (method.startsWith("files.") && method.endsWith("UploadExternal"))
                return verificationError("upload_failed", { detail: `${detail} during ${method}` });
            return verificationError("slack_unreachable", { method, apiUrl: ctx.apiUrl, detail });
        }
        case "slack_webapi_request_error": {
            const orig = err.original;
            const reason = orig?.cause?.code ?? orig?.message ?? "network error";
            const detail = `no answer (${reason}) after ${attempts} attempt${attempts === 1 ? "" : "s"}`;
            if (method.startsWith("files.") && method.endsWith("UploadExternal"))
                return verificationError("upload_failed", { detail: `${detail} during ${method}` });
            return verificationError("slack_unreachable", { method, apiUrl: ctx.apiUrl, detail });
        }
        default: {
            const detail = err?.message ?? String(e);
            if (method.startsWith("files.") && method.endsWith("UploadExternal")) return verificationError("upload_failed", { detail });
            return verificationError("slack_unreachable", { method, apiUrl: ctx.apiUrl, detail });
        }
    }
}

/**
 * Runs one Slack call; on HTTP 429 waits `Retry-After` (if no longer than
 * `maxRetryAfterSec`) and tries again, at most `rateLimitRetries` times.
 */
/**
 * Every page of a cursor-paginated Slack method, each fetched through slackCall (so a 429
 * waits Retry-After): the next page while Slack returns a `next_cursor` (and, with
 * `hasMore`, `has_more: true`), at most `maxPages`. `call` gets `{ cursor }` to spread into
 * the request (`{}` for the first page).
 */
export async function* pages(
    ctx: SlackContext,
    method: string,
    call: (page: { cursor?: string }) => Promise<unknown>,
    opts: { channel?: string; maxPages?: number; hasMore?: boolean } = {},
): AsyncGenerator<any> {
    let cursor: string | undefined;
    for (let n = 0; n < (opts.maxPages ?? Infinity); n++) {
        const page: any = await slackCall(ctx, method, () => call(cursor ? { cursor } : {}), opts.channel);
        yield page;
        cursor = page?.response_metadata?.next_cursor || undefined;
        if (!cursor || (opts.hasMore && !page?.has_more)) return;
    }
}

export async function slackCall<T>(
    ctx: SlackContext,
    method: string,
    run: () => Promise<T>,
    channel?: string,
    translate = true,
): Promise<T> {
    for (let attempt = 0; ; attempt++) {
        try {
            return await run();
        } catch (e) {
            const err = e as { code?: string; retryAfter?: number };
            if (err?.code === "slack_webapi_rate_limited_error") {
                const wait = Number(err.retryAfter ?? 0);
                if (wait > ctx.timing.maxRetryAfterSec) {
                    throw verificationError("ratelimited", {
                        method,
                        retryAfter: wait,
                        detail: `, longer than the ${ctx.timing.maxRetryAfterSec}s this check waits`,
                    });
                }
                if (attempt >= ctx.timing.rateLimitRetries) {
                    throw verificationError("ratelimited", {
                        method,
                        retryAfter: wait,
                        detail: `, still limited after ${attempt} wait${attempt === 1 ? "" : "s"}`,
                    });
                }
                await sleep(wait * 1000);
                continue;
            }
            throw translate ? translateSlackError(e, method, ctx, channel) : e;
        }
    }
}

export interface SlackIdentity {
    team?: string;
    teamId?: string;
    botUserId?: string;
    /** The bot (auth.test bot_id, for bot tokens): what its messages carry as `bot_id`. */
    botId?: string;
    /** The bot user's name (auth.test `user`), for "/invite @<name>". */
    botName?: string;
    /** Granted scopes, from the `x-oauth-scopes` header; undefined when Slack did not send it. */
    scopes?: string[];
}

export async function slackAuthTest(ctx: SlackContext): Promise<SlackIdentity> {
    const res: any = await slackCall(ctx, "auth.test", () => ctx.client.auth.test());
    const scopes: unknown = res?.response_metadata?.scopes;
    return {
        team: res.team,
        teamId: res.team_id,
        botUserId: res.user_id,
        botId: typeof res.bot_id === "string" && res.bot_id ? res.bot_id : undefined,
        botName: typeof res.user === "string" && res.user ? res.user : undefined,
        scopes: Array.isArray(scopes) ? scopes.filter((s) => typeof s === "string" && s) : undefined,
    };
}

/** Needed scopes the token does not have (empty when scopes are unknown: Slack will say). */
export function missingScopes(scopes: string[] | undefined, needed: string[] = NEEDED_SCOPES): string[] {
    if (!scopes) return [];
    return needed.filter((s) => !scopes.includes(s));
}

export interface ResolvedChannel {
    id: string;
    how: string;
    requests: number;
}

/**
 * An ID is used as is (no request). A `#name` is looked up with conversations.list when
 * the token may list channels; a channel the bot is not in fails here, before uploading.
 */
export async function resolveChannel(ctx: SlackContext, channel: string, scopes: string[] | undefined): Promise<ResolvedChannel> {
    const given = channel.trim();
    if (isChannelId(given)) return { id: given, how: `${given} is a channel ID, used as is`, requests: 0 };
    const name = given.replace(/^#/, "").toLowerCase();
    const display = `#${name}`;
    const types: string[] = [];
    if (!scopes || scopes.includes("channels:read")) types.push("public_channel");
    if (!scopes || scopes.includes("groups:read")) types.push("private_channel");
    if (types.length === 0) throw verificationError("channel_name_needs_id", { channel: display });
    let seen = 0;
    let requests = 0;
    // Slack: "specify a limit value under 1000. We recommend no more than 200"
    // (docs.slack.dev/reference/methods/conversations.list); 1000 is refused.
    const listing = pages(
        ctx,
        "conversations.list",
        (cursor) => ctx.client.conversations.list({ types: types.join(","), exclude_archived: true, limit: CHANNEL_PAGE_LIMIT, ...cursor }),
        { channel: display },
    );
    try {
        for await (const page of listing) {
            requests++;
            const channels: any[] = Array.isArray(page?.channels) ? page.channels : [];
            seen += channels.length;
            const found = channels.find((c) => c?.name === name || c?.name_normalized === name);
            if (found?.id) {
                if (found.is_member === false) {
                    throw verificationError("not_in_channel", {
                        channel: display,
                        detail: "conversations.list shows the bot is not a member",
                    });
                }
                return {
                    id: found.id,
                    how: `${display} is ${found.id} (conversations.list, ${requests} page${requests === 1 ? "" : "s"})`,
                    requests,
                };
            }
        }
    } catch (e) {
        // Scopes unknown and the listing refused: same advice as a token without them.
        if (isVerificationError(e) && e.failure.key === "missing_scope" && !scopes)
            throw verificationError("channel_name_needs_id", { channel: display });
        throw e;
    }
    throw verificationError("channel_not_found", {
        channel: display,
        method: "conversations.list",
        detail: `: no channel of that name among the ${seen} the token can see${types.includes("private_channel") ? "" : " (private channels need groups:read)"}`,
    });
}

/**
 * What Grafana and the verifier need in a routed channel: the post and its image, and the
 * look at the channel (conversations.info: channels:read for a public channel, groups:read
 * for a private one, docs.slack.dev/reference/methods/conversations.info).
 */
export function routeScopes(isPrivate: boolean): string[] {
    return ["chat:write", "files:write", isPrivate ? "groups:read" : "channels:read"];
}

const SCOPE_PURPOSE: Record<string, string> = {
    "chat:write": "Grafana posts the alert with chat:write",
    "files:write": "Grafana uploads the panel image with files:write",
    "channels:read": "conversations.info needs channels:read to look at a public channel",
    "groups:read": "conversations.info needs groups:read to look at a private channel",
};

export interface RoutedChannel {
    /** As configured (an ID or `#name`). */
    channel: string;
    id?: string;
    name?: string;
    private?: boolean;
    member?: boolean;
    /** Scopes the channel needs that the token lacks (empty when Slack did not report the granted ones). */
    missingScopes?: string[];
    /** For a channel that passed: what was seen. */
    how?: string;
    /** For a channel that failed: the catalogued failure. */
    error?: Error;
}

/**
 * One channel slackRoutes sends alerts to, looked at without posting: a `#name` is resolved
 * like slackChannel, then conversations.info says whether it is private and whether the bot
 * is a member (`channel.is_member`); a private channel the bot is not in is invisible to its
 * token (channel_not_found). Then the scopes that channel needs. Never throws for an
 * expected failure: the result carries it.
 */
export async function checkRoutedChannel(
    ctx: SlackContext,
    channel: string,
    identity: { scopes?: string[]; botName?: string },
): Promise<RoutedChannel> {
    const label = channel.trim();
    const bot = identity.botName ?? "<app name>";
    const result: RoutedChannel = { channel: label };
    try {
        result.id = isChannelId(label) ? label : (await resolveChannel(ctx, label, identity.scopes)).id;
        let info: any;
        try {
            info = await slackCall(ctx, "conversations.info", () => ctx.client.conversations.info({ channel: result.id! }), label);
        } catch (e) {
            const err = e as { slackError?: string; needed?: string; provided?: string };
            if (err.slackError === "channel_not_found") throw verificationError("route_channel_hidden", { channel: label, bot });
            if (err.slackError === "missing_scope") {
                const needed = err.needed ?? "channels:read or groups:read";
                if (needed === "groups:read" || needed === "channels:read") result.private = needed === "groups:read";
                throw verificationError("route_scope_missing", {
                    channel: label,
                    needed,
                    provided: err.provided ?? "(Slack did not say)",
                    reason: SCOPE_PURPOSE[needed] ?? `conversations.info needs ${needed}`,
                });
            }
            throw e;
        }
        const ch = info?.channel ?? {};
        result.name = typeof ch.name === "string" ? ch.name : undefined;
        result.private = ch.is_private === true || ch.is_group === true;
        result.member = ch.is_member === true;
        const kind = result.private ? "private" : "public";
        // Before membership: nobody can be invited into an archived channel, and Slack refuses
        // every post there (chat.postMessage error is_archived, docs.slack.dev/reference/methods/chat.postMessage;
        // `is_archived` in node-slack-sdk packages/web-api/src/types/response/ConversationsInfoResponse.ts).
        if (ch.is_archived === true) throw verificationError("route_archived", { channel: label });
        if (!result.member) throw verificationError("route_not_member", { channel: label, bot });
        const needed = routeScopes(result.private);
        result.missingScopes = missingScopes(identity.scopes, needed);
        if (result.missingScopes.length > 0) {
            throw verificationError("route_scope_missing", {
                channel: label,
                needed: result.missingScopes.join(", "),
                provided: identity.scopes?.join(", ") || "(none)",
                reason: `${label} is a ${kind} channel: ${result.missingScopes.map((s) => SCOPE_PURPOSE[s]).join("; ")}`,
            });
        }
        const named = result.id !== label ? `${label} (${result.id})` : result.name ? `${label} (#${result.name})` : label;
        result.how = `${named}: ${kind}, the bot is a member${identity.scopes ? `, the token has ${needed.join(", ")}` : ""}`;
    } catch (e) {
        result.error = e instanceof Error ? e : new Error(String(e));
    }
    return result;
}

export interface UploadRequest {
    channelId: string;
    /** How the channel was given, for messages (`#alerts` or the ID). */
    channelLabel: string;
    png: Buffer;
    filename: string;
    title: string;
    initialComment: string;
    altText?: string;
    /** Granted scopes (undefined: unknown), to know whether files.info may be asked. */
    scopes?: string[];
    /** Called as soon as Slack has assigned the file ID, so a failure later can still clean it up. */
    onFileId?: (fileId: string) => void;
}

export interface UploadedFile {
    fileId: string;
    permalink?: string;
    /** Set when the completion's answer was lost and files.info showed it had taken effect. */
    confirmedBy?: string;
}

/** An upload failure that still names the file Slack created (for cleanup). */
function withFile(e: unknown, fileId: string): Error {
    return Object.assign(e instanceof Error ? e : new Error(String(e)), { fileId });
}

/**
 * POSTs the bytes to the upload URL: raw bytes, HTTP 200 on success (Slack's
 * files.getUploadURLExternal doc: "Files can be sent as raw bytes or can be multipart form
 * encoded. Slack will return HTTP 200 if the upload is successful"). Nothing is visible in
 * Slack before the completion, so a failed POST is retried like the SDK would (network
 * errors and non-200s, `slackRetries` times with its backoff).
 */
async function postUploadBytes(ctx: SlackContext, uploadUrl: string, png: Buffer): Promise<void> {
    const t = ctx.timing;
    const attempts = t.slackRetries + 1;
    let last = "";
    const pauses = backoff(t.slackRetryMinMs, 2, Math.max(t.slackRetryMinMs, t.slackRetryMaxMs));
    for (let i = 0; i < attempts; i++) {
        if (i > 0) await sleep(pauses.next().value);
        try {
            const res = await fetch(uploadUrl, {
                method: "POST",
                headers: { "Content-Type": "application/octet-stream" },
                body: png,
                redirect: "error",
                signal: AbortSignal.timeout(Math.max(1, Math.ceil(t.requestTimeoutMs))), // whole ms only, as in grafanaChecks.ts
            });
            await res.arrayBuffer();
            if (res.status === 200) return;
            last = `Slack's upload URL answered HTTP ${res.status}`;
        } catch (e) {
            const err = e as { name?: string; cause?: { code?: string }; message?: string };
            last =
                err?.name === "TimeoutError"
                    ? `Slack's upload URL gave no answer within ${t.requestTimeoutMs} ms`
                    : `Slack's upload URL could not be reached (${err?.cause?.code ?? err?.message ?? "network error"})`;
        }
    }
    throw verificationError("upload_failed", { detail: `${last} (${attempts} attempt${attempts === 1 ? "" : "s"})` });
}

/** A client for files.completeUploadExternal: no SDK retries, so nothing ever re-sends the completion behind our back. */
function completionClient(ctx: SlackContext): WebClient {
    return new WebClient(ctx.token, {
        slackApiUrl: ctx.apiUrl,
        timeout: ctx.timing.requestTimeoutMs,
        rejectRateLimitedCalls: true,
        retryConfig: { retries: 0 },
        logger: silentLogger(),
    });
}

/** True when the SDK error means "no answer / 5xx": Slack may or may not have acted. */
function outcomeUnknown(e: unknown): boolean {
    const code = (e as { code?: string })?.code;
    return code === "slack_webapi_request_error" || code === "slack_webapi_http_error";
}

/**
 * The three steps of an upload, driven here rather than by the SDK's files.uploadV2,
 * because the SDK retries every call on network errors and 5xx (p-retry over
 * makeRequest, node-slack-sdk packages/web-api/src/WebClient.ts), including
 * files.completeUploadExternal, which shares the file: a completion that worked but whose
 * answer was lost would be sent again and could post twice.
 *   1. files.getUploadURLExternal: retried like any call (an unused slot is invisible).
 *   2. POST the bytes to the upload URL: retried (nothing is shared yet).
 *   3. files.completeUploadExternal: sent once, never twice for the same file. A 429 is
 *      retried after Retry-After (Slack rejected it unprocessed: docs.slack.dev/apis/web-api/
 *      rate-limits); an ok:false is final; a lost answer (network error, timeout, 5xx) is
 *      checked with files.info for up to `completionCheckMs`: shared -> done; not seen shared
 *      (or no files:read to look) -> upload_unconfirmed, and the file ID goes with the error so
 *      the caller deletes the file. Slack documents no answer for a second completion of one
 *      file, and a share can show up later than any window: sending it again could post twice.
 * The file ID is reported (`onFileId`, and on the error) as soon as Slack assigns it.
 */
export async function uploadImage(ctx: SlackContext, req: UploadRequest): Promise<UploadedFile> {
    const slot: any = await slackCall(
        ctx,
        "files.getUploadURLExternal",
        () => ctx.client.files.getUploadURLExternal({ filename: req.filename, length: req.png.length, alt_text: req.altText ?? req.title }),
        req.channelLabel,
    );
    const fileId: string | undefined = typeof slot?.file_id === "string" ? slot.file_id : undefined;
    const uploadUrl: string | undefined = typeof slot?.upload_url === "string" ? slot.upload_url : undefined;
    if (!fileId || !uploadUrl)
        throw verificationError("upload_failed", { detail: "files.getUploadURLExternal answered ok but without upload_url and file_id" });
    req.onFileId?.(fileId);
    try {
        await postUploadBytes(ctx, uploadUrl, req.png);
        const client = completionClient(ctx);
        const complete = () =>
            client.files.completeUploadExternal({
                files: [{ id: fileId, title: req.title }],
                channel_id: req.channelId,
                initial_comment: req.initialComment,
            });
        let res: any;
        try {
            res = await slackCall(ctx, "files.completeUploadExternal", complete, req.channelLabel, false);
        } catch (e) {
            if (!outcomeUnknown(e)) throw translateSlackError(e, "files.completeUploadExternal", ctx, req.channelLabel);
            const lost = describeLost(e, ctx);
            const canLook = !req.scopes || req.scopes.includes("files:read");
            if (!canLook) throw verificationError("upload_unconfirmed", { fileId, channel: req.channelLabel, detail: lost });
            const seen = await sharedWithin(ctx, fileId, req.channelId, req.channelLabel, ctx.timing.completionCheckMs);
            if (seen)
                return {
                    fileId,
                    permalink: seen.permalink,
                    confirmedBy: `files.info showed ${fileId} shared after the completion's answer was lost (${lost})`,
                };
            const looked = seen === null ? `; files.info did not show it shared within ${ctx.timing.completionCheckMs} ms` : "";
            throw verificationError("upload_unconfirmed", { fileId, channel: req.channelLabel, detail: `${lost}${looked}` });
        }
        const file = Array.isArray(res?.files) ? (res.files.find((f: any) => f?.id === fileId) ?? res.files[0]) : undefined;
        if (!file?.id) throw verificationError("upload_failed", { detail: "files.completeUploadExternal answered ok but named no file" });
        return { fileId: file.id, permalink: typeof file.permalink === "string" ? file.permalink : undefined };
    } catch (e) {
        throw withFile(e, fileId);
    }
}

function describeLost(e: unknown, ctx: SlackContext): string {
    const err = e as { code?: string; statusCode?: number; original?: { name?: string; message?: string; cause?: { code?: string } } };
    if (err?.code === "slack_webapi_http_error") return `Slack answered HTTP ${err.statusCode}`;
    const o = err?.original;
    if (o?.name === "TimeoutError" || o?.name === "AbortError") return `no answer within ${ctx.timing.requestTimeoutMs} ms`;
    return `no answer (${o?.cause?.code ?? o?.message ?? "network error"})`;
}

/**
 * Polls files.info for up to `windowMs`: the share if seen, null if the file was never
 * seen shared in the channel, undefined if Slack would not let us look.
 */
async function sharedWithin(
    ctx: SlackContext,
    fileId: string,
    channelId: string,
    channelLabel: string,
    windowMs: number,
): Promise<{ permalink?: string } | null | undefined> {
    const deadline = Date.now() + windowMs;
    const pauses = backoff(ctx.timing.shareIntervalMs, 1.5, ctx.timing.shareMaxIntervalMs);
    for (;;) {
        try {
            const res: any = await slackCall(ctx, "files.info", () => ctx.client.files.info({ file: fileId }), channelLabel);
            if (sharesIn(res?.file, channelId).length > 0)
                return { permalink: typeof res?.file?.permalink === "string" ? res.file.permalink : undefined };
        } catch (e) {
            const code = (e as { slackError?: string }).slackError;
            if (code !== "file_not_found") return undefined;
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) return null;
        await sleep(Math.min(pauses.next().value, remaining));
    }
}

export interface LandedResult {
    verified: boolean;
    how: string;
    messageTs?: string;
    permalink?: string;
    polls: number;
    /** Set when verification was impossible (a scope is missing): the failure to report. */
    unverifiedReason?: Error;
}

function sharesIn(file: any, channelId: string): any[] {
    const pub = file?.shares?.public?.[channelId];
    const priv = file?.shares?.private?.[channelId];
    return [...(Array.isArray(pub) ? pub : []), ...(Array.isArray(priv) ? priv : [])];
}

/**
 * Sharing completes asynchronously after completeUploadExternal, so poll (bounded) until
 * the file shows as shared in the channel: files.info (files:read), or else the channel
 * history (channels:history / groups:history). Without either scope nothing is claimed.
 */
export async function waitUntilShared(
    ctx: SlackContext,
    opts: { fileId: string; channelId: string; channelLabel: string; scopes?: string[]; uploadedAtSec: number },
): Promise<LandedResult> {
    const { fileId, channelLabel, scopes } = opts;
    const canInfo = !scopes || scopes.includes("files:read");
    const canHistory = !scopes || scopes.includes("channels:history") || scopes.includes("groups:history");
    const unverified = (polls: number): LandedResult => {
        const reason = verificationError("verify_scope_missing", { fileId, channel: channelLabel });
        return { verified: false, how: `not verified: ${reason.failure.what}: ${reason.failure.why}`, polls, unverifiedReason: reason };
    };
    let method: "files.info" | "conversations.history" | undefined = canInfo
        ? "files.info"
        : canHistory
          ? "conversations.history"
          : undefined;
    if (!method) return unverified(0);
    const tried = new Set<string>();
    const deadline = Date.now() + ctx.timing.shareTimeoutMs;
    const pauses = backoff(ctx.timing.shareIntervalMs, 1.5, ctx.timing.shareMaxIntervalMs);
    let polls = 0;
    for (;;) {
        polls++;
        try {
            const landed = method === "files.info" ? await sharedByFilesInfo(ctx, opts, polls) : await sharedByHistory(ctx, opts, polls);
            if (landed) return landed;
        } catch (e) {
            // Slack may not know a just-completed file yet: that is "not shared yet".
            const code = (e as { slackError?: string } | undefined)?.slackError;
            if (code !== "file_not_found") {
                if (code !== "missing_scope" && code !== "not_in_channel") throw e;
                // The post went out; only the look is refused. Try the other way once, then
                // say verified: false with what to add, never fail the run over it.
                const current: "files.info" | "conversations.history" = method;
                tried.add(current);
                const other: "files.info" | "conversations.history" = current === "files.info" ? "conversations.history" : "files.info";
                const otherPossible = other === "files.info" ? canInfo : canHistory;
                if (otherPossible && !tried.has(other)) {
                    method = other;
                    continue;
                }
                // Scopes not reported and both ways refused: the token has neither scope.
                if (!scopes && code === "missing_scope" && tried.size === 2) return unverified(polls);
                const refused =
                    code === "missing_scope"
                        ? verificationError("verify_scope_refused", {
                              fileId,
                              channel: channelLabel,
                              method: current,
                              needed: (e as { needed?: string }).needed,
                              provided: (e as { provided?: string }).provided,
                          })
                        : verificationError("verify_not_in_channel", { fileId, channel: channelLabel, method: current });
                return {
                    verified: false,
                    how: `not verified: ${refused.failure.what}: ${refused.failure.why}`,
                    polls,
                    unverifiedReason: refused,
                };
            }
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
            throw verificationError("share_timeout", {
                fileId,
                channel: channelLabel,
                polls,
                seconds: +(ctx.timing.shareTimeoutMs / 1000).toFixed(3),
            });
        }
        await sleep(Math.min(pauses.next().value, remaining));
    }
}

type ShareLook = { fileId: string; channelId: string; channelLabel: string; uploadedAtSec: number };

/** files.info: the file's shares in the channel, if any yet. */
async function sharedByFilesInfo(ctx: SlackContext, o: ShareLook, polls: number): Promise<LandedResult | undefined> {
    const res: any = await slackCall(ctx, "files.info", () => ctx.client.files.info({ file: o.fileId }), o.channelLabel);
    const shares = sharesIn(res?.file, o.channelId);
    if (shares.length === 0) return undefined;
    const ts = shares.map((s) => s?.ts).find((t) => typeof t === "string");
    return {
        verified: true,
        how: `files.info shows ${o.fileId} shared in ${o.channelId}${ts ? ` (message ${ts})` : ""} after ${polls} poll${polls === 1 ? "" : "s"}`,
        messageTs: ts,
        permalink: typeof res?.file?.permalink === "string" ? res.file.permalink : undefined,
        polls,
    };
}

/** conversations.history since the upload: a message carrying the file, if any yet. */
async function sharedByHistory(ctx: SlackContext, o: ShareLook, polls: number): Promise<LandedResult | undefined> {
    const res: any = await slackCall(
        ctx,
        "conversations.history",
        () => ctx.client.conversations.history({ channel: o.channelId, oldest: String(Math.floor(o.uploadedAtSec) - 60), limit: 50 }),
        o.channelLabel,
    );
    const messages: any[] = Array.isArray(res?.messages) ? res.messages : [];
    const msg = messages.find((m) => Array.isArray(m?.files) && m.files.some((f: any) => f?.id === o.fileId));
    if (!msg) return undefined;
    const file = msg.files.find((f: any) => f?.id === o.fileId);
    return {
        verified: true,
        how: `conversations.history shows message ${msg.ts} in ${o.channelId} carrying ${o.fileId} after ${polls} poll${polls === 1 ? "" : "s"}`,
        messageTs: typeof msg.ts === "string" ? msg.ts : undefined,
        permalink: typeof file?.permalink === "string" ? file.permalink : undefined,
        polls,
    };
}

/** Deletes a posted test file; a file that is already gone counts as deleted. */
export async function deleteSlackFile(ctx: SlackContext, fileId: string): Promise<"deleted" | "already gone"> {
    try {
        return await slackCall(ctx, "files.delete", async () => {
            try {
                await ctx.client.files.delete({ file: fileId });
                return "deleted" as const;
            } catch (e) {
                const err = e as { code?: string; data?: { error?: string } };
                if (
                    err?.code === "slack_webapi_platform_error" &&
                    (err.data?.error === "file_not_found" || err.data?.error === "file_deleted")
                ) {
                    return "already gone" as const;
                }
                throw e;
            }
        });
    } catch (e) {
        const code = (e as { slackError?: string }).slackError ?? (isVerificationError(e) ? e.failure.key : "an unexpected error");
        // Keep Slack's code on the error: the caller decides which ones are final.
        throw Object.assign(verificationError("file_delete_failed", { fileId, error: code }), { slackError: code });
    }
}
