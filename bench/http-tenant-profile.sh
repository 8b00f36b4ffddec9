#!/usr/bin/env bash
# Throughput of GET /api/v1/tenant for each demo agency (pooled, schema, database): every
# request resolves the tenant (cached), opens a TenantTx (BEGIN + context in one round trip),
# reads its settings and commits. Needs wrk (apt-get install wrk).
# Usage: bench/http-tenant-profile.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-8}"; conns="${2:-16}"
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 1; }
cargo build --release --locked --bin comply360 >/dev/null
dir=$(mktemp -d /tmp/c360-httpbench-XXXXXX)
chmod 755 "$dir"   # the embedded PostgreSQL runs as "postgres" when we are root
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
target/release/comply360 serve --demo --data-dir "$dir" --listen "127.0.0.1:$port" >/dev/null 2>"$dir/serve.log" &
pid=$!
trap 'kill -INT $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { echo "serve did not start:" >&2; cat "$dir/serve.log" >&2; exit 1; }
for slug in acacia baobab cedar; do
    echo "== $slug"
    wrk -t2 -c"$conns" -d"${secs}s" -H "Host: $slug.localhost:$port" "http://127.0.0.1:$port/api/v1/tenant" \
        | grep -E "Latency|Requests/sec|Non-2xx"
done
