#!/usr/bin/env python
"""Fixtures for audio-models' music-tagging networks: SampleCNN, SampleCNN+SE
and the short-chunk CNNs (plain and residual) of sota-music-tagging-models
(Won et al. 2020, github.com/minzwon/sota-music-tagging-models,
training/model.py and training/modules.py at commit 3abe8be7).

The PyTorch modules below restate that reference's architecture (layer
names, widths, kernel sizes, padding, pooling, the order of conv, BatchNorm,
ReLU and pooling, the SE and residual paths, the mel front end and the
heads), so their `state_dict` keys are the reference's own. The short-chunk
CNNs use torchaudio's `MelSpectrogram` and `AmplitudeToDB` with the
reference's arguments, as the reference does.

Weights. The full-size networks hold up to 13 M parameters, too many to
commit, so every float tensor of each `state_dict` is filled from a counter
hash that the Rust test reproduces bit for bit (`fill` below): splitmix64 of
(tensor index, element index), the top 24 bits as a float32 `u` in [0, 1),
then `(2u - 1) * scale + offset` in float32. Conv and linear weights get
`scale = sqrt(6/fan_in)` (He's uniform bound, so
activations keep their size through the depth), biases 0.1; BatchNorm weights 1 +- 0.2 and biases
+-0.1. `weights.json` lists each tensor's key, shape, scale and offset in
`state_dict` order. The BatchNorm running statistics then come from one
train-mode pass over the input, perturbed (`calibrate_batch_norm`), so that
activations keep their scale through the depth (with statistics made up
independently of the data, a deep network's outputs saturate or stop
depending on the input, and a parity test at 1e-4 would test little); they
are saved as `<arch>_running_stats.pth` and override the listed values.

Two small networks are also saved as real `.pth` state dicts
(`torch.save(model.state_dict())`, 8 channels), to test loading the
reference's files by their own key names.

Outputs (eval mode, float32, CPU):

- `input.npy`: two 59049-sample waveforms (3.69 s at 16 kHz, 2.68 s at
  22.05 kHz): chords of partials plus noise.
- `<arch>.npy`: the sigmoid outputs `(2, 50)` of each network on `input`.
- `short_chunk_mel_db.npy`: the front end's dB mel spectrogram `(2, 128,
  231)` before `spec_bn`.
- `short_chunk_small.pth`, `short_chunk_res_small.pth` and their outputs
  `short_chunk_small.npy`, `short_chunk_res_small.npy` (random weights by
  torch.manual_seed(0), BatchNorm statistics set as above).

Pinned: torch 2.15.0 (CPU), torchaudio 2.11.1 (installed with --no-deps;
its transforms are Python), numpy 2.4.6.
Run: python tools/reference/tagging_fixtures.py
"""

import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torchaudio

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "audio-models", "tests", "fixtures", "tagging")
N_CLASS = 50
LENGTH = 59049


class Conv_1d(nn.Module):
    def __init__(self, cin, cout, shape=3, stride=1, pooling=2):
        super().__init__()
        self.conv = nn.Conv1d(cin, cout, shape, stride=stride, padding=shape // 2)
        self.bn = nn.BatchNorm1d(cout)
        self.mp = nn.MaxPool1d(pooling)

    def forward(self, x):
        return self.mp(torch.relu(self.bn(self.conv(x))))


class ResSE_1d(nn.Module):
    def __init__(self, cin, cout, shape=3, stride=1, pooling=3):
        super().__init__()
        self.conv_1 = nn.Conv1d(cin, cout, shape, stride=stride, padding=shape // 2)
        self.bn_1 = nn.BatchNorm1d(cout)
        self.conv_2 = nn.Conv1d(cout, cout, shape, padding=shape // 2)
        self.bn_2 = nn.BatchNorm1d(cout)
        self.dense1 = nn.Linear(cout, cout)
        self.dense2 = nn.Linear(cout, cout)
        self.diff = stride != 1 or cin != cout
        if self.diff:
            self.conv_3 = nn.Conv1d(cin, cout, shape, stride=stride, padding=shape // 2)
            self.bn_3 = nn.BatchNorm1d(cout)
        self.mp = nn.MaxPool1d(pooling)

    def forward(self, x):
        out = self.bn_2(self.conv_2(torch.relu(self.bn_1(self.conv_1(x)))))
        se = out.mean(-1)
        se = torch.sigmoid(self.dense2(torch.relu(self.dense1(se)))).unsqueeze(-1)
        out = out * se
        if self.diff:
            x = self.bn_3(self.conv_3(x))
        return self.mp(torch.relu(x + out))


SAMPLE_LAYERS = [(1, 128, 3, 3, 1), (128, 128, 3, 1, 3), (128, 128, 3, 1, 3), (128, 256, 3, 1, 3),
                 (256, 256, 3, 1, 3), (256, 256, 3, 1, 3), (256, 256, 3, 1, 3), (256, 256, 3, 1, 3),
                 (256, 256, 3, 1, 3), (256, 512, 3, 1, 3), (512, 512, 1, 1, 1)]


class SampleCNN(nn.Module):
    def __init__(self, n_class=N_CLASS):
        super().__init__()
        for i, (a, b, k, s, p) in enumerate(SAMPLE_LAYERS):
            setattr(self, f"layer{i + 1}", Conv_1d(a, b, shape=k, stride=s, pooling=p))
        self.dense = nn.Linear(512, n_class)

    def forward(self, x):
        x = x.unsqueeze(1)
        for i in range(len(SAMPLE_LAYERS)):
            x = getattr(self, f"layer{i + 1}")(x)
        return torch.sigmoid(self.dense(x.squeeze(-1)))


class SampleCNNSE(nn.Module):
    def __init__(self, n_class=N_CLASS):
        super().__init__()
        for i, (a, b, k, s, p) in enumerate(SAMPLE_LAYERS):
            setattr(self, f"layer{i + 1}", ResSE_1d(a, b, shape=k, stride=s, pooling=p))
        self.dense1 = nn.Linear(512, 512)
        self.bn = nn.BatchNorm1d(512)
        self.dense2 = nn.Linear(512, n_class)

    def forward(self, x):
        x = x.unsqueeze(1)
        for i in range(len(SAMPLE_LAYERS)):
            x = getattr(self, f"layer{i + 1}")(x)
        x = torch.relu(self.bn(self.dense1(x.squeeze(-1))))
        return torch.sigmoid(self.dense2(x))


class Conv_2d(nn.Module):
    def __init__(self, cin, cout, shape=3, stride=1, pooling=2):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, shape, stride=stride, padding=shape // 2)
        self.bn = nn.BatchNorm2d(cout)
        self.mp = nn.MaxPool2d(pooling)

    def forward(self, x):
        return self.mp(torch.relu(self.bn(self.conv(x))))


class Res_2d(nn.Module):
    def __init__(self, cin, cout, shape=3, stride=2):
        super().__init__()
        self.conv_1 = nn.Conv2d(cin, cout, shape, stride=stride, padding=shape // 2)
        self.bn_1 = nn.BatchNorm2d(cout)
        self.conv_2 = nn.Conv2d(cout, cout, shape, padding=shape // 2)
        self.bn_2 = nn.BatchNorm2d(cout)
        self.diff = stride != 1 or cin != cout
        if self.diff:
            self.conv_3 = nn.Conv2d(cin, cout, shape, stride=stride, padding=shape // 2)
            self.bn_3 = nn.BatchNorm2d(cout)

    def forward(self, x):
        out = self.bn_2(self.conv_2(torch.relu(self.bn_1(self.conv_1(x)))))
        if self.diff:
            x = self.bn_3(self.conv_3(x))
        return torch.relu(x + out)


class ShortChunk(nn.Module):
    """ShortChunkCNN (residual=False) and ShortChunkCNN_Res (residual=True)."""

    def __init__(self, residual, n_channels=128, sample_rate=16000, n_fft=512, f_min=0.0, f_max=8000.0,
                 n_mels=128, n_class=N_CLASS):
        super().__init__()
        self.spec = torchaudio.transforms.MelSpectrogram(sample_rate=sample_rate, n_fft=n_fft, f_min=f_min,
                                                         f_max=f_max, n_mels=n_mels)
        self.to_db = torchaudio.transforms.AmplitudeToDB()
        self.spec_bn = nn.BatchNorm2d(1)
        c = n_channels
        widths = [(1, c), (c, c), (c, 2 * c), (2 * c, 2 * c), (2 * c, 2 * c), (2 * c, 2 * c), (2 * c, 4 * c)]
        for i, (a, b) in enumerate(widths):
            block = Res_2d(a, b, stride=2) if residual else Conv_2d(a, b, pooling=2)
            setattr(self, f"layer{i + 1}", block)
        self.dense1 = nn.Linear(4 * c, 4 * c)
        self.bn = nn.BatchNorm1d(4 * c)
        self.dense2 = nn.Linear(4 * c, n_class)

    def mel_db(self, x):
        return self.to_db(self.spec(x))

    def forward(self, x):
        x = self.spec_bn(self.mel_db(x).unsqueeze(1))
        for i in range(7):
            x = getattr(self, f"layer{i + 1}")(x)
        x = x.squeeze(2)
        if x.size(-1) != 1:
            x = nn.MaxPool1d(x.size(-1))(x)
        x = x.squeeze(2)
        x = torch.relu(self.bn(self.dense1(x)))
        return torch.sigmoid(self.dense2(x))


MASK = (1 << 64) - 1


def fill(index, shape, scale, offset):
    """splitmix64 of (index, element) -> float32 in [offset - scale, offset + scale)."""
    n = int(np.prod(shape)) if len(shape) else 1
    j = np.arange(1, n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = np.uint64((index + 1) * 0x9E3779B97F4A7C15 & MASK) + j * np.uint64(0xD1B54A32D192ED03)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float32) / np.float32(1 << 24)
    v = (u * np.float32(2) - np.float32(1)) * np.float32(scale) + np.float32(offset)
    return v.astype(np.float32).reshape(shape)


def init_params(model):
    """Fills every float tensor of the state dict; returns the JSON listing."""
    state = model.state_dict()
    listing = []
    index = 0
    for key, t in state.items():
        if not t.is_floating_point() or key.startswith("spec."):
            continue  # num_batches_tracked; torchaudio's window and mel buffers
        shape = list(t.shape)
        leaf = key.rsplit(".", 1)[-1]
        is_bn = ".bn" in ("." + key) or key.startswith("bn.") or "spec_bn" in key
        if leaf == "running_var":
            scale, offset = 0.25, 0.75
        elif leaf == "running_mean":
            scale, offset = 0.1, 0.0
        elif leaf == "weight" and is_bn:
            scale, offset = 0.2, 1.0
        elif leaf == "bias":
            scale, offset = 0.1, 0.0
        else:
            fan_in = int(np.prod(shape[1:]))
            scale, offset = float(np.float32(math.sqrt(6.0 / fan_in))), 0.0
        values = fill(index, shape, scale, offset)
        t.copy_(torch.from_numpy(values))
        listing.append({"key": key, "shape": shape, "index": index, "scale": scale, "offset": offset})
        index += 1
    return listing


def calibrate_batch_norm(model, x, index):
    """Running statistics from one train-mode pass over `x` (momentum 1: the
    batch mean and unbiased variance of every BatchNorm's input), then
    perturbed (variance x [0.75, 1.25), mean +- 0.1 standard deviations), so
    that eval-mode activations keep their scale through the depth while
    BatchNorm stays far from the identity."""
    bns = [m for m in model.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    for m in bns:
        m.momentum = 1.0
    model.train()
    model(x)
    model.eval()
    g = torch.Generator().manual_seed(100 + index)
    for m in bns:
        m.momentum = 0.1
        n = m.num_features
        std = m.running_var.sqrt()
        m.running_mean.add_(0.1 * std * (2 * torch.rand(n, generator=g) - 1))
        m.running_var.mul_(0.75 + 0.5 * torch.rand(n, generator=g))


def scale_head(model, x, listing):
    """Redraws the output layer's weight with the scale that gives logits of
    standard deviation about 2 on `x`, so the sigmoids are not saturated; the
    new scale goes into the listing."""
    head = model.dense if hasattr(model, "dense") else model.dense2
    seen = {}
    hook = head.register_forward_hook(lambda m, inp, out: seen.setdefault("x", inp[0]))
    model.eval()
    model(x)
    hook.remove()
    mean_square = float((seen["x"] ** 2).mean())
    fan_in = head.weight.shape[1]
    entry = next(e for e in listing if e["key"] == ("dense.weight" if hasattr(model, "dense") else "dense2.weight"))
    entry["scale"] = float(np.float32(math.sqrt(12.0 / (fan_in * mean_square))))
    head.weight.copy_(torch.from_numpy(fill(entry["index"], entry["shape"], entry["scale"], 0.0)))


def waveforms():
    rng = np.random.default_rng(3)
    t = np.arange(LENGTH) / 16000.0
    out = []
    for f0 in [220.0, 330.0]:
        x = sum(np.sin(2 * np.pi * f0 * h * t + rng.uniform(0, 6.3)) / h for h in range(1, 8))
        x = 0.2 * x + 0.02 * rng.standard_normal(LENGTH)
        out.append(x)
    return np.stack(out).astype(np.float32)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_grad_enabled(False)
    x = waveforms()
    np.save(os.path.join(OUT, "input.npy"), x)
    xt = torch.from_numpy(x)
    listings = {}
    for name, model in [("sample_cnn", SampleCNN()), ("sample_cnn_se", SampleCNNSE()),
                        ("short_chunk", ShortChunk(False)), ("short_chunk_res", ShortChunk(True))]:
        listings[name] = init_params(model)
        calibrate_batch_norm(model, xt, index=len(listings))
        scale_head(model, xt, listings[name])
        torch.save({k: v for k, v in model.state_dict().items() if "running_" in k},
                   os.path.join(OUT, f"{name}_running_stats.pth"))
        model.eval()
        y = model(xt).numpy()
        np.save(os.path.join(OUT, f"{name}.npy"), y)
        print(name, sum(p.numel() for p in model.parameters()), "unsaturated share",
              np.mean((y > 0.02) & (y < 0.98)), "input dependence", np.abs(y[0] - y[1]).max())
        if name == "short_chunk":
            np.save(os.path.join(OUT, "short_chunk_mel_db.npy"), model.mel_db(xt).numpy())
    with open(os.path.join(OUT, "weights.json"), "w") as f:
        json.dump(listings, f)
    for name, residual in [("short_chunk_small", False), ("short_chunk_res_small", True)]:
        torch.manual_seed(0)
        model = ShortChunk(residual, n_channels=8)
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                n = m.num_features
                m.running_mean.copy_(torch.linspace(-0.1, 0.1, n))
                m.running_var.copy_(torch.linspace(0.5, 1.0, n))
                m.weight.copy_(torch.linspace(0.8, 1.2, n))
                m.bias.copy_(torch.linspace(-0.1, 0.1, n))
        model.eval()
        torch.save(model.state_dict(), os.path.join(OUT, f"{name}.pth"))
        np.save(os.path.join(OUT, f"{name}.npy"), model(xt).numpy())


if __name__ == "__main__":
    main()
