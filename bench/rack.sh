#!/usr/bin/env bash
# Virtual rack benchmark: time from power-on to Deployed per machine, split by phase (power, PXE, live boot, image,
# reboot, first boot), for one machine and for MACHINES (4) in parallel, under software emulation, with the appliance
# on SQLite (the same rig as make demo and the end-to-end tests). Results: bench/results/rack-*.md. Needs root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
config=${CONFIGURATION:-Debug}
demo="$repo/tools/Provisioner.Demo/bin/$config/net10.0/provisioner-demo.dll"
[ -f "$demo" ] || { echo "rack bench: build first (make build images)" >&2; exit 1; }
mkdir -p "$repo/bench/results"
out="$repo/bench/results/rack-$(date -u +%Y%m%dT%H%M%SZ).md"
{
    echo "# Virtual rack: power-on to Deployed ($(nproc) cores, $(date -u +%F))"
    for n in 1 "${MACHINES:-4}"; do
        echo
        echo "## $n machine(s) in parallel"
        echo
        dotnet "$demo" --machines "$n" --exit-when-deployed --port 0 --phases "$out.part" >&2
        cat "$out.part"
    done
} > "$out"
rm -f "$out.part"
cat "$out"
