// grafanaIni: extra Grafana settings (SMTP, OIDC, feature toggles, plugins, ...) as a JSON
// object of grafana.ini sections, e.g. {"smtp":{"enabled":"true","host":"smtp.example.com:587"}}.
// Each key reaches Grafana as GF_<SECTION>_<KEY> (operator v1beta1: in spec.config). Stored
// with --secret, every value goes through a Kubernetes Secret instead; stored in plain text,
// a key that names a password, secret or token is refused. Keys the program decides itself
// are refused with the config key that sets them. Checked with every other key.
import type * as pulumi from "@pulumi/pulumi";
import { pulumiSdk } from "../shared/pulumiSdk";
import type { ConfigKeySpec, KubernetesMode, Target } from "./configKeys";
import type { KeyReader } from "./kubernetesSettings";

export const GRAFANA_INI_CONFIG_KEYS: readonly ConfigKeySpec[] = [
    {
        name: "grafanaIni",
        type: "string",
        default: "",
        description:
            'Kubernetes modes with a Grafana: more grafana.ini settings as a JSON object of sections, e.g. {"smtp":{"enabled":"true","host":"smtp.example.com:587"}}; each becomes GF_<SECTION>_<KEY>. Set it with --secret when it holds a password: every value then goes through a Secret.',
    },
];

export interface GrafanaIniSettings {
    /** Plain sections, merged into the wiring's grafana.ini. */
    grafanaIni?: Record<string, Record<string, string>>;
    /** With grafanaIni stored as a secret: every entry, by its GF_ variable, its value secret. */
    grafanaIniSecretEnv?: { name: string; value: pulumi.Output<string> }[];
}

/** readSettings()'s reader: whether a key is stored encrypted. */
export interface IniKeyReader extends KeyReader {
    storedAsSecret(key: string): boolean;
}

/** section.key (or section.*) the program decides, and the config key or reason that owns it. */
export const RESERVED_INI: Readonly<Record<string, string>> = {
    "security.admin_user": "set grafanaAdminUser",
    "security.admin_password": "set grafanaAdminPassword (or grafanaAdminPasswordSecret)",
    "security.secret_key": "the program generates it for a new Grafana and a shared database (grafanaEncryptionKey output says which)",
    "rendering.server_url": "the program wires Grafana to its renderer",
    "rendering.callback_url": "the program wires the renderer back to Grafana",
    "rendering.renderer_token": "set rendererToken (or rendererTokenSecret)",
    "server.root_url": "set grafanaRootUrl",
    "server.http_port": "Grafana's port in its pod is fixed; set grafanaPort for the Service",
    "server.protocol": "the probes and the renderer use http inside the cluster; terminate TLS at the Ingress (ingressTlsSecret)",
    "database.*": "set grafanaDatabaseUrl",
    "paths.*": "the image's paths carry the data volume",
    "unified_alerting.ha_*": "set grafanaReplicas",
    "unified_alerting.screenshots.capture": "alert screenshots are what this program delivers",
    "unified_alerting.screenshots.upload_external_image_storage": "the Slack contact point uploads the screenshot itself",
};

/** The variable Grafana reads for a grafana.ini key (pkg/setting EnvKey): dots and dashes become underscores. */
export function iniEnvName(section: string, key: string): string {
    return `GF_${section}_${key}`.replace(/[.-]/g, "_").toUpperCase();
}

/** Why a section.key cannot be set here, or undefined. */
export function reservedIniKey(section: string, key: string): string | undefined {
    const s = section.toLowerCase();
    const k = key.toLowerCase();
    for (const [pattern, owner] of Object.entries(RESERVED_INI)) {
        const [ps, pk] = [pattern.slice(0, pattern.lastIndexOf(".")), pattern.slice(pattern.lastIndexOf(".") + 1)];
        if (ps === s && (pk === "*" || pk === k || (pk.endsWith("*") && k.startsWith(pk.slice(0, -1))))) return owner;
    }
    return undefined;
}

/** Grafana itself redacts keys naming a password or secret in its logs (pkg/setting RedactedValue); tokens too. */
const SECRET_LOOKING = /PASSWORD|SECRET|TOKEN|PRIVATE_KEY|API_KEY/;
const SECTION = /^[a-z][a-z0-9_.-]*$/i;
const INI_KEY = /^[a-z0-9][a-z0-9_.-]*$/i;
const EXAMPLE = `'{"smtp":{"enabled":"true","host":"smtp.example.com:587"}}'`;

/** The JSON's sections as strings; problems say where, never a value (the JSON may be a secret). */
function parseSections(r: KeyReader, text: string, secret: boolean): Record<string, Record<string, string>> | undefined {
    const fix = `pulumi config set${secret ? " --secret" : ""} grafanaIni ${EXAMPLE}`;
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        parsed = undefined;
    }
    const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
    if (!isObject(parsed)) {
        r.problem(
            "grafanaIni",
            secret ? "a secret that is not a JSON object" : "a value that is not a JSON object",
            "a JSON object of grafana.ini sections",
            fix,
        );
        return undefined;
    }
    const out: Record<string, Record<string, string>> = {};
    const where: string[] = [];
    for (const [section, keys] of Object.entries(parsed)) {
        if (!SECTION.test(section) || !isObject(keys)) {
            where.push(`section ${JSON.stringify(section)}`);
            continue;
        }
        for (const [key, value] of Object.entries(keys)) {
            if (!INI_KEY.test(key) || !["string", "number", "boolean"].includes(typeof value)) where.push(`${section}.${key}`);
            else (out[section] ??= {})[key] = String(value);
        }
    }
    if (where.length > 0) {
        r.problem(
            "grafanaIni",
            `${where.join(", ")}: not a section of keys with string, number or boolean values`,
            "a JSON object of grafana.ini sections (letters, digits, '_', '.', '-'), each an object of keys to plain values",
            fix,
        );
        return undefined;
    }
    return out;
}

/** grafanaIni: where it applies, what it may set, and how its values travel. */
export function readGrafanaIni(r: IniKeyReader, ctx: { target: Target; kubernetesMode?: KubernetesMode }): GrafanaIniSettings {
    const text = r.raw("grafanaIni").trim();
    if (text === "") return {};
    const secret = r.storedAsSecret("grafanaIni");
    if (ctx.target !== "kubernetes" || ctx.kubernetesMode === "renderer") {
        const where = ctx.target === "kubernetes" ? 'kubernetesMode "renderer"' : `target ${JSON.stringify(ctx.target)}`;
        r.problem(
            "grafanaIni",
            `settings with ${where}`,
            "grafanaIni only with target kubernetes and a mode that deploys Grafana (sidecar, separate, operator)",
            "pulumi config rm grafanaIni",
        );
        return {};
    }
    const sections = parseSections(r, text, secret);
    if (!sections) return {};
    const problems: string[] = [];
    const byEnv = new Map<string, string>();
    for (const [section, keys] of Object.entries(sections)) {
        for (const key of Object.keys(keys)) {
            const env = iniEnvName(section, key);
            const owner = reservedIniKey(section, key);
            if (owner) problems.push(`${section}.${key} (${owner})`);
            else if (byEnv.has(env)) problems.push(`${section}.${key} (the same ${env} as ${byEnv.get(env)})`);
            else if (!secret && SECRET_LOOKING.test(env))
                problems.push(`${section}.${key} (it names a secret: store grafanaIni with --secret)`);
            byEnv.set(env, `${section}.${key}`);
        }
    }
    if (problems.length > 0) {
        r.problem(
            "grafanaIni",
            `keys this program cannot take: ${problems.join("; ")}`,
            "grafana.ini keys the program does not set itself; a password, secret or token only with grafanaIni stored as a secret",
            `pulumi config set${secret || problems.some((p) => p.includes("--secret")) ? " --secret" : ""} grafanaIni '<the JSON without those keys>'`,
        );
        return {};
    }
    if (!secret) return { grafanaIni: sections };
    // The SDK is loaded here, not at import: the preflight checks config without it.
    const sdk = pulumiSdk();
    const env = Object.entries(sections).flatMap(([section, keys]) =>
        Object.entries(keys).map(([key, value]) => ({ name: iniEnvName(section, key), value: sdk.secret(value) })),
    );
    return { grafanaIniSecretEnv: env };
}
