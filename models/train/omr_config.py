"""The OMR training configuration: a typed dataclass, JSON overrides, unknown keys rejected.

A run config (`configs/omr_cpu.json`) only overrides defaults; `--set key=value` on the command
line overrides the file. Every value is checked against the field's type.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Type, TypeVar

ROOT = Path(__file__).resolve().parents[2]  # the repository root


class RunPaths:
    """Paths of a job's config: `path` resolves against the repository root, `run_dir` is
    `<out_dir>/<run_name>` (the resumable state)."""

    run_name: str
    out_dir: str

    def path(self, value: str) -> Path:
        """Resolves a configured path against the repository root."""
        p = Path(value)
        return p if p.is_absolute() else ROOT / p

    @property
    def run_dir(self) -> Path:
        return self.path(self.out_dir) / self.run_name


@dataclass
class OmrConfig(RunPaths):
    # --- run ---
    run_name: str = "omr"  # folder under out_dir for checkpoints and metrics
    out_dir: str = ".train/omr"  # resumable state (git-ignored)
    init_from: str = ""  # a checkpoint whose weights (and vocabularies) start a new run
    seed: int = 1337  # seeds model init, batch order and augmentation
    device: str = "auto"  # auto (cuda when available), cpu or cuda
    threads: int = 0  # torch intra-op threads on CPU; 0 leaves torch's default
    # --- data ---
    data_dir: str = "data/omr"  # <split>/<id>.png|.semantic|.agnostic
    train_split: str = "train"
    val_split: str = "val"
    test_splits: List[str] = field(default_factory=lambda: ["test", "test_camera"])
    vocab_semantic: str = "../shared/data/primus/vocabulary_semantic.txt"
    vocab_agnostic: str = "../shared/data/primus/vocabulary_agnostic.txt"
    unknown_tokens: str = "skip"  # skip (count, report, leave the staff out) or error
    max_train: int = 0  # use only the first N training staves (0: all)
    max_val: int = 0  # validate on the first N staves (0: all)
    height: int = 64  # input height in pixels (width keeps the aspect ratio)
    max_width: int = 1600  # wider staves are squeezed horizontally (counted)
    bucket_width: int = 64  # batches pad to a multiple of this width
    workers: int = 0  # DataLoader worker processes
    augment: bool = True  # camera augmentation on training staves
    augment_prob: float = 0.8  # chance a staff is augmented at all
    # --- model ---
    channels: List[int] = field(default_factory=lambda: [16, 32, 64, 128])
    blocks: List[int] = field(default_factory=lambda: [1, 1, 1, 1])  # residual blocks per stage
    hidden: int = 256  # SRU hidden size per direction
    sru_layers: int = 2
    dropout: float = 0.1
    sru_mode: str = "loop"  # training form of the SRU: loop (CPU) or parallel (GPU: fewer kernels)
    fuse_channels: int = 64  # channels each shallow stage brings to the fusion
    head_rank: int = 0  # CTC heads through this many units (0: one full linear layer each)
    sru_rank: int = 0  # SRU input projections through this many units (0: full)
    # --- optimisation ---
    batch_size: int = 16
    epochs: int = 30  # the schedule's length; the time budget may stop earlier
    lr: float = 2e-3  # OneCycle peak
    weight_decay: float = 0.01
    warmup: float = 0.05  # OneCycle pct_start
    grad_clip: float = 5.0
    loss_semantic: float = 1.0  # weight of the semantic CTC loss
    loss_agnostic: float = 1.0  # weight of the agnostic CTC loss
    amp: str = "auto"  # auto (bf16 on CPU, fp16 on CUDA), bf16, fp16 or off
    channels_last: bool = True
    # --- loop ---
    budget_minutes: float = 0.0  # stop (after a checkpoint) after this long; 0: no budget
    max_steps: int = 0  # stop after this many optimizer steps in total; 0: no limit
    log_every: int = 20  # steps between progress lines
    checkpoint_every: int = 200  # steps between checkpoints within an epoch
    val_every_epochs: int = 1
    # --- export of the best weights ---
    export_on_improve: bool = True
    export_dir: str = "models/omr"  # ONNX files and REPORT.md
    manifest: str = "models/manifest.json"  # where the entries go
    model_name: str = "omr"  # manifest name; the int8 variant is "<name>-int8"
    model_version: str = "0.1.0"
    opset: int = 13

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)


def _check(name: str, value: Any, default: Any) -> Any:
    """Returns `value` if it has the type of `default` (ints widen to floats), else raises."""
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, list):
        ok = isinstance(value, list) and all(
            isinstance(v, type(default[0])) and not isinstance(v, bool) for v in value
        ) if default else isinstance(value, list)
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise TypeError(f"Invalid config value for {name!r}: expected {type(default).__name__}, "
                        f"got {value!r}")
    return value


C = TypeVar("C")


def make(cls: Type[C], overrides: Dict[str, Any]) -> C:
    """Defaults of the dataclass `cls` updated with `overrides`; unknown keys and wrong types raise."""
    base = cls()
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise KeyError(f"Unknown config keys {unknown}: known keys are {sorted(known)}")
    values = {k: _check(k, v, getattr(base, k)) for k, v in overrides.items()}
    return dataclasses.replace(base, **values)


def make_config(overrides: Dict[str, Any]) -> OmrConfig:
    """Defaults updated with `overrides`; unknown keys and wrong types raise."""
    cfg = make(OmrConfig, overrides)
    if cfg.unknown_tokens not in ("skip", "error"):
        raise ValueError(f"Invalid unknown_tokens {cfg.unknown_tokens!r}: use skip or error")
    if cfg.sru_mode not in ("loop", "parallel"):
        raise ValueError(f"Invalid sru_mode {cfg.sru_mode!r}: use loop or parallel")
    if cfg.amp not in ("auto", "bf16", "fp16", "off"):
        raise ValueError(f"Invalid amp {cfg.amp!r}: use auto, bf16, fp16 or off")
    if len(cfg.channels) != 4 or len(cfg.blocks) != 4:
        raise ValueError(f"Invalid channels {cfg.channels!r} or blocks {cfg.blocks!r}: "
                         "four stages expected")
    if cfg.height % 16:
        raise ValueError(f"Invalid height {cfg.height}: must be a multiple of 16")
    return cfg


def parse_set(items: List[str]) -> Dict[str, Any]:
    """Parses `key=value` strings; values are JSON when they parse, else strings."""
    out: Dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep:
            raise ValueError(f"Invalid --set {item!r}: expected key=value")
        try:
            out[key] = json.loads(raw)
        except json.JSONDecodeError:
            out[key] = raw
    return out


def read_overrides(path: str | None, sets: List[str] | None = None) -> Dict[str, Any]:
    """A JSON run config's keys (or none), with `--set` overrides on top."""
    overrides: Dict[str, Any] = {}
    if path:
        with open(path, encoding="utf-8") as f:
            overrides = json.load(f)
        if not isinstance(overrides, dict):
            raise TypeError(f"Invalid config file {path!r}: expected a JSON object")
    overrides.update(parse_set(sets or []))
    return overrides


def load_config(path: str | None, sets: List[str] | None = None) -> OmrConfig:
    """Reads a JSON run config (or none) and applies `--set` overrides on top."""
    return make_config(read_overrides(path, sets))
