//! Views of a generic `T: Float` slice as another float type `E`: `Some`
//! exactly when `T` and `E` are the same type, for kernels written for one
//! precision (f32 SIMD lanes) and for skipping conversions that would copy.

use std::any::TypeId;

use crate::Float;

/// `x` as `&[E]` when `T` is `E`.
pub(crate) fn view<T: Float, E: Float>(x: &[T]) -> Option<&[E]> {
    (TypeId::of::<T>() == TypeId::of::<E>()).then(|| {
        // SAFETY: `T` and `E` are the same type (same type id), so the
        // slice's layout and lifetime are those of `&[E]`.
        unsafe { std::slice::from_raw_parts(x.as_ptr().cast::<E>(), x.len()) }
    })
}

/// `x` as `&mut [E]` when `T` is `E`.
pub(crate) fn view_mut<T: Float, E: Float>(x: &mut [T]) -> Option<&mut [E]> {
    if TypeId::of::<T>() == TypeId::of::<E>() {
        // SAFETY: as in `view`; the borrow is unique and moved into the result.
        Some(unsafe { std::slice::from_raw_parts_mut(x.as_mut_ptr().cast::<E>(), x.len()) })
    } else {
        None
    }
}
