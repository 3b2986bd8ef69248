//! Drawing a class from logits, shared by the generators (WaveNet's next
//! sample, the melody LSTM's next symbol), and a sample from a discretized
//! mixture of logistics (WaveNet's other output).

use audio_dsp::SeededRng;
use audio_nn::mix_logistic::{sample_discretized_mix_logistic, LOG_SCALE_MIN};

/// A class drawn from `softmax(logits / temperature)` with one uniform draw
/// of `rng` (the first class whose cumulative probability exceeds it); the
/// most likely class (the first of ties) for `temperature <= 0`, without
/// drawing. The softmax is computed in `f64` after subtracting the largest
/// logit.
pub(crate) fn sample_logits(logits: &[f32], temperature: f64, rng: &mut SeededRng) -> usize {
    if temperature <= 0.0 {
        return logits
            .iter()
            .enumerate()
            .fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &v)| {
                if v > bv {
                    (i, v)
                } else {
                    (bi, bv)
                }
            })
            .0;
    }
    let max = logits.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
    let p: Vec<f64> = logits
        .iter()
        .map(|&v| ((f64::from(v) - f64::from(max)) / temperature).exp())
        .collect();
    let u = rng.uniform() * p.iter().sum::<f64>();
    let mut acc = 0.0;
    for (i, v) in p.iter().enumerate() {
        acc += v;
        if u < acc {
            return i;
        }
    }
    p.len().saturating_sub(1)
}

/// Buffers of [`sample_mixture`], sized once for `K` components.
#[derive(Debug, Clone)]
pub(crate) struct MixtureScratch {
    params: Vec<f32>,
    uniforms: Vec<f32>,
}

impl MixtureScratch {
    pub(crate) fn new(components: usize) -> Self {
        Self {
            params: vec![0.0; 3 * components],
            uniforms: vec![0.0; components],
        }
    }
}

/// A sample in `[−1, 1]` from the discretized mixture of logistics that
/// `params` (`3K`: logits, means, log-scales) describe, drawing `K + 1`
/// uniforms from `rng` (the component by Gumbel-max, then the logistic
/// noise; audio-nn's [`sample_discretized_mix_logistic`]). The temperature
/// scales the logistic noise, the log-scales being clamped at
/// [`LOG_SCALE_MIN`] first; `temperature <= 0` takes the mean of the
/// component with the largest logit (the first of ties) without drawing.
///
/// # Errors
///
/// Parameters that are not `3K` values of the scratch's `K`.
pub(crate) fn sample_mixture(
    params: &[f32],
    temperature: f64,
    rng: &mut SeededRng,
    scratch: &mut MixtureScratch,
) -> crate::Result<f32> {
    let k = scratch.uniforms.len();
    if params.len() != 3 * k {
        return Err(crate::Error::ShapeMismatch {
            what: "mixture parameters",
            expected: format!("{} values (3K)", 3 * k),
            got: vec![params.len()],
        });
    }
    if temperature <= 0.0 {
        let best = sample_logits(&params[..k], 0.0, rng);
        return Ok(params[k + best].clamp(-1.0, 1.0));
    }
    #[allow(clippy::cast_possible_truncation, reason = "uniforms in [0, 1)")]
    for u in &mut scratch.uniforms {
        *u = rng.uniform() as f32;
    }
    #[allow(clippy::cast_possible_truncation, reason = "uniforms in [0, 1)")]
    let v = rng.uniform() as f32;
    scratch.params.copy_from_slice(params);
    #[allow(clippy::cast_possible_truncation, reason = "a log-scale near -7")]
    let shift = temperature.ln() as f32;
    #[allow(clippy::cast_possible_truncation, reason = "-7")]
    let floor = LOG_SCALE_MIN as f32;
    for s in &mut scratch.params[2 * k..] {
        *s = s.max(floor) + shift;
    }
    Ok(sample_discretized_mix_logistic(
        &scratch.params,
        &scratch.uniforms,
        v,
        f64::NEG_INFINITY,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_takes_the_first_maximum_and_sampling_follows_the_softmax() {
        let mut rng = SeededRng::new(0);
        assert_eq!(sample_logits(&[0.0, 2.0, 2.0], 0.0, &mut rng), 1);
        // One class far more likely than the rest: drawn nearly always.
        let hits = (0..200)
            .filter(|_| sample_logits(&[0.0, 20.0, 0.0], 1.0, &mut rng) == 1)
            .count();
        assert_eq!(hits, 200);
        // Equal logits: every class drawn.
        let mut seen = [false; 3];
        for _ in 0..100 {
            seen[sample_logits(&[1.0, 1.0, 1.0], 1.0, &mut rng)] = true;
        }
        assert_eq!(seen, [true; 3]);
    }

    #[test]
    fn mixture_sampling_is_seeded_and_greedy_takes_the_mean() -> crate::Result<()> {
        // Two components: logits 0 and 3, means -0.5 and 0.25.
        let params = [0.0f32, 3.0, -0.5, 0.25, -3.0, -3.0];
        let mut scratch = MixtureScratch::new(2);
        let mut rng = SeededRng::new(0);
        assert_eq!(sample_mixture(&params, 0.0, &mut rng, &mut scratch)?, 0.25);
        let draw = |seed| -> crate::Result<Vec<f32>> {
            let mut rng = SeededRng::new(seed);
            let mut scratch = MixtureScratch::new(2);
            (0..50)
                .map(|_| sample_mixture(&params, 1.0, &mut rng, &mut scratch))
                .collect()
        };
        assert_eq!(draw(7)?, draw(7)?);
        assert_ne!(draw(7)?, draw(8)?);
        // A lower temperature draws closer to the component means.
        let spread = |t: f64| -> crate::Result<f32> {
            let mut rng = SeededRng::new(1);
            let mut scratch = MixtureScratch::new(2);
            let mut total = 0.0;
            for _ in 0..400 {
                let x = sample_mixture(&params, t, &mut rng, &mut scratch)?;
                total += (x - 0.25).abs().min((x + 0.5).abs());
            }
            Ok(total)
        };
        assert!(spread(0.1)? < 0.2 * spread(1.0)?);
        Ok(())
    }
}
