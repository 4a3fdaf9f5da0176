// Proof per rule: for each alert rule, would its alert carry a picture? Looks each rule up
// in Grafana, reads its panel link (`__dashboardUid__` / `__panelId__`), looks the
// dashboard and panel up, and renders the panel through Grafana: every linked panel
// once, however many rules share it, and nothing is posted to Slack. Used by
// `doctor --rule <uid>` / `--all-rules`; it reuses the verifier's Grafana checks.
//
// Rules come from Grafana's provisioning API (grafana/grafana
// pkg/services/ngalert/api/tooling/definitions/provisioning_alert_rules.go):
//   GET /api/v1/provisioning/alert-rules        -> ProvisionedAlertRules (a JSON list)
//   GET /api/v1/provisioning/alert-rules/{UID}  -> ProvisionedAlertRule, 404 when unknown
// each with `uid`, `title`, `ruleGroup`, `folderUID` and `annotations`.
import {
    checkDashboardPanel,
    checkRendererAvailable,
    displayUrl,
    grafanaGet,
    renderPanel,
    waitForGrafana,
    type GrafanaEndpoint,
} from "./grafanaChecks";
import {
    describeFailure,
    isVerificationError,
    makeScrubber,
    verificationError,
    type MessageKey,
    type VerificationFailure,
} from "../shared/messages";
import { resolveTiming, type VerifyTiming } from "../shared/timing";

export interface RuleImageOptions {
    grafanaUrl: string;
    /** `user:password` or a service-account token. */
    grafanaAuth?: string;
    /** Rule UIDs to check; "all" lists every rule Grafana has. */
    rules: string[] | "all";
    width?: number;
    height?: number;
    timing?: Partial<VerifyTiming>;
    failFastOnConnectionError?: boolean;
    /** Called as each rule's result is known (progress output). */
    onRule?: (r: RuleImageResult) => void;
}

export interface RuleImageResult {
    uid: string;
    title?: string;
    group?: string;
    dashboardUid?: string;
    panelId?: number;
    status: "pass" | "fail" | "skip";
    /** What was found: the render, or what failed and why. */
    finding: string;
    fix?: string;
    key?: MessageKey;
    image?: { width: number; height: number; bytes: number; renderMs: number };
    /** True when another rule's render of the same panel was reused. */
    sharedRender?: boolean;
}

export interface RuleImagesReport {
    /** Grafana answered, the rules were found and every rule's panel rendered. */
    ok: boolean;
    /** A failure before any rule could be checked (Grafana down, credentials, no renderer). */
    failure?: VerificationFailure;
    grafana?: { version?: string; rendererVersion?: string };
    rules: RuleImageResult[];
    /** Renders made (each linked panel once). */
    renders: number;
}

/** A rule as the provisioning API returns it (the fields used here). */
interface RuleView {
    uid: string;
    title?: string;
    ruleGroup?: string;
    annotations?: Record<string, unknown>;
}

function failureOf(e: unknown): VerificationFailure {
    if (isVerificationError(e)) return e.failure;
    return describeFailure("unexpected_error", { detail: e instanceof Error ? e.message : String(e) });
}

/** The rule's panel link, or why it has none. */
export function ruleLink(rule: { annotations?: Record<string, unknown> }): { dashboardUid: string; panelId: number } | string {
    const a = rule.annotations ?? {};
    const dash = typeof a.__dashboardUid__ === "string" ? a.__dashboardUid__.trim() : "";
    const panelText = a.__panelId__ === undefined || a.__panelId__ === null ? "" : String(a.__panelId__).trim();
    if (!dash && !panelText) return "it has no __dashboardUid__ and __panelId__ annotations";
    if (!dash) return "it has __panelId__ but no __dashboardUid__ annotation";
    if (!panelText) return "it has __dashboardUid__ but no __panelId__ annotation";
    if (!/^\d+$/.test(panelText)) return `its __panelId__ annotation is ${JSON.stringify(panelText)}, not a panel id`;
    return { dashboardUid: dash, panelId: Number(panelText) };
}

async function getJson(target: GrafanaEndpoint, path: string, timing: VerifyTiming): Promise<{ status: number; body: unknown }> {
    const url = displayUrl(target.url);
    let r;
    try {
        r = await grafanaGet(target, path, timing.requestTimeoutMs);
    } catch (e) {
        throw verificationError("grafana_http_error", { endpoint: `GET ${path}`, url, detail: e instanceof Error ? e.message : String(e) });
    }
    if (r.status === 401 || r.status === 403) throw verificationError("grafana_auth", { url, endpoint: `GET ${path}`, status: r.status });
    let body: unknown;
    try {
        body = JSON.parse(r.body.toString("utf8"));
    } catch {
        body = undefined;
    }
    return { status: r.status, body };
}

/** Every alert rule Grafana has (all folders of the organisation). */
export async function listAlertRules(target: GrafanaEndpoint, timing: VerifyTiming): Promise<RuleView[]> {
    const path = "/api/v1/provisioning/alert-rules";
    const r = await getJson(target, path, timing);
    if (r.status !== 200 || !Array.isArray(r.body)) {
        throw verificationError("grafana_http_error", {
            endpoint: `GET ${path}`,
            url: displayUrl(target.url),
            detail: r.status === 200 ? "it answered HTTP 200 without a list of rules" : `it answered HTTP ${r.status}`,
        });
    }
    return (r.body as RuleView[]).filter((x) => x && typeof x.uid === "string");
}

/** One rule by UID, or undefined when Grafana has none (HTTP 404). */
export async function getAlertRule(target: GrafanaEndpoint, uid: string, timing: VerifyTiming): Promise<RuleView | undefined> {
    const path = `/api/v1/provisioning/alert-rules/${encodeURIComponent(uid)}`;
    const r = await getJson(target, path, timing);
    if (r.status === 404) return undefined;
    if (r.status !== 200 || typeof r.body !== "object" || r.body === null) {
        throw verificationError("grafana_http_error", {
            endpoint: `GET ${path}`,
            url: displayUrl(target.url),
            detail: `it answered HTTP ${r.status}`,
        });
    }
    return r.body as RuleView;
}

/** One panel's render: its image, or why there is none. */
type PanelRender = { image?: RuleImageResult["image"]; failure?: VerificationFailure };

/** Checks every rule's picture. Never throws for an expected failure. */
export async function runRuleImageChecks(options: RuleImageOptions): Promise<RuleImagesReport> {
    const timing = resolveTiming(options.timing);
    const scrub = makeScrubber([options.grafanaAuth]);
    const target: GrafanaEndpoint = { url: options.grafanaUrl, auth: options.grafanaAuth };
    const width = options.width ?? 1000;
    const height = options.height ?? 500;
    const report: RuleImagesReport = { ok: false, rules: [], renders: 0 };
    const clean = (f: VerificationFailure): VerificationFailure => ({
        key: f.key,
        what: scrub(f.what),
        why: scrub(f.why),
        next: scrub(f.next),
        message: scrub(f.message),
    });

    try {
        const health = await waitForGrafana(target, timing, { failFast: options.failFastOnConnectionError });
        const renderer = await checkRendererAvailable(target, timing);
        report.grafana = { version: health.version ?? renderer.grafanaVersion, rendererVersion: renderer.rendererVersion };
    } catch (e) {
        report.failure = clean(failureOf(e));
        return report;
    }

    let rules: Array<{ uid: string; view?: RuleView }>;
    try {
        if (options.rules === "all") {
            rules = (await listAlertRules(target, timing))
                .sort((a, b) => a.uid.localeCompare(b.uid))
                .map((view) => ({ uid: view.uid, view }));
        } else {
            rules = [];
            for (const uid of options.rules) rules.push({ uid, view: await getAlertRule(target, uid, timing) });
        }
    } catch (e) {
        report.failure = clean(failureOf(e));
        return report;
    }

    // Each linked panel is looked up and rendered once, whatever the number of rules on it.
    const renders = new Map<string, Promise<PanelRender>>();
    const renderOnce = (dashboardUid: string, panelId: number) => {
        const k = `${dashboardUid}\u0000${panelId}`;
        let p = renders.get(k);
        if (!p) {
            p = (async () => {
                try {
                    await checkDashboardPanel(target, { dashboardUid, panelId }, timing);
                    report.renders++;
                    const img = await renderPanel(
                        target,
                        { dashboardUid, panelId, width, height, rendererVersion: report.grafana?.rendererVersion },
                        timing,
                    );
                    return { image: { width: img.width, height: img.height, bytes: img.bytes, renderMs: img.renderMs } };
                } catch (e) {
                    return { failure: clean(failureOf(e)) };
                }
            })();
            renders.set(k, p);
            return { promise: p, shared: false };
        }
        return { promise: p, shared: true };
    };

    for (const { uid, view } of rules) {
        const result = await checkRule(uid, view, { target, clean, renderOnce });
        report.rules.push(result);
        options.onRule?.(result);
    }
    report.ok = report.rules.length > 0 && report.rules.every((r) => r.status === "pass");
    return report;
}

/** One rule's line: linked to a panel, and that panel renders (once per panel, shared between rules). */
async function checkRule(
    uid: string,
    view: RuleView | undefined,
    c: {
        target: GrafanaEndpoint;
        clean: (f: VerificationFailure) => VerificationFailure;
        renderOnce: (dashboardUid: string, panelId: number) => { promise: Promise<PanelRender>; shared: boolean };
    },
): Promise<RuleImageResult> {
    const { target, clean, renderOnce } = c;
    let result: RuleImageResult;
    if (!view) {
        const f = clean(describeFailure("rule_not_found", { url: displayUrl(target.url), rule: uid }));
        result = { uid, status: "fail", finding: `${f.what}: ${f.why}`, fix: f.next, key: f.key };
    } else {
        const base = { uid, title: view.title, group: view.ruleGroup };
        const link = ruleLink(view);
        if (typeof link === "string") {
            const f = clean(describeFailure("rule_no_panel", { rule: uid, title: view.title ?? uid, detail: link }));
            result = { ...base, status: "fail", finding: `${f.what}: ${f.why}`, fix: f.next, key: f.key };
        } else {
            const { promise, shared } = renderOnce(link.dashboardUid, link.panelId);
            const r = await promise;
            result = r.image
                ? {
                      ...base,
                      ...link,
                      status: "pass",
                      finding: `panel ${link.panelId} of dashboard ${link.dashboardUid} renders as a ${r.image.width}x${r.image.height} PNG (${r.image.bytes} bytes)${shared ? ", the render shared with another rule on this panel" : ` in ${r.image.renderMs} ms`}`,
                      image: r.image,
                      ...(shared ? { sharedRender: true } : {}),
                  }
                : {
                      ...base,
                      ...link,
                      status: "fail",
                      finding: `${r.failure!.what}: ${r.failure!.why}`,
                      fix: r.failure!.next,
                      key: r.failure!.key,
                  };
        }
    }
    return result;
}

const MARK = { pass: "PASS", fail: "FAIL", skip: "SKIP" } as const;

/** One checklist line per rule, as doctor prints it. */
export function ruleLine(r: RuleImageResult): string {
    const name = r.title ? `${r.uid} ("${r.title}")` : r.uid;
    const base = `${MARK[r.status]}  rule ${name}: ${r.finding}`;
    return r.status === "fail" && r.fix ? `${base}. Fix: ${r.fix}` : base;
}

/** `verification.rules`: one plain entry per rule (no secret, no image bytes). */
export function ruleOutputs(report: RuleImagesReport): Array<Record<string, unknown>> {
    const rows = report.rules.map((r) => {
        const row: Record<string, unknown> = { uid: r.uid, status: r.status, finding: r.finding };
        if (r.title !== undefined) row.title = r.title;
        if (r.dashboardUid !== undefined) row.dashboardUid = r.dashboardUid;
        if (r.panelId !== undefined) row.panelId = r.panelId;
        if (r.image) Object.assign(row, { imageWidth: r.image.width, imageHeight: r.image.height, imageBytes: r.image.bytes });
        if (r.key !== undefined) row.key = r.key;
        return row;
    });
    if (report.failure) rows.push({ uid: "(all)", status: "fail", finding: report.failure.message, key: report.failure.key });
    return rows;
}

/** One error message for the rules that would arrive without a picture. */
export function ruleFailureSummary(report: RuleImagesReport): string {
    if (report.failure) return `Proof per rule failed: ${report.failure.message}`;
    const failed = report.rules.filter((r) => r.status !== "pass");
    return `Proof per rule: ${failed.length} of ${report.rules.length} rules would arrive without a picture (set requireImages false to accept that):\n${failed.map((r) => `- ${ruleLine(r)}`).join("\n")}`;
}
