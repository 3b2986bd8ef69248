//! Listing the audio files of a table location: a directory or a glob.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// File extensions the table lists when its location is a directory
/// (compared case-insensitively). A glob lists whatever it matches.
pub const AUDIO_EXTENSIONS: [&str; 5] = ["wav", "flac", "mp3", "ogg", "oga"];

/// The files of `location`, sorted by path.
///
/// A location holding `*`, `?` or `[` is a glob pattern (`**` crosses
/// directories); every regular file it matches is listed, whatever its
/// extension, so a bad file named like audio shows up as a row with an
/// error. Any other location is a directory, walked recursively for the
/// files whose extension is one of [`AUDIO_EXTENSIONS`].
///
/// # Errors
///
/// [`Error::InvalidLocation`] when the pattern does not parse or the
/// directory does not exist; [`Error::Io`] when a directory cannot be read.
pub fn list_audio_files(location: &str) -> Result<Vec<PathBuf>> {
    let mut files = if location.contains(['*', '?', '[']) {
        let paths = glob::glob(location).map_err(|e| Error::InvalidLocation {
            location: location.to_string(),
            reason: e.to_string(),
        })?;
        let mut files = Vec::new();
        for entry in paths {
            let path = entry.map_err(|e| Error::Io {
                path: e.path().to_path_buf(),
                source: e.into(),
            })?;
            if path.is_file() {
                files.push(path);
            }
        }
        files
    } else {
        let root = Path::new(location);
        if !root.is_dir() {
            return Err(Error::InvalidLocation {
                location: location.to_string(),
                reason: "not a directory (write a glob such as dir/*.wav for files)".to_string(),
            });
        }
        let mut files = Vec::new();
        walk(root, &mut files)?;
        files
    };
    files.sort();
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files)?;
        } else if is_audio_name(&path) {
            files.push(path);
        }
    }
    Ok(())
}

fn is_audio_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.iter().any(|a| e.eq_ignore_ascii_case(a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_lists_audio_extensions_recursively_and_sorted() {
        let dir = std::env::temp_dir().join(format!("audio_df_listing_{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).expect("temp dir");
        for name in ["b.wav", "a.FLAC", "notes.txt", "sub/c.mp3"] {
            std::fs::write(dir.join(name), b"x").expect("write");
        }
        let files = list_audio_files(dir.to_str().expect("utf-8")).expect("list");
        let names: Vec<String> = files
            .iter()
            .map(|p| p.strip_prefix(&dir).expect("prefix").display().to_string())
            .collect();
        assert_eq!(names, ["a.FLAC", "b.wav", "sub/c.mp3"]);
        let globbed = list_audio_files(&format!("{}/*.txt", dir.display())).expect("glob");
        assert_eq!(globbed, [dir.join("notes.txt")]);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn missing_directory_and_bad_pattern_are_errors() {
        assert!(matches!(
            list_audio_files("/no/such/audio/dir"),
            Err(Error::InvalidLocation { .. })
        ));
        assert!(matches!(
            list_audio_files("/tmp/[unclosed"),
            Err(Error::InvalidLocation { .. })
        ));
    }
}
