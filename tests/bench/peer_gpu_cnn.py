#!/usr/bin/env python3
"""PyTorch's side of `netwright-cli bench` on a GPU: the same network, read from the project
file itself (so the two cannot drift apart), trained on one preloaded batch.

The .nwproj graph is built into a torch module for the ops the sample CNN and the
templates' convolutional networks use: Input, Conv2D, BatchNorm, ReLU, LeakyReLU, ELU, GELU,
Sigmoid, Tanh, MaxPool2D, AvgPool2D, GlobalAvgPool, Flatten, Dense, Dropout, Add and a
softmax cross-entropy Loss. Anything else is refused by name. The optimizer is the
project's (adam, adamw, sgd, rmsprop, with its learning rate, betas, momentum, epsilon and
weight decay on the Conv2D and Dense weights only, as Netwright decays them), at a constant
learning rate and without clipping, as `netwright-cli bench` steps. The initial weights are
PyTorch's defaults: a timed step does the same work whatever they are.

As PyTorch's users run convolutions on a GPU: channels_last tensors,
torch.backends.cudnn.benchmark = True, the default (foreach) optimizer. --precision fp32
turns TF32 off for matrix products and convolutions (PyTorch leaves it on for cuDNN by
default), tf32 turns it on, bf16 runs forward and loss under torch.autocast(bfloat16).

Data: random inputs of the project's input shape and random labels, created on the device
before timing (like the bench's preloaded batch). --warmup untimed steps (cudnn.benchmark
picks its algorithms there), then --steps timed ones between torch.cuda.synchronize()
calls; inference is the same over --infer-batch samples in eval mode without gradients.

Prints one JSON line per project and batch:
  {"model", "batch", "precision", "device", "parameters", "train_samples_per_s",
   "train_step_ms", "infer_batch", "infer_samples_per_s", "torch", "gpu"}

Usage:
  peer_gpu_cnn.py resources/samples/fashion-mnist-cnn.nwproj --batch 128 --batch 256
  peer_gpu_cnn.py A.nwproj B.nwproj --batch 128 --steps 200 --precision tf32
  peer_gpu_cnn.py resources/samples/fashion-mnist-cnn.nwproj --device cpu --steps 2   # smoke test
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class GraphError(ValueError):
    pass


def conv_padding(attrs, in_hw):
    """(padding for nn.Conv2d, or None) and the asymmetric (left, right, top, bottom) pad to
    apply first, as Netwright's 'same' puts the odd pixel on the right and bottom."""
    k, stride, dil = attrs["kernel_size"], attrs["stride"], attrs["dilation"]
    if attrs.get("padding_mode", "explicit") != "same":
        return tuple(attrs["padding"]), None
    pads = []
    for d in range(2):
        out = (in_hw[d] + stride[d] - 1) // stride[d]
        total = max((out - 1) * stride[d] + dil[d] * (k[d] - 1) + 1 - in_hw[d], 0)
        pads.append((total // 2, total - total // 2))
    if all(lo == hi for lo, hi in pads):
        return (pads[0][0], pads[1][0]), None
    (top, bottom), (left, right) = pads
    return (0, 0), (left, right, top, bottom)


def window_out(size, k, stride, pad, dil=1):
    return (size + 2 * pad - (dil * (k - 1) + 1)) // stride + 1


class Node(nn.Module):
    """One graph node: `fn` applied to its inputs (a list, in port order)."""

    def __init__(self, fn, module=None):
        super().__init__()
        self.fn = fn
        self.module = module

    def forward(self, xs):
        return self.fn(self.module, xs)


def build_node(node, shapes):
    """The torch module of `node` and its output shape (without the batch), given the
    output shapes of its inputs in port order."""
    op, a, nid = node["op"], node.get("attributes", {}), node["id"]
    x = shapes[0] if shapes else None

    def need_rank(rank):
        if len(x) != rank:
            raise GraphError(f"node '{nid}' ({op}): input {list(x)} is not rank {rank + 1} "
                             f"with the batch")

    if op == "Conv2D":
        need_rank(3)
        padding, pre = conv_padding(a, x[1:])
        conv = nn.Conv2d(x[0], a["filters"], tuple(a["kernel_size"]), tuple(a["stride"]),
                         padding, tuple(a["dilation"]), a.get("groups", 1), a.get("use_bias", True))
        extra = (pre[2] + pre[3], pre[0] + pre[1]) if pre else (0, 0)  # rows, columns
        hw = [window_out(x[1 + d] + extra[d], a["kernel_size"][d], a["stride"][d], padding[d],
                         a["dilation"][d]) for d in range(2)]
        if pre:
            return Node(lambda m, xs: m(F.pad(xs[0], pre)), conv), (a["filters"], *hw)
        return Node(lambda m, xs: m(xs[0]), conv), (a["filters"], *hw)
    if op == "BatchNorm":
        cls = {3: nn.BatchNorm2d, 1: nn.BatchNorm1d}.get(len(x))
        if cls is None:
            raise GraphError(f"node '{nid}' (BatchNorm): input {list(x)} is not [C] or [C, H, W]")
        bn = cls(x[0], eps=a.get("epsilon", 1e-5), momentum=a.get("momentum", 0.1))
        return Node(lambda m, xs: m(xs[0]), bn), x
    if op in ("MaxPool2D", "AvgPool2D"):
        need_rank(3)
        k, s, p = tuple(a["kernel_size"]), tuple(a["stride"]), tuple(a["padding"])
        pool = nn.MaxPool2d(k, s, p) if op == "MaxPool2D" else nn.AvgPool2d(
            k, s, p, count_include_pad=True)  # Netwright counts the padding as zeros
        hw = [window_out(x[1 + d], k[d], s[d], p[d]) for d in range(2)]
        return Node(lambda m, xs: m(xs[0]), pool), (x[0], *hw)
    if op == "GlobalAvgPool":
        need_rank(3)
        return Node(lambda m, xs: xs[0].mean(dim=(2, 3))), (x[0],)
    if op == "Flatten":
        return Node(lambda m, xs: torch.flatten(xs[0], 1)), (math.prod(x),)
    if op == "Dense":
        if len(x) == 3:
            raise GraphError(f"node '{nid}' (Dense): image input {list(x)}; Netwright needs a "
                             f"Flatten first")
        return (Node(lambda m, xs: m(xs[0]), nn.Linear(x[-1], a["units"], a.get("use_bias", True))),
                (*x[:-1], a["units"]))
    if op == "Dropout":
        return Node(lambda m, xs: m(xs[0]), nn.Dropout(a.get("rate", 0.5))), x
    if op == "Add":
        if any(tuple(s) != tuple(x) for s in shapes):
            raise GraphError(f"node '{nid}' (Add): inputs of different shapes {shapes}")
        return Node(lambda m, xs: sum(xs[1:], xs[0])), x
    activations = {
        "ReLU": lambda: nn.ReLU(),
        "LeakyReLU": lambda: nn.LeakyReLU(a.get("alpha", 0.01)),
        "ELU": lambda: nn.ELU(a.get("alpha", 1.0)),
        "GELU": lambda: nn.GELU(approximate=a.get("approximate", "none")),
        "Sigmoid": lambda: nn.Sigmoid(),
        "Tanh": lambda: nn.Tanh(),
    }
    if op in activations:
        return Node(lambda m, xs: m(xs[0]), activations[op]()), x
    raise GraphError(f"node '{nid}': op {op} is not in this peer's subset")


class ProjectNet(nn.Module):
    """The graph of a .nwproj: nodes in topological order, each fed its inputs by port."""

    def __init__(self, graph):
        super().__init__()
        nodes = {n["id"]: n for n in graph["nodes"]}
        inputs = {nid: [] for nid in nodes}
        for e in graph["edges"]:
            inputs[e["to"]].append((e.get("to_port", 0), e["from"]))
        for nid in inputs:
            inputs[nid] = [src for _, src in sorted(inputs[nid])]
        order, placed = [], set()
        while len(order) < len(nodes):  # Kahn's order, stable in file order
            ready = [nid for nid in nodes
                     if nid not in placed and all(s in placed for s in inputs[nid])]
            if not ready:
                raise GraphError("the graph has a cycle")
            order.append(ready[0])
            placed.add(ready[0])
        ins = [nid for nid in order if nodes[nid]["op"] == "Input"]
        losses = [nid for nid in order if nodes[nid]["op"] == "Loss"]
        if len(ins) != 1 or len(losses) != 1:
            raise GraphError("expects one Input and one Loss node")
        loss_node = nodes[losses[0]]
        if loss_node["attributes"].get("loss", "softmax_cross_entropy") != "softmax_cross_entropy":
            raise GraphError("bench measures classification (softmax cross-entropy) only")
        self.label_smoothing = float(loss_node["attributes"].get("label_smoothing", 0.0))
        self.input_shape = tuple(nodes[ins[0]]["attributes"]["shape"])
        self.prediction = inputs[losses[0]][0]
        shapes = {ins[0]: self.input_shape}
        self.steps = []  # (node id, input ids)
        self.layers = nn.ModuleDict()
        self.decaying = []  # Conv2D and Dense weights: the parameters weight decay applies to
        for nid in order:
            op = nodes[nid]["op"]
            if op in ("Input", "Loss"):
                continue
            module, shapes[nid] = build_node(nodes[nid], [shapes[s] for s in inputs[nid]])
            self.layers[nid] = module
            self.steps.append((nid, inputs[nid]))
            if op in ("Conv2D", "Dense"):
                self.decaying.append(module.module.weight)
        self.classes = shapes[self.prediction][-1]
        self.input_id = ins[0]

    def forward(self, x):
        values = {self.input_id: x}
        for nid, srcs in self.steps:
            values[nid] = self.layers[nid]([values[s] for s in srcs])
        return values[self.prediction]


def make_optimizer(config, net):
    kind = config.get("type", "adam")
    lr = config.get("learning_rate", 1e-3)
    wd = config.get("weight_decay", 0.0)
    decay_ids = {id(p) for p in net.decaying}
    decaying = [p for p in net.parameters() if id(p) in decay_ids]
    others = [p for p in net.parameters() if id(p) not in decay_ids]
    groups = [{"params": decaying, "weight_decay": wd}, {"params": others, "weight_decay": 0.0}]
    betas = (config.get("beta1", 0.9), config.get("beta2", 0.999))
    eps = config.get("epsilon", 1e-8)
    if kind == "adam":
        return torch.optim.Adam(groups, lr=lr, betas=betas, eps=eps)
    if kind == "adamw":
        return torch.optim.AdamW(groups, lr=lr, betas=betas, eps=eps)
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=config.get("momentum", 0.0),
                               nesterov=config.get("nesterov", False))
    if kind == "rmsprop":  # Netwright's smoothing constant is PyTorch's default, 0.99
        return torch.optim.RMSprop(groups, lr=lr, alpha=0.99, eps=eps,
                                   momentum=config.get("momentum", 0.0))
    raise GraphError(f"optimizer {kind} is not in this peer's subset")


def set_precision(precision):
    """TF32 off for fp32 and bf16 (autocast), on for tf32."""
    mode = "tf32" if precision == "tf32" else "ieee"
    matmul, conv = torch.backends.cuda.matmul, torch.backends.cudnn.conv
    if hasattr(matmul, "fp32_precision") and hasattr(conv, "fp32_precision"):  # torch >= 2.9
        matmul.fp32_precision = mode
        conv.fp32_precision = mode
    else:
        torch.backends.cuda.matmul.allow_tf32 = mode == "tf32"
        torch.backends.cudnn.allow_tf32 = mode == "tf32"


def measure(path, batch, args, device):
    with open(path) as f:
        project = json.load(f)
    torch.manual_seed(args.seed)
    net = ProjectNet(project["graph"]).to(device)
    fmt = torch.channels_last if len(net.input_shape) == 3 else torch.contiguous_format
    net = net.to(memory_format=fmt)
    optimizer = make_optimizer(project.get("training", {}).get("optimizer", {}), net)
    gen = torch.Generator(device=device).manual_seed(args.seed)

    def data(n):
        x = torch.randn((n, *net.input_shape), generator=gen, device=device)
        y = torch.randint(0, net.classes, (n,), generator=gen, device=device)
        return x.contiguous(memory_format=fmt), y

    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.precision == "bf16")
    xb, yb = data(batch)

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        with autocast:
            loss = F.cross_entropy(net(xb), yb, label_smoothing=net.label_smoothing)
        loss.backward()
        optimizer.step()

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    def timed(n, fn):
        sync()
        start = time.perf_counter()
        for _ in range(n):
            fn()
        sync()
        return time.perf_counter() - start

    net.train()
    timed(args.warmup, train_step)
    train_s = timed(args.steps, train_step)

    xi, _ = data(args.infer_batch)
    net.eval()

    def infer_step():
        with torch.no_grad(), autocast:
            net(xi)

    timed(args.warmup, infer_step)
    infer_s = timed(args.steps, infer_step)
    result = {
        "model": os.path.splitext(os.path.basename(path))[0],
        "batch": batch,
        "precision": args.precision,
        "device": str(device),
        "parameters": sum(p.numel() for p in net.parameters() if p.requires_grad),
        "train_samples_per_s": round(args.steps * batch / train_s, 1),
        "train_step_ms": round(1000 * train_s / args.steps, 3),
        "infer_batch": args.infer_batch,
        "infer_samples_per_s": round(args.steps * args.infer_batch / infer_s, 1),
        "steps": args.steps,
        "warmup": args.warmup,
        "torch": torch.__version__,
        "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
    }
    del net, optimizer, xb, yb, xi
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("projects", nargs="+", metavar="PROJECT", help=".nwproj files")
    ap.add_argument("--batch", type=int, action="append",
                    help="training batch size; repeat for several (default: 128)")
    ap.add_argument("--steps", type=int, default=200, help="timed steps (default 200)")
    ap.add_argument("--warmup", type=int, default=10, help="untimed steps first (default 10)")
    ap.add_argument("--infer-batch", type=int, default=256, help="as netwright-cli bench (256)")
    ap.add_argument("--precision", choices=["fp32", "tf32", "bf16"], default="fp32")
    ap.add_argument("--device", default="cuda", help="cuda, cuda:N or cpu (default cuda)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (0: PyTorch's default)")
    args = ap.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise SystemExit("error: PyTorch sees no CUDA device (use --device cpu)")
        torch.backends.cudnn.benchmark = True
        set_precision(args.precision)
    if args.threads:
        torch.set_num_threads(args.threads)
    for path in args.projects:
        for batch in args.batch or [128]:
            print(json.dumps(measure(path, batch, args, device)), flush=True)


if __name__ == "__main__":
    main()
