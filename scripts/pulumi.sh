#!/usr/bin/env bash
# Runs the Pulumi CLI (official npm launcher) against this project's local state backend,
# with no Pulumi account and no prompt:
#  - state lives in ./.pulumi-state (git-ignored);
#  - secrets are encrypted with a passphrase: PULUMI_CONFIG_PASSPHRASE(_FILE) if you set
#    one, otherwise one generated once into ./.pulumi-state/passphrase (mode 600) and
#    reused. Keep that file: it decrypts the stack's secrets.
# Usage: npm run pulumi -- <pulumi arguments>, e.g. npm run pulumi -- config set grafanaPort 3001
set -euo pipefail
cd "$(dirname "$0")/.."

[ -f node_modules/.package-lock.json ] || npm ci --no-audit --no-fund >&2

state_dir="$PWD/.pulumi-state"
mkdir -p "$state_dir"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$state_dir}"
export PULUMI_SKIP_UPDATE_CHECK=true
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  passphrase_file="$state_dir/passphrase"
  if [ ! -s "$passphrase_file" ]; then
    (umask 077 && node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("base64url"))' > "$passphrase_file")
    echo "Generated a secrets passphrase in $passphrase_file (keep it: it decrypts this stack's secrets)." >&2
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$passphrase_file"
fi
# The stack: PULUMI_STACK, else dev; created on first use.
stack="${PULUMI_STACK:-dev}"
if ! npx --no-install pulumi stack select "$stack" >/dev/null 2>&1; then
  npx --no-install pulumi stack init "$stack" --secrets-provider passphrase >&2
fi
exec npx --no-install pulumi "$@"
