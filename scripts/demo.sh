#!/usr/bin/env bash
# make demo: starts the appliance on the embedded default (SQLite under ./var), creates the first admin when there is
# none, and leaves the dashboard at the printed URL until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${DEMO_PORT:-8080}
config=${CONFIGURATION:-Debug}
appliance="src/Provisioner.Appliance/bin/$config/net10.0/provisioner-appliance.dll"
settings=(--DataDirectory=var --Http:Urls="http://127.0.0.1:$port" --Tftp:Enabled=false)
mkdir -p var
if [ ! -f var/demo-admin.txt ]; then
    password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | head -c 20)
    if echo "$password" | dotnet "$appliance" admin create demo --role admin --password-stdin "${settings[@]}" >/dev/null; then
        printf 'user: demo\npassword: %s\n' "$password" > var/demo-admin.txt
        chmod 600 var/demo-admin.txt
    fi
fi
echo "demo: starting the appliance (SQLite in ./var) on http://127.0.0.1:$port"
dotnet "$appliance" "${settings[@]}" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null' INT TERM EXIT
for _ in $(seq 1 150); do
    if curl -fsS -m 1 "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
    sleep 0.2
done
echo "demo: the appliance is up: dashboard at http://127.0.0.1:$port/ (Ctrl-C to stop)"
[ -f var/demo-admin.txt ] && sed 's/^/demo: /' var/demo-admin.txt
echo "demo: the end-to-end virtual rack (a machine PXE-booting from this appliance) runs with: dotnet test tests/Provisioner.EndToEnd"
wait $pid
