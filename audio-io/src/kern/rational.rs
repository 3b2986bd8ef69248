//! Exact times in quarter notes: a reduced fraction of two `i64`s.

use std::cmp::Ordering;

/// An exact fraction `numer / denom` (reduced, `denom > 0`): onsets and
/// durations of a [`KernScore`](super::KernScore) in quarter notes, so that
/// triplets (`1/3`) and quintuplets add up without rounding, as music21's
/// `Fraction` offsets do.
///
/// Arithmetic is checked: the reader reports a typed error instead of
/// overflowing (the kern reader's [`Error::Kern`](crate::Error::Kern)).
///
/// # Example
///
/// ```
/// use audio_io::kern::Rational;
/// let third = Rational::new(1, 3).unwrap();
/// let sum = third.checked_add(third).and_then(|s| s.checked_add(third)).unwrap();
/// assert_eq!(sum, Rational::from_integer(1));
/// assert_eq!(Rational::new(6, -4).unwrap().to_string(), "-3/2");
/// assert_eq!(Rational::new(3, 4).unwrap().to_f64(), 0.75);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rational {
    numer: i64,
    denom: i64,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Rational {
    /// Zero.
    pub const ZERO: Self = Self { numer: 0, denom: 1 };

    /// `numer / denom` reduced; `None` when `denom` is 0 or the reduced
    /// fraction does not fit `i64`.
    pub fn new(numer: i64, denom: i64) -> Option<Self> {
        Self::from_i128(i128::from(numer), i128::from(denom))
    }

    fn from_i128(numer: i128, denom: i128) -> Option<Self> {
        if denom == 0 {
            return None;
        }
        let g = gcd(numer, denom).max(1);
        let (mut n, mut d) = (numer / g, denom / g);
        if d < 0 {
            n = -n;
            d = -d;
        }
        Some(Self {
            numer: i64::try_from(n).ok()?,
            denom: i64::try_from(d).ok()?,
        })
    }

    /// The integer `n` (`n / 1`).
    pub const fn from_integer(n: i64) -> Self {
        Self { numer: n, denom: 1 }
    }

    /// The numerator (sign included).
    pub const fn numer(&self) -> i64 {
        self.numer
    }

    /// The denominator (always positive).
    pub const fn denom(&self) -> i64 {
        self.denom
    }

    /// The nearest `f64`.
    pub fn to_f64(&self) -> f64 {
        self.numer as f64 / self.denom as f64
    }

    /// `self + other`, `None` on overflow.
    pub fn checked_add(self, other: Self) -> Option<Self> {
        let n = i128::from(self.numer) * i128::from(other.denom)
            + i128::from(other.numer) * i128::from(self.denom);
        Self::from_i128(n, i128::from(self.denom) * i128::from(other.denom))
    }

    /// `self - other`, `None` on overflow.
    pub fn checked_sub(self, other: Self) -> Option<Self> {
        self.checked_add(Self {
            numer: other.numer.checked_neg()?,
            denom: other.denom,
        })
    }

    /// `self * other`, `None` on overflow.
    pub fn checked_mul(self, other: Self) -> Option<Self> {
        Self::from_i128(
            i128::from(self.numer) * i128::from(other.numer),
            i128::from(self.denom) * i128::from(other.denom),
        )
    }

    /// Whether the fraction is greater than zero.
    pub const fn is_positive(&self) -> bool {
        self.numer > 0
    }
}

impl Default for Rational {
    fn default() -> Self {
        Self::ZERO
    }
}

impl Ord for Rational {
    fn cmp(&self, other: &Self) -> Ordering {
        (i128::from(self.numer) * i128::from(other.denom))
            .cmp(&(i128::from(other.numer) * i128::from(self.denom)))
    }
}

impl PartialOrd for Rational {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for Rational {
    /// `n` for integers, `n/d` otherwise.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.denom == 1 {
            write!(f, "{}", self.numer)
        } else {
            write!(f, "{}/{}", self.numer, self.denom)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    #[test]
    fn reduces_and_orders() {
        let a = Rational::new(2, 6).unwrap();
        assert_eq!((a.numer(), a.denom()), (1, 3));
        assert!(Rational::new(1, 0).is_none());
        assert!(Rational::new(1, 3).unwrap() < Rational::new(1, 2).unwrap());
        assert_eq!(
            Rational::new(1, 2)
                .unwrap()
                .checked_sub(Rational::new(1, 3).unwrap()),
            Rational::new(1, 6)
        );
        assert_eq!(Rational::new(i64::MIN, -1), None);
        let big = Rational::new(1, i64::MAX).unwrap();
        assert_eq!(
            big.checked_add(Rational::new(1, i64::MAX - 1).unwrap()),
            None
        );
        assert_eq!(Rational::from_integer(7).to_string(), "7");
    }
}
