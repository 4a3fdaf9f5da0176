// What the program checks in Grafana before it creates anything there (the preflight):
// the credentials, on a Grafana it does not deploy (target existing) also the version and
// the image renderer, and on every target whether objects with this stack's fixed UIDs are
// already there (left by a deployment whose Pulumi state is gone). Found leftovers fail the
// run with what to do, or, with replaceLeftovers, are deleted so the stack creates them again.
//
// They run inside the dynamic provider (preflightProvider.ts), on Node's built-in fetch.
import { channelNameUploadProblem, grafanaVersionProblem, MIN_GRAFANA, parseVersion, RECOMMENDED_GRAFANA } from "../../shared/images";
import { makeScrubber, verificationError } from "../../shared/messages";
import { clip } from "../../shared/redaction";
import { grafanaRequest } from "../../shared/grafanaHttp";
import { backoff, sleep } from "../../shared/timing";

export interface PreflightInputs {
    /** Grafana's API as this machine reaches it. */
    grafanaUrl: string;
    /** `user:password` (Basic) or a service account token (Bearer). Secret. */
    grafanaAuth: string;
    /** Which kind of Grafana: one this program deploys (docker, kubernetes) or an existing one. */
    target: "docker" | "kubernetes" | "existing";
    stackName: string;
    /** The fixed identifiers this stack creates. */
    folderUid: string;
    datasourceUid: string;
    dashboardUid: string;
    ruleGroup: string;
    /** Name of the Slack contact point this stack creates; undefined without Slack. */
    contactPoint?: string;
    /** The configured Slack channel (a `#name` needs Grafana 11.5.3+ on 11.5). */
    slackChannel?: string;
    /** UID of the user's rule the proof follows (verifyRule): looked up, its panel returned. */
    verifyRule?: string;
    /** The stack's last update already created its objects (its outputs say so): nothing found is a leftover. */
    stateHasObjects?: boolean;
    /** Delete this stack's leftovers instead of failing. */
    replaceLeftovers: boolean;
    /** Docker only: the data volume (kept by name across a lost state). */
    dockerVolume?: string;
    /** Bounds (tests make them small): per request, and how long to wait for /api/health. */
    requestTimeoutMs?: number;
    healthTimeoutMs?: number;
}

export interface PreflightResult {
    grafanaVersion?: string;
    rendererAvailable?: boolean;
    /** Leftovers found (descriptions), and those deleted with replaceLeftovers. */
    leftovers: string[];
    replaced: string[];
    /** verifyRule's title and the panel its annotations attach it to (what Grafana screenshots). */
    verifyRuleTitle?: string;
    verifyRuleDashboardUid?: string;
    verifyRulePanelId?: number;
}

interface Answer {
    status: number;
    body: any;
    text: string;
    /** Takes this request's credentials out of text from the answer, before it is shortened. */
    scrub: (text: string) => string;
}

/** A Grafana object that exists, how to name it and how to delete it. */
interface Leftover {
    what: string;
    deletePath: string;
}

function client(inputs: PreflightInputs) {
    const timeoutMs = inputs.requestTimeoutMs ?? 15_000;
    return async function call(method: string, path: string, auth = true): Promise<Answer> {
        const r = await grafanaRequest({ url: inputs.grafanaUrl, auth: auth ? inputs.grafanaAuth : undefined }, method, path, timeoutMs);
        const text = r.body.toString("utf8");
        let body: any;
        try {
            body = text ? JSON.parse(text) : undefined;
        } catch {
            body = undefined;
        }
        // The scrubber always knows the credentials, also for a request sent without them.
        return { status: r.status, body, text, scrub: makeScrubber([inputs.grafanaAuth]) };
    };
}

/** Grafana's message, scrubbed and then shortened: a cut first could leave half a credential behind. */
function brief(a: Answer): string {
    const m = typeof a.body?.message === "string" ? a.body.message : "";
    return m ? `: ${clip(a.scrub(m), 160)}` : "";
}

/** Waits (bounded) for GET /api/health; returns the version it reports, if any. */
async function health(inputs: PreflightInputs, call: ReturnType<typeof client>): Promise<string | undefined> {
    const deadline = Date.now() + (inputs.healthTimeoutMs ?? 30_000);
    const pauses = backoff(250, 2, 4_000);
    for (;;) {
        let last: string;
        try {
            const a = await call("GET", "/api/health", false);
            if (a.status === 200) return typeof a.body?.version === "string" ? a.body.version : undefined;
            last = `HTTP ${a.status}`;
        } catch (e) {
            const err = e as { name?: string; cause?: { code?: string }; message?: string };
            last = err?.name === "TimeoutError" ? "no answer" : (err?.cause?.code ?? err?.message ?? String(e));
        }
        const wait = pauses.next().value;
        if (Date.now() + wait > deadline) {
            throw verificationError("grafana_unreachable", {
                url: inputs.grafanaUrl,
                seconds: Math.round((inputs.healthTimeoutMs ?? 30_000) / 100) / 10,
                last,
            });
        }
        await sleep(wait);
    }
}

/** A 401/403 translated into what to do, for the kind of Grafana and credentials at hand. */
function authFailure(inputs: PreflightInputs, endpoint: string, a: Answer): Error {
    const detail = brief(a);
    if (a.status === 403) return verificationError("grafana_forbidden", { url: inputs.grafanaUrl, endpoint });
    if (inputs.target === "existing" && !inputs.grafanaAuth.includes(":")) {
        return verificationError("grafana_token_rejected", { url: inputs.grafanaUrl, endpoint, status: a.status, detail });
    }
    if (inputs.target === "docker" && inputs.dockerVolume) {
        return verificationError("grafana_volume_password", {
            volume: inputs.dockerVolume,
            endpoint,
            status: a.status,
            reset: dockerReset(inputs),
        });
    }
    return verificationError("grafana_auth", { url: inputs.grafanaUrl, endpoint, status: a.status });
}

/**
 * Starting the Docker target over: by now this run has created the containers and taken
 * over the volume (Docker hands back an existing volume of the same name), so they are in
 * this stack's state and `pulumi destroy` removes them, the volume included.
 */
function dockerReset(_inputs: PreflightInputs): string {
    return "pulumi destroy --yes && pulumi up";
}

/** Runs the preflight. `withLeftovers` is false on updates: then the objects are this stack's own. */
export async function runPreflight(inputs: PreflightInputs, withLeftovers: boolean): Promise<PreflightResult> {
    const scrub = makeScrubber([inputs.grafanaAuth]);
    try {
        return await preflight(inputs, withLeftovers);
    } catch (e) {
        const err = e as Error;
        err.message = scrub(err.message);
        throw err;
    }
}

async function preflight(inputs: PreflightInputs, withLeftovers: boolean): Promise<PreflightResult> {
    const call = client(inputs);
    const result: PreflightResult = { leftovers: [], replaced: [] };
    const healthVersion = await health(inputs, call);

    // Credentials, and what this Grafana is: frontend settings need a signed-in caller.
    const settings = await call("GET", "/api/frontend/settings");
    if (settings.status === 401 || settings.status === 403 || (settings.status >= 300 && settings.status < 400)) {
        throw authFailure(inputs, "/api/frontend/settings", settings);
    }
    if (settings.status !== 200) {
        throw verificationError("grafana_http_error", {
            endpoint: "/api/frontend/settings",
            detail: `HTTP ${settings.status}${brief(settings)}`,
            url: inputs.grafanaUrl,
        });
    }
    const version: string | undefined = settings.body?.buildInfo?.version ?? healthVersion;
    result.grafanaVersion = version;
    result.rendererAvailable = settings.body?.rendererAvailable === true;

    if (inputs.target === "existing") {
        // A Grafana this program deploys had its image tag checked with the config.
        const v = version ? parseVersion(version) : undefined;
        const tooOld = v ? grafanaVersionProblem(v) : undefined;
        if (tooOld) {
            throw verificationError("grafana_too_old", {
                url: inputs.grafanaUrl,
                version,
                reason: tooOld,
                minimum: MIN_GRAFANA,
                recommended: RECOMMENDED_GRAFANA,
            });
        }
        const nameProblem = v && inputs.slackChannel?.startsWith("#") ? channelNameUploadProblem(v) : undefined;
        if (nameProblem) {
            throw verificationError("grafana_channel_name_uploads", {
                url: inputs.grafanaUrl,
                version,
                channel: inputs.slackChannel,
                reason: nameProblem,
            });
        }
        if (!result.rendererAvailable) {
            throw verificationError("grafana_no_renderer", { url: inputs.grafanaUrl });
        }
    }

    if (inputs.verifyRule) Object.assign(result, await lookUpRule(inputs, call, inputs.verifyRule));

    if (!withLeftovers) return result;
    const found = await findLeftovers(inputs, call);
    result.leftovers = found.map((l) => l.what);
    if (found.length === 0) return result;
    if (!inputs.replaceLeftovers) {
        const remove =
            inputs.target === "docker" && inputs.dockerVolume
                ? `start with an empty Grafana (this deletes volume ${inputs.dockerVolume}): \`${dockerReset(inputs)}\``
                : `delete them in Grafana, e.g. with ${found.map((l) => `DELETE ${inputs.grafanaUrl.replace(/\/+$/, "")}${l.deletePath}`).join(", ")}`;
        throw verificationError("grafana_leftovers", {
            url: inputs.grafanaUrl,
            objects: result.leftovers.join(", "),
            stack: inputs.stackName,
            remove,
        });
    }
    result.replaced = await replaceLeftovers(inputs, call, found);
    return result;
}

/** The rule verifyRule names, and the panel Grafana screenshots for it. */
async function lookUpRule(inputs: PreflightInputs, call: ReturnType<typeof client>, uid: string): Promise<Partial<PreflightResult>> {
    const path = `/api/v1/provisioning/alert-rules/${encodeURIComponent(uid)}`;
    const a = await call("GET", path);
    if (a.status === 401 || a.status === 403) throw authFailure(inputs, path, a);
    // pkg/services/ngalert/api/api_provisioning.go RouteRouteGetAlertRule: 404 for an unknown UID.
    if (a.status === 404) throw verificationError("verify_rule_missing", { url: inputs.grafanaUrl, rule: uid });
    if (a.status !== 200)
        throw verificationError("grafana_http_error", { endpoint: path, detail: `HTTP ${a.status}${brief(a)}`, url: inputs.grafanaUrl });
    const title = typeof a.body?.title === "string" ? a.body.title : uid;
    const dashboardUid = a.body?.annotations?.__dashboardUid__;
    const panelId = Number(a.body?.annotations?.__panelId__);
    if (typeof dashboardUid !== "string" || !dashboardUid || !Number.isInteger(panelId) || panelId < 1) {
        throw verificationError("verify_rule_no_panel", { url: inputs.grafanaUrl, rule: uid, title });
    }
    return { verifyRuleTitle: title, verifyRuleDashboardUid: dashboardUid, verifyRulePanelId: panelId };
}

async function exists(call: ReturnType<typeof client>, inputs: PreflightInputs, path: string): Promise<boolean> {
    const a = await call("GET", path);
    if (a.status === 200) return true;
    if (a.status === 404) return false;
    if (a.status === 401 || a.status === 403) throw authFailure(inputs, path, a);
    throw verificationError("grafana_http_error", { endpoint: path, detail: `HTTP ${a.status}${brief(a)}`, url: inputs.grafanaUrl });
}

async function findLeftovers(inputs: PreflightInputs, call: ReturnType<typeof client>): Promise<Leftover[]> {
    const enc = encodeURIComponent;
    const found: Leftover[] = [];
    // Grafana answers 404 for each of these when absent (pkg/api/folder.go, datasources.go;
    // ngalert api_provisioning.go RouteGetAlertRuleGroup).
    const folder = await exists(call, inputs, `/api/folders/${enc(inputs.folderUid)}`);
    // Looked for even with demoAlert false: an earlier demo rule names the contact point, and
    // Grafana refuses to delete a contact point a rule still uses.
    if (folder) {
        const groupPath = `/api/v1/provisioning/folder/${enc(inputs.folderUid)}/rule-groups/${enc(inputs.ruleGroup)}`;
        if (await exists(call, inputs, groupPath)) found.push({ what: `rule group "${inputs.ruleGroup}"`, deletePath: groupPath });
    }
    if (folder)
        found.push({ what: `folder ${inputs.folderUid}`, deletePath: `/api/folders/${enc(inputs.folderUid)}?forceDeleteRules=true` });
    if (await exists(call, inputs, `/api/datasources/uid/${enc(inputs.datasourceUid)}`)) {
        found.push({ what: `data source ${inputs.datasourceUid}`, deletePath: `/api/datasources/uid/${enc(inputs.datasourceUid)}` });
    }
    if (inputs.contactPoint) {
        // Grafana adds a second integration to a contact point of the same name instead of
        // refusing, which would post every alert twice: so it counts as a leftover too.
        const path = `/api/v1/provisioning/contact-points?name=${enc(inputs.contactPoint)}`;
        const a = await call("GET", path);
        if (a.status === 401 || a.status === 403) throw authFailure(inputs, path, a);
        if (a.status === 200 && Array.isArray(a.body)) {
            for (const cp of a.body) {
                if (cp?.name === inputs.contactPoint && typeof cp.uid === "string") {
                    found.push({
                        what: `contact point "${inputs.contactPoint}" (integration ${cp.uid})`,
                        deletePath: `/api/v1/provisioning/contact-points/${enc(cp.uid)}`,
                    });
                }
            }
        }
    }
    return found;
}

async function replaceLeftovers(inputs: PreflightInputs, call: ReturnType<typeof client>, found: Leftover[]): Promise<string[]> {
    const enc = encodeURIComponent;
    const replaced: string[] = [];
    const refuse = (why: string) => verificationError("grafana_leftovers_kept", { url: inputs.grafanaUrl, why });
    // The folder goes only when nothing but this stack's own dashboard and rule group is in it.
    if (found.some((l) => l.what.startsWith("folder "))) {
        const search = await call("GET", `/api/search?folderUIDs=${enc(inputs.folderUid)}`);
        const others = Array.isArray(search.body)
            ? search.body.filter((d: any) => d?.uid !== inputs.dashboardUid).map((d: any) => `"${d?.title ?? d?.uid}"`)
            : [];
        if (others.length > 0) throw refuse(`folder ${inputs.folderUid} also holds ${others.join(", ")}, which are not this stack's`);
        const rules = await call("GET", "/api/v1/provisioning/alert-rules");
        const foreign = Array.isArray(rules.body)
            ? rules.body
                  .filter((r: any) => r?.folderUID === inputs.folderUid && r?.ruleGroup !== inputs.ruleGroup)
                  .map((r: any) => `"${r?.title}"`)
            : [];
        if (foreign.length > 0)
            throw refuse(`folder ${inputs.folderUid} also holds the alert rules ${foreign.join(", ")}, which are not this stack's`);
    }
    if (inputs.contactPoint && inputs.target !== "existing" && found.some((l) => l.what.startsWith("contact point"))) {
        // On a Grafana this program deploys it owns the policy tree, and the old tree names
        // the old contact point, which Grafana then refuses to delete: reset it first (the
        // NotificationPolicy of this run sets it again).
        const reset = await call("DELETE", "/api/v1/provisioning/policies");
        if (reset.status >= 300) throw refuse(`resetting the notification policy tree answered HTTP ${reset.status}${brief(reset)}`);
    }
    for (const l of found) {
        const a = await call("DELETE", l.deletePath);
        if (a.status >= 300 && a.status !== 404) throw refuse(`deleting ${l.what} answered HTTP ${a.status}${brief(a)}`);
        replaced.push(l.what);
    }
    return replaced;
}
