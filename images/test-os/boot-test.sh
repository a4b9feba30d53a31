#!/usr/bin/env bash
# Boots out/disk.img (+ out/seed.img as a NoCloud seed) under qemu + OVMF (TCG) and waits for the test OS to print
# "PROVISIONER-EVENT firstboot done". Exit 0 on success; the serial log is kept in out/boot-test.log.
# Usage: images/test-os/boot-test.sh [DISK] [SEED] [TIMEOUT_S]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
disk=${1:-$here/out/disk.img}
seed=${2:-$here/out/seed.img}
timeout_s=${3:-180}
log="$here/out/boot-test.log"
ovmf=/usr/share/ovmf/OVMF.fd
[ -f "$ovmf" ] || { echo "missing $ovmf (Debian package: ovmf)" >&2; exit 1; }
[ -f "$disk" ] || { echo "missing $disk: run $here/build.sh" >&2; exit 1; }

: > "$log"
# snapshot=on: the guest never modifies the image files; user networking: nothing leaves the qemu process.
qemu-system-x86_64 -machine q35 -accel tcg -m 512 -smp 1 -bios "$ovmf" \
    -display none -monitor none -serial "file:$log" -no-reboot \
    -drive "file=$disk,format=raw,if=none,id=d0,snapshot=on" -device virtio-blk-pci,drive=d0,bootindex=0 \
    -drive "file=$seed,format=raw,if=none,id=d1,snapshot=on" -device virtio-blk-pci,drive=d1 \
    -netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0 &
qemu=$!
trap 'kill "$qemu" 2>/dev/null || true; wait "$qemu" 2>/dev/null || true' EXIT

start=$SECONDS
while [ $((SECONDS - start)) -lt "$timeout_s" ]; do
    if grep -aq 'PROVISIONER-EVENT firstboot done' "$log"; then
        grep -a 'PROVISIONER-EVENT\|^user-data:' "$log" | tr -d '\r'
        echo "booted in $((SECONDS - start)) s"
        exit 0
    fi
    if ! kill -0 "$qemu" 2>/dev/null; then
        break
    fi
    sleep 1
done
echo "test OS did not reach 'firstboot done' within ${timeout_s}s; serial log tail:" >&2
tail -n 40 "$log" | tr -d '\r' >&2
exit 1
