#!/usr/bin/env python3
"""PyTorch reference for the whole makemore run (bench/suites/training-step.ts, issue 53): the
seed notebook's training loop, as `numlab train makemore` runs it with its defaults.

  names.txt → 80/10/10 split by names (seeded shuffle) → contexts of --block characters;
  C [27, d], W1 [block·d, hidden], b1, W2 [hidden, 27], b2 with numlab's default "scaled" init
  (C ~ N(0,1), W1 ~ N(0,1)·(5/3)/√(block·d), b1 and W2 ×0.01, b2 = 0; --init randn: all N(0,1));
  --steps steps of: 32 random rows (torch.randint), emb = C[X], h = tanh(emb.view(-1, block·d) @ W1
  + b1), logits = h @ W2 + b2, F.cross_entropy, p.grad = None, backward, p.data += -lr · p.grad
  with lr 0.1 before half the steps and 0.01 after, and the loss read back every step
  (`lossi.append(loss.log10().item())`, as the seed does; numlab averages every step's loss into
  its loss curve). Then the train/dev/test losses.

Prints one JSON object: {"threads", "torch", "steps", "seconds" (the training loop), "train",
"dev", "test", "examples"}. The caller times the whole process (imports included).
"""
import argparse
import json
import random
import time

import torch
import torch.nn.functional as F


def build_dataset(words, block):
    stoi = {ch: i + 1 for i, ch in enumerate("abcdefghijklmnopqrstuvwxyz")}
    stoi["."] = 0
    xs, ys = [], []
    for w in words:
        context = [0] * block
        for ch in w + ".":
            ix = stoi[ch]
            xs.append(context)
            ys.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(xs), torch.tensor(ys)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--names", required=True, help="path of names.txt")
    ap.add_argument("--steps", type=int, default=200_000)
    ap.add_argument("--block", type=int, default=3)
    ap.add_argument("--emb", type=int, default=10)
    ap.add_argument("--hidden", type=int, default=200)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--init", choices=["scaled", "randn"], default="scaled")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    words = [w for w in open(args.names, encoding="utf8").read().splitlines() if w]
    random.seed(args.seed)
    random.shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    Xtr, Ytr = build_dataset(words[:n1], args.block)
    Xdev, Ydev = build_dataset(words[n1:n2], args.block)
    Xte, Yte = build_dataset(words[n2:], args.block)

    g = torch.Generator().manual_seed(2147483647)
    fan_in = args.block * args.emb
    scaled = args.init == "scaled"
    C = torch.randn((27, args.emb), generator=g)
    W1 = torch.randn((fan_in, args.hidden), generator=g) * ((5 / 3) / fan_in**0.5 if scaled else 1)
    b1 = torch.randn(args.hidden, generator=g) * (0.01 if scaled else 1)
    W2 = torch.randn((args.hidden, 27), generator=g) * (0.01 if scaled else 1)
    b2 = torch.randn(27, generator=g) * (0 if scaled else 1)
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True

    torch.manual_seed(args.seed)  # the minibatch draws (torch.randint on the global generator, as the seed does)
    lossi = []
    drop = args.steps // 2
    t0 = time.perf_counter()
    for i in range(args.steps):
        ix = torch.randint(0, Xtr.shape[0], (args.batch,))
        emb = C[Xtr[ix]]
        h = torch.tanh(emb.view(-1, fan_in) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Ytr[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < drop else 0.01
        for p in parameters:
            p.data += -lr * p.grad
        lossi.append(loss.log10().item())
    seconds = time.perf_counter() - t0

    @torch.no_grad()
    def split_loss(X, Y):
        h = torch.tanh(C[X].view(-1, fan_in) @ W1 + b1)
        return F.cross_entropy(h @ W2 + b2, Y).item()

    out = {
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "steps": args.steps,
        "seconds": round(seconds, 2),
        "train": round(split_loss(Xtr, Ytr), 4),
        "dev": round(split_loss(Xdev, Ydev), 4),
        "test": round(split_loss(Xte, Yte), 4),
        "examples": {"train": len(Ytr), "dev": len(Ydev), "test": len(Yte)},
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
