"""Exports an OMR checkpoint: ONNX fp32 + dynamic int8, a parity fixture, and both manifest
entries, written together so nothing is copied by hand. The heads keep only the classes the
training labels use; the manifest's vocabularies are those classes.

    /usr/bin/python3 -m models.train.export_omr --checkpoint .train/omr/omr-cpu/best.pt \
        [--export-dir models/omr] [--manifest models/manifest.json] [--keep-all-classes]
"""

from __future__ import annotations

import argparse
import base64
import copy
import functools
import hashlib
import inspect
import json
import os
import warnings
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import onnx
import torch

from .omr_config import ROOT, OmrConfig, make_config
from .omr_data import HEADS, load_gray, read_tokens, resize_height
from .omr_model import ExportWrapper, OmrModel, build_model, frames_for_width
from .quantize_omr import OMR_WEIGHT_ONLY, onnx_weights, quantize_dynamic, simulate_int8

PARITY_WIDTHS = (40, 160, 400)  # crops of one staff, in pixels at the model height
FIXED_CLASSES = 16  # classes compared at every frame, besides each frame's top 8


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def parity_staff(cfg: OmrConfig) -> tuple[np.ndarray, str]:
    """A real staff at the model height (validation split, else the PrIMuS sample), else a
    drawn one; at least as wide as the widest parity crop (repeated to fill)."""
    candidates = sorted((cfg.path(cfg.data_dir) / cfg.val_split).glob("*.png"))[:1]
    candidates += sorted((ROOT.parent / "shared/data/primus/example").glob("*.png"))[:1]
    for png in candidates:
        gray = resize_height(load_gray(png), cfg.height)
        source = f"{png.parent.name}/{png.name}"
        break
    else:
        gray = np.full((cfg.height, 400), 255, np.uint8)
        for i in range(5):
            gray[cfg.height // 4 + i * cfg.height // 10, :] = 0
        for x in range(20, 400, 37):
            gray[cfg.height // 2 - 3: cfg.height // 2 + 3, x: x + 8] = 0
        source = "drawn"
    while gray.shape[1] < max(PARITY_WIDTHS):
        gray = np.concatenate([gray, gray], 1)
    return gray[:, : max(PARITY_WIDTHS)], source


def _frames_summary(logp: np.ndarray, fixed: List[int], top_k: int) -> Dict:
    """Per frame: argmax, the `top_k` best classes with values, and values at fixed classes."""
    top = np.argsort(-logp, -1)[:, :top_k]
    return {"argmax": logp.argmax(-1).tolist(),
            "top": top.tolist(),
            "topValues": np.take_along_axis(logp, top, -1).round(5).tolist(),
            "fixedValues": logp[:, fixed].round(5).tolist()}


def write_parity(model: OmrModel, cfg: OmrConfig, path: Path) -> None:
    """Fixed inputs at 3 widths with the PyTorch fp32 and simulated-int8 outputs."""
    gray, source = parity_staff(cfg)
    sim = simulate_int8(model, OMR_WEIGHT_ONLY)
    cases = []
    for width in PARITY_WIDTHS:
        crop = gray[:, :width]
        x = torch.from_numpy(((255 - crop.astype(np.float64)) / 255).astype(np.float32))[None, None]
        case = {"width": width, "frames": frames_for_width(width), "heads": {}}
        with torch.no_grad():
            fp32, int8 = model(x), sim(x)
        for head in HEADS:
            n = fp32[head].shape[-1]
            fixed = sorted({0} | set(np.linspace(1, n - 1, FIXED_CLASSES - 1).astype(int).tolist()))
            a = torch.log_softmax(fp32[head][:, 0].float(), -1).numpy()
            b = torch.log_softmax(int8[head][:, 0].float(), -1).numpy()
            case["heads"][head] = {"fixed": fixed, "fp32": _frames_summary(a, fixed, 4),
                                   "int8sim": _frames_summary(b, fixed, 1)}
        cases.append(case)
    doc = {"note": "input: the first `width` columns of `gray` (base64 uint8, row-major, "
                   "height x grayWidth), x = (255 - gray) / 255; outputs: log-probabilities "
                   "[frames, 1, classes] per head, summarised per frame",
           "height": cfg.height, "grayWidth": gray.shape[1], "source": source,
           "gray": base64.b64encode(np.ascontiguousarray(gray).tobytes()).decode("ascii"),
           "cases": cases}
    path.write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")


def data_framing(cfg: OmrConfig) -> Dict:
    """Where the staff sits in the training images (`framing` of the data manifest, measured by
    the same staff finder /v1/recognize uses), so inference crops photos the same way."""
    manifest = cfg.path(cfg.data_dir) / "manifest.json"
    if not manifest.exists():
        return {}
    framing = json.loads(manifest.read_text(encoding="utf-8")).get("framing") or {}
    return {k: framing[k] for k in ("staffFraction", "staffCentre") if k in framing}


@functools.lru_cache(maxsize=8)
def _tokens_in(split_dir: Path, head: str) -> frozenset:
    """Every token of the `*.<head>` label files in `split_dir`."""
    seen = set()
    for path in split_dir.glob(f"*.{head}"):
        seen.update(read_tokens(path))
    return frozenset(seen)


def training_classes(cfg: OmrConfig,
                     vocabs: Dict[str, List[str]]) -> Optional[Dict[str, List[int]]]:
    """Per head, the output classes a training label uses: blank (0) and 1 + the vocabulary index
    of every token in the train split's label files; None when those files are not here.

    The other classes were never a training target: CTC only pushed them down, so no frame's
    argmax can rightly be one of them, and their rows of the head are work without use.
    """
    split_dir = cfg.path(cfg.data_dir) / cfg.train_split
    if not split_dir.is_dir():
        return None
    keep = {}
    for head in HEADS:
        seen = _tokens_in(split_dir, head)
        if not seen:
            return None
        keep[head] = [0] + [i + 1 for i, token in enumerate(vocabs[head]) if token in seen]
    return keep


def prune_heads(model: OmrModel, keep: Dict[str, List[int]]) -> OmrModel:
    """A copy of `model` whose heads compute only the classes in `keep` (in that order); a
    low-rank head keeps its first layer and loses rows of its second."""
    model = copy.deepcopy(model)
    for head, rows in keep.items():
        old = model.heads[head]
        last = old[-1] if isinstance(old, torch.nn.Sequential) else old
        new = torch.nn.Linear(last.in_features, len(rows))
        with torch.no_grad():
            new.weight.copy_(last.weight[rows])
            new.bias.copy_(last.bias[rows])
        if isinstance(old, torch.nn.Sequential):
            old[-1] = new
        else:
            model.heads[head] = new
    return model


def _entry(name: str, cfg: OmrConfig, onnx_path: Path, manifest_dir: Path,
           vocabs: Dict[str, List[str]], metrics: Dict, data: Dict,
           quantization: str, variant_of: Optional[str]) -> Dict:
    heads = list(vocabs)
    entry = {
        "name": name,
        "version": cfg.model_version,
        "task": "omr",
        "file": Path(os.path.relpath(onnx_path, manifest_dir)).as_posix(),
        "sha256": _sha256(onnx_path),
        "bytes": onnx_path.stat().st_size,
        "quantization": quantization,
        "opset": cfg.opset,
        "description": "Staff image to PrIMuS semantic and agnostic tokens (CNN + BiSRU + CTC"
                       + (f", heads through rank {cfg.head_rank}" if cfg.head_rank else "")
                       + (f", SRU projections through rank {cfg.sru_rank}" if cfg.sru_rank else "")
                       + ")"
                       + (", dynamic int8 weights" if quantization == "int8" else ""),
        "inputs": [{"name": "image", "dtype": "float32", "shape": ["batch", 1, cfg.height, "width"]}],
        "outputs": [{"name": h, "dtype": "float32", "shape": ["frames", "batch", len(vocabs[h]) + 1]}
                    for h in heads],
        "vocabularies": {h: ["<blank>"] + vocabs[h] for h in heads},
        "preprocess": {"height": cfg.height, "channels": 1,
                       "gray": "luminance, transparency over white",
                       "resize": "to height, keep aspect ratio, bilinear",
                       "normalize": "x = (255 - gray) / 255 (ink 1, paper 0)",
                       # Training reads the images as rendered or photographed; serving must too.
                       "contrast": "none",
                       "padValue": 0, "frameWidth": 4, "frames": "floor(floor(width / 2) / 2)",
                       "blank": 0, "outputs": "log-probabilities per frame",
                       "maxWidth": cfg.max_width, **data_framing(cfg)},
        "metrics": metrics,
        "data": data,
    }
    if variant_of:
        entry["variantOf"] = variant_of
    return entry


def update_manifest(path: Path, entries: List[Dict]) -> None:
    """Replaces the entries of the same names where they stand (new names are appended; the
    others are kept as they are) and writes the file."""
    doc = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"version": 1, "models": []}
    by_name = {e["name"]: e for e in entries}
    models = [by_name.pop(m["name"], m) for m in doc["models"]]
    doc["models"] = models + list(by_name.values())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def export(model: OmrModel, cfg: OmrConfig, vocabs: Dict[str, List[str]], metrics: Dict,
           data: Dict, prune: bool = True) -> Dict[str, Path]:
    """Writes `<name>.onnx`, `<name>-int8.onnx`, `parity.json` and the two manifest entries.

    With `prune`, the heads keep only the classes the training labels use (when the labels are
    here): the manifest's vocabularies are then those classes, and `data.outputClasses` says so.
    """
    out_dir = cfg.path(cfg.export_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = cfg.path(cfg.manifest)
    model = copy.deepcopy(model).cpu().float().eval()  # the caller's model stays as it was
    model = model.to(memory_format=torch.contiguous_format)
    keep = training_classes(cfg, vocabs) if prune else None
    if keep is not None:
        model = prune_heads(model, keep)
        data = {**data, "outputClasses": {
            "rule": "blank and the tokens of the train split's labels; the model was trained "
                    "with the full vocabulary, whose other classes were never a target",
            **{h: {"trained": len(vocabs[h]) + 1, "kept": len(keep[h])} for h in HEADS}}}
        vocabs = {h: [vocabs[h][i - 1] for i in keep[h][1:]] for h in HEADS}
    model.set_sru_mode("parallel")
    wrapper = ExportWrapper(model, list(HEADS)).eval()
    fp32_path = out_dir / f"{cfg.model_name}.onnx"
    int8_path = out_dir / f"{cfg.model_name}-int8.onnx"
    dyn = {"image": {0: "batch", 3: "width"}}
    dyn.update({h: {0: "frames", 1: "batch"} for h in HEADS})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # The TorchScript exporter on every torch version (torch >= 2.9 defaults to dynamo).
        legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
        torch.onnx.export(wrapper, torch.zeros(1, 1, cfg.height, 256), str(fp32_path),
                          opset_version=cfg.opset, input_names=["image"],
                          output_names=list(HEADS), dynamic_axes=dyn, do_constant_folding=True,
                          **legacy)
    graph = onnx.load(str(fp32_path))
    onnx.checker.check_model(graph)
    onnx.save(quantize_dynamic(graph, onnx_weights(model, OMR_WEIGHT_ONLY)), str(int8_path))
    model.set_sru_mode("loop")
    write_parity(model, cfg, out_dir / "parity.json")
    update_manifest(manifest, [
        _entry(cfg.model_name, cfg, fp32_path, manifest.parent, vocabs, metrics, data, "fp32", None),
        _entry(f"{cfg.model_name}-int8", cfg, int8_path, manifest.parent, vocabs, metrics, data,
               "int8", cfg.model_name),
    ])
    return {"fp32": fp32_path, "int8": int8_path, "parity": out_dir / "parity.json"}


def load_torch(path: Path, device) -> Dict:
    """torch.load of our own checkpoints (they hold RNG states: not weights-only on torch 2.6+)."""
    try:
        return torch.load(str(path), map_location=device, weights_only=False)
    except TypeError:  # a torch without the weights_only argument
        return torch.load(str(path), map_location=device)


def load_checkpoint(path: Path):
    """(model, config, vocabs, checkpoint) from a self-describing checkpoint."""
    ckpt = load_torch(path, "cpu")
    model = build_model(ckpt["model_args"])
    model.load_state_dict(ckpt["model"])
    return model.eval(), make_config(ckpt["config"]), ckpt["vocabs"], ckpt


def random_model(config: str):
    """An untrained model of `config` with seeded weights and non-trivial BN statistics."""
    from .omr_config import load_config
    from .omr_data import read_vocab

    cfg = load_config(config)
    torch.manual_seed(cfg.seed)
    vocabs = {h: read_vocab(cfg.path(getattr(cfg, f"vocab_{h}"))) for h in HEADS}
    model = OmrModel(height=cfg.height, channels=cfg.channels, blocks=cfg.blocks,
                     hidden=cfg.hidden, sru_layers=cfg.sru_layers, dropout=cfg.dropout,
                     fuse_channels=cfg.fuse_channels,
                     vocab_sizes={h: len(v) for h, v in vocabs.items()}, head_rank=cfg.head_rank,
                     sru_rank=cfg.sru_rank)
    for mod in model.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.2, 0.2)
            mod.running_var.uniform_(0.5, 2.0)
    return model.eval(), cfg, vocabs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", help="a checkpoint from models.train.omr (best.pt)")
    ap.add_argument("--random", metavar="CONFIG",
                    help="export an untrained, seeded model of this config instead (tests)")
    ap.add_argument("--keep-all-classes", action="store_true",
                    help="keep every vocabulary class in the heads (default: those training used)")
    ap.add_argument("--export-dir")
    ap.add_argument("--manifest")
    args = ap.parse_args()
    if bool(args.checkpoint) == bool(args.random):
        ap.error("give exactly one of --checkpoint and --random")
    if args.checkpoint:
        model, cfg, vocabs, ckpt = load_checkpoint(Path(args.checkpoint))
    else:
        model, cfg, vocabs = random_model(args.random)
        ckpt = {"metrics": {"note": "untrained: random weights for tests"},
                "data": {"recipe": "none"}}
    if args.export_dir:
        cfg.export_dir = args.export_dir
    if args.manifest:
        cfg.manifest = args.manifest
    # An untrained model has no training labels to prune by: it keeps the full vocabularies.
    paths = export(model, cfg, vocabs, ckpt.get("metrics", {}), ckpt.get("data", {}),
                   prune=bool(args.checkpoint) and not args.keep_all_classes)
    for kind, p in paths.items():
        print(f"{kind}: {p} ({p.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
