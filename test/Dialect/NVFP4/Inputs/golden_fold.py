"""Folds a golden Four Over Six case through fp4-opt and compares the bytes.

  golden_fold.py emit CASE_DIR RULE_ATTR > in.mlir
      writes a function quantizing the case's input (an R x 2048 bf16
      constant, hex; R = 256, or 16 for the subset) with the given #nvfp4.scale_rule.
  golden_fold.py check CASE_DIR < folded.mlir
      reads fp4-opt's folded output (dense or dense_resource) and compares the packed values and scales
      with the reference's values.u8 / scales.u8; prints the mismatch counts.
"""
import os
import re
import sys


def emit(case_dir, rule):
    dist_dir = os.path.dirname(os.path.normpath(case_dir))
    raw = open(os.path.join(dist_dir, "input.bf16"), "rb").read()
    r = len(raw) // 4096
    print(f"func.func @golden() -> (tensor<{r}x1024xi8>, tensor<{r}x128xf8E4M3FN>) {{")
    print(f'  %x = arith.constant dense<"0x{raw.hex().upper()}"> : tensor<{r}x2048xbf16>')
    print(f"  %q, %s, %g = nvfp4.quantize %x {{rule = {rule}}}"
          f" : tensor<{r}x2048xbf16> -> tensor<{r}x1024xi8>, tensor<{r}x128xf8E4M3FN>")
    print(f"  return %q, %s : tensor<{r}x1024xi8>, tensor<{r}x128xf8E4M3FN>")
    print("}")


def check(case_dir):
    text = sys.stdin.read()
    if "nvfp4.quantize" in text:
        print("error: the quantize did not fold")
        return 1
    found = {}
    for hexdata, ty in re.findall(r'dense<"0x([0-9A-F]+)"> : tensor<\d+x(\d+)x', text):
        found[ty] = bytes.fromhex(hexdata)
    # Large folds are dense_resource blobs: "0x" + 4-byte alignment + bytes.
    blobs = dict(re.findall(r'^\s*(\w+): "0x[0-9A-Fa-f]{8}([0-9A-Fa-f]*)"', text, re.M))
    for name, ty in re.findall(r'dense_resource<(\w+)> : tensor<\d+x(\d+)x', text):
        found[ty] = bytes.fromhex(blobs.get(name, ""))
    ok = True
    for name, key in (("values", "1024"), ("scales", "128")):
        want = open(os.path.join(case_dir, name + ".u8"), "rb").read()
        got = found.get(key, b"")
        bad = sum(a != b for a, b in zip(got, want)) + abs(len(got) - len(want))
        print(f"{name}: {len(got)} bytes, {bad} mismatches")
        ok = ok and len(got) == len(want)
    return 0 if ok else 1


if __name__ == "__main__":
    if sys.argv[1] == "emit":
        emit(sys.argv[2], sys.argv[3])
    else:
        sys.exit(check(sys.argv[2]))
