// `alertRulesDir`: Grafana's alert-rule file-provisioning format (what the alerting UI's
// Export writes), YAML or JSON, becomes grafana.alerting.RuleGroups in the stack's folder.
//
// The format and what Grafana accepts come from Grafana's own code:
// - grafana/grafana pkg/services/provisioning/alerting/rules_types.go (AlertRuleGroupV1,
//   AlertRuleV1, QueryV1, NotificationSettingsV1): fields, required ones and their errors;
// - pkg/services/ngalert/api/tooling/definitions/provisioning_alert_rules.go
//   (AlertRuleExport): the export writes the panel link as `dashboardUid` / `panelId`
//   (JSON: the grandfathered `dasboardUid`) besides the `__dashboardUid__` / `__panelId__`
//   annotations;
// - pkg/services/ngalert/models/alert_rule.go and alert_query.go: noDataState /
//   execErrState values, the interval rule (a positive multiple of the 10 s scheduler
//   tick) and a query's relative time range (`from` > `to`);
// - docs: grafana.com/docs/grafana/latest/alerting/set-up/provision-alerting-resources/file-provisioning/
// Every problem is collected, each with its file, group and rule.
import * as yaml from "js-yaml";
import {
    BASE_INTERVAL_SECONDS,
    DASHBOARD_UID_ANNOTATION,
    EXEC_ERR_STATES,
    MAX_UID_LENGTH,
    NO_DATA_STATES,
    PANEL_ID_ANNOTATION,
    isExpressionStage,
    isGrafanaUid,
    type RuleDataStage,
} from "../../shared/grafanaVocabulary";
import { canonicalJson } from "../../shared/canonicalJson";
import {
    Findings,
    FolderBudget,
    ListedFile,
    MAX_YAML_ALIASES,
    TESTDATA_PLACEHOLDER,
    structureProblem,
    isObject,
    isUnfilledInput,
    listFiles,
    readText,
    show,
    where,
} from "./files";

const KEY = "alertRulesDir";
/** Grafana's limit on rule titles and group names (ProvisionedAlertRule: maxLength 190). */
const MAX_NAME = 190;

/** The annotations that make Grafana screenshot a panel for the alert (defined with the dashboard model). */
export { DASHBOARD_UID_ANNOTATION, PANEL_ID_ANNOTATION };

export interface RuleNotificationSettings {
    receiver?: string;
    groupBy?: string[];
    groupWait?: string;
    groupInterval?: string;
    repeatInterval?: string;
    muteTimeIntervals?: string[];
    activeTimeIntervals?: string[];
}

export interface RuleFromFile {
    file: string;
    group: string;
    uid: string;
    title: string;
    condition: string;
    data: RuleDataStage[];
    noDataState?: string;
    execErrState?: string;
    for?: string;
    keepFiringFor?: string;
    missingSeriesEvalsToResolve?: number;
    /** Annotations as written, minus the panel link (see `link`). */
    annotations: Record<string, string>;
    labels: Record<string, string>;
    isPaused: boolean;
    notificationSettings?: RuleNotificationSettings;
    /** The panel the alert's picture shows, from the annotations or the export's fields. */
    link?: { dashboardUid: string; panelId: number };
    /** What is wrong with the link when it is there but unusable (half of it, not a number). */
    linkProblem?: string;
}

export interface RuleGroupFromFile {
    file: string;
    name: string;
    /** The folder the file names; the group goes into the stack's folder whatever it says. */
    folder: string;
    intervalSeconds: number;
    rules: RuleFromFile[];
}

export interface AlertRuleFilesResult {
    groups: RuleGroupFromFile[];
    problems: Findings["problems"];
    warnings: string[];
}

/**
 * A Prometheus duration (`1m`, `1h30m`, `0`; units y w d h m s ms) in milliseconds, as
 * Grafana parses `interval` / `for` (prometheus/common model.ParseDuration); undefined
 * when invalid.
 */
export function parseDuration(s: string): number | undefined {
    if (s === "0") return 0;
    const m = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(s);
    if (!m || s === "") return undefined;
    const unit = [365 * 86400_000, 7 * 86400_000, 86400_000, 3600_000, 60_000, 1000, 1];
    return m.slice(1).reduce((sum, v, i) => sum + (v ? Number(v) * unit[i] : 0), 0);
}

/** A scalar as Grafana's string values read it (YAML numbers and booleans become text). */
function scalarText(v: unknown): string | undefined {
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    return undefined;
}

/**
 * Reads every `*.yaml`, `*.yml` and `*.json` in `dir` (relative to `projectDir`).
 * `testdataUid` fills {@link TESTDATA_PLACEHOLDER} in data source UIDs and models;
 * `reserved` maps rule UIDs and group names the stack already uses to their owner.
 */
export function readAlertRuleFiles(
    dir: string,
    projectDir: string,
    testdataUid: string,
    reserved: { ruleUids?: Record<string, string>; groupNames?: Record<string, string> } = {},
): AlertRuleFilesResult {
    const findings = new Findings();
    const groups: RuleGroupFromFile[] = [];
    const files = listFiles(findings, KEY, dir, projectDir, [".yaml", ".yml", ".json"], "alert-rules") ?? [];
    const ruleOwner = new Map<string, string>(Object.entries(reserved.ruleUids ?? {}));
    const groupOwner = new Map<string, string>(Object.entries(reserved.groupNames ?? {}));
    const titleOwner = new Map<string, string>();
    const budget: FolderBudget = { used: 0 };
    for (const file of files) {
        for (const group of readFile(findings, file, testdataUid, budget)) {
            // Every group lands in the stack's one folder, where group names are unique.
            const owner = groupOwner.get(group.name);
            if (owner) {
                findings.problem(
                    KEY,
                    where(file.display, { group: group.name }),
                    `group name already used by ${owner}`,
                    "a distinct name for every rule group (they all go into the stack's folder)",
                    `edit ${file.display}: rename the group, or merge its rules into the other one`,
                );
                continue;
            }
            groupOwner.set(group.name, where(file.display, { group: group.name }));
            const rules: RuleFromFile[] = [];
            for (const rule of group.rules) {
                const uidOwner = ruleOwner.get(rule.uid);
                if (uidOwner) {
                    findings.problem(
                        KEY,
                        where(file.display, { rule: rule.uid }),
                        `rule UID already used by ${uidOwner}`,
                        "a UID of its own for every rule",
                        `edit ${file.display}: give rule ${show(rule.title)} another "uid"`,
                    );
                    continue;
                }
                ruleOwner.set(rule.uid, where(file.display, { rule: rule.uid }));
                // Grafana: "rule title under the same organisation and folder should be unique"
                // (ErrAlertRuleUniqueConstraintViolation, pkg/services/ngalert/models/alert_rule.go).
                const titleTaken = titleOwner.get(rule.title);
                if (titleTaken) {
                    findings.problem(
                        KEY,
                        where(file.display, { rule: rule.uid }),
                        `title ${show(rule.title)} is already used by ${titleTaken}`,
                        "a distinct title for every rule in a folder",
                        `edit ${file.display}: rename one of the two rules`,
                    );
                    continue;
                }
                titleOwner.set(rule.title, where(file.display, { rule: rule.uid }));
                rules.push(rule);
            }
            groups.push({ ...group, rules });
        }
    }
    return { groups, problems: findings.problems, warnings: findings.warnings };
}

function readFile(findings: Findings, file: ListedFile, testdataUid: string, budget: FolderBudget): RuleGroupFromFile[] {
    const text = readText(findings, KEY, file, budget);
    if (text === undefined) return [];
    let doc: unknown;
    try {
        doc = yaml.load(text, { filename: file.display, maxAliases: MAX_YAML_ALIASES });
    } catch (e) {
        const err = e as { reason?: string; mark?: { line: number; column: number }; message?: string };
        const at = err.mark ? `line ${err.mark.line + 1}, column ${err.mark.column + 1}: ` : "";
        findings.problem(
            KEY,
            file.display,
            `is not valid ${file.display.endsWith(".json") ? "JSON/YAML" : "YAML"} (${at}${err.reason ?? err.message})`,
            "Grafana's alert-rule provisioning file (apiVersion: 1, groups: [...])",
            `fix ${file.display} at ${at.replace(/: $/, "") || "the place named"}`,
        );
        return [];
    }
    const shape = structureProblem(doc);
    if (shape) {
        findings.problem(
            KEY,
            file.display,
            shape,
            "a rule file nested at most 500 levels, whose YAML anchors and aliases (&name / *name) expand to a reasonable size without cycles (the alerting UI's Export writes none)",
            `replace the aliases in ${file.display} with the values they stand for (or flatten it), or export the rules again`,
        );
        return [];
    }
    if (!isObject(doc)) {
        findings.problem(
            KEY,
            file.display,
            "is not a mapping",
            "apiVersion: 1 and groups: [...]",
            `replace ${file.display} with the alerting UI's Export (YAML or JSON)`,
        );
        return [];
    }
    if (doc.apiVersion !== 1) {
        findings.problem(
            KEY,
            file.display,
            `apiVersion is ${show(doc.apiVersion)}`,
            "apiVersion: 1",
            `edit ${file.display}: set apiVersion: 1`,
        );
    }
    const ignored = Object.keys(doc)
        .filter((k) => k !== "apiVersion" && k !== "groups")
        .sort();
    if (ignored.length > 0) {
        findings.warn(
            KEY,
            file.display,
            `${ignored.join(", ")} ignored: only alert rule groups are provisioned from this folder (contact points come from slackToken / slackRoutes)`,
            "Remove those sections to silence this",
        );
    }
    if (!Array.isArray(doc.groups) || doc.groups.length === 0) {
        findings.problem(
            KEY,
            file.display,
            doc.groups === undefined ? "has no groups" : `groups is ${show(doc.groups)}`,
            "groups: a list of rule groups",
            `edit ${file.display}: put the rule groups under groups:`,
        );
        return [];
    }
    const out: RuleGroupFromFile[] = [];
    doc.groups.forEach((g, i) => {
        const group = readGroup(findings, file, g, i, testdataUid);
        if (group) out.push(group);
    });
    return out;
}

function readGroup(findings: Findings, file: ListedFile, g: unknown, index: number, testdataUid: string): RuleGroupFromFile | undefined {
    const f = file.display;
    if (!isObject(g)) {
        findings.problem(
            KEY,
            `${f}, groups[${index}]`,
            `is ${show(g)}`,
            "a group with orgId, name, folder, interval and rules",
            `edit ${f}: fix groups[${index}]`,
        );
        return undefined;
    }
    const name = scalarText(g.name)?.trim() ?? "";
    const here = where(f, { group: name || `groups[${index}]` });
    if (!name) {
        findings.problem(
            KEY,
            here,
            "the group has no name",
            'a name (Grafana: "rule group has no name set")',
            `edit ${f}: add name: to groups[${index}]`,
        );
    } else if (name.length > MAX_NAME) {
        findings.problem(KEY, here, `the name has ${name.length} characters`, `at most ${MAX_NAME}`, `edit ${f}: shorten the group's name`);
    }
    const folder = scalarText(g.folder)?.trim() ?? "";
    if (!folder) {
        findings.problem(
            KEY,
            here,
            "the group has no folder",
            'a folder (Grafana: "rule group has no folder set"; this program puts the group in the stack\'s folder)',
            `edit ${f}: add folder: to the group`,
        );
    }
    if (g.orgId !== undefined && g.orgId !== 1 && g.orgId !== "1") {
        findings.problem(
            KEY,
            here,
            `orgId is ${show(g.orgId)}`,
            "orgId 1 (the organisation of the stack's folder) or no orgId",
            `edit ${f}: set orgId: 1`,
        );
    }
    const intervalSeconds = groupInterval(findings, f, here, name, g.interval);
    if (!Array.isArray(g.rules) || g.rules.length === 0) {
        findings.problem(
            KEY,
            here,
            "the group has no rules",
            "rules: a list of at least one rule",
            `edit ${f}: add the rules under rules:, or remove the group`,
        );
        return undefined;
    }
    const rules: RuleFromFile[] = [];
    const uids = new Set<string>();
    g.rules.forEach((r, i) => {
        const rule = readRule(findings, file, name, r, i, testdataUid);
        if (!rule) return;
        if (uids.has(rule.uid)) {
            findings.problem(
                KEY,
                where(f, { group: name, rule: rule.uid }),
                "the rule UID appears twice in the group",
                "a UID of its own for every rule",
                `edit ${f}: give one of them another uid`,
            );
            return;
        }
        uids.add(rule.uid);
        rules.push(rule);
    });
    // Even after a group-level problem the good rules go on to the link check, so every
    // problem is reported in one run (any problem stops the deployment anyway).
    return { file: f, name, folder, intervalSeconds, rules };
}

/** A group's evaluation interval in seconds: a positive multiple of Grafana's tick (0 with the problem added). */
function groupInterval(findings: Findings, f: string, here: string, name: string, raw: unknown): number {
    const interval = scalarText(raw) ?? "";
    const ms = parseDuration(interval);
    let intervalSeconds = 0;
    if (ms === undefined) {
        findings.problem(
            KEY,
            here,
            `interval ${show(raw ?? "(missing)")} is not a duration`,
            `a duration that is a positive multiple of ${BASE_INTERVAL_SECONDS}s, e.g. 1m`,
            `edit ${f}: set interval: 1m in group ${show(name)}`,
        );
    } else if (ms <= 0 || ms % (BASE_INTERVAL_SECONDS * 1000) !== 0) {
        const up = Math.max(1, Math.ceil(ms / (BASE_INTERVAL_SECONDS * 1000))) * BASE_INTERVAL_SECONDS;
        findings.problem(
            KEY,
            here,
            `interval ${show(interval)}`,
            `a positive multiple of Grafana's ${BASE_INTERVAL_SECONDS}s evaluation tick (e.g. 10s, 30s, 1m)`,
            `edit ${f}: set interval: ${up}s in group ${show(name)}`,
        );
    } else {
        intervalSeconds = ms / 1000;
    }
    return intervalSeconds;
}

function stringMap(findings: Findings, here: string, f: string, field: string, v: unknown): Record<string, string> | undefined {
    if (v === undefined || v === null) return {};
    if (!isObject(v)) {
        findings.problem(
            KEY,
            here,
            `${field} is ${show(v)}`,
            `${field}: a mapping of names to text`,
            `edit ${f}: fix ${field} of the rule`,
        );
        return undefined;
    }
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) {
        const s = scalarText(x);
        if (s === undefined) {
            findings.problem(KEY, here, `${field}.${k} is ${show(x)}`, "text", `edit ${f}: make ${field}.${k} a single value`);
            return undefined;
        }
        out[k] = s;
    }
    return out;
}

function stringList(v: unknown): string[] | undefined | null {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) return null;
    return (v as string[]).filter((x) => x !== "");
}

function fill(v: unknown, testdataUid: string): unknown {
    if (v === TESTDATA_PLACEHOLDER) return testdataUid;
    if (Array.isArray(v)) return v.map((x) => fill(x, testdataUid));
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x, testdataUid)]));
    return v;
}

/** Adds one problem of the rule being read (and marks the rule unusable). */
type RuleProblem = (what: string, allowed: string, fix: string) => void;

function readRule(
    findings: Findings,
    file: ListedFile,
    group: string,
    r: unknown,
    index: number,
    testdataUid: string,
): RuleFromFile | undefined {
    const f = file.display;
    if (!isObject(r)) {
        findings.problem(
            KEY,
            where(f, { group }) + `, rules[${index}]`,
            `is ${show(r)}`,
            "a rule",
            `edit ${f}: fix rules[${index}] of group ${show(group)}`,
        );
        return undefined;
    }
    const title = scalarText(r.title)?.trim() ?? "";
    const uid = scalarText(r.uid)?.trim() ?? "";
    const here = where(f, { group, rule: uid || title || `rules[${index}]` });
    const problem: RuleProblem = (what, allowed, fix) => {
        findings.problem(KEY, here, what, allowed, `edit ${f}: ${fix}`);
        ok = false;
    };
    let ok = true;

    // Phases in the order their problems are reported.
    checkRuleIdentity(problem, r, uid, title, index);
    const { data, refIds } = readRuleData(problem, r.data, testdataUid);
    const condition = readCondition(problem, r.condition, refIds);
    const timing = readRuleTiming(problem, r);
    const annotationsRaw = stringMap(findings, here, f, "annotations", r.annotations);
    const labels = stringMap(findings, here, f, "labels", r.labels);
    if (!annotationsRaw || !labels) ok = false;
    if (r.isPaused !== undefined && typeof r.isPaused !== "boolean")
        problem(`isPaused is ${show(r.isPaused)}`, "true | false", "set isPaused: false");
    const notificationSettings = readNotificationSettings(problem, r.notification_settings);
    if (!ok) return undefined;

    const { annotations, link, linkProblem } = panelLink(r, annotationsRaw!);
    return {
        file: f,
        group,
        uid,
        title,
        condition,
        data,
        ...timing,
        annotations,
        labels: labels!,
        isPaused: r.isPaused === true,
        notificationSettings,
        link,
        linkProblem,
    };
}

/** uid and title as Grafana requires them; no recording rules. */
function checkRuleIdentity(problem: RuleProblem, r: Record<string, unknown>, uid: string, title: string, index: number): void {
    if (!uid)
        problem(
            "the rule has no uid",
            `a uid (Grafana: "no UID set"; up to ${MAX_UID_LENGTH} of A-Z a-z 0-9 - _)`,
            `add uid: to rule ${show(title || `rules[${index}]`)}`,
        );
    else if (!isGrafanaUid(uid))
        problem(
            `uid ${show(uid)} is not a valid Grafana UID`,
            `up to ${MAX_UID_LENGTH} of A-Z a-z 0-9 - _`,
            "shorten or clean the rule's uid",
        );
    if (!title) problem("the rule has no title", 'a title (Grafana: "rule has no title set")', "add title: to the rule");
    else if (title.length > MAX_NAME)
        problem(`the title has ${title.length} characters`, `at most ${MAX_NAME}`, "shorten the rule's title");

    if (r.record !== undefined) {
        problem(
            "it is a recording rule",
            "alert rules (a recording rule sends no notification, so it has no picture to prove)",
            "provision recording rules another way, or remove record:",
        );
    }
}

/** data: the queries and expressions, and the refIds of those that are usable. */
function readRuleData(problem: RuleProblem, raw: unknown, testdataUid: string): { data: RuleDataStage[]; refIds: Set<string> } {
    const data: RuleDataStage[] = [];
    const refIds = new Set<string>();
    if (!Array.isArray(raw) || raw.length === 0) {
        problem(
            "the rule has no data",
            'data: a list of queries and expressions (Grafana: "no data set")',
            "add the rule's queries under data:",
        );
    } else {
        raw.forEach((q, i) => {
            const stage = readDataStage(problem, q, `data[${i}]`, refIds, testdataUid);
            if (stage) data.push(stage);
        });
    }
    return { data, refIds };
}

/** One entry of data: (its refId joins refIds once it is known to be distinct). */
function readDataStage(problem: RuleProblem, q: unknown, at: string, refIds: Set<string>, testdataUid: string): RuleDataStage | undefined {
    if (!isObject(q)) {
        problem(`${at} is ${show(q)}`, "a query with refId, datasourceUid, relativeTimeRange and model", `fix ${at} of the rule`);
        return undefined;
    }
    const refId = scalarText(q.refId) ?? "";
    if (!refId) {
        problem(`${at} has no refId`, "a refId such as A", `add refId: to ${at}`);
        return undefined;
    }
    if (refIds.has(refId)) {
        problem(`refId ${show(refId)} is used twice`, "a distinct refId per query or expression", `rename one refId ${show(refId)}`);
        return undefined;
    }
    refIds.add(refId);
    const dsRaw = scalarText(q.datasourceUid) ?? "";
    const datasourceUid = dsRaw === TESTDATA_PLACEHOLDER ? testdataUid : dsRaw;
    if (!datasourceUid) {
        problem(
            `${at} (refId ${refId}) has no datasourceUid`,
            "a data source UID, or __expr__ for an expression",
            `add datasourceUid: to ${at}`,
        );
        return undefined;
    }
    if (isUnfilledInput(datasourceUid)) {
        problem(
            `${at} (refId ${refId}) datasourceUid ${datasourceUid} is not filled`,
            "a data source UID of this Grafana, or ${DS_TESTDATA} for the stack's TestData data source",
            `replace ${datasourceUid} in ${at}`,
        );
        return undefined;
    }
    const range = isObject(q.relativeTimeRange) ? q.relativeTimeRange : {};
    const from = range.from ?? 0;
    const to = range.to ?? 0;
    if (typeof from !== "number" || typeof to !== "number" || !Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < 0) {
        problem(
            `${at} (refId ${refId}) relativeTimeRange is ${show(q.relativeTimeRange)}`,
            "from and to in whole seconds, e.g. {from: 600, to: 0}",
            `fix relativeTimeRange of ${at}`,
        );
        return undefined;
    }
    const expression = isExpressionStage(datasourceUid);
    // Grafana refuses a query whose range is empty (alert_query.go: From > To).
    if (!expression && !(from > to)) {
        problem(
            `${at} (refId ${refId}) relativeTimeRange from ${from} is not after to ${to}`,
            "from greater than to (seconds back from now)",
            `set relativeTimeRange: {from: 600, to: 0} in ${at}`,
        );
        return undefined;
    }
    if (!isObject(q.model)) {
        problem(`${at} (refId ${refId}) model is ${show(q.model)}`, "the query's model object", `fix model of ${at}`);
        return undefined;
    }
    const queryType = scalarText(q.queryType);
    return {
        refId,
        datasourceUid,
        relativeTimeRange: { from, to },
        model: canonicalJson(fill(q.model, testdataUid)),
        ...(queryType ? { queryType } : {}),
    };
}

/** condition: the refId that decides firing (checked against refIds only when some are usable). */
function readCondition(problem: RuleProblem, raw: unknown, refIds: Set<string>): string {
    const condition = scalarText(raw) ?? "";
    if (!condition)
        problem("the rule has no condition", "the refId of the query or expression that decides firing", "add condition: (e.g. C)");
    else if (refIds.size > 0 && !refIds.has(condition)) {
        problem(
            `condition ${show(condition)} is not one of the refIds (${[...refIds].join(", ")})`,
            "the refId of one of the rule's data entries",
            `set condition: to one of ${[...refIds].join(", ")}`,
        );
    }
    return condition;
}

/** noDataState, execErrState, for, keepFiringFor, missing_series_evals_to_resolve. */
function readRuleTiming(
    problem: RuleProblem,
    r: Record<string, unknown>,
): Pick<RuleFromFile, "noDataState" | "execErrState" | "for" | "keepFiringFor" | "missingSeriesEvalsToResolve"> {
    const state = (field: "noDataState" | "execErrState", allowed: readonly string[]): string | undefined => {
        const v = r[field];
        if (v === undefined || v === null || v === "") return undefined;
        const s = scalarText(v)?.trim();
        if (s && allowed.includes(s)) return s;
        problem(`${field} is ${show(v)}`, allowed.join(" | "), `set ${field}: ${allowed[0]}`);
        return undefined;
    };
    const noDataState = state("noDataState", NO_DATA_STATES);
    const execErrState = state("execErrState", EXEC_ERR_STATES);
    const duration = (field: "for" | "keepFiringFor"): string | undefined => {
        const v = r[field];
        if (v === undefined || v === null || v === "") return undefined;
        const s = scalarText(v) ?? "";
        if (parseDuration(s) === undefined) {
            problem(`${field} is ${show(v)}`, "a duration such as 0s, 30s, 5m", `set ${field}: 5m`);
            return undefined;
        }
        return s;
    };
    const forDuration = duration("for");
    const keepFiringFor = duration("keepFiringFor");
    let missingSeriesEvalsToResolve: number | undefined;
    if (r.missing_series_evals_to_resolve !== undefined) {
        const n = r.missing_series_evals_to_resolve;
        if (typeof n !== "number" || !Number.isInteger(n) || n < 0)
            problem(`missing_series_evals_to_resolve is ${show(n)}`, "a whole number from 0", "fix missing_series_evals_to_resolve");
        else missingSeriesEvalsToResolve = n;
    }
    return { noDataState, execErrState, for: forDuration, keepFiringFor, missingSeriesEvalsToResolve };
}

/** notification_settings: the rule's own routing (simplified routing), when given. */
function readNotificationSettings(problem: RuleProblem, ns: unknown): RuleNotificationSettings | undefined {
    if (ns === undefined || ns === null) return undefined;
    if (!isObject(ns)) {
        problem(`notification_settings is ${show(ns)}`, "a mapping with receiver, group_by, ...", "fix notification_settings");
        return undefined;
    }
    const lists = {
        groupBy: stringList(ns.group_by),
        muteTimeIntervals: stringList(ns.mute_time_intervals),
        activeTimeIntervals: stringList(ns.active_time_intervals),
    };
    for (const [k, v] of Object.entries(lists))
        if (v === null)
            problem(`notification_settings ${k} is not a list of names`, "a list of names", `fix notification_settings of the rule`);
    const durations: Record<string, string | undefined> = {};
    for (const [k, field] of [
        ["groupWait", "group_wait"],
        ["groupInterval", "group_interval"],
        ["repeatInterval", "repeat_interval"],
    ] as const) {
        const s = ns[field] === undefined ? undefined : scalarText(ns[field]);
        if (s !== undefined && s !== "" && parseDuration(s) === undefined)
            problem(
                `notification_settings.${field} is ${show(ns[field])}`,
                "a duration such as 30s, 5m, 4h",
                `fix notification_settings.${field}`,
            );
        durations[k] = s || undefined;
    }
    return {
        receiver: scalarText(ns.receiver) || undefined,
        groupBy: lists.groupBy ?? undefined,
        muteTimeIntervals: lists.muteTimeIntervals ?? undefined,
        activeTimeIntervals: lists.activeTimeIntervals ?? undefined,
        groupWait: durations.groupWait,
        groupInterval: durations.groupInterval,
        repeatInterval: durations.repeatInterval,
    };
}

/**
 * The panel link: annotations (what the ruler API and the Pulumi provider use) or the
 * export's own fields. Stored once, as the two annotations, on the resource.
 */
function panelLink(
    r: Record<string, unknown>,
    annotationsRaw: Record<string, string>,
): Pick<RuleFromFile, "annotations" | "link" | "linkProblem"> {
    const annotations = { ...annotationsRaw };
    const dash = annotations[DASHBOARD_UID_ANNOTATION] ?? scalarText(r.dashboardUid) ?? scalarText(r.dasboardUid);
    const panel = annotations[PANEL_ID_ANNOTATION] ?? scalarText(r.panelId);
    delete annotations[DASHBOARD_UID_ANNOTATION];
    delete annotations[PANEL_ID_ANNOTATION];
    let link: RuleFromFile["link"];
    let linkProblem: string | undefined;
    if (dash && panel !== undefined && panel !== "") {
        const n = Number(panel);
        if (/^\d+$/.test(panel.trim()) && Number.isSafeInteger(n)) link = { dashboardUid: dash, panelId: n };
        else linkProblem = `${PANEL_ID_ANNOTATION} is ${show(panel)}, not a panel id`;
    } else if (dash) {
        linkProblem = `${DASHBOARD_UID_ANNOTATION} is set but ${PANEL_ID_ANNOTATION} is not`;
    } else if (panel !== undefined && panel !== "" && panel !== "0") {
        linkProblem = `${PANEL_ID_ANNOTATION} is set but ${DASHBOARD_UID_ANNOTATION} is not`;
    }
    return { annotations, link, linkProblem };
}
