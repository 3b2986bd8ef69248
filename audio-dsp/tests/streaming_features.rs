//! The streaming mel spectrogram against the whole-signal one: the same
//! frames to the bit, for any block sizes and the usual parameter sets.

use audio_dsp::{
    MelConfig, MelSpectrogram, MelSpectrogramConfig, PadMode, StftConfig, StreamingMelSpectrogram,
    Transform,
};
use ndarray::{concatenate, Array2, Axis};

fn signal(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let t = i as f32;
            0.5 * (t * 0.021).sin()
                + 0.25 * (t * 0.313).sin()
                + 0.1 * ((t * 0.0007).sin() * t).sin()
        })
        .collect()
}

fn streamed(config: &MelSpectrogramConfig, x: &[f32], block: usize) -> Array2<f32> {
    let mut stream = StreamingMelSpectrogram::<f32>::new(config.clone()).expect("plan");
    let mut parts = Vec::new();
    for chunk in x.chunks(block) {
        parts.push(stream.push(chunk).expect("push"));
    }
    parts.push(stream.finish().expect("finish"));
    let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
    concatenate(Axis(1), &views).expect("same rows")
}

#[test]
fn streamed_mel_frames_equal_the_whole_signal() {
    let x = signal(100_000);
    let configs = [
        MelSpectrogramConfig::default(),
        MelSpectrogramConfig {
            stft: StftConfig {
                n_fft: 1024,
                hop_length: Some(256),
                pad_mode: PadMode::Reflect,
                ..StftConfig::default()
            },
            power: 1.0,
            mel: MelConfig {
                sr: 16_000.0,
                n_mels: 64,
                fmin: 30.0,
                fmax: Some(7_600.0),
                ..MelConfig::default()
            },
        },
        MelSpectrogramConfig {
            stft: StftConfig {
                n_fft: 2048,
                hop_length: Some(441),
                center: false,
                ..StftConfig::default()
            },
            power: 1.5,
            mel: MelConfig {
                sr: 44_100.0,
                htk: true,
                ..MelConfig::default()
            },
        },
    ];
    for config in &configs {
        let whole = MelSpectrogram::<f32>::new(config.clone())
            .expect("plan")
            .process(&x)
            .expect("whole");
        for block in [1_000, 4_096, 65_536, 100_000] {
            let got = streamed(config, &x, block);
            assert_eq!(got.dim(), whole.dim(), "{config:?} block {block}");
            let same = got
                .iter()
                .zip(whole.iter())
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{config:?} block {block}: frames differ");
        }
    }
}

#[test]
fn a_short_signal_and_bad_samples() {
    let config = MelSpectrogramConfig::default();
    // Shorter than half a frame: everything comes at finish, as whole.
    let x = signal(700);
    let whole = MelSpectrogram::<f32>::new(config.clone())
        .expect("plan")
        .process(&x)
        .expect("whole");
    assert_eq!(streamed(&config, &x, 100), whole);
    let mut stream = StreamingMelSpectrogram::<f32>::new(config).expect("plan");
    assert!(matches!(
        stream.push(&[0.0, f32::INFINITY]),
        Err(audio_dsp::Error::NonFinite { .. })
    ));
}
