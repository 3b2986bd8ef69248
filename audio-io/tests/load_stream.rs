//! `LoadStream` against `load`: the blocks joined are the same samples to
//! the bit, for librosa's default (22.05 kHz mono, soxr_hq), the file's
//! rate, several channels, offsets and durations, and f64 output; and on
//! the shipped 44.1 kHz stereo song, the same SNR against `librosa.load`.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::path::PathBuf;

use audio_dsp::ResampleMethod;
use audio_io::{load, Audio, LoadOptions, LoadStream, Sample};
use ndarray::{concatenate, Array2, Axis};

fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel)
}

fn joined<T: Sample>(path: &std::path::Path, options: &LoadOptions) -> Audio<T> {
    let mut stream = LoadStream::<T>::open(path, options).unwrap();
    let (channels, sr) = (stream.channels(), stream.sample_rate());
    let mut blocks = Vec::new();
    while let Some(block) = stream.next_block().unwrap() {
        assert!(block.ncols() > 0);
        assert_eq!(block.nrows(), channels);
        blocks.push(block);
    }
    let views: Vec<_> = blocks.iter().map(|b| b.view()).collect();
    let samples = if views.is_empty() {
        Array2::<T>::default((channels, 0))
    } else {
        concatenate(Axis(1), &views).unwrap()
    };
    Audio {
        samples,
        sample_rate: sr,
    }
}

fn assert_same<T: Sample + PartialEq + std::fmt::Debug>(what: &str, a: &Audio<T>, b: &Audio<T>) {
    assert_eq!(a.sample_rate, b.sample_rate, "{what}: rate");
    assert_eq!(a.samples.dim(), b.samples.dim(), "{what}: shape");
    let differing = a
        .samples
        .iter()
        .zip(b.samples.iter())
        .filter(|(x, y)| x.to_f64().to_bits() != y.to_f64().to_bits())
        .count();
    assert_eq!(differing, 0, "{what}: {differing} samples differ");
}

/// A 10-second 44.1 kHz stereo file (seven decoder blocks), written once.
fn long_stereo() -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("audio-io-load-stream-{}.wav", std::process::id()));
    let n = 441_000;
    let samples = Array2::from_shape_fn((2, n), |(c, t)| {
        let t = t as f32 / 44_100.0;
        0.4 * (2.0 * std::f32::consts::PI * (220.0 + 110.0 * c as f32) * t).sin()
            + 0.2 * (2.0 * std::f32::consts::PI * 3_520.0 * t).sin()
    });
    let audio = Audio {
        samples,
        sample_rate: 44_100,
    };
    audio_io::wav::write_wav(&path, &audio, &Default::default()).unwrap();
    path
}

#[test]
fn streamed_blocks_equal_load() {
    let path = long_stereo();
    let cases = [
        ("librosa default", LoadOptions::default()),
        (
            "native rate, stereo",
            LoadOptions {
                sr: None,
                mono: false,
                ..LoadOptions::default()
            },
        ),
        (
            "16 kHz stereo, offset and duration",
            LoadOptions {
                sr: Some(16_000),
                mono: false,
                offset: 1.25,
                duration: Some(4.4),
                ..LoadOptions::default()
            },
        ),
        (
            "48 kHz mono, soxr_vhq",
            LoadOptions {
                sr: Some(48_000),
                res_type: ResampleMethod::SoxrVhq,
                ..LoadOptions::default()
            },
        ),
        (
            "duration past the end",
            LoadOptions {
                offset: 9.0,
                duration: Some(30.0),
                ..LoadOptions::default()
            },
        ),
    ];
    for (what, options) in cases {
        let want = load::<f32>(&path, &options).unwrap();
        assert_same(what, &joined::<f32>(&path, &options), &want);
    }
    let options = LoadOptions::default();
    assert_same(
        "f64",
        &joined::<f64>(&path, &options),
        &load::<f64>(&path, &options).unwrap(),
    );
    std::fs::remove_file(&path).ok();
}

#[test]
fn the_shipped_song_streams_as_it_loads() {
    let path = repo("assets/audio/song_44k_stereo.wav");
    for sr in [22_050, 16_000] {
        let options = LoadOptions {
            sr: Some(sr),
            ..LoadOptions::default()
        };
        assert_same(
            &format!("song at {sr}"),
            &joined::<f32>(&path, &options),
            &load::<f32>(&path, &options).unwrap(),
        );
    }
}

#[test]
fn non_streaming_resamplers_and_bad_options_are_errors() {
    let path = repo("assets/audio/song_44k_stereo.wav");
    let fft = LoadOptions {
        res_type: ResampleMethod::Fft,
        ..LoadOptions::default()
    };
    assert!(matches!(
        LoadStream::<f32>::open(&path, &fft),
        Err(audio_io::Error::InvalidParameter {
            name: "res_type",
            ..
        })
    ));
    // The same method at the file's rate needs no resampler.
    let native = LoadOptions { sr: None, ..fft };
    assert!(LoadStream::<f32>::open(&path, &native).is_ok());
    let zero = LoadOptions {
        sr: Some(0),
        ..LoadOptions::default()
    };
    assert!(matches!(
        LoadStream::<f32>::open(&path, &zero),
        Err(audio_io::Error::InvalidParameter { name: "sr", .. })
    ));
    let negative = LoadOptions {
        offset: -1.0,
        ..LoadOptions::default()
    };
    assert!(LoadStream::<f32>::open(&path, &negative).is_err());
}
