#!/usr/bin/env python
"""Fixtures for audio-models' frame-window transcriber (seed 004):

- the log-mel front end as librosa computes it:
  `log(1e-6 + librosa.feature.melspectrogram(y, sr=22050, n_fft=2048,
  hop_length=512, n_mels=229, fmin=30.0))` (power, hann, centred,
  Slaney mel), transposed to `(frames, 229)`;
- the network as a PyTorch module: the standardised frames, the 7 frames
  centred on each frame (standardised silence, `log(1e-6)`, beyond the
  ends) flattened frame-major, `fc.{i}` Linear + ReLU for each hidden
  width, `out` Linear, sigmoid; random weights from `torch.manual_seed(0)`
  and a random per-band standardisation.

Files in OUT:
- `audio.npy` (samples,) f32: 2 s of decaying harmonic tones;
- `logmel.npy` (frames, 229) f32: librosa's log-mel;
- `probs.npy` (frames, 88) f32: the module's eval-mode probabilities;
- `frame_mlp.pth`: its state dict, with `scaler.mean` and `scaler.std`;
- `config.json`: the `FrameMlpConfig` (hidden widths 32, 32, 32, 32 so the
  file stays small; the front end is the seed's full size).

Run (Python 3.11, librosa 0.11.0, torch 2.x, numpy):

    python tools/reference/frame_mlp_fixtures.py --out audio-models/tests/fixtures/frame_mlp
"""
import argparse
import json
import os

import librosa
import numpy as np
import torch

SR, N_FFT, HOP, N_MELS, FMIN, CONTEXT = 22050, 2048, 512, 229, 30.0, 7
HIDDEN = [32, 32, 32, 32]
LOG_EPS = 1e-6


class FrameMlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        widths = [CONTEXT * N_MELS] + HIDDEN
        self.fc = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(widths, widths[1:]))
        self.out = torch.nn.Linear(widths[-1], 88)

    def forward(self, x):
        for layer in self.fc:
            x = torch.relu(layer(x))
        return self.out(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(0)
    n = 2 * SR
    t = np.arange(n) / SR
    y = np.zeros(n)
    for k, midi in enumerate([48, 55, 60, 64, 67, 72]):
        f0 = 440.0 * 2 ** ((midi - 69) / 12)
        start = int(0.25 * k * SR)
        tt = t[start:] - t[start]
        y[start:] += sum(np.sin(2 * np.pi * f0 * h * tt) / h for h in (1, 2, 3)) * 0.1 * np.exp(-2 * tt)
    y = (y + 1e-3 * rng.standard_normal(n)).astype(np.float32)
    mel = librosa.feature.melspectrogram(y=y, sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS, fmin=FMIN)
    logmel = np.log(LOG_EPS + mel).T.astype(np.float32)
    mean = (logmel.mean(0) + rng.normal(0, 0.5, N_MELS)).astype(np.float32)
    std = (logmel.std(0) * rng.uniform(0.8, 1.2, N_MELS) + 0.1).astype(np.float32)
    z = (logmel - mean) / std
    pad = (np.log(np.float32(LOG_EPS)) - mean) / std
    half = CONTEXT // 2
    padded = np.concatenate([np.tile(pad, (half, 1)), z, np.tile(pad, (half, 1))])
    windows = np.stack([padded[i:i + CONTEXT].reshape(-1) for i in range(z.shape[0])])
    torch.manual_seed(0)
    net = FrameMlp().eval()
    with torch.no_grad():
        probs = torch.sigmoid(net(torch.from_numpy(windows))).numpy()
    state = dict(net.state_dict())
    state["scaler.mean"] = torch.from_numpy(mean)
    state["scaler.std"] = torch.from_numpy(std)
    torch.save(state, os.path.join(args.out, "frame_mlp.pth"))
    np.save(os.path.join(args.out, "audio.npy"), y)
    np.save(os.path.join(args.out, "logmel.npy"), logmel)
    np.save(os.path.join(args.out, "probs.npy"), probs.astype(np.float32))
    config = {"sample_rate": SR, "n_fft": N_FFT, "hop_length": HOP, "n_mels": N_MELS, "fmin": FMIN,
              "fmax": None, "context": CONTEXT, "hidden": HIDDEN, "dropout": 0.2, "lowest_pitch": 21,
              "pitches": 88}
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    print(logmel.shape, probs.shape, f"librosa {librosa.__version__}, torch {torch.__version__}")


if __name__ == "__main__":
    main()
