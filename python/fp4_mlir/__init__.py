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

# The numerics library's largest tensor (BlockQuantize.cpp); checked before
# an array is copied, so that a huge view fails fast instead of allocating.
_MAX_ELEMENTS = 1 << 40


def _text(name, value):
    """`value` as the text argument `name`: TypeError unless a str,
    ValueError for text that has no UTF-8 form (lone surrogates)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError(f"{name} {value!r} is not valid text") from None
    return value


def _real(name, value):
    """`value` as the number argument `name`, rounded to float32 (+-inf when
    out of its range): TypeError unless an int or float (bool is neither)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    try:
        with np.errstate(over="ignore"):
            return float(np.float32(value))
    except OverflowError:  # an int beyond any float
        return float("inf") if value > 0 else float("-inf")


def _check_size(rows, cols):
    if rows * cols > _MAX_ELEMENTS:
        raise ValueError(f"the tensor is too large ({rows} x {cols}, more than "
                         "2^40 elements)")


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
    # (ir._Context: the class of every context, ir.Context its subclass.)
    if not isinstance(context, getattr(ir, "_Context", ir.Context)):
        raise TypeError(f"context must be an mlir.ir.Context, got {type(context).__name__}")
    _fp4.register_dialects(context)


def run_pipeline(module, pipeline):
    """Runs a textual pass pipeline (e.g. "nvfp4-quantize-matmuls,
    nvfp4-lower-to-cpu") on `module` in place. Failures raise
    mlir.ir.MLIRError with the diagnostics; a module that does not verify
    (passes assume verified IR) raises ValueError."""
    op = module.operation if isinstance(module, ir.Module) else module
    if not isinstance(op, (ir.Operation, ir.OpView)):
        raise TypeError("module must be an mlir.ir.Module or Operation, got "
                        f"{type(module).__name__}")
    if op.operation.name != "builtin.module":
        raise ValueError(f"module must be a builtin.module, got {op.operation.name}")
    _text("pipeline", pipeline)
    try:
        op.verify()
    except ir.MLIRError as error:
        raise ValueError(f"the module does not verify: {error}") from None
    pm = PassManager.parse(f"builtin.module({pipeline})", context=op.context)
    # (Not pm.run(op): it aborts the interpreter when a pass emits an error
    # but succeeds; such errors are failures here.)
    succeeded, errors = _fp4.run_pass_manager(pm, op.operation)
    if not succeeded or errors:
        raise ir.MLIRError("Failure while executing pass pipeline" if not succeeded
                           else "Errors while executing pass pipeline",
                           [_Diagnostic(*error) for error in errors])
    return module


class _Diagnostic:
    """An error of a pass pipeline, with the fields of ir.DiagnosticInfo
    that MLIRError shows."""

    def __init__(self, location, message, notes=()):
        self.severity = ir.DiagnosticSeverity.ERROR
        self.location, self.message = location, message
        self.notes = [_Diagnostic(*note) for note in notes]


def gpu_binaries(module):
    """{name: bytes} of the gpu.binary ops of a compiled module."""
    if not isinstance(module, ir.Module):
        raise TypeError(f"module must be an mlir.ir.Module, got {type(module).__name__}")
    return dict(_fp4.gpu_binaries(module))


def compile_to_gpu(module, format="isa", quantize_matmuls=None, chip="sm_100a"):
    """Lowers nvfp4 ops to kernels for `chip` ("sm_100a": Blackwell,
    "sm_90a": Hopper; nvfp4-lower-to-gpu) and returns {gpu module name: PTX
    text (format="isa") or cubin bytes ("bin") or fatbinary ("fatbin")}.
    With `quantize_matmuls` (a string of nvfp4-quantize-matmuls options, ""
    for the defaults) linalg matmuls are rewritten first."""
    if _text("format", format) not in ("isa", "bin", "fatbin"):
        raise ValueError(f"unknown format '{format}' (expected isa, bin or fatbin)")
    if _text("chip", chip) not in ("sm_90a", "sm_100a"):
        raise ValueError(f"unknown chip '{chip}' (expected sm_90a or sm_100a)")
    if quantize_matmuls is not None and any(
            c in _text("quantize_matmuls", quantize_matmuls) for c in "{}(),"):
        raise ValueError("quantize_matmuls takes pass options only "
                         "(e.g. \"weight-rule=exact min-k=64\")")
    if not isinstance(module, ir.Module):
        raise TypeError(f"module must be an mlir.ir.Module, got {type(module).__name__}")
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
        if np.ndim(self.values) != 2:
            raise ValueError("QuantizedTensor.values must be a 2-D array, got "
                             f"{np.ndim(self.values)}-D")
        return (np.shape(self.values)[0], np.shape(self.values)[1] * 2)


_INPUT_TYPES = {
    np.dtype(np.float32): "f32",
    np.dtype(ml_dtypes.bfloat16): "bf16",
    np.dtype(np.float16): "f16",
}
_SCALE_TYPES = {
    "nvfp4": np.dtype(ml_dtypes.float8_e4m3fn),
    "mxfp4": np.dtype(ml_dtypes.float8_e8m0fnu),
}


def _scale_shape(rows, cols, format, scale_layout):
    """The shape quantize() gives the scales of an R x C tensor."""
    blocks = cols // (16 if format == "nvfp4" else 32)
    if scale_layout == "row_major":
        return (rows, blocks)
    if rows % 128 == 0 and blocks % 4 == 0:
        return (rows // 128, blocks // 4, 32, 4, 4)
    return (-(-rows // 128) * 128 * (-(-blocks // 4) * 4),)


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
    for name, value in (("rule", rule), ("format", format),
                        ("scale_layout", scale_layout), ("block_shape", block_shape)):
        _text(name, value)
    if block_shape not in ("row", "16x16"):
        raise ValueError(f"unknown block_shape '{block_shape}' (expected row or 16x16)")
    if not isinstance(transpose, (bool, np.bool_)):
        raise TypeError(f"transpose must be a bool, got {type(transpose).__name__}")
    if seed is not None:
        if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
        if not 0 <= int(seed) < 2**64:
            raise ValueError(f"seed must be in [0, 2^64), got {seed}")
        seed = int(seed)
    if amax is not None:
        amax = _real("amax", amax)
    _check_size(*x.shape)
    raw = np.ascontiguousarray(x).reshape(-1).view(np.uint8)
    values, scales, g, used_amax, nan_blocks = _fp4.quantize(
        raw, _INPUT_TYPES[x.dtype], x.shape[0], x.shape[1], format, rule,
        bool(transpose), scale_layout, block_shape == "16x16", seed, amax)
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
    if not isinstance(q, QuantizedTensor):
        raise TypeError(f"expected a QuantizedTensor, got {type(q).__name__}")
    try:
        dtype = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"bad dtype: {error}") from None
    if dtype not in _INPUT_TYPES:
        raise ValueError(f"unsupported dtype {dtype} (expected float32, bfloat16 "
                         "or float16)")
    values, scales = np.asarray(q.values), np.asarray(q.scales)
    if values.dtype != np.uint8 or values.ndim != 2:
        raise ValueError(f"QuantizedTensor.values must be a 2-D uint8 array, got "
                         f"{values.ndim}-D {values.dtype}")
    rows, cols = values.shape[0], values.shape[1] * 2
    _check_size(rows, cols)
    format, layout = _text("format", q.format), _text("scale_layout", q.scale_layout)
    # Scales are bytes to the library: their type and shape must say which.
    if format in _SCALE_TYPES and scales.dtype not in (_SCALE_TYPES[format], np.uint8):
        raise ValueError(f"QuantizedTensor.scales of {format} must be "
                         f"{_SCALE_TYPES[format]} (or uint8), got {scales.dtype}")
    if format in _SCALE_TYPES and layout in ("row_major", "tcgen05"):
        shape = _scale_shape(rows, cols, format, layout)
        if scales.shape != shape and scales.size == np.prod(shape):
            raise ValueError(f"QuantizedTensor.scales of a {rows} x {cols} {format} "
                             f"tensor in the {layout} layout have shape {shape}, "
                             f"got {scales.shape}")
    tensor_scale = _real("QuantizedTensor.tensor_scale", q.tensor_scale)
    if not np.isfinite(tensor_scale):
        raise ValueError("QuantizedTensor.tensor_scale must be a finite float32, "
                         f"got {q.tensor_scale}")
    out = _fp4.dequantize(
        np.ascontiguousarray(values).reshape(-1),
        np.ascontiguousarray(scales).reshape(-1).view(np.uint8),
        rows, cols, format, layout, tensor_scale)
    return out.reshape(rows, cols).astype(dtype)


def unpack_e2m1(values):
    """Packed uint8 (R, C/2) -> float4_e2m1fn (R, C), low nibble first."""
    values = np.asarray(values)
    if values.dtype.kind not in "ui":
        raise TypeError(f"expected integer packed values (uint8), got dtype {values.dtype}")
    if values.ndim != 2:
        raise ValueError(f"expected 2-D packed values, got {values.ndim}-D")
    if values.size and (values.min() < 0 or values.max() > 255):
        raise ValueError("packed values must be bytes (0..255), got "
                         f"{values.min() if values.min() < 0 else values.max()}")
    values = values.astype(np.uint8)
    codes = np.stack([values & 0xF, values >> 4], axis=-1)
    return codes.reshape(values.shape[0], values.shape[1] * 2).view(
        ml_dtypes.float4_e2m1fn)


def pack_e2m1(codes):
    """float4_e2m1fn (R, C) -> packed uint8 (R, C/2), low nibble first. Other
    real types must hold E2M1 values exactly (0, 0.5, 1, 1.5, 2, 3, 4, 6 and
    their negatives)."""
    given = np.asarray(codes)
    if given.dtype.kind in "bcmMOSU" or given.dtype.names:
        raise TypeError(f"expected float4_e2m1fn codes, got dtype {given.dtype}")
    try:
        codes = given.astype(ml_dtypes.float4_e2m1fn)
    except (TypeError, ValueError) as error:
        raise TypeError(f"expected float4_e2m1fn codes, got dtype {given.dtype} "
                        f"({error})") from None
    inexact = codes.astype(np.float64) != given.astype(np.float64)
    if inexact.any():
        raise ValueError(f"{given[inexact].flat[0]} is not representable in E2M1 "
                         "(float4_e2m1fn)")
    if codes.ndim != 2 or codes.shape[1] % 2:
        raise ValueError(f"expected a 2-D array with an even number of "
                         f"columns, got shape {codes.shape}")
    codes = codes.view(np.uint8) & 0xF
    return (codes[:, 0::2] | (codes[:, 1::2] << 4)).astype(np.uint8)
