//! NumPy's pairwise summation of values that arrive one at a time, for a
//! length known in advance.

use std::sync::Arc;

use crate::Float;

/// One step of the summation tree, in the order NumPy evaluates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Sum the next `len` values as one block (at most 128).
    Block(usize),
    /// Add the two last sums (left + right).
    Join,
}

/// The post-order steps of `pairwise_sum` over `n` values.
fn plan(n: usize, steps: &mut Vec<Step>) {
    if n <= 128 {
        steps.push(Step::Block(n));
        return;
    }
    let half = n / 2;
    let half = half - half % 8;
    plan(half, steps);
    plan(n - half, steps);
    steps.push(Step::Join);
}

/// The summation order of `n` values, shared by many [`PairwiseStream`]s
/// (one per row of a matrix summed along its rows, for example).
#[derive(Debug, Clone)]
pub struct PairwisePlan {
    steps: Arc<[Step]>,
    len: usize,
}

impl PairwisePlan {
    /// The order in which NumPy sums `len` values.
    pub fn new(len: usize) -> Self {
        let mut steps = Vec::new();
        plan(len, &mut steps);
        Self {
            steps: steps.into(),
            len,
        }
    }

    /// The number of values the plan sums.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the plan sums no values.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A sum following this plan.
    pub fn stream<T: Float>(&self) -> PairwiseStream<T> {
        PairwiseStream::new(self.clone())
    }
}

/// [`crate::util::pairwise_sum::pairwise_sum`] of values pushed one at a
/// time: after the plan's `len` values, [`PairwiseStream::sum`] is the
/// pairwise sum of them to the bit. It holds one block's eight
/// accumulators and one partial sum per level of the tree (about
/// `log2(len / 128)`), whatever the length.
///
/// # Example
///
/// ```
/// use audio_dsp::util::pairwise_stream::PairwisePlan;
/// use audio_dsp::util::pairwise_sum::pairwise_sum;
/// let x: Vec<f32> = (0..1000).map(|i| 1.0 / (1.0 + i as f32)).collect();
/// let mut sum = PairwisePlan::new(x.len()).stream::<f32>();
/// x.iter().for_each(|&v| sum.push(v));
/// assert_eq!(sum.sum(), Some(pairwise_sum(&x)));
/// ```
#[derive(Debug, Clone)]
pub struct PairwiseStream<T> {
    plan: PairwisePlan,
    /// Index of the current `Block` step.
    step: usize,
    /// Values of the current block so far.
    taken: usize,
    lanes: [T; 8],
    /// The running sum of the block (in order for short blocks, or the
    /// lanes' head plus the remainder).
    running: T,
    /// Finished sums waiting for their `Join`.
    stack: Vec<T>,
    pushed: usize,
}

impl<T: Float> PairwiseStream<T> {
    fn new(plan: PairwisePlan) -> Self {
        let mut s = Self {
            plan,
            step: 0,
            taken: 0,
            lanes: [T::zero(); 8],
            running: T::zero(),
            stack: Vec::new(),
            pushed: 0,
        };
        s.close_empty_blocks();
        s
    }

    /// Adds the next value. Values beyond the plan's length are ignored.
    pub fn push(&mut self, v: T) {
        let Some(&Step::Block(len)) = self.plan.steps.get(self.step) else {
            return;
        };
        self.pushed += 1;
        let whole = len - len % 8;
        let p = self.taken;
        if len < 8 {
            self.running = self.running + v;
        } else if p < 8 {
            self.lanes[p] = v;
        } else if p < whole {
            self.lanes[p % 8] = self.lanes[p % 8] + v;
        } else {
            self.running = self.running + v;
        }
        self.taken += 1;
        if len >= 8 && self.taken == whole {
            let r = &self.lanes;
            self.running = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        }
        if self.taken == len {
            self.stack.push(self.running);
            self.running = T::zero();
            self.taken = 0;
            self.step += 1;
            self.close_empty_blocks();
        }
    }

    /// Applies the `Join` steps that follow a finished block (and closes an
    /// empty plan's only block).
    fn close_empty_blocks(&mut self) {
        loop {
            match self.plan.steps.get(self.step) {
                Some(Step::Join) => {
                    let right = self.stack.pop().unwrap_or_else(T::zero);
                    let left = self.stack.pop().unwrap_or_else(T::zero);
                    self.stack.push(left + right);
                    self.step += 1;
                }
                Some(Step::Block(0)) => {
                    self.stack.push(T::zero());
                    self.step += 1;
                }
                _ => return,
            }
        }
    }

    /// The pairwise sum, once all the plan's values have been pushed.
    pub fn sum(&self) -> Option<T> {
        (self.pushed == self.plan.len && self.step == self.plan.steps.len())
            .then(|| self.stack.last().copied().unwrap_or_else(T::zero))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::pairwise_sum::pairwise_sum;

    #[test]
    fn streamed_sums_equal_pairwise_sums_to_the_bit() {
        for n in (0..300).chain([511, 1024, 1025, 4097, 100_003]) {
            let x: Vec<f32> = (0..n)
                .map(|i| ((i as f32) * 0.37).sin() * 1e3 + 1.0 / (1.0 + i as f32))
                .collect();
            let mut s = PairwisePlan::new(n).stream::<f32>();
            for (i, &v) in x.iter().enumerate() {
                assert!(s.sum().is_none(), "n {n}: done after {i}");
                s.push(v);
            }
            assert_eq!(
                s.sum().map(f32::to_bits),
                Some(pairwise_sum(&x).to_bits()),
                "n {n}"
            );
        }
    }
}
