#!/usr/bin/env python3
"""Scores a redacted clip against its ground truth.

A ground-truth face counts as hidden in a frame when its region in the output no longer
matches the input: SSIM of the luma below 0.6. Reports recall (faces of at least --min-size px
high, at least half in the picture), recall per size band, the longest run of consecutive
frames any face stays visible, and over-redaction: the share of pixels outside every face
(boxes grown 1.6x) whose luma changed by more than 24 levels.

    evaluate.py input.mp4 output.mp4 truth.json [--json]
"""
import argparse
import json
import subprocess
import sys
from collections import defaultdict

import numpy as np


def frames(path, w, h):
    p = subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                         stdout=subprocess.PIPE)
    size = w * h
    while True:
        buf = p.stdout.read(size)
        if len(buf) < size:
            break
        yield np.frombuffer(buf, np.uint8).reshape(h, w).astype(np.float64)
    p.wait()


def box_filter(a, r):
    """Mean over a (2r+1)^2 window, edges clamped."""
    pad = np.pad(a, r, mode="edge")
    c = np.cumsum(np.cumsum(pad, 0), 1)
    c = np.pad(c, ((1, 0), (1, 0)))
    k = 2 * r + 1
    return (c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]) / (k * k)


def ssim(a, b):
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    r = max(1, min(3, min(a.shape) // 4))
    ma, mb = box_filter(a, r), box_filter(b, r)
    va, vb = box_filter(a * a, r) - ma * ma, box_filter(b * b, r) - mb * mb
    cov = box_filter(a * b, r) - ma * mb
    s = ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
    return float(s.mean())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("truth")
    ap.add_argument("--min-size", type=float, default=16)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--runs", type=int, metavar="N", help="also list every visible run of at least N frames")
    a = ap.parse_args()
    truth = json.load(open(a.truth))
    w, h = truth["width"], truth["height"]
    by_frame = defaultdict(list)
    for f in truth["faces"]:
        by_frame[f["frame"]].append(f)

    counted = hidden = 0
    bands = defaultdict(lambda: [0, 0])
    visible_run, longest = defaultdict(int), 0
    runs = defaultdict(list)  # face id -> [(frame, height)] of its current visible run
    listed = []
    worst = None
    changed = outside = 0
    n = -1
    for n, (fin, fout) in enumerate(zip(frames(a.input, w, h), frames(a.output, w, h))):
        mask = np.ones((h, w), bool)
        for f in by_frame.get(n, []):
            x0, y0, x1, y1 = f["box"]
            g = 0.3 * (x1 - x0), 0.3 * (y1 - y0)
            mask[max(0, int(y0 - g[1])):int(y1 + g[1]) + 1, max(0, int(x0 - g[0])):int(x1 + g[0]) + 1] = False
            if f["height"] < a.min_size or f["visible"] < 0.5:
                continue
            ix0, iy0, ix1, iy1 = int(x0), int(y0), int(np.ceil(x1)), int(np.ceil(y1))
            if ix1 - ix0 < 4 or iy1 - iy0 < 4:
                continue
            is_hidden = ssim(fin[iy0:iy1, ix0:ix1], fout[iy0:iy1, ix0:ix1]) < 0.6
            counted += 1
            hidden += is_hidden
            band = "<16" if f["height"] < 16 else "16-32" if f["height"] < 32 else "32-64" if f["height"] < 64 else "64-128" if f["height"] < 128 else "128+"
            bands[band][0] += 1
            bands[band][1] += is_hidden
            if is_hidden:
                visible_run[f["id"]] = 0
                if a.runs and len(runs[f["id"]]) >= a.runs:
                    listed.append((f["id"], runs[f["id"]]))
                runs[f["id"]] = []
            else:
                runs[f["id"]].append((n, round(f["height"]), round(f["visible"], 2)))
                visible_run[f["id"]] += 1
                if visible_run[f["id"]] > longest:
                    longest, worst = visible_run[f["id"]], (f["id"], n)
        diff = np.abs(fin - fout) > 24
        changed += int((diff & mask).sum())
        outside += int(mask.sum())
    if a.runs:
        listed += [(k, v) for k, v in runs.items() if len(v) >= a.runs]
        for face, run in sorted(listed, key=lambda r: -len(r[1])):
            print(f"face {face}: {len(run)} frames visible from frame {run[0][0]}: (frame, height, visible) {run}",
                  file=sys.stderr)
    result = {
        "frames": n + 1,
        "faces": counted,
        "recall": hidden / counted if counted else None,
        "recallBySize": {k: v[1] / v[0] for k, v in sorted(bands.items())},
        "longestVisibleRun": longest,
        "longestVisibleRunAt": worst,
        "overRedaction": changed / outside if outside else 0,
    }
    if n + 1 != truth["frames"]:
        result["error"] = f"output has {n + 1} frames, truth has {truth['frames']}"
    if a.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:18} {v}")
    sys.exit(1 if "error" in result else 0)


if __name__ == "__main__":
    main()
