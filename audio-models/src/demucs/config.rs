//! [`DemucsConfig`]: the constructor arguments of `demucs.demucs.Demucs`.

use audio_io::weights::PyValue;

use crate::error::{Error, Result};

/// The arguments of `demucs.demucs.Demucs(sources, ...)` in demucs 4.1.0,
/// with the same names and defaults. A checkpoint stores the ones its
/// training changed (`kwargs`); [`DemucsConfig::from_kwargs`] fills the rest
/// from these defaults, as the constructor does.
///
/// It serialises with the constructor's keyword names (the form our
/// training checkpoints record).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct DemucsConfig {
    /// Source names, in output order (`sources`).
    pub sources: Vec<String>,
    /// Audio channels (`audio_channels`, 2).
    pub audio_channels: usize,
    /// Channels of the first layer (`channels`, 64).
    pub channels: usize,
    /// Channel growth per layer (`growth`, 2.0).
    pub growth: f64,
    /// Encoder and decoder layers (`depth`, 6).
    pub depth: usize,
    /// A 1×1 (decoder: `2·context+1`) convolution and GLU in each layer (`rewrite`, true).
    pub rewrite: bool,
    /// Layers of the BLSTM between encoder and decoder, 0 for none (`lstm_layers`, 0).
    pub lstm_layers: usize,
    /// Kernel of the strided convolutions (`kernel_size`, 8).
    pub kernel_size: usize,
    /// Stride (`stride`, 4).
    pub stride: usize,
    /// Context of the decoder's rewrite convolution (`context`, 1).
    pub context: usize,
    /// GELU (else ReLU) after the strided convolutions (`gelu`, true).
    pub gelu: bool,
    /// GLU (else ReLU) after the rewrite convolutions (`glu`, true).
    pub glu: bool,
    /// First layer with GroupNorm (`norm_starts`, 4).
    pub norm_starts: usize,
    /// GroupNorm groups (`norm_groups`, 4).
    pub norm_groups: usize,
    /// DConv residual branches: 1 encoder, 2 decoder, 3 both (`dconv_mode`, 1).
    pub dconv_mode: usize,
    /// Layers per DConv branch (`dconv_depth`, 2); negative disables dilation.
    pub dconv_depth: i64,
    /// Channel compression inside DConv (`dconv_comp`, 4).
    pub dconv_comp: f64,
    /// First layer whose DConv has LocalState attention (`dconv_attn`, 4).
    pub dconv_attn: usize,
    /// First layer whose DConv has a BLSTM (`dconv_lstm`, 4).
    pub dconv_lstm: usize,
    /// Initial LayerScale (`dconv_init`, 1e-4); only initialisation.
    pub dconv_init: f64,
    /// Normalise the input by its mono mean and standard deviation (`normalize`, true).
    pub normalize: bool,
    /// Upsample the input by 2 and downsample the output by 2 (`resample`, true).
    pub resample: bool,
    /// Sample rate the model was trained at (`samplerate`, 44100).
    pub samplerate: u32,
    /// Seconds per chunk when separating with `split` (`segment`, 40).
    pub segment: f64,
}

impl Default for DemucsConfig {
    /// The constructor's defaults, with MUSDB's sources in the package's
    /// order (`drums`, `bass`, `other`, `vocals`).
    fn default() -> Self {
        Self::new(
            ["drums", "bass", "other", "vocals"]
                .map(str::to_string)
                .to_vec(),
        )
    }
}

impl DemucsConfig {
    /// The constructor's defaults for `sources`.
    pub fn new(sources: Vec<String>) -> Self {
        Self {
            sources,
            audio_channels: 2,
            channels: 64,
            growth: 2.0,
            depth: 6,
            rewrite: true,
            lstm_layers: 0,
            kernel_size: 8,
            stride: 4,
            context: 1,
            gelu: true,
            glu: true,
            norm_starts: 4,
            norm_groups: 4,
            dconv_mode: 1,
            dconv_depth: 2,
            dconv_comp: 4.0,
            dconv_attn: 4,
            dconv_lstm: 4,
            dconv_init: 1e-4,
            normalize: true,
            resample: true,
            samplerate: 44_100,
            segment: 40.0,
        }
    }

    /// The configuration a checkpoint's `args` and `kwargs` describe:
    /// `sources` is the first positional argument or a keyword; every other
    /// keyword overrides its default. Unknown keywords are an error, as in
    /// Python.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for missing sources, an unknown keyword,
    /// a value of the wrong type, or an invalid configuration
    /// ([`DemucsConfig::validate`]).
    pub fn from_kwargs(args: Option<&PyValue>, kwargs: Option<&PyValue>) -> Result<Self> {
        let sources = sources_argument(args, kwargs)?;
        let mut c = Self::new(sources);
        if let Some(PyValue::Dict(items)) = kwargs {
            for (key, value) in items {
                let Some(key) = key.as_str() else { continue };
                c.set(key, value)?;
            }
        }
        c.validate()?;
        Ok(c)
    }

    fn set(&mut self, key: &str, value: &PyValue) -> Result<()> {
        let bad = |expected: &'static str| Error::InvalidParameter {
            name: "kwargs",
            value: format!("{key} = {value:?}"),
            expected,
        };
        let int = || {
            value
                .as_i64()
                .and_then(|v| usize::try_from(v).ok())
                .ok_or_else(|| bad("a non-negative integer"))
        };
        let float = || value.as_f64().ok_or_else(|| bad("a number"));
        let flag = || value.as_bool().ok_or_else(|| bad("a boolean"));
        match key {
            "sources" => {}
            "audio_channels" => self.audio_channels = int()?,
            "channels" => self.channels = int()?,
            "growth" => self.growth = float()?,
            "depth" => self.depth = int()?,
            "rewrite" => self.rewrite = flag()?,
            "lstm_layers" => self.lstm_layers = int()?,
            "kernel_size" => self.kernel_size = int()?,
            "stride" => self.stride = int()?,
            "context" => self.context = int()?,
            "gelu" => self.gelu = flag()?,
            "glu" => self.glu = flag()?,
            "norm_starts" => self.norm_starts = int()?,
            "norm_groups" => self.norm_groups = int()?,
            "dconv_mode" => self.dconv_mode = int()?,
            "dconv_depth" => {
                self.dconv_depth = value.as_i64().ok_or_else(|| bad("an integer"))?;
            }
            "dconv_comp" => self.dconv_comp = float()?,
            "dconv_attn" => self.dconv_attn = int()?,
            "dconv_lstm" => self.dconv_lstm = int()?,
            "dconv_init" => self.dconv_init = float()?,
            "normalize" => self.normalize = flag()?,
            "resample" => self.resample = flag()?,
            "rescale" => {}
            "samplerate" => {
                self.samplerate = u32::try_from(int()?).map_err(|_| bad("a sample rate"))?;
            }
            "segment" => self.segment = float()?,
            _ => {
                return Err(Error::InvalidParameter {
                    name: "kwargs",
                    value: key.to_string(),
                    expected: "a keyword of demucs.demucs.Demucs (demucs 4.1.0)",
                })
            }
        }
        Ok(())
    }

    /// Checks the sizes before anything is built.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] naming the first bad field; a source
    /// name must be a plain file stem (it names the stem's file).
    pub fn validate(&self) -> Result<()> {
        SharedSizes {
            sources: &self.sources,
            audio_channels: self.audio_channels,
            channels: self.channels,
            depth: self.depth,
            growth: self.growth,
            kernel_size: self.kernel_size,
            stride: self.stride,
            norm_groups: self.norm_groups,
            dconv_mode: self.dconv_mode,
            dconv_depth: self.dconv_depth,
            dconv_comp: self.dconv_comp,
            samplerate: self.samplerate,
            segment: self.segment,
        }
        .validate()?;
        let mut channels = self.channels;
        for _ in 0..self.depth {
            check(
                (1..=65_536).contains(&channels),
                "channels",
                channels.to_string(),
                "every layer between 1 and 65536 channels (channels · growth^depth)",
            )?;
            channels = (self.growth * channels as f64) as usize;
        }
        Ok(())
    }

    /// `Demucs.valid_length`: the nearest length at or above `length` that
    /// leaves no time step over in any convolution.
    pub fn valid_length(&self, length: usize) -> usize {
        let mut length = length as f64;
        if self.resample {
            length *= 2.0;
        }
        let (k, s) = (self.kernel_size as f64, self.stride as f64);
        for _ in 0..self.depth {
            length = ((length - k) / s).ceil() + 1.0;
            length = length.max(1.0);
        }
        for _ in 0..self.depth {
            length = (length - 1.0) * s + k;
        }
        if self.resample {
            length = (length / 2.0).ceil();
        }
        length as usize
    }
}

/// A constructor's `sources`: its first positional argument, or the
/// `sources` keyword.
///
/// # Errors
///
/// [`Error::InvalidParameter`] unless it is a list of strings.
pub(crate) fn sources_argument(
    args: Option<&PyValue>,
    kwargs: Option<&PyValue>,
) -> Result<Vec<String>> {
    let sources_value = args
        .and_then(PyValue::as_list)
        .and_then(<[PyValue]>::first)
        .or_else(|| kwargs.and_then(|k| k.get("sources")));
    sources_value
        .and_then(PyValue::as_list)
        .and_then(|list| {
            list.iter()
                .map(|s| s.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
        })
        .ok_or_else(|| Error::InvalidParameter {
            name: "sources",
            value: format!("{sources_value:?}"),
            expected: "a list of source names (the first argument)",
        })
}

/// `Ok` when `ok`, else [`Error::InvalidParameter`] with the other fields.
pub(crate) fn check(
    ok: bool,
    name: &'static str,
    value: String,
    expected: &'static str,
) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name,
            value,
            expected,
        })
    }
}

/// The constructor arguments every Demucs generation has, checked one way.
pub(crate) struct SharedSizes<'a> {
    pub sources: &'a [String],
    pub audio_channels: usize,
    pub channels: usize,
    pub depth: usize,
    pub growth: f64,
    pub kernel_size: usize,
    pub stride: usize,
    pub norm_groups: usize,
    pub dconv_mode: usize,
    pub dconv_depth: i64,
    pub dconv_comp: f64,
    pub samplerate: u32,
    pub segment: f64,
}

impl SharedSizes<'_> {
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] naming the first bad field; a source
    /// name must be a plain file stem (it names the stem's file).
    pub(crate) fn validate(&self) -> Result<()> {
        check(
            !self.sources.is_empty(),
            "sources",
            "[]".into(),
            "at least one source",
        )?;
        for source in self.sources {
            crate::target_name::check_target_name(source)?;
        }
        check(
            (1..=16).contains(&self.audio_channels),
            "audio_channels",
            self.audio_channels.to_string(),
            "1 to 16",
        )?;
        check(
            (1..=4096).contains(&self.channels),
            "channels",
            self.channels.to_string(),
            "1 to 4096",
        )?;
        check(
            (1..=12).contains(&self.depth),
            "depth",
            self.depth.to_string(),
            "1 to 12",
        )?;
        check(
            self.growth.is_finite() && self.growth > 0.0 && self.growth <= 8.0,
            "growth",
            self.growth.to_string(),
            "in (0, 8]",
        )?;
        check(
            self.stride >= 1 && self.kernel_size >= self.stride && self.kernel_size <= 64,
            "kernel_size",
            format!("{} (stride {})", self.kernel_size, self.stride),
            "stride <= kernel_size <= 64",
        )?;
        check(
            self.norm_groups >= 1,
            "norm_groups",
            self.norm_groups.to_string(),
            ">= 1",
        )?;
        check(
            self.dconv_comp.is_finite() && self.dconv_comp >= 1.0,
            "dconv_comp",
            self.dconv_comp.to_string(),
            ">= 1",
        )?;
        check(
            self.dconv_mode <= 3,
            "dconv_mode",
            self.dconv_mode.to_string(),
            "0 to 3",
        )?;
        check(
            self.dconv_depth.unsigned_abs() <= 16,
            "dconv_depth",
            self.dconv_depth.to_string(),
            "-16 to 16",
        )?;
        check(
            self.samplerate > 0,
            "samplerate",
            self.samplerate.to_string(),
            "> 0",
        )?;
        check(
            self.segment.is_finite() && self.segment > 0.0 && self.segment < 86_400.0,
            "segment",
            self.segment.to_string(),
            "> 0 seconds (and under a day)",
        )
    }
}
