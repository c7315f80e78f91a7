"""The search model: the graph step, its inductive form for queries, metrics, a smoke run, export."""

import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn.functional as F

from models.train.search import train
from models.train.search_config import MODALITIES, SearchConfig, make
from models.train.search_eval import class_map, instance_metrics
from models.train.search import build_model
from models.train.search_model import Bank, ModalityEncoder, aggregate_as_queries, build_graph, fit_pca


class GraphTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.z = F.normalize(torch.randn(30, 6), dim=-1)
        self.bank = torch.arange(0, 30, 2)  # even excerpts form the bank

    def test_aggregation_is_the_symmetric_normalised_adjacency(self):
        agg, degree = build_graph(self.z, self.bank, k=3)
        sim = self.z @ self.z[self.bank].T
        a = torch.zeros(30, 30)
        for i in range(30):
            s = sim[i].clone()
            if i % 2 == 0:
                s[i // 2] = -float("inf")
            for j in s.topk(3).indices:
                a[i, self.bank[j]] = a[self.bank[j], i] = 1
        a += torch.eye(30)
        d = a.sum(1)
        expected = torch.diag(d.rsqrt()) @ a @ torch.diag(d.rsqrt()) @ self.z
        self.assertLess((agg - expected).abs().max().item(), 1e-5)
        self.assertTrue(torch.equal(degree, d[self.bank]))

    def test_a_query_is_aggregated_as_a_training_excerpt_outside_the_bank(self):
        agg, degree = build_graph(self.z, self.bank, k=3)
        bank = Bank(self.z[self.bank], degree, k=3)
        odd = torch.arange(1, 30, 2)  # not in the bank: nobody links to them, like a query
        self.assertLess((bank(self.z[odd]) - agg[odd]).abs().max().item(), 1e-5)

    def test_paired_training_aggregation_is_the_query_rule(self):
        _, degree = build_graph(self.z, self.bank, k=3)
        paired = F.normalize(torch.randn(len(self.bank), 4), dim=-1)
        agg = aggregate_as_queries(self.z, self.bank, degree, 3, paired)
        bank = Bank(self.z[self.bank], degree, k=3, paired=paired)
        self.assertEqual(agg.shape, (30, 10))
        odd = torch.arange(1, 30, 2)
        self.assertLess((bank(self.z[odd]) - agg[odd]).abs().max().item(), 1e-5)
        # A bank excerpt is not its own neighbour: its paired part holds no weight of its own.
        i = 4
        sim = self.z[i] @ self.z[self.bank].T
        sim[i // 2] = -float("inf")
        nearest = sim.topk(3).indices
        coef = (degree[nearest] * 4.0).rsqrt()
        self.assertLess((agg[i, 6:] - (coef[:, None] * paired[nearest]).sum(0)).abs().max().item(), 1e-5)

    def test_pca_keeps_the_leading_directions(self):
        rng = np.random.default_rng(0)
        x = rng.normal(size=(200, 5)) * np.array([10, 5, 1, 0.1, 0.01])
        mean, comp = fit_pca(x.astype(np.float32), 2)
        self.assertEqual(comp.shape, (5, 2))
        self.assertGreater(abs(comp[0, 0]), 0.99)
        self.assertGreater(abs(comp[1, 1]), 0.99)


class MetricsTest(unittest.TestCase):
    def test_instance_metrics_rank_the_own_candidate(self):
        q = np.eye(4, dtype=np.float32)
        c = np.eye(4, dtype=np.float32)[[0, 1, 3, 2]]  # queries 2 and 3 meet the other's first
        m = instance_metrics(q, c, ks=(1, 2))
        self.assertEqual(m["r@1"], 0.5)
        self.assertEqual(m["r@2"], 1.0)
        self.assertAlmostEqual(m["mrr"], (1 + 1 + 0.5 + 0.5) / 4, places=6)
        self.assertEqual(m["median_rank"], 1.5)

    def test_class_map_is_one_when_the_class_comes_first(self):
        q = np.array([[1, 0], [0, 1]], dtype=np.float32)
        c = np.array([[1, 0], [0.9, 0.1], [0, 1]], dtype=np.float32)
        self.assertEqual(class_map(q, c, ["a", "b"], ["a", "a", "b"]), 1.0)
        self.assertLess(class_map(q, c, ["b", "a"], ["a", "a", "b"]), 0.6)


def synthetic_data(folder: Path, rng: np.random.Generator) -> None:
    """Three noisy views of random rolls, 2 genres x 4 pieces, in the data:search layout."""
    frames, pitches = 4, 6
    (folder / "meta.json").write_text(json.dumps({"roll": {"lowPitch": 60, "pitches": pitches,
                                                            "frames": frames}, "rate": 16000,
                                         "source": str(folder / "omr")}))
    (folder / "omr" / "test").mkdir(parents=True)
    for split, n in (("train", 64), ("val", 16), ("test", 16), ("test_camera", 16)):
        base = rng.random((n, frames * pitches)).astype(np.float32)
        records = [{"id": f"{split}{i}", "piece": f"p{i % 4}", "style": f"s{i % 2}", "key": str(i)}
                   for i in range(n)]
        (folder / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
        if split == "test":
            for r in records:
                (folder / "omr" / "test" / f"{r['id']}.semantic").write_text("clef-G2\tnote-C5_whole\t")
                (folder / "omr" / "test" / f"{r['id']}.png").write_bytes(b"\x89PNG")
        for m in MODALITIES:
            (base + 0.1 * rng.random(base.shape).astype(np.float32)).tofile(folder / f"{split}.{m}.f32")


class EncoderTest(unittest.TestCase):
    def test_highpass_graph_convolution_filters_with_the_laplacian(self):
        torch.manual_seed(0)
        z, agg = torch.randn(5, 6), torch.randn(5, 6)
        high = ModalityEncoder(6, 4, gcn=True, dropout=0.0, highpass=True)
        plain = ModalityEncoder(6, 4, gcn=True, dropout=0.0)
        plain.load_state_dict(high.state_dict())
        expected = F.relu(high.fc(z)) + F.relu(high.gcn(z - agg))
        self.assertLess((high(z, agg) - expected).abs().max().item(), 1e-6)
        self.assertGreater((high(z, agg) - plain(z, agg)).abs().max().item(), 1e-3)
        # Where an excerpt equals its neighbourhood, the graph branch adds only its bias.
        self.assertLess((high(z, z) - F.relu(high.fc(z)) - F.relu(high.gcn.bias)).abs().max().item(), 1e-6)

    def test_build_model_knows_each_graph_and_refuses_others(self):
        names = {"piece": ["a", "b"], "style": ["s"]}
        base = {"pca": 6, "hidden": 4, "dim": 3}
        for graph, gcn_in, highpass in (("own", 6, False), ("paired", 12, False), ("highpass", 6, True)):
            model = build_model(make(SearchConfig, {**base, "graph": graph}), names)
            self.assertEqual(model.encoders["audio"].gcn.in_features, gcn_in, graph)
            self.assertEqual(model.encoders["audio"].highpass, highpass, graph)
        with self.assertRaisesRegex(ValueError, "Invalid graph 'lowpass'"):
            build_model(make(SearchConfig, {**base, "graph": "lowpass"}), names)


class SmokeRunTest(unittest.TestCase):
    def test_paired_graph_trains_and_exports_its_bank(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            synthetic_data(tmp, np.random.default_rng(1))
            cfg = make(SearchConfig, {"data_dir": str(tmp), "out_dir": str(tmp / "runs"), "pca": 8,
                                      "bank": 32, "neighbours": 3, "hidden": 16, "dim": 8, "graph": "paired",
                                      "batch_size": 16, "epochs": 2, "eval_every": 2, "threads": 1})
            self.assertEqual(train(cfg)["epoch"], 2)
            ck = torch.load(cfg.run_dir / "best.pt", map_location="cpu")
            self.assertEqual(tuple(ck["model"]["encoders.audio.gcn.weight"].shape), (16, 16))
            self.assertTrue(torch.equal(ck["state"]["audio"]["bank_paired"], ck["state"]["notes"]["bank_z"]))
            out = subprocess.run([sys.executable, "-m", "models.train.export_search", "--checkpoint",
                                  str(cfg.run_dir / "best.pt"), "--out", str(tmp / "export"),
                                  "--manifest", str(tmp / "manifest.json")],
                                 capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr[-2000:])
            shapes = [tuple(i.dims) for i in onnx.load(str(tmp / "export" / "search-sheet.onnx")).graph.initializer]
            self.assertEqual(shapes.count((32, 8)), 2)  # the bank's sheet features and its paired notes

    def test_train_resume_and_export(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            synthetic_data(tmp, np.random.default_rng(0))
            cfg = make(SearchConfig, {"data_dir": str(tmp), "out_dir": str(tmp / "runs"), "pca": 8,
                                      "bank": 32, "neighbours": 3, "hidden": 16, "dim": 8,
                                      "batch_size": 16, "epochs": 4, "eval_every": 2, "threads": 1})
            first = train(cfg)
            self.assertEqual(first["epoch"], 4)
            resumed = train(make(SearchConfig, {**cfg.__dict__, "epochs": 6}))
            self.assertEqual(resumed["epoch"], 6)
            rows = (cfg.run_dir / "metrics.csv").read_text().splitlines()
            self.assertEqual(len(rows), 4)  # header and epochs 2, 4, 6
            out = subprocess.run([sys.executable, "-m", "models.train.export_search", "--checkpoint",
                                  str(cfg.run_dir / "best.pt"), "--out", str(tmp / "export"),
                                  "--manifest", str(tmp / "manifest.json")],
                                 capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr[-2000:])
            names = [m["name"] for m in json.loads((tmp / "manifest.json").read_text())["models"]]
            self.assertEqual(sorted(names), sorted(f"search-{m}{v}" for m in MODALITIES for v in ("", "-int8")))
            graph = onnx.load(str(tmp / "export" / "search-audio.onnx")).graph
            self.assertEqual([i.name for i in graph.input], ["roll"])
            self.assertIn("TopK", {n.op_type for n in graph.node})
            fixture = json.loads((tmp / "export" / "parity.json").read_text())
            self.assertEqual(fixture["excerpts"][0]["semantic"], ["clef-G2", "note-C5_whole"])
            self.assertEqual(len(fixture["embeddings"]["sheet"][0]), 8)


if __name__ == "__main__":
    unittest.main()
