//! Shared input checks and weight loading with typed errors (crate-internal).

use candle_core::{Shape, Tensor};
use candle_nn::{Init, VarBuilder};

use crate::{Error, Result};

/// The dimensions of a rank-`N` input, or [`Error::InputRank`] naming the layer.
pub(crate) fn dims<const N: usize>(
    layer: &'static str,
    layout: &'static str,
    x: &Tensor,
) -> Result<[usize; N]> {
    let d = x.dims();
    if d.len() != N {
        return Err(Error::InputRank {
            layer,
            expected: N,
            layout,
            got: d.len(),
            shape: d.to_vec(),
        });
    }
    let mut out = [0usize; N];
    out.copy_from_slice(d);
    Ok(out)
}

/// [`Error::ChannelMismatch`] unless `got == expected`.
pub(crate) fn channels(layer: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(Error::ChannelMismatch {
            layer,
            expected,
            got,
        })
    }
}

/// A `(batch, channels, *)` input with `channels` channels: rank at least
/// 2, or [`Error::InputRank`]; then [`channels`].
pub(crate) fn channels_first(layer: &'static str, channels: usize, x: &Tensor) -> Result<()> {
    let d = x.dims();
    if d.len() < 2 {
        return Err(Error::InputRank {
            layer,
            expected: 3,
            layout: "(batch, channels, *)",
            got: d.len(),
            shape: d.to_vec(),
        });
    }
    self::channels(layer, channels, d[1])
}

/// [`Error::IncompatibleShapes`] unless the two tensors have the same shape.
pub(crate) fn same_shape(layer: &'static str, a: &Tensor, b: &Tensor) -> Result<()> {
    if a.dims() == b.dims() {
        Ok(())
    } else {
        Err(Error::IncompatibleShapes {
            layer,
            left: a.dims().to_vec(),
            right: b.dims().to_vec(),
        })
    }
}

/// [`Error::InvalidParameter`] for `name = value` unless `ok`.
pub(crate) fn config(
    layer: &'static str,
    name: &'static str,
    value: impl std::fmt::Debug,
    ok: bool,
    expected: &'static str,
) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            layer,
            name,
            value: format!("{value:?}"),
            expected,
        })
    }
}

fn root(e: &candle_core::Error) -> &candle_core::Error {
    match e {
        candle_core::Error::WithBacktrace { inner, .. }
        | candle_core::Error::Context { inner, .. }
        | candle_core::Error::WithPath { inner, .. } => root(inner),
        other => other,
    }
}

/// The full key of `name` under the builder's prefix.
pub(crate) fn full_key(vb: &VarBuilder, name: &str) -> String {
    let p = vb.prefix();
    if p.is_empty() {
        name.to_string()
    } else {
        format!("{p}.{name}")
    }
}

/// Loads (or, for an initialising builder, creates) the weight `name` of `shape`,
/// mapping a missing key to [`Error::MissingKey`] and a wrong shape to
/// [`Error::WeightShape`], both naming the layer and the full key.
pub(crate) fn weight(
    vb: &VarBuilder,
    layer: &'static str,
    name: &str,
    shape: &[usize],
    init: Init,
) -> Result<Tensor> {
    vb.get_with_hints(Shape::from_dims(shape), name, init)
        .map_err(|e| match root(&e) {
            candle_core::Error::CannotFindTensor { .. } => Error::MissingKey {
                layer,
                key: full_key(vb, name),
            },
            candle_core::Error::UnexpectedShape { got, .. } => Error::WeightShape {
                layer,
                key: full_key(vb, name),
                expected: shape.to_vec(),
                got: got.dims().to_vec(),
            },
            _ => Error::Candle(e),
        })
}
