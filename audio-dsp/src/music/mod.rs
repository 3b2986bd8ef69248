//! Musical vocabulary: the [`Note`](note::Note) and [`Key`](key::Key) every
//! crate of the family uses, key estimation, and note post-processing
//! (key filter, transposition, quantisation, naming).

pub mod key;
pub mod note;
pub mod postprocess;
pub mod quantize;
