// Shared plumbing for the provisioning folders: listing files, reporting problems with
// file and rule, and the one placeholder the stack fills in. Pure: reads files, touches
// no Pulumi resource.
import * as fs from "fs";
import * as path from "path";
import type { ConfigProblem } from "../../shared/problems";
import { redactSecrets } from "../../shared/redaction";

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
    /** The folder's real path (symbolic links resolved): a file must stay inside it. */
    root?: string;
}

/**
 * Limits on what a provisioning folder may hold. Grafana's own exports are a few kB; the caps
 * keep a mistaken or hostile file (a log, a disk image, /dev/zero behind a link) from being
 * read into memory and then into the stack's state.
 */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
export const MAX_FOLDER_BYTES = 20 * 1024 * 1024;

/**
 * The files of `dir` (relative to the project directory) whose names end in one of
 * `extensions`, sorted by name so the order (and so every preview) is stable. Not
 * recursive, like Grafana's own provisioning folders. Undefined after a reported problem.
 * Every matching name is listed, whatever it is: readText() refuses what is no regular file.
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
    let root: string;
    try {
        entries = fs.readdirSync(absoluteDir, { withFileTypes: true });
        root = fs.realpathSync(absoluteDir);
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
        .filter((e) => !e.isDirectory() && extensions.some((x) => e.name.toLowerCase().endsWith(x)))
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
    return files.map((name) => ({ display: `${shown}/${name}`, absolute: path.join(absoluteDir, name), root }));
}

/** What a non-regular file is, for a message. */
function kindOf(st: fs.Stats): string {
    if (st.isDirectory()) return "a folder";
    if (st.isFIFO()) return "a named pipe (FIFO)";
    if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
    if (st.isSocket()) return "a socket";
    return "not a regular file";
}

/** Bytes read so far from one folder, against MAX_FOLDER_BYTES. */
export interface FolderBudget {
    used: number;
}

/**
 * A file's text, or undefined after a reported problem. Only a regular file inside the
 * folder is read (a symbolic link may point to one in the folder, never out of it), at most
 * MAX_FILE_BYTES of it and MAX_FOLDER_BYTES for the folder. It is opened without following
 * a link and without blocking (a FIFO would otherwise wait forever for a writer), and its
 * type and size are taken from the open file, so it cannot be swapped after the checks.
 */
export function readText(findings: Findings, key: string, file: ListedFile, budget: FolderBudget = { used: 0 }): string | undefined {
    const refuse = (what: string, allowed: string, fix: string) => {
        findings.problem(key, file.display, what, allowed, fix);
        return undefined;
    };
    const regular = "a regular file inside the folder";
    let real: string;
    try {
        real = fs.realpathSync(file.absolute);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? String(e);
        return refuse(
            `cannot be read (${code}${code === "ENOENT" ? ": a link to nothing" : ""})`,
            regular,
            `remove ${file.display} or fix the link`,
        );
    }
    if (file.root !== undefined && !real.startsWith(file.root + path.sep)) {
        return refuse(
            `is a symbolic link to ${real}, outside the folder`,
            regular,
            `copy the file into the folder instead of linking to it, or remove ${file.display}`,
        );
    }
    let fd: number;
    try {
        fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    } catch (e) {
        return refuse(
            `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
            "a readable file",
            `check the file's permissions, or move it out of the folder`,
        );
    }
    try {
        const st = fs.fstatSync(fd);
        if (!st.isFile()) return refuse(`is ${kindOf(st)}`, regular, `remove ${file.display} from the folder`);
        const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
        if (st.size > MAX_FILE_BYTES) {
            return refuse(
                `has ${mib(st.size)}`,
                `at most ${mib(MAX_FILE_BYTES)} per file`,
                `move ${file.display} out of the folder (an export of one dashboard or rule group is a few kB)`,
            );
        }
        if (budget.used + st.size > MAX_FOLDER_BYTES) {
            return refuse(
                `takes the folder past ${mib(MAX_FOLDER_BYTES)}`,
                `at most ${mib(MAX_FOLDER_BYTES)} of files per folder`,
                `move files that are not exports out of the folder`,
            );
        }
        // Read what fstat promised and one byte more: a file that grows meanwhile is refused too.
        const buf = Buffer.alloc(st.size + 1);
        let n = 0;
        for (let got = -1; got !== 0 && n < buf.length; n += got) got = fs.readSync(fd, buf, n, buf.length - n, null);
        if (n > st.size) return refuse("grew while it was read", regular, `stop whatever writes ${file.display}, then run again`);
        budget.used += n;
        return buf.subarray(0, n).toString("utf8");
    } catch (e) {
        return refuse(
            `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
            "a readable file",
            `check the file's permissions, or move it out of the folder`,
        );
    } finally {
        fs.closeSync(fd);
    }
}

/** Plain object (not an array, not null). */
export function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A short, quoted rendering of a value for a message: credential shapes redacted first, then cut. */
export function show(v: unknown): string {
    const s = JSON.stringify(v);
    if (s === undefined) return String(v);
    const safe = redactSecrets(s);
    return safe.length > 80 ? `${safe.slice(0, 77)}...` : safe;
}

/** Aliases a YAML file may use (js-yaml's maxAliases: the parser stops at the next one). */
export const MAX_YAML_ALIASES = 1000;
/** Nodes that aliases may add on top of the file's own, counted as if every alias were copied out. */
export const MAX_ALIAS_EXPANSION = 100_000;
/** Nesting (aliases followed) a document may reach: deeper would overflow the recursive walks that read it. */
export const MAX_NESTING = 500;

/**
 * Why a parsed document cannot be used as data, or undefined. js-yaml resolves an alias to
 * the anchored node itself, so the document is a graph: a "billion laughs" file of a few
 * hundred bytes is a tree of 10^9 nodes to whoever walks it (JSON.stringify, every check),
 * and `a: &m {self: *m}` is a cycle that overflows any recursive walk; JSON.parse takes
 * nesting of any depth, which those walks cannot follow either. This walks the document as
 * a tree, iteratively, and stops at the first cycle, past MAX_NESTING levels, or once the
 * aliases have added MAX_ALIAS_EXPANSION nodes, the way Grafana's own YAML reader refuses
 * "excessive aliasing" (gopkg.in/yaml.v3 decode.go, allowedAliasRatio).
 */
export function structureProblem(doc: unknown): string | undefined {
    const seen = new Set<object>();
    const onPath = new Set<object>();
    // Each entry is a node to enter, or the marker to leave one (so onPath holds exactly its ancestors).
    const stack: Array<{ node: unknown; depth: number; leave?: boolean }> = [{ node: doc, depth: 0 }];
    let visits = 0;
    while (stack.length > 0) {
        const { node, depth, leave } = stack.pop()!;
        if (typeof node !== "object" || node === null) continue;
        if (leave) {
            onPath.delete(node);
            continue;
        }
        if (onPath.has(node)) return "an alias refers to a node that contains it (a cycle), which has no end as data";
        if (depth > MAX_NESTING) return `nests deeper than ${MAX_NESTING} levels`;
        visits++;
        seen.add(node);
        if (visits - seen.size > MAX_ALIAS_EXPANSION)
            return `its aliases expand to more than ${MAX_ALIAS_EXPANSION} nodes (an "alias bomb")`;
        onPath.add(node);
        stack.push({ node, depth, leave: true });
        for (const child of Object.values(node)) stack.push({ node: child, depth: depth + 1 });
    }
    return undefined;
}
