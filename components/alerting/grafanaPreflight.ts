// The preflight as a Pulumi resource: it runs once Grafana is up and before any Grafana
// object is created (they all depend on it). See preflightChecks.ts for what it checks.
//
// It looks for leftovers only when it is created and the stack's previous outputs show no
// Grafana objects (a new stack, or one whose state was lost); later changes (a new token, URL or setting) run the other
// checks again through `update`, never a replacement, because by then the objects found
// are this stack's own.
import * as pulumi from "@pulumi/pulumi";
import type { PreflightInputs } from "./preflightChecks";
// The engine runs preflightProvider from this file's source (../verify/providerBoundary.ts).
import { dynamicResourceType, providerSource } from "../verify/providerBoundary";

/** Inputs that are bookkeeping: they never make the checks run again. */
const BOOKKEEPING = ["requestTimeoutMs", "healthTimeoutMs", "replaceLeftovers", "stackName", "stateHasObjects"];

function fingerprint(auth: string | undefined): string | undefined {
    if (!auth) return undefined;
    const { createHash } = require("node:crypto") as typeof import("node:crypto");
    return createHash("sha256").update(auth).digest("hex").slice(0, 16);
}

/** What is stored: the inputs without the credentials (a fingerprint stands in), plus results. */
function stored(inputs: Record<string, any>, result: Record<string, unknown>): Record<string, unknown> {
    const { grafanaAuth, __provider, ...rest } = inputs;
    return { ...rest, authFingerprint: fingerprint(grafanaAuth), ...result };
}

/** The checks, loaded when the engine runs the provider: a preview never needs them. */
function runPreflight(...args: Parameters<typeof import("./preflightChecks").runPreflight>) {
    return (require("./preflightChecks") as typeof import("./preflightChecks")).runPreflight(...args);
}

export const preflightProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id: string, olds: any, news: any) {
        const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
        const changed = [...keys].filter(
            (k) =>
                ![
                    "authFingerprint",
                    "grafanaAuth",
                    "stateHasObjects",
                    "grafanaVersion",
                    "rendererAvailable",
                    "leftovers",
                    "replaced",
                    "verifyRuleTitle",
                    "verifyRuleDashboardUid",
                    "verifyRulePanelId",
                    "__provider",
                ].includes(k) && JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null),
        );
        if (olds.authFingerprint !== fingerprint(news.grafanaAuth)) changed.push("grafanaAuth");
        return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
    },

    async create(inputs: any) {
        // Leftovers only when the stack's state did not hold its objects before this run.
        const result = await runPreflight(inputs as PreflightInputs, inputs.stateHasObjects !== true);
        return { id: `preflight-${inputs.stackName}`, outs: stored(inputs, { ...result }) };
    },

    async update(_id: string, olds: any, news: any) {
        const changed =
            Object.keys(news).some(
                (k) =>
                    !BOOKKEEPING.includes(k) && k !== "grafanaAuth" && JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null),
            ) || olds.authFingerprint !== fingerprint(news.grafanaAuth);
        if (!changed) {
            const kept: Record<string, unknown> = {};
            for (const k of [
                "grafanaVersion",
                "rendererAvailable",
                "leftovers",
                "replaced",
                "verifyRuleTitle",
                "verifyRuleDashboardUid",
                "verifyRulePanelId",
            ])
                kept[k] = olds[k];
            return { outs: stored(news, kept) };
        }
        const result = await runPreflight(news as PreflightInputs, false);
        return { outs: stored(news, { ...result, leftovers: olds.leftovers ?? [], replaced: olds.replaced ?? [] }) };
    },
};

export interface GrafanaPreflightArgs extends Omit<{ [K in keyof PreflightInputs]: pulumi.Input<PreflightInputs[K]> }, "grafanaAuth"> {
    /** `user:password` or a service account token; made secret here and never stored. */
    grafanaAuth: pulumi.Input<string>;
}

/**
 * Checks a Grafana before any Grafana object of the stack is created: version floors, a
 * working renderer (with the exact settings to add when there is none), and leftovers with
 * this stack's fixed UIDs from a lost state, which it reports (or, with `replaceLeftovers`,
 * removes). A dynamic resource, so the checks run in `pulumi up`, not at program evaluation.
 */
export class GrafanaPreflight extends pulumi.CustomResource {
    declare public readonly grafanaVersion: pulumi.Output<string | undefined>;
    declare public readonly rendererAvailable: pulumi.Output<boolean | undefined>;
    /** Leftovers found when it was created, and those replaced (replaceLeftovers). */
    declare public readonly leftovers: pulumi.Output<string[]>;
    declare public readonly replaced: pulumi.Output<string[]>;
    /** verifyRule's panel (its __dashboardUid__ / __panelId__ annotations), when verifyRule is set. */
    declare public readonly verifyRuleTitle: pulumi.Output<string | undefined>;
    declare public readonly verifyRuleDashboardUid: pulumi.Output<string | undefined>;
    declare public readonly verifyRulePanelId: pulumi.Output<number | undefined>;

    constructor(name: string, args: GrafanaPreflightArgs, opts?: pulumi.CustomResourceOptions) {
        // What pulumi.dynamic.Resource registers, with the provider text given rather than
        // serialized from a closure.
        super(
            dynamicResourceType("preflight", "GrafanaPreflight"),
            name,
            {
                ...args,
                grafanaAuth: pulumi.secret(args.grafanaAuth),
                grafanaVersion: undefined,
                rendererAvailable: undefined,
                leftovers: undefined,
                replaced: undefined,
                verifyRuleTitle: undefined,
                verifyRuleDashboardUid: undefined,
                verifyRulePanelId: undefined,
                __provider: providerSource("components/alerting/grafanaPreflight.ts", "preflightProvider"),
            },
            opts,
        );
    }
}
