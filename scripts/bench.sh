#!/usr/bin/env bash
# `npm run bench`: every benchmark in bench/, figures printed (not asserted). VIRTNET_BENCH_FILTER=overlay runs
# only the benchmarks whose file name contains that word.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
for b in dist/bench/*.js; do
  case "$(basename "$b" .js)" in *"${VIRTNET_BENCH_FILTER:-}"*) ;; *) continue ;; esac
  echo "== $(basename "$b" .js)"
  node "$b" || echo "(benchmark $b failed)"
done
