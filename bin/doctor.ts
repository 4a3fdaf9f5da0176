// `npm run doctor -- [options]`: runs the same checks as the SlackImageVerification
// resource (components/verify/checks.ts) against any Grafana and Slack, on demand, and
// prints a checklist. Exit 0: every check passed; 1: a check failed; 2: bad usage.
// It never prints a secret: findings are scrubbed and no option value that could be
// one is echoed.
import {
    runVerification,
    type ChannelReport,
    type CheckResult,
    type VerificationReport,
    type VerifyOptions,
} from "../components/verify/checks";
import { PANEL_ID, uidsFor } from "../components/alerting/model/dashboardModel";
import { makeScrubber } from "../components/shared/messages";
import { resolveTiming, type VerifyTiming } from "../components/shared/timing";
import * as fs from "node:fs";
import * as path from "node:path";
import { sizeProblem } from "../components/verify/grafanaChecks";
import { ruleLine, runRuleImageChecks } from "../components/verify/ruleImages";
import { CHANNEL_FORMAT, isChannelId, isChannelName, notAChannelReason } from "../components/shared/slackChannel";
import { slackTokenProblem } from "../components/shared/slackToken";
import { httpUrlProblem } from "../components/shared/httpUrl";
import { parseArgs as parseCommandLine, type ParseArgsConfig } from "node:util";

/** --alert-timeout default, as verifyAlertTimeout's. */
const DEFAULT_ALERT_TIMEOUT_SEC = 300;

/** Secrets seen on the command line or in the environment, for scrubbing a crash message. */
let knownSecrets: Array<string | undefined> = [process.env.SLACK_BOT_TOKEN, process.env.GRAFANA_AUTH];

export const USAGE = `Usage: npm run doctor -- [options]

Checks, one line each: Grafana is up, it has an image renderer, a panel renders as a
real PNG of the panel (not the placeholder, not a login page: its pixels must differ
from a render of a panel the dashboard does not have), Slack accepts the token and its
scopes, the channel resolves, the image uploads, and Slack shows it in the channel.

Options (environment variable used when the option is absent):
  --grafana-url URL        Grafana's API as this machine reaches it      [GRAFANA_URL]
  --grafana-auth USER:PW   Grafana admin credentials                     [GRAFANA_AUTH]
                           (prefer the variable: arguments are visible in ps)
  --slack-token TOKEN      Slack bot token, xoxb-...                     [SLACK_BOT_TOKEN]
                           (prefer the variable: arguments are visible in ps)
  --slack-channel CH       channel ID (C0123ABCD) or #name               [SLACK_CHANNEL]
  --routed-channels CH,... the other channels slackRoutes sends alerts to: each is
                           checked (the bot is a member, the token has that channel's
                           scopes); nothing is posted there       [SLACK_ROUTED_CHANNELS]
  --slack-api-url URL      Slack Web API base (proxies, tests)           [SLACK_API_URL]
                           default https://slack.com/api/
  --stack NAME             stack whose demo dashboard to render (default dev); names
                           the stack in the test message
  --dashboard-uid UID      dashboard to render     [GRAFANA_DASHBOARD_UID] (default: the stack's)
  --panel-id N             panel to render         [GRAFANA_PANEL_ID] (default ${PANEL_ID})
  --callback-url URL       where the renderer loads Grafana, named when a render is
                           not the panel                  [GF_RENDERING_CALLBACK_URL]
  --width N, --height N    image size (default 1000 x 500; 1000-3000 x 500-3000,
                           renderer v5's viewport bounds)
  --health-timeout SEC     how long to wait for Grafana's /api/health (default 10);
                           without it a refused connection, an unknown host name or
                           an invalid URL fails at once instead of being retried
  --share-timeout SEC      how long to wait for Slack to show the upload (default 60)
  --timing JSON            advanced: override any wait or retry bound, e.g.
                           '{"renderTimeoutMs":120000}'
  --out FILE.png           save the rendered panel to this file, to look at it
  --no-send                every check but the upload
  --alert                  then wait for Grafana's OWN alert of the rule attached to the
                           panel and find it in the channel: this token's bot, a link to
                           the rule under Grafana's root URL, the stack's gsa_stack marker,
                           and its screenshot of the panel in the thread (needs
                           channels:history / groups:history, files:read); a line per change
  --alert-timeout SEC      how long --alert waits for the alert (default 300)
  --rule UID[,UID...]      proof per rule instead: look each alert rule up, read its
                           panel link (__dashboardUid__ / __panelId__) and render that
                           panel (each panel once); nothing is posted to Slack
  --all-rules              the same for every alert rule in Grafana
  --json                   print one JSON object instead of the checklist
  -h, --help               this text

Without a Slack token only the Grafana checks run. Exit status: 0 all checks passed
(with --alert: only when Grafana's alert was found with its screenshot), 1 a check
failed, 2 bad usage. Every message is explained in docs/troubleshooting.md.`;

/** Printed under a usage error instead of the whole usage text. */
export const USAGE_POINTER = "Every option: npm run doctor -- --help";

class UsageError extends Error {}

interface DoctorArgs {
    options: VerifyOptions;
    json: boolean;
    /** --out: where to save the rendered PNG. */
    out?: string;
    /** --rule / --all-rules: the per-rule proof instead of the checklist. */
    rules?: string[] | "all";
}

/**
 * Every option, for node:util's parseArgs. Value options are strings (numbers are checked
 * below, with messages naming the option); flags are booleans.
 */
const OPTIONS = {
    "grafana-url": { type: "string" },
    "grafana-auth": { type: "string" },
    "slack-token": { type: "string" },
    "slack-channel": { type: "string" },
    "routed-channels": { type: "string" },
    "slack-api-url": { type: "string" },
    "callback-url": { type: "string" },
    stack: { type: "string" },
    "dashboard-uid": { type: "string" },
    "panel-id": { type: "string" },
    width: { type: "string" },
    height: { type: "string" },
    "health-timeout": { type: "string" },
    "share-timeout": { type: "string" },
    timing: { type: "string" },
    out: { type: "string" },
    "alert-timeout": { type: "string" },
    rule: { type: "string" },
    "no-send": { type: "boolean" },
    json: { type: "boolean" },
    alert: { type: "boolean" },
    "all-rules": { type: "boolean" },
    help: { type: "boolean", short: "h" },
} as const satisfies NonNullable<ParseArgsConfig["options"]>;
type OptionName = keyof typeof OPTIONS;
type ValueOption = { [K in OptionName]: (typeof OPTIONS)[K]["type"] extends "string" ? K : never }[OptionName];
type Flag = Exclude<OptionName, ValueOption>;

/** The options, as listed when one is unknown. */
export const OPTION_NAMES: readonly string[] = Object.keys(OPTIONS).map((name) => (name === "help" ? "-h/--help" : `--${name}`));

/** Options the user might put a secret in: never echoed, and their value may start with "--". */
const SECRET_OPTIONS: readonly ValueOption[] = ["grafana-auth", "slack-token"];

function isOption(name: string): name is OptionName {
    return Object.prototype.hasOwnProperty.call(OPTIONS, name);
}

/**
 * The command line through node:util's parseArgs, non-strict so that every mistake gets
 * this program's own message: Node's would quote an ambiguous value, which may be a token.
 * Only option names are ever echoed, and only when they look like one.
 */
function readCommandLine(argv: string[]): { given: Partial<Record<ValueOption, string>>; flags: Set<Flag> } | "help" {
    const { tokens } = parseCommandLine({ args: argv, options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
    const given: Partial<Record<ValueOption, string>> = {};
    const flags = new Set<Flag>();
    for (const token of tokens) {
        if (token.kind === "option-terminator") continue;
        if (token.kind === "positional") throw new UsageError("unexpected argument (options start with --)");
        const { name, rawName } = token;
        if (!isOption(name)) {
            // A pasted token is not an option name: name the option only when it looks like one.
            const shown = /^--?[A-Za-z][A-Za-z-]{0,40}$/.test(rawName) ? rawName : "(not shown: it does not look like an option name)";
            throw new UsageError(`unknown option ${shown}; the options are ${OPTION_NAMES.join(", ")}`);
        }
        if (OPTIONS[name].type === "boolean") {
            if (token.value !== undefined) throw new UsageError(`${rawName} takes no value`);
            if (name === "help") return "help";
            flags.add(name as Flag);
            continue;
        }
        const option = name as ValueOption;
        const value = token.value;
        // `--grafana-url --json` forgot the URL; a secret (a password) may itself start with "--".
        if (value === undefined || (!token.inlineValue && value.startsWith("--") && !SECRET_OPTIONS.includes(option))) {
            throw new UsageError(`--${option} needs a value`);
        }
        given[option] = value;
    }
    return { given, flags };
}

function positiveInt(name: string, raw: string | undefined, def: number): number {
    if (raw === undefined || raw === "") return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive whole number, got ${JSON.stringify(raw)}`);
    return n;
}

function seconds(name: string, raw: string | undefined): number | undefined {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a number of seconds above 0, got ${JSON.stringify(raw)}`);
    return Math.round(n * 1000);
}

function httpUrl(name: string, raw: string): string {
    const why = httpUrlProblem(raw);
    if (why === "not-http") throw new UsageError(`--${name} must be an http(s) URL such as http://localhost:3000`);
    if (why === "credentials")
        throw new UsageError(`--${name} must not contain credentials: pass them with --grafana-auth or GRAFANA_AUTH`);
    return raw;
}

/** An optional URL option, checked when given. */
function optionalUrl(name: string, raw: string | undefined): string | undefined {
    return raw === undefined ? undefined : httpUrl(name, raw);
}

/** The Slack options, refused as the stack refuses them: a token that is no bot token, a channel that is no channel. */
function slackArgs(pick: PickArg) {
    const slackToken = pick("slack-token", "SLACK_BOT_TOKEN");
    // The token the stack would refuse, refused the same way (never shown beyond its type prefix).
    const badToken = slackToken === undefined ? undefined : slackTokenProblem(slackToken);
    if (badToken) throw new UsageError(`--slack-token / SLACK_BOT_TOKEN is ${badToken.given}; pass ${badToken.allowed}`);
    const slackChannel = pick("slack-channel", "SLACK_CHANNEL");
    if (slackToken && !slackChannel)
        throw new UsageError("a Slack token needs a channel: pass --slack-channel or set SLACK_CHANNEL (ID like C0123ABCD, or #name)");
    const routedChannels = pick("routed-channels", "SLACK_ROUTED_CHANNELS")
        ?.split(",")
        .map((c) => c.trim())
        .filter(Boolean);
    for (const c of [slackChannel, ...(routedChannels ?? [])]) {
        const notAChannel = c === undefined ? undefined : notAChannelReason(c);
        if (notAChannel) throw new UsageError(`${c === slackChannel ? "--slack-channel" : "--routed-channels"} ${c}: ${notAChannel}`);
    }
    if (slackChannel && !isChannelId(slackChannel) && !isChannelName(slackChannel)) {
        throw new UsageError(`--slack-channel / SLACK_CHANNEL must be ${CHANNEL_FORMAT}`);
    }
    if (routedChannels?.some((c) => !isChannelId(c) && !isChannelName(c)))
        throw new UsageError(`--routed-channels / SLACK_ROUTED_CHANNELS must be a comma-separated list, each ${CHANNEL_FORMAT}`);
    if (routedChannels?.length && !slackToken)
        throw new UsageError("--routed-channels needs a Slack token to look at the channels: pass --slack-token or set SLACK_BOT_TOKEN");
    return { slackToken, slackChannel, routedChannels };
}

type PickArg = (opt: ValueOption, envName?: string) => string | undefined;

/** --health-timeout, --share-timeout and --timing, checked as the verifier will use them. */
function timingArgs(pick: PickArg): { timing: Partial<VerifyTiming>; healthTimeoutMs?: number } {
    let timing: Partial<VerifyTiming> = { healthTimeoutMs: 10_000 };
    const healthTimeoutMs = seconds("health-timeout", pick("health-timeout"));
    const shareTimeoutMs = seconds("share-timeout", pick("share-timeout"));
    if (healthTimeoutMs !== undefined) timing.healthTimeoutMs = healthTimeoutMs;
    if (shareTimeoutMs !== undefined) timing.shareTimeoutMs = shareTimeoutMs;
    const rawTiming = pick("timing");
    if (rawTiming) {
        let parsed: unknown;
        try {
            parsed = JSON.parse(rawTiming);
        } catch {
            throw new UsageError("--timing must be a JSON object, e.g. '{\"renderTimeoutMs\":120000}'");
        }
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new UsageError("--timing must be a JSON object");
        timing = { ...timing, ...(parsed as Partial<VerifyTiming>) };
    }
    try {
        resolveTiming(timing);
    } catch (e) {
        throw new UsageError(`--timing: ${(e as Error).message}`);
    }
    return { timing, healthTimeoutMs };
}

/** --out: a file in a directory that exists. */
function outArg(out: string | undefined): string | undefined {
    if (out !== undefined) {
        const dir = path.dirname(path.resolve(out));
        if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`--out: the directory ${dir} does not exist`);
        if (fs.existsSync(out) && fs.statSync(out).isDirectory())
            throw new UsageError(`--out must name a file (e.g. panel.png), not the directory ${out}`);
    }

    return out;
}

/** --rule: a comma-separated list of rule UIDs (not with --all-rules). */
function ruleArgs(raw: string | undefined, allRules: boolean): string[] | undefined {
    const ruleUids = raw
        ?.split(",")
        .map((u) => u.trim())
        .filter(Boolean);
    if (ruleUids && allRules) throw new UsageError("--rule and --all-rules: give one of them");
    for (const uid of ruleUids ?? []) {
        if (!/^[A-Za-z0-9_-]{1,40}$/.test(uid))
            throw new UsageError(`--rule: ${JSON.stringify(uid)} is not a rule UID (up to 40 letters, digits, '-' or '_')`);
    }
    return ruleUids;
}

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv): DoctorArgs | "help" {
    const commandLine = readCommandLine(argv);
    if (commandLine === "help") return "help";
    const { given, flags } = commandLine;
    const send = !flags.has("no-send");
    const json = flags.has("json");
    const alert = flags.has("alert");
    const allRules = flags.has("all-rules");
    const pick = (opt: ValueOption, envName?: string): string | undefined => {
        const v = given[opt] ?? (envName ? env[envName] : undefined);
        return v === undefined || v.trim() === "" ? undefined : v.trim();
    };

    const grafanaUrl = pick("grafana-url", "GRAFANA_URL");
    if (!grafanaUrl) throw new UsageError("no Grafana URL: pass --grafana-url or set GRAFANA_URL (e.g. http://localhost:3000)");
    httpUrl("grafana-url", grafanaUrl);
    const slackApiUrl = optionalUrl("slack-api-url", pick("slack-api-url", "SLACK_API_URL"));
    const rendererCallbackUrl = optionalUrl("callback-url", pick("callback-url", "GF_RENDERING_CALLBACK_URL"));
    const { slackToken, slackChannel, routedChannels } = slackArgs(pick);
    const stack = pick("stack") ?? "dev";
    const dashboardUid = pick("dashboard-uid", "GRAFANA_DASHBOARD_UID") ?? uidsFor(stack).dashboard;
    const panelId = positiveInt("panel-id", pick("panel-id", "GRAFANA_PANEL_ID"), PANEL_ID);
    const width = positiveInt("width", pick("width"), 1000);
    const height = positiveInt("height", pick("height"), 500);
    for (const [name, v] of [
        ["width", width],
        ["height", height],
    ] as const) {
        const problem = sizeProblem(name, v);
        if (problem) throw new UsageError(`--${problem}, got ${v}`);
    }

    const { timing, healthTimeoutMs } = timingArgs(pick);
    const out = outArg(pick("out"));

    const alertTimeoutMs = seconds("alert-timeout", pick("alert-timeout")) ?? DEFAULT_ALERT_TIMEOUT_SEC * 1000;
    if (given["alert-timeout"] !== undefined && !alert) throw new UsageError("--alert-timeout goes with --alert");
    if (alert && !slackToken)
        throw new UsageError("--alert needs a Slack token to read the channel: pass --slack-token or set SLACK_BOT_TOKEN");
    if (alert && !send) throw new UsageError("--alert cannot go with --no-send: the stage follows the direct upload");
    const ruleUids = ruleArgs(pick("rule"), allRules);
    if ((ruleUids || allRules) && alert) throw new UsageError("--alert goes with the panel checklist, not with --rule / --all-rules");

    return {
        json,
        ...(ruleUids ? { rules: ruleUids } : allRules ? { rules: "all" as const } : {}),
        ...(out !== undefined ? { out } : {}),
        options: {
            grafanaUrl,
            grafanaAuth: pick("grafana-auth", "GRAFANA_AUTH"),
            dashboardUid,
            panelId,
            width,
            height,
            slackToken,
            slackChannel,
            ...(routedChannels?.length ? { routedChannels } : {}),
            slackApiUrl,
            rendererCallbackUrl,
            stackName: `${stack} (doctor)`,
            send,
            timing,
            // Someone running doctor wants the answer now: an error waiting cannot fix ends
            // the health check at once, unless they asked to wait (--health-timeout).
            failFastOnConnectionError: healthTimeoutMs === undefined,
            // The stack's demo rule when checking the stack's dashboard; otherwise the
            // rule annotated with the checked panel.
            ...(alert ? { alertTimeoutMs, alertRuleUid: dashboardUid === uidsFor(stack).dashboard ? uidsFor(stack).rule : undefined } : {}),
        },
    };
}

function fmtSeconds(ms: number): string {
    return `${+(ms / 1000).toFixed(1)} s`;
}

const MARK: Record<CheckResult["status"], string> = { pass: "PASS", fail: "FAIL", skip: "SKIP" };

export function checklistLine(c: CheckResult): string {
    const base = `${MARK[c.status]}  ${c.id.padEnd(16)} ${c.title}: ${c.finding}`;
    return c.status === "fail" && c.fix ? `${base}. Fix: ${c.fix}` : base;
}

/** With routed channels: one line per channel alerts go to, with the fix for a failed one. */
export function channelLines(channels: ChannelReport[]): string {
    const lines = channels.map((c) => {
        const line = `${MARK[c.status]}  ${c.channel} (${c.role === "slackChannel" ? "slackChannel" : "routed"}): ${c.finding}`;
        return c.status === "fail" && c.fix ? `${line}. Fix: ${c.fix}` : line;
    });
    return `Channels alerts go to:\n${lines.map((l) => `  ${l}\n`).join("")}`;
}

function summary(report: VerificationReport): string {
    const n = (s: CheckResult["status"]) => report.checks.filter((c) => c.status === s).length;
    const verdict = report.ok ? "All checks passed" : "Some checks failed";
    // verifiedHow already starts with "not verified: ..." when it is not.
    return `${verdict}: ${n("pass")} passed, ${n("fail")} failed, ${n("skip")} skipped. ${report.verified ? `Verified: ${report.verifiedHow}` : report.verifiedHow.replace(/^not verified/, "Not verified")}`;
}

async function main(): Promise<number> {
    let parsed: DoctorArgs | "help";
    try {
        parsed = parseArgs(process.argv.slice(2), process.env);
    } catch (e) {
        if (e instanceof UsageError) {
            // The mistake and where the options are: the 40 lines of usage would bury the one that matters.
            process.stderr.write(`doctor: ${e.message}\n${USAGE_POINTER}\n`);
            return 2;
        }
        throw e;
    }
    if (parsed === "help") {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    const { options, json } = parsed;
    knownSecrets = [...knownSecrets, options.slackToken, options.grafanaAuth];
    if (parsed.rules) return runRules(parsed.rules, options, json);
    if (!json) {
        const target = options.slackToken
            ? `, Slack ${options.slackChannel}${options.send === false ? " (no send)" : ""}`
            : ", no Slack token (Grafana checks only)";
        process.stdout.write(
            `Checking Grafana ${new URL(options.grafanaUrl).origin}, panel ${options.panelId} of dashboard ${options.dashboardUid}${target}\n`,
        );
        options.onCheck = (c) => process.stdout.write(`${checklistLine(c)}\n`);
        if (options.alertTimeoutMs) {
            process.stdout.write(
                `Then waiting up to ${Math.round(options.alertTimeoutMs / 1000)}s for Grafana's own alert of the panel's rule in Slack\n`,
            );
            options.onAlertProgress = (line) => process.stdout.write(`....  ${line}\n`);
        }
    }
    // Progress on stderr, so --json keeps stdout one JSON object.
    options.onGrafanaWait = (w) =>
        process.stderr.write(
            `doctor: waiting for Grafana at ${new URL(options.grafanaUrl).origin}: attempt ${w.attempt} got ${w.last}; next try in ${fmtSeconds(w.waitMs)}, giving up in ${fmtSeconds(w.remainingMs)}\n`,
        );
    const rendered: { png?: Buffer } = {};
    if (parsed.out) options.onImage = (png) => (rendered.png = png);
    const report = await runVerification(options);
    const exitCode = report.ok ? 0 : 1;
    let saved: string | undefined;
    if (parsed.out) {
        if (rendered.png) {
            fs.writeFileSync(parsed.out, rendered.png);
            saved = path.resolve(parsed.out);
            process.stderr.write(`doctor: saved the rendered panel (${report.image?.width}x${report.image?.height} PNG) to ${saved}\n`);
        } else {
            process.stderr.write(`doctor: nothing saved to ${parsed.out}: the panel did not render (see grafana.render)\n`);
        }
    }
    if (json) {
        const out = {
            ok: report.ok,
            exitCode,
            verified: report.verified,
            verifiedHow: report.verifiedHow,
            checks: report.checks,
            grafana: report.grafana,
            image: report.image,
            ...(report.dashboard ? { dashboard: report.dashboard } : {}),
            slack: report.slack,
            ...(parsed.out ? { savedImage: saved ?? null } : {}),
            level: report.level,
            ...(report.alertPath ? { alertPath: report.alertPath } : {}),
            ...(report.channels ? { channels: report.channels } : {}),
        };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else {
        if (report.channels) process.stdout.write(channelLines(report.channels));
        process.stdout.write(`${summary(report)}\n`);
        if (!report.ok) process.stdout.write("Every message is explained in docs/troubleshooting.md.\n");
    }
    return exitCode;
}

/** `--rule` / `--all-rules`: one line per rule; exit 0 only when every rule's panel renders. */
async function runRules(rules: string[] | "all", options: VerifyOptions, json: boolean): Promise<number> {
    if (!json) {
        process.stdout.write(
            `Checking the picture of ${rules === "all" ? "every alert rule" : `rule${rules.length > 1 ? "s" : ""} ${rules.join(", ")}`} in Grafana ${new URL(options.grafanaUrl).origin} (nothing is posted to Slack)\n`,
        );
    }
    const report = await runRuleImageChecks({
        grafanaUrl: options.grafanaUrl,
        grafanaAuth: options.grafanaAuth,
        rules,
        width: options.width,
        height: options.height,
        timing: options.timing,
        failFastOnConnectionError: options.failFastOnConnectionError,
        onRule: json ? undefined : (r) => process.stdout.write(`${ruleLine(r)}\n`),
    });
    const exitCode = report.ok ? 0 : 1;
    if (json) {
        process.stdout.write(
            `${JSON.stringify({ ok: report.ok, exitCode, grafana: report.grafana, failure: report.failure, renders: report.renders, rules: report.rules }, null, 2)}\n`,
        );
        return exitCode;
    }
    if (report.failure) {
        process.stdout.write(`FAIL  ${report.failure.message}\n`);
    } else if (report.rules.length === 0) {
        process.stdout.write("Grafana has no alert rule to check.\n");
    } else {
        const failed = report.rules.filter((r) => r.status !== "pass").length;
        process.stdout.write(
            `${failed === 0 ? "Every rule's picture renders" : `${failed} of ${report.rules.length} rules would arrive without a picture`}: ${report.rules.length - failed} passed, ${failed} failed; ${report.renders} panel${report.renders === 1 ? "" : "s"} rendered.\n`,
        );
    }
    if (!report.ok) process.stdout.write("Every message is explained in docs/troubleshooting.md.\n");
    return exitCode;
}

if (require.main === module) {
    main().then(
        (code) => process.stdout.write("", () => process.exit(code)),
        (e) => {
            // An unexpected crash: say so without a stack full of internals (or values).
            const scrub = makeScrubber(knownSecrets);
            process.stderr.write(`doctor: unexpected error: ${scrub((e as Error)?.message ?? String(e))}\n`);
            process.exit(1);
        },
    );
}
