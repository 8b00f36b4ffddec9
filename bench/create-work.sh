#!/usr/bin/env bash
# PostgreSQL's work for one registration opened as the API opens it: the create's statements
# (bench/create-work/create.sql) run by pgbench against a throwaway cluster built from a tenant
# snapshot, with the serving backend under valgrind's callgrind, which counts instructions:
# the same figure on every run of the same schema and statements, whatever else the machine
# is doing (where `api-write`'s requests per second move by a fifth between runs).
#
#   bench/create-work.sh                      the current schema and statements
#   SNAPSHOT=old.sql STATEMENTS=old.sql JOBS=4 bench/create-work.sh
#       another revision's (git show REV:migrations/tenant/snapshot.sql and
#       REV:bench/create-work/create.sql; JOBS is the :jobs variable the statements of before
#       decision 81 read, the handlers subscribed to registration.created)
#
# Prints {"instructions_per_create": N, ...} on standard output. Needs root (the cluster runs
# as the postgres user), PostgreSQL 15's binaries, pgbench and valgrind.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
snapshot=${SNAPSHOT:-$here/../migrations/tenant/snapshot.sql}
statements=${STATEMENTS:-$here/create-work/create.sql}
jobs=${JOBS:-0}
n=${CREATES:-300}
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
port=${PORT:-5499}
dir=$(mktemp -d /tmp/c360-create-work.XXXXXX)
chown postgres "$dir"
as_pg() { su postgres -s /bin/bash -c "$*"; }
stop() { as_pg "$bin/pg_ctl -D $dir/pg -m immediate stop" >/dev/null 2>&1 || true; pkill -f "valgrind.*$dir" || true; }
trap 'stop; rm -rf "$dir"' EXIT
server_opts="-k $dir -p $port -c listen_addresses=127.0.0.1 -c max_connections=200"
as_pg "$bin/initdb -D $dir/pg -A trust -U postgres" >/dev/null
as_pg "$bin/pg_ctl -D $dir/pg -l $dir/log -o \"$server_opts\" -w start" >/dev/null
psql=(psql -h 127.0.0.1 -p "$port" -qX -v ON_ERROR_STOP=1)
"${psql[@]}" -U postgres -c "CREATE ROLE c360_owner LOGIN" -c "CREATE ROLE c360_app LOGIN NOINHERIT"
"${psql[@]}" -U postgres -c "CREATE DATABASE bench OWNER c360_owner"
"${psql[@]}" -U postgres -d bench -c "CREATE SCHEMA pooled AUTHORIZATION c360_owner"
{ echo "SET search_path = pooled;"; cat "$snapshot"; } | "${psql[@]}" -U c360_owner -d bench >/dev/null
# 100 agencies of one client and 1,000 registrations each, as `api-write` loads them.
"${psql[@]}" -U postgres -d bench <<'SQL'
GRANT USAGE ON SCHEMA pooled TO c360_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA pooled TO c360_app;
CREATE FUNCTION public.agency(i int) RETURNS uuid LANGUAGE sql IMMUTABLE
    RETURN ('00000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid;
CREATE FUNCTION public.steps() RETURNS jsonb LANGUAGE sql IMMUTABLE
    RETURN '{"names": {"company_kind": "private", "e_filed": true, "names": ["Karoo Sun 7 Traders (Pty) Ltd", "Karoo Sun 7 Trading (Pty) Ltd", "Umoya 7 Holdings (Pty) Ltd"]}}'::jsonb;
CREATE FUNCTION public.event_payload() RETURNS jsonb LANGUAGE sql IMMUTABLE
    RETURN '{"registration_id": "0193c5a2-7e1d-7000-8000-000000000001", "client_id": "0193c5a2-7e1d-7000-8000-000000000002", "kind": "za_name_reservation", "status": "draft", "reference": null, "filing_path": "manual"}'::jsonb;
SET search_path = pooled;
INSERT INTO clients (tenant_id, id, kind, display_name, email)
    SELECT public.agency(i), public.agency(i), 'person', 'Client ' || i, 'c' || i || '@example.com'
    FROM generate_series(1, 100) i;
INSERT INTO registrations (tenant_id, id, client_id, jurisdiction, kind, payload, filing_path)
    SELECT public.agency(i), gen_random_uuid(), public.agency(i), 'ZA', 'za_name_reservation', public.steps(), 'manual'
    FROM generate_series(1, 100) i, generate_series(1, 1000);
ANALYZE;
SQL
bench() { pgbench -h 127.0.0.1 -p "$port" -U c360_app -n -M prepared -D jobs="$jobs" "$@" -f "$statements" bench >/dev/null; }
bench -c 4 -t 200   # warm: the tables' pages and the agencies' version rows exist
as_pg "$bin/pg_ctl -D $dir/pg -m fast -w stop" >/dev/null
mkdir "$dir/cg" && chown postgres "$dir/cg"
as_pg "valgrind --tool=callgrind --trace-children=yes --callgrind-out-file=$dir/cg/out.%p $bin/postgres -D $dir/pg $server_opts -c autovacuum=off >$dir/valgrind.log 2>&1 &"
for _ in $(seq 120); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 1; done
# Two sessions, 20 and 20 + n creates: their difference is n creates' work, without the
# session's start and the first statements' planning.
bench -c 1 -t 20
bench -c 1 -t $((n + 20))
# Each process's counts are written as it exits: stop the server, wait for every one of
# them, and take the two sessions' (the largest files).
as_pg "$bin/pg_ctl -D $dir/pg -m fast -t 300 -w stop" >/dev/null 2>&1 || true
for _ in $(seq 300); do pgrep -f "valgrind.*$dir" >/dev/null || break; sleep 1; done
totals=$(for f in "$dir"/cg/out.*; do grep -m1 -E '^(summary|totals):' "$f" | awk '{print $2}'; done | sort -rn)
big=$(echo "$totals" | sed -n 1p)
small=$(echo "$totals" | sed -n 2p)
per=$(( (big - small) / n ))
echo "{\"scenario\": \"create-work\", \"creates\": $n, \"instructions_per_create\": $per, \"snapshot\": \"$(basename "$snapshot")\", \"statements\": \"$(basename "$statements")\"}"
