//! The two checksums of a FLAC frame (RFC 9639 §9.1.8 and §9.3): CRC-8 of
//! the header (polynomial x⁸ + x² + x + 1) and CRC-16 of the whole frame
//! (x¹⁶ + x¹⁵ + x² + 1), both with initial value 0, most significant bit
//! first.

/// CRC-8 (polynomial 0x07) of `bytes`.
pub(super) fn crc8(bytes: &[u8]) -> u8 {
    bytes
        .iter()
        .fold(0u8, |crc, &b| CRC8_TABLE[usize::from(crc ^ b)] as u8)
}

/// CRC-16 (polynomial 0x8005) of `bytes`.
pub(super) fn crc16(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0u16, |crc, &b| {
        (crc << 8) ^ CRC16_TABLE[usize::from((crc >> 8) as u8 ^ b)]
    })
}

/// CRC-8 of each byte value.
const CRC8_TABLE: [u16; 256] = table(0x07, 8);
/// CRC-16 of each byte value in the high byte.
const CRC16_TABLE: [u16; 256] = table(0x8005, 16);

/// The table of a most-significant-bit-first CRC of `width` bits (8 or
/// 16) with polynomial `poly`: entry `i` is the CRC of the byte `i` at the
/// top of the register.
const fn table(poly: u16, width: u32) -> [u16; 256] {
    let top = 1u16 << (width - 1);
    let mask = if width == 16 {
        u16::MAX
    } else {
        (1u16 << width) - 1
    };
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u16) << (width - 8);
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & top != 0 {
                ((crc << 1) ^ poly) & mask
            } else {
                (crc << 1) & mask
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
}

#[cfg(test)]
mod tests {
    use super::{crc16, crc8};

    /// The catalogue check values of CRC-8/SMBUS and CRC-16/UMTS (the
    /// parameters FLAC uses) on "123456789".
    #[test]
    fn check_values() {
        assert_eq!(crc8(b"123456789"), 0xF4);
        assert_eq!(crc16(b"123456789"), 0xFEE8);
    }
}
