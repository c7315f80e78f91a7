"""The OMR dataset: `<split>/<id>.png` with `<id>.semantic` and `<id>.agnostic` token files.

Images are made grayscale (alpha over white), resized to the input height keeping the aspect
ratio, and given to the model as ink = 1, paper = 0. Batches group staves of similar width and
pad on the right with paper. Labels map to vocabulary indices + 1 (0 is the CTC blank); staves
with tokens outside the vocabulary are counted and reported, and skipped or refused by config.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import numpy as np
import torch
from PIL import Image

from .augment import camera

HEADS = ("semantic", "agnostic")


def read_vocab(path: Path) -> List[str]:
    """One token per line; blank lines ignored; duplicates refused."""
    tokens = [t.strip() for t in path.read_text(encoding="utf-8").splitlines() if t.strip()]
    if len(set(tokens)) != len(tokens):
        raise ValueError(f"Invalid vocabulary {str(path)!r}: repeated tokens")
    return tokens


def training_vocab(reference: Path, data_dir: Path, head: str) -> List[str]:
    """The reference (PrIMuS) vocabulary, then the tokens the data manifest lists as outside it.

    PrIMuS's lists hold only the combinations its incipits happened to use (no `note-Gb2_eighth`,
    no `keySignature-CbM`); our corpus has valid music beyond them, recorded by the data pipeline
    under `tokens.outOfVocabulary.<head>`. Appending them (sorted) keeps every reference index.
    """
    tokens = read_vocab(reference)
    manifest = data_dir / "manifest.json"
    if manifest.exists():
        extra = json.loads(manifest.read_text(encoding="utf-8")).get("tokens", {}) \
            .get("outOfVocabulary", {}).get(head, {})
        known = set(tokens)
        tokens += sorted(t for t in extra if t not in known)
    return tokens


def read_tokens(path: Path) -> List[str]:
    """PrIMuS label file: tokens separated by TAB and/or newlines, trailing separators allowed."""
    text = path.read_text(encoding="utf-8")
    return [t.strip() for t in text.replace("\n", "\t").split("\t") if t.strip()]


def load_gray(path: Path) -> np.ndarray:
    """Any PNG as (H, W) uint8, transparency composited over white."""
    img = Image.open(path)
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        white = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, img)
    return np.asarray(img.convert("L"), dtype=np.uint8)


def resize_height(gray: np.ndarray, height: int, max_width: int = 0) -> np.ndarray:
    """Resizes to `height` keeping the aspect ratio; wider than `max_width` is squeezed."""
    h, w = gray.shape
    width = max(4, int(round(w * height / h)))
    if max_width and width > max_width:
        width = max_width
    if (h, w) == (height, width):
        return gray
    return np.asarray(Image.fromarray(gray).resize((width, height), Image.BILINEAR), np.uint8)


def to_input(gray: np.ndarray) -> np.ndarray:
    """(H, W) uint8 paper-white -> (H, W) float32 with ink = 1, paper = 0."""
    return (255.0 - gray.astype(np.float32)) / 255.0


@dataclass
class SplitReport:
    """What loading a split found."""
    staves: int = 0
    skipped: int = 0
    unknown: Dict[str, Counter] = field(default_factory=lambda: {h: Counter() for h in HEADS})

    def lines(self) -> List[str]:
        out = [f"{self.staves} staves, {self.skipped} skipped for unknown tokens"]
        for head, counts in self.unknown.items():
            if counts:
                top = ", ".join(f"{t} x{n}" for t, n in counts.most_common(8))
                out.append(f"unknown {head} tokens ({sum(counts.values())}): {top}")
        return out


class OmrDataset(torch.utils.data.Dataset):
    """One split. Items: (image (H, W) float32, {head: label tensor}, id)."""

    def __init__(self, root: Path, split: str, vocabs: Dict[str, List[str]], height: int,
                 max_width: int, unknown: str = "skip", augment: bool = False,
                 augment_prob: float = 0.8, seed: int = 0, limit: int = 0):
        folder = root / split
        if not folder.is_dir():
            have = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
            raise FileNotFoundError(f"Missing split folder {str(folder)!r}: found {have}")
        self.height, self.max_width = height, max_width
        self.augment, self.augment_prob, self.seed = augment, augment_prob, seed
        self.epoch = 0
        index = {h: {t: i + 1 for i, t in enumerate(v)} for h, v in vocabs.items()}
        self.report = SplitReport()
        self.items: List[Tuple[Path, Dict[str, List[int]], List[str]]] = []
        self.squeezed = 0
        for png in sorted(folder.glob("*.png")):
            labels, ok = {}, True
            for head in HEADS:
                tokens = read_tokens(png.with_suffix(f".{head}"))
                missing = [t for t in tokens if t not in index[head]]
                if missing:
                    self.report.unknown[head].update(missing)
                    ok = False
                labels[head] = [index[head].get(t, 0) for t in tokens]
            if not ok:
                if unknown == "error":
                    raise ValueError(f"Unknown tokens in {str(png)!r}: "
                                     f"{self.report.lines()[1:]}")
                self.report.skipped += 1
                continue
            self.items.append((png, labels, [png.stem]))
            if limit and len(self.items) >= limit:
                break
        self.report.staves = len(self.items)
        self.widths = [self._width(p) for p, _, _ in self.items]

    def _width(self, png: Path) -> int:
        with Image.open(png) as img:
            w, h = img.size
        width = max(4, int(round(w * self.height / h)))
        if self.max_width and width > self.max_width:
            self.squeezed += 1
            width = self.max_width
        return width

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int):
        png, labels, (sid,) = self.items[i]
        gray = resize_height(load_gray(png), self.height, self.max_width)
        if self.augment:
            rng = np.random.default_rng([self.seed, self.epoch, i])  # the same on resume
            if rng.random() < self.augment_prob:
                gray = resize_height(camera(gray, rng), self.height, self.max_width)
        x = torch.from_numpy(to_input(gray))
        return x, {h: torch.tensor(v, dtype=torch.long) for h, v in labels.items()}, sid


class BucketSampler(torch.utils.data.Sampler):
    """Batches of similar width, in an order fixed by (seed, epoch); `skip` drops the first
    batches of the epoch (for resuming mid-epoch)."""

    def __init__(self, widths: List[int], batch_size: int, seed: int, shuffle: bool = True):
        self.widths, self.batch_size, self.seed, self.shuffle = widths, batch_size, seed, shuffle
        self.epoch, self.skip = 0, 0

    def batches(self) -> List[List[int]]:
        rnd = random.Random(self.seed * 1000003 + self.epoch)
        order = list(range(len(self.widths)))
        if self.shuffle:
            rnd.shuffle(order)
        # Sort within windows of 50 batches by width, then shuffle the batches.
        window = self.batch_size * 50
        out: List[List[int]] = []
        for s in range(0, len(order), window):
            chunk = sorted(order[s: s + window], key=lambda i: self.widths[i])
            out += [chunk[j: j + self.batch_size] for j in range(0, len(chunk), self.batch_size)]
        if self.shuffle:
            rnd.shuffle(out)
        return out

    def __iter__(self) -> Iterator[List[int]]:
        return iter(self.batches()[self.skip:])

    def __len__(self) -> int:
        return max(0, -(-len(self.widths) // self.batch_size) - self.skip)


def make_collate(bucket: int):
    """Pads images to the batch's widest (a multiple of `bucket`) with paper (0)."""

    def collate(items):
        images, labels, ids = zip(*items)
        height = images[0].shape[0]
        width = max(x.shape[1] for x in images)
        width = -(-width // bucket) * bucket
        batch = torch.zeros(len(images), 1, height, width)  # (B, 1, H, W)
        for i, x in enumerate(images):
            batch[i, 0, :, : x.shape[1]] = x
        widths = torch.tensor([x.shape[1] for x in images], dtype=torch.long)
        out = {}
        for head in HEADS:
            seqs = [lab[head] for lab in labels]
            out[head] = (torch.cat(seqs), torch.tensor([len(s) for s in seqs], dtype=torch.long))
        return batch, widths, out, list(ids)

    return collate


def make_loader(ds: OmrDataset, batch_size: int, seed: int, shuffle: bool, bucket: int,
                workers: int) -> Tuple[torch.utils.data.DataLoader, BucketSampler]:
    sampler = BucketSampler(ds.widths, batch_size, seed, shuffle)
    loader = torch.utils.data.DataLoader(ds, batch_sampler=sampler, collate_fn=make_collate(bucket),
                                         num_workers=workers, persistent_workers=False)
    return loader, sampler


def frame_check(ds: OmrDataset, frames_for_width) -> Optional[str]:
    """A warning when some labels are longer than half the frames (CTC gets tight)."""
    tight = impossible = 0
    for (_, labels, _), w in zip(ds.items, ds.widths):
        n, frames = max(len(v) for v in labels.values()), frames_for_width(w)
        tight += frames < 2 * n
        impossible += frames < n
    if tight:
        return (f"{tight} of {len(ds)} staves have fewer than 2 frames per label token "
                f"({impossible} fewer than 1: CTC cannot align them)")
    return None
