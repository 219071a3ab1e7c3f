// Kernels for two chips cannot share the module's gpu.module: lowering for
// another chip than the existing kernels' is a located error, not a mixed
// binary.
// RUN: fp4-opt --convert-nvfp4-to-nvvm=chip=sm_90a --verify-diagnostics %s

// expected-error @+1 {{the module's gpu.module @nvfp4_kernels targets sm_100a, but convert-nvfp4-to-nvvm was asked for chip=sm_90a}}
module attributes {gpu.container_module} {
  func.func @quantize(%x: tensor<128x64xbf16>) -> tensor<128x32xi8> {
    %q, %s, %g = nvfp4.quantize %x : tensor<128x64xbf16> -> tensor<128x32xi8>, tensor<128x4xf8E4M3FN>
    return %q : tensor<128x32xi8>
  }
  gpu.module @nvfp4_kernels [#nvvm.target<chip = "sm_100a", features = "+ptx88">] {
  }
}
