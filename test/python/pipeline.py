# RUN: %python %s | FileCheck %s
# fp4-mlir's passes and pipelines from Python: the model rewrite, the CPU
# pipeline, PTX for sm_100a; a failing pipeline raises MLIRError with the
# pass's diagnostic.
from mlir import ir
import fp4_mlir

MATMUL = """
func.func @layer(%x: tensor<128x64xf32>) -> tensor<128x128xf32> {
  %w = arith.constant dense<0.5> : tensor<64x128xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<128x128xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<128x128xf32>) -> tensor<128x128xf32>
  %y = linalg.matmul ins(%x, %w : tensor<128x64xf32>, tensor<64x128xf32>) outs(%acc : tensor<128x128xf32>) -> tensor<128x128xf32>
  return %y : tensor<128x128xf32>
}
"""

with ir.Context() as ctx:
    fp4_mlir.register_dialects(ctx)

    module = ir.Module.parse(MATMUL)
    fp4_mlir.run_pipeline(module, "nvfp4-quantize-matmuls{scale-layout=row_major},canonicalize")
    text = str(module)
    # CHECK: rewritten: True True
    print("rewritten:", "nvfp4.scaled_matmul" in text, "linalg.matmul" not in text)
    fp4_mlir.run_pipeline(module, "nvfp4-lower-to-cpu")
    # CHECK: cpu: only llvm True
    print("cpu: only llvm", all(op.operation.name.startswith("llvm.")
                                for op in module.body.operations))

    # PTX for sm_100a, through the model rewrite (tcgen05 layout).
    module = ir.Module.parse(MATMUL)
    ptx = fp4_mlir.compile_to_gpu(module, format="isa", quantize_matmuls="")
    # CHECK: binaries: ['nvfp4_kernels']
    print("binaries:", sorted(ptx))
    kernel = ptx["nvfp4_kernels"]
    # CHECK: .target sm_100a
    # CHECK: tcgen05.mma.cta_group::1.kind::mxf4nvf4.block_scale.block16
    for line in kernel.splitlines():
        if line.startswith(".target") or "tcgen05.mma.cta_group" in line:
            print(line.strip().split()[0], line.strip().split()[1] if line.startswith(".target") else "")
            if "tcgen05.mma" in line:
                break

    # A pass that fails: the diagnostic, with its location, in the exception.
    bad = ir.Module.parse("""
func.func @g(%x: tensor<?x64xf32>) -> tensor<?x32xi8> {
  %q, %s, %g = nvfp4.quantize %x : tensor<?x64xf32> -> tensor<?x32xi8>, tensor<?x4xf8E4M3FN>
  return %q : tensor<?x32xi8>
}""")
    try:
        fp4_mlir.run_pipeline(bad, "convert-nvfp4-to-arith")
    except ir.MLIRError as error:
        # CHECK: MLIRError: Failure while executing pass pipeline
        # CHECK: 'nvfp4.quantize' op has a dynamic dimension; convert-nvfp4-to-arith supports static shapes only
        print("MLIRError:", error)

    # A bad pass option.
    try:
        fp4_mlir.run_pipeline(ir.Module.parse(MATMUL), "nvfp4-quantize-matmuls{format=fp8}")
    except ir.MLIRError as error:
        # CHECK: MLIRError: {{.*}}nvfp4-quantize-matmuls: unknown format 'fp8' (expected nvfp4 or mxfp4)
        print("MLIRError:", str(error).replace("\n", " "))

    # Hopper: PTX for sm_90a, the mma.sync matmul.
    ptx = fp4_mlir.compile_to_gpu(ir.Module.parse(MATMUL), quantize_matmuls="",
                                  chip="sm_90a")["nvfp4_kernels"]
    # CHECK: sm_90a: True True
    print("sm_90a:", ".target sm_90a" in ptx,
          "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32" in ptx)

    # An unknown format for compile_to_gpu.
    try:
        fp4_mlir.compile_to_gpu(ir.Module.parse(MATMUL), format="sass")
    except ValueError as error:
        # CHECK: ValueError: unknown format 'sass' (expected isa, bin or fatbin)
        print("ValueError:", error)
