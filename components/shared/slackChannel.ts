// Slack channel references, defined once for config validation, the contact point and
// the verifier: an ID (C… public, G… private; Slack also has D… direct messages and Z…
// IDs, which are no place for alerts here) or a channel name.

/**
 * A conversation ID such as C0123ABCDE, as Slack itself validates it: files.completeUploadExternal
 * refuses any other `channel_id` with `invalid_arguments` and the response message
 * "[ERROR] input must match regex pattern: ^[CGDZ][A-Z0-9]{8,}$ [json-pointer:/channel_id]".
 * A shorter or lowercase "ID" is therefore no channel Grafana or the verifier could post to.
 */
export function isChannelId(channel: string): boolean {
    return /^[CGDZ][A-Z0-9]{8,}$/.test(channel);
}

/** A channel name as Slack allows it (lowercase, digits, '-', '_', '.'), with or without the leading '#'. */
export function isChannelName(channel: string): boolean {
    return /^#?[a-z0-9][a-z0-9._-]{0,79}$/.test(channel);
}

/**
 * Why an ID Slack accepts is still no channel for alerts, or undefined (for C… and G… IDs
 * and names). Alerts go to channels only: the app's scopes (slack-app-manifest.yaml) are
 * channels:* and groups:*. A D… ID is a direct message: the verifier would need im:read and
 * im:history to look at it, scopes that let the token read every conversation people have
 * with the bot, and a bot cannot post into a direct message between people at all; Z… IDs
 * are no channel either. So they are refused with this reason rather than the scopes widened.
 */
export function notAChannelReason(channel: string): string | undefined {
    if (!isChannelId(channel) || /^[CG]/.test(channel)) return undefined;
    const what = channel.startsWith("D") ? "a direct message" : "not a channel";
    return (
        `${channel[0]}… is ${what}: alerts go to a channel (C… public, G… private), the only kind the app's scopes cover ` +
        "(channels:*, groups:* in slack-app-manifest.yaml); reading direct messages would take im:read and im:history, " +
        "which let the token read every conversation people have with the bot"
    );
}

/** What a channel reference may be, for error messages. */
export const CHANNEL_FORMAT =
    "a channel ID (C or G followed by at least 8 capital letters or digits, e.g. C0123ABCD) or a #name of lowercase letters, digits, '-', '_' or '.'";
