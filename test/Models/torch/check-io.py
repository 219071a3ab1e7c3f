"""Checks fp4-import-torch outputs without torch: for each NAME.io.json, that
every .bin file it names holds exactly prod(shape) elements of its dtype and
that @forward in NAME.mlir takes and returns those tensor types, in order.
Prints one line per model; exits 1 on the first mismatch.
Usage: check-io.py NAME.io.json..."""

import json
import os
import re
import sys

SIZES = {"bf16": 2, "f16": 2, "f32": 4, "f64": 8, "i64": 8, "i32": 4, "i16": 2,
         "i8": 1, "u8": 1, "i1": 1}
MLIR = {"u8": "ui8"}


def tensor_type(entry):
    dims = "".join("{}x".format(d) for d in entry["shape"])
    return "tensor<{}{}>".format(dims, MLIR.get(entry["dtype"], entry["dtype"]))


def check(io_path):
    folder = os.path.dirname(io_path)
    name = os.path.basename(io_path)[:-len(".io.json")]
    with open(io_path) as f:
        io = json.load(f)
    if io.get("entry") != "forward":
        return "entry is {!r}, not 'forward'".format(io.get("entry"))
    for key in ("torch", "torch_mlir", "seed", "source"):
        if key not in io:
            return "no '{}'".format(key)
    for entry in io["inputs"] + io["outputs"]:
        path = os.path.join(folder, entry["file"])
        count = 1
        for d in entry["shape"]:
            count *= d
        want = count * SIZES[entry["dtype"]]
        if not os.path.isfile(path):
            return "{} is missing".format(entry["file"])
        if os.path.getsize(path) != want:
            return "{} has {} bytes, {} {} wants {}".format(
                entry["file"], os.path.getsize(path), entry["shape"], entry["dtype"], want)
    with open(os.path.join(folder, name + ".mlir")) as f:
        text = f.read()
    m = re.search(r"func\.func @forward\((.*?)\)\s*(?:->\s*(\(.*?\)|[^{\s]+))?\s*\{", text)
    if not m:
        return "{}.mlir has no @forward".format(name)
    args = re.findall(r"tensor<[^>]*>", m.group(1))
    results = re.findall(r"tensor<[^>]*>", m.group(2) or "")
    ins = [tensor_type(e) for e in io["inputs"]]
    outs = [tensor_type(e) for e in io["outputs"]]
    if (args, results) != (ins, outs):
        return "@forward is ({}) -> ({}), io.json says ({}) -> ({})".format(
            ", ".join(args), ", ".join(results), ", ".join(ins), ", ".join(outs))
    print("{}: @forward({}) -> {}: {} input and {} output files, sizes ok; torch {}, "
          "torch-mlir {}, seed {}".format(name, ", ".join(ins), ", ".join(outs), len(ins),
                                          len(outs), io["torch"], io["torch_mlir"], io["seed"]))
    return None


for path in sys.argv[1:]:
    error = check(path)
    if error:
        sys.exit("check-io.py: {}: {}".format(path, error))
