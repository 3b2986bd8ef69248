"""PyTorch CPU timings matching audio-nn/benches/nn.rs (single thread).

Run:  /work/refenv/bin/python tools/reference/bench_nn.py
Prints the median time of each workload in milliseconds.
"""

import torch
import torch.nn.functional as F
from timing import median_ms

torch.set_num_threads(1)
torch.manual_seed(0)


class FiLM(torch.nn.Module):
    def __init__(self, num_features, cond_dim):
        super().__init__()
        self.bn = torch.nn.BatchNorm1d(num_features, affine=False)
        self.adaptor = torch.nn.Linear(cond_dim, num_features * 2)

    def forward(self, x, cond):
        g, b = torch.chunk(self.adaptor(cond), 2, dim=-1)
        return self.bn(x) * g.unsqueeze(-1) + b.unsqueeze(-1)


class TCNBlock(torch.nn.Module):
    def __init__(self, in_ch, out_ch, kernel_size, dilation, cond_dim):
        super().__init__()
        self.pad = dilation * (kernel_size - 1)
        self.conv1 = torch.nn.Conv1d(in_ch, out_ch, kernel_size, dilation=dilation, bias=False)
        self.film = FiLM(out_ch, cond_dim)
        self.relu = torch.nn.PReLU(out_ch)
        self.res = torch.nn.Conv1d(in_ch, out_ch, 1, groups=in_ch, bias=False)

    def forward(self, x, p):
        h = self.relu(self.film(self.conv1(F.pad(x, (self.pad, 0))), p))
        return h + self.res(x)


with torch.no_grad():
    lstm = torch.nn.LSTM(512, 512, num_layers=3, bidirectional=True).eval()
    x = torch.randn(256, 1, 512)
    print(f"bilstm_3x512_256frames: {median_ms(lambda: lstm(x)):.3f} ms")

    blocks = torch.nn.ModuleList(
        [TCNBlock(1 if i == 0 else 32, 32, 3, 2 ** i, 32) for i in range(10)]).eval()
    xa = torch.randn(1, 1, 44100)
    p = torch.randn(1, 32)

    def tcn():
        h = xa
        for b in blocks:
            h = b(h, p)
        return h

    print(f"tcn_10x32_1s_44k: {median_ms(tcn):.3f} ms")

    window = torch.hann_window(1024)
    xs = torch.randn(1, 44100)
    print(f"stft_1024_hop256_1s_44k: "
          f"{median_ms(lambda: torch.stft(xs, 1024, 256, 1024, window, return_complex=True), reps=50):.3f} ms")
