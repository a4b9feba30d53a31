#!/usr/bin/env bash
# Image streaming benchmark: our deployer (raw, zstd, chunked) against `curl | [zstd -d |] dd` with the same image,
# served by the same nginx on loopback, written to the same file target, in one run.
# Reports MB/s of raw (uncompressed) bytes, CPU seconds per GB and ratios. Method: docs/benchmarks/image.md.
# Env: IMAGE_MIB (2048), DATA_MIB (1152: real files; the rest is zeros spread as on a disk), RUNS (3),
#      BENCH_DIR (/tmp/bench-image), PARALLEL (3 chunk fetches), CHUNK_MIB (64)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
IMAGE_MIB=${IMAGE_MIB:-2048}
DATA_MIB=${DATA_MIB:-1152}
RUNS=${RUNS:-3}
PARALLEL=${PARALLEL:-3}
CHUNK_MIB=${CHUNK_MIB:-64}
dir=${BENCH_DIR:-/tmp/bench-image}
www="$dir/www"
results="$repo/bench/results"
mkdir -p "$www" "$results"
out="$results/image-$(date -u +%Y%m%dT%H%M%SZ).txt"

for p in nginx curl zstd dd /usr/bin/time dotnet; do
    command -v "$p" >/dev/null || { echo "missing $p" >&2; exit 1; }
done

log() { echo "$*" | tee -a "$out"; }

# 1. The image: real files (tar of /usr) in extents separated by zero runs, like a filesystem with free space.
if [ ! -f "$www/img.raw" ] || [ "$(stat -c %s "$www/img.raw")" -ne $((IMAGE_MIB << 20)) ]; then
    echo "building ${IMAGE_MIB} MiB image (${DATA_MIB} MiB data)..."
    rm -f "$www"/img.*
    extents=4
    data_each=$((DATA_MIB / extents))
    zero_each=$(((IMAGE_MIB - DATA_MIB) / extents))
    tar cf - /usr/lib /usr/bin /usr/share 2>/dev/null | head -c $((DATA_MIB << 20)) > "$dir/data.bin" || true
    : > "$www/img.raw"
    for i in $(seq 0 $((extents - 1))); do
        dd if="$dir/data.bin" bs=1M skip=$((i * data_each)) count="$data_each" status=none >> "$www/img.raw"
        head -c $((zero_each << 20)) /dev/zero >> "$www/img.raw"
    done
    truncate -s $((IMAGE_MIB << 20)) "$www/img.raw"
    rm -f "$dir/data.bin"
fi
sha=$(sha256sum "$www/img.raw" | cut -d' ' -f1)
[ -f "$www/img.zst" ] || zstd -q -3 -T0 -f "$www/img.raw" -o "$www/img.zst"

# 2. Our tool (Release build) and the chunked import.
dotnet build -c Release "$repo/bench/ImageBench" -o "$dir/imagebench" >/dev/null
bench="$dir/imagebench/imagebench"
if [ ! -f "$www/chunked/index.json" ]; then
    rm -rf "$www/chunked"
    log "import: $(/usr/bin/time -f 'wall=%e user=%U sys=%S' "$bench" import --input "$www/img.raw" --out "$www/chunked" --chunk-mib "$CHUNK_MIB" 2>&1 | tr '\n' ' ')"
    log "peer:   $(/usr/bin/time -f 'wall=%e user=%U sys=%S' zstd -q -3 -T0 -f "$www/img.raw" -o "$dir/peer.zst" 2>&1 | tr '\n' ' ') (zstd -3 -T0 whole file)"
    rm -f "$dir/peer.zst"
fi

# 3. nginx on a free loopback port, stopped by its PID at exit.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$dir/nginx"
cat > "$dir/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    default_type application/octet-stream;
    client_body_temp_path $dir/nginx; proxy_temp_path $dir/nginx; fastcgi_temp_path $dir/nginx;
    uwsgi_temp_path $dir/nginx; scgi_temp_path $dir/nginx;
    server { listen 127.0.0.1:$port; root $www; }
}
CONF
nginx -c "$dir/nginx/nginx.conf" -e "$dir/nginx/error.log" &
nginx_pid=$!
target="$dir/target.img"
trap 'kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; rm -f "$target"' EXIT
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/chunked/index.json" && break; sleep 0.1; done
base="http://127.0.0.1:$port"

# 4. Runs. Each writes a fresh target file and ends with fsync (dd conv=fsync; the deployer fsyncs before verifying).
# /usr/bin/time measures the whole pipeline (curl + zstd + dd, or our process). Page cache is dropped before each run
# when we may (root), so every run reads the image from the same state.
declare -A wall cpu
run_once() {
    local name=$1 i=$2; shift 2
    rm -f "$target"; sync
    [ -w /proc/sys/vm/drop_caches ] && echo 1 > /proc/sys/vm/drop_caches
    cat "$www/img.raw" "$www/img.zst" "$www/chunked/image.chunks" > /dev/null # the server side is warm for everyone
    # so are the programs (the .NET runtime is ~70 MB of files; on the live image it sits in RAM)
    "$bench" >/dev/null 2>&1 || true; curl --version >/dev/null; zstd --version >/dev/null
    /usr/bin/time -o "$dir/time.txt" -f '%e %U %S' bash -c "$*" >"$dir/run.log" 2>&1 || { cat "$dir/run.log" >&2; exit 1; }
    local w u s c
    read -r w u s < <(tail -n1 "$dir/time.txt")
    [ "$(stat -c %s "$target")" -eq $((IMAGE_MIB << 20)) ] || { echo "$name: target has wrong size" >&2; exit 1; }
    c=$(echo "$u + $s" | bc)
    log "$name run $i: wall=${w}s cpu=${c}s alloc=$(( $(stat -c %b "$target") * 512 >> 20 ))MiB"
    wall[$name]+="$w "
    cpu[$name]+="$c "
}
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

log "image: ${IMAGE_MIB} MiB raw (${DATA_MIB} MiB data), zst $(stat -c %s "$www/img.zst") B, chunked data $(stat -c %s "$www/chunked/image.chunks") B, sha256 $sha"
log "host: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r), nginx $(nginx -v 2>&1 | cut -d/ -f2), curl $(curl --version | head -1 | cut -d' ' -f2), zstd $(zstd --version | grep -o 'v[0-9.]*')"

declare -A cmd
names="curl-dd-raw ours-raw curl-raw-sha256 curl-zstd-dd curl-zstd-dd-sparse ours-zstd ours-chunked"
cmd[curl-dd-raw]="curl -s $base/img.raw | dd of=$target bs=4M iflag=fullblock conv=fsync"
cmd[ours-raw]="$bench deploy --format raw --url $base/img.raw --sha256 $sha --target $target"
cmd[curl-raw-sha256]="curl -s $base/img.raw | tee >(sha256sum > /dev/null) | dd of=$target bs=4M iflag=fullblock conv=fsync"
cmd[curl-zstd-dd]="curl -s $base/img.zst | zstd -dc | dd of=$target bs=4M iflag=fullblock conv=fsync"
cmd[curl-zstd-dd-sparse]="curl -s $base/img.zst | zstd -dc | dd of=$target bs=4M iflag=fullblock conv=fsync,sparse"
cmd[ours-zstd]="$bench deploy --format zstd --url $base/img.zst --sha256 $sha --target $target"
cmd[ours-chunked]="$bench deploy --format chunked --index $base/chunked/index.json --sha256 $sha --target $target --parallel $PARALLEL"
# Rounds interleave the pipelines, so a burst of load on the shared machine hits all of them alike.
for i in $(seq "$RUNS"); do
    for name in $names; do
        run_once "$name" "$i" "${cmd[$name]}"
    done
done

log ""
log "| pipeline | median wall s | MB/s (raw) | CPU s | CPU s/GB |"
log "|---|---:|---:|---:|---:|"
declare -A mbs
for name in $names; do
    w=$(echo "${wall[$name]}" | median)
    c=$(echo "${cpu[$name]}" | median)
    m=$(echo "scale=1; $((IMAGE_MIB << 20)) / $w / 1000000" | bc)
    mbs[$name]=$m
    log "| $name | $w | $m | $c | $(echo "scale=2; $c / ($IMAGE_MIB / 1024 * 1.073741824)" | bc) |"
done
log ""
log "ratio ours-raw / curl-dd-raw:          $(echo "scale=2; ${mbs[ours-raw]} / ${mbs[curl-dd-raw]}" | bc)"
log "ratio ours-raw / curl-raw-sha256:      $(echo "scale=2; ${mbs[ours-raw]} / ${mbs[curl-raw-sha256]}" | bc)"
log "ratio ours-zstd / curl-zstd-dd:        $(echo "scale=2; ${mbs[ours-zstd]} / ${mbs[curl-zstd-dd]}" | bc)"
log "ratio ours-chunked / curl-zstd-dd:     $(echo "scale=2; ${mbs[ours-chunked]} / ${mbs[curl-zstd-dd]}" | bc)"
log "results: $out"
