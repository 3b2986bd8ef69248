//! The `audio-io` subcommands end to end on the bundled recording and MIDI file.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

mod common;

use common::{audio_command as audio, tmp};

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
