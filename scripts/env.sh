# Sourced by the other scripts: where things live, and phase timing.
FP4_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FP4_VENV="${FP4_VENV:-$FP4_ROOT/.venv}"
FP4_BUILD="${FP4_BUILD:-$FP4_ROOT/build}"
FP4_JOBS="${FP4_JOBS:-2}"
FP4_SITE="$FP4_VENV/lib/python3.11/site-packages"
# Our tools, then the toolchain (lit, ninja, mlir-translate, mlir-runner,
# cuobjdump, nvdisasm).
FP4_PATH="$FP4_BUILD/bin:$FP4_VENV/bin:$FP4_SITE/mlir/bin:$FP4_SITE/nvidia/cu13/bin"

fp4_phase_start() { FP4_PHASE="$1"; FP4_PHASE_T0=$(date +%s%N); echo "==> $1"; }
fp4_phase_end() {
  local ms=$(( ($(date +%s%N) - FP4_PHASE_T0) / 1000000 ))
  printf '==> %s took %d.%01d s\n' "$FP4_PHASE" $((ms / 1000)) $(((ms % 1000) / 100))
}

# Configures build folder $1 once (Ninja, the pinned toolchain); extra CMake
# arguments follow. A configured folder is reused as it is.
fp4_configure() {
  local dir="$1"
  shift
  if [[ -f "$dir/build.ninja" ]]; then
    echo "configure: reusing $dir"
    return
  fi
  cmake -G Ninja -S "$FP4_ROOT" -B "$dir" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_MAKE_PROGRAM="$FP4_VENV/bin/ninja" \
    -DMLIR_DIR="$FP4_SITE/mlir/lib/cmake/mlir" \
    -DLLVM_DIR="$FP4_SITE/llvm/lib/cmake/llvm" \
    -DLLVM_TOOLS_DIR="$FP4_SITE/llvm/bin" \
    -DMLIR_TOOLS_DIR="$FP4_SITE/mlir/bin" \
    -DFP4_LIT="$FP4_VENV/bin/lit" \
    -DPython_EXECUTABLE="$FP4_VENV/bin/python" "$@" >/dev/null
}

# Runs lit on build folder $1 (label $2 for the summary; more lit arguments
# follow) and prints one plain summary line; returns lit's status.
fp4_lit() {
  local dir="$1" label="$2" status=0
  shift 2
  "$FP4_VENV/bin/lit" -v -o "$dir/test/results.json" "$dir/test" "$@" || status=$?
  "$FP4_VENV/bin/python" - "$dir/test/results.json" "$label" <<'PY'
import json, sys
codes = [t["code"] for t in json.load(open(sys.argv[1]))["tests"]]
ok = sum(c in ("PASS", "XFAIL") for c in codes)
bad = sum(c in ("FAIL", "XPASS", "UNRESOLVED", "TIMEOUT") for c in codes)
print(f"{sys.argv[2]}: {ok} passed, {bad} failed, {len(codes) - ok - bad} skipped")
PY
  return $status
}
