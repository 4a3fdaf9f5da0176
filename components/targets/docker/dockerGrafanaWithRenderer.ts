// Docker target: Grafana and the renderer as two containers on a user-defined network,
// addressing each other by alias (placement.ts). Only Grafana is published, on 127.0.0.1.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { GrafanaDeployment } from "../grafanaDeployment";
import { memoryBytes, toMiB } from "../../shared/quantity";
import type { DockerStackSettings } from "../../config/config";
import { ContainerPlan, EnvVar, SecretName, Wiring } from "../../wiring/wiring";
import { DOCKER_ALIASES } from "./placement";

/** The settings the Docker target reads, and no others (a narrow contract, checked by the compiler). */
export type DockerTargetSettings = Pick<DockerStackSettings, "stack" | "grafanaImage" | "rendererImage" | "grafanaPort" | "grafanaUrl">;

export interface DockerGrafanaWithRendererArgs {
    /**
     * Validated settings: the stack name (part of container, network and volume names, so
     * stacks can share one engine), the pinned images, the host port Grafana is published on
     * (127.0.0.1 only) and the URL this machine uses for Grafana's API (always known on Docker).
     */
    settings: DockerTargetSettings;
    /** The wiring decided in components/wiring/wiring.ts for the Docker placement (placement.ts). */
    wiring: Wiring;
    /** Resolves the secrets the wiring refers to. */
    secret: (name: SecretName) => pulumi.Output<string>;
}

/** Seconds Pulumi waits for a container to report healthy before failing the update. */
const HEALTHY_TIMEOUT_SECONDS = 180;

/** Where Grafana's secrets are written in its container (Docker's own place for secrets). */
export const GRAFANA_SECRETS_DIR = "/run/secrets/grafana-slack-alerts";

/**
 * Grafana's environment with every secret as a file: `GF_X__FILE=<path>` plus an upload of
 * the value to that path, so the value is in no container setting (`docker inspect` shows
 * the path). The Grafana image's entrypoint reads each `GF_*__FILE` into `GF_*` before
 * Grafana starts (grafana/grafana packaging/docker/run.sh; Grafana docs "Configure a Grafana
 * Docker image", Docker secrets). The provider writes uploads into the container after
 * creating and before starting it, mode 0644, so Grafana's user 472 can read them
 * (kreuzwerker/terraform-provider-docker resource_docker_container_funcs.go, `upload`). The
 * renderer keeps AUTH_TOKEN in its env: v3/v4 read it nowhere else, and which v5 releases
 * read it from a config file (renderer docs/sources/flags.md) this program does not know.
 */
export function grafanaFileEnv(
    vars: EnvVar[],
    secret: (name: SecretName) => pulumi.Output<string>,
): { envs: string[]; uploads: Array<{ file: string; content: pulumi.Output<string> }> } {
    const envs: string[] = [];
    const uploads: Array<{ file: string; content: pulumi.Output<string> }> = [];
    for (const v of vars) {
        if (v.secret === undefined) {
            envs.push(`${v.name}=${v.value}`);
            continue;
        }
        const file = `${GRAFANA_SECRETS_DIR}/${v.name.toLowerCase()}`;
        envs.push(`${v.name}__FILE=${file}`);
        uploads.push({ file, content: pulumi.secret(secret(v.secret)) });
    }
    return { envs, uploads };
}

/**
 * The plan's memory limit in MB, Docker's unit (the provider multiplies by 1024*1024). The
 * same limit as on Kubernetes, so the renderer's memory bounds in its env hold here too.
 */
export function dockerMemoryMiB(plan: ContainerPlan): number {
    const bytes = memoryBytes(plan.resources.limits.memory);
    if (bytes === undefined) throw new Error(`memory limit ${JSON.stringify(plan.resources.limits.memory)} is not a memory quantity`);
    return toMiB(bytes);
}

/**
 * The plan's memory limit, without swap. Docker lets a container with a memory limit and no
 * memory-swap use as much swap again (MemorySwap = 2 x Memory), and the provider reads that
 * back into `memorySwap`, so leaving it unset shows a change at every preview (seen with the
 * real provider in `npm run e2e`). Memory + swap = memory: no swap, as on Kubernetes, so the
 * renderer's memory settings (derived from the limit) hold.
 */
export function memoryLimit(plan: ContainerPlan): { memory: number; memorySwap: number } {
    const mib = dockerMemoryMiB(plan);
    return { memory: mib, memorySwap: mib };
}

/** KEY=VALUE strings; any secret makes the whole list a secret Output (the renderer's, see grafanaFileEnv). */
function envStrings(vars: EnvVar[], secret: DockerGrafanaWithRendererArgs["secret"]) {
    return pulumi.all(
        vars.map((v) => (v.secret ? pulumi.interpolate`${v.name}=${secret(v.secret)}` : pulumi.output(`${v.name}=${v.value}`))),
    );
}

function healthcheck(tests: string[]) {
    return { tests, interval: "5s", timeout: "3s", startPeriod: "20s", retries: 10 };
}

/** Every container: no capabilities, no privilege gain, restarted, and waited for until healthy. */
const HARDENING = {
    capabilities: { drops: ["ALL"] },
    securityOpts: ["no-new-privileges:true"],
    restart: "unless-stopped",
    // Pulumi returns only once the healthcheck passes, so nothing talks to Grafana early.
    wait: true,
    waitTimeout: HEALTHY_TIMEOUT_SECONDS,
};

/**
 * Grafana and the Grafana Image Renderer as two Docker containers on a user-defined network,
 * wired as `wiring.ts` decides: the renderer reaches Grafana's callback URL and Grafana the
 * renderer's server URL by network alias, and they share the renderer token. Only Grafana is
 * published (on 127.0.0.1); both have healthchecks, restart policies and memory limits, and
 * Grafana keeps its data in a named volume.
 *
 * The default `dev` stack's target. Its `ready` resources finish when both containers are healthy.
 */
export class DockerGrafanaWithRenderer extends pulumi.ComponentResource implements GrafanaDeployment {
    readonly network: docker.Network;
    readonly grafanaContainer: docker.Container;
    readonly rendererContainer: docker.Container;
    readonly grafanaApiUrl: pulumi.Output<string>;
    readonly renderingServerUrl: string;
    readonly renderingCallbackUrl: string;
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: DockerGrafanaWithRendererArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grafana-slack-alerts:docker:GrafanaWithRenderer", name, {}, opts);
        const { settings, wiring } = args;
        const suffix = settings.stack;

        this.network = new docker.Network(
            `${name}-network`,
            {
                name: `grafana-slack-alerts-${suffix}`,
                driver: "bridge",
            },
            { parent: this },
        );

        const image = (key: string, ref: string) =>
            new docker.RemoteImage(
                `${name}-${key}-image`,
                {
                    name: ref,
                    keepLocally: true,
                },
                { parent: this },
            );
        const rendererImage = image("renderer", settings.rendererImage.ref);
        const grafanaImage = image("grafana", settings.grafanaImage.ref);

        this.rendererContainer = new docker.Container(
            `${name}-renderer`,
            {
                name: `grafana-image-renderer-${suffix}`,
                image: rendererImage.imageId,
                envs: envStrings(wiring.renderer.env, args.secret),
                // Not published: only Grafana, on the same network, needs the renderer.
                networksAdvanced: [{ name: this.network.name, aliases: [DOCKER_ALIASES.renderer] }],
                healthcheck: healthcheck(wiring.renderer.healthcheck),
                ...memoryLimit(wiring.renderer),
                // v3/v4 render through /dev/shm (Docker's 64 MB default crashes large panels); v5
                // passes --disable-dev-shm-usage and uses /tmp, so the size only matters before v5.
                shmSize: 256,
                ...HARDENING,
            },
            { parent: this },
        );

        const grafanaData = new docker.Volume(
            `${name}-grafana-data`,
            {
                name: `grafana-slack-alerts-${suffix}-data`,
            },
            { parent: this },
        );

        this.grafanaContainer = new docker.Container(
            `${name}-grafana`,
            {
                name: `grafana-${suffix}`,
                image: grafanaImage.imageId,
                ...grafanaFileEnv(wiring.grafana.env, args.secret),
                networksAdvanced: [{ name: this.network.name, aliases: [DOCKER_ALIASES.grafana] }],
                ports: [{ internal: wiring.grafana.containerPort, external: settings.grafanaPort, ip: "127.0.0.1" }],
                volumes: [{ volumeName: grafanaData.name, containerPath: "/var/lib/grafana" }],
                healthcheck: healthcheck(wiring.grafana.healthcheck),
                ...memoryLimit(wiring.grafana),
                ...HARDENING,
            },
            { parent: this, dependsOn: [this.rendererContainer] },
        );

        this.grafanaApiUrl = pulumi.output(settings.grafanaUrl);
        this.renderingServerUrl = wiring.renderingServerUrl;
        this.renderingCallbackUrl = wiring.renderingCallbackUrl;
        this.ready = [this.grafanaContainer, this.rendererContainer];
        this.registerOutputs({
            grafanaApiUrl: this.grafanaApiUrl,
            renderingServerUrl: this.renderingServerUrl,
            renderingCallbackUrl: this.renderingCallbackUrl,
        });
    }
}
