#!/usr/bin/env python3
"""PyTorch reference for `npm run bench` (bench/suites/training-step.ts): the same training steps
as numlab's, with the same shapes, optimizer and loss, in one process on the CPU.

  lstm: Embedding(maxValue+1, 128, padding_idx=maxValue) -> LSTM(128, 256, layers) ->
        Linear(256, 128) + ReLU -> Linear(128, maxValue); cross-entropy with ignore_index=maxValue
        over targets = rows[:, 1:] given inputs = rows[:, :-1]; Adam(lr 1e-3, eps 1e-8).
  mlp:  makemore MLP: C[27, 10], tanh(emb.flat @ W1 + b1) (hidden 200), @ W2 + b2; cross-entropy;
        plain SGD (lr 0.1).
  primer: the RNN primer's LSTM classifier (notebook 07): Embedding(10, 16) -> LSTM(16, 64) -> the
        last step's hidden state -> Linear(64, 10); cross-entropy; Adam (lr 0.01); batch 100 × 10.

Prints one JSON object: {"threads": n, "torch": version, "lstm": {"ms": median, "stepsMs": [...]},
"mlp": {...}, "primer": {...}} for the models in --config. Thread count: --threads (default 1) is
passed to torch.set_num_threads. Timing: median of --steps LSTM steps after --warmup steps
(--mlp-steps and --primer-steps for the small models, after 5), each step ending with loss.item().
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def bench_rows(batch, length, max_value):
    """Deterministic integer rows with trailing pads, built like the TypeScript side's."""
    rows = torch.full((batch, length), max_value, dtype=torch.long)
    for r in range(batch):
        n = length - (r * 7) % (length // 3)  # between 2/3 of the length and the full length
        for t in range(n):
            rows[r, t] = (r * 7919 + t * 104729 + r * t * 31) % max_value
    return rows


class LstmLm(nn.Module):
    def __init__(self, max_value, emb, hidden, layers, dense):
        super().__init__()
        self.embedding = nn.Embedding(max_value + 1, emb, padding_idx=max_value)
        self.lstm = nn.LSTM(emb, hidden, num_layers=layers, batch_first=True)
        self.dense = nn.Linear(hidden, dense)
        self.out = nn.Linear(dense, max_value)

    def forward(self, x):
        h, _ = self.lstm(self.embedding(x))
        return self.out(F.relu(self.dense(h)))


def time_steps(step, warmup, steps):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    return {"ms": statistics.median(times), "stepsMs": [round(t, 2) for t in times]}


def lstm_bench(cfg, warmup, steps):
    torch.manual_seed(0)
    v = cfg["maxValue"]
    model = LstmLm(v, cfg["embeddingDim"], cfg["hiddenSize"], cfg["numLayers"], cfg["denseSize"])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-8)
    rows = bench_rows(cfg["batchSize"], cfg["seqLen"], v)
    inputs, targets = rows[:, :-1], rows[:, 1:]

    def step():
        opt.zero_grad()
        logits = model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, v), targets.reshape(-1), ignore_index=v)
        loss.backward()
        opt.step()
        return loss.item()

    return time_steps(step, warmup, steps)


def mlp_bench(cfg, warmup, steps):
    g = torch.Generator().manual_seed(0)
    vocab, block, emb, hidden, batch = cfg["vocabSize"], cfg["blockSize"], cfg["embeddingDim"], cfg["hidden"], cfg["batchSize"]
    C = torch.randn((vocab, emb), generator=g)
    W1 = torch.randn((block * emb, hidden), generator=g) * (5 / 3) / (block * emb) ** 0.5
    b1 = torch.randn(hidden, generator=g) * 0.01
    W2 = torch.randn((hidden, vocab), generator=g) * 0.01
    b2 = torch.zeros(vocab)
    params = [C, W1, b1, W2, b2]
    for p in params:
        p.requires_grad = True
    opt = torch.optim.SGD(params, lr=0.1)
    n = 4096
    X = torch.randint(0, vocab, (n, block), generator=g)
    Y = torch.randint(0, vocab, (n,), generator=g)
    state = {"i": 0}

    def step():
        ix = torch.arange(state["i"], state["i"] + batch) % n
        state["i"] += batch
        embs = C[X[ix]]
        h = torch.tanh(embs.view(-1, block * emb) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Y[ix])
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return time_steps(step, warmup, steps)


class LstmClassifier(nn.Module):
    def __init__(self, vocab, emb, hidden, classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hidden, batch_first=True)
        self.out = nn.Linear(hidden, classes)

    def forward(self, x):
        h, _ = self.lstm(self.embedding(x))
        return self.out(h[:, -1])


def primer_bench(cfg, warmup, steps):
    """The RNN primer's LSTM classifier (notebook 07): digits → embedding → LSTM → last hidden state
    → linear → cross-entropy; Adam."""
    torch.manual_seed(0)
    vocab, length, batch = cfg["vocabSize"], cfg["length"], cfg["batchSize"]
    model = LstmClassifier(vocab, cfg["embeddingDim"], cfg["hidden"], vocab)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["learningRate"])
    g = torch.Generator().manual_seed(0)
    n = 5000
    X = torch.randint(0, vocab, (n, length), generator=g)
    Y = X[:, 3]
    state = {"i": 0}

    def step():
        ix = torch.arange(state["i"], state["i"] + batch) % n
        state["i"] += batch
        loss = F.cross_entropy(model(X[ix]), Y[ix])
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return time_steps(step, warmup, steps)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True, help="JSON with the lstm and mlp configurations")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=7)
    ap.add_argument("--mlp-steps", type=int, default=50)
    ap.add_argument("--primer-steps", type=int, default=100)
    args = ap.parse_args()
    cfg = json.loads(args.config)
    torch.set_num_threads(args.threads)
    out = {"threads": torch.get_num_threads(), "torch": torch.__version__}
    if "lstm" in cfg:
        out["lstm"] = lstm_bench(cfg["lstm"], args.warmup, args.steps)
    if "mlp" in cfg:
        out["mlp"] = mlp_bench(cfg["mlp"], 5, args.mlp_steps)
    if "primer" in cfg:
        out["primer"] = primer_bench(cfg["primer"], 5, args.primer_steps)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
