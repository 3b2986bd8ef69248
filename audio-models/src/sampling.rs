//! Drawing a class from logits, shared by the generators (WaveNet's next
//! sample, the melody LSTM's next symbol).

use audio_dsp::SeededRng;

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
}
