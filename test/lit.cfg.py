# lit configuration for fp4-mlir. Generated settings come from
# lit.site.cfg.py (written by CMake into the build tree).
import os

import lit.formats
import lit.util

config.name = "FP4"
config.test_format = lit.formats.ShTest(not lit.util.which("bash") is None)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.fp4_obj_root, "test")

# Variable-scoped FileCheck, as in upstream MLIR.
config.environment["FILECHECK_OPTS"] = "-enable-var-scope --allow-unused-prefixes=false"

# Our tools first, then FileCheck/not/split-file, then mlir-translate.
for d in (config.mlir_tools_dir, config.llvm_tools_dir, config.fp4_tools_dir):
    config.environment["PATH"] = os.pathsep.join((d, config.environment.get("PATH", "")))

import sys

config.substitutions.append(("%python", sys.executable))
# The golden bytes: the full Four Over Six reference data when present
# (FP4_GOLDEN_DIR, ../shared/golden/fouroversix by default), else the subset
# committed under test/golden/fouroversix (its README.md), so that the golden
# tests run on every clone. %golden_rows: rows of each input (2048 columns).
golden_full = os.path.isdir(config.fp4_golden_dir)
golden_dir = config.fp4_golden_dir if golden_full else os.path.join(
    config.fp4_src_root, "test", "golden", "fouroversix")
golden_rows = os.path.getsize(os.path.join(golden_dir, "gauss", "input.bf16")) // 4096
config.substitutions.append(("%golden_rows", str(golden_rows)))
config.substitutions.append(("%golden", golden_dir))
config.available_features.add("golden-full" if golden_full else "golden-subset")
config.substitutions.append(("%fp4_src_root", config.fp4_src_root))

# A sanitized build (FP4_SANITIZE, scripts/test-sanitized.sh): every report
# aborts its process, so the test fails. allow_user_poisoning=0: LLVM's
# BumpPtrAllocator poisons slab memory in our instrumented inline copies but
# not in the uninstrumented libMLIR's, which then writes to it (a false
# use-after-poison when both share one allocator, seen by fp4-fuzz-opt).
if config.fp4_sanitize:
    config.available_features.add("sanitizers")
    config.environment["ASAN_OPTIONS"] = "abort_on_error=1:detect_leaks=1:allow_user_poisoning=0"
    # LeakSanitizer's exit-time check stops every thread with its tracer,
    # which crashes (signal 11) while the OpenMP runtime's workers are alive:
    # the threads=openmp runs keep ASan and UBSan but not the leak check.
    config.substitutions.append(
        ("%omp_env", "env ASAN_OPTIONS=abort_on_error=1:detect_leaks=0:allow_user_poisoning=0"))
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
else:
    config.substitutions.append(("%omp_env", "env"))

if config.fp4_enable_mlir:
    config.available_features.add("mlir")
else:
    # Without MLIR only the numerics tests can run.
    config.excludes += ["Dialect", "Conversion", "Pipelines", "Toolchain", "fp4-opt"]

# The upstream mlir-opt, and the same tool with our plugins (lib/Plugins):
# tests run it with `%if mlir-opt-plugins %{ ... %}` beside their fp4-opt
# RUN lines, so both share one set of checks. No plugins in sanitized builds
# (an uninstrumented host cannot load instrumented code).
upstream_mlir_opt = os.path.join(config.mlir_tools_dir, "mlir-opt")
config.substitutions.append(("%upstream_mlir_opt", upstream_mlir_opt))
if config.fp4_build_plugins:
    config.available_features.add("mlir-opt-plugins")
    dialect_plugin = os.path.join(config.fp4_lib_dir, "FP4DialectPlugin.so")
    pass_plugin = os.path.join(config.fp4_lib_dir, "FP4PassPlugin.so")
    config.substitutions.append(("%fp4_dialect_plugin", dialect_plugin))
    config.substitutions.append(("%fp4_pass_plugin", pass_plugin))
    config.substitutions.append(("%mlir_opt_fp4", "%s --load-dialect-plugin=%s --load-pass-plugin=%s"
                                 % (upstream_mlir_opt, dialect_plugin, pass_plugin)))

# The CMake package (cmake/FP4MLIRPackage.cmake): test/Downstream installs
# this build and builds a project against it with the same toolchain. Not from
# a sanitized build, whose libraries need the sanitizer runtime to link.
if config.fp4_enable_mlir and not config.fp4_sanitize:
    config.available_features.add("cmake-package")
    config.substitutions.append(("%fp4_obj_root", config.fp4_obj_root))
    config.substitutions.append(("%cmake", config.cmake))
    config.substitutions.append(("%ninja", config.ninja))
    config.substitutions.append(("%c_compiler", config.c_compiler))
    config.substitutions.append(("%cxx_compiler", config.cxx_compiler))

# mlir-runner's C runtime (vector.print), shipped beside the MLIR tools.
runner_utils = os.path.join(config.mlir_tools_dir, "..", "lib", "libmlir_c_runner_utils.so")
if os.path.exists(runner_utils):
    config.available_features.add("mlir-runner")
    config.substitutions.append(("%mlir_c_runner_utils", os.path.normpath(runner_utils)))

# The fp4_mlir package, assembled in the build tree (python/CMakeLists.txt).
import glob

if glob.glob(os.path.join(config.fp4_python_packages, "fp4_mlir", "_fp4.*.so")):
    config.available_features.add("python-bindings")
    config.environment["PYTHONPATH"] = config.fp4_python_packages
    config.substitutions.append(("%fp4_python_packages", config.fp4_python_packages))


def add_tool_feature(feature, path):
    if path and not path.endswith("-NOTFOUND") and os.path.exists(path):
        config.available_features.add(feature)
        config.substitutions.append(("%" + feature, path))


# The fuzz targets (FP4_FUZZ): their regression inputs run in the suite.
if os.path.exists(os.path.join(config.fp4_tools_dir, "fp4-fuzz-numerics")):
    config.available_features.add("fuzzers")

add_tool_feature("ptxas", config.ptxas)
add_tool_feature("nvdisasm", config.nvdisasm)
add_tool_feature("cuobjdump", config.cuobjdump)
# The LLVM OpenMP runtime (Debian's libomp5-14) that the JIT tools load for
# nvfp4-lower-to-cpu{threads=openmp}; tests running that code REQUIRES it.
if config.fp4_enable_mlir:
    add_tool_feature("openmp", config.fp4_openmp_runtime)


# A CUDA GPU the tests can run on (none in CI): the GPU check needs it, g++
# to link its runner, and the CUDA driver.
import shutil
import subprocess

def has_cuda_gpu():
    if not shutil.which("nvidia-smi") or not shutil.which("g++"):
        return False
    try:
        listed = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return listed.returncode == 0 and "GPU " in listed.stdout

if has_cuda_gpu():
    config.available_features.add("cuda-gpu")


# The optional PyTorch front door (tools/fp4-import-torch; requirements-torch.txt,
# scripts/setup-torch.sh): the `torch` feature when FP4_TORCH_PYTHON, else
# <repo>/.venv-torch/bin/python, has torch, torch_mlir and transformers.
# %torch_python runs the tool (%fp4_import_torch).
config.substitutions.append(("%fp4_import_torch", os.path.join(
    config.fp4_src_root, "tools", "fp4-import-torch", "fp4-import-torch")))

def torch_python():
    python = os.environ.get("FP4_TORCH_PYTHON") or os.path.join(
        config.fp4_src_root, ".venv-torch", "bin", "python")
    if not os.access(python, os.X_OK):
        return None
    probe = ("import importlib.util as u, sys; sys.exit(not all(u.find_spec(m) for m in "
             "('torch', 'torch_mlir', 'transformers')))")
    try:
        found = subprocess.run([python, "-c", probe], capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return python if found.returncode == 0 else None

fp4_torch_python = torch_python()
if fp4_torch_python:
    config.available_features.add("torch")
    config.substitutions.append(("%torch_python", fp4_torch_python))
