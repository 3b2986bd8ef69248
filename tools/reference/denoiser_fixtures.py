#!/usr/bin/env python
"""Fixtures for audio-models' denoising autoencoders (seed 002):

1. The spectrogram front end, as the seed's preprocessing with librosa
   0.11.0: `librosa.load(path, sr=22050, duration=0.55)`, trimmed or
   zero-padded at the end to int(0.55 * 22050) = 12127 samples,
   `np.abs(librosa.stft(y, n_fft=512, hop_length=256))[:-1]`,
   `librosa.amplitude_to_db` (ref 1, amin 1e-5, top_db 80), min-max scaled.
   Inputs: two 16-bit 8 kHz WAVs written here (`long.wav`, 0.8 s, trimmed;
   `short.wav`, 0.3 s, padded): a gliding harmonic tone with vibrato plus
   seeded white noise. Outputs `<name>_db.npy` (256, 48) float32.

2. The network, a PyTorch module written out here with the key tree of
   `audio_models::denoiser::AutoencoderNet`: encoder `Conv2d(k, stride s,
   padding k//2)` -> ReLU -> BatchNorm2d per layer, flatten, Linear to the
   latent (`encoder.latent`, DCAE) or to `encoder.mu` and
   `encoder.log_var` (VAE); decoder Linear (`decoder.dense`), reshape, for
   layers n-1..1 `ConvTranspose2d(filters[i], k, s, padding k//2,
   output_padding s-1)` -> ReLU -> BatchNorm2d, a final
   `ConvTranspose2d(1, k0, s0, ...)` and a sigmoid. Random weights and
   random BatchNorm running statistics (torch.manual_seed(0)), eval mode.
   Cases: `vae` (filters [6, 4], kernel 3, strides 2, latent 5) and `dcae`
   (filters [4, 3, 3, 2], kernel 5, strides 1, 2, 2, 1, latent 3), both on
   (2, 1, 256, 48) inputs in [0, 1]. Per case: `<case>.pth` (state dict),
   `<case>.json` (the `DenoiserConfig`), `<case>_input.npy`,
   `<case>_mu.npy`, `<case>_log_var.npy` (VAE), `<case>_output.npy` (the
   reconstruction from mu); for the VAE also `<case>_eps.npy`,
   `<case>_target.npy`, `<case>_z_output.npy` (decoded from
   z = mu + exp(log_var/2) * eps) and `<case>_loss.npy`
   (50000 * MSE + KL per item, batch mean, with that z).

Run (Python 3.11, torch 2.x, librosa==0.11.0, soundfile):

    python tools/reference/denoiser_fixtures.py --out audio-models/tests/fixtures/denoiser
"""
import argparse
import json
import os

import librosa
import numpy as np
import soundfile as sf
import torch

SR, DURATION, N_FFT, HOP = 22050, 0.55, 512, 256


def front_end(path):
    y, _ = librosa.load(path, sr=SR, duration=DURATION)
    n = int(SR * DURATION)
    y = np.pad(y[:n], (0, max(0, n - len(y))))
    s = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP))[:-1]
    return librosa.amplitude_to_db(s)


def test_signal(seconds, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 8000)) / 8000
    f0 = 180 + 60 * t / seconds + 4 * np.sin(2 * np.pi * 5.5 * t)
    phase = 2 * np.pi * np.cumsum(f0) / 8000
    y = sum(np.sin(k * phase) / k for k in range(1, 12)) * np.hanning(len(t)) * 0.3
    return (y + 0.02 * rng.standard_normal(len(t))).astype(np.float32)


class Net(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        f, k, s, d = cfg["filters"], cfg["kernels"], cfg["strides"], cfg["latent_dim"]
        n = len(f)
        self.cfg = cfg
        self.encoder = torch.nn.Module()
        self.encoder.conv = torch.nn.ModuleList(
            [torch.nn.Conv2d(1 if i == 0 else f[i - 1], f[i], k[i], s[i], k[i] // 2) for i in range(n)])
        self.encoder.bn = torch.nn.ModuleList([torch.nn.BatchNorm2d(c) for c in f])
        down = int(np.prod(s))
        self.shape = (f[-1], 256 // down, 48 // down)
        flat = int(np.prod(self.shape))
        if cfg["kind"] == "vae":
            self.encoder.mu = torch.nn.Linear(flat, d)
            self.encoder.log_var = torch.nn.Linear(flat, d)
        else:
            self.encoder.latent = torch.nn.Linear(flat, d)
        self.decoder = torch.nn.Module()
        self.decoder.dense = torch.nn.Linear(d, flat)
        convs, bns, ch = [], [], f[-1]
        for i in range(n - 1, 0, -1):
            convs.append(torch.nn.ConvTranspose2d(ch, f[i], k[i], s[i], k[i] // 2, output_padding=s[i] - 1))
            bns.append(torch.nn.BatchNorm2d(f[i]))
            ch = f[i]
        self.decoder.conv = torch.nn.ModuleList(convs)
        self.decoder.bn = torch.nn.ModuleList(bns)
        self.decoder.output = torch.nn.ConvTranspose2d(ch, 1, k[0], s[0], k[0] // 2, output_padding=s[0] - 1)

    def encode(self, x):
        for conv, bn in zip(self.encoder.conv, self.encoder.bn):
            x = bn(torch.relu(conv(x)))
        x = x.flatten(1)
        if self.cfg["kind"] == "vae":
            return self.encoder.mu(x), self.encoder.log_var(x)
        return self.encoder.latent(x), None

    def decode(self, z):
        x = self.decoder.dense(z).reshape((z.shape[0],) + self.shape)
        for conv, bn in zip(self.decoder.conv, self.decoder.bn):
            x = bn(torch.relu(conv(x)))
        return torch.sigmoid(self.decoder.output(x))


SPECTROGRAM = {"sample_rate": SR, "duration": DURATION, "n_fft": N_FFT, "hop_length": HOP, "top_db": 80.0}
CASES = {
    "vae": {"kind": "vae", "filters": [6, 4], "kernels": [3, 3], "strides": [2, 2], "latent_dim": 5},
    "dcae": {"kind": "dcae", "filters": [4, 3, 3, 2], "kernels": [5] * 4, "strides": [1, 2, 2, 1], "latent_dim": 3},
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name, seconds, seed in [("long", 0.8, 1), ("short", 0.3, 2)]:
        path = os.path.join(args.out, f"{name}.wav")
        sf.write(path, test_signal(seconds, seed), 8000, subtype="PCM_16")
        np.save(os.path.join(args.out, f"{name}_db.npy"), front_end(path).astype(np.float32))
    torch.manual_seed(0)
    for name, case in CASES.items():
        cfg = dict(case, reconstruction_weight=50000.0, spectrogram=SPECTROGRAM)
        net = Net(cfg)
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.2, 0.2)
        net.eval()
        x = torch.rand(2, 1, 256, 48)
        with torch.no_grad():
            mu, log_var = net.encode(x)
            out = net.decode(mu)
        torch.save(net.state_dict(), os.path.join(args.out, f"{name}.pth"))
        with open(os.path.join(args.out, f"{name}.json"), "w") as fh:
            json.dump(cfg, fh, indent=1)
        save = lambda k, v: np.save(os.path.join(args.out, f"{name}_{k}.npy"), v.numpy().astype(np.float32))
        save("input", x)
        save("mu", mu)
        save("output", out)
        if log_var is not None:
            save("log_var", log_var)
            eps = torch.randn_like(mu)
            target = torch.rand_like(x)
            with torch.no_grad():
                z = mu + torch.exp(0.5 * log_var) * eps
                zo = net.decode(z)
                mse = ((zo - target) ** 2).flatten(1).mean(1)
                kl = -0.5 * (1 + log_var - mu ** 2 - log_var.exp()).sum(1)
                loss = (50000.0 * mse + kl).mean()
            save("eps", eps)
            save("target", target)
            save("z_output", zo)
            save("loss", loss.reshape(1))
    print("wrote", args.out)


if __name__ == "__main__":
    main()
