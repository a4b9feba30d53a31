#!/usr/bin/env bash
# Builds the bootable test OS disk image from Debian packages, without root-only mounts or loop devices:
#   out/disk.img        GPT disk: partition 1 = FAT EFI system partition holding /EFI/BOOT/BOOTX64.EFI,
#                       a unified kernel image (systemd-boot stub + Debian kernel + busybox initramfs + cmdline);
#                       free space after it (the deploy may add a config-drive partition there).
#   out/disk.img.zst    the same, zstd-compressed (what an image server would hold)
#   out/seed.img        an example NoCloud seed disk (vfat "CIDATA": user-data, meta-data, network-config)
#   out/manifest.sha256 digests of every output; out/versions.txt package versions used
# Reproducible: same packages + same SOURCE_DATE_EPOCH => byte-identical outputs.
# Usage: images/test-os/build.sh [--seed-user-data FILE]   (env: KERNEL_PKG, DISK_MIB, SOURCE_DATE_EPOCH)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out="$here/out"
work="$out/work"
cache="$out/cache"
disk_mib=${DISK_MIB:-64}
esp_mib=40
seed_user_data=""
while [ $# -gt 0 ]; do
    case "$1" in
        --seed-user-data) seed_user_data=$2; shift 2 ;;
        *) echo "usage: $0 [--seed-user-data FILE]" >&2; exit 2 ;;
    esac
done

# A fixed epoch (not "now"): the image must not change between builds of the same sources.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767225600} # 2026-01-01T00:00:00Z
export TZ=UTC LC_ALL=C

need() { command -v "$1" >/dev/null || { echo "missing $1 (Debian package: $2)" >&2; exit 1; }; }
need apt-get apt; need dpkg dpkg; need objcopy binutils; need objdump binutils; need cpio cpio
need sgdisk gdisk; need mkfs.fat dosfstools; need mcopy mtools; need mmd mtools; need depmod kmod; need modprobe kmod
need zstd zstd; need gzip gzip; need python3 python3
stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
[ -f "$stub" ] || { echo "missing $stub (Debian package: systemd-boot-efi)" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work" "$cache"

# 1. Packages: the kernel linux-image-amd64 points at, and busybox-static. Cached by exact file name.
if [ -z "${KERNEL_PKG:-}" ]; then
    KERNEL_PKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
fi
fetch() {
    local pkg=$1 ver
    ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
    [ -n "$ver" ] && [ "$ver" != "(none)" ] || { echo "package $pkg not available (apt-get update?)" >&2; exit 1; }
    if ! ls "$cache/${pkg}_"*.deb >/dev/null 2>&1; then
        (cd "$cache" && apt-get download "$pkg" >/dev/null 2>&1) || { echo "apt-get download $pkg failed" >&2; exit 1; }
    fi
    echo "$pkg $ver" >> "$work/versions.txt"
    ls "$cache/${pkg}_"*.deb | sort | tail -n1
}
: > "$work/versions.txt"
kernel_deb=$(fetch "$KERNEL_PKG")
busybox_deb=$(fetch busybox-static)
echo "systemd-boot-efi $(dpkg-query -W -f='${Version}' systemd-boot-efi 2>/dev/null || echo unknown)" >> "$work/versions.txt"
dpkg -x "$kernel_deb" "$work/kernel"
dpkg -x "$busybox_deb" "$work/busybox"
kver=$(ls "$work/kernel/lib/modules" | head -n1)
vmlinuz="$work/kernel/boot/vmlinuz-$kver"

# 2. initramfs: busybox + /init + the drivers a VM or a small server needs, loaded in dependency order.
root="$work/initramfs"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,run,tmp,seed,lib/modules,usr/bin,usr/sbin,var/lib}
cp "$work/busybox/bin/busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
install -m 0755 "$here/rootfs/init" "$root/init"
install -m 0755 "$here/rootfs/udhcpc.script" "$root/etc/udhcpc.script"
cat > "$root/etc/os-release" <<OSREL
NAME="Provisioner Test OS"
ID=provisioner-testos
VERSION_ID=1
PRETTY_NAME="Provisioner Test OS 1 (kernel $kver)"
OSREL
cp "$root/etc/os-release" "$work/os-release"
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"

depmod -b "$work/kernel" "$kver"
modules="virtio_pci virtio_blk virtio_scsi virtio_net nvme ahci sd_mod sr_mod isofs vfat nls_cp437 nls_iso8859_1 nls_ascii e1000 e1000e"
: > "$root/etc/modules.load"
for m in $modules; do
    modprobe -d "$work/kernel" -S "$kver" --show-depends "$m" 2>/dev/null | awk '$1 == "insmod" {print $2}'
done | awk '!seen[$0]++' | while read -r ko; do
    rel=${ko#"$work/kernel/lib/modules/$kver/"}
    mkdir -p "$root/lib/modules/$(dirname "$rel")"
    cp "$ko" "$root/lib/modules/$rel"
    echo "$rel" >> "$root/etc/modules.load"
done
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$root" && find . -mindepth 1 | sort | cpio --quiet --reproducible -o -H newc -R 0:0) | gzip -9 -n > "$work/initramfs.cpio.gz"

# 3. Unified kernel image: the systemd EFI stub with .osrel/.cmdline/.linux/.initrd sections placed after the
#    stub's own sections, each at a page-aligned VMA (what ukify does).
printf '%s' "console=ttyS0,115200 loglevel=4 panic=10 ${TESTOS_CMDLINE_EXTRA:-}" > "$work/cmdline.txt"
end=$(objdump -h "$stub" | awk 'NF == 7 && $1 ~ /^[0-9]+$/ {print $3, $4}' | while read -r size vma; do
    echo $((0x$size + 0x$vma))
done | sort -n | tail -n1)
align() { echo $(( ($1 + 0xFFFF) / 0x10000 * 0x10000 )); }
osrel_vma=$(align "$end")
cmdline_vma=$(align $((osrel_vma + $(stat -c %s "$work/os-release"))))
linux_vma=$(align $((cmdline_vma + $(stat -c %s "$work/cmdline.txt"))))
initrd_vma=$(align $((linux_vma + $(stat -c %s "$vmlinuz"))))
objcopy \
    --add-section .osrel="$work/os-release" --change-section-vma .osrel=$(printf 0x%x "$osrel_vma") \
    --add-section .cmdline="$work/cmdline.txt" --change-section-vma .cmdline=$(printf 0x%x "$cmdline_vma") \
    --add-section .linux="$vmlinuz" --change-section-vma .linux=$(printf 0x%x "$linux_vma") \
    --add-section .initrd="$work/initramfs.cpio.gz" --change-section-vma .initrd=$(printf 0x%x "$initrd_vma") \
    "$stub" "$work/BOOTX64.EFI"
# objcopy stamps the PE header with the current time: pin it to SOURCE_DATE_EPOCH and recompute the PE checksum.
python3 - "$work/BOOTX64.EFI" "$SOURCE_DATE_EPOCH" <<'PY'
import struct, sys
path, epoch = sys.argv[1], int(sys.argv[2])
data = bytearray(open(path, "rb").read())
pe = struct.unpack_from("<I", data, 0x3C)[0]
struct.pack_into("<I", data, pe + 8, epoch & 0xFFFFFFFF)      # COFF TimeDateStamp
csum_at = pe + 24 + 64                                        # optional header CheckSum
struct.pack_into("<I", data, csum_at, 0)
if len(data) % 2:
    data.append(0)
total = 0
for (word,) in struct.iter_unpack("<H", bytes(data)):
    total += word
    total = (total & 0xFFFF) + (total >> 16)
total = (total & 0xFFFF) + (total >> 16)
size = len(open(path, "rb").read())
struct.pack_into("<I", data, csum_at, (total + size) & 0xFFFFFFFF)
open(path, "wb").write(data[:size])
PY
touch -d "@$SOURCE_DATE_EPOCH" "$work/BOOTX64.EFI"

# 4. ESP: a FAT filesystem built in a plain file with mtools, then copied into the GPT disk at the partition offset.
esp="$work/esp.img"
truncate -s "${esp_mib}M" "$esp"
mkfs.fat --invariant -F 16 -n ESP -i 50524f56 "$esp" >/dev/null
mmd -i "$esp" ::/EFI ::/EFI/BOOT
mcopy -m -i "$esp" "$work/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI

disk="$work/disk.img"
truncate -s "${disk_mib}M" "$disk"
# Fixed GUIDs: a random disk GUID would make every build different.
sgdisk -o -U 5052f9a1-7e57-4f00-8000-000000000001 \
    -n 1:2048:+${esp_mib}M -t 1:EF00 -c 1:ESP -u 1:5052f9a1-7e57-4f00-8000-000000000002 "$disk" >/dev/null
# (sgdisk -q silently skips the -n/-t/-c options in gdisk 1.0.9: check the result instead.)
sgdisk -p "$disk" | grep -q "EF00" || { echo "sgdisk did not create the ESP" >&2; exit 1; }
dd if="$esp" of="$disk" bs=1M seek=1 conv=notrunc,sparse status=none

# 5. Example NoCloud seed disk (vfat labelled CIDATA); tests and hand checks attach it as a second drive.
seed="$work/seed.img"
truncate -s 2M "$seed"
mkfs.fat --invariant -n CIDATA -i 43494441 "$seed" >/dev/null
cat > "$work/meta-data" <<META
instance-id: testos-example
local-hostname: testos-example
META
cat > "$work/network-config" <<NET
version: 2
ethernets:
  all:
    match: {name: "e*"}
    dhcp4: true
NET
if [ -n "$seed_user_data" ]; then
    cp "$seed_user_data" "$work/user-data"
else
    cat > "$work/user-data" <<'USER'
#!/bin/sh
echo "example user-data ran on $(hostname)"
mkdir -p /var/lib/provisioner && date > /var/lib/provisioner/firstboot-marker
USER
fi
touch -d "@$SOURCE_DATE_EPOCH" "$work/meta-data" "$work/network-config" "$work/user-data"
mcopy -m -i "$seed" "$work/user-data" "$work/meta-data" "$work/network-config" ::/

# 6. Publish atomically-ish: outputs and manifest.
zstd -q -19 -T1 -f "$disk" -o "$work/disk.img.zst"
for f in disk.img disk.img.zst seed.img BOOTX64.EFI initramfs.cpio.gz versions.txt; do
    mv -f "$work/$f" "$out/$f"
done
(cd "$out" && sha256sum disk.img disk.img.zst seed.img BOOTX64.EFI initramfs.cpio.gz versions.txt > manifest.sha256)
echo "kernel $kver; disk $(stat -c %s "$out/disk.img") bytes"
cat "$out/manifest.sha256"
rm -rf "$work"
