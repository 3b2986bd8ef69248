#!/usr/bin/env python
"""Fixtures for audio-models' WaveNet: a PyTorch WaveNet written out here
(van den Oord et al. 2016; the residual block of audio-nn's `WaveNetBlock`):

- `input`: Conv1d(Q, C, 1) on the one-hot μ-law classes;
- `blocks.{i}`: `dilated` Conv1d(C, 2C, 2, dilation 2^(i mod layers)) on the
  input left-padded by the dilation (causal), plus `cond` Conv1d(L, 2C, 1)
  of the local frames repeated `hop` times, plus `gcond` Linear(G, 2C) of
  the global embedding broadcast over time; `z = tanh(h[:C]) * sigmoid(h[C:])`;
  residual `x + res(z)` (Conv1d(C, C, 1)), skip `skip(z)` (Conv1d(C, S, 1));
- the skips summed, `post2(relu(post1(relu(sum))))` (1×1 convolutions),
  `global_embedding` an Embedding(classes, G).

With `mixtures: K` the input is the sample itself (Conv1d(1, C, 1)) and the
head gives 3K mixture parameters (r9y9's `wavenet_vocoder` with
`input_type="raw"`). With `upsample_scales` the local frames are upsampled
as r9y9's `UpsampleNetwork` (`upsample_activation="none"`,
`freq_axis_kernel_size=1`): per scale `s`, nearest interpolation by `s`
along time, then Conv2d(1, 1, (1, 2s+1), padding (0, s), bias=False),
`upsample.{i}`.

Random weights from `torch.manual_seed(0)`. Cases: `plain` (unconditioned),
`cond` (local mel-like frames and a global class) and `mol` (a mixture of
logistics with learned upsampling and a global class). Per case:
`<case>.pth` (state dict), `<case>_classes.npy` (batch, time) int64 (the
μ-law input) or `<case>_audio.npy` (batch, time) f32 (the raw input),
`<case>_local.npy` (batch, L, frames) f32, `<case>_global.npy` (batch,)
int64, `<case>_logits.npy` (batch, Q or 3K, time) f32, `<case>.json` the
`WaveNetConfig`.

Run (Python 3.11, torch 2.x, numpy):

    python tools/reference/wavenet_fixtures.py --out audio-models/tests/fixtures/wavenet
"""
import argparse
import json
import os

import numpy as np
import torch
import torch.nn.functional as F


class Block(torch.nn.Module):
    def __init__(self, c, s, d, local, gdim):
        super().__init__()
        self.d = d
        self.dilated = torch.nn.Conv1d(c, 2 * c, 2, dilation=d)
        self.cond = torch.nn.Conv1d(local, 2 * c, 1) if local else None
        self.gcond = torch.nn.Linear(gdim, 2 * c) if gdim else None
        self.res = torch.nn.Conv1d(c, c, 1)
        self.skip = torch.nn.Conv1d(c, s, 1)

    def forward(self, x, lc, g):
        h = self.dilated(F.pad(x, (self.d, 0)))
        if self.cond is not None:
            h = h + self.cond(lc)
        if self.gcond is not None:
            h = h + self.gcond(g).unsqueeze(2)
        c = x.shape[1]
        z = torch.tanh(h[:, :c]) * torch.sigmoid(h[:, c:])
        return x + self.res(z), self.skip(z)


class WaveNet(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        q, c, s = cfg["quantization_channels"], cfg["residual_channels"], cfg["skip_channels"]
        k = cfg.get("mixtures")
        self.cfg = cfg
        self.input = torch.nn.Conv1d(1 if k else q, c, 1)
        gdim = cfg["global_dim"] if cfg["global_classes"] else None
        n = cfg["stacks"] * cfg["layers_per_stack"]
        self.blocks = torch.nn.ModuleList(
            Block(c, s, 2 ** (i % cfg["layers_per_stack"]), cfg["local_channels"], gdim) for i in range(n))
        self.post1 = torch.nn.Conv1d(s, s, 1)
        self.post2 = torch.nn.Conv1d(s, 3 * k if k else q, 1)
        if cfg["global_classes"]:
            self.global_embedding = torch.nn.Embedding(cfg["global_classes"], cfg["global_dim"])
        scales = cfg.get("upsample_scales") or []
        if scales:
            self.upsample = torch.nn.ModuleList(
                torch.nn.Conv2d(1, 1, (1, 2 * sc + 1), padding=(0, sc), bias=False) for sc in scales)

    def upsample_local(self, local, t):
        scales = self.cfg.get("upsample_scales") or []
        if not scales:
            return local.repeat_interleave(self.cfg["local_hop"], dim=2)[:, :, :t]
        c = local.unsqueeze(1)
        for sc, conv in zip(scales, self.upsample):
            c = conv(F.interpolate(c, scale_factor=(1, sc), mode="nearest"))
        return c.squeeze(1)[:, :, :t]

    def forward(self, inputs, local=None, glob=None):
        q = self.cfg["quantization_channels"]
        t = inputs.shape[1]
        if self.cfg.get("mixtures"):
            x = self.input(inputs.unsqueeze(1))
        else:
            x = self.input(F.one_hot(inputs, q).float().transpose(1, 2))
        lc = None
        if local is not None:
            lc = self.upsample_local(local, t)
        g = self.global_embedding(glob) if glob is not None else None
        skips = 0
        for b in self.blocks:
            x, s = b(x, lc, g)
            skips = skips + s
        return self.post2(F.relu(self.post1(F.relu(skips))))


CASES = {
    "plain": dict(sample_rate=16000, quantization_channels=256, residual_channels=16, skip_channels=32,
                  layers_per_stack=5, stacks=2, local_channels=None, local_hop=4, global_classes=None,
                  global_dim=4),
    "cond": dict(sample_rate=16000, quantization_channels=256, residual_channels=12, skip_channels=24,
                 layers_per_stack=4, stacks=2, local_channels=8, local_hop=4, global_classes=3, global_dim=4),
    "mol": dict(sample_rate=16000, quantization_channels=65536, residual_channels=12, skip_channels=24,
                layers_per_stack=4, stacks=2, local_channels=8, local_hop=6, global_classes=3, global_dim=4,
                mixtures=4, upsample_scales=[3, 2]),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name, cfg in CASES.items():
        torch.manual_seed(0)
        net = WaveNet(cfg).eval()
        gen = torch.Generator().manual_seed(1)
        batch, t = 2, 160
        # A μ-law-coded random walk, like audio.
        steps = torch.randint(-6, 7, (batch, t), generator=gen)
        classes = (128 + steps.cumsum(1)).clamp(0, 255)
        local = torch.randn(batch, cfg["local_channels"] or 1, -(-t // cfg["local_hop"]), generator=gen)
        glob = torch.tensor([0, 2])
        if cfg.get("mixtures"):
            # A random walk in [-1, 1].
            inputs = (torch.randn(batch, t, generator=gen) * 0.05).cumsum(1).clamp(-1, 1)
        else:
            inputs = classes
        with torch.no_grad():
            logits = net(inputs, local if cfg["local_channels"] else None,
                         glob if cfg["global_classes"] else None)
        torch.save(net.state_dict(), os.path.join(args.out, f"{name}.pth"))
        if cfg.get("mixtures"):
            np.save(os.path.join(args.out, f"{name}_audio.npy"), inputs.numpy())
        else:
            np.save(os.path.join(args.out, f"{name}_classes.npy"), classes.numpy())
        np.save(os.path.join(args.out, f"{name}_local.npy"), local.numpy())
        np.save(os.path.join(args.out, f"{name}_global.npy"), glob.numpy())
        np.save(os.path.join(args.out, f"{name}_logits.npy"), logits.numpy())
        with open(os.path.join(args.out, f"{name}.json"), "w") as f:
            json.dump(cfg, f, indent=1)
        print(name, tuple(logits.shape), f"torch {torch.__version__}")


if __name__ == "__main__":
    main()
