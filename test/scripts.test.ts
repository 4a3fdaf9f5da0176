// The npm scripts as a user runs them: which Pulumi CLI they pick (a fake `pulumi` on PATH,
// in ~/.pulumi/bin, or the npm launcher's cache), what happens when there is none, and the
// preflight before `npm run up`. No real CLI, Docker, cluster or network is used: the fake
// CLI is a shell script that logs its arguments, the Docker engine is a fake on a Unix
// socket, and the launcher's download probe points at a closed local port.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "..");
// Plain JavaScript modules (they run before ts-node would be loaded).
const preflight = require("../scripts/preflight") as {
    targetProblems(o: { root?: string; stack?: string; env?: NodeJS.ProcessEnv }): Promise<string[]>;
};
const resolver = require("../scripts/resolve-pulumi") as {
    resolvePulumi(
        env: NodeJS.ProcessEnv,
        probe?: (url: string, ms: number) => Promise<string | undefined>,
    ): Promise<{ bin: string; how: string }>;
    isNodeModulesBin(dir: string): boolean;
};
const LAUNCHER_VERSION: string = JSON.parse(fs.readFileSync(path.join(REPO, "node_modules/pulumi/package.json"), "utf8")).version;

interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
    ms: number;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
    const t0 = Date.now();
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { cwd: REPO, env });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - t0 }));
    });
}

/** A port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((r) => srv.close(r));
    return port;
}

/** Writes an executable fake `pulumi` that logs its arguments and answers `version`. */
function fakePulumi(dir: string, log: string, name = "fake"): string {
    fs.mkdirSync(dir, { recursive: true });
    const p = path.join(dir, "pulumi");
    fs.writeFileSync(
        p,
        [
            "#!/bin/sh",
            `echo "${name} $*" >> "${log}"`,
            `if [ "$1" = version ]; then echo v9.9.9-${name}; fi`,
            `if [ "$1 $2" = "stack output" ]; then echo '{"grafanaUrl":"http://localhost:3000","grafanaAdminUser":"admin","nextSteps":["add Slack"]}'; fi`,
            "exit 0",
            "",
        ].join("\n"),
        { mode: 0o755 },
    );
    return p;
}

describe("scripts: Pulumi CLI resolution and preflight", function () {
    this.timeout(30_000);
    let tmp: string;
    let home: string;
    let log: string;
    let env: NodeJS.ProcessEnv;

    beforeEach(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gsa-scripts-"));
        home = path.join(tmp, "home");
        fs.mkdirSync(home);
        log = path.join(tmp, "calls.log");
        fs.writeFileSync(log, "");
        // A clean, minimal environment: node and npm, the system tools, nothing of the caller's Pulumi.
        env = {
            PATH: [path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter),
            HOME: home,
            PULUMI_BACKEND_URL: `file://${path.join(tmp, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: "test-only",
            GSA_PULUMI_PROBE_URL: `http://127.0.0.1:${await closedPort()}/install.sh`,
            DOCKER_HOST: `unix://${path.join(tmp, "no-docker.sock")}`,
        };
    });

    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    const calls = () => fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean);

    it("`npm run -s pulumi -- version` runs the pulumi on PATH, says so on stderr, and keeps stdout clean", async () => {
        const fake = fakePulumi(path.join(tmp, "bin"), log);
        const r = await run("npm", ["run", "-s", "pulumi", "--", "version"], {
            ...env,
            PATH: `${path.dirname(fake)}${path.delimiter}${env.PATH}`,
        });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, "v9.9.9-fake\n");
        assert.match(r.stderr, new RegExp(`pulumi: using the Pulumi CLI on PATH \\(${fake.replace(/[.]/g, "\\.")}\\)`));
        assert.deepEqual(calls(), ["fake version"]);
    });

    it("`npm run preview` runs `pulumi preview --diff` on the selected stack, with the local backend and passphrase", async () => {
        const fake = fakePulumi(path.join(tmp, "bin"), log);
        assert.equal(JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).scripts.preview, "bash scripts/preview.sh");
        const r = await run("bash", ["scripts/preview.sh", "--refresh"], {
            ...env,
            PATH: `${path.dirname(fake)}${path.delimiter}${env.PATH}`,
            PULUMI_STACK: "k8s-sidecar",
        });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(calls(), ["fake stack select k8s-sidecar", "fake preview --diff --refresh"]);
    });

    it("prefers the pulumi on PATH over ~/.pulumi/bin, and ~/.pulumi/bin over the npm launcher", async () => {
        const onPath = fakePulumi(path.join(tmp, "bin"), log, "path");
        fakePulumi(path.join(home, ".pulumi", "bin"), log, "home");
        let r = await run("bash", ["scripts/pulumi.sh", "version"], {
            ...env,
            PATH: `${path.dirname(onPath)}${path.delimiter}${env.PATH}`,
        });
        assert.equal(r.stdout, "v9.9.9-path\n", r.stderr);
        r = await run("bash", ["scripts/pulumi.sh", "version"], env);
        assert.equal(r.stdout, "v9.9.9-home\n", r.stderr);
        assert.match(r.stderr, /using the Pulumi CLI in .*\.pulumi\/bin/);
    });

    it("ignores the npm launcher in node_modules/.bin and uses the CLI the launcher already downloaded", async () => {
        // Only a node_modules/.bin pulumi on PATH (what npm prepends), and the launcher's cache.
        const nmBin = path.join(tmp, "proj", "node_modules", ".bin");
        fakePulumi(nmBin, log, "nm");
        fakePulumi(path.join(home, ".pulumi", "versions", LAUNCHER_VERSION, "bin"), log, "cached");
        const r = await run("bash", ["scripts/pulumi.sh", "version"], { ...env, PATH: `${nmBin}${path.delimiter}${env.PATH}` });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, "v9.9.9-cached\n");
        assert.match(r.stderr, new RegExp(`using the Pulumi CLI v${LAUNCHER_VERSION.replace(/[.]/g, "\\.")} the npm launcher downloaded`));
        assert.ok(resolver.isNodeModulesBin("/x/node_modules/.bin") && !resolver.isNodeModulesBin("/usr/local/bin"));
    });

    it("with no CLI and no download possible, fails within seconds saying what failed and how to install it", async () => {
        // npm run pulumi / preview / destroy; npm itself adds a second, so run it for one of them.
        for (const [cmd, ...args] of [
            ["npm", "run", "-s", "pulumi", "--", "version"],
            ["bash", "scripts/preview.sh"],
            ["bash", "scripts/pulumi.sh", "destroy", "--yes"],
        ]) {
            const r = await run(cmd, args, env);
            assert.notEqual(r.code, 0, `${args.join(" ")} must fail`);
            assert.ok(r.ms < 10_000, `${args.join(" ")} took ${r.ms} ms`);
            assert.match(
                r.stderr,
                /no Pulumi CLI found: none on PATH, none in ~\/\.pulumi\/bin, and the npm launcher cannot download v\d+\.\d+\.\d+ \(127\.0\.0\.1:\d+: the connection was refused\)/,
            );
            assert.match(
                r.stderr,
                /Next step: install the Pulumi CLI \(curl -fsSL https:\/\/get\.pulumi\.com \| sh.*or put an installed `pulumi` on PATH/,
            );
            assert.equal(r.stdout, "");
        }
    });

    it("falls back to the npm launcher when the download site answers", async () => {
        const r = await resolver.resolvePulumi({ ...env }, async () => undefined);
        assert.equal(r.bin, path.join(REPO, "node_modules", "pulumi", "run.js"));
        assert.match(r.how, /the npm launcher \(it downloads the Pulumi CLI v/);
    });

    describe("preflight", () => {
        let root: string;
        let servers: http.Server[] = [];

        /** A project copy with one stack file, so the checks read real Pulumi.yaml defaults. */
        function project(stack: string, config: Record<string, string>): string {
            root = path.join(tmp, "project");
            fs.mkdirSync(root, { recursive: true });
            fs.copyFileSync(path.join(REPO, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
            const lines = Object.entries(config).map(
                ([k, v]) => `  ${k.includes(":") ? k : `grafana-slack-alerts:${k}`}: ${JSON.stringify(v)}`,
            );
            fs.writeFileSync(path.join(root, `Pulumi.${stack}.yaml`), `config:\n${lines.join("\n")}\n`);
            return root;
        }

        /**
         * A Docker engine on a Unix socket, answering what the preflight asks: GET /_ping → 200
         * "OK" (text/plain), GET /containers/json → running containers with Names ("/name") and
         * Ports [{IP, PrivatePort, PublicPort, Type}] (Docker Engine API v1.57,
         * docs.docker.com/reference/api/engine/version/v1.57/operations/SystemPing and
         * .../ContainerList); anything else 404 {"message": "page not found"} (the API's error body).
         */
        async function fakeDocker(containers: Array<{ name: string; publicPort?: number }> = []): Promise<string> {
            const socketPath = path.join(tmp, `docker-${servers.length}.sock`);
            const srv = http.createServer((req, res) => {
                const p = (req.url ?? "").replace(/^\/v1\.\d+/, "").split("?")[0];
                if (req.method === "GET" && p === "/_ping") {
                    res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Api-Version": "1.57" }).end("OK");
                } else if (req.method === "GET" && p === "/containers/json") {
                    res.writeHead(200, { "Content-Type": "application/json" }).end(
                        JSON.stringify(
                            containers.map((c, i) => ({
                                Id: `c${i}`,
                                Names: [`/${c.name}`],
                                Ports: c.publicPort ? [{ IP: "127.0.0.1", PrivatePort: 3000, PublicPort: c.publicPort, Type: "tcp" }] : [],
                            })),
                        ),
                    );
                } else {
                    res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ message: "page not found" }));
                }
            });
            await new Promise<void>((r) => srv.listen(socketPath, () => r()));
            servers.push(srv);
            return `unix://${socketPath}`;
        }

        /** Occupies a port on 127.0.0.1 as another program would. */
        async function busyPort(): Promise<number> {
            const srv = http.createServer();
            await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
            servers.push(srv);
            return (srv.address() as net.AddressInfo).port;
        }

        afterEach(async () => {
            await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
            servers = [];
        });

        it("docker: no engine is one line naming where it looked, with the fix", async () => {
            const problems = await preflight.targetProblems({
                root: project("dev", { target: "docker", grafanaPort: String(await closedPort()) }),
                stack: "dev",
                env,
            });
            assert.equal(problems.length, 1);
            assert.match(
                problems[0],
                /^Docker: the engine does not answer at unix:\/\/.*no-docker\.sock \(no socket at .*no-docker\.sock\)\. Fix: start Docker \(Docker Desktop, or sudo systemctl start docker\), or correct DOCKER_HOST; or deploy to Kubernetes as a stack of its own: PULUMI_STACK=k8s-sidecar npm run up\.$/,
            );
            assert.doesNotMatch(problems[0], /\n/);
            // Not `config set target kubernetes` on dev: that would deploy to whatever the current
            // kube context is, and dev's destroy would delete that namespace.
            assert.doesNotMatch(problems[0], /config set target/);
        });

        it("docker: an engine that answers and a free port pass; docker:host in the stack wins over DOCKER_HOST", async () => {
            const host = await fakeDocker();
            assert.deepEqual(
                await preflight.targetProblems({
                    root: project("dev", { grafanaPort: String(await closedPort()) }),
                    stack: "dev",
                    env: { ...env, DOCKER_HOST: host },
                }),
                [],
            );
            assert.deepEqual(
                await preflight.targetProblems({
                    root: project("dev", { "docker:host": host, grafanaPort: String(await closedPort()) }),
                    stack: "dev",
                    env,
                }),
                [],
            );
        });

        it("docker: a Grafana port in use is one line with the config command, naming the container that holds it", async () => {
            const port = await busyPort();
            let problems = await preflight.targetProblems({
                root: project("dev", { grafanaPort: String(port) }),
                stack: "dev",
                env: { ...env, DOCKER_HOST: await fakeDocker() },
            });
            assert.deepEqual(problems, [
                `Grafana port: 127.0.0.1:${port} is already in use by another program. Fix: npm run pulumi -- config set grafanaPort 3001.`,
            ]);
            problems = await preflight.targetProblems({
                root: project("dev", { grafanaPort: String(port) }),
                stack: "dev",
                env: { ...env, DOCKER_HOST: await fakeDocker([{ name: "someone-elses-grafana", publicPort: port }]) },
            });
            assert.deepEqual(problems, [
                `Grafana port: 127.0.0.1:${port} is already in use by the Docker container someone-elses-grafana. Fix: npm run pulumi -- config set grafanaPort 3001 (or stop it: docker stop someone-elses-grafana).`,
            ]);
        });

        it("docker: the port held by this stack's own Grafana (an earlier up) is fine", async () => {
            const port = await busyPort();
            const host = await fakeDocker([{ name: "grafana-dev", publicPort: port }]);
            assert.deepEqual(
                await preflight.targetProblems({
                    root: project("dev", { grafanaPort: String(port) }),
                    stack: "dev",
                    env: { ...env, DOCKER_HOST: host },
                }),
                [],
            );
        });

        describe("kubernetes", () => {
            function kubeconfig(current: string | undefined, contexts: string[]): string {
                const f = path.join(tmp, `kubeconfig-${Math.random().toString(36).slice(2)}`);
                const ctx = contexts.map((c) => `- name: ${c}\n  context: {cluster: ${c}, user: ${c}}`).join("\n");
                fs.writeFileSync(
                    f,
                    `apiVersion: v1\nkind: Config\n${current ? `current-context: ${current}\n` : ""}contexts:\n${ctx || "[]"}\n`,
                );
                return f;
            }
            const k8s = (extra: Record<string, string> = {}) =>
                project("k8s", { target: "kubernetes", kubernetesMode: "separate", ...extra });

            it("a current context passes; none, or a missing kubeconfig, is one line with the fix", async () => {
                assert.deepEqual(
                    await preflight.targetProblems({
                        root: k8s(),
                        stack: "k8s",
                        env: { ...env, KUBECONFIG: kubeconfig("kind-kind", ["kind-kind"]) },
                    }),
                    [],
                );
                const none = kubeconfig(undefined, ["kind-kind", "prod"]);
                assert.deepEqual(await preflight.targetProblems({ root: k8s(), stack: "k8s", env: { ...env, KUBECONFIG: none } }), [
                    `Kubernetes: ${none} has no current context (contexts: kind-kind, prod). Fix: kubectl config use-context kind-kind, or PULUMI_STACK=k8s npm run pulumi -- config set kubernetes:context kind-kind.`,
                ]);
                const [missing] = await preflight.targetProblems({ root: k8s(), stack: "k8s", env });
                assert.match(
                    missing,
                    /^Kubernetes: no kubeconfig at .*home\/\.kube\/config\. Fix: .*kind create cluster.*or set KUBECONFIG, or only write manifests: PULUMI_STACK=k8s npm run pulumi -- config set renderYamlTo rendered-manifests\.$/,
                );
            });

            it("kubernetes:context must name a context of the kubeconfig", async () => {
                const f = kubeconfig("kind-kind", ["kind-kind"]);
                assert.deepEqual(
                    await preflight.targetProblems({
                        root: k8s({ "kubernetes:context": "kind-kind" }),
                        stack: "k8s",
                        env: { ...env, KUBECONFIG: f },
                    }),
                    [],
                );
                assert.deepEqual(
                    await preflight.targetProblems({
                        root: k8s({ "kubernetes:context": "gone" }),
                        stack: "k8s",
                        env: { ...env, KUBECONFIG: f },
                    }),
                    [
                        `Kubernetes: kubernetes:context is "gone", which ${f} does not define (contexts: kind-kind). Fix: PULUMI_STACK=k8s npm run pulumi -- config set kubernetes:context kind-kind.`,
                    ],
                );
            });

            it("renderYamlTo needs no cluster", async () => {
                assert.deepEqual(await preflight.targetProblems({ root: k8s({ renderYamlTo: "out" }), stack: "k8s", env }), []);
            });
        });

        it("`npm run up` (scripts/up.sh) reports every problem at once and runs nothing when there is one", async () => {
            fakePulumi(path.join(tmp, "nm", "node_modules", ".bin"), log); // ignored: a launcher dir
            const r = await run("bash", ["scripts/up.sh"], {
                ...env,
                PATH: `${path.join(tmp, "nm", "node_modules", ".bin")}${path.delimiter}${env.PATH}`,
            });
            assert.equal(r.code, 1);
            const lines = r.stderr.trim().split("\n");
            assert.match(lines[0], /^Preflight for stack dev found 2 problems; nothing was created\.$/);
            assert.match(lines[1], /^ {2}- Pulumi CLI: no Pulumi CLI found: .*Next step: install the Pulumi CLI/);
            assert.match(lines[2], /^ {2}- Docker: the engine does not answer at .*\. Fix: start Docker/);
            assert.deepEqual(calls(), []);
            assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
        });

        it("`npm run up` (scripts/up.sh) with a CLI and Docker ready runs pulumi up on the stack, then prints the outputs", async function () {
            const fake = fakePulumi(path.join(tmp, "bin"), log);
            const host = await fakeDocker();
            // Pulumi.dev.yaml leaves grafanaPort at its default 3000: only run when it is free here.
            if ((await preflight.targetProblems({ stack: "dev", env: { ...env, DOCKER_HOST: host } })).length) this.skip();
            const r = await run("bash", ["scripts/up.sh", "--diff"], {
                ...env,
                DOCKER_HOST: host,
                PATH: `${path.dirname(fake)}${path.delimiter}${env.PATH}`,
            });
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual(calls(), [
                "fake stack select dev",
                "fake up --yes --diff",
                "fake stack select dev",
                "fake stack output --json",
            ]);
            assert.match(r.stdout, /Grafana: {2}http:\/\/localhost:3000 {3}user: admin\n[^]*Next: {5}add Slack/);
            assert.equal((r.stderr.match(/pulumi: using/g) ?? []).length, 1, "the CLI is resolved and announced once");
        });
    });
});
