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
