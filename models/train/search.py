"""Trains the cross-modal search model: `deno task train:search [--config FILE] [--set k=v ...]`.

Reads the rolls of `deno task data:search`, fits each modality's PCA, builds the k-nearest-
neighbour graphs against the bank, then trains the encoders with
    loss = InfoNCE over each pair of modalities (modality invariance: an excerpt's sheet, audio and
           notes are pulled together and pushed from the batch's other excerpts)
         + semantic_weight * cross-entropy of the piece and genre classifiers on every modality.
Seeded; resumes from last.pt; keeps best.pt by validation recall@1 (the mean over the six
directions between the modalities); writes metrics.csv; stops on a time budget.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import time
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch
import torch.nn.functional as F

from .search_config import MODALITIES, SearchConfig, load
from .search_eval import instance_metrics
from .search_model import SearchModel, aggregate_as_queries, build_graph, fit_pca, query_encoder

GRAPHS = ("own", "paired", "highpass")

PAIRS = list(itertools.combinations(MODALITIES, 2))


def read_split(data_dir: Path, split: str) -> Dict:
    """Rows of one split: per modality float32 [N, F], and the excerpts' metadata."""
    meta = json.loads((data_dir / "meta.json").read_text())
    width = meta["roll"]["frames"] * meta["roll"]["pitches"]
    records = [json.loads(line) for line in (data_dir / f"{split}.jsonl").read_text().splitlines() if line]
    rolls = {m: np.fromfile(data_dir / f"{split}.{m}.f32", dtype=np.float32).reshape(-1, width)
             for m in MODALITIES}
    for m, x in rolls.items():
        if len(x) != len(records):
            raise ValueError(f"{split}.{m}.f32 has {len(x)} rows for {len(records)} excerpts")
    return {"records": records, "rolls": rolls, "meta": meta}


def graph_state(cfg: SearchConfig, train: Dict) -> Dict:
    """Per modality: PCA, features, the bank and the training graph's aggregated features."""
    rng = np.random.default_rng(cfg.seed)
    n = len(train["records"])
    bank_index = torch.from_numpy(np.sort(rng.permutation(n)[: min(cfg.bank, n)]))
    state = {"bank_index": bank_index}
    for m in MODALITIES:
        mean, comp = fit_pca(train["rolls"][m], cfg.pca)
        x = torch.from_numpy(train["rolls"][m])
        z = F.normalize((x - torch.from_numpy(mean)) @ torch.from_numpy(comp), dim=-1, eps=1e-6)
        agg, degree = build_graph(z, bank_index, cfg.neighbours)
        state[m] = {"mean": torch.from_numpy(mean), "components": torch.from_numpy(comp), "z": z,
                    "agg": agg, "bank_z": z[bank_index].clone(), "bank_degree": degree}
    if cfg.graph == "paired":
        paired = state["notes"]["bank_z"]
        for m in MODALITIES:
            s = state[m]
            s["agg"] = aggregate_as_queries(s["z"], bank_index, s["bank_degree"], cfg.neighbours, paired)
            s["bank_paired"] = paired
    return state


def build_model(cfg: SearchConfig, names: Dict[str, List[str]]) -> SearchModel:
    """The model `cfg` describes, for `names` pieces and genres."""
    if cfg.graph not in GRAPHS:
        raise ValueError(f"Invalid graph {cfg.graph!r}: use one of {', '.join(GRAPHS)}")
    return SearchModel(MODALITIES, cfg.pca, cfg.hidden, cfg.dim, len(names["piece"]),
                       len(names["style"]), cfg.gcn, cfg.dropout, cfg.graph == "paired",
                       cfg.graph == "highpass")


def labels(records: List[Dict], names: Dict[str, List[str]]) -> Dict[str, torch.Tensor]:
    return {k: torch.tensor([names[k].index(r[k]) for r in records]) for k in ("piece", "style")}


@torch.no_grad()
def embed_split(model: SearchModel, state: Dict, cfg: SearchConfig, rolls: Dict) -> Dict[str, np.ndarray]:
    """Embeddings of a held-out split through each modality's query path (as exported)."""
    model.eval()
    out = {}
    for m in MODALITIES:
        enc = query_encoder(model, state, m, cfg.neighbours)
        out[m] = torch.cat([enc(torch.from_numpy(rolls[m][i:i + 1024]))
                            for i in range(0, len(rolls[m]), 1024)]).numpy()
    model.train()
    return out


def validate(model, state, cfg, split: Dict) -> Dict[str, float]:
    emb = embed_split(model, state, cfg, split["rolls"])
    out = {}
    for a, b in itertools.permutations(MODALITIES, 2):
        out[f"{a}->{b}"] = instance_metrics(emb[a], emb[b])["r@1"]
    out["mean_r@1"] = float(np.mean(list(out.values())))
    return out


def train(cfg: SearchConfig) -> Dict:
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    data_dir = cfg.path(cfg.data_dir)
    tr, va = read_split(data_dir, "train"), read_split(data_dir, "val")
    names = {"piece": sorted({r["piece"] for r in tr["records"]}),
             "style": sorted({r["style"] for r in tr["records"]})}
    y = labels(tr["records"], names)
    run = cfg.run_dir
    run.mkdir(parents=True, exist_ok=True)
    last = run / "last.pt"
    t0 = time.time()
    if last.exists():
        ck = torch.load(last, map_location="cpu")
        state = ck["state"]
        print(f"resuming at epoch {ck['epoch']}")
    else:
        ck = None
        state = graph_state(cfg, tr)
        print(f"graphs built in {time.time() - t0:.1f} s")
    model = build_model(cfg, names)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    epoch, best = 0, -1.0
    if ck is not None:
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        epoch, best = ck["epoch"], ck["best"]
        torch.set_rng_state(ck["rng"])
    n = len(tr["records"])
    metrics_path = run / "metrics.csv"
    new_file = not metrics_path.exists()
    log = open(metrics_path, "a", newline="")
    writer = csv.writer(log)
    if new_file:
        writer.writerow(["epoch", "elapsed_s", "loss", "invariance", "semantic", "val_mean_r@1",
                         *[f"val_{a}->{b}" for a, b in itertools.permutations(MODALITIES, 2)], "improved"])
    started = time.time()
    while epoch < cfg.epochs:
        order = torch.randperm(n)
        totals = np.zeros(3)
        for i in range(0, n - cfg.batch_size + 1, cfg.batch_size):
            idx = order[i:i + cfg.batch_size]
            u = {m: model.embed(m, state[m]["z"][idx], state[m]["agg"][idx]) for m in MODALITIES}
            target = torch.arange(len(idx))
            inv = sum(F.cross_entropy(u[a] @ u[b].T / cfg.temperature, target)
                      + F.cross_entropy(u[b] @ u[a].T / cfg.temperature, target) for a, b in PAIRS) / (2 * len(PAIRS))
            sem = sum(F.cross_entropy(model.piece(u[m]), y["piece"][idx])
                      + F.cross_entropy(model.genre(u[m]), y["style"][idx]) for m in MODALITIES) / len(MODALITIES)
            loss = inv + cfg.semantic_weight * sem
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            totals += [loss.item(), inv.item(), sem.item()]
        epoch += 1
        steps = max(1, n // cfg.batch_size)
        out_of_time = cfg.budget_minutes > 0 and time.time() - started > cfg.budget_minutes * 60
        if epoch % cfg.eval_every == 0 or epoch == cfg.epochs or out_of_time:
            val = validate(model, state, cfg, va)
            improved = val["mean_r@1"] > best
            best = max(best, val["mean_r@1"])
            writer.writerow([epoch, round(time.time() - t0, 1), *np.round(totals / steps, 4),
                             round(val["mean_r@1"], 4),
                             *[round(val[f"{a}->{b}"], 4) for a, b in itertools.permutations(MODALITIES, 2)],
                             improved])
            log.flush()
            print(f"epoch {epoch} loss {totals[0] / steps:.4f} val mean R@1 {val['mean_r@1']:.4f}"
                  f"{' *' if improved else ''}")
            blob = {"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch, "best": best,
                    "rng": torch.get_rng_state(), "state": state, "config": cfg.__dict__, "names": names,
                    "meta": tr["meta"], "val": val}
            if improved:
                torch.save({k: v for k, v in blob.items() if k != "opt"}, run / "best.pt")
            torch.save(blob, last)
        if out_of_time:
            print(f"time budget reached at epoch {epoch}")
            break
    log.close()
    return {"epoch": epoch, "best": best}


def main(argv: List[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", help="JSON run config (keys of SearchConfig)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a key")
    args = p.parse_args(argv)
    print(json.dumps(train(load(args.config, args.set))))


if __name__ == "__main__":
    main()
