//! Separation benchmarks (filled in below).
fn main() {}
