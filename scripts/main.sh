#!/usr/bin/env bash
# The main job: sets everything up on a fresh machine, builds fp4-mlir, folds
# a constant weight's quantization, compiles an NVFP4 layer for the host CPU
# (nvfp4-lower-to-cpu) and runs it, compiles the sm_100a example through
# fp4-opt to PTX and a cubin, showing the Blackwell instructions in the
# result, compiles the same example for Hopper (sm_90a, the GPU the project
# runs on: scripts/gpu-bundle.sh, scripts/gpu-run.sh), and compiles the
# example models (generated MLP block and decoder layer) end to end for
# sm_100a and the CPU, with a report of what became NVFP4, and runs them on
# the CPU. Outputs go to build/examples/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$FP4_ROOT/scripts/build.sh"
export PATH="$FP4_PATH:$PATH"

out="$FP4_BUILD/examples"
mkdir -p "$out"

fp4_phase_start "fold examples/quantize-constant.mlir"
fp4-opt "$FP4_ROOT/examples/quantize-constant.mlir" -canonicalize \
  -o "$out/quantize-constant.folded.mlir"
echo "--- the constant weight's quantize folded to packed E2M1 bytes + E4M3 scales:"
cat "$out/quantize-constant.folded.mlir"
fp4_phase_end

fp4_phase_start "compile and run examples/cpu-quantize-matmul.mlir on the CPU"
fp4-opt --nvfp4-lower-to-cpu "$FP4_ROOT/examples/cpu-quantize-matmul.mlir" \
  -o "$out/cpu-quantize-matmul.llvm.mlir"
mlir-translate --mlir-to-llvmir "$out/cpu-quantize-matmul.llvm.mlir" \
  -o "$out/cpu-quantize-matmul.ll"
echo "--- LLVM IR for the host CPU: $out/cpu-quantize-matmul.ll; running it:"
mlir-runner -e main -entry-point-result=void \
  -shared-libs="$FP4_SITE/mlir/lib/libmlir_c_runner_utils.so" \
  "$out/cpu-quantize-matmul.llvm.mlir"
fp4_phase_end

example="$FP4_ROOT/examples/sm100a-scaled-matmul.mlir"

fp4_phase_start "compile $(basename "$example") for sm_100a"
fp4-opt "$example" --nvfp4-lower-to-sm100a -o "$out/sm100a.isa.mlir"
# The PTX is the string payload of the gpu.binary; unescape it to a file.
"$FP4_VENV/bin/python" "$FP4_ROOT/scripts/extract-gpu-binary.py" \
  "$out/sm100a.isa.mlir" "$out/sm100a.ptx"
echo "--- PTX ($out/sm100a.ptx): kernels and their Blackwell instructions:"
grep -oE '^\.(target|version) [a-z0-9_.]+|\.entry [a-z0-9_]+|tcgen05\.(mma|cp)[a-z0-9_:.]*|cvt\.rn\.satfinite\.[a-z0-9]+\.f32' \
  "$out/sm100a.ptx" | sort | uniq -c
if command -v ptxas >/dev/null; then
  ptxas -arch=sm_100a -v "$out/sm100a.ptx" -o "$out/sm100a.cubin" 2>&1 \
    | grep -E "Compiling entry|spill"
  echo "--- cubin ($out/sm100a.cubin): $(stat -c %s "$out/sm100a.cubin") bytes"
  if command -v cuobjdump >/dev/null; then
    cuobjdump -sass "$out/sm100a.cubin" \
      | grep -oE 'UTCOMMA(\.4X)?|UTCCP[.A-Za-z0-9]*|LDTM\.x[0-9]+|F2FP\.SATFINITE\.E(2M1|4M3)[.A-Z0-9_]*' \
      | sort | uniq -c
  fi
else
  echo "ptxas not found: skipping the cubin"
fi
fp4_phase_end

fp4_phase_start "compile $(basename "$example") for sm_90a (Hopper)"
# The same ops for the H200: quantize with the portable E2M1 code, the
# matmul on mma.sync; scripts/gpu-bundle.sh + gpu-run.sh run them there.
fp4-opt "$example" --nvfp4-lower-to-gpu=chip=sm_90a -o "$out/sm90a.isa.mlir"
"$FP4_VENV/bin/python" "$FP4_ROOT/scripts/extract-gpu-binary.py" \
  "$out/sm90a.isa.mlir" "$out/sm90a.ptx"
grep -oE '^\.target [a-z0-9_]+|\.entry [a-z0-9_]+|mma\.sync\.aligned\.[a-z0-9.]+|cvt\.rn\.satfinite\.[a-z0-9]+\.f32' \
  "$out/sm90a.ptx" | sort | uniq -c
if command -v ptxas >/dev/null && command -v cuobjdump >/dev/null; then
  ptxas -arch=sm_90a -v "$out/sm90a.ptx" -o "$out/sm90a.cubin" 2>&1 \
    | grep -E "Compiling entry|spill"
  cuobjdump -sass "$out/sm90a.cubin" \
    | grep -oE 'HMMA\.16816\.F32\.BF16|LDSM\.16\.M88\.4|F2FP\.SATFINITE\.E4M3[.A-Z0-9_]*' \
    | sort | uniq -c
fi
fp4_phase_end

# The example models: linalg on tensors, bf16 weights as dense_resource blobs
# written by examples/models/generate.py.
models="$out/models"
fp4_phase_start "generate the example models"
"$FP4_VENV/bin/python" "$FP4_ROOT/examples/models/generate.py" "$models"
ls -l "$models"
fp4_phase_end

binary_format=isa
command -v ptxas >/dev/null && binary_format=bin
for model in mlp decoder; do
  fp4_phase_start "compile the $model model (nvfp4-quantize-matmuls) for sm_100a and the CPU"
  # The report: one remark per matmul, what it became and why.
  # The kernels become a cubin (PTX without ptxas), the rest of the model
  # host code calling the GPU runtime: one LLVM IR module.
  fp4-opt "$models/$model.mlir" --nvfp4-quantize-matmuls=report \
    --nvfp4-lower-to-sm100a="format=$binary_format host=true" \
    --mlir-print-op-on-diagnostic=false \
    -o "$models/$model.sm100a.mlir" 2>&1 \
    | sed -E 's/^.*remark: loc\("([^"]*)"\): /  \1: /'
  mlir-translate --mlir-to-llvmir "$models/$model.sm100a.mlir" \
    -o "$models/$model.sm100a.ll"
  echo "--- sm_100a ($binary_format kernels + host LLVM IR): $models/$model.sm100a.ll," \
    "$(grep -c 'call void @mgpuLaunchKernel' "$models/$model.sm100a.ll") kernel launches"
  fp4-opt "$models/$model.mlir" \
    --nvfp4-quantize-matmuls="scale-layout=row_major" --nvfp4-lower-to-cpu \
    --mlir-print-op-on-diagnostic=false -o "$models/$model.cpu.mlir" 2>/dev/null
  mlir-translate --mlir-to-llvmir "$models/$model.cpu.mlir" -o "$models/$model.ll"
  echo "--- CPU: LLVM IR in $models/$model.ll; running it three ways (f32, NVFP4, library reference):"
  bound=0.30
  [ "$model" = decoder ] && bound=0.40
  fp4-model-check "$models/$model.mlir" --bound "$bound"
  fp4_phase_end
done
