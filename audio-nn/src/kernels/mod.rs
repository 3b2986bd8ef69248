//! CPU kernels for the fused inference paths, each chosen once, with a scalar fallback tested against it.

pub(crate) mod attention_kernel;
pub(crate) mod conv1d_gemm;
pub(crate) mod fast_math;
pub(crate) mod gemv;
pub(crate) mod group_norm_kernel;
pub(crate) mod gru_kernel;
pub(crate) mod im2col_conv;
pub(crate) mod lstm_kernel;
pub(crate) mod real_fft;
pub(crate) mod stft_fft;
pub(crate) mod tcn_kernel;

/// The instruction-set extensions a planned layer's kernels may use, detected
/// once, when the layer (or its packed weights, FFT plan) is built, and kept
/// with it, so no hot loop checks CPU features. Only [`Isa::detect`] can
/// report an extension as present, which is what makes the `unsafe` calls of
/// the SIMD copies sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Isa {
    avx2: bool,
    fma: bool,
}

impl Isa {
    /// What this CPU has (detected on the first call, then cached).
    pub(crate) fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            static DETECTED: std::sync::OnceLock<Isa> = std::sync::OnceLock::new();
            *DETECTED.get_or_init(|| Isa {
                avx2: std::arch::is_x86_feature_detected!("avx2"),
                fma: std::arch::is_x86_feature_detected!("fma"),
            })
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            Self::scalar()
        }
    }

    /// No extensions: the scalar fallbacks (for tests against the SIMD copies).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn scalar() -> Self {
        Isa {
            avx2: false,
            fma: false,
        }
    }

    /// AVX2 is present.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub(crate) fn avx2(self) -> bool {
        self.avx2
    }

    /// AVX2 and FMA are present.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub(crate) fn avx2_fma(self) -> bool {
        self.avx2 && self.fma
    }
}

/// Runs `f` on `x`'s float32 values in row-major order, borrowing them
/// without a copy when `x` is contiguous (a strided `x` is made contiguous
/// first); `None` when `x` is not a float32 tensor on the CPU.
///
/// # Errors
///
/// Candle errors from making `x` contiguous.
pub(crate) fn with_cpu_f32<R>(
    x: &candle_core::Tensor,
    f: impl FnOnce(&[f32]) -> R,
) -> candle_core::Result<Option<R>> {
    if !x.device().is_cpu() || x.dtype() != candle_core::DType::F32 {
        return Ok(None);
    }
    let x = x.contiguous()?;
    let (storage, layout) = x.storage_and_layout();
    Ok(match (&*storage, layout.contiguous_offsets()) {
        (candle_core::Storage::Cpu(candle_core::CpuStorage::F32(data)), Some((a, b))) => {
            Some(f(&data[a..b]))
        }
        _ => None,
    })
}

/// [`with_cpu_f32`] on two tensors at once: `None` unless both are float32
/// tensors on the CPU.
///
/// # Errors
///
/// Candle errors from making them contiguous.
pub(crate) fn with_cpu_f32_2<R>(
    a: &candle_core::Tensor,
    b: &candle_core::Tensor,
    f: impl FnOnce(&[f32], &[f32]) -> R,
) -> candle_core::Result<Option<R>> {
    Ok(with_cpu_f32(a, |a| with_cpu_f32(b, |b| f(a, b)))?
        .transpose()?
        .flatten())
}

/// [`with_cpu_f32`] on three tensors at once.
///
/// # Errors
///
/// Candle errors from making them contiguous.
pub(crate) fn with_cpu_f32_3<R>(
    a: &candle_core::Tensor,
    b: &candle_core::Tensor,
    c: &candle_core::Tensor,
    f: impl FnOnce(&[f32], &[f32], &[f32]) -> R,
) -> candle_core::Result<Option<R>> {
    Ok(
        with_cpu_f32(a, |a| with_cpu_f32_2(b, c, |b, c| f(a, b, c)))?
            .transpose()?
            .flatten(),
    )
}

/// An operand of [`gemm_f32`]: element `(i, j)` at `ptr + i·row + j·col`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Strided<P> {
    ptr: P,
    row: isize,
    col: isize,
}

impl<P> Strided<P> {
    /// Rows `row` floats apart, columns `col` apart (strides within one
    /// allocation, far below `isize::MAX`).
    #[allow(
        clippy::cast_possible_wrap,
        reason = "strides within one allocation, which Rust bounds by isize::MAX bytes"
    )]
    pub(crate) fn new(ptr: P, row: usize, col: usize) -> Self {
        Self {
            ptr,
            row: row as isize,
            col: col as isize,
        }
    }
}

/// `dst ← [dst +] scale · lhs · rhs` in float32 by gemm, for an `m × k`
/// `lhs`, a `k × n` `rhs` and an `m × n` `dst` (`dst` is added to when
/// `accumulate`, else overwritten), with no parallelism for candle's one
/// thread (the benchmarks' setting) and rayon over its threads otherwise.
///
/// # Safety
///
/// Every element of each operand, at its pointer and strides, lies inside
/// one live allocation, and `dst` overlaps neither `lhs` nor `rhs`.
pub(crate) unsafe fn gemm_f32(
    (m, n, k): (usize, usize, usize),
    dst: Strided<*mut f32>,
    accumulate: bool,
    lhs: Strided<*const f32>,
    rhs: Strided<*const f32>,
    scale: f32,
) {
    let parallelism = match candle_core::utils::get_num_threads() {
        0 | 1 => gemm::Parallelism::None,
        n => gemm::Parallelism::Rayon(n),
    };
    // SAFETY: the caller's contract is gemm's.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.ptr,
            dst.col,
            dst.row,
            accumulate,
            lhs.ptr,
            lhs.col,
            lhs.row,
            rhs.ptr,
            rhs.col,
            rhs.row,
            if accumulate { 1.0 } else { 0.0 },
            scale,
            false,
            false,
            false,
            parallelism,
        );
    }
}
