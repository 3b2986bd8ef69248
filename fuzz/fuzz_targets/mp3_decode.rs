//! Feeds arbitrary bytes to the MP3 path (symphonia through `AudioReader`),
//! and the same bytes with an OGG page header in front to the OGG/Vorbis
//! path: `Ok` or a typed `Err`, never a panic or unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fn drain(bytes: Vec<u8>, ext: &str) {
    if let Ok(mut reader) = audio_io::AudioReader::from_bytes(bytes, Some(ext)) {
        while let Ok(block) = reader.read_frames::<f32>(4096) {
            if block.ncols() == 0 {
                break;
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    drain(data.to_vec(), "mp3");
    let mut ogg = b"OggS".to_vec();
    ogg.extend_from_slice(data);
    drain(ogg, "ogg");
});
