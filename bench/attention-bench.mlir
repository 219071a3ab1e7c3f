// One NVFP4 attention (SageAttention3's recipe, causal) for the GPU
// throughput comparison with torch's scaled_dot_product_attention in bf16:
// scripts/gpu-bundle.sh compiles it for sm_90a, scripts/gpu-run.sh times it
// (fp4-gpu-model, FP4_GPU_MODEL_REPEAT) and runs bench/gpu-attention-sdpa.py.
func.func @forward(%q: tensor<1x8x1024x128xbf16>, %k: tensor<1x8x1024x128xbf16>, %v: tensor<1x8x1024x128xbf16>) -> tensor<1x8x1024x128xf32> {
  %o = nvfp4.attention %q, %k, %v {causal} : tensor<1x8x1024x128xbf16>, tensor<1x8x1024x128xbf16>, tensor<1x8x1024x128xbf16> -> tensor<1x8x1024x128xf32>
  return %o : tensor<1x8x1024x128xf32>
}
