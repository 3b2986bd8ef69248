//! The scalar functions: one row kernel per function, run over each batch by
//! one adapter ([`RowUdf`]) that handles arguments, nulls and the error policy.

use std::fmt::Debug;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::error::Result;
use crate::options::AudioOptions;

pub(crate) mod args;
pub(crate) mod eval;
pub(crate) mod features;
pub(crate) mod load;
pub(crate) mod notes;
pub(crate) mod rhythm;
pub(crate) mod transcribe;

/// One function evaluated row by row.
pub(crate) trait RowKernel: Debug + Send + Sync + 'static {
    /// The SQL name.
    fn name(&self) -> &'static str;
    /// Argument names in order; the first `required` are required.
    fn arguments(&self) -> &'static [&'static str];
    /// How many leading arguments are required.
    fn required(&self) -> usize;
    /// The result type.
    fn return_type(&self) -> DataType;
    /// The result for one row. `args` holds one value per argument given
    /// (a trailing optional argument that is absent is not in `args`).
    fn eval(&self, args: &[ScalarValue]) -> Result<ScalarValue>;
}

/// The adapter from a [`RowKernel`] to DataFusion's [`ScalarUDFImpl`].
///
/// Functions are [`Volatility::Volatile`]: they read files, so the planner
/// must not fold a call on literal paths into a constant on the client (in a
/// cluster the work belongs on the executors).
#[derive(Debug)]
pub(crate) struct RowUdf {
    kernel: Box<dyn RowKernel>,
    signature: Signature,
}

impl RowUdf {
    pub(crate) fn udf(kernel: impl RowKernel) -> ScalarUDF {
        ScalarUDF::new_from_impl(Self {
            kernel: Box::new(kernel),
            signature: Signature::variadic_any(Volatility::Volatile),
        })
    }
}

impl PartialEq for RowUdf {
    fn eq(&self, other: &Self) -> bool {
        self.kernel.name() == other.kernel.name()
    }
}

impl Eq for RowUdf {}

impl Hash for RowUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.kernel.name().hash(state);
    }
}

impl ScalarUDFImpl for RowUdf {
    fn name(&self) -> &str {
        self.kernel.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> DfResult<DataType> {
        let given = arg_types.len();
        let names = self.kernel.arguments();
        if given < self.kernel.required() || given > names.len() {
            return Err(crate::Error::InvalidArgument {
                function: self.kernel.name(),
                argument: "count",
                reason: format!(
                    "takes {} to {} arguments ({}), got {given}",
                    self.kernel.required(),
                    names.len(),
                    names.join(", ")
                ),
            }
            .into());
        }
        Ok(self.kernel.return_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let null_on_error = args
            .config_options
            .extensions
            .get::<AudioOptions>()
            .is_none_or(|o| o.null_on_error);
        let return_type = self.kernel.return_type();
        let rows = args.number_rows;
        let mut out = Vec::with_capacity(rows);
        let mut row_args = Vec::with_capacity(args.args.len());
        for row in 0..rows {
            row_args.clear();
            for arg in &args.args {
                row_args.push(match arg {
                    ColumnarValue::Scalar(s) => s.clone(),
                    ColumnarValue::Array(a) => ScalarValue::try_from_array(a, row)?,
                });
            }
            // A null in the first (input) argument gives a null row.
            if row_args.first().is_some_and(ScalarValue::is_null) {
                out.push(ScalarValue::try_from(&return_type)?);
                continue;
            }
            match self.kernel.eval(&row_args) {
                Ok(value) => out.push(value),
                Err(_) if null_on_error => out.push(ScalarValue::try_from(&return_type)?),
                Err(e) => return Err(e.into()),
            }
        }
        let array = if out.is_empty() {
            datafusion::arrow::array::new_empty_array(&return_type)
        } else {
            ScalarValue::iter_to_array(out)?
        };
        Ok(ColumnarValue::Array(array))
    }
}

/// Every audio function, as DataFusion scalar functions.
pub fn all_audio_udfs() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(RowUdf::udf(load::Load)),
        Arc::new(RowUdf::udf(features::Melspectrogram)),
        Arc::new(RowUdf::udf(features::MfccKernel)),
        Arc::new(RowUdf::udf(features::ChromaCqtKernel)),
        Arc::new(RowUdf::udf(rhythm::OnsetTimes)),
        Arc::new(RowUdf::udf(rhythm::Tempo)),
        Arc::new(RowUdf::udf(rhythm::BeatTimes)),
        Arc::new(RowUdf::udf(features::EstimateKey)),
        Arc::new(RowUdf::udf(transcribe::Transcribe)),
        Arc::new(RowUdf::udf(eval::SeparationScores)),
        Arc::new(RowUdf::udf(eval::SiSdr)),
        Arc::new(RowUdf::udf(notes::NoteFMeasure)),
    ]
}
