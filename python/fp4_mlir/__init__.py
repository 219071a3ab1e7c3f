"""fp4_mlir: Python bindings of fp4-mlir, the MLIR compiler for NVFP4/MXFP4.

Hosted by the upstream MLIR Python package: register the nvfp4 dialect in an
`mlir.ir.Context`, parse/build/print nvfp4 IR, run fp4-mlir's passes and
pipelines with `mlir.passmanager.PassManager`, compile to PTX or cubin, and
quantize numpy arrays with the numerics library (bit-identical to the
compiler's folding and lowerings).

    from mlir import ir
    import fp4_mlir

    with ir.Context() as ctx:
        fp4_mlir.register_dialects(ctx)
        module = ir.Module.parse(text)
        fp4_mlir.run_pipeline(module, "nvfp4-lower-to-cpu")

    q = fp4_mlir.quantize(x, rule="mse")   # x: float32 / bfloat16 / float16
    y = fp4_mlir.dequantize(q)
"""

from dataclasses import dataclass

import ml_dtypes
import numpy as np
from mlir import ir
from mlir.passmanager import PassManager

from . import _fp4

__all__ = [
    "QuantizedTensor",
    "compile_to_gpu",
    "dequantize",
    "gpu_binaries",
    "pack_e2m1",
    "quantize",
    "register_dialects",
    "run_pipeline",
    "unpack_e2m1",
]

from mlir._mlir_libs._mlir import globals as _globals  # noqa: E402

_fp4.register_passes()
# Ops of the nvfp4 dialect resolve to the generated classes in
# fp4_mlir.dialects.nvfp4 (QuantizeOp, ...).
_globals.append_dialect_search_prefix("fp4_mlir.dialects")


def register_dialects(context=None):
    """Makes nvfp4 and the dialects fp4-opt uses available in `context`
    (default: the current `with ir.Context()`)."""
    if context is None:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            context = ir.Context.current
    if context is None:
        raise ValueError("no MLIR context: pass one, or call inside "
                         "`with mlir.ir.Context():`")
    _fp4.register_dialects(context)


def run_pipeline(module, pipeline):
    """Runs a textual pass pipeline (e.g. "nvfp4-quantize-matmuls,
    nvfp4-lower-to-cpu") on `module` in place. Failures raise
    mlir.ir.MLIRError with the diagnostics."""
    op = module.operation if isinstance(module, ir.Module) else module
    PassManager.parse(f"builtin.module({pipeline})", context=op.context).run(op)
    return module


def gpu_binaries(module):
    """{name: bytes} of the gpu.binary ops of a compiled module."""
    return dict(_fp4.gpu_binaries(module))


def compile_to_gpu(module, format="isa", quantize_matmuls=None, chip="sm_100a"):
    """Lowers nvfp4 ops to kernels for `chip` ("sm_100a": Blackwell,
    "sm_90a": Hopper; nvfp4-lower-to-gpu) and returns {gpu module name: PTX
    text (format="isa") or cubin bytes ("bin") or fatbinary ("fatbin")}.
    With `quantize_matmuls` (a string of nvfp4-quantize-matmuls options, ""
    for the defaults) linalg matmuls are rewritten first."""
    if format not in ("isa", "bin", "fatbin"):
        raise ValueError(f"unknown format '{format}' (expected isa, bin or fatbin)")
    if chip not in ("sm_90a", "sm_100a"):
        raise ValueError(f"unknown chip '{chip}' (expected sm_90a or sm_100a)")
    if quantize_matmuls is not None and any(c in quantize_matmuls for c in "{}(),"):
        raise ValueError("quantize_matmuls takes pass options only "
                         "(e.g. \"weight-rule=exact min-k=64\")")
    stages = []
    if quantize_matmuls is not None:
        stages.append(f"nvfp4-quantize-matmuls{{{quantize_matmuls}}}")
    stages.append(f"nvfp4-lower-to-gpu{{chip={chip} format={format}}}")
    run_pipeline(module, ",".join(stages))
    binaries = gpu_binaries(module)
    if format == "isa":
        return {name: data.decode() for name, data in binaries.items()}
    return binaries


@dataclass
class QuantizedTensor:
    """An R x C matrix quantized along its rows (C) in blocks.

    values        uint8 (R, C/2): packed E2M1 codes, even column in the low
                  nibble (unpack_e2m1 gives float4_e2m1fn per element)
    scales        float8_e4m3fn (nvfp4) or float8_e8m0fnu (mxfp4): (R, C/B)
                  row-major, or (R/128, C/B/4, 32, 4, 4) for tcgen05 (flat
                  when the shape is padded)
    tensor_scale  the fp32 decode scale g: x = e2m1 * scale * g
    amax          the tensor amax used (1 for mxfp4)
    """

    values: np.ndarray
    scales: np.ndarray
    tensor_scale: float
    amax: float
    format: str
    scale_layout: str
    nan_blocks: int = 0

    @property
    def shape(self):
        return (self.values.shape[0], self.values.shape[1] * 2)


_INPUT_TYPES = {
    np.dtype(np.float32): "f32",
    np.dtype(ml_dtypes.bfloat16): "bf16",
    np.dtype(np.float16): "f16",
}


def quantize(x, rule="static_6", format="nvfp4", *, transpose=False,
             scale_layout="row_major", block_shape="row", seed=None, amax=None):
    """Quantizes the 2-D array `x` (float32, ml_dtypes.bfloat16 or float16)
    with the numerics library. `rule`: static_6, static_4, mse, mae, abs_max
    (Four Over Six with that metric), search:R or exact. `transpose`
    quantizes x.T (blocks along x's rows). `block_shape="16x16"`: 2-D tiles
    (nvfp4). `seed`: stochastic rounding with that seed. `amax`: a
    calibrated amax (nvfp4). Bad arguments raise ValueError."""
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"expected a 2-D array, got {x.ndim}-D")
    if x.dtype not in _INPUT_TYPES:
        raise ValueError(f"unsupported dtype {x.dtype} (expected float32, "
                         "bfloat16 or float16)")
    if block_shape not in ("row", "16x16"):
        raise ValueError(f"unknown block_shape '{block_shape}' (expected row or 16x16)")
    raw = np.ascontiguousarray(x).reshape(-1).view(np.uint8)
    values, scales, g, used_amax, nan_blocks = _fp4.quantize(
        raw, _INPUT_TYPES[x.dtype], x.shape[0], x.shape[1], format, rule,
        transpose, scale_layout, block_shape == "16x16", seed, amax)
    rows, cols = (x.shape[1], x.shape[0]) if transpose else x.shape
    block = 16 if format == "nvfp4" else 32
    values = values.reshape(rows, cols // 2)
    blocks = cols // block
    if scale_layout == "row_major":
        scales = scales.reshape(rows, blocks)
    elif rows % 128 == 0 and blocks % 4 == 0:
        scales = scales.reshape(rows // 128, blocks // 4, 32, 4, 4)
    scale_dtype = ml_dtypes.float8_e4m3fn if format == "nvfp4" else ml_dtypes.float8_e8m0fnu
    return QuantizedTensor(values, scales.view(scale_dtype), float(g),
                           float(used_amax), format, scale_layout, int(nan_blocks))


def dequantize(q, dtype=np.float32):
    """Decodes a QuantizedTensor: (e2m1 * scale) * tensor_scale in fp32, then
    rounded to `dtype` (float32, ml_dtypes.bfloat16 or float16)."""
    rows, cols = q.shape
    out = _fp4.dequantize(
        np.ascontiguousarray(q.values).reshape(-1).view(np.uint8),
        np.ascontiguousarray(q.scales).reshape(-1).view(np.uint8),
        rows, cols, q.format, q.scale_layout, q.tensor_scale)
    return out.reshape(rows, cols).astype(dtype)


def unpack_e2m1(values):
    """Packed uint8 (R, C/2) -> float4_e2m1fn (R, C), low nibble first."""
    values = np.asarray(values, dtype=np.uint8)
    if values.ndim != 2:
        raise ValueError(f"expected 2-D packed values, got {values.ndim}-D")
    codes = np.stack([values & 0xF, values >> 4], axis=-1)
    return codes.reshape(values.shape[0], -1).view(ml_dtypes.float4_e2m1fn)


def pack_e2m1(codes):
    """float4_e2m1fn (R, C) -> packed uint8 (R, C/2), low nibble first."""
    codes = np.asarray(codes, dtype=ml_dtypes.float4_e2m1fn)
    if codes.ndim != 2 or codes.shape[1] % 2:
        raise ValueError(f"expected a 2-D array with an even number of "
                         f"columns, got shape {codes.shape}")
    codes = codes.view(np.uint8) & 0xF
    return (codes[:, 0::2] | (codes[:, 1::2] << 4)).astype(np.uint8)
