//! Windows and filterbanks: analysis windows, mel filterbanks and DCT matrices.

pub mod dct;
pub mod mel;
pub mod window;
