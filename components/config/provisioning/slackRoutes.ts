// `slackRoutes`: a JSON list of {channel, matchers} sending rules to several Slack
// channels. One contact point per channel; each rule goes to the first route whose
// matchers all match its labels, through the rule's own notification settings (the
// routing decision all targets share); rules no route matches go to `slackChannel`.
//
// Matchers use Grafana's (Alertmanager's) label matcher syntax, e.g. `team=db`,
// `severity!=info`, `service=~"api|web"`, `env!~dev.*`: prometheus/alertmanager
// pkg/labels/parse.go (name, one of = != =~ !~, optionally double-quoted value) and
// matcher.go (regexes are anchored: `^(?:re)$`; a missing label matches as "").
import { isChannelId, isChannelName, notAChannelReason } from "../../shared/slackChannel";
import { Findings, isObject, show } from "./files";

const KEY = "slackRoutes";

export type MatchOp = "=" | "!=" | "=~" | "!~";

export interface LabelMatcher {
    name: string;
    op: MatchOp;
    value: string;
    /** As written, for messages. */
    text: string;
}

export interface SlackRoute {
    /** Channel ID (C0123ABCD) or `#name`, as configured. */
    channel: string;
    matchers: LabelMatcher[];
}

const MATCHER = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|!=|!~|=)\s*(.*?)\s*$/s;

/** One matcher, or a sentence saying what is wrong with it. */
export function parseMatcher(text: string): LabelMatcher | string {
    const m = MATCHER.exec(text);
    if (!m) return "not of the form name=value, name!=value, name=~regex or name!~regex (a label name starts with a letter or _)";
    const [, name, op, rawValue] = m;
    let value = rawValue;
    if (value.startsWith('"')) {
        if (!/^"(?:[^"\\]|\\.)*"$/s.test(value)) return `the quoted value ${value} is not closed`;
        try {
            value = JSON.parse(value) as string;
        } catch {
            return `the quoted value ${value} has a bad escape`;
        }
    }
    if (op === "=~" || op === "!~") {
        try {
            new RegExp(`^(?:${value})$`);
        } catch (e) {
            return `the regular expression ${JSON.stringify(value)} is invalid (${(e as Error).message})`;
        }
    }
    return { name, op: op as MatchOp, value, text: text.trim() };
}

/** Whether one matcher accepts a label set (a missing label is ""). */
export function matcherMatches(m: LabelMatcher, labels: Record<string, string>): boolean {
    const v = labels[m.name] ?? "";
    switch (m.op) {
        case "=":
            return v === m.value;
        case "!=":
            return v !== m.value;
        case "=~":
            return new RegExp(`^(?:${m.value})$`).test(v);
        case "!~":
            return !new RegExp(`^(?:${m.value})$`).test(v);
    }
}

/** The first route whose matchers all accept the labels, if any. */
export function routeFor(routes: SlackRoute[], labels: Record<string, string>): SlackRoute | undefined {
    return routes.find((r) => r.matchers.every((m) => matcherMatches(m, labels)));
}

/** The channel as the contact point's `recipient` wants it, and as a dedup key. */
export function channelKey(channel: string): string {
    return channel.trim();
}

export interface SlackRoutesResult {
    routes: SlackRoute[];
    problems: Findings["problems"];
}

const EXAMPLE = `'[{"channel":"#db-alerts","matchers":["team=db"]}]'`;

/**
 * Parses the raw `slackRoutes` value (a JSON list). `slackOn` says whether a Slack token
 * is configured: routes without one are a problem, not a silent no-op.
 */
/** What is wrong with route `i`'s channel (what is allowed, the fix), or undefined. */
function routeChannelProblem(channel: string, i: number): { allowed: string; fix: string } | undefined {
    const notAChannel = notAChannelReason(channel);
    if (notAChannel) return { allowed: notAChannel, fix: `route ${i + 1} to a channel's ID` };
    if (isChannelId(channel) || (channel.startsWith("#") && isChannelName(channel))) return undefined;
    return {
        allowed: "a channel ID such as C0123ABCD (recommended) or a #name of lowercase letters, digits, '-', '_' or '.'",
        fix: `fix the channel of route ${i + 1}`,
    };
}

export function parseSlackRoutes(raw: string, slackOn: boolean): SlackRoutesResult {
    const findings = new Findings();
    const text = raw.trim();
    if (text === "") return { routes: [], problems: [] };
    const fix = (what: string) => `pulumi config set ${KEY} ${EXAMPLE}   (${what})`;
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (e) {
        findings.problem(
            KEY,
            "the value",
            `is not JSON (${(e as Error).message})`,
            'a JSON list of {"channel": ..., "matchers": [...]}',
            fix("quote the JSON for your shell"),
        );
        return { routes: [], problems: findings.problems };
    }
    if (!Array.isArray(parsed)) {
        findings.problem(
            KEY,
            "the value",
            `is ${show(parsed)}`,
            'a JSON list of {"channel": ..., "matchers": [...]}',
            fix("a list, even for one route"),
        );
        return { routes: [], problems: findings.problems };
    }
    if (!slackOn && parsed.length > 0) {
        findings.problem(
            KEY,
            "the value",
            "routes while no Slack token is configured",
            "slackRoutes only together with slackToken and slackChannel",
            "pulumi config set --secret slackToken xoxb-... && pulumi config set slackChannel C0123ABCD   (or: pulumi config rm slackRoutes)",
        );
    }
    const routes: SlackRoute[] = [];
    parsed.forEach((entry, i) => {
        const route = parseRoute(entry, i, findings, fix);
        if (route) routes.push(route);
    });
    return { routes, problems: findings.problems };
}

/** One entry of slackRoutes: the route, or undefined with its problems added to findings. */
function parseRoute(entry: unknown, i: number, findings: Findings, fix: (what: string) => string): SlackRoute | undefined {
    const at = `route ${i + 1}`;
    if (!isObject(entry)) {
        findings.problem(KEY, at, `is ${show(entry)}`, 'an object {"channel": ..., "matchers": [...]}', fix(`fix route ${i + 1}`));
        return;
    }
    let ok = true;
    const unknown = Object.keys(entry).filter((k) => k !== "channel" && k !== "matchers");
    if (unknown.length > 0) {
        findings.problem(
            KEY,
            at,
            `has unknown field${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}`,
            "channel and matchers",
            fix(`remove ${unknown.join(", ")} from route ${i + 1}`),
        );
        ok = false;
    }
    const channel = typeof entry.channel === "string" ? channelKey(entry.channel) : "";
    const channelProblem = routeChannelProblem(channel, i);
    if (channelProblem) {
        findings.problem(KEY, at, `channel ${show(entry.channel ?? "(missing)")}`, channelProblem.allowed, fix(channelProblem.fix));
        ok = false;
    }
    const matchers: LabelMatcher[] = [];
    if (!Array.isArray(entry.matchers) || entry.matchers.length === 0) {
        findings.problem(
            KEY,
            at,
            `matchers ${show(entry.matchers ?? "(missing)")}`,
            'a non-empty list of label matchers such as "team=db" (rules no route matches go to slackChannel)',
            fix(`add matchers to route ${i + 1}`),
        );
        ok = false;
    } else {
        for (const m of entry.matchers) {
            const parsedMatcher = typeof m === "string" ? parseMatcher(m) : "not a string";
            if (typeof parsedMatcher === "string") {
                findings.problem(
                    KEY,
                    at,
                    `matcher ${show(m)}: ${parsedMatcher}`,
                    "Grafana label matchers: name=value, name!=value, name=~regex, name!~regex",
                    fix(`fix the matcher of route ${i + 1}`),
                );
                ok = false;
            } else {
                matchers.push(parsedMatcher);
            }
        }
    }
    return ok ? { channel, matchers } : undefined;
}
