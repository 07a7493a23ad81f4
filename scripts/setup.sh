#!/usr/bin/env bash
# Installs what building and testing k3os need on a Debian host: Node.js >= 20 and the npm
# dependencies. The image builder and the Kubernetes build install their own tools when they run.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1-}" in
  "") ;;
  -h|--help) echo "usage: scripts/setup.sh"; sed -n '2,3s/^# //p' "$0"; exit 0 ;;
  *) echo "setup.sh: takes no arguments, got: $*" >&2; echo "usage: scripts/setup.sh" >&2; exit 2 ;;
esac

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 20 ]; then
  echo "setup: installing Node.js (need >= 20, have $(node --version 2>/dev/null || echo none))"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
fi

# npm ci only when node_modules does not match package-lock.json.
stamp=node_modules/.k3os-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
