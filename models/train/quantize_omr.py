"""Dynamic int8 quantization of an ONNX graph with the onnx package, and its PyTorch simulation.

Every Conv and MatMul whose weight is an initializer becomes
    DynamicQuantizeLinear(x) -> ConvInteger / MatMulInteger (uint8 weights, zero point 128,
    symmetric per output channel) -> Cast float -> * (x_scale * w_scale) [-> + bias]
which is what onnxruntime-web runs fastest (see ../shared/README.md). Nodes whose weight is one of
`weight_only` keep float activations: their weights are the same int8 values (zero point 0) put
back to float by DequantizeLinear, and the product is float. `simulate_int8` applies the
same arithmetic in PyTorch (BN folded, weights rounded, inputs fake-quantized per tensor except
in weight-only modules), so accuracy can be evaluated without onnxruntime for Python.
"""

from __future__ import annotations

import copy
from typing import List, Sequence

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn


def _weight_q(w: np.ndarray, axis: int):
    """Symmetric per-channel scale along `axis` and uint8 weights with zero point 128."""
    other = tuple(i for i in range(w.ndim) if i != axis)
    scale = np.abs(w).max(axis=other) / 127.0
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.round(w / scale.reshape(shape)), -127, 127).astype(np.int32) + 128
    return q.astype(np.uint8), scale


# The OMR's modules whose inputs stay float: the SRU's input projections and the CTC heads. One
# uint8 range per tensor for their inputs is set by the outliers of camera photos; quantizing
# them cost 0.5 SER points on the camera split, weight-only keeps their int8 size and float
# accuracy (models/train/README.md, "int8").
OMR_WEIGHT_ONLY = ("rnn.", "heads.")


def _in(name: str, prefixes: Sequence[str]) -> bool:
    return any(name.startswith(p) for p in prefixes)


def onnx_weights(model: nn.Module, prefixes: Sequence[str]) -> List[np.ndarray]:
    """The weights of the Linear modules under `prefixes` as an ONNX export holds them
    (transposed), to name them to `quantize_dynamic`: the exporter's node names do not keep
    every module path (a ModuleDict's name is dropped)."""
    return [m.weight.detach().cpu().float().numpy().T for name, m in model.named_modules()
            if isinstance(m, nn.Linear) and _in(name, prefixes)]


def quantize_dynamic(model: onnx.ModelProto, weight_only: Sequence[np.ndarray] = ()) -> onnx.ModelProto:
    """A copy of `model` with Conv and MatMul weights in int8 (see the module docstring);
    nodes whose weight equals one of `weight_only` keep float activations."""
    model = copy.deepcopy(model)
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    nodes, used_float = [], set()
    zp = numpy_helper.from_array(np.array(128, dtype=np.uint8), "q_w_zero")
    new_inits = [zp]
    for k, node in enumerate(graph.node):
        w_name = node.input[1] if len(node.input) > 1 else ""
        w_init = inits.get(w_name)
        if node.op_type not in ("Conv", "MatMul") or w_init is None:
            nodes.append(node)
            continue
        w = numpy_helper.to_array(w_init).astype(np.float32)
        if node.op_type == "MatMul" and w.ndim != 2:
            nodes.append(node)
            continue
        p = f"q{k}"
        x = node.input[0]
        if any(a.shape == w.shape and np.array_equal(a, w) for a in weight_only):
            axis = 0 if node.op_type == "Conv" else 1
            wq, ws = _weight_q(w, axis)
            new_inits += [numpy_helper.from_array((wq.astype(np.int16) - 128).astype(np.int8), f"{p}_w"),
                          numpy_helper.from_array(ws, f"{p}_ws"),
                          numpy_helper.from_array(np.zeros(ws.shape, np.int8), f"{p}_wz")]
            nodes.append(helper.make_node("DequantizeLinear", [f"{p}_w", f"{p}_ws", f"{p}_wz"],
                                          [f"{p}_wf"], axis=axis))
            inputs = list(node.input)
            inputs[1] = f"{p}_wf"
            nodes.append(helper.make_node(node.op_type, inputs, list(node.output), name=node.name,
                                          **{a.name: helper.get_attribute_value(a) for a in node.attribute}))
            continue
        nodes.append(helper.make_node("DynamicQuantizeLinear", [x], [f"{p}_x", f"{p}_xs", f"{p}_xz"]))
        if node.op_type == "Conv":
            wq, ws = _weight_q(w, 0)
            ws_shape = [1, -1, 1, 1]
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            nodes.append(helper.make_node("ConvInteger", [f"{p}_x", f"{p}_w", f"{p}_xz", "q_w_zero"],
                                          [f"{p}_y"], **attrs))
        else:
            wq, ws = _weight_q(w, 1)
            ws_shape = [-1]
            nodes.append(helper.make_node("MatMulInteger", [f"{p}_x", f"{p}_w", f"{p}_xz", "q_w_zero"],
                                          [f"{p}_y"]))
        new_inits += [numpy_helper.from_array(wq, f"{p}_w"),
                      numpy_helper.from_array(ws.reshape(ws_shape), f"{p}_ws")]
        nodes.append(helper.make_node("Cast", [f"{p}_y"], [f"{p}_yf"], to=TensorProto.FLOAT))
        nodes.append(helper.make_node("Mul", [f"{p}_xs", f"{p}_ws"], [f"{p}_s"]))
        out = node.output[0]
        if node.op_type == "Conv" and len(node.input) > 2 and node.input[2]:
            bias = numpy_helper.to_array(inits[node.input[2]]).astype(np.float32)
            new_inits.append(numpy_helper.from_array(bias.reshape(1, -1, 1, 1), f"{p}_b"))
            nodes.append(helper.make_node("Mul", [f"{p}_yf", f"{p}_s"], [f"{p}_ys"]))
            nodes.append(helper.make_node("Add", [f"{p}_ys", f"{p}_b"], [out]))
        else:
            nodes.append(helper.make_node("Mul", [f"{p}_yf", f"{p}_s"], [out]))
    for node in nodes:
        used_float.update(node.input)
    del graph.node[:]
    graph.node.extend(nodes)
    keep = [i for i in graph.initializer if i.name in used_float]
    del graph.initializer[:]
    graph.initializer.extend(keep + new_inits)
    onnx.checker.check_model(model)
    return model


def _fake_quant_input(x: torch.Tensor) -> torch.Tensor:
    """DynamicQuantizeLinear then dequantize: uint8, range widened to include 0."""
    lo = torch.clamp(x.min(), max=0.0)
    hi = torch.clamp(x.max(), min=0.0)
    scale = (hi - lo) / 255.0
    if float(scale) == 0.0:
        return x
    zero = torch.clamp(torch.round(-lo / scale), 0, 255)
    q = torch.clamp(torch.round(x / scale) + zero, 0, 255)
    return (q - zero) * scale


def simulate_int8(model: nn.Module, weight_only: Sequence[str] = ()) -> nn.Module:
    """An eval copy of `model` computing what the int8 ONNX graph quantized with the same
    `weight_only` computes (to rounding ties)."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    from .omr_model import ConvBnAct

    sim = copy.deepcopy(model).eval().float()
    for mod in sim.modules():
        if isinstance(mod, ConvBnAct):
            mod.conv = fuse_conv_bn_eval(mod.conv, mod.bn)
            mod.bn = nn.Identity()
    for name, mod in sim.named_modules():
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            with torch.no_grad():
                w = mod.weight.detach().numpy()
                q, s = _weight_q(w, 0)
                deq = (q.astype(np.float32) - 128) * s.reshape([-1] + [1] * (w.ndim - 1))
                mod.weight.copy_(torch.from_numpy(deq))
            if not _in(name, weight_only):
                mod.register_forward_pre_hook(lambda m, inp: (_fake_quant_input(inp[0]),))
    return sim


def main() -> None:
    """Which layers lose accuracy to int8 inputs: greedy SER of fp32, all-int8 and each
    `--float` variant (comma-separated module prefixes kept weight-only) on one split.

        /usr/bin/python3 -m models.train.quantize_omr --checkpoint .train/omr/omr-cpu-2/best.pt \\
            --split test_camera --staves 300 --float rnn. heads. rnn.,heads.
    """
    import argparse
    from pathlib import Path

    from .eval_omr import evaluate, load_checkpoint
    from .omr_data import OmrDataset

    ap = argparse.ArgumentParser(description=main.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--split", default="test_camera")
    ap.add_argument("--staves", type=int, default=300)
    ap.add_argument("--data-dir", help="default: the checkpoint config's data_dir")
    ap.add_argument("--float", nargs="*", default=[], help="variants: comma-separated module prefixes")
    args = ap.parse_args()
    model, cfg, vocabs, _ = load_checkpoint(Path(args.checkpoint))
    ds = OmrDataset(cfg.path(args.data_dir or cfg.data_dir), args.split, vocabs, cfg.height,
                    cfg.max_width, unknown="skip", limit=args.staves)
    variants = {"fp32": model, "int8": simulate_int8(model)}
    variants.update({f"int8, float inputs: {v}": simulate_int8(model, v.split(",")) for v in args.float})
    for name, m in variants.items():
        rates = evaluate(m, ds, vocabs, 1, 8)["rates"]
        print(f"{args.split} ({args.staves} staves) {name}: "
              + ", ".join(f"{k} SER {100 * r['ser']:.3f} %" for k, r in rates.items()), flush=True)


if __name__ == "__main__":
    main()
