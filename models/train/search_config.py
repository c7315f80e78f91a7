"""Configuration of the cross-modal search model: a typed dataclass, JSON run configs that only
override, `--set key=value` on top, unknown keys rejected (as for the other jobs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List

from .omr_config import ROOT, RunPaths, make, read_overrides


MODALITIES = ("notes", "audio", "sheet")


@dataclass
class SearchConfig(RunPaths):
    # --- run ---
    run_name: str = "search"  # folder under out_dir for checkpoints and metrics
    out_dir: str = ".train/search"  # resumable state (git-ignored)
    seed: int = 1337
    device: str = "auto"  # auto (cuda when available), cpu or cuda
    threads: int = 2
    data_dir: str = "data/search"  # from `deno task data:search`
    # --- features and graph ---
    pca: int = 128  # each modality's roll projected on its first principal components
    bank: int = 4096  # training excerpts every query looks for its neighbours among
    neighbours: int = 8  # k of the k-nearest-neighbour graph
    graph: str = "own"  # own: neighbours' own features; paired: and the paired bank's notes;
    # highpass: the GCN filters with the normalised Laplacian (z - aggregated)
    # --- model ---
    gcn: bool = True  # False: the FC-only ablation
    hidden: int = 512  # width of each modality's GCN and FC encoders
    dim: int = 128  # the common space
    dropout: float = 0.2
    # --- losses ---
    temperature: float = 0.05  # of the modality-invariance (InfoNCE) loss
    semantic_weight: float = 0.3  # piece and genre cross-entropy, against invariance 1
    # --- optimisation ---
    batch_size: int = 256
    epochs: int = 120
    lr: float = 1e-3
    weight_decay: float = 1e-4
    eval_every: int = 5  # epochs between validations
    budget_minutes: float = 0.0


def load(path: str | None, sets: List[str] | None = None) -> SearchConfig:
    """Reads a JSON run config (or none) and applies `--set` overrides on top."""
    return make(SearchConfig, read_overrides(path, sets))
