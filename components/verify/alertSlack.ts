// The alert-path stage's Slack side: find Grafana's own message for THIS stack's rule and
// the screenshot Grafana uploaded into its thread, and nothing else.
//
// What Grafana's Slack notifier posts (grafana/alerting receivers/slack/v1/slack.go):
// chat.postMessage with no top-level text and one attachment whose title_link is the
// alerts' common GeneratorURL, `<root_url>/alerting/grafana/<rule uid>/view`
// (pkg/services/ngalert/state/compat.go), then each screenshot through
// files.getUploadURLExternal / upload / files.completeUploadExternal with thread_ts = the
// message's ts and initial_comment `*Firing*: <alertname>, *Labels*: <other labels>`
// (initialCommentForImage). Both with the contact point's bot token.
//
// So a message is this stack's alert only when: its title_link names the rule's UID under
// this Grafana's root URL; it was posted by the bot of the token (auth.test user_id /
// bot_id); it is newer than the alert's firing (and the stage's start); it carries no other
// stack's marker (gsa_stack=...). Its screenshot is a PNG in a thread REPLY by that bot
// whose comment carries this stack's marker: never a file on the parent, never another
// user's. Every candidate is kept and looked at again; a foreign message never locks the
// search.
//
// conversations.history / replies are Tier 3 for internal apps; pages are small (limit
// 15, Slack's 2025 ceiling for non-Marketplace distributed apps), bounded and followed by
// cursor; a 429 waits Retry-After (slackChecks.ts pages, slackCall).
import { pages, slackCall, type SlackContext } from "./slackChecks";

/** Messages per history / replies page. */
export const ALERT_PAGE_LIMIT = 15;
/** Most pages of history / replies read per look. */
export const ALERT_MAX_PAGES = 5;
/** The label that marks a stack's demo rule (components/alerting/model/alertingModel.ts STACK_MARKER_LABEL). */
export const MARKER_LABEL = "gsa_stack";

/** Who may have posted: the bot of the contact point's token. */
export interface BotIdentity {
    userId?: string;
    botId?: string;
}

/** What identifies this stack's alert in Slack. */
export interface AlertMark {
    uid?: string;
    name: string;
    /** Grafana's root URL (appUrl): the rule link starts with it. */
    rootUrl?: string;
    bot: BotIdentity;
    /** The rule's gsa_stack label, when it has one. */
    marker?: string;
}

export interface SlackSearch {
    slack: SlackContext;
    channelId: string;
    channelLabel: string;
}

/** A screenshot Grafana uploaded into the thread. */
export interface ThreadPng {
    id: string;
    bytes?: number;
    permalink?: string;
    urlPrivate?: string;
}

/** A message that is this stack's alert. */
export interface Candidate {
    ts: string;
    /** The parent carries this stack's marker (our message template puts it there). */
    marked: boolean;
    png?: ThreadPng;
}

function isPng(f: any): boolean {
    return f?.mimetype === "image/png" || f?.filetype === "png" || /\.png$/i.test(String(f?.name ?? ""));
}

function byBot(m: any, bot: BotIdentity): boolean {
    if (!bot.userId && !bot.botId) return Boolean(m?.bot_id) || m?.subtype === "bot_message";
    return (!!bot.botId && m?.bot_id === bot.botId) || (!!bot.userId && m?.user === bot.userId);
}

/** Every gsa_stack=<value> in a text. */
function markersIn(texts: string[]): string[] {
    return texts.flatMap((t) => [...t.matchAll(/gsa_stack=([^\s,*>|]+)/g)].map((x) => x[1]));
}

function messageTexts(m: any): string[] {
    const attachments: any[] = Array.isArray(m?.attachments) ? m.attachments : [];
    return [m?.text, ...attachments.flatMap((a) => [a?.title, a?.fallback, a?.text])].filter((t) => typeof t === "string");
}

/** The link names the rule under Grafana's root URL: `<root>/alerting/grafana/<uid>/view`. */
export function linksRule(link: unknown, uid: string, rootUrl?: string): boolean {
    if (typeof link !== "string") return false;
    let u: URL;
    try {
        u = new URL(link);
    } catch {
        return false;
    }
    const tail = `/alerting/grafana/${uid}/view`;
    if (!rootUrl) return u.pathname.endsWith(tail);
    let root: URL;
    try {
        root = new URL(rootUrl);
    } catch {
        return u.pathname.endsWith(tail);
    }
    return u.host === root.host && u.protocol === root.protocol && u.pathname === `${root.pathname.replace(/\/+$/, "")}${tail}`;
}

/**
 * This stack's alert message: posted by the bot, linking to the rule under this Grafana's
 * root URL (by UID; the rule's name only when its UID is unknown), carrying no other
 * stack's marker. Returns whether it carries this stack's marker, or undefined.
 */
export function isAlertMessage(m: any, mark: AlertMark): { marked: boolean } | undefined {
    if (!m || !byBot(m, mark.bot)) return undefined;
    const attachments: any[] = Array.isArray(m.attachments) ? m.attachments : [];
    const texts = messageTexts(m);
    const markers = markersIn(texts);
    if (markers.some((x) => x !== mark.marker)) return undefined;
    const ours = mark.uid
        ? attachments.some((a) => linksRule(a?.title_link, mark.uid!, mark.rootUrl))
        : mark.name !== "" && texts.some((t) => t.includes(mark.name));
    return ours ? { marked: mark.marker !== undefined && markers.includes(mark.marker) } : undefined;
}

/** Reads history since `sinceSec` and returns every message that is this stack's alert, oldest first. */
export async function findCandidates(s: SlackSearch, mark: AlertMark, sinceSec: number, onSkip?: (ts: string, why: string) => void) {
    const out: Candidate[] = [];
    const history = pages(
        s.slack,
        "conversations.history",
        (cursor) =>
            s.slack.client.conversations.history({ channel: s.channelId, oldest: sinceSec.toFixed(6), limit: ALERT_PAGE_LIMIT, ...cursor }),
        { channel: s.channelLabel, maxPages: ALERT_MAX_PAGES, hasMore: true },
    );
    for await (const res of history) {
        for (const m of Array.isArray(res?.messages) ? res.messages : []) {
            if (Number(m?.ts) < sinceSec) continue;
            const hit = isAlertMessage(m, mark);
            if (hit) out.push({ ts: String(m.ts), marked: hit.marked });
            else if (onSkip && linksAny(m, mark)) onSkip(String(m.ts), whyNotOurs(m, mark));
        }
    }
    return out.sort((a, b) => Number(a.ts) - Number(b.ts));
}

/** A message that links to this rule at all (to say why it was passed over). */
function linksAny(m: any, mark: AlertMark): boolean {
    const attachments: any[] = Array.isArray(m?.attachments) ? m.attachments : [];
    return !!mark.uid && attachments.some((a) => linksRule(a?.title_link, mark.uid!));
}

function whyNotOurs(m: any, mark: AlertMark): string {
    const foreign = markersIn(messageTexts(m)).find((x) => x !== mark.marker);
    if (foreign) return `another stack's (gsa_stack=${foreign})`;
    if (!byBot(m, mark.bot)) return `posted by ${m?.bot_id ?? m?.user ?? "someone else"}, not this token's bot`;
    return "its link names another Grafana";
}

/** The thread's screenshot: a PNG in a reply by the bot, its comment carrying the marker (when the rule has one). */
export async function findThreadPng(s: SlackSearch, ts: string, mark: AlertMark): Promise<ThreadPng | undefined> {
    const replies = pages(
        s.slack,
        "conversations.replies",
        (cursor) => s.slack.client.conversations.replies({ channel: s.channelId, ts, limit: ALERT_PAGE_LIMIT, ...cursor }),
        { channel: s.channelLabel, maxPages: ALERT_MAX_PAGES, hasMore: true },
    );
    for await (const res of replies) {
        for (const m of Array.isArray(res?.messages) ? res.messages : []) {
            if (m?.ts === ts || !byBot(m, mark.bot)) continue;
            if (mark.marker && !markersIn([String(m?.text ?? "")]).includes(mark.marker)) continue;
            const f = (Array.isArray(m?.files) ? m.files : []).find(
                (x: any) => isPng(x) && (!mark.bot.userId || !x.user || x.user === mark.bot.userId),
            );
            if (f?.id) return pngOf(f);
        }
    }
    return undefined;
}

function pngOf(f: any): ThreadPng {
    return {
        id: f.id,
        bytes: typeof f.size === "number" ? f.size : undefined,
        permalink: typeof f.permalink === "string" ? f.permalink : undefined,
        urlPrivate: typeof f.url_private === "string" ? f.url_private : undefined,
    };
}

/**
 * The screenshot through files.list (files:read, Tier 3): a PNG uploaded by the bot whose
 * share in the channel names the message as its thread (`shares.*.<channel>[].thread_ts`).
 * Used when conversations.replies is refused: Slack's method page says bot tokens may lack
 * the permission on public and private channels (docs.slack.dev/reference/methods/conversations.replies).
 * The reply's comment is not visible here, so the parent must carry the marker instead.
 */
export async function findThreadPngInFiles(
    s: SlackSearch,
    c: Candidate,
    mark: AlertMark,
    sinceSec: number,
): Promise<ThreadPng | undefined> {
    if (mark.marker && !c.marked) return undefined;
    for (let page = 1; page <= ALERT_MAX_PAGES; page++) {
        const res: any = await slackCall(
            s.slack,
            "files.list",
            () => s.slack.client.files.list({ channel: s.channelId, ts_from: String(sinceSec), types: "images", count: 20, page }),
            s.channelLabel,
        );
        for (const f of Array.isArray(res?.files) ? res.files : []) {
            if (!isPng(f) || !f.id || (mark.bot.userId && f.user !== mark.bot.userId)) continue;
            const shares: any[] = [...(f.shares?.public?.[s.channelId] ?? []), ...(f.shares?.private?.[s.channelId] ?? [])];
            if (shares.some((x) => x?.thread_ts === c.ts && x?.ts !== c.ts)) return pngOf(f);
        }
        if (page >= Number(res?.paging?.pages ?? 1)) return undefined;
    }
    return undefined;
}

/**
 * Downloads a file's url_private with the bot token: Slack serves it only with
 * `Authorization: Bearer <token with files:read>`; without, its sign-in page (HTTP 200
 * text/html). Returns the bytes, or why not in words.
 */
export async function downloadPrivate(s: SlackSearch, url: string): Promise<{ png?: Buffer; why?: string }> {
    let res: Response;
    try {
        res = await fetch(url, {
            headers: { Authorization: `Bearer ${s.slack.token}` },
            signal: AbortSignal.timeout(Math.max(1, Math.ceil(s.slack.timing.requestTimeoutMs))),
        });
    } catch (e) {
        return {
            why: `downloading its url_private failed: ${(e as Error)?.name === "TimeoutError" ? "no answer in time" : "no connection"}`,
        };
    }
    const body = Buffer.from(await res.arrayBuffer());
    const type = res.headers.get("content-type") ?? "";
    if (res.status !== 200) return { why: `its url_private answered HTTP ${res.status}` };
    if (body.length < 8 || body.readUInt32BE(0) !== 0x89504e47)
        return {
            why: `its url_private answered ${type || "no content type"}, not a PNG${/html/i.test(type) ? " (Slack's sign-in page: the token may not read files, files:read)" : ""}`,
        };
    return { png: body };
}
