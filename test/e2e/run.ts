// `npm run e2e`: the project against every real component that can run here, in groups
// (E2E_SCENARIOS=kubernetes,live,renderer,docker selects; the last line is "e2e: N passed,
// N failed[, N skipped]"):
//  - kubernetes: the real Pulumi engine on the separate, sidecar and operator stacks with
//    renderYamlTo: every written manifest validated against the schemas and compared with the
//    mock registrations, a quiet second preview, destroy; then a bad config through the engine;
//  - live: the same engine against a control plane this run starts on 127.0.0.1 (etcd,
//    kube-apiserver, controller-manager, scheduler, kwok): live.ts; beside the render part
//    unless E2E_SERIAL=1 (E2E_LIVE=0 leaves it out);
//  - renderer: the real grafana-image-renderer with the program's own environment and
//    Debian's chromium, and doctor through a stand-in Grafana: rendererScenarios.ts;
//  - docker: a dockerd of this run's own, the Docker target's component with the real Docker
//    provider: dockerScenarios.ts.
// Builds the toolchain first when it is not built (E2E_NO_BUILD=1: skip instead). Every
// process it starts is stopped by PID, also on failure or ^C. Prints wall times.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { validateKubernetesObject } from "../harness/kubernetesSchemas";
import { dockerScenarios } from "./dockerScenarios";
import { Engine, ensureToolchain, installInterruptHandler, onInterrupt, ROOT, RunResult, stackFileConfig, toolchain } from "./engine";
import { check, keepLines, results, say, timed, timings } from "./report";
import { liveScenarios } from "./live";
import { Processes } from "./processes";
import { rendererScenarios } from "./rendererScenarios";
import { matchAutoNamed, mockObjects, PROJECT } from "./registrations";
import { objectKey } from "./liveObjects";

const ALL_SCENARIOS = ["kubernetes", "live", "renderer", "docker"];
/** E2E_SCENARIOS=renderer,docker runs only those groups (E2E_LIVE=0 leaves out "live"). */
const SCENARIOS = new Set(
    (process.env.E2E_SCENARIOS ?? ALL_SCENARIOS.join(","))
        .split(",")
        .map((s) => s.trim())
        .filter((s) => ALL_SCENARIOS.includes(s) && !(s === "live" && process.env.E2E_LIVE === "0")),
);

const MODES = (process.env.E2E_MODES ?? "separate,sidecar,operator")
    .split(",")
    .map((m) => m.trim())
    .filter(Boolean);

/** Pulumi type token of a manifest (`apps/v1` Deployment → kubernetes:apps/v1:Deployment). */
export function typeToken(apiVersion: string, kind: string): string {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["core", apiVersion];
    return `kubernetes:${group}/${version}:${kind}`;
}

/** Every object in the YAML files under `dir`. */
function readManifests(dir: string): { file: string; obj: any }[] {
    const out: { file: string; obj: any }[] = [];
    if (!fs.existsSync(dir)) return out;
    for (const entry of fs.readdirSync(dir, { recursive: true }) as string[]) {
        const file = path.join(dir, entry);
        if (!fs.statSync(file).isFile() || !/\.ya?ml$/.test(file)) continue;
        for (const obj of yaml.loadAll(fs.readFileSync(file, "utf8"))) if (obj) out.push({ file: path.relative(dir, file), obj });
    }
    return out;
}

async function kubernetesMode(engine: Engine, mode: string): Promise<void> {
    const stack = `e2e-${mode}`;
    const outDir = path.join(engine.tmp, "rendered", mode);
    const config = { ...stackFileConfig(`Pulumi.k8s-${mode}.yaml`), [`${PROJECT}:renderYamlTo`]: outDir };
    say(`\n${mode} (Pulumi.k8s-${mode}.yaml + renderYamlTo)`);
    engine.initStack(stack, config);

    let up: RunResult | undefined;
    await check(`${mode}: pulumi up --yes succeeds`, async () => {
        up = timed(`${mode}: pulumi up`, await engine.run(["up", "--yes", "--stack", stack]));
        assert.strictEqual(up.status, 0, `exit ${up.status}\n${up.stdout}\n${up.stderr}`);
    });
    if (up?.status !== 0) return;

    const manifests = readManifests(outDir);
    await check(`${mode}: every written manifest passes the Kubernetes / CRD schemas (${manifests.length} objects)`, () => {
        assert.ok(manifests.length > 0, `nothing written to ${outDir}`);
        const problems: string[] = [];
        for (const { file, obj } of manifests) {
            try {
                validateKubernetesObject({ type: typeToken(obj.apiVersion, obj.kind), name: file, inputs: obj, plain: obj, custom: true });
            } catch (e) {
                problems.push((e as Error).message);
            }
        }
        assert.deepStrictEqual(problems, []);
    });

    await check(`${mode}: the engine wrote exactly the objects the program registers under mocks`, async () => {
        const expected = await mockObjects(config, stack);
        const written = new Set(manifests.map(({ obj }) => matchAutoNamed(objectKey(obj), expected.keys())));
        assert.deepStrictEqual([...written].sort(), [...expected.keys()].sort());
    });

    await check(`${mode}: outputs say the Grafana side was skipped, and keep the admin password secret`, () => {
        const out = JSON.parse(engine.ok(["stack", "output", "--json", "--stack", stack]).stdout);
        assert.strictEqual(out.kubernetesMode, mode);
        assert.match(String(out.nextSteps?.[0]), /renderYamlTo is set/);
        assert.strictEqual(out.grafanaAdminPassword, "[secret]");
        const state = JSON.stringify(engine.exportStack(stack));
        const secret = engine.ok(["stack", "output", "grafanaAdminPassword", "--show-secrets", "--stack", stack]).stdout.trim();
        assert.ok(secret.length >= 8, "generated admin password too short");
        assert.ok(!state.includes(secret), "the admin password is in the stack state in plain text");
    });

    await check(`${mode}: a second preview (--diff --expect-no-changes) shows no changes`, async () => {
        const r = timed(`${mode}: pulumi preview`, await engine.run(["preview", "--diff", "--expect-no-changes", "--stack", stack]));
        assert.strictEqual(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    });

    await check(`${mode}: pulumi destroy --yes removes every written manifest`, async () => {
        const r = timed(`${mode}: pulumi destroy`, await engine.run(["destroy", "--yes", "--stack", stack]));
        assert.strictEqual(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
        assert.deepStrictEqual(
            readManifests(outDir).map((m) => m.file),
            [],
        );
        const resources = engine.exportStack(stack).deployment?.resources ?? [];
        assert.deepStrictEqual(
            resources.map((r: any) => r.type),
            [],
        );
    });
    engine.pulumi(["stack", "rm", "--yes", "--force", stack]);
}

async function badConfig(engine: Engine): Promise<void> {
    const stack = "e2e-bad-config";
    const outDir = path.join(engine.tmp, "rendered", "bad");
    say("\nbad config (three problems at once)");
    engine.initStack(stack, {
        [`${PROJECT}:target`]: "kubernetes",
        [`${PROJECT}:kubernetesMode`]: "sidecars",
        [`${PROJECT}:grafanaPort`]: "70000",
        [`${PROJECT}:namespace`]: "Grafana_NS",
        [`${PROJECT}:renderYamlTo`]: outDir,
    });
    const r = timed("bad config: pulumi up", await engine.run(["up", "--yes", "--stack", stack]));
    const text = r.stdout + r.stderr;
    await check("bad config: pulumi up fails", () => assert.notStrictEqual(r.status, 0, text));
    await check("bad config: one message names every key, the value given and the fix", () => {
        assert.match(text, /Stack configuration has 3 problems; nothing was created\./);
        assert.match(text, /kubernetesMode: got "sidecars"/);
        assert.match(text, /grafanaPort: got "70000"/);
        assert.match(text, /namespace: got "Grafana_NS"/);
        assert.match(text, /fix: pulumi config set kubernetesMode/);
        assert.doesNotMatch(text, /at .*\.ts:\d+/, "a stack trace reached the user");
    });
    await check("bad config: nothing was created (no resource in state but the stack, no file written)", () => {
        const resources: any[] = engine.exportStack(stack).deployment?.resources ?? [];
        assert.deepStrictEqual(
            resources.map((x) => x.type).filter((t) => t !== "pulumi:pulumi:Stack"),
            [],
        );
        assert.deepStrictEqual(readManifests(outDir), []);
    });
    engine.pulumi(["stack", "rm", "--yes", "--force", stack]);
}

function header(engine: Engine, dir: string, workspaces: string[]): void {
    const version = engine.ok(["version"]).stdout.trim();
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")).packages;
    console.log(`e2e: real engine ${version} from ${dir}`);
    console.log(
        `     SDKs (package-lock): @pulumi/pulumi ${lock["node_modules/@pulumi/pulumi"].version}, @pulumi/kubernetes ${lock["node_modules/@pulumi/kubernetes"].version}, @pulumi/random ${lock["node_modules/@pulumi/random"].version}, @pulumi/docker ${lock["node_modules/@pulumi/docker"].version}`,
    );
    console.log(`     plugins: ${fs.readFileSync(path.join(dir, "COMPLETE"), "utf8").split("\n")[1]}`);
    console.log(`     workspace ${workspaces.join(", ")}`);
}

/**
 * The render-to-YAML scenarios and the live ones (E2E_LIVE=0: none), each with its own
 * engine workspace. Side by side unless E2E_SERIAL=1: the render part's lines are kept
 * and printed after the live part's, which stream.
 */
async function parts(engines: { render: Engine; live?: Engine }, dir: string): Promise<void> {
    const render = async () => {
        if (!SCENARIOS.has("kubernetes")) return;
        for (const mode of MODES) await kubernetesMode(engines.render, mode);
        await badConfig(engines.render);
    };
    if (!engines.live) return render();
    if (process.env.E2E_SERIAL === "1") {
        await render();
        return liveScenarios(engines.live, dir);
    }
    console.log(
        "\n(the render-to-YAML scenarios run beside the live ones; their lines follow the live part's. E2E_SERIAL=1: one after the other)",
    );
    const kept = keepLines(render);
    await liveScenarios(engines.live, dir);
    const { lines, error } = await kept;
    for (const l of lines) console.log(l);
    if (error) throw error;
}

/** Stops what `procs` started, by PID (each one's process group), also after a failure; then nothing may be left. */
async function stopProcesses(procs: Processes, workspace: string): Promise<void> {
    await procs.stopAll();
    if (procs.started.length === 0) return;
    console.log("\nprocesses");
    await check(`every process this run started has exited (${procs.started.map((p) => p.name).join(", ")}, and their children)`, () =>
        assert.deepStrictEqual(procs.leftovers(workspace), []),
    );
}

function summary(dir: string, started: number): void {
    console.log("\nwall times:");
    // The render part's steps first, then the live part's (they may have run side by side).
    const ordered = [...timings.filter((t) => !t.step.startsWith("live")), ...timings.filter((t) => t.step.startsWith("live"))];
    for (const { step, seconds } of ordered) console.log(`  ${step.padEnd(44)} ${seconds.toFixed(1)} s`);
    console.log(`  ${"total".padEnd(44)} ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (MODES.length === 3 && SCENARIOS.size === ALL_SCENARIOS.length) {
        // For npm run e2e:bench (BENCHMARKS.md): the last full run with this toolchain.
        const record = { at: new Date().toISOString().replace(/\.\d+Z$/, "Z"), seconds: (Date.now() - started) / 1000, ...results };
        fs.writeFileSync(path.join(dir, "last-e2e.json"), JSON.stringify(record) + "\n");
    }
    console.log(`\ne2e: ${results.passed} passed, ${results.failed} failed${results.skipped ? `, ${results.skipped} skipped` : ""}`);
    if (results.failed > 0) process.exitCode = 1;
}

async function main(): Promise<void> {
    const t = toolchain();
    if (!t.complete && process.env.E2E_NO_BUILD === "1") {
        console.log(`e2e: skipped: the toolchain is not built (${t.dir}); run scripts/e2e-toolchain.sh`);
        return;
    }
    const dir = ensureToolchain();
    const engines = { render: new Engine(dir), live: SCENARIOS.has("live") ? new Engine(dir) : undefined };
    const workspaces = () => [engines.render.tmp, ...(engines.live ? [engines.live.tmp] : [])];
    installInterruptHandler(workspaces);
    // The renderer (with its chromium) and dockerd run in process groups of their own; ^C stops them too.
    const procs = new Processes({ handleSignals: false });
    onInterrupt(() => (procs.killAllNow(), procs.started.length ? `killed ${procs.started.map((p) => p.name).join(", ")}` : ""));
    const started = Date.now();
    try {
        header(engines.render, dir, workspaces());
        await parts(engines, dir);
        // After the Kubernetes parts, one at a time: real renders need the machine's cores.
        if (SCENARIOS.has("renderer")) await rendererScenarios(procs, dir, engines.render.tmp);
        if (SCENARIOS.has("docker")) await dockerScenarios(engines.render, procs, dir);
    } finally {
        await stopProcesses(procs, engines.render.tmp);
        if (results.failed === 0 && process.env.E2E_KEEP !== "1") for (const e of [engines.render, engines.live]) e?.cleanup();
        else console.log(`\ne2e: workspaces kept for inspection: ${workspaces().join(", ")}`);
    }
    summary(dir, started);
}

if (require.main === module) {
    main().catch((e) => {
        console.error(e);
        process.exitCode = 1;
    });
}
