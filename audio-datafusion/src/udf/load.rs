//! `load(path [, sr])`: a file's samples.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;

use super::args::{list_f32, list_f32_type, load_mono, opt_i64, path};
use super::RowKernel;
use crate::error::Result;

/// `load(path [, sr])` → `List<Float32>`: the file decoded to mono and
/// resampled to `sr` Hz (default 22050; `0` keeps the file's rate), as
/// `librosa.load(path, sr=sr)` (soxr_hq resampling, channel mean).
#[derive(Debug)]
pub(crate) struct Load;

impl RowKernel for Load {
    fn name(&self) -> &'static str {
        "load"
    }
    fn arguments(&self) -> &'static [&'static str] {
        &["path", "sr"]
    }
    fn required(&self) -> usize {
        1
    }
    fn return_type(&self) -> DataType {
        list_f32_type()
    }
    fn eval(&self, args: &[ScalarValue]) -> Result<ScalarValue> {
        let Some(path) = path(args, 0, self.name())? else {
            return Ok(ScalarValue::try_from(&self.return_type()).unwrap_or(ScalarValue::Null));
        };
        let sr = opt_i64(
            args,
            1,
            i64::from(super::args::DEFAULT_SR),
            self.name(),
            "sr",
        )?;
        let sr = match sr {
            0 => None,
            v => Some(u32::try_from(v).map_err(|_| {
                super::args::invalid_argument(self.name(), "sr", format!("{v} Hz is out of range"))
            })?),
        };
        Ok(list_f32(load_mono(self.name(), &path, sr)?.0))
    }
}
