//! A pure-Rust implementation of soxr's constant-rate resampler (the SoX
//! Resampler library that `librosa.resample(res_type="soxr_*")` and
//! `librosa.load(sr=...)` call through python-soxr), equal to
//! `soxr.resample` to floating-point rounding: the same stage plan, filter
//! designs, alignment and output length. Linear phase, no gain, the
//! automatic interpolator, soxr's default runtime sizes.
//!
//! As soxr, the 16- and 20-bit recipes (`LQ`, `MQ`, `HQ`) run in float32
//! and `VHQ` in float64 (filters designed in float64), and 2:1 and 4:1 FIR
//! stages decimate in the frequency domain. The float32 results differ from
//! soxr's by float32 rounding (summation order: soxr's SIMD FFT and dot
//! products versus ours).
//!
//! The algorithm (stage planning, filter design, clocking) follows libsoxr
//! 0.1.3 (Rob Sykes, LGPL-2.1); facts and numbers were carried over, the code
//! is this crate's (MIT/Apache-2.0).

mod design;
mod plan;
mod stages;

pub(crate) use plan::Recipe;

use realfft::RealFftPlanner;

use crate::Float;

/// The stages in the engine's precision.
enum Engine {
    Single(Vec<stages::Planned<f32>>),
    Double(Vec<stages::Planned<f64>>),
}

/// A planned soxr conversion for one rate ratio and recipe.
pub(crate) struct Soxr {
    io_ratio: f64,
    engine: Engine,
}

impl Soxr {
    /// Plans the stages for `in_rate / out_rate = io_ratio`, in float32 for
    /// the 16- and 20-bit recipes and float64 for VHQ (as soxr).
    pub(crate) fn new(io_ratio: f64, recipe: Recipe) -> Self {
        let stages = plan::plan(io_ratio, recipe);
        let engine = if recipe.double() {
            let mut planner = RealFftPlanner::new();
            Engine::Double(stages.iter().map(|s| stages::Planned::new(s, &mut planner)).collect())
        } else {
            let mut planner = RealFftPlanner::new();
            Engine::Single(stages.iter().map(|s| stages::Planned::new(s, &mut planner)).collect())
        };
        Self { io_ratio, engine }
    }

    /// The number of samples soxr returns for `n` input samples:
    /// `(int)(n / io_ratio + 0.5)`.
    pub(crate) fn soxr_len(&self, n: usize) -> usize {
        (n as f64 / self.io_ratio + 0.5) as usize
    }

    /// `soxr.resample(x)`, written into `out`: its first
    /// `min(out.len(), soxr_len)` samples, zeros after (librosa's
    /// `fix_length`).
    pub(crate) fn process_into<T: Float>(&self, x: &[T], out: &mut [T]) {
        let n = self.soxr_len(x.len()).min(out.len());
        match &self.engine {
            Engine::Single(stages) => run(stages, x, &mut out[..n]),
            Engine::Double(stages) => run(stages, x, &mut out[..n]),
        }
        out[n..].iter_mut().for_each(|v| *v = T::zero());
    }
}

/// Runs the stages in `E` and writes the first `out.len()` samples.
fn run<E: Float, T: Float>(stages: &[stages::Planned<E>], x: &[T], out: &mut [T]) {
    let mut y: Vec<E> = x.iter().map(|&v| E::from(v).unwrap_or_else(E::zero)).collect();
    for stage in stages {
        y = stage.run(&y);
    }
    for (o, &v) in out.iter_mut().zip(&y) {
        *o = T::from(v).unwrap_or_else(T::zero);
    }
}
