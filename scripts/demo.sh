#!/usr/bin/env bash
# make demo: the appliance on the embedded default (SQLite) serving a virtual rack of two UEFI machines behind their own
# IPMI BMCs (qemu + ipmi_sim in a network namespace); both are commissioned and deployed with the test OS while the
# progress is printed. The dashboard stays at the printed URL (with the admin credentials created for this run) until
# Ctrl-C, which tears everything down. Env: DEMO_MACHINES (2), DEMO_PORT (8080).
set -euo pipefail
cd "$(dirname "$0")/.."
config=${CONFIGURATION:-Debug}
demo="tools/Provisioner.Demo/bin/$config/net10.0/provisioner-demo.dll"
[ -f "$demo" ] || { echo "demo: $demo is missing; run make demo (it builds it)" >&2; exit 1; }
exec dotnet "$demo" --machines "${DEMO_MACHINES:-2}" "$@"
