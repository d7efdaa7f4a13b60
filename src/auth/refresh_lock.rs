//! The lock every `cpis` process takes before refreshing a CIS2 sign-in (its refresh token is
//! single use: two processes refreshing with it at once would leave one of them signed out).
//!
//! An OS file lock (`flock` on Unix) on `refresh.lock` in the data directory: a private file
//! (0600, ours, one link), created exclusively, never opened through a symbolic link. The
//! lock goes when the process does, however it ends.

use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{Error, Kind, Result};

/// The lock file's name in the data directory.
pub const LOCK_FILE: &str = "refresh.lock";
/// How long to wait for another process's refresh (two token timeouts, and a margin).
const WAIT: Duration = Duration::from_secs(50);
const POLL: Duration = Duration::from_millis(25);

/// Held while refreshing; the lock is released on drop.
pub struct RefreshLock {
    _file: File,
}

/// Open (creating if need be) the data directory's lock file, refusing anything that is not
/// a private file of ours.
fn open(dir: &Path) -> Result<File> {
    crate::private::ensure_private_dir(dir)?;
    let path = dir.join(LOCK_FILE);
    let cannot = |e: std::io::Error| {
        Error::usage(format!(
            "cannot open the refresh lock {}: {e}",
            path.display()
        ))
    };
    let file = match crate::private::create_new_private(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let mut o = std::fs::OpenOptions::new();
            o.read(true).write(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                o.custom_flags(libc::O_NOFOLLOW);
            }
            o.open(&path).map_err(|e| {
                // O_NOFOLLOW on a link fails with ELOOP: say what it is.
                match std::fs::symlink_metadata(&path) {
                    Ok(m) => crate::private::check_private_file(&path, "the refresh lock", &m)
                        .err()
                        .unwrap_or_else(|| cannot(e)),
                    Err(_) => cannot(e),
                }
            })?
        }
        Err(e) => return Err(cannot(e)),
    };
    let meta = file.metadata().map_err(cannot)?;
    crate::private::check_private_file(&path, "the refresh lock", &meta)?;
    Ok(file)
}

/// Take the lock, waiting for another process's refresh to finish (at most [`WAIT`]).
pub async fn take(dir: &Path) -> Result<RefreshLock> {
    let file = open(dir)?;
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(RefreshLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < WAIT => {
                tokio::time::sleep(POLL).await;
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::new(
                    Kind::NotAuthenticated,
                    format!(
                        "another cpis has been refreshing this sign-in for over {} s",
                        WAIT.as_secs()
                    ),
                )
                .with_hint(
                    "try again; if it persists, sign in again with `cpis auth login --user`",
                ))
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Error::usage(format!(
                    "cannot lock {}: {e}",
                    dir.join(LOCK_FILE).display()
                )))
            }
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_lock_file_is_private_and_never_a_link() {
        let t = crate::private::private_temp_dir("cpis-lock-test").unwrap();
        let dir = t.path().join("data");
        {
            let _held = take(&dir).await.unwrap();
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(LOCK_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            // Held: another open file description cannot take it.
            let other = open(&dir).unwrap();
            assert!(matches!(
                other.try_lock(),
                Err(std::fs::TryLockError::WouldBlock)
            ));
        }
        // Released on drop.
        let _again = take(&dir).await.unwrap();
        drop(_again);
        let victim = t.path().join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        std::fs::remove_file(dir.join(LOCK_FILE)).unwrap();
        std::os::unix::fs::symlink(&victim, dir.join(LOCK_FILE)).unwrap();
        assert!(take(&dir).await.is_err());
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
    }
}
