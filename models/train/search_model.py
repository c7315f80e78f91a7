"""The cross-modal search model, read top to bottom:

1. Features: each modality's pitch-by-time roll (from TypeScript, shared/search/roll.ts) centred,
   projected on its first principal components and L2-normalised (`Features`).
2. Graph: every excerpt is joined to its k nearest excerpts of a fixed bank of training excerpts
   in its own modality; the adjacency is made symmetric, self-loops added and normalised
   D^-1/2 (A + I) D^-1/2 (`build_graph`). A new query has no graph: `Bank` finds its k neighbours
   in the same bank and aggregates exactly as the training graph does for an excerpt outside the
   bank, so training and queries see one rule (the inductive step).
   With `graph="paired"` every node also carries the paired bank's symbolic view: a bank
   excerpt's notes features beside its own, zeros for an excerpt outside the bank (a query's
   notes are not known). The bank is paired across modalities, so an audio excerpt and its sheet
   that fall near the same bank excerpts aggregate the same notes: a cross-modal signal the
   per-excerpt FC encoder cannot see. Training excerpts are then aggregated exactly as queries
   (`aggregate_as_queries`).
3. Per modality: a graph convolution encoder on the aggregated features and a fully connected
   layer with ReLU on the features themselves, summed (`ModalityEncoder`; `gcn=False` is the FC-only
   ablation). With `graph="highpass"` the graph convolution filters with the normalised Laplacian
   instead, (I - D^-1/2 (A + I) D^-1/2) z = z - aggregated: what sets an excerpt apart from its
   neighbours, where the plain filter smooths it towards them. The neighbours are other pieces
   (the split is by piece), so their mean is what an excerpt shares with similar music of other
   works (in audio: much of the instrument and the room); subtracting it is a signal the FC
   encoder, which sees one excerpt, cannot compute.
4. Shared by all modalities: the common representation layer (L2-normalised output: the space
   search compares in) and linear classifiers of piece and genre (`SearchModel`).
5. `QueryEncoder` chains 1-4 for one modality: what is exported to ONNX, roll in, embedding out.
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def fit_pca(x: np.ndarray, k: int) -> Tuple[np.ndarray, np.ndarray]:
    """Mean [F] and the first `k` principal directions [F, k] of the rows of `x` (eigenvectors of
    the covariance, each signed so its largest entry is positive)."""
    mean = x.mean(0, dtype=np.float64).astype(np.float32)
    c = x - mean
    _, vectors = np.linalg.eigh((c.T @ c).astype(np.float64))
    top = vectors[:, ::-1][:, :k]
    top = top * np.sign(top[np.abs(top).argmax(0), np.arange(k)])
    return mean, top.astype(np.float32).copy()


class Features(nn.Module):
    """Roll -> centred, projected, L2-normalised features."""

    def __init__(self, mean: torch.Tensor, components: torch.Tensor):
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("components", components)

    def forward(self, roll: torch.Tensor) -> torch.Tensor:
        return F.normalize((roll - self.mean) @ self.components, dim=-1, eps=1e-6)


def build_graph(z: torch.Tensor, bank_index: torch.Tensor, k: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Aggregated features D^-1/2 (A + I) D^-1/2 z of the training excerpts `z` [N, P], each joined
    to its `k` nearest bank excerpts (`bank_index` into z; an excerpt is never its own neighbour),
    and the bank's degrees (self-loop included), which queries use."""
    n = z.shape[0]
    sim = z @ z[bank_index].T
    sim[bank_index, torch.arange(len(bank_index))] = -float("inf")
    nearest = sim.topk(k, dim=1).indices  # [N, k] positions in the bank
    rows = torch.arange(n).repeat_interleave(k)
    cols = bank_index[nearest.reshape(-1)]
    a = torch.zeros(n, n)
    a[rows, cols] = 1.0
    a = torch.maximum(a, a.T)  # symmetric: a bank excerpt is joined to those that chose it
    a += torch.eye(n)
    d = a.sum(1)
    inv = d.rsqrt()
    agg = inv[:, None] * (a @ (inv[:, None] * z))
    return agg, d[bank_index]


def _aggregate(q: torch.Tensor, nearest: torch.Tensor, z: torch.Tensor, degree: torch.Tensor,
               paired: Optional[torch.Tensor]) -> torch.Tensor:
    """Row i of D^-1/2 (A + I) D^-1/2 for an excerpt outside the bank joined to the bank excerpts
    `nearest[i]` (its degree k + 1), over [own features | paired features]."""
    d_q = float(nearest.shape[1] + 1)
    coef = (degree[nearest] * d_q).rsqrt().unsqueeze(-1)  # [B, k, 1]
    own = q / d_q + (coef * z[nearest]).sum(1)
    if paired is None:
        return own
    return torch.cat([own, (coef * paired[nearest]).sum(1)], -1)


def aggregate_as_queries(z: torch.Tensor, bank_index: torch.Tensor, degree: torch.Tensor, k: int,
                         paired: Optional[torch.Tensor]) -> torch.Tensor:
    """Every training excerpt aggregated as `Bank` aggregates a query (an excerpt of the bank is
    never its own neighbour), so training sees only the rule queries see."""
    sim = z @ z[bank_index].T
    sim[bank_index, torch.arange(len(bank_index))] = -float("inf")
    return _aggregate(z, sim.topk(k, dim=1).indices, z[bank_index], degree, paired)


class Bank(nn.Module):
    """The inductive step: a query's k nearest bank excerpts, aggregated as in `build_graph`
    (the query's degree is k + 1, the bank's degrees are the training graph's), with the bank's
    `paired` features beside when given."""

    def __init__(self, z: torch.Tensor, degree: torch.Tensor, k: int,
                 paired: Optional[torch.Tensor] = None):
        super().__init__()
        self.register_buffer("z", z)
        self.register_buffer("degree", degree)
        self.register_buffer("paired", paired)
        self.k = k

    def forward(self, q: torch.Tensor) -> torch.Tensor:
        nearest = (q @ self.z.T).topk(self.k, dim=1).indices  # [B, k]
        return _aggregate(q, nearest, self.z, self.degree, self.paired)


class ModalityEncoder(nn.Module):
    """GCN encoder on aggregated features (or, `highpass`, on their Laplacian-filtered form
    z - aggregated) plus an FC+ReLU encoder on the features, summed."""

    def __init__(self, features: int, hidden: int, gcn: bool, dropout: float, paired: bool = False,
                 highpass: bool = False):
        super().__init__()
        self.fc = nn.Linear(features, hidden)
        self.gcn = nn.Linear(2 * features if paired else features, hidden) if gcn else None
        self.highpass = highpass
        self.drop = nn.Dropout(dropout)

    def forward(self, z: torch.Tensor, agg: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.fc(z))
        if self.gcn is not None:
            h = h + F.relu(self.gcn(z - agg if self.highpass else agg))
        return self.drop(h)


class SearchModel(nn.Module):
    """Per-modality encoders, the shared common layer and the shared classifiers."""

    def __init__(self, modalities, features: int, hidden: int, dim: int, pieces: int, genres: int,
                 gcn: bool, dropout: float, paired: bool = False, highpass: bool = False):
        super().__init__()
        self.encoders = nn.ModuleDict({m: ModalityEncoder(features, hidden, gcn, dropout, paired,
                                                          highpass)
                                       for m in modalities})
        self.common = nn.Linear(hidden, dim)
        self.piece = nn.Linear(dim, pieces)
        self.genre = nn.Linear(dim, genres)

    def embed(self, modality: str, z: torch.Tensor, agg: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.common(self.encoders[modality](z, agg)), dim=-1, eps=1e-6)


class QueryEncoder(nn.Module):
    """One modality's query path: roll [B, F] -> embedding [B, dim] (what ONNX runs)."""

    def __init__(self, features: Features, bank: Bank, encoder: ModalityEncoder, common: nn.Linear):
        super().__init__()
        self.features, self.bank, self.encoder, self.common = features, bank, encoder, common

    def forward(self, roll: torch.Tensor) -> torch.Tensor:
        z = self.features(roll)
        return F.normalize(self.common(self.encoder(z, self.bank(z))), dim=-1, eps=1e-6)


def query_encoder(model: SearchModel, state: Dict, modality: str, k: int) -> QueryEncoder:
    """The exportable query path of `modality` from a trained model and its graph state."""
    s = state[modality]
    bank = Bank(s["bank_z"], s["bank_degree"], k, s.get("bank_paired"))
    return QueryEncoder(Features(s["mean"], s["components"]), bank, model.encoders[modality],
                        model.common).eval()
