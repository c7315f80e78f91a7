"""The melody LSTM's export step, the genre CNN, piano rolls, windows, configs and a smoke run."""

import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

from models.train.gen_config import GenreConfig, MelodyConfig, make
from models.train.gen_data import MelodyWindows, pad_rows, piano_roll, window_starts
from models.train.gen_model import GenreCNN, MelodyLSTM, MelodyStep

VOCAB = {"tokens": ["<pad>", "<bos>", "key:0", "meter:2/4", "bar", "n:C5", "n:D5", "d:quarter", "d:half"],
         "genres": [{"id": "a", "description": ""}, {"id": "b", "description": ""}]}
LINE = ["key:0", "meter:2/4", "n:C5", "d:quarter", "n:D5", "d:quarter", "bar", "n:C5", "d:half", "bar"]


class MelodyStepTest(unittest.TestCase):
    def test_step_form_equals_the_lstm(self):
        torch.manual_seed(0)
        for layers in (1, 3):
            model = MelodyLSTM(vocab=9, genres=2, embed=6, genre_embed=3, hidden=10, layers=layers,
                               dropout=0.0).eval()
            step = MelodyStep(model).eval()
            tokens = torch.tensor([[1, 2, 3, 5, 7, 4], [1, 2, 3, 6, 8, 4]])
            genre = torch.tensor([0, 1])
            with torch.no_grad():
                full, _ = model(tokens, genre)
                h = torch.zeros(layers, 2, 10)
                c = torch.zeros(layers, 2, 10)
                for t in range(tokens.shape[1]):
                    logits, h, c = step(tokens[:, t], genre, h, c)
                    self.assertLess((logits - full[:, t]).abs().max().item(), 1e-5)

    def test_genre_changes_the_prediction(self):
        torch.manual_seed(0)
        model = MelodyLSTM(vocab=9, genres=2, embed=6, genre_embed=3, hidden=10, layers=2, dropout=0.0)
        with torch.no_grad():
            a, _ = model(torch.tensor([[1, 2]]), torch.tensor([0]))
            b, _ = model(torch.tensor([[1, 2]]), torch.tensor([1]))
        self.assertGreater((a - b).abs().max().item(), 1e-4)


class DataTest(unittest.TestCase):
    def test_windows_start_at_a_measure_after_the_header(self):
        windows = MelodyWindows([{"genre": "b", "tokens": LINE}], VOCAB, seq_len=4)
        (x, y), g = windows.batch(np.random.default_rng(0), 32)
        self.assertTrue((g == 1).all())
        ids = {t: i for i, t in enumerate(VOCAB["tokens"])}
        for row, target in zip(x, y):
            self.assertEqual(list(row[:3]), [ids["<bos>"], ids["key:0"], ids["meter:2/4"]])
            self.assertIn(row[3], (ids["n:C5"],))  # both measures start with C5
            n = int((target != 0).sum())
            self.assertEqual(list(row[1:n]), list(target[:n - 1]))

    def test_pad_rows_pads_with_zero(self):
        x, y = pad_rows([np.array([1, 2, 3]), np.array([1, 2])])
        self.assertEqual(x.tolist(), [[1, 2], [1, 0]])
        self.assertEqual(y.tolist(), [[2, 3], [2, 0]])

    def test_piano_roll_and_windows_match_the_typescript_rules(self):
        # the same cases as tests/shared/music/piano_roll_test.ts
        roll = piano_roll([[50, 24, 36]], 0, low_pitch=48, pitches=24, step_ticks=12, steps=16)
        self.assertEqual(roll[0, 2, 2], 1)
        self.assertEqual(roll[1, 2, 1:6].tolist(), [0, 1, 1, 1, 0])
        self.assertEqual(roll.sum(), 4)
        folded = piano_roll([[36, 0, 12], [80, 0, 12]], 0, low_pitch=48, pitches=24, step_ticks=12, steps=16)
        self.assertEqual(folded[0, 0, 0], 1)
        self.assertEqual(folded[0, 20, 0], 1)
        notes = [[60, i * 12, 12] for i in range(40)]
        self.assertEqual(window_starts(notes, 12, 16, 8), [0, 8, 16, 24])
        self.assertEqual(window_starts([[60, 0, 12]], 12, 16, 8), [0])


class GenreCnnTest(unittest.TestCase):
    def test_shapes_and_position_invariance_of_the_pooling(self):
        torch.manual_seed(0)
        model = GenreCNN(5, [4, 8], 0.0).eval()
        x = torch.zeros(3, 2, 24, 32)
        self.assertEqual(tuple(model(x).shape), (3, 5))


class ConfigTest(unittest.TestCase):
    def test_unknown_keys_and_wrong_types_raise(self):
        with self.assertRaises(KeyError):
            make(MelodyConfig, {"hiden": 3})
        with self.assertRaises(TypeError):
            make(GenreConfig, {"steps": "many"})
        self.assertEqual(make(MelodyConfig, {"lr": 1}).lr, 1.0)


class SmokeTest(unittest.TestCase):
    def test_a_few_iterations_train_resume_and_write_metrics(self):
        from models.train.gen import train
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data"
            data.mkdir()
            (data / "vocab.json").write_text(json.dumps(VOCAB))
            for split in ("train", "val"):
                rows = [{"genre": g, "piece": f"p{i}", "tokens": LINE, "notes": []}
                        for i, g in enumerate(["a", "b"] * 3)]
                (data / f"{split}.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
            cfg = make(MelodyConfig, {"data_dir": str(data), "out_dir": str(Path(tmp) / "out"),
                                      "hidden": 8, "embed": 4, "layers": 1, "batch_size": 4,
                                      "iterations": 6, "eval_every": 3, "val_windows": 64,
                                      "log_every": 100, "threads": 1})
            first = train(cfg)
            self.assertEqual(first["iteration"], 6)
            lines = (Path(tmp) / "out" / "melody" / "metrics.csv").read_text().splitlines()
            self.assertEqual(len(lines), 3)  # header and two evaluations
            cfg.iterations = 9
            again = train(cfg, resume=True)
            self.assertEqual(again["iteration"], 9)
            self.assertLess(again["val_loss"], np.log(9) + 0.5)


if __name__ == "__main__":
    unittest.main()
