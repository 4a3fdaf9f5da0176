#!/usr/bin/env bash
# `npm run preview`: what `npm run up` would change, as a diff (`pulumi preview --diff`), for
# the stack PULUMI_STACK (default dev), with the same CLI, backend and passphrase as
# `npm run up` (scripts/pulumi.sh). Extra arguments go to `pulumi preview`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/pulumi.sh preview --diff "$@"
