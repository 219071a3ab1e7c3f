#!/usr/bin/env bash
# The test command: sets everything up on a fresh machine, builds, and runs
# every test (lit: FileCheck tests, numerics against the golden data,
# ptxas/SASS checks where ptxas is present).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
T0=$(date +%s)
bash "$FP4_ROOT/scripts/build.sh"

export PATH="$FP4_PATH:$PATH"
fp4_phase_start test
results="$FP4_BUILD/test/results.json"
status=0
"$FP4_VENV/bin/lit" -v -o "$results" "$FP4_BUILD/test" "$@" || status=$?
fp4_phase_end
# One plain summary line for CI.
"$FP4_VENV/bin/python" - "$results" <<'PY'
import json, sys
codes = [t["code"] for t in json.load(open(sys.argv[1]))["tests"]]
ok = sum(c in ("PASS", "XFAIL") for c in codes)
bad = sum(c in ("FAIL", "XPASS", "UNRESOLVED", "TIMEOUT") for c in codes)
print(f"lit: {ok} passed, {bad} failed, {len(codes) - ok - bad} skipped")
PY
echo "==> total $(( $(date +%s) - T0 )) s"
exit $status
