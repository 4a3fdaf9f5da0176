// A Docker engine of `npm run e2e`'s own: Debian's dockerd with its data root, exec root and
// socket in the workspace, started by PID and stopped by PID (its containerd with it). It
// touches nothing of the machine's networking: no default bridge, no iptables rules, no IP
// forwarding, so containers reach only each other on their own bridge, and a published port
// is served by docker-proxy on 127.0.0.1. Images are built here, never pulled: no registry
// is reachable.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import type { Processes, Started } from "./processes";

export const DOCKERD = "/usr/sbin/dockerd";
/** Debian's CLI, the same release as the engine (another `docker` may come first on PATH). */
const DOCKER_CLI = fs.existsSync("/usr/bin/docker") ? "/usr/bin/docker" : "docker";

export interface DockerEngine {
    root: string;
    socket: string;
    host: string;
    daemon: Started;
    /** Runs the CLI against this engine; throws with its output on failure unless `allowFail`. */
    cli(args: string[], opts?: { allowFail?: boolean; timeoutS?: number }): { status: number | null; stdout: string; stderr: string };
    inspect(kind: "container" | "network", name: string): any;
}

/** Starts dockerd in `<workspace>/docker` and waits until it answers. */
export async function startDockerEngine(procs: Processes, workspace: string): Promise<DockerEngine> {
    const root = path.join(workspace, "docker");
    fs.mkdirSync(root, { recursive: true });
    const socket = path.join(root, "docker.sock");
    const host = `unix://${socket}`;
    const args = [
        ...["--data-root", path.join(root, "data"), "--exec-root", path.join(root, "exec"), "--pidfile", path.join(root, "docker.pid")],
        ...["-H", host, "--bridge=none", "--iptables=false", "--ip-forward=false", "--ip-masq=false", "--log-level=warn"],
    ];
    const env = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME: root };
    const daemon = procs.start("dockerd", DOCKERD, args, { env, logFile: path.join(root, "dockerd.log") });
    const cli: DockerEngine["cli"] = (cliArgs, opts = {}) => {
        const r = spawnSync(DOCKER_CLI, ["-H", host, ...cliArgs], {
            encoding: "utf8",
            env: { PATH: "/usr/bin:/bin", HOME: root, DOCKER_BUILDKIT: "0", DOCKER_CONFIG: path.join(root, "cli") },
            timeout: (opts.timeoutS ?? 300) * 1000,
            maxBuffer: 64 * 1024 * 1024,
        });
        const out = { status: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? r.error.message : "") };
        if (out.status !== 0 && !opts.allowFail)
            throw new Error(`docker ${cliArgs.join(" ")} exited ${out.status}:\n${out.stdout}\n${out.stderr}`);
        return out;
    };
    const engine: DockerEngine = {
        root,
        socket,
        host,
        daemon,
        cli,
        inspect: (kind, name) => JSON.parse(cli([kind, "inspect", name]).stdout)[0],
    };
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && daemon.exit === undefined) {
        if (fs.existsSync(socket) && cli(["version"], { allowFail: true, timeoutS: 10 }).status === 0) return engine;
        await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`dockerd did not answer on ${socket}:\n${fs.readFileSync(daemon.logFile, "utf8").slice(-2000)}`);
}

/**
 * Removes every container and network of this engine (so no bridge is left on the machine),
 * stops dockerd by its PID (it stops its containerd), and deletes a bridge it left behind.
 */
export async function stopDockerEngine(procs: Processes, engine: DockerEngine): Promise<void> {
    const bridges: string[] = [];
    if (engine.daemon.exit === undefined) {
        const ids = engine.cli(["ps", "-aq"], { allowFail: true }).stdout.split("\n").filter(Boolean);
        if (ids.length) engine.cli(["rm", "-f", ...ids], { allowFail: true });
        const nets = engine.cli(["network", "ls", "-q", "--filter", "driver=bridge"], { allowFail: true }).stdout;
        bridges.push(
            ...nets
                .split("\n")
                .filter(Boolean)
                .map((id) => `br-${id.slice(0, 12)}`),
        );
        engine.cli(["network", "prune", "-f"], { allowFail: true });
    }
    await procs.stop(engine.daemon, 30_000);
    for (const b of bridges) if (fs.existsSync(`/sys/class/net/${b}`)) spawnSync("ip", ["link", "delete", b]);
    // The cgroupfs driver's parent cgroups ("docker" under each controller), once empty.
    for (const ctrl of fs.existsSync("/sys/fs/cgroup") ? fs.readdirSync("/sys/fs/cgroup") : []) {
        try {
            fs.rmdirSync(path.join("/sys/fs/cgroup", ctrl, "docker"));
        } catch {
            // absent, or in use
        }
    }
}

/** The stand-in Grafana as one JavaScript file for the container (Node's standard library only). */
function standInScript(): string {
    const source = fs.readFileSync(path.join(__dirname, "standInGrafana.ts"), "utf8");
    return ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText;
}

export const IMAGES = {
    base: "gsa-e2e/debian-chromium:local",
    standIn: "gsa-e2e/grafana-stand-in:13.1.1",
};

/**
 * The renderer image as upstream's Dockerfile makes it (Debian with chromium, user 65532,
 * tini, the binary at /usr/bin/grafana-image-renderer, `server`), from the toolchain's rootfs
 * and binary, tagged `rendererRef`; and the stand-in Grafana image (user 472, as Grafana's).
 */
export function buildImages(engine: DockerEngine, toolchainDir: string, rendererRef: string): void {
    engine.cli(["import", path.join(toolchainDir, "images", "renderer-rootfs.tar"), IMAGES.base], { timeoutS: 600 });
    const ctx = (name: string) => {
        const dir = path.join(engine.root, "build", name);
        fs.mkdirSync(dir, { recursive: true });
        return dir;
    };
    const renderer = ctx("renderer");
    fs.copyFileSync(path.join(toolchainDir, "bin", "grafana-image-renderer"), path.join(renderer, "grafana-image-renderer"));
    fs.writeFileSync(
        path.join(renderer, "Dockerfile"),
        [
            `FROM ${IMAGES.base}`,
            'LABEL org.opencontainers.image.description="grafana-image-renderer built from source by npm run e2e (not the registry image)"',
            "COPY grafana-image-renderer /usr/bin/grafana-image-renderer",
            'ENV CHROME_BIN="/usr/bin/chromium" LANG=C.UTF-8',
            "WORKDIR /home/nonroot",
            "USER 65532",
            "EXPOSE 8081",
            'ENTRYPOINT ["tini", "--", "/usr/bin/grafana-image-renderer"]',
            'CMD ["server"]',
        ].join("\n") + "\n",
    );
    engine.cli(["build", "-q", "-t", rendererRef, renderer], { timeoutS: 600 });
    const standIn = ctx("grafana-stand-in");
    fs.writeFileSync(path.join(standIn, "server.js"), standInScript());
    fs.writeFileSync(
        path.join(standIn, "Dockerfile"),
        [
            `FROM ${IMAGES.base}`,
            'LABEL org.opencontainers.image.description="a stand-in for Grafana rendering paths (test/e2e/standInGrafana.ts); Grafana itself is not run here"',
            "COPY server.js /usr/share/grafana-stand-in/server.js",
            "USER 472",
            "EXPOSE 3000",
            'ENTRYPOINT ["node", "/usr/share/grafana-stand-in/server.js"]',
        ].join("\n") + "\n",
    );
    engine.cli(["build", "-q", "-t", IMAGES.standIn, standIn], { timeoutS: 600 });
}
