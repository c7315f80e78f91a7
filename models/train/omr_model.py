"""The OMR recognizer: residual CNN with multiscale fusion, a 2-layer bidirectional SRU and two
CTC heads (PrIMuS semantic and agnostic) on the shared encoder.

    image  (B, 1, H, W), ink = 1, paper = 0, H = 64
    stem:    conv, pool 2x2                      -> (B, c1, H/2, W/2)
    stage 1: conv + residual blocks, pool 2x2    -> (B, c1, H/4, W/4)   fine detail
    stage 2: ...                     pool 2x1    -> (B, c2, H/8, W/4)
    stage 3: ...                     pool 2x1    -> (B, c3, H/16, W/4)
    stage 4: ...                     no pool     -> (B, c4, H/16, W/4)  semantic
    fusion: stages 1-2 average-pooled to (H/16, W/4), 1x1 conv, concatenated with stage 4,
            1x1 conv + BN + LeakyReLU                                  -> (B, c4, H/16, W/4)
    readout over width: (T = W/4, B, c4 * H/16) -> linear -> BiSRU x 2 -> 2 linear heads
            (each one layer, or with `head_rank` r two: 2H -> r -> classes, which costs
            r (2H + classes) per frame instead of 2H classes; `sru_rank` does the same to the
            SRU projections: at full rank the heads and the projections are about half the
            multiply-adds of the served model)
    outputs: per-frame log-probabilities (T, B, 1 + vocabulary), blank = 0

The SRU has two numerically equal forms: `mode="loop"` (training: an elementwise loop over
`unbind(0)`) and `mode="parallel"` (export: an exact chunked recursive-doubling form built of
products, sums and slices, so ONNX gets a dynamic width without a Loop, and WASM no exp).
"""

from __future__ import annotations

from typing import Dict, List, Tuple

import torch
from torch import Tensor, nn

CHUNK = 16  # time steps per chunk in the parallel SRU form (8-32 ran alike in WASM at T=250)
CHUNK_STEPS = 10  # doubling steps over chunk ends: exact up to 2**10 chunks (T = 16,384 frames)


class ConvBnAct(nn.Module):
    """conv 3x3 + batch norm + LeakyReLU."""

    def __init__(self, cin: int, cout: int, kernel: int = 3):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, padding=kernel // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.act = nn.LeakyReLU(0.1)

    def forward(self, x: Tensor) -> Tensor:
        return self.act(self.bn(self.conv(x)))


class ResBlock(nn.Module):
    """Two conv modules with a residual connection skipping both."""

    def __init__(self, channels: int):
        super().__init__()
        self.a = ConvBnAct(channels, channels)
        self.b = ConvBnAct(channels, channels)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.b(self.a(x))


class Stage(nn.Module):
    """Channel change, `blocks` residual blocks, then max pooling (none for (1, 1))."""

    def __init__(self, cin: int, cout: int, pool: Tuple[int, int], blocks: int):
        super().__init__()
        self.enter = ConvBnAct(cin, cout)
        self.blocks = nn.Sequential(*[ResBlock(cout) for _ in range(blocks)])
        self.pool = nn.MaxPool2d(pool, pool) if pool != (1, 1) else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        return self.pool(self.blocks(self.enter(x)))


def sru_scan_loop(f: Tensor, b: Tensor) -> Tensor:
    """c_t = f_t * c_{t-1} + b_t over dim 0 (c_{-1} = 0), one step at a time (training form)."""
    c = torch.zeros_like(b[0])
    out = []
    for f_t, b_t in zip(f.unbind(0), b.unbind(0)):  # unbind: O(T) backward, not O(T^2)
        c = f_t * c + b_t
        out.append(c)
    return torch.stack(out, 0)


def _doubling_scan(f: Tensor, c: Tensor, steps: int, dim: int) -> Tuple[Tensor, Tensor]:
    """Inclusive scan of c_t = f_t c_{t-1} + b_t along `dim` by recursive doubling.

    After step k every position holds the composition over its last 2^(k+1) steps: the
    product of its gates `f` and its state `c` from a zero carry-in. Positions before the
    start keep their values (a gate of 1 and a state of 0 shifted in). Only products and sums:
    no exp or log (slow in WASM), and as exact as the loop (gates in [0, 1]). Positions past
    the end of a short axis are empty slices, so any number of steps is safe.
    """
    d = 1
    for _ in range(steps):
        head = [slice(None)] * dim + [slice(None, d)]  # the first d positions
        tail = [slice(None)] * dim + [slice(d, None)]  # positions >= d
        prev = [slice(None)] * dim + [slice(None, -d)]  # their predecessors d steps back
        f_tail = f[tuple(tail)]
        c = torch.cat([c[tuple(head)], c[tuple(tail)] + f_tail * c[tuple(prev)]], dim)
        f = torch.cat([f[tuple(head)], f_tail * f[tuple(prev)]], dim)
        d *= 2
    return f, c


def sru_scan_parallel(f: Tensor, b: Tensor) -> Tensor:
    """Exact parallel form of `sru_scan_loop(f, b)`; (T, ...) in and out.

    Time is padded to chunks of CHUNK (f = 0, b = 0 in the padding, after the last step),
    scanned inside each chunk by doubling (log2 CHUNK steps on a static axis), then the chunk
    ends are scanned the same way (CHUNK_STEPS steps on a dynamic axis) and carried into
    every step: c = local + (gate product since the chunk start) * (state before the chunk).
    Plain ops with a dynamic T, so ONNX needs no Loop.
    """
    T = f.shape[0]
    rest = tuple(f.shape[1:])
    n = (T + CHUNK - 1) // CHUNK
    zeros = torch.zeros((CHUNK,) + rest, dtype=b.dtype, device=b.device)
    f = torch.cat([f, zeros], 0)[: n * CHUNK].reshape((n, CHUNK) + rest)  # (n, CHUNK, ...)
    b = torch.cat([b, zeros], 0)[: n * CHUNK].reshape((n, CHUNK) + rest)
    decay, local = _doubling_scan(f, b, (CHUNK - 1).bit_length(), 1)  # zero carry-in
    _, ends = _doubling_scan(decay[:, -1], local[:, -1], CHUNK_STEPS, 0)  # (n, ...) states
    carry = torch.cat([torch.zeros_like(ends[:1]), ends[:-1]], 0)  # state before chunk j
    out = local + decay * carry.unsqueeze(1)
    return out.reshape((n * CHUNK,) + rest)[:T]


class SRULayer(nn.Module):
    """One direction of an SRU: all projections at once, then an elementwise recurrence.

        x~, f, r = W x          (T, B, 3H)
        c_t = f_t c_{t-1} + (1 - f_t) x~_t,    f = sigmoid(. + b_f)
        h_t = r_t tanh(c_t) + (1 - r_t) x~_t,  r = sigmoid(. + b_r)   (highway through x~, so
    no extra projection is needed when the input size differs from H)
    """

    def __init__(self, cin: int, hidden: int, rank: int = 0):
        super().__init__()
        self.hidden = hidden
        self.proj = low_rank_linear(cin, 3 * hidden, rank)  # x~, f, r
        last = self.proj[-1] if isinstance(self.proj, nn.Sequential) else self.proj
        with torch.no_grad():
            last.bias[hidden: 2 * hidden].fill_(1.0)  # start remembering

    def forward(self, x: Tensor, mode: str) -> Tensor:
        u = self.proj(x).float()  # (T, B, 3H), the recurrence in fp32 under autocast
        xt, fz, rz = u.chunk(3, dim=-1)  # (T, B, H) each
        f = torch.sigmoid(fz)
        scan = sru_scan_loop if mode == "loop" else sru_scan_parallel
        c = scan(f, (1 - f) * xt)
        r = torch.sigmoid(rz)
        return r * torch.tanh(c) + (1 - r) * xt


class BiSRU(nn.Module):
    """Stacked bidirectional SRU over (T, B, C); time reversal with torch.flip (exports right)."""

    def __init__(self, cin: int, hidden: int, layers: int, dropout: float, rank: int = 0):
        super().__init__()
        self.fwd = nn.ModuleList()
        self.bwd = nn.ModuleList()
        for i in range(layers):
            size = cin if i == 0 else 2 * hidden
            self.fwd.append(SRULayer(size, hidden, rank))
            self.bwd.append(SRULayer(size, hidden, rank))
        self.drop = nn.Dropout(dropout)
        self.mode = "loop"

    def forward(self, x: Tensor) -> Tensor:
        for fwd, bwd in zip(self.fwd, self.bwd):
            back = torch.flip(bwd(torch.flip(x, [0]), self.mode), [0])
            x = self.drop(torch.cat([fwd(x, self.mode), back], -1))  # (T, B, 2H)
        return x


class OmrModel(nn.Module):
    """CNN encoder + multiscale fusion + BiSRU + semantic and agnostic CTC heads."""

    def __init__(self, height: int, channels: List[int], blocks: List[int], hidden: int,
                 sru_layers: int, dropout: float, fuse_channels: int,
                 vocab_sizes: Dict[str, int], head_rank: int = 0, sru_rank: int = 0):
        super().__init__()
        c1, c2, c3, c4 = channels
        b1, b2, b3, b4 = blocks
        self.args = dict(height=height, channels=list(channels), blocks=list(blocks),
                         hidden=hidden,
                         sru_layers=sru_layers, dropout=dropout, fuse_channels=fuse_channels,
                         vocab_sizes=dict(vocab_sizes), head_rank=head_rank,
                         sru_rank=sru_rank)
        self.stem = nn.Sequential(ConvBnAct(1, c1), nn.MaxPool2d(2, 2))
        self.s1 = Stage(c1, c1, (2, 2), b1)
        self.s2 = Stage(c1, c2, (2, 1), b2)
        self.s3 = Stage(c2, c3, (2, 1), b3)
        self.s4 = Stage(c3, c4, (1, 1), b4)
        self.from1 = nn.Sequential(nn.AvgPool2d((4, 1), (4, 1)), ConvBnAct(c1, fuse_channels, 1))
        self.from2 = nn.Sequential(nn.AvgPool2d((2, 1), (2, 1)), ConvBnAct(c2, fuse_channels, 1))
        self.fuse = ConvBnAct(c4 + 2 * fuse_channels, c4, 1)
        self.rows = height // 16
        self.readout = nn.Linear(c4 * self.rows, 2 * hidden)
        self.rnn = BiSRU(2 * hidden, hidden, sru_layers, dropout, sru_rank)
        self.heads = nn.ModuleDict({k: low_rank_linear(2 * hidden, n + 1, head_rank)
                                    for k, n in vocab_sizes.items()})

    def set_sru_mode(self, mode: str) -> None:
        if mode not in ("loop", "parallel"):
            raise ValueError(f"Invalid SRU mode {mode!r}: use loop or parallel")
        self.rnn.mode = mode

    def features(self, image: Tensor) -> Tensor:
        x1 = self.s1(self.stem(image))  # (B, c1, H/4, W/4)
        x2 = self.s2(x1)  # (B, c2, H/8, W/4)
        x4 = self.s4(self.s3(x2))  # (B, c4, H/16, W/4)
        x = self.fuse(torch.cat([x4, self.from1(x1), self.from2(x2)], 1))  # (B, c4, H/16, W/4)
        x = x.permute(3, 0, 1, 2).flatten(2)  # (T, B, c4 * H/16)
        return self.readout(x.float())  # (T, B, 2H)

    def forward(self, image: Tensor) -> Dict[str, Tensor]:
        """Raw per-frame scores (T, B, 1 + V) per head; log_softmax them in fp32."""
        x = self.rnn(self.features(image))  # (T, B, 2H)
        return {k: head(x) for k, head in self.heads.items()}


def low_rank_linear(cin: int, cout: int, rank: int) -> nn.Module:
    """A linear layer (rank 0), or two through `rank` units (no bias between): r (cin + cout)
    multiply-adds per row instead of cin cout."""
    if rank <= 0:
        return nn.Linear(cin, cout)
    if rank * (cin + cout) >= cin * cout:
        raise ValueError(f"Invalid rank {rank} for a {cin} x {cout} layer: two layers through it "
                         "would cost as much as one")
    return nn.Sequential(nn.Linear(cin, rank, bias=False), nn.Linear(rank, cout))


def factorize(state: Dict[str, Tensor], module: str, rank: int) -> Dict[str, Tensor]:
    """`state` with the full linear layer at `module` (W: out x in, and its bias) split by
    truncated SVD into `<module>.0.weight` = S_r V_r^T and `<module>.1.weight` = U_r (the
    rank-`rank` product closest to W) and `<module>.1.bias`, as `low_rank_linear` names them."""
    out = {k: v for k, v in state.items() if k not in (f"{module}.weight", f"{module}.bias")}
    u, s, vh = torch.linalg.svd(state[f"{module}.weight"].float(), full_matrices=False)
    out[f"{module}.0.weight"] = (s[:rank, None] * vh[:rank]).contiguous()
    out[f"{module}.1.weight"] = u[:, :rank].contiguous()
    out[f"{module}.1.bias"] = state[f"{module}.bias"]
    return out


def warm_state(state: Dict[str, Tensor], old: Dict, new: Dict) -> Dict[str, Tensor]:
    """`state`, of a model built with the args `old`, for a model built with `new`: the layers
    full-rank there and low-rank here (`head_rank`, `sru_rank` from 0) are factorized; the same
    architecture otherwise."""
    out = dict(state)
    for key in ("head_rank", "sru_rank"):
        was, now = old.get(key, 0), new.get(key, 0)
        if was == now:
            continue
        if was:
            raise ValueError(f"Cannot warm-start {key} {now} from {key} {was}: only full-rank "
                             "layers are factorized")
        if key == "head_rank":
            modules = [f"heads.{k}" for k in old["vocab_sizes"]]
        else:
            modules = [f"rnn.{d}.{i}.proj" for d in ("fwd", "bwd") for i in range(old["sru_layers"])]
        for module in modules:
            out = factorize(out, module, now)
    return out


def frames_for_width(width: int) -> int:
    """Output frames for an input width (two 2x poolings, rounding down)."""
    return width // 2 // 2


def build_model(args: Dict) -> OmrModel:
    return OmrModel(**args)


class ExportWrapper(nn.Module):
    """The export graph: fp32, parallel SRU, log-probabilities per head, in a fixed order."""

    def __init__(self, model: OmrModel, heads: List[str]):
        super().__init__()
        self.model = model
        self.heads = heads

    def forward(self, image: Tensor):
        out = self.model(image)
        return tuple(torch.log_softmax(out[k], -1) for k in self.heads)
