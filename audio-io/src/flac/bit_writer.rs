//! A most-significant-bit-first bit writer, the bit order of FLAC.

/// Appends bit fields to a byte vector, most significant bit first.
#[derive(Debug, Default)]
pub(super) struct BitWriter {
    bytes: Vec<u8>,
    /// The pending bits (fewer than 8 between calls), right-aligned.
    acc: u64,
    pending: u32,
}

impl BitWriter {
    /// Empties the writer, keeping its capacity.
    pub(super) fn clear(&mut self) {
        self.bytes.clear();
        self.acc = 0;
        self.pending = 0;
    }

    /// The bytes written so far (complete bytes only).
    pub(super) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether the writer sits on a byte boundary.
    pub(super) fn is_aligned(&self) -> bool {
        self.pending == 0
    }

    /// Writes the low `bits` bits of `value` (`bits` ≤ 32).
    pub(super) fn write(&mut self, value: u64, bits: u32) {
        debug_assert!(bits <= 32);
        if bits == 0 {
            return;
        }
        self.acc = (self.acc << bits) | (value & ((1u64 << bits) - 1));
        self.pending += bits;
        while self.pending >= 8 {
            self.pending -= 8;
            self.bytes.push((self.acc >> self.pending) as u8);
        }
        self.acc &= (1u64 << self.pending) - 1;
    }

    /// Writes `value` as a `bits`-bit two's-complement field.
    pub(super) fn write_signed(&mut self, value: i64, bits: u32) {
        self.write(value as u64, bits);
    }

    /// Writes `count` zero bits.
    pub(super) fn write_zeros(&mut self, mut count: u64) {
        while count > 0 {
            let n = count.min(32);
            self.write(0, n as u32);
            count -= n;
        }
    }

    /// Writes `value` Rice-coded with parameter `k` (≤ 30): the quotient
    /// `value >> k` in unary (that many zeros, then a one), then the low `k`
    /// bits.
    pub(super) fn write_rice(&mut self, value: u64, k: u32) {
        self.write_zeros(value >> k);
        self.write((1u64 << k) | (value & ((1u64 << k) - 1)), k + 1);
    }

    /// Pads with zero bits to the next byte boundary.
    pub(super) fn align(&mut self) {
        if self.pending > 0 {
            self.write(0, 8 - self.pending);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::BitWriter;

    #[test]
    fn fields_pack_msb_first() {
        let mut w = BitWriter::default();
        w.write(0b101, 3);
        w.write(0b11111, 5);
        w.write_signed(-1, 4);
        w.align();
        assert_eq!(w.bytes(), &[0b1011_1111, 0b1111_0000]);
    }

    #[test]
    fn rice_codes_quotient_in_unary() {
        let mut w = BitWriter::default();
        // 9 with k = 2: quotient 2 -> "001", remainder "01".
        w.write_rice(9, 2);
        w.align();
        assert_eq!(w.bytes(), &[0b0010_1000]);
    }
}
