//! Commands that stream their input (decode → mono → soxr → analysis,
//! block by block) give exactly what the whole-file path gives: the
//! library's `load` then the transform, on the shipped 44.1 kHz stereo
//! song (so the resampler is in the path).

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod common;

use audio_dsp::{MelSpectrogram, MelSpectrogramConfig, Stft, StftConfig, Transform};
use audio_io::{load, LoadOptions};
use audio_test_fixtures::read_npy;
use common::{repo, run_ok as audio, tmp};
use num_complex::Complex;

fn song() -> std::path::PathBuf {
    repo("assets/audio/song_44k_stereo.wav")
}

fn loaded(sr: u32) -> Vec<f32> {
    let options = LoadOptions {
        sr: Some(sr),
        ..LoadOptions::default()
    };
    load::<f32>(song(), &options)
        .unwrap()
        .samples
        .row(0)
        .to_vec()
}

fn bits<T: Copy>(values: impl IntoIterator<Item = T>, f: impl Fn(T) -> u32) -> Vec<u32> {
    values.into_iter().map(f).collect()
}

#[test]
fn melspectrogram_streams_to_the_whole_file_result() {
    let out = tmp("song_mel.npy");
    audio(&[
        "melspectrogram",
        song().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--n-mels",
        "64",
        "--hop-length",
        "256",
    ]);
    let config = MelSpectrogramConfig {
        stft: StftConfig {
            hop_length: Some(256),
            ..StftConfig::default()
        },
        mel: audio_dsp::MelConfig {
            sr: 22_050.0,
            n_mels: 64,
            ..audio_dsp::MelConfig::default()
        },
        ..MelSpectrogramConfig::default()
    };
    let want = MelSpectrogram::<f32>::new(config)
        .unwrap()
        .process(&loaded(22_050))
        .unwrap();
    let got = read_npy::<f32>(&out);
    assert_eq!(got.shape(), want.shape());
    assert_eq!(
        bits(got.iter().copied(), f32::to_bits),
        bits(want.iter().copied(), f32::to_bits)
    );
}

#[test]
fn stft_streams_to_the_whole_file_result() {
    let out = tmp("song_stft.npy");
    audio(&[
        "stft",
        song().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--sr",
        "16000",
        "--n-fft",
        "512",
    ]);
    let config = StftConfig {
        n_fft: 512,
        ..StftConfig::default()
    };
    let want = Stft::<f32>::new(config)
        .unwrap()
        .process(&loaded(16_000))
        .unwrap();
    let got = read_npy::<Complex<f32>>(&out);
    assert_eq!(got.shape(), want.shape());
    let flat = |c: Complex<f32>| c.re.to_bits() ^ c.im.to_bits().rotate_left(7);
    assert_eq!(
        bits(got.iter().copied(), flat),
        bits(want.iter().copied(), flat)
    );
}

#[test]
fn convert_with_sr_streams_the_samples_of_load() {
    let out = tmp("song_22k.wav");
    audio(&[
        "convert",
        song().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--sr",
        "22050",
        "--mono",
        "--format",
        "float32",
    ]);
    let got = audio_io::decode(&out).unwrap();
    assert_eq!(got.sample_rate, 22_050);
    let want = loaded(22_050);
    assert_eq!(
        bits(got.samples.row(0).iter().copied(), f32::to_bits),
        bits(want.iter().copied(), f32::to_bits)
    );
}

#[test]
fn transcribing_a_44k_file_streams_to_the_same_notes() {
    let out = tmp("song.mid");
    let json = tmp("song_notes.json");
    audio(&[
        "transcribe",
        song().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--notes-json",
        json.to_str().unwrap(),
    ]);
    let model = audio_models::basic_pitch::BasicPitch::new().unwrap();
    // The CLI's defaults: no pitch bends unless asked.
    let config = audio_models::basic_pitch::PredictConfig {
        include_pitch_bends: false,
        ..audio_models::basic_pitch::PredictConfig::default()
    };
    let want = model.transcribe_mono(&loaded(22_050), &config).unwrap();
    let want = audio_models::basic_pitch::note_creation::detections_to_json(&want);
    assert_eq!(std::fs::read_to_string(&json).unwrap(), want);
}

#[test]
fn resample_of_an_audio_file_streams_to_the_whole_signal_result() {
    let out = tmp("song_16k.npy");
    audio(&[
        "resample",
        song().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--target-sr",
        "16000",
        "--scale",
    ]);
    let options = LoadOptions {
        sr: None,
        ..LoadOptions::default()
    };
    let x = load::<f32>(song(), &options)
        .unwrap()
        .samples
        .row(0)
        .to_vec();
    let resampler =
        audio_dsp::Resampler::new(44_100.0, 16_000.0, audio_dsp::ResampleMethod::SoxrHq).unwrap();
    let gain = (44_100f64 / 16_000.0).sqrt() as f32;
    let want: Vec<f32> = resampler
        .process(&x)
        .unwrap()
        .iter()
        .map(|v| v * gain)
        .collect();
    let got = read_npy::<f32>(&out);
    assert_eq!(got.shape(), &[want.len()]);
    assert_eq!(
        bits(got.iter().copied(), f32::to_bits),
        bits(want.iter().copied(), f32::to_bits)
    );
}

/// `mfcc` of an audio file streams in two passes (the first finds the
/// whole file's log-mel maximum for `top_db`); the DCT runs per block, so
/// the matrix product could round differently from the whole file's in the
/// last place: the "within float rounding", 1e-5 of the peak
/// (measured: 0).
const MFCC_STREAM_TOL: f32 = 1e-5;

#[test]
fn mfcc_streams_in_two_passes_to_the_whole_file_result() {
    let out = tmp("song_mfcc.npy");
    audio(&[
        "mfcc",
        song().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--n-mfcc",
        "13",
    ]);
    let config = audio_dsp::MfccConfig {
        n_mfcc: 13,
        ..audio_dsp::MfccConfig::default()
    };
    let want = audio_dsp::Mfcc::<f32>::new(config)
        .unwrap()
        .process(&loaded(22_050))
        .unwrap();
    let got = read_npy::<f32>(&out);
    assert_eq!(got.shape(), want.shape());
    let peak = want.iter().fold(0f32, |p, v| p.max(v.abs()));
    let worst = got
        .iter()
        .zip(want.iter())
        .fold(0f32, |w, (a, b)| w.max((a - b).abs()));
    eprintln!("mfcc streamed vs whole: worst {worst:e} of peak {peak}");
    assert!(worst <= MFCC_STREAM_TOL * peak, "{worst:e}");
}

/// The song loaded as `load` gives it (22.05 kHz mono float32), as a
/// `.npy` signal: the input of each command's whole-signal path.
fn song_npy() -> std::path::PathBuf {
    let path = tmp("song_22k_signal.npy");
    audio_io::npy::write_npy(&path, &ndarray::Array1::from(loaded(22_050))).unwrap();
    path
}

/// Runs `command` on the song's audio file (streamed) and on the same
/// samples as a `.npy` signal (the whole-signal path) and returns both
/// outputs, as float64.
fn streamed_and_whole(command: &str, args: &[&str]) -> (Vec<f64>, Vec<f64>) {
    let signal = song_npy();
    let (streamed, whole) = (
        tmp(&format!("{command}_streamed.npy")),
        tmp(&format!("{command}_whole.npy")),
    );
    for (input, out) in [(song(), &streamed), (signal, &whole)] {
        let mut all = vec![
            command,
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        audio(&all);
    }
    let read = |p: &std::path::Path| -> (Vec<f64>, Vec<usize>) {
        match audio_io::npy::read_npy(p).unwrap() {
            audio_io::npy::NpyArray::F32(a) => (
                a.iter().map(|&v| f64::from(v)).collect(),
                a.shape().to_vec(),
            ),
            audio_io::npy::NpyArray::F64(a) => (a.iter().copied().collect(), a.shape().to_vec()),
            audio_io::npy::NpyArray::C64(a) => (
                a.iter()
                    .flat_map(|c| [f64::from(c.re), f64::from(c.im)])
                    .collect(),
                a.shape().to_vec(),
            ),
            other => {
                let a = other.into_integers().unwrap();
                (
                    a.iter().map(|&v: &i64| v as f64).collect(),
                    a.shape().to_vec(),
                )
            }
        }
    };
    let (s, s_shape) = read(&streamed);
    let (w, w_shape) = read(&whole);
    assert_eq!(s_shape, w_shape, "{command}: shapes");
    assert!(!s.is_empty(), "{command}: no values");
    eprintln!("{command} {args:?}: {s_shape:?}");
    (s, w)
}

/// Asserts that each `(command, args)` gives the same output streamed as
/// whole, to the bit (NaN equal to NaN).
fn assert_streams_identically(cases: &[(&str, &[&str])]) {
    for &(command, args) in cases {
        let (streamed, whole) = streamed_and_whole(command, args);
        let differ = streamed
            .iter()
            .zip(&whole)
            .filter(|(a, b)| a.to_bits() != b.to_bits())
            .count();
        assert_eq!(differ, 0, "{command} {args:?}: {differ} values differ");
    }
}

#[test]
fn spectral_descriptors_stream_to_the_whole_signal_result() {
    assert_streams_identically(&[
        ("spectral-centroid", &[]),
        ("spectral-bandwidth", &["--p", "1.5"]),
        ("spectral-rolloff", &["--roll-percent", "0.9"]),
        ("spectral-flatness", &[]),
        ("spectral-contrast", &["--n-fft", "1024"]),
        ("poly-features", &["--order", "2", "--hop-length", "256"]),
        ("spectral-centroid", &["--no-center", "--n-fft", "4096"]),
    ]);
}

#[test]
fn chroma_cens_streams_to_the_whole_signal_result() {
    assert_streams_identically(&[
        ("chroma-cens", &[][..]),
        ("chroma-cens", &["--win-len-smooth", "0"][..]),
        (
            "chroma-cens",
            &["--win-len-smooth", "9", "--norm", "inf"][..],
        ),
    ]);
}

#[test]
fn pre_and_deemphasis_stream_to_the_whole_signal_result() {
    assert_streams_identically(&[
        ("preemphasis", &[][..]),
        ("preemphasis", &["--coef", "-0.5"][..]),
        ("deemphasis", &[][..]),
        ("deemphasis", &["--coef", "0.5"][..]),
    ]);
}

#[test]
fn frame_features_yin_and_pyin_stream_to_the_whole_signal_result() {
    assert_streams_identically(&[
        ("zero-crossing-rate", &[][..]),
        (
            "zero-crossing-rate",
            &["--frame-length", "1000", "--hop-length", "300"][..],
        ),
        ("yin", &[][..]),
        (
            "yin",
            &["--pad-mode", "reflect", "--frame-length", "1024"][..],
        ),
        ("pyin", &[][..]),
    ]);
}

/// `rms` sums each hop's squares in float64 lanes; the whole-signal path
/// sums the samples of a hop that reaches into the centring padding apart
/// from the padding, the stream (which frames the padded signal) together,
/// so the first and last frames' float64 sums may differ in their last bit
/// and, rarely, the float32 result by one ulp (6e-8 relative). Measured on
/// the song: 0.
const RMS_STREAM_TOL: f64 = 1e-6;

#[test]
fn rms_streams_to_the_whole_signal_result_within_rounding() {
    for args in [
        &[][..],
        &["--pad-mode", "reflect", "--hop-length", "333"][..],
    ] {
        let (streamed, whole) = streamed_and_whole("rms", args);
        let worst = streamed
            .iter()
            .zip(&whole)
            .map(|(a, b)| (a - b).abs() / b.abs().max(1e-3))
            .fold(0f64, f64::max);
        eprintln!("rms {args:?}: worst relative difference {worst:e}");
        assert!(worst <= RMS_STREAM_TOL, "{worst:e}");
    }
}

#[test]
fn onsets_and_beats_stream_to_the_whole_signal_result() {
    assert_streams_identically(&[
        ("onset-strength", &[][..]),
        (
            "onset-strength",
            &["--hop-length", "256", "--n-mels", "64"][..],
        ),
        ("onset-detect", &["--units", "time"][..]),
        ("tempo", &[][..]),
        ("plp", &[][..]),
        ("tempogram", &[][..]),
        ("fourier-tempogram", &[][..]),
    ]);
}

#[test]
fn chroma_and_constant_q_stream_to_the_whole_signal_result() {
    assert_streams_identically(&[
        // The tuning estimated in a first pass (librosa's default), then given.
        ("chroma-stft", &[][..]),
        ("chroma-stft", &["--tuning", "0.1", "--n-fft", "4096"][..]),
        ("cqt", &[][..]),
        (
            "cqt",
            &["--magnitude", "--hop-length", "256", "--n-bins", "72"][..],
        ),
        ("vqt", &["--res-type", "soxr_vhq"][..]),
        ("chroma-cqt", &[][..]),
        (
            "chroma-cqt",
            &["--tuning", "-0.2", "--bins-per-octave", "24"][..],
        ),
        ("tonnetz", &[][..]),
    ]);
}

#[test]
fn hybrid_and_harmonic_constant_q_stream_to_the_whole_signal_result() {
    assert_streams_identically(&[
        ("hybrid-cqt", &[][..]),
        ("hybrid-cqt", &["--hop-length", "256", "--n-bins", "60"][..]),
        // The 3-D output, written frame by frame in Fortran order.
        ("hcqt", &[][..]),
        ("hcqt", &["--magnitude", "--harmonics", "1,2,3"][..]),
        ("chroma-cqt", &["--cqt-mode", "hybrid"][..]),
    ]);
}

#[test]
fn remix_streams_to_the_whole_signal_result() {
    // Out of order, overlapping, one past the end; boundaries moved to
    // zero crossings in a first pass, then each copied to its place.
    assert_streams_identically(&[
        (
            "remix",
            &[
                "--intervals",
                "30000:60000,0:20000,10000:45000,90000:9000000",
            ][..],
        ),
        (
            "remix",
            &[
                "--intervals",
                "50000:50100,7:7,40000:30000,1:2",
                "--no-align-zeros",
            ][..],
        ),
    ]);
}

#[test]
fn estimate_key_streams_to_the_whole_signal_result() {
    // The audio file (streamed chromagram, summed frame by frame) and the
    // same samples as a signal `.npy` (the whole-signal path).
    let (streamed, whole) = (tmp("key_streamed.json"), tmp("key_whole.json"));
    for (input, out) in [(song(), &streamed), (song_npy(), &whole)] {
        audio(&[
            "estimate-key",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
    }
    let (s, w) = (
        std::fs::read_to_string(&streamed).unwrap(),
        std::fs::read_to_string(&whole).unwrap(),
    );
    assert!(s.contains("tonic"), "{s}");
    assert_eq!(s, w);
}

/// A 44.1 kHz stereo WAV of 7 s with silence at both ends and two gaps
/// (tones at 1–2.5 s, 3–4 s and 5–6 s), and the same samples loaded as
/// `librosa.load(sr=22050)` as a signal `.npy`.
fn gapped(tag: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let (wav, npy) = (
        tmp(&format!("gapped_{tag}.wav")),
        tmp(&format!("gapped_{tag}_22k.npy")),
    );
    let rate = 44_100usize;
    let samples = ndarray::Array2::from_shape_fn((2, 7 * rate), |(c, t)| {
        let x = t as f32 / rate as f32;
        let on = (1.0..2.5).contains(&x) || (3.0..4.0).contains(&x) || (5.0..6.0).contains(&x);
        if on {
            0.3 * (2.0 * std::f32::consts::PI * (330.0 + 110.0 * c as f32) * x).sin()
        } else {
            0.0
        }
    });
    let audio = audio_io::Audio {
        samples,
        sample_rate: rate as u32,
    };
    let bytes = audio_io::wav::write_wav_to_vec(&audio, &audio_io::wav::WavWriteOptions::default())
        .unwrap();
    std::fs::write(&wav, bytes).unwrap();
    let options = LoadOptions {
        sr: Some(22_050),
        ..LoadOptions::default()
    };
    let signal = load::<f32>(&wav, &options)
        .unwrap()
        .samples
        .row(0)
        .to_owned();
    audio_io::npy::write_npy(&npy, &signal).unwrap();
    (wav, npy)
}

#[test]
fn split_streams_to_the_whole_signal_result() {
    let (wav, npy) = gapped("split");
    for args in [&[][..], &["--top-db", "20", "--frame-length", "1024"][..]] {
        let (streamed, whole) = (tmp("split_streamed.npy"), tmp("split_whole.npy"));
        for (input, out) in [(&wav, &streamed), (&npy, &whole)] {
            let mut all = vec![
                "split",
                input.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ];
            all.extend_from_slice(args);
            audio(&all);
        }
        let (s, w): (ndarray::ArrayD<i64>, ndarray::ArrayD<i64>) =
            (read_npy(&streamed), read_npy(&whole));
        assert_eq!(s.shape(), [3, 2], "{args:?}");
        assert_eq!(s, w, "{args:?}");
    }
}

#[test]
fn trim_streams_to_the_whole_signal_result() {
    let (wav, npy) = gapped("trim");
    for top_db in ["60", "12"] {
        let (streamed, whole) = (
            tmp(&format!("trim_streamed_{top_db}.npz")),
            tmp(&format!("trim_whole_{top_db}.npz")),
        );
        for (input, out) in [(&wav, &streamed), (&npy, &whole)] {
            audio(&[
                "trim",
                input.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--top-db",
                top_db,
            ]);
        }
        let (s, w) = (
            audio_io::npy::read_npz(&streamed).unwrap(),
            audio_io::npy::read_npz(&whole).unwrap(),
        );
        let names: Vec<&str> = s.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["y_trimmed", "index"]);
        assert_no_part_files(&streamed);
        for ((name, a), (_, b)) in s.into_iter().zip(w) {
            match (a, b) {
                (audio_io::npy::NpyArray::F32(a), audio_io::npy::NpyArray::F32(b)) => {
                    assert_eq!(a.shape(), b.shape(), "{name}");
                    // About 5 s of the 7 s at 22.05 kHz.
                    assert!(a.len() > 4 * 22_050 && a.len() < 6 * 22_050, "{}", a.len());
                    assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
                }
                (a, b) => {
                    let (a, b) = (a.into_integers().unwrap(), b.into_integers().unwrap());
                    assert!(a[0] > 20_000, "{a:?}");
                    assert_eq!(a, b, "{name} (top_db {top_db})");
                }
            }
        }
    }
}

/// No part file (`.<output>.<array>.npy`) is left beside `output`.
fn assert_no_part_files(output: &std::path::Path) {
    let name = output.file_name().unwrap().to_string_lossy().into_owned();
    let dir = output.parent().unwrap();
    assert!(std::fs::read_dir(dir).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with(&format!(".{name}."))));
}

#[test]
fn hpss_streams_to_the_whole_signal_result() {
    for args in [&[][..], &["--kernel-size", "9", "--margin", "2"][..]] {
        let (streamed, whole) = (tmp("hpss_streamed.npz"), tmp("hpss_whole.npz"));
        for (input, out) in [(song(), &streamed), (song_npy(), &whole)] {
            let mut all = vec!["hpss", input.to_str().unwrap(), "-o", out.to_str().unwrap()];
            all.extend_from_slice(args);
            audio(&all);
        }
        assert_no_part_files(&streamed);
        let (s, w) = (
            audio_io::npy::read_npz(&streamed).unwrap(),
            audio_io::npy::read_npz(&whole).unwrap(),
        );
        let names: Vec<&str> = s.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["harmonic", "percussive"]);
        for ((name, a), (_, b)) in s.into_iter().zip(w) {
            let (audio_io::npy::NpyArray::F32(a), audio_io::npy::NpyArray::F32(b)) = (a, b) else {
                panic!("{name}: not float32");
            };
            assert_eq!(a.shape(), b.shape(), "{name}");
            assert!(a.len() > 60_000, "{name}: {}", a.len());
            let differ = a
                .iter()
                .zip(&b)
                .filter(|(x, y)| x.to_bits() != y.to_bits())
                .count();
            assert_eq!(differ, 0, "{name} {args:?}");
        }
    }
}

/// `specshow` (mel and linear) and `waveshow` read the file block by block
/// and keep only what the pixel columns show, and their PNGs are the
/// whole-file pictures' (the library's `load` at the native rate, the
/// whole transform, `power_to_db` / `amplitude_to_db` with `ref=np.max`,
/// then `specshow` / `waveform`), byte for byte.
#[test]
fn pictures_stream_to_the_whole_file_pictures() {
    use audio_io::picture::{specshow, waveform, FrequencyAxis, SpecshowOptions, WaveformOptions};
    let native = load::<f32>(
        song(),
        &LoadOptions {
            sr: None,
            ..LoadOptions::default()
        },
    )
    .unwrap();
    let (y, sr) = (native.samples.row(0).to_vec(), native.sample_rate);
    let stft = StftConfig {
        n_fft: 1024,
        hop_length: Some(256),
        ..StftConfig::default()
    };
    let mel = MelSpectrogram::<f32>::new(MelSpectrogramConfig {
        stft: stft.clone(),
        power: 2.0,
        mel: audio_dsp::MelConfig {
            sr: f64::from(sr),
            n_fft: 1024,
            n_mels: 64,
            ..Default::default()
        },
    })
    .unwrap()
    .process(&y)
    .unwrap();
    let mel_db =
        audio_dsp::power_to_db(mel.view(), audio_dsp::DbReference::Max, 1e-10, Some(60.0)).unwrap();
    let mag = Stft::<f32>::new(stft)
        .unwrap()
        .process(&y)
        .unwrap()
        .mapv(|c| c.norm());
    let lin_db =
        audio_dsp::amplitude_to_db(mag.view(), audio_dsp::DbReference::Max, 1e-5, Some(80.0))
            .unwrap();
    let opts = |axis, width| SpecshowOptions {
        y_axis: axis,
        sr,
        hop_length: 256,
        width,
        height: 120,
        colorbar: Some("dB".into()),
        ..SpecshowOptions::default()
    };
    let mel_axis = FrequencyAxis::Mel {
        fmin: 0.0,
        fmax: f64::from(sr) / 2.0,
        htk: false,
    };
    let common = ["--n-fft", "1024", "--hop-length", "256", "--height", "120"];
    let cases: [(Vec<&str>, audio_io::picture::Image); 3] = [
        (
            [
                &["--n-mels", "64", "--top-db", "60", "--width", "333"][..],
                &common[..],
            ]
            .concat(),
            specshow(&mel_db, &opts(mel_axis, 333)).unwrap(),
        ),
        (
            [&["--y-axis", "linear", "--width", "2000"][..], &common[..]].concat(),
            specshow(&lin_db, &opts(FrequencyAxis::Linear, 2000)).unwrap(),
        ),
        (
            vec!["--waveshow", "--width", "500", "--height", "90"],
            waveform(
                &audio_io::decode(song()).unwrap().samples,
                sr,
                &WaveformOptions {
                    width: 500,
                    height: 90,
                    ..WaveformOptions::default()
                },
            )
            .unwrap(),
        ),
    ];
    for (k, (args, expected)) in cases.iter().enumerate() {
        let out = tmp(&format!("picture_streamed_{k}.png"));
        let want = tmp(&format!("picture_whole_{k}.png"));
        let (command, args) = match args.split_first() {
            Some((&"--waveshow", rest)) => ("waveshow", rest),
            _ => ("specshow", &args[..]),
        };
        let input = song();
        let mut all = vec![
            command,
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        audio(&all);
        expected.save_png(&want).unwrap();
        assert!(
            std::fs::read(&out).unwrap() == std::fs::read(&want).unwrap(),
            "{command} {args:?}: the streamed picture differs"
        );
    }
}
