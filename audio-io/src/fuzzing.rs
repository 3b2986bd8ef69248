//! The entry points of the fuzz targets in the repository's `fuzz/` folder,
//! one function per target, each feeding untrusted bytes to a public reader
//! and then to what consumes its result. Each must return whatever the bytes
//! are: a panic, a hang or an unbounded allocation is a bug.
//!
//! They live here, not in the fuzz crate, so that every input the fuzzer
//! ever found to crash (kept in `fuzz/regressions/<target>/`) is replayed by
//! a plain `cargo test` (`tests/fuzz_regressions.rs`) with no nightly
//! toolchain, through exactly the code the fuzzer ran. Not a stable API.

#[cfg(feature = "decode")]
fn drain(bytes: Vec<u8>, extension: &str) {
    if let Ok(mut reader) = crate::AudioReader::from_bytes(bytes, Some(extension)) {
        while let Ok(block) = reader.read_frames::<f32>(4096) {
            if block.ncols() == 0 {
                break;
            }
        }
    }
}

/// `wav_decode`: the WAV parser, then the decoder front end on the same bytes.
pub fn wav_decode(data: &[u8]) {
    let _ = crate::wav::read_wav_from(std::io::Cursor::new(data));
    #[cfg(feature = "decode")]
    drain(data.to_vec(), "wav");
}

/// `flac_decode`: symphonia's FLAC reader on the bytes, behind a `fLaC`
/// marker unless they start with one (so real files seed the corpus), to
/// the end.
#[cfg(feature = "decode")]
pub fn flac_decode(data: &[u8]) {
    drain(with_marker(b"fLaC", data), "flac");
}

/// `mp3_decode`: the bytes as MP3, and as OGG/Vorbis behind an `OggS`
/// marker unless they start with one, to the end.
#[cfg(feature = "decode")]
pub fn mp3_decode(data: &[u8]) {
    drain(data.to_vec(), "mp3");
    drain(with_marker(b"OggS", data), "ogg");
}

#[cfg(feature = "decode")]
fn with_marker(marker: &[u8], data: &[u8]) -> Vec<u8> {
    if data.starts_with(marker) {
        data.to_vec()
    } else {
        [marker, data].concat()
    }
}

/// The most output samples `load_resample` asks the resampler for. A file
/// of a few kilobytes may legitimately declare a rate of 1 Hz, and loading
/// it at 22050 Hz is then a request for 22050 times as many samples (2.6 GB
/// for 30000 frames, found by the fuzzer): the allocation is the one asked
/// for, not a bug, so such inputs are decoded but not resampled.
#[cfg(feature = "decode")]
const MAX_RESAMPLED: u64 = 1 << 22;

/// `load_resample`: `load_bytes` at 22050 Hz mono (decode, downmix, soxr).
/// The bytes are first loaded at their own rate; when the output at 22050 Hz
/// stays within `MAX_RESAMPLED` samples they are loaded again through the
/// resampler. Both loads are repeated block by block with [`crate::LoadStream`],
/// which must give the same samples (or fail where `load_bytes` fails).
#[cfg(feature = "decode")]
pub fn load_resample(data: &[u8]) {
    let native = crate::LoadOptions {
        sr: None,
        mono: true,
        ..Default::default()
    };
    let Ok(audio) = crate::load_bytes::<f32>(data.to_vec(), &native) else {
        return;
    };
    same_as_streamed(data, &native, &audio);
    let target = 22_050_u64;
    let frames = audio.samples.ncols() as u64;
    let rate = u64::from(audio.sample_rate.max(1));
    if frames.saturating_mul(target) / rate <= MAX_RESAMPLED {
        let options = crate::LoadOptions {
            sr: Some(22_050),
            ..native
        };
        match crate::load_bytes::<f32>(data.to_vec(), &options) {
            Ok(resampled) => same_as_streamed(data, &options, &resampled),
            Err(_) => assert!(
                streamed(data, &options).is_err(),
                "LoadStream succeeded where load failed"
            ),
        }
    }
}

/// The blocks of [`crate::LoadStream`] on `data`, joined.
#[cfg(feature = "decode")]
fn streamed(data: &[u8], options: &crate::LoadOptions) -> crate::Result<Vec<f32>> {
    let reader = crate::AudioReader::from_bytes(data.to_vec(), None)?;
    let mut stream = crate::LoadStream::<f32>::new(reader, options)?;
    let mut out = Vec::new();
    while let Some(block) = stream.next_block()? {
        out.extend(block.iter().copied());
    }
    Ok(out)
}

/// Panics unless streaming `data` gives `loaded`'s samples to the bit.
#[cfg(feature = "decode")]
fn same_as_streamed(data: &[u8], options: &crate::LoadOptions, loaded: &crate::Audio<f32>) {
    let Ok(got) = streamed(data, options) else {
        panic!("LoadStream failed where load succeeded");
    };
    let want: Vec<f32> = loaded.samples.iter().copied().collect();
    assert_eq!(got.len(), want.len(), "LoadStream length");
    assert!(
        got.iter()
            .zip(&want)
            .all(|(a, b)| a.to_bits() == b.to_bits()),
        "LoadStream samples differ from load"
    );
}

/// `midi_parse`: the MIDI parser, re-encoding, and a piano roll of the notes.
#[cfg(feature = "midi")]
pub fn midi_parse(data: &[u8]) {
    if let Ok(midi) = crate::midi::MidiFile::from_bytes(data) {
        let _ = midi.to_bytes(crate::midi::MidiType::Type1);
        let notes = midi.notes();
        let _ = crate::piano_roll::notes_to_piano_roll(&notes, 20.0, Some(64));
        let _ = crate::melody::midi_to_melody(&midi, true);
    }
}

/// `kern_parse`: the `**kern` reader, then MIDI and the melody encoding.
#[cfg(feature = "midi")]
pub fn kern_parse(data: &[u8]) {
    if let Ok(score) = crate::kern::KernScore::from_bytes(data) {
        let _ = score.duration();
        if let Ok(midi) = score.to_midi(None) {
            let _ = midi.to_bytes(crate::midi::MidiType::Type1);
        }
        for part in 0..score.parts.len() {
            let _ = crate::melody::kern_to_melody(&score, part, false);
        }
    }
}

/// `notes_parse`: notes CSV and JSON, and the melody text encoding, then
/// MIDI of what parsed.
#[cfg(feature = "midi")]
pub fn notes_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for format in [
        crate::notes::NotesFormat::Csv,
        crate::notes::NotesFormat::Json,
    ] {
        if let Ok(notes) = crate::notes::from_str(text, format) {
            let midi = crate::midi::MidiFile::from_notes(
                notes,
                crate::midi::TempoMap::constant(220, 120.0),
            );
            let _ = midi.to_bytes(crate::midi::MidiType::Type1);
        }
    }
    if let Ok(symbols) = crate::melody::parse_melody(text) {
        let _ = crate::melody::melody_to_string(&symbols);
    }
}

/// `safetensors_load`: the safetensors reader, then re-encoding.
#[cfg(feature = "weights")]
pub fn safetensors_load(data: &[u8]) {
    if let Ok(w) = crate::weights::Weights::from_safetensors_bytes(data) {
        let _ = w.to_safetensors_bytes();
    }
}

/// `pth_load`: the PyTorch zip container and the bounded unpickler.
#[cfg(feature = "weights")]
pub fn pth_load(data: &[u8]) {
    let _ = crate::weights::Weights::from_pth_bytes(data);
}

/// `npy_read`: the bytes as a `.npy` and as an `.npz` archive, then every
/// conversion of what was read.
#[cfg(feature = "npy")]
pub fn npy_read(data: &[u8]) {
    if let Ok(array) = crate::npy::read_npy_from(std::io::Cursor::new(data)) {
        let _ = array.clone().into_integers();
        let _ = array.into_floats();
    }
    if let Ok(arrays) = crate::npy::read_npz_from(std::io::Cursor::new(data)) {
        for (_, array) in arrays {
            let _ = array.into_complex();
        }
    }
}
