//! Opening the zip containers of `.pth` and `.npz` files.

use std::io::{Read, Seek};

use zip::read::{ArchiveOffset, Config};
use zip::ZipArchive;

use crate::error::{Error, Result};

/// Opens a zip archive that starts at the first byte of `reader`.
///
/// The archive offset is fixed at 0 rather than detected: `zip`'s detection
/// takes the central directory to end where the end-of-directory record
/// starts, but `torch.save` writes a zip64 end record and locator (76
/// bytes) between them even for small files, so whenever the first
/// directory entry is also 76 bytes long (a 21-character archive name, as
/// `torch.save` derives from the file's stem) the detection lands on the
/// second entry and the archive fails to open. Neither format has data
/// before the archive.
///
/// # Errors
///
/// [`Error::Zip`] for a malformed archive.
pub(crate) fn open_zip<R: Read + Seek>(reader: R) -> Result<ZipArchive<R>> {
    let config = Config {
        archive_offset: ArchiveOffset::Known(0),
    };
    ZipArchive::with_config(config, reader).map_err(|source| Error::Zip { source })
}
