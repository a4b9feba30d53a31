#!/usr/bin/env bash
# Extracts the boot loaders the appliance serves from Debian packages into pxe/ and writes pxe/manifest.sha256.
# Nothing is installed: packages are downloaded with apt-get download and unpacked with dpkg -x into a cache.
#   ipxe:            undionly.kpxe (BIOS), ipxe.efi and snponly.efi (UEFI x64)
#   pxelinux/syslinux-common: pxelinux.0 and ldlinux.c32 (BIOS, optional)
#   grub-efi-amd64-signed:     grubnetx64.efi (UEFI, optional)
# Debian 12 ships no arm64 iPXE build for amd64 hosts; an arm64 snponly.efi can be dropped into pxe/arm64/ by hand.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${PXE_CACHE:-$here/../build/pxe-debs}"
mkdir -p "$cache"

fetch() { # package -> unpacked dir
    local pkg=$1 dir="$cache/$1"
    if [ ! -f "$dir/.done" ]; then
        rm -rf "$dir"; mkdir -p "$dir"
        (cd "$cache" && rm -f "${pkg}"_*.deb && apt-get download -q "$pkg" >/dev/null 2>&1) || { echo "pxe: cannot download $pkg" >&2; return 1; }
        dpkg -x "$cache/${pkg}"_*.deb "$dir"
        dpkg-deb -f "$cache/${pkg}"_*.deb Version > "$dir/.version"
        touch "$dir/.done"
    fi
    echo "$dir"
}

copy() { # src dest package
    install -m 0644 "$1" "$here/$2"
    printf '%s  %s  %s %s\n' "$(sha256sum "$here/$2" | cut -d' ' -f1)" "$2" "$3" "$(cat "$cache/$3/.version")" >> "$manifest.tmp"
}

manifest="$here/manifest.sha256"
: > "$manifest.tmp"
ipxe=$(fetch ipxe)
copy "$ipxe/usr/lib/ipxe/undionly.kpxe" undionly.kpxe ipxe
copy "$ipxe/usr/lib/ipxe/ipxe.efi" ipxe.efi ipxe
copy "$ipxe/usr/lib/ipxe/snponly.efi" snponly.efi ipxe

if pxl=$(fetch pxelinux) && sc=$(fetch syslinux-common); then
    copy "$pxl/usr/lib/PXELINUX/pxelinux.0" pxelinux.0 pxelinux
    copy "$sc/usr/lib/syslinux/modules/bios/ldlinux.c32" ldlinux.c32 syslinux-common
else
    echo "pxe: pxelinux not available; BIOS clients use iPXE only" >&2
fi

if grub=$(fetch grub-efi-amd64-signed) && [ -f "$grub/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed" ]; then
    copy "$grub/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed" grubnetx64.efi grub-efi-amd64-signed
else
    echo "pxe: GRUB EFI not available; UEFI clients use iPXE only" >&2
fi

sort -k2 "$manifest.tmp" > "$manifest"; rm -f "$manifest.tmp"
echo "pxe: $(wc -l < "$manifest") boot loaders in pxe/ (manifest.sha256)"
