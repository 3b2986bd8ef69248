"""Python side of the audio-io block-processing measurement: the same work as
`cargo run --release -p audio-io --example block_convert -- IN OUT.wav`
(64 Ki-frame float32 blocks, per-channel peak and RMS, a 16-bit WAV copy),
with soundfile.

    /usr/bin/time -v /work/refenv/bin/python tools/reference/bench_io.py IN OUT.wav
"""

import sys

import numpy as np
import soundfile as sf

src, dst = sys.argv[1], sys.argv[2]
info = sf.info(src)
peak = np.zeros(info.channels)
energy = np.zeros(info.channels)
frames = 0
with sf.SoundFile(dst, "w", info.samplerate, info.channels, "PCM_16") as out:
    for block in sf.blocks(src, blocksize=65536, dtype="float32", always_2d=True):
        peak = np.maximum(peak, np.abs(block).max(axis=0))
        energy += (block.astype(np.float64) ** 2).sum(axis=0)
        out.write(block)
        frames += len(block)
print(frames, peak, np.sqrt(energy / frames))
