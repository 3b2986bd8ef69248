//! The parts of `audio serve` that read what a client sends, as a library
//! so that the fuzz target (`fuzz/fuzz_targets/serve_upload.rs`) and the
//! regression replay in `cargo test` reach them: a job's parameters
//! (query string or form fields) and the probe of an uploaded file. The
//! `audio` binary is the crate's real product; see its `--help`.

#[path = "serve/request.rs"]
pub mod serve_request;
#[path = "serve/upload.rs"]
pub mod serve_upload;

#[doc(hidden)]
pub mod fuzzing {
    //! Entry points of the fuzz targets, shared with the regression replay.

    /// The upload path: the first byte picks the part. Even: the rest is a
    /// query string, parsed into a job request. Odd: the rest is an
    /// uploaded file, opened and probed against a 10 s limit. Neither may
    /// panic.
    pub fn serve_upload(data: &[u8]) {
        let Some((&first, rest)) = data.split_first() else {
            return;
        };
        if first % 2 == 0 {
            let query = String::from_utf8_lossy(rest);
            let pairs = crate::serve_request::form_pairs(&query);
            let _ = crate::serve_request::JobRequest::parse(&pairs);
        } else if let Ok(reader) = audio_io::AudioReader::from_bytes(rest.to_vec(), None) {
            let _ = crate::serve_upload::probe_reader(reader, 10.0);
        }
    }
}
