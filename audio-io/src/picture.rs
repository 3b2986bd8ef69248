//! Spectrogram and waveform pictures as PNG, like `librosa.display.specshow`
//! and `librosa.display.waveshow`, with matplotlib's perceptual colormaps and
//! optional axes drawn with a built-in bitmap font (no system fonts).

use std::path::Path;

use ndarray::Array2;

use crate::colormap_tables::{GRAY, MAGMA, VIRIDIS};
use crate::font::{glyph, text_width};
use crate::{Error, Result};

/// A colormap: matplotlib's tables, 256 entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Colormap {
    /// `viridis`.
    Viridis,
    /// `magma` (librosa's default for non-negative data such as dB of power).
    #[default]
    Magma,
    /// `gray` (black to white).
    Gray,
}

impl Colormap {
    /// The colour of `t` in `[0, 1]` (clamped; NaN maps to 0).
    pub fn color(self, t: f32) -> [u8; 3] {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        let i = (t * 255.0).round() as usize;
        match self {
            Self::Viridis => VIRIDIS[i],
            Self::Magma => MAGMA[i],
            Self::Gray => GRAY[i],
        }
    }
}

/// How the rows (frequency bins) of a spectrogram map to frequencies, for
/// the y-axis ticks (the picture itself always shows one row per bin band).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum FrequencyAxis {
    /// No frequency ticks.
    #[default]
    None,
    /// STFT bins `k * sr / n_fft`, `0 ..= sr / 2` (`y_axis="linear"`).
    Linear,
    /// Mel bands between `fmin` and `fmax` (`y_axis="mel"`), Slaney or HTK scale.
    Mel {
        /// Lowest frequency in Hz.
        fmin: f64,
        /// Highest frequency in Hz.
        fmax: f64,
        /// HTK mel formula instead of Slaney's.
        htk: bool,
    },
    /// Constant-Q bins `fmin * 2^(k / bins_per_octave)` (`y_axis="cqt_hz"`).
    Cqt {
        /// Frequency of bin 0 in Hz.
        fmin: f64,
        /// Bins per octave.
        bins_per_octave: usize,
    },
}

/// Options of [`specshow`].
#[derive(Debug, Clone, PartialEq)]
pub struct SpecshowOptions {
    /// The colormap.
    pub colormap: Colormap,
    /// Frequency axis of the rows.
    pub y_axis: FrequencyAxis,
    /// Sample rate (time axis and linear frequency axis).
    pub sr: u32,
    /// Samples between frames (time axis: frame `t` is at `t * hop / sr` s).
    pub hop_length: usize,
    /// Draw axes, ticks and labels.
    pub axes: bool,
    /// Value mapped to the first colour (default: the data's minimum).
    pub vmin: Option<f32>,
    /// Value mapped to the last colour (default: the data's maximum).
    pub vmax: Option<f32>,
    /// Width of the plot area in pixels.
    pub width: usize,
    /// Height of the plot area in pixels.
    pub height: usize,
    /// Draw a colour bar with this unit (e.g. `"dB"`); `None` for none.
    pub colorbar: Option<String>,
    /// Font pixel size multiplier (1 = 5×7 glyphs).
    pub font_scale: usize,
    /// A title for the horizontal axis, whose ticks then count columns
    /// (from 0) instead of seconds: for pictures whose columns are not
    /// frames (filters, classes). `None`: time in seconds.
    pub x_label: Option<String>,
}

impl Default for SpecshowOptions {
    fn default() -> Self {
        Self {
            colormap: Colormap::Magma,
            y_axis: FrequencyAxis::None,
            sr: 22050,
            hop_length: 512,
            axes: true,
            vmin: None,
            vmax: None,
            width: 800,
            height: 400,
            colorbar: None,
            font_scale: 2,
            x_label: None,
        }
    }
}

/// An RGB picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Row-major RGB bytes, `3 * width * height`.
    pub rgb: Vec<u8>,
}

const WHITE: [u8; 3] = [255, 255, 255];
const BLACK: [u8; 3] = [0, 0, 0];
/// matplotlib's first colour, `C0` (`#1f77b4`).
const C0: [u8; 3] = [31, 119, 180];

impl Image {
    fn new(width: usize, height: usize, fill: [u8; 3]) -> Self {
        let mut rgb = Vec::with_capacity(3 * width * height);
        for _ in 0..width * height {
            rgb.extend_from_slice(&fill);
        }
        Self { width, height, rgb }
    }

    fn put(&mut self, x: usize, y: usize, c: [u8; 3]) {
        if x < self.width && y < self.height {
            let i = 3 * (y * self.width + x);
            self.rgb[i..i + 3].copy_from_slice(&c);
        }
    }

    fn hline(&mut self, x0: usize, x1: usize, y: usize, c: [u8; 3]) {
        for x in x0..x1 {
            self.put(x, y, c);
        }
    }

    fn vline(&mut self, x: usize, y0: usize, y1: usize, c: [u8; 3]) {
        for y in y0..y1 {
            self.put(x, y, c);
        }
    }

    fn text(&mut self, x: usize, y: usize, text: &str, scale: usize, c: [u8; 3]) {
        for (i, ch) in text.chars().enumerate() {
            let Some(g) = glyph(ch) else { continue };
            for (r, row) in g.iter().enumerate() {
                for col in 0..5 {
                    if row & (1 << (4 - col)) != 0 {
                        for dy in 0..scale {
                            for dx in 0..scale {
                                self.put(x + (i * 6 + col) * scale + dx, y + r * scale + dy, c);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Encodes as an 8-bit RGB PNG.
    ///
    /// # Errors
    ///
    /// [`Error::Png`] when encoding fails.
    pub fn to_png_bytes(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        {
            let w = u32::try_from(self.width).unwrap_or(u32::MAX);
            let h = u32::try_from(self.height).unwrap_or(u32::MAX);
            let mut enc = png::Encoder::new(&mut out, w, h);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            let mut writer = enc.write_header().map_err(|source| Error::Png { source })?;
            writer
                .write_image_data(&self.rgb)
                .map_err(|source| Error::Png { source })?;
            writer.finish().map_err(|source| Error::Png { source })?;
        }
        Ok(out)
    }

    /// Writes a PNG file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when writing fails, [`Error::Png`] when encoding fails.
    pub fn save_png(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = self.to_png_bytes()?;
        crate::write_file(path, bytes)
    }
}

/// "Nice" tick values (steps of 1, 2, 2.5 or 5 × 10^k) covering `[lo, hi]`.
fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater)
        || !lo.is_finite()
        || !hi.is_finite()
    {
        return vec![lo];
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

fn fmt_number(v: f64) -> String {
    let s = format!("{:.3}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

/// Hz labels as librosa's: plain numbers (`512`, `8192`), `k` from 10 kHz on.
fn fmt_hz(v: f64) -> String {
    if v.abs() >= 10_000.0 {
        format!("{}k", fmt_number(v / 1000.0))
    } else {
        fmt_number(v)
    }
}

/// Ticks of a frequency axis as `(fraction of the height from the bottom, label)`.
fn frequency_ticks(
    axis: FrequencyAxis,
    bins: usize,
    sr: f64,
    px: usize,
    min_gap: usize,
) -> Vec<(f64, String)> {
    let mut ticks: Vec<(f64, String)> = match axis {
        FrequencyAxis::None => Vec::new(),
        FrequencyAxis::Linear => {
            let nyq = sr / 2.0;
            if !nyq.is_finite() || nyq <= 0.0 {
                return Vec::new();
            }
            nice_ticks(0.0, nyq, 6)
                .into_iter()
                .map(|f| (f / nyq, fmt_hz(f)))
                .collect()
        }
        FrequencyAxis::Mel { fmin, fmax, htk }
            if fmin.is_finite() && fmax.is_finite() && fmax > fmin.max(0.0) =>
        {
            let m0 = audio_dsp::filters::mel::hz_to_mel(fmin, htk);
            let m1 = audio_dsp::filters::mel::hz_to_mel(fmax, htk);
            let mut fs = vec![0.0];
            let mut f = 128.0;
            while f <= fmax {
                fs.push(f);
                f *= 2.0;
            }
            fs.into_iter()
                .filter(|&f| f >= fmin && f <= fmax)
                .map(|f| {
                    (
                        (audio_dsp::filters::mel::hz_to_mel(f, htk) - m0) / (m1 - m0),
                        fmt_hz(f),
                    )
                })
                .collect()
        }
        FrequencyAxis::Cqt {
            fmin,
            bins_per_octave,
        } if fmin.is_finite() && fmin > 0.0 && bins_per_octave > 0 => {
            let top = fmin * 2f64.powf(bins as f64 / bins_per_octave as f64);
            let mut out = Vec::new();
            let mut f = 2f64.powf(fmin.log2().ceil());
            while f < top {
                let frac = (f / fmin).log2() * bins_per_octave as f64 / bins as f64;
                out.push((frac, fmt_hz(f)));
                f *= 2.0;
            }
            out
        }
        // Degenerate ranges: no ticks rather than a loop without end.
        FrequencyAxis::Mel { .. } | FrequencyAxis::Cqt { .. } => Vec::new(),
    };
    ticks.retain(|(f, _)| (0.0..=1.0).contains(f));
    // Drop ticks closer than `min_gap` pixels to the previous kept one.
    let mut kept: Vec<(f64, String)> = Vec::new();
    for t in ticks {
        if kept
            .last()
            .is_none_or(|k| (t.0 - k.0) * px as f64 >= min_gap as f64)
        {
            kept.push(t);
        }
    }
    kept
}

/// Renders a spectrogram (rows = frequency bins, low frequencies at the
/// bottom; columns = frames) as `librosa.display.specshow` does: values are
/// mapped linearly from `[vmin, vmax]` to the colormap; optional axes show
/// time in seconds (`frame * hop_length / sr`) and frequency ticks in Hz.
///
/// Pass dB-scaled data (`audio_dsp` `amplitude_to_db`/`power_to_db`) for the
/// usual picture. Each plot pixel shows the nearest bin and frame.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for an empty spectrogram, a zero plot size,
/// a plot larger than 8192 pixels on a side, a zero `sr` or `hop_length`
/// with axes, or `vmin >= vmax`.
///
/// # Shapes
///
/// `data` is `(bins, frames)`.
///
/// # Example
///
/// ```
/// use audio_io::picture::{specshow, SpecshowOptions, FrequencyAxis};
/// let spec = ndarray::Array2::from_shape_fn((65, 40), |(f, t)| -((f as f32 - t as f32).abs()));
/// let img = specshow(&spec, &SpecshowOptions { y_axis: FrequencyAxis::Linear, width: 200, height: 100, ..Default::default() })?;
/// assert_eq!(&img.to_png_bytes()?[1..4], b"PNG");
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn specshow(data: &Array2<f32>, opts: &SpecshowOptions) -> Result<Image> {
    let (bins, frames) = data.dim();
    let mut columns = SpecshowColumns::new(bins, frames, opts.width)?;
    columns.push(data.view())?;
    columns.render(opts)
}

/// The columns of a `(bins, frames)` spectrogram that a [`specshow`]
/// picture `width` pixels wide shows (pixel column `px` shows frame
/// `px · frames / width`), gathered as the frames arrive, with the finite
/// values' range: a picture of any length of audio in memory of `width`
/// frames. `specshow` is `new`, one `push` of all frames, then `render`.
///
/// # Example
///
/// ```
/// use audio_io::picture::{specshow, SpecshowColumns, SpecshowOptions};
/// let data = ndarray::Array2::from_shape_fn((16, 1000), |(b, t)| ((b * t) % 37) as f32);
/// let opts = SpecshowOptions { width: 120, height: 40, axes: false, ..Default::default() };
/// let mut columns = SpecshowColumns::new(16, 1000, opts.width)?;
/// for start in (0..1000).step_by(64) {
///     columns.push(data.slice(ndarray::s![.., start..(start + 64).min(1000)]))?;
/// }
/// assert_eq!(columns.render(&opts)?, specshow(&data, &opts)?);
/// # Ok::<(), audio_io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SpecshowColumns {
    frames: usize,
    /// `(bins, width)`: the frame each pixel column shows.
    kept: Array2<f32>,
    /// Frames pushed so far.
    seen: usize,
    /// The finite values' range over every frame pushed.
    range: Option<(f32, f32)>,
}

impl SpecshowColumns {
    /// Room for a `(bins, frames)` spectrogram drawn `width` pixels wide.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for no bins, no frames or a bad width.
    pub fn new(bins: usize, frames: usize, width: usize) -> Result<Self> {
        if bins == 0 || frames == 0 {
            return Err(Error::InvalidParameter {
                name: "data",
                expected: "a non-empty (bins, frames) array",
                value: format!("{bins}x{frames}"),
            });
        }
        check_size(width, 1)?;
        Ok(Self {
            frames,
            kept: Array2::zeros((bins, width)),
            seen: 0,
            range: None,
        })
    }

    /// The next frames `(bins, m)`, in order.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for another bin count or more frames
    /// than announced.
    pub fn push(&mut self, block: ndarray::ArrayView2<'_, f32>) -> Result<()> {
        let (bins, width) = self.kept.dim();
        if block.nrows() != bins || self.seen + block.ncols() > self.frames {
            return Err(Error::InvalidParameter {
                name: "frames",
                expected: "the announced bins, and no more than the announced frames",
                value: format!(
                    "{}x{} after {} of {bins}x{}",
                    block.nrows(),
                    block.ncols(),
                    self.seen,
                    self.frames
                ),
            });
        }
        for v in block.iter().copied().filter(|v| v.is_finite()) {
            self.range = Some(match self.range {
                Some((lo, hi)) => (lo.min(v), hi.max(v)),
                None => (v, v),
            });
        }
        let end = self.seen + block.ncols();
        // The pixel columns showing a frame of this block.
        let first = (self.seen * width).div_ceil(self.frames);
        for px in first..width {
            let t = (px * self.frames / width).min(self.frames - 1);
            if t >= end {
                break;
            }
            self.kept
                .column_mut(px)
                .assign(&block.column(t - self.seen));
        }
        self.seen = end;
        Ok(())
    }

    /// The finite values' range `(min, max)` so far (`None` before any).
    pub fn range(&self) -> Option<(f32, f32)> {
        self.range
    }

    /// Applies `f` to every kept value and to the range: `f` must not
    /// decrease (`a <= b` ⇒ `f(a) <= f(b)`), as a dB scale with a floor is,
    /// so that the range stays the range of the whole spectrogram mapped.
    pub fn map_monotone(&mut self, f: impl Fn(f32) -> f32) {
        self.kept.mapv_inplace(&f);
        self.range = self.range.map(|(lo, hi)| (f(lo), f(hi)));
    }

    /// Draws the picture, as [`specshow`] of the whole spectrogram.
    ///
    /// # Errors
    ///
    /// As [`specshow`]; [`Error::InvalidParameter`] when fewer frames were
    /// pushed than announced, or for a width other than this one's.
    pub fn render(&self, opts: &SpecshowOptions) -> Result<Image> {
        let (bins, width) = self.kept.dim();
        if self.seen != self.frames || opts.width != width {
            return Err(Error::InvalidParameter {
                name: "frames",
                expected: "every announced frame pushed, and the width planned",
                value: format!(
                    "{} of {} frames, width {}",
                    self.seen, self.frames, opts.width
                ),
            });
        }
        draw_specshow(&self.kept, bins, self.frames, self.range, opts)
    }
}

/// The picture of [`specshow`] from the columns each pixel column shows
/// (`kept` `(bins, width)`), the spectrogram's frame count and its finite
/// range.
fn draw_specshow(
    kept: &Array2<f32>,
    bins: usize,
    frames: usize,
    range: Option<(f32, f32)>,
    opts: &SpecshowOptions,
) -> Result<Image> {
    check_size(opts.width, opts.height)?;
    if opts.axes && (opts.sr == 0 || opts.hop_length == 0) {
        return Err(Error::InvalidParameter {
            name: "sr/hop_length",
            expected: "> 0 when drawing axes",
            value: format!("{} / {}", opts.sr, opts.hop_length),
        });
    }
    let (dmin, dmax) = range.unwrap_or((f32::INFINITY, f32::NEG_INFINITY));
    let vmin = opts
        .vmin
        .unwrap_or(if dmin.is_finite() { dmin } else { 0.0 });
    let mut vmax = opts
        .vmax
        .unwrap_or(if dmax.is_finite() { dmax } else { 1.0 });
    if opts.vmin.is_none() && opts.vmax.is_none() && vmax <= vmin {
        vmax = vmin + 1.0;
    }
    if vmax.partial_cmp(&vmin) != Some(std::cmp::Ordering::Greater) {
        return Err(Error::InvalidParameter {
            name: "vmin/vmax",
            expected: "vmin < vmax",
            value: format!("{vmin} / {vmax}"),
        });
    }
    let s = opts.font_scale.max(1);
    let ch = 7 * s;
    let tick = 4 * s;
    let (w, h) = (opts.width, opts.height);
    let sr = f64::from(opts.sr);
    let yticks = if opts.axes {
        frequency_ticks(opts.y_axis, bins, sr, h, 2 * ch)
    } else {
        Vec::new()
    };
    let ylabel_w = yticks
        .iter()
        .map(|(_, l)| text_width(l, s))
        .max()
        .unwrap_or(0)
        .max(text_width("Hz", s));
    let left = if opts.axes {
        ylabel_w + tick + 3 * s
    } else {
        0
    };
    let top = if opts.axes { ch + 4 * s } else { 0 };
    let bottom = if opts.axes { tick + 2 * ch + 6 * s } else { 0 };
    let cbar_w = 6 * s;
    let cbar_labels: Vec<(f64, String)> = match &opts.colorbar {
        Some(unit) => {
            let ticks = nice_ticks(f64::from(vmin), f64::from(vmax), 5);
            // Whole numbers as librosa's colour bars print dB (`%+2.0f`);
            // ticks closer than 1 apart (a 0-1 scale) keep their decimals.
            let whole = ticks.iter().all(|v| (v - v.round()).abs() < 1e-9);
            ticks
                .into_iter()
                .map(|v| {
                    let label = if whole {
                        format!("{:+} {unit}", v.round() as i64)
                    } else {
                        let sign = if v > 0.0 { "+" } else { "" };
                        format!("{sign}{} {unit}", fmt_number(v))
                    };
                    ((v - f64::from(vmin)) / f64::from(vmax - vmin), label)
                })
                .collect()
        }
        None => Vec::new(),
    };
    let right = if opts.colorbar.is_some() {
        8 * s
            + cbar_w
            + tick
            + cbar_labels
                .iter()
                .map(|(_, l)| text_width(l, s))
                .max()
                .unwrap_or(0)
            + 4 * s
    } else if opts.axes {
        8 * s
    } else {
        0
    };
    let mut img = Image::new(left + w + right, top + h + bottom, WHITE);
    let scale = 1.0 / (vmax - vmin);
    for py in 0..h {
        let bin = ((h - 1 - py) * bins / h).min(bins - 1);
        for px in 0..w {
            let v = kept[(bin, px)];
            let c = opts.colormap.color((v - vmin) * scale);
            img.put(left + px, top + py, c);
        }
    }
    if opts.axes {
        // Frame.
        img.hline(
            left.saturating_sub(1),
            left + w + 1,
            top.saturating_sub(1),
            BLACK,
        );
        img.hline(left.saturating_sub(1), left + w + 1, top + h, BLACK);
        img.vline(left.saturating_sub(1), top, top + h, BLACK);
        img.vline(left + w, top, top + h, BLACK);
        // Time ticks (or column indices under an `x_label`).
        let duration = match opts.x_label {
            Some(_) => frames as f64,
            None => frames as f64 * opts.hop_length as f64 / sr,
        };
        let target = (w / (text_width("00.00", s) * 2)).clamp(2, 10);
        for t in nice_ticks(0.0, duration, target) {
            let x = left + ((t / duration) * w as f64).round() as usize;
            if x > left + w {
                continue;
            }
            img.vline(x.min(left + w), top + h, top + h + tick, BLACK);
            let label = fmt_number(t);
            let lw = text_width(&label, s);
            img.text(
                x.saturating_sub(lw / 2),
                top + h + tick + 2 * s,
                &label,
                s,
                BLACK,
            );
        }
        let title = opts.x_label.as_deref().unwrap_or("Time (s)");
        img.text(
            (left + w / 2).saturating_sub(text_width(title, s) / 2),
            top + h + tick + ch + 5 * s,
            title,
            s,
            BLACK,
        );
        // Frequency ticks.
        for (frac, label) in &yticks {
            let y = top + h - ((frac * h as f64).round() as usize).min(h);
            img.hline(left - tick - 1, left - 1, y.min(top + h - 1), BLACK);
            let lw = text_width(label, s);
            img.text(
                left - tick - 2 * s - lw,
                y.saturating_sub(ch / 2),
                label,
                s,
                BLACK,
            );
        }
        if opts.y_axis != FrequencyAxis::None {
            img.text(
                left.saturating_sub(tick + 2 * s + text_width("Hz", s)),
                0,
                "Hz",
                s,
                BLACK,
            );
        }
    }
    if opts.colorbar.is_some() {
        let x0 = left + w + 8 * s;
        for py in 0..h {
            let c = opts.colormap.color(1.0 - py as f32 / (h - 1).max(1) as f32);
            img.hline(x0, x0 + cbar_w, top + py, c);
        }
        img.vline(x0 + cbar_w, top, top + h, BLACK);
        for (frac, label) in &cbar_labels {
            let y = top + h - 1 - ((frac * (h - 1) as f64).round() as usize).min(h - 1);
            img.hline(x0 + cbar_w, x0 + cbar_w + tick, y, BLACK);
            img.text(
                x0 + cbar_w + tick + 2 * s,
                y.saturating_sub(ch / 2),
                label,
                s,
                BLACK,
            );
        }
    }
    Ok(img)
}

fn check_size(width: usize, height: usize) -> Result<()> {
    if width == 0 || height == 0 || width > 8192 || height > 8192 {
        return Err(Error::InvalidParameter {
            name: "width/height",
            expected: "1..=8192 pixels",
            value: format!("{width}x{height}"),
        });
    }
    Ok(())
}

/// Options of [`waveform`].
#[derive(Debug, Clone, PartialEq)]
pub struct WaveformOptions {
    /// Width of the plot area in pixels.
    pub width: usize,
    /// Height of each channel's lane in pixels.
    pub height: usize,
    /// Draw axes, ticks and labels.
    pub axes: bool,
    /// Line colour (default matplotlib's `C0`).
    pub color: [u8; 3],
    /// Font pixel size multiplier.
    pub font_scale: usize,
}

impl Default for WaveformOptions {
    fn default() -> Self {
        Self {
            width: 800,
            height: 200,
            axes: true,
            color: C0,
            font_scale: 2,
        }
    }
}

/// Draws a waveform as `librosa.display.waveshow` does at a zoomed-out
/// scale: for each pixel column the min and max of the samples it covers,
/// filled between; amplitude axis `[-1, 1]`, time axis in seconds. One lane
/// per channel, top to bottom.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for no channels, no samples, a zero rate or
/// a bad plot size.
///
/// # Shapes
///
/// `samples` is `(channels, n)`.
///
/// # Example
///
/// ```
/// use audio_io::picture::{waveform, WaveformOptions};
/// let y = ndarray::Array2::from_shape_fn((1, 8000), |(_, t)| (t as f32 * 0.01).sin() * 0.5);
/// let img = waveform(&y, 8000, &WaveformOptions { width: 300, height: 80, ..Default::default() })?;
/// assert!(img.width > 300);
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn waveform(samples: &Array2<f32>, sr: u32, opts: &WaveformOptions) -> Result<Image> {
    let (channels, n) = samples.dim();
    if channels == 0 || n == 0 || sr == 0 {
        return Err(Error::InvalidParameter {
            name: "samples/sr",
            expected: "at least one channel, one sample and a rate > 0",
            value: format!("{channels}x{n} at {sr} Hz"),
        });
    }
    let mut envelope = WaveformEnvelope::new(channels, n, opts.width)?;
    envelope.push(samples.view())?;
    envelope.render(sr, opts)
}

/// The min and max of the samples each pixel column of a [`waveform`]
/// picture covers (column `px` of `width` covers samples `px · n / width`
/// up to `(px + 1) · n / width`, at least one), gathered as the samples
/// arrive: a picture of any length of audio in memory of `width` columns.
/// `waveform` is `new`, one `push` of all samples, then `render`.
///
/// # Example
///
/// ```
/// use audio_io::picture::{waveform, WaveformEnvelope, WaveformOptions};
/// let y = ndarray::Array2::from_shape_fn((2, 9000), |(c, t)| ((t + c) as f32 * 0.01).sin());
/// let opts = WaveformOptions { width: 300, height: 60, ..Default::default() };
/// let mut envelope = WaveformEnvelope::new(2, 9000, opts.width)?;
/// for start in (0..9000).step_by(1000) {
///     envelope.push(y.slice(ndarray::s![.., start..start + 1000]))?;
/// }
/// assert_eq!(envelope.render(8000, &opts)?, waveform(&y, 8000, &opts)?);
/// # Ok::<(), audio_io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct WaveformEnvelope {
    n: usize,
    /// `(channels, width)` minima and maxima.
    lo: Array2<f32>,
    hi: Array2<f32>,
    /// Samples pushed so far.
    seen: usize,
    /// The first pixel column whose samples are not all pushed.
    open: usize,
}

impl WaveformEnvelope {
    /// Room for `channels` channels of `n` samples drawn `width` pixels
    /// wide.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for no channels, no samples or a bad
    /// width.
    pub fn new(channels: usize, n: usize, width: usize) -> Result<Self> {
        if channels == 0 || n == 0 {
            return Err(Error::InvalidParameter {
                name: "samples",
                expected: "at least one channel and one sample",
                value: format!("{channels}x{n}"),
            });
        }
        check_size(width, 1)?;
        Ok(Self {
            n,
            lo: Array2::from_elem((channels, width), f32::INFINITY),
            hi: Array2::from_elem((channels, width), f32::NEG_INFINITY),
            seen: 0,
            open: 0,
        })
    }

    /// Samples `[a, b)` that pixel column `px` covers.
    fn span(&self, px: usize) -> (usize, usize) {
        let w = self.lo.ncols();
        let a = px * self.n / w;
        (a, ((px + 1) * self.n / w).max(a + 1).min(self.n))
    }

    /// The next samples `(channels, m)`, in order.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for another channel count or more
    /// samples than announced.
    pub fn push(&mut self, block: ndarray::ArrayView2<'_, f32>) -> Result<()> {
        let (channels, width) = self.lo.dim();
        let (start, end) = (self.seen, self.seen + block.ncols());
        if block.nrows() != channels || end > self.n {
            return Err(Error::InvalidParameter {
                name: "samples",
                expected: "the announced channels, and no more than the announced samples",
                value: format!(
                    "{}x{} after {start} of {channels}x{}",
                    block.nrows(),
                    block.ncols(),
                    self.n
                ),
            });
        }
        let mut px = self.open;
        while px < width {
            let (a, b) = self.span(px);
            if a >= end {
                break;
            }
            for c in 0..channels {
                let (mut lo, mut hi) = (self.lo[(c, px)], self.hi[(c, px)]);
                for t in a.max(start)..b.min(end) {
                    let v = block[(c, t - start)];
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
                self.lo[(c, px)] = lo;
                self.hi[(c, px)] = hi;
            }
            px += 1;
        }
        while self.open < width && self.span(self.open).1 <= end {
            self.open += 1;
        }
        self.seen = end;
        Ok(())
    }

    /// Draws the picture, as [`waveform`] of all the samples.
    ///
    /// # Errors
    ///
    /// As [`waveform`]; [`Error::InvalidParameter`] when fewer samples were
    /// pushed than announced, or for a width other than this one's.
    pub fn render(&self, sr: u32, opts: &WaveformOptions) -> Result<Image> {
        let (channels, width) = self.lo.dim();
        if self.seen != self.n || opts.width != width || sr == 0 {
            return Err(Error::InvalidParameter {
                name: "samples/sr",
                expected: "every announced sample pushed, the width planned and a rate > 0",
                value: format!(
                    "{} of {} samples, width {}, {sr} Hz",
                    self.seen, self.n, opts.width
                ),
            });
        }
        draw_waveform(&self.lo, &self.hi, self.n, channels, sr, opts)
    }
}

/// The picture of [`waveform`] from each pixel column's min and max.
fn draw_waveform(
    lows: &Array2<f32>,
    highs: &Array2<f32>,
    n: usize,
    channels: usize,
    sr: u32,
    opts: &WaveformOptions,
) -> Result<Image> {
    check_size(opts.width, opts.height.saturating_mul(channels))?;
    let s = opts.font_scale.max(1);
    let ch = 7 * s;
    let tick = 4 * s;
    let (w, h) = (opts.width, opts.height);
    let left = if opts.axes {
        text_width("-1", s) + tick + 3 * s
    } else {
        0
    };
    let top = if opts.axes { 4 * s } else { 0 };
    let bottom = if opts.axes { tick + 2 * ch + 6 * s } else { 0 };
    let right = if opts.axes { 8 * s } else { 0 };
    // Lanes are `h` high with a gap for the tick labels between them.
    let gap = if opts.axes { 10 * s } else { 0 };
    let total_h = h * channels + gap * (channels - 1);
    let mut img = Image::new(left + w + right, top + total_h + bottom, WHITE);
    for c in 0..channels {
        let y0 = top + c * (h + gap);
        let to_y = |v: f32| -> usize {
            let v = if v.is_finite() {
                v.clamp(-1.0, 1.0)
            } else {
                0.0
            };
            y0 + (((1.0 - v) * 0.5) * (h - 1) as f32).round() as usize
        };
        for px in 0..w {
            let (ya, yb) = (to_y(highs[(c, px)]), to_y(lows[(c, px)]));
            img.vline(left + px, ya, yb + 1, opts.color);
        }
        if opts.axes {
            img.hline(
                left.saturating_sub(1),
                left + w + 1,
                y0.saturating_sub(1),
                BLACK,
            );
            img.hline(left.saturating_sub(1), left + w + 1, y0 + h, BLACK);
            img.vline(left.saturating_sub(1), y0, y0 + h, BLACK);
            img.vline(left + w, y0, y0 + h, BLACK);
            for (v, label) in [(1.0f32, "1"), (0.0, "0"), (-1.0, "-1")] {
                let y = to_y(v);
                img.hline(left - tick - 1, left - 1, y, BLACK);
                let lw = text_width(label, s);
                img.text(
                    left - tick - 2 * s - lw,
                    y.saturating_sub(ch / 2).max(y0.saturating_sub(ch / 2)),
                    label,
                    s,
                    BLACK,
                );
            }
        }
    }
    if opts.axes {
        let duration = n as f64 / f64::from(sr);
        let target = (w / (text_width("00.00", s) * 2)).clamp(2, 10);
        let y = top + total_h;
        for t in nice_ticks(0.0, duration, target) {
            let x = left + ((t / duration) * w as f64).round() as usize;
            if x > left + w {
                continue;
            }
            img.vline(x, y, y + tick, BLACK);
            let label = fmt_number(t);
            img.text(
                x.saturating_sub(text_width(&label, s) / 2),
                y + tick + 2 * s,
                &label,
                s,
                BLACK,
            );
        }
        let title = "Time (s)";
        img.text(
            (left + w / 2).saturating_sub(text_width(title, s) / 2),
            y + tick + ch + 5 * s,
            title,
            s,
            BLACK,
        );
    }
    Ok(img)
}
