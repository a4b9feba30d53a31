#!/usr/bin/env bash
# Runs every test project and prints one closing line "Tests: N passed, N failed, N skipped".
# Phase 1: all projects but the virtual rack, in parallel. Phase 2: the virtual rack (qemu machines) alone,
# so emulated machines do not compete with the other suites for the two cores.
set -uo pipefail
cd "$(dirname "$0")/.."
results=TestResults
rm -rf "$results"; mkdir -p "$results"
configuration=${CONFIGURATION:-Debug}
e2e=1; [ "${1:-}" = "--no-e2e" ] && e2e=0
rc=0

projects=()
for p in tests/*/*.csproj; do
    case "$p" in
        */Provisioner.TestKit/*|*/Provisioner.EndToEnd/*|*/Provisioner.Jobs.TestWorker/*) ;;
        *) projects+=("$p") ;;
    esac
done

run() { # project...: at most TEST_PARALLEL at once; each one's output goes to TestResults/<name>.log
    local parallel=${TEST_PARALLEL:-2}
    for p in "$@"; do
        while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
        local name; name=$(basename "$p" .csproj)
        echo "== $name"
        (
            dotnet test "$p" --no-build -c "$configuration" --results-directory "$results/$name" \
                --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" > "$results/$name.log" 2>&1
            status=$?
            echo "$status" > "$results/$name.status"
            grep -E "^(Passed!|Failed!)|Total tests|error" "$results/$name.log" | tail -n 3 | sed "s/^/   [$name] /"
        ) &
    done
    wait
    for p in "$@"; do
        local name; name=$(basename "$p" .csproj)
        if [ "$(cat "$results/$name.status" 2>/dev/null || echo 1)" != "0" ]; then
            echo "FAILED project: $name (log: $results/$name.log)"
            rc=1
        fi
    done
}

run "${projects[@]}"
if [ $e2e -eq 1 ]; then
    run tests/Provisioner.EndToEnd/Provisioner.EndToEnd.csproj
fi

# One closing line from the TRX files of this run.
python3 - "$results" <<'PY' || rc=1
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
failures = []
for f in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    root = ET.parse(f).getroot()
    for r in root.iterfind(".//t:UnitTestResult", ns):
        o = r.get("outcome")
        if o == "Passed": passed += 1
        elif o in ("Failed", "Error", "Timeout", "Aborted"):
            failed += 1; failures.append(r.get("testName"))
        else: skipped += 1
for name in failures[:50]:
    print("FAILED:", name)
print(f"Tests: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
PY
[ $? -ne 0 ] && rc=1
if [ $rc -ne 0 ]; then
    echo "Some test projects failed: see $results/*.log" >&2
fi
exit $rc
