# RUN: %python %s | FileCheck %s
# The nvfp4 dialect in the upstream mlir.ir.Context: parse, print, build with
# the generated op classes, verify; bad IR raises MLIRError with the
# verifier's message.
from mlir import ir
import fp4_mlir
from fp4_mlir.dialects import nvfp4

TEXT = """
func.func @f(%x: tensor<128x64xbf16>) -> tensor<128x128xf32> {
  %q, %s, %g = nvfp4.quantize %x {rule = #nvfp4.scale_rule<four_over_six, metric = mse>, scale_layout = #nvfp4.scale_layout<tcgen05>}
      : tensor<128x64xbf16> -> tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN>
  %d = nvfp4.scaled_matmul %q[%s, %g], %q[%s, %g]
      : tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN>, tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN> -> tensor<128x128xf32>
  return %d : tensor<128x128xf32>
}
"""

with ir.Context() as ctx, ir.Location.unknown():
    fp4_mlir.register_dialects(ctx)

    # Round trip: the printed module parses back to the same text.
    module = ir.Module.parse(TEXT)
    printed = str(module)
    assert str(ir.Module.parse(printed)) == printed
    ops = module.body.operations[0].regions[0].blocks[0].operations
    # CHECK: QuantizeOp nvfp4.quantize #nvfp4.scale_rule<four_over_six, metric = mse>
    print(type(ops[0]).__name__, ops[0].operation.name, ops[0].attributes["rule"])
    # CHECK: ScaledMatmulOp tensor<128x128xf32>
    print(type(ops[1]).__name__, ops[1].result.type)

    # Building: a function quantizing its argument with ScaleSearch,
    # transposed, MXFP4.
    built = ir.Module.create()
    with ir.InsertionPoint(built.body):
        from mlir.dialects import func
        x_type = ir.RankedTensorType.get([64, 256], ir.BF16Type.get())

        @func.FuncOp.from_py_func(x_type)
        def quantize_weight(x):
            op = nvfp4.quantize(x, rule="search:3", format="mxfp4", transpose=True)
            return op.results[0]

    assert built.operation.verify()
    # CHECK: nvfp4.quantize %arg0 {format = #nvfp4.format<mxfp4>, rule = #nvfp4.scale_rule<scale_search, radius = 3>, transpose} : tensor<64x256xbf16> -> tensor<256x32xi8>, tensor<256x2xf8E8M0FNU>
    print(built)

    # The verifier's message reaches Python.
    bad = """
func.func @g(%x: tensor<128x64xbf16>) -> tensor<128x32xi8> {
  %q, %s, %g = nvfp4.quantize %x {scale_layout = #nvfp4.scale_layout<tcgen05>}
      : tensor<128x64xbf16> -> tensor<128x32xi8>, tensor<128x4xf8E4M3FN>
  return %q : tensor<128x32xi8>
}"""
    try:
        ir.Module.parse(bad)
    except ir.MLIRError as error:
        # CHECK: MLIRError: Unable to parse module assembly
        # CHECK: 'nvfp4.quantize' op expected result scales of shape 1x1x32x4x4 (tcgen05 layout, 16-element blocks), but got 128x4
        print("MLIRError:", error)

    # A bad rule spelling in the builder is a ValueError.
    try:
        nvfp4.scale_rule("median")
    except ValueError as error:
        # CHECK: ValueError: unknown scale rule 'median'
        print("ValueError:", error)

# The dialect is not registered in a context that did not ask for it.
with ir.Context() as other:
    try:
        ir.Module.parse(TEXT)
    except ir.MLIRError as error:
        # CHECK: unregistered: {{.*}}nvfp4
        print("unregistered:", str(error).splitlines()[1])
