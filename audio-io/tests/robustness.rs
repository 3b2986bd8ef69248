//! Hostile inputs: truncated files, lying headers, garbage, corrupt MIDI,
//! malformed safetensors and pickles give typed errors, never panics or
//! unbounded allocations.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

use std::io::Write;

use audio_io::{AudioReader, Error};
use audio_test_fixtures::fixtures_dir;

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(fixtures_dir(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

fn drain(bytes: Vec<u8>, ext: Option<&str>) -> audio_io::Result<usize> {
    let mut reader = AudioReader::from_bytes(bytes, ext)?;
    let mut total = 0;
    loop {
        let b = reader.read_frames::<f32>(1000)?;
        if b.ncols() == 0 {
            return Ok(total);
        }
        total += b.ncols();
    }
}

/// A 16-bit mono WAV header with the given fields and `data` bytes.
fn wav_with(channels: u16, rate: u32, bits: u16, declared_data: u32, data: &[u8]) -> Vec<u8> {
    let block = channels.wrapping_mul(bits / 8);
    let mut v = Vec::new();
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes());
    v.extend_from_slice(&channels.to_le_bytes());
    v.extend_from_slice(&rate.to_le_bytes());
    v.extend_from_slice(&(rate.wrapping_mul(u32::from(block))).to_le_bytes());
    v.extend_from_slice(&block.to_le_bytes());
    v.extend_from_slice(&bits.to_le_bytes());
    v.extend_from_slice(b"data");
    v.extend_from_slice(&declared_data.to_le_bytes());
    v.extend_from_slice(data);
    v
}

#[test]
fn every_truncation_of_every_format_is_handled() {
    for rel in [
        "formats/pcm24.wav",
        "formats/ext_float32.wav",
        "formats/flac16.flac",
        "lossy/piano.mp3",
        "lossy/piano.ogg",
    ] {
        let full = fixture(rel);
        let ext = rel.rsplit('.').next();
        let step = (full.len() / 300).max(1);
        for n in (0..full.len()).step_by(step) {
            // Ok with fewer frames, or a typed error: never a panic.
            let _ = drain(full[..n].to_vec(), ext);
        }
    }
    // A WAV cut mid-data gives the whole frames present.
    let full = fixture("formats/pcm16.wav");
    let frames = drain(full[..44 + 4 * 100 + 3].to_vec(), Some("wav")).unwrap();
    assert_eq!(frames, 100);
}

#[test]
fn lying_wav_headers_are_typed_errors_or_bounded() {
    let data = [0u8; 400];
    // Data chunk claims 4 GB: the 200 frames present are returned, nothing more is allocated.
    let y = audio_io::wav::read_wav_from(std::io::Cursor::new(wav_with(
        1,
        8000,
        16,
        u32::MAX - 8,
        &data,
    )))
    .unwrap();
    assert_eq!(y.samples.dim(), (1, 200));
    assert!(matches!(
        audio_io::wav::read_wav_from(std::io::Cursor::new(wav_with(0, 8000, 16, 400, &data))),
        Err(Error::Unsupported {
            what: "channel count",
            ..
        })
    ));
    assert!(matches!(
        audio_io::wav::read_wav_from(std::io::Cursor::new(wav_with(1, 0, 16, 400, &data))),
        Err(Error::Unsupported {
            what: "sample rate",
            ..
        })
    ));
    assert!(matches!(
        audio_io::wav::read_wav_from(std::io::Cursor::new(wav_with(1, 8000, 12, 400, &data))),
        Err(Error::Malformed { .. })
    ));
    assert!(matches!(
        audio_io::wav::read_wav_from(std::io::Cursor::new(wav_with(1, 8000, 7, 400, &data))),
        Err(Error::Malformed { .. })
    ));
    // 65535 channels of 64-bit floats: fine header, bounded reads.
    let mut huge = wav_with(1, 8000, 16, 400, &data);
    huge[22..24].copy_from_slice(&u16::MAX.to_le_bytes());
    assert!(audio_io::wav::read_wav_from(std::io::Cursor::new(huge)).is_err());
    // An unknown chunk that claims 4 GB before any data chunk.
    let mut v = b"RIFF\xff\xff\xff\xffWAVEjunk\xf0\xff\xff\xff".to_vec();
    v.extend_from_slice(&[0; 64]);
    assert!(matches!(
        audio_io::wav::read_wav_from(std::io::Cursor::new(v)),
        Err(Error::Malformed { .. })
    ));
    // A fmt chunk that claims 4 GB.
    let mut v = b"RIFF\xff\xff\xff\xffWAVEfmt \xf0\xff\xff\xff".to_vec();
    v.extend_from_slice(&[0; 64]);
    assert!(matches!(
        audio_io::wav::read_wav_from(std::io::Cursor::new(v)),
        Err(Error::Malformed { .. })
    ));
    // Data before fmt.
    let v = b"RIFF\x10\x00\x00\x00WAVEdata\x04\x00\x00\x00\x00\x00\x00\x00".to_vec();
    assert!(matches!(
        audio_io::wav::read_wav_from(std::io::Cursor::new(v)),
        Err(Error::Malformed { .. })
    ));
}

#[test]
fn garbage_bytes_are_typed_errors() {
    let mut state = 0x1234_5678_9abc_def0u64;
    for len in [0usize, 1, 3, 12, 100, 5000] {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        for ext in [None, Some("mp3"), Some("flac"), Some("ogg"), Some("wav")] {
            assert!(drain(bytes.clone(), ext).is_err(), "{len} bytes as {ext:?}");
        }
        assert!(audio_io::midi::MidiFile::from_bytes(&bytes).is_err());
        assert!(audio_io::weights::Weights::from_safetensors_bytes(&bytes).is_err());
        assert!(audio_io::weights::Weights::from_pth_bytes(&bytes).is_err());
    }
    assert!(matches!(
        drain(b"definitely not audio".to_vec(), None),
        Err(Error::Decode { .. })
    ));
}

#[test]
fn corrupt_midi_is_a_typed_error() {
    let good = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/audio/piano.mid"),
    )
    .unwrap();
    for n in 0..good.len().min(200) {
        let _ = audio_io::midi::MidiFile::from_bytes(&good[..n]);
    }
    // Every single-byte corruption of the header and first events.
    for i in 0..good.len().min(120) {
        let mut bad = good.clone();
        bad[i] ^= 0xA5;
        let _ = audio_io::midi::MidiFile::from_bytes(&bad);
    }
    // A track chunk that claims 4 GB.
    let mut v = b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0MTrk\xff\xff\xff\xf0".to_vec();
    v.extend_from_slice(&[0x00, 0x90, 60, 100]);
    let _ = audio_io::midi::MidiFile::from_bytes(&v);
    assert!(matches!(
        audio_io::midi::MidiFile::from_bytes(b"MThd"),
        Err(Error::Midi { .. })
    ));
}

#[test]
fn malformed_safetensors_are_typed_errors() {
    let good = fixture("weights/state_dict.safetensors");
    // Header length u64::MAX, longer than the file, zero.
    for n in [u64::MAX, good.len() as u64, 0] {
        let mut bad = good.clone();
        bad[..8].copy_from_slice(&n.to_le_bytes());
        assert!(matches!(
            audio_io::weights::Weights::from_safetensors_bytes(&bad),
            Err(Error::Safetensors { .. })
        ));
    }
    // Truncated data section and truncated header.
    for n in [good.len() - 1, 20, 8, 7] {
        assert!(audio_io::weights::Weights::from_safetensors_bytes(&good[..n]).is_err());
    }
    // Offsets outside the buffer.
    let header = br#"{"w":{"dtype":"F32","shape":[1000000],"data_offsets":[0,4000000]}}"#;
    let mut v = (header.len() as u64).to_le_bytes().to_vec();
    v.extend_from_slice(header);
    v.extend_from_slice(&[0; 16]);
    assert!(matches!(
        audio_io::weights::Weights::from_safetensors_bytes(&v),
        Err(Error::Safetensors { .. })
    ));
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (name, data) in entries {
            z.start_file(*name, opts).unwrap();
            z.write_all(data).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

#[test]
fn malformed_pth_files_are_typed_errors() {
    let good = fixture("weights/state_dict.pth");
    for n in (0..good.len()).step_by(37) {
        assert!(
            audio_io::weights::Weights::from_pth_bytes(&good[..n]).is_err(),
            "prefix {n}"
        );
    }
    // No data.pkl.
    let z = zip_of(&[("archive/version", b"3\n")]);
    assert!(matches!(
        audio_io::weights::Weights::from_pth_bytes(&z),
        Err(Error::Malformed { .. })
    ));
    // A pickle that references a storage missing from the zip.
    let pkl = {
        let mut p = vec![0x80, 2, b'}', b'(', 0x8c, 1, b'w'];
        p.extend_from_slice(b"ctorch._utils\n_rebuild_tensor_v2\n(");
        p.extend_from_slice(b"(\x8c\x07storagectorch\nFloatStorage\n\x8c\x010\x8c\x03cpuK\x04tQ");
        p.extend_from_slice(b"K\x00K\x08\x85K\x01\x85\x89}tR");
        p.extend_from_slice(b"u.");
        p
    };
    let z = zip_of(&[("archive/data.pkl", &pkl)]);
    assert!(matches!(
        audio_io::weights::Weights::from_pth_bytes(&z),
        Err(Error::Zip { .. })
    ));
    // Storage of 4 floats, tensor of 8: outside its storage.
    let z = zip_of(&[("archive/data.pkl", &pkl), ("archive/data/0", &[0u8; 16])]);
    assert!(matches!(
        audio_io::weights::Weights::from_pth_bytes(&z),
        Err(Error::Malformed { .. })
    ));
    // The same view on a storage big enough works.
    let mut pkl_ok = pkl.clone();
    let at = pkl_ok.windows(3).position(|w| w == b"K\x04t").unwrap();
    pkl_ok[at + 1] = 8;
    let z = zip_of(&[
        ("archive/data.pkl", &pkl_ok),
        ("archive/data/0", &[0u8; 32]),
    ]);
    let w = audio_io::weights::Weights::from_pth_bytes(&z).unwrap();
    assert_eq!(w.get("w").unwrap().shape, vec![8]);
    // Garbage pickle.
    let z = zip_of(&[("archive/data.pkl", b"\x80\x02\xfe\xfe")]);
    assert!(matches!(
        audio_io::weights::Weights::from_pth_bytes(&z),
        Err(Error::Unsupported { .. })
    ));
}
