#!/usr/bin/env bash
# Makes a PostgreSQL server available for the tests and prints its URL as the last line of stdout.
# Uses the server at $KILN_TEST_POSTGRES_URL when one answers there; otherwise starts (or reuses)
# a throwaway trust-auth cluster on 127.0.0.1:$KILN_TEST_POSTGRES_PORT (default 55432) whose data
# lives in a temp dir named after the port, so a second call finds the server the first started.
# Progress goes to stderr so callers can capture the URL with $(...).
set -euo pipefail

url="${KILN_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
port="${KILN_TEST_POSTGRES_PORT:-55432}"
data="${TMPDIR:-/tmp}/kiln-test-postgres-$port"
throwaway_url="postgres://postgres@127.0.0.1:$port/test"

log() { echo "ensure-postgres: $*" >&2; }

answers() {
  if command -v pg_isready >/dev/null; then
    pg_isready -q -d "$1"
  elif command -v psql >/dev/null; then
    psql "$1" -Atqc 'SELECT 1' >/dev/null 2>&1
  else
    return 1
  fi
}

server_bin() {
  find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1
}

if answers "$url"; then
  echo "$url"
  exit 0
fi
log "no server answers at $url; using a throwaway cluster on port $port"

bin="$(server_bin)"
if [[ -z "$bin" ]]; then
  if [[ "$(id -u)" -ne 0 ]]; then
    log "PostgreSQL server binaries not found. Install Debian's postgresql package" \
      "(sudo apt-get install -y postgresql) or set KILN_TEST_POSTGRES_URL to a running server."
    exit 1
  fi
  log "installing postgresql"
  apt-get update >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
  bin="$(server_bin)"
fi
export PATH="$bin:$PATH"

# The server refuses to run as root, so root hands the cluster to the package's postgres user.
as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Serializes concurrent test runs so only one of them initializes and starts the cluster.
exec 9>"$data.lock"
flock 9

if ! answers "$throwaway_url"; then
  if [[ ! -f "$data/PG_VERSION" ]]; then
    log "creating cluster in $data"
    rm -rf "$data"
    mkdir -p "$data"
    if [[ "$(id -u)" -eq 0 ]]; then chown postgres: "$data"; fi
    as_owner initdb -D "$data" -U postgres --auth=trust -E UTF8 --no-locale >&2
  fi
  log "starting server on 127.0.0.1:$port"
  # 9>&- keeps the lock out of the long-lived server, which would otherwise hold it forever.
  as_owner pg_ctl -D "$data" -l "$data/server.log" -w \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $data" start >&2 9>&-
fi

admin=(psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atq)
if [[ -z "$("${admin[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'test'")" ]]; then
  "${admin[@]}" -c 'CREATE DATABASE test'
fi
echo "$throwaway_url"
