//! Musical vocabulary: keys, key estimation and note post-processing.

pub mod key;
