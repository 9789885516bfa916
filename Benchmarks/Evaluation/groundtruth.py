#!/usr/bin/env python3
"""Ground-truth clips for redaction: real face photos composited into real footage, with the
box of every face in every frame known exactly.

Faces move, grow and shrink between 12 and 200 px high, enter and leave the picture, pass in
front of each other, and some are partly covered by a passing bar; a face's `visible` is the
share of it in the picture and not under another. With --plates, the sprites are synthetic licence plates
instead (EU proportions, 4.7:1, random registrations in a bitmap font 6 to 37 px high on
plates of 13 to 80 px), and the truth lists each registration's box. Needs only numpy and the ffmpeg CLI.

    groundtruth.py --background bikes.mp4 --faces grace_hopper.jpg astronaut.png \
        --size 1280x720 --frames 250 --out clip.mp4 --truth clip.truth.json
    groundtruth.py --background bikes.mp4 --plates --out plates.mp4 --truth plates.truth.json
"""
import argparse
import json
import subprocess
import sys

import numpy as np

# Where the face is in each source photo (x, y, w, h), as CenterFace finds it there.
FACE_BOXES = {
    "grace_hopper.jpg": (174, 128, 185, 207),
    "astronaut.png": (182, 58, 88, 120),
    "carphone_pristine.mp4": (66, 37, 46, 58),
}


def decode(path, size=None, frames=None):
    """Frames of an image or video as uint8 RGB arrays."""
    args = ["ffmpeg", "-nostdin", "-v", "error", "-i", path]
    if frames:
        args += ["-frames:v", str(frames)]
    if size:
        args += ["-vf", f"scale={size[0]}:{size[1]}"]
    args += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "stream=width,height", "-of", "csv=p=0", path], capture_output=True, text=True, check=True)
    w, h = size or tuple(int(v) for v in probe.stdout.strip().split(","))
    raw = subprocess.run(args, capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


def resize(img, w, h):
    """Bilinear resize of an RGB array."""
    sh, sw = img.shape[:2]
    ys = np.clip((np.arange(h) + 0.5) * sh / h - 0.5, 0, sh - 1)
    xs = np.clip((np.arange(w) + 0.5) * sw / w - 0.5, 0, sw - 1)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, sh - 1), np.minimum(x0 + 1, sw - 1)
    fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    img = img.astype(np.float32)
    top = img[y0][:, x0] * (1 - fx) + img[y0][:, x1] * fx
    bottom = img[y1][:, x0] * (1 - fx) + img[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


class Sprite:
    """A face photo cropped with some head around it; `face` is the face box inside it."""

    def __init__(self, name, image):
        x, y, w, h = FACE_BOXES[name]
        mx, my = int(w * 0.35), int(h * 0.35)
        H, W = image.shape[:2]
        cx0, cy0, cx1, cy1 = max(0, x - mx), max(0, y - my), min(W, x + w + mx), min(H, y + h + my)
        self.image = image[cy0:cy1, cx0:cx1]
        self.face = (x - cx0, y - cy0, w, h)
        ih, iw = self.image.shape[:2]
        yy, xx = np.mgrid[0:ih, 0:iw]
        d = ((xx - iw / 2) / (iw / 2)) ** 2 + ((yy - ih / 2) / (ih / 2)) ** 2
        self.alpha = np.clip((1.0 - d) / 0.25, 0, 1).astype(np.float32)  # soft oval edge


# A 5x7 bitmap font for the characters plates use most.
GLYPHS = {
    "0": "01110 10001 10011 10101 11001 10001 01110", "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111", "3": "11110 00001 00001 01110 00001 00001 11110",
    "4": "00010 00110 01010 10010 11111 00010 00010", "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110", "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110", "9": "01110 10001 10001 01111 00001 00010 01100",
    "A": "01110 10001 10001 11111 10001 10001 10001", "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110", "E": "11111 10000 10000 11110 10000 10000 11111",
    "H": "10001 10001 10001 11111 10001 10001 10001", "K": "10001 10010 10100 11000 10100 10010 10001",
    "M": "10001 11011 10101 10101 10001 10001 10001", "P": "11110 10001 10001 11110 10000 10000 10000",
    "T": "11111 00100 00100 00100 00100 00100 00100", "X": "10001 10001 01010 00100 01010 10001 10001",
}


class PlateSprite:
    """A synthetic licence plate, 4.7:1, black registration on white (or yellow) with a border;
    `face` is the registration (what must become unreadable), not the blank plate around it."""

    def __init__(self, rng):
        text = "".join(rng.choice(list(GLYPHS), 7))
        cell, gap = 6, 2  # glyph pixels scaled x6, two-cell spacing, at 0.2 px per source px
        w, h = 7 * (5 * cell + gap * cell) + 8 * cell, 7 * cell + 8 * cell
        w = max(w, int(h * 4.7))
        colour = (245, 245, 240) if rng.uniform() < 0.6 else (250, 205, 40)
        img = np.zeros((h, w, 3), np.float32) + colour
        img[:cell // 2], img[-(cell // 2):], img[:, :cell // 2], img[:, -(cell // 2):] = 20, 20, 20, 20
        x = (w - 7 * (5 + gap) * cell + gap * cell) // 2
        self.face = (x, 4 * cell, 7 * (5 + gap) * cell - gap * cell, 7 * cell)
        for ch in text:
            rows = GLYPHS[ch].split()
            for r, row in enumerate(rows):
                for c, bit in enumerate(row):
                    if bit == "1":
                        img[4 * cell + r * cell:4 * cell + (r + 1) * cell, x + c * cell:x + (c + 1) * cell] = 15
            x += (5 + gap) * cell
        self.image = img
        self.alpha = np.ones((h, w), np.float32)


def plan_faces(rng, count, frames, width, height, small=(12, 24), large=(60, 200)):
    """A path for each face: when it is on screen, where, and how tall its face is."""
    plans = []
    for i in range(count):
        start = int(rng.integers(0, frames // 3)) if i % 3 else 0
        end = int(rng.integers(frames * 2 // 3, frames + 1)) if i % 4 else frames
        # Every face passes through the small sizes CCTV is full of, half growing, half shrinking.
        size0, size1 = float(rng.uniform(*small)), float(rng.uniform(*large))
        if i % 2:
            size0, size1 = float(rng.uniform(*large)), float(rng.uniform(small[0], small[1] * 1.25))
        # Half the faces walk in from outside the picture, the rest start inside.
        x0 = -0.15 * width if i % 2 == 0 and i % 3 == 0 else float(rng.uniform(0.1, 0.8)) * width
        x1 = float(rng.uniform(0.1, 0.9)) * width if i % 5 else 1.15 * width
        y0, y1 = float(rng.uniform(0.1, 0.7)) * height, float(rng.uniform(0.1, 0.7)) * height
        occlude = (int(rng.integers(start, max(start + 1, end - 20))), 15) if i % 3 == 1 else None
        plans.append(dict(id=i, sprite=i, start=start, end=end, size=(size0, size1), x=(x0, x1), y=(y0, y1),
                          wobble=float(rng.uniform(0, 12)), occlude=occlude))
    return plans


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--background", required=True)
    ap.add_argument("--faces", nargs="+")
    ap.add_argument("--plates", action="store_true", help="synthetic licence plates instead of faces")
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--frames", type=int, default=250)
    ap.add_argument("--fps", type=int, default=25)
    ap.add_argument("--count", type=int, default=6, help="faces in the clip")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--look", choices=["plain", "cctv"], default="plain",
                    help="cctv: the finished frames grey, flatter and noisy, as a cheap camera records them")
    ap.add_argument("--out", required=True)
    ap.add_argument("--truth", required=True)
    a = ap.parse_args()
    width, height = (int(v) for v in a.size.split("x"))
    rng = np.random.default_rng(a.seed)

    background = decode(a.background, (width, height), a.frames)
    if a.plates:
        sprites = [PlateSprite(rng) for _ in range(a.count)]
        plans = plan_faces(rng, a.count, a.frames, width, height, small=(6, 10), large=(16, 30))
    else:
        if not a.faces:
            sys.exit("groundtruth.py: give --faces or --plates")
        sprites = [Sprite(path.rsplit("/", 1)[-1], decode(path, frames=1)[0]) for path in a.faces]
        plans = plan_faces(rng, a.count, a.frames, width, height)

    encoder = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
         "-r", str(a.fps), "-i", "-", "-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=48000",
         *(["-vf", "hue=s=0,eq=contrast=0.8:brightness=-0.06,noise=alls=12:allf=t"] if a.look == "cctv" else []),
         "-c:v", "libx264", "-preset", "veryfast", "-crf", "16", "-g", str(a.fps * 2), "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-b:a", "96k", "-shortest", a.out], stdin=subprocess.PIPE)
    truth = {"width": width, "height": height, "fps": a.fps, "frames": a.frames, "faces": []}
    for n in range(a.frames):
        frame = background[n % len(background)].astype(np.float32)
        placed = []  # in drawing order: a later sprite covers an earlier one
        for p in plans:
            if not (p["start"] <= n < p["end"]):
                continue
            t = (n - p["start"]) / max(1, p["end"] - p["start"] - 1)
            s = sprites[p["sprite"] % len(sprites)]
            face_h = p["size"][0] + (p["size"][1] - p["size"][0]) * t
            k = face_h / s.face[3]
            sw, sh = max(2, round(s.image.shape[1] * k)), max(2, round(s.image.shape[0] * k))
            cx = p["x"][0] + (p["x"][1] - p["x"][0]) * t + p["wobble"] * np.sin(n / 7)
            cy = p["y"][0] + (p["y"][1] - p["y"][0]) * t + p["wobble"] * np.cos(n / 9)
            left, top = round(cx - sw / 2), round(cy - sh / 2)
            img, alpha = resize(s.image, sw, sh), resize(s.alpha[..., None], sw, sh)
            fx0, fy0, fx1, fy1 = max(0, left), max(0, top), min(width, left + sw), min(height, top + sh)
            if fx1 <= fx0 or fy1 <= fy0:
                continue
            src = (slice(fy0 - top, fy1 - top), slice(fx0 - left, fx1 - left))
            frame[fy0:fy1, fx0:fx1] = frame[fy0:fy1, fx0:fx1] * (1 - alpha[src]) + img[src] * alpha[src]
            box = [left + s.face[0] * k, top + s.face[1] * k, left + (s.face[0] + s.face[2]) * k, top + (s.face[1] + s.face[3]) * k]
            placed.append((p, box, left, top, alpha))
        for i, (p, box, _, _, _) in enumerate(placed):
            full = (box[2] - box[0]) * (box[3] - box[1])
            clipped = [max(0, box[0]), max(0, box[1]), min(width, box[2]), min(height, box[3])]
            bx0, by0, bx1, by1 = int(clipped[0]), int(clipped[1]), int(np.ceil(clipped[2])), int(np.ceil(clipped[3]))
            if bx1 <= bx0 or by1 <= by0:
                continue
            # What of the face is in the picture and not under a sprite drawn after it.
            shown = np.ones((by1 - by0, bx1 - bx0), bool)
            for _, _, left, top, alpha in placed[i + 1:]:
                ah, aw = alpha.shape[:2]
                ox0, oy0, ox1, oy1 = max(bx0, left), max(by0, top), min(bx1, left + aw), min(by1, top + ah)
                if ox1 > ox0 and oy1 > oy0:
                    shown[oy0 - by0:oy1 - by0, ox0 - bx0:ox1 - bx0] &= alpha[oy0 - top:oy1 - top, ox0 - left:ox1 - left, 0] < 0.5
            visible = shown.sum() / full
            occluded = 0.0
            if p["occlude"] and p["occlude"][0] <= n < p["occlude"][0] + p["occlude"][1]:
                # A grey bar over the lower 40% of the face.
                bar_top = int(box[1] + 0.6 * (box[3] - box[1]))
                frame[max(0, bar_top):int(clipped[3]), int(clipped[0]):int(clipped[2])] = 90
                occluded = 0.4
            if visible > 0:
                truth["faces"].append(dict(id=p["id"], frame=n, box=[round(v, 2) for v in clipped],
                                           height=round(box[3] - box[1], 2), visible=round(min(1.0, visible), 3), occluded=occluded))
        encoder.stdin.write(np.clip(frame, 0, 255).astype(np.uint8).tobytes())
    encoder.stdin.close()
    if encoder.wait() != 0:
        sys.exit("ffmpeg failed to encode the clip")
    with open(a.truth, "w") as f:
        json.dump(truth, f)


if __name__ == "__main__":
    main()
