//! Subcommands that call `audio-dsp`.

use clap::Subcommand;

use crate::Result;

/// `audio-dsp` subcommands, named after the librosa functions they mirror.
#[derive(Debug, Subcommand)]
pub enum DspCommand {}

/// Runs one `audio-dsp` subcommand.
pub fn run(cmd: DspCommand) -> Result<()> {
    match cmd {}
}
