//! Bad parameters of the chroma, onset and pitch functions give typed errors,
//! never panics.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_dsp::*;

fn invalid<T: std::fmt::Debug>(r: Result<T>, param: &str) {
    match r {
        Err(Error::InvalidParameter { name, .. }) => assert_eq!(name, param),
        other => panic!("expected InvalidParameter({param}), got {other:?}"),
    }
}

#[test]
fn yin_and_pyin_reject_impossible_ranges() {
    let yin = |fmin: f64, fmax: f64, frame_length: usize| {
        Yin::new(YinConfig {
            fmin,
            fmax,
            frame_length,
            ..YinConfig::default()
        })
    };
    invalid(yin(0.0, 1000.0, 2048), "fmin");
    invalid(yin(-5.0, 1000.0, 2048), "fmin");
    invalid(yin(100.0, 12000.0, 2048), "fmax"); // above Nyquist
    invalid(yin(500.0, 400.0, 2048), "fmin"); // fmin >= fmax
    invalid(yin(20.0, 1000.0, 1024), "frame_length"); // sr / fmin >= frame_length - 1
    invalid(
        Yin::new(YinConfig {
            hop_length: Some(0),
            ..YinConfig::default()
        }),
        "hop_length",
    );
    let pyin = |cfg: PyinConfig| Pyin::new(cfg);
    invalid(
        pyin(PyinConfig {
            fmin: 0.0,
            ..PyinConfig::default()
        }),
        "fmin",
    );
    invalid(
        pyin(PyinConfig {
            fmax: 11026.0,
            ..PyinConfig::default()
        }),
        "fmax",
    );
    invalid(
        pyin(PyinConfig {
            frame_length: 256,
            ..PyinConfig::default()
        }),
        "frame_length",
    );
    invalid(
        pyin(PyinConfig {
            n_thresholds: 0,
            ..PyinConfig::default()
        }),
        "n_thresholds",
    );
    invalid(
        pyin(PyinConfig {
            beta_parameters: (0.0, 18.0),
            ..PyinConfig::default()
        }),
        "beta_parameters",
    );
    invalid(
        pyin(PyinConfig {
            resolution: 0.0,
            ..PyinConfig::default()
        }),
        "resolution",
    );
    invalid(
        pyin(PyinConfig {
            switch_prob: 1.5,
            ..PyinConfig::default()
        }),
        "switch_prob",
    );
    // A transition band wider than the whole pitch grid (librosa's pad_center raises).
    invalid(
        pyin(PyinConfig {
            fmin: 400.0,
            fmax: 420.0,
            max_transition_rate: 200.0,
            ..PyinConfig::default()
        }),
        "max_transition_rate",
    );
}

#[test]
fn pitch_input_errors() {
    let yin = Yin::new(YinConfig {
        center: false,
        ..YinConfig::default()
    })
    .unwrap();
    assert!(matches!(
        yin.process(&[0.0f32; 100]),
        Err(Error::InputTooShort { .. })
    ));
    let mut y = vec![0.0f64; 4096];
    y[7] = f64::NAN;
    assert!(matches!(
        yin.process(&y),
        Err(Error::NonFinite { index: 7, .. })
    ));
    let pyin = Pyin::new(PyinConfig::default()).unwrap();
    assert!(matches!(pyin.process(&y), Err(Error::NonFinite { .. })));
    let mut out = vec![0.0; 3];
    assert!(matches!(
        yin.process_into(&[0.0f64; 8192], &mut out),
        Err(Error::BufferLength { .. })
    ));
}

#[test]
fn onset_and_chroma_parameter_errors() {
    invalid(
        OnsetStrength::<f32>::new(OnsetStrengthConfig {
            lag: 0,
            ..Default::default()
        }),
        "lag",
    );
    invalid(
        OnsetStrength::<f32>::new(OnsetStrengthConfig {
            max_size: 0,
            ..Default::default()
        }),
        "max_size",
    );
    invalid(
        OnsetDetect::new(OnsetDetectConfig {
            hop_length: 0,
            ..Default::default()
        }),
        "hop_length",
    );
    invalid(
        OnsetDetect::new(OnsetDetectConfig {
            sr: -1.0,
            ..Default::default()
        }),
        "sr",
    );
    let bad_peaks = PeakPickConfig {
        pre_max: 1,
        post_max: 0,
        pre_avg: 1,
        post_avg: 1,
        delta: 0.1,
        wait: 0,
    };
    invalid(peak_pick(&[0.0f64, 1.0, 0.0], &bad_peaks), "post_max");
    let bad_delta = PeakPickConfig {
        post_max: 1,
        delta: -1.0,
        ..bad_peaks
    };
    invalid(peak_pick(&[0.0f64, 1.0, 0.0], &bad_delta), "delta");
    let detect = OnsetDetect::new(OnsetDetectConfig::default()).unwrap();
    assert!(matches!(
        detect.process_envelope(&[0.0f64, 1.0, 0.0], Some(&[1.0, 2.0])),
        Err(Error::ShapeMismatch { .. })
    ));
    assert_eq!(
        detect.process_envelope(&[0.0f64; 10], None).unwrap(),
        Vec::<usize>::new()
    );

    invalid(
        ChromaFilterbank::<f32>::new(&ChromaConfig {
            n_chroma: 0,
            ..Default::default()
        }),
        "n_chroma",
    );
    invalid(
        ChromaFilterbank::<f32>::new(&ChromaConfig {
            sr: 0.0,
            ..Default::default()
        }),
        "sr",
    );
    invalid(
        ChromaFilterbank::<f32>::new(&ChromaConfig {
            octwidth: Some(0.0),
            ..Default::default()
        }),
        "octwidth",
    );
    invalid(
        ChromaStft::<f32>::new(ChromaStftConfig {
            norm: Some(-1.0),
            ..Default::default()
        }),
        "norm",
    );
    let chroma = ChromaStft::<f64>::new(ChromaStftConfig {
        tuning: Some(0.0),
        ..Default::default()
    })
    .unwrap();
    let wrong = ndarray::Array2::<f64>::zeros((100, 4));
    assert!(matches!(
        chroma.process_power(wrong.view()),
        Err(Error::ShapeMismatch { .. })
    ));
    invalid(pitch_tuning(&[440.0], 0.0, 12), "resolution");
}
