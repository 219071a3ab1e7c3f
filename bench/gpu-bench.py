"""GPU benchmarks of the compiled nvfp4 kernels, on the machine with the GPU.

Runs the cubin and launch manifest made by scripts/gpu-bundle.sh (bench/ of
the bundle) through the CUDA driver API (ctypes), on device buffers that
PyTorch allocates, and measures in the same process the ceilings the figures
are compared with:
  quantize: GB/s of the traffic the op needs (bf16 input read once, codes and
    scales written) as a percentage of device-to-device copy bandwidth
    (torch copy_, bytes read + written); calibrated amax (one pass) and
    on-device amax (the amax kernel, then the block kernel: two passes over
    the input, counted with the one-pass traffic);
  scaled_matmul: TFLOP/s against torch's bf16 matmul of the same shape.
Every time is the median of CUDA-event timings after warm-up.
Usage: python3 bench/gpu-bench.py BUNDLE/bench [--out results.json]
"""
import ctypes
import json
import os
import statistics
import struct
import sys

import torch

ELEMENT = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32,
           "i8": torch.uint8, "f8E4M3FN": torch.uint8, "f8E8M0FNU": torch.uint8,
           "i32": torch.int32}
TARGET = {"static_6": 85, "mse": 85, "search:6": 30, "exact": 30}

cuda = ctypes.CDLL("libcuda.so.1")


def check(result, what):
    if result != 0:
        raise RuntimeError(f"{what} failed with CUresult {result}")


def median_ms(run, reps, warmup=2):
    for _ in range(warmup):
        run()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        run()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


class Kernels:
    def __init__(self, cubin):
        torch.zeros(1, device="cuda")  # the primary context
        self.module = ctypes.c_void_p()
        data = open(cubin, "rb").read()
        check(cuda.cuModuleLoadData(ctypes.byref(self.module), data), "cuModuleLoadData")
        self.functions = {}

    def function(self, name, shared):
        if name not in self.functions:
            f = ctypes.c_void_p()
            check(cuda.cuModuleGetFunction(ctypes.byref(f), self.module, name.encode()),
                  f"cuModuleGetFunction({name})")
            if shared > 48 * 1024:  # CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
                check(cuda.cuFuncSetAttribute(f, 8, shared), "cuFuncSetAttribute")
            self.functions[name] = f
        return self.functions[name]

    def launcher(self, launch, buffers, scalars):
        """A closure that launches `launch` with its operands bound."""
        params = []
        for o in launch["operands"]:
            if o.get("scalar"):
                params.append(ctypes.c_float(scalars.get(o["name"], 1.0)))
                continue
            t = buffers[o["name"]]
            shape = o["shape"]
            strides = [1] * len(shape)
            for i in range(len(shape) - 2, -1, -1):
                strides[i] = strides[i + 1] * shape[i + 1]
            params += [ctypes.c_void_p(t.data_ptr()), ctypes.c_void_p(t.data_ptr()),
                       ctypes.c_int64(0)] + [ctypes.c_int64(v) for v in shape + strides]
        pointers = (ctypes.c_void_p * len(params))(*[ctypes.addressof(p) for p in params])
        f = self.function(launch["kernel"], launch["shared_bytes"])
        g, b = launch["grid"], launch["block"]

        def run():
            stream = ctypes.c_void_p(torch.cuda.current_stream().cuda_stream)
            check(cuda.cuLaunchKernel(f, g[0], g[1], g[2], b[0], b[1], b[2],
                                      launch["shared_bytes"], stream, pointers, None),
                  "cuLaunchKernel")
        run.keep = (params, pointers)
        return run


def buffers_for(entry, generator):
    buffers = {}
    for launch in entry["launches"]:
        for o, access in zip(launch["operands"], launch["access"] or [3] * 99):
            if o.get("scalar") or o["name"] in buffers:
                continue
            dtype = ELEMENT[o["element"]]
            if o["element"] == "i32":  # the amax bits
                t = torch.zeros(o["shape"], dtype=dtype, device="cuda")
            elif access & 1 and dtype == torch.bfloat16:
                t = (torch.randn(o["shape"], generator=generator, device="cuda") * 4).to(dtype)
            elif access & 1 and o["element"] == "f8E4M3FN":  # finite scales near 1
                t = torch.randint(0x30, 0x48, o["shape"], generator=generator,
                                  device="cuda", dtype=torch.int32).to(dtype)
            elif access & 1:
                t = torch.randint(0, 256, o["shape"], generator=generator,
                                  device="cuda", dtype=torch.int32).to(dtype)
            else:
                t = torch.empty(o["shape"], dtype=dtype, device="cuda")
            buffers[o["name"]] = t
    return buffers


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    bench_dir = args[0]
    out_path = args[args.index("--out") + 1] if "--out" in args else None
    manifest = json.load(open(os.path.join(bench_dir, "manifest.json")))
    kernels = Kernels(os.path.join(bench_dir, "kernels.cubin"))
    generator = torch.Generator(device="cuda").manual_seed(20261202)
    props = torch.cuda.get_device_properties(0)
    print(f"device: {props.name}, {props.multi_processor_count} SMs, torch {torch.__version__}")

    # Ceilings, measured in this process.
    src = torch.empty(1 << 30, dtype=torch.uint8, device="cuda")
    dst = torch.empty_like(src)
    copy_gbs = 2 * src.numel() / median_ms(lambda: dst.copy_(src), 20) / 1e6
    del src, dst
    print(f"device-to-device copy: {copy_gbs:.0f} GB/s (read + write)")
    results = {"device": props.name, "copy_gbs": copy_gbs, "quantize": [], "matmul": []}

    print("\nquantize (bf16 in; GB/s of input read once + codes + scales written)")
    print(f"{'size':>11} {'format':6} {'rule':9} {'amax':10} {'ms':>8} {'GB/s':>7} "
          f"{'% copy':>7} {'target':>6}  {'Gelem/s':>7}")
    for e in manifest:
        if e["op"] != "quantize":
            continue
        buffers = buffers_for(e, generator)
        runs = [kernels.launcher(l, buffers, {}) for l in e["launches"]]
        bits = [t for n, t in buffers.items() if t.dtype == torch.int32]
        if e["amax"] == "calibrated":
            # The calibrated amax is the input's true amax, so that both amax
            # modes quantize the same way and differ only by the amax pass.
            x = next(t for t in buffers.values() if t.dtype == torch.bfloat16)
            amax = x.abs().max().float().item()
            bits[0].fill_(struct.unpack("<i", struct.pack("<f", amax))[0])

        def run():
            if e["amax"] == "device":
                bits[0].zero_()
            for r in runs:
                r()
        ms = median_ms(run, 10 if e["rule"] in ("exact", "search:6") else 30)
        gbs = e["bytes"] / ms / 1e6
        pct = 100 * gbs / copy_gbs
        target = TARGET.get(e["rule"], 0)
        row = dict(e, ms=ms, gbs=gbs, percent_of_copy=pct, target_percent=target,
                   gelems=e["rows"] * e["cols"] / ms / 1e6)
        row.pop("launches")
        results["quantize"].append(row)
        print(f"{e['rows']:>5}x{e['cols']:<5} {e['format']:6} {e['rule']:9} {e['amax']:10} "
              f"{ms:8.3f} {gbs:7.0f} {pct:6.1f}% {target:5}%  {row['gelems']:7.1f}")
        del buffers, runs, bits
        torch.cuda.empty_cache()

    print("\nscaled_matmul (NVFP4 x NVFP4 -> bf16) vs torch bf16 matmul")
    print(f"{'m=n=k':>6} {'scales':9} {'ms':>8} {'TFLOP/s':>8} {'torch':>8} {'ratio':>6}")
    for e in manifest:
        if e["op"] != "matmul":
            continue
        buffers = buffers_for(e, generator)
        runs = [kernels.launcher(l, buffers, {}) for l in e["launches"]]

        def run():
            for r in runs:
                r()
        ms = median_ms(run, 10)
        a = torch.randn(e["m"], e["k"], device="cuda", dtype=torch.bfloat16, generator=generator)
        b = torch.randn(e["k"], e["n"], device="cuda", dtype=torch.bfloat16, generator=generator)
        torch_ms = median_ms(lambda: torch.matmul(a, b), 10)
        tflops, torch_tflops = e["flops"] / ms / 1e9, e["flops"] / torch_ms / 1e9
        row = dict(e, ms=ms, tflops=tflops, torch_ms=torch_ms, torch_tflops=torch_tflops,
                   ratio=tflops / torch_tflops)
        row.pop("launches")
        results["matmul"].append(row)
        print(f"{e['m']:>6} {e['layout']:9} {ms:8.3f} {tflops:8.1f} {torch_tflops:8.1f} "
              f"{100 * tflops / torch_tflops:5.1f}%")
        del buffers, runs, a, b
        torch.cuda.empty_cache()
    if out_path:
        json.dump(results, open(out_path, "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
