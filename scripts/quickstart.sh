#!/usr/bin/env bash
# Kiln end to end on the embedded default (SQLite and local region folders, no external services):
# sets up what is missing, starts `kiln serve`, then drives it with the official Azure SDKs.
# Pass --keep to leave the server running afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

DATA="${KILN_DATA:-$PWD/.kiln}"
PORT="${KILN_PORT:-8443}"
node bin/kiln.js serve --data "$DATA" --port "$PORT" > "$DATA.serve.log" 2>&1 &
server=$!
trap '[ "${1:-}" = --keep ] || kill $server 2>/dev/null' EXIT
for _ in $(seq 1 100); do
  grep -q 'Kiln is serving' "$DATA.serve.log" 2>/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$DATA.serve.log"; exit 1; }
  sleep 0.2
done
cat "$DATA.serve.log"
NODE_EXTRA_CA_CERTS="$DATA/tls/ca.pem" node --import tsx scripts/quickstart.ts "$DATA" "https://127.0.0.1:$PORT"
if [ "${1:-}" = --keep ]; then echo "Server left running (pid $server); stop it with: kill $server"; fi
