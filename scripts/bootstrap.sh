#!/usr/bin/env bash
# Creates .venv and installs the pinned toolchain from requirements.txt into it.
# A repeat run with unchanged requirements does nothing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

PYTHON="${PYTHON:-python3}"
req="$FP4_ROOT/requirements.txt"
stamp="$FP4_VENV/.fp4-requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "toolchain: up to date in $FP4_VENV"
  exit 0
fi

if [[ ! -x "$FP4_VENV/bin/python" ]]; then
  "$PYTHON" -m venv "$FP4_VENV"
fi
# The wheels put their files under site-packages/{llvm,mlir}; the paths in
# scripts/env.sh assume the interpreter is Python 3.11.
pyver=$("$FP4_VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [[ "$pyver" != "3.11" ]]; then
  echo "error: $FP4_VENV uses Python $pyver; fp4-mlir expects 3.11 (set PYTHON=python3.11)" >&2
  exit 1
fi
"$FP4_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
echo "$want" > "$stamp"
echo "toolchain: installed into $FP4_VENV"
