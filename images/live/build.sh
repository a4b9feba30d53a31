#!/bin/bash
# Builds the live (ephemeral) image from Debian packages: images/live/out/{vmlinuz,initrd.img,manifest.json}.
#   kernel:    linux-image-amd64 (apt-get download + dpkg -x; never installed)
#   initramfs: busybox-static, the NIC/disk/ACPI/IPMI/vfat modules with a regenerated modules.dep, util-linux and
#              fdisk tools, dosfstools, mtools, the glibc/OpenSSL/zlib/libstdc++ the .NET agent needs, libzstd and liblzma
#              (the agent decompresses images in process through them), and the agent.
# Idempotent: an input stamp (package versions + agent sources + this folder) short-cuts the build when nothing changed.
# Reproducible: sorted cpio, fixed owners and mtimes (SOURCE_DATE_EPOCH), deterministic compression, and an agent
# that does not embed the git commit (the same sources give the same image whatever HEAD is).
# Environment: LIVE_OUT (default images/live/out), LIVE_WORK (default build/live), SOURCE_DATE_EPOCH, FORCE=1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${LIVE_OUT:-$here/out}
work=${LIVE_WORK:-$repo/build/live}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-315532800}   # 1980-01-01: fixed, so identical inputs give identical bytes
export LC_ALL=C TZ=UTC
multiarch=x86_64-linux-gnu

log() { printf '[live-image] %s\n' "$*" >&2; }
die() { printf '[live-image] error: %s\n' "$*" >&2; exit 1; }

for tool in apt-get apt-cache dpkg-deb readelf cpio zstd sha256sum dotnet depmod; do
    command -v "$tool" >/dev/null || die "'$tool' is missing (Debian: apt-get install apt dpkg binutils cpio zstd coreutils kmod; .NET SDK for dotnet)"
done

# Debian packages that go into the image. The kernel meta package is resolved to the versioned image package below.
packages=(
    busybox-static
    libc6 libgcc-s1 libstdc++6 libssl3 zlib1g            # the .NET runtime (virtual-rack.md, "A C# agent")
    libzstd1 liblzma5                                    # zstd/xz images and zstd chunks: P/Invoke from Provisioner.Imaging
    util-linux libblkid1 libuuid1 libsmartcols1 libmount1 libselinux1 libpcre2-8-0
    fdisk libfdisk1 libreadline8 libtinfo6 dosfstools mtools   # the cidata partition (sfdisk, mkfs.fat, mcopy)
)
# Programs copied from those packages (their shared libraries follow automatically).
programs=(
    sbin/sfdisk usr/sbin/sfdisk
    sbin/wipefs usr/sbin/wipefs sbin/blkdiscard usr/sbin/blkdiscard sbin/blockdev usr/sbin/blockdev usr/bin/partx usr/sbin/partx
    sbin/mkfs.fat usr/sbin/mkfs.fat
    usr/bin/mtools
)
mtools_links=(mcopy mdir mtype mformat mlabel minfo)
# Libraries the agent opens at run time (dlopen, not DT_NEEDED).
agent_libs=(libssl.so.3 libcrypto.so.3 libz.so.1 libstdc++.so.6 libgcc_s.so.1 libm.so.6 libdl.so.2 librt.so.1 libpthread.so.0 libzstd.so.1 liblzma.so.5)
# Kernel modules (plus their dependencies): common NICs and disk controllers, IPMI, ACPI soft-off, vfat for cidata.
modules=(
    virtio_pci virtio_net virtio_blk virtio_scsi e1000 e1000e igb ixgbe i40e mlx5_core bnxt_en tg3
    ahci nvme sd_mod megaraid_sas
    ipmi_si ipmi_devintf button evdev
    vfat nls_cp437 nls_iso8859-1 nls_utf8
)

mkdir -p "$work/debs" "$out"

# ---- resolve versions (local apt metadata only) ----
kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$kernel_pkg" ] || die "cannot resolve linux-image-amd64 (run apt-get update)"
all_packages=("$kernel_pkg" "${packages[@]}")
declare -A version
# One apt-cache call for all packages (one call per package costs seconds on a loaded machine).
while read -r p v; do version[$p]=$v; done < <(apt-cache policy "${all_packages[@]}" | awk '/^[^ ]/ {sub(/:$/, "", $1); p=$1} /Candidate:/ {print p, $2}')
for p in "${all_packages[@]}"; do
    v=${version[$p]:-}
    [ -n "$v" ] && [ "$v" != "(none)" ] || die "package $p has no candidate version (apt-get update?)"
done

# ---- input stamp: skip the build when nothing changed ----
agent_inputs=$(cd "$repo" && find src/Provisioner.Agent src/Provisioner.Agent.Protocol src/Provisioner.Imaging images/live \
        -path '*/bin' -prune -o -path '*/obj' -prune -o -path images/live/out -prune -o -type f -print \
        | LC_ALL=C sort; echo Directory.Build.props Directory.Packages.props global.json)
stamp=$( { for p in "${all_packages[@]}"; do echo "$p=${version[$p]}"; done
           echo "epoch=$SOURCE_DATE_EPOCH"; echo "sdk=$(dotnet --version)"
           (cd "$repo" && sha256sum $agent_inputs); } | sha256sum | cut -d' ' -f1)
if [ "${FORCE:-0}" != 1 ] && [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ] \
    && [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.img" ] && [ -s "$out/manifest.json" ]; then
    log "up to date ($out)"
    exit 0
fi

# ---- download (cached by exact version) and extract ----
deb_of() {   # path of the cached .deb for package $1 at its candidate version
    local v=${version[$1]//:/%3a}
    compgen -G "$work/debs/$1_${v}_*.deb" | head -n1 || true
}
missing=()
for p in "${all_packages[@]}"; do [ -n "$(deb_of "$p")" ] || missing+=("$p=${version[$p]}"); done
if [ ${#missing[@]} -gt 0 ]; then
    log "downloading ${#missing[@]} package(s)"
    (cd "$work/debs" && apt-get download -q "${missing[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2) || true
    for p in "${all_packages[@]}"; do [ -n "$(deb_of "$p")" ] || die "could not download $p=${version[$p]}"; done
fi

debroot="$work/debroot"
versions=$(for p in "${all_packages[@]}"; do echo "$p=${version[$p]}"; done)
if [ ! -f "$debroot/.versions" ] || [ "$(cat "$debroot/.versions")" != "$versions" ]; then
    log "extracting ${#all_packages[@]} packages"
    rm -rf "$debroot" && mkdir -p "$debroot"
    for p in "${all_packages[@]}"; do dpkg-deb -x "$(deb_of "$p")" "$debroot"; done
    echo "$versions" > "$debroot/.versions"
fi
kver=${kernel_pkg#linux-image-}
[ -f "$debroot/boot/vmlinuz-$kver" ] || die "kernel $kver not found in $kernel_pkg"

# ---- the agent ----
# Own artifacts path: a developer's concurrent build/test of the same projects must not share obj/ with this publish.
log "publishing the agent"
agent_out="$work/agent"
rm -rf "$agent_out"
dotnet publish "$repo/src/Provisioner.Agent/Provisioner.Agent.csproj" -c Release -r linux-x64 --self-contained \
    -p:PublishSingleFile=true -p:PublishTrimmed=true -p:InvariantGlobalization=true -p:DebugType=none \
    -p:PublishReadyToRun=true \
    -p:ContinuousIntegrationBuild=true -p:EnableSourceControlManagerQueries=false -p:IncludeSourceRevisionInInformationalVersion=false \
    --artifacts-path "$work/artifacts" -o "$agent_out" -nologo -v:q >&2 \
    || die "dotnet publish of the agent failed"
[ -x "$agent_out/provisioner-agent" ] || die "agent binary missing after publish"

# ---- stage the root (merged /usr layout) ----
stage="$work/root"
rm -rf "$stage"
mkdir -p "$stage"/{usr/bin,usr/sbin,usr/lib/$multiarch,usr/lib64,proc,sys,dev,run,tmp,root,mnt,etc,var}
ln -s usr/bin "$stage/bin"; ln -s usr/sbin "$stage/sbin"; ln -s usr/lib "$stage/lib"; ln -s usr/lib64 "$stage/lib64"
chmod 1777 "$stage/tmp"

find_lib() {   # locate a shared library by soname in the extracted packages
    local d
    for d in lib/$multiarch usr/lib/$multiarch lib64 usr/lib64 lib usr/lib; do
        [ -e "$debroot/$d/$1" ] && { echo "$debroot/$d/$1"; return 0; }
    done
    return 1
}
declare -A copied_libs
copy_lib() {   # copy a library (resolving its symlink) and, recursively, what it needs
    local so=$1 src
    [ -n "${copied_libs[$so]:-}" ] && return 0
    src=$(find_lib "$so") || die "library $so is not in the downloaded packages (add its Debian package to build.sh)"
    copied_libs[$so]=1
    cp -L "$src" "$stage/usr/lib/$multiarch/$so"
    copy_needed "$src"
}
copy_needed() {
    local so
    for so in $(readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do copy_lib "$so"; done
}

cp "$debroot/bin/busybox" "$stage/usr/bin/busybox"
for applet in $("$stage/usr/bin/busybox" --list-full); do
    name=$(basename "$applet")
    [ -e "$stage/usr/bin/$name" ] || ln -s busybox "$stage/usr/bin/$name"
done
for prog in "${programs[@]}"; do
    [ -f "$debroot/$prog" ] && [ ! -L "$debroot/$prog" ] || continue
    name=$(basename "$prog")
    rm -f "$stage/usr/bin/$name" "$stage/usr/sbin/$name"   # the real tool wins over a busybox applet
    cp "$debroot/$prog" "$stage/usr/sbin/$name"
    copy_needed "$debroot/$prog"
done
for l in "${mtools_links[@]}"; do rm -f "$stage/usr/bin/$l"; ln -s ../sbin/mtools "$stage/usr/bin/$l"; done
ln -sf ../sbin/mkfs.fat "$stage/usr/bin/mkfs.vfat"
# mkfs.fat and mtools convert FAT short names through iconv (code page 850): without glibc's converter, mcopy fails.
gconv=usr/lib/$multiarch/gconv
mkdir -p "$stage/$gconv/gconv-modules.d"
cp "$debroot/$gconv/IBM850.so" "$debroot/$gconv/IBM437.so" "$stage/$gconv/"
cp "$debroot/$gconv/gconv-modules" "$stage/$gconv/"
cp "$debroot/$gconv/gconv-modules.d/"*.conf "$stage/$gconv/gconv-modules.d/"
copy_lib ld-linux-x86-64.so.2
ln -s ../lib/$multiarch/ld-linux-x86-64.so.2 "$stage/usr/lib64/ld-linux-x86-64.so.2"
for so in "${agent_libs[@]}"; do copy_lib "$so"; done
cp "$agent_out/provisioner-agent" "$stage/usr/bin/provisioner-agent"
copy_needed "$agent_out/provisioner-agent"

# ---- kernel modules: the list plus dependencies, then a regenerated modules.dep/alias ----
[ -f "$debroot/lib/modules/$kver/modules.dep" ] || depmod -b "$debroot" "$kver"
moddir="lib/modules/$kver"
declare -A want
resolve_module() {   # module name -> its path and the paths it depends on (from the full kernel's modules.dep)
    local name=${1//-/_} line path dep
    line=$(awk -v n="$name" -F: '{ f=$1; sub(/.*\//, "", f); sub(/\.ko.*$/, "", f); gsub(/-/, "_", f); if (f == n) { print; exit } }' "$debroot/$moddir/modules.dep")
    if [ -z "$line" ]; then
        grep -qE "/${1}\.ko|/${name}\.ko" "$debroot/$moddir/modules.builtin" && return 0   # built into the kernel
        die "kernel module $1 not found in $kernel_pkg"
    fi
    path=${line%%:*}
    want[$path]=1
    for dep in ${line#*:}; do want[$dep]=1; done
}
for m in "${modules[@]}"; do resolve_module "$m"; done
mkdir -p "$stage/usr/$moddir"
for path in "${!want[@]}"; do
    mkdir -p "$stage/usr/$moddir/$(dirname "$path")"
    cp "$debroot/$moddir/$path" "$stage/usr/$moddir/$path"
done
cp "$debroot/$moddir/modules.builtin" "$debroot/$moddir/modules.order" "$stage/usr/$moddir/"
[ -f "$debroot/$moddir/modules.builtin.modinfo" ] && cp "$debroot/$moddir/modules.builtin.modinfo" "$stage/usr/$moddir/"
depmod -b "$stage/usr" "$kver"

# ---- init and configuration ----
cp -R "$here/rootfs/." "$stage/"
chmod 0755 "$stage/init" "$stage/etc/udhcpc/default.script" "$stage/etc/acpi/PWRF/00000080"
{
    echo "PROVISIONER_LIVE_KERNEL=$kver"
    echo "PROVISIONER_LIVE_AGENT=$("$stage/usr/bin/busybox" sha256sum "$stage/usr/bin/provisioner-agent" | cut -c1-16)"
} > "$stage/etc/provisioner-live"

# ---- reproducible cpio + zstd ----
log "packing the initramfs"
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
tmp_initrd="$work/initrd.img.tmp"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --reproducible --owner=0:0 --quiet) \
    | zstd -q -12 -T1 -f -o "$tmp_initrd"   # decompression speed is the same at any level; -19 only costs build time
tmp_kernel="$work/vmlinuz.tmp"
cp "$debroot/boot/vmlinuz-$kver" "$tmp_kernel"

# ---- manifest ----
sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
tmp_manifest="$work/manifest.json.tmp"
{
    printf '{\n  "kernelVersion": "%s",\n' "$kver"
    printf '  "sourceDateEpoch": %s,\n' "$SOURCE_DATE_EPOCH"
    printf '  "files": {\n'
    printf '    "vmlinuz": {"sha256": "%s", "size": %s},\n' "$(sha "$tmp_kernel")" "$(size "$tmp_kernel")"
    printf '    "initrd.img": {"sha256": "%s", "size": %s}\n' "$(sha "$tmp_initrd")" "$(size "$tmp_initrd")"
    printf '  },\n  "agent": {"sha256": "%s", "size": %s},\n' "$(sha "$agent_out/provisioner-agent")" "$(size "$agent_out/provisioner-agent")"
    printf '  "packages": {\n'
    n=${#all_packages[@]} i=0
    for p in $(printf '%s\n' "${all_packages[@]}" | LC_ALL=C sort); do
        i=$((i + 1)); sep=,; [ "$i" -eq "$n" ] && sep=
        printf '    "%s": "%s"%s\n' "$p" "${version[$p]}" "$sep"
    done
    printf '  },\n  "modules": [%s]\n}\n' "$(printf '"%s",' "${modules[@]}" | sed 's/,$//')"
} > "$tmp_manifest"

mv -f "$tmp_kernel" "$out/vmlinuz"
mv -f "$tmp_initrd" "$out/initrd.img"
mv -f "$tmp_manifest" "$out/manifest.json"
echo "$stamp" > "$out/.stamp"
log "built $out: vmlinuz $(size "$out/vmlinuz") bytes, initrd.img $(size "$out/initrd.img") bytes"
