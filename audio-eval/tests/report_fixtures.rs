//! `audio_eval::report` against what CPython's `json.dumps` wrote
//! (`tools/reference/eval_report_fixtures.py`): float reprs, NaN/Infinity,
//! `ensure_ascii` escaping, and the compact and `indent=2` layouts.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::collections::BTreeMap;

use audio_eval::report::{python_float, to_json_compact, to_json_indented};
use audio_test_fixtures::{fixtures_dir, read_json};

fn fixture() -> serde_json::Value {
    read_json(fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("report/python_json.json"))
}

#[test]
fn floats_are_written_as_json_dumps_writes_them() {
    let f = fixture();
    for case in f["floats"].as_array().unwrap() {
        let v = f64::from_bits(case[0].as_u64().unwrap());
        assert_eq!(python_float(v), case[1].as_str().unwrap(), "{v:e}");
    }
}

#[test]
fn strings_and_layouts_are_those_of_json_dumps() {
    let f = fixture();
    let strings: Vec<String> = f["strings"]["input"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        to_json_compact(&strings).unwrap(),
        f["strings"]["dumps"].as_str().unwrap()
    );
    let mut map = BTreeMap::new();
    map.insert("a", vec![]);
    map.insert("b", vec![1.0, f64::NAN]);
    assert_eq!(
        to_json_compact(&map).unwrap(),
        f["map"]["dumps"].as_str().unwrap()
    );
    assert_eq!(
        to_json_indented(&map, 2).unwrap(),
        f["map"]["dumps_indent_2"].as_str().unwrap()
    );
}
