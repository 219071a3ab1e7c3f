#!/usr/bin/env bash
# Runs on a machine with g++ and no MLIR, from the repository root, over a
# bundle made by scripts/cpu-omp-bundle.sh:
#   scripts/cpu-omp-run.sh [BUNDLE_DIR [THREADS[,THREADS...] [REPS]]]
# Links fp4-bench-openmp from its source, the numerics library, the bundle's
# kernels and its libomp.so.5, and prints the serial vs OpenMP table (1, 2
# and each THREADS; default: every core the OpenMP runtime sees), each
# output checked against the numerics library. Exits 1 on a mismatch.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bundle="$(cd "${1:-$root/cpu-omp-bundle}" && pwd)"
cd "$bundle"
echo "==> link fp4-bench-openmp"
# The numerics library as lib/Numerics/CMakeLists.txt builds it (no fast
# math, no contraction; its AVX2 kernel with -mavx2).
flags=(-O3 -std=c++17 -ffp-contract=off -fno-fast-math -I"$root/include")
g++ "${flags[@]}" -mavx2 -c "$root/lib/Numerics/FusedKernelAVX2.cpp" \
  -o FusedKernelAVX2.o
numerics=()
for f in "$root"/lib/Numerics/*.cpp; do
  [[ "$f" == */FusedKernelAVX2.cpp ]] || numerics+=("$f")
done
g++ "${flags[@]}" -I"$root/tools/fp4-cpu-check" -I"$root/bench" -I"$bundle" \
  "$root/tools/fp4-cpu-check/fp4-bench-openmp.cpp" \
  "${numerics[@]}" FusedKernelAVX2.o serial.o openmp.o \
  -L. -l:libomp.so.5 -Wl,-rpath,'$ORIGIN' -o fp4-bench-openmp
echo "==> fp4-bench-openmp on $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
./fp4-bench-openmp ${2:+"$2"} ${3:+"$3"}
