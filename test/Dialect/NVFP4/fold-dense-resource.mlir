// RUN: fp4-opt --canonicalize %s | FileCheck %s
// A dense_resource constant folds like the same values written densely: the
// quantize folder reads the blob in place (ConstantQuantization.cpp), so both
// fold to the same bytes, which canonicalization then shares.

// CHECK-LABEL: func.func @resource_and_dense
//   CHECK-DAG: %[[D:.*]] = arith.constant dense<{{.*}}> : tensor<2x8xi8>
//   CHECK-DAG: %[[S:.*]] = arith.constant dense<{{.*}}> : tensor<2x1xf8E4M3FN>
//   CHECK-DAG: %[[G:.*]] = arith.constant {{.*}} : f32
//   CHECK-NOT: nvfp4.quantize
//       CHECK: return %[[D]], %[[S]], %[[G]], %[[D]], %[[S]], %[[G]]
func.func @resource_and_dense() -> (tensor<2x8xi8>, tensor<2x1xf8E4M3FN>, f32, tensor<2x8xi8>, tensor<2x1xf8E4M3FN>, f32) {
  %r = arith.constant dense_resource<weights> : tensor<2x16xf32>
  %d = arith.constant dense<[[-2.5899999141693115, -2.2200000286102295, -1.850000023841858, -1.4800000190734863, -1.1100000143051147, -0.7400000095367432, -0.3700000047683716, 0.0, 0.3700000047683716, 0.7400000095367432, 1.1100000143051147, 1.4800000190734863, 1.850000023841858, 2.2200000286102295, 2.5899999141693115, 2.9600000381469727], [-5.179999828338623, -4.440000057220459, -3.700000047683716, -2.9600000381469727, -2.2200000286102295, -1.4800000190734863, -0.7400000095367432, 0.0, 0.7400000095367432, 1.4800000190734863, 2.2200000286102295, 2.9600000381469727, 3.700000047683716, 4.440000057220459, 5.179999828338623, 5.920000076293945]]> : tensor<2x16xf32>
  %q1, %s1, %g1 = nvfp4.quantize %r {rule = #nvfp4.scale_rule<four_over_six, metric = mse>} : tensor<2x16xf32> -> tensor<2x8xi8>, tensor<2x1xf8E4M3FN>
  %q2, %s2, %g2 = nvfp4.quantize %d {rule = #nvfp4.scale_rule<four_over_six, metric = mse>} : tensor<2x16xf32> -> tensor<2x8xi8>, tensor<2x1xf8E4M3FN>
  return %q1, %s1, %g1, %q2, %s2, %g2 : tensor<2x8xi8>, tensor<2x1xf8E4M3FN>, f32, tensor<2x8xi8>, tensor<2x1xf8E4M3FN>, f32
}

// An elided blob cannot be read: the quantize stays.
// CHECK-LABEL: func.func @elided
//       CHECK: nvfp4.quantize
func.func @elided() -> tensor<2x8xi8> {
  %r = arith.constant dense_resource<__elided__> : tensor<2x16xf32>
  %q, %s, %g = nvfp4.quantize %r : tensor<2x16xf32> -> tensor<2x8xi8>, tensor<2x1xf8E4M3FN>
  return %q : tensor<2x8xi8>
}

{-#
  dialect_resources: {
    builtin: {
      weights: "0x040000008fc225c07b140ec0cdccecbfa470bdbf7b148ebfa4703dbfa470bdbe00000000a470bd3ea4703d3f7b148e3fa470bd3fcdccec3f7b140e408fc22540a4703d408fc2a5c07b148ec0cdcc6cc0a4703dc07b140ec0a470bdbfa4703dbf00000000a4703d3fa470bd3f7b140e40a4703d40cdcc6c407b148e408fc2a540a470bd40"
    }
  }
#-}
