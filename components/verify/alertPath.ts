// The alert-path stage: after the direct render and upload, wait (bounded) for Grafana's
// OWN notification of the rule attached to the checked panel, find THIS stack's message in
// the Slack channel, and check its screenshot shows the panel. This is the path users rely
// on, and the one the direct check cannot see: Grafana's Slack notifier logs a failed image
// upload and still reports the notification as sent (grafana/alerting receivers/slack/v1/
// slack.go, Notify: "Failed to upload image" ... `return true, nil`).
//
// Phases, each its own function, polled with backoff until one decides:
//   1. prepare       the rule (provisioning API: title, marker label, contact point, error
//                    states), Grafana's root URL, the bot of the token (alertGrafana.ts);
//   2. pollRule      its state and health, and the contact point the policy tree routes it
//                    to when it names none;
//   3. pollDelivery  that contact point's Slack integration's last attempt (receivers API;
//                    a 403 falls back to reading Slack on every poll);
//   4. searchSlack   the bot's messages linking to the rule under this Grafana's root URL,
//                    without another stack's marker, and the PNG the bot replied into the
//                    thread with this stack's marker (alertSlack.ts);
//   5. proveScreenshot  downloads it (url_private, files:read) and compares it with a render
//                    of a panel the dashboard does not have (panelContent.ts).
//
import { displayUrl, type GrafanaEndpoint } from "./grafanaChecks";
import { isVerificationError, verificationError, type VerificationFailure } from "../shared/messages";
import { slackAuthTest, type SlackContext } from "./slackChecks";
import { backoff, sleep, type VerifyTiming } from "../shared/timing";
import {
    alertGet,
    lookupRule,
    parseTime,
    pickRule,
    policyContactPoint,
    slackIntegrations,
    type IntegrationView,
    type RuleInfo,
    type RuleView,
} from "./alertGrafana";
import {
    downloadPrivate,
    findCandidates,
    findThreadPng,
    findThreadPngInFiles,
    type AlertMark,
    type BotIdentity,
    type Candidate,
    type SlackSearch,
    type ThreadPng,
} from "./alertSlack";
import { callbackText, contentCause, judgeImage, type ImageContent } from "./panelContent";
import { percent } from "./pixels";
import { slackCall } from "./slackChecks";

export { ALERT_MAX_PAGES, ALERT_PAGE_LIMIT, isAlertMessage } from "./alertSlack";
export { pickRule, slackIntegrations } from "./alertGrafana";

/** Scopes to read the channel: public channels (C...) need the first, private ones (G...) the second. */
export const ALERT_READ_SCOPES = ["channels:history", "groups:history"];
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
    orgId?: number;
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
    /** The bot of the token (auth.test); looked up when not given. */
    bot?: BotIdentity;
    /** Grafana's root URL (frontend settings' appUrl); looked up when not given. */
    appUrl?: string;
    /** For the screenshot's reference render: the renderer's version and the dashboard's panel IDs. */
    rendererVersion?: string;
    panelIds?: number[];
    /** Where the renderer loads Grafana (GF_RENDERING_CALLBACK_URL), for messages. */
    rendererCallbackUrl?: string;
    timing: VerifyTiming;
    /** One line per change of state while waiting. */
    onProgress?: (line: string) => void;
}

export interface AlertPathResult {
    /** pass: Grafana's alert with its screenshot of the panel found; fail: see failure. */
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
    /** The rule's stack marker label (gsa_stack), when it has one. */
    marker?: string;
    contactPoint?: string;
    lastNotifyAttempt?: string;
    messageTs?: string;
    permalink?: string;
    screenshotFileId?: string;
    screenshotBytes?: number;
    /** Where the PNG was: always a reply in the message's thread. */
    screenshotIn?: "thread";
    /** The downloaded screenshot's size and how it compares with the reference renders. */
    screenshotContent?: ImageContent;
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

/** Everything the phases share while the stage polls. */
interface Watch {
    o: AlertPathOptions;
    started: number;
    deadline: number;
    result: AlertPathResult;
    progress: (line: string) => void;
    search: SlackSearch;
    info: RuleInfo;
    ruleUid?: string;
    rule?: RuleView;
    label: string;
    /** The last progress line about the rule (a line per change, not per poll). */
    ruleLine?: string;
    mark: AlertMark;
    contactPointWhy?: string;
    receiversReadable: boolean;
    delivered?: IntegrationView;
    deliveredAt?: number;
    candidates: Candidate[];
    firstCandidateAt?: number;
    skipped: Set<string>;
    rateLimited?: Error;
    threadVia: "conversations.replies" | "files.list";
}

function secondsText(ms: number): number {
    return +(ms / 1000).toFixed(3);
}

function done(w: Watch): AlertPathResult {
    w.result.waitedSeconds = Math.round((Date.now() - w.started) / 1000);
    return w.result;
}

function fail(w: Watch, e: Error & { failure?: VerificationFailure }, unverified = false): AlertPathResult {
    w.result.status = "fail";
    w.result.failure = e.failure;
    w.result.unverified = unverified || undefined;
    w.result.how = `not proven: ${e.failure ? `${e.failure.what}: ${e.failure.why}` : e.message}`;
    return done(w);
}

/** The candidate to name: one carrying this stack's marker, else the first. */
function primary(w: Watch): Candidate | undefined {
    return w.candidates.find((c) => c.marked) ?? w.candidates[0];
}

/** Messages older than this (Slack ts, seconds) cannot be this firing's notification. */
function sinceSec(w: Watch): number {
    const activeAt = parseTime(w.rule?.activeAt) ?? 0;
    return Math.floor((Math.max(w.started, activeAt) - CLOCK_SKEW_MS) / 1000);
}

/** Runs the stage. Never throws for an expected failure: `status: "fail"` with a catalogued `failure`. */
export async function runAlertPath(o: AlertPathOptions): Promise<AlertPathResult> {
    const started = Date.now();
    const w: Watch = {
        o,
        started,
        deadline: started + o.timeoutMs,
        result: { status: "fail", waitedSeconds: 0, polls: 0, how: "" },
        progress: (line) => o.onProgress?.(`alert path: ${line}`),
        search: { slack: o.slack, channelId: o.channelId, channelLabel: o.channelLabel },
        info: { labels: {} },
        ruleUid: o.ruleUid,
        label: "",
        mark: { name: "", bot: o.bot ?? {} },
        receiversReadable: true,
        candidates: [],
        skipped: new Set(),
        threadVia: "conversations.replies",
    };
    // Reading the channel is this stage's proof: without the scope, say so before waiting.
    // (A C... ID may be a private channel too, so either scope may be the one; Slack's own
    // missing_scope answer names the exact one later.)
    if (o.scopes && !ALERT_READ_SCOPES.some((s) => o.scopes!.includes(s))) {
        return fail(
            w,
            verificationError("alert_read_scope_missing", {
                channel: o.channelLabel,
                needed: "channels:history (public channels) or groups:history (private ones)",
                provided: o.scopes.join(", ") || "(none)",
            }),
            true,
        );
    }
    try {
        await prepare(w);
        const pauses = backoff(o.timing.alertIntervalMs, 1.5, o.timing.alertMaxIntervalMs);
        for (;;) {
            w.result.polls++;
            const decided = (await pollRule(w)) ?? (await pollDelivery(w)) ?? (await searchSlack(w));
            if (decided) return decided;
            const remaining = w.deadline - Date.now();
            if (remaining <= 0) return timedOut(w);
            await sleep(Math.min(pauses.next().value, remaining));
        }
    } catch (e) {
        if (isVerificationError(e)) return fail(w, e);
        throw e;
    }
}

/** Phase 1: the rule as provisioned, Grafana's root URL and the bot, before polling. */
async function prepare(w: Watch): Promise<void> {
    const { o } = w;
    if (w.ruleUid) {
        w.info = await lookupRule(o.grafana, w.ruleUid, o.timing);
        // Not this Grafana's rule: fall back to the panel's annotations.
        if (w.info.unknown) w.ruleUid = undefined;
        w.result.ruleCreatedAt = w.info.createdAt;
        w.result.contactPoint = w.info.receiver;
        w.result.marker = w.info.marker;
    }
    let rootUrl = o.appUrl;
    if (!rootUrl) {
        const s = await alertGet(o.grafana, "/api/frontend/settings", o.timing);
        rootUrl = typeof s.doc?.appUrl === "string" && s.doc.appUrl ? s.doc.appUrl : undefined;
    }
    let bot = o.bot ?? {};
    if (!bot.userId && !bot.botId) {
        const id = await slackAuthTest(o.slack);
        bot = { userId: id.botUserId, botId: id.botId };
    }
    w.mark = { uid: w.ruleUid, name: w.info.title ?? "", rootUrl, bot, marker: w.info.marker };
}

/** Phase 2: the rule's state and health; its contact point from the policy tree when it names none. */
async function pollRule(w: Watch): Promise<AlertPathResult | undefined> {
    const { o, result } = w;
    const q = new URLSearchParams({ dashboard_uid: o.dashboardUid, panel_id: String(o.panelId), includeInternalLabels: "true" });
    if (w.ruleUid) q.append("rule_uid", w.ruleUid);
    const r = await alertGet(o.grafana, `/api/prometheus/grafana/api/v1/rules?${q.toString()}`, o.timing);
    if (r.status !== 200 || r.doc?.status === "error") {
        throw verificationError("grafana_http_error", {
            endpoint: "GET /api/prometheus/grafana/api/v1/rules",
            url: displayUrl(o.grafana.url),
            detail: `it answered HTTP ${r.status}${r.doc?.error ? `: ${r.doc.error}` : ""}`,
        });
    }
    const rule = pickRule(r.doc, { ruleUid: w.ruleUid, ruleTitle: w.info.title, dashboardUid: o.dashboardUid, panelId: o.panelId });
    if (!rule) {
        return fail(
            w,
            verificationError("alert_rule_missing", {
                panelId: o.panelId,
                dashboardUid: o.dashboardUid,
                detail: w.ruleUid
                    ? `Grafana's rules API lists no alert rule with UID ${w.ruleUid} for that panel`
                    : "Grafana's rules API lists no alert rule annotated with that dashboard and panel",
            }),
        );
    }
    w.rule = rule;
    Object.assign(result, { ruleUid: rule.uid, ruleName: rule.name, ruleState: rule.state, ruleHealth: rule.health });
    result.firingSince = rule.state === "firing" ? rule.activeAt : undefined;
    w.mark = { ...w.mark, uid: rule.uid, name: rule.name, marker: w.mark.marker ?? rule.labels.gsa_stack };
    w.label = `rule "${rule.name}"${rule.uid ? ` (${rule.uid})` : ""}`;
    const line = `${w.label} is ${rule.state}, health ${rule.health}${rule.state === "firing" && rule.activeAt ? ` (firing since ${rule.activeAt})` : ""}`;
    if (line !== w.ruleLine) w.progress(line);
    w.ruleLine = line;
    // An error or no data fires the rule anyway when its state for them is Alerting.
    if (rule.health === "error" && w.info.execErrState !== "Alerting")
        return fail(
            w,
            verificationError("alert_rule_error", { rule: w.label, lastError: rule.lastError ?? "(Grafana gave no error text)" }),
        );
    if (rule.health === "nodata" && w.info.noDataState !== "Alerting")
        return fail(w, verificationError("alert_rule_nodata", { rule: w.label, detail: rule.lastError ? `: ${rule.lastError}` : "" }));
    result.contactPoint = result.contactPoint ?? rule.receiver;
    if (!result.contactPoint && !w.contactPointWhy && rule.state === "firing") {
        const routed = await policyContactPoint(o.grafana, rule.labels, o.timing);
        result.contactPoint = routed.receiver;
        w.contactPointWhy = routed.why;
        if (routed.why) w.progress(`the contact point of ${w.label} is not known (${routed.why}); looking in Slack on every poll`);
    }
    return undefined;
}

/** Phase 3: did the rule's own contact point try to deliver since the alert fired? */
async function pollDelivery(w: Watch): Promise<AlertPathResult | undefined> {
    const { o, result, rule } = w;
    if (!rule || (rule.state !== "firing" && w.candidates.length === 0)) return undefined;
    if (!w.receiversReadable || !result.contactPoint) return undefined;
    const rv = await alertGet(o.grafana, "/api/alertmanager/grafana/config/api/v1/receivers", o.timing, true);
    if (rv.status !== 200 || !Array.isArray(rv.doc)) {
        w.receiversReadable = false;
        w.progress(
            rv.status === 403
                ? "Grafana's receivers status answered HTTP 403: these credentials lack alert.notifications:read (or alert.notifications.receivers:read; the Editor and Admin roles have it), which would show the delivery at once; looking in Slack on every poll"
                : `Grafana's receivers status is not readable (HTTP ${rv.status}); looking in Slack on every poll`,
        );
        return undefined;
    }
    const attempts = slackIntegrations(rv.doc, result.contactPoint);
    const recent = attempts.filter((a) => a.at !== undefined && a.at >= w.started - CLOCK_SKEW_MS);
    const failed = recent.find((a) => a.error);
    if (failed) {
        result.lastNotifyAttempt = failed.atText;
        const params = { rule: w.label, contactPoint: failed.receiver, at: failed.atText, error: failed.error };
        return fail(w, verificationError("alert_not_delivered", params));
    }
    const ok = recent.find((a) => !a.error);
    if (ok && !w.delivered) {
        w.delivered = ok;
        w.deliveredAt = Date.now();
        result.lastNotifyAttempt = ok.atText;
        w.progress(`contact point ${ok.receiver} delivered at ${ok.atText}; looking in ${o.channelLabel}`);
    }
    if (!w.delivered && rule.state === "firing" && rule.activeAt) {
        // Already notified for this firing before the stage began: Grafana repeats only after
        // the repeat interval, so waiting would prove nothing new.
        const activeAt = parseTime(rule.activeAt) ?? 0;
        const earlier = attempts.find((a) => !a.error && a.at !== undefined && a.at >= activeAt && a.at < w.started - CLOCK_SKEW_MS);
        if (earlier) {
            result.lastNotifyAttempt = earlier.atText;
            const params = { rule: w.label, contactPoint: earlier.receiver, at: earlier.atText, activeAt: rule.activeAt };
            return fail(w, verificationError("alert_notified_earlier", params), true);
        }
    }
    return undefined;
}

/** Phase 4: this stack's message and the screenshot in its thread; a 429 waits for the next poll. */
async function searchSlack(w: Watch): Promise<AlertPathResult | undefined> {
    const { o } = w;
    if (!w.delivered && w.receiversReadable && w.result.contactPoint) return undefined;
    if (!w.rule || (w.rule.state !== "firing" && w.candidates.length === 0 && !w.delivered)) return undefined;
    try {
        await lookInSlack(w);
        w.rateLimited = undefined;
    } catch (e) {
        if (isVerificationError(e) && e.failure.key === "ratelimited") {
            // Slack asked to slow down beyond what one call waits: next poll.
            w.rateLimited = e;
            w.progress(`Slack rate-limited reading ${o.channelLabel}; trying again at the next poll`);
            return undefined;
        }
        if (isVerificationError(e) && e.failure.key === "missing_scope") {
            const params = {
                channel: o.channelLabel,
                needed: e.failure.why.replace(/^needed: ([^;]*);.*$/, "$1"),
                provided: o.scopes?.join(", ") ?? "(not reported)",
            };
            return fail(w, verificationError("alert_read_scope_missing", params), true);
        }
        throw e;
    }
    const shot = w.candidates.find((c) => c.png);
    if (shot) return proveScreenshot(w, shot, shot.png!);
    // Grafana has finished its attempt (status is set after Notify returns), but Slack shares
    // uploads asynchronously: allow a short grace before judging.
    const grace = o.timing.alertImageGraceMs;
    if (w.firstCandidateAt !== undefined && Date.now() - w.firstCandidateAt >= grace)
        return fail(w, verificationError("alert_no_image", { rule: w.label, channel: o.channelLabel, ts: primary(w)!.ts }));
    // Only a read that succeeded, after a delivery made while this rule fired, shows the message is missing.
    const d = w.delivered;
    const coversRule = d?.at !== undefined && w.rule.activeAt !== undefined && (parseTime(w.rule.activeAt) ?? Infinity) <= d.at;
    if (w.candidates.length === 0 && coversRule && w.deliveredAt !== undefined && Date.now() - w.deliveredAt >= grace) {
        const params = {
            rule: w.label,
            contactPoint: d!.receiver,
            at: d!.atText,
            channel: o.channelLabel,
            rootUrl: w.mark.rootUrl ?? displayUrl(o.grafana.url),
            marker: w.mark.marker ? ` and carrying gsa_stack=${w.mark.marker}` : "",
        };
        return fail(w, verificationError("alert_message_missing", params));
    }
    return undefined;
}

/** Reads the channel: new candidates, then each candidate's thread until one has the screenshot. */
async function lookInSlack(w: Watch): Promise<void> {
    const since = sinceSec(w);
    const found = await findCandidates(w.search, w.mark, since, (ts, why) => {
        if (w.skipped.has(ts)) return;
        w.skipped.add(ts);
        w.progress(`passed over message ${ts} linking to the rule: ${why}`);
    });
    for (const c of found) {
        if (w.candidates.some((x) => x.ts === c.ts)) continue;
        w.candidates.push(c);
        w.firstCandidateAt = w.firstCandidateAt ?? Date.now();
        w.result.messageTs = primary(w)!.ts;
        w.progress(`found Grafana's message ${c.ts} for ${w.label} in ${w.o.channelLabel}`);
    }
    for (const c of w.candidates) {
        if (c.png) return;
        if (w.threadVia === "conversations.replies") {
            try {
                c.png = await findThreadPng(w.search, c.ts, w.mark);
            } catch (e) {
                const code = (e as { slackError?: string }).slackError ?? "";
                if (!REPLIES_REFUSED.includes(code) || (w.o.scopes && !w.o.scopes.includes("files:read"))) throw e;
                w.threadVia = "files.list";
                w.progress(`conversations.replies refused (${code}); looking for the screenshot with files.list`);
            }
        }
        if (!c.png && w.threadVia === "files.list") c.png = await findThreadPngInFiles(w.search, c, w.mark, since);
    }
}

/** Errors of conversations.replies after which files.list may still see the thread's files. */
const REPLIES_REFUSED = ["not_allowed_token_type", "missing_scope", "thread_not_found"];

/** Phase 5: the screenshot, downloaded, must differ from a render of a panel the dashboard does not have. */
async function proveScreenshot(w: Watch, c: Candidate, png: ThreadPng): Promise<AlertPathResult> {
    const { o, result } = w;
    Object.assign(result, { messageTs: c.ts, screenshotFileId: png.id, screenshotBytes: png.bytes, screenshotIn: "thread" as const });
    w.progress(`screenshot ${png.id}${png.bytes !== undefined ? ` (${png.bytes} bytes)` : ""} in the thread`);
    const got = png.urlPrivate ? await downloadPrivate(w.search, png.urlPrivate) : { why: "Slack gave no url_private for it" };
    if (!got.png) {
        const params = { fileId: png.id, channel: o.channelLabel, detail: got.why ?? "" };
        return fail(w, verificationError("alert_image_unreadable", params), true);
    }
    const req = {
        dashboardUid: o.dashboardUid,
        panelId: o.panelId,
        orgId: o.orgId,
        width: 0,
        height: 0,
        rendererVersion: o.rendererVersion,
    };
    const content = await judgeImage(o.grafana, req, got.png, { panelIds: o.panelIds, timing: o.timing });
    result.screenshotContent = content;
    const ref = content.references[content.references.length - 1];
    if (content.verdict !== "panel") {
        const params = {
            rule: w.label,
            channel: o.channelLabel,
            fileId: png.id,
            width: content.width,
            height: content.height,
            reference: ref.what,
            difference: percent(ref.difference),
            threshold: percent(content.threshold),
            cause: contentCause(content),
            callbackUrl: callbackText(o.rendererCallbackUrl),
        };
        return fail(w, verificationError("alert_image_not_panel", params));
    }
    result.status = "pass";
    result.permalink = await permalinkOf(w, c.ts);
    const created = result.ruleCreatedAt ? Date.parse(result.ruleCreatedAt) : undefined;
    if (created !== undefined) result.secondsFromRuleCreation = Math.round(Number(c.ts) - created / 1000);
    result.how =
        `alert path: Grafana's alert for ${w.label} reached ${o.channelId} as message ${c.ts} with its screenshot ${png.id}` +
        ` (PNG, ${content.width}x${content.height}${png.bytes !== undefined ? `, ${png.bytes} bytes` : ""}) in the thread, ` +
        `${percent(ref.difference)} of its pixels unlike ${ref.what}` +
        (w.mark.marker ? `, marked gsa_stack=${w.mark.marker}` : "") +
        (result.secondsFromRuleCreation !== undefined ? `, ${result.secondsFromRuleCreation}s after the rule was created` : "");
    return done(w);
}

async function permalinkOf(w: Watch, ts: string): Promise<string | undefined> {
    try {
        const res: any = await slackCall(
            w.o.slack,
            "chat.getPermalink",
            () => w.o.slack.client.chat.getPermalink({ channel: w.o.channelId, message_ts: ts }),
            w.o.channelLabel,
        );
        return typeof res?.permalink === "string" ? res.permalink : undefined;
    } catch {
        // The permalink is a convenience; the message and its screenshot are the proof.
        return undefined;
    }
}

/** The bound passed: say where the path stopped. */
function timedOut(w: Watch): AlertPathResult {
    const { o, rule } = w;
    const label = `rule "${rule?.name ?? "?"}"${rule?.uid ? ` (${rule.uid})` : ""}`;
    const seconds = secondsText(o.timeoutMs);
    if (w.candidates.length > 0)
        return fail(w, verificationError("alert_no_image", { rule: label, channel: o.channelLabel, ts: w.candidates[0].ts }));
    if (w.rateLimited) return fail(w, w.rateLimited);
    if (rule?.state === "firing") {
        const readable = w.receiversReadable && w.result.contactPoint;
        const detail = readable
            ? `contact point ${w.result.contactPoint} attempted no delivery`
            : `no message of this bot linking to it appeared in ${o.channelLabel}`;
        return fail(w, verificationError("alert_not_routed", { rule: label, activeAt: rule.activeAt ?? "?", seconds, detail }));
    }
    const params = { rule: label, seconds, state: rule?.state ?? "unknown", lastEvaluation: rule?.lastEvaluation ?? "never" };
    return fail(w, verificationError("alert_not_firing", params));
}

export const ALERT_CHECK_TITLE = "Grafana's own alert reached Slack with its screenshot";
