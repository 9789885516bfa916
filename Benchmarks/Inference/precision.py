#!/usr/bin/env python3
"""Milliseconds per CenterFace inference in f32, bf16 (where the CPU has it) and int8, one thread,
at the sizes the safe profile runs: a 0.5x pass (640x384), a 1x pass (1280x736) and a 2x pass
(2560x1440) of a 720p frame. Median of 7 after a warm-up, the precisions taking turns per size.

Needs OpenVINO's Python API, the same runtime the build links (the pinned wheel):
    python3 -m pip install --target /tmp/ov .cache/wheels/openvino-2026.4.1-*.whl
    PYTHONPATH=/tmp/ov python3 Benchmarks/Inference/precision.py
"""
import os, statistics, time

import numpy as np
import openvino as ov

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ASSETS = os.path.join(ROOT, ".cache/assets")
core = ov.Core()
bf16 = "BF16" in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES")


def compiled(model, width, height, hint):
    m = core.read_model(os.path.join(ASSETS, model))
    m.reshape({"input.1": ov.PartialShape([1, 3, height, width])})
    return core.compile_model(m, "CPU", {"INFERENCE_NUM_THREADS": "1", "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": "1",
                                         "INFERENCE_PRECISION_HINT": hint, "ENABLE_CPU_PINNING": "NO"})


print("| input | f32 ms | bf16 ms | int8 ms | int8 vs f32 |")
print("|---|---|---|---|---|")
for width, height in [(640, 384), (1280, 736), (2560, 1440)]:
    runs = {"f32": compiled("centerface.onnx", width, height, "f32"), "int8": compiled("centerface-int8.xml", width, height, "f32")}
    if bf16:
        runs["bf16"] = compiled("centerface.onnx", width, height, "bf16")
    picture = np.random.default_rng(1).random((1, 3, height, width), dtype=np.float32) * 255
    times = {name: [] for name in runs}
    for round in range(8):
        for name, model in runs.items():
            start = time.perf_counter()
            model(picture)
            if round:
                times[name].append((time.perf_counter() - start) * 1000)
    ms = {name: statistics.median(t) for name, t in times.items()}
    print(f"| {width}x{height} | {ms['f32']:.1f} | {ms['bf16']:.1f} |" if bf16 else f"| {width}x{height} | {ms['f32']:.1f} | - |",
          f"{ms['int8']:.1f} | {ms['f32'] / ms['int8']:.2f}x |")
