//! Views of generic `T: Float` slices as `f32`, for kernels written for
//! f32 lanes: `Some` exactly when `T` is `f32`.

use std::any::TypeId;

use crate::Float;

/// `x` as `&[f32]` when `T` is `f32`.
pub(crate) fn as_f32<T: Float>(x: &[T]) -> Option<&[f32]> {
    (TypeId::of::<T>() == TypeId::of::<f32>()).then(|| {
        // SAFETY: `T` is `f32` (same type id), so the slice's layout and
        // lifetime are those of `&[f32]`.
        unsafe { std::slice::from_raw_parts(x.as_ptr().cast::<f32>(), x.len()) }
    })
}

/// `x` as `&mut [f32]` when `T` is `f32`.
pub(crate) fn as_f32_mut<T: Float>(x: &mut [T]) -> Option<&mut [f32]> {
    if TypeId::of::<T>() == TypeId::of::<f32>() {
        // SAFETY: as in `as_f32`; the borrow is unique and moved into the result.
        Some(unsafe { std::slice::from_raw_parts_mut(x.as_mut_ptr().cast::<f32>(), x.len()) })
    } else {
        None
    }
}
