"""The RBM baseline of the melody generator (the seed compares its LSTM against one).

    /usr/bin/python3 -m models.train.gen_rbm [--iterations 6000] [--out .train/gen/rbm/rbm.json]

A restricted Boltzmann machine over a window of `window` melody tokens (one softmax group of the
vocabulary per slot; windows at a line's start are left-padded with `<pad>`) plus the genre as
one more softmax group. To generate, the last slot's distribution given the others and the genre
is exact: logit_k = b_k + sum_j softplus(a_j + W_jk), a = c + W v_rest.

Training is the hybrid objective of Larochelle and Bengio's discriminative RBM: the exact
log-likelihood of the last slot given the rest (the distribution sampling uses), plus
`--generative-weight` times the joint likelihood, whose gradient one-step contrastive divergence
estimates (CD-1, every visible group resampled from its softmax). CD-1 alone (weight 0 for the
first term, `--objective cd`) left the RBM at the unigram level with its genre input ignored.
The weights go to JSON, which the evaluation (models/eval/) reads to sample with the same grammar
as the LSTM.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .gen_config import ROOT
from .gen_data import read_split, read_vocab


def windows(records, ids, genres, window: int):
    """All (genre, token window) pairs of the training lines, left-padded at each line's start."""
    out_tokens, out_genres = [], []
    bos = ids["<bos>"]
    for r in records:
        seq = [0] * (window - 1) + [bos] + [ids[t] for t in r["tokens"]]
        arr = np.array(seq, dtype=np.int64)
        for end in range(window, len(arr) + 1):
            out_tokens.append(arr[end - window:end])
            out_genres.append(genres.index(r["genre"]))
    return np.stack(out_tokens), np.array(out_genres, dtype=np.int64)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default="data/gen")
    ap.add_argument("--out", default=".train/gen/rbm/rbm.json")
    ap.add_argument("--window", type=int, default=8)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--iterations", type=int, default=6000)
    ap.add_argument("--batch-size", type=int, default=125)
    ap.add_argument("--lr", type=float, default=0.003, help="Adam step size")
    ap.add_argument("--objective", choices=["hybrid", "cd"], default="hybrid")
    ap.add_argument("--generative-weight", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1337)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    data_dir = ROOT / args.data_dir
    vocab = read_vocab(data_dir)
    tokens = vocab["tokens"]
    genres = [g["id"] for g in vocab["genres"]]
    ids = {t: i for i, t in enumerate(tokens)}
    x_tok, x_gen = windows(read_split(data_dir, "train"), ids, genres, args.window)
    by_genre = [np.flatnonzero(x_gen == g) for g in range(len(genres))]
    V, G, S, H = len(tokens), len(genres), args.window, args.hidden
    n_vis = S * V + G
    last = slice((S - 1) * V, S * V)
    W = torch.nn.Parameter(torch.randn(n_vis, H) * 0.01)
    b = torch.nn.Parameter(torch.zeros(n_vis))
    c = torch.nn.Parameter(torch.zeros(H))
    opt = torch.optim.Adam([W, b, c], lr=args.lr)

    def one_hot(tok: torch.Tensor, gen: torch.Tensor) -> torch.Tensor:
        return torch.cat([F.one_hot(tok, V).float().flatten(1), F.one_hot(gen, G).float()], 1)

    def sample_visible(h: torch.Tensor) -> torch.Tensor:
        logits = h @ W.T + b  # (B, n_vis)
        slots = logits[:, :S * V].reshape(-1, S, V)
        tok = torch.distributions.Categorical(logits=slots).sample()
        gen = torch.distributions.Categorical(logits=logits[:, S * V:]).sample()
        return one_hot(tok, gen)

    def last_slot_logits(v: torch.Tensor) -> torch.Tensor:
        """Exact logits of the last slot given the other slots and the genre (as sampling does)."""
        rest = v.clone()
        rest[:, last] = 0
        a = rest @ W + c  # (B, H)
        return b[last] + F.softplus(a[:, None, :] + W[last][None]).sum(-1)  # (B, V)

    t0 = time.time()
    for it in range(1, args.iterations + 1):
        pick = np.concatenate([rng.choice(ix, args.batch_size // G) for ix in by_genre if len(ix)])
        target = torch.from_numpy(x_tok[pick][:, -1])
        v0 = one_hot(torch.from_numpy(x_tok[pick]), torch.from_numpy(x_gen[pick]))
        opt.zero_grad()
        if args.objective == "hybrid":
            loss = F.cross_entropy(last_slot_logits(v0), target)
            loss.backward()
        with torch.no_grad():  # CD-1 estimate of the joint likelihood's gradient, as a descent step
            p_h0 = torch.sigmoid(v0 @ W + c)
            v1 = sample_visible(torch.bernoulli(p_h0))
            p_h1 = torch.sigmoid(v1 @ W + c)
            n = v0.shape[0]
            weight = args.generative_weight if args.objective == "hybrid" else 1.0
            for p, g in ((W, (v0.T @ p_h0 - v1.T @ p_h1) / n), (b, (v0 - v1).mean(0)),
                         (c, (p_h0 - p_h1).mean(0))):
                p.grad = (p.grad if p.grad is not None else torch.zeros_like(p)) - weight * g
        opt.param_groups[0]["lr"] = args.lr * (1 - 0.9 * it / args.iterations)
        opt.step()
        if it % 500 == 0:
            with torch.no_grad():
                nll = F.cross_entropy(last_slot_logits(v0), target).item()
            print(f"it {it} next-token cross-entropy {nll:.3f} ({time.time() - t0:.0f} s)", flush=True)
    W, b, c = W.detach(), b.detach(), c.detach()
    out = ROOT / args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "window": S, "hidden": H, "vocab": tokens, "genres": genres,
        "W": [round(float(v), 5) for v in W.flatten()], "b": [round(float(v), 5) for v in b],
        "c": [round(float(v), 5) for v in c],
        "trained": {"iterations": args.iterations, "batch_size": args.batch_size, "lr": args.lr,
                    "objective": args.objective, "generative_weight": args.generative_weight,
                    "seed": args.seed, "windows": int(len(x_tok)), "seconds": round(time.time() - t0)},
    }))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
