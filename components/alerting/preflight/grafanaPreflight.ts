// The preflight as a Pulumi resource: it runs once Grafana is up and before any Grafana
// object is created (they all depend on it). See preflightChecks.ts for what it checks.
//
// It looks for leftovers only when it is created and the stack's previous outputs show no
// Grafana objects (a new stack, or one whose state was lost); later changes (a new token, URL or setting) run the other
// checks again through `update`, never a replacement, because by then the objects found
// are this stack's own.
import * as pulumi from "@pulumi/pulumi";
import type { PreflightInputs } from "./preflightChecks";
// The engine runs preflightProvider from its source (shared/providerBoundary.ts).
import { dynamicResourceType, providerSource } from "../../shared/providerBoundary";

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
                // The path every state names: components/alerting/preflightProvider.ts re-exports
                // ./preflightProvider.ts, so the registration stays the same across the move.
                __provider: providerSource("components/alerting/preflightProvider.ts", "preflightProvider"),
            },
            // The fingerprint of user:password is derived from the password: encrypted in the
            // state like the password itself (a plain one can be tested against guesses).
            { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "authFingerprint"] },
        );
    }
}
