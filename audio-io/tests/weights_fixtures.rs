//! Weight files written by torch 2.x and safetensors (fixtures from
//! `tools/reference/io_fixtures.py`): every tensor's dtype, shape and values.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

use audio_io::weights::{Dtype, Weights};
use audio_io::Error;
use audio_test_fixtures::{fixtures_dir, read_json};

fn dir() -> std::path::PathBuf {
    fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("weights")
}

fn check_against_json(w: &Weights, prefix: &str, only_model: bool) {
    let want = read_json(fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("weights.json"));
    let mut seen = 0;
    for (key, t) in want.as_object().unwrap() {
        if only_model && key.starts_with("extra.") {
            continue;
        }
        let ours = w
            .get(&format!("{prefix}{key}"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            ours.dtype.name(),
            t["dtype"].as_str().unwrap(),
            "{key}: dtype"
        );
        let shape: Vec<usize> = t["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(ours.shape, shape, "{key}: shape");
        let values: Vec<f64> = t["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        // Exact: every stored value converts to f64 exactly.
        assert_eq!(ours.to_f64_vec(), values, "{key}: values");
        seen += 1;
    }
    assert!(seen >= 8);
}

#[test]
fn torch_state_dict_matches_every_tensor() {
    let w = Weights::load(dir().join("state_dict.pth")).unwrap();
    check_against_json(&w, "", false);
    assert_eq!(w.get("extra.view_t").unwrap().shape, vec![6, 4]);
}

#[test]
fn torch_checkpoint_with_nested_ordered_dict_flattens_names() {
    let w = Weights::load(dir().join("checkpoint.pt")).unwrap();
    assert!(w.keys().all(|k| k.starts_with("state_dict.")));
    check_against_json(&w.strip_prefix("state_dict."), "", true);
}

#[test]
fn safetensors_matches_and_round_trips() {
    let w = Weights::load(dir().join("state_dict.safetensors")).unwrap();
    check_against_json(&w, "", false);
    let pth = Weights::load(dir().join("state_dict.pth")).unwrap();
    assert_eq!(w, pth);
    let back = Weights::from_safetensors_bytes(&w.to_safetensors_bytes().unwrap()).unwrap();
    assert_eq!(back, w);
}

#[test]
fn typed_errors_name_the_key_and_shapes() {
    let w = Weights::load(dir().join("state_dict.pth")).unwrap();
    match w.f32("0.weight", &[3, 2, 5]) {
        Err(Error::WeightShape {
            key,
            expected,
            got: found,
        }) => {
            assert_eq!(key, "0.weight");
            assert_eq!(expected, vec![3, 2, 5]);
            assert_eq!(found, vec![3, 2, 3]);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(w.f32("nope", &[1]), Err(Error::MissingKey { key }) if key == "nope"));
    assert!(matches!(
        w.expect("1.num_batches_tracked", &[], Dtype::F32),
        Err(Error::WeightDtype { .. })
    ));
    let msg = w.f32("0.weight", &[1]).unwrap_err().to_string();
    assert!(
        msg.contains("0.weight") && msg.contains("[1]") && msg.contains("[3, 2, 3]"),
        "{msg}"
    );
}

/// `torch.save` to a file with a 21-character stem: the first directory
/// entry is as long as the zip64 end record and locator, which defeated the
/// zip crate's archive-offset detection ("Invalid Central Directory
/// header"). The same tensors as `state_dict.pth`.
#[test]
fn a_pth_whose_first_entry_is_as_long_as_the_zip64_records_loads() {
    let w = Weights::load(dir().join("a_21_character_stem__.pth")).unwrap();
    check_against_json(&w, "", false);
    assert_eq!(w, Weights::load(dir().join("state_dict.pth")).unwrap());
}
