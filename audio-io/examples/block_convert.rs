//! Block-by-block processing of an audio file of any length: reads fixed
//! 64 Ki-frame blocks with `AudioReader::read_into`, keeps per-channel peak
//! and RMS, and writes a 16-bit WAV copy with `WavStreamWriter`. Memory is
//! the two block buffers plus one decoded packet, whatever the file's length.
//!
//! ```sh
//! cargo run --release -p audio-io --example block_convert -- in.wav out.wav
//! ```

use audio_io::wav::{WavStreamWriter, WavWriteOptions};
use audio_io::AudioReader;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(input), Some(output)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: block_convert IN OUT.wav");
        std::process::exit(2);
    };
    let mut reader = AudioReader::open(input)?;
    let info = reader.info().clone();
    let file = std::io::BufWriter::new(std::fs::File::create(output)?);
    let mut writer = WavStreamWriter::new(
        file,
        info.channels,
        info.sample_rate,
        &WavWriteOptions::default(),
    )?;
    let mut buf = ndarray::Array2::<f32>::zeros((info.channels, 1 << 16));
    let mut peak = vec![0.0f32; info.channels];
    let mut energy = vec![0.0f64; info.channels];
    let mut frames = 0u64;
    loop {
        let n = reader.read_into(&mut buf)?;
        if n == 0 {
            break;
        }
        let block = buf.slice(ndarray::s![.., ..n]);
        for (c, row) in block.outer_iter().enumerate() {
            for &v in row {
                peak[c] = peak[c].max(v.abs());
                energy[c] += f64::from(v) * f64::from(v);
            }
        }
        writer.write_block(&block.to_owned())?;
        frames += n as u64;
    }
    writer.finalize()?;
    println!(
        "{frames} frames ({:.1} s) at {} Hz, {} channels",
        frames as f64 / f64::from(info.sample_rate),
        info.sample_rate,
        info.channels
    );
    for c in 0..info.channels {
        println!(
            "channel {c}: peak {:.6}, rms {:.6}",
            peak[c],
            (energy[c] / frames.max(1) as f64).sqrt()
        );
    }
    Ok(())
}
