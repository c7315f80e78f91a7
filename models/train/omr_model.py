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
    outputs: per-frame log-probabilities (T, B, 1 + vocabulary), blank = 0

The SRU has two numerically equal forms: `mode="loop"` (training: an elementwise loop over
`unbind(0)`) and `mode="parallel"` (export: an exact chunked parallel form built of plain ops,
so ONNX gets a dynamic width without a Loop).
"""

from __future__ import annotations

from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

CHUNK = 8  # time steps per chunk in the parallel SRU form (8 was fastest in WASM at T=250)


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


def _segment_scan(log_f: Tensor, b: Tensor) -> Tensor:
    """The same recurrence within each segment along dim 1: log_f, b are (N, S, ...).

    c_t = sum_{k<=t} exp(L_t - L_k) b_k with L = cumsum(log f) inside the segment, so every
    exponent is <= 0 (no overflow) and the segment is short (little cancellation).
    """
    S = log_f.shape[1]
    L = torch.cumsum(log_f, 1)  # (N, S, ...)
    diff = L.unsqueeze(2) - L.unsqueeze(1)  # (N, S_t, S_k, ...)
    idx = torch.arange(S, device=log_f.device)
    causal = (idx.unsqueeze(1) >= idx.unsqueeze(0))  # (S_t, S_k)
    causal = causal.reshape(causal.shape + (1,) * (log_f.dim() - 2))
    m = torch.exp(torch.where(causal, diff, torch.full_like(diff, -1e4)))
    return (m * b.unsqueeze(1)).sum(2)  # (N, S, ...)


def sru_scan_parallel(f_logit: Tensor, b: Tensor) -> Tensor:
    """Exact chunked parallel form of `sru_scan_loop(sigmoid(f_logit), b)`; (T, ...) in and out.

    Time is padded to chunks of CHUNK (f = 1, b = 0 in the padding), scanned inside each chunk,
    then the chunk ends are scanned the same way and carried into every step.
    """
    T = f_logit.shape[0]
    rest = f_logit.shape[1:]
    log_f = -F.softplus(-f_logit)  # log sigmoid, finite for very negative logits
    n = (T + CHUNK - 1) // CHUNK
    zeros = torch.zeros((CHUNK,) + tuple(rest), dtype=b.dtype, device=b.device)
    log_f = torch.cat([log_f, zeros], 0)[: n * CHUNK].reshape((n, CHUNK) + tuple(rest))
    b = torch.cat([b, zeros], 0)[: n * CHUNK].reshape((n, CHUNK) + tuple(rest))
    local = _segment_scan(log_f, b)  # (n, CHUNK, ...) with zero carry-in
    decay = torch.cumsum(log_f, 1)  # (n, CHUNK, ...) log prod f from the chunk start to t
    # Chunk ends: C_j = exp(sum log f in chunk j) * C_{j-1} + local_end_j.
    ends = _segment_scan(decay[:, -1].unsqueeze(0), local[:, -1].unsqueeze(0))[0]  # (n, ...)
    carry = torch.cat([torch.zeros_like(ends[:1]), ends[:-1]], 0)  # C_{j-1}
    out = local + torch.exp(decay) * carry.unsqueeze(1)
    return out.reshape((n * CHUNK,) + tuple(rest))[:T]


class SRULayer(nn.Module):
    """One direction of an SRU: all projections at once, then an elementwise recurrence.

        x~, f, r = W x          (T, B, 3H)
        c_t = f_t c_{t-1} + (1 - f_t) x~_t,    f = sigmoid(. + b_f)
        h_t = r_t tanh(c_t) + (1 - r_t) x~_t,  r = sigmoid(. + b_r)   (highway through x~, so
    no extra projection is needed when the input size differs from H)
    """

    def __init__(self, cin: int, hidden: int):
        super().__init__()
        self.hidden = hidden
        self.proj = nn.Linear(cin, 3 * hidden)  # x~, f, r
        with torch.no_grad():
            self.proj.bias[hidden: 2 * hidden].fill_(1.0)  # start remembering

    def forward(self, x: Tensor, mode: str) -> Tensor:
        u = self.proj(x).float()  # (T, B, 3H), the recurrence in fp32 under autocast
        xt, fz, rz = u.chunk(3, dim=-1)  # (T, B, H) each
        if mode == "loop":
            f = torch.sigmoid(fz)
            c = sru_scan_loop(f, (1 - f) * xt)
        else:
            c = sru_scan_parallel(fz, (1 - torch.sigmoid(fz)) * xt)
        r = torch.sigmoid(rz)
        return r * torch.tanh(c) + (1 - r) * xt


class BiSRU(nn.Module):
    """Stacked bidirectional SRU over (T, B, C); time reversal with torch.flip (exports right)."""

    def __init__(self, cin: int, hidden: int, layers: int, dropout: float):
        super().__init__()
        self.fwd = nn.ModuleList()
        self.bwd = nn.ModuleList()
        for i in range(layers):
            size = cin if i == 0 else 2 * hidden
            self.fwd.append(SRULayer(size, hidden))
            self.bwd.append(SRULayer(size, hidden))
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
                 vocab_sizes: Dict[str, int]):
        super().__init__()
        c1, c2, c3, c4 = channels
        b1, b2, b3, b4 = blocks
        self.args = dict(height=height, channels=list(channels), blocks=list(blocks),
                         hidden=hidden,
                         sru_layers=sru_layers, dropout=dropout, fuse_channels=fuse_channels,
                         vocab_sizes=dict(vocab_sizes))
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
        self.rnn = BiSRU(2 * hidden, hidden, sru_layers, dropout)
        self.heads = nn.ModuleDict({k: nn.Linear(2 * hidden, n + 1) for k, n in vocab_sizes.items()})

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
