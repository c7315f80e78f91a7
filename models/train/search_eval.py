"""Retrieval metrics of the search report: instance retrieval (the MSMD protocol: each query's
own excerpt among a pool of candidates; recall@k and mean reciprocal rank) and class-level mean
average precision (the DSCMR protocol: every candidate of the query's class is relevant).
"""

from __future__ import annotations

from typing import Dict, Sequence

import numpy as np


def instance_metrics(queries: np.ndarray, candidates: np.ndarray, ks: Sequence[int] = (1, 5, 10)) -> Dict:
    """Query i's match is candidate i; rows are L2-normalised embeddings (cosine similarity)."""
    sim = queries @ candidates.T
    own = np.diag(sim)
    rank = (sim > own[:, None]).sum(1)  # 0 = first
    out = {f"r@{k}": float((rank < k).mean()) for k in ks}
    out["mrr"] = float((1.0 / (rank + 1)).mean())
    out["median_rank"] = float(np.median(rank + 1))
    out["pool"] = int(len(candidates))
    return out


def class_map(queries: np.ndarray, candidates: np.ndarray, q_labels: Sequence, c_labels: Sequence) -> float:
    """Mean average precision over all candidates, relevant = same label."""
    sim = queries @ candidates.T
    c_labels = np.asarray(c_labels)
    aps = []
    for i, label in enumerate(q_labels):
        order = np.argsort(-sim[i], kind="stable")
        rel = (c_labels[order] == label).astype(np.float64)
        if rel.sum() == 0:
            continue
        hits = np.cumsum(rel)
        aps.append(float((hits / np.arange(1, len(rel) + 1) * rel).sum() / rel.sum()))
    return float(np.mean(aps)) if aps else 0.0


def normalise(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(n > 0, n, 1.0)
