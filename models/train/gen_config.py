"""Configurations of the melody generator and the genre classifier: typed dataclasses, JSON run
configs that only override, `--set key=value` on top, unknown keys rejected (as for the OMR job).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import List, Type

from .omr_config import ROOT, C, RunPaths, make, read_overrides



@dataclass
class MelodyConfig(RunPaths):
    # --- run ---
    run_name: str = "melody"  # folder under out_dir for checkpoints and metrics
    out_dir: str = ".train/gen"  # resumable state (git-ignored)
    seed: int = 1337  # seeds init and batch order
    device: str = "auto"  # auto (cuda when available), cpu or cuda
    threads: int = 2  # torch intra-op threads on CPU
    data_dir: str = "data/gen"  # train/val/test.jsonl and vocab.json from `deno task data:gen`
    # --- model ---
    embed: int = 64  # token embedding width
    genre_embed: int = 16  # genre embedding, concatenated to every step's input
    hidden: int = 256  # LSTM hidden size
    layers: int = 2  # LSTM layers
    dropout: float = 0.2
    # --- optimisation ---
    batch_size: int = 16  # windows per iteration; genres drawn uniformly
    seq_len: int = 128  # tokens per window after its `<bos> key meter` header
    iterations: int = 12800  # optimizer steps (the seed's axis runs to 12,800)
    lr: float = 3e-3  # cosine from lr to lr/20 after a short warmup
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    amp: str = "auto"  # auto (bf16 on CPU, fp16 on CUDA), bf16, fp16 or off
    # --- loop ---
    budget_minutes: float = 0.0  # stop (after a checkpoint) after this long; 0: no budget
    eval_every: int = 400  # iterations between validations (the error curve's points)
    val_windows: int = 512  # validation windows (fixed, seeded)
    log_every: int = 100


@dataclass
class GenreConfig(RunPaths):
    run_name: str = "genre"
    out_dir: str = ".train/gen"
    seed: int = 1337
    device: str = "auto"
    threads: int = 2
    data_dir: str = "data/gen"
    # --- piano roll (written to the manifest; TypeScript rasterises the same way) ---
    low_pitch: int = 28  # MIDI pitch of row 0 (E1)
    pitches: int = 73  # rows: E1..E7
    step_ticks: int = 12  # a sixteenth note (48 ticks per quarter)
    steps: int = 128  # eight 4/4 bars per window
    hop: int = 64  # steps between windows of a long piece at inference
    # --- model ---
    channels: List[int] = dataclasses.field(default_factory=lambda: [16, 32, 64])
    dropout: float = 0.3
    # --- optimisation ---
    batch_size: int = 32  # genres drawn uniformly
    iterations: int = 3000
    lr: float = 2e-3
    weight_decay: float = 0.01
    transpose: int = 3  # random transposition of training windows by up to this many semitones
    amp: str = "auto"  # auto (bf16 on CPU, fp16 on CUDA), bf16, fp16 or off
    eval_every: int = 250
    budget_minutes: float = 0.0
    log_every: int = 100


def load(cls: Type[C], path: str | None, sets: List[str] | None = None) -> C:
    """Reads a JSON run config (or none) and applies `--set` overrides on top."""
    return make(cls, read_overrides(path, sets))
