// The one verification both the dynamic resource and `doctor` run. It never throws for
// an expected failure: each step becomes a checklist line (pass / fail / skip, the
// finding, the fix), and the caller decides what is fatal.
//
// Request budget on the happy path (the benchmarks count these): health 1, frontend
// settings 1, dashboard 1, render 2 (the panel, and a panel the dashboard does not have:
// the picture must differ from it, panelContent.ts; /login only when it does not), auth.test 1, conversations.list only for a `#name`,
// getUploadURLExternal 1, upload POST 1, completeUploadExternal 1, files.info until shared;
// with slackRoutes, conversations.info once per other routed channel (and conversations.list
// for a `#name`), nothing posted there.
import {
    checkDashboardPanel,
    checkRendererAvailable,
    displayUrl,
    renderPanel,
    waitForGrafana,
    type RenderedImage,
    type RenderRequest,
} from "./grafanaChecks";
import {
    describeFailure,
    isVerificationError,
    makeScrubber,
    verificationError,
    type MessageKey,
    type VerificationFailure,
} from "../shared/messages";
import {
    checkRoutedChannel,
    createSlackContext,
    missingScopes,
    NEEDED_SCOPES,
    resolveChannel,
    slackAuthTest,
    uploadImage,
    waitUntilShared,
    type RoutedChannel,
    type SlackIdentity,
} from "./slackChecks";
import { resolveTiming } from "../shared/timing";
import { judgeImage, renderContentFailure } from "./panelContent";
import { ALERT_CHECK_TITLE } from "./alertPath";
import { addAlertPathCheck } from "./alertStage";
import type { ChannelReport, CheckId, CheckResult, VerificationReport, VerifyOptions } from "./report";

export type { ChannelReport, CheckId, CheckResult, VerificationReport, VerifyOptions } from "./report";

export const CHECK_TITLES: Record<CheckId, string> = {
    "grafana.health": "Grafana is up",
    "grafana.renderer": "Grafana has an image renderer",
    "grafana.dashboard": "The dashboard and panel exist",
    "grafana.render": "The panel renders as a real PNG of the panel",
    "slack.auth": "Slack accepts the token",
    "slack.scopes": `The token has ${NEEDED_SCOPES.join(" and ")}`,
    "slack.channel": "The channel resolves",
    "slack.routes": "Every routed channel has the bot, and the token its scopes",
    "slack.upload": "The image uploads to the channel",
    "slack.landed": "The image landed in the channel",
    "alert.path": ALERT_CHECK_TITLE,
};

export const DEFAULT_WIDTH = 1000;
export const DEFAULT_HEIGHT = 500;

/** Failure keys that leave the deployment standing: the post went out, only the proof is missing. */
export const NON_FATAL_KEYS: MessageKey[] = [
    "verify_scope_missing",
    "verify_scope_refused",
    "verify_not_in_channel",
    "alert_read_scope_missing",
    "alert_notified_earlier",
    "alert_image_unreadable",
];

function failureOf(e: unknown): VerificationFailure {
    if (isVerificationError(e)) return e.failure;
    // A bug or an unexpected library error: still phrase it as an actionable failure.
    const msg = e instanceof Error ? e.message : String(e);
    return describeFailure("unexpected_error", { detail: msg });
}

/** A step that checks several things (the routed channels) fails with each one's failure. */
function failuresOf(e: unknown): VerificationFailure[] {
    const several = (e as { failures?: unknown[] } | undefined)?.failures;
    return Array.isArray(several) && several.length > 0 ? several.map(failureOf) : [failureOf(e)];
}

/** What a step that did not pass means for the steps after it: their skip reason names it so. */
const NOT_PASSED: Partial<Record<CheckId, string>> = {
    "grafana.health": "Grafana is not up",
    "grafana.renderer": "Grafana has no usable renderer",
    "grafana.dashboard": "the dashboard or panel was not found",
    "grafana.render": "no real image was rendered",
    "slack.auth": "the token was rejected",
    "slack.scopes": "a scope is missing",
    "slack.channel": "the channel did not resolve",
    "slack.upload": "nothing was posted",
};

/**
 * Failures that say nothing about what their step checks (the service could not be asked):
 * the steps after it name the cause, not a verdict ("Slack could not be reached", never "the
 * token was rejected" for a DNS failure).
 */
const NOT_ASKED: Partial<Record<MessageKey, string>> = {
    slack_unreachable: "Slack could not be reached",
    ratelimited: "Slack kept answering ratelimited",
};

/**
 * Why a step cannot run: the needed steps that did not pass, each named by its cause, except
 * one skipped because of another needed step ("Grafana is not up", not also "no usable
 * renderer"); a step that could not ask its service says so (NOT_ASKED).
 */
function blockedBecause(
    needs: CheckId[],
    outcome: Map<CheckId, { status: CheckResult["status"]; needs: CheckId[] }>,
    failedWith: Map<CheckId, MessageKey>,
    fileId: string | undefined,
): string | undefined {
    const notPassed = (id: CheckId) =>
        NOT_ASKED[failedWith.get(id) as MessageKey] ??
        (id === "slack.upload" && fileId ? `the upload of ${fileId} did not complete` : NOT_PASSED[id]);
    const missed = needs.filter((n) => outcome.get(n)?.status !== "pass");
    const causes = missed.filter((n) => outcome.get(n)?.status !== "skip" || !outcome.get(n)?.needs.some((m) => missed.includes(m)));
    return causes.length > 0 ? causes.map(notPassed).join("; ") : undefined;
}

/** One run of the direct checks: the report being built and how each step records itself. */
interface DirectRun {
    options: VerifyOptions;
    timing: ReturnType<typeof resolveTiming>;
    scrub: (text: string) => string;
    report: VerificationReport;
    /** The routed channels (slackRoutes) to look at. */
    routed: string[];
    /** Runs one check: skipped with its causes when a needed step did not pass. */
    step: (id: CheckId, needs: CheckId[], run: () => Promise<string>) => Promise<boolean>;
    skip: (id: CheckId, finding: string) => void;
    /** Why the steps a step needs did not pass (blockedBecause). */
    blocked: (needs: CheckId[]) => string | undefined;
    /** The posted file, from the moment Slack assigns its ID. */
    fileId?: string;
}

async function runDirectVerification(options: VerifyOptions): Promise<VerificationReport> {
    const run = startRun(options);
    const image = await grafanaSteps(run);
    if (!options.slackToken) {
        skipSlack(run, image);
        return finishRun(run);
    }
    const ctx = createSlackContext(options.slackToken, options.slackApiUrl, run.timing);
    const slack = await slackSteps(run, ctx);
    if (options.send === false) {
        run.skip("slack.upload", "skipped: --no-send");
        run.skip("slack.landed", "skipped: --no-send");
        run.report.verifiedHow = "not verified: nothing was posted (--no-send)";
        return finishRun(run);
    }
    await postSteps(run, ctx, image, slack);
    return finishRun(run);
}

/**
 * Each check is one step: its id, the earlier steps it needs, and what it runs (returning
 * the finding, or throwing the failure). A step whose needs did not all pass is skipped,
 * naming the causes among them: a needed step that was itself skipped because of another
 * needed step is not named again ("Grafana is not up", not also "no usable renderer").
 */
function startRun(options: VerifyOptions): DirectRun {
    const timing = resolveTiming(options.timing);
    const scrub = makeScrubber([options.slackToken, options.grafanaAuth]);
    const checks: CheckResult[] = [];
    const failures: VerificationFailure[] = [];
    const report: VerificationReport = { ok: false, verified: false, verifiedHow: "", checks, failures };
    const outcome = new Map<CheckId, { status: CheckResult["status"]; needs: CheckId[] }>();
    const failedWith = new Map<CheckId, MessageKey>();
    const record = (c: CheckResult) => {
        const clean: CheckResult = { ...c, finding: scrub(c.finding), ...(c.fix !== undefined ? { fix: scrub(c.fix) } : {}) };
        checks.push(clean);
        options.onCheck?.(clean);
    };
    const skip = (id: CheckId, finding: string) => record({ id, title: CHECK_TITLES[id], status: "skip", finding });
    const fail = (id: CheckId, e: unknown) => {
        const clean: VerificationFailure[] = failuresOf(e).map((f) => ({
            key: f.key,
            what: scrub(f.what),
            why: scrub(f.why),
            next: scrub(f.next),
            message: scrub(f.message),
        }));
        failures.push(...clean);
        failedWith.set(id, clean[0].key);
        record({
            id,
            title: CHECK_TITLES[id],
            status: "fail",
            finding: clean.map((f) => `${f.what}: ${f.why}`).join("; "),
            fix: clean.map((f) => f.next).join("; "),
            key: clean[0].key,
        });
    };

    const step = async (id: CheckId, needs: CheckId[], check: () => Promise<string>): Promise<boolean> => {
        const blocked = blockedBecause(needs, outcome, failedWith, run.fileId);
        let status: CheckResult["status"] = "skip";
        if (blocked) {
            skip(id, `skipped: ${blocked}`);
        } else {
            try {
                const finding = await check();
                status = "pass";
                record({ id, title: CHECK_TITLES[id], status, finding });
            } catch (e) {
                status = "fail";
                fail(id, e);
            }
        }
        outcome.set(id, { status, needs });
        return status === "pass";
    };

    const run: DirectRun = {
        options,
        timing,
        scrub,
        report,
        routed: routedChannels(options),
        step,
        skip,
        blocked: (needs) => blockedBecause(needs, outcome, failedWith, run.fileId),
    };
    return run;
}

/**
 * The report's end: with routed channels, slackChannel's entry from the test post first,
 * and a channel that failed makes the whole verification unverified, naming it.
 */
function finishRun({ options, report, routed, scrub }: DirectRun): VerificationReport {
    if (routed.length > 0) {
        // Skipped (no token, or the token was rejected): each routed channel says why.
        const skipped = report.checks.find((c) => c.id === "slack.routes")?.finding ?? "skipped";
        const routes =
            report.channels ?? routed.map((channel): ChannelReport => ({ channel, role: "route", status: "skip", finding: skipped }));
        report.channels = [slackChannelReport(options, report), ...routes];
        const failed = routes.filter((c) => c.status === "fail");
        if (failed.length > 0) {
            report.verified = false;
            report.verifiedHow = `not verified: routed channel${failed.length === 1 ? "" : "s"} ${failed.map((c) => c.channel).join(", ")} failed (slack.routes); the test post: ${report.verifiedHow.replace(/^not verified: /, "")}`;
        }
    }
    return finish(report, scrub);
}

/** Grafana: health, renderer, the dashboard and panel, a real render. */
async function grafanaSteps({ options, report, timing, step }: DirectRun): Promise<RenderedImage | undefined> {
    const width = options.width ?? DEFAULT_WIDTH;
    const height = options.height ?? DEFAULT_HEIGHT;
    const grafana = { url: options.grafanaUrl, auth: options.grafanaAuth };
    const url = displayUrl(options.grafanaUrl);
    const panel = { dashboardUid: options.dashboardUid, panelId: options.panelId, orgId: options.orgId };

    await step("grafana.health", [], async () => {
        const health = await waitForGrafana(grafana, timing, {
            failFast: options.failFastOnConnectionError,
            onWait: options.onGrafanaWait,
        });
        report.grafana = { version: health.version, healthAttempts: health.attempts };
        return `${url}/api/health answered 200${health.version ? ` (Grafana ${health.version})` : ""} after ${health.attempts} attempt${health.attempts === 1 ? "" : "s"}`;
    });
    await step("grafana.renderer", ["grafana.health"], async () => {
        const info = await checkRendererAvailable(grafana, timing);
        report.grafana = {
            ...report.grafana,
            rendererVersion: info.rendererVersion,
            version: report.grafana?.version ?? info.grafanaVersion,
            appUrl: info.appUrl,
        };
        return `rendererAvailable=true${info.rendererVersion ? ` (renderer ${info.rendererVersion})` : ""}`;
    });
    // Before rendering: /render would show a wrong dashboard or panel as a 200 PNG.
    await step("grafana.dashboard", ["grafana.health", "grafana.renderer"], async () => {
        const dash = await checkDashboardPanel(grafana, panel, timing);
        report.dashboard = { title: dash.title, panelIds: dash.panelIds };
        const named = (t: string | undefined) => (t ? ` ("${t}")` : "");
        return `dashboard ${options.dashboardUid}${named(dash.title)} has panel ${options.panelId}${named(dash.panelTitle)}`;
    });
    let image: RenderedImage | undefined;
    await step("grafana.render", ["grafana.health", "grafana.renderer", "grafana.dashboard"], async () => {
        image = await renderRealPanel(options, report, { ...panel, width, height, rendererVersion: report.grafana?.rendererVersion });
        return `panel ${options.panelId} of dashboard ${options.dashboardUid}: a ${image.width}x${image.height} PNG, ${image.bytes} bytes, in ${image.renderMs} ms; ${report.image!.content!.summary}`;
    });

    return image;
}

/** No Slack token: every Slack check is skipped, and the report says what was proven. */
function skipSlack({ report, routed, skip }: DirectRun, image: RenderedImage | undefined): void {
    const slackChecks: CheckId[] = [
        "slack.auth",
        "slack.scopes",
        "slack.channel",
        ...(routed.length ? ["slack.routes" as const] : []),
        "slack.upload",
        "slack.landed",
    ];
    for (const id of slackChecks) skip(id, "skipped: no Slack token given");
    report.verifiedHow = image
        ? `not verified: Slack was not checked (no Slack token); Grafana rendered a real ${image.width}x${image.height} PNG`
        : "not verified: Slack was not checked (no Slack token)";
}

/** Slack before posting: the token, its scopes, the channel, every routed channel. */
async function slackSteps(
    { options, report, routed, scrub, step }: DirectRun,
    ctx: ReturnType<typeof createSlackContext>,
): Promise<{ identity?: SlackIdentity; channelId?: string; channelLabel: string }> {
    let identity: SlackIdentity | undefined;
    await step("slack.auth", [], async () => {
        const id = await slackAuthTest(ctx);
        identity = id;
        report.slack = { team: id.team, botUserId: id.botUserId, botId: id.botId, scopes: id.scopes };
        return `auth.test ok: bot ${id.botUserId ?? "?"} in workspace ${id.team ?? "?"}`;
    });
    await step("slack.scopes", ["slack.auth"], async () => {
        const scopes = identity?.scopes;
        if (!scopes) return "Slack did not report the granted scopes; the API calls below will say if one is missing";
        const missing = missingScopes(scopes);
        if (missing.length > 0) {
            throw verificationError("missing_scope", {
                method: "posting the panel image",
                needed: missing.join(", "),
                provided: scopes.join(", ") || "(none)",
            });
        }
        return `granted: ${scopes.join(", ")}`;
    });
    let channelId: string | undefined;
    const channelLabel = options.slackChannel?.trim() ?? "";
    await step("slack.channel", ["slack.auth"], async () => {
        if (!channelLabel) throw verificationError("channel_missing", {});
        const resolved = await resolveChannel(ctx, channelLabel, identity?.scopes);
        channelId = resolved.id;
        report.slack = { ...report.slack, channelId };
        return resolved.how;
    });
    if (routed.length > 0) {
        await step("slack.routes", ["slack.auth"], async () => {
            const results = [];
            for (const channel of routed) results.push(await checkRoutedChannel(ctx, channel, identity ?? {}));
            report.channels = results.map((r) => routeReport(r, scrub));
            const failed = results.filter((r) => r.error);
            if (failed.length > 0) throw Object.assign(new Error("routed channels failed"), { failures: failed.map((r) => r.error) });
            return `${results.length} routed channel${results.length === 1 ? "" : "s"}: ${results.map((r) => r.how).join("; ")}`;
        });
    }
    return { identity, channelId, channelLabel };
}

/** The test post's three upload steps, then its share polled until it shows in the channel. */
async function postSteps(
    run: DirectRun,
    ctx: ReturnType<typeof createSlackContext>,
    image: RenderedImage | undefined,
    slack: { identity?: SlackIdentity; channelId?: string; channelLabel: string },
): Promise<void> {
    const { options, report, step } = run;
    const { identity, channelId, channelLabel } = slack;
    const uploadNeeds: CheckId[] = ["grafana.render", "slack.auth", "slack.scopes", "slack.channel"];
    const uploadedAtSec = Date.now() / 1000;
    const posted = await step("slack.upload", uploadNeeds, async () => {
        const png = image!; // the step runs only once grafana.render and slack.channel passed
        const stack = options.stackName ? ` for stack ${options.stackName}` : "";
        const uploaded = await uploadImage(ctx, {
            channelId: channelId!,
            channelLabel,
            png: png.png,
            filename: `grafana-panel-${options.panelId}.png`,
            title: `Grafana panel ${options.panelId} (verification)`,
            initialComment: `grafana-slack-alerts verification${stack}: panel ${options.panelId} of dashboard ${options.dashboardUid}, rendered ${png.width}x${png.height}. Safe to delete.`,
            altText: `Grafana panel ${options.panelId} of dashboard ${options.dashboardUid}`,
            scopes: identity?.scopes,
            // Kept from the moment Slack assigns it: a later failure can still clean it up.
            onFileId: (id) => {
                run.fileId = id;
                report.slack = { ...report.slack, fileId: id };
            },
        });
        run.fileId = uploaded.fileId;
        report.slack = { ...report.slack, fileId: run.fileId, permalink: uploaded.permalink };
        return uploaded.confirmedBy ?? `getUploadURLExternal, upload, completeUploadExternal: ${run.fileId} for ${channelLabel}`;
    });
    // Skipped: why it could not be tried; tried: it failed (the landed step says the rest).
    if (!posted) report.verifiedHow = `not verified: ${run.blocked(uploadNeeds) ?? "the upload failed"}`;
    await step("slack.landed", ["slack.upload"], async () => {
        let landed: Awaited<ReturnType<typeof waitUntilShared>>;
        try {
            landed = await waitUntilShared(ctx, {
                fileId: run.fileId!,
                channelId: channelId!,
                channelLabel,
                scopes: identity?.scopes,
                uploadedAtSec,
            });
        } catch (e) {
            report.verifiedHow = `not verified: ${failureOf(e).what}`;
            throw e;
        }
        report.slack = {
            ...report.slack,
            messageTs: landed.messageTs,
            permalink: landed.permalink ?? report.slack?.permalink,
            polls: landed.polls,
        };
        report.verifiedHow = landed.how;
        if (!landed.verified) throw landed.unverifiedReason;
        report.verified = true;
        return landed.how;
    });
}

/**
 * Renders the panel and judges it by content, not size (a login page comes back at exactly
 * the requested size): it must differ from a render of a panel the dashboard does not have.
 */
async function renderRealPanel(options: VerifyOptions, report: VerificationReport, req: RenderRequest): Promise<RenderedImage> {
    const grafana = { url: options.grafanaUrl, auth: options.grafanaAuth };
    const timing = resolveTiming(options.timing);
    const rendered = await renderPanel(grafana, req, timing);
    report.image = { width: rendered.width, height: rendered.height, bytes: rendered.bytes, renderMs: rendered.renderMs };
    options.onImage?.(rendered.png);
    const content = await judgeImage(grafana, req, rendered.png, { panelIds: report.dashboard?.panelIds, timing });
    report.image.content = content;
    const notPanel = renderContentFailure(content, req, options.rendererCallbackUrl);
    if (notPanel) throw notPanel;
    return rendered;
}

/**
 * The verification: the direct checks, then (with `alertTimeoutMs`) the alert-path stage,
 * which waits for Grafana's own notification of the rule and finds it in Slack.
 */
export async function runVerification(options: VerifyOptions): Promise<VerificationReport> {
    const report = await runDirectVerification(options);
    return addAlertPathCheck(report, options);
}

/** routedChannels without blanks, repeats and slackChannel itself (the test post proves that one). */
function routedChannels(options: VerifyOptions): string[] {
    const main = options.slackChannel?.trim();
    const out: string[] = [];
    for (const raw of options.routedChannels ?? []) {
        const channel = raw.trim();
        if (channel && channel !== main && !out.includes(channel)) out.push(channel);
    }
    return out;
}

function routeReport(r: RoutedChannel, scrub: (s: string) => string): ChannelReport {
    const f = r.error ? failureOf(r.error) : undefined;
    return {
        channel: r.channel,
        role: "route",
        ...(r.id ? { id: r.id } : {}),
        ...(r.private !== undefined ? { private: r.private } : {}),
        ...(r.member !== undefined ? { member: r.member } : {}),
        status: f ? "fail" : "pass",
        finding: scrub(f ? `${f.what}: ${f.why}` : (r.how ?? "")),
        ...(f ? { fix: scrub(f.next), key: f.key } : {}),
        ...(r.missingScopes?.length ? { missingScopes: r.missingScopes } : {}),
    };
}

/** slackChannel's entry, from the checks that posted to it (no extra request). */
function slackChannelReport(options: VerifyOptions, report: VerificationReport): ChannelReport {
    const check = (id: CheckId) => report.checks.find((c) => c.id === id);
    const base: ChannelReport = {
        channel: options.slackChannel?.trim() ?? "",
        role: "slackChannel",
        ...(report.slack?.channelId ? { id: report.slack.channelId } : {}),
        status: "skip",
        finding: "",
    };
    const failed = (["slack.channel", "slack.upload", "slack.landed"] as CheckId[]).map(check).find((c) => c?.status === "fail");
    if (failed)
        return {
            ...base,
            status: "fail",
            finding: failed.finding,
            ...(failed.fix ? { fix: failed.fix } : {}),
            ...(failed.key ? { key: failed.key } : {}),
        };
    const landed = check("slack.landed");
    if (landed?.status === "pass")
        return { ...base, member: true, status: "pass", finding: `the test post landed there: ${landed.finding}` };
    return { ...base, finding: `no test post: ${check("slack.upload")?.finding ?? check("slack.channel")?.finding ?? "not checked"}` };
}

function finish(report: VerificationReport, scrub: (s: string) => string): VerificationReport {
    report.ok = report.checks.every((c) => c.status !== "fail");
    report.verifiedHow = scrub(report.verifiedHow);
    return report;
}

/** Failures that should stop a deployment (everything but "posted, could not look"). */
export function fatalFailures(report: VerificationReport): VerificationFailure[] {
    return report.failures.filter((f) => !NON_FATAL_KEYS.includes(f.key));
}

/** One error message for a deployment: each fatal failure on its own line. */
export function failureSummary(report: VerificationReport): string {
    const fatal = fatalFailures(report);
    if (fatal.length === 1) return `Verification failed: ${fatal[0].message}`;
    return `Verification failed (${fatal.length} checks):\n${fatal.map((f) => `- ${f.message}`).join("\n")}`;
}
