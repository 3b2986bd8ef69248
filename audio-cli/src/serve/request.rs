//! What a job asks for: the task, the model (a name from a fixed list,
//! never a path) and its parameters, parsed and checked before anything
//! runs. Parameters come as `name=value` pairs from the query string or
//! from the multipart form's text fields.

use serde::Serialize;

/// The most parameters a request may carry.
pub const MAX_PARAMS: usize = 32;

/// The longest parameter name or value, in bytes.
pub const MAX_PARAM_LEN: usize = 256;

/// A job's task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Source separation into stems (WAV).
    Separate,
    /// Transcription to MIDI, notes JSON and a piano-roll picture.
    Transcribe,
    /// Seed 004's chain: separate, keep a stem, transcribe.
    Pipeline,
    /// A feature array (`.npy`) or the key estimate (JSON).
    Features,
}

impl Task {
    /// Every task, in the order `GET /v1/models` lists them.
    pub const ALL: [Task; 4] = [
        Task::Separate,
        Task::Transcribe,
        Task::Pipeline,
        Task::Features,
    ];

    /// The task's name in the API.
    pub fn name(self) -> &'static str {
        match self {
            Task::Separate => "separate",
            Task::Transcribe => "transcribe",
            Task::Pipeline => "pipeline",
            Task::Features => "features",
        }
    }

    /// The models a job of this task may name; the first is the default.
    pub fn models(self) -> &'static [&'static str] {
        match self {
            Task::Separate => &["open-unmix-embedded"],
            Task::Transcribe | Task::Pipeline => &["basic-pitch", "frame-mlp"],
            Task::Features => &[
                "melspectrogram",
                "mfcc",
                "chroma-stft",
                "chroma-cqt",
                "onset-strength",
                "tonnetz",
                "estimate-key",
            ],
        }
    }

    /// The parameters a job of this task may set, each with its kind.
    fn params(self) -> &'static [(&'static str, Kind)] {
        match self {
            Task::Separate => &[
                ("targets", Kind::Targets),
                ("niter", Kind::Int { max: 10 }),
                ("format", Kind::AudioFormat),
            ],
            Task::Transcribe => &[
                ("onset_threshold", Kind::Unit),
                ("frame_threshold", Kind::Unit),
                ("min_note_ms", Kind::Positive { max: 10_000.0 }),
                ("quantize", Kind::Grid),
                ("key", Kind::Key),
            ],
            Task::Pipeline => &[
                ("target", Kind::Target),
                ("min_note_ms", Kind::Positive { max: 10_000.0 }),
                ("quantize", Kind::Grid),
                ("key", Kind::Key),
            ],
            Task::Features => &[
                ("sr", Kind::Int { max: 192_000 }),
                ("n_mels", Kind::Int { max: 512 }),
                ("n_mfcc", Kind::Int { max: 128 }),
            ],
        }
    }
}

/// How a parameter's value is checked.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// A whole number in `0..=max` (`sr`, `n_mels`, `n_mfcc` must be > 0).
    Int { max: u64 },
    /// A number in `[0, 1]`.
    Unit,
    /// A number in `(0, max]`.
    Positive { max: f64 },
    /// One of Open-Unmix's targets.
    Target,
    /// Comma-separated targets.
    Targets,
    /// A quantisation grid (`0.125` or `120:4`).
    Grid,
    /// A key (`C:maj`, `auto`, ...).
    Key,
    /// The stems' file format: `wav` (32-bit float) or `flac` (16-bit).
    AudioFormat,
}

/// The targets of the embedded separator.
pub const TARGETS: [&str; 4] = ["vocals", "drums", "bass", "other"];

/// A request the service refuses, with the reason shown to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRequest(pub String);

impl std::fmt::Display for BadRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A checked job request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobRequest {
    /// The task.
    pub task: Task,
    /// The model (one of [`Task::models`]).
    pub model: String,
    /// The parameters, checked, in the order given.
    pub params: Vec<(String, String)>,
}

impl JobRequest {
    /// Parses `task`, `model` and the task's parameters from `pairs`
    /// (query-string or form fields; `token`/`access_token` are ignored,
    /// being credentials). The task defaults to `transcribe`, the model to
    /// the task's first.
    ///
    /// # Errors
    ///
    /// [`BadRequest`] naming an unknown task, model or parameter, a value
    /// out of range, a repeated name, or too many or too long pairs.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, BadRequest> {
        if pairs.len() > MAX_PARAMS {
            return Err(BadRequest(format!(
                "too many parameters ({}; at most {MAX_PARAMS})",
                pairs.len()
            )));
        }
        let mut task = None;
        let mut model = None;
        let mut rest = Vec::new();
        for (name, value) in pairs {
            if name.len() > MAX_PARAM_LEN || value.len() > MAX_PARAM_LEN {
                return Err(BadRequest(format!(
                    "a parameter longer than {MAX_PARAM_LEN} bytes"
                )));
            }
            match name.as_str() {
                "task" => set_once(&mut task, name, value)?,
                "model" => set_once(&mut model, name, value)?,
                "access_token" | "token" => {}
                _ => rest.push((name.clone(), value.clone())),
            }
        }
        let task = match task.as_deref() {
            None => Task::Transcribe,
            Some(t) => Task::ALL
                .into_iter()
                .find(|k| k.name() == t)
                .ok_or_else(|| {
                    BadRequest(format!(
                        "unknown task {t:?}: one of separate, transcribe, pipeline, features"
                    ))
                })?,
        };
        let models = task.models();
        let model = match model.as_deref() {
            None | Some("default") => models[0].to_string(),
            Some(m) if models.contains(&m) => m.to_string(),
            Some(m) => {
                return Err(BadRequest(format!(
                    "unknown model {m:?} for {}: one of {}",
                    task.name(),
                    models.join(", ")
                )))
            }
        };
        let allowed = task.params();
        let mut seen: Vec<&str> = Vec::new();
        for (name, value) in &rest {
            let Some((_, kind)) = allowed.iter().find(|(n, _)| n == name) else {
                let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
                return Err(BadRequest(format!(
                    "unknown parameter {name:?} for {}: one of {}",
                    task.name(),
                    names.join(", ")
                )));
            };
            if seen.contains(&name.as_str()) {
                return Err(BadRequest(format!("parameter {name:?} given twice")));
            }
            seen.push(name);
            check(name, value, *kind)?;
        }
        Ok(Self {
            task,
            model,
            params: rest,
        })
    }

    /// The value of parameter `name`, if given.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn set_once(slot: &mut Option<String>, name: &str, value: &str) -> Result<(), BadRequest> {
    if slot.is_some() {
        return Err(BadRequest(format!("parameter {name:?} given twice")));
    }
    *slot = Some(value.to_string());
    Ok(())
}

fn check(name: &str, value: &str, kind: Kind) -> Result<(), BadRequest> {
    let bad = |expected: &str| BadRequest(format!("{name}={value:?}: expected {expected}"));
    match kind {
        Kind::Int { max } => match value.parse::<u64>() {
            Ok(v) if v <= max && (v > 0 || name == "niter") => Ok(()),
            _ => Err(bad(&format!("a whole number up to {max}"))),
        },
        Kind::Unit => match value.parse::<f64>() {
            Ok(v) if (0.0..=1.0).contains(&v) => Ok(()),
            _ => Err(bad("a number in [0, 1]")),
        },
        Kind::Positive { max } => match value.parse::<f64>() {
            Ok(v) if v > 0.0 && v <= max => Ok(()),
            _ => Err(bad(&format!("a number in (0, {max}]"))),
        },
        Kind::Target => {
            if TARGETS.contains(&value) {
                Ok(())
            } else {
                Err(bad("one of vocals, drums, bass, other"))
            }
        }
        Kind::Targets => {
            let all_known = value.split(',').all(|t| TARGETS.contains(&t));
            if all_known && !value.is_empty() {
                Ok(())
            } else {
                Err(bad(
                    "comma-separated targets among vocals, drums, bass, other",
                ))
            }
        }
        Kind::Grid => value
            .parse::<audio_dsp::QuantizeGrid>()
            .map(|_| ())
            .map_err(|e| bad(&format!("a grid in seconds or BPM:DIVISIONS ({e})"))),
        Kind::Key => value
            .parse::<audio_dsp::KeySelection>()
            .map(|_| ())
            .map_err(|e| bad(&format!("a key such as C:maj or auto ({e})"))),
        Kind::AudioFormat => match value {
            "wav" | "flac" => Ok(()),
            _ => Err(bad("wav or flac")),
        },
    }
}

/// `application/x-www-form-urlencoded` pairs of a query string.
pub fn form_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
            .collect()
    }

    #[test]
    fn defaults_and_checked_parameters() {
        let r = JobRequest::parse(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (r.task, r.model.as_str()),
            (Task::Transcribe, "basic-pitch")
        );
        let r = JobRequest::parse(&pairs(&[
            ("task", "pipeline"),
            ("model", "frame-mlp"),
            ("target", "other"),
            ("quantize", "120:4"),
            ("key", "auto"),
        ]))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.param("target"), Some("other"));
        for bad in [
            &[("task", "delete")][..],
            &[("task", "separate"), ("model", "/etc/passwd")],
            &[("task", "separate"), ("targets", "vocals,piano")],
            &[("onset_threshold", "2")],
            &[("onset_threshold", "0.5"), ("onset_threshold", "0.6")],
            &[("task", "features"), ("n_mels", "0")],
            &[("quantize", "fast")],
            &[("colour", "red")],
        ] {
            assert!(JobRequest::parse(&pairs(bad)).is_err(), "{bad:?}");
        }
    }
}
