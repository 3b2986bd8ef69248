//! A small, bounded, non-executing unpickler for the subset of Python's
//! pickle protocol (0x80 protocols 2–5) that PyTorch state dicts use.
//!
//! Nothing is imported or called: `GLOBAL` produces a name, `REDUCE` a
//! record of "callable + arguments", which [`crate::weights`] recognises for
//! the few constructors a state dict contains (`OrderedDict`,
//! `torch._utils._rebuild_tensor_v2`, `_rebuild_parameter`). Memory is
//! bounded: the input size is capped by the caller, and every value built or
//! copied out of the memo counts against a node budget, so "billion laughs"
//! pickles fail with [`Error::Malformed`] instead of exhausting memory.

use std::collections::HashMap;

use crate::{Error, Result};

/// A Python value as far as state dicts need.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    Tuple(Vec<Value>),
    List(Vec<Value>),
    /// Insertion-ordered key/value pairs (dict and OrderedDict).
    Dict(Vec<(Value, Value)>),
    /// `module.name` from GLOBAL / STACK_GLOBAL.
    Global(String, String),
    /// `callable(*args)` from REDUCE / NEWOBJ, not evaluated.
    Call(Box<Value>, Box<Value>),
    /// A persistent id (`BINPERSID`): PyTorch's storage reference tuple.
    Persistent(Box<Value>),
}

impl Value {
    fn nodes(&self) -> usize {
        match self {
            Value::Tuple(v) | Value::List(v) => 1 + v.iter().map(Value::nodes).sum::<usize>(),
            Value::Dict(v) => 1 + v.iter().map(|(a, b)| a.nodes() + b.nodes()).sum::<usize>(),
            Value::Call(a, b) => 1 + a.nodes() + b.nodes(),
            Value::Persistent(a) => 1 + a.nodes(),
            Value::Str(s) => 1 + s.len() / 64,
            Value::Bytes(b) => 1 + b.len() / 64,
            _ => 1,
        }
    }
}

/// The most value nodes one unpickling may build (including memo copies).
const MAX_NODES: usize = 20_000_000;

struct Machine<'a> {
    data: &'a [u8],
    pos: usize,
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: HashMap<u32, Value>,
    nodes: usize,
}

fn bad(what: impl Into<String>) -> Error {
    Error::malformed("pickle", what)
}

impl<'a> Machine<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| bad("truncated"))?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    fn line(&mut self) -> Result<String> {
        let rest = &self.data[self.pos..];
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| bad("unterminated line"))?;
        let s = String::from_utf8_lossy(&rest[..n]).into_owned();
        self.pos += n + 1;
        Ok(s)
    }
    fn count(&mut self, n: usize) -> Result<()> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(bad(format!("more than {MAX_NODES} values")));
        }
        Ok(())
    }
    fn push(&mut self, v: Value) -> Result<()> {
        self.count(1)?;
        self.stack.push(v);
        Ok(())
    }
    fn pop(&mut self) -> Result<Value> {
        if self.marks.last().is_some_and(|&m| self.stack.len() <= m) {
            return Err(bad("pop across a mark"));
        }
        self.stack.pop().ok_or_else(|| bad("stack underflow"))
    }
    fn top(&mut self) -> Result<&mut Value> {
        self.stack.last_mut().ok_or_else(|| bad("stack underflow"))
    }
    fn pop_mark(&mut self) -> Result<Vec<Value>> {
        let m = self.marks.pop().ok_or_else(|| bad("no mark"))?;
        if m > self.stack.len() {
            return Err(bad("mark beyond stack"));
        }
        Ok(self.stack.split_off(m))
    }
    fn sized_str(&mut self, n: u64) -> Result<String> {
        let n = usize::try_from(n).map_err(|_| bad("string length"))?;
        let b = self.take(n)?;
        Ok(String::from_utf8_lossy(b).into_owned())
    }
    fn sized_bytes(&mut self, n: u64) -> Result<Vec<u8>> {
        let n = usize::try_from(n).map_err(|_| bad("bytes length"))?;
        Ok(self.take(n)?.to_vec())
    }
    fn memo_get(&mut self, k: u32) -> Result<()> {
        let v = self
            .memo
            .get(&k)
            .cloned()
            .ok_or_else(|| bad(format!("memo key {k} missing")))?;
        self.count(v.nodes())?;
        self.stack.push(v);
        Ok(())
    }
    fn memo_put(&mut self, k: u32) -> Result<()> {
        let v = self
            .stack
            .last()
            .cloned()
            .ok_or_else(|| bad("stack underflow"))?;
        self.count(v.nodes())?;
        self.memo.insert(k, v);
        Ok(())
    }

    fn run(&mut self) -> Result<Value> {
        loop {
            let op = self.u8()?;
            match op {
                0x80 => {
                    let proto = self.u8()?;
                    if proto > 5 {
                        return Err(Error::Unsupported {
                            what: "pickle protocol",
                            got: proto.to_string(),
                        });
                    }
                }
                0x95 => {
                    self.u64()?; // FRAME: length only, data follows inline
                }
                b'.' => return self.pop(),
                b'(' => self.marks.push(self.stack.len()),
                b'N' => self.push(Value::None)?,
                0x88 => self.push(Value::Bool(true))?,
                0x89 => self.push(Value::Bool(false))?,
                b'J' => {
                    let v = self.u32()? as i32;
                    self.push(Value::Int(i64::from(v)))?;
                }
                b'K' => {
                    let v = self.u8()?;
                    self.push(Value::Int(i64::from(v)))?;
                }
                b'M' => {
                    let v = self.u16()?;
                    self.push(Value::Int(i64::from(v)))?;
                }
                0x8a => {
                    let n = usize::from(self.u8()?);
                    let b = self.take(n)?;
                    if n > 8 {
                        return Err(Error::Unsupported {
                            what: "pickle integer",
                            got: format!("{n}-byte LONG1"),
                        });
                    }
                    let mut v: i64 = 0;
                    for (i, &byte) in b.iter().enumerate() {
                        v |= i64::from(byte) << (8 * i);
                    }
                    if n > 0 && n < 8 && b[n - 1] & 0x80 != 0 {
                        v -= 1i64 << (8 * n);
                    }
                    self.push(Value::Int(v))?;
                }
                b'G' => {
                    let b = self.take(8)?;
                    let mut a = [0u8; 8];
                    a.copy_from_slice(b);
                    self.push(Value::Float(f64::from_be_bytes(a)))?;
                }
                b'X' => {
                    let n = self.u32()?;
                    let s = self.sized_str(u64::from(n))?;
                    self.push(Value::Str(s))?;
                }
                0x8c => {
                    let n = self.u8()?;
                    let s = self.sized_str(u64::from(n))?;
                    self.push(Value::Str(s))?;
                }
                0x8d => {
                    let n = self.u64()?;
                    let s = self.sized_str(n)?;
                    self.push(Value::Str(s))?;
                }
                b'T' => {
                    let n = self.u32()?;
                    let s = self.sized_str(u64::from(n))?;
                    self.push(Value::Str(s))?;
                }
                b'U' => {
                    let n = self.u8()?;
                    let s = self.sized_str(u64::from(n))?;
                    self.push(Value::Str(s))?;
                }
                b'B' => {
                    let n = self.u32()?;
                    let b = self.sized_bytes(u64::from(n))?;
                    self.push(Value::Bytes(b))?;
                }
                b'C' => {
                    let n = self.u8()?;
                    let b = self.sized_bytes(u64::from(n))?;
                    self.push(Value::Bytes(b))?;
                }
                b')' => self.push(Value::Tuple(Vec::new()))?,
                b't' => {
                    let items = self.pop_mark()?;
                    self.push(Value::Tuple(items))?;
                }
                0x85 => {
                    let a = self.pop()?;
                    self.push(Value::Tuple(vec![a]))?;
                }
                0x86 => {
                    let b = self.pop()?;
                    let a = self.pop()?;
                    self.push(Value::Tuple(vec![a, b]))?;
                }
                0x87 => {
                    let c = self.pop()?;
                    let b = self.pop()?;
                    let a = self.pop()?;
                    self.push(Value::Tuple(vec![a, b, c]))?;
                }
                b']' => self.push(Value::List(Vec::new()))?,
                b'l' => {
                    let items = self.pop_mark()?;
                    self.push(Value::List(items))?;
                }
                b'a' => {
                    let v = self.pop()?;
                    match self.top()? {
                        Value::List(l) => l.push(v),
                        _ => return Err(bad("APPEND to a non-list")),
                    }
                }
                b'e' => {
                    let items = self.pop_mark()?;
                    match self.top()? {
                        Value::List(l) => l.extend(items),
                        _ => return Err(bad("APPENDS to a non-list")),
                    }
                }
                b'}' => self.push(Value::Dict(Vec::new()))?,
                b'd' => {
                    let items = self.pop_mark()?;
                    let d = pairs(items)?;
                    self.push(Value::Dict(d))?;
                }
                b's' => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    dict_insert(self.top()?, vec![(k, v)])?;
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    let d = pairs(items)?;
                    dict_insert(self.top()?, d)?;
                }
                b'c' => {
                    let module = self.line()?;
                    let name = self.line()?;
                    self.push(Value::Global(module, name))?;
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    match (module, name) {
                        (Value::Str(m), Value::Str(n)) => self.push(Value::Global(m, n))?,
                        _ => return Err(bad("STACK_GLOBAL needs two strings")),
                    }
                }
                b'R' | 0x81 => {
                    let args = self.pop()?;
                    let func = self.pop()?;
                    self.push(reduce(func, args))?;
                }
                b'b' => {
                    // BUILD: set state on the object; state dicts carry only
                    // `_metadata`, which is not needed.
                    self.pop()?;
                }
                b'Q' => {
                    let pid = self.pop()?;
                    self.push(Value::Persistent(Box::new(pid)))?;
                }
                b'q' => {
                    let k = self.u8()?;
                    self.memo_put(u32::from(k))?;
                }
                b'r' => {
                    let k = self.u32()?;
                    self.memo_put(k)?;
                }
                0x94 => {
                    let k = u32::try_from(self.memo.len()).map_err(|_| bad("memo overflow"))?;
                    self.memo_put(k)?;
                }
                b'h' => {
                    let k = self.u8()?;
                    self.memo_get(u32::from(k))?;
                }
                b'j' => {
                    let k = self.u32()?;
                    self.memo_get(k)?;
                }
                b'0' => {
                    self.pop()?;
                }
                b'2' => {
                    let v = self
                        .stack
                        .last()
                        .cloned()
                        .ok_or_else(|| bad("stack underflow"))?;
                    self.count(v.nodes())?;
                    self.stack.push(v);
                }
                other => {
                    return Err(Error::Unsupported {
                        what: "pickle opcode",
                        got: format!("{other:#04x} at byte {}", self.pos - 1),
                    })
                }
            }
        }
    }
}

fn pairs(items: Vec<Value>) -> Result<Vec<(Value, Value)>> {
    if !items.len().is_multiple_of(2) {
        return Err(bad("odd number of dict items"));
    }
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    Ok(out)
}

fn dict_insert(target: &mut Value, items: Vec<(Value, Value)>) -> Result<()> {
    match target {
        Value::Dict(d) => {
            // Appended in order; a repeated key is resolved by the reader
            // (the later value wins, as in Python).
            d.extend(items);
            Ok(())
        }
        _ => Err(bad("SETITEM(S) on a non-dict")),
    }
}

/// `REDUCE`: `OrderedDict()` becomes an empty dict; everything else is kept
/// as an unevaluated call.
fn reduce(func: Value, args: Value) -> Value {
    if let Value::Global(m, n) = &func {
        if m == "collections" && n == "OrderedDict" {
            return Value::Dict(Vec::new());
        }
    }
    Value::Call(Box::new(func), Box::new(args))
}

/// Unpickles `data` (at most `data.len()` bytes are looked at).
pub(crate) fn unpickle(data: &[u8]) -> Result<Value> {
    let mut m = Machine {
        data,
        pos: 0,
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
        nodes: 0,
    };
    m.run()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billion_laughs_is_bounded() {
        // [x, x] nested repeatedly through the memo: 2^40 nodes if copied.
        let mut p = vec![0x80, 2, b']', b'q', 0];
        for i in 0..40u8 {
            p.extend_from_slice(&[b'(', b'h', i, b'h', i, b'l', b'q', i + 1]);
        }
        p.push(b'.');
        let err = unpickle(&p).unwrap_err();
        assert!(matches!(err, Error::Malformed { .. }), "{err}");
    }

    #[test]
    fn small_dict_round_trip() {
        // {'a': 1, 'b': (2.5, None)} as protocol 2.
        let p = [
            0x80, 2, b'}', b'q', 0, b'(', 0x8c, 1, b'a', b'K', 1, 0x8c, 1, b'b', b'G', 0x40, 0x04,
            0, 0, 0, 0, 0, 0, b'N', 0x86, b'u', b'.',
        ];
        let v = unpickle(&p).unwrap();
        assert_eq!(
            v,
            Value::Dict(vec![
                (Value::Str("a".into()), Value::Int(1)),
                (
                    Value::Str("b".into()),
                    Value::Tuple(vec![Value::Float(2.5), Value::None])
                ),
            ])
        );
    }

    #[test]
    fn truncated_and_garbage_are_errors() {
        assert!(unpickle(&[0x80, 2, b'X', 0xff, 0xff, 0xff, 0x7f]).is_err());
        assert!(unpickle(&[0x80, 2, b'a', b'.']).is_err());
        assert!(unpickle(b"").is_err());
        assert!(unpickle(&[0xfe]).is_err());
    }
}
