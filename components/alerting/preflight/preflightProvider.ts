// The preflight's dynamic provider: what the engine's dynamic-provider host runs for
// GrafanaPreflight (grafanaPreflight.ts sends ../preflightProvider.ts, which re-exports this, see shared/providerBoundary.ts).
// Its own module, importing nothing of @pulumi/pulumi at run time: the host loads only this
// file and, when a method runs, preflightChecks.ts, not the SDK the resource class needs
// (over a second of loading in every process that runs the provider).
import type * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { PreflightInputs } from "./preflightChecks";

/** Inputs that are bookkeeping: they never make the checks run again. */
const BOOKKEEPING = ["requestTimeoutMs", "healthTimeoutMs", "replaceLeftovers", "stackName", "stateHasObjects"];

function fingerprint(auth: string | undefined): string | undefined {
    if (!auth) return undefined;
    return createHash("sha256").update(auth).digest("hex").slice(0, 16);
}

/** What is stored: the inputs without the credentials (a fingerprint stands in), plus results. */
function stored(inputs: Record<string, any>, result: Record<string, unknown>): Record<string, unknown> {
    const { grafanaAuth, __provider, ...rest } = inputs;
    return { ...rest, authFingerprint: fingerprint(grafanaAuth), ...result };
}

/**
 * The checks, loaded when a method needs them: a preview's diff never does, and loading them
 * costs about 37 ms of each provider process (ts-node, median of 3: 36, 38, 38 ms).
 */
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
