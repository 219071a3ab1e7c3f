"""Timing fp4-opt runs for the compile-time benchmarks: wall time and the
peak resident memory of each run."""

import os
import resource
import subprocess
import sys
import time


def run_once(fp4_opt, path, args):
    """Wall seconds and peak RSS (MiB) of one `fp4-opt path args` run.

    ru_maxrss of RUSAGE_CHILDREN is a running maximum over all children, so
    each run is made from its own intermediate child process."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        start = time.perf_counter()
        proc = subprocess.run([fp4_opt, path, *args, "-o", os.devnull],
                              stderr=subprocess.PIPE)
        wall = time.perf_counter() - start
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if proc.returncode:
            sys.stderr.write(proc.stderr.decode()[-2000:])
        os.write(write, f"{proc.returncode} {wall} {rss}".encode())
        os._exit(0)
    os.close(write)
    code, wall, rss = os.read(read, 200).decode().split()
    os.waitpid(pid, 0)
    if int(code):
        sys.exit(f"fp4-opt {' '.join(args)} failed")
    return float(wall), float(rss)


def run_best(fp4_opt, path, args, reps):
    """The fastest of `reps` runs: (wall seconds, its peak RSS in MiB)."""
    return min(run_once(fp4_opt, path, args) for _ in range(reps))
