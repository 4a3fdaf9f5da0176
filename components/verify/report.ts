// What the verification takes and gives back (checks.ts runVerification): its options, each
// check's line, and the report. Types only, so the checks and the alert-path stage share
// them without importing each other.
import type { GrafanaWait } from "./grafanaChecks";
import type { MessageKey, VerificationFailure } from "../shared/messages";
import type { VerifyTiming } from "../shared/timing";
import type { ImageContent } from "./panelContent";
import type { AlertPathResult } from "./alertPath";

export type CheckId =
    | "grafana.health"
    | "grafana.renderer"
    | "grafana.dashboard"
    | "grafana.render"
    | "slack.auth"
    | "slack.scopes"
    | "slack.channel"
    | "slack.routes"
    | "slack.upload"
    | "slack.landed"
    | "alert.path";

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
    /**
     * The other channels alerts are routed to (slackRoutes), IDs or `#name`s: each is looked at
     * (conversations.info: the bot is a member, the token has that channel's scopes), nothing
     * is posted there; the test post to slackChannel proves the upload path once.
     */
    routedChannels?: string[];
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
    /** Where the renderer loads Grafana (GF_RENDERING_CALLBACK_URL), named in the messages when a render is not the panel. */
    rendererCallbackUrl?: string;
    /** Alert-path stage (alertPath.ts): how long to wait for Grafana's own alert, in ms; 0 or unset skips it. */
    alertTimeoutMs?: number;
    /** UID of the alert rule to follow; without it, the rule annotated with the checked panel. */
    alertRuleUid?: string;
    /** The routed channel (one of routedChannels) that rule's alerts go to; the stage reads it instead of slackChannel. */
    alertChannel?: string;
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
    grafana?: { version?: string; rendererVersion?: string; healthAttempts?: number; appUrl?: string };
    image?: { width: number; height: number; bytes: number; renderMs: number; content?: ImageContent };
    /** The checked dashboard's title and panel IDs (the reference render uses an ID it does not have). */
    dashboard?: { title?: string; panelIds: number[] };
    slack?: {
        team?: string;
        botUserId?: string;
        botId?: string;
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
    /** With routedChannels: one entry per channel alerts go to, slackChannel first. */
    channels?: ChannelReport[];
}

/** One channel alerts go to, as the verification found it. */
export interface ChannelReport {
    /** As configured (an ID or `#name`). */
    channel: string;
    /** slackChannel (proven by the test post) or a slackRoutes channel (looked at with conversations.info). */
    role: "slackChannel" | "route";
    id?: string;
    private?: boolean;
    member?: boolean;
    status: "pass" | "fail" | "skip";
    finding: string;
    fix?: string;
    key?: MessageKey;
    /** Scopes the channel needs that the token lacks. */
    missingScopes?: string[];
}
