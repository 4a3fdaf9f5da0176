#!/usr/bin/env bash
# Deploys the stack (default `dev`: local Docker) with no prompt. Extra arguments go to
# `pulumi up`, e.g. `npm run up -- --diff`. CLI, state and passphrase: see scripts/pulumi.sh.
# First a preflight (scripts/preflight.js): the stack exists (or has its Pulumi.<stack>.yaml,
# or --create asks for it), its config passes the program's validation, the CLI runs,
# Docker answers and the Grafana port is free, or the Kubernetes context exists; any problem
# stops here, before anything is created, with its fix.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ]; then
  echo "First run: installing dependencies (npm ci, about 40 s)..." >&2
  npm ci --no-audit --no-fund >&2
fi
# --create: make a new stack that has no Pulumi.<stack>.yaml (scripts/stacks.js).
for a in "$@"; do [ "$a" != "--create" ] || export PULUMI_STACK_CREATE=1; done
GSA_PULUMI_BIN="$(node scripts/preflight.js)" || exit 1
export GSA_PULUMI_BIN
bash scripts/pulumi.sh up --yes "$@"
echo
# Outputs may be missing (e.g. no grafanaUrl yet on Kubernetes): print what there is.
bash scripts/pulumi.sh stack output --json | node -e '
  const o = JSON.parse(require("fs").readFileSync(0, "utf8"));
  // target existing: your Grafana, your login; only a Grafana this stack runs has its password here.
  const own = o.grafanaAdminUser !== undefined && o.target !== "existing";
  if (o.grafanaUrl) console.log(`Grafana:  ${o.grafanaUrl}${own ? `   user: ${o.grafanaAdminUser}` : ""}`);
  if (own) console.log("Password: npm run pulumi -- stack output grafanaAdminPassword --show-secrets");
  for (const step of o.nextSteps ?? []) console.log(`Next:     ${step}`);'
