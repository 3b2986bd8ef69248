//! Reading inputs (`.npy` arrays or audio files) and writing `.npy` outputs.
