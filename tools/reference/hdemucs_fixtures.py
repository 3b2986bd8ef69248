"""Fixtures for audio-models' Hybrid Demucs: `demucs.hdemucs.HDemucs` (v3) and
`demucs.htdemucs.HTDemucs` (v4) of demucs 4.1.0, and a bag of models.

Writes `audio-models/tests/fixtures/hdemucs/`, from random weights saved as the
package saves a release (`demucs.states.serialize_model(..., half=True)`:
the pickled class, `args`, `kwargs`, float16 `state`), all at 4 kHz with
non-default hyperparameters:

- `ht_a.th`: HTDemucs, nfft 2048, depth 4 (no merge, as the release), 8
  channels, a 3-layer transformer (4 heads, hidden scale 2), GroupNorm from
  layer 2, DConv in encoder and decoder, encoder context 1, segment
  `Fraction(3, 2)`.
- `ht_b.th`: HTDemucs, nfft 1024, depth 4 (the last frequency layer merges
  with the time branch), bottom channels 16, post-norm transformer with
  GroupNorm, CAPE embedding, ReLU, cross-attention first, no LayerScale,
  integer segment 1.
- `hd_c.th`: HDemucs, nfft 1024, depth 5 (a time layer after the merge),
  4 channels, `channels_time` 8, DConv LocalState attention and BLSTM from layer 3,
  GroupNorm from layer 3, float segment 1.5.
- `hd_d.th`: HDemucs with `hybrid_old=True` (the MDX models' padding).
- `ht_s.th`: HTDemucs with the learned (`"scaled"`) positional embedding.
- `hd_e.th`: HDemucs with `hybrid=False` (spectrogram only; no `split`
  fixture, as the package fails on a last segment under nfft / 2).
- `bag/`: `bag.yaml` (models `aaaa1111` = ht_a and `cccc3333` = hd_c,
  per-source weights, `segment: 2`) and the two `.th` files.
- `mix.npy` (2.1 s stereo) and `mix_short.npy` (0.9 s, shorter than the
  HTDemucs segments).
- For each model `<name>_split.npy` (`apply_model(shifts=0, split=True,
  overlap=0.25)` on `mix`), `<name>_nosplit.npy` (`split=False`: on
  `mix_short` for HTDemucs, which refuses inputs longer than its segment,
  on `mix` for HDemucs); `ht_a_shifts.npy` with `shifts.json` (2 shifts
  after `random.seed(0)`, and the offsets `apply_model` drew); `bag_split.npy`.
- `ht_b_missing.th` (one key removed) and `ht_b_badshape.th` (one tensor
  reshaped), with `broken.json` naming the key and shapes.

The reference models are those `demucs.states.load_model` rebuilds from the
saved packages (float16 weights cast back to float32), as releases are used.

Pinned: demucs 4.1.0 (--no-deps), julius 0.2.8, einops, omegaconf, openunmix
1.3.0 (hdemucs imports its Wiener filter), torch (CPU, float32).
Run: python tools/reference/hdemucs_fixtures.py
"""

import io
import json
import os
import random
import sys
import types
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

if "torchaudio" not in sys.modules:
    try:
        import torchaudio  # noqa: F401
    except Exception:  # pragma: no cover - depends on the environment
        sys.modules["torchaudio"] = types.ModuleType("torchaudio")

from omegaconf import OmegaConf  # noqa: E402
from demucs.apply import apply_model  # noqa: E402
from demucs.hdemucs import HDemucs  # noqa: E402
from demucs.htdemucs import HTDemucs  # noqa: E402
from demucs.pretrained import get_model  # noqa: E402
from demucs.states import load_model, serialize_model  # noqa: E402

OUT = Path(__file__).resolve().parent.parent.parent / "audio-models" / "tests" / "fixtures" / "hdemucs"
SR = 4000
SOURCES = ["drums", "bass", "other", "vocals"]

COMMON = dict(audio_channels=2, channels=8, growth=2, samplerate=SR, dconv_mode=3,
              dconv_depth=2, context=1, rescale=0.1)

COMMON_HD = dict(COMMON, channels=4)

MODELS = {
    "ht_a": (HTDemucs, dict(COMMON, nfft=2048, depth=4, norm_starts=2, norm_groups=4,
                            dconv_comp=4, context_enc=1, freq_emb=0.2, emb_scale=10,
                            t_layers=3, t_heads=4, t_hidden_scale=2.0,
                            segment=Fraction(3, 2))),
    "ht_b": (HTDemucs, dict(COMMON, nfft=1024, depth=4, norm_starts=3, dconv_comp=2,
                            bottom_channels=16, t_layers=2, t_heads=2, t_hidden_scale=1.5,
                            t_norm_first=False, t_emb="cape", t_group_norm=True,
                            t_norm_in=False, t_norm_in_group=True, t_layer_scale=False,
                            t_gelu=False, t_cross_first=True, t_weight_pos_embed=0.5,
                            segment=1)),
    "hd_c": (HDemucs, dict(COMMON_HD, nfft=1024, depth=5, channels_time=8, norm_starts=3,
                           dconv_comp=4, dconv_attn=3, dconv_lstm=3, freq_emb=0.3,
                           segment=1.5)),
    "hd_d": (HDemucs, dict(COMMON_HD, nfft=1024, depth=5, hybrid_old=True, norm_starts=2,
                           dconv_mode=1, segment=1.5)),
    "hd_e": (HDemucs, dict(COMMON_HD, nfft=1024, depth=5, hybrid=False, norm_starts=2,
                           dconv_mode=2, segment=1.5)),
    "ht_s": (HTDemucs, dict(COMMON, nfft=1024, depth=4, dconv_comp=2, t_layers=2, t_heads=2,
                            t_emb="scaled", t_max_positions=40, segment=1)),
}


def package_bytes(model):
    package = serialize_model(model, OmegaConf.create({}), half=True)
    buf = io.BytesIO()
    torch.save(package, buf)
    return package, buf.getvalue()


def reload(data):
    ref = load_model(torch.load(io.BytesIO(data), map_location="cpu", weights_only=False))
    ref.eval()
    return ref


def make(name, seed):
    klass, kwargs = MODELS[name]
    torch.manual_seed(seed)
    model = klass(SOURCES, **kwargs)
    # Move every parameter off its initial value (LayerScale starts near 0,
    # norms at 1 and 0) so that each one is tested.
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    package, data = package_bytes(model)
    (OUT / f"{name}.th").write_bytes(data)
    return package, data, reload(data)


def save(name, tensor):
    np.save(OUT / f"{name}.npy", tensor.detach().numpy().astype(np.float32))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(11)

    def signal(seconds):
        n = int(seconds * SR)
        t = np.arange(n) / SR
        return np.stack([
            0.3 * np.sin(2 * np.pi * 220 * t) + 0.1 * rng.standard_normal(n),
            0.2 * np.sin(2 * np.pi * 330 * t + 0.5) + 0.1 * rng.standard_normal(n),
        ]).astype(np.float32)

    mix = signal(2.1)
    short = signal(0.9)
    np.save(OUT / "mix.npy", mix)
    np.save(OUT / "mix_short.npy", short)
    x = torch.from_numpy(mix)[None]
    xs = torch.from_numpy(short)[None]
    refs = {}
    packages = {}
    for seed, name in enumerate(MODELS):
        package, data, ref = make(name, 100 + seed)
        refs[name] = (ref, data)
        packages[name] = package
        with torch.no_grad():
            # The spectrogram-only model cannot take a last segment shorter
            # than nfft / 2 (the package's reflect padding fails).
            if name != "hd_e":
                save(f"{name}_split", apply_model(ref, x, shifts=0, split=True, overlap=0.25)[0])
            nosplit_in = xs if isinstance(ref, HTDemucs) else x
            save(f"{name}_nosplit", apply_model(ref, nosplit_in, shifts=0, split=False)[0])
        print(name, len(package["state"]), "tensors", package["kwargs"].get("segment"))

    ref_a = refs["ht_a"][0]
    # The offsets are the draws `apply_model` makes, recorded as it makes
    # them: HTDemucs's transformer also draws (`random.randrange(1)` for its
    # sinusoid shift) between segments, so a fresh replay of the seed
    # would not give them.
    offsets = []
    draw = random.randint

    def recording_randint(a, b):
        value = draw(a, b)
        offsets.append(value)
        return value

    random.seed(0)
    random.randint = recording_randint
    try:
        with torch.no_grad():
            save("ht_a_shifts", apply_model(ref_a, x, shifts=2, split=True, overlap=0.25)[0])
    finally:
        random.randint = draw
    with open(OUT / "shifts.json", "w") as f:
        json.dump({"offsets": offsets}, f)

    bag_dir = OUT / "bag"
    bag_dir.mkdir(exist_ok=True)
    (bag_dir / "aaaa1111.th").write_bytes(refs["ht_a"][1])
    (bag_dir / "cccc3333.th").write_bytes(refs["hd_c"][1])
    (bag_dir / "bag.yaml").write_text(
        "models: ['aaaa1111', 'cccc3333']\n"
        "weights: [\n  [1., 0.5, 0., 2.],\n  [1., 0.5, 1., 0.],\n]\n"
        "segment: 2\n")
    bag = get_model("bag", repo=bag_dir)
    with torch.no_grad():
        save("bag_split", apply_model(bag, x, shifts=0, split=True, overlap=0.25)[0])

    # Broken checkpoints: one key removed, one reshaped.
    package = packages["ht_b"]
    missing_key = "crosstransformer.layers.0.cross_attn.in_proj_weight"
    broken = dict(package)
    broken["state"] = {k: v for k, v in package["state"].items() if k != missing_key}
    buf = io.BytesIO()
    torch.save(broken, buf)
    (OUT / "ht_b_missing.th").write_bytes(buf.getvalue())
    bad_key = "encoder.1.conv.weight"
    good_shape = list(package["state"][bad_key].shape)
    bad = dict(package)
    bad["state"] = dict(package["state"])
    bad["state"][bad_key] = package["state"][bad_key].reshape(good_shape[0], -1, 1, 1)
    bad_shape = list(bad["state"][bad_key].shape)
    buf = io.BytesIO()
    torch.save(bad, buf)
    (OUT / "ht_b_badshape.th").write_bytes(buf.getvalue())
    with open(OUT / "broken.json", "w") as f:
        json.dump({"missing": missing_key,
                   "missing_shape": list(package["state"][missing_key].shape),
                   "bad": bad_key, "expected": good_shape, "got": bad_shape}, f)


if __name__ == "__main__":
    main()
