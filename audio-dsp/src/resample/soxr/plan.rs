//! soxr's choice of stages for a rate ratio and quality: half-band ×2
//! decimators, FFT-convolved FIR stages (rational `L/M` with small `L`, `M`)
//! and a poly-phase stage for the remaining (rational or irrational) ratio,
//! with the attenuation budget shared among them.
//!
//! Facts (the decision rules, thresholds and the tables of half-band
//! coefficients and poly-phase interpolation orders) are from libsoxr
//! 0.1.3's `cr.c`, `cr-core.c` and `half-coefs.h`; the code is this crate's.

use super::design::{design_lpf, inv_f_resp, linear_to_db, to_3db};

/// The fixed-point clock's fraction: 32 bits.
pub(crate) const MULT32: f64 = 65536.0 * 65536.0;

/// soxr's quality recipes, as python-soxr / librosa name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recipe {
    /// `soxr_lq`: 16-bit precision, pass-band to 0.676 of Nyquist, medium roll-off.
    Low,
    /// `soxr_mq`: 16-bit precision, medium roll-off.
    Medium,
    /// `soxr_hq`: 20-bit precision (librosa's default).
    High,
    /// `soxr_vhq`: 28-bit precision.
    VeryHigh,
}

/// The quality specification a recipe expands to.
struct Spec {
    precision: f64,
    passband_end: f64,
    rolloff_medium: bool,
}

impl Recipe {
    fn spec(self) -> Spec {
        let (precision, rolloff_medium) = match self {
            Self::Low | Self::Medium => (16.0, true),
            Self::High => (20.0, false),
            Self::VeryHigh => (28.0, false),
        };
        let rejection = precision * linear_to_db(2.0);
        let passband_end = if self == Self::Low {
            LOW_Q_BW0
        } else {
            1.0 - 0.05 / to_3db(rejection)
        };
        Spec {
            precision,
            passband_end,
            rolloff_medium,
        }
    }

    /// Whether soxr runs this recipe in double precision (above 20 bits).
    pub(crate) fn double(self) -> bool {
        self == Self::VeryHigh
    }
}

/// soxr's low-quality bandwidth, `1385 / 2048` (exact in binary).
const LOW_Q_BW0: f64 = 1385.0 / 2048.0;

/// Half-band decimator coefficient sets (odd taps of a `4n - 1`-tap FIR with
/// centre tap 1/2), with the attenuation each reaches.
const HALF_BAND: [(&[f64], f64); 7] = [
    (
        &[
            3.106_265_649_665_737e-1,
            -8.499_881_069_995_58e-2,
            3.400_704_462_112_35e-2,
            -1.283_990_378_982_938_7e-2,
            3.989_938_018_172_314_5e-3,
            -8.935_520_201_794_537e-4,
            1.091_829_242_480_654_6e-4,
        ],
        120.65,
    ),
    (
        &[
            3.115_465_236_533_207e-1,
            -8.734_491_768_573_954e-2,
            3.681_445_835_363_728e-2,
            -1.518_920_458_146_448e-2,
            5.454_085_561_073_88e-3,
            -1.564_386_262_663_041_6e-3,
            3.181_657_590_632_330_3e-4,
            -3.479_944_922_500_569e-5,
        ],
        136.51,
    ),
    (
        &[
            3.122_703_475_531_119e-1,
            -8.922_151_714_796_953e-2,
            3.913_970_401_507_193_4e-2,
            -1.725_055_851_585_202_3e-2,
            6.858_944_023_047_611e-3,
            -2.304_504_963_643_042e-3,
            6.096_374_054_334_896e-4,
            -1.132_380_395_743_123_1e-4,
            1.119_776_999_100_004_6e-5,
        ],
        152.32,
    ),
    (
        &[
            3.128_545_601_200_052_3e-1,
            -9.075_674_079_929_279e-2,
            4.109_639_810_419_316e-2,
            -1.906_631_957_252_522e-2,
            8.184_056_978_768_49e-3,
            -3.076_687_617_635_983_4e-3,
            9.639_652_442_927_798e-4,
            -2.358_567_998_992_201_8e-4,
            4.025_218_902_662_783e-5,
            -3.629_819_634_249_793_2e-6,
        ],
        168.08,
    ),
    (
        &[
            3.133_358_882_257_42e-1,
            -9.203_589_867_301_981e-2,
            4.276_516_969_840_641e-2,
            -2.067_358_089_496_443e-2,
            9.422_542_682_451_242e-3,
            -3.856_337_995_001_319_2e-3,
            1.363_474_215_964_245_3e-3,
            -3.987_415_071_443_101e-4,
            9.058_672_363_266_48e-5,
            -1.428_561_724_407_678_3e-5,
            1.183_464_294_640_052_9e-6,
        ],
        183.79,
    ),
    (
        &[
            3.137_392_846_334_557e-1,
            -9.311_818_033_530_196e-2,
            4.420_500_588_165_91e-2,
            -2.210_386_098_697_305e-2,
            1.057_468_937_116_286_4e-2,
            -4.627_642_806_538_506_5e-3,
            1.793_615_339_757_213_2e-3,
            -5.961_752_705_135_324e-4,
            1.631_451_749_566_906_7e-4,
            -3.455_512_677_011_544_6e-5,
            5.061_761_561_078_259e-6,
            -3.876_895_859_297_141e-7,
        ],
        199.46,
    ),
    (
        &[
            3.140_822_484_788_891e-1,
            -9.404_583_633_266_739e-2,
            4.545_987_876_325_998e-2,
            -2.338_336_901_221_999_3e-2,
            1.164_427_304_489_075_3e-2,
            -5.380_671_457_905_701e-3,
            2.242_907_287_826_402e-3,
            -8.220_434_750_660_642e-4,
            2.572_494_647_784_089_3e-4,
            -6.607_270_986_424_867e-5,
            1.309_916_329_628_864_4e-5,
            -1.790_714_706_913_6e-6,
            1.275_082_559_524_059_2e-7,
        ],
        215.12,
    ),
];

/// Poly-phase stage variants: `(beta, [(scalar, interpolation order)])`, the
/// scalar being the fixed tap count (0: designed) for order 0 and the phase
/// bits for the interpolated orders.
const POLY: [(f64, &[(f64, usize)]); 19] = [
    (-1.0, &[(0.0, 0), (7.2, 1), (5.0, 2)]),
    (-1.0, &[(0.0, 0), (9.4, 1), (6.7, 2)]),
    (-1.0, &[(0.0, 0), (12.4, 1), (7.8, 2)]),
    (-1.0, &[(0.0, 0), (13.6, 1), (9.3, 2)]),
    (-1.0, &[(0.0, 0), (10.5, 2), (8.4, 3)]),
    (-1.0, &[(0.0, 0), (11.85, 2), (9.0, 3)]),
    (-1.0, &[(0.0, 0), (8.0, 1), (5.3, 2)]),
    (-1.0, &[(0.0, 0), (8.6, 1), (5.7, 2)]),
    (-1.0, &[(0.0, 0), (10.6, 1), (6.75, 2)]),
    (-1.0, &[(0.0, 0), (12.6, 1), (8.6, 2)]),
    (-1.0, &[(0.0, 0), (9.6, 2), (7.6, 3)]),
    (-1.0, &[(0.0, 0), (11.4, 2), (8.65, 3)]),
    (10.62, &[(0.0, 0)]),
    (-1.0, &[(0.0, 0), (8.0, 1), (6.0, 2)]),
    (-1.0, &[(0.0, 0), (9.0, 1), (6.0, 2)]),
    (-1.0, &[(0.0, 0), (11.0, 1), (7.0, 2)]),
    (-1.0, &[(0.0, 0), (13.0, 1), (8.0, 2)]),
    (-1.0, &[(0.0, 0), (10.0, 2), (8.0, 3)]),
    (-1.0, &[(0.0, 0), (12.0, 2), (9.0, 3)]),
];

/// The `f32` roll-off targets of soxr's modes (small, medium).
const ROLLOFFS: [f32; 2] = [-0.01, -0.3];

/// One planned stage.
#[derive(Debug, Clone)]
pub(crate) enum Stage {
    /// ×2 decimation by a half-band FIR (`coefs` are its odd taps).
    Half { coefs: &'static [f64] },
    /// Rational `l/m` conversion by a linear-phase FIR (taps already scaled by `l`).
    Fir {
        taps: Vec<f64>,
        l: usize,
        m: usize,
        post_peak: usize,
        /// soxr decimates 2:1 and 4:1 in the frequency domain when the stop
        /// band starts at the new Nyquist.
        f_domain: bool,
    },
    /// Poly-phase FIR at a fixed-point clock, with coefficients interpolated
    /// between phases to `order` (0: exact rational phases).
    Poly(PolySpec),
}

/// A planned poly-phase stage (see [`Stage::Poly`]).
#[derive(Debug, Clone)]
pub(crate) struct PolySpec {
    pub taps: Vec<f64>,
    pub num_coefs: usize,
    pub padded_coefs: usize,
    pub phases: usize,
    pub order: usize,
    pub phase_bits: u32,
    pub l: u64,
    pub at: u64,
    pub step: u64,
}

fn fir_stage(fp: f64, fs: f64, fn_: f64, att: f64, l: usize, m: usize) -> Stage {
    let k = if l >= 2 && l.is_power_of_two() && fn_ == l as f64 {
        2 * l as i64
    } else {
        4
    };
    let (num_taps, taps) = design_lpf(fp, fs, fn_, att, 0, -k, -1.0);
    let scale = l as f64;
    Stage::Fir {
        taps: taps
            .unwrap_or_default()
            .iter()
            .map(|&h| h * scale)
            .collect(),
        l,
        m,
        post_peak: num_taps / 2,
        f_domain: m.abs_diff(3) == 1 && fs <= 1.0,
    }
}

/// soxr's `_soxr_init` stage planning for `io_ratio = in_rate / out_rate`
/// (linear phase, no gain, automatic interpolator, default runtime sizes).
pub(crate) fn plan(io_ratio: f64, recipe: Recipe) -> Vec<Stage> {
    let spec = recipe.spec();
    let (fp0, fs0) = (spec.passband_end, 1.0);
    let bits = spec.precision.min(33.0);
    let mut att = (bits + 1.0) * linear_to_db(2.0);
    let mut att_arb = att;
    let sizeof_real: f64 = if recipe.double() { 8.0 } else { 4.0 };
    let lq_bits = spec.precision == 16.0;
    let lq_fp0 = fp0 == LOW_Q_BW0;
    let mut mode: i64 = if lq_bits && spec.rolloff_medium {
        i64::from(io_ratio > 1.0 || !lq_fp0)
    } else {
        (bits.ceil() as i64 - 6) / 4
    };
    let (mut arb_m, mut fp1, mut fs1) = (io_ratio, fp0, fs0);
    let (mut pre_l, mut pre_m, mut shr, mut arb_l, mut post_l, mut post_m) =
        (1i64, 1i64, 0usize, 1i64, 1i64, 1i64);
    let mut upsample = false;
    let mut rational = false;
    let mut n = 0;
    loop {
        let enter = n == 0;
        n += 1;
        if !enter {
            break;
        }
        let max_l: i64 = if mode != 0 {
            2048
        } else {
            (400.0 * 1000.0 / (42.0 * sizeof_real)).ceil() as i64
        };
        let mut epsilon = 0.0;
        upsample = arb_m < 1.0;
        let mut i = (0.5 * arb_m) as i64;
        shr = 0;
        loop {
            i >>= 1;
            if i == 0 {
                break;
            }
            arb_m *= 0.5;
            shr += 1;
        }
        pre_m = i64::from(upsample || (arb_m > 1.5 && arb_m < 2.0));
        post_m = 1 + i64::from(arb_m > 1.0 && pre_m != 0);
        arb_m /= post_m as f64;
        pre_l = 1 + i64::from(pre_m == 0 && arb_m < 2.0) + i64::from(upsample && mode != 0);
        arb_m *= pre_l as f64;
        let frac = arb_m - arb_m.trunc();
        if frac != 0.0 {
            epsilon = ((frac * MULT32 + 0.5).floor() / (frac * MULT32) - 1.0).abs();
        }
        rational = frac == 0.0;
        let mut i = 1;
        while i <= max_l && !rational {
            let d = frac * i as f64;
            let try_ = (d + 0.5) as i64;
            rational = (try_ as f64 / d - 1.0).abs() <= epsilon;
            if rational {
                if try_ == i {
                    arb_m = arb_m.ceil();
                    let x = usize::from(arb_m > 3.0);
                    shr += x;
                    arb_m /= 1.0 + x as f64;
                } else {
                    arb_m = (i * arb_m.trunc() as i64 + try_) as f64;
                    arb_l = i;
                }
            }
            i += 1;
        }
        let mut l = pre_l * arb_l;
        let mut m = (arb_m * post_m as f64) as i64;
        let odd = (l | m) & 1;
        if odd == 0 {
            l >>= 1;
            m >>= 1;
        }
        let d = pre_l as f64 * arb_l as f64 / arb_m;
        if post_l == 1 && d > 4.0 && d != 5.0 {
            post_l = 4;
            let mut i = (d / 16.0) as i64;
            loop {
                i >>= 1;
                if !(i != 0 && post_l < 256) {
                    break;
                }
                post_l <<= 1;
            }
            arb_m = arb_m * post_l as f64 / arb_l as f64 / pre_l as f64;
            arb_l = 1;
            n = 0;
        } else if rational && (l.max(m) < 5 || l * m < 6) {
            pre_l = l;
            pre_m = m;
            arb_m = 1.0;
            arb_l = 1;
            post_m = 1;
        }
        if mode == 0 && (!rational || n == 0) {
            mode += 1;
            n = 0;
        }
    }
    let have_pre = pre_m * pre_l != 1;
    let have_arb = arb_m * arb_l as f64 != 1.0;
    let have_post = post_m * post_l != 1;
    let num_stages = shr + usize::from(have_pre) + usize::from(have_arb) + usize::from(have_post);
    let alpha = post_m as f64 / (io_ratio * post_l as f64);
    let mut budget = num_stages;
    if budget > 1 {
        if have_arb {
            att += linear_to_db(2.0);
            att_arb = att;
            budget -= 1;
        }
        att += linear_to_db(budget as f64);
    }
    let halves: &[(&[f64], f64)] = if recipe.double() {
        &HALF_BAND
    } else {
        &HALF_BAND[1..3]
    };
    let mut hi = 0;
    while hi + 1 < halves.len() && att > halves[hi].1 {
        hi += 1;
    }
    let mut stages: Vec<Stage> = (0..shr)
        .map(|_| Stage::Half {
            coefs: halves[hi].0,
        })
        .collect();
    if have_pre {
        let fn1 = if pre_m != 0 {
            pre_l.max(pre_m) as f64
        } else {
            arb_m / arb_l as f64
        };
        stages.push(fir_stage(
            fp1,
            fs1,
            fn1,
            att,
            pre_l as usize,
            pre_m.max(1) as usize,
        ));
        fp1 /= fn1;
        fs1 /= fn1;
    }
    if have_arb {
        let index = 6 * (usize::from(upsample) + usize::from(pre_m != 0)) + mode as usize
            - usize::from(!upsample);
        let (beta, interp) = POLY[index];
        let mult = if upsample { 1.0 } else { arb_m / arb_l as f64 };
        let (fn_, fs) = if !upsample && pre_m != 0 {
            (2.0 * mult, 3.0 + (fs1 - 1.0).abs())
        } else {
            let edge = if mode != 0 {
                fp1 + (fs1 - fp1) * 0.7
            } else {
                fs1
            };
            (1.0, 2.0 - edge)
        };
        let mut fp = fp1;
        if mode != 0 {
            let rolloff = f64::from(ROLLOFFS[usize::from(spec.rolloff_medium)]);
            fp = fs - (fs - fp) / (1.0 - inv_f_resp(rolloff, att_arb));
        }
        let mut num_coefs = interp[0].0 as usize;
        let mut i: i64 = if rational { -1 } else { 0 };
        let (mut phases, mut phase_bits, mut order, mut padded);
        let mut at;
        loop {
            i += 1;
            let (scalar, _) = interp[i as usize];
            if i != 0 {
                arb_m /= arb_l as f64;
                arb_l = 1;
                rational = false;
            }
            phase_bits = (scalar - mult.ln() / 2f64.ln()).ceil() as i64;
            phases = if rational {
                arb_l as usize
            } else {
                1usize << phase_bits.max(0)
            };
            if interp[0].0 == 0.0 {
                let phases0 = phases.max(19);
                let (n0, _) = design_lpf(fp, fs, -fn_, att_arb, 0, phases0 as i64, beta);
                num_coefs = n0 / phases0 + 1;
                num_coefs += num_coefs & usize::from(pre_m == 0);
            }
            if num_coefs & 1 == 1 && rational && arb_l & 1 == 1 {
                phases <<= 1;
                arb_l <<= 1;
                arb_m *= 2.0;
            }
            at = arb_l as f64 * 0.5 * (num_coefs & 1) as f64;
            order = i as usize + usize::from(i != 0 && mode > 4);
            padded = (num_coefs + 3) & !3;
            let coefs_size = padded * phases * (order + 1) * sizeof_real as usize;
            let more = (i as usize) + 1 < interp.len();
            if !(i < 2 && more && coefs_size / 1000 > 400) {
                break;
            }
        }
        let num_taps = num_coefs * phases - 1;
        let (_, taps) = design_lpf(fp, fs, fn_, att_arb, num_taps, phases as i64, beta);
        stages.push(Stage::Poly(PolySpec {
            taps: taps.unwrap_or_default(),
            num_coefs,
            padded_coefs: padded,
            phases,
            order,
            phase_bits: phase_bits.max(0) as u32,
            l: arb_l as u64,
            at: (at * MULT32 + 0.5) as u64,
            step: (arb_m * MULT32 + 0.5) as u64,
        }));
    }
    if have_post {
        let fp = fp0 / if upsample { alpha } else { 1.0 };
        let fs = if upsample {
            (2.0 - fs0 / alpha).max(1.0)
        } else {
            fs0
        };
        stages.push(fir_stage(
            fp,
            fs,
            post_l.max(post_m) as f64,
            att,
            post_l as usize,
            post_m as usize,
        ));
    }
    stages
}
