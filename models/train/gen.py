"""Train the genre-conditioned melody LSTM: seeded, resumable, on a time budget.

    /usr/bin/python3 -m models.train.gen --config models/train/configs/melody_cpu.json
    /usr/bin/python3 -m models.train.gen --config ... --resume
    /usr/bin/python3 -m models.train.gen --set hidden=400 --set layers=3 --set run_name=h400-l3

State in `.train/gen/<run_name>/` (`last.pt`, `best.pt`, `metrics.csv`: iteration, losses and the
validation token error, the curve the report plots).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import math
import time
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch
import torch.nn.functional as F

from .gen_config import MelodyConfig, load
from .gen_data import MelodyWindows, read_split, read_vocab
from .gen_model import MelodyLSTM

FIELDS = ["iteration", "elapsed_s", "lr", "train_loss", "val_loss", "val_error", "tokens_per_s"]


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def autocast_for(cfg: MelodyConfig, device: torch.device):
    """bf16 autocast where asked: on this CPU's oneDNN it runs the LSTM ~15x faster than fp32."""
    if cfg.amp == "off":
        return contextlib.nullcontext
    dtype = torch.bfloat16 if cfg.amp == "bf16" or device.type == "cpu" else torch.float16
    return lambda: torch.autocast(device.type, dtype=dtype)


def start_run(cfg):
    """Device (threads set), run folder (made), data folder and its vocabulary, for any job's config."""
    device = pick_device(cfg.device)
    if device.type == "cpu" and cfg.threads:
        torch.set_num_threads(cfg.threads)
    run = cfg.path(cfg.out_dir) / cfg.run_name
    run.mkdir(parents=True, exist_ok=True)
    data_dir = cfg.path(cfg.data_dir)
    return device, run, data_dir, read_vocab(data_dir)


def lr_at(cfg: MelodyConfig, it: int) -> float:
    """Linear warmup over 2 % of the run, then cosine down to lr / 20."""
    warm = max(1, cfg.iterations // 50)
    if it < warm:
        return cfg.lr * (it + 1) / warm
    t = min(1.0, (it - warm) / max(1, cfg.iterations - warm))
    return cfg.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * t)))


def validation_batches(cfg: MelodyConfig, vocab: Dict, data_dir: Path):
    """Fixed, seeded validation windows, so every evaluation and every run compares alike."""
    windows = MelodyWindows(read_split(data_dir, "val"), vocab, cfg.seq_len)
    rng = np.random.default_rng(cfg.seed + 1)
    return [windows.batch(rng, 64) for _ in range(max(1, cfg.val_windows // 64))]


@torch.no_grad()
def evaluate(model: MelodyLSTM, batches, device, autocast=contextlib.nullcontext) -> Dict[str, float]:
    """Mean cross-entropy per token and the next-token error (argmax wrong), padding ignored."""
    model.eval()
    loss_sum, wrong, count = 0.0, 0, 0
    for (x, y), g in batches:
        x, y, g = (torch.from_numpy(a).to(device) for a in (x, y, g))
        with autocast():
            logits, _ = model(x, g)
        logits = logits.float()
        mask = y != 0
        loss_sum += F.cross_entropy(logits[mask], y[mask], reduction="sum").item()
        wrong += (logits.argmax(-1)[mask] != y[mask]).sum().item()
        count += mask.sum().item()
    model.train()
    return {"val_loss": loss_sum / count, "val_error": wrong / count}


def train(cfg: MelodyConfig, resume: bool = False) -> Dict:
    """Runs (or resumes) one training run and returns its last metrics row."""
    device, run, data_dir, vocab = start_run(cfg)
    train_windows = MelodyWindows(read_split(data_dir, "train"), vocab, cfg.seq_len)
    val = validation_batches(cfg, vocab, data_dir)
    torch.manual_seed(cfg.seed)
    model = MelodyLSTM(vocab=len(vocab["tokens"]), genres=len(vocab["genres"]), embed=cfg.embed,
                       genre_embed=cfg.genre_embed, hidden=cfg.hidden, layers=cfg.layers,
                       dropout=cfg.dropout).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    rng = np.random.default_rng(cfg.seed)
    it, best, elapsed0 = 0, float("inf"), 0.0
    if resume and (run / "last.pt").exists():
        ck = torch.load(str(run / "last.pt"), map_location=device)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        it, best, elapsed0 = ck["iteration"], ck["best"], ck["elapsed_s"]
        rng.bit_generator.state = ck["rng"]
        torch.set_rng_state(ck["torch_rng"])
        print(f"resumed at iteration {it}")
    elif (run / "metrics.csv").exists():
        (run / "metrics.csv").unlink()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{cfg.run_name}: {n_params / 1e6:.2f} M parameters, device {device}")
    t0 = time.time()
    losses: List[float] = []
    tokens = 0
    last: Dict = {}

    def checkpoint(name: str) -> None:
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "iteration": it,
                    "best": best, "elapsed_s": elapsed0 + time.time() - t0,
                    "rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state(),
                    "model_args": model.args, "config": dataclasses.asdict(cfg),
                    "vocab": vocab}, str(run / f"{name}.tmp"))
        (run / f"{name}.tmp").replace(run / f"{name}.pt")

    autocast = autocast_for(cfg, device)
    model.train()
    while it < cfg.iterations:
        (x, y), g = train_windows.batch(rng, cfg.batch_size)
        x, y, g = (torch.from_numpy(a).to(device) for a in (x, y, g))
        for group in opt.param_groups:
            group["lr"] = lr_at(cfg, it)
        with autocast():
            logits, _ = model(x, g)
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1),
                               ignore_index=0)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        it += 1
        losses.append(loss.item())
        tokens += int((y != 0).sum())
        if it % cfg.log_every == 0:
            print(f"it {it} loss {np.mean(losses[-cfg.log_every:]):.4f} "
                  f"{tokens / (time.time() - t0):.0f} tok/s", flush=True)
        over = cfg.budget_minutes and time.time() - t0 > cfg.budget_minutes * 60
        if it % cfg.eval_every == 0 or it == cfg.iterations or over:
            m = evaluate(model, val, device, autocast)
            last = {"iteration": it, "elapsed_s": round(elapsed0 + time.time() - t0, 1),
                    "lr": lr_at(cfg, it - 1), "train_loss": float(np.mean(losses[-cfg.eval_every:])),
                    **m, "tokens_per_s": round(tokens / (time.time() - t0), 1)}
            new = not (run / "metrics.csv").exists()
            with open(run / "metrics.csv", "a", newline="") as f:
                w = csv.DictWriter(f, fieldnames=FIELDS)
                if new:
                    w.writeheader()
                w.writerow(last)
            print("eval", last, flush=True)
            if m["val_loss"] < best:
                best = m["val_loss"]
                checkpoint("best")
            checkpoint("last")
            if over:
                print(f"budget reached at iteration {it}")
                break
    return last


def main(argv: List[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--budget-minutes", type=float)
    args = ap.parse_args(argv)
    cfg = load(MelodyConfig, args.config, args.set)
    if args.budget_minutes is not None:
        cfg.budget_minutes = args.budget_minutes
    train(cfg, args.resume)


if __name__ == "__main__":
    main()
