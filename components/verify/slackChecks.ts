// Slack side of the verification, on the real @slack/web-api client. Retry policy:
// the SDK retries network errors and HTTP 5xx itself (bounded by `slackRetries`), and is
// told to reject HTTP 429 (`rejectRateLimitedCalls`) so that only `slackCall` below waits
// out a rate limit, once per call, a bounded number of times. Nothing retries twice.
//
// These functions run inside the serialized dynamic provider too: the SDK is required
// inside them (re-required by name there), never captured.
import type { WebClient } from "@slack/web-api";
import { isVerificationError, verificationError } from "./messages";
import { sleep, type VerifyTiming } from "./timing";
import { isChannelId } from "../slackChannel";

export const DEFAULT_SLACK_API_URL = "https://slack.com/api/";
/** Scopes the verification (and Grafana's Slack contact point) need to post an image. */
export const NEEDED_SCOPES = ["chat:write", "files:write"];

export interface SlackContext {
    client: WebClient;
    apiUrl: string;
    timing: VerifyTiming;
}

/** A logger that says nothing: the SDK's default one writes to the console, which would break `doctor --json`. */
function silentLogger(): any {
    const noop = () => undefined;
    return { debug: noop, info: noop, warn: noop, error: noop, setLevel: noop, getLevel: () => "error", setName: noop };
}

export function createSlackContext(token: string, apiUrl: string | undefined, timing: VerifyTiming): SlackContext {
    const { WebClient } = require("@slack/web-api") as typeof import("@slack/web-api");
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
    return { client, apiUrl: slackApiUrl.replace(/\/+$/, "/"), timing };
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
    if (code === "not_in_channel") return verificationError("not_in_channel", { channel: channel ?? "the channel", detail: `${method} returned not_in_channel` });
    if (code === "channel_not_found") return verificationError("channel_not_found", { channel: channel ?? "(none given)", method, detail: "" });
    if (code === "ratelimited") return verificationError("ratelimited", { method, retryAfter: "?", detail: " (reported as ok:false)" });
    return verificationError("slack_error", { method, error: code });
}

/** Maps an SDK error to a catalogued failure. `channel` names the channel for channel errors. */
export function translateSlackError(e: unknown, method: string, ctx: SlackContext, channel?: string): Error {
    if (isVerificationError(e)) return e;
    const err = e as { code?: string; data?: any; statusCode?: number; original?: { message?: string; cause?: { code?: string } }; message?: string; retryAfter?: number };
    const attempts = ctx.timing.slackRetries + 1;
    switch (err?.code) {
        case "slack_webapi_platform_error": {
            const code: string = err.data?.error ?? "unknown_error";
            return Object.assign(translatePlatformError(code, err.data, method, channel), { slackError: code });
        }
        case "slack_webapi_http_error": {
            const detail = `Slack answered HTTP ${err.statusCode} (${attempts} attempt${attempts === 1 ? "" : "s"})`;
            if (method === "files.uploadV2") return verificationError("upload_failed", { detail: `${detail} during files.uploadV2` });
            return verificationError("slack_unreachable", { method, apiUrl: ctx.apiUrl, detail });
        }
        case "slack_webapi_request_error": {
            const orig = err.original;
            const reason = orig?.cause?.code ?? orig?.message ?? "network error";
            const detail = `no answer (${reason}) after ${attempts} attempt${attempts === 1 ? "" : "s"}`;
            if (method === "files.uploadV2") return verificationError("upload_failed", { detail: `${detail} during files.uploadV2` });
            return verificationError("slack_unreachable", { method, apiUrl: ctx.apiUrl, detail });
        }
        default: {
            const detail = err?.message ?? String(e);
            if (method === "files.uploadV2") return verificationError("upload_failed", { detail });
            return verificationError("slack_unreachable", { method, apiUrl: ctx.apiUrl, detail });
        }
    }
}

/**
 * Runs one Slack call; on HTTP 429 waits `Retry-After` (if no longer than
 * `maxRetryAfterSec`) and tries again, at most `rateLimitRetries` times.
 */
export async function slackCall<T>(ctx: SlackContext, method: string, run: () => Promise<T>, channel?: string): Promise<T> {
    for (let attempt = 0; ; attempt++) {
        try {
            return await run();
        } catch (e) {
            const err = e as { code?: string; retryAfter?: number };
            if (err?.code === "slack_webapi_rate_limited_error") {
                const wait = Number(err.retryAfter ?? 0);
                if (wait > ctx.timing.maxRetryAfterSec) {
                    throw verificationError("ratelimited", { method, retryAfter: wait, detail: `, longer than the ${ctx.timing.maxRetryAfterSec}s this check waits` });
                }
                if (attempt >= ctx.timing.rateLimitRetries) {
                    throw verificationError("ratelimited", { method, retryAfter: wait, detail: `, still limited after ${attempt} wait${attempt === 1 ? "" : "s"}` });
                }
                await sleep(wait * 1000);
                continue;
            }
            throw translateSlackError(e, method, ctx, channel);
        }
    }
}

export interface SlackIdentity {
    team?: string;
    teamId?: string;
    botUserId?: string;
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
    let cursor: string | undefined;
    let seen = 0;
    let requests = 0;
    do {
        requests++;
        let page: any;
        try {
            page = await slackCall(ctx, "conversations.list", () =>
                ctx.client.conversations.list({ types: types.join(","), exclude_archived: true, limit: 1000, ...(cursor ? { cursor } : {}) }),
            display);
        } catch (e) {
            // Scopes unknown and the listing refused: same advice as a token without them.
            if (isVerificationError(e) && e.failure.key === "missing_scope" && !scopes) throw verificationError("channel_name_needs_id", { channel: display });
            throw e;
        }
        const channels: any[] = Array.isArray(page?.channels) ? page.channels : [];
        seen += channels.length;
        const found = channels.find((c) => c?.name === name || c?.name_normalized === name);
        if (found?.id) {
            if (found.is_member === false) {
                throw verificationError("not_in_channel", { channel: display, detail: "conversations.list shows the bot is not a member" });
            }
            return { id: found.id, how: `${display} is ${found.id} (conversations.list, ${requests} page${requests === 1 ? "" : "s"})`, requests };
        }
        cursor = page?.response_metadata?.next_cursor || undefined;
    } while (cursor);
    throw verificationError("channel_not_found", {
        channel: display,
        method: "conversations.list",
        detail: `: no channel of that name among the ${seen} the token can see${types.includes("private_channel") ? "" : " (private channels need groups:read)"}`,
    });
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
}

export interface UploadedFile {
    fileId: string;
    permalink?: string;
}

/** files.uploadV2: getUploadURLExternal, POST to the upload URL, completeUploadExternal. */
export async function uploadImage(ctx: SlackContext, req: UploadRequest): Promise<UploadedFile> {
    const res: any = await slackCall(
        ctx,
        "files.uploadV2",
        () =>
            ctx.client.filesUploadV2({
                channel_id: req.channelId,
                file: req.png,
                filename: req.filename,
                title: req.title,
                initial_comment: req.initialComment,
                alt_text: req.altText ?? req.title,
            }),
        req.channelLabel,
    );
    // The SDK nests one completeUploadExternal result per message: files[0].files[0].
    const file = res?.files?.[0]?.files?.[0];
    if (!file?.id) throw verificationError("upload_failed", { detail: "files.completeUploadExternal answered ok but named no file" });
    return { fileId: file.id, permalink: typeof file.permalink === "string" ? file.permalink : undefined };
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
    const { fileId, channelId, channelLabel, scopes } = opts;
    const canInfo = !scopes || scopes.includes("files:read");
    const canHistory = !scopes || scopes.includes("channels:history") || scopes.includes("groups:history");
    const unverified = (polls: number): LandedResult => {
        const reason = verificationError("verify_scope_missing", { fileId, channel: channelLabel });
        return { verified: false, how: `not verified: ${reason.failure.what}: ${reason.failure.why}`, polls, unverifiedReason: reason };
    };
    let method: "files.info" | "conversations.history" | undefined = canInfo ? "files.info" : canHistory ? "conversations.history" : undefined;
    if (!method) return unverified(0);
    const deadline = Date.now() + ctx.timing.shareTimeoutMs;
    let interval = Math.max(1, ctx.timing.shareIntervalMs);
    let polls = 0;
    for (;;) {
        polls++;
        try {
            if (method === "files.info") {
                const res: any = await slackCall(ctx, "files.info", () => ctx.client.files.info({ file: fileId }), channelLabel);
                const shares = sharesIn(res?.file, channelId);
                if (shares.length > 0) {
                    const ts = shares.map((s) => s?.ts).find((t) => typeof t === "string");
                    return {
                        verified: true,
                        how: `files.info shows ${fileId} shared in ${channelId}${ts ? ` (message ${ts})` : ""} after ${polls} poll${polls === 1 ? "" : "s"}`,
                        messageTs: ts,
                        permalink: typeof res?.file?.permalink === "string" ? res.file.permalink : undefined,
                        polls,
                    };
                }
            } else {
                const res: any = await slackCall(
                    ctx,
                    "conversations.history",
                    () => ctx.client.conversations.history({ channel: channelId, oldest: String(Math.floor(opts.uploadedAtSec) - 60), limit: 50 }),
                    channelLabel,
                );
                const messages: any[] = Array.isArray(res?.messages) ? res.messages : [];
                const msg = messages.find((m) => Array.isArray(m?.files) && m.files.some((f: any) => f?.id === fileId));
                if (msg) {
                    const file = msg.files.find((f: any) => f?.id === fileId);
                    return {
                        verified: true,
                        how: `conversations.history shows message ${msg.ts} in ${channelId} carrying ${fileId} after ${polls} poll${polls === 1 ? "" : "s"}`,
                        messageTs: typeof msg.ts === "string" ? msg.ts : undefined,
                        permalink: typeof file?.permalink === "string" ? file.permalink : undefined,
                        polls,
                    };
                }
            }
        } catch (e) {
            // Scopes were unknown and this way of looking is refused: try the other one
            // once, then give up honestly rather than claim success.
            // Slack may not know a just-completed file yet: that is "not shared yet".
            const notYet = (e as { slackError?: string } | undefined)?.slackError === "file_not_found";
            if (!notYet && isVerificationError(e) && e.failure.key === "missing_scope" && !scopes) {
                if (method === "files.info") {
                    method = "conversations.history";
                    continue;
                }
                return unverified(polls);
            }
            if (!notYet) throw e;
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
        await sleep(Math.min(interval, remaining));
        interval = Math.min(Math.ceil(interval * 1.5), Math.max(1, ctx.timing.shareMaxIntervalMs));
    }
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
                if (err?.code === "slack_webapi_platform_error" && (err.data?.error === "file_not_found" || err.data?.error === "file_deleted")) {
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
