"""Turns the benchmark module lowered by fp4-opt (nvfp4-lower-to-gpu with
format=bin, host code left on tensors/buffers) into what bench/gpu-bench.py
launches without MLIR: the cubin, and per benchmark function its kernel
launches (kernel, grid, block, dynamic shared memory, operands: buffer name,
element type and shape, or an f32 scalar) next to fp4-gpu-check emit-bench's
description of the function.
Usage: gpu-bench-manifest.py LOWERED.mlir BENCH.json OUT_DIR
"""
import json
import os
import re
import subprocess
import sys

LAUNCH = re.compile(
    r"gpu\.launch_func\s+@\w+::@(\w+) blocks in \((%\w+), (%\w+), (%\w+)\) "
    r"threads in \((%\w+), (%\w+), (%\w+)\)"
    r"(?:\s+dynamic_shared_memory_size (%\w+))?\s+args\((.*)\)"
)
CONSTANT = re.compile(r"(%\w+) = arith\.constant (-?\d+) : (?:index|i32)")
FUNC = re.compile(r"func\.func @(bench\d+)\(")


def operand(text):
    name, type_ = (t.strip() for t in text.split(" : ", 1))
    m = re.fullmatch(r"memref<((?:\d+x)+)(\w+)>", type_)
    if m:
        shape = [int(d) for d in m.group(1).rstrip("x").split("x")]
        return {"name": name, "element": m.group(2), "shape": shape}
    if type_ == "f32":
        return {"name": name, "element": "f32", "scalar": True}
    raise ValueError(f"unexpected kernel operand {text!r}")


def main():
    if len(sys.argv) != 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    lowered, described, out = sys.argv[1:]
    entries = {e["function"]: e for e in json.load(open(described))}
    function, constants = None, {}
    for line in open(lowered, encoding="utf-8"):
        if m := FUNC.search(line):
            function, constants = entries[m.group(1)], {}
            function["launches"] = []
        elif m := CONSTANT.search(line):
            constants[m.group(1)] = int(m.group(2))
        elif function is not None and (m := LAUNCH.search(line)):
            values = [constants[v] if v else 0 for v in m.groups()[1:8]]
            args = re.sub(r"\)\s*\{.*$", "", m.group(9))
            access = re.search(r"fp4\.operand_access = array<i32: ([\d, ]+)>", line)
            function["launches"].append({
                "kernel": m.group(1),
                "grid": values[0:3],
                "block": values[3:6],
                "shared_bytes": values[6],
                "operands": [operand(a) for a in args.split(", %")] if args else [],
                "access": [int(a) for a in access.group(1).split(",")] if access else [],
            })
    # "%a, %b" was split on ", %": restore the dropped sigils.
    for e in entries.values():
        for launch in e.get("launches", []):
            for o in launch["operands"]:
                o["name"] = o["name"] if o["name"].startswith("%") else "%" + o["name"]
    os.makedirs(out, exist_ok=True)
    subprocess.check_call([sys.executable, os.path.join(os.path.dirname(__file__), "..",
                           "scripts", "extract-gpu-binary.py"), lowered,
                           os.path.join(out, "kernels.cubin")])
    json.dump(list(entries.values()), open(os.path.join(out, "manifest.json"), "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
