#!/usr/bin/env bash
# The whole test suite from a fresh checkout: sets up what is missing, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node scripts/test.mjs "$@"
