"""Parity fixtures for audio-nn, generated with PyTorch (CPU, float32).

Run:  /work/refenv/bin/python tools/reference/nn_fixtures.py

For each case `<case>` it writes into audio-nn/tests/fixtures/:
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

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "audio-nn", "tests", "fixtures")
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


def peephole_lstm(x, params, layers, bidir, h0, c0, hidden):
    """Reference LSTM with peephole connections (Gers & Schmidhuber 2000), written
    with torch ops: i, f see c_{t-1}, o sees c_t. Time-major input. With zero
    peephole weights it is torch.nn.LSTM (checked below)."""
    d = 2 if bidir else 1
    seq = x
    hs, cs = [], []
    for layer in range(layers):
        outs = []
        for k in range(d):
            sfx = "_reverse" if k == 1 else ""
            g = lambda n: params[f"{n}_l{layer}{sfx}"]
            h, c = h0[layer * d + k], c0[layer * d + k]
            steps = range(seq.shape[0] - 1, -1, -1) if k == 1 else range(seq.shape[0])
            ys = [None] * seq.shape[0]
            for t in steps:
                z = seq[t] @ g("weight_ih").T + g("bias_ih") + h @ g("weight_hh").T + g("bias_hh")
                zi, zf, zg, zo = z.chunk(4, dim=1)
                i = torch.sigmoid(zi + c * g("weight_ci"))
                f = torch.sigmoid(zf + c * g("weight_cf"))
                c = f * c + i * torch.tanh(zg)
                o = torch.sigmoid(zo + c * g("weight_co"))
                h = o * torch.tanh(c)
                ys[t] = h
            outs.append(torch.stack(ys))
            hs.append(h)
            cs.append(c)
        seq = torch.cat(outs, dim=2)
    return seq, torch.stack(hs), torch.stack(cs)


def peephole_case(case, seed, input_size, hidden, layers, bidir, batch, t_len):
    torch.manual_seed(seed)
    m = torch.nn.LSTM(input_size, hidden, num_layers=layers, bidirectional=bidir)
    randomise(m)
    d = 2 if bidir else 1
    params = {k: v.detach().clone() for k, v in m.state_dict().items()}
    for k in list(params):
        if k.startswith("weight_ih"):
            for gate in "ifo":
                params[k.replace("weight_ih", f"weight_c{gate}")] = torch.zeros(hidden)
    x = torch.randn(t_len, batch, input_size)
    h0 = torch.randn(layers * d, batch, hidden) * 0.5
    c0 = torch.randn(layers * d, batch, hidden) * 0.5
    # The reference with zero peepholes is torch.nn.LSTM.
    y_ref, _, _ = peephole_lstm(x, params, layers, bidir, h0, c0, hidden)
    y_torch, _ = m(x, (h0, c0))
    assert torch.allclose(y_ref, y_torch, atol=1e-5), "peephole reference != torch.nn.LSTM"
    for k in list(params):
        if k.startswith("weight_c"):
            params[k] = (torch.randn(hidden) * 0.5).requires_grad_(True)
    for k in params:
        params[k].requires_grad_(True)
    x.requires_grad_(True)
    y, hn, cn = peephole_lstm(x, params, layers, bidir, h0, c0, hidden)
    save_file({k: v.detach().contiguous() for k, v in params.items()}, os.path.join(OUT, f"{case}.safetensors"))
    for k, v in dict(x=x, h0=h0, c0=c0, y=y, hn=hn, cn=cn).items():
        npy(case, k, v)
    probe = torch.randn_like(y)
    (y * probe).sum().backward()
    npy(case, "probe", probe)
    npy(case, "grad_x", x.grad)
    save_file({k: v.grad.detach().contiguous() for k, v in params.items()},
              os.path.join(OUT, f"{case}_grads.safetensors"))


peephole_case("lstm_peephole", 6, 4, 5, 2, True, 2, 6)
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


# ---------------------------------------------------------------- norms
def bn_case(case, seed, shape, two_d):
    torch.manual_seed(seed)
    c = shape[1]
    m = (torch.nn.BatchNorm2d if two_d else torch.nn.BatchNorm1d)(c)
    with torch.no_grad():
        m.weight.copy_(torch.randn(c))
        m.bias.copy_(torch.randn(c))
        m.running_mean.copy_(torch.randn(c))
        m.running_var.copy_(torch.rand(c) + 0.5)
    weights(case, {k: v for k, v in m.state_dict().items() if k != "num_batches_tracked"})
    x1 = torch.randn(*shape) * 2 + 1
    x2 = torch.randn(*shape)
    m.eval()
    npy(case, "x1", x1)
    npy(case, "x2", x2)
    npy(case, "eval_y", m(x1))
    m.train()
    npy(case, "train_y1", m(x1))
    npy(case, "train_y2", m(x2))
    npy(case, "running_mean", m.running_mean)
    npy(case, "running_var", m.running_var)
    m.eval()
    npy(case, "eval_after", m(x1))


bn_case("bn1d", 30, (4, 3, 10), False)
bn_case("bn2d", 31, (2, 3, 4, 5), True)

torch.manual_seed(32)
gn = torch.nn.GroupNorm(2, 4)
randomise(gn)
x = torch.randn(3, 4, 9) * 3 + 2
weights("groupnorm", gn.state_dict())
npy("groupnorm", "x", x)
npy("groupnorm", "y", gn(x))

torch.manual_seed(33)
ln = torch.nn.LayerNorm([6])
randomise(ln)
x = torch.randn(2, 5, 6) * 3 + 1
weights("layernorm", ln.state_dict())
npy("layernorm", "x", x)
npy("layernorm", "y", ln(x))

torch.manual_seed(34)
inn = torch.nn.InstanceNorm1d(3, affine=True)
randomise(inn)
x = torch.randn(2, 3, 11) * 2 - 1
weights("instancenorm", inn.state_dict())
npy("instancenorm", "x", x)
npy("instancenorm", "y", inn(x))


# ---------------------------------------------------------------- activations, FiLM, SE
torch.manual_seed(40)
pr = torch.nn.PReLU(4)
randomise(pr)
x = torch.randn(2, 4, 7)
weights("prelu", pr.state_dict())
npy("prelu", "x", x)
npy("prelu", "y", pr(x))

torch.manual_seed(41)
x = torch.randn(2, 6, 5)
npy("gating", "x", x)
npy("gating", "glu", F.glu(x, dim=1))
npy("gating", "gated", torch.tanh(x[:, :3]) * torch.sigmoid(x[:, 3:]))


class FiLM(torch.nn.Module):
    """micro-TCN's FiLM (Steinmetz & Reiss): affine-free batch norm, then gamma * x + beta."""

    def __init__(self, num_features, cond_dim):
        super().__init__()
        self.num_features = num_features
        self.bn = torch.nn.BatchNorm1d(num_features, affine=False)
        self.adaptor = torch.nn.Linear(cond_dim, num_features * 2)

    def forward(self, x, cond):
        cond = self.adaptor(cond)
        g, b = torch.chunk(cond, 2, dim=-1)
        x = self.bn(x)
        return x * g.unsqueeze(-1) + b.unsqueeze(-1)


torch.manual_seed(42)
film = FiLM(4, 3)
randomise(film)
with torch.no_grad():
    film.bn.running_mean.copy_(torch.randn(4))
    film.bn.running_var.copy_(torch.rand(4) + 0.5)
film.eval()
x = torch.randn(2, 4, 8, requires_grad=True)
cond = torch.randn(2, 3, requires_grad=True)
y = film(x, cond)
weights("film", {k: v for k, v in film.state_dict().items() if "num_batches" not in k})
npy("film", "x", x)
npy("film", "cond", cond)
npy("film", "y", y)
probe = torch.randn_like(y)
(y * probe).sum().backward()
npy("film", "probe", probe)
npy("film", "grad_x", x.grad)
npy("film", "grad_cond", cond.grad)
grads("film", film.named_parameters())


class SE(torch.nn.Module):
    def __init__(self, c, hidden):
        super().__init__()
        self.fc1 = torch.nn.Linear(c, hidden)
        self.fc2 = torch.nn.Linear(hidden, c)

    def forward(self, x):
        s = x.mean(dim=2)
        s = torch.sigmoid(self.fc2(torch.relu(self.fc1(s))))
        return x * s.unsqueeze(-1)


torch.manual_seed(43)
se = SE(4, 8)
randomise(se)
x = torch.randn(2, 4, 6)
weights("se", se.state_dict())
npy("se", "x", x)
npy("se", "y", se(x))

torch.manual_seed(44)
mlp = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 32), torch.nn.ReLU(),
                          torch.nn.Linear(32, 32), torch.nn.ReLU())
x = torch.randn(3, 2)
weights("mlp", mlp.state_dict())
npy("mlp", "x", x)
npy("mlp", "y", mlp(x))


# ---------------------------------------------------------------- TCN and WaveNet blocks
def center_crop(x, length):
    start = (x.shape[-1] - length) // 2
    return x[..., start:start + length]


class TCNBlock(torch.nn.Module):
    """micro-TCN's TCNBlock (Steinmetz & Reiss 2022), conditional, not grouped;
    `causal=True` pads the input on the left instead of cropping the residual."""

    def __init__(self, in_ch, out_ch, kernel_size, dilation, cond_dim, causal):
        super().__init__()
        self.causal = causal
        self.pad = dilation * (kernel_size - 1)
        self.conv1 = torch.nn.Conv1d(in_ch, out_ch, kernel_size, dilation=dilation, bias=False)
        self.film = FiLM(out_ch, cond_dim)
        self.relu = torch.nn.PReLU(out_ch)
        self.res = torch.nn.Conv1d(in_ch, out_ch, 1, groups=in_ch, bias=False)

    def forward(self, x, p):
        x_in = x
        if self.causal:
            x = F.pad(x, (self.pad, 0))
        x = self.conv1(x)
        x = self.film(x, p)
        x = self.relu(x)
        x_res = self.res(x_in)
        return x + center_crop(x_res, x.shape[-1])


for case, causal in (("tcn_valid", False), ("tcn_causal", True)):
    torch.manual_seed(50 if causal else 51)
    blk = TCNBlock(2, 4, 3, 2, 3, causal)
    randomise(blk)
    with torch.no_grad():
        blk.film.bn.running_mean.copy_(torch.randn(4) * 0.3)
        blk.film.bn.running_var.copy_(torch.rand(4) + 0.5)
    blk.eval()
    x = torch.randn(2, 2, 20)
    p = torch.randn(2, 3)
    weights(case, {k: v for k, v in blk.state_dict().items() if "num_batches" not in k})
    npy(case, "x", x)
    npy(case, "cond", p)
    npy(case, "y", blk(x, p))


class WaveNetBlock(torch.nn.Module):
    def __init__(self, c, s, k, d, local, glob):
        super().__init__()
        self.pad = d * (k - 1)
        self.dilated = torch.nn.Conv1d(c, 2 * c, k, dilation=d)
        self.cond = torch.nn.Conv1d(local, 2 * c, 1)
        self.gcond = torch.nn.Linear(glob, 2 * c)
        self.res = torch.nn.Conv1d(c, c, 1)
        self.skip = torch.nn.Conv1d(c, s, 1)

    def forward(self, x, lc, gc):
        h = self.dilated(F.pad(x, (self.pad, 0))) + self.cond(lc) + self.gcond(gc).unsqueeze(-1)
        c = h.shape[1] // 2
        z = torch.tanh(h[:, :c]) * torch.sigmoid(h[:, c:])
        return x + self.res(z), self.skip(z)


torch.manual_seed(52)
wn = WaveNetBlock(3, 5, 2, 4, 2, 3)
randomise(wn)
x = torch.randn(2, 3, 25)
lc = torch.randn(2, 2, 25)
gc = torch.randn(2, 3)
r, sk = wn(x, lc, gc)
weights("wavenet", wn.state_dict())
for k, v in dict(x=x, local=lc, glob=gc, res=r, skip=sk).items():
    npy("wavenet", k, v)


# ---------------------------------------------------------------- U-Net helpers, SincConv
torch.manual_seed(60)
x = torch.randn(2, 3, 9)
npy("interp", "x", x)
npy("interp", "up_ac", F.interpolate(x, size=17, mode="linear", align_corners=True))
npy("interp", "up_noac", F.interpolate(x, size=20, mode="linear", align_corners=False))
npy("interp", "down_noac", F.interpolate(x, size=4, mode="linear", align_corners=False))


class SincConv_fast(torch.nn.Module):
    """SincNet's SincConv_fast (Ravanelli & Bengio, github.com/mravanelli/SincNet, MIT licence),
    forward pass as in the repository (in_channels=1, no bias)."""

    @staticmethod
    def to_mel(hz):
        return 2595 * np.log10(1 + hz / 700)

    @staticmethod
    def to_hz(mel):
        return 700 * (10 ** (mel / 2595) - 1)

    def __init__(self, out_channels, kernel_size, sample_rate=16000, stride=1, padding=0,
                 min_low_hz=50, min_band_hz=50):
        super().__init__()
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        if kernel_size % 2 == 0:
            self.kernel_size = self.kernel_size + 1
        self.stride, self.padding = stride, padding
        self.sample_rate = sample_rate
        self.min_low_hz = min_low_hz
        self.min_band_hz = min_band_hz
        low_hz = 30
        high_hz = self.sample_rate / 2 - (self.min_low_hz + self.min_band_hz)
        mel = np.linspace(self.to_mel(low_hz), self.to_mel(high_hz), self.out_channels + 1)
        hz = self.to_hz(mel)
        self.low_hz_ = torch.nn.Parameter(torch.Tensor(hz[:-1]).view(-1, 1))
        self.band_hz_ = torch.nn.Parameter(torch.Tensor(np.diff(hz)).view(-1, 1))
        n_lin = torch.linspace(0, (self.kernel_size / 2) - 1, steps=int((self.kernel_size / 2)))
        self.window_ = 0.54 - 0.46 * torch.cos(2 * math.pi * n_lin / self.kernel_size)
        n = (self.kernel_size - 1) / 2.0
        self.n_ = 2 * math.pi * torch.arange(-n, 0).view(1, -1) / self.sample_rate

    def forward(self, waveforms):
        low = self.min_low_hz + torch.abs(self.low_hz_)
        high = torch.clamp(low + self.min_band_hz + torch.abs(self.band_hz_), self.min_low_hz, self.sample_rate / 2)
        band = (high - low)[:, 0]
        f_times_t_low = torch.matmul(low, self.n_)
        f_times_t_high = torch.matmul(high, self.n_)
        band_pass_left = ((torch.sin(f_times_t_high) - torch.sin(f_times_t_low)) / (self.n_ / 2)) * self.window_
        band_pass_center = 2 * band.view(-1, 1)
        band_pass_right = torch.flip(band_pass_left, dims=[1])
        band_pass = torch.cat([band_pass_left, band_pass_center, band_pass_right], dim=1)
        band_pass = band_pass / (2 * band[:, None])
        self.filters = (band_pass).view(self.out_channels, 1, self.kernel_size)
        return F.conv1d(waveforms, self.filters, stride=self.stride, padding=self.padding)


torch.manual_seed(61)
sc = SincConv_fast(6, 50, sample_rate=16000, padding=3)
init_low, init_band = sc.low_hz_.detach().clone(), sc.band_hz_.detach().clone()
np.save(os.path.join(OUT, "sinc_init_low.npy"), init_low.numpy().astype(np.float32))
np.save(os.path.join(OUT, "sinc_init_band.npy"), init_band.numpy().astype(np.float32))
with torch.no_grad():
    sc.low_hz_.mul_(1 + 0.2 * torch.randn_like(sc.low_hz_))
    sc.band_hz_.mul_(1 + 0.2 * torch.randn_like(sc.band_hz_))
x = torch.randn(2, 1, 120)
weights("sinc", {"low_hz_": sc.low_hz_, "band_hz_": sc.band_hz_})
npy("sinc", "x", x)
npy("sinc", "y", sc(x))
npy("sinc", "filters", sc.filters)


# ---------------------------------------------------------------- STFT front end (librosa) and losses (auraloss)
import librosa  # noqa: E402
import soundfile as sf  # noqa: E402
import auraloss  # noqa: E402

piano, sr = sf.read(os.path.join(os.path.dirname(__file__), "..", "..", "assets", "audio", "piano.wav"), dtype="float32")
seg = np.ascontiguousarray(piano[22050 * 2: 22050 * 2 + 5000])  # 5000 samples of real piano, 2 s in
seg2 = np.ascontiguousarray(piano[22050 * 5: 22050 * 5 + 5000])
xs = np.stack([seg, seg2]).astype(np.float32)
np.save(os.path.join(OUT, "stft_x.npy"), xs)
for name, kw in (("stft_default", dict(n_fft=512, hop_length=128)),
                 ("stft_reflect_hamming", dict(n_fft=512, hop_length=100, win_length=400, window="hamming",
                                               pad_mode="reflect")),
                 ("stft_nocenter", dict(n_fft=256, hop_length=64, center=False))):
    S = librosa.stft(xs, **kw)
    np.save(os.path.join(OUT, f"{name}_re.npy"), S.real.astype(np.float32))
    np.save(os.path.join(OUT, f"{name}_im.npy"), S.imag.astype(np.float32))
    y = librosa.istft(S, length=xs.shape[1], **{k: v for k, v in kw.items() if k != "pad_mode"})
    np.save(os.path.join(OUT, f"{name}_istft.npy"), y.astype(np.float32))
M = librosa.feature.melspectrogram(y=xs, sr=22050, n_fft=512, hop_length=128, n_mels=40)
np.save(os.path.join(OUT, "stft_default_mel.npy"), M.astype(np.float32))
np.save(os.path.join(OUT, "stft_default_mel_db.npy"), librosa.power_to_db(M, top_db=80.0).astype(np.float32))

torch.manual_seed(70)
x = torch.randn(2, 1, 4096) * 0.3
y = (x + 0.1 * torch.randn(2, 1, 4096)).tanh()
x.requires_grad_(True)
mr = auraloss.freq.MultiResolutionSTFTLoss()
loss = mr(x, y)
loss.backward()
npy("mrstft", "x", x)
npy("mrstft", "y", y)
npy("mrstft", "loss", loss.reshape(1))
npy("mrstft", "grad_x", x.grad)
single = auraloss.freq.STFTLoss(fft_size=512, hop_size=128, win_length=400)
npy("mrstft", "single_loss", single(x, y).reshape(1))

torch.manual_seed(71)
a = torch.randn(3, 2, 50)
b = torch.randn(3, 2, 50)
npy("losses", "a", a)
npy("losses", "b", b)
probs = torch.rand(3, 2, 50)
npy("losses", "p", probs)
vals = {
    "mse": F.mse_loss(a, b),
    "l1": F.l1_loss(a, b),
    "bce": F.binary_cross_entropy_with_logits(a * 4, probs),
    "sisdr": auraloss.time.SISDRLoss()(a + 0.5 * b, a),
    "esr": auraloss.time.ESRLoss()(a + 0.3 * b, a),
    "kl": -0.5 * torch.sum(1 + b - a.pow(2) - b.exp()) / a.shape[0],
}
for k, v in vals.items():
    npy("losses", k, v.reshape(1))

print("nn fixtures written to", os.path.abspath(OUT))
