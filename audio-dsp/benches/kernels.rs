//! Whether an AVX2 copy of an element-wise kernel pays, on one STFT's worth
//! of data (1025 bins × 1292 frames): the magnitude kernel's scalar and AVX2
//! copies, and the baseline-only kernels for scale.

use audio_dsp::kernels::simd;
use criterion::{criterion_group, criterion_main, Criterion};
use num_complex::Complex;

fn benches(c: &mut Criterion) {
    let n = 1025 * 1292;
    let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.001).sin()).collect();
    let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.002).cos()).collect();
    let z: Vec<Complex<f32>> = a
        .iter()
        .zip(&b)
        .map(|(&re, &im)| Complex::new(re, im))
        .collect();
    let mut out = vec![0.0f32; n];
    let mut group = c.benchmark_group("kernels");
    group.bench_function("power", |bch| bch.iter(|| simd::power(&z, &mut out)));
    group.bench_function("multiply_add", |bch| {
        bch.iter(|| simd::multiply_add(&a, &b, &mut out))
    });
    group.bench_function("magnitude_scalar", |bch| {
        bch.iter(|| simd::magnitude_scalar(&z, &mut out))
    });
    if simd::avx2_available() {
        // SAFETY: AVX2 and FMA are available (checked above).
        group.bench_function("magnitude_avx2", |bch| {
            bch.iter(|| unsafe { simd::magnitude_avx2(&z, &mut out) })
        });
    }
    group.finish();
}

criterion_group!(kernels, benches);
criterion_main!(kernels);
