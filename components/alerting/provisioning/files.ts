// Shared plumbing for the provisioning folders: listing files, reporting problems with
// file and rule, and the one placeholder the stack fills in. Pure: reads files, touches
// no Pulumi resource.
import * as fs from "fs";
import * as path from "path";
import type { ConfigProblem } from "../../config";

/**
 * A data source UID the stack fills in: its own TestData data source. `${DS_TESTDATA}` is
 * what Grafana's "Export for sharing externally" writes for a data source input named
 * TESTDATA, so an exported dashboard works as is; rule files use the same spelling.
 */
export const TESTDATA_PLACEHOLDER = "${DS_TESTDATA}";

/** `${DS_...}`: a data source input of an externally shared export that nobody filled in. */
export function isUnfilledInput(value: string): boolean {
    return /^\$\{DS_[A-Za-z0-9_]+\}$/.test(value);
}

/** Collects problems (errors) and warnings while reading, each naming its file and rule. */
export class Findings {
    readonly problems: ConfigProblem[] = [];
    readonly warnings: string[] = [];

    problem(key: string, where: string, what: string, allowed: string, fix: string): void {
        this.problems.push({ key, given: `${where}: ${what}`, allowed, fix });
    }

    warn(key: string, where: string, what: string, fix: string): void {
        this.warnings.push(`${key}: ${where}: ${what}. ${fix}`);
    }
}

/** `file`, `file, group "g"`, `file, rule "uid"`: how a message names where a problem is. */
export function where(file: string, extra?: { group?: string; rule?: string }): string {
    const parts = [file];
    if (extra?.group !== undefined) parts.push(`group ${JSON.stringify(extra.group)}`);
    if (extra?.rule !== undefined) parts.push(`rule ${JSON.stringify(extra.rule)}`);
    return parts.join(", ");
}

export interface ListedFile {
    /** Path as the user wrote it, joined with the file name (for messages). */
    display: string;
    /** Absolute path. */
    absolute: string;
}

/**
 * The files of `dir` (relative to the project directory) whose names end in one of
 * `extensions`, sorted by name so the order (and so every preview) is stable. Not
 * recursive, like Grafana's own provisioning folders. Undefined after a reported problem.
 */
export function listFiles(
    findings: Findings,
    key: string,
    dir: string,
    projectDir: string,
    extensions: readonly string[],
    example: string,
): ListedFile[] | undefined {
    const absoluteDir = path.resolve(projectDir, dir);
    let entries: fs.Dirent[];
    try {
        entries = fs.readdirSync(absoluteDir, { withFileTypes: true });
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const what = code === "ENOENT" ? "no such folder" : code === "ENOTDIR" ? "not a folder" : `cannot be read (${code ?? String(e)})`;
        findings.problem(
            key,
            JSON.stringify(dir),
            `${what} (looked in ${absoluteDir})`,
            "a folder relative to the project directory (where Pulumi.yaml is)",
            `pulumi config set ${key} ${example}   (or: pulumi config rm ${key})`,
        );
        return undefined;
    }
    const files = entries
        .filter((e) => (e.isFile() || e.isSymbolicLink()) && extensions.some((x) => e.name.toLowerCase().endsWith(x)))
        .map((e) => e.name)
        .sort();
    if (files.length === 0) {
        findings.warn(
            key,
            JSON.stringify(dir),
            `has no ${extensions.join(" / ")} file, so nothing is provisioned from it`,
            `Add files there, or run \`pulumi config rm ${key}\``,
        );
    }
    const shown = dir.replace(/\/+$/, "");
    return files.map((name) => ({ display: `${shown}/${name}`, absolute: path.join(absoluteDir, name) }));
}

/** A file's text, or undefined after a reported problem. */
export function readText(findings: Findings, key: string, file: ListedFile): string | undefined {
    try {
        return fs.readFileSync(file.absolute, "utf8");
    } catch (e) {
        findings.problem(
            key,
            file.display,
            `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
            "a readable file",
            `check the file's permissions, or move it out of the folder`,
        );
        return undefined;
    }
}

/** Plain object (not an array, not null). */
export function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A short, quoted rendering of a value for a message. */
export function show(v: unknown): string {
    const s = JSON.stringify(v);
    if (s === undefined) return String(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
