#!/usr/bin/env bash
# Deploys the stack (default `dev`: local Docker) with no prompt. Extra arguments go to
# `pulumi up`, e.g. `npm run up -- --diff`. State and passphrase: see scripts/pulumi.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/pulumi.sh up --yes "$@"
echo
echo "Grafana:  $(bash scripts/pulumi.sh stack output grafanaUrl)   user: $(bash scripts/pulumi.sh stack output grafanaAdminUser)"
echo "Password: npm run pulumi -- stack output grafanaAdminPassword --show-secrets"
