"""Data of the melody generator and genre classifier: `data/gen/` from `deno task data:gen`.

Each line of `<split>.jsonl` is one excerpt `{genre, piece, tokens, notes}`: melody tokens after
`<bos>` (`key:<k> meter:<m>` first) and timed notes `[pitch, start, ticks]` for piano rolls.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np


def read_vocab(data_dir: Path) -> Dict:
    """`vocab.json`: `tokens` (index = id), `genres` (`{id, description}` in label order)."""
    return json.loads((data_dir / "vocab.json").read_text(encoding="utf-8"))


def read_split(data_dir: Path, split: str) -> List[Dict]:
    with open(data_dir / f"{split}.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class MelodyWindows:
    """Training windows: `<bos> key meter` and then up to `seq_len` tokens starting at a measure.

    Genres are drawn uniformly (the corpus has 25 times more Palestrina than Bach), then an
    excerpt of the genre, then a measure to start at.
    """

    def __init__(self, records: List[Dict], vocab: Dict, seq_len: int):
        self.ids = {t: i for i, t in enumerate(vocab["tokens"])}
        self.genres = [g["id"] for g in vocab["genres"]]
        self.seq_len = seq_len
        self.by_genre: List[List[np.ndarray]] = [[] for _ in self.genres]
        self.bars: List[List[np.ndarray]] = [[] for _ in self.genres]
        for r in records:
            ids = np.array([self.ids[t] for t in r["tokens"]], dtype=np.int64)
            g = self.genres.index(r["genre"])
            self.by_genre[g].append(ids)
            body_starts = [2] + [i + 1 for i, t in enumerate(r["tokens"]) if t == "bar"][:-1]
            self.bars[g].append(np.array(body_starts, dtype=np.int64))
        self.present = [g for g, xs in enumerate(self.by_genre) if xs]

    def batch(self, rng: np.random.Generator, size: int):
        """`(inputs (B, L), targets (B, L), genre (B))`, padded with 0 (`<pad>`, ignored)."""
        bos = self.ids["<bos>"]
        rows, genres = [], []
        for _ in range(size):
            g = self.present[rng.integers(len(self.present))]
            k = rng.integers(len(self.by_genre[g]))
            ids, starts = self.by_genre[g][k], self.bars[g][k]
            s = int(starts[rng.integers(len(starts))])
            rows.append(np.concatenate([[bos], ids[:2], ids[s:s + self.seq_len]]))
            genres.append(g)
        return pad_rows(rows), np.array(genres, dtype=np.int64)


def pad_rows(rows: Sequence[np.ndarray]):
    """Inputs and next-token targets of token rows, padded with 0."""
    width = max(len(r) for r in rows) - 1
    x = np.zeros((len(rows), width), dtype=np.int64)
    y = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        x[i, :len(r) - 1] = r[:-1]
        y[i, :len(r) - 1] = r[1:]
    return x, y


def piano_roll(notes: Sequence[Sequence[int]], first_step: int, low_pitch: int, pitches: int,
               step_ticks: int, steps: int, transpose: int = 0) -> np.ndarray:
    """One window `(2, pitches, steps)` from `first_step`: onsets, then sounding notes.

    Mirrors `shared/music/piano_roll.ts` (pitches folded into range by octaves); the classifier
    parity test holds the two to the same numbers.
    """
    roll = np.zeros((2, pitches, steps), dtype=np.float32)
    for pitch, start, ticks in notes:
        p = pitch + transpose
        while p < low_pitch:
            p += 12
        while p >= low_pitch + pitches:
            p -= 12
        row = p - low_pitch
        on = start // step_ticks - first_step
        off = max(on + 1, (start + ticks) // step_ticks - first_step)
        if off <= 0 or on >= steps:
            continue
        if on >= 0:
            roll[0, row, on] = 1.0
        roll[1, row, max(0, on):min(steps, off)] = 1.0
    return roll


def window_starts(notes: Sequence[Sequence[int]], step_ticks: int, steps: int, hop: int) -> List[int]:
    """First steps of the windows that cover a piece (as `pianoRollWindows` in TypeScript)."""
    end = max((s + t for _, s, t in notes), default=0)
    total = max(1, -(-end // step_ticks))
    starts = list(range(0, max(0, total - steps), hop))  # each window ends before the last
    starts.append(max(0, total - steps))
    return starts
