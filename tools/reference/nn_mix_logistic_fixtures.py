#!/usr/bin/env python
"""Fixtures for audio-nn's discretized mixture of logistics (torch).

The loss and the sampler are PixelCNN++'s as r9y9's `wavenet_vocoder`
(`wavenet_vocoder/mixture.py`, MIT) writes them for audio, re-declared here
from the published formulas: `discretized_mix_logistic_loss(y_hat, y,
num_classes, log_scale_min=-7, reduce=False)` and
`sample_from_discretized_mix_logistic(y, log_scale_min=-7)` with its
uniforms passed in.

Writes (float64 unless noted):
- `params.npy` (2, 9, 64) float32: three components, random logits, means
  in [-1.2, 1.2], log-scales in [-9, 0] (some below the -7 clamp);
- `target.npy` (2, 64) float32: samples of a 16-bit grid in [-1, 1], with
  both edges present;
- `nll.npy` (2, 64): the per-sample loss for 65536 bins;
- `nll_256.npy` (2, 64): the same for 256 bins;
- `grad.npy` (2, 9, 64): d mean(nll) / d params (65536 bins);
- `sample_params.npy` (5, 9), `sample_uniforms.npy` (5, 3),
  `sample_v.npy` (5,), `samples.npy` (5,): the sampler on given uniforms.

Run: python tools/reference/nn_mix_logistic_fixtures.py --out audio-nn/tests/fixtures/mix_logistic
"""
import argparse
import os

import numpy as np
import torch
import torch.nn.functional as F


def log_sum_exp(x):
    m, _ = torch.max(x, dim=-1)
    m2, _ = torch.max(x, dim=-1, keepdim=True)
    return m + torch.log(torch.sum(torch.exp(x - m2), dim=-1))


def loss(y_hat, y, num_classes, log_scale_min=-7.0):
    nr_mix = y_hat.size(1) // 3
    y_hat = y_hat.transpose(1, 2)
    logit_probs = y_hat[:, :, :nr_mix]
    means = y_hat[:, :, nr_mix:2 * nr_mix]
    log_scales = torch.clamp(y_hat[:, :, 2 * nr_mix:3 * nr_mix], min=log_scale_min)
    y = y.unsqueeze(-1).expand_as(means)
    centered = y - means
    inv_stdv = torch.exp(-log_scales)
    plus_in = inv_stdv * (centered + 1. / (num_classes - 1))
    cdf_plus = torch.sigmoid(plus_in)
    min_in = inv_stdv * (centered - 1. / (num_classes - 1))
    cdf_min = torch.sigmoid(min_in)
    log_cdf_plus = plus_in - F.softplus(plus_in)
    log_one_minus_cdf_min = -F.softplus(min_in)
    cdf_delta = cdf_plus - cdf_min
    mid_in = inv_stdv * centered
    log_pdf_mid = mid_in - log_scales - 2. * F.softplus(mid_in)
    inner_inner_cond = (cdf_delta > 1e-5).float()
    inner_inner_out = inner_inner_cond * torch.log(torch.clamp(cdf_delta, min=1e-12)) + \
        (1. - inner_inner_cond) * (log_pdf_mid - np.log((num_classes - 1) / 2))
    inner_cond = (y > 0.999).float()
    inner_out = inner_cond * log_one_minus_cdf_min + (1. - inner_cond) * inner_inner_out
    cond = (y < -0.999).float()
    log_probs = cond * log_cdf_plus + (1. - cond) * inner_out
    log_probs = log_probs + F.log_softmax(logit_probs, -1)
    return -log_sum_exp(log_probs)


def sample(params, uniforms, v, log_scale_min=-7.0):
    k = params.shape[-1] // 3
    u = np.clip(uniforms, 1e-5, 1 - 1e-5)
    idx = np.argmax(params[:, :k] - np.log(-np.log(u)), axis=-1)
    rows = np.arange(len(params))
    means = params[rows, k + idx]
    log_scales = np.maximum(params[rows, 2 * k + idx], log_scale_min)
    v = np.clip(v, 1e-5, 1 - 1e-5)
    x = means + np.exp(log_scales) * (np.log(v) - np.log(1 - v))
    return np.clip(x, -1, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(0)
    b, k, t = 2, 3, 64
    logits = rng.normal(0, 1.5, (b, k, t))
    means = rng.uniform(-1.2, 1.2, (b, k, t))
    log_scales = rng.uniform(-9, 0, (b, k, t))
    params = np.concatenate([logits, means, log_scales], axis=1).astype(np.float32)
    target = np.round(rng.uniform(-1.1, 1.1, (b, t)) * 32767.5) / 32767.5
    target = np.clip(target, -1, 1)
    target[0, :3] = [-1.0, 1.0, 0.0]
    target = target.astype(np.float32)
    p = torch.tensor(params, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(target, dtype=torch.float64)
    nll = loss(p, y, 65536)
    nll.mean().backward()
    np.save(os.path.join(args.out, "params.npy"), params)
    np.save(os.path.join(args.out, "target.npy"), target)
    np.save(os.path.join(args.out, "nll.npy"), nll.detach().numpy())
    np.save(os.path.join(args.out, "grad.npy"), p.grad.numpy())
    with torch.no_grad():
        np.save(os.path.join(args.out, "nll_256.npy"), loss(p, y, 256).numpy())
    sp = np.concatenate([rng.normal(0, 1, (5, k)), rng.uniform(-1, 1, (5, k)),
                         rng.uniform(-8, -1, (5, k))], axis=1).astype(np.float32)
    su = rng.uniform(0, 1, (5, k)).astype(np.float32)
    sv = rng.uniform(0, 1, 5).astype(np.float32)
    np.save(os.path.join(args.out, "sample_params.npy"), sp)
    np.save(os.path.join(args.out, "sample_uniforms.npy"), su)
    np.save(os.path.join(args.out, "sample_v.npy"), sv)
    np.save(os.path.join(args.out, "samples.npy"),
            sample(sp.astype(np.float64), su.astype(np.float64), sv.astype(np.float64)))
    print("wrote", args.out)


if __name__ == "__main__":
    main()
