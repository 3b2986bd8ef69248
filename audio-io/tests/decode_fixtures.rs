//! Decoding against fixtures made by `tools/reference/io_fixtures.py`
//! (soundfile 0.13 / libsndfile 1.2.2, librosa 0.11.0).

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

use audio_io::{AudioReader, LoadOptions, StreamOptions};
use audio_test_fixtures::{fixtures_dir, read_json, read_npy_f32};
use ndarray::{Array2, Axis};

fn fixtures() -> std::path::PathBuf {
    fixtures_dir(env!("CARGO_MANIFEST_DIR"))
}

/// FNV-1a 64 over the interleaved little-endian float32 samples, as the
/// fixture script computes over `soundfile.read(dtype="float32")`.
fn fnv1a64_interleaved(samples: &Array2<f32>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for t in 0..samples.ncols() {
        for c in 0..samples.nrows() {
            for b in samples[(c, t)].to_le_bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
    }
    format!("{h:016x}")
}

fn check_bit_exact(dir: &str, table: &str) -> usize {
    let table = read_json(fixtures().join(table));
    let table = table.as_object().unwrap();
    for (name, want) in table {
        let path = fixtures().join(dir).join(name);
        let audio = audio_io::decode(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            u64::from(audio.sample_rate),
            want["sample_rate"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            audio.channels() as u64,
            want["channels"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            audio.frames() as u64,
            want["frames"].as_u64().unwrap(),
            "{name}"
        );
        // JSON holds the float32 values as decimal doubles: compare as f32.
        let first: Vec<f32> = want["first"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        let ours: Vec<f32> = (0..first.len())
            .map(|i| audio.samples[(i % audio.channels(), i / audio.channels())])
            .collect();
        assert_eq!(ours, first, "{name}: first samples");
        assert_eq!(
            fnv1a64_interleaved(&audio.samples),
            want["fnv1a64_f32le_interleaved"].as_str().unwrap(),
            "{name}: samples differ from soundfile's"
        );
    }
    table.len()
}

#[test]
fn every_mir_eval_wav_matches_soundfile_bit_exactly() {
    assert_eq!(check_bit_exact("mir_eval_wav", "mir_eval_wav.json"), 40);
}

#[test]
fn every_wav_subtype_and_flac_matches_soundfile_bit_exactly() {
    // PCM_U8/16/24/32, FLOAT, DOUBLE, WAVEX 16/24/float, FLAC 16/24, full-scale edges.
    assert_eq!(check_bit_exact("formats", "formats.json"), 13);
}

#[test]
fn from_source_reads_wav_and_flac_from_seekable_and_pipe_like_sources() {
    // A seekable source is rewound after the 12-byte sniff; a pipe-like
    // (read-only) source gets those bytes chained back in front.
    for name in ["pcm24.wav", "flac24.flac"] {
        let path = fixtures().join("formats").join(name);
        let ours = audio_io::decode(&path).unwrap();
        let seekable = std::fs::File::open(&path).unwrap();
        let from_file = AudioReader::from_source(Box::new(seekable), None)
            .unwrap()
            .read_to_end::<f32>()
            .unwrap();
        assert_eq!(ours, from_file, "{name} from a file source");
        let pipe = symphonia::core::io::ReadOnlySource::new(std::fs::File::open(&path).unwrap());
        let from_pipe = AudioReader::from_source(Box::new(pipe), None)
            .unwrap()
            .read_to_end::<f32>()
            .unwrap();
        assert_eq!(ours, from_pipe, "{name} from a read-only source");
    }
}

#[test]
fn a_riff_header_behind_leading_bytes_is_not_wav() {
    // libsndfile requires `RIFF` at offset 0; so does this crate. The
    // fuzzer's input had 65529 channels in a `fmt ` chunk 17 bytes in.
    let mut bytes = vec![0x8f_u8; 17];
    bytes.extend_from_slice(b"RIFF\x31\0\0\0WAVEfmt \x10\0\0\0");
    bytes.extend_from_slice(&[
        1, 0, 0xf9, 0xff, 0x3f, 0x1e, 0xfb, 0, 0x3e, 0, 0, 0, 0x0c, 0x80, 0x10, 0,
    ]);
    bytes.extend_from_slice(b"data\x0c\0\0\0");
    bytes.extend_from_slice(&[0; 12]);
    assert!(matches!(
        AudioReader::from_bytes(bytes, Some("wav")),
        Err(audio_io::Error::Decode { .. })
    ));
}

/// MP3 (LAME through libsndfile) decoded by symphonia vs mpg123 through
/// soundfile. Both are float decoders of the same bitstream and both remove
/// the encoder delay and padding of the LAME tag, so the outputs have the
/// same length and alignment; they differ by float rounding in the synthesis
/// filterbank only: measured max abs difference 7.2e-7 (22.05 kHz mono) and
/// 3.3e-7 (44.1 kHz stereo). 1e-5 leaves margin without hiding a shifted
/// decode, which differs by ~1e-2 on this music.
const MP3_TOLERANCE: f64 = 1e-5;
/// Vorbis: libvorbis vs symphonia's Vorbis decoder, same reasoning; measured
/// 1.5e-7 and 1.2e-7.
const OGG_TOLERANCE: f64 = 1e-5;

fn lossy_case(name: &str, reference: &str, tol: f64) {
    let ours = audio_io::decode(fixtures().join("lossy").join(name)).unwrap();
    let want = read_npy_f32(fixtures().join("lossy").join(reference));
    let want = want.into_dimensionality::<ndarray::Ix2>().unwrap();
    assert_eq!(
        ours.samples.shape(),
        want.shape(),
        "{name}: length (delay/padding trimming)"
    );
    let err = ours
        .samples
        .iter()
        .zip(want.iter())
        .fold(0.0f64, |m, (a, b)| m.max(f64::from((a - b).abs())));
    assert!(err <= tol, "{name}: max abs difference {err:e} > {tol:e}");
}

#[test]
fn mp3_matches_mpg123_decode_aligned() {
    lossy_case("piano.mp3", "piano_mp3_ref.npy", MP3_TOLERANCE);
}

#[test]
fn mp3_44k_matches_mpg123_decode_aligned() {
    lossy_case("piano44k.mp3", "piano44k_mp3_ref.npy", MP3_TOLERANCE);
}

#[test]
fn ogg_44k_matches_libvorbis_decode_aligned() {
    lossy_case("piano44k.ogg", "piano44k_ogg_ref.npy", OGG_TOLERANCE);
}

#[test]
fn ogg_vorbis_matches_libvorbis_decode_aligned() {
    lossy_case("piano.ogg", "piano_ogg_ref.npy", OGG_TOLERANCE);
}

#[test]
fn load_offset_duration_mono_matches_librosa() {
    let meta = read_json(fixtures().join("load.json"));
    let want = read_npy_f32(fixtures().join("load_mono_offset_duration.npy"));
    let opts = LoadOptions {
        sr: None,
        mono: true,
        offset: meta["offset"].as_f64().unwrap(),
        duration: meta["duration"].as_f64(),
        ..Default::default()
    };
    let y = audio_io::load::<f32>(fixtures().join("load_stereo44k.wav"), &opts).unwrap();
    assert_eq!(y.sample_rate, 44100);
    assert_eq!(y.samples.nrows(), 1);
    // Bit-exact: the mean of two channels in float32, as np.mean does.
    assert_eq!(
        y.samples.row(0).to_vec(),
        want.iter().copied().collect::<Vec<_>>()
    );
    let stereo = audio_io::load::<f32>(
        fixtures().join("load_stereo44k.wav"),
        &LoadOptions {
            sr: None,
            mono: false,
            ..Default::default()
        },
    )
    .unwrap();
    let shape: Vec<usize> = meta["stereo_shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(stereo.samples.shape(), &shape[..]);
}

/// `load(sr=22050)` of the 44.1 kHz stereo fixture against
/// `librosa.load(sr=22050)` (soxr_hq): the bound, 100 dB. Our
/// default `SoxrHq` is soxr's recipe, so what remains is soxr's float32
/// rounding (before it, the `High` sinc preset measured 69.3 dB here).
const LOAD_RESAMPLED_SNR_DB: f64 = 100.0;

#[test]
fn load_with_another_rate_matches_librosa_soxr_hq() {
    let got = audio_io::load::<f32>(
        fixtures().join("load_stereo44k.wav"),
        &LoadOptions::default(),
    )
    .unwrap();
    let want = read_npy_f32(fixtures().join("load_sr22050.npy"));
    assert_eq!(got.sample_rate, 22050);
    assert_eq!(got.samples.shape(), &[1, want.len()]);
    let signal: f64 = want.iter().map(|&v| f64::from(v).powi(2)).sum();
    let noise: f64 = want
        .iter()
        .zip(got.samples.iter())
        .map(|(&w, &g)| (f64::from(w) - f64::from(g)).powi(2))
        .sum();
    let snr = 10.0 * (signal / noise).log10();
    println!("load(sr=22050) vs librosa.load (soxr_hq): SNR {snr:.1} dB");
    assert!(snr >= LOAD_RESAMPLED_SNR_DB, "SNR {snr:.1} dB");
}

#[test]
fn stream_blocks_reassemble_the_file() {
    let path = fixtures().join("load_stereo44k.wav");
    let full = audio_io::load::<f32>(
        &path,
        &LoadOptions {
            sr: None,
            mono: false,
            ..Default::default()
        },
    )
    .unwrap();
    let opts = StreamOptions {
        block_length: 3,
        frame_length: 2048,
        hop_length: 512,
        mono: false,
        ..Default::default()
    };
    let reader = AudioReader::open(&path).unwrap();
    let stream = audio_io::Stream::<f32>::new(reader, &opts).unwrap();
    let step = opts.block_length * opts.hop_length;
    let blocksize = opts.frame_length + (opts.block_length - 1) * opts.hop_length;
    let blocks: Vec<Array2<f32>> = stream.map(|b| b.unwrap()).collect();
    let n = full.frames();
    // soundfile.blocks: the first block takes `blocksize` new frames, each
    // later one `blocksize - overlap = step` new frames.
    let expected_blocks = 1 + (n.saturating_sub(blocksize)).div_ceil(step);
    assert_eq!(blocks.len(), expected_blocks);
    for (i, b) in blocks.iter().enumerate() {
        let start = i * step;
        let len = b.ncols();
        assert!(len == blocksize || i == blocks.len() - 1);
        assert_eq!(
            b,
            &full.samples.slice(ndarray::s![.., start..start + len]),
            "block {i}"
        );
    }
    assert_eq!(
        blocks.last().unwrap().ncols() + (blocks.len() - 1) * step,
        n
    );
    // Mono blocks are the channel mean.
    let reader = AudioReader::open(&path).unwrap();
    let mono: Vec<Array2<f32>> =
        audio_io::Stream::<f32>::new(reader, &StreamOptions { mono: true, ..opts })
            .unwrap()
            .map(|b| b.unwrap())
            .collect();
    assert_eq!(mono[0], audio_io::to_mono(&blocks[0]));
    assert_eq!(mono[0].len_of(Axis(0)), 1);
}

#[test]
fn stream_matches_librosa_stream_bit_exactly() {
    let meta = read_json(fixtures().join("load.json"));
    for (key, fill) in [("nofill", None), ("fill0", Some(0.0))] {
        let want = &meta["stream"][key];
        let lengths: Vec<usize> = want["lengths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        let hashes: Vec<&str> = want["fnv1a64_f32le"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let opts = StreamOptions {
            block_length: 3,
            frame_length: 2048,
            hop_length: 512,
            mono: true,
            offset: 0.05,
            duration: Some(0.3),
            fill_value: fill,
        };
        let reader = AudioReader::open(fixtures().join("load_stereo44k.wav")).unwrap();
        let blocks: Vec<Array2<f32>> = audio_io::Stream::<f32>::new(reader, &opts)
            .unwrap()
            .map(|b| b.unwrap())
            .collect();
        assert_eq!(
            blocks.iter().map(|b| b.ncols()).collect::<Vec<_>>(),
            lengths,
            "{key}: block lengths"
        );
        for (i, (b, h)) in blocks.iter().zip(&hashes).enumerate() {
            assert_eq!(
                fnv1a64_interleaved(b),
                *h,
                "{key}: block {i} differs from librosa.stream"
            );
        }
    }
}
