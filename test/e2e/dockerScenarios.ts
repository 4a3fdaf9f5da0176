// `npm run e2e`, Docker scenarios: the project's Docker target on a real Docker engine (this
// run's own dockerd) through the real Pulumi engine and Docker provider. The whole stack
// cannot run (no Grafana provider can be built), so the Docker component is driven on its
// own (dockerProgram.ts: the program's own steps 1-4) with the default stack's config, the
// renderer image built locally from the toolchain's binary under the default image's name,
// and a stand-in Grafana image (standInGrafana.ts) in place of Grafana's.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { DEFAULT_RENDERER_IMAGE } from "../../components/shared/images";
import { check, skip, timed, timeStep } from "./report";
import { buildImages, DOCKERD, IMAGES, startDockerEngine, stopDockerEngine, type DockerEngine } from "./dockerEngine";
import { dockerRenderChecks } from "./dockerRenders";
import { stackFileConfig, type Engine } from "./engine";
import { freePort, type Processes } from "./processes";

const STACK = "e2e-docker";
/** The temp project's entry for the Docker scenarios (written there, never in the repository). */
const ENTRY = "e2e-docker-target.ts";
const P = "grafana-slack-alerts:";

/** What is missing for the Docker scenarios, or undefined. */
function missing(toolchainDir: string): string | undefined {
    const need = [
        path.join(toolchainDir, "bin", "pulumi-resource-docker"),
        path.join(toolchainDir, "bin", "grafana-image-renderer"),
        path.join(toolchainDir, "images", "renderer-rootfs.tar"),
        DOCKERD,
    ];
    const absent = need.filter((f) => !fs.existsSync(f));
    return absent.length ? `not built or installed: ${absent.join(", ")} (scripts/e2e-toolchain.sh)` : undefined;
}

export async function dockerScenarios(engine: Engine, procs: Processes, toolchainDir: string): Promise<void> {
    console.log(
        "\ndocker (a dockerd of this run's own, the real Docker provider; the Docker target's component on its own, because the Grafana provider cannot be built here)",
    );
    const why = missing(toolchainDir);
    if (why) return skip("docker: every scenario", why);
    let docker: DockerEngine | undefined;
    const pulumiYaml = path.join(engine.project, "Pulumi.yaml");
    const original = fs.readFileSync(pulumiYaml, "utf8");
    try {
        await check("docker: dockerd starts with its own data root, exec root and socket in the workspace", async () => {
            docker = await timeStep("docker: start dockerd", () => startDockerEngine(procs, engine.tmp));
            assert.ok(docker.socket.startsWith(engine.tmp));
        });
        if (!docker) return;
        const d = docker;
        const built = await check(
            `docker: the renderer image builds locally (Debian rootfs with chromium imported, a Dockerfile adds the renderer binary) as ${DEFAULT_RENDERER_IMAGE}, and the stand-in Grafana image`,
            () => timeStep("docker: build the images", async () => buildImages(d, toolchainDir, DEFAULT_RENDERER_IMAGE)),
        );
        if (!built) return;
        // The Docker component alone (the program's steps 1-4), under the project's own config.
        // The entry sits at the project's root: Pulumi runs a program in its entry's folder, and
        // the runner's ts-node reads tsconfig.json from there.
        fs.writeFileSync(path.join(engine.project, ENTRY), 'export = require("./test/e2e/dockerProgram");\n');
        fs.writeFileSync(pulumiYaml, original.replace(/^runtime:/m, `main: ${ENTRY}\nruntime:`));
        const grafanaPort = await freePort();
        engine.initStack(STACK, {
            ...stackFileConfig("Pulumi.dev.yaml"),
            [`${P}grafanaImage`]: IMAGES.standIn,
            [`${P}grafanaPort`]: String(grafanaPort),
            "docker:host": docker.host,
        });
        await deployed(engine, docker, grafanaPort);
    } finally {
        fs.writeFileSync(pulumiYaml, original);
        if (docker) await stopDockerEngine(procs, docker);
    }
}

async function deployed(engine: Engine, docker: DockerEngine, grafanaPort: number): Promise<void> {
    const up = await check(
        "docker: pulumi up --yes with the real Docker provider: network, both images found locally (no pull), both containers healthy",
        () => {
            const r = timed("docker: pulumi up", engine.pulumi(["up", "--yes", "--stack", STACK], { timeoutS: 900 }));
            assert.strictEqual(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
            for (const name of [`grafana-${STACK}`, `grafana-image-renderer-${STACK}`])
                assert.strictEqual(docker.inspect("container", name).State.Health?.Status, "healthy", `${name} is not healthy`);
        },
    );
    if (!up) return;
    await containerChecks(docker, grafanaPort);
    const out = JSON.parse(engine.ok(["stack", "output", "--json", "--show-secrets", "--stack", STACK]).stdout);
    await dockerRenderChecks(docker, STACK, {
        url: `http://127.0.0.1:${grafanaPort}`,
        auth: `${out.grafanaAdminUser}:${out.grafanaAdminPassword}`,
    });
    await check("docker: a second preview (--diff --expect-no-changes) shows no changes", () => {
        const r = timed("docker: pulumi preview", engine.pulumi(["preview", "--diff", "--expect-no-changes", "--stack", STACK]));
        assert.strictEqual(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    });
    await check("docker: pulumi destroy --yes removes both containers, the network and the volume", () => {
        const r = timed("docker: pulumi destroy", engine.pulumi(["destroy", "--yes", "--stack", STACK], { timeoutS: 600 }));
        assert.strictEqual(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
        assert.deepStrictEqual(docker.cli(["ps", "-aq"]).stdout.trim(), "");
        assert.doesNotMatch(docker.cli(["network", "ls", "--format", "{{.Name}}"]).stdout, new RegExp(`grafana-slack-alerts-${STACK}`));
        assert.doesNotMatch(docker.cli(["volume", "ls", "--format", "{{.Name}}"]).stdout, new RegExp(`grafana-slack-alerts-${STACK}`));
    });
    engine.pulumi(["stack", "rm", "--yes", "--force", STACK]);
}

async function containerChecks(docker: DockerEngine, grafanaPort: number): Promise<void> {
    const grafana = docker.inspect("container", `grafana-${STACK}`);
    const renderer = docker.inspect("container", `grafana-image-renderer-${STACK}`);
    const network = `grafana-slack-alerts-${STACK}`;
    await check(`docker: both containers on the private network ${network}, by the aliases renderer and grafana`, () => {
        assert.strictEqual(docker.inspect("network", network).Driver, "bridge");
        assert.ok(
            renderer.NetworkSettings.Networks[network]?.Aliases?.includes("renderer"),
            JSON.stringify(renderer.NetworkSettings.Networks),
        );
        assert.ok(
            grafana.NetworkSettings.Networks[network]?.Aliases?.includes("grafana"),
            JSON.stringify(grafana.NetworkSettings.Networks),
        );
    });
    await check(
        `docker: the renderer is not published; Grafana's port is published on 127.0.0.1:${grafanaPort} only, and answers there`,
        async () => {
            assert.deepStrictEqual(renderer.HostConfig.PortBindings ?? {}, {});
            assert.ok(
                Object.values(renderer.NetworkSettings.Ports ?? {}).every((b) => b === null),
                JSON.stringify(renderer.NetworkSettings.Ports),
            );
            assert.deepStrictEqual(grafana.HostConfig.PortBindings, {
                "3000/tcp": [{ HostIp: "127.0.0.1", HostPort: String(grafanaPort) }],
            });
            assert.strictEqual((await fetch(`http://127.0.0.1:${grafanaPort}/api/health`)).status, 200);
        },
    );
    await check(
        "docker: memory limits (renderer 2048 MiB, Grafana 1024 MiB, no swap) and health checks as the program configures them",
        () => {
            assert.strictEqual(renderer.HostConfig.Memory, 2048 * 2 ** 20);
            assert.strictEqual(grafana.HostConfig.Memory, 1024 * 2 ** 20);
            for (const c of [renderer, grafana]) assert.strictEqual(c.HostConfig.MemorySwap, c.HostConfig.Memory, "swap allowed");
            assert.deepStrictEqual(renderer.Config.Healthcheck.Test, ["CMD", "/usr/bin/grafana-image-renderer", "healthcheck"]);
            assert.match(
                grafana.Config.Healthcheck.Test.join(" "),
                /^CMD-SHELL wget -q -O \/dev\/null http:\/\/127\.0\.0\.1:3000\/api\/health/,
            );
            for (const c of [renderer, grafana]) {
                assert.deepStrictEqual(c.HostConfig.CapDrop, ["ALL"]);
                assert.deepStrictEqual(c.HostConfig.SecurityOpt, ["no-new-privileges:true"]);
            }
        },
    );
}
