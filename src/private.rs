//! Private files and directories: everything the tool writes goes through here.
//!
//! - A directory we create is mode 0700; an existing one must be a real directory (not a
//!   symbolic link), owned by us, and closed to group and others, or it is refused.
//! - A file is written to a fresh temporary file with an unpredictable name in the same
//!   directory (created exclusively, mode 0600), synced, then renamed over the target. The
//!   target path itself is never opened, so a symbolic link planted there is replaced, not
//!   followed.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Make sure `dir` is a directory only we can use, creating it (and missing parents) with mode
/// 0700 if it does not exist. An existing directory that is a symbolic link, is owned by
/// someone else, or is accessible by group or others is refused with a usage error (exit 2).
pub fn ensure_private_dir(dir: &Path) -> Result<()> {
    // Without a trailing slash, so that a symbolic link is examined rather than followed.
    let dir: PathBuf = dir.components().collect();
    match fs::symlink_metadata(&dir) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_dir_0700(&dir)?,
        Err(e) => {
            return Err(Error::unexpected(format!(
                "cannot inspect {}: {e}",
                dir.display()
            )))
        }
    }
    // Whether we just created it or it was there already (or someone else created it in
    // between), check what is there now.
    let meta = fs::symlink_metadata(&dir)
        .map_err(|e| Error::unexpected(format!("cannot inspect {}: {e}", dir.display())))?;
    check_private_dir(&dir, &meta)
}

/// Create `dir` with mode 0700; missing parents too. An `AlreadyExists` race is left to the
/// caller's check.
fn create_dir_0700(dir: &Path) -> Result<()> {
    let cannot =
        |e: std::io::Error| Error::unexpected(format!("cannot create {}: {e}", dir.display()));
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        dir_builder(true).create(parent).map_err(cannot)?;
    }
    match dir_builder(false).create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(cannot(e)),
    }
}

fn dir_builder(recursive: bool) -> fs::DirBuilder {
    let mut b = fs::DirBuilder::new();
    b.recursive(recursive);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b
}

/// Refuse a directory that is not ours alone. The owner is checked before the mode.
fn check_private_dir(dir: &Path, meta: &fs::Metadata) -> Result<()> {
    let refuse = |reason: String, hint: &str| {
        Err(Error::usage(format!("cannot use {}: {reason}", dir.display())).with_hint(hint))
    };
    if meta.file_type().is_symlink() {
        return refuse(
            "it is a symbolic link".into(),
            "give the real path of a directory that only you can access",
        );
    }
    if !meta.is_dir() {
        return refuse(
            "it is not a directory".into(),
            "give a directory that only you can access",
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me {
            return refuse(
                format!("it is owned by uid {}, not you (uid {me})", meta.uid()),
                "use a directory that you own and only you can access",
            );
        }
        let mode = meta.mode() & 0o7777;
        if mode & 0o077 != 0 {
            return refuse(
                format!("it is accessible by group or others (mode {mode:04o})"),
                &format!(
                    "use a directory only you can access (`chmod 700 {}`)",
                    dir.display()
                ),
            );
        }
    }
    Ok(())
}

/// Create or replace `path` with `bytes`, readable and writable only by us (0600), atomically.
/// The parent directory goes through [`ensure_private_dir`]. `path` itself is never opened: a
/// fresh file with an unpredictable name is created exclusively beside it and renamed over it.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::unexpected(format!("{} is not a file name", path.display())))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    ensure_private_dir(dir)?;
    replace_with_fresh_file(dir, path, name, bytes, true)
}

/// A new file at `path` for writing as it goes (batch output, state): created exclusively
/// (never an existing file, never through a link), mode 0600. The caller reports errors.
pub fn create_new_private(path: &Path) -> std::io::Result<fs::File> {
    let mut o = fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// Refuse a file that is not one of ours: a symbolic link, not a regular file, owned by
/// someone else, a mode other than 0600, or more than one hard link (another name elsewhere
/// could read or change it). `what` names it in the error ("batch state"). `meta` is from
/// `symlink_metadata` (or `File::metadata` of a file opened without following links).
pub fn check_private_file(path: &Path, what: &str, meta: &fs::Metadata) -> Result<()> {
    let refuse = |why: String| -> Result<()> {
        Err(Error::usage(format!(
            "{what} {} is not a private file of yours: {why}",
            path.display()
        ))
        .with_hint("nothing was sent; cpis only uses a file it made itself (yours, mode 0600, one link): move it away or choose another path"))
    };
    if meta.file_type().is_symlink() {
        return refuse("it is a symbolic link".into());
    }
    if !meta.is_file() {
        return refuse("it is not a regular file".into());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me {
            return refuse(format!(
                "it is owned by uid {}, not you (uid {me})",
                meta.uid()
            ));
        }
        let mode = meta.mode() & 0o7777;
        if mode != 0o600 {
            return refuse(format!("its mode is {mode:04o}, not 0600"));
        }
        if meta.nlink() > 1 {
            return refuse(format!("it has {} hard links", meta.nlink()));
        }
    }
    Ok(())
}

/// [`check_private_file`] of whatever is at `path`; false when nothing is there.
pub fn check_existing_private_file(path: &Path, what: &str) -> Result<bool> {
    match fs::symlink_metadata(path) {
        Ok(meta) => check_private_file(path, what, &meta).map(|_| true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::usage(format!(
            "cannot inspect {what} {}: {e}",
            path.display()
        ))),
    }
}

/// Write `name` in `dir`, an existing directory of the user's choosing (not checked for
/// privacy, e.g. where they keep man pages), exactly as [`write_private`] writes: a fresh 0600
/// file renamed over the target, never written through a link.
pub fn write_file_in(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let path = dir.join(name);
    replace_with_fresh_file(dir, &path, std::ffi::OsStr::new(name), bytes, true)
        .map_err(|e| Error::usage(e.message))
}

/// Like [`write_file_in`], but never replaces anything: an existing `dir/name` (a key made
/// earlier, a link) is an error and stays as it is.
pub fn create_file_in(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let path = dir.join(name);
    replace_with_fresh_file(dir, &path, std::ffi::OsStr::new(name), bytes, false)
        .map_err(|e| Error::usage(e.message))
}

fn replace_with_fresh_file(
    dir: &Path,
    path: &Path,
    name: &std::ffi::OsStr,
    bytes: &[u8],
    replace: bool,
) -> Result<()> {
    let cannot = |e: &dyn std::fmt::Display| {
        Error::unexpected(format!("cannot write {}: {e}", path.display()))
    };
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    // O_CREAT|O_EXCL (never follows a link), mode 0600, random name.
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| cannot(&e))?;
    tmp.write_all(bytes).map_err(|e| cannot(&e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // fchmod on the open file, whatever the umask did.
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(|e| cannot(&e))?;
    }
    tmp.as_file().sync_all().map_err(|e| cannot(&e))?;
    // rename(2) replaces whatever is at `path`, a symbolic link included, without following it.
    if replace {
        tmp.persist(path).map_err(|e| cannot(&e.error))?;
    } else {
        // link(2) then unlink: fails if anything, a link included, is already at `path`.
        tmp.persist_noclobber(path).map_err(|e| cannot(&e.error))?;
    }
    sync_dir(dir);
    Ok(())
}

/// Make a rename durable. Best effort: some file systems cannot sync a directory.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// A fresh directory with an unpredictable name (`prefix` + random) in the system temporary
/// directory, mode 0700. It is removed, with its contents, when the returned value is dropped.
pub fn private_temp_dir(prefix: &str) -> Result<tempfile::TempDir> {
    let mut b = tempfile::Builder::new();
    b.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(fs::Permissions::from_mode(0o700));
    }
    let dir = b.tempdir().map_err(|e| {
        Error::unexpected(format!(
            "cannot create a temporary directory in {}: {e}",
            std::env::temp_dir().display()
        ))
    })?;
    let meta = fs::symlink_metadata(dir.path())
        .map_err(|e| Error::unexpected(format!("cannot inspect {}: {e}", dir.path().display())))?;
    check_private_dir(dir.path(), &meta)?;
    Ok(dir)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    fn mode(p: &Path) -> u32 {
        fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
    }

    fn private_tempdir() -> tempfile::TempDir {
        private_temp_dir("cpis-test-").unwrap()
    }

    fn refusal(dir: &Path) -> String {
        let e = ensure_private_dir(dir).unwrap_err();
        assert_eq!(e.exit_code(), 2, "{e}");
        e.to_string()
    }

    #[test]
    fn creates_directories_0700_and_files_0600() {
        let t = private_tempdir();
        assert_eq!(mode(t.path()), 0o700);
        let file = t.path().join("a/b/ca.pem");
        write_private(&file, b"one").unwrap();
        assert_eq!(mode(&t.path().join("a")), 0o700);
        assert_eq!(mode(&t.path().join("a/b")), 0o700);
        assert_eq!(mode(&file), 0o600);
        write_private(&file, b"two").unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"two");
        assert_eq!(mode(&file), 0o600);
        let names: Vec<_> = fs::read_dir(t.path().join("a/b"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["ca.pem"], "no temporary file left behind");
        // An existing private directory is fine, with or without a trailing slash.
        ensure_private_dir(t.path()).unwrap();
        ensure_private_dir(&t.path().join("a/")).unwrap();
    }

    #[test]
    fn refuses_a_directory_open_to_group_or_others() {
        let t = private_tempdir();
        let d = t.path().join("open");
        fs::create_dir(&d).unwrap();
        fs::set_permissions(&d, fs::Permissions::from_mode(0o750)).unwrap();
        let msg = refusal(&d);
        assert!(msg.contains(&d.display().to_string()), "{msg}");
        assert!(
            msg.contains("accessible by group or others (mode 0750)"),
            "{msg}"
        );
        assert!(write_private(&d.join("x"), b"x").is_err());
        assert!(!d.join("x").exists());
    }

    #[test]
    fn refuses_a_symlinked_directory_and_a_file() {
        let t = private_tempdir();
        let real = t.path().join("real");
        fs::create_dir(&real).unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o700)).unwrap();
        let link = t.path().join("link");
        symlink(&real, &link).unwrap();
        assert!(refusal(&link).contains("is a symbolic link"));
        assert!(refusal(&t.path().join("link/")).contains("is a symbolic link"));
        let file = t.path().join("file");
        fs::write(&file, "x").unwrap();
        assert!(refusal(&file).contains("is not a directory"));
    }

    #[test]
    fn refuses_a_directory_owned_by_someone_else() {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            let t = private_tempdir();
            let d = t.path().join("theirs");
            fs::create_dir(&d).unwrap();
            fs::set_permissions(&d, fs::Permissions::from_mode(0o700)).unwrap();
            let c = std::ffi::CString::new(d.to_str().unwrap()).unwrap();
            // SAFETY: a valid NUL-terminated path; we are root.
            assert_eq!(unsafe { libc::chown(c.as_ptr(), 65534, 65534) }, 0);
            let msg = refusal(&d);
            assert!(msg.contains("owned by uid 65534, not you (uid 0)"), "{msg}");
        } else {
            // Owned by root and mode 0755: the owner is named, not the mode.
            let msg = refusal(Path::new("/usr"));
            assert!(msg.contains("owned by uid 0, not you"), "{msg}");
        }
    }

    #[test]
    fn a_symlink_at_the_target_is_replaced_not_followed() {
        let t = private_tempdir();
        let victim = t.path().join("victim.pem");
        fs::write(&victim, "victim").unwrap();
        let target = t.path().join("ca.pem");
        symlink(&victim, &target).unwrap();
        write_private(&target, b"new").unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "victim");
        assert!(fs::symlink_metadata(&target).unwrap().is_file());
        assert_eq!(fs::read(&target).unwrap(), b"new");
        assert_eq!(mode(&target), 0o600);
    }

    #[test]
    fn a_symlink_at_a_guessable_temporary_name_is_not_followed() {
        // The old helper wrote through `.NAME.PID.tmp`, created with create+truncate: a link
        // planted there redirected the write. Plant one at that name and at a few others.
        let t = private_tempdir();
        let victim = t.path().join("victim");
        fs::write(&victim, "victim").unwrap();
        let pid = std::process::id();
        for name in [format!(".ca.pem.{pid}.tmp"), ".ca.pem.tmp".into()] {
            symlink(&victim, t.path().join(name)).unwrap();
        }
        write_private(&t.path().join("ca.pem"), b"new").unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "victim");
        assert!(fs::symlink_metadata(t.path().join("ca.pem"))
            .unwrap()
            .is_file());
    }

    #[test]
    fn temp_dirs_are_fresh_private_and_removed_on_drop() {
        let a = private_temp_dir("cpis-sandbox-").unwrap();
        let b = private_temp_dir("cpis-sandbox-").unwrap();
        assert_ne!(a.path(), b.path());
        assert_eq!(mode(a.path()), 0o700);
        assert!(a
            .path()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("cpis-sandbox-"));
        let p = a.path().to_path_buf();
        write_private(&p.join("ca.pem"), b"x").unwrap();
        drop(a);
        assert!(!p.exists());
    }
}
