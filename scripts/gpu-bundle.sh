#!/usr/bin/env bash
# Builds the GPU bundle here (where the toolchain is): everything that
# scripts/gpu-run.sh needs on a machine with an NVIDIA Hopper GPU and no
# MLIR. Usage: scripts/gpu-bundle.sh [OUT_DIR] (default gpu-bundle/).
#   cases.o                    every fp4-gpu-check case (fp4-gpu-check emit),
#                              compiled with nvfp4-lower-to-gpu{chip=sm_90a
#                              format=bin host=true}: host code + the cubin
#   libmlir_cuda_runtime.so    the MLIR CUDA runtime wrappers of the pinned
#                              package (needs only the driver)
#   golden/*/input.bf16        the golden inputs the quantize check reads
#   bench/                     the benchmark kernels (bench/gpu-bench.py)
#   attention-table.o          every configuration of fp4-bench-attention's
#                              accuracy table as a compiled nvfp4.attention
#                              (fp4-bench-attention --emit-gpu)
#   models/NAME.o, NAME.*      the example MLP and decoder layer compiled
#                              for sm_90a, their input and the same NVFP4
#                              model's output on the CPU (fp4-model-check)
# The recipe is the deployment recipe for any compiled module (docs/gpu.md).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# FP4_NO_BUILD=1: use the build as it is (the lit test does); FP4_NO_BENCH=1:
# leave out the benchmark kernels.
[ "${FP4_NO_BUILD:-0}" = 1 ] || bash "$FP4_ROOT/scripts/build.sh"
export PATH="$FP4_PATH:$FP4_SITE/llvm/bin:$PATH"
out="${1:-$FP4_ROOT/gpu-bundle}"
# The full reference inputs when present, else the committed subset.
golden="${FP4_GOLDEN_DIR:-$FP4_ROOT/../shared/golden/fouroversix}"
[ -d "$golden" ] || golden="$FP4_ROOT/test/golden/fouroversix"
mkdir -p "$out/golden"

# module.mlir -> object: the GPU pipeline, LLVM IR, host machine code.
compile_object() {
  fp4-opt --nvfp4-lower-to-gpu="chip=sm_90a format=bin host=true" "$1" \
    -o "${2%.o}.llvm.mlir"
  mlir-translate --mlir-to-llvmir "${2%.o}.llvm.mlir" -o "${2%.o}.ll"
  llc -O2 -filetype=obj -relocation-model=pic "${2%.o}.ll" -o "$2"
  rm "${2%.o}.llvm.mlir" "${2%.o}.ll"
}

fp4_phase_start "gpu bundle: the check's cases for sm_90a"
for dist in gauss t3 rows edge; do
  mkdir -p "$out/golden/$dist"
  cp "$golden/$dist/input.bf16" "$out/golden/$dist/"
done
fp4-gpu-check emit "$out/golden" "$out/cases.mlir"
compile_object "$out/cases.mlir" "$out/cases.o"
cp "$FP4_SITE/mlir/lib/libmlir_cuda_runtime.so" "$out/"
fp4_phase_end

if [ "${FP4_NO_BENCH:-0}" != 1 ]; then
fp4_phase_start "gpu bundle: the benchmark kernels for sm_90a"
mkdir -p "$out/bench"
fp4-gpu-check emit-bench "$out/bench/bench.mlir" "$out/bench/bench.json"
fp4-opt --nvfp4-lower-to-gpu="chip=sm_90a format=bin" "$out/bench/bench.mlir" \
  -o "$out/bench/bench.lowered.mlir"
"$FP4_VENV/bin/python" "$FP4_ROOT/bench/gpu-bench-manifest.py" \
  "$out/bench/bench.lowered.mlir" "$out/bench/bench.json" "$out/bench"
rm "$out/bench/bench.lowered.mlir"
fp4_phase_end
fi

if [ "${FP4_NO_BENCH:-0}" != 1 ]; then
fp4_phase_start "gpu bundle: the attention accuracy table for sm_90a"
fp4-bench-attention --emit-gpu "$out/attention-table.mlir"
compile_object "$out/attention-table.mlir" "$out/attention-table.o"
rm "$out/attention-table.mlir"
fp4_phase_end
fi

fp4_phase_start "gpu bundle: the example models for sm_90a"
mkdir -p "$out/models"
"$FP4_VENV/bin/python" "$FP4_ROOT/examples/models/generate.py" "$out/models"
# The example decoder with NVFP4 attention (nvfp4-quantize-attention).
cp "$out/models/decoder.mlir" "$out/models/decoder-attention.mlir"
fp4-model-check "$out/models/decoder-attention.mlir" --bound 0.5 \
  --attention "" --gpu-bundle "$out/models" > /dev/null
compile_object "$out/models/decoder-attention.mlir" "$out/models/decoder-attention.o"
rm "$out/models/decoder-attention.mlir"
# One nvfp4.attention (B 1, H 8, L 1024, D 128, causal, bf16) for the
# throughput comparison with torch's scaled_dot_product_attention
# (bench/gpu-attention-sdpa.py).
cp "$FP4_ROOT/bench/attention-bench.mlir" "$out/models/attention-bench.mlir"
fp4-model-check "$out/models/attention-bench.mlir" --bound 0.5 \
  --gpu-bundle "$out/models" > /dev/null
compile_object "$out/models/attention-bench.mlir" "$out/models/attention-bench.o"
rm "$out/models/attention-bench.mlir"
for model in mlp decoder; do
  fp4-model-check "$out/models/$model.mlir" --bound 0.5 \
    --gpu-bundle "$out/models" > /dev/null
  # fp4-model-check rewrote the model (nvfp4-quantize-matmuls) in place.
  compile_object "$out/models/$model.mlir" "$out/models/$model.o"
  rm "$out/models/$model.mlir"
done
# The models imported from PyTorch (test/Models/torch), on their saved
# inputs: the Llama decoder layer (bf16, GQA, i1 causal mask) and its MLP.
torch_models="$FP4_ROOT/test/Models/torch"
for model in mlp decoder-layer; do
  # The bundle is named after the file: torch-NAME.
  cp "$torch_models/$model.mlir" "$out/models/torch-$model.mlir"
  fp4-model-check "$out/models/torch-$model.mlir" --bound 0.5 \
    --io "$torch_models/$model.io.json" --gpu-bundle "$out/models" > /dev/null
  compile_object "$out/models/torch-$model.mlir" "$out/models/torch-$model.o"
  rm "$out/models/torch-$model.mlir"
done
# The imported decoder layer with NVFP4 attention (nvfp4-quantize-attention).
cp "$torch_models/decoder-layer.mlir" "$out/models/torch-decoder-attention.mlir"
fp4-model-check "$out/models/torch-decoder-attention.mlir" --bound 0.5 \
  --io "$torch_models/decoder-layer.io.json" --attention "" \
  --gpu-bundle "$out/models" > /dev/null
compile_object "$out/models/torch-decoder-attention.mlir" \
  "$out/models/torch-decoder-attention.o"
rm "$out/models/torch-decoder-attention.mlir"
fp4_phase_end
du -sh "$out"
