#!/usr/bin/env bash
# Kiln's main job, end to end on the embedded default (SQLite and local region folders, no external
# services): sets up what is missing, makes a Debian base image from Debian's packages (cached for
# next time), starts `kiln serve`, then with the official Azure SDKs creates a resource group, a
# gallery and an image definition and runs a sample image template (Shell and File customizers; a
# managed image, a gallery version in two regions and a VHD), showing its progress live.
#
#   bash scripts/quickstart.sh [--base debian|busybox] [--keep]
#
# --base busybox builds on a tiny busybox image instead (seconds, no network); --keep leaves the
# server running. KILN_DATA (default ./.kiln) and KILN_PORT (default 8443) choose where and how.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=debian
KEEP=
while [ $# -gt 0 ]; do
  case "$1" in
    --base) BASE="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "usage: bash scripts/quickstart.sh [--base debian|busybox] [--keep]" >&2; exit 2 ;;
  esac
done
case "$BASE" in debian|busybox) ;; *) echo "--base is debian or busybox, not '$BASE'" >&2; exit 2 ;; esac

# setup.sh installs what the Debian base needs too (debootstrap, GRUB's tools, dosfstools, mtools).
bash scripts/setup.sh
if [ "$BASE" = debian ] && [ "$(id -u)" != 0 ]; then
  echo "kiln: the Debian base image needs root (debootstrap); run as root or use --base busybox" >&2
  exit 1
fi

DATA="${KILN_DATA:-$PWD/.kiln}"
PORT="${KILN_PORT:-8443}"
mkdir -p "$DATA"
started=$(date +%s)
echo "==> base image ($BASE), into the platform-image catalog of $DATA"
# Before the server starts: importing writes to the region folders, which a running server owns.
PATH="$PATH:/usr/sbin:/sbin" node bin/kiln.js platform-image bootstrap "$BASE" --if-missing --data "$DATA" > "$DATA/base-image.json"
node -e 'const i = require(process.argv[1]); console.log(`    ${i.publisher}:${i.offer}:${i.sku}:${i.version}, ${i.sizeBytes} bytes, imported ${i.importedAt}`)' "$DATA/base-image.json"
echo "    ($(( $(date +%s) - started )) s; a second run reuses it)"

node bin/kiln.js serve --data "$DATA" --port "$PORT" > "$DATA.serve.log" 2>&1 &
server=$!
trap '[ -n "$KEEP" ] || kill $server 2>/dev/null' EXIT
for _ in $(seq 1 100); do
  grep -q 'Kiln is serving' "$DATA.serve.log" 2>/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$DATA.serve.log"; exit 1; }
  sleep 0.2
done
cat "$DATA.serve.log"
URL=$(sed -n 's/^Kiln is serving at \(\S*\).*/\1/p' "$DATA.serve.log")
NODE_EXTRA_CA_CERTS="$DATA/tls/ca.pem" node --import tsx scripts/quickstart.ts "$DATA" "$URL" "$DATA/base-image.json"
echo "Total: $(( $(date +%s) - started )) s"
if [ -n "$KEEP" ]; then echo "Server left running (pid $server) at $URL; stop it with: kill $server"; fi
