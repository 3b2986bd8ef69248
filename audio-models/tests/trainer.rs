//! The shared trainer: optimizers, schedules and clipping against PyTorch
//! (fixtures from tools/reference/training_fixtures.py),
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
    audio_test_fixtures::scratch_dir(&format!("audio-models-trainer-{tag}"))
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

/// Float32 trajectories from `torch.optim` (tools/reference/training_fixtures.py).
fn torch_fixture() -> serde_json::Value {
    audio_test_fixtures::read_json(
        audio_test_fixtures::fixtures_dir(env!("CARGO_MANIFEST_DIR"))
            .join("training")
            .join("torch_optim.json"),
    )
}

/// Relative tolerance against torch's float32 parameters after up to ten
/// steps: both sides compute in f32, but in a different order (torch's
/// `denom = sqrt(v) / sqrt(bc2) + eps`, `addcdiv_`; ours through candle's
/// tensor ops), so each step may differ by a few ulps and the differences
/// accumulate over the steps. Relative to `max(|w|, 1)`: the iterates move
/// on the scale of `w0` (about 1) and cross zero, where a relative error
/// of the value itself would measure the cancellation, not the optimizer.
const TORCH_F32_RTOL: f64 = 2e-6;

fn num(v: &serde_json::Value, key: &str) -> Option<f64> {
    v.get(key).and_then(serde_json::Value::as_f64)
}

fn rust_optimizer(entry: &serde_json::Value, w: &Var) -> Box<dyn Optimizer> {
    let c = &entry["config"];
    let params = vec![("w".to_string(), w.clone())];
    match entry["kind"].as_str().unwrap() {
        kind @ ("adam" | "adamw") => {
            let betas = c["betas"].as_array().unwrap();
            let cfg = AdamConfig {
                lr: num(c, "lr").unwrap(),
                beta1: betas[0].as_f64().unwrap(),
                beta2: betas[1].as_f64().unwrap(),
                eps: num(c, "eps").unwrap(),
                weight_decay: num(c, "weight_decay").unwrap(),
            };
            if kind == "adam" {
                Box::new(Adam::new(params, cfg).unwrap())
            } else {
                Box::new(AdamW::new(params, cfg).unwrap())
            }
        }
        "sgd" => Box::new(
            Sgd::new(
                params,
                SgdConfig {
                    lr: num(c, "lr").unwrap(),
                    momentum: num(c, "momentum").unwrap(),
                    dampening: num(c, "dampening").unwrap(),
                    weight_decay: num(c, "weight_decay").unwrap(),
                    nesterov: c["nesterov"].as_bool().unwrap(),
                },
            )
            .unwrap(),
        ),
        other => panic!("unknown optimizer {other}"),
    }
}

#[test]
fn optimizers_match_torch_trajectories() {
    let fixture = torch_fixture();
    let entries = fixture["optimizers"].as_array().unwrap();
    assert_eq!(entries.len(), 9);
    for entry in entries {
        let w = new_var();
        let mut opt = rust_optimizer(entry, &w);
        let what = format!("{} {}", entry["kind"], entry["config"]);
        for (step, want) in entry["steps"].as_array().unwrap().iter().enumerate() {
            opt.step(&grads_of(&w)).unwrap();
            let got = values(&w);
            for (g, t) in got.iter().zip(want.as_array().unwrap()) {
                let t = t.as_f64().unwrap();
                assert!(
                    (f64::from(*g) - t).abs() <= TORCH_F32_RTOL * t.abs().max(1.0),
                    "{what} step {}: got {got:?}, torch {want}",
                    step + 1
                );
            }
        }
    }
    assert_eq!(AdamConfig::adamw().weight_decay, 0.01);
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
fn clip_grad_norm_matches_torch() {
    let fixture = torch_fixture();
    let f = &fixture["clip_grad_norm"];
    let grads: Vec<Vec<f32>> = f["grads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            g.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect()
        })
        .collect();
    let a = Var::new(&[0f32, 0.0][..], &Device::Cpu).unwrap();
    let b = Var::from_tensor(&Tensor::zeros((2, 2), DType::F32, &Device::Cpu).unwrap()).unwrap();
    // loss = sum(a * ga) + sum(b * gb): the gradients are ga, gb.
    let ga = Tensor::new(grads[0].as_slice(), &Device::Cpu).unwrap();
    let gb = Tensor::from_vec(grads[1].clone(), (2, 2), &Device::Cpu).unwrap();
    let loss = ((a.as_tensor() * &ga).unwrap().sum_all().unwrap()
        + (b.as_tensor() * &gb).unwrap().sum_all().unwrap())
    .unwrap();
    let mut store = loss.backward().unwrap();
    let norm = audio_models::training::clip_grad_norm(
        &[a.clone(), b.clone()],
        &mut store,
        f["max_norm"].as_f64().unwrap(),
    )
    .unwrap();
    assert!((norm - f["total_norm"].as_f64().unwrap()).abs() < 1e-6 * norm);
    let clipped = f["clipped"].as_array().unwrap();
    for (var, want) in [&a, &b].iter().zip(clipped) {
        let got: Vec<f32> = store
            .get(var.as_tensor())
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        for (g, w) in got.iter().zip(want.as_array().unwrap()) {
            let w = w.as_f64().unwrap();
            assert!(
                (f64::from(*g) - w).abs() <= TORCH_F32_RTOL * w.abs(),
                "{got:?} vs {want}"
            );
        }
    }
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

/// Learning rates are f64 on both sides, computed by the same formulas
/// (torch's recursive cosine form against our closed form differ by
/// rounding only).
const LR_RTOL: f64 = 1e-12;

fn check_lrs(what: &str, s: &mut dyn LrScheduler, metrics: &[f64], want: &serde_json::Value) {
    let want: Vec<f64> = want
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(metrics.len(), want.len());
    for (i, (m, w)) in metrics.iter().zip(&want).enumerate() {
        let got = s.step(*m);
        assert!(
            (got - w).abs() <= LR_RTOL * w.abs(),
            "{what} step {}: {got} vs torch {w}",
            i + 1
        );
    }
}

fn metrics_of(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_f64().unwrap())
        .collect()
}

#[test]
fn schedules_match_torch() {
    let fixture = torch_fixture();
    let s = &fixture["schedules"];
    let step = &s["step_lr"];
    let mut sched = StepLr::new(
        num(step, "base_lr").unwrap(),
        step["step_size"].as_u64().unwrap() as usize,
        num(step, "gamma").unwrap(),
    )
    .unwrap();
    check_lrs("StepLR", &mut sched, &[0.0; 9], &step["lrs"]);
    let cos = &s["cosine"];
    let mut sched = CosineAnnealingLr::new(
        num(cos, "base_lr").unwrap(),
        cos["t_max"].as_u64().unwrap() as usize,
        num(cos, "eta_min").unwrap(),
    )
    .unwrap();
    check_lrs("CosineAnnealingLR", &mut sched, &[0.0; 15], &cos["lrs"]);
    assert_eq!(PlateauConfig::default().patience, 10);
    for key in ["plateau", "plateau_umx"] {
        let p = &s[key];
        let mut sched = ReduceLrOnPlateau::new(
            num(p, "base_lr").unwrap(),
            PlateauConfig {
                factor: num(p, "factor").unwrap(),
                patience: p["patience"].as_u64().unwrap() as usize,
                cooldown: p["cooldown"].as_u64().unwrap() as usize,
                ..Default::default()
            },
        )
        .unwrap();
        check_lrs(key, &mut sched, &metrics_of(&p["metrics"]), &p["lrs"]);
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
