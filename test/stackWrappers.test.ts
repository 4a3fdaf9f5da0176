// The wrappers (npm run up / preview / destroy / pulumi) never create a stack by accident: a
// stack is created from its committed Pulumi.<stack>.yaml or when asked (--create,
// PULUMI_STACK_CREATE=1); a mistyped name is refused with the stacks there are and the
// closest one. `npm run up`'s preflight also runs the program's config validation, so with
// no CLI at all every config problem shows at once. The CLI is a fake that keeps stacks as
// files (select fails for a stack it does not have, as `pulumi stack select` does) and logs
// its arguments and the launcher variables; no Docker, cluster or network.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "..");
const stacks = require("../scripts/stacks") as {
    closestStack(name: string, names: string[]): string | undefined;
    backendStacks(root: string, env: NodeJS.ProcessEnv): string[] | undefined;
};
const preflight = require("../scripts/preflight") as {
    configProblems(o: { root: string; stack: string }): string[];
};

interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = REPO): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { cwd, env });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

/** A port nothing listens on: the npm launcher's download probe fails at once. */
async function closedPort(): Promise<number> {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((r) => srv.close(r));
    return port;
}

/**
 * A fake `pulumi` whose stacks are files in `stackDir`: `stack select X` fails with the CLI's
 * "no stack named 'X' found" unless X exists, `stack init X` creates it, `stack ls --json`
 * lists them as the CLI does ([{"name": ...}]). Every call is logged with the launcher variables.
 */
function fakePulumi(bin: string, log: string, stackDir: string): void {
    fs.mkdirSync(bin, { recursive: true });
    fs.mkdirSync(stackDir, { recursive: true });
    const script = `#!/bin/sh
echo "$* [launcher=\${GSA_LAUNCHER:-} stack=\${GSA_LAUNCHER_STACK:-}]" >> "${log}"
case "$1 $2" in
  "stack select") [ -f "${stackDir}/$3" ] && exit 0; echo "error: no stack named '$3' found" >&2; exit 255 ;;
  "stack init") touch "${stackDir}/$3"; echo "Created stack '$3'"; exit 0 ;;
  "stack ls") printf '['; sep=""; for f in "${stackDir}"/*; do [ -f "$f" ] || continue; printf '%s{"name":"%s"}' "$sep" "$(basename "$f")"; sep=","; done; echo ']'; exit 0 ;;
esac
exit 0
`;
    fs.writeFileSync(path.join(bin, "pulumi"), script, { mode: 0o755 });
}

describe("wrappers: no accidental stacks", function () {
    this.timeout(30_000);
    let tmp: string;
    let log: string;
    let stackDir: string;
    let env: NodeJS.ProcessEnv;

    beforeEach(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gsa-wrappers-"));
        log = path.join(tmp, "calls.log");
        fs.writeFileSync(log, "");
        stackDir = path.join(tmp, "stacks");
        fakePulumi(path.join(tmp, "bin"), log, stackDir);
        env = {
            PATH: [path.join(tmp, "bin"), path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter),
            HOME: path.join(tmp, "home"),
            // Not a file backend: the fake CLI is the only one that knows the stacks.
            PULUMI_BACKEND_URL: "https://api.example.invalid",
            PULUMI_CONFIG_PASSPHRASE: "test-only",
            GSA_PULUMI_PROBE_URL: `http://127.0.0.1:${await closedPort()}/install.sh`,
        };
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    const calls = () => fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean);

    it("`npm run pulumi -- stack ls` creates no stack (not even dev)", async () => {
        const r = await run("npm", ["run", "-s", "pulumi", "--", "stack", "ls", "--json"], env);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(calls(), ["stack ls --json [launcher= stack=]"]);
        assert.deepEqual(fs.readdirSync(stackDir), []);
    });

    it("a mistyped PULUMI_STACK is refused with the stacks there are and the closest name; nothing runs", async () => {
        fs.writeFileSync(path.join(stackDir, "mine"), "");
        const r = await run("npm", ["run", "-s", "preview"], { ...env, PULUMI_STACK: "k8s-sidcar" });
        assert.equal(r.code, 1);
        assert.match(
            r.stderr,
            /^Stack k8s-sidcar does not exist and has no Pulumi\.k8s-sidcar\.yaml, so it was not created and nothing was run\. Did you mean k8s-sidecar\? Stacks: dev, existing, k8s-operator, k8s-renderer, k8s-separate, k8s-sidecar, mine\.$/m,
        );
        assert.match(
            r.stderr,
            /Next step: PULUMI_STACK=k8s-sidecar npm run preview; or, for a new stack k8s-sidcar with the default config: PULUMI_STACK=k8s-sidcar PULUMI_STACK_CREATE=1 npm run preview\./,
        );
        assert.deepEqual(
            calls().map((c) => c.split(" [")[0]),
            ["stack select k8s-sidcar", "stack ls --json"],
        );
        assert.deepEqual(fs.readdirSync(stackDir), ["mine"]);
    });

    it("creates a stack from its committed Pulumi.<stack>.yaml, or when asked; --create is not passed on", async () => {
        let r = await run("bash", ["scripts/pulumi.sh", "config", "get", "target"], env);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(fs.readdirSync(stackDir), ["dev"], "dev has Pulumi.dev.yaml");

        r = await run("bash", ["scripts/pulumi.sh", "up", "--yes", "--create"], { ...env, PULUMI_STACK: "scratch" });
        assert.equal(r.code, 0, r.stderr);
        r = await run("bash", ["scripts/pulumi.sh", "preview"], { ...env, PULUMI_STACK: "other", PULUMI_STACK_CREATE: "1" });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(fs.readdirSync(stackDir).sort(), ["dev", "other", "scratch"]);
        assert.deepEqual(calls(), [
            "stack select dev [launcher= stack=]",
            "stack init dev --secrets-provider passphrase [launcher= stack=]",
            // The program is told which launcher runs it, and the stack (launcher.ts).
            "config get target [launcher=npm stack=dev]",
            "stack select scratch [launcher= stack=]",
            "stack init scratch --secrets-provider passphrase [launcher= stack=]",
            "up --yes [launcher=npm stack=scratch]",
            "stack select other [launcher= stack=]",
            "stack init other --secrets-provider passphrase [launcher= stack=]",
            "preview [launcher=npm stack=other]",
        ]);
    });

    it("the closest name: small typos only", () => {
        const names = ["dev", "existing", "k8s-operator", "k8s-renderer", "k8s-separate", "k8s-sidecar"];
        assert.equal(stacks.closestStack("k8s-sidcar", names), "k8s-sidecar");
        assert.equal(stacks.closestStack("Dev", names), "dev");
        assert.equal(stacks.closestStack("production", names), undefined);
    });

    it("reads a local backend's stacks without the CLI (project-scoped and legacy layouts)", () => {
        const state = path.join(tmp, "state");
        fs.mkdirSync(path.join(state, ".pulumi", "stacks", "grafana-slack-alerts"), { recursive: true });
        fs.writeFileSync(path.join(state, ".pulumi", "stacks", "grafana-slack-alerts", "made.json"), "{}");
        fs.writeFileSync(path.join(state, ".pulumi", "stacks", "old.json.gz"), "");
        assert.deepEqual(stacks.backendStacks(REPO, { PULUMI_BACKEND_URL: `file://${state}` })?.sort(), ["made", "old"]);
        assert.equal(stacks.backendStacks(REPO, { PULUMI_BACKEND_URL: "https://api.pulumi.com" }), undefined);
    });

    describe("npm run up with no Pulumi CLI at all", () => {
        let project: string;

        /** A copy of the project (its scripts and program) with one stack file, node_modules linked. */
        function projectWith(stack: string, config: Record<string, string>): void {
            project = path.join(tmp, "project");
            fs.mkdirSync(project);
            for (const f of ["Pulumi.yaml", "tsconfig.json", "package.json"]) fs.copyFileSync(path.join(REPO, f), path.join(project, f));
            for (const d of ["scripts", "components"]) fs.cpSync(path.join(REPO, d), path.join(project, d), { recursive: true });
            fs.symlinkSync(path.join(REPO, "node_modules"), path.join(project, "node_modules"));
            const lines = Object.entries(config).map(([k, v]) => `  grafana-slack-alerts:${k}: ${JSON.stringify(v)}`);
            fs.writeFileSync(path.join(project, `Pulumi.${stack}.yaml`), `config:\n${lines.join("\n")}\n`);
        }

        const noCli = () => ({
            ...env,
            PATH: [path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter),
            PULUMI_BACKEND_URL: `file://${path.join(tmp, "state")}`,
        });

        it("reports a bad target and a :latest image at once, with the CLI missing, creating nothing", async () => {
            projectWith("dev", { target: "dockr", grafanaImage: "grafana/grafana:latest" });
            const r = await run("bash", [path.join(project, "scripts", "up.sh")], noCli(), project);
            assert.equal(r.code, 1, r.stderr);
            const text = r.stderr;
            assert.match(text, /^Preflight for stack dev found 3 problems; nothing was created\.$/m);
            assert.match(text, /^ {2}- Pulumi CLI: no Pulumi CLI found/m);
            assert.match(
                text,
                /^ {2}- target: got "dockr"; allowed: docker \| kubernetes \| existing\.\n {6}fix: npm run pulumi -- config set target docker$/m,
            );
            assert.match(
                text,
                /^ {2}- grafanaImage: got "grafana\/grafana:latest".*\n {6}fix: npm run pulumi -- config set grafanaImage grafana\/grafana:\d/m,
            );
            assert.ok(!fs.existsSync(path.join(tmp, "state")), "no state written");
        });

        it("PULUMI_STACK=k8s-sidcar npm run up creates nothing and suggests k8s-sidecar", async () => {
            const r = await run("bash", ["scripts/up.sh"], { ...noCli(), PULUMI_STACK: "k8s-sidcar" });
            assert.equal(r.code, 1);
            assert.match(r.stderr, /^Preflight for stack k8s-sidcar found 2 problems; nothing was created\.$/m);
            assert.match(r.stderr, /^ {2}- Stack k8s-sidcar does not exist .* Did you mean k8s-sidecar\?/m);
            assert.match(r.stderr, /Next step: PULUMI_STACK=k8s-sidecar npm run up;/);
            assert.doesNotMatch(r.stderr, /Docker/, "the defaults of a stack that does not exist are not checked");
        });

        it("an encrypted secret counts as set (its content is for pulumi up); a plain one is refused as pulumi up refuses it", () => {
            projectWith("s", {});
            fs.writeFileSync(
                path.join(project, "Pulumi.s.yaml"),
                "config:\n  grafana-slack-alerts:slackToken:\n    secure: v1:c2FsdA==:ZW5jcnlwdGVk\n  grafana-slack-alerts:rendererToken: plain-but-long-enough-0123456789\n",
            );
            const problems = preflight.configProblems({ root: project, stack: "s" });
            assert.deepEqual(
                problems.map((p) => p.split(":")[0]),
                ["rendererToken", "slackChannel"],
            );
            assert.match(problems[0], /got a value stored in plain text in the stack file/);
            assert.match(problems[1], /got nothing while slackToken is set/);
            assert.match(problems[1], /fix: PULUMI_STACK=s npm run pulumi -- config set slackChannel C0123ABCD/);
            // An encrypted database URL counts as a database (replicas allowed), its content unjudged.
            fs.writeFileSync(
                path.join(project, "Pulumi.s.yaml"),
                "config:\n  grafana-slack-alerts:target: kubernetes\n  grafana-slack-alerts:grafanaReplicas: 2\n" +
                    "  grafana-slack-alerts:grafanaDatabaseUrl:\n    secure: v1:c2FsdA==:ZW5jcnlwdGVk\n",
            );
            assert.deepEqual(preflight.configProblems({ root: project, stack: "s" }), []);
            // A token pasted into the wrong key is never shown (the same redaction as pulumi up's message).
            const token = "xoxb-1234567890-abcdefghijkl";
            fs.writeFileSync(path.join(project, "Pulumi.s.yaml"), `config:\n  grafana-slack-alerts:slackChannel: ${token}\n`);
            const pasted = preflight.configProblems({ root: project, stack: "s" }).join("\n");
            assert.match(pasted, /slackChannel: got .*\[redacted\]/);
            assert.ok(!pasted.includes(token), pasted);
        });
    });
});
