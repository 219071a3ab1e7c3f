#!/usr/bin/env bash
# The test command: sets everything up on a fresh machine, builds, and runs
# every test (lit: FileCheck tests, numerics against the golden data,
# ptxas/SASS checks where ptxas is present).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
T0=$(date +%s)
bash "$FP4_ROOT/scripts/build.sh"

export PATH="$FP4_VENV/bin:$FP4_SITE/nvidia/cu13/bin:$PATH"
fp4_phase_start test
"$FP4_VENV/bin/lit" -v "$FP4_BUILD/test" "$@"
fp4_phase_end
echo "==> total $(( $(date +%s) - T0 )) s"
