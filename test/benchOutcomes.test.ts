// What must hold of the program's evaluation, asserted here so that `npm run bench` only
// measures: a Docker stack never loads the Kubernetes SDK (each target loads its own on
// demand), and evaluating the same program twice registers byte-identical inputs (no
// timestamp or random value at evaluation: a no-change `pulumi up` has nothing to diff).
// The verifier's request count at the protocol minimum is asserted in verifyChecks.test.ts.
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { evaluateOnce, TARGETS, type EvalRun } from "../bench/programEvaluation";
import { registrationsHash } from "../bench/registrations";
import { debuggableModule, skipUnusedPromiseStacks } from "../components/shared/promiseStacks";
import { runWithMocks, type RegisteredResource } from "./harness/pulumiMocks";

const ROOT = path.resolve(__dirname, "..");
const COMPONENTS = path.join(ROOT, "components") + path.sep;
const docker = TARGETS.find((t) => t.label === "docker")!.stack;

/**
 * Evaluates the docker stack in this process as bench/evalProgram.ts does in its own (same
 * project, stack "bench", config, mocks, preview), with components/ loaded afresh, so values
 * a module computes once when it loads are computed again too. The modules are put back
 * afterwards: other tests keep the instances they imported.
 */
async function evaluateInProcess(): Promise<RegisteredResource[]> {
    const saved = Object.keys(require.cache).filter((k) => k.startsWith(COMPONENTS));
    const kept = Object.fromEntries(saved.map((k) => [k, require.cache[k]]));
    for (const k of saved) delete require.cache[k];
    try {
        const { defineStack } = require("../components/program") as typeof import("../components/program");
        const run = await runWithMocks(
            { config: docker.config, secretKeys: docker.secretKeys, stack: "bench", preview: true },
            defineStack,
        );
        assert.equal(run.error, undefined, String(run.error));
        return run.resources;
    } finally {
        for (const k of Object.keys(require.cache)) if (k.startsWith(COMPONENTS)) delete require.cache[k];
        Object.assign(require.cache, kept);
    }
}

describe("program evaluation outcomes (the benchmark measures, these assert)", function () {
    // One fresh process loading the program as Pulumi's runner does (bench/runnerRegister.js).
    this.timeout(60_000);
    let fresh: EvalRun;
    before(() => {
        fresh = evaluateOnce(docker, true);
    });

    it("a Docker stack under the runner's settings loads @pulumi/docker and never @pulumi/kubernetes", () => {
        assert.equal(fresh.transpileOnly, true, "the runner must load the program transpile-only (tsconfig noCheck)");
        assert.equal(fresh.loaded.docker, true);
        assert.equal(fresh.loaded.kubernetes, false, "the docker target loaded @pulumi/kubernetes");
        assert.equal(fresh.loaded.slack, false, "the verifier's Slack client is loaded only when the provider runs");
        assert.ok(fresh.resources > 10, `${fresh.resources} resources`);
    });

    it("Pulumi's per-promise debug stacks are captured without frames: only the resources' own positions are mapped", () => {
        // About ten frames for each of ~1,800 promises without components/shared/promiseStacks.ts.
        assert.ok(fresh.stackTraces > 10 * fresh.resources, `${fresh.stackTraces} stack traces`);
        assert.ok(fresh.stackFrames < 20 * fresh.resources, `${fresh.stackFrames} frames formatted for ${fresh.stackTraces} stack traces`);
    });

    it("two evaluations register byte-identical inputs: a fresh process, and this one with the modules loaded afresh", async () => {
        const here = await evaluateInProcess();
        assert.equal(here.length, fresh.resources);
        const differing = here
            .filter((r) => registrationsHash([r]) !== fresh.resourceHashes?.[`${r.type}::${r.name}`])
            .map((r) => `${r.type}::${r.name}`);
        assert.deepEqual(differing, [], "inputs differ between the two evaluations");
        assert.equal(registrationsHash(here), fresh.inputsHash);
    });
});

describe("Pulumi's per-promise debug stacks (components/shared/promiseStacks.ts)", () => {
    const stackOf = async (leakDebugging: boolean): Promise<string> => {
        const mod = debuggableModule();
        assert.ok(mod, "@pulumi/pulumi no longer has runtime/debuggable's debuggablePromise and debugPromiseLeaks");
        const before = mod.debugPromiseLeaks;
        mod.debugPromiseLeaks = leakDebugging;
        try {
            const input = Promise.resolve(7);
            assert.equal(await mod.debuggablePromise(input, "test"), 7);
            return (input as unknown as { _debugStackTrace: string })._debugStackTrace;
        } finally {
            mod.debugPromiseLeaks = before;
        }
    };

    it("are frameless unless PULUMI_DEBUG_PROMISE_LEAKS is set, and then as Pulumi takes them; other stacks keep their frames", async () => {
        assert.equal(skipUnusedPromiseStacks(), true);
        const wrapped = debuggableModule()!.debuggablePromise;
        assert.equal(skipUnusedPromiseStacks(), true);
        assert.equal(debuggableModule()!.debuggablePromise, wrapped, "wrapped once");
        const limit = Error.stackTraceLimit;
        assert.equal(await stackOf(false), "Error");
        assert.match(await stackOf(true), /^Error\n {4}at /);
        assert.equal(Error.stackTraceLimit, limit);
        assert.match(new Error("x").stack ?? "", /\n {4}at /);
        // An error thrown inside Pulumi's function still has the caller's frames.
        assert.throws(
            () => debuggableModule()!.debuggablePromise(null as unknown as Promise<unknown>, "not a promise"),
            (e: Error) => e instanceof TypeError && /\n {4}at /.test(e.stack ?? ""),
        );
        assert.equal(Error.stackTraceLimit, limit);
    });
});
