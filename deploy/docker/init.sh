#!/bin/sh
# One-shot setup steps for compose and the local Kubernetes overlay: `init.sh <script> [<script>...]` runs each
# `scripts/run <script>` in order and stops at the first failure. Every script is idempotent, so a restart re-runs
# them harmlessly. Runs in the tools image (Dockerfile target `tools`) with the emulators' addresses in the env.
#   before the services: init.sh db/migrate ddb/schema-load db/seed
#   after users is up:   init.sh ddb/seed   (it resolves the seed handles through the users service)
set -eu
cd "$(dirname "$0")/../.."
[ "$#" -gt 0 ] || { echo "usage: init.sh <script>..." >&2; exit 2; }
for step in "$@"; do
  echo "init: scripts/run $step"
  scripts/run "$step"
done
echo "init: done ($*)"
