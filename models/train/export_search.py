"""Export the search model: one ONNX graph per modality (roll in, embedding out, the PCA, the
bank's k-nearest-neighbour step and the encoders inside), fp32 and dynamic int8, a parity fixture
and the `models/manifest.json` entries.

    /usr/bin/python3 -m models.train.export_search --checkpoint .train/search/search/best.pt

Each graph's input is `roll` (`[batch, frames * pitches]`, float32, frame-major, as
shared/search/roll.ts draws it); its output `embedding` (`[batch, dim]`) is L2-normalised, so
cosine similarity is a dot product.
"""

from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path
from typing import Dict, List

import numpy as np
import onnx
import torch

from .export_gen import _entry, _onnx_export
from .export_omr import load_torch, update_manifest
from .search import build_model, read_split
from .search_config import MODALITIES, ROOT, SearchConfig
from .search_model import query_encoder
from .omr_config import make
from .quantize_omr import quantize_dynamic


def load(ckpt_path: Path):
    ck = load_torch(ckpt_path, "cpu")
    cfg = make(SearchConfig, ck["config"])
    model = build_model(cfg, ck["names"])
    model.load_state_dict(ck["model"])
    return ck, model.eval(), cfg


def parity(encoders: Dict, cfg: SearchConfig, meta: Dict, rows: int = 2) -> Dict:
    """Test excerpts with their semantic tokens and staff image (so TypeScript can draw their
    notes and sheet rolls again), their training rolls, and the embeddings PyTorch gives them."""
    test = read_split(cfg.path(cfg.data_dir), "test")
    source = cfg.path(meta["source"]) / "test"
    out = {"excerpts": [], "rolls": {}, "embeddings": {}}
    for r in test["records"][:rows]:
        tokens = [t for t in (source / f"{r['id']}.semantic").read_text().split("\t") if t.strip()]
        png = base64.b64encode((source / f"{r['id']}.png").read_bytes()).decode()
        out["excerpts"].append({**r, "semantic": tokens, "png": png})
    with torch.no_grad():
        for m, enc in encoders.items():
            x = test["rolls"][m][:rows]
            out["rolls"][m] = x.tolist()
            out["embeddings"][m] = enc(torch.from_numpy(x)).numpy().round(6).tolist()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", required=True, help="best.pt of models.train.search")
    ap.add_argument("--out", default="models/search", help="folder for the ONNX files")
    ap.add_argument("--manifest", default="models/manifest.json")
    args = ap.parse_args()
    ckpt = Path(args.checkpoint)
    ck, model, cfg = load(ckpt)
    out_dir, manifest = ROOT / args.out, ROOT / args.manifest
    out_dir.mkdir(parents=True, exist_ok=True)
    roll = ck["meta"]["roll"]
    width = roll["frames"] * roll["pitches"]
    metrics_path = out_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
    encoders = {m: query_encoder(model, ck["state"], m, cfg.neighbours) for m in MODALITIES}
    entries: List[Dict] = []
    graph_step = {"paired": " with the paired notes", "highpass": " (Laplacian filter)"}.get(cfg.graph, "")
    for m, enc in encoders.items():
        fp32, int8 = out_dir / f"search-{m}.onnx", out_dir / f"search-{m}-int8.onnx"
        _onnx_export(enc, (torch.zeros(1, width),), fp32, ["roll"], ["embedding"],
                     {"roll": {0: "batch"}, "embedding": {0: "batch"}})
        onnx.save(quantize_dynamic(onnx.load(str(fp32))), str(int8))
        common = dict(
            description=f"Search: the {m} of a music excerpt to the common space (PCA, "
                        f"{cfg.neighbours}-NN graph step{graph_step} over a bank of {len(ck['state']['bank_index'])} "
                        f"training excerpts, {'GCN + FC' if cfg.gcn else 'FC'} encoder, shared common layer)",
            inputs=[{"name": "roll", "dtype": "float32", "shape": ["batch", width]}],
            outputs=[{"name": "embedding", "dtype": "float32", "shape": ["batch", cfg.dim]}],
            preprocess={"modality": m, **roll, "layout": "frame-major rows of semitones, values in [0, 1]",
                        **({"sheetModel": ck["meta"].get("sheetModel")} if m == "sheet" else {}),
                        **({"rate": ck["meta"]["rate"]} if m == "audio" else {})},
            metrics=metrics.get("models", {}).get("gcn", {}),
            data={"recipe": "deno task data:search (models/data/search.ts) from the OMR data set "
                            "(deno task data:omr); split by piece",
                  "splits": ck["meta"].get("splits"), "config": ck["config"], "epoch": ck["epoch"]},
        )
        entries.append(_entry(f"search-{m}", "search", fp32, manifest.parent, "fp32", **common))
        entries.append(_entry(f"search-{m}-int8", "search", int8, manifest.parent, "int8",
                              variantOf=f"search-{m}",
                              **{**common, "description": common["description"] + ", dynamic int8 weights"}))
    (out_dir / "parity.json").write_text(json.dumps(parity(encoders, cfg, ck["meta"])) + "\n")
    update_manifest(manifest, entries)
    for e in entries:
        print(f"{e['name']}: {e['bytes'] / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
