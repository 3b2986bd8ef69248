#!/usr/bin/env python
"""The Python twin of `cargo bench -p audio-models --bench wavenet`:
WaveNet generation at the default size (2 stacks of 10 layers, 64
residual and 128 skip channels, 256 classes; random weights), one thread.

- `incremental`: the fast algorithm in PyTorch (Paine et al. 2016; as in
  r9y9/wavenet_vocoder's `incremental_forward`): per layer a queue of past
  inputs, each new sample two matrix–vector products per layer;
- `window`: each sample a full forward pass over the last receptive field.

Prints samples per second (median of 5 runs).

Run: python tools/reference/bench_wavenet.py
"""
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
Q, C, S, LAYERS, STACKS = 256, 64, 128, 10, 2
N = STACKS * LAYERS
DIL = [2 ** (i % LAYERS) for i in range(N)]
RF = 1 + sum(DIL)

torch.manual_seed(0)
W_in = torch.randn(C, Q) * 0.1
b_in = torch.zeros(C)
W_dil = [torch.randn(2 * C, C, 2) * 0.1 for _ in range(N)]
b_dil = [torch.zeros(2 * C) for _ in range(N)]
W_res = [torch.randn(C, C) * 0.1 for _ in range(N)]
b_res = [torch.zeros(C) for _ in range(N)]
W_skip = [torch.randn(S, C) * 0.1 for _ in range(N)]
b_skip = [torch.zeros(S) for _ in range(N)]
W_p1, b_p1 = torch.randn(S, S) * 0.1, torch.zeros(S)
W_p2, b_p2 = torch.randn(Q, S) * 0.1, torch.zeros(Q)


@torch.no_grad()
def incremental(n):
    queues = [torch.zeros(d, C) for d in DIL]
    heads = [0] * N
    cls = Q // 2
    gen = torch.Generator().manual_seed(0)
    for _ in range(n):
        x = W_in[:, cls] + b_in
        skips = torch.zeros(S)
        for i in range(N):
            prev = queues[i][heads[i]].clone()
            queues[i][heads[i]] = x
            heads[i] = (heads[i] + 1) % DIL[i]
            h = F.linear(prev, W_dil[i][:, :, 0]) + F.linear(x, W_dil[i][:, :, 1], b_dil[i])
            z = torch.tanh(h[:C]) * torch.sigmoid(h[C:])
            skips = skips + F.linear(z, W_skip[i], b_skip[i])
            x = x + F.linear(z, W_res[i], b_res[i])
        logits = F.linear(F.relu(F.linear(F.relu(skips), W_p1, b_p1)), W_p2, b_p2)
        cls = int(torch.multinomial(torch.softmax(logits, 0), 1, generator=gen))


@torch.no_grad()
def window(n):
    history = [Q // 2] * RF
    for _ in range(n):
        x = F.one_hot(torch.tensor(history[-RF:]), Q).float().t().unsqueeze(0)
        x = F.conv1d(x, W_in.unsqueeze(2), b_in)
        skips = 0
        for i in range(N):
            h = F.conv1d(F.pad(x, (DIL[i], 0)), W_dil[i], b_dil[i], dilation=DIL[i])
            z = torch.tanh(h[:, :C]) * torch.sigmoid(h[:, C:])
            skips = skips + F.conv1d(z, W_skip[i].unsqueeze(2), b_skip[i])
            x = x + F.conv1d(z, W_res[i].unsqueeze(2), b_res[i])
        h = F.conv1d(F.relu(F.conv1d(F.relu(skips), W_p1.unsqueeze(2), b_p1)), W_p2.unsqueeze(2), b_p2)
        history.append(int(h[0, :, -1].argmax()))


def bench(f, n, runs=5):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        f(n)
        times.append(time.perf_counter() - t0)
    times.sort()
    return n / times[len(times) // 2]


print(f"torch {torch.__version__}, 1 thread, receptive field {RF}")
print(f"incremental: {bench(incremental, 1000):.0f} samples/s")
print(f"window:      {bench(window, 10):.1f} samples/s")
