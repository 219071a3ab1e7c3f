#!/usr/bin/env bash
# The whole lit suite (unit tests included) on the sanitized build
# (scripts/build-sanitized.sh): any ASan or UBSan report fails its test.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
FP4_SAN_BUILD="${FP4_SAN_BUILD:-$FP4_ROOT/build-san}"
bash "$FP4_ROOT/scripts/build-sanitized.sh"
export PATH="$FP4_SAN_BUILD/bin:$FP4_PATH:$PATH"
fp4_phase_start test-sanitized
status=0
"$FP4_VENV/bin/lit" -v -o "$FP4_SAN_BUILD/test/results.json" "$FP4_SAN_BUILD/test" "$@" || status=$?
fp4_phase_end
"$FP4_VENV/bin/python" - "$FP4_SAN_BUILD/test/results.json" <<'PY'
import json, sys
codes = [t["code"] for t in json.load(open(sys.argv[1]))["tests"]]
ok = sum(c in ("PASS", "XFAIL") for c in codes)
bad = sum(c in ("FAIL", "XPASS", "UNRESOLVED", "TIMEOUT") for c in codes)
print(f"lit (address,undefined): {ok} passed, {bad} failed, {len(codes) - ok - bad} skipped")
PY
exit $status
