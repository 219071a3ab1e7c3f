#!/usr/bin/env bash
# Runs on the GPU machine (CUDA driver, g++, no MLIR), from the repository
# root, over a bundle made by scripts/gpu-bundle.sh:
#   scripts/gpu-run.sh [BUNDLE_DIR]
# Links fp4-gpu-check from its sources, the numerics library and the
# bundle's cases.o, runs it (every case against the numerics library), then
# the models, the attention accuracy table (fp4-bench-attention --gpu) and
# the benchmarks (bench/gpu-bench.py, PyTorch for the baselines) when the
# bundle has them. Results go to $FP4_GPU_OUT (default: the bundle).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bundle="$(cd "${1:-$root/gpu-bundle}" && pwd)"
cd "$bundle"
# libmlir_cuda_runtime.so lists libLLVM.so as NEEDED but uses none of it: an
# empty stand-in beside it satisfies the loader.
gcc -shared -o libLLVM.so -x c /dev/null
echo "==> link fp4-gpu-check"
g++ -O3 -std=c++17 -ffp-contract=off -fno-fast-math \
  -I"$root/include" -I"$root/tools/fp4-cpu-check" \
  "$root/tools/fp4-gpu-check/fp4-gpu-check.cpp" \
  "$root/tools/fp4-cpu-check/AttentionChecks.cpp" \
  "$root/tools/fp4-cpu-check/Checks.cpp" \
  "$root/tools/fp4-cpu-check/KernelSource.cpp" \
  "$root/tools/fp4-gpu-check/MemRefCopy.cpp" \
  "$root"/lib/Numerics/*.cpp cases.o \
  -L. -lmlir_cuda_runtime -ldl -rdynamic -Wl,-rpath,'$ORIGIN' \
  -o fp4-gpu-check
results="${FP4_GPU_OUT:-$bundle}"
status=0
echo "==> fp4-gpu-check run"
./fp4-gpu-check run golden | tee "$results/gpu-check.log" || status=1
for model in models/*.o; do
  [ -e "$model" ] || continue
  name="${model%.o}"
  g++ -O2 -std=c++17 -I"$root/include" -I"$root/tools/fp4-cpu-check" \
    "$root/tools/fp4-gpu-check/fp4-gpu-model.cpp" \
    "$root/tools/fp4-cpu-check/ModelIO.cpp" "$root/lib/Numerics/Float16.cpp" \
    "$root/tools/fp4-gpu-check/MemRefCopy.cpp" \
    "$name.call.cpp" "$model" \
    -L. -lmlir_cuda_runtime -Wl,-rpath,"$bundle" -o "$name.run"
  echo "==> $(basename "$name") model on the GPU"
  "./$name.run" "$name" | tee -a "$results/gpu-models.log" || status=1
done
if [ -x models/attention-bench.run ]; then
  echo "==> attention throughput: nvfp4.attention (sm_90a) vs torch SDPA"
  FP4_GPU_MODEL_REPEAT=5 ./models/attention-bench.run models/attention-bench \
    > "$results/attention-bench.log" || status=1
  python3 "$root/bench/gpu-attention-sdpa.py" "$results/attention-bench.log" \
    | tee -a "$results/attention-bench.log" || status=1
fi
if [ -f attention-table.o ]; then
  echo "==> attention accuracy table: fp4-bench-attention --gpu"
  g++ -O2 -std=c++17 -ffp-contract=off -fno-fast-math \
    -I"$root/include" -I"$root/tools/fp4-cpu-check" \
    "$root/bench/fp4-bench-attention.cpp" \
    "$root/tools/fp4-cpu-check/KernelSource.cpp" \
    "$root/tools/fp4-gpu-check/MemRefCopy.cpp" \
    "$root"/lib/Numerics/*.cpp attention-table.o \
    -L. -lmlir_cuda_runtime -ldl -rdynamic -Wl,-rpath,'$ORIGIN' \
    -o fp4-bench-attention
  ./fp4-bench-attention --gpu | tee "$results/attention-table-gpu.log" \
    || status=1
fi
if [ -f bench/manifest.json ]; then
  echo "==> bench/gpu-bench.py"
  PYTHONUNBUFFERED=1 python3 "$root/bench/gpu-bench.py" bench \
    --out "$results/gpu-bench.json" || status=1
fi
exit $status
