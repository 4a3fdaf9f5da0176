// The real Grafana Image Renderer on this machine, for `npm run e2e` and `npm run bench`: the
// binary the toolchain builds, started with exactly the environment the program gives its
// renderer (read from the program's own registrations under mocks, for the Docker container
// and the Kubernetes container alike), only the listen address moved to 127.0.0.1 and
// BROWSER_PATH added for Debian's chromium. It runs in a memory cgroup limited like the
// container, so the memory settings the program derives from that limit meet a real limit.
import * as fs from "fs";
import * as path from "path";
import { runStack } from "../harness/program";
import { one, ofType, type RegisteredResource } from "../harness/pulumiMocks";
import { memoryBytes } from "../../components/shared/quantity";
import { createMemoryCgroup, type MemoryCgroup } from "./memoryCgroup";
import { freePort, type Processes, type Started } from "./processes";
import { expandFileVariables } from "./standInGrafana";

export const CHROMIUM = "/usr/bin/chromium";

/** The toolchain's renderer binary, when built. */
export function rendererBinary(toolchainDir: string): string | undefined {
    const bin = path.join(toolchainDir, "bin", "grafana-image-renderer");
    return fs.existsSync(bin) && fs.existsSync(CHROMIUM) ? bin : undefined;
}

const pairs = (envs: string[]) => Object.fromEntries(envs.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));

/** What the Docker provider writes to `file` in the container (the registered `uploads`). */
function uploadContent(uploads: Array<{ file: string; content?: string }> | undefined, file: string): string {
    const upload = (uploads ?? []).find((u) => u.file === file);
    if (upload?.content === undefined) throw new Error(`the Grafana container reads ${file}, but nothing is uploaded there`);
    return upload.content;
}

/** A Kubernetes container's env, with each secretKeyRef read from the registered Secret. */
function kubernetesEnv(resources: RegisteredResource[], container: any): Record<string, string> {
    const env: Record<string, string> = {};
    for (const v of container.env ?? []) {
        const ref = v.valueFrom?.secretKeyRef;
        if (!ref) {
            env[v.name] = v.value;
            continue;
        }
        const secret = ofType(resources, "kubernetes:core/v1:Secret").find((s) => s.plain.metadata?.name === ref.name);
        const value = secret?.plain.stringData?.[ref.key] ?? Buffer.from(secret?.plain.data?.[ref.key] ?? "", "base64").toString();
        env[v.name] = value;
    }
    return env;
}

export interface ProgramRenderer {
    /** The renderer container's variables on the default (Docker) stack. */
    docker: Record<string, string>;
    /** The same on Kubernetes (separate mode), secrets resolved from the Secret. */
    kubernetes: Record<string, string>;
    /** The container's memory limit (bytes), from which the program derived its memory settings. */
    memoryLimitBytes: number;
    /** What the program gives Grafana: GF_RENDERING_* and the admin credentials. */
    grafanaEnv: Record<string, string>;
}

/** The renderer's environment as the program registers it (Pulumi mocks), Docker and Kubernetes. */
export async function programRenderer(dockerConfig: Record<string, string>, kubeConfig: Record<string, string>): Promise<ProgramRenderer> {
    const docker = await runStack(dockerConfig, { stack: "dev" });
    if (docker.error) throw docker.error;
    const renderer = one(docker.resources, "docker:index/container:Container", "grafana-renderer");
    const grafana = one(docker.resources, "docker:index/container:Container", "grafana-grafana");
    const kube = await runStack(kubeConfig, { stack: "e2e-separate" });
    if (kube.error) throw kube.error;
    const deployment = ofType(kube.resources, "kubernetes:apps/v1:Deployment").find((d) =>
        d.plain.spec.template.spec.containers.some((c: any) => c.name === "grafana-image-renderer"),
    );
    if (!deployment) throw new Error("no renderer Deployment registered for the Kubernetes stack");
    const container = deployment.plain.spec.template.spec.containers.find((c: any) => c.name === "grafana-image-renderer");
    return {
        docker: pairs(renderer.plain.envs),
        kubernetes: kubernetesEnv(kube.resources, container),
        memoryLimitBytes: renderer.plain.memory * 1024 * 1024,
        grafanaEnv: expandFileVariables(pairs(grafana.plain.envs), (file) => uploadContent(grafana.plain.uploads, file)) as Record<
            string,
            string
        >,
    };
}

export interface RunningRenderer {
    url: string;
    token: string;
    env: Record<string, string>;
    process: Started;
    cgroup?: MemoryCgroup;
    /** Why there is no cgroup (the limit is then not enforced). */
    cgroupProblem?: string;
    stop(): Promise<void>;
}

/** Starts the renderer with `programEnv`, listening on 127.0.0.1, in a memory cgroup of `limitBytes`. */
export async function startRenderer(
    procs: Processes,
    bin: string,
    programEnv: Record<string, string>,
    workspace: string,
    limitBytes: number,
): Promise<RunningRenderer> {
    const port = await freePort();
    const home = fs.mkdtempSync(path.join(workspace, "renderer-"));
    fs.mkdirSync(path.join(home, "tmp"));
    const env = { ...programEnv, SERVER_ADDR: `127.0.0.1:${port}`, BROWSER_PATH: CHROMIUM };
    // What the image itself provides around the program's variables (upstream's Dockerfile:
    // a home directory, PATH, a UTF-8 locale); TMPDIR keeps the browsers' profiles in the workspace.
    const processEnv = { PATH: "/usr/bin:/bin", HOME: home, TMPDIR: path.join(home, "tmp"), LANG: "C.UTF-8", ...env };
    const cgroup = createMemoryCgroup(`${path.basename(home)}-${process.pid}`, limitBytes);
    const inCgroup = typeof cgroup === "string" ? [bin, "server"] : ["/bin/sh", "-c", cgroup.enterCommand(), "sh", bin, "server"];
    const started = procs.start("grafana-image-renderer", inCgroup[0], inCgroup.slice(1), {
        env: processEnv,
        cwd: home,
        logFile: path.join(home, "renderer.log"),
    });
    const url = `http://127.0.0.1:${port}`;
    const running: RunningRenderer = {
        url,
        token: programEnv.AUTH_TOKEN,
        env,
        process: started,
        ...(typeof cgroup === "string" ? { cgroupProblem: cgroup } : { cgroup }),
        stop: async () => {
            await procs.stop(started);
            if (typeof cgroup !== "string") cgroup.remove();
        },
    };
    await waitHealthy(running, 60_000);
    return running;
}

/** Polls /healthz until 200; throws with the log's tail if the renderer exits or time runs out. */
export async function waitHealthy(r: RunningRenderer, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (r.process.exit !== undefined) break;
        try {
            const res = await fetch(`${r.url}/healthz`, { signal: AbortSignal.timeout(2_000) });
            if (res.status === 200) return;
        } catch {
            // not listening yet
        }
        await new Promise((res) => setTimeout(res, 200));
    }
    const tail = fs.readFileSync(r.process.logFile, "utf8").split("\n").slice(-15).join("\n");
    throw new Error(`the renderer did not answer /healthz (exit: ${r.process.exit ?? "still running"}); log:\n${tail}`);
}

/** The limit the program gives the renderer, in bytes, from its `resources.limits.memory`. */
export function limitBytes(quantity: string): number {
    const b = memoryBytes(quantity);
    if (b === undefined) throw new Error(`not a memory quantity: ${quantity}`);
    return b;
}
