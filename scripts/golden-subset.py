#!/usr/bin/env python3
"""Cuts the committed golden subset (test/golden/fouroversix) out of the full
Four Over Six reference data (../shared/golden/fouroversix).

  scripts/golden-subset.py [FULL_DIR [OUT_DIR]]

For each distribution it keeps the 16 consecutive rows (one 16 x 16 tile row,
so the 2-D cases stay whole) that hold the tensor's largest |x|: the slice has
the same tensor amax, hence the same tensor scale, as the full input, and its
bytes are the reference's own bytes for those rows. Every file is a plain
byte slice of its source; meta.json gets the slice's shape, the rows it came
from, and rel_mse recomputed over the slice from the reference bytes with the
reference's dequantization (README.md of the full set). README.md of the
subset lists every file, its source and both SHA-256 sums.
"""
import hashlib
import json
import os
import sys

import ml_dtypes
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FULL = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "golden", "fouroversix")
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "test", "golden", "fouroversix")
ROWS, COLS, GROUP = 256, 2048, 16
E2M1 = np.array([0, 0.5, 1, 1.5, 2, 3, 4, 6, -0.0, -0.5, -1, -1.5, -2, -3, -4, -6], np.float64)


def sha(data):
    return hashlib.sha256(data).hexdigest()


def rel_mse(x, values, scales, meta):
    """The reference's relative MSE of the slice (full set's README.md)."""
    codes = np.stack([values & 0xF, values >> 4], axis=-1).reshape(x.shape[0], -1)
    q = E2M1[codes]
    b = meta["block_size"]
    if meta["format"] == "mxfp4":
        s = np.ldexp(1.0, scales.astype(np.int64) - 127)
        g = 1.0
    else:
        s = scales.view(ml_dtypes.float8_e4m3fn).astype(np.float64)
        amax = float.fromhex(meta["amax"])
        m = 256 if meta["scale_rule"] in ("mse", "mae", "abs_max") else 448
        qmax = 4 if meta["scale_rule"] == "static_4" else 6
        g = amax / (qmax * m)
    y = q * np.repeat(s.reshape(x.shape[0], -1), b, axis=1) * g
    return float(((y - x) ** 2).sum() / (x ** 2).sum())


def main():
    manifest = []
    for dist in ("gauss", "t3", "rows", "edge"):
        src = os.path.join(FULL, dist, "input.bf16")
        raw = open(src, "rb").read()
        x = np.frombuffer(raw, ml_dtypes.bfloat16).astype(np.float64).reshape(ROWS, COLS)
        finite = np.where(np.isfinite(x), np.abs(x), 0)
        top = int(np.unravel_index(np.argmax(finite), x.shape)[0])
        r0 = top // GROUP * GROUP
        rows = slice(r0, r0 + GROUP)
        os.makedirs(os.path.join(OUT, dist), exist_ok=True)
        cut = raw[r0 * COLS * 2:(r0 + GROUP) * COLS * 2]
        open(os.path.join(OUT, dist, "input.bf16"), "wb").write(cut)
        manifest.append((f"{dist}/input.bf16", f"{dist}/input.bf16", r0, sha(raw), sha(cut)))
        for case in sorted(os.listdir(os.path.join(FULL, dist))):
            cdir = os.path.join(FULL, dist, case)
            if not os.path.isdir(cdir):
                continue
            meta = json.load(open(os.path.join(cdir, "meta.json")))
            os.makedirs(os.path.join(OUT, dist, case), exist_ok=True)
            cut_bytes = {}
            for name in ("values.u8", "scales.u8"):
                data = open(os.path.join(cdir, name), "rb").read()
                per_row = len(data) // ROWS
                part = data[r0 * per_row:(r0 + GROUP) * per_row]
                cut_bytes[name] = part
                open(os.path.join(OUT, dist, case, name), "wb").write(part)
                manifest.append((f"{dist}/{case}/{name}", f"{dist}/{case}/{name}", r0, sha(data), sha(part)))
            meta["shape"] = [GROUP, COLS]
            meta["rel_mse"] = rel_mse(
                x[rows], np.frombuffer(cut_bytes["values.u8"], np.uint8),
                np.frombuffer(cut_bytes["scales.u8"], np.uint8), meta)
            meta["subset"] = (f"rows {r0}..{r0 + GROUP - 1} of the full {ROWS} x {COLS} case "
                              "(the 16-row group holding the tensor amax); rel_mse recomputed "
                              "over these rows from the reference bytes")
            with open(os.path.join(OUT, dist, case, "meta.json"), "w") as f:
                json.dump(meta, f, indent=1)
                f.write("\n")
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write(
            "# Golden subset of the Four Over Six reference data\n\n"
            "Cut by `scripts/golden-subset.py` from `../shared/golden/fouroversix` (the authors'\n"
            "PyTorch reference, mit-han-lab/fouroversix commit dadfad6; its README.md describes the\n"
            "layout, the cases and the reference's known behaviour). Every case of every\n"
            "distribution, 16 rows each: the 16-row group that holds the tensor's largest |x|, so the\n"
            "tensor amax (and every tensor scale) is the full input's. Each file is a byte slice of its\n"
            "source; `meta.json` has the slice's shape, its rows, and `rel_mse` recomputed over the\n"
            "slice from the reference bytes. The tests use the full set when `../shared/golden` is\n"
            "present (lit's `%golden`), this subset otherwise.\n\n"
            "| file | source (full set) | rows | sha256 of source | sha256 of slice |\n"
            "|---|---|---|---|---|\n")
        for path, source, r0, s_src, s_cut in manifest:
            f.write(f"| {path} | {source} | {r0}..{r0 + GROUP - 1} | `{s_src[:16]}` | `{s_cut[:16]}` |\n")
    print(f"golden subset: {len(manifest)} files in {OUT}")


if __name__ == "__main__":
    main()
