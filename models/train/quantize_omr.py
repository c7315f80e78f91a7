"""Dynamic int8 quantization of an ONNX graph with the onnx package, and its PyTorch simulation.

Every Conv and MatMul whose weight is an initializer becomes
    DynamicQuantizeLinear(x) -> ConvInteger / MatMulInteger (uint8 weights, zero point 128,
    symmetric per output channel) -> Cast float -> * (x_scale * w_scale) [-> + bias]
which is what onnxruntime-web runs fastest (see ../shared/README.md). `simulate_int8` applies
the same arithmetic in PyTorch (BN folded, weights rounded, inputs fake-quantized per tensor),
so accuracy can be evaluated without onnxruntime for Python.
"""

from __future__ import annotations

import copy

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


def quantize_dynamic(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of `model` with Conv and MatMul weights in int8 (see the module docstring)."""
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


def simulate_int8(model: nn.Module) -> nn.Module:
    """An eval copy of `model` computing what the int8 ONNX graph computes (to rounding ties)."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    from .omr_model import ConvBnAct

    sim = copy.deepcopy(model).eval().float()
    for mod in sim.modules():
        if isinstance(mod, ConvBnAct):
            mod.conv = fuse_conv_bn_eval(mod.conv, mod.bn)
            mod.bn = nn.Identity()
    for mod in sim.modules():
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            with torch.no_grad():
                w = mod.weight.detach().numpy()
                q, s = _weight_q(w, 0)
                deq = (q.astype(np.float32) - 128) * s.reshape([-1] + [1] * (w.ndim - 1))
                mod.weight.copy_(torch.from_numpy(deq))
            mod.register_forward_pre_hook(lambda m, inp: (_fake_quant_input(inp[0]),))
    return sim
