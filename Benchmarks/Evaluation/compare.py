#!/usr/bin/env python3
"""Redaction quality and speed, RedactFarm beside deface 1.5.0, same clip, same machine, same run.

Makes a ground-truth clip (groundtruth.py: real faces in real footage, 1280x720, 500 frames by
default), runs deface (full resolution, its default threshold 0.2) and `redactfarm run` with
each detection profile, scores every output with evaluate.py, and prints one table. deface is
installed into .cache/deface-venv from PyPI on first use.

Then the same for licence plates (--plates N frames; no reference, deface has no plate target).

    compare.py [--frames 500] [--size 1280x720] [--profiles safe,balanced,fast] [--plates 500]
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(ROOT, ".cache", "bench")
ASSETS = os.path.join(ROOT, ".cache", "assets")

# The ground truth: real face photos composited into real footage (groundtruth.py), on
# different backgrounds, faces, seeds and crowds. "street" is the clip every earlier figure in
# Benchmarks/README.md was measured on.
CLIPS = {
    "street": {"what": "street, sparse: 8 faces", "background": "bikes.mp4",
               "faces": ["grace_hopper.jpg", "astronaut.png"], "count": 8, "seed": 2},
    "crowd": {"what": "street, crowded: 20 faces", "background": "bikes.mp4",
              "faces": ["grace_hopper.jpg", "astronaut.png", "carphone_pristine.mp4"], "count": 20, "seed": 11},
    "cctv": {"what": "pedestrian CCTV look (grey, flat, noisy): 12 faces", "background": "bikes.mp4", "look": "cctv",
             "faces": ["carphone_pristine.mp4", "grace_hopper.jpg"], "count": 12, "seed": 5},
    "incar": {"what": "in-car (the carphone footage, its driver unannotated): 6 faces", "background": "carphone_pristine.mp4",
              "faces": ["astronaut.png", "grace_hopper.jpg"], "count": 6, "seed": 9},
}


def sh(args, **kw):
    return subprocess.run(args, check=True, **kw)


def timed(args):
    start = time.monotonic()
    sh(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - start


STAGES = ("decode", "detect", "track", "redact", "encode")


def timed_run(args):
    """`redactfarm run … --verbose`: wall seconds, CPU seconds (user + system) and the workers'
    per-stage milliseconds summed over every segment (from their "task … done: decode N ms, …"
    lines)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    r = subprocess.run(args + ["--verbose"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    stages = dict.fromkeys(STAGES, 0.0)
    for line in r.stderr.splitlines():
        if " done: decode " not in line:
            continue
        for stage in STAGES:
            m = re.search(stage + r" (\d+) ms", line)
            if m:
                stages[stage] += float(m.group(1))
    return wall, cpu, stages


def score(clip, out, truth, *options):
    r = subprocess.run([sys.executable, os.path.join(HERE, "evaluate.py"), clip, out, truth, "--json", *options],
                       capture_output=True, text=True)
    return json.loads(r.stdout)


def timestamps(path, stream):
    r = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-copyts", "-i", path, "-map", stream, "-fps_mode",
                        "passthrough", "-f", "framemd5", "-"], capture_output=True, text=True)
    rows = [l.split(",") for l in r.stdout.splitlines() if not l.startswith("#")]
    return [(row[2].strip(), row[3].strip()) for row in rows] if stream == "0:v" else [row[-1].strip() for row in rows]


def make_clip(a, name):
    """The ground-truth clip `name` (see CLIPS), made once and cached."""
    c = CLIPS[name]
    clip = os.path.join(CACHE, f"gt_{a.size}_{a.frames}.mp4" if name == "street" else f"gt_{name}_{a.size}_{a.frames}.mp4")
    truth = clip + ".truth.json"
    if not os.path.exists(truth):
        sh([sys.executable, os.path.join(HERE, "groundtruth.py"), "--background", os.path.join(ASSETS, c["background"]),
            "--faces", *[os.path.join(ASSETS, f) for f in c["faces"]], "--look", c.get("look", "plain"),
            "--size", a.size, "--frames", str(a.frames), "--count", str(c["count"]), "--seed", str(c["seed"]),
            "--out", clip, "--truth", truth])
    return clip, truth


def compare_clip(a, name, deface):
    """deface and every redactfarm variant on one clip: prints its tables, returns summary rows."""
    clip, truth = make_clip(a, name)
    src_ts, src_audio = timestamps(clip, "0:v"), timestamps(clip, "0:a")
    rows = []
    out = os.path.join(CACHE, f"deface-{name}.mp4")
    t = timed([deface, clip, "-o", out, "--thresh", "0.2", "--keep-audio"])
    rows.append(("deface 1.5.0", "full resolution, thresh 0.2", t, score(clip, out, truth), out))
    # The floor any redactor sits on: decoding and encoding the same clip, nothing else, at the
    # x264 settings redactfarm re-encodes with (veryfast, CRF 17; faster, 18 before 2026-12-06).
    floor_out = os.path.join(CACHE, f"ffmpeg-transcode-{name}.mp4")
    floor = timed(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", clip, "-c:v", "libx264", "-preset", "veryfast", "-crf", "17",
                   "-c:a", "copy", floor_out])
    # Issue 11's own reference for "within 2x of a plain transcode", timed beside it.
    reference = timed(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", clip, "-c:v", "libx264", "-preset", "faster", "-crf", "18",
                       "-c:a", "copy", floor_out])
    breakdown = []
    variants = [["--profile", p] for p in a.profiles.split(",")] + [v.split() for v in a.variants.split(";") if v.strip()]
    bf16 = "avx512_bf16" in open("/proc/cpuinfo").read() or "amx_bf16" in open("/proc/cpuinfo").read()
    for n, options in enumerate(variants):
        if "bf16" in options and not bf16:
            continue
        out = os.path.join(CACHE, f"redactfarm-{name}-{n}.mp4")
        t, cpu, stages = timed_run([a.redactfarm, "run", clip, "-o", out, *segment_option(a), "--overwrite", *options])
        rows.append(("redactfarm", " ".join(options), t, score(clip, out, truth), out))
        breakdown.append((" ".join(options), t, cpu, stages))

    base = a.frames / rows[0][2]
    print(f"\n{name} ({CLIPS[name]['what']}): {a.frames} frames of {a.size}, {os.cpu_count()} cores; faces scored: {rows[0][3]['faces']}; "
          f"plain ffmpeg transcode (libx264 veryfast, crf 17): {a.frames / floor:.1f} frames/s; "
          f"issue 11's reference (libx264 faster, crf 18): {a.frames / reference:.1f} frames/s")
    print("| tool | settings | frames/s | x deface | time / ffmpeg transcode | time / faster, crf 18 | recall | recall 16-32 px | longest visible run | over-redaction | timestamps kept | audio kept |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for tool, settings, t, s, out in rows:
        fps = a.frames / t
        kept_ts = "yes" if timestamps(out, "0:v") == src_ts else "no"
        kept_audio = "yes" if timestamps(out, "0:a") == src_audio else "no"
        print(f"| {tool} | {settings} | {fps:.2f} | {fps / base:.2f}x | {t / floor:.1f}x | {t / reference:.2f}x | {s['recall']:.4f} | "
              f"{s['recallBySize'].get('16-32', float('nan')):.3f} | {s['longestVisibleRun']} | "
              f"{100 * s['overRedaction']:.2f}% | {kept_ts} | {kept_audio} |")
    cores = os.cpu_count()
    print(f"\nWhere `redactfarm run`'s time went: CPU use over the run's wall time x {cores} cores, and each stage's "
          "share of the core time (summed over segments); 'other' is core time outside any segment's stages "
          "(probe, split, stitch, manifests, and idle cores)")
    print("| settings | wall s | CPU use | " + " | ".join(STAGES) + " | other |")
    print("|---|---|---|" + "---|" * (len(STAGES) + 1))
    for settings, t, cpu, stages in breakdown:
        core_ms = t * cores * 1000
        other = max(0.0, core_ms - sum(stages.values()))
        print(f"| {settings} | {t:.1f} | {100 * cpu / (t * cores):.0f}% | "
              + " | ".join(f"{100 * stages[k] / core_ms:.1f}%" for k in STAGES) + f" | {100 * other / core_ms:.1f}% |")
    sys.stdout.flush()
    return [(name, settings, a.frames / t, a.frames / t / base, s) for tool, settings, t, s, _ in rows if tool == "redactfarm"]


def print_summary(summary):
    """Every clip's figures side by side: the floors hold only if they hold on every clip."""
    print("\nAll clips (x deface is against deface on the same clip in the same run):")
    print("| clip | settings | frames/s | x deface | recall | recall 16-32 px | longest visible run | over-redaction |")
    print("|---|---|---|---|---|---|---|---|")
    for name, settings, fps, ratio, s in summary:
        print(f"| {name} | {settings} | {fps:.2f} | {ratio:.2f}x | {s['recall']:.4f} | "
              f"{s['recallBySize'].get('16-32', float('nan')):.3f} | {s['longestVisibleRun']} | {100 * s['overRedaction']:.2f}% |")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=500)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--profiles", default="safe,balanced,fast")
    # The profiles run as a user runs them (run's --precision auto: bf16 for safe and fast where
    # the CPU has it); the variants show the same at f32, what auto falls back to elsewhere.
    ap.add_argument("--variants", default="--profile safe --precision f32;--profile fast --precision f32",
                    help="more redactfarm option sets, ';'-separated (bf16 ones are skipped on CPUs without it)")
    ap.add_argument("--redactfarm", default=os.path.join(ROOT, ".build", "release", "redactfarm"))
    ap.add_argument("--plates", type=int, default=500, help="frames of the licence-plate clip (0: skip it)")
    ap.add_argument("--segment-seconds", default="",
                    help="passed to redactfarm run; empty (the default): run's own default, as a user runs it")
    ap.add_argument("--clips", default=",".join(CLIPS),
                    help="ground-truth clips to score, ','-separated, from: " + ", ".join(CLIPS))
    a = ap.parse_args()
    os.makedirs(CACHE, exist_ok=True)
    venv = os.path.join(ROOT, ".cache", "deface-venv")
    deface = os.path.join(venv, "bin", "deface")
    if not os.path.exists(deface):
        sh([sys.executable, "-m", "venv", venv])
        sh([os.path.join(venv, "bin", "pip"), "install", "-q", "deface==1.5.0", "onnx", "onnxruntime"])
    summary = []
    for name in a.clips.split(","):
        summary += compare_clip(a, name, deface)
    print_summary(summary)
    plates = plate_rows(a) if a.plates else []
    if plates:
        print_plates(a, plates)


def segment_option(a):
    return ["--segment-seconds", a.segment_seconds] if a.segment_seconds else []


def plate_rows(a):
    """Licence plates: synthetic registrations composited into the same footage. deface has no
    plate target, so there is no reference row; scored on the registration's box."""
    clip = os.path.join(CACHE, f"plates_{a.size}_{a.plates}.mp4")
    truth = clip + ".truth.json"
    if not os.path.exists(truth):
        sh([sys.executable, os.path.join(HERE, "groundtruth.py"), "--background", os.path.join(ASSETS, "bikes.mp4"),
            "--plates", "--size", a.size, "--frames", str(a.plates), "--count", "12", "--seed", "3", "--out", clip,
            "--truth", truth])
    rows = []
    for targets in ("plate", "face,plate"):
        out = os.path.join(CACHE, f"redactfarm-{targets.replace(',', '-')}.mp4")
        t = timed([a.redactfarm, "run", clip, "-o", out, "--targets", targets, *segment_option(a), "--overwrite"])
        rows.append((targets, a.plates / t, score(clip, out, truth, "--min-size", "6")))
    return rows


def print_plates(a, rows):
    print(f"\nLicence plates: {a.plates} frames of {a.size}, 12 synthetic plates (registrations 6-37 px high), "
          f"scored on registrations of 6 px and more: {rows[0][2]['faces']}")
    print("| tool | settings | frames/s | recall | recall <16 px | longest visible run | over-redaction |")
    print("|---|---|---|---|---|---|---|")
    for targets, fps, s in rows:
        print(f"| redactfarm | --targets {targets} | {fps:.2f} | {s['recall']:.4f} | "
              f"{s['recallBySize'].get('<16', float('nan')):.3f} | {s['longestVisibleRun']} | {100 * s['overRedaction']:.2f}% |")


if __name__ == "__main__":
    main()
