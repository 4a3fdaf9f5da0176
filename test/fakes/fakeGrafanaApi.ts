// A fake of Grafana's object API, the part the preflight (components/alerting/
// preflightChecks.ts) talks to: health, frontend settings, folders, data sources, dashboard
// search and the alerting provisioning API. Kept apart from FakeGrafana (rendering) so the
// two evolve without stepping on each other; both speak Grafana's wire format.
//
// Behaviour, from Grafana's source (github.com/grafana/grafana):
// - auth: Basic user:password or `Authorization: Bearer <service account token>`; a wrong
//   password answers 401 {"message":"Invalid username or password","messageId":
//   "password-auth.failed"}, a wrong token 401 {"message":"Invalid API key","messageId":
//   "api-key.invalid"} (pkg/services/authn/clients/basic.go, api_key.go: errAPIKeyInvalid);
//   a caller without the permission 403 (pkg/services/accesscontrol middleware).
// - GET /api/health needs no auth: {"database":"ok","version":...} (pkg/api/health.go).
// - GET /api/frontend/settings: buildInfo.version and rendererAvailable (pkg/api/frontendsettings.go).
// - GET /api/folders/:uid 200 or 404 {"message":"folder not found"}; DELETE 200, or 400
//   when the folder holds alert rules and forceDeleteRules is not true (pkg/api/folder.go);
//   deleting a folder deletes its dashboards and rules.
// - GET/DELETE /api/datasources/uid/:uid 200, or 404 {"message":"Data source not found"}
//   (pkg/api/datasources.go).
// - GET /api/search?folderUIDs= lists the folder's dashboards (pkg/api/search.go).
// - Provisioning (pkg/services/ngalert/api/api_provisioning.go): GET rule group 200 or
//   404, DELETE 204; GET alert-rules; GET alert-rules/:uid 200 (with its annotations) or
//   404 for an unknown UID (RouteRouteGetAlertRule); GET contact-points?name= (a list; one entry per
//   integration); DELETE contact-points/:uid 202 {"message":"contactpoint deleted"}, or
//   409 when a notification policy or a rule still uses it
//   (pkg/services/ngalert/provisioning/errors.go: ErrContactPointReferenced,
//   ErrContactPointUsedInRule); DELETE policies 202 resets the tree to the default.
import type * as http from "node:http";
import { readBody, startServer, type StartedServer } from "./faults";

export interface FakeFolder {
    uid: string;
    title: string;
}
export interface FakeDashboard {
    uid: string;
    title: string;
    folderUid: string;
}
export interface FakeRuleGroup {
    folderUid: string;
    title: string;
    rules: Array<{ uid: string; title: string; contactPoint?: string; annotations?: Record<string, string> }>;
}
export interface FakeContactPoint {
    uid: string;
    name: string;
    type: string;
}

export interface FakeGrafanaApiOptions {
    user?: string;
    password?: string;
    /** A service account token accepted as Bearer. */
    apiToken?: string;
    /** Answer 403 to every object endpoint (a Viewer service account). */
    forbidden?: boolean;
    version?: string;
    rendererAvailable?: boolean;
    folders?: FakeFolder[];
    datasources?: Array<{ uid: string; name: string; type: string }>;
    dashboards?: FakeDashboard[];
    ruleGroups?: FakeRuleGroup[];
    contactPoints?: FakeContactPoint[];
    /** Receiver names the notification policy tree routes to. */
    policyReceivers?: string[];
}

export class FakeGrafanaApi {
    readonly log: Array<{ method: string; path: string; status: number }> = [];
    readonly state: Required<
        Pick<FakeGrafanaApiOptions, "folders" | "datasources" | "dashboards" | "ruleGroups" | "contactPoints" | "policyReceivers">
    >;
    private started?: StartedServer;

    constructor(readonly opts: FakeGrafanaApiOptions = {}) {
        this.state = {
            folders: [...(opts.folders ?? [])],
            datasources: [...(opts.datasources ?? [])],
            dashboards: [...(opts.dashboards ?? [])],
            ruleGroups: [...(opts.ruleGroups ?? [])],
            contactPoints: [...(opts.contactPoints ?? [])],
            policyReceivers: [...(opts.policyReceivers ?? [])],
        };
    }

    static async start(opts: FakeGrafanaApiOptions = {}): Promise<FakeGrafanaApi> {
        const g = new FakeGrafanaApi(opts);
        g.started = await startServer((req, res) => g.handle(req, res));
        return g;
    }

    get url(): string {
        if (!this.started) throw new Error("FakeGrafanaApi not started");
        return this.started.origin;
    }

    get auth(): string {
        return `${this.opts.user ?? "admin"}:${this.opts.password ?? "grafana-admin-pw-1234"}`;
    }

    close(): Promise<void> {
        return this.started?.close() ?? Promise.resolve();
    }

    /** Requests other than GET, as `METHOD path`. */
    get writes(): string[] {
        return this.log.filter((l) => l.method !== "GET").map((l) => `${l.method} ${l.path}`);
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        await readBody(req);
        const url = new URL(req.url ?? "/", "http://fake");
        const method = req.method ?? "GET";
        const entry = { method, path: url.pathname + url.search, status: 0 };
        this.log.push(entry);
        const send = (status: number, body?: unknown) => {
            entry.status = status;
            res.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
            res.end(body === undefined ? "" : JSON.stringify(body));
        };
        const p = url.pathname;
        if (p === "/api/health" && method === "GET") {
            return send(200, { commit: "fake", database: "ok", version: this.opts.version ?? "11.6.0" });
        }
        const auth = req.headers.authorization ?? "";
        const bearer = /^Bearer (.+)$/.exec(auth);
        const basic = /^Basic (.+)$/.exec(auth);
        if (bearer) {
            if (!this.opts.apiToken || bearer[1] !== this.opts.apiToken)
                return send(401, { message: "Invalid API key", messageId: "api-key.invalid", statusCode: 401 });
        } else if (!basic || Buffer.from(basic[1], "base64").toString("utf8") !== this.auth) {
            return send(401, { message: "Invalid username or password", messageId: "password-auth.failed", statusCode: 401 });
        }
        if (p === "/api/frontend/settings" && method === "GET") {
            return send(200, {
                buildInfo: { version: this.opts.version ?? "11.6.0", edition: "Open Source" },
                rendererAvailable: this.opts.rendererAvailable ?? true,
            });
        }
        if (this.opts.forbidden) {
            return send(403, {
                message: "You'll need additional permissions to perform this action. Permissions needed: folders:read",
                accessErrorId: "ACE0000000000",
            });
        }
        const s = this.state;
        let m: RegExpExecArray | null;
        if ((m = /^\/api\/folders\/([^/]+)$/.exec(p))) {
            const uid = decodeURIComponent(m[1]);
            const folder = s.folders.find((f) => f.uid === uid);
            if (!folder) return send(404, { message: "folder not found", messageId: "folder.notFound", statusCode: 404 });
            if (method === "GET") return send(200, { uid: folder.uid, title: folder.title, url: `/dashboards/f/${folder.uid}/` });
            if (method === "DELETE") {
                if (s.ruleGroups.some((g) => g.folderUid === uid) && url.searchParams.get("forceDeleteRules") !== "true") {
                    return send(400, { message: "folder cannot be deleted: folder contains alert rules" });
                }
                s.folders = s.folders.filter((f) => f.uid !== uid);
                s.dashboards = s.dashboards.filter((d) => d.folderUid !== uid);
                s.ruleGroups = s.ruleGroups.filter((g) => g.folderUid !== uid);
                return send(200, { title: folder.title, message: `Folder ${folder.title} deleted`, id: 1 });
            }
        }
        if ((m = /^\/api\/datasources\/uid\/([^/]+)$/.exec(p))) {
            const uid = decodeURIComponent(m[1]);
            const ds = s.datasources.find((d) => d.uid === uid);
            if (!ds) return send(404, { message: "Data source not found" });
            if (method === "GET") return send(200, { ...ds, access: "proxy" });
            if (method === "DELETE") {
                s.datasources = s.datasources.filter((d) => d.uid !== uid);
                return send(200, { message: "Data source deleted" });
            }
        }
        if (p === "/api/search" && method === "GET") {
            const folderUids = url.searchParams.getAll("folderUIDs");
            return send(
                200,
                s.dashboards
                    .filter((d) => folderUids.length === 0 || folderUids.includes(d.folderUid))
                    .map((d) => ({ uid: d.uid, title: d.title, type: "dash-db", folderUid: d.folderUid })),
            );
        }
        if ((m = /^\/api\/v1\/provisioning\/folder\/([^/]+)\/rule-groups\/([^/]+)$/.exec(p))) {
            const [folderUid, title] = [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
            const group = s.ruleGroups.find((g) => g.folderUid === folderUid && g.title === title);
            if (!group) return send(404, { message: "rule group not found", messageId: "alerting.rule-group.notFound", statusCode: 404 });
            if (method === "GET")
                return send(200, {
                    title,
                    folderUid,
                    interval: 60,
                    rules: group.rules.map((r) => ({ uid: r.uid, title: r.title, folderUID: folderUid, ruleGroup: title })),
                });
            if (method === "DELETE") {
                s.ruleGroups = s.ruleGroups.filter((g) => g !== group);
                return send(204);
            }
        }
        if ((m = /^\/api\/v1\/provisioning\/alert-rules\/([^/]+)$/.exec(p)) && method === "GET") {
            const uid = decodeURIComponent(m[1]);
            for (const g of s.ruleGroups) {
                const r = g.rules.find((x) => x.uid === uid);
                if (r)
                    return send(200, {
                        uid,
                        title: r.title,
                        folderUID: g.folderUid,
                        ruleGroup: g.title,
                        annotations: r.annotations ?? {},
                        labels: {},
                    });
            }
            return send(404, { message: "could not find alert rule" });
        }
        if (p === "/api/v1/provisioning/alert-rules" && method === "GET") {
            return send(
                200,
                s.ruleGroups.flatMap((g) =>
                    g.rules.map((r) => ({ uid: r.uid, title: r.title, folderUID: g.folderUid, ruleGroup: g.title })),
                ),
            );
        }
        if (p === "/api/v1/provisioning/contact-points" && method === "GET") {
            const name = url.searchParams.get("name");
            return send(
                200,
                s.contactPoints
                    .filter((c) => name === null || c.name === name)
                    .map((c) => ({ uid: c.uid, name: c.name, type: c.type, settings: {}, disableResolveMessage: false })),
            );
        }
        if ((m = /^\/api\/v1\/provisioning\/contact-points\/([^/]+)$/.exec(p)) && method === "DELETE") {
            const uid = decodeURIComponent(m[1]);
            const cp = s.contactPoints.find((c) => c.uid === uid);
            if (cp && s.contactPoints.filter((c) => c.name === cp.name).length === 1) {
                if (s.policyReceivers.includes(cp.name)) {
                    return send(409, {
                        message: "Contact point is currently referenced by a notification policy.",
                        messageId: "alerting.notifications.contact-points.referenced",
                        statusCode: 409,
                    });
                }
                if (s.ruleGroups.some((g) => g.rules.some((r) => r.contactPoint === cp.name))) {
                    return send(409, {
                        message: "Contact point is currently used in the notification settings of one or many alert rules.",
                        messageId: "alerting.notifications.contact-points.used-by-rule",
                        statusCode: 409,
                    });
                }
            }
            s.contactPoints = s.contactPoints.filter((c) => c.uid !== uid);
            return send(202, { message: "contactpoint deleted" });
        }
        if (p === "/api/v1/provisioning/policies" && method === "DELETE") {
            s.policyReceivers = [];
            return send(202, { message: "policies resetted" });
        }
        return send(404, { message: "Not found" });
    }
}
