#!/usr/bin/env python3
"""PyTorch's side of the character Transformer template (resources/templates/char-transformer.nwproj):
the same model, corpus, windows, optimizer, schedule and clipping, on the CPU.

The corpus is read as Netwright reads it (datasets/readers.h openTextCorpus): every regular
file under the folder, sorted by path, once per real path, files holding a NUL byte skipped,
UTF-8 with invalid bytes as Latin-1; the vocabulary is the sorted distinct characters; sample
k is characters [kT, kT + T) and its targets [kT + 1, kT + T + 1). The validation windows are
a seeded random 5% (Netwright's split is another random 5% of the same windows).

Model: Embedding(V, 128) + a learned position table N(0, 0.02), four pre-norm blocks
(LayerNorm, causal nn.MultiheadAttention with 4 heads, Add; LayerNorm, Linear 512, GELU,
Linear 128, Add), LayerNorm, Linear(V). AdamW(lr 1e-3, betas (0.9, 0.99), weight decay 0.01
on weight matrices and tables only, as Netwright's `decays`), linear warm-up 100 steps then
cosine to 1e-4, gradient clipping at norm 1.0, batch 32.

Usage:
  peer_char_transformer.py --steps 20 --threads 2      # throughput: tokens/s of training steps
  peer_char_transformer.py --minutes 10 --threads 2    # train, print losses, then val loss
  peer_char_transformer.py --train-steps 300           # as netwright-cli train --max-steps 300
"""
import argparse
import math
import os
import random
import time

import torch
import torch.nn as nn

CORPUS = "/usr/share/games/fortunes"
T, D, HEADS, LAYERS, FF, BATCH = 128, 128, 4, 4, 512, 32


def latin1_fallback(err):
    return chr(err.object[err.start]), err.start + 1


def read_corpus(root):
    import codecs

    codecs.register_error("nw_latin1", latin1_fallback)
    files = []
    for dirpath, _, names in os.walk(root, followlinks=False):
        for n in names:
            p = os.path.join(dirpath, n)
            if os.path.isfile(p):
                files.append(p)
    seen, text = set(), []
    for p in sorted(files):
        real = os.path.realpath(p)
        if real in seen:
            continue
        seen.add(real)
        data = open(p, "rb").read()
        if b"\0" in data:
            continue
        text.append(data.decode("utf-8", errors="nw_latin1"))
    return "".join(text)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = nn.LayerNorm(D)
        self.attn = nn.MultiheadAttention(D, HEADS, batch_first=True)
        self.norm2 = nn.LayerNorm(D)
        self.mlp = nn.Sequential(nn.Linear(D, FF), nn.GELU(), nn.Linear(FF, D))

    def forward(self, x, mask):
        h = self.norm1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False, is_causal=True)[0]
        return x + self.mlp(self.norm2(x))


class CharTransformer(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.embed = nn.Embedding(vocab, D)
        self.position = nn.Parameter(torch.randn(T, D) * 0.02)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.norm = nn.LayerNorm(D)
        self.head = nn.Linear(D, vocab)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(T))

    def forward(self, ids):
        x = self.embed(ids) + self.position
        for b in self.blocks:
            x = b(x, self.mask)
        return self.head(self.norm(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=0, help="time this many training steps")
    ap.add_argument("--minutes", type=float, default=0, help="train for this long")
    ap.add_argument("--train-steps", type=int, default=0,
                    help="train this many steps (the schedule spans them, as netwright-cli "
                         "train --max-steps does), then print the validation loss")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    text = read_corpus(CORPUS)
    vocab = sorted(set(text))
    index = {c: i for i, c in enumerate(vocab)}
    ids = torch.tensor([index[c] for c in text], dtype=torch.long)
    windows = (len(ids) - 1) // T
    order = list(range(windows))
    random.Random(args.seed).shuffle(order)
    held = round(0.05 * windows)
    val, train = order[:held], order[held:]
    x_all = ids[: windows * T].view(windows, T)
    y_all = ids[1 : windows * T + 1].view(windows, T)

    model = CharTransformer(len(vocab))
    params = sum(p.numel() for p in model.parameters())
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 or n == "position"]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() >= 2 or n == "position")]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.99), eps=1e-8)
    per_epoch = len(train) // BATCH
    total = args.train_steps if args.train_steps else per_epoch * 2

    def lr_at(step):
        if step < 100:
            return 1e-3 * step / 100
        p = min(1.0, (step - 100) / max(1, total - 100))
        return 1e-4 + (1e-3 - 1e-4) * 0.5 * (1 + math.cos(math.pi * p))

    loss_fn = nn.CrossEntropyLoss()
    print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}, vocabulary "
          f"{len(vocab)}, {windows} windows ({len(train)} train, {len(val)} validation), "
          f"{params} parameters", flush=True)

    def train_step(step, batch):
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        logits = model(x_all[batch])
        loss = loss_fn(logits.reshape(-1, len(vocab)), y_all[batch].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    def validate():
        model.eval()
        total_loss = 0.0
        with torch.no_grad():
            for i in range(0, len(val), 256):
                b = val[i : i + 256]
                logits = model(x_all[b])
                total_loss += loss_fn(logits.reshape(-1, len(vocab)),
                                      y_all[b].reshape(-1)).item() * len(b)
        model.train()
        return total_loss / len(val)

    rng = random.Random(args.seed + 1)
    if args.steps:
        batch = train[:BATCH]
        for s in range(3):
            train_step(s, batch)
        start = time.perf_counter()
        for s in range(args.steps):
            train_step(s, batch)
        sec = time.perf_counter() - start
        print(f"steps {args.steps}  step_ms {1000 * sec / args.steps:.1f}  "
              f"tokens_per_sec {args.steps * BATCH * T / sec:.0f}", flush=True)
        return
    deadline = time.perf_counter() + (60 * args.minutes if args.minutes else 1e9)
    step, window_sum, window_n, start = 0, 0.0, 0, time.perf_counter()
    while time.perf_counter() < deadline and step < total:
        epoch_order = train[:]
        rng.shuffle(epoch_order)
        for b in range(per_epoch):
            if time.perf_counter() >= deadline or step >= total:
                break
            window_sum += train_step(step, epoch_order[b * BATCH : (b + 1) * BATCH])
            window_n += 1
            step += 1
            if step % 50 == 0:
                print(f"step {step}  train_loss {window_sum / window_n:.4f}  "
                      f"{time.perf_counter() - start:.0f}s", flush=True)
                window_sum, window_n = 0.0, 0
    v = validate()
    print(f"done: {step} steps in {time.perf_counter() - start:.0f}s  val_loss {v:.4f}  "
          f"val_perplexity {math.exp(v):.3f}", flush=True)


if __name__ == "__main__":
    main()
