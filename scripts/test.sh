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
status=0
fp4_lit "$FP4_BUILD" lit "$@" || status=$?
fp4_phase_end
echo "==> total $(( $(date +%s) - T0 )) s"
exit $status
