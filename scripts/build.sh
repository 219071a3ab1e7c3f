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
if [[ ! -f "$FP4_BUILD/build.ninja" ]]; then
  cmake -G Ninja -S "$FP4_ROOT" -B "$FP4_BUILD" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_MAKE_PROGRAM="$FP4_VENV/bin/ninja" \
    -DMLIR_DIR="$FP4_SITE/mlir/lib/cmake/mlir" \
    -DLLVM_DIR="$FP4_SITE/llvm/lib/cmake/llvm" \
    -DLLVM_TOOLS_DIR="$FP4_SITE/llvm/bin" \
    -DMLIR_TOOLS_DIR="$FP4_SITE/mlir/bin" \
    -DFP4_LIT="$FP4_VENV/bin/lit" \
    -DPython_EXECUTABLE="$FP4_VENV/bin/python" \
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
else
  echo "configure: reusing $FP4_BUILD"
fi
fp4_phase_end

fp4_phase_start build
"$FP4_VENV/bin/ninja" -C "$FP4_BUILD" -j "$FP4_JOBS" all mlir-doc "$@"
fp4_phase_end
