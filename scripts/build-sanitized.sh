#!/usr/bin/env bash
# Builds fp4-mlir with clang, AddressSanitizer + UndefinedBehaviorSanitizer and
# the libFuzzer targets (fuzz/) into build-san/ (FP4_SAN_BUILD). clang and its
# runtime (libFuzzer, the sanitizers) come from Debian's packages, installed
# here when missing. The prebuilt LLVM/MLIR libraries stay uninstrumented.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
FP4_SAN_BUILD="${FP4_SAN_BUILD:-$FP4_ROOT/build-san}"

fp4_phase_start bootstrap
bash "$FP4_ROOT/scripts/bootstrap.sh"
# clang-14 and libclang-rt-14-dev (libFuzzer, ASan, UBSan runtimes).
if ! command -v clang++-14 >/dev/null ||
   [[ ! -f "$(clang++-14 -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null)" ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "error: clang-14 and libclang-rt-14-dev are needed (apt-get install clang-14 libclang-rt-14-dev)" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang-14 libclang-rt-14-dev >/dev/null
fi
fp4_phase_end

export PATH="$FP4_PATH:$PATH"
fp4_phase_start configure-sanitized
fp4_configure "$FP4_SAN_BUILD" \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DFP4_SANITIZE=address,undefined -DFP4_FUZZ=ON \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" -DCMAKE_C_FLAGS_RELEASE="-O1 -DNDEBUG"
fp4_phase_end

fp4_phase_start build-sanitized
"$FP4_VENV/bin/ninja" -C "$FP4_SAN_BUILD" -j "$FP4_JOBS" all "$@"
fp4_phase_end
