// `dashboardsDir`: every *.json dashboard model in the folder, as Grafana's "Export >
// Save to file" writes it, becomes a grafana.oss.Dashboard in the stack's folder. Each
// file is checked here (JSON, a UID, no duplicate UIDs, panel IDs) and turned into the
// canonical JSON the resource gets, so an unchanged file never shows a diff.
import { TESTDATA_DATASOURCE_TYPE, isGrafanaUid } from "../../shared/grafanaVocabulary";
import { canonicalJson } from "../../shared/canonicalJson";
import {
    Findings,
    FolderBudget,
    ListedFile,
    TESTDATA_PLACEHOLDER,
    isObject,
    isUnfilledInput,
    listFiles,
    readText,
    show,
    structureProblem,
} from "./files";

const KEY = "dashboardsDir";

/** A panel a rule can link to (`__panelId__`), rows' nested panels included. */
export interface PanelInfo {
    id: number;
    title: string;
    type: string;
}

export interface DashboardFile {
    /** Where it came from, for messages (`dashboards/cpu.json`). */
    file: string;
    uid: string;
    title: string;
    panels: PanelInfo[];
    /** Canonical JSON for `configJson`: sorted keys, no `id` / `version`, placeholders filled. */
    configJson: string;
}

export interface DashboardFilesResult {
    dashboards: DashboardFile[];
    problems: Findings["problems"];
    warnings: string[];
}

/**
 * The panels of a dashboard model: top-level `panels`, panels inside collapsed rows
 * (`panels[].panels`) and the pre-5.0 `rows[].panels` layout, in document order.
 */
export function panelsOf(model: Record<string, unknown>): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    const visit = (list: unknown) => {
        if (!Array.isArray(list)) return;
        for (const p of list) {
            if (!isObject(p)) continue;
            out.push(p);
            visit(p.panels);
        }
    };
    visit(model.panels);
    if (Array.isArray(model.rows)) for (const row of model.rows) if (isObject(row)) visit(row.panels);
    return out;
}

/** Replaces every string equal to a key of `values` (whole string), recursively. */
function fillPlaceholders(v: unknown, values: Record<string, string>): unknown {
    if (typeof v === "string") return Object.prototype.hasOwnProperty.call(values, v) ? values[v] : v;
    if (Array.isArray(v)) return v.map((x) => fillPlaceholders(x, values));
    if (isObject(v)) {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) out[k] = fillPlaceholders(x, values);
        return out;
    }
    return v;
}

/** Every `${DS_...}` string still in the model (a data source input nobody filled). */
function unfilledInputs(v: unknown, found = new Set<string>()): Set<string> {
    if (typeof v === "string" && isUnfilledInput(v)) found.add(v);
    else if (Array.isArray(v)) v.forEach((x) => unfilledInputs(x, found));
    else if (isObject(v)) Object.values(v).forEach((x) => unfilledInputs(x, found));
    return found;
}

/**
 * The dashboard model inside what an export gives: the model itself, the API's
 * `{dashboard, meta}` envelope, or a `kind: Dashboard` resource whose `spec` is the
 * classic model (UID in `metadata.name`). Schema v2 (`spec.elements`) is refused with
 * the way out, since its panels have no numeric IDs for `__panelId__`.
 */
function unwrap(doc: Record<string, unknown>): { model?: Record<string, unknown>; why?: string } {
    if (isObject(doc.dashboard) && (isObject(doc.meta) || !("panels" in doc))) return { model: { ...doc.dashboard } };
    if (doc.kind === "Dashboard" && isObject(doc.spec)) {
        if ("elements" in doc.spec || "layout" in doc.spec) {
            return { why: "is in Grafana's dashboard schema v2, whose panels have no numeric panel IDs for an alert's __panelId__" };
        }
        const meta = isObject(doc.metadata) ? doc.metadata : {};
        const uid = typeof doc.spec.uid === "string" ? doc.spec.uid : meta.name;
        return { model: { ...doc.spec, ...(uid !== undefined ? { uid } : {}) } };
    }
    return { model: { ...doc } };
}

/**
 * Reads every `*.json` in `dir` (relative to `projectDir`). `testdataUid` fills
 * {@link TESTDATA_PLACEHOLDER} and any TestData input of an externally shared export;
 * `reserved` are UIDs the stack already uses (the demo dashboard).
 */
export function readDashboardFiles(
    dir: string,
    projectDir: string,
    testdataUid: string,
    reserved: Record<string, string> = {},
): DashboardFilesResult {
    const findings = new Findings();
    const dashboards: DashboardFile[] = [];
    const files = listFiles(findings, KEY, dir, projectDir, [".json"], "dashboards") ?? [];
    const byUid = new Map<string, string>();
    const budget: FolderBudget = { used: 0 };
    for (const file of files) {
        const d = readDashboard(findings, file, testdataUid, budget);
        if (!d) continue;
        const taken = reserved[d.uid] ?? byUid.get(d.uid);
        if (taken) {
            findings.problem(
                KEY,
                file.display,
                `dashboard UID ${show(d.uid)} is already used by ${taken}`,
                "a UID of its own for every dashboard",
                `edit ${file.display}: give "uid" a value no other dashboard has`,
            );
            continue;
        }
        byUid.set(d.uid, file.display);
        dashboards.push(d);
    }
    return { dashboards, problems: findings.problems, warnings: findings.warnings };
}

/** The file's JSON, or undefined after a reported problem (not JSON, or nested too deep to walk). */
function parseDashboardJson(findings: Findings, file: ListedFile, text: string): unknown {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        findings.problem(
            KEY,
            file.display,
            `is not valid JSON (${(e as Error).message})`,
            "a dashboard JSON model as Grafana's Export > Save to file writes it",
            `fix the JSON in ${file.display}`,
        );
        return undefined;
    }
    const nesting = structureProblem(doc);
    if (nesting) {
        findings.problem(
            KEY,
            file.display,
            nesting,
            "a dashboard JSON model (a few levels deep)",
            `replace ${file.display} with the dashboard's exported JSON`,
        );
        return undefined;
    }
    return doc;
}

function readDashboard(findings: Findings, file: ListedFile, testdataUid: string, budget: FolderBudget): DashboardFile | undefined {
    const text = readText(findings, KEY, file, budget);
    if (text === undefined) return undefined;
    const doc = parseDashboardJson(findings, file, text);
    if (doc === undefined) return undefined;
    if (!isObject(doc)) {
        findings.problem(
            KEY,
            file.display,
            "is not a JSON object",
            "a dashboard JSON model",
            `replace ${file.display} with the dashboard's exported JSON`,
        );
        return undefined;
    }
    const { model, why } = unwrap(doc);
    if (!model) {
        findings.problem(
            KEY,
            file.display,
            why!,
            "the classic dashboard JSON model",
            `export the dashboard again with the classic JSON model (Export > Export as JSON, without the v2 resource format) into ${file.display}`,
        );
        return undefined;
    }
    let ok = true;
    const uid = model.uid;
    if (typeof uid !== "string" || uid === "") {
        findings.problem(
            KEY,
            file.display,
            uid === undefined || uid === null || uid === "" ? 'the dashboard has no "uid"' : `"uid" is ${show(uid)}`,
            'a "uid" (alert rules link to the dashboard by it)',
            `edit ${file.display}: add "uid": "<up to 40 of A-Z a-z 0-9 - _>" (the UID in the dashboard's URL /d/<uid>)`,
        );
        ok = false;
    } else if (!isGrafanaUid(uid)) {
        findings.problem(
            KEY,
            file.display,
            `"uid" ${show(uid)} is not a valid Grafana UID`,
            "at most 40 characters of A-Z a-z 0-9 - _",
            `edit ${file.display}: shorten or clean "uid"`,
        );
        ok = false;
    }
    const title = typeof model.title === "string" ? model.title.trim() : "";
    if (!title) {
        findings.problem(KEY, file.display, 'the dashboard has no "title"', "a non-empty title", `edit ${file.display}: add "title"`);
        ok = false;
    }

    const filled = fillDataSources(findings, file, model, testdataUid);
    if (!filled.ok) ok = false;
    const panels = readPanels(findings, file, filled.dashboard);
    if (!panels) ok = false;
    if (!ok) return undefined;
    return { file: file.display, uid: uid as string, title, panels: panels!, configJson: canonicalJson(filled.dashboard) };
}

/**
 * The dashboard with the TestData data source filled in (the stack's own, whatever the
 * export called it), without what belongs to one Grafana instance; ok false when an input
 * "for sharing externally" stays unfilled.
 */
function fillDataSources(
    findings: Findings,
    file: ListedFile,
    model: NonNullable<ReturnType<typeof unwrap>["model"]>,
    testdataUid: string,
): { dashboard: Record<string, unknown>; ok: boolean } {
    let ok = true;
    const values: Record<string, string> = { [TESTDATA_PLACEHOLDER]: testdataUid };
    if (Array.isArray(model.__inputs)) {
        for (const input of model.__inputs) {
            if (
                isObject(input) &&
                input.type === "datasource" &&
                (input.pluginId === TESTDATA_DATASOURCE_TYPE || input.pluginId === "testdata") &&
                typeof input.name === "string"
            ) {
                values[`\${${input.name}}`] = testdataUid;
            }
        }
    }
    // `id` and `version` belong to one Grafana instance (the provider drops them too:
    // grafana/terraform-provider-grafana, NormalizeDashboardConfigJSON); `__inputs` and
    // `__requires` only describe an import.
    const { id: _id, version: _version, __inputs: _inputs, __requires: _requires, ...rest } = model;
    const filled = fillPlaceholders(rest, values) as Record<string, unknown>;
    for (const input of [...unfilledInputs(filled)].sort()) {
        findings.problem(
            KEY,
            file.display,
            `data source input ${input} is not filled (the dashboard was exported "for sharing externally")`,
            "data source UIDs of this Grafana, or ${DS_TESTDATA} for the stack's TestData data source",
            `edit ${file.display}: replace "${input}" with the data source's UID, or export again without "Export for sharing externally"`,
        );
        ok = false;
    }

    return { dashboard: filled, ok };
}

/** The dashboard's panels by ID; undefined (with the problem) when an ID is used twice. */
function readPanels(findings: Findings, file: ListedFile, filled: Record<string, unknown>): PanelInfo[] | undefined {
    let ok = true;
    const panels: PanelInfo[] = [];
    const seen = new Set<number>();
    for (const p of panelsOf(filled)) {
        const pid = p.id;
        const ptitle = typeof p.title === "string" ? p.title : "";
        if (typeof pid !== "number" || !Number.isInteger(pid)) {
            // Rows without an id are common and harmless; a panel without one cannot be linked.
            if (p.type !== "row") {
                findings.warn(
                    KEY,
                    file.display,
                    `panel ${show(ptitle || p.type)} has no numeric "id", so no alert can show it`,
                    "Save the dashboard in Grafana and export it again",
                );
            }
            continue;
        }
        if (seen.has(pid)) {
            findings.problem(
                KEY,
                file.display,
                `panel id ${pid} is used twice`,
                'a distinct "id" for every panel (alerts pick a panel by it)',
                `edit ${file.display}: renumber one of the panels with id ${pid}`,
            );
            ok = false;
            continue;
        }
        seen.add(pid);
        if (p.type !== "row") panels.push({ id: pid, title: ptitle, type: typeof p.type === "string" ? p.type : "" });
    }
    return ok ? panels : undefined;
}
