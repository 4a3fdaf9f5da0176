// Fakes of the Slack Web API and Grafana's HTTP API for tests and benchmarks. Both listen
// on 127.0.0.1 with a random port, speak the real wire format, take per-endpoint faults
// (`faults.inject({...})`) and latency, and log every request (`faults.log`, `faults.counts()`).
import type { VerifyOptions } from "../../components/verify/report";
import { GOOD_TOKEN } from "./fakeSlack";
export {
    FakeGrafana,
    RENDERER_V5_VIEWPORT,
    grafanaErrorPage,
    type FakeGrafanaOptions,
    type FakePanel,
    type RenderCall,
} from "./fakeGrafana";
export { FakeAlerting, type FakeAlertingOptions, type NotifierCall } from "./fakeAlerting";
export {
    FakeSlack,
    GOOD_TOKEN,
    ALL_SCOPES,
    extractUpload,
    type FakeSlackOptions,
    type FakeToken,
    type FakeChannel,
    type FakeFile,
    type FakeMessage,
} from "./fakeSlack";
export { FaultBook, type FaultRule, type RequestLogEntry } from "./faults";
export { makePng } from "./png";

import { FakeGrafana, type FakeGrafanaOptions } from "./fakeGrafana";
import { FakeSlack, type FakeSlackOptions } from "./fakeSlack";

/** Starts one of each; `close()` stops both. */
export async function startFakes(
    opts: { grafana?: FakeGrafanaOptions; slack?: FakeSlackOptions } = {},
): Promise<{ grafana: FakeGrafana; slack: FakeSlack; close(): Promise<void> }> {
    const [grafana, slack] = await Promise.all([FakeGrafana.start(opts.grafana), FakeSlack.start(opts.slack)]);
    return {
        grafana,
        slack,
        close: async () => {
            await Promise.all([grafana.close(), slack.close()]);
        },
    };
}

/**
 * Small waits and bounds for runs against the fakes (tests, benchmarks): every poll
 * interval a few ms, every timeout well under a second, retry counts as in production.
 */
export const FAST_TIMING = {
    healthTimeoutMs: 1_000,
    healthIntervalMs: 5,
    healthMaxIntervalMs: 20,
    requestTimeoutMs: 1_000,
    renderTimeoutMs: 1_000,
    renderAbortMarginMs: 100,
    slackRetries: 2,
    slackRetryMinMs: 1,
    slackRetryMaxMs: 5,
    rateLimitRetries: 2,
    maxRetryAfterSec: 5,
    completionCheckMs: 60,
    shareTimeoutMs: 400,
    shareIntervalMs: 5,
    shareMaxIntervalMs: 20,
    alertIntervalMs: 5,
    alertMaxIntervalMs: 20,
    alertImageGraceMs: 60,
};

/**
 * The fewest requests a verification can make, per endpoint (keys as in
 * `faults.counts()`), for a run without faults: the yardstick for benchmarks.
 * `channelPages`: conversations.list pages needed for a `#name` (0 for a channel ID).
 * `sharePolls`: files.info calls until Slack shows the share (fake: shareAfterPolls + 1).
 */
export function protocolMinimum(opts: { slack?: boolean; send?: boolean; channelPages?: number; sharePolls?: number } = {}): {
    grafana: Record<string, number>;
    slack: Record<string, number>;
} {
    const slack: Record<string, number> = {};
    if (opts.slack !== false) {
        slack["auth.test"] = 1;
        if (opts.channelPages) slack["conversations.list"] = opts.channelPages;
        if (opts.send !== false) {
            slack["files.getUploadURLExternal"] = 1;
            slack["upload"] = 1;
            slack["files.completeUploadExternal"] = 1;
            slack["files.info"] = opts.sharePolls ?? 1;
        }
    }
    // render: the panel, and a panel the dashboard does not have (the picture must differ from it).
    return { grafana: { health: 1, settings: 1, dashboard: 1, render: 2 }, slack };
}
export type { FakeAlertRule } from "./fakeGrafana";

/**
 * The verifier's options against a running fake Grafana and fake Slack: the dev stack's demo
 * panel, posted to the fake's alert channel with the good token; `over` changes any of them.
 */
export function verifyOptionsFor(
    grafana: { url: string; auth: string },
    slack: { apiUrl: string },
    over: Partial<VerifyOptions> = {},
): VerifyOptions {
    return {
        grafanaUrl: grafana.url,
        grafanaAuth: grafana.auth,
        dashboardUid: "gsa-dev",
        panelId: 2,
        slackToken: GOOD_TOKEN,
        slackChannel: "C0ALERTS01",
        slackApiUrl: slack.apiUrl,
        stackName: "grafana-slack-alerts/dev",
        timing: FAST_TIMING,
        ...over,
    };
}
