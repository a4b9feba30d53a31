#!/usr/bin/env bash
# Job engine benchmark: NODES no-op jobs (one per node) of STEPS steps, CONCURRENCY running at once,
# on SQLite (WAL file in a temp dir) and on a throw-away PostgreSQL on a free loopback port.
# Reports steps/s and the delay from a step being ready to it starting (p50/p99). Results: bench/results/jobs-*.txt
set -euo pipefail
NODES=${NODES:-10000}
CONCURRENCY=${CONCURRENCY:-1000}
STEPS=${STEPS:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/bench/results"; mkdir -p "$out"
work=$(mktemp -d /tmp/provisioner-jobsbench-XXXXXX)
pg_pid=""
cleanup() {
    if [ -n "$pg_pid" ]; then kill -INT "$pg_pid" 2>/dev/null || true; wait "$pg_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

dotnet build -c Release -v q -o "$work/bin" "$root/bench/JobsBench/JobsBench.csproj" >/dev/null
bench="$work/bin/JobsBench.dll"

echo "== SQLite"
mkdir -p "$work/sqlite"
dotnet "$bench" sqlite "$work/sqlite" "$NODES" "$CONCURRENCY" "$STEPS" | tee "$out/jobs-sqlite.txt"

echo "== PostgreSQL"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg=()
if [ "$(id -u)" = 0 ]; then chown postgres: "$work"; as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups --); fi
"${as_pg[@]}" "$pgbin/initdb" -D "$work/pg" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# Production-like durability (fsync on, synchronous_commit on) so the numbers mean something.
"${as_pg[@]}" "$pgbin/postgres" -D "$work/pg" -p "$port" -h 127.0.0.1 -k "$work" -c max_connections=200 -c shared_buffers=128MB \
    -c log_min_messages=warning >"$work/pg.log" 2>&1 &
pg_pid=$!
for _ in $(seq 100); do "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$port" && break; sleep 0.1; done
"$pgbin/createdb" -h 127.0.0.1 -p "$port" -U postgres bench
dotnet "$bench" postgres "Host=127.0.0.1;Port=$port;Username=postgres;Database=bench;Maximum Pool Size=100" "$NODES" "$CONCURRENCY" "$STEPS" \
    | tee "$out/jobs-postgres.txt"
