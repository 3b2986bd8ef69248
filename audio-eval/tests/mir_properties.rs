//! Invariants of the music metrics, checked on random inputs with proptest.

use audio_eval::transcription::{self, TranscriptionConfig};
use proptest::prelude::*;

/// Random valid notes: onsets in [0, 60) s, durations in [0.01, 2) s, pitches
/// 30 Hz to 4 kHz, times on a 0.1 ms grid as annotation files hold them.
fn notes() -> impl Strategy<Value = (Vec<[f64; 2]>, Vec<f64>)> {
    prop::collection::vec((0u32..600_000, 100u32..20_000, 30.0f64..4000.0), 0..80).prop_map(|v| {
        let intervals = v
            .iter()
            .map(|&(on, dur, _)| {
                let on = f64::from(on) * 1e-4;
                [on, on + f64::from(dur) * 1e-4]
            })
            .collect();
        let pitches = v.iter().map(|x| x.2).collect();
        (intervals, pitches)
    })
}

fn sorted_times(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(0u32..600_000, 0..max_len).prop_map(|mut v| {
        v.sort_unstable();
        v.into_iter().map(|t| f64::from(t) * 1e-4).collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn transcription_of_itself_is_perfect((iv, p) in notes()) {
        prop_assume!(!iv.is_empty());
        for config in [TranscriptionConfig::default(), TranscriptionConfig::onset_only()] {
            let s = transcription::precision_recall_f1_overlap(&iv, &p, &iv, &p, &config).unwrap();
            prop_assert_eq!(s.precision, 1.0);
            prop_assert_eq!(s.recall, 1.0);
            prop_assert_eq!(s.f_measure, 1.0);
        }
        let all = transcription::evaluate(&iv, &p, &iv, &p, &TranscriptionConfig::default()).unwrap();
        for (key, value) in all.entries() {
            prop_assert!(value > 0.0, "{key} = {value}");
        }
    }

    #[test]
    fn permuting_estimates_keeps_counts((ri, rp) in notes(), (ei, ep) in notes(), seed in any::<u64>()) {
        let config = TranscriptionConfig::default();
        let a = transcription::precision_recall_f1_overlap(&ri, &rp, &ei, &ep, &config).unwrap();
        // A deterministic shuffle of the estimated notes.
        let mut order: Vec<usize> = (0..ei.len()).collect();
        let mut s = seed | 1;
        for i in (1..order.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            order.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let ei2: Vec<[f64; 2]> = order.iter().map(|&i| ei[i]).collect();
        let ep2: Vec<f64> = order.iter().map(|&i| ep[i]).collect();
        let b = transcription::precision_recall_f1_overlap(&ri, &rp, &ei2, &ep2, &config).unwrap();
        prop_assert_eq!(a.precision, b.precision);
        prop_assert_eq!(a.recall, b.recall);
        prop_assert_eq!(a.f_measure, b.f_measure);
    }

    #[test]
    fn onset_only_matching_is_symmetric((ri, rp) in notes(), (ei, ep) in notes()) {
        // Onset and pitch criteria are symmetric, so swapping reference and
        // estimate swaps precision and recall.
        let c = TranscriptionConfig::onset_only();
        let a = transcription::precision_recall_f1_overlap(&ri, &rp, &ei, &ep, &c).unwrap();
        let b = transcription::precision_recall_f1_overlap(&ei, &ep, &ri, &rp, &c).unwrap();
        prop_assert_eq!(a.precision, b.recall);
        prop_assert_eq!(a.recall, b.precision);
        let n = transcription::match_notes(&ri, &rp, &ei, &ep, &c).unwrap();
        let m = transcription::match_notes(&ei, &ep, &ri, &rp, &c).unwrap();
        prop_assert_eq!(n.len(), m.len());
        // Every matched pair satisfies the criteria, each note used once.
        let mut used = vec![false; ei.len()];
        for &(i, j) in &n {
            prop_assert!(!used[j]);
            used[j] = true;
            prop_assert!(((ri[i][0] - ei[j][0]).abs() * 1e4).round() / 1e4 <= 0.05);
            prop_assert!((1200.0 * (rp[i] / ep[j]).log2()).abs() <= 50.0 + 1e-9);
        }
    }

    #[test]
    fn onsets_of_themselves_and_swapped(r in sorted_times(60), e in sorted_times(60)) {
        prop_assume!(!r.is_empty());
        let s = audio_eval::onset::f_measure(&r, &r, 0.05).unwrap();
        prop_assert_eq!(s.f_measure, 1.0);
        let a = audio_eval::onset::f_measure(&r, &e, 0.05).unwrap();
        let b = audio_eval::onset::f_measure(&e, &r, 0.05).unwrap();
        prop_assert_eq!(a.precision, b.recall);
        prop_assert_eq!(a.f_measure, b.f_measure);
    }

    #[test]
    fn beats_of_themselves(period in 0.3f64..1.0, n in 12usize..80) {
        let beats: Vec<f64> = (0..n).map(|i| 5.0 + i as f64 * period).collect();
        let s = audio_eval::beat::evaluate(&beats, &beats, &Default::default()).unwrap();
        for (key, value) in s.entries() {
            prop_assert!((value - 1.0).abs() < 1e-12, "{key} = {value}");
        }
    }

    #[test]
    fn multipitch_of_itself(frames in prop::collection::vec(prop::collection::vec(30.0f64..4000.0, 1..5), 1..50)) {
        let t: Vec<f64> = (0..frames.len()).map(|i| i as f64 * 0.01).collect();
        let s = audio_eval::multipitch::evaluate(&t, &frames, &t, &frames, 0.5).unwrap();
        prop_assert_eq!(s.precision, 1.0);
        prop_assert_eq!(s.recall, 1.0);
        prop_assert_eq!(s.total_error, 0.0);
        prop_assert_eq!(s.chroma_accuracy, 1.0);
    }

    #[test]
    fn parsers_never_panic(text in "[0-9eE+\\-.#a-z \\t\\r\\n]{0,200}") {
        let _ = audio_eval::annotations::parse_events(&text);
        let _ = audio_eval::annotations::parse_time_series(&text);
        let _ = audio_eval::annotations::parse_valued_intervals(&text);
        let _ = audio_eval::annotations::parse_velocity_notes(&text);
        let _ = audio_eval::annotations::parse_ragged_time_series(&text);
        if let Ok(k) = audio_eval::annotations::parse_key(&text) {
            let _ = audio_eval::key::weighted_score(k, "C major".parse().ok());
        }
    }

    #[test]
    fn classification_accuracy_is_the_confusion_trace(pairs in prop::collection::vec((0u8..6, 0u8..6), 1..200)) {
        let (t, p): (Vec<u8>, Vec<u8>) = pairs.into_iter().unzip();
        let s = audio_eval::classification::evaluate(&t, &p).unwrap();
        let trace: usize = (0..s.classes.len()).map(|i| s.confusion[i][i]).sum();
        prop_assert_eq!(s.accuracy, trace as f64 / t.len() as f64);
        prop_assert_eq!(s.support.iter().sum::<usize>(), t.len());
    }
}
