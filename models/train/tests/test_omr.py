"""SRU forms, model shapes, CTC loss, decoding, config and data parsing."""

import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

from models.train import ctc
from models.train.augment import camera
from models.train.omr_config import make_config, parse_set
from models.train.omr_data import read_tokens
from models.train.omr_model import (CHUNK, CHUNK_STEPS, OmrModel, warm_state,
                                    frames_for_width, sru_scan_loop, sru_scan_parallel)
from models.train.omr import ctc_losses
from models.train.quantize_omr import _fake_quant_input, onnx_weights, quantize_dynamic, simulate_int8


def small_model(head_rank: int = 0, sru_rank: int = 0) -> OmrModel:
    torch.manual_seed(0)
    return OmrModel(height=64, channels=[8, 16, 16, 32], blocks=[1, 1, 1, 1], hidden=16,
                    sru_layers=2, dropout=0.0, fuse_channels=8,
                    vocab_sizes={"semantic": 11, "agnostic": 7}, head_rank=head_rank,
                    sru_rank=sru_rank).eval()


class SruTest(unittest.TestCase):
    def test_parallel_form_equals_loop(self):
        torch.manual_seed(1)
        # around one chunk, many chunks, and more chunk ends than one doubling step reaches
        for steps in (1, 15, 16, 17, 250, 1000, 5000):
            f = torch.sigmoid(torch.randn(steps, 2, 5, dtype=torch.float64) * 4)
            b = torch.randn(steps, 2, 5, dtype=torch.float64)
            loop = sru_scan_loop(f, b)
            par = sru_scan_parallel(f, b)
            self.assertLess(float((loop - par).abs().max()), 1e-10, steps)
            par32 = sru_scan_parallel(f.float(), b.float())
            self.assertLess(float((loop.float() - par32).abs().max()), 1e-5, steps)

    def test_parallel_form_reaches_its_longest_input(self):
        # CHUNK_STEPS doublings over chunk ends: a state must carry across all of them
        steps = CHUNK * 2 ** CHUNK_STEPS
        f = torch.ones(steps, 1, 1, dtype=torch.float64)
        b = torch.zeros(steps, 1, 1, dtype=torch.float64)
        b[0] = 1.0
        out = sru_scan_parallel(f, b)
        self.assertEqual(float(out[-1]), 1.0)

    def test_parallel_form_is_finite_at_extremes(self):
        for value in (-80.0, 80.0):
            f = torch.sigmoid(torch.full((600, 1, 3), value))
            out = sru_scan_parallel(f, torch.ones(600, 1, 3))
            self.assertTrue(torch.isfinite(out).all())
            ref = sru_scan_loop(f, torch.ones(600, 1, 3))
            self.assertLess(float((out - ref).abs().max()), 1e-3)

    def test_parallel_form_has_gradients(self):
        f = torch.rand(37, 2, 3, dtype=torch.float64, requires_grad=True)
        b = torch.randn(37, 2, 3, dtype=torch.float64, requires_grad=True)
        torch.autograd.gradcheck(sru_scan_parallel, (f, b))

    def test_model_modes_agree(self):
        model = small_model()
        x = torch.rand(2, 1, 64, 203)
        with torch.no_grad():
            a = model(x)
            model.set_sru_mode("parallel")
            b = model(x)
        for head in ("semantic", "agnostic"):
            self.assertLess(float((a[head] - b[head]).abs().max()), 1e-5)


class ModelTest(unittest.TestCase):
    def test_shapes(self):
        model = small_model()
        for width in (4, 37, 256, 801):
            out = model(torch.rand(1, 1, 64, width))
            self.assertEqual(tuple(out["semantic"].shape), (frames_for_width(width), 1, 12))
            self.assertEqual(tuple(out["agnostic"].shape), (frames_for_width(width), 1, 8))

    def test_low_rank_layers_have_the_same_outputs_and_fewer_weights(self):
        full, low = small_model(), small_model(head_rank=4, sru_rank=8)
        self.assertEqual((low.args["head_rank"], low.args["sru_rank"]), (4, 8))
        x = torch.rand(1, 1, 64, 99)
        out = low(x)
        for head, n in (("semantic", 12), ("agnostic", 8)):
            self.assertEqual(tuple(out[head].shape), (frames_for_width(99), 1, n))
            self.assertEqual(low.heads[head][0].weight.shape, (4, 32))
            self.assertIsNone(low.heads[head][0].bias)
        proj = low.rnn.fwd[1].proj
        self.assertEqual((proj[0].weight.shape, proj[1].weight.shape), ((8, 32), (48, 8)))
        self.assertTrue(torch.equal(proj[1].bias[16:32], torch.ones(16)))  # forget gates start open
        self.assertLess(sum(p.numel() for p in low.parameters()),
                        sum(p.numel() for p in full.parameters()))
        with self.assertRaisesRegex(ValueError, "Invalid rank 8 for a 32 x 8 layer"):
            small_model(head_rank=8)  # 8 x (32 + 8) >= 32 x 8: no saving

    def test_warm_state_factorizes_into_the_closest_low_rank_products(self):
        full = small_model()
        low = small_model(head_rank=4, sru_rank=8)
        low.load_state_dict(warm_state(full.state_dict(), full.args, low.args))  # strict
        pairs = [(full.heads[h], low.heads[h], 4) for h in ("semantic", "agnostic")]
        pairs += [(getattr(full.rnn, d)[i].proj, getattr(low.rnn, d)[i].proj, 8)
                  for d in ("fwd", "bwd") for i in range(2)]
        for whole, parts, rank in pairs:
            w = whole.weight.detach()
            product = parts[1].weight.detach() @ parts[0].weight.detach()
            # Eckart-Young: the best rank-r product misses by the norm of the other singular values.
            rest = float(torch.linalg.svdvals(w)[rank:].norm())
            self.assertAlmostEqual(float(torch.linalg.norm(w - product)), rest, 4)
            self.assertTrue(torch.equal(parts[1].bias, whole.bias))
        with torch.no_grad():
            x = torch.rand(1, 1, 64, 80)
            self.assertTrue(torch.equal(low.features(x), full.features(x)))  # the CNN is untouched
        heads_only = small_model(head_rank=4)
        state = warm_state(heads_only.state_dict(), heads_only.args, low.args)  # adds sru_rank
        self.assertTrue(torch.equal(state["heads.semantic.0.weight"],
                                    heads_only.heads["semantic"][0].weight))
        with self.assertRaisesRegex(ValueError, "Cannot warm-start head_rank 2 from head_rank 4"):
            warm_state(low.state_dict(), low.args, {**low.args, "head_rank": 2})

    def test_ctc_loss_finite_and_backward(self):
        model = small_model().train()
        cfg = make_config({})
        x = torch.rand(2, 1, 64, 128)
        labels = {"semantic": (torch.tensor([1, 2, 3, 4, 5]), torch.tensor([3, 2])),
                  # the second label is longer than its frames: zero_infinity keeps it finite
                  "agnostic": (torch.tensor([1] * 40), torch.tensor([5, 35]))}
        total, parts = ctc_losses(model(x), torch.tensor([128, 40]), labels, cfg)
        self.assertTrue(torch.isfinite(total))
        total.backward()
        grads = [p.grad for p in model.parameters() if p.grad is not None]
        self.assertTrue(grads and all(torch.isfinite(g).all() for g in grads))


class PruneTest(unittest.TestCase):
    def test_training_classes_are_blank_and_the_tokens_labels_use(self):
        from models.train.export_omr import training_classes
        vocabs = {"semantic": ["a", "b", "c", "d"], "agnostic": ["x", "y"]}
        with tempfile.TemporaryDirectory() as tmp:
            cfg = make_config({"data_dir": tmp})
            self.assertIsNone(training_classes(cfg, vocabs))  # no labels: nothing to prune by
            split = Path(tmp) / cfg.train_split
            split.mkdir()
            (split / "0.semantic").write_text("d\tb\t", encoding="utf-8")
            (split / "1.semantic").write_text("b\n", encoding="utf-8")
            (split / "0.agnostic").write_text("y\tx\t", encoding="utf-8")
            keep = training_classes(cfg, vocabs)
        self.assertEqual(keep, {"semantic": [0, 2, 4], "agnostic": [0, 1, 2]})

    def test_pruned_heads_compute_the_kept_classes_unchanged(self):
        from models.train.export_omr import prune_heads
        keep = {"semantic": [0, 3, 4, 10], "agnostic": [0, 7]}
        x = torch.rand(1, 1, 64, 120)
        for rank in (0, 4):  # one full layer; two, of which only the second loses rows
            model = small_model(head_rank=rank)
            pruned = prune_heads(model, keep)
            with torch.no_grad():
                full, part = model(x), pruned(x)
            for head, rows in keep.items():
                self.assertEqual(part[head].shape[-1], len(rows))
                self.assertTrue(torch.equal(part[head], full[head][..., rows]))
                if rank:
                    self.assertTrue(torch.equal(pruned.heads[head][0].weight,
                                                model.heads[head][0].weight))
            last = model.heads["semantic"][-1] if rank else model.heads["semantic"]
            self.assertEqual(last.out_features, 12)  # the original is untouched


class CtcTest(unittest.TestCase):
    def test_greedy_merges_repeats_and_drops_blanks(self):
        path = [0, 3, 3, 0, 3, 2, 2, 0]
        logp = np.log(np.eye(5)[path] * 0.9 + 0.02)
        self.assertEqual(ctc.greedy(logp), [3, 3, 2])

    def test_beam_finds_the_more_probable_label(self):
        # Greedy picks blank twice, but "1" summed over paths is more likely.
        p = np.array([[0.4, 0.3, 0.3], [0.4, 0.3, 0.3]])
        self.assertEqual(ctc.greedy(np.log(p)), [])
        self.assertEqual(ctc.beam(np.log(p), width=4), [1])

    def test_edit_distance(self):
        self.assertEqual(ctc.edit_distance("kitten", "sitting"), 3)
        d, ops = ctc.edit_ops(["a", "b", "c"], ["a", "x", "c", "d"])
        self.assertEqual(d, 2)
        self.assertEqual(ops, [("sub", "b", "x"), ("ins", None, "d")])


class ConfigTest(unittest.TestCase):
    def test_rejects_unknown_keys(self):
        with self.assertRaisesRegex(KeyError, "Unknown config keys \\['lrr'\\]"):
            make_config({"lrr": 0.1})

    def test_rejects_wrong_types(self):
        with self.assertRaises(TypeError):
            make_config({"batch_size": "16"})
        with self.assertRaises(TypeError):
            make_config({"augment": 1})
        self.assertEqual(make_config({"lr": 1}).lr, 1.0)

    def test_shipped_configs_load(self):
        from models.train.omr_config import load_config
        for name in ("omr_cpu", "omr_gpu", "omr_smoke"):
            load_config(f"models/train/configs/{name}.json")

    def test_parse_set(self):
        self.assertEqual(parse_set(["epochs=3", "data_dir=data/x", "channels=[1,2,3,4]"]),
                         {"epochs": 3, "data_dir": "data/x", "channels": [1, 2, 3, 4]})


class DataTest(unittest.TestCase):
    def test_read_tokens_tabs_newlines_trailing(self):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "a.semantic"
            p.write_text("clef-G2\tbarline\t\nnote-C4_quarter\n")
            self.assertEqual(read_tokens(p), ["clef-G2", "barline", "note-C4_quarter"])

    def test_camera_is_seeded(self):
        img = np.full((64, 300), 255, np.uint8)
        img[20:44:5] = 0
        a = camera(img, np.random.default_rng(7))
        b = camera(img, np.random.default_rng(7))
        self.assertTrue(np.array_equal(a, b))
        self.assertEqual(a.shape[0], 64)

    def test_fake_quant_matches_dynamic_quantize_linear(self):
        x = torch.tensor([-1.0, 0.0, 0.5, 2.0])
        scale = 3.0 / 255
        zero = round(1.0 / scale)
        expect = (torch.clamp(torch.round(x / scale) + zero, 0, 255) - zero) * scale
        self.assertTrue(torch.allclose(_fake_quant_input(x), expect))

    def test_weight_only_modules_keep_float_inputs(self):
        import io

        import onnx

        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 4)).eval()
        buf = io.BytesIO()
        torch.onnx.export(model, torch.zeros(1, 2, 6), buf, opset_version=13, input_names=["x"])  # 3-D: MatMul, not Gemm
        graph = quantize_dynamic(onnx.load_from_string(buf.getvalue()), onnx_weights(model, ("2",)))
        ops = [n.op_type for n in graph.graph.node]
        self.assertEqual(ops.count("MatMulInteger"), 1)  # the first Linear: dynamic int8
        self.assertEqual(ops.count("DequantizeLinear"), 1)  # the second: int8 weights, float input
        deq = next(n for n in graph.graph.node if n.op_type == "DequantizeLinear")
        self.assertEqual(next(n for n in graph.graph.node if n.op_type == "MatMul").input[1], deq.output[0])
        x = torch.randn(1, 3, 6) * 4
        sim, weight_only = simulate_int8(model), simulate_int8(model, ("2",))
        with torch.no_grad():
            hidden = sim[1](sim[0](x))
            # Same rounded weights; only the first layer's input is fake-quantized.
            self.assertTrue(torch.allclose(weight_only(x), torch.nn.functional.linear(
                hidden, weight_only[2].weight, weight_only[2].bias), atol=1e-6))
            self.assertFalse(torch.allclose(sim(x), weight_only(x), atol=1e-6))


if __name__ == "__main__":
    unittest.main()
