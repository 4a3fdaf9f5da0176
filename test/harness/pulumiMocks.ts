// Runs a piece of the Pulumi program under `pulumi.runtime.setMocks` and records
// every resource it registers, so tests assert on what a real `pulumi up` would send
// to the engine (inputs exactly as serialized, secrets still marked as secrets).
import * as pulumi from "@pulumi/pulumi";

export const PROJECT = "grafana-slack-alerts";

/** The marker Pulumi puts on a serialized secret value. */
const SIG_KEY = pulumi.runtime.specialSigKey;
const SECRET_SIG = pulumi.runtime.specialSecretSig;

export interface RegisteredResource {
    /** Pulumi type token, e.g. `docker:index/container:Container`. */
    type: string;
    /** Logical name given to the resource. */
    name: string;
    /** Inputs as the engine receives them; secrets are still wrapped. */
    inputs: any;
    /** The same inputs with every secret unwrapped. */
    plain: any;
    /** Provider reference (`urn::id`), when one was set explicitly. */
    provider?: string;
    /** False for component resources (mocks only see custom ones). */
    custom: boolean;
    /** The `additionalSecretOutputs` option: outputs the engine stores encrypted. */
    secretOutputs?: string[];
}

export interface RunOptions {
    /** Stack config, keys without the project prefix. Values as strings (what the CLI sets). */
    config?: Record<string, string>;
    /** Keys of `config` that are stored as secrets (`pulumi config set --secret`). */
    secretKeys?: string[];
    /** Run as a preview: outputs the mock does not return stay unknown. Default false. */
    preview?: boolean;
    /** Stack name. Default `test`. */
    stack?: string;
    /** Extra state the mock returns for a resource (e.g. a LoadBalancer's status). */
    stateFor?: (args: pulumi.runtime.MockResourceArgs) => Record<string, any> | undefined;
}

export interface RunResult<T> {
    resources: RegisteredResource[];
    result?: T;
    error?: unknown;
    /** What the program logged with pulumi.log.warn: captured, not printed, so a passing test run stays quiet. */
    warnings: string[];
}

export function isSecretValue(v: unknown): boolean {
    return typeof v === "object" && v !== null && (v as any)[SIG_KEY] === SECRET_SIG;
}

/** Removes Pulumi's secret wrappers, recursively. */
export function unwrapSecrets(v: any): any {
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v && typeof v === "object") {
        if (isSecretValue(v)) return unwrapSecrets(v.value);
        const out: any = {};
        for (const [k, x] of Object.entries(v)) out[k] = unwrapSecrets(x);
        return out;
    }
    return v;
}

/** Pulumi's wait for its outstanding RPCs (runtime/settings, internal): what its runner awaits before the program exits. */
const waitForRPCs = (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs?: () => Promise<void> }).waitForRPCs;

/**
 * Waits until the program has registered everything: Pulumi's RPC queue drained and no new
 * registration across a few event-loop turns (one made in an apply callback adds an RPC
 * after the queue looked empty). No fixed sleeps: a run settles in about a millisecond, not
 * 50. Gives up after 5 s; without waitForRPCs (another Pulumi version) it polls every 10 ms.
 */
async function settle(count: () => number): Promise<void> {
    const deadline = Date.now() + 5_000;
    let last = -1;
    let stable = 0;
    while (stable < 4 && Date.now() < deadline) {
        if (waitForRPCs) {
            let timer: NodeJS.Timeout | undefined;
            await Promise.race([waitForRPCs(), new Promise((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now()))))]);
            clearTimeout(timer);
            await new Promise((r) => setImmediate(r));
        } else {
            await new Promise((r) => setTimeout(r, 10));
        }
        const now = count();
        stable = now === last ? stable + 1 : 0;
        last = now;
    }
}

/**
 * Sets config and mocks, runs `program`, waits for registrations to settle and returns
 * what was registered. Errors thrown by `program` are returned, not thrown, so tests
 * can assert both the message and that nothing was registered.
 */
export async function runWithMocks<T>(opts: RunOptions, program: () => Promise<T> | T): Promise<RunResult<T>> {
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.config ?? {})) config[`${PROJECT}:${k}`] = v;
    pulumi.runtime.setAllConfig(
        config,
        (opts.secretKeys ?? []).map((k) => `${PROJECT}:${k}`),
    );
    const resources: RegisteredResource[] = [];
    // The mock hands newResource no resource options; the request it reads them from does.
    let secretOutputs: string[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                resources.push({
                    type: args.type,
                    name: args.name,
                    inputs: args.inputs,
                    plain: unwrapSecrets(args.inputs),
                    provider: args.provider,
                    custom: args.custom ?? true,
                    secretOutputs,
                });
                // What the random provider keeps in state for a RandomId: hex digits, the same for the same name.
                // In a preview it stays unknown, as the real engine's is for a new resource.
                const randomId =
                    args.type === "random:index/randomId:RandomId" && !opts.preview
                        ? {
                              hex: require("node:crypto")
                                  .createHash("sha256")
                                  .update(args.name)
                                  .digest("hex")
                                  .slice(0, 2 * Number(args.inputs.byteLength ?? 8)),
                          }
                        : {};
                const extra = { ...randomId, ...(opts.stateFor?.(args) ?? {}) };
                return { id: `${args.name}-id`, state: { ...args.inputs, ...extra } };
            },
            call(args) {
                return args.inputs;
            },
        },
        PROJECT,
        opts.stack ?? "test",
        opts.preview ?? false,
    );
    const monitor = (require("@pulumi/pulumi/runtime/settings") as { getMonitor(): any }).getMonitor();
    const register = monitor.registerResource.bind(monitor);
    // MockMonitor.registerResource calls newResource before its first await: set, then call.
    monitor.registerResource = (req: any, callback: unknown) => {
        secretOutputs = req.getAdditionalsecretoutputsList?.() ?? [];
        return register(req, callback);
    };
    let result: T | undefined;
    let error: unknown;
    const warnings: string[] = [];
    const warn = pulumi.log.warn;
    pulumi.log.warn = (msg: string) => {
        warnings.push(msg);
        return Promise.resolve();
    };
    try {
        result = await program();
    } catch (e) {
        error = e;
    }
    try {
        await settle(() => resources.length);
    } finally {
        pulumi.log.warn = warn;
    }
    return { resources, result, error, warnings };
}

/** Resolves an Output in a test (not in preview, where unknowns never resolve). */
export function valueOf<T>(o: pulumi.Input<T> | undefined): Promise<T | undefined> {
    if (o === undefined) return Promise.resolve(undefined);
    return new Promise((resolve) =>
        pulumi.output(o).apply((v) => {
            resolve(v as T);
            return v;
        }),
    );
}

/** Whether an Output is marked secret. */
export function outputIsSecret(o: pulumi.Input<unknown>): Promise<boolean> {
    return pulumi.isSecret(pulumi.output(o));
}

export function ofType(resources: RegisteredResource[], type: string): RegisteredResource[] {
    return resources.filter((r) => r.type === type);
}

export function one(resources: RegisteredResource[], type: string, name?: string): RegisteredResource {
    const found = resources.filter((r) => r.type === type && (name === undefined || r.name === name));
    if (found.length !== 1) {
        throw new Error(
            `expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${resources.map((r) => `${r.type}/${r.name}`).join(", ")}`,
        );
    }
    return found[0];
}
