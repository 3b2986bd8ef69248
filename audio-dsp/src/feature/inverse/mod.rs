//! Feature inversion, as `librosa.feature.inverse`: approximate a linear
//! magnitude spectrogram from a mel spectrogram by non-negative least
//! squares ([`mel_to_stft`](fn@mel_to_stft)), a mel spectrogram from MFCCs by
//! the inverse DCT ([`mfcc_to_mel`](fn@mfcc_to_mel)), and audio from either
//! through Griffin-Lim ([`mel_to_audio`](fn@mel_to_audio),
//! [`mfcc_to_audio`](fn@mfcc_to_audio)).

pub mod mel_to_audio;
pub mod mel_to_stft;
pub mod mfcc_to_audio;
pub mod mfcc_to_mel;

pub use mel_to_audio::{mel_to_audio, MelToAudioConfig};
pub use mel_to_stft::{mel_to_stft, MelToStftConfig};
pub use mfcc_to_audio::{mfcc_to_audio, MfccToAudioConfig};
pub use mfcc_to_mel::{mfcc_to_mel, MfccToMelConfig};
