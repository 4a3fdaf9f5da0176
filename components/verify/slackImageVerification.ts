// A Pulumi resource that proves the whole path works: Grafana renders a real panel image
// and Slack shows it in the channel. See verificationProvider.ts for how it runs and
// docs/troubleshooting.md for every failure it can report.
import * as pulumi from "@pulumi/pulumi";
import type { VerifyTiming } from "../shared/timing";
// The provider is providerHost.js, a loader of ./verificationProvider (see providerBoundary.ts).
import { providerSource, VERIFICATION_RESOURCE_TYPE } from "../shared/providerBoundary";

export interface SlackImageVerificationArgs {
    /** URL this machine uses to reach Grafana's API (e.g. `http://localhost:3000`), without credentials. A change re-runs the check. */
    grafanaUrl: pulumi.Input<string>;
    /** Grafana credentials as `user:password` (or a service-account token). Made secret here; never stored in outputs. */
    grafanaAuth: pulumi.Input<string>;
    /** UID of the dashboard holding the panel to render. A change re-runs the check. */
    dashboardUid: pulumi.Input<string>;
    /** ID of the panel to render (`panelId` in the dashboard JSON). A change re-runs the check. */
    panelId: pulumi.Input<number>;
    /** Requested image width in pixels (default 1000); a real render has exactly this width. A change re-runs the check. */
    width?: pulumi.Input<number>;
    /** Requested image height in pixels (default 500). A change re-runs the check. */
    height?: pulumi.Input<number>;
    /** Slack bot token (xoxb-...). Made secret here. Without it only the Grafana and renderer checks run. A change re-runs the check. */
    slackToken?: pulumi.Input<string | undefined>;
    /** Channel to post the test image to: an ID (`C0123ABCD`, used as is) or `#name` (looked up; needs channels:read). Required with `slackToken`. */
    slackChannel?: pulumi.Input<string | undefined>;
    /**
     * The other channels alerts are routed to (slackRoutes): each is looked at (the bot is a
     * member, the token has that channel's scopes), nothing is posted there. A change re-runs the check.
     */
    routedChannels?: pulumi.Input<string[] | undefined>;
    /** Slack Web API base URL (default `https://slack.com/api/`); for proxies and tests. */
    slackApiUrl?: pulumi.Input<string | undefined>;
    /** Named in the test message's comment, so people know which stack posted it. */
    stackName: pulumi.Input<string>;
    /** Grafana image reference; an upgrade re-runs the check. */
    grafanaImage: pulumi.Input<string>;
    /** Renderer image reference; an upgrade re-runs the check. */
    rendererImage: pulumi.Input<string>;
    /** Any change (e.g. a date) forces a re-check without changing anything else. */
    verifyTrigger?: pulumi.Input<string | undefined>;
    /** Delete the posted test file when this resource is deleted or replaced. Keeps the (secret) token in the state for that. Default false. */
    cleanupTestMessage?: pulumi.Input<boolean | undefined>;
    /** Waits, timeouts and retry bounds (see VerifyTiming); the defaults suit a real deployment. Changing them posts nothing. */
    timing?: pulumi.Input<Partial<VerifyTiming> | undefined>;
    /** Where the renderer loads Grafana (GF_RENDERING_CALLBACK_URL as wired): named when a render is not the panel. Bookkeeping. */
    rendererCallbackUrl?: pulumi.Input<string | undefined>;
    /** Seconds to wait for Grafana's own alert of the rule, with its screenshot, in the channel (needs channels:history / groups:history); 0 or unset skips that stage. */
    verifyAlertTimeout?: pulumi.Input<number | undefined>;
    /** UID of the alert rule to follow; without it, the rule annotated with the checked panel. A change runs the alert-path stage again, posting nothing. */
    alertRuleUid?: pulumi.Input<string | undefined>;
    /** The routed channel (one of routedChannels) alertRuleUid's alerts go to: the alert-path stage reads it. A change runs that stage again. */
    alertChannel?: pulumi.Input<string | undefined>;
    /** Your own rules (alertRulesDir): each is looked up in Grafana and its linked panel rendered once; nothing is posted per rule. A change re-renders without posting. */
    ruleUids?: pulumi.Input<string[] | undefined>;
    /** With ruleUids: a rule whose panel does not render fails the resource (default true). */
    requireImages?: pulumi.Input<boolean | undefined>;
}

/** `alertPath` output: Grafana's own alert for the rule, found in Slack (or where it stopped). */
export interface AlertPathOutput {
    status: "pass" | "fail";
    ruleUid?: string;
    ruleName?: string;
    ruleState?: string;
    ruleHealth?: string;
    contactPoint?: string;
    messageTs?: string;
    permalink?: string;
    screenshotFileId?: string;
    screenshotBytes?: number;
    /** The downloaded screenshot's size and its share of pixels unlike each reference render. */
    screenshotContent?: ImageContentOutput;
    /** The rule's stack marker (label gsa_stack) the message and screenshot carried. */
    marker?: string;
    secondsFromRuleCreation?: number;
    waitedSeconds: number;
    how: string;
    failureKey?: string;
}

/** A picture judged by content: its size, and each reference render's size and share of differing pixels (0..1). */
export interface ImageContentOutput {
    verdict: "panel" | "login" | "not-panel";
    width: number;
    height: number;
    threshold: number;
    references: Array<{ what: string; width: number; height: number; difference: number }>;
}

export interface VerificationCheckOutput {
    id: string;
    status: "pass" | "fail" | "skip";
    finding: string;
    key?: string;
}

/**
 * Proves that a panel image reaches Slack: Grafana renders the real panel (not a "not found"
 * page or a placeholder), the bot uploads it to the channel and Slack shows it there, then
 * (with `verifyAlertTimeout` above 0) Grafana's own alert for the rule arrives with its
 * screenshot. Runs on create and whenever an input changes; `doctor` runs the same checks.
 */
export class SlackImageVerification extends pulumi.CustomResource {
    // `declare`: with ES2022 class fields a plain declaration would be re-initialised to
    // undefined after super() and hide the Outputs Pulumi just set.
    /** True only when Slack showed the posted image shared in the channel. */
    declare public readonly verified: pulumi.Output<boolean>;
    /** How it was verified (e.g. "files.info shows F0... shared in C0..."), or why not. */
    declare public readonly verifiedHow: pulumi.Output<string>;
    /** Size of the rendered PNG, from its own header. */
    declare public readonly imageWidth: pulumi.Output<number | undefined>;
    declare public readonly imageHeight: pulumi.Output<number | undefined>;
    declare public readonly imageBytes: pulumi.Output<number | undefined>;
    /** The rendered panel judged by content: how far it is from a render of a panel the dashboard does not have (and /login). */
    declare public readonly imageContent: pulumi.Output<ImageContentOutput | undefined>;
    /** How long Grafana took to render the panel, in milliseconds. */
    declare public readonly renderMs: pulumi.Output<number | undefined>;
    declare public readonly grafanaVersion: pulumi.Output<string | undefined>;
    declare public readonly rendererVersion: pulumi.Output<string | undefined>;
    /** The channel's ID (resolved from `#name` if needed). */
    declare public readonly slackChannelId: pulumi.Output<string | undefined>;
    /** ID of the posted test file. */
    declare public readonly slackFileId: pulumi.Output<string | undefined>;
    declare public readonly permalink: pulumi.Output<string | undefined>;
    /** Timestamp of the message carrying the file. */
    declare public readonly messageTs: pulumi.Output<string | undefined>;
    /** The checklist: one entry per check. */
    declare public readonly checks: pulumi.Output<VerificationCheckOutput[]>;
    /** When the check ran (ISO 8601). */
    declare public readonly checkedAt: pulumi.Output<string>;
    /** The alert-path stage's result, when it ran (verifyAlertTimeout > 0). */
    declare public readonly alertPath: pulumi.Output<AlertPathOutput | undefined>;
    /** The level proven and how: "alert path: ...", "direct render+upload: ..." or "nothing: ...". */
    declare public readonly how: pulumi.Output<string>;
    /** Proof per rule (with ruleUids): uid, status, finding, the panel and the rendered size. */
    declare public readonly rules: pulumi.Output<Array<Record<string, unknown>> | undefined>;
    /** With routedChannels: per channel alerts go to (slackChannel first), whether it passed and what to do. */
    declare public readonly channels: pulumi.Output<Array<Record<string, unknown>> | undefined>;

    constructor(name: string, args: SlackImageVerificationArgs, opts?: pulumi.CustomResourceOptions) {
        const props: Record<string, unknown> = {
            ...args,
            grafanaAuth: pulumi.secret(args.grafanaAuth),
            slackToken: args.slackToken === undefined ? undefined : pulumi.secret(args.slackToken),
            // Outputs must be listed (as undefined) for Pulumi to expose them.
            verified: undefined,
            verifiedHow: undefined,
            imageWidth: undefined,
            imageHeight: undefined,
            imageBytes: undefined,
            imageContent: undefined,
            renderMs: undefined,
            grafanaVersion: undefined,
            rendererVersion: undefined,
            slackChannelId: undefined,
            slackFileId: undefined,
            permalink: undefined,
            messageTs: undefined,
            checks: undefined,
            checkedAt: undefined,
            alertPath: undefined,
            how: undefined,
            rules: undefined,
            channels: undefined,
        };
        // What pulumi.dynamic.Resource registers, with the provider text given rather than
        // serialized from a closure (providerBoundary.ts).
        props.__provider = providerSource();
        super(VERIFICATION_RESOURCE_TYPE, name, props, {
            ...opts,
            // The token is kept in the state only for cleanup; both it and its
            // fingerprint stay encrypted whatever the engine infers.
            additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "slackToken", "slackTokenFingerprint"],
        });
    }
}
