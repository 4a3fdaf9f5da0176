// The catalogue of failures the verifier and `doctor` report. Every entry says what
// failed, why, and the next step; docs/troubleshooting.md quotes these templates
// verbatim (a test keeps the two in step). `{name}` marks a value filled in at run time.
//
// Plain data and functions, shared by the verifier, the preflight and doctor.
import { inLauncherWords } from "./launcher";
import { redactSecrets } from "./redaction";

export interface MessageTemplate {
    what: string;
    why: string;
    next: string;
}

const SLACK_REINSTALL =
    "reinstall the Slack app to the workspace (OAuth & Permissions > Reinstall) and use its Bot User OAuth Token (xoxb-...) as slackToken / SLACK_BOT_TOKEN";

const RENDERER_WIRING =
    "likely causes: (1) the renderer is unreachable from Grafana: GF_RENDERING_SERVER_URL must be an address Grafana itself can reach (the renderer's container or service name, never localhost); (2) the callback URL is wrong: GF_RENDERING_CALLBACK_URL must be an address the renderer can reach Grafana at; (3) token mismatch: GF_RENDERING_RENDERER_TOKEN must equal the renderer's AUTH_TOKEN. The renderer's log and Grafana's log (logger=rendering) name the failing step";

export const MESSAGES = {
    // --- Grafana -------------------------------------------------------------------
    grafana_unreachable: {
        what: "Grafana is not up at {url}",
        why: "{url}/api/health gave no healthy answer within {seconds}s ({last})",
        next: "start Grafana or fix the address: grafanaUrl / --grafana-url must be reachable from this machine (a published port for Docker, a port-forward or Ingress for Kubernetes); if Grafana is only slow to start, raise the health timeout",
    },
    grafana_connection: {
        what: "Grafana cannot be reached at {url}",
        why: "{reason}; waiting would not change that, so it was not retried",
        next: "fix the address or start Grafana: grafanaUrl / --grafana-url must be where this machine reaches Grafana (Docker: the published port, see docker ps; Kubernetes: a running port-forward, or the LoadBalancer / NodePort address), then run the check again",
    },
    grafana_auth: {
        what: "Grafana rejected the credentials for {url}",
        why: "{endpoint} answered HTTP {status}: the user:password in grafanaAuth is wrong or that user may not do this",
        next: "pass the admin credentials Grafana runs with as user:password (grafanaAuth / --grafana-auth / GRAFANA_AUTH); if the admin password was changed in Grafana's UI, use that one or reset it with `grafana cli admin reset-admin-password`",
    },
    grafana_http_error: {
        what: "Grafana request {endpoint} failed",
        why: "{detail}",
        next: "check that {url} is Grafana itself (not a proxy or another service) and look for this request in Grafana's log",
    },
    renderer_not_configured: {
        what: "Grafana has no image renderer configured",
        why: "/api/frontend/settings reports rendererAvailable=false, so every render would be a placeholder image",
        next: "set GF_RENDERING_SERVER_URL (e.g. http://renderer:8081/render), GF_RENDERING_CALLBACK_URL (e.g. http://grafana:3000/) and GF_RENDERING_RENDERER_TOKEN (equal to the renderer's AUTH_TOKEN) on Grafana, then restart it",
    },
    dashboard_not_found: {
        what: "Dashboard {dashboardUid} does not exist in Grafana at {url}",
        why: 'GET /api/dashboards/uid/{dashboardUid} answered HTTP 404 ({detail}); Grafana\'s /render would still answer HTTP 200 with a picture of its "Dashboard not found" page, so nothing is rendered or posted',
        next: "use the UID from the dashboard's URL (/d/<uid>/...) as dashboardUid / --dashboard-uid (for this program's demo dashboard: the stack's, or --stack <stack>); if it is in another organisation, give its orgId; if the dashboard was deleted, run `pulumi up` to create it again",
    },
    panel_not_found: {
        what: "Dashboard {dashboardUid} has no panel {panelId}",
        why: 'its JSON (GET /api/dashboards/uid/{dashboardUid}) has panel IDs {panels}; Grafana\'s /render would still answer HTTP 200 with a picture of its "Panel not found" message, so nothing is rendered or posted',
        next: "use one of those panel IDs as panelId / --panel-id (the panel's `id` in the dashboard JSON; a panel's menu > Share > Link shows it as viewPanel=<id>)",
    },
    renderer_placeholder: {
        what: "Grafana returned a stand-in image instead of panel {panelId} of dashboard {dashboardUid}",
        why: '{detail}; with a renderer configured, a PNG of another size is Grafana\'s "too many renders" image (public/img/rendering_limit_*.png), sent with HTTP 200 while more than [rendering] concurrent_render_request_limit renders run at once',
        next: "run again in a minute; if it repeats, Grafana is rendering constantly (many alert screenshots or reports): raise GF_RENDERING_CONCURRENT_RENDER_REQUEST_LIMIT or render less often. If the PNG is larger than requested, the renderer's viewport bounds (BROWSER_MIN_WIDTH / BROWSER_MIN_HEIGHT, BROWSER_MAX_*) do not allow the requested size: request a size within them",
    },
    render_failed: {
        what: "Grafana could not render panel {panelId} of dashboard {dashboardUid}",
        why: "{endpoint} answered {detail}: Grafana's call to the image renderer failed, and Grafana writes the reason only to its own log (logger=rendering)",
        next:
            "find the reason in Grafana's log: the lines with logger=rendering at this time (`docker logs <grafana container> 2>&1 | grep logger=rendering`, or `kubectl logs <grafana pod> | grep logger=rendering`); a 401 from the renderer is a token mismatch, connection refused an unreachable renderer, a 408 or timeout a renderer that could not load the panel; " +
            RENDERER_WIRING,
    },
    render_rejected: {
        what: "Grafana refused to render panel {panelId} of dashboard {dashboardUid}",
        why: "{endpoint} answered {detail}",
        next: "check the request Grafana names above (the panel ID must be a number, the size within the renderer's bounds); if Grafana names no reason, look for this request in Grafana's log (logger=rendering)",
    },
    render_busy: {
        what: "Grafana's image renderer is busy",
        why: '{endpoint} answered HTTP 429 "Too many rendering requests": the renderer refused the render because it is at its limit',
        next: "run again in a minute; if it repeats, give the renderer more memory or CPU (renderer v5 admits renders by free memory), or raise its RATE_LIMIT_* settings",
    },
    render_not_image: {
        what: "Grafana's address answered the render with a web page, not an image",
        why: "{endpoint} answered HTTP 200 with {detail}: a login page or an authenticating proxy in front of Grafana, not Grafana's renderer",
        next: "point grafanaUrl / --grafana-url at Grafana itself (not at a proxy or SSO gateway), and pass credentials Grafana accepts (grafanaAuth / --grafana-auth as user:password, or a service-account token); if a proxy must stay in between, let it pass the Authorization header through",
    },
    render_login_page: {
        what: "Grafana's renderer pictured its login page instead of panel {panelId} of dashboard {dashboardUid}",
        why: "the {width}x{height} PNG is the same page as a render of /login ({loginDifference} of its pixels differ) and as a render of a panel the dashboard does not have ({missingDifference}), where a real panel differs in more than {threshold}: the renderer's browser loads Grafana at {callbackUrl} without being logged in as the render, is sent to a login page and screenshots that, at the requested size and with HTTP 200",
        next: "let the renderer reach Grafana itself at {callbackUrl}: not through an auth proxy, SSO or OAuth gateway (their login page is what it pictures; with [auth] oauth_auto_login Grafana itself redirects to the provider's). The renderer logs in with a render key cookie for the callback URL's host, so use a host Grafana answers directly (with [server] enforce_domain, the host of root_url). `npm run doctor -- --out panel.png` saves the picture; the renderer's debug log shows the redirect",
    },
    render_not_panel: {
        what: "Grafana's renderer pictured panel {panelId} of dashboard {dashboardUid} the same as a panel that does not exist",
        why: "the {width}x{height} PNG differs from a render of {reference} in {difference} of its pixels (a real panel differs in more than {threshold}) and from /login in {loginDifference}: the page the renderer loaded at {callbackUrl} shows no panel (an error page, a proxy's page, or a dashboard that does not load for the renderer)",
        next: "save the picture with `npm run doctor -- --out panel.png` and look at it; check that {callbackUrl} reaches this Grafana (not another instance or a proxy) in the dashboard's organisation, and the renderer's log for errors loading the dashboard",
    },
    render_timeout: {
        what: "Rendering panel {panelId} of dashboard {dashboardUid} timed out",
        why: "{detail}",
        next: "the renderer is probably starved or cannot call Grafana back: check its memory and log, that GF_RENDERING_CALLBACK_URL is reachable from the renderer, and raise the render timeout for slow dashboards",
    },
    // --- Preflight: before anything is created in Grafana (components/alerting/preflight/preflightChecks.ts) ---
    grafana_forbidden: {
        what: "The Grafana credentials for {url} may not manage this stack's objects",
        why: "{endpoint} answered HTTP 403",
        next: "give the service account (or user) the Admin role of the organization (Administration > Users and access > Service accounts > Role): creating the TestData data source needs it",
    },
    grafana_token_rejected: {
        what: "Grafana at {url} rejected grafanaApiToken",
        why: "{endpoint} answered HTTP {status}{detail}",
        next: "create a token for a service account with the Admin role (Administration > Users and access > Service accounts > Add service account token) and store it with `pulumi config set --secret grafanaApiToken glsa_...`",
    },
    grafana_volume_password: {
        what: "Grafana's database in Docker volume {volume} does not accept this stack's admin password",
        why: "{endpoint} answered HTTP {status}: the volume was kept from an earlier deployment (Grafana sets the admin password only when it creates its database) and this stack's state does not hold that password",
        next: "keep its data: `pulumi config set --secret grafanaAdminPassword <the earlier password>` and `pulumi up`; or start with an empty Grafana (this deletes the volume): `{reset}`",
    },
    grafana_too_old: {
        what: "Grafana at {url} is version {version}",
        why: "this program needs {reason}",
        next: "upgrade that Grafana to {recommended} or newer (at least {minimum}), then run `pulumi up` again",
    },
    grafana_channel_name_uploads: {
        what: "Grafana {version} at {url} cannot upload images to {channel}",
        why: "{reason}",
        next: "use the channel's ID: `pulumi config set slackChannel C0123ABCD` (channel details > About > Channel ID), or upgrade Grafana to 11.5.3 / 11.6.0 or newer",
    },
    grafana_no_renderer: {
        what: "Grafana at {url} has no image renderer",
        why: "/api/frontend/settings reports rendererAvailable=false, so alerts would reach Slack without a picture of the panel; nothing was created in Grafana",
        next: "run grafana-image-renderer where Grafana can reach it (this program's kubernetesMode renderer, or the Helm chart's imageRenderer) and add to Grafana's environment, then restart Grafana: GF_RENDERING_SERVER_URL=http://<renderer address>:8081/render GF_RENDERING_CALLBACK_URL=<URL the renderer reaches Grafana at, ending in /> GF_RENDERING_RENDERER_TOKEN=<the renderer's AUTH_TOKEN> GF_UNIFIED_ALERTING_SCREENSHOTS_CAPTURE=true (in grafana.ini: [rendering] server_url, callback_url, renderer_token; [unified_alerting.screenshots] capture = true)",
    },
    grafana_leftovers: {
        what: "Grafana at {url} already has objects this stack creates with fixed UIDs: {objects}",
        why: 'an earlier deployment of stack {stack} left them and its Pulumi state is gone (state lost, `pulumi stack rm`, or a reused Docker volume), so creating them again would fail with "already exists" (or, for a contact point, post every alert twice)',
        next: "let this stack replace them (they hold only what it creates again; the demo rule's alert history restarts): `pulumi config set replaceLeftovers true` and `pulumi up`; or {remove}",
    },
    grafana_leftovers_kept: {
        what: "Left this stack's earlier objects in Grafana at {url} alone",
        why: "{why}",
        next: "move or delete what is not this stack's in Grafana, then run `pulumi up` again; or `pulumi config set replaceLeftovers false` and delete the leftovers yourself",
    },
    verify_rule_missing: {
        what: "Grafana at {url} has no alert rule with UID {rule}",
        why: "verifyRule names it, and /api/v1/provisioning/alert-rules/{rule} answered HTTP 404",
        next: "copy the UID from Alerting > Alert rules > the rule > Details > Rule UID and `pulumi config set verifyRule <UID>`, or `pulumi config rm verifyRule`",
    },
    verify_rule_no_panel: {
        what: 'Alert rule {rule} ("{title}") is not linked to a panel',
        why: "it has no __dashboardUid__ and __panelId__ annotations, so Grafana takes no screenshot for its alerts and they reach Slack without a picture",
        next: "edit the rule in Grafana: Configure notification message > Link dashboard and panel, pick the panel, save; then `pulumi up` again",
    },
    // --- Per-rule proof (doctor --rule / --all-rules, verification.rules) --------------
    rule_not_found: {
        what: "Grafana at {url} has no alert rule with UID {rule}",
        why: "GET /api/v1/provisioning/alert-rules/{rule} answered HTTP 404",
        next: "check the UID (Alerting > Alert rules > the rule > Details > Rule UID, or the uid in your alertRulesDir file); a rule from alertRulesDir exists only after `pulumi up`; `npm run doctor -- --all-rules` lists every rule",
    },
    rule_no_panel: {
        what: 'Alert rule {rule} ("{title}") is not linked to a panel',
        why: "{detail}, so Grafana takes no screenshot for its alerts and they reach Slack without a picture",
        next: 'add the annotations __dashboardUid__: <dashboard uid> and __panelId__: "<panel id>" to the rule (in its alertRulesDir file, then `pulumi up`), or in Grafana\'s rule editor: Configure notification message > Link dashboard and panel',
    },
    // --- Slack: the token ------------------------------------------------------------
    invalid_auth: {
        what: "Slack rejected the bot token",
        why: "{method} returned invalid_auth: the token is not valid (mistyped, from another workspace, or not a bot token)",
        next: SLACK_REINSTALL,
    },
    not_authed: {
        what: "Slack received no token",
        why: "{method} returned not_authed: the request carried no token",
        next: "set slackToken / --slack-token / SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-...); if it is set, check that nothing between here and Slack strips the Authorization header",
    },
    token_revoked: {
        what: "Slack rejected the bot token",
        why: "{method} returned token_revoked: the token was revoked (the app was uninstalled or its token regenerated)",
        next: SLACK_REINSTALL,
    },
    account_inactive: {
        what: "Slack rejected the bot token",
        why: "{method} returned account_inactive: the app's bot user or the workspace is deactivated",
        next: SLACK_REINSTALL + "; if the app was removed by an admin, ask them to approve it again",
    },
    missing_scope: {
        what: "The Slack token lacks a scope for {method}",
        why: "needed: {needed}; granted: {provided}",
        next: "add {needed} under OAuth & Permissions > Bot Token Scopes (or in slack-app-manifest.yaml), reinstall the app and use the new token",
    },
    // --- Slack: the channel ----------------------------------------------------------
    not_in_channel: {
        what: "The bot is not a member of {channel}",
        why: "{detail}",
        next: "invite the bot: type /invite @<app name> in {channel}, then run again",
    },
    channel_not_found: {
        what: "Slack cannot find channel {channel}",
        why: "{method} returned channel_not_found{detail}",
        next: "use the channel ID (channel details > About, starts with C or G) and check that the token belongs to that channel's workspace; for a private channel, invite the bot first",
    },
    channel_missing: {
        what: "No Slack channel to post to",
        why: "a Slack token was given without a channel",
        next: "set slackChannel / --slack-channel / SLACK_CHANNEL to the channel ID (C...) or #name",
    },
    channel_name_needs_id: {
        what: "Cannot look up channel {channel} by name",
        why: "the token has neither channels:read nor groups:read, so it may not list channels",
        next: "set slackChannel / --slack-channel to the channel ID (channel details > About, starts with C or G), or add channels:read (groups:read for private channels) and reinstall the app",
    },
    // --- Slack: every channel slackRoutes sends alerts to (besides slackChannel) ---------
    route_not_member: {
        what: "The bot is not a member of routed channel {channel}",
        why: "conversations.info shows is_member false, so Slack would refuse the alerts that slackRoutes sends there (not_in_channel)",
        next: "invite the bot: type /invite @{bot} in {channel}, then run again",
    },
    route_channel_hidden: {
        what: "Slack shows the bot no channel {channel}",
        why: "conversations.info returned channel_not_found: the ID is wrong or from another workspace, or {channel} is a private channel the bot is not in (Slack hides those from non-members), so the alerts that slackRoutes sends there would fail",
        next: "if {channel} is private, invite the bot: type /invite @{bot} in it; otherwise copy the channel ID from its details (About tab) into slackRoutes and run `pulumi up`",
    },
    route_archived: {
        what: "Routed channel {channel} is archived",
        why: "conversations.info shows is_archived true, and Slack refuses posts to an archived channel (chat.postMessage: is_archived), so the alerts that slackRoutes sends there would fail",
        next: "unarchive {channel} in Slack (a member or admin: open it and choose Unarchive; a bot token cannot), or route those alerts to another channel in slackRoutes and run `pulumi up`",
    },
    route_scope_missing: {
        what: "The Slack token lacks {needed} for routed channel {channel}",
        why: "{reason}; granted: {provided}",
        next: "add {needed} under OAuth & Permissions > Bot Token Scopes (slack-app-manifest.yaml lists every scope), reinstall the app and use its new token as slackToken, then run again",
    },
    // --- Slack: transport ----------------------------------------------------------
    ratelimited: {
        what: "Slack rate-limited {method}",
        why: "HTTP 429 with Retry-After {retryAfter}s{detail}",
        next: "wait a minute and run again; Slack limits files.* and conversations.* calls per workspace, so do not run several verifications at once",
    },
    slack_unreachable: {
        what: "Cannot reach the Slack API for {method}",
        why: "{detail}",
        next: "check network and proxy access from this machine to {apiUrl} (slackApiUrl / --slack-api-url / SLACK_API_URL)",
    },
    slack_error: {
        what: "Slack refused {method}",
        why: "it returned {error}",
        next: "look {error} up at https://docs.slack.dev/reference/methods/{method} and fix the token, scope or channel it names",
    },
    upload_failed: {
        what: "Uploading the image to Slack failed",
        why: "{detail}",
        next: "run again; if it persists, check that this machine can reach Slack's upload host (files.slack.com) and that no proxy limits request sizes",
    },
    upload_unconfirmed: {
        what: "Slack may or may not have posted file {fileId} to {channel}",
        why: "files.completeUploadExternal, which shares the file, got no usable answer ({detail}), and it is never sent twice for one file because a completion that did work would post twice",
        next: "run again once Slack answers normally (a failed `pulumi up` deletes its test file; if {fileId} is still in {channel}, delete it there); add files:read (OAuth & Permissions > Bot Token Scopes, then reinstall) so a lost answer can be checked with files.info next time",
    },
    // --- Slack: did it land ------------------------------------------------------
    share_timeout: {
        what: "Slack did not show file {fileId} in {channel}",
        why: "it was uploaded, but after {polls} checks over {seconds}s it is still not shared there",
        next: "look in {channel} for the test message; if it is missing, check that the bot is in the channel and that the channel belongs to this workspace, then run again (or raise the share timeout)",
    },
    verify_scope_missing: {
        what: "Posted file {fileId} to {channel} but could not confirm it landed",
        why: "the token has neither files:read (for files.info) nor channels:history / groups:history (for conversations.history)",
        next: "add files:read under OAuth & Permissions > Bot Token Scopes and reinstall the app; until then verified stays false",
    },
    verify_scope_refused: {
        what: "Posted file {fileId} to {channel} but could not confirm it landed",
        why: "{method} returned missing_scope (needed: {needed}; granted: {provided})",
        next: "add {needed} under OAuth & Permissions > Bot Token Scopes and reinstall the app; until then verified stays false (the post itself went out)",
    },
    verify_not_in_channel: {
        what: "Posted file {fileId} to {channel} but could not confirm it landed",
        why: "{method} returned not_in_channel: the bot may post to the channel but not read its history",
        next: "invite the bot (/invite @<app name> in {channel}), or add files:read so files.info can look instead (it needs no membership); until then verified stays false (the post itself went out)",
    },
    file_delete_failed: {
        what: "Could not delete the test file {fileId} from Slack",
        why: "files.delete returned {error}",
        next: "if Slack is having trouble, run the command again later; otherwise delete the test message by hand in Slack, and to stop cleaning up set cleanupTestMessage to false and run `pulumi up` before destroying",
    },
    // --- the alert path: Grafana's own alert, with its screenshot, in Slack -------------
    alert_rule_missing: {
        what: "No alert rule points at panel {panelId} of dashboard {dashboardUid}",
        why: "{detail}",
        next: "Grafana screenshots only rules annotated with __dashboardUid__ and __panelId__: in a stack, run `pulumi up` so the demo rule exists; for your own rule, set both annotations (Alerting > Alert rules > edit > Link dashboard and panel) or check the panel given to the verification",
    },
    alert_rule_error: {
        what: "Alert {rule} cannot be evaluated",
        why: "Grafana reports health error: {lastError}",
        next: "fix what the error names (the rule's query, its data source, or the expression), in Alerting > Alert rules > {rule}; the alert fires, and reaches Slack, only once an evaluation succeeds",
    },
    alert_rule_nodata: {
        what: "Alert {rule} gets no data",
        why: "Grafana reports health nodata{detail}: its query returns no series, so it cannot fire",
        next: "check that the rule's data source answers (Explore with the rule's query) and that the query's time range holds data; the demo rule uses the TestData data source, which always has data",
    },
    alert_not_firing: {
        what: "Alert {rule} did not fire within {seconds}s",
        why: "Grafana reports it {state} (last evaluated {lastEvaluation})",
        next: "the demo rule is pending for 1m and fires about 1-2 minutes after it is created: raise verifyAlertTimeout (or doctor --alert-timeout) and run again; for your own rule (verifyRule), check its condition and pending period, or set verifyAlertTimeout to 0 while it is not expected to fire",
    },
    alert_not_delivered: {
        what: "Grafana could not deliver the alert for {rule} to Slack",
        why: "contact point {contactPoint} failed its last attempt at {at}: {error}",
        next: "fix what Slack's error names in the contact point (Alerting > Contact points > {contactPoint}): the token (xoxb-, scopes chat:write and files:write), the recipient channel, the bot's membership (/invite @<app name>); Grafana tries again at the next group interval",
    },
    alert_not_routed: {
        what: "The alert for {rule} never reached Slack",
        why: "it has fired since {activeAt}, but within {seconds}s {detail}",
        next: "routing does not reach this contact point: check the rule's notification settings (Alerting > Alert rules > edit > Configure notifications: contact point) or the notification policy's matchers; if Grafana is only slow to send (group wait), raise verifyAlertTimeout or doctor --alert-timeout",
    },
    alert_notified_earlier: {
        what: "Grafana notified contact point {contactPoint} about {rule} before this check began",
        why: "its last delivery was at {at}, for the alert firing since {activeAt}; Grafana sends that alert again only after the policy's repeat interval, so no new message can be waited for",
        next: "to prove the alert path now, pause and resume the rule (Alerting > Alert rules > {rule} > Pause evaluation, then Resume) and run `npm run doctor -- --alert`; the direct render and upload were checked",
    },
    alert_no_image: {
        what: "Grafana's alert for {rule} reached {channel} without a screenshot",
        why: 'message {ts} has no PNG uploaded into its thread by the bot; Grafana logs a failed screenshot (logger=ngalert.image) or upload ("Failed to upload image", logger=ngalert.notifier.slack) and still reports the notification as sent',
        next: "(1) Grafana must reach its renderer (GF_RENDERING_SERVER_URL, the same as for the direct render); (2) GF_UNIFIED_ALERTING_SCREENSHOTS_CAPTURE=true, with GF_UNIFIED_ALERTING_SCREENSHOTS_CAPTURE_TIMEOUT above the render time (default 10s); (3) the rule's __dashboardUid__ and __panelId__ annotations must name a panel that exists; (4) the contact point's token needs files:write. Grafana's log names the step that failed",
    },
    alert_image_not_panel: {
        what: "Grafana's alert screenshot for {rule} in {channel} is not a picture of the panel",
        why: "file {fileId} ({width}x{height}) is the same page as {reference} rendered through the same renderer ({difference} of its pixels differ; a real panel differs in more than {threshold}): {cause}",
        next: "Grafana takes alert screenshots through its renderer, which loads Grafana at {callbackUrl}: let it reach Grafana itself there, logged in by its render key, not through an auth proxy, SSO or OAuth login page (docs/troubleshooting.md, render_login_page); then pause and resume the rule for a new screenshot",
    },
    alert_image_unreadable: {
        what: "Could not read Grafana's alert screenshot {fileId} in {channel}",
        why: "{detail}",
        next: "add files:read under OAuth & Permissions > Bot Token Scopes (it is in slack-app-manifest.yaml), reinstall the app and use the new token: the verification downloads the screenshot (url_private) to check that it shows the panel; until then verified stays false",
    },
    alert_message_missing: {
        what: "Grafana reports delivering the alert for {rule}, but {channel} shows no such message",
        why: "contact point {contactPoint} delivered at {at} without error, yet no message of this bot linking to the rule at {rootUrl} was posted there since the alert fired{marker}",
        next: "the contact point posts elsewhere: make its recipient the channel the verification reads ({channel}), with a token of the same workspace; then run again",
    },
    alert_read_scope_missing: {
        what: "Cannot read {channel} to find Grafana's alert",
        why: "the token lacks {needed} (conversations.history and conversations.replies); granted: {provided}",
        next: "add {needed} under OAuth & Permissions > Bot Token Scopes (it is in slack-app-manifest.yaml), reinstall the app and use the new token; or set verifyAlertTimeout to 0 to skip this stage; until then verified stays false",
    },
    // --- anything else ----------------------------------------------------------------
    unexpected_error: {
        what: "The verification stopped on an unexpected error",
        why: "{detail}",
        next: "run `npm run doctor` against the same Grafana and Slack for a step-by-step checklist; if this repeats, report the message",
    },
} satisfies Record<string, MessageTemplate>;

export type MessageKey = keyof typeof MESSAGES;

/** A failure a person can act on. `message` is `<what>: <why>. Next step: <next>`. */
export interface VerificationFailure {
    key: MessageKey;
    what: string;
    why: string;
    next: string;
    message: string;
}

/** Fills `{name}` placeholders; unknown names stay visible rather than vanishing. */
export function fillTemplate(template: string, params: Record<string, string | number | undefined>): string {
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
        const v = params[name];
        return v === undefined ? whole : String(v);
    });
}

export function describeFailure(key: MessageKey, params: Record<string, string | number | undefined>): VerificationFailure {
    const t: MessageTemplate = MESSAGES[key];
    const what = fillTemplate(t.what, params);
    const why = fillTemplate(t.why, params);
    // The next step's commands as the user runs them (`npm run up` under this repository's wrappers).
    const next = inLauncherWords(fillTemplate(t.next, params));
    return { key, what, why, next, message: `${what}: ${why}. Next step: ${next}` };
}

/** An Error carrying a catalogued failure (plain Error + fields, so it survives serialization). */
export function verificationError(
    key: MessageKey,
    params: Record<string, string | number | undefined>,
): Error & { failure: VerificationFailure } {
    const failure = describeFailure(key, params);
    const err = new Error(failure.message) as Error & { failure: VerificationFailure };
    err.name = "VerificationError";
    err.failure = failure;
    return err;
}

export function isVerificationError(e: unknown): e is Error & { failure: VerificationFailure } {
    return (
        e instanceof Error &&
        typeof (e as any).failure === "object" &&
        (e as any).failure !== null &&
        typeof (e as any).failure.key === "string"
    );
}

/**
 * Replaces every occurrence of the given secrets (and their Basic-auth and URL-encoded
 * forms) with `[redacted]`. Applied to every finding and error before it leaves the
 * verifier, as a second line of defence: no message template contains a secret.
 */
export function makeScrubber(secrets: Array<string | undefined>): (text: string) => string {
    const needles = new Set<string>();
    for (const s of secrets) {
        if (!s || s.length < 4) continue;
        needles.add(s);
        needles.add(encodeURIComponent(s));
        needles.add(Buffer.from(s).toString("base64"));
        const colon = s.indexOf(":");
        // The password alone too, unless it is so short that it would garble ordinary
        // words ("admin"); the templates never contain it in any case.
        if (colon >= 0 && s.length - colon - 1 >= 8) needles.add(s.slice(colon + 1));
    }
    const list = [...needles].sort((a, b) => b.length - a.length);
    return (text: string) => {
        let out = text;
        for (const n of list) out = out.split(n).join("[redacted]");
        // Then whatever has the shape of a credential (a proxy echoing another Authorization header).
        return redactSecrets(out);
    };
}
