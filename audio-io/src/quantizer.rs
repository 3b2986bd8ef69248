//! Float samples to integer PCM codes, with the optional dither: the one
//! quantiser of the WAV and FLAC writers.

use crate::wav::{quantize, Dither};

/// Quantises samples to `bits`-bit codes with [`quantize`], after the
/// [`Dither`] of the writer's options.
#[derive(Debug, Clone)]
pub(crate) struct Quantizer {
    bits: u32,
    lsb: f64,
    dither: Dither,
    rng: XorShift,
}

impl Quantizer {
    /// A quantiser to `bits` bits (2 to 32).
    pub(crate) fn new(bits: u32, dither: Dither) -> Self {
        let bits = bits.clamp(2, 32);
        let seed = match dither {
            Dither::Tpdf { seed } => seed | 1,
            Dither::None => 1,
        };
        Self {
            bits,
            lsb: 1.0 / f64::from(1u32 << (bits - 1)),
            dither,
            rng: XorShift(seed),
        }
    }

    /// The code of one sample: `quantize(x + d, bits)`, `d` the dither
    /// (0 without).
    pub(crate) fn code(&mut self, x: f64) -> i32 {
        let d = match self.dither {
            Dither::None => 0.0,
            Dither::Tpdf { .. } => (self.rng.next_unit() - self.rng.next_unit()) * self.lsb,
        };
        quantize(x + d, self.bits)
    }
}

/// A small deterministic xorshift64* generator for dither.
#[derive(Debug, Clone)]
struct XorShift(u64);

impl XorShift {
    fn next_unit(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}
