// Slack message templates for the Grafana contact point (Go text/template, evaluated by
// Grafana's Alertmanager against its notification data: .Status, .Alerts, .CommonLabels,
// each alert's .Labels, .Annotations, .ValueString, .StartsAt, .PanelURL, .SilenceURL, ...).
// The panel screenshot is not part of the text: Grafana uploads it with the bot token and
// posts it in the message's thread.
import { isChannelId, isChannelName } from "../../shared/slackChannel";

/** Message title: status emoji, count of firing alerts, alert name and folder. */
export const SLACK_TITLE_TEMPLATE =
    `{{ if eq .Status "firing" }}:rotating_light: [FIRING:{{ .Alerts.Firing | len }}]` +
    `{{ else }}:white_check_mark: [RESOLVED]{{ end }} {{ .CommonLabels.alertname }}` +
    `{{ if .CommonLabels.grafana_folder }} ({{ .CommonLabels.grafana_folder }}){{ end }}`;

/** Message body: one block per alert with summary, description, value, times and links. */
export const SLACK_TEXT_TEMPLATE = [
    `{{ range .Alerts }}`,
    `{{ if eq .Status "firing" }}:red_circle:{{ else }}:large_green_circle:{{ end }} *{{ .Labels.alertname }}*` +
        `{{ if .Annotations.summary }}: {{ .Annotations.summary }}{{ end }}`,
    `{{ if .Annotations.description }}{{ .Annotations.description }}\n{{ end }}` +
        `{{ if .ValueString }}*Values:* {{ .ValueString }}\n{{ end }}` +
        `*Since:* {{ .StartsAt.Format "2006-01-02 15:04:05 MST" }}` +
        `{{ if eq .Status "resolved" }}  *Resolved:* {{ .EndsAt.Format "2006-01-02 15:04:05 MST" }}{{ end }}`,
    // The stack marker (alertingModel.ts STACK_MARKER_LABEL), for the verifier to tell stacks apart.
    `{{ if .Labels.gsa_stack }}gsa_stack={{ .Labels.gsa_stack }}\n{{ end }}` +
        `{{ if .PanelURL }}<{{ .PanelURL }}|Open panel>{{ else if .DashboardURL }}<{{ .DashboardURL }}|Open dashboard>{{ end }}` +
        `{{ if .SilenceURL }} | <{{ .SilenceURL }}|Silence>{{ end }}`,
    `{{ end }}`,
].join("\n");

/**
 * The contact point's `recipient`: a channel ID (`C…` public, `G…` private/legacy group,
 * `D…` DM) is used as is; `#name` is kept; a bare lower-case `name` becomes `#name`.
 * Anything else (empty, spaces, a webhook URL pasted by mistake) throws, so a typo fails
 * `pulumi preview` instead of silently never delivering.
 */
export function normalizeSlackRecipient(channel: string): string {
    const c = channel.trim();
    if (isChannelId(c)) return c;
    if (isChannelName(c)) return c.startsWith("#") ? c : `#${c}`;
    throw new Error(`invalid Slack channel "${channel}": use a channel ID such as C0123ABCDEF (recommended) or "#channel-name"`);
}
