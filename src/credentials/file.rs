//! The opt-in file store: one JSON object of entries in `credentials.json`, mode 0600 in a
//! 0700 data directory, changed under an exclusive lock so concurrent commands never lose an
//! update (a rotated refresh token must not be overwritten by an older one).

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::Store;
use crate::error::{Error, Kind, Result};
use crate::secret::Secret;

pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    pub fn new(dir: PathBuf) -> Self {
        FileStore { dir }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join("credentials.json")
    }

    fn broken(&self, why: impl std::fmt::Display) -> Error {
        Error::new(
            Kind::NotAuthenticated,
            format!(
                "cannot use the credential file {}: {why}",
                self.path().display()
            ),
        )
        .with_hint("remove it and sign in again with `cpis auth login`")
    }

    /// Run `f` on the entries under an exclusive lock; write them back when `f` says so.
    fn with_entries<T>(
        &self,
        f: impl FnOnce(&mut BTreeMap<String, String>) -> (T, bool),
    ) -> Result<T> {
        let dir = crate::private::open_private_dir(&self.dir)?;
        // Both files are opened relative to the directory just checked, never through a link.
        let lock = dir
            .open_or_create("credentials.lock")
            .map_err(|e| self.broken(e))?;
        lock.lock().map_err(|e| self.broken(e))?;
        let mut entries: BTreeMap<String, String> = match dir.read("credentials.json") {
            Ok(Some(bytes)) => serde_json::from_slice(&bytes)
                .map_err(|_| self.broken("it is not a JSON object of entries"))?,
            Ok(None) => BTreeMap::new(),
            Err(e) => return Err(self.broken(e)),
        };
        let (out, changed) = f(&mut entries);
        if changed {
            let json = serde_json::to_vec_pretty(&entries).expect("strings serialise");
            dir.write("credentials.json", &json)?;
        }
        drop(lock);
        Ok(out)
    }
}

impl Store for FileStore {
    fn describe(&self) -> String {
        format!("file {} (opt-in, mode 0600)", self.path().display())
    }

    fn is_opt_in_file(&self) -> bool {
        true
    }

    fn get(&self, key: &str) -> Result<Option<Secret>> {
        // Reading needs no directory of its own: a missing one holds no credential.
        if !self.dir.exists() {
            return Ok(None);
        }
        self.with_entries(|m| (m.get(key).cloned().map(Secret::new), false))
    }

    fn set(&self, key: &str, value: &Secret) -> Result<()> {
        self.with_entries(|m| {
            m.insert(key.to_string(), value.expose().to_string());
            ((), true)
        })
    }

    fn delete(&self, key: &str) -> Result<bool> {
        if !self.dir.exists() {
            return Ok(false);
        }
        self.with_entries(|m| {
            let had = m.remove(key).is_some();
            (had, had)
        })
    }
}
