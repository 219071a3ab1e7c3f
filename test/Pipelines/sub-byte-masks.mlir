// i1 tensors lower on every pipeline that lowers host code: a causal mask
// computed by arith.cmpi and a key-padding mask constant (tensor<128xi1>)
// applied with select to the scores of a matmul that nvfp4-quantize-matmuls
// turned into nvfp4 ops. fp4-widen-sub-byte-tensors gives the masks i8
// elements before bufferization; these pipelines used to stop at "memrefs
// of integers narrower than 8 bits". The GPU pipelines serialize to PTX
// (no ptxas needed).
// RUN: fp4-opt --nvfp4-quantize-matmuls=scale-layout=row_major --nvfp4-lower-to-cpu %s | FileCheck %s
// RUN: fp4-opt --nvfp4-quantize-matmuls --nvfp4-lower-to-sm100a="host=true" %s | FileCheck %s --check-prefixes=CHECK,HOST
// RUN: fp4-opt --nvfp4-quantize-matmuls --nvfp4-lower-to-gpu="chip=sm_90a host=true" %s | FileCheck %s --check-prefixes=CHECK,HOST

// The key-padding mask: 120 ones and 8 zeros, one byte each.
//      CHECK: llvm.mlir.global private constant @{{.*}}(dense<"0x{{(01){120}(00){8}"}}> : tensor<128xi8>)
// CHECK-LABEL: llvm.func @forward
//       HOST: gpu.launch_func
//      CHECK: llvm.load %{{.*}} : !llvm.ptr -> i8
//      CHECK: llvm.trunc %{{.*}} : i8 to i1
//      CHECK: llvm.return

#id = affine_map<(i, j) -> (i, j)>
#key = affine_map<(i, j) -> (j)>

func.func @forward(%q: tensor<128x64xf32>, %kt: tensor<64x128xf32>) -> tensor<128x128xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<128x128xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<128x128xf32>) -> tensor<128x128xf32>
  %scores = linalg.matmul ins(%q, %kt : tensor<128x64xf32>, tensor<64x128xf32>)
      outs(%acc : tensor<128x128xf32>) -> tensor<128x128xf32>
  %em = tensor.empty() : tensor<128x128xi1>
  %causal = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
      outs(%em : tensor<128x128xi1>) {
  ^bb0(%o: i1):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c = arith.cmpi ule, %j, %i : index
    linalg.yield %c : i1
  } -> tensor<128x128xi1>
  %keep = arith.constant dense<[true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true,
      true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true,
      true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true,
      true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true,
      true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true,
      true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true,
      true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true,
      true, true, true, true, true, true, true, true, false, false, false, false, false, false, false, false]> : tensor<128xi1>
  %r = linalg.generic {indexing_maps = [#id, #key, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%causal, %keep, %scores : tensor<128x128xi1>, tensor<128xi1>, tensor<128x128xf32>)
      outs(%e : tensor<128x128xf32>) {
  ^bb0(%c: i1, %k: i1, %s: f32, %o: f32):
    %m = arith.andi %c, %k : i1
    %x = arith.select %m, %s, %ninf : f32
    linalg.yield %x : f32
  } -> tensor<128x128xf32>
  return %r : tensor<128x128xf32>
}
