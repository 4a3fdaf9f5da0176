// The one verification both the dynamic resource and `doctor` run. It never throws for
// an expected failure: each step becomes a checklist line (pass / fail / skip, the
// finding, the fix), and the caller decides what is fatal.
//
// Request budget on the happy path (the benchmarks count these): health 1, frontend
// settings 1, dashboard 1, render 1, auth.test 1, conversations.list only for a `#name`,
// getUploadURLExternal 1, upload POST 1, completeUploadExternal 1, files.info until shared.
import {
    checkDashboardPanel,
    checkRendererAvailable,
    displayUrl,
    renderPanel,
    waitForGrafana,
    type GrafanaWait,
    type RenderedImage,
} from "./grafanaChecks";
import {
    describeFailure,
    isVerificationError,
    makeScrubber,
    verificationError,
    type MessageKey,
    type VerificationFailure,
} from "./messages";
import {
    createSlackContext,
    missingScopes,
    NEEDED_SCOPES,
    resolveChannel,
    slackAuthTest,
    uploadImage,
    waitUntilShared,
    type SlackIdentity,
} from "./slackChecks";
import { resolveTiming, type VerifyTiming } from "./timing";
import { ALERT_CHECK_TITLE, runAlertStage, type AlertPathResult } from "./alertPath";

export type CheckId =
    | "grafana.health"
    | "grafana.renderer"
    | "grafana.dashboard"
    | "grafana.render"
    | "slack.auth"
    | "slack.scopes"
    | "slack.channel"
    | "slack.upload"
    | "slack.landed"
    | "alert.path";

export const CHECK_TITLES: Record<CheckId, string> = {
    "grafana.health": "Grafana is up",
    "grafana.renderer": "Grafana has an image renderer",
    "grafana.dashboard": "The dashboard and panel exist",
    "grafana.render": "The panel renders as a real PNG",
    "slack.auth": "Slack accepts the token",
    "slack.scopes": `The token has ${NEEDED_SCOPES.join(" and ")}`,
    "slack.channel": "The channel resolves",
    "slack.upload": "The image uploads to the channel",
    "slack.landed": "The image landed in the channel",
    "alert.path": ALERT_CHECK_TITLE,
};

export interface CheckResult {
    id: CheckId;
    title: string;
    status: "pass" | "fail" | "skip";
    /** What was found (for a failure: what failed and why). */
    finding: string;
    /** The next step, for a failure. */
    fix?: string;
    /** Catalogue key of the failure (see messages.ts and docs/troubleshooting.md). */
    key?: MessageKey;
}

export interface VerifyOptions {
    grafanaUrl: string;
    /** `user:password` or a service-account token. */
    grafanaAuth?: string;
    dashboardUid: string;
    panelId: number;
    /** Requested image size (1000-3000 x 500-3000, renderer v5's bounds); a real render has exactly this size. Defaults 1000x500. */
    width?: number;
    height?: number;
    orgId?: number;
    /** Without a token only the Grafana checks run. */
    slackToken?: string;
    /** Channel ID (`C0123ABCD`) or `#name`. */
    slackChannel?: string;
    slackApiUrl?: string;
    /** Named in the test message's comment. */
    stackName?: string;
    /** False: every check but the upload (and so no "landed" check). Default true. */
    send?: boolean;
    timing?: Partial<VerifyTiming>;
    /** Called as each check finishes (progress output). */
    onCheck?: (c: CheckResult) => void;
    /** Fail the health check at once on an error waiting cannot fix (refused, unknown host, invalid URL); doctor's default. */
    failFastOnConnectionError?: boolean;
    /** Called before each pause while waiting for Grafana's health (progress output). */
    onGrafanaWait?: (w: GrafanaWait) => void;
    /** Called with the rendered PNG after a real render (doctor --out). */
    onImage?: (png: Buffer) => void;
    /** Alert-path stage (alertPath.ts): how long to wait for Grafana's own alert, in ms; 0 or unset skips it. */
    alertTimeoutMs?: number;
    /** UID of the alert rule to follow; without it, the rule annotated with the checked panel. */
    alertRuleUid?: string;
    /** One line per change of state while the alert-path stage waits. */
    onAlertProgress?: (line: string) => void;
}

export interface VerificationReport {
    /** No check failed. */
    ok: boolean;
    /** The image was confirmed shared in the channel. */
    verified: boolean;
    verifiedHow: string;
    checks: CheckResult[];
    failures: VerificationFailure[];
    grafana?: { version?: string; rendererVersion?: string; healthAttempts?: number };
    image?: { width: number; height: number; bytes: number; renderMs: number };
    slack?: {
        team?: string;
        botUserId?: string;
        scopes?: string[];
        channelId?: string;
        fileId?: string;
        permalink?: string;
        messageTs?: string;
        polls?: number;
    };
    /** The level proven: Grafana's own alert with its screenshot, the direct render+upload, or nothing. */
    level?: "alert path" | "direct render+upload" | "nothing";
    /** The alert-path stage's findings, when it ran. */
    alertPath?: AlertPathResult;
}

export const DEFAULT_WIDTH = 1000;
export const DEFAULT_HEIGHT = 500;

/** Failure keys that leave the deployment standing: the post went out, only the proof is missing. */
export const NON_FATAL_KEYS: MessageKey[] = [
    "verify_scope_missing",
    "verify_scope_refused",
    "verify_not_in_channel",
    "alert_read_scope_missing",
    "alert_notified_earlier",
];

function failureOf(e: unknown): VerificationFailure {
    if (isVerificationError(e)) return e.failure;
    // A bug or an unexpected library error: still phrase it as an actionable failure.
    const msg = e instanceof Error ? e.message : String(e);
    return describeFailure("unexpected_error", { detail: msg });
}

async function runDirectVerification(options: VerifyOptions): Promise<VerificationReport> {
    const timing = resolveTiming(options.timing);
    const scrub = makeScrubber([options.slackToken, options.grafanaAuth]);
    const checks: CheckResult[] = [];
    const failures: VerificationFailure[] = [];
    const report: VerificationReport = { ok: false, verified: false, verifiedHow: "", checks, failures };

    const record = (c: CheckResult) => {
        const clean: CheckResult = { ...c, finding: scrub(c.finding), ...(c.fix !== undefined ? { fix: scrub(c.fix) } : {}) };
        checks.push(clean);
        options.onCheck?.(clean);
    };
    const pass = (id: CheckId, finding: string) => record({ id, title: CHECK_TITLES[id], status: "pass", finding });
    const skip = (id: CheckId, finding: string) => record({ id, title: CHECK_TITLES[id], status: "skip", finding });
    const fail = (id: CheckId, e: unknown) => {
        const f = failureOf(e);
        const clean: VerificationFailure = {
            key: f.key,
            what: scrub(f.what),
            why: scrub(f.why),
            next: scrub(f.next),
            message: scrub(f.message),
        };
        failures.push(clean);
        record({ id, title: CHECK_TITLES[id], status: "fail", finding: `${clean.what}: ${clean.why}`, fix: clean.next, key: clean.key });
    };

    const width = options.width ?? DEFAULT_WIDTH;
    const height = options.height ?? DEFAULT_HEIGHT;
    const grafana = { url: options.grafanaUrl, auth: options.grafanaAuth };
    const url = displayUrl(options.grafanaUrl);

    // --- Grafana -------------------------------------------------------------------
    let image: RenderedImage | undefined;
    let grafanaUp = false;
    try {
        const health = await waitForGrafana(grafana, timing, {
            failFast: options.failFastOnConnectionError,
            onWait: options.onGrafanaWait,
        });
        grafanaUp = true;
        report.grafana = { version: health.version, healthAttempts: health.attempts };
        pass(
            "grafana.health",
            `${url}/api/health answered 200${health.version ? ` (Grafana ${health.version})` : ""} after ${health.attempts} attempt${health.attempts === 1 ? "" : "s"}`,
        );
    } catch (e) {
        fail("grafana.health", e);
    }
    let rendererOk = false;
    if (!grafanaUp) {
        skip("grafana.renderer", "skipped: Grafana is not up");
    } else {
        try {
            const info = await checkRendererAvailable(grafana, timing);
            rendererOk = true;
            report.grafana = {
                ...report.grafana,
                rendererVersion: info.rendererVersion,
                version: report.grafana?.version ?? info.grafanaVersion,
            };
            pass("grafana.renderer", `rendererAvailable=true${info.rendererVersion ? ` (renderer ${info.rendererVersion})` : ""}`);
        } catch (e) {
            fail("grafana.renderer", e);
        }
    }
    let panelOk = false;
    if (!rendererOk) {
        skip("grafana.dashboard", grafanaUp ? "skipped: Grafana has no usable renderer" : "skipped: Grafana is not up");
    } else {
        // Before rendering: /render would show a wrong dashboard or panel as a 200 PNG.
        try {
            const dash = await checkDashboardPanel(
                grafana,
                { dashboardUid: options.dashboardUid, panelId: options.panelId, orgId: options.orgId },
                timing,
            );
            panelOk = true;
            const named = (t: string | undefined) => (t ? ` ("${t}")` : "");
            pass(
                "grafana.dashboard",
                `dashboard ${options.dashboardUid}${named(dash.title)} has panel ${options.panelId}${named(dash.panelTitle)}`,
            );
        } catch (e) {
            fail("grafana.dashboard", e);
        }
    }
    if (!panelOk) {
        skip(
            "grafana.render",
            !grafanaUp
                ? "skipped: Grafana is not up"
                : !rendererOk
                  ? "skipped: Grafana has no usable renderer"
                  : "skipped: the dashboard or panel was not found",
        );
    } else {
        try {
            image = await renderPanel(
                grafana,
                {
                    dashboardUid: options.dashboardUid,
                    panelId: options.panelId,
                    width,
                    height,
                    orgId: options.orgId,
                    rendererVersion: report.grafana?.rendererVersion,
                },
                timing,
            );
            report.image = { width: image.width, height: image.height, bytes: image.bytes, renderMs: image.renderMs };
            pass(
                "grafana.render",
                `panel ${options.panelId} of dashboard ${options.dashboardUid}: a ${image.width}x${image.height} PNG, ${image.bytes} bytes, in ${image.renderMs} ms`,
            );
            options.onImage?.(image.png);
        } catch (e) {
            fail("grafana.render", e);
        }
    }

    // --- Slack -----------------------------------------------------------------------
    if (!options.slackToken) {
        for (const id of ["slack.auth", "slack.scopes", "slack.channel", "slack.upload", "slack.landed"] as CheckId[]) {
            skip(id, "skipped: no Slack token given");
        }
        report.verifiedHow = image
            ? `not verified: Slack was not checked (no Slack token); Grafana rendered a real ${image.width}x${image.height} PNG`
            : "not verified: Slack was not checked (no Slack token)";
        return finish(report, scrub);
    }
    const ctx = createSlackContext(options.slackToken, options.slackApiUrl, timing);
    let identity: SlackIdentity | undefined;
    try {
        identity = await slackAuthTest(ctx);
        report.slack = { team: identity.team, botUserId: identity.botUserId, scopes: identity.scopes };
        pass("slack.auth", `auth.test ok: bot ${identity.botUserId ?? "?"} in workspace ${identity.team ?? "?"}`);
    } catch (e) {
        fail("slack.auth", e);
    }
    let scopesOk = false;
    if (!identity) {
        skip("slack.scopes", "skipped: the token was rejected");
    } else if (!identity.scopes) {
        scopesOk = true;
        pass("slack.scopes", "Slack did not report the granted scopes; the API calls below will say if one is missing");
    } else {
        const missing = missingScopes(identity.scopes);
        if (missing.length === 0) {
            scopesOk = true;
            pass("slack.scopes", `granted: ${identity.scopes.join(", ")}`);
        } else {
            fail(
                "slack.scopes",
                verificationError("missing_scope", {
                    method: "posting the panel image",
                    needed: missing.join(", "),
                    provided: identity.scopes.join(", ") || "(none)",
                }),
            );
        }
    }
    let channelId: string | undefined;
    const channelLabel = options.slackChannel?.trim() ?? "";
    if (!identity) {
        skip("slack.channel", "skipped: the token was rejected");
    } else if (!channelLabel) {
        fail("slack.channel", verificationError("channel_missing", {}));
    } else {
        try {
            const resolved = await resolveChannel(ctx, channelLabel, identity.scopes);
            channelId = resolved.id;
            report.slack = { ...report.slack, channelId };
            pass("slack.channel", resolved.how);
        } catch (e) {
            fail("slack.channel", e);
        }
    }
    if (options.send === false) {
        skip("slack.upload", "skipped: --no-send");
        skip("slack.landed", "skipped: --no-send");
        report.verifiedHow = "not verified: nothing was posted (--no-send)";
        return finish(report, scrub);
    }
    const blockers = [
        !image && "no real image was rendered",
        !identity && "the token was rejected",
        identity && !scopesOk && "a scope is missing",
        identity && !channelId && "the channel did not resolve",
    ].filter(Boolean);
    if (blockers.length > 0 || !image || !channelId) {
        skip("slack.upload", `skipped: ${blockers.join("; ")}`);
        skip("slack.landed", "skipped: nothing was posted");
        report.verifiedHow = `not verified: ${blockers.join("; ")}`;
        return finish(report, scrub);
    }
    let fileId: string | undefined;
    let uploadOk = false;
    const uploadedAtSec = Date.now() / 1000;
    try {
        const stack = options.stackName ? ` for stack ${options.stackName}` : "";
        const uploaded = await uploadImage(ctx, {
            channelId,
            channelLabel,
            png: image.png,
            filename: `grafana-panel-${options.panelId}.png`,
            title: `Grafana panel ${options.panelId} (verification)`,
            initialComment: `grafana-slack-alerts verification${stack}: panel ${options.panelId} of dashboard ${options.dashboardUid}, rendered ${image.width}x${image.height}. Safe to delete.`,
            altText: `Grafana panel ${options.panelId} of dashboard ${options.dashboardUid}`,
            scopes: identity?.scopes,
            // Kept from the moment Slack assigns it: a later failure can still clean it up.
            onFileId: (id) => {
                fileId = id;
                report.slack = { ...report.slack, fileId: id };
            },
        });
        fileId = uploaded.fileId;
        uploadOk = true;
        report.slack = { ...report.slack, fileId, permalink: uploaded.permalink };
        pass("slack.upload", uploaded.confirmedBy ?? `getUploadURLExternal, upload, completeUploadExternal: ${fileId} for ${channelLabel}`);
    } catch (e) {
        fail("slack.upload", e);
    }
    if (!uploadOk || !fileId) {
        skip("slack.landed", fileId ? `skipped: the upload of ${fileId} did not complete` : "skipped: nothing was posted");
        report.verifiedHow = "not verified: the upload failed";
        return finish(report, scrub);
    }
    try {
        const landed = await waitUntilShared(ctx, { fileId, channelId, channelLabel, scopes: identity?.scopes, uploadedAtSec });
        report.slack = {
            ...report.slack,
            messageTs: landed.messageTs,
            permalink: landed.permalink ?? report.slack?.permalink,
            polls: landed.polls,
        };
        if (landed.verified) {
            report.verified = true;
            report.verifiedHow = landed.how;
            pass("slack.landed", landed.how);
        } else {
            report.verifiedHow = landed.how;
            fail("slack.landed", landed.unverifiedReason);
        }
    } catch (e) {
        fail("slack.landed", e);
        report.verifiedHow = `not verified: ${failureOf(e).what}`;
    }
    return finish(report, scrub);
}

/**
 * The verification: the direct checks, then (with `alertTimeoutMs`) the alert-path stage,
 * which waits for Grafana's own notification of the rule and finds it in Slack.
 */
export async function runVerification(options: VerifyOptions): Promise<VerificationReport> {
    const report = await runDirectVerification(options);
    return runAlertStage(report, options);
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
