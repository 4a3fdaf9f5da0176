// The shape ARCHITECTURE.md describes, kept by a test: components/ has one folder per step,
// and imports only go down the steps (shared < config < secrets < wiring < targets < alerting
// < verify < program.ts < bin/, index.ts); sibling folders of one step (targets/docker and
// targets/kubernetes; alerting/api, operator and preflight) do not import each other; and no
// import cycle, type-only imports included. The graph comes from the TypeScript compiler's
// own parse of every file (import, export ... from, import type, require(), import(),
// typeof import()), not from a regular expression.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.join(__dirname, "..");

/** Relative module specifiers a file imports, by the compiler's parse. */
export function importsOf(text: string, fileName: string): string[] {
    const sf = ts.createSourceFile(
        fileName,
        text,
        ts.ScriptTarget.Latest,
        false,
        fileName.endsWith(".js") ? ts.ScriptKind.JS : ts.ScriptKind.TS,
    );
    const out: string[] = [];
    const visit = (node: ts.Node): void => {
        if (
            (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
            node.moduleSpecifier &&
            ts.isStringLiteral(node.moduleSpecifier)
        ) {
            out.push(node.moduleSpecifier.text);
        } else if (
            ts.isImportEqualsDeclaration(node) &&
            ts.isExternalModuleReference(node.moduleReference) &&
            ts.isStringLiteral(node.moduleReference.expression)
        ) {
            out.push(node.moduleReference.expression.text);
        } else if (
            ts.isCallExpression(node) &&
            (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
                (ts.isIdentifier(node.expression) && node.expression.text === "require")) &&
            node.arguments.length > 0 &&
            ts.isStringLiteralLike(node.arguments[0])
        ) {
            out.push(node.arguments[0].text);
        } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
            out.push(node.argument.literal.text);
        }
        ts.forEachChild(node, visit);
    };
    visit(sf);
    return out.filter((s) => s.startsWith("."));
}

function sourceFiles(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) return sourceFiles(rel);
        return /\.(ts|js)$/.test(e.name) ? [rel] : [];
    });
}

function resolve(from: string, spec: string): string | undefined {
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
    return [base, `${base}.ts`, `${base}.js`, `${base}/index.ts`].find(
        (p) => fs.existsSync(path.join(ROOT, p)) && fs.statSync(path.join(ROOT, p)).isFile(),
    );
}

/** The import graph of the program's files: file -> files it imports (project files only). */
export function importGraph(files: string[]): Map<string, string[]> {
    const graph = new Map<string, string[]>();
    for (const f of files) {
        const text = fs.readFileSync(path.join(ROOT, f), "utf8");
        graph.set(
            f,
            importsOf(text, f)
                .map((s) => resolve(f, s))
                .filter((t): t is string => t !== undefined),
        );
    }
    return graph;
}

/** The steps, lowest first: a file may import its own step or a lower one. */
const STEPS: [string, RegExp][] = [
    ["shared", /^components\/shared\//],
    ["config", /^components\/config\//],
    ["secrets", /^components\/secrets\//],
    ["wiring", /^components\/wiring\//],
    ["targets", /^components\/targets\//],
    ["alerting", /^components\/alerting\//],
    ["verify", /^components\/verify\//],
    ["program", /^components\/program\.ts$/],
    ["entry points", /^(bin\/|index\.ts$)/],
];

/** Folders of one step that stand side by side: neither imports the other. */
const SIBLINGS: RegExp[][] = [
    [/^components\/targets\/docker\//, /^components\/targets\/kubernetes\//],
    [/^components\/alerting\/api\//, /^components\/alerting\/operator\//, /^components\/alerting\/preflight\//],
];

export function stepOf(file: string): number {
    const i = STEPS.findIndex(([, re]) => re.test(file));
    if (i < 0) throw new Error(`${file} is in no step folder (ARCHITECTURE.md lists them)`);
    return i;
}

/** Every import that goes up a step or across sibling folders, as "from -> to (why)". */
export function directionProblems(graph: Map<string, string[]>): string[] {
    const problems: string[] = [];
    for (const [from, tos] of graph) {
        for (const to of tos) {
            if (stepOf(to) > stepOf(from))
                problems.push(`${from} -> ${to} (${STEPS[stepOf(from)][0]} imports the later step ${STEPS[stepOf(to)][0]})`);
            for (const group of SIBLINGS) {
                const a = group.findIndex((re) => re.test(from));
                const b = group.findIndex((re) => re.test(to));
                if (a >= 0 && b >= 0 && a !== b) problems.push(`${from} -> ${to} (sibling folders)`);
            }
        }
    }
    return problems;
}

/** Every import cycle (strongly connected components of more than one file, or a file importing itself). */
export function cycles(graph: Map<string, string[]>): string[][] {
    let index = 0;
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const on = new Set<string>();
    const out: string[][] = [];
    const strong = (v: string): void => {
        idx.set(v, index);
        low.set(v, index++);
        stack.push(v);
        on.add(v);
        for (const w of graph.get(v) ?? []) {
            if (!idx.has(w)) {
                strong(w);
                low.set(v, Math.min(low.get(v)!, low.get(w)!));
            } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
        }
        if (low.get(v) === idx.get(v)) {
            const scc: string[] = [];
            let w: string;
            do {
                w = stack.pop()!;
                on.delete(w);
                scc.push(w);
            } while (w !== v);
            if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
        }
    };
    for (const v of graph.keys()) if (!idx.has(v)) strong(v);
    return out;
}

const PROGRAM_FILES = [...sourceFiles("components"), ...sourceFiles("bin"), "index.ts"];

describe("code shape: imports follow the six steps", () => {
    const graph = importGraph(PROGRAM_FILES);

    it("sees every kind of import, type-only ones and require() inside functions included", () => {
        const text = [
            'import type { A } from "./a";',
            'export { B } from "../b";',
            'import * as c from "./c";',
            "function f() { return require(\"./d\") as typeof import('./e'); }",
            'const g = () => import("./g");',
            'import x from "node:fs";',
        ].join("\n");
        assert.deepEqual(importsOf(text, "x.ts").sort(), ["../b", "./a", "./c", "./d", "./e", "./g"]);
    });

    it("finds an upward import, a sibling import and a cycle when there is one", () => {
        const g = new Map<string, string[]>([
            ["components/config/config.ts", ["components/alerting/model/dashboardModel.ts"]],
            ["components/alerting/api/a.ts", ["components/alerting/operator/b.ts"]],
            ["components/alerting/operator/b.ts", ["components/alerting/model/m.ts"]],
            ["components/alerting/model/m.ts", ["components/alerting/model/n.ts"]],
            ["components/alerting/model/n.ts", ["components/alerting/model/m.ts"]],
        ]);
        assert.equal(directionProblems(g).length, 2, directionProblems(g).join("\n"));
        assert.deepEqual(cycles(g), [["components/alerting/model/m.ts", "components/alerting/model/n.ts"]]);
    });

    it("every file of the program sits in a step folder", () => {
        for (const f of PROGRAM_FILES) assert.doesNotThrow(() => stepOf(f), f);
        assert.ok(PROGRAM_FILES.length > 50, `only ${PROGRAM_FILES.length} files found`);
    });

    it("no import goes up a step or across sibling folders", () => {
        assert.deepEqual(directionProblems(graph), []);
    });

    it("no import cycle, type-only imports included", () => {
        assert.deepEqual(
            cycles(graph).map((c) => c.join(" <-> ")),
            [],
        );
    });
});
