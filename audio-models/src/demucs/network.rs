//! [`DemucsModel`]: one network of any Demucs generation, as a release's
//! `.th` package describes it (its `klass`, `args`, `kwargs` and `state`).

use audio_io::weights::{PyValue, Weights};
use candle_core::{Device, Tensor};

use super::apply::SegmentModel;
use super::config::DemucsConfig;
use super::hybrid_config::{segment_samples, HybridConfig, HybridVersion};
use super::hybrid_model::HybridDemucsNet;
use super::model::DemucsNet;
use crate::error::{Error, Result};

/// A Demucs network of any generation.
#[derive(Debug, Clone)]
#[allow(
    clippy::large_enum_variant,
    reason = "both variants are whole networks of similar size, held one per model"
)]
pub enum DemucsModel {
    /// `demucs.demucs.Demucs` (v1/v2 waveform U-Net).
    Demucs(DemucsNet),
    /// `demucs.hdemucs.HDemucs` (v3) or `demucs.htdemucs.HTDemucs` (v4).
    Hybrid(HybridDemucsNet),
}

impl DemucsModel {
    /// Reads a release's `.th` package from memory: the class from
    /// `klass`, the architecture from `args` and `kwargs` over the
    /// constructor's defaults, the weights from `state` (float16 or
    /// float32).
    ///
    /// # Errors
    ///
    /// `audio_io` errors for a malformed file; [`Error::InvalidParameter`]
    /// for a file that is not a Demucs package, an unknown `klass`, bad or
    /// unsupported `kwargs`, or a quantized (diffq) state;
    /// [`Error::MissingKey`] / [`Error::WeightShape`] naming the key and
    /// both shapes.
    pub fn from_th_bytes(bytes: &[u8], device: &Device) -> Result<Self> {
        let (weights, object) = Weights::from_pth_bytes_with_objects(bytes)?;
        let class = package_class(&object)?;
        check_state(&object)?;
        let state = weights.strip_prefix("state.");
        let (args, kwargs) = (object.get("args"), object.get("kwargs"));
        Ok(match class {
            None => {
                let config = DemucsConfig::from_kwargs(args, kwargs)?;
                Self::Demucs(DemucsNet::from_weights(config, &state, device)?)
            }
            Some(version) => {
                let config = HybridConfig::from_kwargs(version, args, kwargs)?;
                Self::Hybrid(HybridDemucsNet::from_weights(config, &state, device)?)
            }
        })
    }

    /// The source names, in output order.
    pub fn sources(&self) -> &[String] {
        match self {
            Self::Demucs(n) => &n.config().sources,
            Self::Hybrid(n) => &n.config().sources,
        }
    }

    /// The class's dotted name (`demucs.htdemucs.HTDemucs`).
    pub fn class_name(&self) -> &'static str {
        match self {
            Self::Demucs(_) => "demucs.demucs.Demucs",
            Self::Hybrid(n) => n.config().version.class_name(),
        }
    }

    /// Whether this is an HTDemucs, whose segment a bag does not change.
    pub fn is_htdemucs(&self) -> bool {
        matches!(self, Self::Hybrid(n) if n.config().version == HybridVersion::HTDemucs)
    }

    /// The model's segment in seconds.
    pub fn segment(&self) -> f64 {
        match self {
            Self::Demucs(n) => n.config().segment,
            Self::Hybrid(n) => n.config().segment,
        }
    }

    /// `BagOfModels(segment=...)`: a longer segment replaces the model's
    /// own, except for HTDemucs (trained on a fixed length).
    pub(crate) fn extend_segment(&mut self, segment: f64, ratio: Option<(i64, i64)>) {
        if self.is_htdemucs() || segment <= self.segment() {
            return;
        }
        match self {
            Self::Demucs(n) => n.set_segment(segment),
            Self::Hybrid(n) => n.set_segment(segment, ratio),
        }
    }
}

/// `None` for `demucs.demucs.Demucs`, the version for the hybrids.
fn package_class(object: &PyValue) -> Result<Option<HybridVersion>> {
    match object.get("klass") {
        Some(PyValue::Global { module, name }) => match (module.as_str(), name.as_str()) {
            ("demucs.demucs", "Demucs") => Ok(None),
            ("demucs.hdemucs", "HDemucs") => Ok(Some(HybridVersion::HDemucs)),
            ("demucs.htdemucs", "HTDemucs") => Ok(Some(HybridVersion::HTDemucs)),
            _ => Err(Error::InvalidParameter {
                name: "klass",
                value: format!("{module}.{name}"),
                expected:
                    "demucs.demucs.Demucs, demucs.hdemucs.HDemucs or demucs.htdemucs.HTDemucs",
            }),
        },
        other => Err(Error::InvalidParameter {
            name: "klass",
            value: match other {
                Some(v) => format!("{v:?}"),
                None => "no `klass` entry (not a demucs package)".to_string(),
            },
            expected: "the model class, as demucs.states.serialize_model saves it",
        }),
    }
}

fn check_state(object: &PyValue) -> Result<()> {
    match object.get("state") {
        None => Err(Error::InvalidParameter {
            name: "state",
            value: "absent".into(),
            expected: "the model's state dict under `state`",
        }),
        Some(state) if state.get("__quantized").is_some() => Err(Error::InvalidParameter {
            name: "state",
            value: "__quantized".into(),
            expected: "an unquantized state (diffq checkpoints are not supported)",
        }),
        Some(_) => Ok(()),
    }
}

impl SegmentModel for DemucsNet {
    fn samplerate(&self) -> u32 {
        self.config().samplerate
    }

    fn audio_channels(&self) -> usize {
        self.config().audio_channels
    }

    fn source_count(&self) -> usize {
        self.config().sources.len()
    }

    fn segment_samples(&self, segment: Option<f64>) -> usize {
        let c = self.config();
        segment_samples(segment.unwrap_or(c.segment), None, c.samplerate)
    }

    fn valid_length(&self, length: usize, _segment: Option<f64>) -> Result<usize> {
        Ok(self.config().valid_length(length))
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        DemucsNet::forward(self, x)
    }

    fn device(&self) -> &Device {
        DemucsNet::device(self)
    }
}

impl SegmentModel for HybridDemucsNet {
    fn samplerate(&self) -> u32 {
        self.config().samplerate
    }

    fn audio_channels(&self) -> usize {
        self.config().audio_channels
    }

    fn source_count(&self) -> usize {
        self.config().sources.len()
    }

    fn segment_samples(&self, segment: Option<f64>) -> usize {
        let c = self.config();
        match segment {
            Some(s) => segment_samples(s, None, c.samplerate),
            None => c.segment_samples(),
        }
    }

    /// As `apply_model`: an HTDemucs chunk is padded to the segment given
    /// (`int(segment · samplerate)`) or to its training length.
    fn valid_length(&self, length: usize, segment: Option<f64>) -> Result<usize> {
        let c = self.config();
        match segment {
            Some(s) if c.version == HybridVersion::HTDemucs => {
                Ok(segment_samples(s, None, c.samplerate))
            }
            _ => HybridDemucsNet::valid_length(self, length),
        }
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        HybridDemucsNet::forward(self, x)
    }

    fn device(&self) -> &Device {
        HybridDemucsNet::device(self)
    }
}

impl SegmentModel for DemucsModel {
    fn samplerate(&self) -> u32 {
        match self {
            Self::Demucs(n) => n.samplerate(),
            Self::Hybrid(n) => n.samplerate(),
        }
    }

    fn audio_channels(&self) -> usize {
        match self {
            Self::Demucs(n) => SegmentModel::audio_channels(n),
            Self::Hybrid(n) => SegmentModel::audio_channels(n),
        }
    }

    fn source_count(&self) -> usize {
        self.sources().len()
    }

    fn segment_samples(&self, segment: Option<f64>) -> usize {
        match self {
            Self::Demucs(n) => n.segment_samples(segment),
            Self::Hybrid(n) => n.segment_samples(segment),
        }
    }

    fn valid_length(&self, length: usize, segment: Option<f64>) -> Result<usize> {
        match self {
            Self::Demucs(n) => SegmentModel::valid_length(n, length, segment),
            Self::Hybrid(n) => SegmentModel::valid_length(n, length, segment),
        }
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match self {
            Self::Demucs(n) => DemucsNet::forward(n, x),
            Self::Hybrid(n) => HybridDemucsNet::forward(n, x),
        }
    }

    fn device(&self) -> &Device {
        match self {
            Self::Demucs(n) => DemucsNet::device(n),
            Self::Hybrid(n) => HybridDemucsNet::device(n),
        }
    }
}
