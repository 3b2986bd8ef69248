//! Source decomposition of spectrograms: harmonic-percussive separation
//! ([`hpss`](fn@hpss), `librosa.decompose.hpss`) and its soft masks ([`softmask`](fn@softmask),
//! `librosa.util.softmask`).

pub mod hpss;
pub mod softmask;

pub use hpss::{hpss, HpssConfig, HpssOutput};
pub use softmask::softmask;
