#!/usr/bin/env bash
# Power status of N ipmi_sim BMCs (one process each) in a server netns, read from a client netns
# joined by a veth (docs/benchmarking.md §7.1, §7.5), by:
#   (a) ipmitool -I lanplus -C 3 in a sequential loop (one session per call),
#   (b) freeipmi ipmipower -D LAN_2_0 -W opensesspriv --stat (parallel fan-out, one session per BMC),
#   (c) our client (bench/PowerBench): cold = open + status + close per BMC, in parallel, process
#       start-up included; warm = sessions kept open and reused, as the power monitor does.
# Every point RUNS times (default 5), median reported, ratios against ipmipower from the same run.
# Usage: sudo bench/power.sh [N] [RUNS]     (root: network namespaces)
set -euo pipefail
N=${1:-100}
RUNS=${2:-5}
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/bench/results"
mkdir -p "$out"
work="$(mktemp -d /tmp/powerbench.XXXXXX)"
srv="pbsrv$$"
cli="pbcli$$"
pids=()
user=ipmiusr
pass=test
base=9000

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$srv" 2>/dev/null || true
  ip netns del "$cli" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for tool in ipmi_sim ipmitool ipmipower dotnet; do
  command -v "$tool" >/dev/null || { echo "missing $tool (Debian: openipmi, ipmitool, freeipmi-tools)" >&2; exit 1; }
done

ip netns add "$srv"
ip netns add "$cli"
ip link add "vs$$" type veth peer name "vc$$"
ip link set "vs$$" netns "$srv"
ip link set "vc$$" netns "$cli"
ip -n "$srv" addr add 198.18.0.1/15 dev "vs$$"
ip -n "$cli" addr add 198.18.0.2/15 dev "vc$$"
for ns in "$srv" "$cli"; do ip -n "$ns" link set lo up; done
ip -n "$srv" link set "vs$$" up
ip -n "$cli" link set "vc$$" up

cat > "$work/sim.emu" <<'EMU'
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_enable 0x20
EMU
hosts=()
for i in $(seq 1 "$N"); do
  port=$((base + i))
  mkdir -p "$work/st$i"
  cat > "$work/lan$i.conf" <<CONF
name "sim$i"
set_working_mc 0x20
  startlan 1
    addr 198.18.0.1 $port
    priv_limit admin
    allowed_auths_callback md5
    allowed_auths_user md5
    allowed_auths_operator md5
    allowed_auths_admin md5
    guid a123456789abcdefa123456789abcdef
  endlan
  user 2 true "$user" "$pass" admin 10 md5
CONF
  ip netns exec "$srv" ipmi_sim -c "$work/lan$i.conf" -f "$work/sim.emu" -s "$work/st$i" -n >"$work/sim$i.log" 2>&1 &
  pids+=($!)
  hosts+=("198.18.0.1:$port")
done

I="ip netns exec $cli ipmitool -I lanplus -C 3 -U $user -P $pass"
for try in $(seq 1 50); do
  if $I -H 198.18.0.1 -p $((base + N)) chassis power status >/dev/null 2>&1; then break; fi
  sleep 0.2
done

dotnet build -c Release "$root/bench/PowerBench" -o "$work/pb" >/dev/null
bench="$work/pb/PowerBench"

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_cmd() { local s e; s=$(now); "$@" >"$work/last.out" 2>&1 || { echo "FAILED: $*" >&2; cat "$work/last.out" >&2; }; e=$(now); echo "$e - $s" | bc -l; }

ipmitool_loop() { for h in "${hosts[@]}"; do $I -H "${h%:*}" -p "${h#*:}" chassis power status >/dev/null || return 1; done; }
hostlist=$(IFS=,; echo "${hosts[*]}")
ipmipower_run() { ip netns exec "$cli" ipmipower -D LAN_2_0 -W opensesspriv -u "$user" -p "$pass" -I 3 -l ADMIN -F 128 -h "$hostlist" --stat; }
ours_cold() { ip netns exec "$cli" "$bench" 198.18.0.1 $((base + 1)) "$N" "$user" "$pass" cold; }

declare -A res
for run in $(seq 1 "$RUNS"); do
  echo "$(time_cmd ipmitool_loop)" >> "$work/ipmitool.t"
  echo "$(time_cmd ipmipower_run)" >> "$work/ipmipower.t"
  grep -c ": on\|: off" "$work/last.out" > "$work/ipmipower.count" || true
  echo "$(time_cmd ours_cold)" >> "$work/ours.t"
  grep -q "0 failed" "$work/last.out" || { echo "our client failed:" >&2; cat "$work/last.out" >&2; }
done
warm=$(ip netns exec "$cli" "$bench" 198.18.0.1 $((base + 1)) "$N" "$user" "$pass" warm "$RUNS")
warm_s=$(echo "$warm" | awk '{print $3}')
inproc=$(ip netns exec "$cli" "$bench" 198.18.0.1 $((base + 1)) "$N" "$user" "$pass" cold-inproc "$RUNS")
inproc_s=$(echo "$inproc" | awk '{print $3}')

t_ipmitool=$(median < "$work/ipmitool.t")
t_ipmipower=$(median < "$work/ipmipower.t")
t_ours=$(median < "$work/ours.t")
ratio() { printf "%.3f" "$(echo "$1 / $2" | bc -l)"; }

{
  echo "# power status of $N ipmi_sim BMCs ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, median of $RUNS)"
  echo "| client | wall time (s) | per BMC (ms) | ipmipower time / this |"
  echo "|---|---|---|---|"
  for row in "ipmitool -C 3, sequential loop:$t_ipmitool" "ipmipower -D LAN_2_0 -W opensesspriv -F 128:$t_ipmipower" \
             "ours, cold (new session per BMC, process start included):$t_ours" \
             "ours, cold sessions in a running process:$inproc_s" "ours, warm (sessions reused, in process):$warm_s"; do
    name="${row%:*}"; t="${row##*:}"
    printf '| %s | %.3f | %.2f | %s |\n' "$name" "$t" "$(echo "$t * 1000 / $N" | bc -l)" "$(ratio "$t_ipmipower" "$t")"
  done
  echo
  echo "ipmipower answered for $(cat "$work/ipmipower.count" 2>/dev/null || echo '?') of $N BMCs in its last run; our last cold run: $(cat "$work/last.out")"
} | tee "$out/power.md"
