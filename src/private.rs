//! Files we create are ours alone: fresh, mode 0600, never written through a symbolic link.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Write `name` in the existing directory `dir`: a new file with an unpredictable name,
/// mode 0600, synced, then renamed over `dir/name` (a symbolic link there is replaced, never
/// followed).
pub fn write_file_in(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let target = dir.join(name);
    let fail = |e: std::io::Error| Error::usage(format!("cannot write {}: {e}", target.display()));
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(&target).map_err(|e| fail(e.error))?;
    Ok(())
}
