// The CMake package end to end: install this build into a fresh prefix,
// configure and build examples/downstream against it (find_package(FP4MLIR),
// which finds MLIR by itself), and run its tool: the nvfp4 dialect plus a pass
// of its own around fp4::populateNVFP4ToArithPatterns. Slow: one to two
// minutes, mostly the compile (docs/integration.md).
// REQUIRES: cmake-package
// RUN: rm -rf %t && mkdir -p %t
// RUN: %cmake --install %fp4_obj_root --prefix %t/prefix > %t/install.log
// RUN: %cmake -G Ninja -S %fp4_src_root/examples/downstream -B %t/build \
// RUN:   -DCMAKE_MAKE_PROGRAM=%ninja -DCMAKE_C_COMPILER=%c_compiler \
// RUN:   -DCMAKE_CXX_COMPILER=%cxx_compiler -DCMAKE_BUILD_TYPE=Release \
// RUN:   -DCMAKE_PREFIX_PATH=%t/prefix > %t/configure.log
// RUN: FileCheck %s --check-prefix=CONFIG --input-file=%t/configure.log
// RUN: %cmake --build %t/build -j 1
// RUN: %t/build/nvfp4-downstream-opt --downstream-lower-nvfp4 %s | FileCheck %s

// The package comes from the install tree, MLIR from the pinned wheel.
// CONFIG: Using FP4MLIRConfig.cmake in: {{.*}}/prefix/lib/cmake/FP4MLIR
// CONFIG: Using MLIRConfig.cmake in: {{.*}}/mlir/lib/cmake/mlir

// CHECK-LABEL: func.func @quantize
// CHECK-SAME:  (%[[X:.*]]: tensor<16x32xbf16>)
// CHECK:       %[[IN:.*]] = bufferization.to_buffer %[[X]] read_only
// CHECK:       %[[DATA:.*]] = memref.alloc() : memref<16x16xi8>
// CHECK:       %[[SCALES:.*]] = memref.alloc() : memref<16x2xf8E4M3FN>
// CHECK:       vector.reduction <maxnumf>
// CHECK:       arith.bitcast %{{.*}} : i8 to f8E4M3FN
// CHECK:       %[[Q:.*]] = bufferization.to_tensor %[[DATA]]
// CHECK:       return %[[Q]]
// CHECK-NOT:   nvfp4.
func.func @quantize(%x: tensor<16x32xbf16>) -> tensor<16x16xi8> {
  %q, %s, %g = nvfp4.quantize %x : tensor<16x32xbf16> -> tensor<16x16xi8>, tensor<16x2xf8E4M3FN>
  return %q : tensor<16x16xi8>
}
