#!/usr/bin/env bash
# Runs every fuzz target (fuzz/README.md) for SECONDS each (default 60) on the
# sanitized build (scripts/build-sanitized.sh), one after the other, and
# prints, per target, the executions, their rate, the coverage reached and
# the time. Corpora persist in build-san/fuzz/corpus/<target> (the MLIR one is
# seeded with every test/**/*.mlir, split at `// -----`). A crash, sanitizer
# report, timeout (> 30 s on one input) or allocation over the memory limit
# stops that target, leaves the input in build-san/fuzz/findings/ and makes
# this script fail.
#   scripts/fuzz.sh [SECONDS] [TARGET...]     TARGET: numerics differential opt
# FP4_FUZZ_SEED=N fixes libFuzzer's seed (CI uses 1); 0 (default) picks one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
FP4_SAN_BUILD="${FP4_SAN_BUILD:-$FP4_ROOT/build-san}"
seconds="${1:-60}"
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(numerics differential opt)

[[ "${FP4_NO_BUILD:-0}" = 1 ]] || bash "$FP4_ROOT/scripts/build-sanitized.sh"
work="$FP4_SAN_BUILD/fuzz"
mkdir -p "$work/findings" "$work/logs"

# Seeds: every MLIR test, one file per split section.
seeds="$work/seeds/opt"
rm -rf "$seeds" && mkdir -p "$seeds"
"$FP4_VENV/bin/python" - "$FP4_ROOT/test" "$seeds" <<'PY'
import os, sys, hashlib
n = 0
for d, _, files in os.walk(sys.argv[1]):
    for f in sorted(files):
        if not f.endswith(".mlir"):
            continue
        for part in open(os.path.join(d, f)).read().split("// -----"):
            name = hashlib.sha1(part.encode()).hexdigest()
            open(os.path.join(sys.argv[2], name), "w").write(part)
            n += 1
print(f"fuzz: {n} seed inputs from test/**/*.mlir")
PY

export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:allow_user_poisoning=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
printf '%-14s %12s %10s %8s %8s %8s  %s\n' target execs exec/s cov ft seconds result > "$work/summary.txt"
for t in "${targets[@]}"; do
  bin="$FP4_SAN_BUILD/bin/fp4-fuzz-$t"
  corpus="$work/corpus/$t"
  mkdir -p "$corpus"
  extra=()
  if [[ $t == opt ]]; then
    extra=(-dict="$FP4_ROOT/fuzz/nvfp4.dict" -max_len=65536 "$corpus" "$seeds")
  else
    extra=(-max_len=8192 "$corpus")
  fi
  log="$work/logs/$t.log"
  t0=$(date +%s)
  result=ok
  "$bin" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 \
    -seed="${FP4_FUZZ_SEED:-0}" \
    -print_final_stats=1 -artifact_prefix="$work/findings/$t-" "${extra[@]}" \
    > "$log" 2>&1 || { result="FINDING (see $log)"; status=1; }
  elapsed=$(( $(date +%s) - t0 ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  printf '%-14s %12s %10s %8s %8s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" \
    "${cov:-?}" "${ft:-?}" "$elapsed" "$result" >> "$work/summary.txt"
done
cat "$work/summary.txt"
exit $status
