// Slack channel references, defined once for config validation, the contact point and
// the verifier: an ID (C… public, G… private, D… direct, Z… shared) or a channel name.
// Regexes live inside the functions: the verifier's copy is serialized as source text.

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

/** What a channel reference may be, for error messages. */
export const CHANNEL_FORMAT =
    "a channel ID (C, G, D or Z followed by at least 8 capital letters or digits, e.g. C0123ABCD) or a #name of lowercase letters, digits, '-', '_' or '.'";
