"""CTC decoding (greedy and prefix beam search) and edit distance, blank = 0."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Dict, List, Sequence, Tuple

import numpy as np


def greedy(logp: np.ndarray) -> List[int]:
    """Best class per frame, repeats merged, blanks dropped. `logp` is (T, C)."""
    out, prev = [], 0
    for c in logp.argmax(-1).tolist():
        if c != prev and c != 0:
            out.append(c)
        prev = c
    return out


def _lse(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    m = max(a, b)
    return m + math.log(math.exp(a - m) + math.exp(b - m))


def beam(logp: np.ndarray, width: int = 8, prune: int = 16) -> List[int]:
    """CTC prefix beam search over (T, C) log-probabilities; the `prune` best classes per frame."""
    beams: Dict[Tuple[int, ...], Tuple[float, float]] = {(): (0.0, -math.inf)}  # (blank, non-blank)
    for t in range(logp.shape[0]):
        row = logp[t]
        top = np.argpartition(-row, min(prune, len(row) - 1))[:prune]
        nxt: Dict[Tuple[int, ...], List[float]] = defaultdict(lambda: [-math.inf, -math.inf])
        for prefix, (pb, pnb) in beams.items():
            total = _lse(pb, pnb)
            entry = nxt[prefix]
            entry[0] = _lse(entry[0], total + float(row[0]))
            last = prefix[-1] if prefix else None
            for c in top.tolist():
                if c == 0:
                    continue
                p = float(row[c])
                if c == last:
                    entry[1] = _lse(entry[1], pnb + p)  # repeat without blank: same prefix
                    ext = nxt[prefix + (c,)]
                    ext[1] = _lse(ext[1], pb + p)
                else:
                    ext = nxt[prefix + (c,)]
                    ext[1] = _lse(ext[1], total + p)
        ranked = sorted(nxt.items(), key=lambda kv: -_lse(kv[1][0], kv[1][1]))[:width]
        beams = {k: (v[0], v[1]) for k, v in ranked}
    best = max(beams.items(), key=lambda kv: _lse(kv[1][0], kv[1][1]))
    return list(best[0])


def edit_ops(ref: Sequence, hyp: Sequence) -> Tuple[int, List[Tuple[str, object, object]]]:
    """Levenshtein distance and the aligned edits: ('sub', r, h), ('del', r, None), ('ins', None, h)."""
    n, m = len(ref), len(hyp)
    d = np.zeros((n + 1, m + 1), dtype=np.int32)
    d[:, 0] = np.arange(n + 1)
    d[0, :] = np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]))
    ops, i, j = [], n, m
    while i > 0 or j > 0:
        if i > 0 and j > 0 and d[i, j] == d[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]):
            if ref[i - 1] != hyp[j - 1]:
                ops.append(("sub", ref[i - 1], hyp[j - 1]))
            i, j = i - 1, j - 1
        elif i > 0 and d[i, j] == d[i - 1, j] + 1:
            ops.append(("del", ref[i - 1], None))
            i -= 1
        else:
            ops.append(("ins", None, hyp[j - 1]))
            j -= 1
    return int(d[n, m]), ops[::-1]


def edit_distance(ref: Sequence, hyp: Sequence) -> int:
    """Levenshtein distance (two-row version)."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]
