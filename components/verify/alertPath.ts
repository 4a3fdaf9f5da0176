// The alert-path stage: after the direct render and upload, wait (bounded) for Grafana's
// OWN notification of the rule attached to the checked panel, and find it in the Slack
// channel: the bot's alert message for that rule, posted after the stage began, with a
// PNG in the message or in its thread. This is the path users rely on, and the one the
// direct check cannot see: Grafana's Slack notifier logs a failed image upload and still
// reports the notification as sent (grafana/alerting receivers/slack/v1/slack.go,
// Notify: "Failed to upload image" ... `return true, nil`).
//
// Where the path stops is read from Grafana's own state, never guessed:
// - the rule: GET /api/prometheus/grafana/api/v1/rules?dashboard_uid=&panel_id= (grafana
//   pkg/services/ngalert/api/prometheus/api_prometheus.go: `state` inactive / pending /
//   firing / recovering, `health` ok / error / nodata, `lastError`, alerts[].activeAt);
// - its creation: GET /api/v1/provisioning/alert-rules/{uid} (`updated`, `title`);
// - the contact point's last delivery: GET /api/alertmanager/grafana/config/api/v1/receivers
//   (grafana/alerting models/receivers.go: integrations[].lastNotifyAttempt /
//   lastNotifyAttemptError, set by notify/nfstatus/integration.go AFTER Notify returns, so
//   once an attempt shows, the message and the screenshot upload are both done).
//
// Slack is read only once Grafana reports a delivery attempt after the stage began (or
// when the receivers status cannot be read): conversations.history for the alert message
// (matched by the rule link Grafana puts in `attachments[].title_link`, its GeneratorURL
// `<root_url>/alerting/grafana/<rule uid>/view`, grafana pkg/services/ngalert/state/compat.go),
// then conversations.replies for the screenshot Grafana uploads into that message's thread
// (completeUploadExternal with thread_ts). Both are Tier 3 for internal apps; pages are
// small (limit 15, the ceiling Slack set in 2025 for non-Marketplace distributed apps),
// bounded, followed by cursor, and a 429 waits Retry-After (slackChecks.slackCall).
//
// Runs inside the serialized dynamic provider too: plain functions, nothing captured.
import type { CheckId, CheckResult, VerificationReport, VerifyOptions } from "./checks";
import { describeFetchError, displayUrl, grafanaGet, type GrafanaEndpoint } from "./grafanaChecks";
import { isVerificationError, makeScrubber, verificationError, type VerificationFailure } from "./messages";
import { createSlackContext, slackCall, type SlackContext } from "./slackChecks";
import { backoff, resolveTiming, sleep, type VerifyTiming } from "./timing";

/** Scopes to read the channel: public channels (C...) need the first, private ones (G...) the second. */
export const ALERT_READ_SCOPES = ["channels:history", "groups:history"];
/** Most pages of history / replies read per look (15 messages each). */
export const ALERT_MAX_PAGES = 5;
/** Messages per history / replies page. */
export const ALERT_PAGE_LIMIT = 15;
/**
 * Allowance for clocks: Grafana's delivery times and Slack's message ts come from other
 * machines' clocks than the stage's start. Within this much before the start they still
 * count as "after the stage began"; anything older is an earlier notification.
 */
export const CLOCK_SKEW_MS = 30_000;

export interface AlertPathOptions {
    grafana: GrafanaEndpoint;
    dashboardUid: string;
    panelId: number;
    /** UID of the rule to follow; without it, the rule whose annotations point at the panel. */
    ruleUid?: string;
    /** How long to wait for the notification, in ms. */
    timeoutMs: number;
    slack: SlackContext;
    channelId: string;
    /** How the channel was given, for messages. */
    channelLabel: string;
    /** Granted scopes (undefined: Slack did not say; its answers will). */
    scopes?: string[];
    timing: VerifyTiming;
    /** One line per change of state while waiting. */
    onProgress?: (line: string) => void;
}

export interface AlertPathResult {
    /** pass: Grafana's alert with its screenshot found; fail: see failure. */
    status: "pass" | "fail";
    ruleUid?: string;
    ruleName?: string;
    /** Last rule state seen: inactive, pending, firing, recovering. */
    ruleState?: string;
    ruleHealth?: string;
    /** When Grafana last changed the rule (its creation for a rule not edited since). */
    ruleCreatedAt?: string;
    /** When the rule's alert started firing (alerts[].activeAt). */
    firingSince?: string;
    contactPoint?: string;
    lastNotifyAttempt?: string;
    messageTs?: string;
    permalink?: string;
    screenshotFileId?: string;
    screenshotBytes?: number;
    /** Where the PNG was: in the message itself or in its thread. */
    screenshotIn?: "message" | "thread";
    /** Seconds from the rule's creation to the alert message in Slack. */
    secondsFromRuleCreation?: number;
    /** Seconds this stage waited. */
    waitedSeconds: number;
    polls: number;
    how: string;
    failure?: VerificationFailure;
    /** The failure leaves the direct verification standing (see NON_FATAL_KEYS). */
    unverified?: boolean;
}

interface RuleView {
    uid?: string;
    name: string;
    state: string;
    health: string;
    lastError?: string;
    lastEvaluation?: string;
    activeAt?: string;
    receiver?: string;
}

interface IntegrationView {
    receiver: string;
    at?: number;
    atText?: string;
    error?: string;
}

interface FoundMessage {
    ts: string;
    png?: { id: string; bytes?: number; permalink?: string; where: "message" | "thread" };
}

function secondsText(ms: number): number {
    return +(ms / 1000).toFixed(3);
}

function parseTime(v: unknown): number | undefined {
    if (typeof v !== "string" || !v) return undefined;
    const t = Date.parse(v);
    // Go's zero time (0001-01-01...) marks "never".
    return Number.isFinite(t) && t > 0 ? t : undefined;
}

function grafanaJson(body: Buffer): any {
    try {
        return JSON.parse(body.toString("utf8"));
    } catch {
        return undefined;
    }
}

/** The rule, by UID when known, else the first alerting rule annotated with this panel. */
export function pickRule(
    doc: any,
    opts: { ruleUid?: string; ruleTitle?: string; dashboardUid: string; panelId: number },
): RuleView | undefined {
    const groups: any[] = Array.isArray(doc?.data?.groups) ? doc.data.groups : [];
    const rules: any[] = groups
        .flatMap((g) => (Array.isArray(g?.rules) ? g.rules : []))
        .filter((r) => r && (r.type === undefined || r.type === "alerting"));
    const pointsAtPanel = (r: any) =>
        r?.annotations?.__dashboardUid__ === opts.dashboardUid && String(r?.annotations?.__panelId__) === String(opts.panelId);
    let rule: any;
    if (opts.ruleUid) {
        // Newer Grafana returns the rule's `uid`; older ones only its name (= the rule title).
        rule =
            rules.find((r) => r.uid === opts.ruleUid) ??
            rules.find((r) => r.uid === undefined && opts.ruleTitle !== undefined && r.name === opts.ruleTitle);
    }
    rule = rule ?? (opts.ruleUid && rules.some((r) => typeof r.uid === "string") ? undefined : rules.find(pointsAtPanel));
    if (!rule) return undefined;
    const alerts: any[] = Array.isArray(rule.alerts) ? rule.alerts : [];
    const firing = alerts.filter((a) => /^alerting/i.test(String(a?.state ?? "")) || /^firing/i.test(String(a?.state ?? "")));
    const activeAt = (firing.length > 0 ? firing : alerts)
        .map((a) => a?.activeAt)
        .filter((t) => parseTime(t) !== undefined)
        .sort()[0];
    // Older Grafana: the rule UID only as the internal label of its alerts (includeInternalLabels).
    const uid =
        typeof rule.uid === "string" ? rule.uid : alerts.map((a) => a?.labels?.__alert_rule_uid__).find((u) => typeof u === "string");
    return {
        uid: uid ?? opts.ruleUid,
        name: String(rule.name ?? ""),
        state: String(rule.state ?? "inactive"),
        health: String(rule.health ?? "ok"),
        lastError: typeof rule.lastError === "string" && rule.lastError ? rule.lastError : undefined,
        lastEvaluation: typeof rule.lastEvaluation === "string" ? rule.lastEvaluation : undefined,
        activeAt: typeof activeAt === "string" ? activeAt : undefined,
        receiver: typeof rule.notificationSettings?.receiver === "string" ? rule.notificationSettings.receiver : undefined,
    };
}

/** Slack integrations of the receivers (of `only`, when named), with their last attempt. */
export function slackIntegrations(doc: any, only?: string): IntegrationView[] {
    const receivers: any[] = Array.isArray(doc) ? doc : [];
    const out: IntegrationView[] = [];
    for (const r of receivers) {
        if (only && r?.name !== only) continue;
        for (const i of Array.isArray(r?.integrations) ? r.integrations : []) {
            if (String(i?.name ?? "").toLowerCase() !== "slack") continue;
            const at = parseTime(i?.lastNotifyAttempt);
            out.push({
                receiver: String(r.name ?? ""),
                at,
                atText: at !== undefined ? new Date(at).toISOString() : undefined,
                error: typeof i?.lastNotifyAttemptError === "string" && i.lastNotifyAttemptError ? i.lastNotifyAttemptError : undefined,
            });
        }
    }
    return out;
}

function isPng(f: any): boolean {
    return f?.mimetype === "image/png" || f?.filetype === "png" || /\.png$/i.test(String(f?.name ?? ""));
}

/** Grafana's alert message for the rule: a bot message linking to the rule (or titled with its name). */
export function isAlertMessage(m: any, rule: { uid?: string; name: string }): boolean {
    if (!m || (!m.bot_id && m.subtype !== "bot_message")) return false;
    const attachments: any[] = Array.isArray(m.attachments) ? m.attachments : [];
    const link = rule.uid ? `/alerting/grafana/${rule.uid}/` : undefined;
    if (link && attachments.some((a) => typeof a?.title_link === "string" && a.title_link.includes(link))) return true;
    // A group of several rules carries no common GeneratorURL (slack.go commonAlertGeneratorURL):
    // then the rule's name in the title (our title template carries alertname) is the mark.
    const texts = [m.text, ...attachments.flatMap((a) => [a?.title, a?.fallback])].filter((t) => typeof t === "string") as string[];
    return rule.name !== "" && texts.some((t) => t.includes(rule.name));
}

async function findAlertMessage(
    o: AlertPathOptions,
    rule: { uid?: string; name: string },
    sinceSec: number,
): Promise<FoundMessage | undefined> {
    let cursor: string | undefined;
    for (let page = 0; page < ALERT_MAX_PAGES; page++) {
        const res: any = await slackCall(
            o.slack,
            "conversations.history",
            () =>
                o.slack.client.conversations.history({
                    channel: o.channelId,
                    oldest: sinceSec.toFixed(6),
                    limit: ALERT_PAGE_LIMIT,
                    ...(cursor ? { cursor } : {}),
                }),
            o.channelLabel,
        );
        const messages: any[] = Array.isArray(res?.messages) ? res.messages : [];
        // Oldest match first: the notification of this firing, not a later repeat.
        const match = messages
            .filter((m) => isAlertMessage(m, rule) && Number(m.ts) >= sinceSec)
            .sort((a, b) => Number(a.ts) - Number(b.ts))[0];
        if (match) {
            const own = (Array.isArray(match.files) ? match.files : []).find(isPng);
            return {
                ts: String(match.ts),
                png: own ? { id: own.id, bytes: own.size, permalink: own.permalink, where: "message" } : undefined,
            };
        }
        cursor = res?.response_metadata?.next_cursor || undefined;
        if (!cursor || !res?.has_more) return undefined;
    }
    return undefined;
}

async function findThreadPng(o: AlertPathOptions, ts: string): Promise<FoundMessage["png"]> {
    let cursor: string | undefined;
    for (let page = 0; page < ALERT_MAX_PAGES; page++) {
        const res: any = await slackCall(
            o.slack,
            "conversations.replies",
            () =>
                o.slack.client.conversations.replies({ channel: o.channelId, ts, limit: ALERT_PAGE_LIMIT, ...(cursor ? { cursor } : {}) }),
            o.channelLabel,
        );
        const messages: any[] = Array.isArray(res?.messages) ? res.messages : [];
        for (const m of messages) {
            const f = (Array.isArray(m?.files) ? m.files : []).find(isPng);
            if (f?.id)
                return {
                    id: f.id,
                    bytes: typeof f.size === "number" ? f.size : undefined,
                    permalink: f.permalink,
                    where: m.ts === ts ? "message" : "thread",
                };
        }
        cursor = res?.response_metadata?.next_cursor || undefined;
        if (!cursor || !res?.has_more) return undefined;
    }
    return undefined;
}

/** Errors of conversations.replies after which files.list may still see the thread's files. */
const REPLIES_REFUSED = ["not_allowed_token_type", "missing_scope", "thread_not_found"];

/**
 * The screenshot in the thread, through files.list (files:read, Tier 3): a PNG shared in
 * the channel whose share names the message as its thread (`shares.*.<channel>[].thread_ts`).
 * Used when conversations.replies is refused: Slack's method page says bot tokens may lack
 * the permission on public and private channels (docs.slack.dev/reference/methods/conversations.replies).
 */
async function findThreadPngInFiles(o: AlertPathOptions, ts: string, sinceSec: number): Promise<FoundMessage["png"]> {
    for (let page = 1; page <= ALERT_MAX_PAGES; page++) {
        const res: any = await slackCall(
            o.slack,
            "files.list",
            () => o.slack.client.files.list({ channel: o.channelId, ts_from: String(sinceSec), types: "images", count: 20, page }),
            o.channelLabel,
        );
        const files: any[] = Array.isArray(res?.files) ? res.files : [];
        for (const f of files) {
            if (!isPng(f) || !f.id) continue;
            const shares: any[] = [...(f.shares?.public?.[o.channelId] ?? []), ...(f.shares?.private?.[o.channelId] ?? [])];
            const share = shares.find((x) => x?.thread_ts === ts || x?.ts === ts);
            if (share)
                return {
                    id: f.id,
                    bytes: typeof f.size === "number" ? f.size : undefined,
                    permalink: f.permalink,
                    where: share.ts === ts ? "message" : "thread",
                };
        }
        if (page >= Number(res?.paging?.pages ?? 1)) return undefined;
    }
    return undefined;
}

async function permalinkOf(o: AlertPathOptions, ts: string): Promise<string | undefined> {
    try {
        const res: any = await slackCall(
            o.slack,
            "chat.getPermalink",
            () => o.slack.client.chat.getPermalink({ channel: o.channelId, message_ts: ts }),
            o.channelLabel,
        );
        return typeof res?.permalink === "string" ? res.permalink : undefined;
    } catch {
        // The permalink is a convenience; the message and its screenshot are the proof.
        return undefined;
    }
}

/** Runs the stage. Never throws for an expected failure: `status: "fail"` with a catalogued `failure`. */
export async function runAlertPath(o: AlertPathOptions): Promise<AlertPathResult> {
    const started = Date.now();
    const sinceSec = Math.floor((started - CLOCK_SKEW_MS) / 1000);
    const deadline = started + o.timeoutMs;
    const progress = (line: string) => o.onProgress?.(`alert path: ${line}`);
    const result: AlertPathResult = { status: "fail", waitedSeconds: 0, polls: 0, how: "" };
    const done = (r: AlertPathResult): AlertPathResult => {
        r.waitedSeconds = Math.round((Date.now() - started) / 1000);
        return r;
    };
    const fail = (e: Error & { failure?: VerificationFailure }, unverified = false): AlertPathResult => {
        result.status = "fail";
        result.failure = e.failure;
        result.unverified = unverified || undefined;
        result.how = `not proven: ${e.failure ? `${e.failure.what}: ${e.failure.why}` : e.message}`;
        return done(result);
    };
    const url = displayUrl(o.grafana.url);
    const timeoutS = secondsText(o.timeoutMs);

    // Reading the channel is this stage's proof: without the scope, say so before waiting.
    // (A C... ID may be a private channel too, so either scope may be the one; Slack's own
    // missing_scope answer names the exact one later.)
    if (o.scopes && !ALERT_READ_SCOPES.some((s) => o.scopes!.includes(s))) {
        return fail(
            verificationError("alert_read_scope_missing", {
                channel: o.channelLabel,
                needed: "channels:history (public channels) or groups:history (private ones)",
                provided: o.scopes.join(", ") || "(none)",
            }),
            true,
        );
    }

    const get = async (path: string): Promise<{ status: number; doc: any }> => {
        const endpoint = `GET ${path.split("?")[0]}`;
        try {
            const r = await grafanaGet(o.grafana, path, o.timing.requestTimeoutMs);
            if (r.status === 401 || r.status === 403) throw verificationError("grafana_auth", { url, endpoint, status: r.status });
            return { status: r.status, doc: r.status === 200 ? grafanaJson(r.body) : undefined };
        } catch (e) {
            if (isVerificationError(e)) throw e;
            throw verificationError("grafana_http_error", { endpoint, url, detail: describeFetchError(e, o.timing.requestTimeoutMs) });
        }
    };

    try {
        // The rule's name and last change, when its UID is known.
        let ruleTitle: string | undefined;
        let ruleUid = o.ruleUid;
        if (ruleUid) {
            const p = await get(`/api/v1/provisioning/alert-rules/${encodeURIComponent(ruleUid)}`);
            if (p.status === 200 && p.doc) {
                ruleTitle = typeof p.doc.title === "string" ? p.doc.title : undefined;
                const updated = parseTime(p.doc.updated);
                if (updated !== undefined) result.ruleCreatedAt = new Date(updated).toISOString();
                if (typeof p.doc.notification_settings?.receiver === "string") result.contactPoint = p.doc.notification_settings.receiver;
            } else if (p.status === 404) {
                ruleUid = undefined; // not this Grafana's rule: fall back to the panel's annotations
            }
        }
        const q = new URLSearchParams({ dashboard_uid: o.dashboardUid, panel_id: String(o.panelId), includeInternalLabels: "true" });
        if (ruleUid) q.append("rule_uid", ruleUid);
        const rulesPath = `/api/prometheus/grafana/api/v1/rules?${q.toString()}`;

        const pauses = backoff(o.timing.alertIntervalMs, 1.5, o.timing.alertMaxIntervalMs);
        let lastLine = "";
        let receiversReadable = true;
        let found: FoundMessage | undefined;
        let foundAt: number | undefined;
        let deliveredOk: IntegrationView | undefined;
        let deliveredAt: number | undefined;
        let rule: RuleView | undefined;
        let rateLimited: Error | undefined;
        let threadVia: "conversations.replies" | "files.list" = "conversations.replies";
        for (;;) {
            result.polls++;
            const r = await get(rulesPath);
            if (r.status !== 200 || r.doc?.status === "error") {
                throw verificationError("grafana_http_error", {
                    endpoint: "GET /api/prometheus/grafana/api/v1/rules",
                    url,
                    detail: `it answered HTTP ${r.status}${r.doc?.error ? `: ${r.doc.error}` : ""}`,
                });
            }
            rule = pickRule(r.doc, { ruleUid, ruleTitle, dashboardUid: o.dashboardUid, panelId: o.panelId });
            if (!rule) {
                return fail(
                    verificationError("alert_rule_missing", {
                        panelId: o.panelId,
                        dashboardUid: o.dashboardUid,
                        detail: ruleUid
                            ? `Grafana's rules API lists no alert rule with UID ${ruleUid} for that panel`
                            : "Grafana's rules API lists no alert rule annotated with that dashboard and panel",
                    }),
                );
            }
            result.ruleUid = rule.uid;
            result.ruleName = rule.name;
            result.ruleState = rule.state;
            result.ruleHealth = rule.health;
            result.firingSince = rule.state === "firing" ? rule.activeAt : undefined;
            result.contactPoint = result.contactPoint ?? rule.receiver;
            const label = `rule "${rule.name}"${rule.uid ? ` (${rule.uid})` : ""}`;
            const line = `${label} is ${rule.state}, health ${rule.health}${rule.state === "firing" && rule.activeAt ? ` (firing since ${rule.activeAt})` : ""}`;
            if (line !== lastLine) progress(line);
            lastLine = line;

            if (rule.health === "error") {
                return fail(
                    verificationError("alert_rule_error", { rule: label, lastError: rule.lastError ?? "(Grafana gave no error text)" }),
                );
            }
            if (rule.health === "nodata") {
                return fail(verificationError("alert_rule_nodata", { rule: label, detail: rule.lastError ? `: ${rule.lastError}` : "" }));
            }

            if (rule.state === "firing" || found) {
                // Did Grafana try to deliver since this stage began?
                let attempts: IntegrationView[] = [];
                if (receiversReadable) {
                    const rv = await get("/api/alertmanager/grafana/config/api/v1/receivers");
                    if (rv.status === 200 && Array.isArray(rv.doc)) {
                        attempts = slackIntegrations(rv.doc, result.contactPoint);
                        if (attempts.length === 0 && result.contactPoint) attempts = slackIntegrations(rv.doc);
                    } else {
                        // Not readable with these credentials (e.g. a token without alerting
                        // read rights): look in Slack on every poll instead.
                        receiversReadable = false;
                        progress(`Grafana's receivers status is not readable (HTTP ${rv.status}); looking in Slack on every poll`);
                    }
                }
                const recent = attempts.filter((a) => a.at !== undefined && a.at >= started - CLOCK_SKEW_MS);
                const failed = recent.find((a) => a.error);
                if (failed) {
                    result.contactPoint = failed.receiver;
                    result.lastNotifyAttempt = failed.atText;
                    return fail(
                        verificationError("alert_not_delivered", {
                            rule: label,
                            contactPoint: failed.receiver,
                            at: failed.atText,
                            error: failed.error,
                        }),
                    );
                }
                const ok = recent.find((a) => !a.error);
                if (ok && !deliveredOk) {
                    deliveredOk = ok;
                    deliveredAt = Date.now();
                    result.contactPoint = ok.receiver;
                    result.lastNotifyAttempt = ok.atText;
                    progress(`contact point ${ok.receiver} delivered at ${ok.atText}; looking in ${o.channelLabel}`);
                }
                if (!ok && !deliveredOk && receiversReadable && rule.state === "firing" && rule.activeAt) {
                    // Already notified for this firing before the stage began: Grafana repeats
                    // only after the repeat interval, so waiting would prove nothing new.
                    const activeAt = parseTime(rule.activeAt) ?? 0;
                    const earlier = attempts.find(
                        (a) => !a.error && a.at !== undefined && a.at >= activeAt && a.at < started - CLOCK_SKEW_MS,
                    );
                    if (earlier) {
                        result.contactPoint = earlier.receiver;
                        result.lastNotifyAttempt = earlier.atText;
                        return fail(
                            verificationError("alert_notified_earlier", {
                                rule: label,
                                contactPoint: earlier.receiver,
                                at: earlier.atText,
                                activeAt: rule.activeAt,
                            }),
                            true,
                        );
                    }
                }
                if (deliveredOk || !receiversReadable) {
                    try {
                        if (!found) {
                            found = await findAlertMessage(o, { uid: rule.uid, name: rule.name }, sinceSec);
                            if (found) {
                                foundAt = Date.now();
                                result.messageTs = found.ts;
                                progress(`found Grafana's message ${found.ts} for ${label} in ${o.channelLabel}`);
                            }
                        }
                        if (found && !found.png && threadVia === "conversations.replies") {
                            try {
                                found.png = await findThreadPng(o, found.ts);
                            } catch (e) {
                                const code = (e as { slackError?: string }).slackError ?? "";
                                if (!REPLIES_REFUSED.includes(code) || (o.scopes && !o.scopes.includes("files:read"))) throw e;
                                threadVia = "files.list";
                                progress(`conversations.replies refused (${code}); looking for the screenshot with files.list`);
                            }
                        }
                        if (found && !found.png && threadVia === "files.list")
                            found.png = await findThreadPngInFiles(o, found.ts, sinceSec);
                        rateLimited = undefined;
                    } catch (e) {
                        if (isVerificationError(e) && e.failure.key === "ratelimited") {
                            // Slack asked to slow down beyond what one call waits: next poll.
                            rateLimited = e;
                            progress(`Slack rate-limited reading ${o.channelLabel}; trying again at the next poll`);
                        } else if (isVerificationError(e) && e.failure.key === "missing_scope") {
                            return fail(
                                verificationError("alert_read_scope_missing", {
                                    channel: o.channelLabel,
                                    needed: e.failure.why.replace(/^needed: ([^;]*);.*$/, "$1"),
                                    provided: o.scopes?.join(", ") ?? "(not reported)",
                                }),
                                true,
                            );
                        } else {
                            throw e;
                        }
                    }
                    if (found?.png) {
                        result.status = "pass";
                        result.screenshotFileId = found.png.id;
                        result.screenshotBytes = found.png.bytes;
                        result.screenshotIn = found.png.where;
                        result.permalink = await permalinkOf(o, found.ts);
                        const created = result.ruleCreatedAt ? Date.parse(result.ruleCreatedAt) : undefined;
                        if (created !== undefined) result.secondsFromRuleCreation = Math.round(Number(found.ts) - created / 1000);
                        progress(
                            `screenshot ${found.png.id}${found.png.bytes !== undefined ? ` (${found.png.bytes} bytes)` : ""} in the ${found.png.where}`,
                        );
                        result.how =
                            `alert path: Grafana's alert for ${label} reached ${o.channelId} as message ${found.ts} with its screenshot ${found.png.id}` +
                            `${found.png.bytes !== undefined ? ` (PNG, ${found.png.bytes} bytes)` : ""} in the ${found.png.where}` +
                            (result.secondsFromRuleCreation !== undefined
                                ? `, ${result.secondsFromRuleCreation}s after the rule was created`
                                : "");
                        return done(result);
                    }
                    // Grafana has finished its attempt (status is set after Notify returns), but
                    // Slack shares uploads asynchronously: allow a short grace before judging.
                    const grace = o.timing.alertImageGraceMs;
                    if (found && foundAt !== undefined && Date.now() - foundAt >= grace) {
                        return fail(verificationError("alert_no_image", { rule: label, channel: o.channelLabel, ts: found.ts }));
                    }
                    // Only a read that succeeded can show the message is missing.
                    // ...and only a delivery made while this rule fired can have carried its alert.
                    const coversRule =
                        deliveredOk?.at !== undefined &&
                        rule.activeAt !== undefined &&
                        (parseTime(rule.activeAt) ?? Infinity) <= deliveredOk.at;
                    if (
                        !found &&
                        !rateLimited &&
                        coversRule &&
                        deliveredOk &&
                        deliveredAt !== undefined &&
                        Date.now() - deliveredAt >= grace
                    ) {
                        return fail(
                            verificationError("alert_message_missing", {
                                rule: label,
                                contactPoint: deliveredOk.receiver,
                                at: deliveredOk.atText,
                                channel: o.channelLabel,
                            }),
                        );
                    }
                }
            }

            const remaining = deadline - Date.now();
            if (remaining <= 0) break;
            await sleep(Math.min(pauses.next().value, remaining));
        }

        // The bound passed: say where the path stopped.
        const label = `rule "${rule?.name ?? "?"}"${rule?.uid ? ` (${rule.uid})` : ""}`;
        if (found) return fail(verificationError("alert_no_image", { rule: label, channel: o.channelLabel, ts: found.ts }));
        if (rateLimited) return fail(rateLimited);
        if (rule?.state === "firing") {
            return fail(
                verificationError("alert_not_routed", {
                    rule: label,
                    activeAt: rule.activeAt ?? "?",
                    seconds: timeoutS,
                    detail: receiversReadable
                        ? "no Slack contact point attempted a delivery"
                        : `no message for it appeared in ${o.channelLabel}`,
                }),
            );
        }
        return fail(
            verificationError("alert_not_firing", {
                rule: label,
                seconds: timeoutS,
                state: rule?.state ?? "unknown",
                lastEvaluation: rule?.lastEvaluation ?? "never",
            }),
        );
    } catch (e) {
        if (isVerificationError(e)) return fail(e);
        throw e;
    }
}

export const ALERT_CHECK_TITLE = "Grafana's own alert reached Slack with its screenshot";

/**
 * Hooked in after the direct checks (checks.ts runVerification): runs the stage when
 * `alertTimeoutMs` is set and the direct path got far enough, records the `alert.path`
 * check, and sets `verified`, `verifiedHow` and `level` from both. With the stage off the
 * report is as before, plus `level`.
 */
export async function runAlertStage(report: VerificationReport, options: VerifyOptions): Promise<VerificationReport> {
    const direct = report.verified ? "direct render+upload" : "nothing";
    report.level = direct;
    const timeoutMs = options.alertTimeoutMs ?? 0;
    if (!(timeoutMs > 0)) return report;

    const scrub = makeScrubber([options.slackToken, options.grafanaAuth]);
    const record = (c: CheckResult) => {
        report.checks.push(c);
        options.onCheck?.(c);
    };
    const base = { id: "alert.path" as CheckId, title: ALERT_CHECK_TITLE };
    const nonFatal = ["verify_scope_missing"];
    const blocking = report.failures.filter((f) => !nonFatal.includes(f.key));
    // The followed rule's alerts may go to a routed channel (slackRoutes): read that one, by
    // the ID its check found.
    const alertChannel = options.alertChannel?.trim();
    const routed = alertChannel ? report.channels?.find((c) => c.role === "route" && c.channel === alertChannel) : undefined;
    const channelId = routed ? routed.id : report.slack?.channelId;
    if (!options.slackToken || !channelId || blocking.length > 0 || !report.slack?.fileId) {
        const why = !options.slackToken
            ? "no Slack token given"
            : blocking.length > 0
              ? "an earlier check failed"
              : !channelId
                ? "the channel did not resolve"
                : "the direct upload did not run";
        record({ ...base, status: "skip", finding: `skipped: ${why}` });
        return report;
    }
    const timing = resolveTiming(options.timing);
    const result = await runAlertPath({
        grafana: { url: options.grafanaUrl, auth: options.grafanaAuth },
        dashboardUid: options.dashboardUid,
        panelId: options.panelId,
        ruleUid: options.alertRuleUid,
        timeoutMs,
        slack: createSlackContext(options.slackToken, options.slackApiUrl, timing),
        channelId,
        channelLabel: routed?.channel ?? (options.slackChannel?.trim() || channelId),
        scopes: report.slack?.scopes,
        timing,
        onProgress: options.onAlertProgress ? (line) => options.onAlertProgress!(scrub(line)) : undefined,
    });
    result.how = scrub(result.how);
    report.alertPath = result;
    if (result.status === "pass") {
        record({ ...base, status: "pass", finding: result.how });
        report.verified = true;
        report.level = "alert path";
        report.verifiedHow = `${result.how}; direct render+upload: ${report.verifiedHow}`;
    } else {
        const f = result.failure!;
        const clean: VerificationFailure = {
            key: f.key,
            what: scrub(f.what),
            why: scrub(f.why),
            next: scrub(f.next),
            message: scrub(f.message),
        };
        result.failure = clean;
        report.failures.push(clean);
        record({ ...base, status: "fail", finding: `${clean.what}: ${clean.why}`, fix: clean.next, key: clean.key });
        if (clean.key === "alert_notified_earlier") {
            report.verifiedHow = `${report.verifiedHow}; the alert path was not proven again: ${clean.what}`;
        } else {
            report.verified = false;
            report.level = "nothing";
            report.verifiedHow = `not verified: ${clean.what}: ${clean.why}`;
        }
    }
    report.ok = report.checks.every((c) => c.status !== "fail");
    return report;
}
