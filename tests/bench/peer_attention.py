#!/usr/bin/env python3
"""PyTorch's side of bench_attention: torch.nn.MultiheadAttention (batch_first, self-attention,
need_weights=False, causal by default) forward + backward on [N, T, C] = [32, 128, 128] with
4 heads, on the CPU with the given threads. Prints "steps_per_second X".

Usage: peer_attention.py [--steps S] [--threads K] [--no-causal]
"""
import argparse
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-causal", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n, t, c, heads = 32, 128, 128, 4
    mha = torch.nn.MultiheadAttention(c, heads, batch_first=True)
    x = torch.randn(n, t, c, requires_grad=True)
    dy = torch.randn(n, t, c)
    causal = not args.no_causal
    mask = torch.nn.Transformer.generate_square_subsequent_mask(t) if causal else None

    def step():
        y, _ = mha(x, x, x, attn_mask=mask, need_weights=False, is_causal=causal)
        y.backward(dy)

    for _ in range(3):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    print(f"steps_per_second {args.steps / (time.perf_counter() - start):.4f}")


if __name__ == "__main__":
    main()
