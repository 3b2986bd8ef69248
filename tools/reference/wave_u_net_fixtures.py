#!/usr/bin/env python
"""Fixtures for audio-models' Wave-U-Net (Stoller, Ewert & Dixon 2018), from
the authors' maintained PyTorch port, github.com/f90/Wave-U-Net-Pytorch at
commit 86c113da51540c94b01a91fbf17227f0e9c3c274 (MIT licence).

The reference's `model/` package is imported from a checkout given with
`--ref` (nothing of it is copied here). For each configuration below a
`Waveunet` is built with the reference's constructor, its weights are drawn
from `torch.manual_seed`, the GroupNorm/BatchNorm affine parameters and the
BatchNorm running statistics are perturbed (so the test sees them), and the
model is saved as the reference's `model/utils.py::save_model` writes a
checkpoint: `torch.save({'model_state_dict', 'optimizer_state_dict',
'state'})`, with an Adam optimizer's state after one step.

Per configuration `<name>`:

- `<name>.pth`: the checkpoint;
- `<name>.json`: the `train.py` arguments that built it, plus the
  reference's computed `shapes` (input_frames, output_frames,
  output_start_frame, output_end_frame);
- `<name>_input.npy` `(1, channels, input_frames)` and `<name>_<source>.npy`
  `(1, channels, output_frames)`: one eval-mode forward pass (predictions
  clamped to [-1, 1], as the reference does at test time);
- `<name>_song.npy` `(channels, n)` and `<name>_song_<source>.npy`: the
  reference's `test.py::predict` (zero padding, sliding windows of
  output_frames) over a signal 3.4 windows long.

Inputs are chords of partials plus noise, at most 0.6 in amplitude.

Run (Python 3.11, torch 2.x, numpy):

    git clone https://github.com/f90/Wave-U-Net-Pytorch /tmp/waveunet-ref
    (cd /tmp/waveunet-ref && git checkout 86c113da51540c94b01a91fbf17227f0e9c3c274)
    python tools/reference/wave_u_net_fixtures.py --ref /tmp/waveunet-ref \
        --out audio-models/tests/fixtures/wave_u_net
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

CONFIGS = {
    # separate models per source, GroupNorm, fixed sinc resampling (the
    # reference's defaults, scaled down)
    "gn_fixed_separate": dict(instruments=["bass", "drums"], channels=2, features=8, levels=3,
                              depth=1, kernel_size=5, strides=4, conv_type="gn", res="fixed",
                              separate=1, feature_growth="double", sr=8000, output_size=0.05),
    # one model for all sources, BatchNorm, learned (strided / transposed)
    # resampling. (depth > 1 cannot run in the reference: every
    # post-shortcut conv is fed the concatenation, but only the first is
    # built for it.)
    "bn_learned_joint": dict(instruments=["vocals", "accompaniment"], channels=1, features=8,
                             levels=4, depth=1, kernel_size=3, strides=2, conv_type="bn",
                             res="learned", separate=0, feature_growth="add", sr=8000,
                             output_size=0.03),
    # no normalisation (leaky ReLU), fixed resampling, three sources
    "normal_fixed_joint": dict(instruments=["bass", "drums", "other"], channels=2, features=4,
                               levels=3, depth=1, kernel_size=7, strides=3, conv_type="normal",
                               res="fixed", separate=0, feature_growth="double", sr=8000,
                               output_size=0.04),
}


def features(cfg):
    f, levels = cfg["features"], cfg["levels"]
    if cfg["feature_growth"] == "add":
        return [f * i for i in range(1, levels + 1)]
    return [f * 2 ** i for i in range(0, levels)]


def signal(channels, n, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 8000.0
    x = np.zeros((channels, n))
    for c in range(channels):
        for f0 in rng.uniform(60, 900, size=4):
            for k in range(1, 5):
                x[c] += 0.3 / k * np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6.28))
        x[c] += 0.05 * rng.standard_normal(n)
    return (0.6 * x / np.abs(x).max()).astype(np.float32)


def perturb(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, (torch.nn.GroupNorm, torch.nn.BatchNorm1d)):
                m.weight.copy_(1.0 + 0.2 * (torch.rand(m.weight.shape, generator=g) * 2 - 1))
                m.bias.copy_(0.1 * (torch.rand(m.bias.shape, generator=g) * 2 - 1))
            if isinstance(m, torch.nn.BatchNorm1d):
                m.running_mean.copy_(0.05 * (torch.rand(m.running_mean.shape, generator=g) * 2 - 1))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", required=True, help="a checkout of f90/Wave-U-Net-Pytorch")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    sys.path.insert(0, args.ref)
    # test.py imports museval, tqdm and the data helpers (librosa) at module
    # level; predict() uses none of them, so they are stubbed.
    import importlib.machinery
    import types
    for mod in ["museval", "tqdm", "data", "data.utils", "utils"]:
        stub = types.ModuleType(mod)
        stub.__spec__ = importlib.machinery.ModuleSpec(mod, None)
        sys.modules.setdefault(mod, stub)
    sys.modules["tqdm"].tqdm = lambda x, *a, **k: x
    from model.waveunet import Waveunet  # noqa: E402 (the reference)
    import test as ref_test  # noqa: E402 (the reference's predict)

    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    for i, (name, cfg) in enumerate(CONFIGS.items()):
        torch.manual_seed(100 + i)
        target = int(cfg["output_size"] * cfg["sr"])
        model = Waveunet(cfg["channels"], features(cfg), cfg["channels"], cfg["instruments"],
                         kernel_size=cfg["kernel_size"], target_output_size=target,
                         depth=cfg["depth"], strides=cfg["strides"], conv_type=cfg["conv_type"],
                         res=cfg["res"], separate=cfg["separate"])
        perturb(model, 200 + i)
        # One optimizer step in train mode, as a checkpoint written during training has.
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        shapes = model.shapes
        x = torch.from_numpy(signal(cfg["channels"], shapes["input_frames"], 300 + i)).unsqueeze(0)
        model.train()
        if cfg["separate"]:
            loss = sum(model(x, inst)[inst].abs().mean() for inst in cfg["instruments"])
        else:
            loss = sum(v.abs().mean() for v in model(x).values())
        opt.zero_grad()
        loss.backward()
        # The step would change the weights the fixture records; keep them by
        # stepping with lr 0 (the optimizer state is still written).
        for group in opt.param_groups:
            group["lr"] = 0.0
        opt.step()
        # BatchNorm's running statistics moved in the train-mode pass: reset them.
        perturb(model, 200 + i)
        model.eval()
        torch.save({"model_state_dict": model.state_dict(),
                    "optimizer_state_dict": opt.state_dict(),
                    "state": {"step": 1, "worse_epochs": 0, "epochs": 0, "best_loss": 1.0}},
                   os.path.join(args.out, f"{name}.pth"))
        meta = dict(cfg)
        meta["shapes"] = {k: int(v) for k, v in shapes.items()}
        meta["num_features"] = features(cfg)
        with open(os.path.join(args.out, f"{name}.json"), "w") as f:
            json.dump(meta, f, indent=1)
        np.save(os.path.join(args.out, f"{name}_input.npy"), x.numpy())
        with torch.no_grad():
            outs = ref_test.compute_model_output(model, x)
        for inst, y in outs.items():
            np.save(os.path.join(args.out, f"{name}_{inst}.npy"), y.numpy().astype(np.float32))
        n = int(shapes["output_frames"] * 3.4)
        song = signal(cfg["channels"], n, 400 + i)
        np.save(os.path.join(args.out, f"{name}_song.npy"), song)
        pred = ref_test.predict(song, model)
        for inst, y in pred.items():
            np.save(os.path.join(args.out, f"{name}_song_{inst}.npy"), y.astype(np.float32))
        print(name, shapes, {k: float(np.abs(v).max()) for k, v in pred.items()})


if __name__ == "__main__":
    main()
