#!/usr/bin/env bash
# Installs every Debian package in scripts/debian-packages.txt that is missing.
# Idempotent and quick when all are present; runs 'apt-get update' only when something is missing.
# Services that packages would start (tftpd-hpa, snmpd, postgresql, nginx, kea) are kept from starting:
# tests start their own instances inside network namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t wanted < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' scripts/debian-packages.txt | tr -d ' ')
missing=()
for p in "${wanted[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all ${#wanted[@]} Debian packages present"
else
    echo "deps: installing ${#missing[@]} Debian packages: ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        echo "deps: need root to install packages (run as root or with sudo)" >&2
        exit 1
    fi
    policy=/usr/sbin/policy-rc.d
    had_policy=0; [ -e "$policy" ] && had_policy=1
    if [ $had_policy -eq 0 ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; fi
    trap '[ $had_policy -eq 0 ] && rm -f "$policy"' EXIT
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# kea-dhcp4 dies without these (PID file, logger lock).
mkdir -p /run/kea /var/run/kea 2>/dev/null || true

# .NET SDK: present on the build machines; say so clearly if not.
if ! command -v dotnet >/dev/null; then
    echo "deps: the .NET 10 SDK (dotnet) is not on PATH" >&2
    exit 1
fi
