// Slack channel references, defined once for config validation, the contact point and
// the verifier: an ID (C… public, G… private, D… direct) or a channel name.
// Regexes live inside the functions: the verifier's copy is serialized as source text.

/** A channel ID such as C0123ABCDE. */
export function isChannelId(channel: string): boolean {
    return /^[CGD][A-Z0-9]{6,}$/.test(channel);
}

/** A channel name as Slack allows it (lowercase, digits, '-', '_', '.'), with or without the leading '#'. */
export function isChannelName(channel: string): boolean {
    return /^#?[a-z0-9][a-z0-9._-]{0,79}$/.test(channel);
}
