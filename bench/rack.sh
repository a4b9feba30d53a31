#!/usr/bin/env bash
# Virtual rack benchmark, under software emulation, with the appliance on SQLite (the rig of make demo and the
# end-to-end tests). 1. PXE and live boot of a blank machine served by the appliance against dnsmasq + nginx serving
# the same iPXE script, kernel and initrd (RackBench, RUNS alternating runs, medians and ratios). 2. Time from power-on
# to Deployed per machine split by phase (power, PXE, live boot, image, reboot, first boot), one machine and MACHINES (4)
# in parallel. The image phase's reference (curl | zstd -d | dd against nginx) is bench/image.sh.
# Results: bench/results/rack-*.md. Needs root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
config=${CONFIGURATION:-Debug}
demo="$repo/tools/Provisioner.Demo/bin/$config/net10.0/provisioner-demo.dll"
[ -f "$demo" ] || { echo "rack bench: build first (make build images)" >&2; exit 1; }
mkdir -p "$repo/bench/results"
out="$repo/bench/results/rack-$(date -u +%Y%m%dT%H%M%SZ).md"
dotnet build "$here/RackBench" -c "$config" -nologo -clp:ErrorsOnly >&2
{
    echo "# Virtual rack ($(nproc) cores, $(date -u +%F))"
    echo
    echo "## PXE, live boot and image: Provisioner against dnsmasq + nginx"
    echo
    dotnet "$here/RackBench/bin/$config/net10.0/rackbench.dll" "${RUNS:-3}"
    for n in 1 "${MACHINES:-4}"; do
        echo
        echo "## Power-on to Deployed, $n machine(s) in parallel"
        echo
        dotnet "$demo" --machines "$n" --exit-when-deployed --port 0 --phases "$out.part" >&2
        cat "$out.part"
    done
} > "$out"
rm -f "$out.part"
cat "$out"
