//! The shared trainer: optimizers and schedules against PyTorch's formulas,
//! determinism for a seed, exact resume, early stopping, best checkpoints and
//! the epoch logs.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::collections::HashMap;
use std::path::PathBuf;

use audio_models::training::{
    load_checkpoint, load_weights, read_checkpoint_info, stack_pairs, Adam, AdamConfig, AdamW,
    CosineAnnealingLr, Dataset, LrScheduler, Optimizer, PlateauConfig, ReduceLrOnPlateau, Sgd,
    SgdConfig, StepLr, TensorDataset, TrainTask, Trainer, TrainerConfig, BEST_DIR, LAST_DIR,
    LOG_CSV, LOG_JSON,
};
use audio_models::Error;
use audio_nn::init::SeededVarMap;
use audio_nn::Linear;
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::VarMap;

fn tmp(tag: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("audio-models-trainer-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

// ---------------------------------------------------------------- optimizers

const W0: [f64; 3] = [0.5, -1.0, 2.0];
const C: [f64; 3] = [0.3, -0.2, 0.1];

/// Loss `0.5 * sum(w^2) + sum(c * w)`: gradient `w + c`.
fn grads_of(w: &Var) -> candle_core::backprop::GradStore {
    let c = Tensor::new(&[C[0] as f32, C[1] as f32, C[2] as f32], &Device::Cpu).unwrap();
    let t = w.as_tensor();
    let loss = ((t.sqr().unwrap().sum_all().unwrap() * 0.5).unwrap()
        + (t * &c).unwrap().sum_all().unwrap())
    .unwrap();
    loss.backward().unwrap()
}

fn new_var() -> Var {
    Var::new(&[W0[0] as f32, W0[1] as f32, W0[2] as f32], &Device::Cpu).unwrap()
}

fn values(w: &Var) -> Vec<f32> {
    w.as_tensor().to_vec1().unwrap()
}

fn assert_close(got: &[f32], want: &[f64], what: &str) {
    for (g, w) in got.iter().zip(want) {
        assert!(
            (f64::from(*g) - w).abs() <= 1e-5 * (1.0 + w.abs()),
            "{what}: got {got:?}, want {want:?}"
        );
    }
}

/// PyTorch's Adam / AdamW formulas in f64.
fn adam_expected(cfg: AdamConfig, decoupled: bool, steps: usize) -> Vec<Vec<f64>> {
    let mut p = W0.to_vec();
    let mut m = [0.0; 3];
    let mut v = [0.0; 3];
    let mut out = Vec::new();
    for t in 1..=steps {
        for i in 0..3 {
            let mut g = p[i] + C[i];
            if decoupled {
                p[i] *= 1.0 - cfg.lr * cfg.weight_decay;
            } else {
                g += cfg.weight_decay * p[i];
            }
            m[i] = cfg.beta1 * m[i] + (1.0 - cfg.beta1) * g;
            v[i] = cfg.beta2 * v[i] + (1.0 - cfg.beta2) * g * g;
            let bc1 = 1.0 - cfg.beta1.powi(t as i32);
            let bc2 = 1.0 - cfg.beta2.powi(t as i32);
            p[i] -= cfg.lr / bc1 * m[i] / (v[i].sqrt() / bc2.sqrt() + cfg.eps);
        }
        out.push(p.clone());
    }
    out
}

fn sgd_expected(cfg: SgdConfig, steps: usize) -> Vec<Vec<f64>> {
    let mut p = W0.to_vec();
    let mut b: Option<Vec<f64>> = None;
    let mut out = Vec::new();
    for _ in 0..steps {
        let mut g: Vec<f64> = (0..3)
            .map(|i| p[i] + C[i] + cfg.weight_decay * p[i])
            .collect();
        if cfg.momentum != 0.0 {
            let nb: Vec<f64> = match &b {
                None => g.clone(),
                Some(b) => (0..3)
                    .map(|i| cfg.momentum * b[i] + (1.0 - cfg.dampening) * g[i])
                    .collect(),
            };
            g = if cfg.nesterov {
                (0..3).map(|i| g[i] + cfg.momentum * nb[i]).collect()
            } else {
                nb.clone()
            };
            b = Some(nb);
        }
        for i in 0..3 {
            p[i] -= cfg.lr * g[i];
        }
        out.push(p.clone());
    }
    out
}

fn check_optimizer(mut opt: Box<dyn Optimizer>, w: &Var, expected: &[Vec<f64>], what: &str) {
    for (step, want) in expected.iter().enumerate() {
        opt.step(&grads_of(w)).unwrap();
        assert_close(&values(w), want, &format!("{what} step {}", step + 1));
    }
}

#[test]
fn adam_matches_pytorch_formulas() {
    for wd in [0.0, 0.1] {
        let cfg = AdamConfig {
            lr: 0.05,
            weight_decay: wd,
            ..Default::default()
        };
        let w = new_var();
        let opt = Adam::new(vec![("w".into(), w.clone())], cfg).unwrap();
        check_optimizer(Box::new(opt), &w, &adam_expected(cfg, false, 3), "adam");
    }
}

#[test]
fn adamw_matches_pytorch_formulas() {
    let cfg = AdamConfig {
        lr: 0.05,
        weight_decay: 0.1,
        ..AdamConfig::adamw()
    };
    let w = new_var();
    let opt = AdamW::new(vec![("w".into(), w.clone())], cfg).unwrap();
    check_optimizer(Box::new(opt), &w, &adam_expected(cfg, true, 3), "adamw");
    assert_eq!(AdamConfig::adamw().weight_decay, 0.01);
}

#[test]
fn sgd_matches_pytorch_formulas() {
    let configs = [
        SgdConfig {
            lr: 0.1,
            ..Default::default()
        },
        SgdConfig {
            lr: 0.1,
            momentum: 0.9,
            ..Default::default()
        },
        SgdConfig {
            lr: 0.1,
            momentum: 0.9,
            dampening: 0.2,
            weight_decay: 0.05,
            nesterov: false,
        },
        SgdConfig {
            lr: 0.1,
            momentum: 0.8,
            dampening: 0.0,
            weight_decay: 0.05,
            nesterov: true,
        },
    ];
    for cfg in configs {
        let w = new_var();
        let opt = Sgd::new(vec![("w".into(), w.clone())], cfg).unwrap();
        check_optimizer(
            Box::new(opt),
            &w,
            &sgd_expected(cfg, 3),
            &format!("{cfg:?}"),
        );
    }
    // Nesterov needs momentum and no dampening, as in PyTorch.
    let bad = SgdConfig {
        nesterov: true,
        ..Default::default()
    };
    assert!(matches!(
        Sgd::new(vec![("w".into(), new_var())], bad),
        Err(Error::InvalidParameter {
            name: "nesterov",
            ..
        })
    ));
}

#[test]
fn optimizer_state_round_trips_exactly() {
    type Make = fn(Var) -> Box<dyn Optimizer>;
    let makers: [Make; 3] = [
        |w| {
            Box::new(
                Adam::new(
                    vec![("w".into(), w)],
                    AdamConfig {
                        lr: 0.05,
                        ..Default::default()
                    },
                )
                .unwrap(),
            )
        },
        |w| Box::new(AdamW::new(vec![("w".into(), w)], AdamConfig::adamw()).unwrap()),
        |w| {
            let cfg = SgdConfig {
                lr: 0.1,
                momentum: 0.9,
                ..Default::default()
            };
            Box::new(Sgd::new(vec![("w".into(), w)], cfg).unwrap())
        },
    ];
    for make in makers {
        let a = new_var();
        let mut opt_a = make(a.clone());
        for _ in 0..2 {
            opt_a.step(&grads_of(&a)).unwrap();
        }
        let state = opt_a.state().unwrap();
        assert!(!state.is_empty());
        // A fresh optimizer on a copy of the weights, given the state.
        let b = Var::from_tensor(&a.as_tensor().copy().unwrap()).unwrap();
        let mut opt_b = make(b.clone());
        opt_b.load_state(&state).unwrap();
        opt_a.step(&grads_of(&a)).unwrap();
        opt_b.step(&grads_of(&b)).unwrap();
        let bits = |w: &Var| values(w).iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a), bits(&b), "{}", opt_a.kind());
        // A buffer of the wrong shape is a typed error.
        let mut bad: HashMap<String, Tensor> = state.clone();
        for t in bad.values_mut() {
            if t.dims() == [3] {
                *t = Tensor::zeros(2, DType::F32, &Device::Cpu).unwrap();
            }
        }
        assert!(matches!(
            opt_b.load_state(&bad),
            Err(Error::WeightShape { .. })
        ));
    }
}

// ---------------------------------------------------------------- schedules

#[test]
fn step_lr_matches_pytorch() {
    // torch: StepLR(opt(lr=0.1), step_size=3, gamma=0.1) -> get_last_lr() after each step.
    let mut s = StepLr::new(0.1, 3, 0.1).unwrap();
    let got: Vec<f64> = (1..=9).map(|_| s.step(0.0)).collect();
    let want = [
        0.1,
        0.1,
        0.1 * 0.1,
        0.01,
        0.01,
        0.01 * 0.1,
        0.001,
        0.001,
        0.001 * 0.1,
    ];
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= 1e-15, "{got:?}");
    }
}

#[test]
fn cosine_lr_matches_pytorch() {
    let (base, t_max, eta_min) = (0.1, 5, 0.001);
    let mut s = CosineAnnealingLr::new(base, t_max, eta_min).unwrap();
    for e in 1..=3 * t_max {
        let got = s.step(0.0);
        let want = eta_min
            + (base - eta_min) * (1.0 + (std::f64::consts::PI * e as f64 / t_max as f64).cos())
                / 2.0;
        assert!((got - want).abs() < 1e-12, "epoch {e}: {got} vs {want}");
    }
}

#[test]
fn reduce_on_plateau_matches_pytorch() {
    // Defaults: factor 0.1, threshold 1e-4 relative; here patience 2, cooldown 1.
    let cfg = PlateauConfig {
        patience: 2,
        cooldown: 1,
        ..Default::default()
    };
    assert_eq!(PlateauConfig::default().patience, 10);
    let mut s = ReduceLrOnPlateau::new(1.0, cfg).unwrap();
    // 1.0 best; 0.99995 is not better than 1.0 * (1 - 1e-4); three bad
    // epochs (> patience) cut the rate; the cooldown epoch zeroes the count.
    let metrics = [1.0, 0.99995, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.6];
    let want = [1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01];
    for (m, w) in metrics.iter().zip(want) {
        let got = s.step(*m);
        assert!((got - w).abs() < 1e-15, "metric {m}: {got} vs {w}");
    }
}

#[test]
fn schedule_state_round_trips() {
    let mut a = CosineAnnealingLr::new(0.1, 7, 0.0).unwrap();
    let mut p = ReduceLrOnPlateau::new(
        1.0,
        PlateauConfig {
            patience: 1,
            ..Default::default()
        },
    )
    .unwrap();
    for m in [3.0, 2.0, 2.5] {
        a.step(m);
        p.step(m);
    }
    let mut b = CosineAnnealingLr::new(9.0, 1, 0.0).unwrap();
    b.load_state(&a.state().unwrap()).unwrap();
    let mut q = ReduceLrOnPlateau::new(9.0, PlateauConfig::default()).unwrap();
    q.load_state(&p.state().unwrap()).unwrap();
    for m in [2.6, 2.7, 1.0] {
        assert_eq!(a.step(m).to_bits(), b.step(m).to_bits());
        assert_eq!(p.step(m).to_bits(), q.step(m).to_bits());
    }
    assert!(matches!(
        b.load_state(&serde_json::json!({"nope": 1})),
        Err(Error::StateJson { .. })
    ));
}

// ---------------------------------------------------------------- trainer

/// A 2-layer MLP (audio-nn layers: seeded init) regressing `y = sin(x0) + x1 / 2`.
struct Mlp {
    l1: Linear,
    l2: Linear,
}

impl Mlp {
    fn new(store: &SeededVarMap) -> Mlp {
        let vb = store.var_builder(DType::F32, &Device::Cpu);
        Mlp {
            l1: Linear::new(2, 8, true, vb.pp("l1")).unwrap(),
            l2: Linear::new(8, 1, true, vb.pp("l2")).unwrap(),
        }
    }
}

impl TrainTask for Mlp {
    type Item = (Tensor, Tensor);

    fn train_loss(&mut self, batch: Vec<Self::Item>) -> audio_models::Result<Tensor> {
        let (x, y) = stack_pairs(&batch)?;
        let h = self.l1.apply(&x)?.tanh()?;
        let out = self.l2.apply(&h)?.squeeze(1)?;
        Ok(candle_nn::loss::mse(&out, &y)?)
    }

    fn architecture(&self) -> serde_json::Value {
        serde_json::json!({"arch": "mlp", "hidden": 8})
    }
}

fn data(n: usize, offset: f32) -> TensorDataset {
    let xs: Vec<f32> = (0..2 * n)
        .map(|i| (i as f32 * 0.37 + offset).sin() * 2.0)
        .collect();
    let ys: Vec<f32> = (0..n)
        .map(|i| xs[2 * i].sin() + xs[2 * i + 1] / 2.0)
        .collect();
    let x = Tensor::from_vec(xs, (n, 2), &Device::Cpu).unwrap();
    let y = Tensor::from_vec(ys, n, &Device::Cpu).unwrap();
    TensorDataset::new(x, y).unwrap()
}

fn config(dir: PathBuf, epochs: usize) -> TrainerConfig {
    TrainerConfig {
        epochs,
        batch_size: 8,
        seed: 42,
        max_grad_norm: Some(0.5),
        progress: false,
        ..TrainerConfig::new(dir)
    }
}

fn weight_bits(varmap: &VarMap) -> Vec<(String, Vec<u32>)> {
    audio_models::training::named_vars(varmap)
        .unwrap()
        .into_iter()
        .map(|(n, v)| {
            let bits = v
                .as_tensor()
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap();
            (n, bits.iter().map(|x| x.to_bits()).collect())
        })
        .collect()
}

/// Builds the MLP, an Adam optimizer and a cosine schedule, and trains.
fn run(
    cfg: TrainerConfig,
    init_seed: u64,
) -> (Vec<(String, Vec<u32>)>, audio_models::training::TrainReport) {
    let store = SeededVarMap::new(init_seed);
    let mut mlp = Mlp::new(&store);
    let varmap = store.varmap().clone();
    let params = audio_models::training::named_vars(&varmap).unwrap();
    let opt = Adam::new(
        params,
        AdamConfig {
            lr: 0.02,
            ..Default::default()
        },
    )
    .unwrap();
    let sched = CosineAnnealingLr::new(0.02, 6, 0.001).unwrap();
    let mut trainer =
        Trainer::new(cfg, varmap.clone(), Box::new(opt), Some(Box::new(sched))).unwrap();
    let report = trainer
        .fit(&mut mlp, &data(40, 0.0), &data(12, 1.0))
        .unwrap();
    (weight_bits(&varmap), report)
}

#[test]
fn same_seed_gives_bit_identical_weights() {
    let (a, ra) = run(config(tmp("det-a"), 3), 1);
    let (b, rb) = run(config(tmp("det-b"), 3), 1);
    assert_eq!(a, b);
    assert_eq!(ra.history.len(), 3);
    let losses = |r: &audio_models::training::TrainReport| {
        r.history
            .iter()
            .map(|h| h.train_loss.to_bits())
            .collect::<Vec<_>>()
    };
    assert_eq!(losses(&ra), losses(&rb));
    // Training does learn.
    assert!(
        ra.history[2].train_loss < ra.history[0].train_loss,
        "{:?}",
        ra.history
    );
    // A different seed gives different weights.
    let (c, _) = run(config(tmp("det-c"), 3), 2);
    assert_ne!(a, c);
}

#[test]
fn resumed_run_equals_uninterrupted_run() {
    let (full, full_report) = run(config(tmp("full"), 5), 3);
    let dir = tmp("resume");
    let (_, first) = run(config(dir.clone(), 2), 3);
    assert_eq!(first.epochs, 2);
    // Resume with a differently initialised model: the checkpoint overrides it.
    let (resumed, report) = run(
        TrainerConfig {
            resume: true,
            ..config(dir.clone(), 5)
        },
        99,
    );
    assert_eq!(resumed, full);
    assert_eq!(report.epochs, 5);
    assert_eq!(report.history.len(), 5);
    for (a, b) in report.history.iter().zip(&full_report.history) {
        assert_eq!(a.train_loss.to_bits(), b.train_loss.to_bits());
        assert_eq!(a.learning_rate.to_bits(), b.learning_rate.to_bits());
    }
    // The sidecar holds what a checkpoint needs.
    let info = read_checkpoint_info(&dir.join(LAST_DIR)).unwrap();
    assert_eq!(info.epoch, 5);
    assert_eq!(info.architecture["arch"], "mlp");
    assert_eq!(info.args["batch_size"], 8);
    assert_eq!(info.optimizer.kind, "adam");
    assert!(info.scheduler.is_some());
    assert_eq!(info.rng.next_epoch, 5);
    // The checkpoint loads into a fresh model by itself.
    let store = SeededVarMap::new(7);
    let _ = Mlp::new(&store);
    load_weights(&dir.join(LAST_DIR), store.varmap()).unwrap();
    assert_eq!(weight_bits(store.varmap()), full);
    // ... but not into another optimizer.
    let mut sgd = Sgd::new(
        audio_models::training::named_vars(store.varmap()).unwrap(),
        SgdConfig::default(),
    )
    .unwrap();
    assert!(matches!(
        load_checkpoint(&dir.join(LAST_DIR), store.varmap(), &mut sgd),
        Err(Error::InvalidParameter {
            name: "optimizer",
            ..
        })
    ));
    // A model lacking a weight is a typed error.
    let other = SeededVarMap::new(0);
    let vb = other.var_builder(DType::F32, &Device::Cpu);
    let _ = Linear::new(2, 8, true, vb.pp("l3")).unwrap();
    assert!(matches!(
        load_weights(&dir.join(LAST_DIR), other.varmap()),
        Err(Error::MissingKey { .. })
    ));
}

/// A task whose validation losses follow a script, one per epoch.
struct Scripted {
    mlp: Mlp,
    valid: Vec<f64>,
    epoch: usize,
}

impl TrainTask for Scripted {
    type Item = (Tensor, Tensor);

    fn train_loss(&mut self, batch: Vec<Self::Item>) -> audio_models::Result<Tensor> {
        self.mlp.train_loss(batch)
    }

    fn valid_loss(&mut self, _batch: Vec<Self::Item>) -> audio_models::Result<f64> {
        Ok(self.valid[self.epoch])
    }

    fn start_epoch(&mut self, epoch: usize, _seed: u64) {
        self.epoch = epoch;
    }
}

#[test]
fn early_stopping_keeps_the_best_checkpoint_and_logs_each_epoch() {
    let dir = tmp("early");
    let store = SeededVarMap::new(5);
    let mut task = Scripted {
        mlp: Mlp::new(&store),
        valid: vec![3.0, 2.0, 2.5, 2.1, 2.2, 1.0, 0.5],
        epoch: 0,
    };
    let varmap = store.varmap().clone();
    let opt = Sgd::new(
        audio_models::training::named_vars(&varmap).unwrap(),
        SgdConfig {
            lr: 0.05,
            momentum: 0.9,
            ..Default::default()
        },
    )
    .unwrap();
    let cfg = TrainerConfig {
        patience: Some(3),
        resume: true,
        ..config(dir.clone(), 7)
    };
    let mut trainer = Trainer::new(cfg, varmap.clone(), Box::new(opt), None).unwrap();
    // One validation batch per epoch.
    let report = trainer
        .fit(&mut task, &data(20, 0.0), &data(4, 1.0))
        .unwrap();
    assert!(report.stopped_early);
    assert_eq!(report.epochs, 5);
    assert_eq!(report.best, Some((2, 2.0)));
    let improved: Vec<bool> = report.history.iter().map(|h| h.improved).collect();
    assert_eq!(improved, [true, true, false, false, false]);
    // The best checkpoint is epoch 2's.
    let best = read_checkpoint_info(&dir.join(BEST_DIR)).unwrap();
    assert_eq!(best.epoch, 2);
    assert_eq!(best.metrics.unwrap().valid_loss, Some(2.0));
    assert_eq!(read_checkpoint_info(&dir.join(LAST_DIR)).unwrap().epoch, 5);
    // Resuming a run that stopped early trains no further.
    let report2 = trainer
        .fit(&mut task, &data(20, 0.0), &data(4, 1.0))
        .unwrap();
    assert_eq!(report2.epochs, 5);
    // The logs have one row per epoch.
    let csv = std::fs::read_to_string(dir.join(LOG_CSV)).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 5);
    assert!(lines[0].starts_with("epoch,train_loss,valid_loss"));
    assert!(lines[2].starts_with("2,"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(LOG_JSON)).unwrap()).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 5);
    assert_eq!(json[4]["epoch"], 5);
}

#[test]
fn empty_training_set_is_a_typed_error() {
    let store = SeededVarMap::new(0);
    let mut mlp = Mlp::new(&store);
    let varmap = store.varmap().clone();
    let opt = Adam::new(
        audio_models::training::named_vars(&varmap).unwrap(),
        AdamConfig::default(),
    )
    .unwrap();
    let mut trainer = Trainer::new(config(tmp("empty"), 1), varmap, Box::new(opt), None).unwrap();
    let empty = TensorDataset::new(
        Tensor::zeros((0, 2), DType::F32, &Device::Cpu).unwrap(),
        Tensor::zeros(0, DType::F32, &Device::Cpu).unwrap(),
    )
    .unwrap();
    assert_eq!(empty.len(), 0);
    assert!(matches!(
        trainer.fit(&mut mlp, &empty, &empty),
        Err(Error::Empty {
            what: "training set"
        })
    ));
}

/// The MLP, failing (a simulated kill) at one step of one epoch.
struct Killed {
    mlp: Mlp,
    kill_at: Option<(usize, usize)>,
    epoch: usize,
    step: usize,
}

impl TrainTask for Killed {
    type Item = (Tensor, Tensor);

    fn train_loss(&mut self, batch: Vec<Self::Item>) -> audio_models::Result<Tensor> {
        if self.kill_at == Some((self.epoch, self.step)) {
            return Err(Error::Empty { what: "killed" });
        }
        self.step += 1;
        self.mlp.train_loss(batch)
    }

    fn start_epoch(&mut self, epoch: usize, _seed: u64) {
        self.epoch = epoch;
        self.step = 0;
    }
}

fn run_killable(
    cfg: TrainerConfig,
    init_seed: u64,
    kill_at: Option<(usize, usize)>,
) -> audio_models::Result<Vec<(String, Vec<u32>)>> {
    let store = SeededVarMap::new(init_seed);
    let mut task = Killed {
        mlp: Mlp::new(&store),
        kill_at,
        epoch: 0,
        step: 0,
    };
    let varmap = store.varmap().clone();
    let params = audio_models::training::named_vars(&varmap).unwrap();
    let opt = AdamW::new(
        params,
        AdamConfig {
            lr: 0.02,
            ..AdamConfig::adamw()
        },
    )
    .unwrap();
    let sched = StepLr::new(0.02, 2, 0.5).unwrap();
    let mut trainer =
        Trainer::new(cfg, varmap.clone(), Box::new(opt), Some(Box::new(sched))).unwrap();
    trainer.fit(&mut task, &data(40, 0.0), &data(12, 1.0))?;
    Ok(weight_bits(&varmap))
}

#[test]
fn run_killed_mid_epoch_resumes_to_the_same_weights() {
    let cfg = |dir| TrainerConfig {
        checkpoint_every: Some(2),
        resume: true,
        ..config(dir, 4)
    };
    let full = run_killable(cfg(tmp("kill-full")), 4, None).unwrap();
    let dir = tmp("kill");
    // 5 batches an epoch: killed at step 3 of epoch 2, after the checkpoint of step 2.
    assert!(run_killable(cfg(dir.clone()), 4, Some((2, 3))).is_err());
    let info = read_checkpoint_info(&dir.join(LAST_DIR)).unwrap();
    assert_eq!(info.epoch, 2);
    let partial = info.partial.unwrap();
    assert_eq!((partial.epoch, partial.steps), (2, 2));
    let resumed = run_killable(cfg(dir.clone()), 123, None).unwrap();
    assert_eq!(resumed, full);
    let csv = std::fs::read_to_string(dir.join(LOG_CSV)).unwrap();
    assert_eq!(csv.lines().count(), 1 + 4);
    assert!(read_checkpoint_info(&dir.join(LAST_DIR))
        .unwrap()
        .partial
        .is_none());
}

/// A dataset that records the epochs the trainer announces.
struct EpochRecorder {
    inner: TensorDataset,
    epochs: std::sync::Mutex<Vec<usize>>,
}

impl Dataset for EpochRecorder {
    type Item = (Tensor, Tensor);

    fn len(&self) -> usize {
        self.inner.len()
    }

    fn get(&self, index: usize) -> audio_models::Result<Self::Item> {
        self.inner.get(index)
    }

    fn start_epoch(&self, epoch: usize) {
        self.epochs.lock().unwrap().push(epoch);
    }
}

#[test]
fn datasets_hear_each_epoch_and_a_time_budget_ends_the_run() {
    let dir = tmp("epochs");
    let store = SeededVarMap::new(3);
    let mut mlp = Mlp::new(&store);
    let varmap = store.varmap().clone();
    let opt = Sgd::new(
        audio_models::training::named_vars(&varmap).unwrap(),
        SgdConfig::default(),
    )
    .unwrap();
    let mut trainer =
        Trainer::new(config(dir.clone(), 3), varmap.clone(), Box::new(opt), None).unwrap();
    let train = EpochRecorder {
        inner: data(16, 0.0),
        epochs: std::sync::Mutex::new(Vec::new()),
    };
    let report = trainer.fit(&mut mlp, &train, &data(4, 1.0)).unwrap();
    assert_eq!(*train.epochs.lock().unwrap(), [0, 1, 2]);
    assert!(!report.out_of_time);
    // The log records the process's memory each epoch (Linux).
    if cfg!(target_os = "linux") {
        assert!(report
            .history
            .iter()
            .all(|r| r.resident_mib.is_some_and(|m| m > 0.0)));
        let csv = std::fs::read_to_string(dir.join(LOG_CSV)).unwrap();
        assert!(csv
            .lines()
            .next()
            .unwrap()
            .ends_with("resident_mib,peak_resident_mib"));
    }

    // A budget of a nanosecond ends the run after its first epoch.
    let dir2 = tmp("budget");
    let opt = Sgd::new(
        audio_models::training::named_vars(&varmap).unwrap(),
        SgdConfig::default(),
    )
    .unwrap();
    let cfg = TrainerConfig {
        max_seconds: Some(1e-9),
        ..config(dir2.clone(), 5)
    };
    let mut trainer = Trainer::new(cfg, varmap.clone(), Box::new(opt), None).unwrap();
    let report = trainer
        .fit(&mut mlp, &data(16, 0.0), &data(4, 1.0))
        .unwrap();
    assert_eq!(report.epochs, 1);
    assert!(report.out_of_time && !report.stopped_early);
    // ... and a budget that is not a positive duration is refused.
    let opt = Sgd::new(
        audio_models::training::named_vars(&varmap).unwrap(),
        SgdConfig::default(),
    )
    .unwrap();
    let bad = TrainerConfig {
        max_seconds: Some(f64::NAN),
        ..config(dir2.clone(), 5)
    };
    assert!(matches!(
        Trainer::new(bad, varmap, Box::new(opt), None),
        Err(Error::InvalidParameter {
            name: "max_seconds",
            ..
        })
    ));
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(dir2);
}
