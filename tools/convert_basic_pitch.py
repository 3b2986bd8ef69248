"""Convert Basic Pitch's `nmp.onnx` (basic-pitch 0.4.0 wheel) to safetensors.

Reads the ONNX graph's initializers (the pretrained, batch-norm-folded
weights and the nnAudio CQT2010v2 constant kernels) and writes
`audio-models/weights/basic_pitch_icassp_2022.safetensors` with names
that mirror the network of `audio_models::basic_pitch`:

| name | shape | ONNX source |
|---|---|---|
| `cqt.kernel_real` | (36, 256) | real CQT basis of one octave (Conv whose output is not negated) |
| `cqt.kernel_imag` | (36, 256) | imaginary CQT basis (Conv followed by Neg) |
| `cqt.lowpass` | (256,) | the anti-aliasing lowpass of the octave downsampling (stride-2 Conv) |
| `cqt.bin_scale` | (309,) | per-bin `sqrt(lengths)` normalisation (Mul before the magnitude) |
| `log_norm.batch_norm.scale`, `.shift` | (1,) | the folded 1-channel BatchNormalization after the log normalisation |
| `contour.conv_0.weight/bias` | (8, 8, 3, 39) | Conv2D 3x39 + folded BatchNorm (ReLU after) |
| `contour.conv_1.weight/bias` | (1, 8, 5, 5) | Conv2D 5x5 to the contour posteriorgram (sigmoid) |
| `note.conv_0.weight/bias` | (32, 1, 7, 7) | Conv2D 7x7 stride (1, 3) (ReLU after) |
| `note.conv_1.weight/bias` | (1, 32, 7, 3) | Conv2D 7x3 to the note posteriorgram (sigmoid) |
| `onset.conv_0.weight/bias` | (32, 8, 5, 5) | Conv2D 5x5 stride (1, 3) + folded BatchNorm (ReLU after) |
| `onset.conv_1.weight/bias` | (1, 33, 3, 3) | Conv2D 3x3 over [note, onset features] (sigmoid) |

The model is Copyright 2022 Spotify AB, Apache-2.0 (see
`audio-models/weights/LICENSE-basic-pitch` and `NOTICE-basic-pitch`).

    /work/refenv/bin/python tools/convert_basic_pitch.py [path/to/nmp.onnx]
"""

import hashlib
import pathlib
import sys

import numpy as np
import onnx
from onnx import numpy_helper
from safetensors.numpy import save_file

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_ONNX = "/work/bp/wheel/basic_pitch/saved_models/icassp_2022/nmp.onnx"
OUT = ROOT / "audio-models" / "weights" / "basic_pitch_icassp_2022.safetensors"

CONV_NAMES = {
    (8, 8, 3, 39): "contour.conv_0",
    (1, 8, 5, 5): "contour.conv_1",
    (32, 1, 7, 7): "note.conv_0",
    (1, 32, 7, 3): "note.conv_1",
    (32, 8, 5, 5): "onset.conv_0",
    (1, 33, 3, 3): "onset.conv_1",
}


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_ONNX
    model = onnx.load(path)
    graph = model.graph
    inits = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    consumers = {}
    for node in graph.node:
        for x in node.input:
            consumers.setdefault(x, []).append(node)
    out = {}
    for node in graph.node:
        if node.op_type == "Conv":
            w = inits[node.input[1]]
            b = inits[node.input[2]]
            shape = tuple(w.shape)
            if shape in CONV_NAMES:
                name = CONV_NAMES[shape]
                out[f"{name}.weight"] = w.astype(np.float32)
                out[f"{name}.bias"] = b.astype(np.float32).reshape(-1)
            elif shape == (36, 1, 1, 256):
                negated = any(c.op_type == "Neg" for c in consumers[node.output[0]])
                key = "cqt.kernel_imag" if negated else "cqt.kernel_real"
                kernel = w.reshape(36, 256).astype(np.float32)
                if key in out:
                    assert np.array_equal(out[key], kernel)
                out[key] = kernel
                assert not np.any(b), "CQT convolutions have no bias"
            elif shape == (1, 1, 1, 256):
                out["cqt.lowpass"] = w.reshape(256).astype(np.float32)
            else:
                raise SystemExit(f"unexpected Conv weight shape {shape}")
        elif node.op_type == "Mul" and node.input[1] in inits and inits[node.input[1]].shape == (309, 1, 1):
            out["cqt.bin_scale"] = inits[node.input[1]].reshape(309).astype(np.float32)
    # The folded batch norm: Unsqueeze -> Mul(scale) -> Add(shift) before the harmonic stacking.
    for node in graph.node:
        if node.op_type == "Mul" and node.input[1] in inits and "batch_normalization/" in node.input[1]:
            out["log_norm.batch_norm.scale"] = inits[node.input[1]].reshape(1).astype(np.float32)
            add = consumers[node.output[0]][0]
            assert add.op_type == "Add"
            out["log_norm.batch_norm.shift"] = inits[add.input[1]].reshape(1).astype(np.float32)
    expected = {"cqt.kernel_real", "cqt.kernel_imag", "cqt.lowpass", "cqt.bin_scale",
                "log_norm.batch_norm.scale", "log_norm.batch_norm.shift"}
    expected |= {f"{n}.{p}" for n in CONV_NAMES.values() for p in ("weight", "bias")}
    assert set(out) == expected, sorted(set(out) ^ expected)
    sha = hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    save_file(
        {k: np.ascontiguousarray(v) for k, v in sorted(out.items())},
        str(OUT),
        metadata={
            "source": "basic-pitch 0.4.0 wheel, basic_pitch/saved_models/icassp_2022/nmp.onnx",
            "source_sha256": sha,
            "license": "Apache-2.0",
            "copyright": "Copyright 2022 Spotify AB",
        },
    )
    n = sum(v.size for k, v in out.items() if not k.startswith("cqt."))
    print(f"wrote {OUT} ({len(out)} tensors, {n} trained parameters)")


if __name__ == "__main__":
    main()
