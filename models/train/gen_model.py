"""The genre-conditioned melody LSTM, its one-step export form, and the piano-roll genre CNN."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import torch
from torch import Tensor, nn


class MelodyLSTM(nn.Module):
    """Next-token model over melody tokens; the genre embedding joins every step's input."""

    def __init__(self, vocab: int, genres: int, embed: int, genre_embed: int, hidden: int,
                 layers: int, dropout: float):
        super().__init__()
        self.args = dict(vocab=vocab, genres=genres, embed=embed, genre_embed=genre_embed,
                         hidden=hidden, layers=layers, dropout=dropout)
        self.tok = nn.Embedding(vocab, embed)
        self.genre = nn.Embedding(genres, genre_embed)
        self.drop = nn.Dropout(dropout)
        self.lstm = nn.LSTM(embed + genre_embed, hidden, layers, batch_first=True,
                            dropout=dropout if layers > 1 else 0.0)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, tokens: Tensor, genre: Tensor,
                state: Optional[Tuple[Tensor, Tensor]] = None) -> Tuple[Tensor, Tuple[Tensor, Tensor]]:
        x = self.tok(tokens)  # (B, T, E)
        g = self.genre(genre)[:, None, :].expand(-1, x.shape[1], -1)  # (B, T, G)
        y, state = self.lstm(self.drop(torch.cat([x, g], -1)), state)  # (B, T, H)
        return self.head(self.drop(y)), state  # (B, T, V)


class MelodyStep(nn.Module):
    """One sampling step for ONNX: `(token, genre, h, c) -> (logits, h_out, c_out)`.

    The LSTM is written out as matrix products (`x @ W`, weights pre-transposed) so the int8
    rewrite turns them into MatMulInteger; gate order i, f, g, o as in `nn.LSTM`.
    """

    def __init__(self, model: MelodyLSTM):
        super().__init__()
        self.tok = model.tok
        self.genre = model.genre
        self.layers = model.lstm.num_layers
        lstm = model.lstm
        self.w_ih = nn.ParameterList([nn.Parameter(getattr(lstm, f"weight_ih_l{k}").detach().t().contiguous())
                                      for k in range(self.layers)])
        self.w_hh = nn.ParameterList([nn.Parameter(getattr(lstm, f"weight_hh_l{k}").detach().t().contiguous())
                                      for k in range(self.layers)])
        self.bias = nn.ParameterList([nn.Parameter((getattr(lstm, f"bias_ih_l{k}") +
                                                    getattr(lstm, f"bias_hh_l{k}")).detach())
                                      for k in range(self.layers)])
        self.w_head = nn.Parameter(model.head.weight.detach().t().contiguous())
        self.b_head = nn.Parameter(model.head.bias.detach())

    def forward(self, token: Tensor, genre: Tensor, h: Tensor, c: Tensor):
        x = torch.cat([self.tok(token), self.genre(genre)], -1)  # (B, E+G)
        hs, cs = [], []
        for k in range(self.layers):
            gates = x @ self.w_ih[k] + h[k] @ self.w_hh[k] + self.bias[k]  # (B, 4H)
            i, f, g, o = gates.chunk(4, -1)
            ck = torch.sigmoid(f) * c[k] + torch.sigmoid(i) * torch.tanh(g)
            hk = torch.sigmoid(o) * torch.tanh(ck)
            hs.append(hk)
            cs.append(ck)
            x = hk
        return x @ self.w_head + self.b_head, torch.stack(hs), torch.stack(cs)


class GenreCNN(nn.Module):
    """Genre from a piano roll `(B, 2, pitches, steps)`: conv stages, then mean and max over the
    grid (so a window's position of the music does not matter), then a linear layer."""

    def __init__(self, genres: int, channels: List[int], dropout: float):
        super().__init__()
        self.args = dict(genres=genres, channels=list(channels), dropout=dropout)
        layers: List[nn.Module] = []
        cin = 2
        for k, cout in enumerate(channels):
            layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU()]
            if k < len(channels) - 1:
                layers.append(nn.MaxPool2d(2))
            cin = cout
        self.features = nn.Sequential(*layers)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(2 * cin, genres)

    def forward(self, roll: Tensor) -> Tensor:
        f = self.features(roll)  # (B, C, P', T')
        pooled = torch.cat([f.mean((2, 3)), f.amax((2, 3))], -1)  # (B, 2C)
        return self.head(self.drop(pooled))  # (B, genres) logits


def build_melody(args: Dict) -> MelodyLSTM:
    return MelodyLSTM(**args)


def build_genre(args: Dict) -> GenreCNN:
    return GenreCNN(**args)
