#!/usr/bin/env bash
# DHCPv4 benchmark: perfdhcp (Debian kea-admin) in one namespace against our server, kea-dhcp4 (memfile, lease
# file on) and dnsmasq in another, same pool, same run. Method and peer configurations: docs/benchmarks/dhcp.md.
#
#   sudo bench/dhcp.sh                 # full run (about 6 minutes)
#   RATES="1000 2000" DUR=5 sudo bench/dhcp.sh
#
# Prints one markdown table with ratios against Kea; raw perfdhcp outputs go to bench/results/dhcp-<time>/.
set -euo pipefail

[[ $EUID -eq 0 ]] || { echo "bench/dhcp.sh needs root (network namespaces)" >&2; exit 1; }
for p in perfdhcp kea-dhcp4 dnsmasq tcpdump python3 dotnet; do
    command -v "$p" >/dev/null || { echo "missing $p (Debian: kea-admin, kea-dhcp4-server, dnsmasq-base, tcpdump, python3)" >&2; exit 1; }
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT/bench/results/dhcp-$(date -u +%Y%m%d-%H%M%S)}
DUR=${DUR:-10}                              # seconds per perfdhcp run
RATES=${RATES:-"250 500 1000 2000 4000"}    # offered DORA/s in the sweep
LAT_RATE=${LAT_RATE:-200}                   # fixed load for latency percentiles
LEASES=${LEASES:-50000}                     # lease count for the memory check
MEM_RATE=${MEM_RATE:-1000}                  # DORA/s while filling the lease store
SERVERS=${SERVERS:-"ours ours-fsync kea dnsmasq"}   # ours = lease file without fsync, as Kea memfile; ours-fsync = fsync per batch
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

echo "building the bench host..." >&2
dotnet build -c Release "$ROOT/bench/dhcp/DhcpBenchHost" -o "$OUT/host" >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }

S=dbs$$; C=dbc$$; PID=
cleanup() {
    [[ -n "$PID" ]] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
    ip netns del "$S" 2>/dev/null || true
    ip netns del "$C" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$S"; ip netns add "$C"
ip link add "vs$$" type veth peer name "vc$$"
ip link set "vs$$" netns "$S"; ip link set "vc$$" netns "$C"
ip -n "$S" link set "vs$$" name vsrv; ip -n "$C" link set "vc$$" name vcli
ip -n "$S" link set lo up; ip -n "$C" link set lo up
ip -n "$S" addr add 198.18.0.1/15 dev vsrv; ip -n "$C" addr add 198.18.0.2/15 dev vcli
ip -n "$S" link set vsrv up; ip -n "$C" link set vcli up

cat >"$OUT/kea4.json" <<JSON
{ "Dhcp4": {
  "interfaces-config": { "interfaces": [ "vsrv" ], "dhcp-socket-type": "udp" },
  "lease-database": { "type": "memfile", "persist": true, "name": "$OUT/kea-leases4.csv", "lfc-interval": 0 },
  "multi-threading": { "enable-multi-threading": false },
  "valid-lifetime": 86400,
  "subnet4": [ { "id": 1, "subnet": "198.18.0.0/15", "pools": [ { "pool": "198.18.1.0 - 198.19.255.250" } ] } ],
  "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "$OUT/kea4.log" } ], "severity": "WARN" } ] } }
JSON

start() {   # start <server>: empty lease store, wait until it answers
    rm -f "$OUT"/ours-leases4.csv* "$OUT"/kea-leases4.csv* "$OUT"/dnsmasq.leases
    case $1 in
        ours) ip netns exec "$S" "$OUT/host/DhcpBenchHost" --interface vsrv --address 198.18.0.1 --network 198.18.0.0/15 \
                  --range 198.18.1.0-198.19.255.250 --lease-file "$OUT/ours-leases4.csv" --lease-time 86400 --no-fsync >"$OUT/ours.log" 2>&1 & PID=$! ;;
        ours-fsync) ip netns exec "$S" "$OUT/host/DhcpBenchHost" --interface vsrv --address 198.18.0.1 --network 198.18.0.0/15 \
                  --range 198.18.1.0-198.19.255.250 --lease-file "$OUT/ours-leases4.csv" --lease-time 86400 >"$OUT/ours.log" 2>&1 & PID=$! ;;
        kea) mkdir -p "$OUT/kea-run"
             ip netns exec "$S" env KEA_PIDFILE_DIR="$OUT/kea-run" KEA_LOCKFILE_DIR="$OUT/kea-run" kea-dhcp4 -c "$OUT/kea4.json" >"$OUT/kea.out" 2>&1 & PID=$! ;;
        dnsmasq) ip netns exec "$S" dnsmasq --no-daemon --conf-file=/dev/null --port=0 --interface=vsrv --bind-interfaces \
                  --dhcp-range=198.18.1.0,198.19.255.250,255.254.0.0,24h --dhcp-lease-max=2000000 --no-ping \
                  --dhcp-authoritative --quiet-dhcp --dhcp-leasefile="$OUT/dnsmasq.leases" >"$OUT/dnsmasq.out" 2>&1 & PID=$! ;;
    esac
    for _ in $(seq 1 100); do   # ready when one exchange succeeds
        if ip netns exec "$C" perfdhcp -4 -l 198.18.0.2 -r 1 -n 1 -R 1 198.18.0.1 >/dev/null 2>&1; then break; fi
        sleep 0.2
    done
    # Warm-up, the same for every server: a JIT-compiled server reaches steady state after its first few
    # thousand packets; native servers are unaffected. The leases it creates stay (all servers alike).
    ip netns exec "$C" perfdhcp -4 -l 198.18.0.2 -r 200 -R 10000000 -p 3 198.18.0.1 >/dev/null 2>&1 || true
    sleep 0.5
}
stop() { kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$PID/stat"; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$PID/status"; }

run_perf() {   # run_perf <file> <perfdhcp args...> -> "rate do_drop% ra_drop% acks"
    local f=$1; shift
    ip netns exec "$C" perfdhcp -4 -l 198.18.0.2 "$@" 198.18.0.1 >"$f" 2>&1 || true
    local rate do ra acks
    rate=$(awk '/^Rate:/ {print $2; exit}' "$f")
    do=$(awk '/drops ratio/ {print $3; exit}' "$f")
    ra=$(awk '/drops ratio/ {n++; if (n==2) {print $3; exit}}' "$f")
    acks=$(awk '/received packets/ {n++; if (n==2) {print $3; exit}}' "$f")
    echo "${rate:-0} ${do:-100} ${ra:-100} ${acks:-0}"
}

declare -A MAXRATE CPU P_DO P_RA MEM
for srv in $SERVERS; do
    best=0
    for r in $RATES; do
        start "$srv"
        t0=$(cpu_ticks)
        read -r rate do ra acks < <(run_perf "$OUT/pd_${srv}_$r.txt" -r "$r" -R 10000000 -p "$DUR")
        t1=$(cpu_ticks)
        stop
        echo "$srv rate $r: achieved $rate DORA/s, drops DO $do% RA $ra%, cpu $(( (t1 - t0) * 10 )) ms for $acks ACKs" >&2
        if awk -v a="$do" -v b="$ra" 'BEGIN { exit !(a + 0 == 0 && b + 0 == 0) }'; then best=$rate; fi
        # CPU per exchange at the lowest rate, where every server keeps up on a shared machine.
        if [[ -z "${CPU[$srv]:-}" && "$acks" -gt 0 ]]; then CPU[$srv]=$(( (t1 - t0) * 10000000 / acks / 1000 )); fi
    done
    MAXRATE[$srv]=$best

    start "$srv"
    ip netns exec "$C" tcpdump -i vcli -s 400 -w "$OUT/lat_$srv.pcap" udp port 67 >/dev/null 2>&1 & TD=$!
    sleep 1
    run_perf "$OUT/pd_${srv}_lat.txt" -r "$LAT_RATE" -R 10000000 -p "$DUR" >/dev/null
    sleep 0.5; kill "$TD"; wait "$TD" 2>/dev/null || true
    read -r d50 d90 d99 r50 r90 r99 _ _ < <(python3 "$ROOT/bench/dhcp/latency.py" "$OUT/lat_$srv.pcap")
    P_DO[$srv]="$d50 / $d90 / $d99"; P_RA[$srv]="$r50 / $r90 / $r99"
    stop

    start "$srv"
    run_perf "$OUT/pd_${srv}_mem.txt" -r "$MEM_RATE" -R 10000000 -p $(( LEASES / MEM_RATE + 1 )) >/dev/null
    sleep 1
    MEM[$srv]=$(rss_mb)
    stop
    leases=$(case $srv in ours*) cut -d, -f1 "$OUT/ours-leases4.csv" | grep -c '^198' ;; kea) cut -d, -f1 "$OUT/kea-leases4.csv" | grep -c '^198' ;; dnsmasq) wc -l <"$OUT/dnsmasq.leases" ;; esac || echo 0)
    MEM[$srv]="${MEM[$srv]} MB (${leases} leases)"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
{
    echo "| server | max DORA/s with 0 drops | vs Kea | CPU µs per DORA | vs Kea | DO p50/p90/p99 ms | RA p50/p90/p99 ms | RSS after ${LEASES} offered |"
    echo "|---|---|---|---|---|---|---|---|"
    for srv in $SERVERS; do
        echo "| $srv | ${MAXRATE[$srv]} | $(ratio "${MAXRATE[$srv]}" "${MAXRATE[kea]:-0}") | ${CPU[$srv]:-n/a} | $(ratio "${CPU[$srv]:-0}" "${CPU[kea]:-0}") | ${P_DO[$srv]} | ${P_RA[$srv]} | ${MEM[$srv]} |"
    done
} | tee "$OUT/table.md"
echo "results in $OUT" >&2
