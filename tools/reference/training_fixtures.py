"""PyTorch fixtures for the shared trainer (audio_models::training).

Writes audio-models/tests/fixtures/training/torch_optim.json: the float32
parameter trajectories of torch.optim.Adam / AdamW / SGD (momentum,
dampening, weight decay, Nesterov) on the quadratic loss
`0.5 * sum(w^2) + sum(c * w)` from w0, ten steps each; the learning rates
of StepLR, CosineAnnealingLR (three periods) and ReduceLROnPlateau after
each `scheduler.step(...)`; and torch.nn.utils.clip_grad_norm_ on given
gradients. audio-models/tests/trainer.rs compares the Rust optimizers,
schedules and clipping with them.

    python tools/reference/training_fixtures.py      # torch 2.5.1
"""

import json
import pathlib

import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "audio-models" / "tests" / "fixtures" / "training"

W0 = [0.5, -1.0, 2.0]
C = [0.3, -0.2, 0.1]
STEPS = 10

OPTIMIZERS = [
    ("adam", dict(lr=0.05)),
    ("adam", dict(lr=0.05, weight_decay=0.1)),
    ("adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01)),
    ("adamw", dict(lr=0.05, weight_decay=0.1)),
    ("adamw", dict(lr=0.001)),
    ("sgd", dict(lr=0.1)),
    ("sgd", dict(lr=0.1, momentum=0.9)),
    ("sgd", dict(lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.05)),
    ("sgd", dict(lr=0.1, momentum=0.8, weight_decay=0.05, nesterov=True)),
]


def trajectory(kind, kwargs):
    w = torch.tensor(W0, dtype=torch.float32, requires_grad=True)
    c = torch.tensor(C, dtype=torch.float32)
    cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}[kind]
    opt = cls([w], foreach=False, **kwargs)
    out = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = 0.5 * (w * w).sum() + (c * w).sum()
        loss.backward()
        opt.step()
        out.append([float(v) for v in w.detach()])
    full = dict(kwargs)
    if "betas" in full:
        full["betas"] = list(full["betas"])
    # The defaults torch filled in, so the Rust side needs no guessing.
    group = opt.param_groups[0]
    for k in ("lr", "weight_decay", "eps", "momentum", "dampening", "nesterov"):
        if k in group:
            full.setdefault(k, group[k])
    if "betas" in group:
        full["betas"] = list(group["betas"])
    return {"kind": kind, "config": full, "steps": out}


def lrs(make, metrics):
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=make[0])
    sched = make[1](opt)
    out = []
    for m in metrics:
        opt.step()
        if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
            sched.step(m)
        else:
            sched.step()
        out.append(opt.param_groups[0]["lr"])
    return out


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    optimizers = [trajectory(k, kw) for k, kw in OPTIMIZERS]
    plateau_metrics = [1.0, 0.99995, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.4]
    schedules = {
        "step_lr": {"base_lr": 0.1, "step_size": 3, "gamma": 0.1,
                    "lrs": lrs((0.1, lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.1)), [0.0] * 9)},
        "cosine": {"base_lr": 0.1, "t_max": 5, "eta_min": 0.001,
                   "lrs": lrs((0.1, lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 5, 0.001)), [0.0] * 15)},
        "plateau": {"base_lr": 1.0, "patience": 2, "cooldown": 1, "factor": 0.1, "metrics": plateau_metrics,
                    "lrs": lrs((1.0, lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, patience=2, cooldown=1)),
                               plateau_metrics)},
        "plateau_umx": {"base_lr": 0.001, "patience": 3, "cooldown": 2, "factor": 0.3,
                        "metrics": [5.0, 4.0, 4.5, 4.2, 4.1, 4.3, 4.4, 4.6, 3.0, 3.1, 3.2, 3.3, 3.4, 3.5, 3.6, 3.7],
                        "lrs": lrs((0.001, lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(
                            o, factor=0.3, patience=3, cooldown=2)),
                            [5.0, 4.0, 4.5, 4.2, 4.1, 4.3, 4.4, 4.6, 3.0, 3.1, 3.2, 3.3, 3.4, 3.5, 3.6, 3.7])},
    }
    a = torch.tensor([3.0, -4.0], requires_grad=True)
    b = torch.tensor([[1.0, 2.0], [-2.0, 0.5]], requires_grad=True)
    a.grad = torch.tensor([3.0, -4.0])
    b.grad = torch.tensor([[1.0, 2.0], [-2.0, 0.5]])
    norm = torch.nn.utils.clip_grad_norm_([a, b], max_norm=2.0, foreach=False)
    clip = {"grads": [[3.0, -4.0], [1.0, 2.0, -2.0, 0.5]], "max_norm": 2.0, "total_norm": float(norm),
            "clipped": [[float(v) for v in a.grad.flatten()], [float(v) for v in b.grad.flatten()]]}
    doc = {"torch": torch.__version__, "w0": W0, "c": C, "optimizers": optimizers,
           "schedules": schedules, "clip_grad_norm": clip}
    (OUT / "torch_optim.json").write_text(json.dumps(doc, indent=1))
    print("wrote", OUT / "torch_optim.json")


if __name__ == "__main__":
    main()
