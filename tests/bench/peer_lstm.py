#!/usr/bin/env python3
"""PyTorch's side of bench_lstm: torch.nn.LSTM (batch_first, one layer, zero initial state)
forward + backward on [N, T, C] = [32, 128, 64] with H = 256, every step's output, on the CPU
with the given threads. Prints "steps_per_second X".

Usage: peer_lstm.py [--steps S] [--threads K]
"""
import argparse
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n, t, c, h = 32, 128, 64, 256
    lstm = torch.nn.LSTM(c, h, batch_first=True)
    x = torch.randn(n, t, c, requires_grad=True)
    dy = torch.randn(n, t, h)

    def step():
        y, _ = lstm(x)
        y.backward(dy)

    for _ in range(2):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    print(f"steps_per_second {args.steps / (time.perf_counter() - start):.4f}")


if __name__ == "__main__":
    main()
