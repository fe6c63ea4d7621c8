#!/bin/sh
# The compose `init` service: brings every datastore to the state the services expect, then exits 0.
# Each step is idempotent, so `docker compose up` after a restart re-runs it harmlessly.
# Runs in the tools image (Dockerfile target `tools`) from the repo root, with the emulators' addresses in the env.
set -eu
cd "$(dirname "$0")/../.."
for step in db/migrate ddb/schema-load db/seed ddb/seed; do
  echo "init: scripts/run $step"
  scripts/run "$step"
done
echo "init: done"
