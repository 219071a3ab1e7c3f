# Run by ../fresh-venv.test with the fresh venv's python: import the package,
# quantize, and report where the shared libraries were loaded from.
import os
import sys

import numpy as np

import fp4_mlir

venv = os.path.realpath(sys.argv[1])
print("values", fp4_mlir.quantize(np.ones((2, 16), np.float32), "mse").values.tolist())
with open("/proc/self/maps") as maps:
    paths = {line.split()[-1] for line in maps if "/" in line}
for name in ("libLLVM.so", "libMLIRPythonCAPI.so"):
    loaded = [p for p in paths if os.path.basename(p) == name]
    print(f"{name} from the fresh venv:",
          bool(loaded) and all(os.path.realpath(p).startswith(venv) for p in loaded))
print("fp4_mlir from the fresh venv:",
      os.path.realpath(fp4_mlir.__file__).startswith(venv))
