"""Fixtures for audio-models' Demucs (`demucs.demucs.Demucs` of demucs 4.1.0).

Writes `audio-models/tests/fixtures/demucs/`:

- `demucs_small.th`: a random-weight `demucs.demucs.Demucs` with non-default
  hyperparameters (3 layers, 8 channels, DConv branches in encoder and
  decoder with LocalState attention and chunked BLSTMs in the last layer, a
  top BLSTM, GroupNorm from layer 1, 8 kHz, 1 s segments), saved as the
  package saves a release: `demucs.states.serialize_model(..., half=True)`
  (the pickled class, `args`, `kwargs`, float16 `state`) and `torch.save`.
- `mix.npy`: a 1.7 s stereo float32 mixture (8 kHz).
- `forward.npy`: the model's `forward` on `mix` padded to its valid length,
  centre-trimmed.
- `split.npy`: `demucs.apply.apply_model(model, mix, shifts=0, split=True,
  overlap=0.25)`, `(sources, channels, samples)`.
- `nosplit.npy`: the same with `split=False`.
- `shifts.npy`, `shifts.json`: `shifts=2, split=True` after `random.seed(0)`,
  and the two offsets that Python's `random.randint(0, samplerate // 2)`
  draws from that seed (the Rust side takes them explicitly).
- `resample_up.npy` / `resample_down.npy`: `julius.resample_frac(x, 1, 2)`
  and `(x, 2, 1)` of the mixture's first channel.

The reference model is the one `demucs.states.load_model` rebuilds from the
saved package, so its weights are the float16 values cast back to float32,
as a release is used.

Pinned: demucs 4.1.0 (installed with --no-deps), julius 0.2.8, omegaconf 2.4.0, torch (CPU
inference, float32). Run: python tools/reference/demucs_fixtures.py
"""

import io
import json
import os
import random
import sys
import types

import numpy as np
import torch

# demucs.audio imports torchaudio at module load; the model code does not use it.
if "torchaudio" not in sys.modules:
    try:
        import torchaudio  # noqa: F401
    except Exception:  # pragma: no cover - depends on the environment
        sys.modules["torchaudio"] = types.ModuleType("torchaudio")

from omegaconf import OmegaConf  # noqa: E402
from demucs.apply import apply_model  # noqa: E402
from demucs.demucs import Demucs  # noqa: E402
from demucs.states import load_model, serialize_model  # noqa: E402
from demucs.utils import center_trim  # noqa: E402
import julius  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "audio-models", "tests", "fixtures", "demucs")
SR = 8000


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(1234)
    model = Demucs(
        ["drums", "bass", "other", "vocals"],
        audio_channels=2,
        channels=8,
        growth=2.0,
        depth=3,
        rewrite=True,
        lstm_layers=1,
        kernel_size=8,
        stride=4,
        context=1,
        gelu=True,
        glu=True,
        norm_starts=1,
        norm_groups=4,
        dconv_mode=3,
        dconv_depth=2,
        dconv_comp=4,
        dconv_attn=2,
        dconv_lstm=2,
        dconv_init=0.1,
        normalize=True,
        resample=True,
        rescale=0.1,
        samplerate=SR,
        segment=1,
    )
    # Move every parameter off its initial value (LayerScale starts at a
    # constant, GroupNorm at 1 and 0) so that each one is tested.
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    package = serialize_model(model, OmegaConf.create({}), half=True)
    buf = io.BytesIO()
    torch.save(package, buf)
    with open(os.path.join(OUT, "demucs_small.th"), "wb") as f:
        f.write(buf.getvalue())
    buf.seek(0)
    ref = load_model(torch.load(buf, map_location="cpu", weights_only=False))
    ref.eval()

    n = int(1.7 * SR)
    t = np.arange(n) / SR
    rng = np.random.default_rng(7)
    mix = np.stack([
        0.3 * np.sin(2 * np.pi * 220 * t) + 0.1 * rng.standard_normal(n),
        0.2 * np.sin(2 * np.pi * 330 * t + 0.5) + 0.1 * rng.standard_normal(n),
    ]).astype(np.float32)
    np.save(os.path.join(OUT, "mix.npy"), mix)
    x = torch.from_numpy(mix)[None]

    with torch.no_grad():
        valid = ref.valid_length(n)
        delta = valid - n
        padded = torch.nn.functional.pad(x, (delta // 2, delta - delta // 2))
        fwd = center_trim(ref(padded), n)[0]
        np.save(os.path.join(OUT, "forward.npy"), fwd.numpy().astype(np.float32))
        split = apply_model(ref, x, shifts=0, split=True, overlap=0.25)[0]
        np.save(os.path.join(OUT, "split.npy"), split.numpy().astype(np.float32))
        nosplit = apply_model(ref, x, shifts=0, split=False)[0]
        np.save(os.path.join(OUT, "nosplit.npy"), nosplit.numpy().astype(np.float32))
        max_shift = int(0.5 * SR)
        random.seed(0)
        offsets = [random.randint(0, max_shift) for _ in range(2)]
        random.seed(0)
        shifted = apply_model(ref, x, shifts=2, split=True, overlap=0.25)[0]
        np.save(os.path.join(OUT, "shifts.npy"), shifted.numpy().astype(np.float32))
        with open(os.path.join(OUT, "shifts.json"), "w") as f:
            json.dump({"offsets": offsets}, f)
        up = julius.resample_frac(x[0, 0], 1, 2)
        down = julius.resample_frac(x[0, 0], 2, 1)
        np.save(os.path.join(OUT, "resample_up.npy"), up.numpy().astype(np.float32))
        np.save(os.path.join(OUT, "resample_down.npy"), down.numpy().astype(np.float32))
    keys = {k: list(v.shape) for k, v in package["state"].items()}
    print(f"{len(keys)} tensors; valid length {valid} for {n}; "
          f"split max |y| {split.abs().max():.4f}, nosplit {nosplit.abs().max():.4f}")
    print(package["kwargs"])


if __name__ == "__main__":
    main()
