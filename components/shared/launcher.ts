// Fix texts name a command the user can type. Messages are written with the Pulumi CLI's
// commands (`pulumi config set ...`, `pulumi up`); this repository's wrappers (npm run up /
// preview / destroy / pulumi, scripts/pulumi.sh) export GSA_LAUNCHER=npm and the stack in
// GSA_LAUNCHER_STACK, and then every message leaving the program (config problems,
// warnings, nextSteps, the verifier's failures) says `npm run pulumi -- config set ...` and
// `npm run up` instead, with PULUMI_STACK=<stack> in front for a stack other than dev (the
// wrappers would otherwise act on dev). Under a plain `pulumi up` nothing changes.
// Pure and import-free: the dynamic providers load it too.

/** The wrappers' default stack: no PULUMI_STACK= in front for it. */
const DEFAULT_STACK = "dev";

/** Subcommands that act on a stack, so the wrappers' form differs from the CLI's. */
const STACK_COMMANDS = "config|up|preview|destroy|refresh|stack|state|import|cancel";

/** True when the user runs Pulumi through this repository's npm wrappers. */
export function viaNpmWrappers(env: NodeJS.ProcessEnv = process.env): boolean {
    return env.GSA_LAUNCHER === "npm";
}

/**
 * One Pulumi command (`args` without the leading `pulumi`, e.g. "config set grafanaPort 3001"
 * or "up") as the user runs it. `quiet` asks for npm's silent form, for use inside `$(...)`.
 */
export function pulumiCommand(args: string, env: NodeJS.ProcessEnv = process.env, quiet = false): string {
    if (!viaNpmWrappers(env)) return `pulumi ${args}`;
    const stack = env.GSA_LAUNCHER_STACK;
    const prefix = stack && stack !== DEFAULT_STACK ? `PULUMI_STACK=${stack} ` : "";
    const [command, ...rest] = args.split(" ");
    // The wrappers of up and destroy already pass --yes; preview's adds --diff.
    const extra = rest.filter((a) => !(a === "--yes" && (command === "up" || command === "destroy")));
    if (command === "up" || command === "preview" || command === "destroy") {
        return `${prefix}npm run ${quiet ? "-s " : ""}${command}${extra.length ? ` -- ${extra.join(" ")}` : ""}`;
    }
    return `${prefix}npm run ${quiet ? "-s " : ""}pulumi -- ${args}`;
}

/**
 * A message with each Pulumi command in it (`pulumi config ...`, `pulumi up`, ...) as the user
 * runs it (pulumiCommand). A command's arguments run to the end of the command: a backtick,
 * `&&`, `;`, a parenthesis, three spaces or the end of the line; those of up, preview and
 * destroy are only the flags right after it ("run `pulumi up` again").
 */
export function inLauncherWords(text: string, env: NodeJS.ProcessEnv = process.env): string {
    if (!viaNpmWrappers(env)) return text;
    const command = new RegExp(`(^|[^\\w@/-])pulumi ((?:${STACK_COMMANDS})\\b(?:(?! {3}|&&)[^\`;()\\n])*)`, "g");
    return text.replace(command, (_whole, before: string, rest: string, offset: number) => {
        const args = commandArgs(rest);
        const quiet = text.slice(Math.max(0, offset - 1), offset + before.length).endsWith("$(");
        return `${before}${pulumiCommand(args, env, quiet)}${rest.slice(args.length)}`;
    });
}

/** The part of `rest` (text after "pulumi ") that is the command and its arguments. */
function commandArgs(rest: string): string {
    const words = rest.split(" ");
    if (/^(up|preview|destroy)[.,:]*$/.test(words[0])) {
        let n = 1;
        // Its flags, up to the end of a sentence.
        while (n < words.length && !/[.,:]$/.test(words[n - 1]) && /^--?[a-z]/.test(words[n])) n++;
        return words
            .slice(0, n)
            .join(" ")
            .replace(/[.,:]+$/, "");
    }
    return rest.replace(/[\s.,:]+$/, "");
}
