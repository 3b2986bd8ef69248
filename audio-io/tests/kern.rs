//! The `**kern` reader, one syntax element per test, its errors (with line
//! and column), fuzz regressions and properties.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

use audio_io::kern::{KernScore, Rational};
use audio_io::{Error, Key, KeyMode};
use proptest::prelude::*;

fn q(n: i64, d: i64) -> Rational {
    Rational::new(n, d).unwrap()
}

fn parse(text: &str) -> KernScore {
    KernScore::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// `(pitch, onset, duration)` of part `p`.
fn notes(score: &KernScore, p: usize) -> Vec<(u8, Rational, Rational)> {
    score.parts[p]
        .notes
        .iter()
        .map(|n| (n.pitch, n.onset, n.duration))
        .collect()
}

fn error_at(text: &str) -> (usize, usize, String) {
    match KernScore::parse(text) {
        Err(Error::Kern {
            line, column, what, ..
        }) => (line, column, what),
        other => panic!("expected a kern error, got {other:?}"),
    }
}

#[test]
fn dotted_durations() {
    let s = parse("**kern\n4.c\n8d\n8..e\n32f\n2.g\n*-\n");
    assert_eq!(
        notes(&s, 0),
        [
            (60, q(0, 1), q(3, 2)),
            (62, q(3, 2), q(1, 2)),
            (64, q(2, 1), q(7, 8)),
            (65, q(23, 8), q(1, 8)),
            (67, q(3, 1), q(3, 1)),
        ]
    );
}

#[test]
fn tuplets_breves_and_rational_reciprocals() {
    let s = parse("**kern\n12c\n12d\n12e\n6f\n6g\n6a\n20b\n3%2cc\n0dd\n00ee\n*-\n");
    let n = notes(&s, 0);
    assert_eq!(n[2].1, q(2, 3));
    assert_eq!(n[3].1, q(1, 1)); // three 12ths make a quarter
    assert_eq!(n[5].2, q(2, 3));
    assert_eq!(n[6], (71, q(3, 1), q(1, 5)));
    assert_eq!(n[7], (72, q(16, 5), q(8, 3)));
    assert_eq!(n[8].2, q(8, 1));
    assert_eq!(n[9], (76, q(208, 15), q(16, 1))); // 16/5 + 8/3 + 8
}

#[test]
fn pitches_and_accidentals() {
    let s = parse("**kern\n4c 4cc 4C 4CC 4AAA\n4c# 4d- 4e-- 4f## 4gn\n*-\n");
    let p: Vec<u8> = s.parts[0].notes.iter().map(|n| n.pitch).collect();
    // Sorted by onset then pitch.
    assert_eq!(p, [33, 36, 48, 60, 72, 61, 61, 62, 67, 67]); // AAA = A1
}

#[test]
fn chords_rests_and_null_tokens() {
    let s = parse("**kern\t**kern\n2C 2G\t4e 4g\n.\t4r\n4D\t.\n4r\t4f\n*-\t*-\n");
    assert_eq!(
        notes(&s, 0),
        [
            (36 + 12, q(0, 1), q(2, 1)),
            (55, q(0, 1), q(2, 1)),
            (50, q(2, 1), q(1, 1))
        ]
    );
    assert_eq!(notes(&s, 1)[2], (65, q(2, 1), q(1, 1)));
    let rests: Vec<(Rational, Rational)> = s.parts[1]
        .rests
        .iter()
        .map(|r| (r.onset, r.duration))
        .collect();
    assert_eq!(rests, [(q(1, 1), q(1, 1))]);
    assert_eq!(s.parts[0].rests[0].onset, q(3, 1));
    // A chord note without a duration takes the previous note's.
    let s = parse("**kern\n8c e g\n4d\n*-\n");
    assert_eq!(notes(&s, 0)[2], (67, q(0, 1), q(1, 2)));
    assert_eq!(notes(&s, 0)[3].1, q(1, 2));
}

#[test]
fn ties_across_barlines_merge() {
    let s = parse("**kern\n*M2/4\n4c\n[4d\n=1\n2d_\n=2\n4d]\n4e\n*-\n");
    assert_eq!(
        notes(&s, 0),
        [
            (60, q(0, 1), q(1, 1)),
            (62, q(1, 1), q(4, 1)),
            (64, q(5, 1), q(1, 1))
        ]
    );
    assert_eq!(s.parts[0].notes[1].line, 4);
    // Ties are per pitch: in a chord only the tied note is merged.
    let s = parse("**kern\n[4.d 4.dd\n4.d] 4.dd\n*-\n");
    assert_eq!(
        notes(&s, 0),
        [
            (62, q(0, 1), q(3, 1)),
            (74, q(0, 1), q(3, 2)),
            (74, q(3, 2), q(3, 2))
        ]
    );
    // A dangling tie end is a note of its own.
    let s = parse("**kern\n4c]\n*-\n");
    assert_eq!(notes(&s, 0), [(60, q(0, 1), q(1, 1))]);
}

#[test]
fn grace_notes_have_zero_duration_and_no_midi() {
    let s = parse("**kern\n4c\n8qd\nqe\n4f\n*-\n");
    let n = &s.parts[0].notes;
    assert_eq!(n.len(), 4);
    assert!(n[1].grace && n[2].grace && !n[3].grace);
    assert_eq!((n[1].onset, n[1].duration), (q(1, 1), q(0, 1)));
    assert_eq!(n[3].onset, q(1, 1));
    let midi = s.to_midi(None).unwrap();
    assert_eq!(midi.instruments[0].notes.len(), 2);
}

#[test]
fn articulations_beams_and_slurs_are_ignored() {
    let s = parse("**kern\n(8c#/L'^\n8d\\J~)\n4e;`\"\n&(16f&)KkTtMm\n*-\n");
    let p: Vec<u8> = s.parts[0].notes.iter().map(|n| n.pitch).collect();
    assert_eq!(p, [61, 62, 64, 65]);
}

#[test]
fn spine_split_join_and_terminate() {
    let text = "**kern\t**kern\t**dynam\n*^\t*\t*\n4c\t2e\t2cc\tp\n4d\t.\t.\t.\n*v\t*v\t*\t*\n4f\t4g\tf\n*-\t*-\t*-\n";
    let s = parse(text);
    assert_eq!(s.parts.len(), 2);
    assert_eq!((s.parts[0].spine, s.parts[1].spine), (0, 1));
    assert_eq!(
        notes(&s, 0),
        [
            (60, q(0, 1), q(1, 1)),
            (64, q(0, 1), q(2, 1)),
            (62, q(1, 1), q(1, 1)),
            (65, q(2, 1), q(1, 1)),
        ]
    );
    assert_eq!(
        notes(&s, 1),
        [(72, q(0, 1), q(2, 1)), (67, q(2, 1), q(1, 1))]
    );
    // A spine that ends early; the other goes on.
    let s = parse("**kern\t**kern\n4c\t4d\n*-\t*\n4e\n*-\n");
    assert_eq!(notes(&s, 0).len(), 1);
    assert_eq!(notes(&s, 1)[1], (64, q(1, 1), q(1, 1)));
}

#[test]
fn spine_add_and_exchange() {
    let s = parse("**kern\n4c\n*+\n*\t**kern\n4d\t4g\n*x\t*x\n4e\t4a\n*-\t*-\n");
    assert_eq!(s.parts.len(), 2);
    assert_eq!(
        notes(&s, 0),
        [
            (60, q(0, 1), q(1, 1)),
            (62, q(1, 1), q(1, 1)),
            (69, q(2, 1), q(1, 1))
        ]
    );
    assert_eq!(
        notes(&s, 1),
        [(67, q(1, 1), q(1, 1)), (64, q(2, 1), q(1, 1))]
    );
}

#[test]
fn signatures_keys_tempo_instrument_and_reference_records() {
    let text = "!!!COM: Composer\n!!!OTL: Title\n!! a global comment\n**kern\n*I\"Flute\n*Iflt\n*k[f#c#]\n*D:\n*M3/4\n*MM96\n! a local comment\n2.d\n=1\n*k[b-]\n*d:\n*M2/4\n*MM60\n2f\n*-\n!!!ENC: someone\n";
    let s = parse(text);
    assert_eq!(s.composer.as_deref(), Some("Composer"));
    assert_eq!(s.title.as_deref(), Some("Title"));
    assert_eq!(s.reference.len(), 3);
    assert_eq!(s.reference[2], ("ENC".to_string(), "someone".to_string()));
    let p = &s.parts[0];
    assert_eq!(p.instrument.as_deref(), Some("Flute"));
    let sigs: Vec<(Rational, i8)> = p
        .key_signatures
        .iter()
        .map(|k| (k.onset, k.sharps))
        .collect();
    assert_eq!(sigs, [(q(0, 1), 2), (q(3, 1), -1)]);
    let keys: Vec<Key> = p.keys.iter().map(|k| k.key).collect();
    assert_eq!(
        keys,
        [Key::new(2, KeyMode::Major), Key::new(2, KeyMode::Minor)]
    );
    assert_eq!(p.time_signatures[1].onset, q(3, 1));
    assert_eq!(
        (
            p.time_signatures[1].numerator,
            p.time_signatures[1].denominator
        ),
        (2, 4)
    );
    assert_eq!(s.tempos.len(), 2);
    // 3 quarters at 96 bpm, then 60 bpm.
    let n = s.to_notes(None).unwrap();
    assert!((n[1].onset - 3.0 * 60.0 / 96.0).abs() < 1e-9);
    assert!((n[1].offset - (1.875 + 2.0)).abs() < 1e-9);
    // A given tempo overrides the marks.
    let n = s.to_notes(Some(120.0)).unwrap();
    assert_eq!(n[1].onset, 1.5);
    assert!(matches!(
        s.to_notes(Some(0.0)),
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn crlf_and_non_utf8_bytes() {
    let s = KernScore::from_bytes(b"!!!OTL: L\xfcfte\r\n**kern\r\n4c\r\n*-\r\n").unwrap();
    assert_eq!(s.title.as_deref(), Some("L\u{fffd}fte"));
    assert_eq!(s.parts[0].notes.len(), 1);
}

#[test]
fn midi_file_round_trip() {
    let s = parse("**kern\t**kern\n*I\"Cello\t*I\"Violin\n12C\t4g\n12D\t.\n12E\t.\n*-\t*-\n");
    let midi = s.to_midi(None).unwrap();
    assert_eq!(midi.instruments[1].name, "Violin");
    let bytes = midi.to_bytes(audio_io::midi::MidiType::Type1).unwrap();
    let back = audio_io::midi::MidiFile::from_bytes(&bytes).unwrap();
    let notes = back.notes();
    assert_eq!(notes.len(), 4);
    // A 12th at 120 bpm is 1/6 s = 160 ticks at 480 per beat: exact on ticks;
    // the tolerance absorbs the f64 seconds ↔ ticks arithmetic.
    const TICK_ARITHMETIC: f64 = 1e-9;
    assert!(notes
        .iter()
        .any(|n| n.pitch == 50 && (n.onset - 1.0 / 6.0).abs() < TICK_ARITHMETIC));
}

#[test]
fn melody_encoding_of_a_kern_part() {
    let s = parse("**kern\n*M3/4\n4.c\n8d\n4e\n=1\n2r\n4g\n*-\n");
    let m = audio_io::melody::kern_to_melody(&s, 0, false).unwrap();
    assert_eq!(
        audio_io::melody::melody_to_string(&m),
        "60 _ _ _ _ _ 62 _ 64 _ _ _ r _ _ _ _ _ _ _ 67 _ _ _"
    );
    assert!(matches!(
        audio_io::melody::kern_to_melody(&s, 1, false),
        Err(Error::InvalidParameter { .. })
    ));
    // Triplets are off the 16th-note grid: rejected as the seed does.
    let s = parse("**kern\n12c\n12d\n12e\n*-\n");
    assert!(audio_io::melody::kern_to_melody(&s, 0, false).is_err());
}

#[test]
fn errors_carry_line_and_column() {
    let (line, column, what) = error_at("**kern\t**kern\n4c\t4d\n4e\n*-\t*-\n");
    assert_eq!((line, column), (3, 2));
    assert!(what.contains("1 tokens"), "{what}");
    let (line, column, _) = error_at("**kern\t**kern\n4c\t4x\n");
    assert_eq!((line, column), (2, 2));
    let (line, column, what) = error_at("4c\n");
    assert_eq!((line, column), (1, 1));
    assert!(what.contains("exclusive"), "{what}");
    let (line, column, _) = error_at("**kern\nc\n");
    assert_eq!((line, column), (2, 1)); // no duration
    let (line, _, what) = error_at("**kern\n4cccccccc\n");
    assert_eq!(line, 2);
    assert!(what.contains("MIDI"), "{what}");
    assert_eq!(error_at("**kern\n4c\t\n").1, 2);
    assert_eq!(error_at("**kern\n0000c\n").0, 2);
    assert_eq!(error_at("**kern\n3%0c\n").0, 2);
    let (line, column, _) = error_at("**kern\tfoo\n");
    assert_eq!((line, column), (1, 2));
    let wide = format!("**kern{}\n", "\t**kern".repeat(2000));
    assert!(error_at(&wide).2.contains("spines"));
    let mut splits = String::from("**kern\n");
    for i in 0..11 {
        splits.push_str(&vec!["*^"; 1 << i].join("\t"));
        splits.push('\n');
    }
    assert!(error_at(&splits).2.contains("spines"));
    // The message names the line, column and token.
    let e = KernScore::parse("**kern\n4c\n4y\n")
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "**kern line 3, column 1: neither a pitch (a-g, A-G) nor a rest (r) (token `4y`)"
    );
}

#[test]
fn time_overflow_is_an_error_not_a_panic() {
    // Reciprocals with pairwise-coprime large denominators overflow i64 sums.
    let mut text = String::from("**kern\n");
    for r in [
        16_777_213, 16_777_199, 16_777_183, 16_777_153, 16_777_141, 16_777_139,
    ] {
        text.push_str(&format!("{r}c\n"));
    }
    assert!(matches!(KernScore::parse(&text), Err(Error::Kern { .. })));
}

#[test]
fn empty_and_kernless_inputs() {
    assert!(parse("").parts.is_empty());
    assert!(parse("!!!OTL: nothing\n").parts.is_empty());
    let s = parse("**text\n*\nhello\n*-\n");
    assert!(s.parts.is_empty());
}

/// A duration signifier and its length in quarters.
fn durations() -> impl Strategy<Value = (String, Rational)> {
    prop_oneof![
        Just(("1".to_string(), q(4, 1))),
        Just(("2".to_string(), q(2, 1))),
        Just(("2.".to_string(), q(3, 1))),
        Just(("4".to_string(), q(1, 1))),
        Just(("4.".to_string(), q(3, 2))),
        Just(("8".to_string(), q(1, 2))),
        Just(("8..".to_string(), q(7, 8))),
        Just(("16".to_string(), q(1, 4))),
        Just(("3".to_string(), q(4, 3))),
        Just(("6".to_string(), q(2, 3))),
        Just(("12".to_string(), q(1, 3))),
        Just(("20".to_string(), q(1, 5))),
        Just(("3%2".to_string(), q(8, 3))),
        Just(("0".to_string(), q(8, 1))),
    ]
}

proptest! {
    /// Monophonic kern from random durations, pitches and rests: onsets are
    /// the cumulative durations, whatever barlines and null lines sit between.
    #[test]
    fn onsets_are_cumulative_durations(
        events in prop::collection::vec((durations(), 0u8..128, any::<bool>(), any::<bool>()), 1..60)
    ) {
        let names = ["c", "c#", "d", "e-", "e", "f", "f#", "g", "a-", "a", "b-", "b"];
        let mut text = String::from("**kern\t**dynam\n");
        let mut want = Vec::new();
        let mut t = Rational::ZERO;
        for (i, ((sig, len), pitch, rest, bar)) in events.iter().enumerate() {
            let octave = i32::from(*pitch / 12) - 1;
            let name = names[usize::from(pitch % 12)];
            let letters = if octave >= 4 {
                name[..1].repeat((octave - 3) as usize)
            } else {
                name[..1].to_uppercase().repeat((4 - octave) as usize)
            };
            let token = if *rest { format!("{sig}r") } else { format!("{sig}{letters}{}", &name[1..]) };
            text.push_str(&format!("{token}\t.\n"));
            if !*rest {
                want.push((*pitch, t, *len));
            }
            t = t.checked_add(*len).unwrap();
            if *bar {
                text.push_str(&format!("={i}\t={i}\n.\tp\n"));
            }
        }
        text.push_str("*-\t*-\n");
        let s = KernScore::parse(&text).unwrap();
        prop_assert_eq!(notes(&s, 0), want);
        prop_assert_eq!(s.duration(), t);
    }

    /// Any text: a score or a typed error, never a panic.
    #[test]
    fn arbitrary_text_never_panics(text in "[\\*\\t\\n!=.a-gA-G0-9#\\-\\[\\]_ qrv^x+%k:M]{0,200}") {
        let _ = KernScore::parse(&text);
    }
}
