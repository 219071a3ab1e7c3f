"""Times torch's scaled_dot_product_attention (bf16, causal) on the shape of
bench/attention-bench.mlir and prints the ratio to the nvfp4.attention time
that fp4-gpu-model measured in the same run (its log is the argument).

Usage: python3 gpu-attention-sdpa.py ATTENTION_BENCH_LOG
"""
import re
import sys

import torch
import torch.nn.functional as F

B, H, L, D = 1, 8, 1024, 128


def main() -> int:
    text = open(sys.argv[1]).read()
    m = re.search(r"([0-9.]+) ms per call", text)
    if not m:
        print("no nvfp4.attention time in", sys.argv[1])
        return 1
    ours = float(m.group(1))
    q, k, v = (torch.randn(B, H, L, D, device="cuda", dtype=torch.bfloat16) for _ in range(3))
    for _ in range(10):
        F.scaled_dot_product_attention(q, k, v, is_causal=True)
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    n = 100
    start.record()
    for _ in range(n):
        F.scaled_dot_product_attention(q, k, v, is_causal=True)
    end.record()
    torch.cuda.synchronize()
    sdpa = start.elapsed_time(end) / n
    print(f"attention B={B} H={H} L={L} D={D} causal: nvfp4.attention (sm_90a, "
          f"fused: a thread per query row, Q/K/V prepared per head) {ours:.3f} ms, "
          f"torch SDPA bf16 {sdpa:.4f} ms; SDPA / nvfp4 throughput ratio "
          f"{ours / sdpa:.1f}x (nvfp4 is {sdpa / ours:.5f} of SDPA's speed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
