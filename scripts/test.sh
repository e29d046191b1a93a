#!/usr/bin/env bash
# `npm test`: set up, check formatting and lint, then run every test (unit, api, e2e) with node:test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== format and lint (biome)"
npx --no-install biome ci --reporter=summary .
echo "== layering (import graph of src/ and web/src/)"
node scripts/check-layers.mjs
echo "== tests"
node scripts/run-tests.mjs unit api e2e
