//! Optional data parallelism: with the `rayon` feature, maps run over a
//! thread pool; without it, sequentially. Results are identical either way.

use crate::Result;

/// Applies `f` to every item, in parallel with the `rayon` feature, and
/// collects the results in order (the first error wins).
pub(crate) fn map<I, O, F>(items: &[I], f: F) -> Result<Vec<O>>
where
    I: Sync,
    O: Send,
    F: Fn(&I) -> Result<O> + Sync + Send,
{
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        items.par_iter().map(f).collect()
    }
    #[cfg(not(feature = "rayon"))]
    {
        items.iter().map(f).collect()
    }
}
