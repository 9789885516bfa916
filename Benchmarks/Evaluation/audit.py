#!/usr/bin/env python3
"""The leak audit's sensitivity, false alarms and cost, beside the redaction it checks.

For each clip: `redactfarm run` with the default profile (timed: the reference cost), the same
clip with nothing hidden (`--targets none` and a 8x8 zone), then `redactfarm audit` on both
(timed). On a ground-truth clip every possible miss is classed as on a ground-truth face or
not (a face the ground truth does not know, such as a real passer-by in the background
footage, or a false alarm: a person has to look), and the audit's sensitivity is the share of
visible ground-truth faces it flags on the unredacted output.

    audit.py [--clip PATH[:TRUTH.json]]...   (default: the test corpus's ground truth, carphone)
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def timed(args):
    start = time.monotonic()
    r = subprocess.run(args, capture_output=True, text=True)
    return time.monotonic() - start, r


def audit(bin, out):
    seconds, r = timed([bin, "audit", out, "--json"])
    return seconds, json.loads(r.stdout)["output"]


def frame_of(finding, fps):
    return round(finding["seconds"] * fps)


def on_truth(finding, faces, fps):
    x, y, w, h = finding["box"]
    for g in faces.get(frame_of(finding, fps), []):
        gx0, gy0, gx1, gy1 = g["box"]
        iw = max(0, min(x + w, gx1) - max(x, gx0))
        ih = max(0, min(y + h, gy1) - max(y, gy0))
        if w * h > 0 and iw * ih / (w * h) > 0.3:
            return (frame_of(finding, fps), g["id"])
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clip", action="append")
    ap.add_argument("--redactfarm", default=os.path.join(ROOT, ".build", "release", "redactfarm"))
    a = ap.parse_args()
    clips = a.clip or [os.path.join(ROOT, ".cache/corpus/groundtruth.mp4") + ":" + os.path.join(ROOT, ".cache/corpus/groundtruth.json"),
                       os.path.join(ROOT, ".cache/assets/carphone_pristine.mp4")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for spec in clips:
            clip, _, truth_path = spec.partition(":")
            name = os.path.basename(clip)
            redacted, bare = os.path.join(tmp, "r-" + name), os.path.join(tmp, "n-" + name)
            run_s, r = timed([a.redactfarm, "run", clip, "-o", redacted])
            assert r.returncode == 0, r.stderr
            _, r = timed([a.redactfarm, "run", clip, "-o", bare, "--targets", "none", "--zone", "0,0,8,8"])
            assert r.returncode == 0, r.stderr
            audit_s, good = audit(a.redactfarm, redacted)
            _, none = audit(a.redactfarm, bare)
            frames = good["framesExamined"]
            row = {"clip": name, "frames": frames, "run ms/frame": 1000 * run_s / frames, "audit ms/frame": 1000 * audit_s / frames,
                   "misses (frames)": f"{len(good['findings'])} ({len({f['pts'] for f in good['findings']})})",
                   "weak": len(good["weak"]), "on truth faces": "-", "sensitivity": "-"}
            if truth_path:
                truth = json.load(open(truth_path))
                fps = truth["fps"]
                visible = {}
                for f in truth["faces"]:
                    if f["visible"] >= 0.5 and f["height"] >= 16:
                        visible.setdefault(f["frame"], []).append(f)
                flagged = {on_truth(f, visible, fps) for f in none["findings"]} - {None}
                row["sensitivity"] = f"{len(flagged)}/{sum(len(v) for v in visible.values())}"
                row["on truth faces"] = sum(1 for f in good["findings"] if on_truth(f, visible, fps))
            rows.append(row)
    keys = list(rows[0].keys())
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(f"{v:.0f}" if isinstance(v, float) else str(v) for v in (row[k] for k in keys)) + " |")


if __name__ == "__main__":
    main()
