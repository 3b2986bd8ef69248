//! Weight files: safetensors and PyTorch `.pth`/`.pt` state dicts into a
//! name → tensor map, with typed errors naming the key, expected and found
//! shapes and dtypes; saving safetensors.
//!
//! Tensors are returned in a neutral form ([`TensorData`]: dtype, shape,
//! contiguous little-endian bytes) so that `audio-io` stays free of candle;
//! `audio-nn`/`audio-models` turn them into candle tensors.
//!
//! PyTorch files are the zip format `torch.save` writes since PyTorch 1.6
//! (`archive/data.pkl` + `archive/data/<key>` storages). The pickle is read
//! by a small non-executing unpickler (`pickle.rs`) that understands the
//! subset state dicts use; nested dicts (a checkpoint
//! `{"state_dict": ..., "epoch": 7}`) are flattened with dotted names
//! (`state_dict.conv.weight`; see [`Weights::strip_prefix`]). Views
//! (a storage offset, strides, several tensors sharing a storage) are
//! materialised as contiguous copies. The legacy pre-1.6 (non-zip) format is
//! not supported.

pub use crate::py_value::PyValue;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use crate::pickle::{unpickle, Value};
use crate::{Error, Result};

/// Element types of weight tensors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dtype {
    /// `bool` (1 byte).
    Bool,
    /// `uint8`.
    U8,
    /// `int8`.
    I8,
    /// `int16`.
    I16,
    /// `int32`.
    I32,
    /// `int64`.
    I64,
    /// IEEE half precision.
    F16,
    /// bfloat16.
    BF16,
    /// IEEE single precision.
    F32,
    /// IEEE double precision.
    F64,
}

impl Dtype {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Self::Bool | Self::U8 | Self::I8 => 1,
            Self::I16 | Self::F16 | Self::BF16 => 2,
            Self::I32 | Self::F32 => 4,
            Self::I64 | Self::F64 => 8,
        }
    }

    /// PyTorch's name (`"float32"`, `"int64"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Bool => "bool",
            Self::U8 => "uint8",
            Self::I8 => "int8",
            Self::I16 => "int16",
            Self::I32 => "int32",
            Self::I64 => "int64",
            Self::F16 => "float16",
            Self::BF16 => "bfloat16",
            Self::F32 => "float32",
            Self::F64 => "float64",
        }
    }

    fn from_safetensors(d: safetensors::Dtype) -> Option<Self> {
        use safetensors::Dtype as S;
        Some(match d {
            S::BOOL => Self::Bool,
            S::U8 => Self::U8,
            S::I8 => Self::I8,
            S::I16 => Self::I16,
            S::I32 => Self::I32,
            S::I64 => Self::I64,
            S::F16 => Self::F16,
            S::BF16 => Self::BF16,
            S::F32 => Self::F32,
            S::F64 => Self::F64,
            _ => return None,
        })
    }

    fn to_safetensors(self) -> safetensors::Dtype {
        use safetensors::Dtype as S;
        match self {
            Self::Bool => S::BOOL,
            Self::U8 => S::U8,
            Self::I8 => S::I8,
            Self::I16 => S::I16,
            Self::I32 => S::I32,
            Self::I64 => S::I64,
            Self::F16 => S::F16,
            Self::BF16 => S::BF16,
            Self::F32 => S::F32,
            Self::F64 => S::F64,
        }
    }

    fn from_torch_storage(name: &str) -> Option<Self> {
        Some(match name {
            "BoolStorage" => Self::Bool,
            "ByteStorage" => Self::U8,
            "CharStorage" => Self::I8,
            "ShortStorage" => Self::I16,
            "IntStorage" => Self::I32,
            "LongStorage" => Self::I64,
            "HalfStorage" => Self::F16,
            "BFloat16Storage" => Self::BF16,
            "FloatStorage" => Self::F32,
            "DoubleStorage" => Self::F64,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Dtype {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A tensor in neutral form: dtype, shape and contiguous row-major
/// little-endian bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorData {
    /// Element type.
    pub dtype: Dtype,
    /// Shape (empty for a 0-d tensor).
    pub shape: Vec<usize>,
    /// `product(shape) * dtype.size()` bytes, little-endian, row-major.
    pub data: Vec<u8>,
}

fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x3ff);
    let bits = if exp == 0 {
        if man == 0 {
            sign
        } else {
            // Subnormal: value = man * 2^-24.
            let v = man as f32 * (1.0 / 16_777_216.0);
            return if sign != 0 { -v } else { v };
        }
    } else if exp == 31 {
        sign | 0x7f80_0000 | (man << 13)
    } else {
        sign | ((exp + 112) << 23) | (man << 13)
    };
    f32::from_bits(bits)
}

impl TensorData {
    /// Number of elements: the product of the shape (1 for 0-d).
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// Values converted to `f64` (exactly, from every dtype but 64-bit
    /// integers beyond 2^53).
    pub fn to_f64_vec(&self) -> Vec<f64> {
        let w = self.dtype.size();
        self.data
            .chunks_exact(w)
            .map(|b| match self.dtype {
                Dtype::Bool | Dtype::U8 => f64::from(b[0]),
                Dtype::I8 => f64::from(b[0] as i8),
                Dtype::I16 => f64::from(i16::from_le_bytes([b[0], b[1]])),
                Dtype::I32 => f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                Dtype::I64 => {
                    i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f64
                }
                Dtype::F16 => f64::from(f16_to_f32(u16::from_le_bytes([b[0], b[1]]))),
                Dtype::BF16 => f64::from(f32::from_bits(
                    u32::from(u16::from_le_bytes([b[0], b[1]])) << 16,
                )),
                Dtype::F32 => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                Dtype::F64 => f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
            })
            .collect()
    }

    /// Values converted to `f32` (float16/bfloat16 exactly, float64 rounded).
    pub fn to_f32_vec(&self) -> Vec<f32> {
        if self.dtype == Dtype::F32 {
            return self
                .data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
        }
        self.to_f64_vec().into_iter().map(|v| v as f32).collect()
    }
}

/// A name → tensor map read from a weight file.
///
/// # Example
///
/// ```
/// use audio_io::weights::{Dtype, TensorData, Weights};
/// let mut w = Weights::default();
/// w.insert("fc.bias", TensorData { dtype: Dtype::F32, shape: vec![2], data: [1.0f32, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect() });
/// let bytes = w.to_safetensors_bytes()?;
/// let back = Weights::from_safetensors_bytes(&bytes)?;
/// assert_eq!(back.f32("fc.bias", &[2])?, vec![1.0, 2.0]);
/// assert!(matches!(back.f32("fc.bias", &[3]), Err(audio_io::Error::WeightShape { .. })));
/// assert!(matches!(back.f32("fc.weight", &[2]), Err(audio_io::Error::MissingKey { .. })));
/// # Ok::<(), audio_io::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Weights {
    tensors: BTreeMap<String, TensorData>,
}

/// The largest member of a `.pth` zip that is read into memory (4 GiB).
const MAX_ENTRY: u64 = 1 << 32;

impl Weights {
    /// Reads `.safetensors`, or a PyTorch `.pth`/`.pt`/`.bin` zip (recognised
    /// by its `PK` magic).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read; as
    /// [`Weights::from_safetensors_bytes`] and [`Weights::from_pth_bytes`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::io(path, source))?;
        if bytes.starts_with(b"PK\x03\x04") {
            Self::from_pth_bytes(&bytes)
        } else {
            Self::from_safetensors_bytes(&bytes)
        }
        .map_err(|e| e.in_file(path))
    }

    /// Parses a safetensors file.
    ///
    /// # Errors
    ///
    /// [`Error::Safetensors`] for a malformed file (bad header length, bad
    /// JSON, offsets outside the buffer), [`Error::Unsupported`] for a dtype
    /// outside [`Dtype`].
    pub fn from_safetensors_bytes(bytes: &[u8]) -> Result<Self> {
        let st = safetensors::SafeTensors::deserialize(bytes)
            .map_err(|source| Error::Safetensors { source })?;
        let mut tensors = BTreeMap::new();
        for (name, view) in st.tensors() {
            let dtype =
                Dtype::from_safetensors(view.dtype()).ok_or_else(|| Error::Unsupported {
                    what: "safetensors dtype",
                    got: format!("{:?} (tensor {name})", view.dtype()),
                })?;
            tensors.insert(
                name,
                TensorData {
                    dtype,
                    shape: view.shape().to_vec(),
                    data: view.data().to_vec(),
                },
            );
        }
        Ok(Self { tensors })
    }

    /// Parses a PyTorch zip checkpoint (`torch.save`, PyTorch ≥ 1.6).
    ///
    /// # Errors
    ///
    /// [`Error::Zip`] for a malformed zip, [`Error::Malformed`] for a
    /// malformed pickle or a tensor view outside its storage,
    /// [`Error::Unsupported`] for a big-endian file, an unknown storage type
    /// or pickle opcode.
    pub fn from_pth_bytes(bytes: &[u8]) -> Result<Self> {
        Self::from_pth_bytes_with_objects(bytes).map(|(weights, _)| weights)
    }

    /// Reads a PyTorch file like [`Weights::from_pth_bytes`], and also
    /// returns the whole pickled object, with each tensor replaced by
    /// [`PyValue::Tensor`] naming its key. This is how a checkpoint that
    /// stores more than a state dict is read: a Demucs `.th` is
    /// `{"klass": <class>, "args": [...], "kwargs": {...}, "state": {...}}`,
    /// and its tensors are under `state.`.
    ///
    /// # Errors
    ///
    /// As [`Weights::from_pth_bytes`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// use audio_io::weights::{PyValue, Weights};
    ///
    /// let bytes = std::fs::read("model.th")?;
    /// let (weights, object) = Weights::from_pth_bytes_with_objects(&bytes)?;
    /// let kwargs = object.get("kwargs");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_pth_bytes_with_objects(bytes: &[u8]) -> Result<(Self, PyValue)> {
        let zip_err = |source| Error::Zip { source };
        let mut zip = crate::zip_archive::open_zip(std::io::Cursor::new(bytes))?;
        let mut names: Vec<String> = Vec::with_capacity(zip.len());
        for i in 0..zip.len() {
            let f = zip.by_index(i).map_err(zip_err)?;
            names.push(f.name().map_err(zip_err)?.into_owned());
        }
        let pkl = names
            .iter()
            .find(|n| n.ends_with("data.pkl") && n.matches('/').count() <= 1)
            .cloned()
            .ok_or_else(|| Error::malformed("pth", "no data.pkl in the zip"))?;
        let prefix = pkl.trim_end_matches("data.pkl").to_string();
        let mut read_entry = |name: &str| -> Result<Vec<u8>> {
            let f = zip.by_name(name).map_err(zip_err)?;
            let declared = f.size();
            let bound = f
                .compressed_size()
                .saturating_mul(1100)
                .saturating_add(1024)
                .min(MAX_ENTRY);
            if declared > bound {
                return Err(Error::malformed(
                    "pth",
                    format!("{name}: {declared} bytes declared"),
                ));
            }
            let mut out = Vec::new();
            f.take(declared)
                .read_to_end(&mut out)
                .map_err(|source| Error::Stream { source })?;
            Ok(out)
        };
        if names.iter().any(|n| *n == format!("{prefix}byteorder")) {
            let order = read_entry(&format!("{prefix}byteorder"))?;
            if order.trim_ascii() != b"little" {
                return Err(Error::Unsupported {
                    what: "pth byte order",
                    got: String::from_utf8_lossy(&order).into_owned(),
                });
            }
        }
        let root = unpickle(&read_entry(&pkl)?)?;
        let mut flat: Vec<(String, TensorRef)> = Vec::new();
        collect_tensors(&root, "", &mut flat, 0)?;
        let mut storages: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        let mut tensors = BTreeMap::new();
        for (name, t) in flat {
            if !storages.contains_key(&t.key) {
                let data = read_entry(&format!("{prefix}data/{}", t.key))?;
                storages.insert(t.key.clone(), data);
            }
            let storage = &storages[&t.key];
            let tensor = materialise(&name, &t, storage)?;
            tensors.insert(name, tensor);
        }
        let object = py_value(&root, "", 0)?;
        Ok((Self { tensors }, object))
    }

    /// Adds or replaces a tensor.
    pub fn insert(&mut self, name: impl Into<String>, tensor: TensorData) {
        self.tensors.insert(name.into(), tensor);
    }

    /// Tensor names, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.tensors.keys().map(String::as_str)
    }

    /// Number of tensors.
    pub fn len(&self) -> usize {
        self.tensors.len()
    }

    /// Whether there are no tensors.
    pub fn is_empty(&self) -> bool {
        self.tensors.is_empty()
    }

    /// Keeps only names starting with `prefix`, with the prefix removed
    /// (`strip_prefix("state_dict.")` on a checkpoint).
    pub fn strip_prefix(self, prefix: &str) -> Self {
        Self {
            tensors: self
                .tensors
                .into_iter()
                .filter_map(|(k, v)| k.strip_prefix(prefix).map(|s| (s.to_string(), v)))
                .collect(),
        }
    }

    /// The tensor `key`.
    ///
    /// # Errors
    ///
    /// [`Error::MissingKey`] when there is none.
    pub fn get(&self, key: &str) -> Result<&TensorData> {
        self.tensors.get(key).ok_or_else(|| Error::MissingKey {
            key: key.to_string(),
        })
    }

    /// The tensor `key` checked against `shape` and `dtype`.
    ///
    /// # Errors
    ///
    /// [`Error::MissingKey`], [`Error::WeightShape`] (naming the key and both
    /// shapes), [`Error::WeightDtype`].
    pub fn expect(&self, key: &str, shape: &[usize], dtype: Dtype) -> Result<&TensorData> {
        let t = self.get(key)?;
        if t.shape != shape {
            return Err(Error::WeightShape {
                key: key.to_string(),
                expected: shape.to_vec(),
                got: t.shape.clone(),
            });
        }
        if t.dtype != dtype {
            return Err(Error::WeightDtype {
                key: key.to_string(),
                expected: dtype.name().to_string(),
                got: t.dtype.name().to_string(),
            });
        }
        Ok(t)
    }

    /// The floating-point tensor `key` with shape `shape`, as `f32`
    /// (float16/bfloat16/float64 converted).
    ///
    /// # Errors
    ///
    /// [`Error::MissingKey`], [`Error::WeightShape`], and
    /// [`Error::WeightDtype`] for an integer or bool tensor.
    pub fn f32(&self, key: &str, shape: &[usize]) -> Result<Vec<f32>> {
        let t = self.get(key)?;
        if t.shape != shape {
            return Err(Error::WeightShape {
                key: key.to_string(),
                expected: shape.to_vec(),
                got: t.shape.clone(),
            });
        }
        if !matches!(t.dtype, Dtype::F16 | Dtype::BF16 | Dtype::F32 | Dtype::F64) {
            return Err(Error::WeightDtype {
                key: key.to_string(),
                expected: "a floating-point dtype".to_string(),
                got: t.dtype.name().to_string(),
            });
        }
        Ok(t.to_f32_vec())
    }

    /// Encodes as safetensors (tensors in name order).
    ///
    /// # Errors
    ///
    /// [`Error::Safetensors`] when a tensor's bytes do not match its shape.
    pub fn to_safetensors_bytes(&self) -> Result<Vec<u8>> {
        let views = self
            .tensors
            .iter()
            .map(|(k, t)| {
                safetensors::tensor::TensorView::new(
                    t.dtype.to_safetensors(),
                    t.shape.clone(),
                    &t.data,
                )
                .map(|v| (k.clone(), v))
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|source| Error::Safetensors { source })?;
        safetensors::serialize(views, None).map_err(|source| Error::Safetensors { source })
    }

    /// Writes a safetensors file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when writing fails; as [`Weights::to_safetensors_bytes`].
    pub fn save_safetensors(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = self.to_safetensors_bytes()?;
        crate::write_file(path, bytes)
    }
}

/// A tensor found in the pickle: which storage, and the view on it.
#[derive(Debug, Clone)]
struct TensorRef {
    key: String,
    dtype: Dtype,
    storage_numel: u64,
    offset: u64,
    size: Vec<u64>,
    stride: Vec<u64>,
}

fn as_u64(v: &Value, what: &str) -> Result<u64> {
    match v {
        Value::Int(i) if *i >= 0 => Ok(*i as u64),
        _ => Err(Error::malformed(
            "pth",
            format!("{what}: expected a non-negative integer"),
        )),
    }
}

fn as_u64_tuple(v: &Value, what: &str) -> Result<Vec<u64>> {
    match v {
        Value::Tuple(items) | Value::List(items) => items.iter().map(|i| as_u64(i, what)).collect(),
        _ => Err(Error::malformed("pth", format!("{what}: expected a tuple"))),
    }
}

/// Recognises `_rebuild_tensor_v2(storage, offset, size, stride, ...)` and
/// `_rebuild_parameter(tensor, ...)`.
fn tensor_of(v: &Value) -> Result<Option<TensorRef>> {
    let Value::Call(func, args) = v else {
        return Ok(None);
    };
    let Value::Global(module, name) = func.as_ref() else {
        return Ok(None);
    };
    let Value::Tuple(args) = args.as_ref() else {
        return Ok(None);
    };
    if module != "torch._utils" {
        return Ok(None);
    }
    match name.as_str() {
        "_rebuild_parameter" | "_rebuild_parameter_with_state" => match args.first() {
            Some(inner) => tensor_of(inner),
            None => Err(Error::malformed(
                "pth",
                "_rebuild_parameter without arguments",
            )),
        },
        "_rebuild_tensor_v2" | "_rebuild_tensor" => {
            if args.len() < 4 {
                return Err(Error::malformed(
                    "pth",
                    "_rebuild_tensor_v2 with fewer than 4 arguments",
                ));
            }
            let Value::Persistent(pid) = &args[0] else {
                return Err(Error::malformed(
                    "pth",
                    "tensor storage is not a persistent id",
                ));
            };
            let Value::Tuple(pid) = pid.as_ref() else {
                return Err(Error::malformed("pth", "storage id is not a tuple"));
            };
            if pid.len() < 5 || pid[0] != Value::Str("storage".into()) {
                return Err(Error::malformed(
                    "pth",
                    "storage id is not ('storage', type, key, location, numel)",
                ));
            }
            let dtype = match &pid[1] {
                Value::Global(m, n) if m == "torch" => Dtype::from_torch_storage(n),
                _ => None,
            }
            .ok_or_else(|| Error::Unsupported {
                what: "torch storage type",
                got: format!("{:?}", pid[1]),
            })?;
            let key = match &pid[2] {
                Value::Str(s)
                    if !s.is_empty()
                        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
                {
                    s.clone()
                }
                _ => return Err(Error::malformed("pth", "storage key is not a plain name")),
            };
            let storage_numel = as_u64(&pid[4], "storage numel")?;
            let offset = as_u64(&args[1], "storage offset")?;
            let size = as_u64_tuple(&args[2], "size")?;
            let stride = as_u64_tuple(&args[3], "stride")?;
            if size.len() != stride.len() {
                return Err(Error::malformed(
                    "pth",
                    "size and stride of different lengths",
                ));
            }
            Ok(Some(TensorRef {
                key,
                dtype,
                storage_numel,
                offset,
                size,
                stride,
            }))
        }
        _ => Ok(None),
    }
}

/// The public form of an unpickled value; tensors become their key.
fn py_value(v: &Value, prefix: &str, depth: usize) -> Result<PyValue> {
    if depth > 64 {
        return Err(Error::malformed("pth", "values nested more than 64 deep"));
    }
    if tensor_of(v)?.is_some() {
        return Ok(PyValue::Tensor(prefix.to_string()));
    }
    let key = |k: &Value| match k {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    };
    Ok(match v {
        Value::None => PyValue::None,
        Value::Bool(b) => PyValue::Bool(*b),
        Value::Int(i) => PyValue::Int(*i),
        Value::Float(f) => PyValue::Float(*f),
        Value::Str(s) => PyValue::Str(s.clone()),
        Value::Bytes(b) => PyValue::Bytes(b.clone()),
        Value::Tuple(items) | Value::List(items) => PyValue::List(
            items
                .iter()
                .map(|x| py_value(x, prefix, depth + 1))
                .collect::<Result<_>>()?,
        ),
        Value::Dict(items) => PyValue::Dict(
            items
                .iter()
                .map(|(k, x)| {
                    let inner = match key(k) {
                        Some(name) if prefix.is_empty() => name,
                        Some(name) => format!("{prefix}.{name}"),
                        None => prefix.to_string(),
                    };
                    Ok((
                        py_value(k, prefix, depth + 1)?,
                        py_value(x, &inner, depth + 1)?,
                    ))
                })
                .collect::<Result<_>>()?,
        ),
        Value::Global(module, name) => PyValue::Global {
            module: module.clone(),
            name: name.clone(),
        },
        Value::Call(callable, args) => PyValue::Call {
            callable: Box::new(py_value(callable, prefix, depth + 1)?),
            args: Box::new(py_value(args, prefix, depth + 1)?),
        },
        Value::Persistent(_) => PyValue::None,
    })
}

fn collect_tensors(
    v: &Value,
    prefix: &str,
    out: &mut Vec<(String, TensorRef)>,
    depth: usize,
) -> Result<()> {
    if depth > 64 {
        return Err(Error::malformed("pth", "dicts nested more than 64 deep"));
    }
    if let Value::Dict(items) = v {
        for (k, val) in items {
            let name = match k {
                Value::Str(s) => s.clone(),
                Value::Int(i) => i.to_string(),
                _ => continue,
            };
            let full = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}.{name}")
            };
            if let Some(t) = tensor_of(val)? {
                // A repeated key: the later value wins, as in Python.
                out.retain(|(n, _)| *n != full);
                out.push((full, t));
            } else {
                collect_tensors(val, &full, out, depth + 1)?;
            }
        }
    }
    Ok(())
}

fn materialise(name: &str, t: &TensorRef, storage: &[u8]) -> Result<TensorData> {
    let w = t.dtype.size() as u64;
    let have = storage.len() as u64 / w;
    if have < t.storage_numel {
        return Err(Error::malformed(
            "pth",
            format!(
                "{name}: storage {} holds {have} elements, pickle says {}",
                t.key, t.storage_numel
            ),
        ));
    }
    let numel = t
        .size
        .iter()
        .try_fold(1u64, |a, &s| a.checked_mul(s))
        .filter(|&n| n <= have)
        .ok_or_else(|| {
            Error::malformed(
                "pth",
                format!("{name}: shape {:?} larger than its storage", t.size),
            )
        })?;
    if numel > 0 {
        // The largest element index the view touches must lie in the storage.
        let mut last = t.offset;
        for (&s, &st) in t.size.iter().zip(&t.stride) {
            last = (s - 1)
                .checked_mul(st)
                .and_then(|x| last.checked_add(x))
                .ok_or_else(|| Error::malformed("pth", format!("{name}: view overflows")))?;
        }
        if last >= have {
            return Err(Error::malformed(
                "pth",
                format!("{name}: view reaches element {last} of a {have}-element storage"),
            ));
        }
    }
    let shape: Vec<usize> = t.size.iter().map(|&s| s as usize).collect();
    let wu = w as usize;
    let mut data = Vec::with_capacity(numel as usize * wu);
    let contiguous = {
        let mut expect = 1u64;
        let mut ok = true;
        for (&s, &st) in t.size.iter().zip(&t.stride).rev() {
            if s > 1 && st != expect {
                ok = false;
            }
            expect *= s;
        }
        ok
    };
    if contiguous {
        let a = (t.offset * w) as usize;
        data.extend_from_slice(&storage[a..a + numel as usize * wu]);
    } else if numel > 0 {
        let nd = shape.len();
        let mut idx = vec![0u64; nd];
        for _ in 0..numel {
            let e: u64 = t.offset + idx.iter().zip(&t.stride).map(|(i, s)| i * s).sum::<u64>();
            let a = (e * w) as usize;
            data.extend_from_slice(&storage[a..a + wu]);
            for d in (0..nd).rev() {
                idx[d] += 1;
                if idx[d] < t.size[d] {
                    break;
                }
                idx[d] = 0;
            }
        }
    }
    Ok(TensorData {
        dtype: t.dtype,
        shape,
        data,
    })
}
