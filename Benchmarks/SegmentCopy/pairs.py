#!/usr/bin/env python3
"""Times two commands side by side, A and B in turn (A B A B ...), as whole processes.

Each run's wall time, CPU time (user + system, from the kernel's accounting of the finished
process and its children) and peak memory; then min, median and max of each, and the A/B
ratios pair by pair, so a comparison holds when the machine's speed drifts between pairs.

    pairs.py [-n RUNS] [--warmup N] --a 'COMMAND A' --b 'COMMAND B'
"""
import argparse
import os
import shlex
import statistics
import subprocess
import time


def run(command):
    start = time.monotonic()
    process = subprocess.Popen(shlex.split(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"pairs.py: exit {os.waitstatus_to_exitcode(status)}: {command}")
    return {"wall s": wall, "cpu s": usage.ru_utime + usage.ru_stime, "peak MiB": usage.ru_maxrss / 1024}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=0)
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    args = ap.parse_args()
    for _ in range(args.warmup):
        run(args.a)
        run(args.b)
    pairs = [(run(args.a), run(args.b)) for _ in range(args.n)]
    print(f"A: {args.a}\nB: {args.b}\n{args.n} pair(s)\n")
    print("| figure | min | median | max |\n|---|---|---|---|")
    for side, index in (("A", 0), ("B", 1)):
        for key in ("wall s", "cpu s", "peak MiB"):
            values = [p[index][key] for p in pairs]
            print(f"| {side} {key} | {min(values):.3f} | {statistics.median(values):.3f} | {max(values):.3f} |")
    for key in ("wall s", "cpu s"):
        ratios = [a[key] / b[key] for a, b in pairs]
        print(f"| A/B {key.split()[0]} | {min(ratios):.4f} | {statistics.median(ratios):.4f} | {max(ratios):.4f} |")


if __name__ == "__main__":
    main()
