"""onnxruntime timings of Basic Pitch matching audio-models/benches/basic_pitch.rs.

60 s of audio (assets/audio/piano.wav repeated), windowed exactly as
`basic_pitch.inference.get_audio_input`, each window run through the wheel's
`nmp.onnx` by onnxruntime with one thread (`intra_op_num_threads=1`,
`inter_op_num_threads=1`), batch 1 as `run_inference` does; then the
Python note creation (`model_output_to_notes`, no pitch bends) on the
unwrapped output.

    /work/refenv/bin/python tools/reference/bench_basic_pitch.py

Prints the median of 10 runs (after 2 warm-up runs) in milliseconds.
"""

import os
import pathlib
import sys

import numpy as np
import onnxruntime as ort
import soundfile as sf

sys.path.insert(0, os.environ.get("BASIC_PITCH_WHEEL", "/work/bp/wheel"))
try:
    import resampy  # noqa: F401
except ImportError:
    import types

    sys.modules["resampy"] = types.ModuleType("resampy")
from basic_pitch import ICASSP_2022_MODEL_PATH  # noqa: E402
from basic_pitch import inference, note_creation  # noqa: E402
from timing import median_ms

ROOT = pathlib.Path(__file__).resolve().parents[2]
ONNX = str(pathlib.Path(ICASSP_2022_MODEL_PATH).with_suffix(".onnx"))


def setup():
    """The 60 s input's windows and the two timed stages (posteriorgrams, notes)."""
    one, sr = sf.read(ROOT / "assets" / "audio" / "piano.wav", dtype="float32")
    assert sr == 22050
    audio = np.resize(one, 60 * 22050).astype(np.float32)  # repeats, as the Rust bench
    overlap_len = 30 * 256
    hop = 43844 - overlap_len
    padded = np.concatenate([np.zeros(overlap_len // 2, dtype=np.float32), audio])
    windows = [w[None] for w, _ in inference.window_audio_file(padded, hop)]
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(ONNX, opts, providers=["CPUExecutionProvider"])
    names = ["StatefulPartitionedCall:1", "StatefulPartitionedCall:2", "StatefulPartitionedCall:0"]

    def posteriorgrams():
        out = {"note": [], "onset": [], "contour": []}
        for w in windows:
            for k, v in zip(["note", "onset", "contour"], sess.run(names, {"serving_default_input_2:0": w})):
                out[k].append(v)
        return {k: inference.unwrap_output(np.concatenate(v), len(audio), 30) for k, v in out.items()}

    post = posteriorgrams()

    def notes():
        o = {k: v.copy() for k, v in post.items()}
        return note_creation.model_output_to_notes(o, onset_thresh=0.5, frame_thresh=0.3, min_note_len=11,
                                                   include_pitch_bends=False)

    return audio, windows, post, posteriorgrams, notes


def _transcribe():
    _, _, _, posteriorgrams, notes = setup()

    def run():
        post = posteriorgrams()
        return note_creation.model_output_to_notes(post, onset_thresh=0.5, frame_thresh=0.3, min_note_len=11,
                                                   include_pitch_bends=False)

    return run


# For tools/bench/run.py: case name -> set-up (untimed) returning the timed call.
CASES = {"transcribe_60s": _transcribe}


def main():
    audio, windows, post, posteriorgrams, notes = setup()
    print(f"windows: {len(windows)}; frames: {post['note'].shape[0]}; notes: {len(notes()[1])}")
    t_post = median_ms(posteriorgrams)
    t_notes = median_ms(notes)
    print(f"onnxruntime posteriorgrams_60s: {t_post:.1f} ms")
    print(f"python note_creation_60s: {t_notes:.1f} ms")
    print(f"total transcribe_60s: {t_post + t_notes:.1f} ms")


if __name__ == "__main__":
    main()
