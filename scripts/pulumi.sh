#!/usr/bin/env bash
# Runs the Pulumi CLI against this project's local state backend, with no Pulumi account
# and no prompt:
#  - the CLI: an installed `pulumi` (on PATH outside node_modules/.bin, or ~/.pulumi/bin),
#    else the official npm launcher; scripts/resolve-pulumi.js picks it and says which;
#  - state lives in ./.pulumi-state (git-ignored) unless PULUMI_BACKEND_URL is set;
#  - secrets are encrypted with a passphrase: PULUMI_CONFIG_PASSPHRASE(_FILE) if you set
#    one, otherwise one generated once into ./.pulumi-state/passphrase (mode 600) and
#    reused. Keep that file: it decrypts the stack's secrets.
#  - the stack is PULUMI_STACK (default dev), created only from its Pulumi.<stack>.yaml or
#    with --create / PULUMI_STACK_CREATE=1 (see below).
# Usage: npm run pulumi -- <pulumi arguments>, e.g. npm run pulumi -- config set grafanaPort 3001
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ]; then
  echo "First run: installing dependencies (npm ci, about 40 s)..." >&2
  npm ci --no-audit --no-fund >&2
fi

# The CLI, resolved once per command (up.sh exports it for its second call).
if [ -z "${GSA_PULUMI_BIN:-}" ]; then
  GSA_PULUMI_BIN="$(node scripts/resolve-pulumi.js)" || exit 1
  export GSA_PULUMI_BIN
fi
# Language hosts and plugins installed beside the CLI are found first (as the npm launcher does).
export PATH="$(dirname "$GSA_PULUMI_BIN"):$PATH"

# Commands that need no stack or backend run as they are.
case "${1:-}" in
  ""|version|help|-h|--help|gen-completion|plugin)
    exec "$GSA_PULUMI_BIN" "$@" ;;
esac

if [ -z "${PULUMI_BACKEND_URL:-}" ]; then
  state_dir="$PWD/.pulumi-state"
  mkdir -p "$state_dir"
  export PULUMI_BACKEND_URL="file://$state_dir"
fi
export PULUMI_SKIP_UPDATE_CHECK=true
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  state_dir="$PWD/.pulumi-state"
  passphrase_file="$state_dir/passphrase"
  if [ ! -s "$passphrase_file" ]; then
    mkdir -p "$state_dir"
    (umask 077 && node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("base64url"))' > "$passphrase_file")
    echo "Generated a secrets passphrase in $passphrase_file (keep it: it decrypts this stack's secrets)." >&2
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$passphrase_file"
fi
# Commands that act on no particular stack run without selecting one: `stack ls` must not
# create dev on the way.
case "${1:-} ${2:-}" in
  "stack ls"*|"stack list"*|"stack init"*|"stack select"*|login*|logout*|whoami*|about*|new*|install*|org*|env*|schema*|convert*|policy*)
    exec "$GSA_PULUMI_BIN" "$@" ;;
esac

# The stack: PULUMI_STACK, else dev (the CLI reads PULUMI_STACK too). It is created only from
# its committed Pulumi.<stack>.yaml, or when asked with --create (removed from the arguments)
# or PULUMI_STACK_CREATE=1: a mistyped name is refused with the stacks there are
# (scripts/stacks.js), instead of becoming a new stack with the defaults.
stack="${PULUMI_STACK:-dev}"
create="${PULUMI_STACK_CREATE:-}"
args=()
for a in "$@"; do
  if [ "$a" = "--create" ]; then create=1; else args+=("$a"); fi
done
if ! select_err="$("$GSA_PULUMI_BIN" stack select "$stack" 2>&1 >/dev/null)"; then
  if [ -f "Pulumi.$stack.yaml" ] || [ "$create" = "1" ]; then
    "$GSA_PULUMI_BIN" stack init "$stack" --secrets-provider passphrase >&2
  else
    # Not "no such stack" (a backend or permission error): show what the CLI said first.
    case "$select_err" in *"no stack named"*) ;; *) [ -z "$select_err" ] || echo "$select_err" >&2 ;; esac
    exec node scripts/stacks.js "$stack" "$("$GSA_PULUMI_BIN" stack ls --json 2>/dev/null || true)" ${args[@]+"${args[@]}"}
  fi
fi
# The program words its fix commands for this launcher (components/shared/launcher.ts).
export GSA_LAUNCHER=npm GSA_LAUNCHER_STACK="$stack"
exec "$GSA_PULUMI_BIN" ${args[@]+"${args[@]}"}
