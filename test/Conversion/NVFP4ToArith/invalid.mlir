// RUN: fp4-opt --convert-nvfp4-to-arith --split-input-file --verify-diagnostics %s

func.func @dynamic_quantize(%x: tensor<?x64xf32>) -> tensor<?x32xi8> {
  // expected-error @+1 {{'nvfp4.quantize' op has a dynamic dimension; convert-nvfp4-to-arith supports static shapes only}}
  %q, %s, %g = nvfp4.quantize %x : tensor<?x64xf32> -> tensor<?x32xi8>, tensor<?x4xf8E4M3FN>
  return %q : tensor<?x32xi8>
}

// -----

func.func @dynamic_dequantize(%q: tensor<?x32xi8>, %s: tensor<?x4xf8E4M3FN>, %g: f32) -> tensor<?x64xf32> {
  // expected-error @+1 {{'nvfp4.dequantize' op has a dynamic dimension; convert-nvfp4-to-arith supports static shapes only}}
  %x = nvfp4.dequantize %q, %s, %g : tensor<?x32xi8>, tensor<?x4xf8E4M3FN> -> tensor<?x64xf32>
  return %x : tensor<?x64xf32>
}

// -----

func.func @dynamic_matmul(%a: tensor<?x32xi8>, %sa: tensor<?x4xf8E4M3FN>, %ga: f32,
                          %b: tensor<48x32xi8>, %sb: tensor<48x4xf8E4M3FN>, %gb: f32) -> tensor<?x48xf32> {
  // expected-error @+1 {{'nvfp4.scaled_matmul' op has a dynamic dimension; convert-nvfp4-to-arith supports static shapes only}}
  %d = nvfp4.scaled_matmul %a[%sa, %ga], %b[%sb, %gb]
      : tensor<?x32xi8>, tensor<?x4xf8E4M3FN>, tensor<48x32xi8>, tensor<48x4xf8E4M3FN> -> tensor<?x48xf32>
  return %d : tensor<?x48xf32>
}
