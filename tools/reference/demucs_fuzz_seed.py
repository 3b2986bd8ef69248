"""The seed of the `demucs_th` fuzz target: a small random-weight
`demucs.demucs.Demucs` (mono, 2 sources, 1 layer of 16 channels, DConv with
LocalState and BLSTM, a top BLSTM) in the release format, under libFuzzer's
64 KiB input limit. Writes the path given (fuzz/seeds/demucs_th/tiny.th).
Pinned as demucs_fixtures.py.
"""
import io, sys, types
sys.modules.setdefault("torchaudio", types.ModuleType("torchaudio"))
import torch
from omegaconf import OmegaConf
from demucs.demucs import Demucs
from demucs.states import serialize_model
torch.manual_seed(0)
m = Demucs(["a", "b"], audio_channels=1, channels=16, depth=1, lstm_layers=1, norm_starts=0, norm_groups=2, dconv_depth=1,
           dconv_mode=3, dconv_attn=0, dconv_lstm=0, samplerate=4000, segment=1)
buf = io.BytesIO()
torch.save(serialize_model(m, OmegaConf.create({}), half=True), buf)
open(sys.argv[1], "wb").write(buf.getvalue())
print(len(buf.getvalue()))
