"""Export the melody generator and the genre classifier: ONNX (fp32 and dynamic int8), parity
fixtures and their `models/manifest.json` entries.

    /usr/bin/python3 -m models.train.export_gen \
        --melody .train/gen/melody-cpu/best.pt --genre .train/gen/genre/best.pt

The generator exports one sampling step with explicit LSTM state, so TypeScript samples token by
token: inputs `token` and `genre` (int64, `[batch]`), `h` and `c` (`[layers, batch, hidden]`);
outputs `logits` (`[batch, vocab]`), `h_out`, `c_out`. The classifier maps piano-roll windows
`roll` (`[batch, 2, pitches, steps]`) to genre `logits` (`[batch, genres]`).
"""

from __future__ import annotations

import argparse
import csv
import inspect
import json
import os
import warnings
from pathlib import Path
from typing import Dict, List

import numpy as np
import onnx
import torch

from .export_omr import _sha256, load_torch, update_manifest
from .gen_config import ROOT, GenreConfig, MelodyConfig, make
from .gen_data import read_split
from .gen_model import MelodyStep, build_genre, build_melody
from .genre import classify_notes, with_notes
from .quantize_omr import quantize_dynamic

OPSET = 13
VERSION = "0.1.0"


def _onnx_export(module, args, path: Path, inputs: List[str], outputs: List[str], dyn: Dict) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
        torch.onnx.export(module, args, str(path), opset_version=OPSET, input_names=inputs,
                          output_names=outputs, dynamic_axes=dyn, do_constant_folding=True, **legacy)
    onnx.checker.check_model(onnx.load(str(path)))


def _entry(name: str, task: str, path: Path, manifest_dir: Path, quantization: str, **rest) -> Dict:
    entry = {"name": name, "version": VERSION, "task": task,
             "file": Path(os.path.relpath(path, manifest_dir)).as_posix(),
             "sha256": _sha256(path), "bytes": path.stat().st_size,
             "quantization": quantization, "opset": OPSET, **rest}
    return entry


def melody_parity(step: MelodyStep, vocab: Dict, steps: int = 24) -> Dict:
    """Logits of a fixed line fed step by step from zero state, for each genre's first token."""
    tokens = ["<bos>"] + [t for t in ["key:1", "meter:6/8", "n:D5", "d:eighth", "n:E5", "d:eighth",
                                      "n:F#5", "d:eighth", "n:G5", "d:quarter.", "bar"]]
    ids = [vocab["tokens"].index(t) for t in tokens if t in vocab["tokens"]][:steps]
    cases = []
    with torch.no_grad():
        for g in range(len(vocab["genres"])):
            h = torch.zeros(step.layers, 1, step.w_hh[0].shape[0])
            c = torch.zeros_like(h)
            logits = []
            for t in ids:
                out, h, c = step(torch.tensor([t]), torch.tensor([g]), h, c)
                logits.append([round(float(v), 5) for v in out[0]])
            cases.append({"genre": g, "tokens": ids, "logits": logits})
    return {"cases": cases}


def genre_parity(model, cfg: GenreConfig, genres: List[str], per_genre: int = 2) -> Dict:
    """Probabilities of a few held-out excerpts per genre, computed as the service must."""
    records = with_notes(read_split(cfg.path(cfg.data_dir), "test"))
    cases = []
    for g in genres:
        for r in [r for r in records if r["genre"] == g][:per_genre]:
            p = classify_notes(model, cfg, r["notes"], "cpu")
            cases.append({"genre": g, "notes": r["notes"], "probabilities": [round(float(v), 6) for v in p]})
    return {"cases": cases}


def _load(ckpt_path: Path, build, cfg_cls):
    """(checkpoint, model in eval mode, config) from a self-describing checkpoint."""
    ck = load_torch(ckpt_path, "cpu")
    model = build(ck["model_args"])
    model.load_state_dict(ck["model"])
    return ck, model.eval(), make(cfg_cls, ck["config"])


def melody_metrics(ck: Dict, ckpt_path: Path) -> Dict:
    """The validation row of the exported checkpoint's iteration, from its run's metrics.csv."""
    rows = list(csv.DictReader(open(ckpt_path.parent / "metrics.csv")))
    row = next((r for r in rows if int(r["iteration"]) == ck["iteration"]), None)
    if row is None:
        return {}
    return {"validation": {"iteration": ck["iteration"], "loss": round(float(row["val_loss"]), 4),
                           "nextTokenError": round(float(row["val_error"]), 4),
                           "windows": ck["config"]["val_windows"],
                           "note": "next-token cross-entropy and error on fixed validation windows"}}


def export_melody(ckpt_path: Path, out_dir: Path, manifest: Path) -> List[Dict]:
    ck, model, cfg = _load(ckpt_path, build_melody, MelodyConfig)
    metrics = melody_metrics(ck, ckpt_path)
    vocab = ck["vocab"]
    step = MelodyStep(model).eval()
    stats_path = cfg.path(cfg.data_dir) / "stats.json"
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    genres = [{**g, **{k: sum(s[k] for s in stats.get(g["id"], {}).values())
                       for k in ("pieces", "excerpts")}} for g in vocab["genres"]]
    a = model.args
    fp32, int8 = out_dir / "melody.onnx", out_dir / "melody-int8.onnx"
    h = torch.zeros(a["layers"], 1, a["hidden"])
    _onnx_export(step, (torch.tensor([1]), torch.tensor([0]), h, h.clone()), fp32,
                 ["token", "genre", "h", "c"], ["logits", "h_out", "c_out"],
                 {"token": {0: "batch"}, "genre": {0: "batch"}, "h": {1: "batch"},
                  "c": {1: "batch"}, "logits": {0: "batch"}, "h_out": {1: "batch"},
                  "c_out": {1: "batch"}})
    onnx.save(quantize_dynamic(onnx.load(str(fp32))), str(int8))
    (out_dir / "melody_parity.json").write_text(json.dumps(melody_parity(step, vocab)) + "\n")
    common = dict(
        description="Genre-conditioned melody LSTM: one sampling step with explicit state",
        inputs=[{"name": "token", "dtype": "int64", "shape": ["batch"]},
                {"name": "genre", "dtype": "int64", "shape": ["batch"]},
                {"name": "h", "dtype": "float32", "shape": [a["layers"], "batch", a["hidden"]]},
                {"name": "c", "dtype": "float32", "shape": [a["layers"], "batch", a["hidden"]]}],
        outputs=[{"name": "logits", "dtype": "float32", "shape": ["batch", a["vocab"]]},
                 {"name": "h_out", "dtype": "float32", "shape": [a["layers"], "batch", a["hidden"]]},
                 {"name": "c_out", "dtype": "float32", "shape": [a["layers"], "batch", a["hidden"]]}],
        vocabularies={"melody": vocab["tokens"]},
        labels=[g["id"] for g in vocab["genres"]],
        preprocess={"bos": "<bos>", "layers": a["layers"], "hidden": a["hidden"],
                    "ticksPerQuarter": vocab["ticksPerQuarter"],
                    "genres": genres, "state": "h and c start at zero"},
        metrics=metrics,
        data={"recipe": "deno task data:gen (models/data/melodies.ts) from ../shared/data/melodies",
              "config": ck["config"], "iteration": ck["iteration"]},
    )
    return [_entry("melody", "generate", fp32, manifest.parent, "fp32", **common),
            _entry("melody-int8", "generate", int8, manifest.parent, "int8", variantOf="melody",
                   **{**common, "description": common["description"] + ", dynamic int8 weights"})]


def export_genre(ckpt_path: Path, out_dir: Path, manifest: Path) -> List[Dict]:
    ck, model, cfg = _load(ckpt_path, build_genre, GenreConfig)
    genres = ck["genres"]
    fp32 = out_dir / "genre.onnx"
    _onnx_export(model, (torch.zeros(1, 2, cfg.pitches, cfg.steps),), fp32, ["roll"], ["logits"],
                 {"roll": {0: "batch"}, "logits": {0: "batch"}})
    (out_dir / "genre_parity.json").write_text(json.dumps(genre_parity(model, cfg, genres)) + "\n")
    result_path = ckpt_path.parent / "result.json"
    metrics = json.loads(result_path.read_text())["test"] if result_path.exists() else {}
    return [_entry(
        "genre", "classify", fp32, manifest.parent, "fp32",
        description="Genre from piano-roll windows (CNN); the mean of the windows' probabilities",
        inputs=[{"name": "roll", "dtype": "float32", "shape": ["batch", 2, cfg.pitches, cfg.steps]}],
        outputs=[{"name": "logits", "dtype": "float32", "shape": ["batch", len(genres)]}],
        labels=genres,
        preprocess={"lowPitch": cfg.low_pitch, "pitches": cfg.pitches, "stepTicks": cfg.step_ticks,
                    "steps": cfg.steps, "hop": cfg.hop, "ticksPerQuarter": 48,
                    "channels": "0: onsets, 1: sounding notes; pitches folded into range by octaves",
                    "combine": "softmax per window, then the mean over windows"},
        metrics={"test": metrics},
        data={"recipe": "deno task data:gen (models/data/melodies.ts); split by piece",
              "config": ck["config"], "iteration": ck["iteration"]},
    )]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--melody", help="generator checkpoint (best.pt of models.train.gen)")
    ap.add_argument("--genre", help="classifier checkpoint (best.pt of models.train.genre)")
    ap.add_argument("--out-dir", default="models/gen")
    ap.add_argument("--manifest", default="models/manifest.json")
    args = ap.parse_args()
    out_dir, manifest = ROOT / args.out_dir, ROOT / args.manifest
    out_dir.mkdir(parents=True, exist_ok=True)
    entries: List[Dict] = []
    if args.melody:
        entries += export_melody(Path(args.melody), out_dir, manifest)
    if args.genre:
        entries += export_genre(Path(args.genre), out_dir, manifest)
    if not entries:
        ap.error("give --melody, --genre or both")
    update_manifest(manifest, entries)
    for e in entries:
        print(f"{e['name']}: {e['file']} ({e['bytes'] / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
