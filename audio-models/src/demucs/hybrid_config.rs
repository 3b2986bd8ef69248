//! [`HybridConfig`]: the constructor arguments of `demucs.hdemucs.HDemucs`
//! (v3) and `demucs.htdemucs.HTDemucs` (v4), and [`TransformerConfig`],
//! the `t_*` arguments of v4's cross-domain transformer.

use audio_io::weights::PyValue;

use super::config::{check, SharedSizes};
use crate::error::{Error, Result};

/// Which hybrid class a configuration builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HybridVersion {
    /// `demucs.hdemucs.HDemucs` (Hybrid Demucs, v3).
    HDemucs,
    /// `demucs.htdemucs.HTDemucs` (Hybrid Transformer Demucs, v4).
    HTDemucs,
}

impl HybridVersion {
    /// The class's dotted name, as a checkpoint's `klass` holds it.
    pub fn class_name(self) -> &'static str {
        match self {
            HybridVersion::HDemucs => "demucs.hdemucs.HDemucs",
            HybridVersion::HTDemucs => "demucs.htdemucs.HTDemucs",
        }
    }
}

/// The cross-domain transformer of `HTDemucs` (`t_*` arguments), with the
/// constructor's defaults. Options that only matter in training
/// (`t_dropout`, `t_weight_decay`, `t_lr`, CAPE augmentation) are read and
/// kept out of inference.
#[derive(Debug, Clone, PartialEq)]
pub struct TransformerConfig {
    /// Layers per branch (`t_layers`, 5); even layers self-attend, odd
    /// ones cross-attend (swapped by `t_cross_first`).
    pub layers: usize,
    /// Positional embedding of the time branch (`t_emb`, `"sin"`):
    /// `"sin"`, `"cape"` (at inference: mean-normalised positions) or
    /// `"scaled"` (learned).
    pub emb: String,
    /// Feed-forward width over the model width (`t_hidden_scale`, 4).
    pub hidden_scale: f64,
    /// Attention heads (`t_heads`, 8).
    pub heads: usize,
    /// Positions of the `"scaled"` embedding (`t_max_positions`, 10000).
    pub max_positions: usize,
    /// LayerNorm before the positional embedding (`t_norm_in`, true).
    pub norm_in: bool,
    /// GroupNorm(1) instead, when `norm_in` is false (`t_norm_in_group`).
    pub norm_in_group: bool,
    /// GroupNorm(1) over time and channels instead of LayerNorm inside the
    /// layers (`t_group_norm`, false).
    pub group_norm: bool,
    /// Pre-norm layers (`t_norm_first`, true).
    pub norm_first: bool,
    /// GroupNorm(1) at the end of each pre-norm layer (`t_norm_out`, true).
    pub norm_out: bool,
    /// Period of the sinusoidal embeddings (`t_max_period`, 10000).
    pub max_period: f64,
    /// LayerScale on the residual branches (`t_layer_scale`, true).
    pub layer_scale: bool,
    /// GELU (else ReLU) in the feed-forward parts (`t_gelu`, true).
    pub gelu: bool,
    /// Weight of the positional embeddings (`t_weight_pos_embed`, 1).
    pub weight_pos_embed: f64,
    /// Largest random shift of the sinusoidal positions (`t_sin_random_shift`, 0).
    pub sin_random_shift: usize,
    /// CAPE: subtract the mean position (`t_cape_mean_normalize`, true).
    pub cape_mean_normalize: bool,
    /// Cross-attention first (`t_cross_first`, false).
    pub cross_first: bool,
    /// Sparse self-attention (`t_sparse_self_attn`; needs xformers, refused).
    pub sparse_self_attn: bool,
    /// Sparse cross-attention (`t_sparse_cross_attn`; refused).
    pub sparse_cross_attn: bool,
    /// Learned sparsity (`t_auto_sparsity`; refused).
    pub auto_sparsity: bool,
}

impl Default for TransformerConfig {
    fn default() -> Self {
        Self {
            layers: 5,
            emb: "sin".into(),
            hidden_scale: 4.0,
            heads: 8,
            max_positions: 10_000,
            norm_in: true,
            norm_in_group: false,
            group_norm: false,
            norm_first: true,
            norm_out: true,
            max_period: 10_000.0,
            layer_scale: true,
            gelu: true,
            weight_pos_embed: 1.0,
            sin_random_shift: 0,
            cape_mean_normalize: true,
            cross_first: false,
            sparse_self_attn: false,
            sparse_cross_attn: false,
            auto_sparsity: false,
        }
    }
}

/// The arguments of `HDemucs(sources, ...)` and `HTDemucs(sources, ...)`
/// in demucs 4.1.0, with the same names; [`HybridConfig::new`] gives the
/// chosen class's defaults (they differ in `depth`, `dconv_comp`,
/// `dconv_init`, `multi_freqs_depth` and `segment`).
///
/// Supported for inference: complex-as-channels output (`cac`, every
/// release), hybrid and spectrogram-only v3 models, the MDX-era
/// `hybrid_old` padding, `bottom_channels`, dense attention with `sin`,
/// `cape` or `scaled` embeddings. Refused with
/// [`Error::InvalidParameter`]: Wiener filtering (`cac=False`),
/// frequency-band splitting (`multi_freqs`), sparse attention.
#[derive(Debug, Clone, PartialEq)]
pub struct HybridConfig {
    /// Which class.
    pub version: HybridVersion,
    /// Source names, in output order (`sources`).
    pub sources: Vec<String>,
    /// Audio channels (`audio_channels`, 2).
    pub audio_channels: usize,
    /// Channels of the first layer (`channels`, 48).
    pub channels: usize,
    /// Channels of the time branch's first layer, if different (`channels_time`).
    pub channels_time: Option<usize>,
    /// Channel growth per layer (`growth`, 2).
    pub growth: f64,
    /// FFT size (`nfft`, 4096); the hop is a quarter of it.
    pub nfft: usize,
    /// Wiener iterations at test time (`wiener_iters`, 0); needs `cac=False`.
    pub wiener_iters: i64,
    /// Complex as channels (`cac`, true).
    pub cac: bool,
    /// Layers (`depth`: 6 for HDemucs, 4 for HTDemucs).
    pub depth: usize,
    /// 1×1 convolutions with GLU (`rewrite`, true).
    pub rewrite: bool,
    /// A time branch beside the spectrogram branch (`hybrid`, true; HDemucs only).
    pub hybrid: bool,
    /// The MDX models' padding (`hybrid_old`, false; HDemucs only).
    pub hybrid_old: bool,
    /// Frequency band ratios for `MultiWrap` (`multi_freqs`; refused when non-empty).
    pub multi_freqs: Vec<f64>,
    /// Weight of the frequency embedding after the first layer, 0 for none (`freq_emb`, 0.2).
    pub freq_emb: f64,
    /// Scale of the frequency embedding (`emb_scale`, 10).
    pub emb_scale: f64,
    /// Kernel of the encoder and decoder convolutions (`kernel_size`, 8).
    pub kernel_size: usize,
    /// Stride of the time layers after the branches merge (`time_stride`, 2).
    pub time_stride: usize,
    /// Stride (`stride`, 4).
    pub stride: usize,
    /// Context of the decoder's rewrite convolution (`context`, 1).
    pub context: usize,
    /// Context of the encoder's rewrite convolution (`context_enc`, 0).
    pub context_enc: usize,
    /// First layer with GroupNorm (`norm_starts`, 4).
    pub norm_starts: usize,
    /// GroupNorm groups (`norm_groups`, 4).
    pub norm_groups: usize,
    /// DConv branches: 1 encoder, 2 decoder, 3 both (`dconv_mode`, 1).
    pub dconv_mode: usize,
    /// Layers per DConv branch (`dconv_depth`, 2).
    pub dconv_depth: i64,
    /// Channel compression in DConv (`dconv_comp`: 4 for HDemucs, 8 for HTDemucs).
    pub dconv_comp: f64,
    /// First layer with LocalState attention in DConv (`dconv_attn`, 4; HDemucs only).
    pub dconv_attn: usize,
    /// First layer with a BLSTM in DConv (`dconv_lstm`, 4; HDemucs only).
    pub dconv_lstm: usize,
    /// Channels of 1×1 convolutions around the transformer, 0 for none
    /// (`bottom_channels`, 0; HTDemucs only).
    pub bottom_channels: usize,
    /// The transformer (HTDemucs; `None` for HDemucs or `t_layers=0`).
    pub transformer: Option<TransformerConfig>,
    /// Sample rate (`samplerate`, 44100).
    pub samplerate: u32,
    /// Segment in seconds (`segment`: 40 for HDemucs, 10 for HTDemucs; a
    /// release stores its training segment, e.g. `Fraction(39, 5)`).
    pub segment: f64,
    /// The segment as an exact ratio, when the file holds an `int` or a
    /// `Fraction`: segment lengths are then computed exactly, as Python does.
    pub segment_ratio: Option<(i64, i64)>,
    /// Always run HTDemucs on its training segment (`use_train_segment`, true).
    pub use_train_segment: bool,
}

impl HybridConfig {
    /// The defaults of `version`'s constructor for `sources`.
    pub fn new(version: HybridVersion, sources: Vec<String>) -> Self {
        let ht = version == HybridVersion::HTDemucs;
        Self {
            version,
            sources,
            audio_channels: 2,
            channels: 48,
            channels_time: None,
            growth: 2.0,
            nfft: 4096,
            wiener_iters: 0,
            cac: true,
            depth: if ht { 4 } else { 6 },
            rewrite: true,
            hybrid: true,
            hybrid_old: false,
            multi_freqs: Vec::new(),
            freq_emb: 0.2,
            emb_scale: 10.0,
            kernel_size: 8,
            time_stride: 2,
            stride: 4,
            context: 1,
            context_enc: 0,
            norm_starts: 4,
            norm_groups: 4,
            dconv_mode: 1,
            dconv_depth: 2,
            dconv_comp: if ht { 8.0 } else { 4.0 },
            dconv_attn: 4,
            dconv_lstm: 4,
            bottom_channels: 0,
            transformer: ht.then(TransformerConfig::default),
            samplerate: 44_100,
            segment: if ht { 10.0 } else { 40.0 },
            segment_ratio: Some((if ht { 10 } else { 40 }, 1)),
            use_train_segment: true,
        }
    }

    /// The configuration of a checkpoint's `args` and `kwargs`: `sources`
    /// is the first positional argument or a keyword; every other keyword
    /// overrides `version`'s default. Unknown keywords are an error, as in
    /// Python.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for missing sources, an unknown keyword,
    /// a value of the wrong type, or an unsupported or invalid
    /// configuration ([`HybridConfig::validate`]).
    pub fn from_kwargs(
        version: HybridVersion,
        args: Option<&PyValue>,
        kwargs: Option<&PyValue>,
    ) -> Result<Self> {
        let sources = super::config::sources_argument(args, kwargs)?;
        let mut c = Self::new(version, sources);
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
        // `False`/`0` and `True`/`1`, and Python's truthiness of numbers
        // (`t_group_norm` and `t_norm_out` are ints in some configs).
        let flag = || {
            value
                .as_bool()
                .or_else(|| value.as_f64().map(|v| v != 0.0))
                .ok_or_else(|| bad("a boolean"))
        };
        let ht = self.version == HybridVersion::HTDemucs;
        let unknown = || Error::InvalidParameter {
            name: "kwargs",
            value: key.to_string(),
            expected: match self.version {
                HybridVersion::HDemucs => "a keyword of demucs.hdemucs.HDemucs (demucs 4.1.0)",
                HybridVersion::HTDemucs => "a keyword of demucs.htdemucs.HTDemucs (demucs 4.1.0)",
            },
        };
        if let Some(t_key) = key.strip_prefix("t_") {
            if !ht {
                return Err(unknown());
            }
            let t = self
                .transformer
                .get_or_insert_with(TransformerConfig::default);
            match t_key {
                "layers" => t.layers = int()?,
                "emb" => t.emb = value.as_str().ok_or_else(|| bad("a string"))?.to_string(),
                "hidden_scale" => t.hidden_scale = float()?,
                "heads" => t.heads = int()?,
                "max_positions" => t.max_positions = int()?,
                "norm_in" => t.norm_in = flag()?,
                "norm_in_group" => t.norm_in_group = flag()?,
                "group_norm" => t.group_norm = flag()?,
                "norm_first" => t.norm_first = flag()?,
                "norm_out" => t.norm_out = flag()?,
                "max_period" => t.max_period = float()?,
                "layer_scale" => t.layer_scale = flag()?,
                "gelu" => t.gelu = flag()?,
                "weight_pos_embed" => t.weight_pos_embed = float()?,
                "sin_random_shift" => t.sin_random_shift = int()?,
                "cape_mean_normalize" => t.cape_mean_normalize = flag()?,
                "cross_first" => t.cross_first = flag()?,
                "sparse_self_attn" => t.sparse_self_attn = flag()?,
                "sparse_cross_attn" => t.sparse_cross_attn = flag()?,
                "auto_sparsity" => t.auto_sparsity = flag()?,
                // Training-only or used by sparse attention alone.
                "dropout"
                | "weight_decay"
                | "lr"
                | "cape_augment"
                | "cape_glob_loc_scale"
                | "mask_type"
                | "mask_random_seed"
                | "sparse_attn_window"
                | "global_window"
                | "sparsity" => {}
                _ => return Err(unknown()),
            }
            return Ok(());
        }
        match key {
            "sources" => {}
            "audio_channels" => self.audio_channels = int()?,
            "channels" => self.channels = int()?,
            "channels_time" => {
                self.channels_time = match value {
                    PyValue::None => None,
                    _ => Some(int()?),
                }
            }
            "growth" => self.growth = float()?,
            "nfft" => self.nfft = int()?,
            "wiener_iters" => {
                self.wiener_iters = value.as_i64().ok_or_else(|| bad("an integer"))?
            }
            "cac" => self.cac = flag()?,
            "depth" => self.depth = int()?,
            "rewrite" => self.rewrite = flag()?,
            "hybrid" if !ht => self.hybrid = flag()?,
            "hybrid_old" if !ht => self.hybrid_old = flag()?,
            "multi_freqs" => {
                self.multi_freqs = match value {
                    PyValue::None => Vec::new(),
                    PyValue::List(items) => items
                        .iter()
                        .map(|v| v.as_f64().ok_or_else(|| bad("a list of ratios")))
                        .collect::<Result<_>>()?,
                    _ => return Err(bad("a list of ratios or None")),
                }
            }
            "freq_emb" => self.freq_emb = float()?,
            "emb_scale" => self.emb_scale = float()?,
            "kernel_size" => self.kernel_size = int()?,
            "time_stride" => self.time_stride = int()?,
            "stride" => self.stride = int()?,
            "context" => self.context = int()?,
            "context_enc" => self.context_enc = int()?,
            "norm_starts" => self.norm_starts = int()?,
            "norm_groups" => self.norm_groups = int()?,
            "dconv_mode" => self.dconv_mode = int()?,
            "dconv_depth" => self.dconv_depth = value.as_i64().ok_or_else(|| bad("an integer"))?,
            "dconv_comp" => self.dconv_comp = float()?,
            "dconv_attn" if !ht => self.dconv_attn = int()?,
            "dconv_lstm" if !ht => self.dconv_lstm = int()?,
            "bottom_channels" if ht => self.bottom_channels = int()?,
            "use_train_segment" if ht => self.use_train_segment = flag()?,
            "samplerate" => {
                self.samplerate = u32::try_from(int()?).map_err(|_| bad("a sample rate"))?;
            }
            "segment" => {
                self.segment = float()?;
                self.segment_ratio = value.as_fraction();
            }
            // Only initialisation or training.
            "end_iters" | "wiener_residual" | "multi_freqs_depth" | "emb_smooth" | "dconv_init"
            | "rescale" => {}
            _ => return Err(unknown()),
        }
        Ok(())
    }

    /// Checks the sizes, and that the options are ones this port runs.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] naming the first bad field.
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
        if let Some(ct) = self.channels_time {
            check(
                (1..=4096).contains(&ct),
                "channels_time",
                ct.to_string(),
                "1 to 4096",
            )?;
        }
        check(
            self.nfft >= 16 && self.nfft <= 1 << 16 && self.nfft.is_multiple_of(4),
            "nfft",
            self.nfft.to_string(),
            "a multiple of 4 from 16 to 65536",
        )?;
        check(
            self.time_stride >= 1 && self.time_stride <= 16,
            "time_stride",
            self.time_stride.to_string(),
            "1 to 16",
        )?;
        check(
            self.context <= 8,
            "context",
            self.context.to_string(),
            "0 to 8",
        )?;
        check(
            self.context_enc <= 8,
            "context_enc",
            self.context_enc.to_string(),
            "0 to 8",
        )?;
        check(
            self.cac,
            "cac",
            "False".into(),
            "complex-as-channels output (cac=True, as every release); Wiener filtering is not supported",
        )?;
        check(
            self.multi_freqs.is_empty(),
            "multi_freqs",
            format!("{:?}", self.multi_freqs),
            "none (frequency-band splitting with MultiWrap is not supported)",
        )?;
        check(
            !self.hybrid_old || self.hybrid,
            "hybrid_old",
            "True with hybrid=False".into(),
            "hybrid_old only with hybrid=True (the constructor asserts it)",
        )?;
        if let Some(t) = &self.transformer {
            check(
                !(t.sparse_self_attn || t.sparse_cross_attn || t.auto_sparsity),
                "t_sparse_self_attn",
                "True".into(),
                "dense attention (sparse attention needs xformers and is not supported)",
            )?;
            check(
                ["sin", "cape", "scaled"].contains(&t.emb.as_str()),
                "t_emb",
                t.emb.clone(),
                "\"sin\", \"cape\" or \"scaled\"",
            )?;
            check(
                (1..=64).contains(&t.heads),
                "t_heads",
                t.heads.to_string(),
                "1 to 64",
            )?;
            check(t.layers <= 64, "t_layers", t.layers.to_string(), "0 to 64")?;
            check(
                t.hidden_scale.is_finite() && t.hidden_scale > 0.0 && t.hidden_scale <= 64.0,
                "t_hidden_scale",
                t.hidden_scale.to_string(),
                "in (0, 64]",
            )?;
            let dim = self.transformer_channels();
            check(
                dim.is_multiple_of(t.heads) && dim.is_multiple_of(4),
                "t_heads",
                format!("{} heads for {dim} channels", t.heads),
                "transformer channels divisible by the heads and by 4",
            )?;
        }
        let mut chout = self.channels_time.unwrap_or(self.channels);
        let mut chout_z = self.channels;
        for _ in 0..self.depth {
            check(
                (1..=65_536).contains(&chout) && (1..=65_536).contains(&chout_z),
                "channels",
                chout_z.to_string(),
                "every layer between 1 and 65536 channels (channels · growth^depth)",
            )?;
            chout = (self.growth * chout as f64) as usize;
            chout_z = (self.growth * chout_z as f64) as usize;
        }
        Ok(())
    }

    /// The transformer's width: `channels · growth^(depth−1)`, or
    /// `bottom_channels` when set.
    pub fn transformer_channels(&self) -> usize {
        if self.bottom_channels > 0 {
            self.bottom_channels
        } else {
            (self.channels as f64 * self.growth.powi(self.depth as i32 - 1)) as usize
        }
    }

    /// `int(segment · samplerate)`, exact for an `int` or `Fraction` segment.
    pub fn segment_samples(&self) -> usize {
        segment_samples(self.segment, self.segment_ratio, self.samplerate)
    }
}

/// `int(segment · samplerate)` as Python computes it: exactly for a ratio,
/// in floating point otherwise.
pub(crate) fn segment_samples(segment: f64, ratio: Option<(i64, i64)>, samplerate: u32) -> usize {
    match ratio {
        Some((p, q)) if p >= 0 && q > 0 => {
            let n = i128::from(p) * i128::from(samplerate) / i128::from(q);
            usize::try_from(n).unwrap_or(usize::MAX)
        }
        _ => (segment * f64::from(samplerate)).max(0.0) as usize,
    }
}
