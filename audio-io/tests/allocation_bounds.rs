//! Lying headers allocate no more than a stated bound.
//!
//! A counting global allocator (this test binary only) records the peak of
//! live heap bytes while each hostile input is read. The inputs are tiny
//! files whose headers claim enormous sizes: a 4 GB WAV data chunk, an
//! `.npy` of 10^12 elements, `.pth` and safetensors tensors of 10^12
//! elements. Each must end in a typed error or the little data present,
//! with a peak far below what the header claims.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout, passed on as it is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(live, Ordering::SeqCst);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One case at a time: the counters are global.
static SERIAL: Mutex<()> = Mutex::new(());

/// The largest peak of live heap bytes allowed while reading one hostile
/// file: the readers' fixed buffers (a 64 KiB read buffer, the soxr
/// resampler's filter tables) and the few elements really present; measured
/// peaks are 1 KB to 190 KB. The headers claim 4 GB to 4 TB.
const PEAK_BOUND: usize = 1 << 20;

/// Runs `f` and returns the peak of live heap bytes above the level at its
/// start.
fn peak_of(f: impl FnOnce()) -> usize {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let base = LIVE.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    f();
    PEAK.load(Ordering::SeqCst) - base
}

fn check(what: &str, f: impl FnOnce()) {
    let peak = peak_of(f);
    println!("{what}: peak {peak} bytes");
    assert!(
        peak <= PEAK_BOUND,
        "{what}: peak {peak} bytes > {PEAK_BOUND}"
    );
}

fn wav_claiming(data_bytes: u32, present: usize) -> Vec<u8> {
    let mut v = b"RIFF".to_vec();
    v.extend_from_slice(&u32::MAX.to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes()); // PCM
    v.extend_from_slice(&2u16.to_le_bytes()); // stereo
    v.extend_from_slice(&44100u32.to_le_bytes());
    v.extend_from_slice(&(44100u32 * 4).to_le_bytes());
    v.extend_from_slice(&4u16.to_le_bytes());
    v.extend_from_slice(&16u16.to_le_bytes());
    v.extend_from_slice(b"data");
    v.extend_from_slice(&data_bytes.to_le_bytes());
    v.extend(std::iter::repeat_n(7u8, present));
    v
}

fn npy_claiming(shape: &str) -> Vec<u8> {
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut v = b"\x93NUMPY\x01\x00".to_vec();
    v.extend_from_slice(&u16::try_from(header.len()).unwrap_or(0).to_le_bytes());
    v.extend_from_slice(header.as_bytes());
    v.extend_from_slice(&[0; 16]);
    v
}

/// A pickle LONG1 of 10^12 (six bytes, little-endian, two's complement).
const TERA: &[u8] = b"\x8a\x06\x00\x10\xa5\xd4\xe8\x00";

fn pth_claiming() -> Vec<u8> {
    // {'w': _rebuild_tensor_v2(storage('0', FloatStorage, 10^12 elements),
    //  offset 0, size (10^12,), stride (1,), False, {})}
    let mut p = vec![0x80, 2, b'}', b'(', 0x8c, 1, b'w'];
    p.extend_from_slice(b"ctorch._utils\n_rebuild_tensor_v2\n(");
    p.extend_from_slice(b"(\x8c\x07storagectorch\nFloatStorage\n\x8c\x010\x8c\x03cpu");
    p.extend_from_slice(TERA);
    p.extend_from_slice(b"tQK\x00");
    p.extend_from_slice(TERA);
    p.extend_from_slice(b"\x85K\x01\x85\x89}tRu.");
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (name, data) in [("archive/data.pkl", &p[..]), ("archive/data/0", &[0u8; 16])] {
            z.start_file(name, opts).unwrap_or_else(|e| panic!("{e}"));
            z.write_all(data).unwrap_or_else(|e| panic!("{e}"));
        }
        z.finish().unwrap_or_else(|e| panic!("{e}"));
    }
    buf.into_inner()
}

fn safetensors_claiming() -> Vec<u8> {
    let header =
        br#"{"w":{"dtype":"F32","shape":[1000000000000],"data_offsets":[0,4000000000000]}}"#;
    let mut v = (header.len() as u64).to_le_bytes().to_vec();
    v.extend_from_slice(header);
    v.extend_from_slice(&[0; 16]);
    v
}

#[test]
fn lying_headers_allocate_within_the_bound() {
    // A 4 GB data chunk in a 100-byte file: the frames present, nothing more.
    let wav = wav_claiming(u32::MAX - 64, 100 - 44);
    check("WAV 4 GB data chunk, read_wav_from", || {
        let audio = audio_io::wav::read_wav_from(std::io::Cursor::new(wav.clone()));
        assert_eq!(audio.map(|a| a.samples.ncols()).ok(), Some(14));
    });
    check("WAV 4 GB data chunk, decode_bytes", || {
        let audio = audio_io::decode_bytes(wav.clone(), Some("wav"));
        assert_eq!(audio.map(|a| a.samples.ncols()).ok(), Some(14));
    });
    check("WAV 4 GB data chunk, load_bytes at 22050 Hz", || {
        let options = audio_io::LoadOptions {
            sr: Some(22050),
            ..Default::default()
        };
        assert!(audio_io::load_bytes::<f32>(wav.clone(), &options).is_ok());
    });
    let npy = npy_claiming("(1000000000000,)");
    check(".npy of 10^12 elements", || {
        let err = audio_io::npy::read_npy_from(std::io::Cursor::new(npy.clone())).err();
        assert!(err.is_some_and(|e| e.to_string().contains("only 16 data bytes follow")));
    });
    let npy = npy_claiming("(1000000, 1000000)");
    check(".npy of 10^6 x 10^6 elements", || {
        let err = audio_io::npy::read_npy_from(std::io::Cursor::new(npy.clone())).err();
        assert!(err.is_some_and(|e| e.to_string().contains("only 16 data bytes follow")));
    });
    let pth = pth_claiming();
    check(".pth tensor of 10^12 elements", || {
        let err = audio_io::weights::Weights::from_pth_bytes(&pth).err();
        assert!(err.is_some_and(|e| e.to_string().contains("pickle says 1000000000000")));
    });
    let st = safetensors_claiming();
    check("safetensors tensor of 10^12 elements", || {
        let err = audio_io::weights::Weights::from_safetensors_bytes(&st).err();
        assert!(matches!(err, Some(audio_io::Error::Safetensors { .. })));
    });
}
