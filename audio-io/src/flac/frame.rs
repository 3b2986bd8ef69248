//! One FLAC frame (RFC 9639 §9): the header, the choice of stereo
//! decorrelation, one subframe per channel (constant, verbatim, a fixed
//! polynomial predictor of order 0 to 4 or a linear predictor of order up to
//! 8, with a partitioned Rice-coded residual: whichever is smallest) and the
//! CRC-16 footer.

use super::bit_writer::BitWriter;
use super::crc::{crc16, crc8};
use super::lpc::{self, Analysis, Predictor};

/// The highest order of FLAC's fixed predictors.
const MAX_FIXED_ORDER: usize = 4;
/// The highest Rice partition order tried (256 partitions).
const MAX_PARTITION_ORDER: u32 = 8;
/// The largest Rice parameter of the 5-bit coding method (31 escapes).
const MAX_RICE_PARAMETER: u32 = 30;
/// The largest Rice parameter of the 4-bit coding method (15 escapes).
const MAX_RICE4_PARAMETER: u32 = 14;

/// The fixed parts of every frame's header: the sample-rate and
/// sample-size codes (RFC 9639 §9.1.2, §9.1.4).
#[derive(Debug, Clone, Copy)]
pub(super) struct HeaderCodes {
    /// The 4-bit sample-rate code.
    pub(super) sample_rate: u64,
    /// The rate's trailing field (value, bits) for codes 12 to 14.
    pub(super) sample_rate_field: Option<(u64, u32)>,
    /// The 3-bit sample-size code.
    pub(super) sample_size: u64,
}

impl HeaderCodes {
    /// The codes of a stream at `sample_rate` Hz with `bits` bits per sample.
    pub(super) fn new(sample_rate: u32, bits: u32) -> Self {
        let (code, field) = match sample_rate {
            88_200 => (1, None),
            176_400 => (2, None),
            192_000 => (3, None),
            8_000 => (4, None),
            16_000 => (5, None),
            22_050 => (6, None),
            24_000 => (7, None),
            32_000 => (8, None),
            44_100 => (9, None),
            48_000 => (10, None),
            96_000 => (11, None),
            r if r % 1000 == 0 && r / 1000 <= 255 => (12, Some((u64::from(r / 1000), 8))),
            r if r <= 65_535 => (13, Some((u64::from(r), 16))),
            r if r % 10 == 0 && r / 10 <= 65_535 => (14, Some((u64::from(r / 10), 16))),
            // Only in STREAMINFO.
            _ => (0, None),
        };
        let sample_size = match bits {
            8 => 1,
            12 => 2,
            16 => 4,
            20 => 5,
            24 => 6,
            32 => 7,
            _ => 0,
        };
        Self {
            sample_rate: code,
            sample_rate_field: field,
            sample_size,
        }
    }
}

/// How one channel's samples are coded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum Coding {
    /// Every sample equal.
    Constant,
    /// The samples as they are.
    #[default]
    Verbatim,
    /// A fixed predictor and its Rice-coded residual.
    Fixed {
        /// The predictor order, 0 to 4.
        order: usize,
        /// The residual's partitions.
        rice: Rice,
    },
    /// A linear predictor and its Rice-coded residual.
    Lpc {
        /// The quantised predictor.
        predictor: Predictor,
        /// The residual's partitions.
        rice: Rice,
    },
}

/// The partitioned Rice coding of a residual.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rice {
    /// The partition order.
    partition_order: u32,
    /// One Rice parameter per partition.
    parameters: Vec<u32>,
}

/// One channel's planned subframe.
#[derive(Debug, Default)]
struct Subframe {
    coding: Coding,
    /// The zigzag-coded residual (predictors only).
    residual: Vec<u64>,
    /// Sample size of the subframe in bits (the side channel has one more).
    bits: u32,
    /// The subframe's size in bits (an upper bound for fixed predictors).
    size: u64,
}

/// Encodes frames, reusing its buffers from one frame to the next.
#[derive(Debug, Default)]
pub(super) struct FrameEncoder {
    out: BitWriter,
    /// Left, right, side and mid subframes (the last two for stereo).
    subframes: [Subframe; 4],
    /// The side and mid signals of a stereo frame.
    side: Vec<i64>,
    mid: Vec<i64>,
    /// Scratch of the planning.
    scratch: Scratch,
}

/// Scratch buffers of [`plan`].
#[derive(Debug, Default)]
struct Scratch {
    /// The linear predictor's residual.
    lpc_residual: Vec<u64>,
    analysis: Analysis,
}

impl FrameEncoder {
    /// Encodes the frame `number` of `channels` (each holding the same
    /// number of samples, 1 to 65536) with `bits` bits per sample, and
    /// returns its bytes.
    pub(super) fn encode(
        &mut self,
        channels: &[Vec<i64>],
        bits: u32,
        number: u64,
        codes: HeaderCodes,
    ) -> &[u8] {
        let n = channels.first().map_or(0, Vec::len);
        self.out.clear();
        // Channel assignment and, for stereo, which planned subframes are
        // written (indices into `subframes`).
        let (assignment, order): (u64, [usize; 2]) = if channels.len() == 2 {
            self.side.clear();
            self.mid.clear();
            for (&l, &r) in channels[0].iter().zip(&channels[1]) {
                self.side.push(l - r);
                self.mid.push((l + r) >> 1);
            }
            let [left, right, side, mid] = &mut self.subframes;
            plan(left, &channels[0], bits, &mut self.scratch);
            plan(right, &channels[1], bits, &mut self.scratch);
            plan(side, &self.side, bits + 1, &mut self.scratch);
            plan(mid, &self.mid, bits, &mut self.scratch);
            let (l, r, s, m) = (left.size, right.size, side.size, mid.size);
            // Independent, left/side, side/right, mid/side: the smallest.
            [
                (l + r, 1, [0, 1]),
                (l + s, 8, [0, 2]),
                (s + r, 9, [2, 1]),
                (m + s, 10, [3, 2]),
            ]
            .into_iter()
            .min_by_key(|(size, _, _)| *size)
            .map_or((1, [0, 1]), |(_, a, o)| (a, o))
        } else {
            ((channels.len() as u64).saturating_sub(1), [0, 1])
        };

        // The header.
        self.out.write(0xFFF8, 16);
        let (size_code, size_field) = block_size_code(n);
        self.out.write(size_code, 4);
        self.out.write(codes.sample_rate, 4);
        self.out.write(assignment, 4);
        self.out.write(codes.sample_size, 3);
        self.out.write(0, 1);
        for byte in coded_number(number) {
            self.out.write(u64::from(byte), 8);
        }
        if let Some((value, width)) = size_field {
            self.out.write(value, width);
        }
        if let Some((value, width)) = codes.sample_rate_field {
            self.out.write(value, width);
        }
        let crc = crc8(self.out.bytes());
        self.out.write(u64::from(crc), 8);

        // The subframes.
        if channels.len() == 2 {
            for &k in &order {
                let source = match k {
                    0 => &channels[0],
                    1 => &channels[1],
                    2 => &self.side,
                    _ => &self.mid,
                };
                write_subframe(&mut self.out, &self.subframes[k], source);
            }
        } else {
            let mut subframe = std::mem::take(&mut self.subframes[0]);
            for ch in channels {
                plan(&mut subframe, ch, bits, &mut self.scratch);
                write_subframe(&mut self.out, &subframe, ch);
            }
            self.subframes[0] = subframe;
        }

        // The footer.
        self.out.align();
        let crc = crc16(self.out.bytes());
        self.out.write(u64::from(crc), 16);
        debug_assert!(self.out.is_aligned());
        self.out.bytes()
    }
}

/// The 4-bit block-size code and, for codes 6 and 7, the trailing field
/// (size − 1 in 8 or 16 bits).
fn block_size_code(n: usize) -> (u64, Option<(u64, u32)>) {
    match n {
        192 => (1, None),
        576 => (2, None),
        1152 => (3, None),
        2304 => (4, None),
        4608 => (5, None),
        256 => (8, None),
        512 => (9, None),
        1024 => (10, None),
        2048 => (11, None),
        4096 => (12, None),
        8192 => (13, None),
        16384 => (14, None),
        32768 => (15, None),
        n if n <= 256 => (6, Some((n as u64 - 1, 8))),
        n => (7, Some((n as u64 - 1, 16))),
    }
}

/// The frame number in FLAC's UTF-8-like variable-length coding (RFC 9639
/// §9.1.5): one byte below 128, else a leading byte of `k` ones and a zero
/// followed by `k − 1` continuation bytes `10xxxxxx`.
fn coded_number(value: u64) -> Vec<u8> {
    if value < 0x80 {
        return vec![value as u8];
    }
    let mut len = 2u32;
    while len < 7 && value >= 1u64 << (5 * len + 1) {
        len += 1;
    }
    let mut bytes = Vec::with_capacity(len as usize);
    let lead = (0xFFu16 << (8 - len)) as u8;
    bytes.push(lead | (value >> (6 * (len - 1))) as u8);
    for i in (0..len - 1).rev() {
        bytes.push(0x80 | ((value >> (6 * i)) & 0x3F) as u8);
    }
    bytes
}

/// Zigzag code of a residual: 0, −1, 1, −2, … → 0, 1, 2, 3, …
pub(super) fn zigzag(r: i64) -> u64 {
    ((r << 1) ^ (r >> 63)) as u64
}

/// The Rice parameter of a partition of `count` residuals whose zigzag
/// codes sum to `sum`, and the partition's size in bits: `count · (k + 1) +
/// (sum >> k)`, an upper bound of the exact `Σ (1 + k + (u >> k))`,
/// minimised over `k` in 0 to 30.
///
/// The size is convex in `k`: from `k` to `k + 1` it changes by `count −
/// ⌈(sum >> k) / 2⌉`, which never decreases. The smallest minimiser is
/// therefore the first `k` where that change is no longer negative, the
/// parameter a search of every `k` keeping the first minimum would pick.
fn rice_parameter(count: u64, sum: u64) -> (u32, u64) {
    let mut k = 0;
    while k < MAX_RICE_PARAMETER && ((sum >> k) + 1) >> 1 > count {
        k += 1;
    }
    (k, count * u64::from(k + 1) + (sum >> k))
}

/// Plans the subframe of `x` with `bits` bits per sample: constant when all
/// samples agree, else the smallest of the samples as they are, the fixed
/// predictor whose residual has the smallest absolute sum, and the linear
/// predictor, each residual with the partition order that codes it smallest.
fn plan(subframe: &mut Subframe, x: &[i64], bits: u32, scratch: &mut Scratch) {
    let n = x.len();
    subframe.bits = bits;
    subframe.residual.clear();
    if x.iter().all(|&v| Some(v) == x.first().copied()) {
        subframe.coding = Coding::Constant;
        subframe.size = 8 + u64::from(bits);
        return;
    }
    subframe.coding = Coding::Verbatim;
    subframe.size = 8 + n as u64 * u64::from(bits);
    if n <= MAX_FIXED_ORDER {
        return;
    }

    // The fixed predictor: the order whose residual over the same samples
    // has the smallest absolute sum.
    let sums = fixed_residual_sums(x);
    let mut order = 0;
    for (k, &sum) in sums.iter().enumerate() {
        if sum < sums[order] {
            order = k;
        }
    }
    fixed_residual(x, order, &mut subframe.residual);
    let (residual_size, rice) = partition(&subframe.residual, n, order);
    let size = 8 + order as u64 * u64::from(bits) + residual_size;
    if size < subframe.size {
        subframe.coding = Coding::Fixed { order, rice };
        subframe.size = size;
    }

    // The linear predictor.
    let Some(predictor) = scratch.analysis.predictor(x, bits) else {
        return;
    };
    if !lpc::residual(x, &predictor, &mut scratch.lpc_residual) {
        return;
    }
    let order = predictor.coefficients.len();
    let (residual_size, rice) = partition(&scratch.lpc_residual, n, order);
    let size = 8 + order as u64 * u64::from(bits + predictor.precision) + 9 + residual_size;
    if size < subframe.size {
        std::mem::swap(&mut subframe.residual, &mut scratch.lpc_residual);
        subframe.coding = Coding::Lpc { predictor, rice };
        subframe.size = size;
    }
}

/// The sums of absolute residuals of the fixed predictors of orders 0 to
/// 4 over samples 4 onwards (`x` holds more than 4), in one pass: each
/// order's residual is the difference of the order below at this sample and
/// the previous one.
fn fixed_residual_sums(x: &[i64]) -> [u64; MAX_FIXED_ORDER + 1] {
    let mut sums = [0u64; MAX_FIXED_ORDER + 1];
    // The residuals of orders 0 to 3 at sample 3.
    let mut last = [
        x[3],
        x[3] - x[2],
        x[3] - 2 * x[2] + x[1],
        x[3] - 3 * x[2] + 3 * x[1] - x[0],
    ];
    for &v in &x[MAX_FIXED_ORDER..] {
        let e1 = v - last[0];
        let e2 = e1 - last[1];
        let e3 = e2 - last[2];
        let e4 = e3 - last[3];
        for (sum, e) in sums.iter_mut().zip([v, e1, e2, e3, e4]) {
            *sum = sum.saturating_add(e.unsigned_abs());
        }
        last = [v, e1, e2, e3];
    }
    sums
}

/// The zigzag-coded residual of the fixed predictor of `order` (0 to 4)
/// after its `order` warm-up samples, into `out`.
fn fixed_residual(x: &[i64], order: usize, out: &mut Vec<u64>) {
    out.clear();
    // The binomial coefficients of the order's difference, newest first.
    let weights: &[i64] = match order {
        0 => &[1],
        1 => &[1, -1],
        2 => &[1, -2, 1],
        3 => &[1, -3, 3, -1],
        _ => &[1, -4, 6, -4, 1],
    };
    out.extend(
        x.windows(weights.len())
            .map(|w| zigzag(w.iter().rev().zip(weights).map(|(&v, &c)| v * c).sum())),
    );
}

/// The partition order and Rice parameters that code `residual` (the
/// zigzag codes after a predictor of `order` in a block of `n`) smallest,
/// and its size in bits with the coding-method and order fields (an upper
/// bound).
fn partition(residual: &[u64], n: usize, order: usize) -> (u64, Rice) {
    // The finest partition order: n divisible, and the first partition
    // longer than the warm-up.
    let mut max_p = 0;
    while max_p < MAX_PARTITION_ORDER
        && n.is_multiple_of(1 << (max_p + 1))
        && (n >> (max_p + 1)) > order
    {
        max_p += 1;
    }
    let part = n >> max_p;
    let mut sums: Vec<(u64, u64)> = (0..1usize << max_p)
        .map(|j| {
            let start = (j * part).saturating_sub(order);
            let end = (j + 1) * part - order;
            let sum = residual[start..end]
                .iter()
                .fold(0u64, |acc, &u| acc.saturating_add(u));
            ((end - start) as u64, sum)
        })
        .collect();
    let mut best: Option<(u64, Rice)> = None;
    let mut p = max_p;
    loop {
        let mut size = 6;
        let mut parameters = Vec::with_capacity(sums.len());
        for &(count, sum) in &sums {
            let (k, bits) = rice_parameter(count, sum);
            parameters.push(k);
            size += bits;
        }
        let wide = parameters.iter().any(|&k| k > MAX_RICE4_PARAMETER);
        size += sums.len() as u64 * if wide { 5 } else { 4 };
        if best.as_ref().is_none_or(|(s, _)| size < *s) {
            best = Some((
                size,
                Rice {
                    partition_order: p,
                    parameters,
                },
            ));
        }
        if p == 0 {
            break;
        }
        sums = sums
            .chunks(2)
            .map(|c| (c[0].0 + c[1].0, c[0].1.saturating_add(c[1].1)))
            .collect();
        p -= 1;
    }
    best.unwrap_or((
        u64::MAX,
        Rice {
            partition_order: 0,
            parameters: Vec::new(),
        },
    ))
}

/// Writes a planned subframe of the samples `x`.
fn write_subframe(out: &mut BitWriter, subframe: &Subframe, x: &[i64]) {
    let bits = subframe.bits;
    match &subframe.coding {
        Coding::Constant => {
            out.write(0, 8);
            out.write_signed(x.first().copied().unwrap_or(0), bits);
        }
        Coding::Verbatim => {
            out.write(1 << 1, 8);
            for &v in x {
                out.write_signed(v, bits);
            }
        }
        Coding::Fixed { order, rice } => {
            out.write((8 + *order as u64) << 1, 8);
            for &v in &x[..*order] {
                out.write_signed(v, bits);
            }
            write_residual(out, rice, &subframe.residual, x.len(), *order);
        }
        Coding::Lpc { predictor, rice } => {
            let order = predictor.coefficients.len();
            out.write((0x20 + order as u64 - 1) << 1, 8);
            for &v in &x[..order] {
                out.write_signed(v, bits);
            }
            out.write(u64::from(predictor.precision - 1), 4);
            out.write(u64::from(predictor.shift), 5);
            for &c in &predictor.coefficients {
                out.write_signed(i64::from(c), predictor.precision);
            }
            write_residual(out, rice, &subframe.residual, x.len(), order);
        }
    }
}

/// Writes the coding method, the partition order and each partition's
/// parameter and Rice codes.
fn write_residual(out: &mut BitWriter, rice: &Rice, residual: &[u64], n: usize, order: usize) {
    let wide = rice.parameters.iter().any(|&k| k > MAX_RICE4_PARAMETER);
    out.write(u64::from(wide), 2);
    out.write(u64::from(rice.partition_order), 4);
    let part = n >> rice.partition_order;
    for (j, &k) in rice.parameters.iter().enumerate() {
        out.write(u64::from(k), if wide { 5 } else { 4 });
        let start = (j * part).saturating_sub(order);
        let end = (j + 1) * part - order;
        for &u in &residual[start..end] {
            out.write_rice(u, k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{coded_number, rice_parameter, zigzag};

    #[test]
    fn frame_numbers_code_as_utf8() {
        // Within Unicode's range the coding is UTF-8: compare with the
        // standard library's encoder at every length's edges.
        for v in [
            0, 0x7F, 0x80, 0xE9, 0x7FF, 0x800, 0x20AC, 0xFFFF, 0x1_0000, 0x10_FFFF,
        ] {
            let c = char::from_u32(v).expect("a scalar value");
            let mut utf8 = [0u8; 4];
            assert_eq!(
                coded_number(u64::from(v)),
                c.encode_utf8(&mut utf8).as_bytes(),
                "{v:#x}"
            );
        }
        // Beyond it, the 5- to 7-byte forms FLAC extends it with.
        assert_eq!(
            coded_number((1 << 31) - 1),
            vec![0xFD, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF]
        );
    }

    #[test]
    fn zigzag_interleaves_signs() {
        let codes: Vec<u64> = [0, -1, 1, -2, 2].into_iter().map(zigzag).collect();
        assert_eq!(codes, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn rice_parameter_is_the_exhaustive_search_minimum() {
        let mut state = 12345u64;
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let count = (state >> 40) % 300;
            let sum = (state >> 8) >> ((state >> 3) % 40);
            let mut best = (0, count.saturating_add(sum));
            for k in 1..=super::MAX_RICE_PARAMETER {
                let size = count * u64::from(k + 1) + (sum >> k);
                if size < best.1 {
                    best = (k, size);
                }
            }
            assert_eq!(rice_parameter(count, sum), best, "count {count}, sum {sum}");
        }
    }

    #[test]
    fn rice_parameter_bounds_the_exact_size() {
        let u = [3u64, 17, 0, 250, 9, 1, 64, 5];
        let (k, estimate) = rice_parameter(u.len() as u64, u.iter().sum());
        let exact: u64 = u.iter().map(|&v| 1 + u64::from(k) + (v >> k)).sum();
        assert!(exact <= estimate);
    }
}
