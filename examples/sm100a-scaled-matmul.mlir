// A linear layer in NVFP4 and in MXFP4 for Blackwell (sm_100a):
// activations quantized with Four Over Six (mse), weights with ScaleSearch,
// both with block scales in the tcgen05 128x4 layout that the tensor cores
// read; the products run as tcgen05.mma.block_scale kernels.
// scripts/main.sh compiles it with `fp4-opt --nvfp4-lower-to-sm100a`: each
// quantize becomes an amax kernel (NVFP4) and a per-block kernel using the
// sm_100a E2M1/E4M3 converts, each scaled_matmul a tcgen05 kernel; all are
// serialized to PTX, then ptxas makes a cubin.

func.func @nvfp4_layer(%x: tensor<128x512xbf16>, %w: tensor<256x512xbf16>) -> tensor<128x256xbf16> {
  %xq, %xs, %xg = nvfp4.quantize %x {rule = #nvfp4.scale_rule<four_over_six, metric = mse>,
                                    scale_layout = #nvfp4.scale_layout<tcgen05>}
      : tensor<128x512xbf16> -> tensor<128x256xi8>, tensor<1x8x32x4x4xf8E4M3FN>
  %wq, %ws, %wg = nvfp4.quantize %w {rule = #nvfp4.scale_rule<scale_search, radius = 6>,
                                    scale_layout = #nvfp4.scale_layout<tcgen05>}
      : tensor<256x512xbf16> -> tensor<256x256xi8>, tensor<2x8x32x4x4xf8E4M3FN>
  %y = nvfp4.scaled_matmul %xq[%xs, %xg], %wq[%ws, %wg]
      : tensor<128x256xi8>, tensor<1x8x32x4x4xf8E4M3FN>, tensor<256x256xi8>, tensor<2x8x32x4x4xf8E4M3FN>
        -> tensor<128x256xbf16>
  return %y : tensor<128x256xbf16>
}

func.func @mxfp4_layer(%x: tensor<128x512xbf16>, %w: tensor<128x512xbf16>) -> tensor<128x128xf32> {
  %xq, %xs, %xg = nvfp4.quantize %x {format = #nvfp4.format<mxfp4>,
                                    scale_layout = #nvfp4.scale_layout<tcgen05>}
      : tensor<128x512xbf16> -> tensor<128x256xi8>, tensor<1x4x32x4x4xf8E8M0FNU>
  %wq, %ws, %wg = nvfp4.quantize %w {format = #nvfp4.format<mxfp4>,
                                    rule = #nvfp4.scale_rule<exact>,
                                    scale_layout = #nvfp4.scale_layout<tcgen05>}
      : tensor<128x512xbf16> -> tensor<128x256xi8>, tensor<1x4x32x4x4xf8E8M0FNU>
  %y = nvfp4.scaled_matmul %xq[%xs, %xg], %wq[%ws, %wg]
      : tensor<128x256xi8>, tensor<1x4x32x4x4xf8E8M0FNU>, tensor<128x256xi8>, tensor<1x4x32x4x4xf8E8M0FNU>
        -> tensor<128x128xf32>
  return %y : tensor<128x128xf32>
}
