#!/usr/bin/env bash
# TFTP benchmark: our server (bench/TftpBench) against tftpd-hpa, dnsmasq and atftpd, in one run.
# Method: /work/shared/docs/benchmarking.md §7.3. Server and clients in two network namespaces joined by a veth;
# every server listens on port 69 of its own address in the server namespace, so they all run at once and the
# repetitions interleave (noise hits every server alike). Clients: atftp (blksize/windowsize), curl, tftp-hpa.
# Each point is repeated REPS times; the median wall time is reported, with throughput and the server's CPU time.
#
# Usage: sudo bench/tftp.sh    (env: REPS=5 CREPS=3 SIZE_MB=32 WORK=/tmp/tftp-bench OUT=<memory or WORK/out> PIN=0 NICE=0 QUICK=0
#                              WINDOWS="1 8 16 64" CONCURRENCY="50 200")
set -euo pipefail

REPS=${REPS:-5}               # repetitions of single-transfer points
CREPS=${CREPS:-3}             # repetitions of concurrent points
SIZE_MB=${SIZE_MB:-32}
WORK=${WORK:-/tmp/tftp-bench}
PIN=${PIN:-0}                 # 1: servers on CPU 0, clients on CPU 1
NICE=${NICE:-0}               # e.g. -10: servers and clients alike get a larger CPU share on a busy shared machine
QUICK=${QUICK:-0}             # 1: fewer points (smoke run of the script itself)
WINDOWS=${WINDOWS:-"1 8 16 64"}
CONCURRENCY=${CONCURRENCY:-"50 200"}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)

[[ $(id -u) == 0 ]] || { echo "needs root (network namespaces)" >&2; exit 1; }
for p in atftp curl tftp ip /usr/sbin/in.tftpd dnsmasq dotnet sha256sum; do
    command -v "$p" >/dev/null || { echo "missing $p (Debian: atftp curl tftp-hpa iproute2 tftpd-hpa dnsmasq-base)" >&2; exit 1; }
done

SUF=$$
NS_S=tbs$SUF; NS_C=tbc$SUF; VS=tbvs$SUF; VC=tbvc$SUF
declare -A ADDR=([ours]=198.18.0.1 [tftpd-hpa]=198.18.0.11 [dnsmasq]=198.18.0.12 [atftpd]=198.18.0.13)
SERVERS=(ours tftpd-hpa dnsmasq atftpd)
CG=/sys/fs/cgroup/cpuacct

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Summary: median wall, MB/s (all transfers of the point), median CPU, failures; ratio = peer wall / our wall.
summarize() { # summarize <results.tsv>
    local results=$1 sc n ours s wall cpu failed mbs ratio
    echo
    printf '%-24s %-10s %9s %9s %8s %7s %8s\n' scenario server wall_s MB/s cpu_s failed vs_ours
    for sc in $(cut -f1 "$results" | tail -n +2 | awk '!seen[$0]++'); do
        n=$(echo "$sc" | sed -n 's/.*-x\([0-9]*\)$/\1/p'); n=${n:-1}
        ours=$(awk -F'\t' -v sc="$sc" '$1 == sc && $2 == "ours" { print $4 }' "$results" | median)
        for s in "${SERVERS[@]}"; do
            wall=$(awk -F'\t' -v sc="$sc" -v s="$s" '$1 == sc && $2 == s { print $4 }' "$results" | median)
            [[ $wall == nan ]] && continue
            cpu=$(awk -F'\t' -v sc="$sc" -v s="$s" '$1 == sc && $2 == s { print $5 }' "$results" | median)
            failed=$(awk -F'\t' -v sc="$sc" -v s="$s" '$1 == sc && $2 == s { f += $7 } END { print f + 0 }' "$results")
            mbs=$(echo "scale=1; $SIZE_MB * 1.048576 * $n / $wall" | bc)
            ratio=$(echo "scale=2; $wall / $ours" | bc)
            printf '%-24s %-10s %9s %9s %8s %7s %8s\n' "$sc" "$s" "$wall" "$mbs" "$cpu" "$failed" "$ratio"
        done
    done
}

# SUMMARY=results.tsv bench/tftp.sh: print the table of an earlier run and stop.
if [[ -n ${SUMMARY:-} ]]; then summarize "$SUMMARY"; exit 0; fi
declare -A PID

cleanup() {
    for s in "${!PID[@]}"; do kill "${PID[$s]}" 2>/dev/null || true; done
    sleep 0.5
    for s in "${!PID[@]}"; do kill -9 "${PID[$s]}" 2>/dev/null || true; done
    for s in "${SERVERS[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$CG/tftpbench-$SUF-$s" 2>/dev/null && break; [[ -d $CG/tftpbench-$SUF-$s ]] || break; sleep 0.3; done
    done
    ip netns del "$NS_S" 2>/dev/null || true
    ip netns del "$NS_C" 2>/dev/null || true
    if [[ -n ${OUT:-} ]]; then
        for s in "${SERVERS[@]}" warm; do rm -f "$OUT/$s".*; done
        [[ $OUT == /dev/shm/tftp-bench-out ]] && rmdir "$OUT" 2>/dev/null
    fi
    true
}
trap cleanup EXIT
trap 'exit 143' INT TERM

# Downloads go to memory when it has room for the largest point: on a disk mounted with "discard", deleting
# thousands of megabytes between points starts trims that slow the next point down.
MAXC=1; for n in $CONCURRENCY; do ((n > MAXC)) && MAXC=$n; done
if [[ -z ${OUT:-} ]]; then
    avail_mb=$(awk '/MemAvailable/ { print int($2 / 1024) }' /proc/meminfo)
    if ((avail_mb > MAXC * SIZE_MB * 2)); then OUT=/dev/shm/tftp-bench-out; else OUT=$WORK/out; fi
fi
mkdir -p "$WORK/root" "$OUT" "$WORK/log"
ROOT=$WORK/root
FILE=f${SIZE_MB}m.bin
[[ -s $ROOT/$FILE && $(stat -c %s "$ROOT/$FILE") == $((SIZE_MB * 1048576)) ]] || head -c $((SIZE_MB * 1048576)) /dev/urandom > "$ROOT/$FILE"
SHA=$(sha256sum "$ROOT/$FILE" | cut -d' ' -f1)

# atftpd conflicts with tftpd-hpa in Debian: unpack it into the work directory instead of installing it.
ATFTPD=$WORK/atftpd/usr/sbin/atftpd
if [[ ! -x $ATFTPD ]]; then
    (cd "$WORK" && apt-get download atftpd >/dev/null && dpkg -x atftpd_*.deb "$WORK/atftpd")
fi

echo "building bench/TftpBench (Release)" >&2
dotnet build -c Release "$REPO/bench/TftpBench" -o "$WORK/tftpbench" >"$WORK/log/build.log" 2>&1 || { cat "$WORK/log/build.log"; exit 1; }

ip netns add "$NS_S"; ip netns add "$NS_C"
ip link add "$VS" type veth peer name "$VC"
ip link set "$VS" netns "$NS_S"; ip link set "$VC" netns "$NS_C"
ip -n "$NS_S" addr add 198.18.0.1/24 dev "$VS"
for s in tftpd-hpa dnsmasq atftpd; do ip -n "$NS_S" addr add "${ADDR[$s]}/24" dev "$VS"; done
ip -n "$NS_C" addr add 198.18.0.2/24 dev "$VC"
for n in "$NS_S" "$NS_C"; do ip -n "$n" link set lo up; done
ip -n "$NS_S" link set "$VS" up; ip -n "$NS_C" link set "$VC" up
sleep 1

SRUN=(ip netns exec "$NS_S"); CRUN=(ip netns exec "$NS_C")
if [[ $PIN == 1 ]]; then SRUN=(taskset -c 0 "${SRUN[@]}"); CRUN=(taskset -c 1 "${CRUN[@]}"); fi
if [[ $NICE != 0 ]]; then SRUN=(nice -n "$NICE" "${SRUN[@]}"); CRUN=(nice -n "$NICE" "${CRUN[@]}"); fi

# Each server in its own cpuacct cgroup: CPU time includes the children tftpd-hpa forks per transfer.
[[ -d $CG ]] || { echo "no cpuacct cgroup at $CG" >&2; exit 1; }
start() { # start <name> <env...> -- <command...>
    local name=$1; shift
    local envs=()
    while [[ $1 != -- ]]; do envs+=("$1"); shift; done; shift
    mkdir -p "$CG/tftpbench-$SUF-$name"
    env "${envs[@]}" sh -c 'echo $$ > "$0/cgroup.procs"; exec "$@"' "$CG/tftpbench-$SUF-$name" "${SRUN[@]}" "$@" >"$WORK/log/$name.log" 2>&1 &
    PID[$name]=$!
}
start ours DOTNET_gcServer=0 -- "$WORK/tftpbench/TftpBench" "$ROOT" "${ADDR[ours]}" 69 64
start tftpd-hpa X=1 -- /usr/sbin/in.tftpd --listen --foreground --address "${ADDR[tftpd-hpa]}:69" --secure "$ROOT"
start dnsmasq X=1 -- dnsmasq --no-daemon --conf-file=/dev/null --port=0 --listen-address="${ADDR[dnsmasq]}" --bind-interfaces \
    --enable-tftp --tftp-root="$ROOT" --tftp-max=1000 --pid-file="$WORK/dnsmasq.pid" --log-facility="$WORK/log/dnsmasq-own.log"
start atftpd X=1 -- "$ATFTPD" --daemon --no-fork --user root --group root --port 69 --bind-address "${ADDR[atftpd]}" \
    --maxthread 1000 --logfile "$WORK/log/atftpd-own.log" "$ROOT"
sleep 2
for s in "${SERVERS[@]}"; do kill -0 "${PID[$s]}" 2>/dev/null || { echo "$s did not start" >&2; exit 1; }; done

# CPU seconds used so far by everything in a server's cgroup.
cpu() { awk '{ printf "%.3f", $1 / 1e9 }' "$CG/tftpbench-$SUF-$1/cpuacct.usage"; }

# One client run (the transfer only: the wall time excludes the check).
fetch() { # fetch <kind> <server> <window> <out>
    local kind=$1 s=$2 w=$3 out=$4 a=${ADDR[$2]}
    rm -f "$out"
    case $kind in
        atftp) if [[ $w == 1 ]]; then "${CRUN[@]}" atftp --get -r "$FILE" -l "$out" --option "blksize 1468" "$a" 69
               else "${CRUN[@]}" atftp --get -r "$FILE" -l "$out" --option "blksize 1468" --option "windowsize $w" "$a" 69; fi ;;
        curl) "${CRUN[@]}" curl -sS --max-time 300 --tftp-blksize 1468 -o "$out" "tftp://$a/$FILE" ;;
        tftp-hpa) "${CRUN[@]}" tftp -m binary "$a" 69 -c get "$FILE" "$out" ;;
    esac >/dev/null 2>&1 || true
}

# Prints "ok" when <out> is the served file, "FAIL" otherwise (a client error leaves it short or missing).
verify() { [[ -s $1 && $(sha256sum "$1" | cut -d' ' -f1) == "$SHA" ]] && echo ok || echo FAIL; }

RESULTS=$WORK/results.tsv
echo -e "scenario\tserver\trep\twall_s\tcpu_s\tok\tfailed" > "$RESULTS"

run_point() { # run_point <scenario> <kind> <window> <concurrency> <reps>
    local sc=$1 kind=$2 w=$3 n=$4 reps=$5 rep s
    for ((rep = 1; rep <= reps; rep++)); do
        # Each repetition starts with the next server, so no server always follows the same one.
        local order=("${SERVERS[@]:$(((rep - 1) % ${#SERVERS[@]}))}" "${SERVERS[@]:0:$(((rep - 1) % ${#SERVERS[@]}))}")
        for s in "${order[@]}"; do
            local c0 t0 t1 c1 ok=0 bad=0 i
            c0=$(cpu "$s"); t0=$(date +%s.%N)
            if [[ $n == 1 ]]; then
                fetch "$kind" "$s" "$w" "$OUT/$s.bin"
            else
                for ((i = 0; i < n; i++)); do fetch "$kind" "$s" "$w" "$OUT/$s.$i.bin" & done
                wait $(jobs -p | grep -v -F -x $(for p in "${PID[@]}"; do echo "-e $p"; done)) 2>/dev/null || true
            fi
            t1=$(date +%s.%N); sleep 0.3; c1=$(cpu "$s")
            if [[ $n == 1 ]]; then
                [[ $(verify "$OUT/$s.bin") == ok ]] && ok=1 || bad=1
            else
                for ((i = 0; i < n; i++)); do verify "$OUT/$s.$i.bin"; done > "$OUT/$s.res"
                ok=$(grep -c '^ok$' "$OUT/$s.res" || true); bad=$((n - ok))
                rm -f "$OUT"/"$s".*
            fi
            printf '%s\t%s\t%d\t%.3f\t%.3f\t%d\t%d\n' "$sc" "$s" "$rep" "$(echo "$t1 - $t0" | bc)" "$(echo "$c1 - $c0" | bc)" "$ok" "$bad" >> "$RESULTS"
            echo "$sc $s rep $rep: $(tail -1 "$RESULTS" | cut -f4-7)" >&2
        done
    done
}

# Warm-up (JIT of our server, page cache for everyone).
for s in "${SERVERS[@]}"; do fetch atftp "$s" 1 "$OUT/warm.bin"; fetch atftp "$s" 16 "$OUT/warm.bin"; done

if [[ $QUICK == 1 ]]; then WINDOWS="1 16"; CONCURRENCY="50"; REPS=1; CREPS=1; fi
for w in $WINDOWS; do run_point "atftp-bs1468-ws$w" atftp "$w" 1 "$REPS"; done
run_point "curl-bs1468" curl 1 1 "$REPS"
run_point "tftp-hpa-bs512" tftp-hpa 1 1 "$REPS"
for n in $CONCURRENCY; do run_point "atftp-bs1468-ws1-x$n" atftp 1 "$n" "$CREPS"; done

summarize "$RESULTS"
echo "raw: $RESULTS  (load average: $(cut -d' ' -f1-3 /proc/loadavg); REPS=$REPS CREPS=$CREPS PIN=$PIN NICE=$NICE)"
