//! Short-time Fourier analysis and synthesis: STFT, ISTFT, their streaming forms, magnitude spectrograms and Griffin-Lim.

pub mod griffin_lim;
pub mod istft;
pub mod spectrogram;
pub mod stft;
pub mod streaming_istft;
pub mod streaming_stft;
