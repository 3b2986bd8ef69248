"""Parity fixtures for crates/audio-nn, generated with PyTorch (CPU, float32).

Run:  /work/refenv/bin/python tools/reference/nn_fixtures.py

For each case `<case>` it writes into crates/audio-nn/tests/fixtures/:
  <case>.safetensors        the layer's weights under PyTorch's state_dict names
  <case>_<array>.npy        inputs, outputs (float32)
  <case>_grads.safetensors  d loss / d weight (when gradients are checked)
Gradients are of `loss = sum(output * probe)` with a random `probe` saved as
`<case>_probe.npy`, so the Rust test rebuilds the same scalar.
Weights are random (fixed seeds); sizes are small to keep the fixtures small.
"""
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "audio-nn", "tests", "fixtures")
os.makedirs(OUT, exist_ok=True)
torch.set_num_threads(1)


def npy(case, name, t):
    np.save(os.path.join(OUT, f"{case}_{name}.npy"), t.detach().cpu().numpy().astype(np.float32))


def weights(case, sd):
    save_file({k: v.detach().contiguous().float() for k, v in sd.items()}, os.path.join(OUT, f"{case}.safetensors"))


def grads(case, named):
    save_file({k: v.grad.detach().contiguous().float() for k, v in named if v.grad is not None},
              os.path.join(OUT, f"{case}_grads.safetensors"))


def randomise(module, scale=0.5):
    """Replace every parameter/buffer with random values (non-trivial biases, stats)."""
    with torch.no_grad():
        for _, p in module.named_parameters():
            p.copy_(torch.randn_like(p) * scale)


# ---------------------------------------------------------------- recurrent
def lstm_case(case, seed, input_size, hidden, layers, bidir, batch_first, proj, batch, t_len, with_grad):
    torch.manual_seed(seed)
    m = torch.nn.LSTM(input_size, hidden, num_layers=layers, bidirectional=bidir,
                      batch_first=batch_first, proj_size=proj)
    randomise(m)
    d = 2 if bidir else 1
    p = proj if proj > 0 else hidden
    x = torch.randn((batch, t_len, input_size) if batch_first else (t_len, batch, input_size), requires_grad=True)
    h0 = torch.randn(layers * d, batch, p) * 0.5
    c0 = torch.randn(layers * d, batch, hidden) * 0.5
    y, (hn, cn) = m(x, (h0, c0))
    weights(case, m.state_dict())
    for k, v in dict(x=x, h0=h0, c0=c0, y=y, hn=hn, cn=cn).items():
        npy(case, k, v)
    if with_grad:
        probe = torch.randn_like(y)
        (y * probe).sum().backward()
        npy(case, "probe", probe)
        npy(case, "grad_x", x.grad)
        grads(case, m.named_parameters())


def gru_case(case, seed, input_size, hidden, layers, bidir, batch_first, batch, t_len, with_grad):
    torch.manual_seed(seed)
    m = torch.nn.GRU(input_size, hidden, num_layers=layers, bidirectional=bidir, batch_first=batch_first)
    randomise(m)
    d = 2 if bidir else 1
    x = torch.randn((batch, t_len, input_size) if batch_first else (t_len, batch, input_size), requires_grad=True)
    h0 = torch.randn(layers * d, batch, hidden) * 0.5
    y, hn = m(x, h0)
    weights(case, m.state_dict())
    for k, v in dict(x=x, h0=h0, y=y, hn=hn).items():
        npy(case, k, v)
    if with_grad:
        probe = torch.randn_like(y)
        (y * probe).sum().backward()
        npy(case, "probe", probe)
        npy(case, "grad_x", x.grad)
        grads(case, m.named_parameters())


lstm_case("lstm_bi3", 1, 5, 6, 3, True, False, 0, 2, 7, True)
lstm_case("lstm_proj", 2, 4, 6, 2, True, True, 3, 3, 5, True)
lstm_case("lstm_uni", 3, 3, 5, 2, False, True, 0, 2, 9, False)
gru_case("gru_bi2", 4, 5, 6, 2, True, False, 2, 7, True)
gru_case("gru_uni", 5, 3, 4, 1, False, True, 1, 6, False)


# ---------------------------------------------------------------- convolutions
def conv_case(case, seed, cin, cout, k, stride, dilation, groups, padding, pad_mode, bias, length, with_grad):
    """padding: 'valid' | 'same' | 'causal' | int."""
    torch.manual_seed(seed)
    torch_pad = 0 if padding in ("valid", "causal") else padding
    mode = {"zeros": "zeros", "reflect": "reflect", "replicate": "replicate", "circular": "circular"}[pad_mode]
    m = torch.nn.Conv1d(cin, cout, k, stride=stride, dilation=dilation, groups=groups, padding=torch_pad,
                        padding_mode=mode, bias=bias)
    x = torch.randn(2, cin, length, requires_grad=True)
    xin = F.pad(x, (dilation * (k - 1), 0)) if padding == "causal" else x
    y = m(xin)
    weights(case, m.state_dict())
    npy(case, "x", x)
    npy(case, "y", y)
    if with_grad:
        probe = torch.randn_like(y)
        (y * probe).sum().backward()
        npy(case, "probe", probe)
        npy(case, "grad_x", x.grad)
        grads(case, m.named_parameters())


conv_case("conv_causal_d2", 10, 3, 4, 3, 1, 2, 1, "causal", "zeros", True, 20, True)
conv_case("conv_same_g2", 11, 4, 6, 4, 1, 3, 2, "same", "zeros", True, 17, True)
conv_case("conv_valid_s2", 12, 2, 3, 5, 2, 1, 1, "valid", "zeros", False, 23, True)
conv_case("conv_explicit_reflect", 13, 2, 2, 3, 1, 1, 1, 2, "reflect", True, 12, False)
conv_case("conv_same_replicate", 14, 3, 3, 5, 1, 2, 3, "same", "replicate", True, 15, False)


def convt_case(case, seed, cin, cout, k, stride, padding, output_padding, dilation, groups, length, with_grad):
    torch.manual_seed(seed)
    m = torch.nn.ConvTranspose1d(cin, cout, k, stride=stride, padding=padding, output_padding=output_padding,
                                 dilation=dilation, groups=groups)
    x = torch.randn(2, cin, length, requires_grad=True)
    y = m(x)
    weights(case, m.state_dict())
    npy(case, "x", x)
    npy(case, "y", y)
    if with_grad:
        probe = torch.randn_like(y)
        (y * probe).sum().backward()
        npy(case, "probe", probe)
        npy(case, "grad_x", x.grad)
        grads(case, m.named_parameters())


convt_case("convt_s2", 20, 4, 3, 4, 2, 1, 0, 1, 1, 9, True)
convt_case("convt_g2_d2_op", 21, 4, 6, 3, 3, 2, 1, 2, 2, 7, True)
convt_case("convt_bigpad", 22, 2, 2, 2, 1, 3, 0, 1, 1, 10, False)

print("nn fixtures written to", os.path.abspath(OUT))
