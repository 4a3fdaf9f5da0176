// Grafana's alerting, as far as the alert-path stage sees it, inside the fake Grafana:
//   GET /api/v1/provisioning/alert-rules/{uid}          the rule (title, updated, labels, annotations,
//                                                       notification_settings, execErrState, noDataState)
//   GET /api/prometheus/grafana/api/v1/rules            rule state / health / alerts
//   GET /api/alertmanager/grafana/config/api/v1/receivers  each contact point's last delivery, per
//                                                       integration; 403 without alert.notifications:read
//                                                       (pkg/services/ngalert/api/authorization.go: any of
//                                                       alert.notifications:read, alert.notifications.receivers:read,
//                                                       alert.notifications.receivers.secrets:read)
//   GET /api/v1/provisioning/policies                   the notification policy tree (object_matchers)
// and Grafana's Slack notifier, played over real HTTP against the fake Slack (or any Slack
// API URL): after the rule fires and a delay, chat.postMessage with the alert, then the
// screenshot uploaded into that message's thread with files.getUploadURLExternal (a GET
// with a query string), a multipart POST to the upload URL, and completeUploadExternal
// with thread_ts. Exactly the calls grafana/alerting receivers/slack/v1/slack.go makes,
// including what it does on failure: a failed image upload is logged and the
// notification still counts as sent; a failed chat.postMessage is the attempt's error,
// recorded as `lastNotifyAttemptError` (notify/nfstatus/integration.go).
//
// The message is Grafana's real shape: no top-level text, one attachment whose title_link is
// the rule's GeneratorURL, `<root_url>/alerting/grafana/<uid>/view` (pkg/services/ngalert/state/
// compat.go StateToPostableAlert: path.Join(appURL.Path, "/alerting/grafana/<uid>/view")), and
// whose text is this project's template (components/alerting/model/slackTemplates.ts, with the stack's
// marker line). The screenshot is the renderer's picture of the rule's panel, uploaded into the
// thread with the comment `*Firing*: <alertname>, *Labels*: <the other labels, sorted>` (slack.go
// initialCommentForImage; prometheus/alertmanager template KV.SortedPairs, Pairs.String).
// Another stack posting into the same channel is another FakeAlerting (rootUrl, labels, token).
//
// The rule's clock starts at the first request to any of these endpoints, i.e. when the
// stage begins watching, so a test controls the timeline with millisecond knobs.
import { makePng } from "./png";

export interface FakeAlertingOptions {
    ruleUid: string;
    ruleTitle: string;
    dashboardUid: string;
    panelId: number;
    /** Name of the Slack contact point (receiver). Default "grafana-slack-alerts-dev". */
    contactPoint?: string;
    /** Where the notifier posts: Slack API base (ending in /api/), bot token, recipient (#name or ID). */
    slack?: { apiUrl: string; token: string; recipient: string };
    /** Pending this long after the clock starts (ms). Default 0. */
    pendingAfterMs?: number;
    /** Firing this long after the clock starts (ms). Default 20. */
    firingAfterMs?: number;
    /** The notifier runs this long after the rule fires (group wait). Default 10. */
    deliverAfterMs?: number;
    /** Grafana took a screenshot (false: the capture failed, no upload). Default true. */
    screenshot?: boolean;
    /** The rule's evaluation health. Default "ok". */
    health?: "ok" | "error" | "nodata";
    lastError?: string;
    /** False: the alert fires but no route leads to the contact point, so nothing is sent. Default true. */
    routed?: boolean;
    /** Grafana 12+ lists each rule's `uid` in the rules API; older ones only the name. Default true. */
    ruleUidInRulesApi?: boolean;
    /** The alert has fired, and was delivered, this long before the clock starts (a re-run). */
    deliveredBeforeMs?: number;
    /** When the rule was created, ms before the clock starts. Default 1000. */
    createdBeforeMs?: number;
    /** Grafana's [server] root_url, the base of the rule link in messages. Default the fake Grafana's URL. */
    rootUrl?: string;
    /** More labels on the rule (e.g. the stack marker gsa_stack). */
    labels?: Record<string, string>;
    /** The rule's execErrState / noDataState (provisioning API). Default Error / NoData. */
    execErrState?: string;
    noDataState?: string;
    /** The receivers status answers 403 (a token without alert.notifications:read). */
    receiversForbidden?: boolean;
    /** Other receivers with their own Slack integration's last attempt (ms after the clock starts; negative: before). */
    otherReceivers?: Array<{ name: string; attemptAfterMs?: number; error?: string }>;
    /** The rule has no notification settings: the policy tree routes it by its `project` label. Default false. */
    routedByPolicy?: boolean;
    /**
     * The contact point's text template prints the gsa_stack label (this project's does,
     * slackTemplates.ts; an older version's did not, nor does Grafana's default). Default true.
     */
    markerInMessage?: boolean;
}

export interface NotifierCall {
    method: string;
    status: number;
    ok?: boolean;
    error?: string;
}

/** Go's zero time as Grafana serializes an integration that never attempted a delivery. */
const NEVER = "0001-01-01T00:00:00.000Z";

export class FakeAlerting {
    readonly o: Required<Omit<FakeAlertingOptions, "slack" | "lastError" | "deliveredBeforeMs" | "rootUrl" | "otherReceivers">> &
        Pick<FakeAlertingOptions, "slack" | "lastError" | "deliveredBeforeMs" | "rootUrl" | "otherReceivers">;
    /** Every Slack request the notifier made, in order. */
    readonly notifierCalls: NotifierCall[] = [];
    private t0?: number;
    private createdAt = 0;
    private timer?: NodeJS.Timeout;
    private attempt?: { at: number; durationMs: number; error?: string };

    constructor(
        options: FakeAlertingOptions,
        private readonly grafanaUrl: () => string,
        private readonly version: string,
        /** The renderer's picture of the rule's panel (Grafana's screenshot). */
        private readonly screenshotPng: () => Buffer = () => makePng(1000, 500, [40, 120, 200]),
    ) {
        this.o = {
            contactPoint: "grafana-slack-alerts-dev",
            pendingAfterMs: 0,
            firingAfterMs: 20,
            deliverAfterMs: 10,
            screenshot: true,
            health: "ok",
            routed: true,
            ruleUidInRulesApi: true,
            createdBeforeMs: 1000,
            labels: {},
            execErrState: "Error",
            noDataState: "NoData",
            receiversForbidden: false,
            routedByPolicy: false,
            markerInMessage: true,
            ...options,
        };
    }

    /** Starts the rule's clock now (another stack's Grafana, which the verifier never asks). */
    start(): void {
        this.clock();
    }

    /** With execErrState / noDataState Alerting, an error or no data fires the rule as usual (Grafana's state manager). */
    private fires(): boolean {
        return (
            this.o.health === "ok" ||
            (this.o.health === "error" && this.o.execErrState === "Alerting") ||
            (this.o.health === "nodata" && this.o.noDataState === "Alerting")
        );
    }

    /** slack.go initialCommentForImage: `*Firing*: <alertname>, *Labels*: <the other labels, sorted, k=v joined by ", ">`. */
    private screenshotComment(): string {
        const pairs = Object.entries(this.alertLabels())
            .filter(([k]) => k !== "alertname")
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([k, v]) => `${k}=${v}`);
        return `*Firing*: ${this.o.ruleTitle}, *Labels*: ${pairs.join(", ")}`;
    }

    /** The rule's labels as Grafana's alerts carry them (the rule's, then the folder's). */
    private alertLabels(): Record<string, string> {
        return {
            alertname: this.o.ruleTitle,
            grafana_folder: "grafana-slack-alerts (dev)",
            project: "grafana-slack-alerts",
            ...this.o.labels,
        };
    }

    stop(): void {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
    }

    /** Starts the rule's clock (first look), and schedules the notification. */
    private clock(): number {
        if (this.t0 === undefined) {
            this.t0 = Date.now();
            this.createdAt = this.t0 - this.o.createdBeforeMs;
            if (this.o.deliveredBeforeMs !== undefined) {
                this.createdAt = Math.min(this.createdAt, this.t0 - this.o.deliveredBeforeMs - 120_000);
                this.attempt = { at: this.t0 - this.o.deliveredBeforeMs, durationMs: 300 };
            } else if (this.o.routed && this.fires()) {
                this.timer = setTimeout(() => void this.notify(), this.o.firingAfterMs + this.o.deliverAfterMs);
                this.timer.unref();
            }
        }
        return Date.now() - this.t0;
    }

    private state(elapsed: number): "inactive" | "pending" | "firing" {
        if (!this.fires()) return "inactive";
        if (this.o.deliveredBeforeMs !== undefined) return "firing";
        if (elapsed >= this.o.firingAfterMs) return "firing";
        if (elapsed >= this.o.pendingAfterMs) return "pending";
        return "inactive";
    }

    private firingSince(): number {
        if (this.o.deliveredBeforeMs !== undefined) return this.t0! - this.o.deliveredBeforeMs - 10_000;
        return this.t0! + this.o.pendingAfterMs;
    }

    /** Answers one alerting endpoint (auth already checked by the fake Grafana). */
    answer(endpoint: string, url: URL): { status: number; body: object } {
        const elapsed = this.clock();
        if (endpoint === "provisioning") {
            const uid = decodeURIComponent(url.pathname.split("/").pop() ?? "");
            // pkg/services/ngalert/api/api_provisioning.go: 404 for an unknown UID.
            if (uid !== this.o.ruleUid) return { status: 404, body: { message: "could not find alert rule" } };
            return {
                status: 200,
                body: {
                    id: 1,
                    uid: this.o.ruleUid,
                    orgID: 1,
                    folderUID: "gsa-folder",
                    ruleGroup: "grafana-slack-alerts",
                    title: this.o.ruleTitle,
                    condition: "C",
                    data: [],
                    updated: new Date(this.createdAt).toISOString(),
                    noDataState: this.o.noDataState,
                    execErrState: this.o.execErrState,
                    for: "1m",
                    annotations: { __dashboardUid__: this.o.dashboardUid, __panelId__: String(this.o.panelId) },
                    labels: { project: "grafana-slack-alerts", ...this.o.labels },
                    ...(this.o.routedByPolicy ? {} : { notification_settings: { receiver: this.o.contactPoint } }),
                    provenance: "api",
                    isPaused: false,
                },
            };
        }
        if (endpoint === "rules") return { status: 200, body: this.rules(url, elapsed) };
        if (endpoint === "policies") return { status: 200, body: this.policyTree() };
        if (this.o.receiversForbidden) {
            // pkg/services/accesscontrol/middleware.go deny(): 403 with the permissions needed.
            return {
                status: 403,
                body: {
                    accessErrorId: "ACE0123456789",
                    message:
                        "You'll need additional permissions to perform this action. Permissions needed: any of alert.notifications:read, alert.notifications.receivers:read, alert.notifications.receivers.secrets:read",
                    title: "Access denied",
                },
            };
        }
        // receivers: grafana/alerting models/receivers.go ReceiverStatus / IntegrationStatus.
        const slackIntegration = (attempt?: { at: number; durationMs: number; error?: string }) => ({
            name: "slack",
            sendResolved: true,
            lastNotifyAttempt: attempt ? new Date(attempt.at).toISOString() : NEVER,
            lastNotifyAttemptDuration: attempt ? `${attempt.durationMs}ms` : "0s",
            ...(attempt?.error ? { lastNotifyAttemptError: attempt.error } : {}),
        });
        const others = (this.o.otherReceivers ?? []).map((r) => ({
            active: true,
            name: r.name,
            integrations: [
                slackIntegration(
                    r.attemptAfterMs !== undefined && elapsed >= r.attemptAfterMs
                        ? { at: this.t0! + r.attemptAfterMs, durationMs: 120, error: r.error }
                        : undefined,
                ),
            ],
        }));
        return {
            status: 200,
            body: [
                ...others,
                { active: true, name: this.o.contactPoint, integrations: [slackIntegration(this.attempt)] },
                {
                    active: false,
                    name: "email receiver",
                    integrations: [{ name: "email", sendResolved: false, lastNotifyAttempt: NEVER, lastNotifyAttemptDuration: "0s" }],
                },
            ],
        };
    }

    /**
     * The policy tree as GET /api/v1/provisioning/policies exports it (definitions Route:
     * receiver, group_by, routes[].object_matchers as [name, op, value] triples): the default
     * to an email receiver, this project's label to the Slack contact point.
     */
    private policyTree(): object {
        return {
            receiver: "email receiver",
            group_by: ["grafana_folder", "alertname"],
            routes: [
                { receiver: "another team's slack", object_matchers: [["team", "=", "payments"]] },
                { receiver: this.o.contactPoint, object_matchers: [["project", "=", "grafana-slack-alerts"]], group_wait: "10s" },
            ],
        };
    }

    /** pkg/services/ngalert/api/prometheus/api_prometheus.go toRuleGroup + the definitions in prom.go. */
    private rules(url: URL, elapsed: number): object {
        const q = url.searchParams;
        const matches =
            (!q.get("dashboard_uid") || q.get("dashboard_uid") === this.o.dashboardUid) &&
            (!q.get("panel_id") || Number(q.get("panel_id")) === this.o.panelId) &&
            (!this.o.ruleUidInRulesApi || q.getAll("rule_uid").length === 0 || q.getAll("rule_uid").includes(this.o.ruleUid));
        if (!matches) return { status: "success", data: { groups: [], totals: {} } };
        const state = this.state(elapsed);
        const internal = q.get("includeInternalLabels") === "true";
        const now = new Date().toISOString();
        const labels = { ...this.alertLabels(), ...(internal ? { __alert_rule_uid__: this.o.ruleUid } : {}) };
        const alerts =
            this.fires() && this.o.health !== "ok"
                ? state === "inactive"
                    ? []
                    : [
                          {
                              labels,
                              annotations: {},
                              state: "Alerting (Error)",
                              activeAt: new Date(this.firingSince()).toISOString(),
                              value: "",
                          },
                      ]
                : this.o.health === "error"
                  ? [{ labels, annotations: {}, state: "Error", activeAt: now, value: "" }]
                  : this.o.health === "nodata"
                    ? [{ labels: { ...labels, alertname: "DatasourceNoData" }, annotations: {}, state: "NoData", activeAt: now, value: "" }]
                    : state === "inactive"
                      ? []
                      : [
                            {
                                labels,
                                annotations: { summary: "Demo value above 50" },
                                state: state === "firing" ? "Alerting" : "Pending",
                                activeAt: new Date(this.firingSince()).toISOString(),
                                value: "A=73, C=1",
                            },
                        ];
        const rule = {
            state,
            name: this.o.ruleTitle,
            query: "A | B | C",
            duration: 60,
            annotations: { __dashboardUid__: this.o.dashboardUid, __panelId__: String(this.o.panelId), summary: "Demo value above 50" },
            alerts,
            totals: alerts.length > 0 ? { [alerts[0].state.toLowerCase()]: 1 } : {},
            ...(this.o.ruleUidInRulesApi ? { uid: this.o.ruleUid, folderUid: "gsa-folder" } : {}),
            labels: { project: "grafana-slack-alerts", ...this.o.labels },
            health: this.o.health,
            ...(this.o.health !== "ok"
                ? { lastError: this.o.lastError ?? (this.o.health === "error" ? "failed to execute query A: data source not found" : "") }
                : {}),
            type: "alerting",
            lastEvaluation: now,
            evaluationTime: 0.004,
        };
        return {
            status: "success",
            data: {
                groups: [
                    {
                        name: "grafana-slack-alerts",
                        file: "grafana-slack-alerts (dev)",
                        folderUid: "gsa-folder",
                        rules: [rule],
                        totals: {},
                        interval: 60,
                        lastEvaluation: now,
                        evaluationTime: 0.004,
                    },
                ],
                totals: {},
            },
        };
    }

    /** Grafana's Slack notifier (slack.go Notify): the message, then the screenshot in its thread. */
    private async notify(): Promise<void> {
        this.timer = undefined;
        const slack = this.o.slack;
        if (!slack) return;
        const start = Date.now();
        const api = slack.apiUrl.replace(/\/+$/, "/");
        const auth = { Authorization: `Bearer ${slack.token}` };
        const call = async (method: string, init: RequestInit, query = ""): Promise<any> => {
            const res = await fetch(`${api}${method}${query}`, {
                ...init,
                headers: { ...auth, ...(init.headers as Record<string, string>) },
            });
            const body = res.headers.get("content-type")?.startsWith("application/json") ? await res.json() : await res.text();
            this.notifierCalls.push({ method, status: res.status, ok: (body as any)?.ok, error: (body as any)?.error });
            if (res.status >= 300) throw new Error(`unexpected ${Math.floor(res.status / 100)}xx status code: ${res.status}`);
            if (typeof body === "object" && body && (body as any).ok === false)
                throw new Error(`failed to send request: ${(body as any).error}`);
            return body;
        };
        const title = `:rotating_light: [FIRING:1] ${this.o.ruleTitle} (grafana-slack-alerts (dev))`;
        const root = (this.o.rootUrl ?? `${this.grafanaUrl()}/`).replace(/\/+$/, "");
        const marker = this.o.labels.gsa_stack && this.o.markerInMessage ? `\ngsa_stack=${this.o.labels.gsa_stack}` : "";
        let posted: { ts: string; channel: string };
        try {
            posted = await call("chat.postMessage", {
                method: "POST",
                headers: { "Content-Type": "application/json; charset=utf-8" },
                body: JSON.stringify({
                    channel: slack.recipient,
                    attachments: [
                        {
                            color: "#D63232",
                            title,
                            title_link: `${root}/alerting/grafana/${this.o.ruleUid}/view`,
                            text: `:red_circle: *${this.o.ruleTitle}*: Demo value above 50${marker}`,
                            fallback: title,
                            footer: `Grafana v${this.version}`,
                            footer_icon: "https://grafana.com/static/assets/img/fav32.png",
                            ts: Math.floor(Date.now() / 1000),
                        },
                    ],
                }),
            });
        } catch (e) {
            // The attempt's error, as Notify wraps it: "failed to send Slack message: ...".
            this.attempt = { at: start, durationMs: Date.now() - start, error: `failed to send Slack message: ${(e as Error).message}` };
            return;
        }
        if (this.o.screenshot) {
            try {
                const png = this.screenshotPng();
                const name = `${this.o.ruleUid}-screenshot.png`;
                const up = await call(
                    "files.getUploadURLExternal",
                    { method: "GET" },
                    `?${new URLSearchParams({ filename: name, length: String(png.length) })}`,
                );
                const form = new FormData();
                form.append("filename", new Blob([png], { type: "image/png" }), name);
                const res = await fetch(up.upload_url, { method: "POST", headers: auth, body: form });
                this.notifierCalls.push({ method: "upload", status: res.status });
                await res.arrayBuffer();
                if (res.status >= 300) throw new Error(`failed to upload image: status ${res.status}`);
                await call("files.completeUploadExternal", {
                    method: "POST",
                    headers: { "Content-Type": "application/json; charset=utf-8" },
                    body: JSON.stringify({
                        files: [{ id: up.file_id }],
                        channel_id: posted.channel,
                        thread_ts: posted.ts,
                        initial_comment: this.screenshotComment(),
                    }),
                });
            } catch {
                // slack.go: "Failed to upload image" is logged; the notification still succeeds.
            }
        }
        this.attempt = { at: start, durationMs: Date.now() - start };
    }
}
