// Runs the whole stack program (components/program.ts) under mocks with a given config.
import * as pulumi from "@pulumi/pulumi";
import { defineStack } from "../../components/program";
import { RunOptions, RunResult, runWithMocks } from "./pulumiMocks";

/** Mock state that stands in for what providers compute: generated passwords. */
export function generatedState(args: pulumi.runtime.MockResourceArgs): Record<string, any> | undefined {
    if (args.type === "random:index/randomPassword:RandomPassword") {
        return { result: `generated-${args.name}-0123456789abcdef0123456789` };
    }
    return undefined;
}

export function runStack(
    config: Record<string, string>,
    opts: Omit<RunOptions, "config"> = {},
): Promise<RunResult<Record<string, unknown>>> {
    const secretKeys =
        opts.secretKeys ?? ["slackToken", "grafanaAdminPassword", "rendererToken", "grafanaApiToken"].filter((k) => k in config);
    return runWithMocks(
        {
            ...opts,
            config,
            secretKeys,
            stateFor: (args) => ({ ...generatedState(args), ...opts.stateFor?.(args) }),
        },
        defineStack,
    );
}
