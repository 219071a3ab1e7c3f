"""The nvfp4 dialect's ops: AmaxOp, QuantizeOp, DequantizeOp, ScaledMatmulOp
(generated from NVFP4Ops.td), plus builders that take rule spellings.

    from fp4_mlir.dialects import nvfp4
    q = nvfp4.quantize(x, rule="mse", scale_layout="tcgen05")
"""

from mlir import ir

from ._nvfp4_ops_gen import *  # noqa: F401,F403
from ._nvfp4_ops_gen import QuantizeOp

_RULES = {
    "static_6": "#nvfp4.scale_rule<static_6>",
    "static_4": "#nvfp4.scale_rule<static_4>",
    "mse": "#nvfp4.scale_rule<four_over_six, metric = mse>",
    "mae": "#nvfp4.scale_rule<four_over_six, metric = mae>",
    "abs_max": "#nvfp4.scale_rule<four_over_six, metric = abs_max>",
    "exact": "#nvfp4.scale_rule<exact>",
}


def scale_rule(spelling):
    """The #nvfp4.scale_rule attribute of a rule spelling (static_6, static_4,
    mse, mae, abs_max, search:R, exact) in the current context."""
    if spelling.startswith("search:"):
        text = f"#nvfp4.scale_rule<scale_search, radius = {spelling[7:]}>"
    elif spelling in _RULES:
        text = _RULES[spelling]
    else:
        raise ValueError(f"unknown scale rule '{spelling}' (expected static_6, "
                         "static_4, mse, mae, abs_max, search:R or exact)")
    return ir.Attribute.parse(text)


def quantize(input, *, rule="static_6", format="nvfp4", transpose=False,
             scale_layout="row_major", loc=None, ip=None):
    """Builds nvfp4.quantize of a rank-2 `input` value with the result types
    the verifier expects; returns the op (results: data, scales,
    tensor_scale)."""
    shape = ir.RankedTensorType(input.type).shape
    rows, cols = (shape[1], shape[0]) if transpose else (shape[0], shape[1])
    block = 16 if format == "nvfp4" else 32
    data = ir.RankedTensorType.get([rows, cols // 2], ir.IntegerType.get_signless(8))
    scale_type = (ir.Float8E4M3FNType.get() if format == "nvfp4"
                  else ir.Float8E8M0FNUType.get())
    if scale_layout == "tcgen05":
        scale_shape = [rows // 128, cols // block // 4, 32, 4, 4]
    else:
        scale_shape = [rows, cols // block]
    op = QuantizeOp(data, ir.RankedTensorType.get(scale_shape, scale_type),
                    ir.F32Type.get(), input, loc=loc, ip=ip)
    op.attributes["rule"] = scale_rule(rule)
    op.attributes["format"] = ir.Attribute.parse(f"#nvfp4.format<{format}>")
    op.attributes["scale_layout"] = ir.Attribute.parse(
        f"#nvfp4.scale_layout<{scale_layout}>")
    if transpose:
        op.attributes["transpose"] = ir.UnitAttr.get()
    return op
