#!/usr/bin/env python
"""Fixtures for audio-models' DDSP control features (librosa 0.11.0):

- `a_weighting.npy`: `librosa.A_weighting(librosa.fft_frequencies(sr=16000,
  n_fft=1024), min_db=None)` (float64; bin 0 is -inf);
- `tone.wav`: 1.5 s at 16 kHz, 16-bit: a harmonic tone gliding from 220 to
  330 Hz with a fade in and out (written here);
- `tone_f0.npy`: `librosa.pyin(y, fmin=C2, fmax=C7, sr=16000,
  frame_length=1024, hop_length=128, fill_na=None)[0]`, the first
  `len(y) // 128` frames;
- `tone_loudness.npy`: DDSP's `compute_loudness` as audio_models::ddsp
  documents it: per centred hann frame of 1024 with hop 128 (librosa.stft),
  the mean over bins of max(10 log10(max(|S|^2, 1e-20)) + A(f) - 20.7, -80),
  the first `len(y) // 128` frames.

Run: python tools/reference/ddsp_fixtures.py --out audio-models/tests/fixtures/ddsp
"""
import argparse
import os

import librosa
import numpy as np
import soundfile as sf

SR, N_FFT, HOP = 16000, 1024, 128


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    freqs = librosa.fft_frequencies(sr=SR, n_fft=N_FFT)
    with np.errstate(divide="ignore"):
        aw = librosa.A_weighting(freqs, min_db=None)
    np.save(os.path.join(args.out, "a_weighting.npy"), aw)
    t = np.arange(int(1.5 * SR)) / SR
    f0 = 220 * (1.5 ** (t / t[-1]))
    phase = 2 * np.pi * np.cumsum(f0) / SR
    y = sum(np.sin(k * phase) * 0.5 ** k for k in range(1, 8))
    y *= np.minimum(1, np.minimum(t / 0.2, (t[-1] - t) / 0.2)) * 0.4
    path = os.path.join(args.out, "tone.wav")
    sf.write(path, y.astype(np.float32), SR, subtype="PCM_16")
    y, _ = librosa.load(path, sr=None)
    frames = len(y) // HOP
    f0_hat, _, _ = librosa.pyin(y, fmin=librosa.note_to_hz("C2"), fmax=librosa.note_to_hz("C7"), sr=SR,
                                frame_length=N_FFT, hop_length=HOP, fill_na=None)
    np.save(os.path.join(args.out, "tone_f0.npy"), f0_hat[:frames])
    power = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP)) ** 2
    with np.errstate(divide="ignore"):
        a = librosa.A_weighting(freqs, min_db=None)
    db = 10 * np.log10(np.maximum(power.astype(np.float64), 1e-20)) + a[:, None] - 20.7
    loud = np.maximum(db, -80.0).mean(axis=0)
    np.save(os.path.join(args.out, "tone_loudness.npy"), loud[:frames])
    print("wrote", args.out, frames, "frames")


if __name__ == "__main__":
    main()
