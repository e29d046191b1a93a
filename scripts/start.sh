#!/usr/bin/env bash
# `npm start`: set up, then run virtnetd in a self-contained sandbox: its own network namespaces (host + upstream),
# its own config/state/run directories, the `default` NAT network defined and started, demo guests plugged in.
# Nothing is changed in the machine's own network namespace. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

if [ "$(id -u)" -ne 0 ]; then
  echo "npm start needs root (it creates network namespaces)." >&2
  exit 1
fi

exec node dist/src/sandbox/main.js "$@"
