#!/usr/bin/env bash
# Bootstraps the toolchain, configures (once) and builds fp4-mlir, printing how
# long each phase took. Later scripts run from the build it leaves in build/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

fp4_phase_start bootstrap
bash "$FP4_ROOT/scripts/bootstrap.sh"
fp4_phase_end

export PATH="$FP4_PATH:$PATH"

fp4_phase_start configure
fp4_configure "$FP4_BUILD" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
fp4_phase_end

fp4_phase_start build
"$FP4_VENV/bin/ninja" -C "$FP4_BUILD" -j "$FP4_JOBS" all mlir-doc "$@"
fp4_phase_end
