#!/usr/bin/env bash
# The test command (README, .ci/run): set up, build, type-check, then run every test tier with one
# summary line each ("unit: N passed, N failed"). Arguments select tiers: scripts/test.sh unit tools
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
npm run --silent build
echo "typecheck: tsc --noEmit"
npx tsc --noEmit -p .
exec node scripts/test.mjs "$@"
