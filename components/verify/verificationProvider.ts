// The dynamic provider behind SlackImageVerification. It runs in the engine's separate
// dynamic-provider process, loaded from this source file by providerHost.js (the resource's
// `__provider` text, see shared/providerBoundary.ts; nothing here is serialized). The
// program never loads this module; the SDK is loaded only when a line is logged (pulumiSdk.ts).
//
// The engine hands the provider plain values (it does not accept secrets); secret-ness
// of outputs is restored from inputs of the same name and `additionalSecretOutputs`.
import type * as pulumi from "@pulumi/pulumi";
import { createHash, randomUUID } from "node:crypto";
import { pulumiSdk } from "../shared/pulumiSdk";
import {
    DEFAULT_HEIGHT,
    DEFAULT_WIDTH,
    failureSummary,
    fatalFailures,
    runVerification,
    type VerificationReport,
    type VerifyOptions,
} from "./checks";
import { makeScrubber } from "../shared/messages";
import { httpUrlProblem } from "../shared/httpUrl";
import { isChannelId, isChannelName } from "../shared/slackChannel";
import { createSlackContext, deleteSlackFile } from "./slackChecks";
import { sizeProblem } from "./grafanaChecks";
import { resolveTiming, type VerifyTiming } from "../shared/timing";
import { ruleFailureSummary, ruleOutputs, runRuleImageChecks } from "./ruleImages";
import { addAlertPathCheck } from "./alertStage";

/** What the engine passes for a value not known yet (preview). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Slack errors after which no retry of files.delete can succeed. */
const UNDELETABLE = [
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "token_expired",
    "account_inactive",
    "missing_scope",
    "cant_delete_file",
    "not_allowed_token_type",
];

/** Inputs whose change means "check again": a new post replaces the old one. */
export const RECHECK_KEYS = [
    "grafanaUrl",
    "dashboardUid",
    "panelId",
    "width",
    "height",
    "slackChannel",
    "routedChannels",
    "slackApiUrl",
    "grafanaImage",
    "rendererImage",
    "verifyTrigger",
] as const;

/** Inputs stored for bookkeeping only: a change updates the state, nothing is posted. */
export const BOOKKEEPING_KEYS = ["stackName", "cleanupTestMessage", "timing", "rendererCallbackUrl"] as const;

/**
 * The alert-path stage's inputs: a change (turning it on, another rule or channel, another
 * bound) runs that stage again in `update` against the test post already made; nothing is
 * posted. Turning it off drops its result.
 */
export const ALERT_KEYS = ["verifyAlertTimeout", "alertRuleUid", "alertChannel"] as const;

/** The outputs the resource exposes (besides the echoed inputs). */
export const RESULT_KEYS = [
    "verified",
    "verifiedHow",
    "imageWidth",
    "imageHeight",
    "imageBytes",
    "renderMs",
    "imageContent",
    "grafanaVersion",
    "rendererVersion",
    "slackChannelId",
    "slackFileId",
    "permalink",
    "messageTs",
    "checks",
    "checkedAt",
    "alertPath",
    "how",
    "rules",
    "channels",
] as const;

/**
 * Proof per rule (your own alerts): a change re-renders the rules' panels in `update`,
 * posting nothing to Slack.
 */
export const RULE_KEYS = ["ruleUids", "requireImages"] as const;

export interface ProviderInputs {
    /** UIDs of the rules whose panels to render (each panel once); none: no per-rule proof. */
    ruleUids?: string[];
    /** A rule whose panel does not render fails the resource (default true). */
    requireImages?: boolean;
    grafanaUrl: string;
    grafanaAuth: string;
    dashboardUid: string;
    panelId: number;
    width: number;
    height: number;
    slackToken?: string;
    slackChannel?: string;
    /** The other channels slackRoutes sends alerts to: looked at, not posted to. */
    routedChannels?: string[];
    slackApiUrl?: string;
    stackName: string;
    grafanaImage: string;
    rendererImage: string;
    verifyTrigger: string;
    cleanupTestMessage: boolean;
    timing?: Partial<VerifyTiming>;
    /** Seconds to wait for Grafana's own alert in Slack (alert-path stage); 0 skips it. */
    verifyAlertTimeout?: number;
    /** UID of the alert rule the stage follows. */
    alertRuleUid?: string;
    /** The routed channel that rule's alerts go to (the stage reads it), when not slackChannel. */
    alertChannel?: string;
    /** GF_RENDERING_CALLBACK_URL as wired, named when a render is not the panel. */
    rendererCallbackUrl?: string;
}

function isUnknown(v: unknown): boolean {
    return v === UNKNOWN;
}

/** Drops undefined (the engine's Struct encoding cannot carry it). */
function compact<T extends Record<string, unknown>>(o: T): T {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
    return out as T;
}

/** Validates inputs; failures name the property and never echo a secret value. */
export function validateInputs(news: Record<string, any>): { inputs: Record<string, any>; failures: pulumi.dynamic.CheckFailure[] } {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const v: InputValidation = {
        news,
        inputs: { ...news },
        fail: (property, reason) => failures.push({ property, reason }),
        str: (k) => (typeof news[k] === "string" ? (news[k] as string).trim() : news[k]),
    };
    validateGrafanaInputs(v);
    validateSlackInputs(v);
    validateOtherInputs(v);
    return { inputs: v.inputs, failures };
}

/** What each part of validateInputs reads and writes: the raw inputs, the cleaned ones, the failures. */
interface InputValidation {
    news: Record<string, any>;
    inputs: Record<string, any>;
    fail: (property: string, reason: string) => void;
    /** The input, trimmed when it is a string. */
    str: (k: string) => any;
}

function validateGrafanaInputs({ news, inputs, fail, str }: InputValidation): void {
    const url = str("grafanaUrl");
    if (!isUnknown(url)) {
        if (typeof url !== "string" || !url)
            fail("grafanaUrl", "grafanaUrl is required: the URL this machine uses to reach Grafana's API, e.g. http://localhost:3000");
        else if (httpUrlProblem(url) === "not-http")
            fail("grafanaUrl", "grafanaUrl must be an http:// or https:// URL, e.g. http://localhost:3000");
        else if (httpUrlProblem(url) === "credentials")
            fail("grafanaUrl", "grafanaUrl must not contain credentials: pass them as grafanaAuth (user:password), which is kept secret");
        else inputs.grafanaUrl = url;
    }
    const auth = news.grafanaAuth;
    if (!isUnknown(auth) && (typeof auth !== "string" || !auth.trim() || /^:|:$/.test(auth.trim()))) {
        fail("grafanaAuth", "grafanaAuth is required as user:password (Grafana's admin user and password), or a service-account token");
    }
    const uid = str("dashboardUid");
    if (!isUnknown(uid)) {
        if (typeof uid !== "string" || !/^[A-Za-z0-9._-]{1,40}$/.test(uid))
            fail("dashboardUid", "dashboardUid must be a Grafana dashboard UID: 1-40 letters, digits, '.', '_' or '-'");
        else inputs.dashboardUid = uid;
    }
    const panel = news.panelId;
    if (!isUnknown(panel)) {
        const n = typeof panel === "string" && panel.trim() !== "" ? Number(panel) : panel;
        if (typeof n !== "number" || !Number.isInteger(n) || n < 1)
            fail("panelId", "panelId must be a positive whole number: the panel's ID in the dashboard JSON");
        else inputs.panelId = n;
    }
    for (const [k, def] of [
        ["width", DEFAULT_WIDTH],
        ["height", DEFAULT_HEIGHT],
    ] as const) {
        const v = news[k];
        if (isUnknown(v)) continue;
        if (v === undefined || v === null) {
            inputs[k] = def;
            continue;
        }
        const problem = sizeProblem(k, v);
        if (problem) fail(k, `${problem} (default ${def})`);
    }
}

function validateSlackInputs({ news, inputs, fail, str }: InputValidation): void {
    const token = news.slackToken;
    const hasToken = typeof token === "string" && token.trim() !== "";
    if (token === "" || token === null) delete inputs.slackToken;
    else if (!isUnknown(token) && token !== undefined && (typeof token !== "string" || /\s/.test(token.trim()) || !token.trim())) {
        fail("slackToken", "slackToken must be a Slack bot token (xoxb-...) without spaces; the value is not shown because it is secret");
    }
    const channel = str("slackChannel");
    if (!isUnknown(channel)) {
        if (channel === undefined || channel === null || channel === "") {
            delete inputs.slackChannel;
            if (hasToken)
                fail(
                    "slackChannel",
                    "slackChannel is required with slackToken: the channel ID (C0123ABCD) or #name to post the test image to",
                );
        } else if (typeof channel !== "string" || !(isChannelId(channel) || isChannelName(channel))) {
            fail(
                "slackChannel",
                "slackChannel must be a channel ID (C0123ABCD, G0123ABCD) or a channel name (#alerts: lowercase letters, digits, '-', '_', '.')",
            );
        } else {
            inputs.slackChannel = channel;
        }
    }
    const routed = news.routedChannels;
    if (routed === undefined || routed === null || (Array.isArray(routed) && routed.length === 0)) delete inputs.routedChannels;
    else if (
        !isUnknown(routed) &&
        (!Array.isArray(routed) ||
            routed.some((c) => !isUnknown(c) && (typeof c !== "string" || !(isChannelId(c.trim()) || isChannelName(c.trim())))))
    ) {
        fail(
            "routedChannels",
            "routedChannels must be a list of channel IDs (C0123ABCD, G0123ABCD) or channel names (#alerts: lowercase letters, digits, '-', '_', '.')",
        );
    }
    const api = str("slackApiUrl");
    if (!isUnknown(api)) {
        if (api === undefined || api === null || api === "") delete inputs.slackApiUrl;
        else if (typeof api !== "string" || httpUrlProblem(api) !== undefined)
            fail("slackApiUrl", "slackApiUrl must be an http(s) URL such as https://slack.com/api/");
        else inputs.slackApiUrl = api;
    }
}

function validateOtherInputs({ news, inputs, fail, str }: InputValidation): void {
    for (const k of ["stackName", "grafanaImage", "rendererImage"]) {
        const v = str(k);
        if (isUnknown(v)) continue;
        if (typeof v !== "string" || !v) fail(k, `${k} is required (a non-empty string)`);
        else inputs[k] = v;
    }
    const trigger = news.verifyTrigger;
    if (trigger === undefined || trigger === null) inputs.verifyTrigger = "";
    else if (!isUnknown(trigger) && typeof trigger !== "string")
        fail("verifyTrigger", "verifyTrigger must be a string; change it to any new value to force a re-check");
    const alertTimeout = news.verifyAlertTimeout;
    if (alertTimeout === undefined || alertTimeout === null) inputs.verifyAlertTimeout = 0;
    else if (
        !isUnknown(alertTimeout) &&
        (typeof alertTimeout !== "number" || !Number.isInteger(alertTimeout) || alertTimeout < 0 || alertTimeout > 3600)
    ) {
        fail("verifyAlertTimeout", "verifyAlertTimeout must be a whole number of seconds from 0 (skip the alert-path stage) to 3600");
    }
    const ruleUid = str("alertRuleUid");
    if (ruleUid === undefined || ruleUid === null || ruleUid === "") delete inputs.alertRuleUid;
    else if (!isUnknown(ruleUid) && (typeof ruleUid !== "string" || !/^[A-Za-z0-9._-]{1,40}$/.test(ruleUid)))
        fail("alertRuleUid", "alertRuleUid must be a Grafana alert rule UID: 1-40 letters, digits, '.', '_' or '-'");
    else inputs.alertRuleUid = ruleUid;
    const alertChannel = str("alertChannel");
    if (alertChannel === undefined || alertChannel === null || alertChannel === "") delete inputs.alertChannel;
    else if (!isUnknown(alertChannel) && (typeof alertChannel !== "string" || !(isChannelId(alertChannel) || isChannelName(alertChannel))))
        fail("alertChannel", "alertChannel must be a channel ID (C0123ABCD) or #name, one of routedChannels");
    else inputs.alertChannel = alertChannel;
    const ruleUids = news.ruleUids;
    if (ruleUids === undefined || ruleUids === null || (Array.isArray(ruleUids) && ruleUids.length === 0)) delete inputs.ruleUids;
    else if (
        !isUnknown(ruleUids) &&
        (!Array.isArray(ruleUids) || ruleUids.some((u) => !isUnknown(u) && (typeof u !== "string" || !/^[A-Za-z0-9_-]{1,40}$/.test(u))))
    ) {
        fail("ruleUids", "ruleUids must be a list of alert rule UIDs (1-40 letters, digits, '_' or '-')");
    }
    const requireImages = news.requireImages;
    if (requireImages === undefined || requireImages === null) inputs.requireImages = true;
    else if (!isUnknown(requireImages) && typeof requireImages !== "boolean") fail("requireImages", "requireImages must be true or false");
    const cleanup = news.cleanupTestMessage;
    if (cleanup === undefined || cleanup === null) inputs.cleanupTestMessage = false;
    else if (!isUnknown(cleanup) && typeof cleanup !== "boolean") fail("cleanupTestMessage", "cleanupTestMessage must be true or false");
    if (news.timing !== undefined && news.timing !== null && !isUnknown(news.timing)) {
        try {
            resolveTiming(news.timing);
        } catch (e) {
            fail("timing", (e as Error).message);
        }
    } else if (news.timing === null) {
        delete inputs.timing;
    }
}

/** A short, one-way fingerprint: lets `diff` see a token change without storing the token. */
export function tokenFingerprint(token: string | undefined): string | undefined {
    if (!token) return undefined;
    return `sha256:${createHash("sha256").update(token).digest("hex").slice(0, 16)}`;
}

export function optionsFromInputs(inputs: ProviderInputs): VerifyOptions {
    return {
        grafanaUrl: inputs.grafanaUrl,
        grafanaAuth: inputs.grafanaAuth,
        dashboardUid: inputs.dashboardUid,
        panelId: Number(inputs.panelId),
        width: inputs.width ?? DEFAULT_WIDTH,
        height: inputs.height ?? DEFAULT_HEIGHT,
        slackToken: inputs.slackToken || undefined,
        slackChannel: inputs.slackChannel || undefined,
        routedChannels: inputs.routedChannels?.length ? inputs.routedChannels : undefined,
        slackApiUrl: inputs.slackApiUrl || undefined,
        stackName: inputs.stackName,
        timing: inputs.timing,
        alertTimeoutMs: (Number(inputs.verifyAlertTimeout) || 0) * 1000,
        alertRuleUid: inputs.alertRuleUid || undefined,
        alertChannel: inputs.alertChannel || undefined,
        rendererCallbackUrl: inputs.rendererCallbackUrl || undefined,
        onAlertProgress: logProgress,
    };
}

/**
 * Progress of the alert-path stage during `pulumi up` (the lines are already scrubbed):
 * pulumi.log.info when this process has an engine to log to; otherwise stderr, which the
 * engine keeps with the provider's output (without an engine, log.info would write to
 * stdout, the provider host's channel to the engine).
 */
function logProgress(line: string): void {
    try {
        const pulumi = pulumiSdk();
        if (process.env.PULUMI_NODEJS_ENGINE || (pulumi.runtime as { hasEngine?: () => boolean }).hasEngine?.()) {
            void Promise.resolve(pulumi.log.info(line)).catch(() => undefined);
            return;
        }
    } catch {
        // fall through to stderr
    }
    process.stderr.write(`${line}\n`);
}

/** Inputs kept in the state so `diff` can compare them; no secret among them. */
function echoInputs(inputs: ProviderInputs): Record<string, unknown> {
    return compact({
        grafanaUrl: inputs.grafanaUrl,
        dashboardUid: inputs.dashboardUid,
        panelId: inputs.panelId,
        width: inputs.width,
        height: inputs.height,
        slackChannel: inputs.slackChannel,
        routedChannels: inputs.routedChannels,
        slackApiUrl: inputs.slackApiUrl,
        stackName: inputs.stackName,
        grafanaImage: inputs.grafanaImage,
        rendererImage: inputs.rendererImage,
        verifyTrigger: inputs.verifyTrigger ?? "",
        cleanupTestMessage: inputs.cleanupTestMessage === true,
        timing: inputs.timing,
        verifyAlertTimeout: Number(inputs.verifyAlertTimeout) || 0,
        alertRuleUid: inputs.alertRuleUid,
        alertChannel: inputs.alertChannel,
        rendererCallbackUrl: inputs.rendererCallbackUrl,
        ruleUids: inputs.ruleUids,
        requireImages: inputs.requireImages !== false,
        slackTokenFingerprint: tokenFingerprint(inputs.slackToken),
        // Kept only when asked to clean up, because `delete` receives nothing but the
        // state. Same name as the secret input, and listed in additionalSecretOutputs,
        // so it is stored encrypted and never shown.
        slackToken: inputs.cleanupTestMessage === true && inputs.slackToken ? inputs.slackToken : undefined,
    });
}

export function resultOutputs(report: VerificationReport): Record<string, unknown> {
    return compact({
        verified: report.verified,
        verifiedHow: report.verifiedHow,
        imageWidth: report.image?.width,
        imageHeight: report.image?.height,
        imageBytes: report.image?.bytes,
        renderMs: report.image?.renderMs,
        imageContent: report.image?.content ? contentOutput(report.image.content) : undefined,
        grafanaVersion: report.grafana?.version,
        rendererVersion: report.grafana?.rendererVersion,
        slackChannelId: report.slack?.channelId,
        slackFileId: report.slack?.fileId,
        permalink: report.slack?.permalink,
        messageTs: report.slack?.messageTs,
        checks: report.checks.map((c) => compact({ id: c.id, status: c.status, finding: c.finding, key: c.key })),
        checkedAt: new Date().toISOString(),
        alertPath: report.alertPath ? alertPathOutput(report.alertPath) : undefined,
        how: levelHow(report),
        channels: report.channels?.map((c) => compact({ ...c })),
    });
}

/** `verification.how`: the level proven first ("alert path", "direct render+upload", "nothing"), then how. */
function levelHow(report: VerificationReport): string {
    const level = report.level ?? (report.verified ? "direct render+upload" : "nothing");
    return report.verifiedHow.startsWith(`${level}:`) ? report.verifiedHow : `${level}: ${report.verifiedHow}`;
}

/** `verification.alertPath`: the rule, its state, the message, the screenshot, the timing. */
function alertPathOutput(a: NonNullable<VerificationReport["alertPath"]>): Record<string, unknown> {
    return compact({
        status: a.status,
        ruleUid: a.ruleUid,
        ruleName: a.ruleName,
        ruleState: a.ruleState,
        ruleHealth: a.ruleHealth,
        contactPoint: a.contactPoint,
        messageTs: a.messageTs,
        permalink: a.permalink,
        screenshotFileId: a.screenshotFileId,
        screenshotBytes: a.screenshotBytes,
        screenshotContent: a.screenshotContent ? contentOutput(a.screenshotContent) : undefined,
        marker: a.marker,
        secondsFromRuleCreation: a.secondsFromRuleCreation,
        waitedSeconds: a.waitedSeconds,
        how: a.how,
        failureKey: a.failure?.key,
    });
}

/** A content judgement for the outputs: the image's size, and each reference's size and share of differing pixels. */
function contentOutput(c: NonNullable<NonNullable<VerificationReport["image"]>["content"]>): Record<string, unknown> {
    return {
        verdict: c.verdict,
        width: c.width,
        height: c.height,
        threshold: c.threshold,
        references: c.references.map((r) => ({ what: r.what, width: r.width, height: r.height, difference: +r.difference.toFixed(6) })),
    };
}

/**
 * An alert-path input changed: the stage runs again against the test post already in the
 * state (nothing is posted), and its outputs replace the old ones. Turned off: they go.
 */
async function rerunAlertPathCheck(olds: any, news: any): Promise<Record<string, unknown>> {
    const options = optionsFromInputs(news);
    const checks: any[] = (Array.isArray(olds.checks) ? olds.checks : []).filter((c: any) => c?.id !== "alert.path");
    const landed = checks.find((c) => c?.id === "slack.landed");
    const directHow = String(olds.verifiedHow ?? "").replace(/^.*?; direct render\+upload: /, "");
    const report: VerificationReport = {
        ok: checks.every((c) => c?.status !== "fail"),
        verified: landed?.status === "pass",
        verifiedHow: directHow,
        checks,
        failures: [],
        grafana: { version: olds.grafanaVersion, rendererVersion: olds.rendererVersion },
        slack: { channelId: olds.slackChannelId, fileId: olds.slackFileId },
        ...(Array.isArray(olds.channels) ? { channels: olds.channels } : {}),
    };
    await addAlertPathCheck(report, options);
    if (fatalFailures(report).length > 0) throw new Error(failureSummary(report));
    return compact({
        verified: report.verified,
        verifiedHow: report.verifiedHow,
        checks: report.checks.map((c) => compact({ id: c.id, status: c.status, finding: c.finding, key: c.key })),
        alertPath: report.alertPath ? alertPathOutput(report.alertPath) : undefined,
        how: levelHow(report),
    });
}

function sameValue(a: unknown, b: unknown): boolean {
    if (isUnknown(b)) return false;
    const norm = (v: unknown) => (v === undefined || v === null || v === "" ? undefined : v);
    return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

/**
 * Renders each rule's linked panel once (doctor --all-rules' check); fails the resource
 * when a rule would arrive without a picture and requireImages is on.
 */
async function proveRules(inputs: ProviderInputs): Promise<Array<Record<string, unknown>> | undefined> {
    if (!inputs.ruleUids || inputs.ruleUids.length === 0) return undefined;
    const report = await runRuleImageChecks({
        grafanaUrl: inputs.grafanaUrl,
        grafanaAuth: inputs.grafanaAuth,
        rules: inputs.ruleUids,
        width: inputs.width ?? DEFAULT_WIDTH,
        height: inputs.height ?? DEFAULT_HEIGHT,
        timing: inputs.timing,
    });
    if (!report.ok && inputs.requireImages !== false) throw new Error(ruleFailureSummary(report));
    return ruleOutputs(report);
}

/**
 * Deletes the test post of a create that failed (best effort); a note for the error when the
 * post could not be deleted, else "". A file that was never completed is deleted the same way.
 */
async function discardTestPost(inputs: ProviderInputs, fileId: string | undefined): Promise<string> {
    if (!fileId || !inputs.slackToken) return "";
    try {
        await deleteSlackFile(createSlackContext(inputs.slackToken, inputs.slackApiUrl, resolveTiming(inputs.timing)), fileId);
        return "";
    } catch (e) {
        const why = makeScrubber([inputs.slackToken])((e as Error).message);
        return `\n(The test post ${fileId} could not be removed: ${why}. Delete it in Slack by hand.)`;
    }
}

export const verificationProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, news: any) {
        return validateInputs(news);
    },

    async diff(_id: string, olds: any, news: any) {
        const replaces: string[] = RECHECK_KEYS.filter((k) => !sameValue(olds[k], news[k]));
        if (isUnknown(news.slackToken) || olds.slackTokenFingerprint !== tokenFingerprint(news.slackToken || undefined))
            replaces.push("slackToken");
        // Bookkeeping changes go through `update`, which posts nothing.
        const bookkeeping = [...BOOKKEEPING_KEYS, ...ALERT_KEYS].filter((k) => !sameValue(olds[k], news[k]));
        const ruleChanges = RULE_KEYS.filter((k) => !sameValue(olds[k], news[k] ?? (k === "requireImages" ? true : undefined)));
        return {
            changes: replaces.length > 0 || bookkeeping.length > 0 || ruleChanges.length > 0,
            replaces,
            deleteBeforeReplace: false,
        };
    },

    async create(inputs: any) {
        const report = await runVerification(optionsFromInputs(inputs));
        let rules: Array<Record<string, unknown>> | undefined;
        try {
            if (fatalFailures(report).length > 0) throw new Error(failureSummary(report));
            rules = await proveRules(inputs);
        } catch (e) {
            // A failed create leaves no state, so nothing would ever delete what it posted, and
            // the next `pulumi up` posts again: remove it now, whatever cleanupTestMessage says.
            // No `cause`: the message is already the scrubbed summary.
            // eslint-disable-next-line preserve-caught-error
            throw new Error(`${(e as Error).message}${await discardTestPost(inputs, report.slack?.fileId)}`);
        }
        const id = report.slack?.fileId ?? `grafana-only-${randomUUID()}`;
        return { id, outs: { ...echoInputs(inputs), ...resultOutputs(report), ...(rules ? { rules } : {}) } };
    },

    async update(_id: string, olds: any, news: any) {
        // Only bookkeeping inputs changed (anything checked forces a replacement), so
        // nothing is posted: keep the results, refresh the stored inputs.
        const results: Record<string, unknown> = {};
        for (const k of RESULT_KEYS) if (olds[k] !== undefined) results[k] = olds[k];
        // The alert stage's inputs changed: run it again (nothing posted).
        if (ALERT_KEYS.some((k) => !sameValue(olds[k], news[k]))) {
            const alert = await rerunAlertPathCheck(olds, news);
            delete results.alertPath;
            Object.assign(results, alert);
        }
        // The rules changed: render their panels again (still nothing posted).
        if (RULE_KEYS.some((k) => !sameValue(olds[k], news[k] ?? (k === "requireImages" ? true : undefined)))) {
            const rules = await proveRules(news);
            if (rules) results.rules = rules;
            else delete results.rules;
        }
        return { outs: { ...echoInputs(news), ...results } };
    },

    async delete(_id: string, props: any) {
        if (props.cleanupTestMessage !== true || !props.slackFileId) return;
        if (!props.slackToken) return; // a state written without the token: nothing to delete with
        const timing = resolveTiming(props.timing);
        const scrub = makeScrubber([props.slackToken]);
        try {
            await deleteSlackFile(createSlackContext(props.slackToken, props.slackApiUrl, timing), props.slackFileId);
        } catch (e) {
            // The stored token may be revoked (the usual reason to rotate it) or its app gone:
            // then no retry can ever delete the file, and failing would wedge every later
            // `pulumi up` on this pending delete. Cleanup is best effort; the post stays.
            if (UNDELETABLE.includes((e as { slackError?: string }).slackError ?? "")) return;
            // No `cause`: the original error may carry the token; only the scrubbed message leaves.
            // eslint-disable-next-line preserve-caught-error
            throw new Error(scrub((e as Error).message));
        }
    },
};
