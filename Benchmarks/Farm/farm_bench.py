#!/usr/bin/env python3
"""The farm as real processes on this machine: throughput with 1 and 2 workers, the
coordinator's own share of the wall time, and peak memory of coordinator and worker on a
1-minute and a 10-minute 1080p file.

- Throughput: a ground-truth clip as compare.py makes it (1280x720, 1000 frames, real faces) with the
  default profile, 1 s segments (--segment-seconds), `redactfarm coordinator` + N `redactfarm worker` over loopback
  TCP. `redactfarm run` (embedded farm) on the same clip is shown beside it.
- Overhead: wall time the coordinator alone is on the critical path (submit -> first segment
  dispatched: probe + split; last result -> output and manifest written: stitch, sidecars,
  signing) over the job's wall time, and the coordinator's CPU time over the wall time
  (including dispatch, transfer and result verification, which overlap the workers).
- Memory: 1080p30 testsrc2 with audio, 60 s and 600 s, zones only (`--targets none --zone ...`,
  x264 ultrafast) so the run is bounded by decode/encode, not detection: VmHWM of each process.

    farm_bench.py [--redactfarm .build/release/redactfarm] [--skip-memory] [--long-seconds 600]
    farm_bench.py --only-memory --faces    (the memory table on real faces at 1080p)
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CACHE = os.path.join(ROOT, ".cache", "bench")
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "Evaluation"))


def proc_field(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024  # MiB
    except OSError:
        return None


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Farm:
    def __init__(self, binary, workers, scratch):
        self.binary, self.scratch = binary, scratch
        self.state = os.path.join(scratch, "state")
        self.log = open(os.path.join(scratch, "coordinator.log"), "w")
        self.coordinator = subprocess.Popen([binary, "coordinator", "--state", self.state, "--listen", "tcp://127.0.0.1:0",
                                             "--insecure"], stdout=self.log, stderr=self.log)
        endpoint = None
        for _ in range(200):
            text = open(self.log.name).read()
            for line in text.splitlines():
                if "workers: tcp://" in line:
                    endpoint = line.split("workers: ")[1].split(";")[0]
            if endpoint:
                break
            time.sleep(0.05)
        # One core each, so n workers on this machine are n cores, none shared.
        self.workers = [subprocess.Popen([binary, "worker", "--connect", endpoint, "--insecure", "--name", f"w{n}", "--cores", "1"],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for n in range(workers)]
        while len(json.loads(self.cli("workers", "--json"))) < workers:
            time.sleep(0.1)

    def cli(self, *args):
        return subprocess.run([self.binary, *args, "--state", self.state], capture_output=True, text=True, check=True).stdout

    def job(self, inputs, out, *options):
        cpu0 = cpu_seconds(self.coordinator.pid)
        # --wait follows the coordinator's events: polling `status` from here would itself
        # take CPU from the workers (a process start per poll).
        done = subprocess.run([self.binary, "submit", *inputs, "-o", out, *options, "--wait", "--json", "--state", self.state],
                              capture_output=True, text=True)
        job = json.loads(self.cli("status", "--json"))[-1]["id"]
        status = json.loads(self.cli("status", job, "--json"))[0]
        if status["state"] != "done":
            raise SystemExit(f"job failed: {[f.get('error') for f in status['files']]}")
        status["coordinatorCPU"] = cpu_seconds(self.coordinator.pid) - cpu0
        status["workerCPU"] = sum(cpu_seconds(w.pid) for w in self.workers)
        return status

    def peaks(self):
        return proc_field(self.coordinator.pid, "VmHWM"), max(proc_field(w.pid, "VmHWM") or 0 for w in self.workers)

    def stop(self):
        for p in self.workers + [self.coordinator]:
            p.terminate()
        for p in self.workers + [self.coordinator]:
            p.wait(timeout=60)
        self.log.close()


def make_1080p(seconds):
    path = os.path.join(CACHE, f"farm_1080p_{seconds}s.mp4")
    if not os.path.exists(path):
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
                        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
                        "-c:v", "libx264", "-preset", "veryfast", "-b:v", "8M", "-g", "60", "-pix_fmt", "yuv420p",
                        "-c:a", "aac", "-b:a", "128k", path], check=True)
    return path


def make_1080p_faces(seconds):
    """The crowd ground-truth clip (real faces, 20 s at 25 fps, made by compare.py) scaled to
    1080p and played over and over for `seconds`, with a tone for audio: tracks, crops and
    magnified passes all run, at 1080p, for as long as the file lasts."""
    clip = os.path.join(CACHE, "gt_crowd_1280x720_500.mp4")
    if not os.path.exists(clip):
        sys.exit(f"{clip} is missing: run `make eval` (or Benchmarks/Evaluation/compare.py) once to make the ground-truth clips")
    path = os.path.join(CACHE, f"farm_1080p_faces_{seconds}s.mp4")
    if not os.path.exists(path):
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-stream_loop", "-1", "-i", clip,
                        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
                        "-map", "0:v", "-map", "1:a", "-t", str(seconds), "-vf", "scale=1920:1080",
                        "-c:v", "libx264", "-preset", "veryfast", "-b:v", "8M", "-g", "50", "-pix_fmt", "yuv420p",
                        "-c:a", "aac", "-b:a", "128k", path], check=True)
    return path


def row(label, workers, frames, s, peaks=None, base=None):
    wall = s["finishedAt"] - s["createdAt"]
    critical = (s["firstDispatchAt"] - s["createdAt"]) + (s["finishedAt"] - s["lastResultAt"])
    fps = frames / wall
    cells = [label, str(workers), f"{wall:.1f}", f"{fps:.2f}", f"{fps / base:.2f}x" if base else "1.00x",
             f"{100 * critical / wall:.2f}%", f"{100 * s['coordinatorCPU'] / wall:.2f}%"]
    if peaks:
        cells += [f"{peaks[0]:.0f}", f"{peaks[1]:.0f}"]
    return "| " + " | ".join(cells) + " |", fps


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--redactfarm", default=os.path.join(ROOT, ".build", "release", "redactfarm"))
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--long-seconds", type=int, default=600)
    ap.add_argument("--workers", default="1,2", help="worker counts for the throughput table")
    ap.add_argument("--segment-seconds", default="1", help="segment length for the throughput table")
    ap.add_argument("--frames", type=int, default=1000, help="length of the ground-truth clip for the throughput table")
    ap.add_argument("--skip-embedded", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep each run's state folder and logs in /tmp")
    ap.add_argument("--detect-memory", action="store_true",
                    help="the memory table with face detection on (fast profile, --precision auto) instead of zones only")
    ap.add_argument("--only-memory", action="store_true", help="skip the throughput tables")
    ap.add_argument("--faces", action="store_true",
                    help="the memory table on a 1080p file with real faces (the crowd ground truth, scaled and looped), detection on")
    a = ap.parse_args()
    os.makedirs(CACHE, exist_ok=True)
    frames = a.frames
    clip = os.path.join(CACHE, f"gt_1280x720_{frames}.mp4")
    if not os.path.exists(clip):
        assets = os.path.join(ROOT, ".cache", "assets")
        subprocess.run([sys.executable, os.path.join(ROOT, "Benchmarks", "Evaluation", "groundtruth.py"),
                        "--background", os.path.join(assets, "bikes.mp4"),
                        "--faces", os.path.join(assets, "grace_hopper.jpg"), os.path.join(assets, "astronaut.png"),
                        "--size", "1280x720", "--frames", str(frames), "--count", "8", "--seed", "2",
                        "--out", clip, "--truth", clip + ".truth.json"], check=True)

    if a.only_memory:
        return memory(a)
    print(f"\nThroughput: {frames} frames of 1280x720 with real faces, default profile (safe), {a.segment_seconds} s segments, {os.cpu_count()} cores")
    print("| run | workers | wall s | frames/s | speed-up | coordinator on critical path | coordinator CPU / wall |")
    print("|---|---|---|---|---|---|---|")
    base = None
    for n in map(int, a.workers.split(",")):
        scratch = tempfile.mkdtemp(prefix="rf-bench-", dir="/tmp")
        farm = Farm(a.redactfarm, n, scratch)
        try:
            s = farm.job([clip], os.path.join(scratch, "out"), "--segment-seconds", a.segment_seconds)
        finally:
            farm.stop()
        line, fps = row("coordinator + workers (TCP)", n, frames, s, base=base)
        if a.keep:
            print(f"worker CPU {s['workerCPU']:.1f} s, kept {scratch}")
        base = base or fps
        print(line)
        if not a.keep:
            shutil.rmtree(scratch)
    if a.skip_embedded:
        return
    scratch = tempfile.mkdtemp(prefix="rf-bench-", dir="/tmp")
    start = time.monotonic()
    subprocess.run([a.redactfarm, "run", clip, "-o", os.path.join(scratch, "out.mp4"), "--segment-seconds", a.segment_seconds, "--workers", "2"],
                   check=True, stdout=subprocess.DEVNULL)
    wall = time.monotonic() - start
    print(f"| `redactfarm run` (embedded, whole command) | 2 | {wall:.1f} | {frames / wall:.2f} | {frames / wall / base:.2f}x | - | - |")
    shutil.rmtree(scratch)

    if not a.skip_memory:
        memory(a)


def memory(a):
    """Peak memory of coordinator and workers on a 1-minute and a long 1080p file: it must not
    grow with the file's length."""
    if a.detect_memory or a.faces:
        what, options = "face detection on (fast profile, --precision auto)", ["--profile", "fast", "--precision", "auto"]
    else:
        what, options = "zones only", ["--targets", "none", "--zone", "100,100,400,300"]
    picture, rate = ("the crowd ground truth at 1080p25, looped", 25) if a.faces else ("1080p30 testsrc2", 30)
    print(f"\nMemory: {picture}, 8 Mbit/s + AAC, {what}, x264 ultrafast, 10 s segments, 2 workers")
    print("| file | workers | wall s | frames/s | speed-up | coordinator on critical path | coordinator CPU / wall | coordinator peak MiB | worker peak MiB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for seconds in (60, a.long_seconds):
        source = make_1080p_faces(seconds) if a.faces else make_1080p(seconds)
        scratch = tempfile.mkdtemp(prefix="rf-bench-", dir="/tmp")
        farm = Farm(a.redactfarm, 2, scratch)
        try:
            s = farm.job([source], os.path.join(scratch, "out"), *options, "--preset", "ultrafast")
            peaks = farm.peaks()
        finally:
            farm.stop()
        line, _ = row(f"{seconds} s", 2, seconds * rate, s, peaks=peaks, base=None)
        print(line.replace("| 1.00x |", "| - |"), flush=True)
        shutil.rmtree(scratch)

if __name__ == "__main__":
    main()
