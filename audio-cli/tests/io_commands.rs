//! The `audio-io` subcommands end to end on the bundled recording and MIDI file.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

mod common;

use common::{audio_command as audio, tmp};

/// The FLAC / WAV size bound on `piano.wav`: libFLAC gives 0.620 there
/// (`tools/reference/io_flac_check.py`), and so does our encoder; the margin
/// allows small changes of the analysis, not a lost predictor (fixed
/// predictors alone gave 0.709 on piano_short.wav).
const FLAC_MAX_SIZE_RATIO: f64 = 0.64;

#[test]
fn info_convert_and_pictures() {
    let wav = common::repo("assets/audio/piano.wav");
    let out = audio().arg("info").arg(&wav).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("22050 Hz") && text.contains("frames:      479587"),
        "{text}"
    );

    let converted = tmp("piano24.wav");
    let status = audio()
        .args(["convert"])
        .arg(&wav)
        .arg("-o")
        .arg(&converted)
        .args(["--format", "pcm24", "--offset", "1", "--duration", "2"])
        .status()
        .unwrap();
    assert!(status.success());
    let y = audio_io::wav::read_wav(&converted).unwrap();
    let x = audio_io::wav::read_wav(&wav).unwrap();
    assert_eq!(y.samples.dim(), (1, 44100));
    // 16-bit samples are exact in 24 bits.
    assert_eq!(
        y.samples.row(0),
        x.samples.slice(ndarray::s![0, 22050..66150])
    );

    // Resampling convert: 2 s at 22.05 kHz -> 16 kHz, the same samples as
    // load(sr=16000) of the same excerpt.
    let converted16 = tmp("piano16.wav");
    let status = audio()
        .args(["convert"])
        .arg(&wav)
        .arg("-o")
        .arg(&converted16)
        .args(["--format", "float32", "--offset", "1", "--duration", "2"])
        .args(["--sr", "16000"])
        .status()
        .unwrap();
    assert!(status.success());
    let y16 = audio_io::wav::read_wav(&converted16).unwrap();
    assert_eq!((y16.sample_rate, y16.samples.dim()), (16000, (1, 32000)));
    let loaded = audio_io::load::<f32>(
        &wav,
        &audio_io::LoadOptions {
            sr: Some(16000),
            offset: 1.0,
            duration: Some(2.0),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(y16.samples, loaded.samples);

    let png = tmp("mel.png");
    let status = audio()
        .arg("specshow")
        .arg(&wav)
        .arg("-o")
        .arg(&png)
        .args(["--width", "200", "--height", "100"])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");
    let status = audio()
        .arg("waveshow")
        .arg(&wav)
        .arg("-o")
        .arg(&png)
        .status()
        .unwrap();
    assert!(status.success());

    // To FLAC by the output's extension: lossless, and at most
    // FLAC_MAX_SIZE_RATIO of the WAV's size.
    let flac = tmp("piano.flac");
    let status = audio()
        .arg("convert")
        .arg(&wav)
        .arg("-o")
        .arg(&flac)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(audio_io::decode(&flac).unwrap(), x);
    let ratio = std::fs::metadata(&flac).unwrap().len() as f64
        / std::fs::metadata(&wav).unwrap().len() as f64;
    assert!(ratio < FLAC_MAX_SIZE_RATIO, "{ratio}");
    // FLAC holds integers: a float FLAC is a usage error naming the formats.
    let out = audio()
        .arg("convert")
        .arg(&wav)
        .arg("-o")
        .arg(tmp("float.flac"))
        .args(["--format", "float32"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pcm16 or pcm24"));
    assert!(!tmp("float.flac").exists());

    // An impossible rate is a clear error, not a crash.
    let out = audio()
        .arg("convert")
        .arg(&wav)
        .arg("-o")
        .arg(tmp("x.wav"))
        .args(["--sr", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("sr"));
}

#[test]
fn midi_to_notes_and_back() {
    let mid = common::repo("assets/audio/piano.mid");
    let csv = tmp("notes.csv");
    assert!(audio()
        .arg("midi-to-notes")
        .arg(&mid)
        .arg("-o")
        .arg(&csv)
        .status()
        .unwrap()
        .success());
    let back = tmp("back.mid");
    assert!(audio()
        .arg("notes-to-midi")
        .arg(&csv)
        .arg("-o")
        .arg(&back)
        .args(["--bpm", "96"])
        .status()
        .unwrap()
        .success());
    let a = audio_io::midi::MidiFile::read(&mid).unwrap().notes();
    let b = audio_io::midi::MidiFile::read(&back).unwrap().notes();
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!((x.pitch, x.velocity), (y.pitch, y.velocity));
        // CSV keeps 1 µs; ticks at 480 per beat are 1.3 ms at 96 bpm.
        assert!((x.onset - y.onset).abs() < 1e-3 && (x.offset - y.offset).abs() < 1e-3);
    }
    // A melody in the seed's encoding → MIDI → the same encoding.
    let txt = tmp("melody.txt");
    std::fs::write(&txt, "60 _ 62 _ r _ 64 _ _ _").unwrap();
    let m = tmp("melody.mid");
    assert!(audio()
        .arg("notes-to-midi")
        .arg(&txt)
        .arg("-o")
        .arg(&m)
        .status()
        .unwrap()
        .success());
    let out = audio()
        .arg("midi-to-notes")
        .arg(&m)
        .arg("--melody")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        "60 _ 62 _ r _ 64 _ _ _"
    );
}

#[test]
fn midi_to_notes_writes_the_format_of_the_extension_or_flag() {
    let mid = common::repo("assets/audio/piano.mid");
    let want = audio_io::midi::MidiFile::read(&mid).unwrap();
    let want_notes: Vec<_> = want
        .instruments
        .iter()
        .flat_map(|i| i.notes.iter().cloned())
        .collect();
    // `.json`: valid JSON holding the notes (it used to be CSV).
    let json = tmp("notes.json");
    let out = audio()
        .arg("midi-to-notes")
        .arg(&mid)
        .arg("-o")
        .arg(&json)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&json).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), want_notes.len());
    for (row, n) in rows.iter().zip(&want_notes) {
        assert_eq!(row["onset"].as_f64().unwrap(), n.onset);
        assert_eq!(row["offset"].as_f64().unwrap(), n.offset);
        assert_eq!(row["pitch"].as_u64().unwrap(), u64::from(n.pitch));
        assert_eq!(row["velocity"].as_u64().unwrap(), u64::from(n.velocity));
        assert_eq!(row["program"].as_u64().unwrap(), u64::from(n.program));
    }
    assert_eq!(audio_io::notes::from_json_str(&text).unwrap(), want_notes);

    // `--format json` to standard output, and `--format csv` over a `.json` name.
    let out = audio()
        .arg("midi-to-notes")
        .arg(&mid)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v.as_array().unwrap().len(), want_notes.len());
    let forced = tmp("forced_csv.json");
    assert!(audio()
        .arg("midi-to-notes")
        .arg(&mid)
        .arg("-o")
        .arg(&forced)
        .args(["--format", "CSV"])
        .status()
        .unwrap()
        .success());
    let text = std::fs::read_to_string(&forced).unwrap();
    assert!(text.starts_with("onset,offset,pitch,velocity,program,instrument\n"));

    // JSON notes back to MIDI.
    let back = tmp("from_json.mid");
    assert!(audio()
        .arg("notes-to-midi")
        .arg(&json)
        .arg("-o")
        .arg(&back)
        .status()
        .unwrap()
        .success());
    let b = audio_io::midi::MidiFile::read(&back).unwrap().notes();
    assert_eq!(b.len(), want_notes.len());

    // An unknown extension or format is a clear error, and writes nothing.
    let xyz = tmp("notes.xyz");
    let _ = std::fs::remove_file(&xyz);
    let out = audio()
        .arg("midi-to-notes")
        .arg(&mid)
        .arg("-o")
        .arg(&xyz)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: ") && err.contains(".csv or .json"),
        "{err}"
    );
    assert!(err.contains("xyz"), "{err}");
    assert!(!xyz.exists());
    let out = audio()
        .arg("midi-to-notes")
        .arg(&mid)
        .args(["--format", "xml"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("csv or json"));
}

#[test]
fn notes_to_midi_reports_bad_notes_files() {
    let bad = tmp("bad_notes.csv");
    std::fs::write(
        &bad,
        "onset,offset,pitch,velocity\n0.0,0.5,60,90\n0.5,oops,62,90\n",
    )
    .unwrap();
    let out = audio()
        .arg("notes-to-midi")
        .arg(&bad)
        .arg("-o")
        .arg(tmp("bad.mid"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3"), "{err}");
    let odd = tmp("notes.mid.xyz");
    std::fs::write(&odd, "0,1,60,90\n").unwrap();
    let out = audio()
        .arg("notes-to-midi")
        .arg(&odd)
        .arg("-o")
        .arg(tmp("odd.mid"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(".csv or .json"));
}

/// `audio convert SONG --sr 22050 --mono` (float32 WAV) against
/// `librosa.load(SONG, sr=22050)`: the issue's ≥ 100 dB SNR, measured ~130 dB
/// (our soxr_hq equals soxr to its float32 rounding).
#[test]
fn convert_to_22050_mono_matches_librosa_load() {
    let song = common::repo("assets/audio/song_44k_stereo.wav");
    let out = tmp("song22.wav");
    let status = audio()
        .args(["convert"])
        .arg(&song)
        .arg("-o")
        .arg(&out)
        .args(["--format", "float32", "--sr", "22050", "--mono"])
        .status()
        .unwrap();
    assert!(status.success());
    let y = audio_io::wav::read_wav(&out).unwrap();
    let ours: Vec<f32> = y.samples.row(0).to_vec();
    let want = audio_test_fixtures::read_npy::<f32>(common::repo(
        "audio-dsp/tests/fixtures/soxr/load_22050.npy",
    ));
    let want: Vec<f32> = want.iter().copied().collect();
    assert_eq!(ours.len(), want.len());
    let signal: f64 = want.iter().map(|&v| f64::from(v).powi(2)).sum();
    let noise: f64 = ours
        .iter()
        .zip(&want)
        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
        .sum();
    let snr = 10.0 * (signal / noise).log10();
    println!("convert --sr 22050 --mono: {snr:.1} dB SNR against librosa.load");
    assert!(snr >= 100.0, "{snr:.1} dB");
}
