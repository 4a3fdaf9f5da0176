// The alert-path stage inside the verification report: after the direct checks it runs
// alertPath.ts's runAlertPath when asked and able, and folds its result into the report.
import type { CheckId, CheckResult, VerificationReport, VerifyOptions } from "./report";
import { makeScrubber, type VerificationFailure } from "../shared/messages";
import { createSlackContext } from "./slackChecks";
import { resolveTiming } from "../shared/timing";
import { ALERT_CHECK_TITLE, runAlertPath } from "./alertPath";

/**
 * Hooked in after the direct checks (checks.ts runVerification): runs the stage when
 * `alertTimeoutMs` is set and the direct path got far enough, records the `alert.path`
 * check, and sets `verified`, `verifiedHow` and `level` from both. With the stage off the
 * report is as before, plus `level`.
 */
export async function addAlertPathCheck(report: VerificationReport, options: VerifyOptions): Promise<VerificationReport> {
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
        orgId: options.orgId,
        ruleUid: options.alertRuleUid,
        bot: report.slack?.botUserId || report.slack?.botId ? { userId: report.slack.botUserId, botId: report.slack.botId } : undefined,
        appUrl: report.grafana?.appUrl,
        rendererVersion: report.grafana?.rendererVersion,
        panelIds: report.dashboard?.panelIds,
        rendererCallbackUrl: options.rendererCallbackUrl,
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
