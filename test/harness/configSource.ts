// An in-memory stack config for readSettings(), as the CLI would hand it over: declared
// defaults filled in for keys the stack lacks (the engine does that for project config).
import { CONFIG_KEYS, RawConfigSource, readSettings, StackSettings } from "../../components/config/config";

export interface FakeStackConfig {
    /** Values the stack sets (strings, as `pulumi config set` stores them). */
    values?: Record<string, string>;
    /** Which of them are stored with --secret. Default: slackToken, grafanaAdminPassword, rendererToken. */
    secretKeys?: string[];
    /** Apply Pulumi.yaml defaults for unset keys, as the engine does. Default true. */
    withDefaults?: boolean;
}

export function fakeConfigSource(cfg: FakeStackConfig = {}): RawConfigSource {
    const values: Record<string, string> = {};
    if (cfg.withDefaults !== false) {
        for (const k of CONFIG_KEYS) values[k.name] = String(k.default);
    }
    Object.assign(values, cfg.values ?? {});
    const secretKeys = new Set(cfg.secretKeys ?? ["slackToken", "grafanaAdminPassword", "rendererToken", "grafanaApiToken"]);
    return {
        get: (key) => values[key],
        isSecret: (key) => secretKeys.has(key),
        keys: () => Object.keys(values),
    };
}

export function settingsFor(values: Record<string, string> = {}, stack = "test"): StackSettings {
    return readSettings(fakeConfigSource({ values }), "grafana-slack-alerts", stack);
}
