#!/usr/bin/env python3
"""PyTorch peer of bench/suites/transformer.ts: one training step of the seq2seq transformer with
the polynomial configuration, same shapes as numlab's, single process on the CPU.

  model: token embeddings (vocab 40, d 256) * sqrt(d) + sinusoidal positions -> nn.Transformer
         (3 encoder + 3 decoder layers, 8 heads, feed-forward 512, dropout 0.1, post-norm,
         causal target mask, source/target key padding masks) -> Linear(256, vocab)
  step:  cross-entropy ignoring pad (id 0) on targets[:, 1:] given targets[:, :-1],
         gradient clipping to global norm 1, Adam(lr 1e-4).
  batch: 128 rows, source and target length 30, deterministic ids with trailing padding.

Prints {"threads": n, "torch": version, "ms": median, "stepsMs": [...]}.
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def bench_ids(batch, length, vocab, salt):
    """Deterministic ids 3..vocab-1 with trailing pads; same formula as the TypeScript suite."""
    rows = torch.zeros((batch, length), dtype=torch.long)
    for r in range(batch):
        n = length - (r * 5 + salt) % (length // 3)
        rows[r, 0] = 1
        for t in range(1, n):
            rows[r, t] = 3 + (r * 7919 + t * 104729 + salt * 31 + r * t) % (vocab - 3)
        rows[r, n - 1] = 2
    return rows


class Seq2Seq(nn.Module):
    def __init__(self, vocab, d, layers, heads, ff, dropout, max_len=64):
        super().__init__()
        self.d = d
        self.src_emb = nn.Embedding(vocab, d)
        self.trg_emb = nn.Embedding(vocab, d)
        pos = torch.arange(max_len).unsqueeze(1)
        div = torch.exp(torch.arange(0, d, 2) * (-math.log(10000.0) / d))
        pe = torch.zeros(max_len, d)
        pe[:, 0::2] = torch.sin(pos * div)
        pe[:, 1::2] = torch.cos(pos * div)
        self.register_buffer("pe", pe)
        self.drop = nn.Dropout(dropout)
        self.transformer = nn.Transformer(d, heads, layers, layers, ff, dropout, batch_first=True)
        self.out = nn.Linear(d, vocab)

    def forward(self, src, trg_in):
        s = self.drop(self.src_emb(src) * math.sqrt(self.d) + self.pe[: src.shape[1]])
        t = self.drop(self.trg_emb(trg_in) * math.sqrt(self.d) + self.pe[: trg_in.shape[1]])
        causal = self.transformer.generate_square_subsequent_mask(trg_in.shape[1])
        h = self.transformer(s, t, tgt_mask=causal, src_key_padding_mask=src.eq(0), tgt_key_padding_mask=trg_in.eq(0), memory_key_padding_mask=src.eq(0))
        return self.out(h)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--length", type=int, default=30)
    ap.add_argument("--vocab", type=int, default=40)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = Seq2Seq(args.vocab, 256, 3, 8, 512, 0.1)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    src = bench_ids(args.batch, args.length, args.vocab, 1)
    trg = bench_ids(args.batch, args.length, args.vocab, 2)

    def step():
        opt.zero_grad()
        logits = model(src, trg[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, args.vocab), trg[:, 1:].reshape(-1), ignore_index=0)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"threads": torch.get_num_threads(), "torch": torch.__version__, "ms": statistics.median(times), "stepsMs": [round(t, 1) for t in times]}))


if __name__ == "__main__":
    main()
