//! `transcribe`, `separation_scores`, `si_sdr` and `note_f_measure` against
//! the library calls they wrap.

mod corpus;

use std::sync::Arc;

use audio_datafusion::{audio_session_context, AudioFilesTable};
use audio_eval::separation::{evaluate, MusevalConfig};
use audio_models::basic_pitch::{BasicPitch, PredictConfig};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{Float64Type, Int32Type};
use ndarray::{Array3, Axis};

use corpus::rows as collect;

/// The SiSEC query's median of two tracks against the mean of the two
/// values it read: DataFusion's median adds and halves in f64 as the test
/// does, so only the last bit can differ.
const MEDIAN_TOLERANCE: f64 = 1e-12;

fn stems(paths: &[std::path::PathBuf]) -> Array3<f64> {
    let audios: Vec<_> = paths
        .iter()
        .map(|p| audio_io::decode(p).expect("decode"))
        .collect();
    let (channels, frames) = audios[0].samples.dim();
    let mut out = Array3::zeros((paths.len(), frames, channels));
    for (s, a) in audios.iter().enumerate() {
        out.index_axis_mut(Axis(0), s)
            .assign(&a.samples.t().mapv(f64::from));
    }
    out
}

#[tokio::test]
async fn separation_scores_equal_museval_medians_and_the_sisec_query_runs() {
    let dir = corpus::temp_dir("museval");
    corpus::write_test_set(&dir, 2);
    let ctx = audio_session_context();
    let glob = |part: &str| format!("{}/*/{part}/*.wav", dir.display());
    ctx.register_table(
        "refs",
        Arc::new(AudioFilesTable::try_new(glob("reference")).expect("refs")),
    )
    .expect("register");
    ctx.register_table(
        "ests",
        Arc::new(AudioFilesTable::try_new(glob("estimate")).expect("ests")),
    )
    .expect("register");
    let per_track = collect(
        &ctx,
        "WITH r AS (SELECT regexp_replace(path, '^.*/([^/]+)/reference/[^/]+$', '\\1') AS track, \
                           array_agg(path ORDER BY path) AS paths FROM refs GROUP BY 1), \
              e AS (SELECT regexp_replace(path, '^.*/([^/]+)/estimate/[^/]+$', '\\1') AS track, \
                           array_agg(path ORDER BY path) AS paths FROM ests GROUP BY 1) \
         SELECT r.track, r.paths AS refs, e.paths AS ests, separation_scores(r.paths, e.paths) AS scores \
         FROM r JOIN e ON r.track = e.track ORDER BY r.track",
    )
    .await;
    assert_eq!(per_track.num_rows(), 2);
    let tracks = per_track.column(0).as_string::<i32>();
    let scores = per_track.column(3).as_list::<i32>();
    let mut sdr_by_source: Vec<(String, Vec<f64>)> = Vec::new();
    for row in 0..2 {
        let track = dir.join(tracks.value(row));
        let names = ["bass", "vocals"];
        let refs: Vec<_> = names
            .iter()
            .map(|n| track.join(format!("reference/{n}.wav")))
            .collect();
        let ests: Vec<_> = names
            .iter()
            .map(|n| track.join(format!("estimate/{n}.wav")))
            .collect();
        let want = evaluate(
            stems(&refs).view(),
            stems(&ests).view(),
            &MusevalConfig::default(),
        )
        .expect("museval")
        .median();
        let got = scores.value(row);
        let got = got.as_struct();
        let sources = got.column_by_name("source").expect("source");
        let sources = sources.as_string::<i32>();
        for (s, name) in names.iter().enumerate() {
            assert_eq!(sources.value(s), *name);
            for (metric, values) in [
                ("sdr", &want.sdr),
                ("isr", &want.isr),
                ("sir", &want.sir),
                ("sar", &want.sar),
            ] {
                let column = got.column_by_name(metric).expect(metric);
                let v = column.as_primitive::<Float64Type>().value(s);
                assert_eq!(v, values[s], "{metric} of {name} in {}", tracks.value(row));
            }
            let sdr = got
                .column_by_name("sdr")
                .expect("sdr")
                .as_primitive::<Float64Type>()
                .value(s);
            match sdr_by_source.iter_mut().find(|(n, _)| n == name) {
                Some((_, v)) => v.push(sdr),
                None => sdr_by_source.push((name.to_string(), vec![sdr])),
            }
        }
    }

    // The SiSEC table: the median over tracks of each source's SDR.
    let table = collect(
        &ctx,
        "WITH r AS (SELECT regexp_replace(path, '^.*/([^/]+)/reference/[^/]+$', '\\1') AS track, \
                           array_agg(path ORDER BY path) AS paths FROM refs GROUP BY 1), \
              e AS (SELECT regexp_replace(path, '^.*/([^/]+)/estimate/[^/]+$', '\\1') AS track, \
                           array_agg(path ORDER BY path) AS paths FROM ests GROUP BY 1), \
              s AS (SELECT unnest(separation_scores(r.paths, e.paths)) AS score \
                    FROM r JOIN e ON r.track = e.track) \
         SELECT score['source'] AS source, median(score['sdr']) AS sdr FROM s GROUP BY 1 ORDER BY 1",
    )
    .await;
    let sources = table.column(0).as_string::<i32>();
    let medians = table.column(1).as_primitive::<Float64Type>();
    assert_eq!(table.num_rows(), 2);
    for (row, (name, sdrs)) in sdr_by_source.iter().enumerate() {
        assert_eq!(sources.value(row), name);
        let want = (sdrs[0] + sdrs[1]) / 2.0;
        assert!(
            (medians.value(row) - want).abs() < MEDIAN_TOLERANCE,
            "{name}: {} vs {want}",
            medians.value(row)
        );
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[tokio::test]
async fn transcribe_equals_basic_pitch_and_scores_with_note_f_measure() {
    let dir = corpus::temp_dir("transcribe");
    // Three short files at different rates, and the repository's piano.
    for (i, rate) in [22_050u32, 44_100, 16_000].into_iter().enumerate() {
        let x = corpus::notes_signal(rate, 2.0, 0.25, 60 + 2 * i as u8);
        corpus::write(&dir.join(format!("melody_{i}.wav")), &x, rate, 1);
    }
    let piano = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../assets/audio/piano_short.wav"
    );
    std::fs::copy(piano, dir.join("piano_short.wav")).expect("copy");
    let ctx = audio_session_context();
    ctx.register_table(
        "files",
        Arc::new(AudioFilesTable::try_new(dir.to_str().expect("utf-8")).expect("table")),
    )
    .expect("register");
    let batch = collect(
        &ctx,
        "SELECT path, transcribe(path) AS notes, \
                note_f_measure(transcribe(path), transcribe(path)) AS self_f \
         FROM files ORDER BY path",
    )
    .await;
    assert_eq!(batch.num_rows(), 4);
    let model = BasicPitch::new().expect("model");
    let config = PredictConfig {
        include_pitch_bends: false,
        ..PredictConfig::default()
    };
    let paths = batch.column(0).as_string::<i32>();
    let notes = batch.column(1).as_list::<i32>();
    let self_f = batch.column(2).as_primitive::<Float64Type>();
    for row in 0..batch.num_rows() {
        let path = paths.value(row);
        let mut want: Vec<audio_dsp::Note> = model
            .transcribe_file(path, &config)
            .expect("transcribe")
            .into_iter()
            .map(|d| d.note)
            .collect();
        audio_dsp::Note::sort(&mut want);
        assert!(!want.is_empty(), "{path} has notes");
        let got = notes.value(row);
        let got = got.as_struct();
        let field = |name: &str| got.column_by_name(name).expect(name).clone();
        let onsets = field("onset");
        let offsets = field("offset");
        let pitches = field("pitch");
        let velocities = field("velocity");
        assert_eq!(got.len(), want.len(), "{path}");
        for (i, n) in want.iter().enumerate() {
            assert_eq!(onsets.as_primitive::<Float64Type>().value(i), n.onset);
            assert_eq!(offsets.as_primitive::<Float64Type>().value(i), n.offset);
            assert_eq!(
                pitches.as_primitive::<Int32Type>().value(i),
                i32::from(n.pitch)
            );
            assert_eq!(
                velocities.as_primitive::<Int32Type>().value(i),
                i32::from(n.velocity)
            );
        }
        assert_eq!(self_f.value(row), 1.0, "a transcription matches itself");
    }

    // note_f_measure against mir_eval's metric on two different lists.
    let batch = collect(
        &ctx,
        "SELECT note_f_measure(transcribe(a.path), transcribe(b.path)) AS f, \
                note_f_measure(transcribe(a.path), transcribe(b.path), 0.05, 0) AS onset_f, \
                a.path AS a, b.path AS b \
         FROM files a JOIN files b ON a.path < b.path ORDER BY a.path, b.path LIMIT 2",
    )
    .await;
    for row in 0..batch.num_rows() {
        let a = batch.column(2).as_string::<i32>().value(row);
        let b = batch.column(3).as_string::<i32>().value(row);
        let notes = |p: &str| -> (Vec<[f64; 2]>, Vec<f64>) {
            let mut n: Vec<audio_dsp::Note> = model
                .transcribe_file(p, &config)
                .expect("transcribe")
                .into_iter()
                .map(|d| d.note)
                .collect();
            audio_dsp::Note::sort(&mut n);
            (
                n.iter().map(|n| [n.onset, n.offset]).collect(),
                n.iter()
                    .map(|n| 440.0 * ((f64::from(n.pitch) - 69.0) / 12.0).exp2())
                    .collect(),
            )
        };
        let (ri, rp) = notes(a);
        let (ei, ep) = notes(b);
        let full = audio_eval::transcription::TranscriptionConfig::default();
        let want =
            audio_eval::transcription::precision_recall_f1_overlap(&ri, &rp, &ei, &ep, &full)
                .expect("f");
        assert_eq!(
            batch.column(0).as_primitive::<Float64Type>().value(row),
            want.f_measure
        );
        let onset = audio_eval::transcription::TranscriptionConfig::onset_only();
        let want =
            audio_eval::transcription::precision_recall_f1_overlap(&ri, &rp, &ei, &ep, &onset)
                .expect("f");
        assert_eq!(
            batch.column(1).as_primitive::<Float64Type>().value(row),
            want.f_measure
        );
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[tokio::test]
async fn si_sdr_of_paths_and_of_lists_equals_the_library() {
    let dir = corpus::temp_dir("sisdr");
    let x = corpus::notes_signal(22_050, 1.0, 0.2, 60);
    let y: Vec<f32> = x
        .iter()
        .enumerate()
        .map(|(i, v)| v + 0.01 * ((i % 7) as f32 - 3.0))
        .collect();
    corpus::write(&dir.join("ref.wav"), &x, 22_050, 1);
    corpus::write(&dir.join("est.wav"), &y, 22_050, 1);
    let ctx = audio_session_context();
    let sql = format!(
        "SELECT si_sdr('{0}/ref.wav', '{0}/est.wav') AS paths, \
                si_sdr(load('{0}/ref.wav', 0), load('{0}/est.wav', 0)) AS lists, \
                si_sdr([1.0, 2.0, 3.0], [1.0, 2.0, 3.5]) AS literal",
        dir.display()
    );
    let batch = collect(&ctx, &sql).await;
    let value = |c: usize| batch.column(c).as_primitive::<Float64Type>().value(0);
    let decoded = |p: &str| {
        let a = audio_io::load::<f32>(
            dir.join(p),
            &audio_io::LoadOptions {
                sr: None,
                ..audio_io::LoadOptions::default()
            },
        )
        .expect("load");
        a.samples.mapv(f64::from)
    };
    let want = audio_eval::separation::si_sdr(
        decoded("ref.wav").view(),
        decoded("est.wav").view(),
        audio_eval::separation::SiSdrConfig::default(),
    )
    .expect("si_sdr")
    .si_sdr[0];
    assert_eq!(value(0), want);
    assert_eq!(value(1), want);
    let literal = audio_eval::separation::si_sdr(
        ndarray::array![[1.0, 2.0, 3.0]].view(),
        ndarray::array![[1.0, 2.0, 3.5]].view(),
        audio_eval::separation::SiSdrConfig::default(),
    )
    .expect("si_sdr")
    .si_sdr[0];
    // The literal list is f64, and the function works in f32 samples then
    // f64 arithmetic: 1, 2, 3 and 3.5 are exact in both.
    assert_eq!(value(2), literal);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
