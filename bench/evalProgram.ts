// Child process for the benchmark: evaluates the stack program once under Pulumi mocks as a
// preview would (fresh process, nothing cached), then prints one JSON line with what it cost.
// argv[2]: JSON config (keys without project prefix), or "baseline" for a one-resource program.
import { performance } from "perf_hooks";

const start = performance.now();

async function main(): Promise<void> {
    const arg = process.argv[2] ?? "{}";
    const pulumi: typeof import("@pulumi/pulumi") = require("@pulumi/pulumi");
    const config: Record<string, string> = arg === "baseline" ? {} : JSON.parse(arg);
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`grafana-slack-alerts:${k}`, v])), []);
    let registered = 0;
    await pulumi.runtime.setMocks({
        newResource: (a) => { registered++; return { id: `${a.name}-id`, state: a.inputs }; },
        call: (a) => a.inputs,
    }, "grafana-slack-alerts", "bench", true);

    if (arg === "baseline") {
        // The same toolchain and runtime, one resource: what any Pulumi program pays.
        class Thing extends pulumi.CustomResource {
            constructor(name: string) { super("bench:index:Thing", name, {}); }
        }
        new Thing("one");
    } else {
        const { defineStack } = require("../components/program");
        await defineStack();
    }
    // Wait for registrations to drain.
    let last = -1;
    for (let stable = 0; stable < 3;) {
        await new Promise((r) => setTimeout(r, 5));
        stable = registered === last ? stable + 1 : 0;
        last = registered;
    }
    const loaded = (name: string) => Object.keys(require.cache).some((p) => p.includes(`/node_modules/${name}/`));
    process.stdout.write(JSON.stringify({
        evalMs: performance.now() - start,
        maxRssMiB: process.resourceUsage().maxRSS / 1024,
        resources: registered,
        loaded: {
            kubernetes: loaded("@pulumi/kubernetes"),
            docker: loaded("@pulumi/docker"),
            grafana: loaded("@pulumiverse/grafana"),
            slack: loaded("@slack/web-api"),
        },
    }) + "\n");
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
