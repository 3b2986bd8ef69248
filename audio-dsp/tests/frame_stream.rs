//! `FrameStream` against framing the whole padded signal: the same frames,
//! sample for sample, for any block sizes, pad modes and frame/hop lengths
//! (a hop longer than the frame included).

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_dsp::util::frame_stream::FrameStream;
use audio_dsp::{frame, pad, PadMode};
use proptest::prelude::*;

fn signal(n: usize, seed: u64) -> Vec<f64> {
    (0..n)
        .map(|i| ((i as f64 + seed as f64) * 0.37).sin() + (i as f64 * 0.011).cos())
        .collect()
}

/// The frames of each span, in order, flattened frame by frame.
fn streamed(stream: &mut FrameStream<f64>, x: &[f64], blocks: &[usize]) -> Vec<f64> {
    let (n, hop) = (stream.frame_length(), stream.hop_length());
    let mut out = Vec::new();
    let mut expect_first = 0;
    let mut take = |samples: &[f64], frames: usize, first: usize| {
        assert_eq!(first, expect_first, "spans are consecutive");
        expect_first += frames;
        assert_eq!(
            samples.len(),
            if frames == 0 {
                0
            } else {
                n + (frames - 1) * hop
            }
        );
        for t in 0..frames {
            out.extend_from_slice(&samples[t * hop..t * hop + n]);
        }
    };
    let mut pos = 0;
    for &b in blocks.iter().cycle() {
        if pos >= x.len() {
            break;
        }
        let end = (pos + b).min(x.len());
        let span = stream.push(&x[pos..end]);
        take(span.samples, span.frames, span.first);
        pos = end;
    }
    let span = stream.finish().expect("at least one frame");
    take(span.samples, span.frames, span.first);
    out
}

fn whole(x: &[f64], n: usize, hop: usize, center: bool, mode: PadMode) -> Vec<f64> {
    let p = if center { n / 2 } else { 0 };
    let padded = pad(x, p, p, mode).expect("pad");
    frame(&padded, n, hop)
        .expect("one frame")
        .t()
        .iter()
        .copied()
        .collect()
}

fn modes() -> impl Strategy<Value = PadMode> {
    prop_oneof![
        Just(PadMode::Constant),
        Just(PadMode::Reflect),
        Just(PadMode::Edge)
    ]
}

proptest! {
    #[test]
    fn frame_stream_gives_the_frames_of_the_whole_padded_signal(
        n in 1usize..300, hop in 1usize..400, center: bool, mode in modes(),
        len in 1usize..3000, blocks in prop::collection::vec(1usize..700, 1..5), seed: u64,
    ) {
        let x = signal(len, seed);
        let p = if center { n / 2 } else { 0 };
        prop_assume!(len + 2 * p >= n);
        let mut stream = FrameStream::new(n, hop, center, mode).unwrap();
        prop_assert_eq!(streamed(&mut stream, &x, &blocks), whole(&x, n, hop, center, mode));
        // The stream is reset by finish: a second signal frames the same way.
        let y = signal(len, seed.wrapping_add(1));
        prop_assert_eq!(streamed(&mut stream, &y, &blocks), whole(&y, n, hop, center, mode));
    }
}

#[test]
fn a_signal_shorter_than_a_frame_is_an_error_and_the_stream_starts_over() {
    let mut stream = FrameStream::<f64>::new(64, 16, false, PadMode::Constant).unwrap();
    assert_eq!(stream.push(&[0.5; 63]).frames, 0);
    assert!(matches!(
        stream.finish(),
        Err(audio_dsp::Error::InputTooShort {
            expected: 64,
            got: 63,
            ..
        })
    ));
    let x = signal(100, 3);
    assert_eq!(
        streamed(&mut stream, &x, &[7]),
        whole(&x, 64, 16, false, PadMode::Constant)
    );
}

#[test]
fn zero_lengths_are_refused() {
    assert!(FrameStream::<f32>::new(0, 1, true, PadMode::Constant).is_err());
    assert!(FrameStream::<f32>::new(1, 0, true, PadMode::Constant).is_err());
}
