// The alert-path stage's Grafana side: what the rule is, where Grafana routes it, and
// whether that contact point tried to deliver. Read from Grafana's own API, never guessed:
// - the rule: GET /api/v1/provisioning/alert-rules/{uid} (title, updated, labels,
//   notification_settings.receiver, execErrState, noDataState; pkg/services/ngalert/api/
//   tooling/definitions/provisioning_alert_rules.go);
// - its state: GET /api/prometheus/grafana/api/v1/rules?dashboard_uid=&panel_id= (grafana
//   pkg/services/ngalert/api/prometheus/api_prometheus.go: `state` inactive / pending /
//   firing / recovering, `health` ok / error / nodata, `lastError`, alerts[].activeAt);
// - its route when it has no notification settings: GET /api/v1/provisioning/policies (the
//   tree; routes[].object_matchers as [name, op, value]; first matching child wins unless
//   `continue`, as in Alertmanager's dispatch/route.go);
// - the contact point's last delivery: GET /api/alertmanager/grafana/config/api/v1/receivers
//   (grafana/alerting models/receivers.go: per INTEGRATION lastNotifyAttempt /
//   lastNotifyAttemptError, set by notify/nfstatus/integration.go AFTER Notify returns).
//   Only this rule's contact point counts. 403 without alert.notifications:read (or
//   alert.notifications.receivers:read; pkg/services/ngalert/api/authorization.go): then
//   Slack is read on every poll instead.
import { describeFetchError, displayUrl, grafanaGet, type GrafanaEndpoint } from "./grafanaChecks";
import { isVerificationError, verificationError } from "../shared/messages";
import { MARKER_LABEL } from "./alertSlack";
import type { VerifyTiming } from "../shared/timing";

export interface RuleView {
    uid?: string;
    name: string;
    state: string;
    health: string;
    lastError?: string;
    lastEvaluation?: string;
    activeAt?: string;
    receiver?: string;
    /** The labels of the rule's alerts (routing matches on these). */
    labels: Record<string, string>;
}

/** The rule as the provisioning API has it. */
export interface RuleInfo {
    title?: string;
    createdAt?: string;
    receiver?: string;
    labels: Record<string, string>;
    marker?: string;
    execErrState?: string;
    noDataState?: string;
    /** The UID is not this Grafana's (404). */
    unknown?: boolean;
}

export interface IntegrationView {
    receiver: string;
    at?: number;
    atText?: string;
    error?: string;
}

export function parseTime(v: unknown): number | undefined {
    if (typeof v !== "string" || !v) return undefined;
    const t = Date.parse(v);
    // Go's zero time (0001-01-01...) marks "never".
    return Number.isFinite(t) && t > 0 ? t : undefined;
}

function json(body: Buffer): any {
    try {
        return JSON.parse(body.toString("utf8"));
    } catch {
        return undefined;
    }
}

/** One GET; 401 fails as credentials; other statuses are the caller's to judge. */
export async function alertGet(grafana: GrafanaEndpoint, path: string, timing: VerifyTiming, forbiddenOk = false) {
    const endpoint = `GET ${path.split("?")[0]}`;
    const url = displayUrl(grafana.url);
    try {
        const r = await grafanaGet(grafana, path, timing.requestTimeoutMs);
        if (r.status === 401 || (r.status === 403 && !forbiddenOk))
            throw verificationError("grafana_auth", { url, endpoint, status: r.status });
        return { status: r.status, doc: r.status === 200 || r.status === 403 ? json(r.body) : undefined };
    } catch (e) {
        if (isVerificationError(e)) throw e;
        throw verificationError("grafana_http_error", { endpoint, url, detail: describeFetchError(e, timing.requestTimeoutMs) });
    }
}

/** The rule's title, creation, labels (and the stack marker), contact point and error states. */
export async function lookupRule(grafana: GrafanaEndpoint, uid: string, timing: VerifyTiming): Promise<RuleInfo> {
    const p = await alertGet(grafana, `/api/v1/provisioning/alert-rules/${encodeURIComponent(uid)}`, timing, true);
    if (p.status === 404) return { labels: {}, unknown: true };
    if (p.status !== 200 || !p.doc) return { labels: {} };
    const labels: Record<string, string> =
        p.doc.labels && typeof p.doc.labels === "object"
            ? Object.fromEntries(Object.entries(p.doc.labels).map(([k, v]) => [k, String(v)]))
            : {};
    const updated = parseTime(p.doc.updated);
    const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
    return {
        title: str(p.doc.title),
        createdAt: updated !== undefined ? new Date(updated).toISOString() : undefined,
        receiver: str(p.doc.notification_settings?.receiver),
        labels,
        marker: labels[MARKER_LABEL],
        execErrState: str(p.doc.execErrState),
        noDataState: str(p.doc.noDataState),
    };
}

/** One Alertmanager matcher, [name, op, value] or "name=value" ("=", "!=", "=~", "!~"). */
function matches(m: unknown, labels: Record<string, string>): boolean {
    let name: string, op: string, value: string;
    if (Array.isArray(m) && m.length === 3) [name, op, value] = m.map(String);
    else if (typeof m === "string" && /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$/.test(m))
        [, name, op, value] = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$/.exec(m)!;
    else return false;
    const have = labels[name] ?? "";
    if (op === "=") return have === value;
    if (op === "!=") return have !== value;
    let re: RegExp;
    try {
        re = new RegExp(`^(?:${value})$`);
    } catch {
        return false;
    }
    return op === "=~" ? re.test(have) : !re.test(have);
}

/** The receivers a route tree sends these labels to (Alertmanager's dispatch: first match, unless `continue`). */
export function routeReceivers(route: any, labels: Record<string, string>, inherited?: string): string[] {
    const receiver = typeof route?.receiver === "string" && route.receiver ? route.receiver : inherited;
    const out: string[] = [];
    for (const child of Array.isArray(route?.routes) ? route.routes : []) {
        const ms: unknown[] = [
            ...(Array.isArray(child?.object_matchers) ? child.object_matchers : []),
            ...(Array.isArray(child?.matchers) ? child.matchers : []),
        ];
        const eq = child?.match && typeof child.match === "object" ? Object.entries(child.match).map(([k, v]) => [k, "=", String(v)]) : [];
        const re =
            child?.match_re && typeof child.match_re === "object"
                ? Object.entries(child.match_re).map(([k, v]) => [k, "=~", String(v)])
                : [];
        if (![...ms, ...eq, ...re].every((m) => matches(m, labels))) continue;
        out.push(...routeReceivers(child, labels, receiver));
        if (!child.continue) return out;
    }
    return out.length > 0 ? out : receiver ? [receiver] : [];
}

/** The contact point the policy tree routes these labels to, or why it is not known. */
export async function policyContactPoint(grafana: GrafanaEndpoint, labels: Record<string, string>, timing: VerifyTiming) {
    const r = await alertGet(grafana, "/api/v1/provisioning/policies", timing, true);
    if (r.status !== 200 || !r.doc) return { why: `the policy tree is not readable (HTTP ${r.status})` };
    const receivers = routeReceivers(r.doc, labels);
    return receivers.length === 1 ? { receiver: receivers[0] } : { why: `the policy tree routes it to ${receivers.length} contact points` };
}

/** Slack integrations of one receiver, with their last attempt. */
export function slackIntegrations(doc: any, receiver: string): IntegrationView[] {
    const out: IntegrationView[] = [];
    for (const r of Array.isArray(doc) ? doc : []) {
        if (r?.name !== receiver) continue;
        for (const i of Array.isArray(r?.integrations) ? r.integrations : []) {
            if (String(i?.name ?? "").toLowerCase() !== "slack") continue;
            const at = parseTime(i?.lastNotifyAttempt);
            out.push({
                receiver,
                at,
                atText: at !== undefined ? new Date(at).toISOString() : undefined,
                error: typeof i?.lastNotifyAttemptError === "string" && i.lastNotifyAttemptError ? i.lastNotifyAttemptError : undefined,
            });
        }
    }
    return out;
}

/** The rule, by UID when known, else the first alerting rule annotated with this panel. */
export function pickRule(
    doc: any,
    opts: { ruleUid?: string; ruleTitle?: string; dashboardUid: string; panelId: number },
): RuleView | undefined {
    const groups: any[] = Array.isArray(doc?.data?.groups) ? doc.data.groups : [];
    const rules: any[] = groups
        .flatMap((g) => (Array.isArray(g?.rules) ? g.rules : []))
        .filter((r) => r && (r.type === undefined || r.type === "alerting"));
    const pointsAtPanel = (r: any) =>
        r?.annotations?.__dashboardUid__ === opts.dashboardUid && String(r?.annotations?.__panelId__) === String(opts.panelId);
    let rule: any;
    if (opts.ruleUid) {
        // Newer Grafana returns the rule's `uid`; older ones only its name (= the rule title).
        rule =
            rules.find((r) => r.uid === opts.ruleUid) ??
            rules.find((r) => r.uid === undefined && opts.ruleTitle !== undefined && r.name === opts.ruleTitle);
    }
    rule = rule ?? (opts.ruleUid && rules.some((r) => typeof r.uid === "string") ? undefined : rules.find(pointsAtPanel));
    if (!rule) return undefined;
    const alerts: any[] = Array.isArray(rule.alerts) ? rule.alerts : [];
    const firing = alerts.filter((a) => /^(alerting|firing)/i.test(String(a?.state ?? "")));
    const activeAt = (firing.length > 0 ? firing : alerts)
        .map((a) => a?.activeAt)
        .filter((t) => parseTime(t) !== undefined)
        .sort()[0];
    // Older Grafana: the rule UID only as the internal label of its alerts (includeInternalLabels).
    const uid =
        typeof rule.uid === "string" ? rule.uid : alerts.map((a) => a?.labels?.__alert_rule_uid__).find((u) => typeof u === "string");
    const labels = { ...(rule.labels ?? {}), ...(alerts[0]?.labels ?? {}) } as Record<string, string>;
    return {
        uid: uid ?? opts.ruleUid,
        name: String(rule.name ?? ""),
        state: String(rule.state ?? "inactive"),
        health: String(rule.health ?? "ok"),
        lastError: typeof rule.lastError === "string" && rule.lastError ? rule.lastError : undefined,
        lastEvaluation: typeof rule.lastEvaluation === "string" ? rule.lastEvaluation : undefined,
        activeAt: typeof activeAt === "string" ? activeAt : undefined,
        receiver: typeof rule.notificationSettings?.receiver === "string" ? rule.notificationSettings.receiver : undefined,
        labels: { alertname: String(rule.name ?? ""), ...labels },
    };
}
