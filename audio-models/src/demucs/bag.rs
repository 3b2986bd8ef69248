//! [`BagSpec`]: a bag-of-models file of the `demucs` package
//! (`htdemucs_ft.yaml`): the models' signatures, their per-source weights
//! and an optional segment, as `demucs.repo.BagOnlyRepo` reads them.
//!
//! The files use a small part of YAML: top-level `key: value` lines whose
//! values are numbers, strings or (possibly nested, possibly multi-line)
//! `[...]` lists, or block lists of `- item` lines. That part is read here;
//! anything else is an [`Error::BagYaml`] naming the line.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A YAML value of the subset bag files use.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Scalar(String),
    List(Vec<Value>),
}

/// A parsed bag-of-models file.
#[derive(Debug, Clone, PartialEq)]
pub struct BagSpec {
    /// The models' signatures (`models`), each found as `<sig>.th` or
    /// `<sig>-<checksum>.th` beside the file.
    pub models: Vec<String>,
    /// Per-model, per-source weights (`weights`); `None` weighs all 1.
    pub weights: Option<Vec<Vec<f64>>>,
    /// Segment in seconds for the non-HTDemucs models (`segment`): a
    /// longer one replaces theirs.
    pub segment: Option<f64>,
    /// The segment as an exact ratio when the file gives an integer.
    pub segment_ratio: Option<(i64, i64)>,
}

struct Parser<'a> {
    path: &'a Path,
    line: usize,
}

impl Parser<'_> {
    fn error(&self, reason: &'static str, found: &str) -> Error {
        Error::BagYaml {
            path: self.path.to_path_buf(),
            line: self.line,
            reason,
            found: found.chars().take(80).collect(),
        }
    }

    /// A flow value: `[a, [b, c]]`, `'x'`, `1.5`.
    fn flow(&self, text: &str) -> Result<Value> {
        let chars: Vec<char> = text.chars().collect();
        let mut at = 0;
        let v = self.flow_at(&chars, &mut at, 0)?;
        skip_space(&chars, &mut at);
        if at != chars.len() {
            return Err(self.error("unexpected text after a value", text));
        }
        Ok(v)
    }

    fn flow_at(&self, c: &[char], at: &mut usize, depth: usize) -> Result<Value> {
        if depth > 8 {
            return Err(self.error("lists nested too deeply", &c.iter().collect::<String>()));
        }
        skip_space(c, at);
        match c.get(*at) {
            Some('[') => {
                *at += 1;
                let mut items = Vec::new();
                loop {
                    skip_space(c, at);
                    match c.get(*at) {
                        Some(']') => {
                            *at += 1;
                            return Ok(Value::List(items));
                        }
                        None => {
                            return Err(self.error("unclosed `[`", &c.iter().collect::<String>()))
                        }
                        _ => {}
                    }
                    items.push(self.flow_at(c, at, depth + 1)?);
                    skip_space(c, at);
                    match c.get(*at) {
                        Some(',') => *at += 1,
                        Some(']') => {}
                        _ => {
                            return Err(
                                self.error("expected `,` or `]`", &c.iter().collect::<String>())
                            )
                        }
                    }
                }
            }
            Some(&q) if q == '\'' || q == '"' => {
                let start = *at + 1;
                let end = c[start..]
                    .iter()
                    .position(|&x| x == q)
                    .ok_or_else(|| self.error("unclosed quote", &c.iter().collect::<String>()))?;
                *at = start + end + 1;
                Ok(Value::Scalar(c[start..start + end].iter().collect()))
            }
            Some(_) => {
                let start = *at;
                while *at < c.len() && !matches!(c[*at], ',' | ']' | '[') {
                    *at += 1;
                }
                let s: String = c[start..*at].iter().collect::<String>().trim().to_string();
                if s.is_empty() {
                    return Err(self.error("an empty value", &c.iter().collect::<String>()));
                }
                Ok(Value::Scalar(s))
            }
            None => Err(self.error("a missing value", "")),
        }
    }
}

fn skip_space(c: &[char], at: &mut usize) {
    while *at < c.len() && c[*at].is_whitespace() {
        *at += 1;
    }
}

/// The line without its comment (a `#` at the start or after a space,
/// outside quotes).
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let mut prev_space = true;
    for (i, ch) in line.char_indices() {
        match quote {
            Some(q) if ch == q => quote = None,
            Some(_) => {}
            None if ch == '\'' || ch == '"' => quote = Some(ch),
            None if ch == '#' && prev_space => return &line[..i],
            None => {}
        }
        prev_space = ch.is_whitespace();
    }
    line
}

fn bracket_balance(s: &str) -> i64 {
    s.chars()
        .map(|c| match c {
            '[' => 1,
            ']' => -1,
            _ => 0,
        })
        .sum()
}

impl BagSpec {
    /// Reads a bag file.
    ///
    /// # Errors
    ///
    /// [`Error::File`] when it cannot be read; as [`BagSpec::parse`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::File {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses a bag file's text (`path` only names it in errors).
    ///
    /// # Errors
    ///
    /// [`Error::BagYaml`] naming the line: text outside the subset, no
    /// `models`, a weight that is not a number, a weights table whose
    /// shape is not one row per model, or a bad segment.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let mut p = Parser { path, line: 0 };
        let lines: Vec<&str> = text.lines().map(strip_comment).collect();
        let mut entries: Vec<(String, Value, usize)> = Vec::new();
        let mut i = 0;
        while i < lines.len() {
            p.line = i + 1;
            let line = lines[i];
            i += 1;
            if line.trim().is_empty() || line.trim() == "---" {
                continue;
            }
            if line.starts_with(char::is_whitespace) || line.starts_with('-') {
                return Err(p.error("expected a top-level `key: value`", line));
            }
            let (key, rest) = line
                .split_once(':')
                .ok_or_else(|| p.error("expected `key: value`", line))?;
            let key = key.trim().to_string();
            let first = p.line;
            let mut rest = rest.trim().to_string();
            let value = if rest.is_empty() {
                // A block list of `- item` lines.
                let mut items = Vec::new();
                while i < lines.len() {
                    let l = lines[i].trim();
                    if l.is_empty() {
                        i += 1;
                        continue;
                    }
                    let Some(item) = l.strip_prefix('-') else {
                        break;
                    };
                    if !lines[i].starts_with(char::is_whitespace) && !lines[i].starts_with('-') {
                        break;
                    }
                    p.line = i + 1;
                    items.push(p.flow(item.trim())?);
                    i += 1;
                }
                Value::List(items)
            } else {
                while bracket_balance(&rest) > 0 && i < lines.len() {
                    rest.push(' ');
                    rest.push_str(lines[i].trim());
                    i += 1;
                }
                p.line = first;
                p.flow(&rest)?
            };
            entries.push((key, value, first));
        }
        let mut spec = BagSpec {
            models: Vec::new(),
            weights: None,
            segment: None,
            segment_ratio: None,
        };
        let mut have_models = false;
        for (key, value, line) in entries {
            p.line = line;
            match key.as_str() {
                "models" => {
                    let Value::List(items) = value else {
                        return Err(p.error("`models` must be a list of signatures", &key));
                    };
                    spec.models = items
                        .into_iter()
                        .map(|v| match v {
                            Value::Scalar(s) if !s.is_empty() => Ok(s),
                            other => Err(p.error("a model signature", &format!("{other:?}"))),
                        })
                        .collect::<Result<_>>()?;
                    have_models = true;
                }
                "weights" => {
                    let Value::List(rows) = value else {
                        return Err(p.error("`weights` must be a list of lists", &key));
                    };
                    let table = rows
                        .into_iter()
                        .map(|row| match row {
                            Value::List(v) => v
                                .into_iter()
                                .map(|x| match x {
                                    Value::Scalar(s) => s
                                        .parse::<f64>()
                                        .ok()
                                        .filter(|w| w.is_finite())
                                        .ok_or_else(|| p.error("a weight must be a number", &s)),
                                    other => Err(p.error("a weight", &format!("{other:?}"))),
                                })
                                .collect::<Result<Vec<f64>>>(),
                            other => Err(p.error("a row of weights", &format!("{other:?}"))),
                        })
                        .collect::<Result<Vec<_>>>()?;
                    spec.weights = Some(table);
                }
                "segment" => {
                    let Value::Scalar(s) = value else {
                        return Err(p.error("`segment` must be a number", &key));
                    };
                    let seconds = s
                        .parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite() && *v > 0.0)
                        .ok_or_else(|| p.error("`segment` must be a positive number", &s))?;
                    spec.segment = Some(seconds);
                    spec.segment_ratio = s.parse::<i64>().ok().map(|n| (n, 1));
                }
                _ => return Err(p.error("an unknown key (models, weights, segment)", &key)),
            }
        }
        p.line = 0;
        if !have_models || spec.models.is_empty() {
            return Err(p.error("a bag needs a non-empty `models` list", ""));
        }
        if let Some(w) = &spec.weights {
            if w.len() != spec.models.len() {
                return Err(p.error(
                    "`weights` needs one row per model",
                    &format!("{} rows for {} models", w.len(), spec.models.len()),
                ));
            }
        }
        Ok(spec)
    }

    /// The `.th` file of each model in `dir`: `<sig>.th`, or
    /// `<sig>-<checksum>.th` as the package names downloaded releases (the
    /// checksum is not verified here).
    ///
    /// # Errors
    ///
    /// [`Error::File`] when `dir` cannot be listed;
    /// [`Error::BagModelNotFound`] naming the first missing signature.
    pub fn model_files(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let listing = std::fs::read_dir(dir).map_err(|source| Error::File {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut files = Vec::new();
        for entry in listing {
            let entry = entry.map_err(|source| Error::File {
                path: dir.to_path_buf(),
                source,
            })?;
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "th") {
                files.push(path);
            }
        }
        files.sort();
        self.models
            .iter()
            .map(|sig| {
                files
                    .iter()
                    .find(|f| {
                        let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                        stem == sig || stem.split_once('-').is_some_and(|(s, _)| s == sig)
                    })
                    .cloned()
                    .ok_or_else(|| Error::BagModelNotFound {
                        dir: dir.to_path_buf(),
                        signature: sig.clone(),
                    })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<BagSpec> {
        BagSpec::parse(text, Path::new("bag.yaml"))
    }

    #[test]
    fn reads_the_package_bags() -> Result<()> {
        let ft = parse(
            "models: ['f7e0c4bc', 'd12395a8', '92cfc3b6', '04573f0d']\n\
             weights: [\n  [1., 0., 0., 0.],\n  [0., 1., 0., 0.],\n  [0., 0., 1., 0.],\n  [0., 0., 0., 1.],\n]",
        )?;
        assert_eq!(ft.models.len(), 4);
        assert_eq!(
            ft.weights.as_ref().map(|w| w[3].clone()),
            Some(vec![0.0, 0.0, 0.0, 1.0])
        );
        assert_eq!(ft.segment, None);
        let mmi = parse("models: ['75fc33f5']\nsegment: 44\n")?;
        assert_eq!(mmi.models, vec!["75fc33f5".to_string()]);
        assert_eq!(
            (mmi.segment, mmi.segment_ratio),
            (Some(44.0), Some((44, 1)))
        );
        let block = parse("# a bag\nmodels:\n  - abc  # first\n  - \"def\"\nsegment: 7.5\n")?;
        assert_eq!(block.models, vec!["abc".to_string(), "def".to_string()]);
        assert_eq!((block.segment, block.segment_ratio), (Some(7.5), None));
        Ok(())
    }

    #[test]
    fn malformed_bags_name_the_line() {
        for (text, line) in [
            ("models: ['a', 'b']\nweights: [[1, 2], [x, 1]]\n", 2),
            ("models: ['a'\n", 1),
            ("models: ['a']\nweights: [[1, 1]]\nextra: 1\n", 3),
            ("weights: [[1]]\n", 0),
            ("models: ['a', 'b']\nweights: [[1, 1]]\n", 0),
            ("models: ['a']\nsegment: -3\n", 2),
            ("  indented: 1\n", 1),
        ] {
            match parse(text) {
                Err(Error::BagYaml { line: l, .. }) => assert_eq!(l, line, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
