#!/usr/bin/env bash
# Creates .venv-torch with the PyTorch front door's pinned packages
# (requirements-torch.txt: torch, torch-mlir, transformers). Optional: only
# fp4-import-torch and the lit tests that need the `torch` feature use it.
# A repeat run with unchanged requirements does nothing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

PYTHON="${PYTHON:-python3}"
venv="$FP4_ROOT/.venv-torch"
req="$FP4_ROOT/requirements-torch.txt"
stamp="$venv/.fp4-requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "torch front door: up to date in $venv"
  exit 0
fi
[[ -x "$venv/bin/python" ]] || "$PYTHON" -m venv "$venv"
# torch-mlir 20261001 ships cp311 wheels only.
pyver=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [[ "$pyver" != "3.11" ]]; then
  echo "error: $venv uses Python $pyver; torch-mlir needs 3.11 (set PYTHON=python3.11)" >&2
  exit 1
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
echo "$want" > "$stamp"
echo "torch front door: installed into $venv"
