"""Writes and checks the small models of the fp4-quantize-checkpoint tests.

  checkpoint.py make DIR          a model (model.safetensors, config.json,
                                  calibration.json) with linear layers of
                                  K = 64..272 in bf16/f16/f32, an embedding,
                                  norms, a bias and an integer buffer
  checkpoint.py bad DIR           one malformed input per error message
  checkpoint.py check IN OUT REPORT
                                  checks OUT against IN and the library (via
                                  fp4-quantize): names, dtypes and shapes of
                                  the ModelOpt layout, bytes, scales, the
                                  dequantized values bit for bit, the JSON files
"""

import json
import os
import struct
import subprocess
import sys
import tempfile

import ml_dtypes
import numpy as np

# safetensors' numpy loader names float8 dtypes as numpy attributes, which
# numpy itself lacks: ml_dtypes provides the type it means.
np.float8_e4m3fn = ml_dtypes.float8_e4m3fn
from safetensors import safe_open  # noqa: E402
from safetensors.numpy import save_file  # noqa: E402

HIDDEN, INTER, VOCAB = 64, 272, 256
BF16 = ml_dtypes.bfloat16


def make(folder):
    rng = np.random.default_rng(7)
    t = {}

    def w(name, shape, dtype, scale=0.05):
        t[name] = (rng.standard_normal(shape) * scale).astype(dtype)

    w("model.embed_tokens.weight", (VOCAB, HIDDEN), BF16)
    p = "model.layers.0."
    w(p + "self_attn.q_proj.weight", (HIDDEN, HIDDEN), BF16)
    w(p + "self_attn.k_proj.weight", (32, HIDDEN), np.float16)
    w(p + "self_attn.v_proj.weight", (32, HIDDEN), np.float32)
    w(p + "self_attn.o_proj.weight", (HIDDEN, HIDDEN), BF16)
    w(p + "self_attn.o_proj.bias", (HIDDEN,), np.float16)
    # 272 rows: three 128-row chunks, the last one partial.
    w(p + "mlp.gate_proj.weight", (INTER, HIDDEN), BF16)
    w(p + "mlp.up_proj.weight", (INTER, HIDDEN), np.float16, scale=3.0)
    w(p + "mlp.down_proj.weight", (HIDDEN, INTER), BF16)
    t[p + "mlp.up_proj.weight"][5, :] = 0  # a zero row: flushed blocks
    w(p + "input_layernorm.weight", (HIDDEN,), BF16, scale=1.0)
    w(p + "post_attention_layernorm.weight", (HIDDEN,), BF16, scale=1.0)
    w("model.norm.weight", (HIDDEN,), np.float32, scale=1.0)
    w("lm_head.weight", (VOCAB, HIDDEN), BF16)
    t["model.rotary.position_ids"] = np.arange(8, dtype=np.int64)
    save_file(t, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    config = {"architectures": ["LlamaForCausalLM"], "hidden_size": HIDDEN,
              "intermediate_size": INTER, "torch_dtype": "bfloat16"}
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f)
    modules = [n[: -len(".weight")] for n, a in t.items()
               if n.endswith(".weight") and a.ndim == 2
               and "embed" not in n and "lm_head" not in n]
    with open(os.path.join(folder, "calibration.json"), "w") as f:
        json.dump({m: 1.5 + i for i, m in enumerate(sorted(modules))}, f)


def bad(folder):
    def model(name, tensors):
        save_file(tensors, os.path.join(folder, name))

    with open(os.path.join(folder, "text.safetensors"), "w") as f:
        f.write("this is not a safetensors file\n")
    model("good.safetensors", {"l.weight": np.ones((16, 64), BF16)})
    data = open(os.path.join(folder, "good.safetensors"), "rb").read()
    with open(os.path.join(folder, "truncated.safetensors"), "wb") as f:
        f.write(data[:-100])
    header = b'{"l.weight": {"dtype": "BF16", "shape": [16, 64]'
    with open(os.path.join(folder, "badjson.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header)
    with open(os.path.join(folder, "huge.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", 1 << 40) + b"{}")
    model("oddk.safetensors", {"l.weight": np.ones((16, 63), BF16)})
    model("k40.safetensors", {"l.weight": np.ones((16, 40), np.float32)})
    model("f64.safetensors", {"l.weight": np.ones((16, 64), np.float64)})
    model("clash.safetensors", {"l.weight": np.ones((16, 64), BF16),
                                "l.weight_scale": np.ones((16, 4), np.float32)})
    with open(os.path.join(folder, "calibration-extra.json"), "w") as f:
        json.dump({"l": 2.0, "nope": 1.0}, f)
    with open(os.path.join(folder, "calibration-bad.json"), "w") as f:
        json.dump({"l": -1.0}, f)


E2M1 = np.array([0, 0.5, 1, 1.5, 2, 3, 4, 6, -0.0, -0.5, -1, -1.5, -2, -3, -4, -6],
                np.float32)
# fp4-quantize's spelling of each rule the report may show.
LIBRARY_RULE = {"four_over_six": "mse", "four_over_six:mse": "mse",
                "four_over_six:mae": "mae", "four_over_six:abs_max": "abs_max"}


def library_rule(rule):
    if rule.startswith("scale_search:"):
        return "search:" + rule.split(":")[1]
    return LIBRARY_RULE.get(rule, rule)


def decode(weight, weight_scale, weight_scale_2):
    """What a ModelOpt NVFP4 loader computes, in fp32: e2m1 * e4m3 * g."""
    codes = np.empty((weight.shape[0], weight.shape[1] * 2), np.uint8)
    codes[:, 0::2] = weight & 0xF  # the even element is the low nibble
    codes[:, 1::2] = weight >> 4
    scale = np.repeat(weight_scale.astype(np.float32), 16, axis=1)
    return (E2M1[codes] * scale) * np.float32(weight_scale_2)


def fused_group(module):
    """vLLM loads PREFIX.{q,k,v}_proj and PREFIX.{gate,up}_proj as one layer."""
    prefix, _, last = module.rpartition(".")
    for group in (("q_proj", "k_proj", "v_proj"), ("gate_proj", "up_proj")):
        if last in group:
            return prefix + "." + "".join(group)
    return None


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def check(in_dir, out_dir, report_path):
    rows = [line.split() for line in open(report_path)][1:]
    report = {r[0]: r for r in rows}
    calibration = json.load(open(os.path.join(in_dir, "calibration.json")))
    src = safe_open(os.path.join(in_dir, "model.safetensors"), "numpy")
    out = safe_open(os.path.join(out_dir, "model.safetensors"), "numpy")
    if out.metadata() != src.metadata():
        fail("metadata %r != %r" % (out.metadata(), src.metadata()))
    expected_names = set()
    quantized = copied = 0
    excluded = []
    groups = {}
    for name in src.keys():
        x = src.get_tensor(name)
        module = name[: -len(".weight")]
        if name not in report:  # copied unchanged
            y = out.get_tensor(name)
            if y.dtype != x.dtype or y.shape != x.shape or y.tobytes() != x.tobytes():
                fail(name + " is not copied unchanged")
            expected_names.add(name)
            copied += 1
            if name.endswith(".weight") and x.ndim == 2:
                excluded.append(module)
            continue
        quantized += 1
        n, k = x.shape
        weight = out.get_tensor(module + ".weight")
        scale = out.get_tensor(module + ".weight_scale")
        scale_2 = out.get_tensor(module + ".weight_scale_2")
        input_scale = out.get_tensor(module + ".input_scale")
        expected_names |= {module + s for s in
                           (".weight", ".weight_scale", ".weight_scale_2", ".input_scale")}
        for what, a, dtype, shape in (
                ("weight", weight, np.uint8, (n, k // 2)),
                ("weight_scale", scale, ml_dtypes.float8_e4m3fn, (n, k // 16)),
                ("weight_scale_2", scale_2, np.float32, ()),
                ("input_scale", input_scale, np.float32, ())):
            if a.dtype != dtype or a.shape != shape:
                fail("%s.%s is %s %s, expected %s %s" % (module, what, a.dtype, a.shape,
                                                         np.dtype(dtype), shape))
        # The library's bytes and dequantized values, from fp4-quantize.
        rule = library_rule(report[name][3])
        dtype = {np.dtype(BF16): "bf16", np.dtype(np.float16): "f16",
                 np.dtype(np.float32): "f32"}[x.dtype]
        with tempfile.TemporaryDirectory() as tmp:
            raw = os.path.join(tmp, "in")
            x.tofile(raw)
            # The amax used: the weight's own, or its fused group's.
            stdout = subprocess.run(
                ["fp4-quantize", "--input", raw, "--dtype", dtype, "--shape", "%dx%d" % (n, k),
                 "--format", "nvfp4", "--rule", rule, "--amax", report[name][4],
                 "--out-values", raw + ".v",
                 "--out-scales", raw + ".s", "--out-dequantized", raw + ".d"],
                check=True, capture_output=True, text=True).stdout
            lib_values = np.fromfile(raw + ".v", np.uint8)
            lib_scales = np.fromfile(raw + ".s", np.uint8)
            lib_deq = np.fromfile(raw + ".d", np.float32).reshape(n, k)
        g = float.fromhex(stdout.split("decode scale: ")[1].split()[0])
        if weight.tobytes() != lib_values.tobytes():
            fail(module + ".weight differs from the library's packed codes")
        if scale.view(np.uint8).tobytes() != lib_scales.tobytes():
            fail(module + ".weight_scale differs from the library's scale bytes")
        if scale_2.item() != np.float32(g):
            fail("%s.weight_scale_2 %r != library decode scale %r" % (module, scale_2.item(), g))
        group = fused_group(module)
        amaxes = [v for m, v in calibration.items() if group and fused_group(m) == group]
        amax = np.float32(max(amaxes) if group else calibration[module])
        own = np.float32(np.abs(x.astype(np.float32)).max())
        groups.setdefault(group or module, []).append((module, own, scale_2.item(),
                                                       np.float32(report[name][4])))
        expected_input = np.float32(1) / (np.float32(2688) / amax)
        if input_scale.item() != expected_input:
            fail("%s.input_scale %r != 1/(2688/%r)" % (module, input_scale.item(), amax))
        ours = decode(weight, scale, scale_2)
        if ours.view(np.uint32).tobytes() != lib_deq.view(np.uint32).tobytes():
            bad = np.argwhere(ours.view(np.uint32) != lib_deq.view(np.uint32))
            fail("%s: loader decode differs from the library at %s" % (module, bad[:4]))
        xf = x.astype(np.float64)
        rel = np.linalg.norm(ours - xf) / np.linalg.norm(xf)
        if abs(rel - float(report[name][7])) > 1e-5 * rel:
            fail("%s: report error %s, numpy %r" % (name, report[name][7], rel))
        print("%s: %s %s matches the library (rel error %.4g)" % (module, x.dtype, rule, rel))
    # A fused group: one amax (the largest of its members), one weight_scale_2.
    for group, members in groups.items():
        if len({m[2] for m in members}) != 1 or \
                any(m[3] != max(mm[1] for mm in members) for m in members):
            fail("fused group %s: %r" % (group, members))
    if sorted(len(m) for m in groups.values() if len(m) > 1) != [2, 3]:
        fail("expected the fused groups {q,k,v}_proj and {gate,up}_proj: %r" % groups)
    print("fused {q,k,v}_proj and {gate,up}_proj share weight_scale_2 and input_scale")
    if set(out.keys()) != expected_names:
        fail("unexpected output tensors %r" % (set(out.keys()) ^ expected_names))
    hf = json.load(open(os.path.join(out_dir, "hf_quant_config.json")))
    q = hf["quantization"]
    if (q["quant_algo"], q["group_size"], q["kv_cache_quant_algo"]) != ("NVFP4", 16, None) \
            or sorted(q["exclude_modules"]) != sorted(excluded) or "name" not in hf["producer"]:
        fail("hf_quant_config.json: %r" % hf)
    config = json.load(open(os.path.join(out_dir, "config.json")))
    original = json.load(open(os.path.join(in_dir, "config.json")))
    qc = config.pop("quantization_config")
    if config != original:
        fail("config.json fields changed")
    if (qc["quant_method"], qc["quant_algo"], qc["group_size"]) != ("modelopt", "NVFP4", 16) \
            or sorted(qc["ignore"]) != sorted(excluded) \
            or qc["config_groups"]["group_0"]["weights"]["num_bits"] != 4:
        fail("quantization_config: %r" % qc)
    print("quantized %d, copied %d, excluded %s" % (quantized, copied, sorted(excluded)))


if __name__ == "__main__":
    {"make": make, "bad": bad, "check": check}[sys.argv[1]](*sys.argv[2:])
