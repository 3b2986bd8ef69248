//! The JSON reports of separation scores: mir_eval's
//! `separation.evaluate` dictionary ([`BssEvalReport`]) and museval's track
//! JSON ([`MusevalReport`]), written by [`crate::report`].

use ndarray::Array2;
use serde::ser::SerializeMap as _;
use serde::Serialize;

use super::bss_eval::{FramewiseScores, ImagesScores, SourcesScores};
use super::museval::{BssEvalVersion, MusevalScores};
use crate::{Error, Result};

/// The scores of one of mir_eval's four BSS Eval functions, serialised with
/// the keys `mir_eval.separation.evaluate` gives them: a prefix
/// (`"Sources - "`, `"Images - "`, `"Sources Frames - "`,
/// `"Images Frames - "`) and `"Source to Distortion"`, `"Image to Spatial"`
/// (images only), `"Source to Interference"`, `"Source to Artifact"`,
/// `"Source permutation"`, in that order. Framewise arrays are lists of rows
/// `(sources, windows)`; a framewise permutation is `(sources, windows)` too,
/// NaN in windows without one.
///
/// # Example
///
/// ```
/// use audio_eval::separation::{BssEvalReport, SourcesScores};
/// let s = SourcesScores { sdr: vec![10.0], sir: vec![f64::INFINITY], sar: vec![10.0], permutation: vec![0] };
/// let json = BssEvalReport::Sources(s).to_json()?;
/// assert!(json.contains("\"Sources - Source to Interference\": [Infinity]"));
/// # Ok::<(), audio_eval::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum BssEvalReport {
    /// [`bss_eval_sources`](super::bss_eval_sources).
    Sources(SourcesScores),
    /// [`bss_eval_images`](super::bss_eval_images).
    Images(ImagesScores),
    /// [`bss_eval_sources_framewise`](super::bss_eval_sources_framewise).
    SourcesFrames(FramewiseScores),
    /// [`bss_eval_images_framewise`](super::bss_eval_images_framewise).
    ImagesFrames(FramewiseScores),
}

/// A 2-D array as a list of rows.
struct Rows<'a>(&'a Array2<f64>);

impl Serialize for Rows<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        crate::report::serialize_rows(self.0, s)
    }
}

/// The framewise permutations as `(sources, windows)` rows, NaN where a
/// window has none.
fn permutation_rows(p: &[Option<Vec<usize>>], sources: usize) -> Array2<f64> {
    Array2::from_shape_fn((sources, p.len()), |(j, k)| {
        p[k].as_ref()
            .and_then(|x| x.get(j))
            .map_or(f64::NAN, |&x| x as f64)
    })
}

impl Serialize for BssEvalReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        match self {
            Self::Sources(x) => {
                map.serialize_entry("Sources - Source to Distortion", &x.sdr)?;
                map.serialize_entry("Sources - Source to Interference", &x.sir)?;
                map.serialize_entry("Sources - Source to Artifact", &x.sar)?;
                map.serialize_entry("Sources - Source permutation", &x.permutation)?;
            }
            Self::Images(x) => {
                map.serialize_entry("Images - Source to Distortion", &x.sdr)?;
                map.serialize_entry("Images - Image to Spatial", &x.isr)?;
                map.serialize_entry("Images - Source to Interference", &x.sir)?;
                map.serialize_entry("Images - Source to Artifact", &x.sar)?;
                map.serialize_entry("Images - Source permutation", &x.permutation)?;
            }
            Self::SourcesFrames(x) => {
                let perm = permutation_rows(&x.permutation, x.sdr.nrows());
                map.serialize_entry("Sources Frames - Source to Distortion", &Rows(&x.sdr))?;
                map.serialize_entry("Sources Frames - Source to Interference", &Rows(&x.sir))?;
                map.serialize_entry("Sources Frames - Source to Artifact", &Rows(&x.sar))?;
                map.serialize_entry("Sources Frames - Source permutation", &Rows(&perm))?;
            }
            Self::ImagesFrames(x) => {
                let perm = permutation_rows(&x.permutation, x.sdr.nrows());
                map.serialize_entry("Images Frames - Source to Distortion", &Rows(&x.sdr))?;
                map.serialize_entry("Images Frames - Image to Spatial", &Rows(&x.isr))?;
                map.serialize_entry("Images Frames - Source to Interference", &Rows(&x.sir))?;
                map.serialize_entry("Images Frames - Source to Artifact", &Rows(&x.sar))?;
                map.serialize_entry("Images Frames - Source permutation", &Rows(&perm))?;
            }
        }
        map.end()
    }
}

impl BssEvalReport {
    /// The report as the `audio eval separation` command prints it (see
    /// [`crate::report::to_json`]: one key per line, lists inline).
    ///
    /// # Errors
    ///
    /// [`Error::Json`] (not raised by these types; kept for the signature of
    /// [`crate::report::to_json`]).
    pub fn to_json(&self) -> Result<String> {
        crate::report::to_json(self)
    }
}

/// SDR, SIR, SAR and ISR of one window or one median, keyed as museval keys
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MusevalMetrics {
    /// Source to Distortion Ratio (dB).
    #[serde(rename = "SDR")]
    pub sdr: f64,
    /// Source to Interference Ratio (dB).
    #[serde(rename = "SIR")]
    pub sir: f64,
    /// Source to Artifact Ratio (dB).
    #[serde(rename = "SAR")]
    pub sar: f64,
    /// source Image to Spatial distortion Ratio (dB).
    #[serde(rename = "ISR")]
    pub isr: f64,
}

/// One window of a target, as museval's `TrackStore` stores it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MusevalFrame {
    /// Start of the window in seconds (`k · hop / rate`).
    pub time: f64,
    /// Length of the window in seconds (`window / rate`).
    pub duration: f64,
    /// The window's metrics; `+inf` is stored as NaN, as museval's
    /// `TrackStore` does.
    pub metrics: MusevalMetrics,
}

/// One target (source) of a track: its windows and their medians.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MusevalTarget {
    /// The target's name (for example the estimate's file stem).
    pub name: String,
    /// Per-window metrics.
    pub frames: Vec<MusevalFrame>,
    /// Medians over windows, ignoring NaN ([`MusevalScores::median`]).
    pub median: MusevalMetrics,
}

/// museval's track JSON (`TrackStore`: `targets` → `frames` → `metrics`)
/// with the BSS Eval mode, window and hop, and the per-target medians.
///
/// # Example
///
/// ```
/// use ndarray::Array3;
/// use audio_eval::separation::{evaluate, MusevalConfig, MusevalReport};
///
/// let references = Array3::from_shape_fn((1, 8000, 1), |(_, t, _)| (0.01 * t as f64).sin());
/// let estimates = references.mapv(|v| 0.9 * v + 0.001);
/// let config = MusevalConfig { window: 4000, hop: 4000, ..MusevalConfig::default() };
/// let scores = evaluate(references.view(), estimates.view(), &config)?;
/// let report = MusevalReport::new(&scores, config.version, &["vocals".to_owned()], 8000)?;
/// assert_eq!(report.targets[0].frames[1].time, 0.5);
/// assert!(report.to_json()?.starts_with("{\n  \"mode\": \"v4\",\n  \"win\": 4000,"));
/// # Ok::<(), audio_eval::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MusevalReport {
    /// BSS Eval version (`"v4"` or `"v3"`).
    pub mode: BssEvalVersion,
    /// Window length in samples.
    pub win: usize,
    /// Hop length in samples.
    pub hop: usize,
    /// One entry per source.
    pub targets: Vec<MusevalTarget>,
}

impl MusevalReport {
    /// The report of `scores`, naming source `j` `names[j]`; times are in
    /// seconds at `sample_rate`.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when `names` has not one name per source;
    /// [`Error::InvalidParameter`] for a zero sample rate.
    pub fn new(
        scores: &MusevalScores,
        mode: BssEvalVersion,
        names: &[String],
        sample_rate: u32,
    ) -> Result<Self> {
        let sources = scores.sdr.nrows();
        if names.len() != sources {
            return Err(Error::ShapeMismatch {
                what: "target names",
                expected: vec![sources],
                got: vec![names.len()],
            });
        }
        if sample_rate == 0 {
            return Err(Error::InvalidParameter {
                name: "sample_rate",
                value: 0.0,
                expected: "a positive value",
            });
        }
        let rate = f64::from(sample_rate);
        let median = scores.median();
        // museval's TrackStore writes +inf as NaN.
        let q = |v: f64| if v.is_infinite() { f64::NAN } else { v };
        let targets = names
            .iter()
            .enumerate()
            .map(|(j, name)| MusevalTarget {
                name: name.clone(),
                frames: (0..scores.windows())
                    .map(|k| MusevalFrame {
                        time: (k * scores.hop) as f64 / rate,
                        duration: scores.window as f64 / rate,
                        metrics: MusevalMetrics {
                            sdr: q(scores.sdr[[j, k]]),
                            sir: q(scores.sir[[j, k]]),
                            sar: q(scores.sar[[j, k]]),
                            isr: q(scores.isr[[j, k]]),
                        },
                    })
                    .collect(),
                median: MusevalMetrics {
                    sdr: median.sdr[j],
                    sir: median.sir[j],
                    sar: median.sar[j],
                    isr: median.isr[j],
                },
            })
            .collect();
        Ok(Self {
            mode,
            win: scores.window,
            hop: scores.hop,
            targets,
        })
    }

    /// The report as museval's `TrackStore.json` writes it:
    /// `json.dumps(scores, indent=2, allow_nan=True)`.
    ///
    /// # Errors
    ///
    /// [`Error::Json`] (not raised by these types; kept for the signature of
    /// [`crate::report::to_json_indented`]).
    pub fn to_json(&self) -> Result<String> {
        crate::report::to_json_indented(self, 2)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;
    use ndarray::arr2;

    #[test]
    fn mir_eval_keys_in_mir_eval_order() {
        let s = ImagesScores {
            sdr: vec![1.5],
            isr: vec![2.5],
            sir: vec![f64::INFINITY],
            sar: vec![f64::NAN],
            permutation: vec![0],
        };
        assert_eq!(
            BssEvalReport::Images(s).to_json().unwrap(),
            "{\n  \"Images - Source to Distortion\": [1.5],\n  \"Images - Image to Spatial\": [2.5],\n  \"Images - Source to Interference\": [Infinity],\n  \"Images - Source to Artifact\": [NaN],\n  \"Images - Source permutation\": [0]\n}"
        );
        let f = FramewiseScores {
            sdr: arr2(&[[1.0, f64::NAN], [2.0, 3.0]]),
            isr: arr2(&[[f64::NAN, f64::NAN], [f64::NAN, f64::NAN]]),
            sir: arr2(&[[1.0, 1.0], [1.0, 1.0]]),
            sar: arr2(&[[1.0, 1.0], [1.0, 1.0]]),
            permutation: vec![Some(vec![1, 0]), None],
        };
        let json = BssEvalReport::SourcesFrames(f).to_json().unwrap();
        assert!(json.starts_with(
            "{\n  \"Sources Frames - Source to Distortion\": [[1.0, NaN], [2.0, 3.0]],\n"
        ));
        assert!(!json.contains("Image to Spatial"));
        assert!(
            json.ends_with("\"Sources Frames - Source permutation\": [[1.0, NaN], [0.0, NaN]]\n}")
        );
    }

    #[test]
    fn museval_report_checks_names_and_writes_inf_as_nan() {
        let scores = MusevalScores {
            sdr: arr2(&[[f64::INFINITY, 4.0]]),
            isr: arr2(&[[1.0, 2.0]]),
            sir: arr2(&[[1.0, 2.0]]),
            sar: arr2(&[[1.0, 2.0]]),
            window: 44_100,
            hop: 22_050,
        };
        assert!(MusevalReport::new(&scores, BssEvalVersion::V3, &[], 44_100).is_err());
        let names = ["bass".to_owned()];
        assert!(MusevalReport::new(&scores, BssEvalVersion::V3, &names, 0).is_err());
        let r = MusevalReport::new(&scores, BssEvalVersion::V3, &names, 44_100).unwrap();
        assert!(r.targets[0].frames[0].metrics.sdr.is_nan());
        assert_eq!(r.targets[0].frames[1].time, 0.5);
        assert_eq!(r.targets[0].median.sdr, f64::INFINITY);
        let json = r.to_json().unwrap();
        assert!(json.starts_with("{\n  \"mode\": \"v3\",\n  \"win\": 44100,\n  \"hop\": 22050,\n  \"targets\": [\n    {\n      \"name\": \"bass\",\n      \"frames\": [\n        {\n          \"time\": 0.0,\n          \"duration\": 1.0,\n          \"metrics\": {\n            \"SDR\": NaN,"), "{json}");
    }
}
