#!/usr/bin/env python3
"""Makes the int8 CenterFace (OpenVINO IR) from the pinned f32 model, run by ops/fetch-assets.sh.

usage: quantize-centerface.py CENTERFACE_ONNX SCIKIT_IMAGE_WHEEL OUT_STEM

Post-training quantization with NNCF (pinned in quantize-requirements.txt): activations and
weights to 8 bits, calibrated on pictures none of the evaluation clips use (make eval draws
its faces from grace_hopper, astronaut and carphone): ten of scikit-image's sample pictures as
backgrounds, each with faces from its LFW subset (25x25 grey) pasted at 12-120 px. Everything
is fixed (pictures, seed, sizes, places), so the same packages on the same kind of CPU make
the same bytes; fetch-assets.sh checks them against the pin and leaves int8 out where not.

The weights of CenterFace's depthwise convolutions reach them through a Reshape: folded into
constants first, or OpenVINO's CPU plugin runs those layers in f32 and converts the
activations back and forth around each (measured: 143 ms a 1280x736 inference in f32, 106 ms
quantized without folding, 50 ms with).
"""
import io, subprocess, sys, zipfile

import numpy as np
import nncf
import openvino as ov
from openvino import passes

W, H = 1280, 736
BACKGROUNDS = ["coffee.png", "chelsea.png", "motorcycle_left.png", "rocket.jpg", "camera.png",
               "grass.png", "gravel.png", "brick.png", "hubble_deep_field.jpg", "page.png"]


def picture(png: bytes) -> np.ndarray:
    """A sample picture scaled to the calibration size, as HxWx3 uint8 (ffmpeg, bit-exact)."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", "pipe:0", "-vf", f"scale={W}:{H}:flags=bilinear+bitexact+accurate_rnd",
                          "-frames:v", "1", "-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1"],
                         input=png, capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(H, W, 3).copy()


def resized(face: np.ndarray, size: int) -> np.ndarray:
    """A 25x25 face (0-1) at size x size by nearest neighbour, as 0-255 grey."""
    idx = (np.arange(size) * face.shape[0]) // size
    return (face[idx][:, idx] * 255).astype(np.uint8)


def calibration(wheel: str) -> list:
    with zipfile.ZipFile(wheel) as z:
        faces = np.load(io.BytesIO(z.read("skimage/data/lfw_subset.npy")))[:100]
        backgrounds = [picture(z.read("skimage/data/" + name)) for name in BACKGROUNDS]
    rng = np.random.default_rng(20261206)
    frames = []
    for background in backgrounds:
        for _ in range(3):
            frame = background.copy()
            for _ in range(int(rng.integers(3, 9))):
                size = int(rng.integers(12, 121))
                x, y = int(rng.integers(0, W - size)), int(rng.integers(0, H - size))
                face = resized(faces[int(rng.integers(0, len(faces)))], size)
                frame[y:y + size, x:x + size, :] = face[:, :, None]
            frames.append(np.ascontiguousarray(frame.astype(np.float32).transpose(2, 0, 1)[None]))
    return frames


def main() -> None:
    onnx_path, wheel, out = sys.argv[1:]
    model = ov.Core().read_model(onnx_path)
    model.reshape({"input.1": ov.PartialShape([1, 3, -1, -1])})
    folding = passes.Manager()
    folding.register_pass(passes.ConstantFolding())
    folding.run_passes(model)
    frames = calibration(wheel)
    nncf.set_log_level(40)
    quantized = nncf.quantize(model, nncf.Dataset(frames), subset_size=len(frames))
    ov.save_model(quantized, out + ".xml", compress_to_fp16=False)


if __name__ == "__main__":
    main()
