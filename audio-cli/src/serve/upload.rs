//! Checking an uploaded file before it becomes a job: the header is read
//! (never the whole file), the duration comes from it (or, for a stream
//! that does not declare it, from counting frames up to the limit), and a
//! file that does not decode is refused with the decoder's reason.

use std::path::Path;

/// What the probe learned about an upload.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// Container (`wav`, `flac`, `mp3`, `ogg`).
    pub container: String,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channels.
    pub channels: usize,
    /// Duration in seconds.
    pub duration_s: f64,
}

/// Why an upload was refused after it arrived.
#[derive(Debug, Clone, PartialEq)]
pub enum ProbeError {
    /// Not audio the family decodes (the decoder's message).
    Undecodable(String),
    /// Longer than the limit (its duration, or a lower bound).
    TooLong {
        /// The duration found.
        seconds: f64,
        /// The limit.
        limit: f64,
    },
}

impl std::fmt::Display for ProbeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Undecodable(why) => {
                write!(f, "the upload is not audio that can be decoded: {why}")
            }
            Self::TooLong { seconds, limit } => write!(
                f,
                "the upload lasts {seconds:.1} s or more; this service takes at most {limit} s"
            ),
        }
    }
}

/// Probes the file at `path` against `max_duration_s`.
///
/// # Errors
///
/// [`ProbeError`] as above.
pub fn probe(path: &Path, max_duration_s: f64) -> Result<Probe, ProbeError> {
    let reader = audio_io::AudioReader::open(path)
        .map_err(|e| ProbeError::Undecodable(without_path(&e.to_string(), path)))?;
    probe_reader(reader, max_duration_s).map_err(|e| match e {
        ProbeError::Undecodable(why) => ProbeError::Undecodable(without_path(&why, path)),
        other => other,
    })
}

/// [`probe`] of an opened reader.
///
/// # Errors
///
/// As [`probe`].
pub fn probe_reader(
    mut reader: audio_io::AudioReader,
    max_duration_s: f64,
) -> Result<Probe, ProbeError> {
    let info = reader.info().clone();
    if info.sample_rate == 0 || info.channels == 0 {
        return Err(ProbeError::Undecodable(
            "no sample rate or no channels".into(),
        ));
    }
    let rate = f64::from(info.sample_rate);
    let duration_s = match info.duration() {
        Some(d) => d,
        None => {
            // Count frames block by block, stopping past the limit.
            let mut frames = 0u64;
            loop {
                let block = reader
                    .read_frames::<f32>(1 << 16)
                    .map_err(|e| ProbeError::Undecodable(e.to_string()))?;
                if block.ncols() == 0 {
                    break;
                }
                frames += block.ncols() as u64;
                #[allow(clippy::cast_precision_loss, reason = "frame counts of audio files")]
                if frames as f64 / rate > max_duration_s {
                    break;
                }
            }
            #[allow(clippy::cast_precision_loss, reason = "frame counts of audio files")]
            let d = frames as f64 / rate;
            d
        }
    };
    if duration_s > max_duration_s {
        return Err(ProbeError::TooLong {
            seconds: duration_s,
            limit: max_duration_s,
        });
    }
    if duration_s <= 0.0 {
        return Err(ProbeError::Undecodable("no audio frames".into()));
    }
    Ok(Probe {
        container: info.container,
        sample_rate: info.sample_rate,
        channels: info.channels,
        duration_s,
    })
}

/// The message without the server's path (the client never sees paths).
fn without_path(message: &str, path: &Path) -> String {
    message.replace(&path.display().to_string(), "upload")
}
