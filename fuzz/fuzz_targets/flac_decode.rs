//! Feeds arbitrary bytes to the FLAC path (symphonia through `AudioReader`):
//! it must return `Ok` or a typed `Err`, never panic or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"fLaC".to_vec();
    bytes.extend_from_slice(data);
    if let Ok(mut reader) = audio_io::AudioReader::from_bytes(bytes, Some("flac")) {
        while let Ok(block) = reader.read_frames::<f32>(4096) {
            if block.ncols() == 0 {
                break;
            }
        }
    }
});
