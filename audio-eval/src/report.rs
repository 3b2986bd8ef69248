//! Python-compatible JSON output of scores: what `json.dump` writes for the
//! dictionaries mir_eval's and museval's `evaluate()` return.
//!
//! Every score type of this crate implements [`serde::Serialize`] with
//! mir_eval's key names in mir_eval's insertion order (`"F-measure"`,
//! `"Precision"`, …). [`to_json`] writes any such value as the `audio eval`
//! command line prints it; **use [`to_json`] for every metric's scores**
//! (`audio_eval::report::to_json(&scores)?`), including new ones: derive or
//! implement `Serialize` on the score type and call it.
//!
//! What "Python-compatible" means here, following CPython's `json` module
//! with its defaults (`allow_nan=True`, `ensure_ascii=True`):
//!
//! - floats are written as Python's `repr(float)`: the shortest digits that
//!   round-trip, positional for `1e-4 <= |x| < 1e16` with at least one
//!   decimal (`1.0`), otherwise scientific with a signed two-digit exponent
//!   (`1e-05`, `1.5e+16`);
//! - NaN is written `NaN` and infinities `Infinity` / `-Infinity` (not valid
//!   strict JSON, but what `json.dump` writes and `json.load` reads back);
//! - strings escape `"`, `\`, control characters and every non-ASCII
//!   character (`\u00e9`; surrogate pairs above U+FFFF);
//! - separators are `", "` and `": "` on one line, `","` at line ends when
//!   indented.
//!
//! # Example
//!
//! ```
//! let s = audio_eval::onset::evaluate(&[0.1, 0.5], &[0.12, 0.9], 0.05)?;
//! assert_eq!(
//!     audio_eval::report::to_json(&s)?,
//!     "{\n  \"F-measure\": 0.5,\n  \"Precision\": 0.5,\n  \"Recall\": 0.5\n}"
//! );
//! # Ok::<(), audio_eval::Error>(())
//! ```

use std::fmt::Write as _;

use ndarray::Array2;
use serde::ser::{self, Serialize};

use crate::{Error, Result};

/// Writes `value` as the `audio eval` command line prints scores: a JSON
/// object with one key per line (indented by two spaces, as
/// `json.dumps(value, indent=2)`), and every nested list or object on one
/// line (as `json.dumps` without `indent` writes it).
///
/// # Errors
///
/// [`Error::Json`] when `value` cannot be written as JSON (a map key that is
/// not a string, number, boolean or unit; or an error of `value`'s own
/// `Serialize` implementation).
///
/// # Example
///
/// ```
/// let json = audio_eval::report::to_json(&[("a", vec![1.0, f64::INFINITY])])?;
/// assert_eq!(json, "[\n  [\"a\", [1.0, Infinity]]\n]");
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    Ok(render(&to_value(value)?, Some(2), 1))
}

/// Writes `value` as Python's `json.dumps(value, indent=indent)`: every list
/// and object expanded, one item per line.
///
/// # Errors
///
/// As [`to_json`].
///
/// # Example
///
/// ```
/// let json = audio_eval::report::to_json_indented(&vec![vec![1.5], vec![]], 2)?;
/// assert_eq!(json, "[\n  [\n    1.5\n  ],\n  []\n]");
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn to_json_indented<T: Serialize + ?Sized>(value: &T, indent: usize) -> Result<String> {
    Ok(render(&to_value(value)?, Some(indent), usize::MAX))
}

/// Writes `value` as Python's `json.dumps(value)`: one line, `", "` and
/// `": "` separators.
///
/// # Errors
///
/// As [`to_json`].
///
/// # Example
///
/// ```
/// let json = audio_eval::report::to_json_compact(&(f64::NAN, 1e-5, "é"))?;
/// assert_eq!(json, "[NaN, 1e-05, \"\\u00e9\"]");
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn to_json_compact<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    Ok(render(&to_value(value)?, None, 0))
}

/// `(key, value)` pairs (a score type's `entries()`) as a JSON object in
/// their order, laid out as [`to_json`] lays it out.
///
/// # Example
///
/// ```
/// let json = audio_eval::report::entries_to_json(&[("Accuracy", 0.5), ("Error", f64::NAN)]);
/// assert_eq!(json, "{\n  \"Accuracy\": 0.5,\n  \"Error\": NaN\n}");
/// ```
pub fn entries_to_json(entries: &[(&str, f64)]) -> String {
    let object = entries
        .iter()
        .map(|&(k, v)| (k.to_owned(), Value::Float(v)))
        .collect();
    render(&Value::Object(object), Some(2), 1)
}

/// A float as Python's `json.dump` writes it: `repr(v)` for finite values
/// (see the [module documentation](self)), `NaN`, `Infinity`, `-Infinity`.
///
/// # Example
///
/// ```
/// use audio_eval::report::python_float;
/// assert_eq!(python_float(1.0), "1.0");
/// assert_eq!(python_float(0.0001), "0.0001");
/// assert_eq!(python_float(1e-5), "1e-05");
/// assert_eq!(python_float(1e16), "1e+16");
/// assert_eq!(python_float(123456789012345.6), "123456789012345.6");
/// assert_eq!(python_float(-f64::INFINITY), "-Infinity");
/// ```
pub fn python_float(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_owned();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    // Rust's `{:e}` gives the shortest round-trip digits, as Python's repr.
    let sci = format!("{v:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-4..16).contains(&exp) {
        // Positional: the point goes after digit `exp + 1`.
        let point = exp + 1;
        let (int, frac) = if point <= 0 {
            let zeros = "0".repeat(point.unsigned_abs() as usize);
            ("0".to_owned(), format!("{zeros}{digits}"))
        } else {
            let p = point as usize;
            if digits.len() <= p {
                (format!("{digits:0<p$}"), String::new())
            } else {
                (digits[..p].to_owned(), digits[p..].to_owned())
            }
        };
        let frac = if frac.is_empty() {
            "0".to_owned()
        } else {
            frac
        };
        format!("{sign}{int}.{frac}")
    } else {
        let exp_sign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exp.unsigned_abs())
    }
}

/// Serialises `(key, value)` pairs as a map in their order: how the score
/// types with an `entries()` method implement [`Serialize`].
pub(crate) fn serialize_entries<S: ser::Serializer>(
    entries: &[(&str, f64)],
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    use ser::SerializeMap as _;
    let mut map = serializer.serialize_map(Some(entries.len()))?;
    for (k, v) in entries {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

/// Serialises a 2-D array as a list of rows (`ndarray.tolist()`), for
/// `#[serde(serialize_with = "...")]`.
pub(crate) fn serialize_rows<S: ser::Serializer>(
    a: &Array2<f64>,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    use ser::SerializeSeq as _;
    let mut seq = serializer.serialize_seq(Some(a.nrows()))?;
    for row in a.outer_iter() {
        seq.serialize_element(&row.to_vec())?;
    }
    seq.end()
}

/// Implements [`Serialize`] for a score type through its
/// `entries() -> Vec<(&'static str, f64)>` method (mir_eval's keys and
/// order).
macro_rules! serialize_via_entries {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(
                &self,
                serializer: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                $crate::report::serialize_entries(&self.entries(), serializer)
            }
        }
    };
}
pub(crate) use serialize_via_entries;

/// A JSON value with Python's float values kept (NaN, infinities) and object
/// keys in insertion order.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value> {
    value
        .serialize(ValueSerializer)
        .map_err(|e| Error::Json { reason: e.0 })
}

/// Writes `value`; containers at nesting depth `< expand_depth` are expanded
/// one item per line with `indent` spaces per level (when `indent` is set).
fn render(value: &Value, indent: Option<usize>, expand_depth: usize) -> String {
    let mut out = String::new();
    write_value(&mut out, value, indent, expand_depth, 0);
    out
}

fn write_value(
    out: &mut String,
    value: &Value,
    indent: Option<usize>,
    expand_depth: usize,
    depth: usize,
) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&python_float(*f)),
        Value::Str(s) => write_string(out, s),
        Value::Array(items) => write_container(
            out,
            ('[', ']'),
            items.len(),
            |out, i| write_value(out, &items[i], indent, expand_depth, depth + 1),
            indent,
            expand_depth,
            depth,
        ),
        Value::Object(entries) => write_container(
            out,
            ('{', '}'),
            entries.len(),
            |out, i| {
                write_string(out, &entries[i].0);
                out.push_str(": ");
                write_value(out, &entries[i].1, indent, expand_depth, depth + 1);
            },
            indent,
            expand_depth,
            depth,
        ),
    }
}

fn write_container(
    out: &mut String,
    (open, close): (char, char),
    len: usize,
    mut item: impl FnMut(&mut String, usize),
    indent: Option<usize>,
    expand_depth: usize,
    depth: usize,
) {
    out.push(open);
    if len == 0 {
        out.push(close);
        return;
    }
    match indent {
        Some(width) if depth < expand_depth => {
            let inner = " ".repeat(width * (depth + 1));
            for i in 0..len {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                out.push_str(&inner);
                item(out, i);
            }
            out.push('\n');
            out.push_str(&" ".repeat(width * depth));
        }
        _ => {
            for i in 0..len {
                if i > 0 {
                    out.push_str(", ");
                }
                item(out, i);
            }
        }
    }
    out.push(close);
}

/// A string as Python's `json.dumps` (with `ensure_ascii=True`) writes it.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{u:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// The error of [`ValueSerializer`]: a message from serde or from a
/// `Serialize` implementation.
#[derive(Debug)]
struct SerError(String);

impl std::fmt::Display for SerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<M: std::fmt::Display>(msg: M) -> Self {
        Self(msg.to_string())
    }
}

type SerResult = std::result::Result<Value, SerError>;

/// Builds a [`Value`] from any `Serialize` type.
struct ValueSerializer;

/// A sequence being built (lists, tuples; `variant` wraps it in
/// `{variant: [...]}`).
struct SeqBuilder {
    items: Vec<Value>,
    variant: Option<&'static str>,
}

/// An object being built (maps, structs; `variant` wraps it).
struct MapBuilder {
    entries: Vec<(String, Value)>,
    key: Option<String>,
    variant: Option<&'static str>,
}

fn wrap(variant: Option<&'static str>, value: Value) -> Value {
    match variant {
        Some(v) => Value::Object(vec![(v.to_owned(), value)]),
        None => value,
    }
}

/// A map key as Python's `json` converts it: strings as they are; numbers,
/// booleans and `None` as their JSON text.
fn key_string(key: Value) -> std::result::Result<String, SerError> {
    match key {
        Value::Str(s) => Ok(s),
        Value::Int(i) => Ok(i.to_string()),
        Value::Float(f) => Ok(python_float(f)),
        Value::Bool(b) => Ok(if b { "true" } else { "false" }.to_owned()),
        Value::Null => Ok("null".to_owned()),
        Value::Array(_) | Value::Object(_) => Err(SerError(
            "a map key must be a string, number, boolean or unit".to_owned(),
        )),
    }
}

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = SerError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = SeqBuilder;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = MapBuilder;

    fn serialize_bool(self, v: bool) -> SerResult {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> SerResult {
        Ok(Value::Int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> SerResult {
        Ok(Value::Int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> SerResult {
        Ok(Value::Int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> SerResult {
        Ok(Value::Int(v.into()))
    }
    fn serialize_i128(self, v: i128) -> SerResult {
        Ok(Value::Int(v))
    }
    fn serialize_u8(self, v: u8) -> SerResult {
        Ok(Value::Int(v.into()))
    }
    fn serialize_u16(self, v: u16) -> SerResult {
        Ok(Value::Int(v.into()))
    }
    fn serialize_u32(self, v: u32) -> SerResult {
        Ok(Value::Int(v.into()))
    }
    fn serialize_u64(self, v: u64) -> SerResult {
        Ok(Value::Int(v.into()))
    }
    fn serialize_u128(self, v: u128) -> SerResult {
        i128::try_from(v)
            .map(Value::Int)
            .map_err(|_| SerError(format!("integer {v} is too large")))
    }
    fn serialize_f32(self, v: f32) -> SerResult {
        // The f64 with the f32's shortest digits, so 0.1f32 prints as 0.1.
        Ok(Value::Float(
            format!("{v:e}").parse().unwrap_or_else(|_| f64::from(v)),
        ))
    }
    fn serialize_f64(self, v: f64) -> SerResult {
        Ok(Value::Float(v))
    }
    fn serialize_char(self, v: char) -> SerResult {
        Ok(Value::Str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> SerResult {
        Ok(Value::Str(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> SerResult {
        Ok(Value::Array(
            v.iter().map(|&b| Value::Int(b.into())).collect(),
        ))
    }
    fn serialize_none(self) -> SerResult {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> SerResult {
        value.serialize(self)
    }
    fn serialize_unit(self) -> SerResult {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> SerResult {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> SerResult {
        Ok(Value::Str(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> SerResult {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> SerResult {
        Ok(wrap(Some(variant), value.serialize(self)?))
    }
    fn serialize_seq(self, len: Option<usize>) -> std::result::Result<SeqBuilder, SerError> {
        Ok(SeqBuilder {
            items: Vec::with_capacity(len.unwrap_or(0).min(4096)),
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> std::result::Result<SeqBuilder, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> std::result::Result<SeqBuilder, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> std::result::Result<SeqBuilder, SerError> {
        let mut seq = self.serialize_seq(Some(len))?;
        seq.variant = Some(variant);
        Ok(seq)
    }
    fn serialize_map(self, len: Option<usize>) -> std::result::Result<MapBuilder, SerError> {
        Ok(MapBuilder {
            entries: Vec::with_capacity(len.unwrap_or(0).min(4096)),
            key: None,
            variant: None,
        })
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> std::result::Result<MapBuilder, SerError> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> std::result::Result<MapBuilder, SerError> {
        let mut map = self.serialize_map(Some(len))?;
        map.variant = Some(variant);
        Ok(map)
    }
}

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Value;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> std::result::Result<(), SerError> {
        self.items.push(value.serialize(ValueSerializer)?);
        Ok(())
    }
    fn end(self) -> SerResult {
        Ok(wrap(self.variant, Value::Array(self.items)))
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Value;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> std::result::Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> SerResult {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Value;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> std::result::Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> SerResult {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleVariant for SeqBuilder {
    type Ok = Value;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> std::result::Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> SerResult {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Value;
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(
        &mut self,
        key: &T,
    ) -> std::result::Result<(), SerError> {
        self.key = Some(key_string(key.serialize(ValueSerializer)?)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> std::result::Result<(), SerError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| SerError("a map value without a key".to_owned()))?;
        self.entries.push((key, value.serialize(ValueSerializer)?));
        Ok(())
    }
    fn end(self) -> SerResult {
        Ok(wrap(self.variant, Value::Object(self.entries)))
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Value;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> std::result::Result<(), SerError> {
        self.entries
            .push((key.to_owned(), value.serialize(ValueSerializer)?));
        Ok(())
    }
    fn end(self) -> SerResult {
        ser::SerializeMap::end(self)
    }
}

impl ser::SerializeStructVariant for MapBuilder {
    type Ok = Value;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> std::result::Result<(), SerError> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> SerResult {
        ser::SerializeMap::end(self)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use std::collections::BTreeMap;

    use super::*;

    // CPython's own outputs for floats, strings and the compact and
    // indented layouts are compared in tests/report_fixtures.rs.

    #[test]
    fn values_round_trip_through_a_json_reader() {
        // Every finite float's text parses back to the same value.
        for v in [0.1, 2.0 / 3.0, 1e-7, 123.456e20, -9.87654321e-5] {
            let text = python_float(v);
            assert_eq!(text.parse::<f64>().unwrap(), v, "{text}");
        }
    }

    #[test]
    fn the_report_layout_has_one_key_per_line_and_inline_lists() {
        let mut m = BTreeMap::new();
        m.insert("b", vec![1.0, f64::NAN]);
        m.insert("a", vec![]);
        assert_eq!(
            to_json(&m).unwrap(),
            "{\n  \"a\": [],\n  \"b\": [1.0, NaN]\n}"
        );
        assert_eq!(to_json(&Vec::<f64>::new()).unwrap(), "[]");
        assert_eq!(to_json(&3u64).unwrap(), "3");
        assert_eq!(to_json(&Some(0.1f32)).unwrap(), "0.1");
        assert_eq!(to_json(&None::<f64>).unwrap(), "null");
    }

    #[test]
    fn non_string_keys_follow_python_and_containers_are_refused() {
        let mut m = BTreeMap::new();
        m.insert(2, true);
        assert_eq!(to_json_compact(&m).unwrap(), r#"{"2": true}"#);
        let mut bad = BTreeMap::new();
        bad.insert(vec![1], 0);
        assert!(matches!(to_json(&bad), Err(Error::Json { .. })));
    }

    #[test]
    fn enums_are_externally_tagged() {
        #[derive(serde::Serialize)]
        enum E {
            Unit,
            New(f64),
            Tuple(u8, u8),
            Struct { x: bool },
        }
        assert_eq!(
            to_json_compact(&[E::Unit, E::New(1.0), E::Tuple(1, 2), E::Struct { x: true }])
                .unwrap(),
            r#"["Unit", {"New": 1.0}, {"Tuple": [1, 2]}, {"Struct": {"x": true}}]"#
        );
    }
}
