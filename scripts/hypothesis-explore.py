#!/usr/bin/env python3
"""Runs the properties of test/python/hypothesis-entry-points.py with many
more examples than the lit test, each example in a forked child process: a
segfault, an abort, a hang (timeout) or a huge allocation (the child's
address space is limited) fails the property instead of killing the run, and
Hypothesis shrinks it to a minimal example.

    PYTHONPATH=build/python_packages .venv/bin/python \\
        scripts/hypothesis-explore.py [-n 20000] [PROPERTY ...]

Prints one line per property; a failure ends with the falsifying example.
Exit status 1 when a property failed.
"""
import argparse
import importlib.util
import os
import pathlib
import select
import signal
import sys
import time
import traceback

ROOT = pathlib.Path(__file__).resolve().parent.parent
TEST = ROOT / "test" / "python" / "hypothesis-entry-points.py"


def load_properties():
    spec = importlib.util.spec_from_file_location("entry_points", TEST)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def isolated(timeout):
    def wrap(body):
        def run(**kwargs):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # child
                os.close(read)
                try:
                    body(**kwargs)
                    message = b"ok"
                except BaseException:  # noqa: BLE001
                    message = traceback.format_exc().encode(errors="replace")
                os.write(write, message[-20000:])
                os._exit(0)
            os.close(write)
            chunks, deadline = [], time.time() + timeout
            while True:
                left = deadline - time.time()
                if left <= 0:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    os.close(read)
                    raise AssertionError(f"HANG: no result after {timeout} s")
                ready, _, _ = select.select([read], [], [], left)
                if ready:
                    chunk = os.read(read, 65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
            os.close(read)
            _, status = os.waitpid(pid, 0)
            if os.WIFSIGNALED(status):
                sig = os.WTERMSIG(status)
                raise AssertionError(f"CRASH: killed by {signal.Signals(sig).name}")
            message = b"".join(chunks).decode(errors="replace")
            if os.WEXITSTATUS(status) != 0 or message != "ok":
                raise AssertionError(f"child: exit {os.WEXITSTATUS(status)}\n{message}")
        return run
    return wrap


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--examples", type=int, default=20000)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--in-process", action="store_true",
                        help="no fork per example (fast, but a crash ends the run)")
    parser.add_argument("properties", nargs="*")
    args = parser.parse_args()
    module = load_properties()
    start = time.time()
    failures = module.run_properties(
        max_examples=args.examples, derandomize=False, names=args.properties,
        isolate=None if args.in_process else isolated(args.timeout))
    print(f"explore: {time.time() - start:.0f} s, {len(failures)} failing properties")
    for name, error in failures:
        print(f"==== {name}\n{module.describe(error)}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
