// What a Slack token must be for this program, defined once for the stack's config and for
// `doctor`: a bot token (xoxb-), which Grafana's Slack contact point uploads images with.
// The problem never quotes the token beyond its five-character type prefix.

export interface SlackTokenProblem {
    /** What was given, e.g. "a token starting with xoxp- (not a bot token)". */
    given: string;
    /** What is allowed, with where to find it. */
    allowed: string;
    /** An incoming-webhook URL rather than a token. */
    webhook: boolean;
}

/** Undefined for a bot token; otherwise what is wrong with it. */
export function slackTokenProblem(token: string): SlackTokenProblem | undefined {
    if (/^https?:\/\/hooks\.slack\.com\//.test(token)) {
        return {
            given: "an incoming-webhook URL",
            allowed: "a bot token starting with xoxb- (webhooks cannot upload images)",
            webhook: true,
        };
    }
    if (token.startsWith("xoxb-")) return undefined;
    return {
        given: /^xox[a-z]-/.test(token)
            ? `a token starting with ${token.slice(0, 5)} (not a bot token)`
            : "a value that is not a Slack token",
        allowed: "a bot token starting with xoxb- (OAuth & Permissions → Bot User OAuth Token)",
        webhook: false,
    };
}
