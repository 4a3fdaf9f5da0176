#!/usr/bin/env bash
# Runs the Pulumi CLI against this project's local state backend, with no Pulumi account
# and no prompt:
#  - the CLI: an installed `pulumi` (on PATH outside node_modules/.bin, or ~/.pulumi/bin),
#    else the official npm launcher; scripts/resolve-pulumi.js picks it and says which;
#  - state lives in ./.pulumi-state (git-ignored) unless PULUMI_BACKEND_URL is set;
#  - secrets are encrypted with a passphrase: PULUMI_CONFIG_PASSPHRASE(_FILE) if you set
#    one, otherwise one generated once into ./.pulumi-state/passphrase (mode 600) and
#    reused. Keep that file: it decrypts the stack's secrets.
# Usage: npm run pulumi -- <pulumi arguments>, e.g. npm run pulumi -- config set grafanaPort 3001
set -euo pipefail
cd "$(dirname "$0")/.."

[ -f node_modules/.package-lock.json ] || npm ci --no-audit --no-fund >&2

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
# The stack: PULUMI_STACK, else dev; created on first use.
stack="${PULUMI_STACK:-dev}"
if ! "$GSA_PULUMI_BIN" stack select "$stack" >/dev/null 2>&1; then
  "$GSA_PULUMI_BIN" stack init "$stack" --secrets-provider passphrase >&2
fi
exec "$GSA_PULUMI_BIN" "$@"
