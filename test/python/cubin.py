# REQUIRES: ptxas
# RUN: %python %s | FileCheck %s
# compile_to_gpu(format="bin") runs ptxas: the result is an sm_100a ELF.
from mlir import ir
import fp4_mlir

TEXT = """
func.func @f(%a: tensor<128x64xbf16>, %b: tensor<128x64xbf16>) -> tensor<128x128xf32> {
  %aq, %as, %ag = nvfp4.quantize %a {rule = #nvfp4.scale_rule<four_over_six, metric = mse>, scale_layout = #nvfp4.scale_layout<tcgen05>}
      : tensor<128x64xbf16> -> tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN>
  %bq, %bs, %bg = nvfp4.quantize %b {rule = #nvfp4.scale_rule<exact>, scale_layout = #nvfp4.scale_layout<tcgen05>}
      : tensor<128x64xbf16> -> tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN>
  %d = nvfp4.scaled_matmul %aq[%as, %ag], %bq[%bs, %bg]
      : tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN>, tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN> -> tensor<128x128xf32>
  return %d : tensor<128x128xf32>
}
"""
with ir.Context() as ctx:
    fp4_mlir.register_dialects(ctx)
    binaries = fp4_mlir.compile_to_gpu(ir.Module.parse(TEXT), format="bin")
    cubin = binaries["nvfp4_kernels"]
    # CHECK: ELF: True, bytes > 10000: True, sm_100a: True
    elf = cubin[:4] == b"\x7fELF"
    print(f"ELF: {elf}, bytes > 10000: {len(cubin) > 10000}, "
          f"sm_100a: {b'sm_100a' in cubin}")
