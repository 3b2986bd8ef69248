//! [`PyValue`]: a Python object read from a pickle, as far as checkpoint
//! metadata needs (the class, arguments and options stored beside the
//! weights). Nothing is imported or called: a class is its name, a
//! constructor call is the callable's name and its arguments.

/// A Python value from a PyTorch pickle
/// ([`Weights::from_pth_bytes_with_objects`](crate::weights::Weights::from_pth_bytes_with_objects)).
///
/// # Example
///
/// ```
/// use audio_io::weights::PyValue;
///
/// let kwargs = PyValue::Dict(vec![(PyValue::Str("depth".into()), PyValue::Int(6))]);
/// assert_eq!(kwargs.get("depth").and_then(PyValue::as_i64), Some(6));
/// assert!(kwargs.get("channels").is_none());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PyValue {
    /// `None` (also a persistent id outside a tensor).
    None,
    /// `bool`.
    Bool(bool),
    /// `int` (within `i64`).
    Int(i64),
    /// `float`.
    Float(f64),
    /// `str`.
    Str(String),
    /// `bytes`.
    Bytes(Vec<u8>),
    /// A tuple or a list.
    List(Vec<PyValue>),
    /// A dict or `OrderedDict`, in insertion order.
    Dict(Vec<(PyValue, PyValue)>),
    /// A class or function, by name (`GLOBAL module name`).
    Global {
        /// `demucs.htdemucs`.
        module: String,
        /// `HTDemucs`.
        name: String,
    },
    /// An object built by calling `callable(*args)` (`REDUCE`, `NEWOBJ`),
    /// e.g. `fractions.Fraction("39/5")`; not evaluated.
    Call {
        /// What is called, usually a [`PyValue::Global`].
        callable: Box<PyValue>,
        /// Its arguments, usually a [`PyValue::List`].
        args: Box<PyValue>,
    },
    /// A tensor, by its key among the weights (`state.encoder.0.0.weight`).
    Tensor(String),
}

impl PyValue {
    /// The value of `key` in a dict with string keys.
    pub fn get(&self, key: &str) -> Option<&PyValue> {
        match self {
            PyValue::Dict(items) => items
                .iter()
                .find(|(k, _)| matches!(k, PyValue::Str(s) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// An `int` (or a `bool`, as Python treats it).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            PyValue::Int(i) => Some(*i),
            PyValue::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    /// A `float` or an `int`, as a float; a `fractions.Fraction` built
    /// from a `"p/q"` string or from two integers, as its value.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            PyValue::Float(f) => Some(*f),
            PyValue::Int(i) => Some(*i as f64),
            PyValue::Bool(b) => Some(f64::from(u8::from(*b))),
            PyValue::Call { callable, args } => {
                let PyValue::Global { module, name } = callable.as_ref() else {
                    return None;
                };
                if module != "fractions" || name != "Fraction" {
                    return None;
                }
                match args.as_ref() {
                    PyValue::List(a) => match a.as_slice() {
                        [PyValue::Str(s)] => parse_fraction(s),
                        [p, q] => Some(p.as_i64()? as f64 / q.as_i64()? as f64),
                        [p] => p.as_f64(),
                        _ => None,
                    },
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// An `int` or a `fractions.Fraction` as an exact ratio
    /// `(numerator, denominator)`, the denominator positive: what Python
    /// multiplies exactly (`int(Fraction(39, 5) * 44100)` is 343980, which
    /// `7.8 * 44100.0` in floating point need not be). `None` for a
    /// `float` or anything else.
    pub fn as_fraction(&self) -> Option<(i64, i64)> {
        match self {
            PyValue::Int(i) => Some((*i, 1)),
            PyValue::Call { callable, args } => {
                let PyValue::Global { module, name } = callable.as_ref() else {
                    return None;
                };
                if module != "fractions" || name != "Fraction" {
                    return None;
                }
                let (p, q) = match args.as_ref() {
                    PyValue::List(a) => match a.as_slice() {
                        [PyValue::Str(s)] => match s.split_once('/') {
                            Some((p, q)) => (p.trim().parse().ok()?, q.trim().parse().ok()?),
                            None => (s.trim().parse().ok()?, 1),
                        },
                        [p, q] => (p.as_i64()?, q.as_i64()?),
                        [PyValue::Int(p)] => (*p, 1),
                        _ => return None,
                    },
                    _ => return None,
                };
                match q {
                    0 => None,
                    q if q < 0 => Some((p.checked_neg()?, q.checked_neg()?)),
                    q => Some((p, q)),
                }
            }
            _ => None,
        }
    }

    /// A `bool` (or an `int` 0 or 1).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            PyValue::Bool(b) => Some(*b),
            PyValue::Int(0) => Some(false),
            PyValue::Int(1) => Some(true),
            _ => None,
        }
    }

    /// A `str`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PyValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The items of a tuple or list.
    pub fn as_list(&self) -> Option<&[PyValue]> {
        match self {
            PyValue::List(items) => Some(items),
            _ => None,
        }
    }
}

fn parse_fraction(s: &str) -> Option<f64> {
    match s.split_once('/') {
        Some((p, q)) => Some(p.trim().parse::<f64>().ok()? / q.trim().parse::<f64>().ok()?),
        None => s.trim().parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fraction(args: Vec<PyValue>) -> PyValue {
        PyValue::Call {
            callable: Box::new(PyValue::Global {
                module: "fractions".into(),
                name: "Fraction".into(),
            }),
            args: Box::new(PyValue::List(args)),
        }
    }

    #[test]
    fn fractions_read_as_their_value() {
        assert_eq!(
            fraction(vec![PyValue::Str("39/5".into())]).as_f64(),
            Some(7.8)
        );
        assert_eq!(
            fraction(vec![PyValue::Int(39), PyValue::Int(5)]).as_f64(),
            Some(7.8)
        );
        assert_eq!(fraction(vec![PyValue::Str("x/5".into())]).as_f64(), None);
        assert_eq!(PyValue::Str("1".into()).as_f64(), None);
        assert_eq!(
            fraction(vec![PyValue::Str("39/5".into())]).as_fraction(),
            Some((39, 5))
        );
        assert_eq!(
            fraction(vec![PyValue::Int(3), PyValue::Int(-4)]).as_fraction(),
            Some((-3, 4))
        );
        assert_eq!(PyValue::Int(10).as_fraction(), Some((10, 1)));
        assert_eq!(PyValue::Float(7.8).as_fraction(), None);
        assert_eq!(
            fraction(vec![PyValue::Int(1), PyValue::Int(0)]).as_fraction(),
            None
        );
    }
}
