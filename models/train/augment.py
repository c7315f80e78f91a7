"""Seeded camera augmentation for staff images (numpy + PIL only).

`camera(image, rng)` takes a grayscale uint8 staff (paper white, ink black) at the model's
input height and returns one as a phone photo might show it: perspective, rotation, scale,
uneven light, paper texture, blur, noise and JPEG. All randomness comes from `rng`, a
`numpy.random.Generator`, so an (epoch, staff) seed reproduces the same picture.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter


def _perspective(img: Image.Image, rng: np.random.Generator, amount: float) -> Image.Image:
    """Moves the four corners by up to `amount` of the height; paper fills the outside."""
    w, h = img.size
    d = amount * h
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    dst = [(x + rng.uniform(-d, d), y + rng.uniform(-d, d)) for x, y in src]
    # PIL wants the coefficients mapping output to input points.
    a = []
    for (x, y), (u, v) in zip(dst, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    coeffs = np.linalg.solve(np.array(a, dtype=np.float64), np.array(src, dtype=np.float64).ravel())
    return img.transform((w, h), Image.PERSPECTIVE, tuple(coeffs), Image.BILINEAR, fillcolor=255)


def _scale(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Zooms the content (0.8-1.1), keeping the height; the width follows the zoom."""
    w, h = img.size
    s = rng.uniform(0.8, 1.1)
    sw = max(8, int(round(w * s * rng.uniform(0.9, 1.1))))
    sh = max(4, int(round(h * s)))
    small = img.resize((sw, sh), Image.BILINEAR)
    if sh >= h:  # crop vertically around the centre, with a little jitter
        top = int(rng.integers(0, sh - h + 1))
        return small.crop((0, top, sw, top + h))
    canvas = Image.new("L", (sw, h), 255)
    canvas.paste(small, (0, int(rng.integers(0, h - sh + 1))))
    return canvas


def camera(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A camera-like version of `image` (H, W) uint8; the height stays, the width may change."""
    img = Image.fromarray(image, "L")
    h = img.size[1]
    if rng.random() < 0.7:
        img = _scale(img, rng)
    if rng.random() < 0.6:
        img = img.rotate(rng.uniform(-2.0, 2.0), Image.BILINEAR, expand=False, fillcolor=255)
    if rng.random() < 0.6:
        img = _perspective(img, rng, rng.uniform(0.02, 0.12))
    x = np.asarray(img, dtype=np.float32) / 255.0  # (H, W), paper = 1
    H, W = x.shape
    if rng.random() < 0.7:  # uneven light: a tilted plane plus a soft radial falloff
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        gx, gy = rng.uniform(-0.35, 0.35, 2)
        cx, cy = rng.uniform(0, W), rng.uniform(0, H)
        r = np.hypot((xx - cx) / max(W, 1), (yy - cy) / max(H, 1) * 0.3)
        light = 1.0 + gx * (xx / max(W, 1) - 0.5) + gy * (yy / max(H, 1) - 0.5) * 0.3
        light -= rng.uniform(0.0, 0.4) * r
        x = x * np.clip(light, 0.3, 1.3)
    if rng.random() < 0.5:  # paper texture: smooth low-frequency grain
        gh, gw = max(2, H // 8), max(2, W // 8)
        grain = rng.normal(0.0, 1.0, (gh, gw)).astype(np.float32)
        grain = np.asarray(Image.fromarray(grain).resize((W, H), Image.BICUBIC), dtype=np.float32)
        x = x * (1.0 + rng.uniform(0.02, 0.08) * grain)
    if rng.random() < 0.3:  # low contrast: grey paper, grey ink
        lo, hi = rng.uniform(0.0, 0.35), rng.uniform(0.7, 1.0)
        x = lo + x * (hi - lo)
    img = Image.fromarray(np.clip(x * 255.0, 0, 255).astype(np.uint8), "L")
    if rng.random() < 0.5:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.2, 1.2) * h / 64))
    x = np.asarray(img, dtype=np.float32)
    if rng.random() < 0.6:
        x = x + rng.normal(0.0, rng.uniform(2.0, 14.0), x.shape).astype(np.float32)
    img = Image.fromarray(np.clip(x, 0, 255).astype(np.uint8), "L")
    if rng.random() < 0.5:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=int(rng.integers(25, 90)))
        buf.seek(0)
        img = Image.open(buf).convert("L")
    return np.asarray(img, dtype=np.uint8)
