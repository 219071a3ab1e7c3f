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
fp4_lit "$FP4_SAN_BUILD" "lit (address,undefined)" "$@" || status=$?
fp4_phase_end
exit $status
