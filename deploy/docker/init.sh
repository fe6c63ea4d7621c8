#!/bin/sh
# One-shot setup steps for compose and the local Kubernetes overlay: `init.sh <step> [<step>...]` runs each
# `scripts/run <step>` in order and stops at the first failure. A step is a script name, optionally followed by
# its arguments in the same word ("ops/service-keys --out /keys"). Every script is idempotent, so a restart
# re-runs them harmlessly. Runs in the tools image (Dockerfile target `tools`) with the emulators' addresses in
# the env.
#   compose, before the services: init.sh "ops/service-keys --out /keys" db/migrate ddb/schema-load db/seed
#   Kubernetes, before the services: init.sh db/migrate ddb/schema-load db/seed   (keys come from Secrets)
#   after users is up:   init.sh ddb/seed   (it resolves the seed handles through the users service)
set -eu
# Steps are split into words on purpose (a script and its arguments), never glob-expanded.
set -f
cd "$(dirname "$0")/../.."
[ "$#" -gt 0 ] || { echo "usage: init.sh <step>..." >&2; exit 2; }
for step in "$@"; do
  echo "init: scripts/run $step"
  # shellcheck disable=SC2086
  scripts/run $step
done
echo "init: done ($*)"
