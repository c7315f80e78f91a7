"""Train the piano-roll genre classifier and evaluate it on held-out real pieces.

    /usr/bin/python3 -m models.train.genre [--set key=value ...]

Training windows are random eight-bar crops of training excerpts (transposed by a few semitones
at random), genres drawn uniformly. Evaluation classifies each held-out excerpt as the service
does: windows every `hop` steps, probabilities averaged. State in `.train/gen/<run_name>/`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch
import torch.nn.functional as F

from .gen_config import GenreConfig, load
from .gen_data import piano_roll, read_split, window_starts
from .gen_model import GenreCNN
from .gen import autocast_for, start_run


def roll_args(cfg: GenreConfig) -> Dict:
    return dict(low_pitch=cfg.low_pitch, pitches=cfg.pitches, step_ticks=cfg.step_ticks,
                steps=cfg.steps)


def with_notes(records: List[Dict], least: int = 8) -> List[Dict]:
    """Excerpts with something to classify (a voice may rest for sixteen bars)."""
    return [r for r in records if len(r["notes"]) >= least]


def train_batch(cfg: GenreConfig, by_genre: List[List[Dict]], rng: np.random.Generator):
    rolls, labels = [], []
    present = [g for g, xs in enumerate(by_genre) if xs]
    for _ in range(cfg.batch_size):
        g = present[rng.integers(len(present))]
        rec = by_genre[g][rng.integers(len(by_genre[g]))]
        notes = rec["notes"]
        end = max(s + t for _, s, t in notes) // cfg.step_ticks
        first = int(rng.integers(0, max(1, end - cfg.steps // 2)))
        shift = int(rng.integers(-cfg.transpose, cfg.transpose + 1))
        rolls.append(piano_roll(notes, first, transpose=shift, **roll_args(cfg)))
        labels.append(g)
    return torch.from_numpy(np.stack(rolls)), torch.tensor(labels)


@torch.no_grad()
def classify_notes(model: GenreCNN, cfg: GenreConfig, notes, device) -> np.ndarray:
    """Genre probabilities of one piece: the mean over its windows (as the service computes)."""
    starts = window_starts(notes, cfg.step_ticks, cfg.steps, cfg.hop)
    x = torch.from_numpy(np.stack([piano_roll(notes, s, **roll_args(cfg)) for s in starts]))
    return torch.softmax(model(x.to(device)), -1).mean(0).cpu().numpy()


def evaluate(model: GenreCNN, cfg: GenreConfig, records: List[Dict], genres: List[str],
             device) -> Dict:
    """Accuracy per genre and the confusion matrix (rows: true genre, columns: predicted)."""
    model.eval()
    confusion = np.zeros((len(genres), len(genres)), dtype=np.int64)
    for r in records:
        p = classify_notes(model, cfg, r["notes"], device)
        confusion[genres.index(r["genre"]), int(p.argmax())] += 1
    model.train()
    totals = confusion.sum(1)
    per = {g: (float(confusion[i, i] / totals[i]) if totals[i] else None) for i, g in enumerate(genres)}
    scored = [v for v in per.values() if v is not None]
    return {"accuracy": float(np.trace(confusion) / max(1, confusion.sum())),
            "balanced_accuracy": float(np.mean(scored)) if scored else 0.0,
            "per_genre": per, "confusion": confusion.tolist(), "excerpts": totals.tolist()}


def train(cfg: GenreConfig) -> Dict:
    device, run, data_dir, vocab = start_run(cfg)
    genres = [g["id"] for g in vocab["genres"]]
    by_genre: List[List[Dict]] = [[] for _ in genres]
    for r in with_notes(read_split(data_dir, "train")):
        by_genre[genres.index(r["genre"])].append(r)
    val = with_notes(read_split(data_dir, "val"))
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    model = GenreCNN(len(genres), cfg.channels, cfg.dropout).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, cfg.lr, total_steps=cfg.iterations)
    autocast = autocast_for(cfg, device)
    t0, best, history = time.time(), -1.0, []
    for it in range(1, cfg.iterations + 1):
        x, y = train_batch(cfg, by_genre, rng)
        with autocast():
            logits = model(x.to(device))
        loss = F.cross_entropy(logits.float(), y.to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if it % cfg.log_every == 0:
            print(f"it {it} loss {loss.item():.4f} {it / (time.time() - t0):.2f} it/s", flush=True)
        over = cfg.budget_minutes and time.time() - t0 > cfg.budget_minutes * 60
        if it % cfg.eval_every == 0 or it == cfg.iterations or over:
            m = evaluate(model, cfg, val, genres, device)
            history.append({"iteration": it, "val_balanced_accuracy": m["balanced_accuracy"],
                            "loss": loss.item()})
            print("eval", history[-1], flush=True)
            if m["balanced_accuracy"] >= best:
                best = m["balanced_accuracy"]
                torch.save({"model": model.state_dict(), "model_args": model.args,
                            "config": dataclasses.asdict(cfg), "genres": genres,
                            "iteration": it}, str(run / "best.pt"))
            if over:
                break
    ck = torch.load(str(run / "best.pt"))
    model.load_state_dict(ck["model"])
    test = evaluate(model, cfg, with_notes(read_split(data_dir, "test")), genres, device)
    result = {"genres": genres, "best_iteration": ck["iteration"], "val_history": history,
              "test": test, "seconds": round(time.time() - t0, 1)}
    (run / "result.json").write_text(json.dumps(result, indent=1))
    print("test", json.dumps(test))
    return result


def main(argv: List[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args(argv)
    train(load(GenreConfig, args.config, args.set))


if __name__ == "__main__":
    main()
