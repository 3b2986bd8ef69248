//! Recurrent layers: (bi)LSTM and GRU with streaming state.

pub mod gru;
pub mod lstm;
