//! soxr's stages fed block by block: each keeps only the input its next
//! outputs read, and computes every output with the same kernel calls, on
//! the same samples and (for the FFT stage) in the same pairs of blocks as
//! the whole-signal run, so the streamed output equals it to the bit
//! whatever the block sizes.

use super::stages::{
    half_band_len, half_band_outputs, FirScratch, FirStage, Planned, PolyClock, PolyStage,
};
use crate::Float;

/// One stage's place in the stream.
pub(crate) enum StageStream<T: Float> {
    /// `u`: the padded stream `[0; 2 taps] ++ x` from its sample `ubase` on.
    Half {
        u: Vec<T>,
        ubase: usize,
        received: usize,
        emitted: usize,
    },
    /// `x`: the input from its sample `xbase` on; `start`: the next pair of
    /// blocks (in zero-stuffed samples).
    Fir {
        x: Vec<T>,
        xbase: usize,
        start: usize,
        emitted: usize,
        produced: Vec<T>,
        scratch: Box<FirScratch<T>>,
    },
    /// `u`: `[0; preload] ++ x` from its sample `ubase` on.
    Poly {
        u: Vec<T>,
        ubase: usize,
        received: usize,
        emitted: u64,
        clock: PolyClock,
    },
}

impl<T: Float> StageStream<T> {
    /// The stage before its first input.
    pub(crate) fn new(stage: &Planned<T>) -> Self {
        match stage {
            Planned::Half { coefs } => Self::Half {
                u: vec![T::zero(); 2 * coefs.len()],
                ubase: 0,
                received: 0,
                emitted: 0,
            },
            Planned::Fir(fir) => Self::Fir {
                x: Vec::new(),
                xbase: 0,
                start: 0,
                emitted: 0,
                produced: Vec::new(),
                scratch: Box::new(fir.scratch()),
            },
            Planned::Poly(poly) => Self::Poly {
                u: vec![T::zero(); poly.preload()],
                ubase: 0,
                received: 0,
                emitted: 0,
                clock: poly.clock(),
            },
        }
    }

    /// Takes `input` and appends to `out` every output it completes.
    pub(crate) fn push(&mut self, stage: &Planned<T>, input: &[T], out: &mut Vec<T>) {
        match (self, stage) {
            (
                Self::Half {
                    u,
                    ubase,
                    received,
                    emitted,
                },
                Planned::Half { coefs },
            ) => {
                u.extend_from_slice(input);
                *received += input.len();
                // Output i reads the padded stream up to 4 taps + 2i - 1,
                // which holds input up to 2 taps + received - 1.
                let taps2 = 2 * coefs.len();
                let ready = if *received >= taps2 {
                    (*received - taps2) / 2 + 1
                } else {
                    0
                };
                if ready > *emitted {
                    half_band_outputs(u, *ubase, coefs, *emitted..ready, out);
                    *emitted = ready;
                }
                // The next output reads from 2 emitted + 1 on.
                let keep_from = (2 * *emitted + 1).saturating_sub(*ubase).min(u.len());
                u.drain(..keep_from);
                *ubase += keep_from;
            }
            (
                Self::Fir {
                    x,
                    xbase,
                    start,
                    emitted,
                    produced,
                    scratch,
                },
                Planned::Fir(fir),
            ) => {
                x.extend_from_slice(input);
                let available = fir.stuffed_len(*xbase + x.len());
                let count = available.div_ceil(fir.m());
                // A pair runs once both of its blocks hold only known input.
                while *start + fir.hop() + fir.block() <= available {
                    fir_pair(
                        fir, x, *xbase, *start, count, emitted, produced, scratch, out,
                    );
                    *start += 2 * fir.hop();
                }
                let keep_from = fir.first_input(*start).saturating_sub(*xbase).min(x.len());
                x.drain(..keep_from);
                *xbase += keep_from;
            }
            (
                Self::Poly {
                    u,
                    ubase,
                    received,
                    emitted,
                    clock,
                },
                Planned::Poly(poly),
            ) => {
                u.extend_from_slice(input);
                *received += input.len();
                // An output is ready once its `padded` taps read known input.
                let known = (poly.preload() + *received + 1).saturating_sub(poly.padded());
                let ready = poly.outputs_below(known as u64);
                poly_outputs(poly, clock, u, ubase, emitted, ready, out);
            }
            _ => {}
        }
    }

    /// Ends the input: appends the remaining outputs (the filter's tail
    /// over the silence that follows), as the whole-signal run computes
    /// them.
    pub(crate) fn finish(&mut self, stage: &Planned<T>, out: &mut Vec<T>) {
        match (self, stage) {
            (
                Self::Half {
                    u,
                    ubase,
                    received,
                    emitted,
                },
                Planned::Half { coefs },
            ) => {
                let pre = 2 * coefs.len();
                u.resize(u.len() + 2 * pre + 4, T::zero());
                let count = half_band_len(coefs, *received);
                if count > *emitted {
                    half_band_outputs(u, *ubase, coefs, *emitted..count, out);
                    *emitted = count;
                }
            }
            (
                Self::Fir {
                    x,
                    xbase,
                    start,
                    emitted,
                    produced,
                    scratch,
                },
                Planned::Fir(fir),
            ) => {
                let count = fir.stuffed_len(*xbase + x.len()).div_ceil(fir.m());
                while *start < count * fir.m() {
                    fir_pair(
                        fir, x, *xbase, *start, count, emitted, produced, scratch, out,
                    );
                    *start += 2 * fir.hop();
                }
            }
            (
                Self::Poly {
                    u,
                    ubase,
                    received,
                    emitted,
                    clock,
                },
                Planned::Poly(poly),
            ) => {
                u.resize(u.len() + 2 * poly.padded() + 8, T::zero());
                let total = poly.outputs_below(poly.limit(*received));
                poly_outputs(poly, clock, u, ubase, emitted, total, out);
            }
            _ => {}
        }
    }
}

/// One pair of FFT blocks, its outputs appended to `out`.
#[allow(
    clippy::too_many_arguments,
    reason = "the FIR stream's fields, borrowed apart"
)]
fn fir_pair<T: Float>(
    fir: &FirStage<T>,
    x: &[T],
    xbase: usize,
    start: usize,
    count: usize,
    emitted: &mut usize,
    produced: &mut Vec<T>,
    scratch: &mut FirScratch<T>,
    out: &mut Vec<T>,
) {
    produced.clear();
    fir.pair(x, xbase, start, count, produced, *emitted, scratch);
    *emitted += produced.len();
    out.extend_from_slice(produced);
}

/// The poly-phase outputs up to `ready` in all, appended to `out`; then
/// the buffer drops what no later output reads.
fn poly_outputs<T: Float>(
    poly: &PolyStage<T>,
    clock: &mut PolyClock,
    u: &mut Vec<T>,
    ubase: &mut usize,
    emitted: &mut u64,
    ready: u64,
    out: &mut Vec<T>,
) {
    if ready > *emitted {
        poly.outputs(clock, u, *ubase, ready - *emitted, out);
        *emitted = ready;
    }
    let next = usize::try_from(clock.index()).unwrap_or(usize::MAX);
    let keep_from = next.saturating_sub(*ubase).min(u.len());
    u.drain(..keep_from);
    *ubase += keep_from;
}
