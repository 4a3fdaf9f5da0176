// Grafana beyond one replica: grafanaReplicas and the external database it needs
// (grafanaDatabaseUrl). Several Grafanas cannot share SQLite on a ReadWriteOnce volume, and
// without unified alerting's HA cluster every replica would notify Slack on its own, so
// more than one replica needs PostgreSQL or MySQL; the Kubernetes target then adds the
// peers' headless Service, the gossip port and a shared secret_key (docs/kubernetes.md,
// "Scaling Grafana"). Checked with every other key, into the same all-at-once error.
import type * as pulumi from "@pulumi/pulumi";
import { pulumiSdk } from "../shared/pulumiSdk";
import type { ConfigKeySpec, KubernetesMode, OperatorApiVersion, Target } from "./configKeys";
import type { KeyReader } from "./kubernetesSettings";

export const GRAFANA_SCALE_CONFIG_KEYS: readonly ConfigKeySpec[] = [
    {
        name: "grafanaReplicas",
        type: "integer",
        default: 1,
        description:
            "Kubernetes separate and operator (v1beta1) modes: Grafana replicas. More than 1 needs grafanaDatabaseUrl; they then form unified alerting's HA cluster, so Slack gets each notification once.",
    },
    {
        name: "grafanaDatabaseUrl",
        type: "string",
        default: "",
        secret: true,
        description:
            "Kubernetes modes with a Grafana: Grafana's database as postgres://user:password@host:5432/name or mysql://user:password@host:3306/name (secret), instead of SQLite on a volume. Required for grafanaReplicas above 1.",
    },
];

/** The database types Grafana reads from a `[database] url` scheme (pkg/services/sqlstore/database_config.go). */
export type GrafanaDatabaseType = "postgres" | "mysql";

export interface GrafanaScaleSettings {
    /** Grafana replicas; more than 1 only with a database (checked). */
    grafanaReplicas: number;
    /** The external database's URL (secret); undefined means SQLite on the data volume. */
    grafanaDatabaseUrl?: pulumi.Output<string>;
    /** Its type, from the URL's scheme (not secret). */
    grafanaDatabaseType?: GrafanaDatabaseType;
}

/** What readGrafanaScale() needs from the settings read before it. */
export interface ScaleContext {
    target: Target;
    kubernetesMode?: KubernetesMode;
    operatorApiVersion: OperatorApiVersion;
}

/** The reader with secrets: readSettings()'s ConfigReader. */
export interface SecretKeyReader extends KeyReader {
    /** `checkContent` runs only where the value can be read (not on an encrypted value in `npm run up`'s preflight). */
    secret(key: string, example: string, checkContent?: (value: string) => void): string | undefined;
}

export const DATABASE_URL_EXAMPLE = "postgres://grafana:<password>@<host>:5432/grafana";
const quote = (v: string) => JSON.stringify(v);

/**
 * Why a database URL cannot work, or undefined. Grafana takes the scheme as the database
 * type (so `postgresql://` is an "unknown database type"), the host with its port, and the
 * first path segment as the database name. The value is secret: the answer never quotes it.
 */
export function databaseUrlProblem(value: string): { given: string; type?: undefined } | { given?: undefined; type: GrafanaDatabaseType } {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return { given: "a value that is not a URL" };
    }
    const scheme = url.protocol.replace(/:$/, "");
    if (scheme !== "postgres" && scheme !== "mysql") return { given: `a URL with scheme ${quote(scheme)}` };
    if (url.hostname === "") return { given: `a ${scheme} URL without a host` };
    if (url.pathname.split("/")[1] === undefined || url.pathname.split("/")[1] === "") {
        return { given: `a ${scheme} URL without a database name (the path)` };
    }
    return { type: scheme };
}

/** grafanaReplicas and grafanaDatabaseUrl: where they apply, and that more than one replica has a database. */
export function readGrafanaScale(r: SecretKeyReader, ctx: ScaleContext): GrafanaScaleSettings {
    const replicas = r.integer("grafanaReplicas", 1, 20, 3);
    // Its content, where it can be read (an encrypted value in the preflight cannot).
    const read: { checked?: ReturnType<typeof databaseUrlProblem> } = {};
    const url = r.secret("grafanaDatabaseUrl", DATABASE_URL_EXAMPLE, (v) => (read.checked = databaseUrlProblem(v)));
    const checked = read.checked;
    const where = ctx.target === "kubernetes" ? `kubernetesMode ${quote(ctx.kubernetesMode ?? "")}` : `target ${quote(ctx.target)}`;
    const deploysGrafana = ctx.target === "docker" || (ctx.target === "kubernetes" && ctx.kubernetesMode !== "renderer");

    let type: GrafanaDatabaseType | undefined;
    if (url !== undefined) {
        if (ctx.target !== "kubernetes" || !deploysGrafana) {
            r.problem(
                "grafanaDatabaseUrl",
                `a database URL with ${where}`,
                "grafanaDatabaseUrl only with target kubernetes and a mode that deploys Grafana (sidecar, separate, operator)",
                "pulumi config rm grafanaDatabaseUrl",
            );
        } else if (ctx.kubernetesMode === "operator" && ctx.operatorApiVersion === "v1alpha1") {
            r.problem(
                "grafanaDatabaseUrl",
                'a database URL with operatorApiVersion "v1alpha1"',
                "an external database only with operatorApiVersion v1beta1 (grafana-operator v5)",
                "pulumi config set operatorApiVersion v1beta1   (or: pulumi config rm grafanaDatabaseUrl)",
            );
        } else if (checked?.given !== undefined) {
            r.problem(
                "grafanaDatabaseUrl",
                checked.given,
                "postgres://user:password@host:port/database or mysql://user:password@host:port/database (Grafana takes the scheme as the database type; special characters in the password percent-encoded)",
                `pulumi config set --secret grafanaDatabaseUrl '${DATABASE_URL_EXAMPLE}'`,
            );
        } else {
            type = checked?.type;
        }
    }
    if (replicas > 1) replicasProblem(r, ctx, replicas, where, url !== undefined);
    return {
        grafanaReplicas: replicas,
        // The SDK is loaded here, not at import: the preflight checks config without it (config.ts).
        ...(type && url !== undefined ? { grafanaDatabaseUrl: pulumiSdk().secret(url), grafanaDatabaseType: type } : {}),
    };
}

/** More than one replica: only where several Grafana pods run, and only with a database. */
function replicasProblem(r: KeyReader, ctx: ScaleContext, replicas: number, where: string, hasDatabase: boolean): void {
    const given = `${replicas} with ${where}`;
    if (ctx.target === "docker") {
        r.problem(
            "grafanaReplicas",
            given,
            "1 with target docker (one Grafana container); several replicas run on Kubernetes (target kubernetes, kubernetesMode separate)",
            "pulumi config set grafanaReplicas 1",
        );
    } else if (ctx.target !== "kubernetes" || ctx.kubernetesMode === "renderer") {
        r.problem("grafanaReplicas", given, "nothing: this stack deploys no Grafana", "pulumi config rm grafanaReplicas");
    } else if (ctx.kubernetesMode === "sidecar") {
        r.problem(
            "grafanaReplicas",
            given,
            "1 in sidecar mode (each pod would bring its own renderer); use kubernetesMode separate or operator for several Grafanas",
            "pulumi config set kubernetesMode separate   (or: pulumi config set grafanaReplicas 1)",
        );
    } else if (ctx.kubernetesMode === "operator" && ctx.operatorApiVersion === "v1alpha1") {
        r.problem(
            "grafanaReplicas",
            `${replicas} with operatorApiVersion "v1alpha1"`,
            "1 with grafana-operator v4 (v1alpha1 has no alerting peers Service); v1beta1 (operator v5.17 or newer) runs several",
            "pulumi config set operatorApiVersion v1beta1   (or: pulumi config set grafanaReplicas 1)",
        );
    } else if (!hasDatabase) {
        r.problem(
            "grafanaReplicas",
            `${replicas} without grafanaDatabaseUrl`,
            "1, or more with an external database every replica shares (SQLite on a ReadWriteOnce volume serves one pod)",
            `pulumi config set --secret grafanaDatabaseUrl '${DATABASE_URL_EXAMPLE}'   (or: pulumi config set grafanaReplicas 1)`,
        );
    }
}
