// Fix texts in the words the user can run (components/shared/launcher.ts): under this repository's
// wrappers (GSA_LAUNCHER=npm, exported by scripts/pulumi.sh) every message leaving the
// program says `npm run pulumi -- config set ...` / `npm run up`, with PULUMI_STACK=<stack>
// in front for a stack other than dev; under a plain `pulumi up` the CLI's own commands.
// Through the program under mocks: the config error, nextSteps, warnings (captured, so a
// passing test run prints none) and the verifier's failures.
import { strict as assert } from "node:assert";
import { inLauncherWords, pulumiCommand } from "../components/shared/launcher";
import { describeFailure } from "../components/shared/messages";
import { formatProblems } from "../components/config/config";
import { runStack } from "./harness/program";

const NPM_DEV = { GSA_LAUNCHER: "npm", GSA_LAUNCHER_STACK: "dev" };
const NPM_SIDECAR = { GSA_LAUNCHER: "npm", GSA_LAUNCHER_STACK: "k8s-sidecar" };

/** Runs `fn` with the launcher variables set as scripts/pulumi.sh sets them, then restores the environment. */
async function withLauncher<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
    const saved = { GSA_LAUNCHER: process.env.GSA_LAUNCHER, GSA_LAUNCHER_STACK: process.env.GSA_LAUNCHER_STACK };
    Object.assign(process.env, vars);
    try {
        return await fn();
    } finally {
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
    }
}

describe("launcher: fix texts name a command the user can run", () => {
    it("one command: the CLI's under plain pulumi, the wrappers' (with PULUMI_STACK off dev) under npm", () => {
        assert.equal(pulumiCommand("config set grafanaPort 3001", {}), "pulumi config set grafanaPort 3001");
        assert.equal(pulumiCommand("config set grafanaPort 3001", NPM_DEV), "npm run pulumi -- config set grafanaPort 3001");
        assert.equal(
            pulumiCommand("config set grafanaPort 3001", NPM_SIDECAR),
            "PULUMI_STACK=k8s-sidecar npm run pulumi -- config set grafanaPort 3001",
        );
        // up and destroy have wrappers of their own (which already pass --yes).
        assert.equal(pulumiCommand("up", NPM_DEV), "npm run up");
        assert.equal(pulumiCommand("destroy --yes", NPM_SIDECAR), "PULUMI_STACK=k8s-sidecar npm run destroy");
        assert.equal(pulumiCommand("up --refresh", NPM_DEV), "npm run up -- --refresh");
    });

    it("rewrites every command in a message and nothing else", () => {
        const text =
            "pulumi config rm kubernetesMode   (or: pulumi config set target kubernetes); then run `pulumi up` again. " +
            'Token: "$(pulumi stack output rendererToken --show-secrets)". Reset: pulumi destroy --yes && pulumi up. ' +
            "Already right: npm run pulumi -- config set x y; @pulumi/pulumi up.";
        assert.equal(inLauncherWords(text, {}), text);
        assert.equal(
            inLauncherWords(text, NPM_SIDECAR),
            "PULUMI_STACK=k8s-sidecar npm run pulumi -- config rm kubernetesMode   (or: PULUMI_STACK=k8s-sidecar npm run pulumi -- config set target kubernetes); " +
                "then run `PULUMI_STACK=k8s-sidecar npm run up` again. " +
                'Token: "$(PULUMI_STACK=k8s-sidecar npm run -s pulumi -- stack output rendererToken --show-secrets)". ' +
                "Reset: PULUMI_STACK=k8s-sidecar npm run destroy && PULUMI_STACK=k8s-sidecar npm run up. " +
                "Already right: npm run pulumi -- config set x y; @pulumi/pulumi up.",
        );
    });

    it("the config error: one formatter, the fix in the launcher's words", async () => {
        const plain = await runStack({ target: "dockr" });
        assert.match(String((plain.error as Error).message), /^ {6}fix: pulumi config set target docker$/m);
        const wrapped = await withLauncher(NPM_SIDECAR, () => runStack({ target: "dockr" }));
        assert.match(
            String((wrapped.error as Error).message),
            /^ {6}fix: PULUMI_STACK=k8s-sidecar npm run pulumi -- config set target docker$/m,
        );
        assert.equal(wrapped.resources.length, 0);
        const problem = { key: "grafanaPort", given: '"x"', allowed: "a whole number", fix: "pulumi config set grafanaPort 3000" };
        assert.equal(
            formatProblems([problem], NPM_DEV),
            'Stack configuration has 1 problem; nothing was created.\n  - grafanaPort: got "x"; allowed: a whole number.\n      fix: npm run pulumi -- config set grafanaPort 3000',
        );
    });

    it("nextSteps and warnings: in the launcher's words, and captured rather than printed", async () => {
        const printed: string[] = [];
        const { warn } = console;
        console.warn = (...args: unknown[]) => void printed.push(args.join(" "));
        let run: Awaited<ReturnType<typeof runStack>>;
        try {
            run = await withLauncher(NPM_SIDECAR, () => runStack({ target: "kubernetes", kubernetesMode: "operator", verify: "false" }));
        } finally {
            console.warn = warn;
        }
        const steps = (run.result!.nextSteps as string[]).join("\n");
        assert.match(steps, /`PULUMI_STACK=k8s-sidecar npm run pulumi -- config set --secret slackToken xoxb-\.\.\.`/);
        assert.doesNotMatch(steps, /(^|[\s`(])pulumi (config|up)\b/m, steps);
        // operatorAlerting auto picked the CRs: the warning says how to pin that, as the user types it.
        assert.equal(run.warnings.length, 1, run.warnings.join("\n"));
        assert.match(
            run.warnings[0],
            /^operatorAlerting is auto .*`PULUMI_STACK=k8s-sidecar npm run pulumi -- config set operatorAlerting crs`/,
        );
        assert.deepEqual(printed, [], "the harness keeps pulumi.log.warn off the test output");
    });

    it("the verifier's next steps (also the dynamic provider's errors)", async () => {
        const params = { url: "http://localhost:3000", objects: "folder gsa", stack: "dev", remove: "delete them" };
        assert.match(describeFailure("grafana_leftovers", params).next, /`pulumi config set replaceLeftovers true` and `pulumi up`/);
        const next = await withLauncher(NPM_DEV, async () => describeFailure("grafana_leftovers", params).next);
        assert.match(next, /`npm run pulumi -- config set replaceLeftovers true` and `npm run up`/);
    });
});
