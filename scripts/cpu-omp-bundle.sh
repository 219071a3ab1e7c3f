#!/usr/bin/env bash
# Builds the CPU OpenMP benchmark bundle here (where the toolchain is): what
# scripts/cpu-omp-run.sh needs to time the compiled quantize code serial vs
# threads=openmp on a machine with g++ and no MLIR (the 16-core device
# machine). Usage: scripts/cpu-omp-bundle.sh [OUT_DIR [ROWS COLS]]
# (default cpu-omp-bundle/, 4096 x 4096).
#   serial.o, openmp.o   the quantize kernel of every fp4-bench-lowering case,
#                        lowered with nvfp4-lower-to-cpu serial and with
#                        threads=openmp, opt/llc -O3 for x86-64-v3 (AVX2)
#   kernels.inc          their table (fp4-bench-lowering --emit)
#   libomp.so.5          the LLVM OpenMP runtime that openmp.o calls
#                        (__kmpc_*): Debian's libomp5-14, found at configure
#                        time (FP4_OPENMP_RUNTIME)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# FP4_NO_BUILD=1: use the build as it is.
[ "${FP4_NO_BUILD:-0}" = 1 ] || bash "$FP4_ROOT/scripts/build.sh"
export PATH="$FP4_PATH:$FP4_SITE/llvm/bin:$PATH"
out="${1:-$FP4_ROOT/cpu-omp-bundle}"
rows="${2:-4096}"
cols="${3:-4096}"
runtime=$(sed -n 's/^FP4_OPENMP_RUNTIME:FILEPATH=//p' "$FP4_BUILD/CMakeCache.txt")
if [[ -z "$runtime" || ! -f "$runtime" ]]; then
  echo "error: the build found no LLVM OpenMP runtime (apt-get install libomp5-14)" >&2
  exit 1
fi
mkdir -p "$out"

# module.mlir -> object with nvfp4-lower-to-cpu{threads=$2}.
compile_object() {
  local base="${3%.o}"
  fp4-opt --nvfp4-lower-to-cpu="threads=$2" "$1" -o "$base.llvm.mlir"
  mlir-translate --mlir-to-llvmir "$base.llvm.mlir" -o "$base.ll"
  opt -O3 -mtriple=x86_64-unknown-linux-gnu -mcpu=x86-64-v3 "$base.ll" \
    -o "$base.bc"
  llc -O3 -mcpu=x86-64-v3 -filetype=obj -relocation-model=pic "$base.bc" \
    -o "$3"
  rm "$base.llvm.mlir" "$base.ll" "$base.bc"
}

fp4_phase_start "cpu omp bundle: quantize kernels, serial and threads=openmp"
fp4-bench-lowering --emit "$out" "$rows" "$cols"
compile_object "$out/serial.mlir" serial "$out/serial.o"
compile_object "$out/openmp.mlir" openmp "$out/openmp.o"
rm "$out/serial.mlir" "$out/openmp.mlir"
cp -L "$runtime" "$out/libomp.so.5"
fp4_phase_end
du -sh "$out"
