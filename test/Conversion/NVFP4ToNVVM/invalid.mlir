// RUN: fp4-opt --convert-nvfp4-to-nvvm --split-input-file --verify-diagnostics %s

func.func @row_major(%a: tensor<128x32xi8>, %sa: tensor<128x4xf8E4M3FN>, %g: f32) -> tensor<128x128xf32> {
  // expected-error @+1 {{'nvfp4.scaled_matmul' op needs scales in the tcgen05 layout for the sm_100a tensor cores; quantize with scale_layout = #nvfp4.scale_layout<tcgen05>}}
  %d = nvfp4.scaled_matmul %a[%sa, %g], %a[%sa, %g]
      : tensor<128x32xi8>, tensor<128x4xf8E4M3FN>, tensor<128x32xi8>, tensor<128x4xf8E4M3FN> -> tensor<128x128xf32>
  return %d : tensor<128x128xf32>
}

// -----

func.func @dynamic(%a: tensor<?x32xi8>, %sa: tensor<?x1x32x4x4xf8E4M3FN>, %b: tensor<128x32xi8>, %sb: tensor<1x1x32x4x4xf8E4M3FN>, %g: f32) -> tensor<?x128xf32> {
  // expected-error @+1 {{'nvfp4.scaled_matmul' op has a dynamic dimension; convert-nvfp4-to-nvvm supports static shapes only}}
  %d = nvfp4.scaled_matmul %a[%sa, %g], %b[%sb, %g]
      : tensor<?x32xi8>, tensor<?x1x32x4x4xf8E4M3FN>, tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN> -> tensor<?x128xf32>
  return %d : tensor<?x128xf32>
}

// -----

func.func @dynamic_quantize(%x: tensor<?x64xf32>) -> tensor<?x32xi8> {
  // expected-error @+1 {{'nvfp4.quantize' op has a dynamic dimension; convert-nvfp4-to-nvvm supports static shapes only}}
  %q, %s, %g = nvfp4.quantize %x : tensor<?x64xf32> -> tensor<?x32xi8>, tensor<?x4xf8E4M3FN>
  return %q : tensor<?x32xi8>
}
