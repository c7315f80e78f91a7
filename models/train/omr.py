"""Trains the OMR recognizer (two CTC heads on one encoder). Reads top to bottom in run order.

    /usr/bin/python3 -m models.train.omr --config models/train/configs/omr_cpu.json \
        [--budget-minutes N] [--resume] [--set key=value ...]

State goes to `<out_dir>/<run_name>/` (last.pt, best.pt, metrics.csv); the best weights are
exported to ONNX with their manifest entries whenever validation improves.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import random
import time
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch
import torch.nn.functional as F

from . import ctc
from .omr_config import OmrConfig, load_config
from .export_omr import export, load_torch
from .omr_data import HEADS, OmrDataset, frame_check, make_loader, training_vocab
from .omr_model import OmrModel, frames_for_width, warm_state

CSV_FIELDS = ["epoch", "step", "elapsed_s", "lr", "train_loss", "train_loss_semantic",
              "train_loss_agnostic", "val_loss", "val_ser_semantic", "val_ser_agnostic",
              "val_seq_err_semantic", "val_seq_err_agnostic", "staves_per_s", "improved"]


def pick_device(cfg: OmrConfig) -> torch.device:
    if cfg.device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(cfg.device)


def autocast_for(cfg: OmrConfig, device: torch.device):
    """(context factory, dtype or None): bf16 on CPU, bf16/fp16 on CUDA, or nothing."""
    amp = cfg.amp
    if amp == "auto":
        amp = "bf16" if device.type == "cpu" or torch.cuda.is_bf16_supported() else "fp16"
    if amp == "off":
        return contextlib.nullcontext, None
    dtype = torch.bfloat16 if amp == "bf16" else torch.float16
    return (lambda: torch.autocast(device.type, dtype=dtype)), dtype


def ctc_losses(out: Dict[str, torch.Tensor], widths: torch.Tensor, labels, cfg: OmrConfig):
    """Per-head CTC losses (fp32 log_softmax), and their weighted sum."""
    frames = out["semantic"].shape[0]
    lengths = torch.clamp(widths // 4, min=1, max=frames)
    losses = {}
    for head in HEADS:
        logp = F.log_softmax(out[head].float(), -1)  # (T, B, C)
        targets, target_lengths = labels[head]
        losses[head] = F.ctc_loss(logp, targets, lengths, target_lengths, blank=0,
                                  reduction="mean", zero_infinity=True)
    total = cfg.loss_semantic * losses["semantic"] + cfg.loss_agnostic * losses["agnostic"]
    return total, losses


@torch.no_grad()
def validate(model: OmrModel, loader, device, cfg: OmrConfig, autocast) -> Dict[str, float]:
    """Mean loss, greedy symbol error rate and sequence error rate per head."""
    model.eval()
    loss_sum, batches = 0.0, 0
    errors = {h: 0 for h in HEADS}
    refs = {h: 0 for h in HEADS}
    wrong = {h: 0 for h in HEADS}
    staves = 0
    for images, widths, labels, _ in loader:
        images = images.to(device)
        if cfg.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        with autocast():
            out = model(images)
        labels_dev = {h: (t.to(device), n.to(device)) for h, (t, n) in labels.items()}
        total, _ = ctc_losses(out, widths.to(device), labels_dev, cfg)
        loss_sum, batches = loss_sum + float(total), batches + 1
        for head in HEADS:
            logp = F.log_softmax(out[head].float(), -1).cpu().numpy()
            targets, lengths = labels[head]
            refs_split = torch.split(targets, lengths.tolist())
            for i, ref in enumerate(refs_split):
                hyp = ctc.greedy(logp[: frames_for_width(int(widths[i])), i])
                d = ctc.edit_distance(ref.tolist(), hyp)
                errors[head] += d
                refs[head] += len(ref)
                wrong[head] += d > 0
        staves += images.shape[0]
    model.train()
    result = {"val_loss": loss_sum / max(batches, 1)}
    for head in HEADS:
        result[f"val_ser_{head}"] = errors[head] / max(refs[head], 1)
        result[f"val_seq_err_{head}"] = wrong[head] / max(staves, 1)
    return result


def rng_state() -> Dict:
    state = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(),
             "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Dict) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def data_recipe(cfg: OmrConfig, reports: Dict) -> Dict:
    """What the model was trained on, for the manifest."""
    recipe = {"dataDir": cfg.data_dir, "trainSplit": cfg.train_split, "valSplit": cfg.val_split,
              "height": cfg.height, "maxWidth": cfg.max_width,
              "augment": ("camera: scale, rotation, perspective, uneven light, paper texture, "
                          "contrast, blur, noise, JPEG" if cfg.augment else "none"),
              "augmentProb": cfg.augment_prob, "seed": cfg.seed, "splits": reports,
              "neverTrainedOn": cfg.test_splits}
    manifest = cfg.path(cfg.data_dir) / "manifest.json"
    if manifest.exists():
        data = json.loads(manifest.read_text(encoding="utf-8"))
        recipe["generator"] = {k: data[k] for k in ("generator", "seed", "count", "splits")
                               if k in data}
    return recipe


def main(argv: List[str] | None = None) -> None:
    # --- config: defaults, file, overrides -----------------------------------------------
    ap = argparse.ArgumentParser(description="Train the OMR recognizer")
    ap.add_argument("--config", help="JSON run config (overrides defaults)")
    ap.add_argument("--budget-minutes", type=float, help="stop after this many minutes")
    ap.add_argument("--resume", action="store_true", help="continue from <run>/last.pt")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args(argv)
    cfg = load_config(args.config, args.set)
    if args.budget_minutes is not None:
        cfg.budget_minutes = args.budget_minutes
    start = time.time()
    run_dir = cfg.run_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    device = pick_device(cfg)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    autocast, amp_dtype = autocast_for(cfg, device)
    print(f"device {device}, threads {torch.get_num_threads()}, amp {amp_dtype}, run {run_dir}")

    # --- data ------------------------------------------------------------------------------
    root = cfg.path(cfg.data_dir)
    last_path = run_dir / "last.pt"
    start_from = last_path if args.resume and last_path.exists() else (
        cfg.path(cfg.init_from) if cfg.init_from else None)
    if start_from is not None:
        # A resumed or warm-started run keeps the vocabulary its weights were trained with.
        vocabs = load_torch(start_from, "cpu")["vocabs"]
    else:
        vocabs = {h: training_vocab(cfg.path(getattr(cfg, f"vocab_{h}")), root, h) for h in HEADS}
    common = dict(vocabs=vocabs, height=cfg.height, max_width=cfg.max_width,
                  unknown=cfg.unknown_tokens)
    train_ds = OmrDataset(root, cfg.train_split, augment=cfg.augment,
                          augment_prob=cfg.augment_prob, seed=cfg.seed, limit=cfg.max_train,
                          **common)
    val_ds = OmrDataset(root, cfg.val_split, limit=cfg.max_val, **common)
    reports = {}
    for name, ds in (("train", train_ds), ("val", val_ds)):
        lines = ds.report.lines() + [f"{ds.squeezed} squeezed to max_width {cfg.max_width}"]
        warn = frame_check(ds, frames_for_width)
        lines += [warn] if warn else []
        print(f"{name}: " + "; ".join(lines))
        reports[name] = {"staves": ds.report.staves, "skippedUnknownTokens": ds.report.skipped}
    if len(train_ds) == 0 or len(val_ds) == 0:
        raise ValueError(f"Empty split in {str(root)!r}: train {len(train_ds)}, val {len(val_ds)}")
    train_loader, train_sampler = make_loader(train_ds, cfg.batch_size, cfg.seed, True,
                                              cfg.bucket_width, cfg.workers)
    val_loader, _ = make_loader(val_ds, cfg.batch_size, cfg.seed, False, cfg.bucket_width,
                                cfg.workers)

    # --- model, optimizer, schedule ----------------------------------------------------------
    model_args = dict(height=cfg.height, channels=cfg.channels, blocks=cfg.blocks,
                      hidden=cfg.hidden, sru_layers=cfg.sru_layers, dropout=cfg.dropout,
                      fuse_channels=cfg.fuse_channels,
                      vocab_sizes={h: len(v) for h, v in vocabs.items()}, head_rank=cfg.head_rank,
                      sru_rank=cfg.sru_rank)
    model = OmrModel(**model_args).to(device)
    model.set_sru_mode(cfg.sru_mode)
    if cfg.channels_last:
        model = model.to(memory_format=torch.channels_last)
    print(f"model: {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M parameters")
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr)
    steps_per_epoch = len(train_sampler.batches())
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=cfg.lr, total_steps=max(cfg.epochs * steps_per_epoch, 100),
        pct_start=cfg.warmup)
    scaler = torch.cuda.amp.GradScaler(enabled=amp_dtype == torch.float16 and device.type == "cuda")
    epoch, step, batch_in_epoch, best = 0, 0, 0, math.inf
    best_path = run_dir / "best.pt"
    if args.resume:
        if not last_path.exists():
            raise FileNotFoundError(f"Cannot resume: {str(last_path)!r} does not exist")
        ckpt = load_torch(last_path, device)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        scaler.load_state_dict(ckpt["scaler"])
        epoch, step, batch_in_epoch = ckpt["epoch"], ckpt["step"], ckpt["batch_in_epoch"]
        best = ckpt["best"]
        set_rng_state(ckpt["rng"])
        print(f"resumed at epoch {epoch}, step {step}, batch {batch_in_epoch}, best {best:.4f}")
    elif cfg.init_from:
        # A warm start: the weights of an earlier run, with a fresh optimizer and schedule.
        warm = load_torch(cfg.path(cfg.init_from), device)
        state = warm_state(warm["model"], warm["model_args"], model_args)
        factorized = state.keys() != warm["model"].keys()
        if factorized:
            print(f"factorized by SVD: head_rank {cfg.head_rank}, sru_rank {cfg.sru_rank}")
        model.load_state_dict(state)
        print(f"weights from {cfg.init_from}")
        if not factorized:
            # The warm start's validation score is the bar to beat: a worse model never replaces
            # the exported one. A model of another shape is a new model with its own best.
            best = warm.get("best", math.inf)
            print(f"best to beat {best:.4f}")

    def save(path: Path, metrics: Dict | None = None) -> None:
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(), "scaler": scaler.state_dict(),
                    "epoch": epoch, "step": step, "batch_in_epoch": batch_in_epoch, "best": best,
                    "rng": rng_state(), "config": cfg.to_dict(), "model_args": model_args,
                    "vocabs": vocabs, "metrics": metrics or {},
                    "data": data_recipe(cfg, reports)}, str(path) + ".tmp")
        Path(str(path) + ".tmp").replace(path)  # never a half-written checkpoint

    csv_path = run_dir / "metrics.csv"
    if not csv_path.exists():
        with csv_path.open("w", newline="") as f:
            csv.writer(f).writerow(CSV_FIELDS)

    # --- loop --------------------------------------------------------------------------------
    budget_s = cfg.budget_minutes * 60 if cfg.budget_minutes > 0 else math.inf
    stop = False
    model.train()
    while epoch < cfg.epochs and not stop:
        train_ds.epoch = train_sampler.epoch = epoch
        train_sampler.skip = batch_in_epoch
        sums = {"loss": 0.0, "semantic": 0.0, "agnostic": 0.0}
        n_batches, staves, busy = 0, 0, 0.0
        for images, widths, labels, _ in train_loader:
            t0 = time.time()
            images = images.to(device, non_blocking=True)
            if cfg.channels_last:
                images = images.contiguous(memory_format=torch.channels_last)
            labels = {h: (t.to(device), n.to(device)) for h, (t, n) in labels.items()}
            with autocast():
                out = model(images)
            loss, parts = ctc_losses(out, widths.to(device), labels, cfg)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            scaler.step(optimizer)
            scaler.update()
            if scheduler.last_epoch < scheduler.total_steps - 1:
                scheduler.step()
            step, batch_in_epoch, n_batches = step + 1, batch_in_epoch + 1, n_batches + 1
            staves += images.shape[0]
            busy += time.time() - t0
            sums["loss"] += float(loss)
            for h in HEADS:
                sums[h] += float(parts[h])
            if step % cfg.log_every == 0:
                print(f"epoch {epoch} step {step} loss {float(loss):.4f} "
                      f"lr {scheduler.get_last_lr()[0]:.2e} {staves / max(busy, 1e-9):.1f} staves/s",
                      flush=True)
            if step % cfg.checkpoint_every == 0:
                save(last_path)
            if time.time() - start > budget_s or (cfg.max_steps and step >= cfg.max_steps):
                stop = True
                break
        epoch_done = not stop or batch_in_epoch >= steps_per_epoch
        row = {"epoch": epoch, "step": step, "elapsed_s": round(time.time() - start, 1),
               "lr": scheduler.get_last_lr()[0],
               "train_loss": sums["loss"] / max(n_batches, 1),
               "train_loss_semantic": sums["semantic"] / max(n_batches, 1),
               "train_loss_agnostic": sums["agnostic"] / max(n_batches, 1),
               "staves_per_s": round(staves / max(busy, 1e-9), 2), "improved": False}
        metrics = {}
        # A budget stop mid-epoch is validated too: the session's progress is measured and kept.
        if (epoch_done and (epoch + 1) % cfg.val_every_epochs == 0) or (stop and n_batches > 0):
            metrics = validate(model, val_loader, device, cfg, autocast)
            row.update(metrics)
            score = (metrics["val_ser_semantic"] + metrics["val_ser_agnostic"]) / 2
            if score < best:
                best, row["improved"] = score, True
        if epoch_done:
            epoch, batch_in_epoch = epoch + 1, 0
        with csv_path.open("a", newline="") as f:
            csv.DictWriter(f, CSV_FIELDS).writerow({k: row.get(k, "") for k in CSV_FIELDS})
        print("epoch " + ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                                   for k, v in row.items()), flush=True)
        save(last_path)
        if row["improved"]:
            info = {k: round(v, 5) for k, v in metrics.items()}
            info.update({"epoch": epoch, "step": step, "split": cfg.val_split, "decode": "greedy"})
            save(best_path, info)
            if cfg.export_on_improve:
                ckpt_data = data_recipe(cfg, reports)
                paths = export(model, cfg, vocabs, {"validation": info}, ckpt_data)
                print(f"exported {paths['fp32']} and {paths['int8']}", flush=True)
    print(f"stopped at epoch {epoch}, step {step} after {time.time() - start:.0f} s; best {best:.4f}")


if __name__ == "__main__":
    main()
