#!/usr/bin/env bash
# make demo: starts the appliance on the embedded default (SQLite under ./var) and, where this machine allows it
# (root, network namespaces, qemu), a virtual rack whose machines it provisions. Ctrl-C tears everything down.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${DEMO_PORT:-8080}
config=${CONFIGURATION:-Debug}
mkdir -p var
if [ -x scripts/virtual-rack-demo.sh ] && [ "${DEMO_APPLIANCE_ONLY:-0}" != 1 ]; then
    exec scripts/virtual-rack-demo.sh
fi
echo "demo: starting the appliance (SQLite in ./var) on http://127.0.0.1:$port"
dotnet "src/Provisioner.Appliance/bin/$config/net10.0/provisioner-appliance.dll" \
    --DataDirectory=var --Http:Urls="http://127.0.0.1:$port" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null' INT TERM EXIT
for _ in $(seq 1 100); do
    if curl -fsS -m 1 "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
    sleep 0.2
done
echo "demo: the appliance is up: dashboard at http://127.0.0.1:$port/ (Ctrl-C to stop)"
wait $pid
