// The one thing that decides whether an alert arrives with a picture: Grafana screenshots
// a panel only for a rule annotated with `__dashboardUid__` and `__panelId__` that name a
// real panel (grafana/grafana pkg/services/ngalert/models/alert_rule.go: ErrNoDashboard,
// ErrNoPanel, "no image"; Grafana docs, "Images in notifications"). A rule exported
// without them, or pointing at a renamed dashboard, silently arrives without an image.
// This checks every rule from the files against the dashboards the stack provisions.
import type { PanelInfo } from "./dashboardFiles";
import { DASHBOARD_UID_ANNOTATION, PANEL_ID_ANNOTATION, type RuleFromFile } from "./alertRuleFiles";
import { Findings, show, where } from "./files";

const KEY = "alertRulesDir";

/** A dashboard whose panels are known before anything is created. */
export interface KnownDashboard {
    uid: string;
    title: string;
    /** Where it comes from, for messages: a file, or "the demo dashboard". */
    source: string;
    panels: PanelInfo[];
}

export type LinkStatus =
    /** Links to a panel of a dashboard this stack provisions. */
    | "linked"
    /** Links to a dashboard this stack does not provision: looked up in Grafana at verification time. */
    | "external"
    /** No usable link: the alert would arrive without a picture. */
    | "unlinked"
    /** Links to a provisioned dashboard that has no such panel. */
    | "missing-panel";

export interface RuleLink {
    ruleUid: string;
    title: string;
    file: string;
    group: string;
    status: LinkStatus;
    dashboardUid?: string;
    panelId?: number;
    /** The panel's title when the dashboard is provisioned. */
    panelTitle?: string;
    /** One sentence: what was found. */
    detail: string;
}

export interface LinkageResult {
    links: RuleLink[];
    problems: Findings["problems"];
    warnings: string[];
}

/**
 * Checks each rule's panel link. With `requireImages` a rule that would arrive without a
 * picture is a config problem (nothing is created); without, a warning.
 */
export function checkImageLinks(rules: RuleFromFile[], dashboards: KnownDashboard[], requireImages: boolean): LinkageResult {
    const findings = new Findings();
    const byUid = new Map(dashboards.map((d) => [d.uid, d]));
    const links: RuleLink[] = [];
    const report = (rule: RuleFromFile, what: string, fix: string) => {
        const here = where(rule.file, { rule: rule.uid });
        const editFix = `edit ${rule.file}: ${fix}; or pick the panel in Grafana's rule editor ("Link dashboard and panel") and export the rule again`;
        if (requireImages) {
            findings.problem(
                KEY,
                here,
                `${what}, so its alert would arrive in Slack without a picture`,
                `a rule whose ${DASHBOARD_UID_ANNOTATION} and ${PANEL_ID_ANNOTATION} annotations name a panel (requireImages is true)`,
                `${editFix}   (or accept alerts without pictures: pulumi config set requireImages false)`,
            );
        } else {
            findings.warn(KEY, here, `${what}, so its alert will arrive without a picture`, `To fix: ${editFix}`);
        }
    };
    for (const rule of rules) {
        const base = { ruleUid: rule.uid, title: rule.title, file: rule.file, group: rule.group };
        if (!rule.link) {
            const what = rule.linkProblem ?? `has no ${DASHBOARD_UID_ANNOTATION} / ${PANEL_ID_ANNOTATION} annotations`;
            report(
                rule,
                what,
                `add annotations ${DASHBOARD_UID_ANNOTATION}: <dashboard uid> and ${PANEL_ID_ANNOTATION}: "<panel id>" to rule ${show(rule.title)}`,
            );
            links.push({ ...base, status: "unlinked", detail: `rule ${what}` });
            continue;
        }
        const { dashboardUid, panelId } = rule.link;
        const dashboard = byUid.get(dashboardUid);
        if (!dashboard) {
            links.push({
                ...base,
                status: "external",
                dashboardUid,
                panelId,
                detail: `links to panel ${panelId} of dashboard ${dashboardUid}, which this stack does not provision; it is looked up in Grafana when verified`,
            });
            continue;
        }
        const panel = dashboard.panels.find((p) => p.id === panelId);
        if (!panel) {
            const choices = dashboard.panels.map((p) => `${p.id} (${show(p.title || p.type)})`).join(", ") || "none";
            const what = `links to panel ${panelId} of dashboard ${dashboardUid} (${dashboard.source}), which has no such panel; its panels: ${choices}`;
            report(rule, what, `set ${PANEL_ID_ANNOTATION} of rule ${show(rule.title)} to one of the panel ids listed`);
            links.push({ ...base, status: "missing-panel", dashboardUid, panelId, detail: `rule ${what}` });
            continue;
        }
        links.push({
            ...base,
            status: "linked",
            dashboardUid,
            panelId,
            panelTitle: panel.title,
            detail: `links to panel ${panelId} ${show(panel.title)} of dashboard ${dashboardUid} (${dashboard.source})`,
        });
    }
    return { links, problems: findings.problems, warnings: findings.warnings };
}
