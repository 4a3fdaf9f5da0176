// What the program registers for a config under mocks (test/harness): the objects both
// the render-to-YAML scenarios and the live ones compare the real engine's work with.
import { runStack } from "../harness/program";
import { objectKey } from "./liveObjects";

export const PROJECT = "grafana-slack-alerts";

/** The name part of an auto-named object's key: the engine appends a random suffix. */
export const AUTO = "<auto-named>";

/** The Kubernetes objects the program registers for this config under mocks. */
export async function mockObjects(config: Record<string, string>, stack: string): Promise<Map<string, any>> {
    const plain: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) plain[k.replace(`${PROJECT}:`, "")] = v;
    const run = await runStack(plain, { stack });
    const objects = new Map<string, any>();
    for (const r of run.resources) {
        if (!r.type.startsWith("kubernetes:") || r.type === "pulumi:providers:kubernetes") continue;
        // An object without metadata.name is auto-named by the engine: `<logical name>-<random suffix>`.
        const key =
            r.plain?.metadata?.name === undefined
                ? objectKey({ ...r.plain, metadata: { ...r.plain?.metadata, name: `${r.name}-${AUTO}` } })
                : objectKey(r.plain);
        objects.set(key, r.plain);
    }
    return objects;
}

/**
 * The key of a written or live object, with an auto-named one's random suffix (7-8
 * characters of [0-9a-z]) replaced by AUTO when `expected` holds that object's prefix.
 */
export function matchAutoNamed(key: string, expectedKeys: Iterable<string>): string {
    for (const k of expectedKeys) {
        if (!k.endsWith(AUTO)) continue;
        const prefix = k.slice(0, -AUTO.length);
        if (key.startsWith(prefix) && /^[0-9a-z]{7,8}$/.test(key.slice(prefix.length))) return k;
    }
    return key;
}
