#!/usr/bin/env python
"""Fixtures for audio-models' TCN effect model: micro-TCN's `TCNModel`
(Steinmetz & Reiss 2022, github.com/csteinmetz1/micro-tcn at commit
HEAD of 2022, `microtcn/tcn.py`, Apache-2.0), written out below from that
file's facts (the reference itself imports pytorch_lightning and
torchaudio, which are not needed for a forward pass):

- `FiLM`: `BatchNorm1d(affine=False)`, then `g * x + b` with
  `[g, b] = chunk(Linear(32, 2C)(cond), 2)`;
- `TCNBlock`: `conv1` valid dilated convolution without bias, FiLM (or
  `BatchNorm1d` without controls), `PReLU(C)`, residual `Conv1d(in, out,
  1, groups=in, bias=False)` cropped with `causal_crop` (which ends one
  sample before the last: `x[..., n-1-L : n-1]`) or `center_crop`;
- `TCNModel`: `gen = Linear(nparams,16) ReLU Linear(16,32) ReLU
  Linear(32,32) ReLU`, blocks of `channel_width` channels (or
  `in * channel_growth`), dilation `dilation_growth ** (n % stack_size)`,
  `output = Conv1d(C, noutputs, 1)`, `tanh`.

Cases (weights from `torch.manual_seed`, batch-norm running statistics
perturbed so the test sees them):

- `causal`: 4 blocks, kernel 5, dilation growth 4, width 8, 2 controls,
  batch 2; `causal.pth` (a state dict);
- `noncausal`: 3 blocks, kernel 3, dilation growth 3, channel growth 2,
  3 controls, batch 2; `noncausal.pth`;
- `bn`: no controls (batch norm with affine parameters), causal, 2 blocks;
- `utcn300`: the `uTCN-300-C` size (4 blocks, kernel 13, growth 10, width
  32), saved as micro-TCN's Lightning checkpoint holds it:
  `{"state_dict": ..., "hyper_parameters": {...}}` in `utcn300.ckpt`.

Per case: `<case>_x.npy` `(batch, ninputs, time)`, `<case>_p.npy`
`(batch, nparams)`, `<case>_y.npy` the eval-mode forward pass
`(batch, noutputs, time - rf + 1)`, `<case>.json` the arguments.

Run (Python 3.11, torch 2.x, numpy):

    python tools/reference/tcn_effect_fixtures.py --out audio-models/tests/fixtures/tcn_effect
"""
import argparse
import json
import os

import numpy as np
import torch


def center_crop(x, length):
    start = (x.shape[-1] - length) // 2
    return x[..., start:start + length]


def causal_crop(x, length):
    stop = x.shape[-1] - 1
    start = stop - length
    return x[..., start:stop]


class FiLM(torch.nn.Module):
    def __init__(self, num_features, cond_dim):
        super().__init__()
        self.bn = torch.nn.BatchNorm1d(num_features, affine=False)
        self.adaptor = torch.nn.Linear(cond_dim, num_features * 2)

    def forward(self, x, cond):
        g, b = torch.chunk(self.adaptor(cond), 2, dim=-1)
        return self.bn(x) * g.unsqueeze(-1) + b.unsqueeze(-1)


class TCNBlock(torch.nn.Module):
    def __init__(self, in_ch, out_ch, kernel_size, dilation, causal, conditional):
        super().__init__()
        self.causal = causal
        self.conditional = conditional
        self.conv1 = torch.nn.Conv1d(in_ch, out_ch, kernel_size, dilation=dilation, bias=False)
        if conditional:
            self.film = FiLM(out_ch, 32)
        else:
            self.bn = torch.nn.BatchNorm1d(out_ch)
        self.relu = torch.nn.PReLU(out_ch)
        self.res = torch.nn.Conv1d(in_ch, out_ch, 1, groups=in_ch, bias=False)

    def forward(self, x, p):
        x_in = x
        x = self.conv1(x)
        x = self.film(x, p) if self.conditional else self.bn(x)
        x = self.relu(x)
        r = self.res(x_in)
        crop = causal_crop if self.causal else center_crop
        return x + crop(r, x.shape[-1])


class TCNModel(torch.nn.Module):
    def __init__(self, nparams, ninputs=1, noutputs=1, nblocks=10, kernel_size=3,
                 dilation_growth=1, channel_growth=1, channel_width=32, stack_size=10,
                 causal=False):
        super().__init__()
        self.nparams = nparams
        if nparams > 0:
            self.gen = torch.nn.Sequential(
                torch.nn.Linear(nparams, 16), torch.nn.ReLU(),
                torch.nn.Linear(16, 32), torch.nn.ReLU(),
                torch.nn.Linear(32, 32), torch.nn.ReLU())
        self.blocks = torch.nn.ModuleList()
        out_ch = ninputs
        for n in range(nblocks):
            in_ch = out_ch if n > 0 else ninputs
            out_ch = in_ch * channel_growth if channel_growth > 1 else channel_width
            dilation = dilation_growth ** (n % stack_size)
            self.blocks.append(TCNBlock(in_ch, out_ch, kernel_size, dilation, causal, nparams > 0))
        self.output = torch.nn.Conv1d(out_ch, noutputs, kernel_size=1)

    def forward(self, x, p):
        cond = self.gen(p) if self.nparams > 0 else None
        for block in self.blocks:
            x = block(x, cond)
        return torch.tanh(self.output(x))


CASES = {
    "causal": dict(nparams=2, nblocks=4, kernel_size=5, dilation_growth=4, channel_width=8,
                   causal=True, batch=2, extra=500),
    "noncausal": dict(nparams=3, nblocks=3, kernel_size=3, dilation_growth=3, channel_growth=2,
                      causal=False, batch=2, extra=400),
    "bn": dict(nparams=0, nblocks=2, kernel_size=3, dilation_growth=2, channel_width=4,
               causal=True, batch=1, extra=200),
    "utcn300": dict(nparams=2, nblocks=4, kernel_size=13, dilation_growth=10, channel_width=32,
                    causal=True, batch=1, extra=2000),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for i, (name, case) in enumerate(CASES.items()):
        case = dict(case)
        batch, extra = case.pop("batch"), case.pop("extra")
        torch.manual_seed(100 + i)
        model = TCNModel(**case)
        with torch.no_grad():
            for mod in model.modules():
                if isinstance(mod, torch.nn.BatchNorm1d):
                    mod.running_mean.copy_(torch.randn_like(mod.running_mean) * 0.2)
                    mod.running_var.copy_(torch.rand_like(mod.running_var) + 0.5)
                    if mod.affine:
                        mod.weight.copy_(torch.randn_like(mod.weight) * 0.3 + 1)
                        mod.bias.copy_(torch.randn_like(mod.bias) * 0.1)
                if isinstance(mod, torch.nn.PReLU):
                    mod.weight.copy_(torch.rand_like(mod.weight) * 0.5)
        model.eval()
        k, d = case["kernel_size"], case["dilation_growth"]
        stack = case.get("stack_size", 10)
        rf = 1 + sum((k - 1) * d ** (n % stack) for n in range(case["nblocks"]))
        t = np.arange(rf + extra)
        x = 0.5 * np.sin(2 * np.pi * 220 * t / 44100) * np.exp(-t / (rf + extra))
        x = np.stack([x * (1 + 0.3 * b) for b in range(batch)])[:, None, :]
        x = x + 0.05 * np.random.default_rng(i).standard_normal(x.shape)
        x = torch.tensor(x, dtype=torch.float32)
        p = torch.rand(batch, max(case["nparams"], 0))
        with torch.no_grad():
            y = model(x, p)
        np.save(os.path.join(args.out, f"{name}_x.npy"), x.numpy())
        np.save(os.path.join(args.out, f"{name}_p.npy"), p.numpy())
        np.save(os.path.join(args.out, f"{name}_y.npy"), y.numpy())
        state = model.state_dict()
        if name == "utcn300":
            hp = dict(case, ninputs=1, noutputs=1, stack_size=10, channel_growth=1,
                      grouped=False, skip_connections=False, lr=3e-4)
            torch.save({"state_dict": state, "hyper_parameters": hp, "epoch": 0},
                       os.path.join(args.out, f"{name}.ckpt"))
        else:
            torch.save(state, os.path.join(args.out, f"{name}.pth"))
        with open(os.path.join(args.out, f"{name}.json"), "w") as f:
            json.dump(dict(case, receptive_field=rf), f, indent=1)
        print(name, "rf", rf, "x", tuple(x.shape), "y", tuple(y.shape))


if __name__ == "__main__":
    main()
