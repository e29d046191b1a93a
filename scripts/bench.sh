#!/usr/bin/env bash
# `npm run bench`: every benchmark in bench/, figures printed (not asserted).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
for b in dist/bench/*.js; do
  echo "== $(basename "$b" .js)"
  node "$b" || echo "(benchmark $b failed)"
done
