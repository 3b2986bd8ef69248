#!/usr/bin/env python
"""Fixtures for audio-models' MelGAN (torch, librosa 0.11.0, safetensors).

The networks are those of the reference implementation
(descriptinc/melgan-neurips, `mel2wav/modules.py`, MIT), re-declared here
from its published structure: weight-normalised convolutions
(`torch.nn.utils.weight_norm`, so the state dict holds `weight_g` and
`weight_v`), the same `nn.Sequential` / `nn.ModuleDict` key tree. One
deliberate difference: the discriminator's layer after the strided ones
takes the last strided width as input (the reference passes the width
before it, which is equal only at its own sizes, 1024 and 1024), so small
sizes work.

Small random sizes (seeded): generator ngf=4, 2 residual blocks per stage,
ratios 8 8 2 2, 80 mels at 22.05 kHz; discriminators 3 x (ndf=8, 2 strided
layers, factor 4).

Writes:
- `generator.safetensors`: the generator's state dict (weight_g/weight_v);
- `discriminator.safetensors`: the discriminator's, weight norm removed
  (plain `weight`), keys as `Discriminator.state_dict()`;
- `signal.wav`: 1 s at 22.05 kHz, 16-bit (a chirp with harmonics and noise);
- `mel.npy`: `Audio2Mel` of the signal read back (float32, (80, frames));
- `audio.npy`: `Generator(mel)` (float32, (frames * 256,));
- `disc_{i}_{j}.npy`: layer j of discriminator i on the first 4096 samples
  of the signal;
- `losses.npy`: [hinge D loss, hinge G loss, feature matching] with the
  signal's first 4096 samples as real and the generated ones as fake,
  MelGAN's weights (feature weight 4 / (n_layers + 1) / num_D).

Run: python tools/reference/melgan_fixtures.py --out audio-models/tests/fixtures/melgan
"""
import argparse
import os

import librosa
import numpy as np
import soundfile as sf
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file
from torch.nn.utils import weight_norm, remove_weight_norm

SR, NGF, NRES, NMELS = 22050, 4, 2, 80
NUM_D, NDF, NLAYERS, FACTOR = 3, 8, 2, 4


def wn_conv(*a, **k):
    return weight_norm(nn.Conv1d(*a, **k))


def wn_convt(*a, **k):
    return weight_norm(nn.ConvTranspose1d(*a, **k))


class Audio2Mel(nn.Module):
    def __init__(self, n_fft=1024, hop=256, sr=SR, n_mels=NMELS):
        super().__init__()
        self.register_buffer("window", torch.hann_window(n_fft).float())
        basis = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=0.0, fmax=None)
        self.register_buffer("mel_basis", torch.from_numpy(basis).float())
        self.n_fft, self.hop = n_fft, hop

    def forward(self, audio):
        p = (self.n_fft - self.hop) // 2
        audio = F.pad(audio, (p, p), "reflect").squeeze(1)
        spec = torch.stft(audio, n_fft=self.n_fft, hop_length=self.hop, win_length=self.n_fft,
                          window=self.window, center=False, return_complex=True)
        mel = torch.matmul(self.mel_basis, spec.abs())
        return torch.log10(torch.clamp(mel, min=1e-5))


class ResnetBlock(nn.Module):
    def __init__(self, dim, dilation):
        super().__init__()
        self.block = nn.Sequential(nn.LeakyReLU(0.2), nn.ReflectionPad1d(dilation),
                                   wn_conv(dim, dim, kernel_size=3, dilation=dilation),
                                   nn.LeakyReLU(0.2), wn_conv(dim, dim, kernel_size=1))
        self.shortcut = wn_conv(dim, dim, kernel_size=1)

    def forward(self, x):
        return self.shortcut(x) + self.block(x)


class Generator(nn.Module):
    def __init__(self, input_size, ngf, n_res, ratios=(8, 8, 2, 2)):
        super().__init__()
        mult = 2 ** len(ratios)
        model = [nn.ReflectionPad1d(3), wn_conv(input_size, mult * ngf, kernel_size=7)]
        for r in ratios:
            model += [nn.LeakyReLU(0.2),
                      wn_convt(mult * ngf, mult * ngf // 2, kernel_size=2 * r, stride=r,
                               padding=r // 2 + r % 2, output_padding=r % 2)]
            model += [ResnetBlock(mult * ngf // 2, 3 ** j) for j in range(n_res)]
            mult //= 2
        model += [nn.LeakyReLU(0.2), nn.ReflectionPad1d(3), wn_conv(ngf, 1, kernel_size=7), nn.Tanh()]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x)


class NLayerDiscriminator(nn.Module):
    def __init__(self, ndf, n_layers, stride):
        super().__init__()
        model = nn.ModuleDict()
        model["layer_0"] = nn.Sequential(nn.ReflectionPad1d(7), wn_conv(1, ndf, kernel_size=15),
                                         nn.LeakyReLU(0.2, True))
        nf = ndf
        for n in range(1, n_layers + 1):
            prev, nf = nf, min(nf * stride, 1024)
            model[f"layer_{n}"] = nn.Sequential(
                wn_conv(prev, nf, kernel_size=stride * 10 + 1, stride=stride, padding=stride * 5,
                        groups=prev // 4), nn.LeakyReLU(0.2, True))
        last = min(nf * 2, 1024)
        model[f"layer_{n_layers + 1}"] = nn.Sequential(wn_conv(nf, last, kernel_size=5, padding=2),
                                                       nn.LeakyReLU(0.2, True))
        model[f"layer_{n_layers + 2}"] = wn_conv(last, 1, kernel_size=3, padding=1)
        self.model = model

    def forward(self, x):
        out = []
        for layer in self.model.values():
            x = layer(x)
            out.append(x)
        return out


class Discriminator(nn.Module):
    def __init__(self, num_d, ndf, n_layers, factor):
        super().__init__()
        self.model = nn.ModuleDict({f"disc_{i}": NLayerDiscriminator(ndf, n_layers, factor)
                                    for i in range(num_d)})
        self.downsample = nn.AvgPool1d(4, stride=2, padding=1, count_include_pad=False)

    def forward(self, x):
        out = []
        for disc in self.model.values():
            out.append(disc(x))
            x = self.downsample(x)
        return out


def randomise(module, gen):
    # Random weights of a realistic spread (weight_g not equal to ||v||).
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("weight_g"):
                p.copy_(torch.rand(p.shape, generator=gen) * 1.5 + 0.25)
            elif name.endswith("bias"):
                p.copy_((torch.rand(p.shape, generator=gen) - 0.5) * 0.2)
            else:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    t = np.arange(SR) / SR
    f0 = 110 * (4 ** t)
    phase = 2 * np.pi * np.cumsum(f0) / SR
    y = sum(np.sin(k * phase) * 0.5 ** k for k in range(1, 6)) * 0.4
    y += np.random.default_rng(0).normal(0, 0.01, len(y))
    path = os.path.join(args.out, "signal.wav")
    sf.write(path, y.astype(np.float32), SR, subtype="PCM_16")
    y, _ = sf.read(path, dtype="float32")
    x = torch.from_numpy(y)[None, None, :]
    mel = Audio2Mel()(x)
    np.save(os.path.join(args.out, "mel.npy"), mel[0].numpy().astype(np.float32))

    g = Generator(NMELS, NGF, NRES)
    randomise(g, gen)
    g.eval()
    with torch.no_grad():
        audio = g(mel)
    np.save(os.path.join(args.out, "audio.npy"), audio[0, 0].numpy().astype(np.float32))
    save_file({k: v.contiguous() for k, v in g.state_dict().items()},
              os.path.join(args.out, "generator.safetensors"))

    d = Discriminator(NUM_D, NDF, NLAYERS, FACTOR)
    randomise(d, gen)
    for m in d.modules():
        if isinstance(m, nn.Conv1d):
            remove_weight_norm(m)
    real = x[:, :, :4096]
    with torch.no_grad():
        fake = g(mel[:, :, :16])
        d_real, d_fake = d(real), d(fake)
    for i, scale in enumerate(d_real):
        for j, feat in enumerate(scale):
            np.save(os.path.join(args.out, f"disc_{i}_{j}.npy"), feat[0].numpy().astype(np.float32))
    loss_d = sum(F.relu(1 - r[-1]).mean() + F.relu(1 + f[-1]).mean() for r, f in zip(d_real, d_fake))
    loss_g = sum(-f[-1].mean() for f in d_fake)
    wt = 4.0 / (NLAYERS + 1) / NUM_D
    fm = sum(wt * F.l1_loss(f[j], r[j]) for r, f in zip(d_real, d_fake) for j in range(len(f) - 1))
    np.save(os.path.join(args.out, "losses.npy"), np.array([loss_d, loss_g, fm], dtype=np.float64))
    save_file({k: v.contiguous() for k, v in d.state_dict().items()},
              os.path.join(args.out, "discriminator.safetensors"))
    print("wrote", args.out, mel.shape, audio.shape)


if __name__ == "__main__":
    main()
