//! [`AlignedFrames`]: frames from several streams that complete them at
//! different times, handed out once every stream has them.

use ndarray::{concatenate, s, Array2, Axis};

use crate::{Error, Result};

/// One queue of frames `(rows_i, n_i)` per stream; [`AlignedFrames::take`]
/// returns the first `min_i n_i` frames of each, so the streams' outputs
/// stay frame-aligned however far one runs ahead of another.
#[derive(Debug, Clone)]
pub(crate) struct AlignedFrames<E> {
    queues: Vec<Array2<E>>,
}

impl<E: Clone + num_traits::Zero> AlignedFrames<E> {
    /// Empty queues of `rows[i]` rows.
    pub(crate) fn new(rows: &[usize]) -> Self {
        Self {
            queues: rows.iter().map(|&r| Array2::zeros((r, 0))).collect(),
        }
    }

    /// Appends `frames` to stream `i`'s queue.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for another row count.
    pub(crate) fn push(&mut self, i: usize, frames: Array2<E>) -> Result<()> {
        if frames.ncols() == 0 {
            return Ok(());
        }
        let queue = &mut self.queues[i];
        *queue = concatenate(Axis(1), &[queue.view(), frames.view()]).map_err(|_| {
            Error::ShapeMismatch {
                what: "aligned frames",
                expected: vec![queue.nrows(), 0],
                got: frames.shape().to_vec(),
            }
        })?;
        Ok(())
    }

    /// The frames every stream has, removed from the queues: one array per
    /// stream, all as wide.
    pub(crate) fn take(&mut self) -> Vec<Array2<E>> {
        let n = self.queues.iter().map(Array2::ncols).min().unwrap_or(0);
        self.queues
            .iter_mut()
            .map(|q| {
                let taken = q.slice(s![.., ..n]).to_owned();
                *q = q.slice(s![.., n..]).to_owned();
                taken
            })
            .collect()
    }

    /// Empties the queues (the frames some streams have beyond the others'
    /// last are dropped, as the whole-signal transforms trim them).
    pub(crate) fn clear(&mut self) {
        for q in &mut self.queues {
            *q = Array2::zeros((q.nrows(), 0));
        }
    }
}
