"""The parts of fp4_import_torch that need no torch (helpers.test): IR
scanning (the @forward signature, matmul counts, ops fp4-opt cannot parse)
and the io.json dtype names."""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools",
                                "fp4-import-torch"))
import fp4_import_torch as fit  # noqa: E402

IR = """\
module {
  func.func @forward(%arg0: tensor<2x64x256xbf16>, %arg1: tensor<2x64xi64>) -> (tensor<2x64x128xf32>, tensor<2x64xi1>) {
    %0 = linalg.matmul ins(%a, %b : tensor<128x256xbf16>, tensor<256x128xbf16>) outs(%c : tensor<128x128xf32>) -> tensor<128x128xf32>
    %1 = linalg.batch_matmul ins(%d, %e : tensor<4x8x8xf32>, tensor<4x8x8xf32>) outs(%f : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
    %2 = linalg.matmul ins(%a, %b : tensor<128x256xbf16>, tensor<256x128xbf16>) outs(%c : tensor<128x128xf32>) -> tensor<128x128xf32>
    %3 = linalg.matvec ins(%g, %h : tensor<4x8xf32>, tensor<8xf32>) outs(%i : tensor<4xf32>) -> tensor<4xf32>
    %4:2 = tm_tensor.scan dimension(1) inclusive(true) ins(%x : tensor<1x8xi64>) outs(%y, %z : tensor<1x8xi64>, tensor<1xi64>) {
      tm_tensor.yield %5 : i64
    }
    return %0, %m : tensor<2x64x128xf32>, tensor<2x64xi1>
  }
}

{-#
  dialect_resources: {
    builtin: {
      torch_tensor_128_torch.float32: "0x0400000000000000"
    }
  }
#-}
"""

print("signature:", fit.forward_signature(IR))
print("single result:", fit.forward_signature(
    "func.func @forward(%arg0: tensor<4xf32>) -> tensor<4xf32> {"))
print("matmuls:", fit.matmul_counts(IR))
print("foreign:", fit.foreign_ops(IR))
print("clean:", fit.foreign_ops(IR.replace("tm_tensor.scan", "linalg.copy")
                                .replace("tm_tensor.yield", "linalg.yield")))
print("io dtypes:", " ".join(sorted(fit._DTYPES)))
print("tensor type:", fit._tensor_type({"dtype": "bf16", "shape": [1, 128, 256]}),
      fit._tensor_type({"dtype": "i1", "shape": [4]}), fit._tensor_type({"dtype": "f32", "shape": []}))
