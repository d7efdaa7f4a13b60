//! Private files and directories: everything the tool writes goes through here.
//!
//! - A directory we create is mode 0700; an existing one must be a real directory (not a
//!   symbolic link), owned by us, and closed to group and others, or it is refused. The one
//!   exception is the configuration directory (`config.toml`, which holds no secret): it may
//!   be readable by group and others (dotfile managers make 0755 directories), never writable
//!   by them.
//! - Every directory above it, up to the home directory (or `/` when it is not under home),
//!   must be one that no other user can change, as `ssh` requires of `~/.ssh`: owned by us or
//!   root, and not writable by group or others unless it is sticky (like `/tmp`, where others
//!   cannot rename or remove what is ours). Otherwise someone else could swap the directory
//!   for one of theirs between our check and our use.
//! - The directory is opened once (`O_DIRECTORY|O_NOFOLLOW`) and checked through that open
//!   handle; its files are then opened relative to it (`openat`), never by path again, so what
//!   was checked is what is used.
//! - A file is written to a fresh temporary file with an unpredictable name in the same
//!   directory (created exclusively, mode 0600, never through a link), synced, then renamed
//!   over the target. The target path itself is never opened, so a symbolic link planted
//!   there is replaced, not followed.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A directory that has been opened and checked: files are made, read and replaced relative to
/// the open handle, never by resolving its path again.
pub struct PrivateDir {
    path: PathBuf,
    #[cfg(unix)]
    fd: fs::File,
}

/// Make sure `dir` is a directory only we can use, creating it (and missing parents) with mode
/// 0700 if it does not exist. An existing directory that is a symbolic link, is owned by
/// someone else, or is accessible by group or others is refused with a usage error (exit 2);
/// so is one with a parent (up to the home directory, or `/`) that another user could change.
pub fn ensure_private_dir(dir: &Path) -> Result<()> {
    open_private_dir(dir).map(|_| ())
}

/// [`ensure_private_dir`], returning the open, checked directory.
pub fn open_private_dir(dir: &Path) -> Result<PrivateDir> {
    open_dir_as(dir, Access::Private)
}

/// Who besides us may use a directory cpis keeps files in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    /// No one: mode 0700 or stricter (secrets, sessions, NHS numbers).
    Private,
    /// Group and others may read (0755), never write: the configuration directory.
    Readable,
}

/// The configuration directory (`config.toml`, no secret in it), opened and checked as
/// [`open_private_dir`] does (created 0700 when missing), except that group and others may
/// read it (a dotfile manager's 0755): it must still be ours and writable by no one else.
pub fn open_config_dir(dir: &Path) -> Result<PrivateDir> {
    open_dir_as(dir, Access::Readable)
}

/// When `dir` exists: refuse it as [`open_config_dir`] would, without creating anything.
pub fn check_config_dir_if_exists(dir: &Path) -> Result<()> {
    let dir: PathBuf = dir.components().collect();
    if fs::symlink_metadata(&dir).is_err() {
        return Ok(());
    }
    open_config_dir(&dir).map(|_| ())
}

/// The directory `path` is in (`.` for a bare name) and its file name.
fn dir_and_name(path: &Path) -> Result<(&Path, &std::ffi::OsStr)> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::unexpected(format!("{} is not a file name", path.display())))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Ok((dir, name))
}

/// Create or replace `path` (a `config.toml`) with `bytes`, 0600, atomically, as
/// [`write_private`] does, in a directory checked by [`open_config_dir`].
pub fn write_config(path: &Path, bytes: &[u8]) -> Result<()> {
    let (dir, name) = dir_and_name(path)?;
    open_config_dir(dir)?.write_file(name, bytes, true)
}

fn open_dir_as(dir: &Path, access: Access) -> Result<PrivateDir> {
    // Without a trailing slash, so that a symbolic link is examined rather than followed.
    let dir: PathBuf = dir.components().collect();
    match fs::symlink_metadata(&dir) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Check the nearest directory that exists before creating anything under it.
            check_nearest_existing_ancestor(&dir)?;
            create_dir_0700(&dir)?;
        }
        Err(e) => {
            return Err(Error::unexpected(format!(
                "cannot inspect {}: {e}",
                dir.display()
            )))
        }
    }
    // Whether we just created it or it was there already (or someone else created it in
    // between), check what is there now, through the handle we go on to use.
    let opened = PrivateDir::open_checked(&dir, access)?;
    #[cfg(unix)]
    check_ancestry(&opened.path, &opened.fd, false)?;
    Ok(opened)
}

/// When `dir` exists: refuse it as [`ensure_private_dir`] would, without creating anything.
/// A missing directory is fine (it holds nothing).
pub fn check_private_dir_if_exists(dir: &Path) -> Result<()> {
    let dir: PathBuf = dir.components().collect();
    if fs::symlink_metadata(&dir).is_err() {
        return Ok(());
    }
    open_private_dir(&dir).map(|_| ())
}

/// Before creating `dir`: the nearest of its parents that exists must be safe, as must every
/// directory above that one.
fn check_nearest_existing_ancestor(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let mut p = dir.parent();
        while let Some(a) = p {
            let a = if a.as_os_str().is_empty() {
                Path::new(".")
            } else {
                a
            };
            if fs::metadata(a).is_ok() {
                let fd = open_dir_fd(a, false)
                    .map_err(|e| Error::unexpected(format!("cannot open {}: {e}", a.display())))?;
                return check_ancestry_for(dir, a, &fd, true);
            }
            p = a.parent();
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
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

fn refuse_dir(dir: &Path, reason: String, hint: &str) -> Error {
    Error::usage(format!("cannot use {}: {reason}", dir.display())).with_hint(hint)
}

fn refuse_symlink(dir: &Path) -> Error {
    refuse_dir(
        dir,
        "it is a symbolic link".into(),
        "give the real path of a directory that only you can access",
    )
}

/// Refuse a directory that is not ours alone. The owner is checked before the mode.
fn check_private_dir(dir: &Path, meta: &fs::Metadata) -> Result<()> {
    check_dir(dir, meta, Access::Private)
}

/// Refuse a directory that is not ours, or that others may use beyond `access`.
fn check_dir(dir: &Path, meta: &fs::Metadata, access: Access) -> Result<()> {
    if meta.file_type().is_symlink() {
        return Err(refuse_symlink(dir));
    }
    if !meta.is_dir() {
        return Err(refuse_dir(
            dir,
            "it is not a directory".into(),
            "give a directory that only you can access",
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let me = euid();
        if meta.uid() != me {
            return Err(refuse_dir(
                dir,
                format!("it is owned by uid {}, not you (uid {me})", meta.uid()),
                "use a directory that you own and only you can access",
            ));
        }
        let mode = meta.mode() & 0o7777;
        if access == Access::Readable && mode & 0o022 != 0 {
            return Err(refuse_dir(
                dir,
                format!("it is writable by group or others (mode {mode:04o})"),
                &format!(
                    "another user could change your configuration; a configuration directory may be readable by others but writable only by you (`chmod go-w {}`)",
                    dir.display()
                ),
            ));
        }
        if access == Access::Private && mode & 0o077 != 0 {
            return Err(refuse_dir(
                dir,
                format!("it is accessible by group or others (mode {mode:04o})"),
                &format!(
                    "use a directory only you can access (`chmod 700 {}`)",
                    dir.display()
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

#[cfg(unix)]
fn cstr(s: &std::ffi::OsStr) -> std::io::Result<std::ffi::CString> {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::CString::new(s.as_bytes())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "NUL in a path"))
}

#[cfg(unix)]
fn fd_result(fd: libc::c_int) -> std::io::Result<fs::File> {
    use std::os::fd::FromRawFd;
    if fd < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        // SAFETY: a descriptor just returned to us, owned by nothing else.
        Ok(unsafe { fs::File::from_raw_fd(fd) })
    }
}

/// Open a directory for use as an `openat` base; with `nofollow`, a symbolic link in its
/// place fails (`ELOOP`/`ENOTDIR`) rather than being followed.
#[cfg(unix)]
fn open_dir_fd(dir: &Path, nofollow: bool) -> std::io::Result<fs::File> {
    let c = cstr(dir.as_os_str())?;
    let mut flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC;
    if nofollow {
        flags |= libc::O_NOFOLLOW;
    }
    // SAFETY: a valid NUL-terminated path.
    fd_result(unsafe { libc::open(c.as_ptr(), flags) })
}

/// `openat(dir, name, flags, mode)`.
#[cfg(unix)]
fn openat(
    dir: &fs::File,
    name: &std::ffi::OsStr,
    flags: libc::c_int,
    mode: libc::mode_t,
) -> std::io::Result<fs::File> {
    use std::os::fd::AsRawFd;
    let c = cstr(name)?;
    // SAFETY: a valid descriptor and NUL-terminated name.
    fd_result(unsafe {
        libc::openat(
            dir.as_raw_fd(),
            c.as_ptr(),
            flags | libc::O_CLOEXEC,
            libc::c_uint::from(mode),
        )
    })
}

/// Whether another user could change the directory `meta` describes: it is owned by someone
/// other than us or root, or writable by group or others without being sticky.
#[cfg(unix)]
fn unsafe_because(meta: &fs::Metadata) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let me = euid();
    let mode = meta.mode() & 0o7777;
    if meta.uid() != me && meta.uid() != 0 {
        return Some(format!(
            "is owned by uid {}, neither you (uid {me}) nor root",
            meta.uid()
        ));
    }
    if mode & 0o022 != 0 && mode & 0o1000 == 0 {
        return Some(format!(
            "is writable by group or others and not sticky (mode {mode:04o})"
        ));
    }
    None
}

/// Walk up from the open directory `fd` (at `dir`) through `..`, to the home directory
/// (included) or `/`, refusing the first directory another user could change. With
/// `include_self`, `fd` itself is checked so too (a directory about to hold a new one).
#[cfg(unix)]
fn check_ancestry(dir: &Path, fd: &fs::File, include_self: bool) -> Result<()> {
    check_ancestry_for(dir, dir, fd, include_self)
}

/// [`check_ancestry`] of `start` (open as `fd`) on behalf of `dir`, which the error names.
#[cfg(unix)]
fn check_ancestry_for(dir: &Path, start: &Path, fd: &fs::File, include_self: bool) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let id = |m: &fs::Metadata| (m.dev(), m.ino());
    let home = dirs::home_dir()
        .and_then(|h| fs::metadata(h).ok())
        .map(|m| id(&m));
    // Only for naming a directory in an error: the walk itself never resolves a path.
    let real = fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    let cannot = |e: std::io::Error| {
        Error::unexpected(format!(
            "cannot inspect the parents of {}: {e}",
            dir.display()
        ))
    };
    let refuse = |level: usize, why: String| {
        let named = real
            .ancestors()
            .nth(level)
            .map(Path::to_path_buf)
            .unwrap_or_else(|| start.join(std::iter::repeat_n("..", level).collect::<PathBuf>()));
        let subject = if level == 0 && dir == start {
            "it".to_string()
        } else {
            format!("{}, a directory above it,", named.display())
        };
        Err(
            Error::usage(format!("cannot use {}: {subject} {why}", dir.display())).with_hint(
                format!(
            "another user could swap what is there for their own; every directory above one \
             cpis keeps private files in, up to your home directory, must be yours or root's \
             and not writable by group or others unless sticky like /tmp (as ssh requires): \
             e.g. `chmod go-w {}`, or choose a directory elsewhere",
            named.display()
        ),
            ),
        )
    };
    let mut cur_meta = fd.metadata().map_err(cannot)?;
    if include_self {
        if let Some(why) = unsafe_because(&cur_meta) {
            return refuse(0, why);
        }
    }
    let mut cur: Option<fs::File> = None;
    for level in 1.. {
        if Some(id(&cur_meta)) == home {
            break;
        }
        let parent = openat(
            cur.as_ref().unwrap_or(fd),
            std::ffi::OsStr::new(".."),
            libc::O_RDONLY | libc::O_DIRECTORY,
            0,
        )
        .map_err(cannot)?;
        let meta = parent.metadata().map_err(cannot)?;
        if id(&meta) == id(&cur_meta) {
            break; // `/`
        }
        if let Some(why) = unsafe_because(&meta) {
            return refuse(level, why);
        }
        cur_meta = meta;
        cur = Some(parent);
    }
    Ok(())
}

impl PrivateDir {
    /// Open `dir` without following a link and check it is ours alone, through the handle.
    fn open_checked(dir: &Path, access: Access) -> Result<PrivateDir> {
        #[cfg(unix)]
        {
            let fd = open_dir_fd(dir, true).map_err(|e| match e.raw_os_error() {
                Some(libc::ELOOP) => refuse_symlink(dir),
                Some(libc::ENOTDIR) => match fs::symlink_metadata(dir) {
                    Ok(m) if m.file_type().is_symlink() => refuse_symlink(dir),
                    _ => refuse_dir(
                        dir,
                        "it is not a directory".into(),
                        "give a directory that only you can access",
                    ),
                },
                _ => Error::unexpected(format!("cannot open {}: {e}", dir.display())),
            })?;
            let meta = fd
                .metadata()
                .map_err(|e| Error::unexpected(format!("cannot inspect {}: {e}", dir.display())))?;
            check_dir(dir, &meta, access)?;
            Ok(PrivateDir {
                path: dir.to_path_buf(),
                fd,
            })
        }
        #[cfg(not(unix))]
        {
            let meta = fs::symlink_metadata(dir)
                .map_err(|e| Error::unexpected(format!("cannot inspect {}: {e}", dir.display())))?;
            check_dir(dir, &meta, access)?;
            Ok(PrivateDir {
                path: dir.to_path_buf(),
            })
        }
    }

    /// Open `dir`, a directory of the user's choosing (followed if a link), as a base for
    /// files; with `safe`, refuse it when another user could change it or a directory above it.
    fn open_any(dir: &Path, safe: bool) -> Result<PrivateDir> {
        #[cfg(unix)]
        {
            let fd = open_dir_fd(dir, false).map_err(|e| {
                Error::usage(format!("cannot use {}: {e}", dir.display()))
                    .with_hint("give an existing directory")
            })?;
            if safe {
                check_ancestry(dir, &fd, true)?;
            }
            Ok(PrivateDir {
                path: dir.to_path_buf(),
                fd,
            })
        }
        #[cfg(not(unix))]
        {
            let _ = safe;
            Ok(PrivateDir {
                path: dir.to_path_buf(),
            })
        }
    }

    /// The private subdirectory `name`, created (0700) relative to this one when missing.
    pub fn subdir(&self, name: &str) -> Result<PrivateDir> {
        let path = self.path.join(name);
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            let c = cstr(std::ffi::OsStr::new(name))
                .map_err(|e| Error::unexpected(format!("cannot create {}: {e}", path.display())))?;
            // SAFETY: a valid descriptor and NUL-terminated name.
            if unsafe { libc::mkdirat(self.fd.as_raw_fd(), c.as_ptr(), 0o700) } != 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() != std::io::ErrorKind::AlreadyExists {
                    return Err(Error::unexpected(format!(
                        "cannot create {}: {e}",
                        path.display()
                    )));
                }
            }
            let fd = openat(
                &self.fd,
                std::ffi::OsStr::new(name),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW,
                0,
            )
            .map_err(|e| match e.raw_os_error() {
                Some(libc::ELOOP) | Some(libc::ENOTDIR) => match self.metadata_of(name) {
                    Ok(Some(m)) if !m.file_type().is_symlink() => refuse_dir(
                        &path,
                        "it is not a directory".into(),
                        "give a directory that only you can access",
                    ),
                    _ => refuse_symlink(&path),
                },
                _ => Error::unexpected(format!("cannot open {}: {e}", path.display())),
            })?;
            let meta = fd.metadata().map_err(|e| {
                Error::unexpected(format!("cannot inspect {}: {e}", path.display()))
            })?;
            check_private_dir(&path, &meta)?;
            Ok(PrivateDir { path, fd })
        }
        #[cfg(not(unix))]
        open_private_dir(&path)
    }

    /// What is at `name` here, not following a link; `None` when nothing is.
    pub fn metadata_of(&self, name: &str) -> std::io::Result<Option<fs::Metadata>> {
        #[cfg(unix)]
        {
            // Opened without following a link (and without blocking on a FIFO), then fstat; a
            // link (ELOOP) is described by lstat, only for what it is.
            match openat(
                &self.fd,
                std::ffi::OsStr::new(name),
                libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK,
                0,
            ) {
                Ok(f) => f.metadata().map(Some),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                    fs::symlink_metadata(self.path.join(name)).map(Some)
                }
                Err(e) => Err(e),
            }
        }
        #[cfg(not(unix))]
        match fs::symlink_metadata(self.path.join(name)) {
            Ok(m) => Ok(Some(m)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Open `name` here for reading, never through a link; `None` when it does not exist.
    pub fn read(&self, name: &str) -> std::io::Result<Option<Vec<u8>>> {
        use std::io::Read;
        #[cfg(unix)]
        let f = openat(
            &self.fd,
            std::ffi::OsStr::new(name),
            libc::O_RDONLY | libc::O_NOFOLLOW,
            0,
        );
        #[cfg(not(unix))]
        let f = fs::File::open(self.path.join(name));
        match f {
            Ok(mut f) => {
                let mut v = Vec::new();
                f.read_to_end(&mut v)?;
                Ok(Some(v))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Open (creating, 0600) `name` here for reading and writing, never through a link: a lock
    /// file.
    pub fn open_or_create(&self, name: &str) -> std::io::Result<fs::File> {
        #[cfg(unix)]
        {
            openat(
                &self.fd,
                std::ffi::OsStr::new(name),
                libc::O_RDWR | libc::O_CREAT | libc::O_NOFOLLOW,
                0o600,
            )
        }
        #[cfg(not(unix))]
        fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(self.path.join(name))
    }

    /// A new file `name` here, created exclusively (never an existing file, never through a
    /// link), mode 0600.
    pub fn create_new(&self, name: &str) -> std::io::Result<fs::File> {
        #[cfg(unix)]
        {
            openat(
                &self.fd,
                std::ffi::OsStr::new(name),
                libc::O_RDWR | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW,
                0o600,
            )
        }
        #[cfg(not(unix))]
        create_new_private(&self.path.join(name))
    }

    /// Create or replace `name` here with `bytes`, 0600, atomically (see the module).
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        self.write_file(std::ffi::OsStr::new(name), bytes, true)
    }

    fn write_file(&self, name: &std::ffi::OsStr, bytes: &[u8], replace: bool) -> Result<()> {
        let path = self.path.join(name);
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            let cannot = |e: &dyn std::fmt::Display| {
                Error::unexpected(format!("cannot write {}: {e}", path.display()))
            };
            let dirfd = self.fd.as_raw_fd();
            // O_CREAT|O_EXCL|O_NOFOLLOW (never follows a link), mode 0600, random name.
            let mut attempt = 0;
            let (tmp_name, mut file) = loop {
                let mut t = std::ffi::OsString::from(".");
                t.push(name);
                t.push(".");
                t.push(
                    (0..12)
                        .map(|_| fastrand::alphanumeric())
                        .collect::<String>(),
                );
                t.push(".tmp");
                match openat(
                    &self.fd,
                    &t,
                    libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW,
                    0o600,
                ) {
                    Ok(f) => break (t, f),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 16 => {
                        attempt += 1;
                    }
                    Err(e) => return Err(cannot(&e)),
                }
            };
            let c_tmp = cstr(&tmp_name).map_err(|e| cannot(&e))?;
            let c_name = cstr(name).map_err(|e| cannot(&e))?;
            let remove_tmp = || {
                // SAFETY: a valid descriptor and NUL-terminated name.
                unsafe { libc::unlinkat(dirfd, c_tmp.as_ptr(), 0) };
            };
            let written = (|| {
                use std::os::unix::fs::PermissionsExt;
                file.write_all(bytes)?;
                // fchmod on the open file, whatever the umask did.
                file.set_permissions(fs::Permissions::from_mode(0o600))?;
                file.sync_all()
            })();
            if let Err(e) = written {
                remove_tmp();
                return Err(cannot(&e));
            }
            drop(file);
            // SAFETY (both): a valid descriptor and NUL-terminated names.
            let rc = if replace {
                // renameat(2) replaces whatever is at `name`, a symbolic link included,
                // without following it.
                unsafe { libc::renameat(dirfd, c_tmp.as_ptr(), dirfd, c_name.as_ptr()) }
            } else {
                // linkat(2) then unlink: fails if anything, a link included, is at `name`.
                unsafe { libc::linkat(dirfd, c_tmp.as_ptr(), dirfd, c_name.as_ptr(), 0) }
            };
            if rc != 0 {
                let e = std::io::Error::last_os_error();
                remove_tmp();
                return Err(cannot(&e));
            }
            if !replace {
                remove_tmp();
            }
            // Make the rename durable. Best effort: some file systems cannot sync a directory.
            let _ = self.fd.sync_all();
            Ok(())
        }
        #[cfg(not(unix))]
        {
            let cannot = |e: &dyn std::fmt::Display| {
                Error::unexpected(format!("cannot write {}: {e}", path.display()))
            };
            let mut prefix = std::ffi::OsString::from(".");
            prefix.push(name);
            prefix.push(".");
            let mut tmp = tempfile::Builder::new()
                .prefix(&prefix)
                .suffix(".tmp")
                .tempfile_in(&self.path)
                .map_err(|e| cannot(&e))?;
            tmp.write_all(bytes).map_err(|e| cannot(&e))?;
            tmp.as_file().sync_all().map_err(|e| cannot(&e))?;
            if replace {
                tmp.persist(&path).map_err(|e| cannot(&e.error))?;
            } else {
                tmp.persist_noclobber(&path).map_err(|e| cannot(&e.error))?;
            }
            Ok(())
        }
    }
}

/// Create or replace `path` with `bytes`, readable and writable only by us (0600), atomically.
/// The parent directory goes through [`ensure_private_dir`] and the file is written relative to
/// the directory so opened. `path` itself is never opened: a fresh file with an unpredictable
/// name is created exclusively beside it and renamed over it.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let (dir, name) = dir_and_name(path)?;
    open_private_dir(dir)?.write_file(name, bytes, true)
}

/// A new file at `path` for writing as it goes (batch output, state): created exclusively
/// (never an existing file, never through a link), mode 0600. The caller reports errors.
pub fn create_new_private(path: &Path) -> std::io::Result<fs::File> {
    let mut o = fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600).custom_flags(libc::O_NOFOLLOW);
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
        let me = euid();
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
/// file renamed over the target, never written through a link, relative to the directory as
/// opened once.
pub fn write_file_in(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    PrivateDir::open_any(dir, false)?
        .write_file(std::ffi::OsStr::new(name), bytes, true)
        .map_err(|e| Error::usage(e.message))
}

/// Like [`write_file_in`], but never replaces anything: an existing `dir/name` (a key made
/// earlier, a link) is an error and stays as it is. It is for secrets (a private key), so
/// `dir` and every directory above it (up to home, or `/`) must be ones no other user could
/// change (sticky directories such as `/tmp` are fine: the file is ours alone, 0600).
pub fn create_file_in(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let d = PrivateDir::open_any(dir, true)?;
    d.write_file(std::ffi::OsStr::new(name), bytes, false)
        .map_err(|e| Error::usage(e.message))
}

/// Refuse `dir` (an existing directory of the user's choosing, for a secret such as a private
/// key) when another user could change it or any directory above it, as [`create_file_in`]
/// would: checked before any work is done.
pub fn check_safe_dir(dir: &Path) -> Result<()> {
    PrivateDir::open_any(dir, true).map(|_| ())
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
    open_private_dir(dir.path())?;
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
    fn a_configuration_directory_may_be_readable_by_others_never_writable() {
        let t = private_tempdir();
        let d = t.path().join("conf");
        fs::create_dir(&d).unwrap();
        fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).unwrap();
        open_config_dir(&d).unwrap();
        write_config(&d.join("config.toml"), b"x = 1\n").unwrap();
        assert_eq!(mode(&d.join("config.toml")), 0o600);
        assert!(
            open_private_dir(&d).is_err(),
            "a private directory stays 0700"
        );
        for m in [0o775, 0o757, 0o777] {
            fs::set_permissions(&d, fs::Permissions::from_mode(m)).unwrap();
            let msg = open_config_dir(&d).err().unwrap().message;
            assert!(
                msg.contains(&format!("writable by group or others (mode {m:04o})")),
                "{msg}"
            );
            assert!(check_config_dir_if_exists(&d).is_err());
        }
        // Missing: created 0700.
        let new = t.path().join("new/conf");
        write_config(&new.join("config.toml"), b"").unwrap();
        assert_eq!(mode(&new), 0o700);
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
    fn refuses_a_directory_below_one_another_user_could_change() {
        let t = private_tempdir();
        let open = t.path().join("open");
        fs::create_dir(&open).unwrap();
        fs::set_permissions(&open, fs::Permissions::from_mode(0o757)).unwrap();
        let msg = refusal(&open.join("a/b"));
        assert!(msg.contains("not sticky (mode 0757)"), "{msg}");
        assert!(!open.join("a").exists());
        fs::set_permissions(&open, fs::Permissions::from_mode(0o1777)).unwrap();
        ensure_private_dir(&open.join("a/b")).unwrap();
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            // Owned by another user (not root): refused even when sticky.
            let c = std::ffi::CString::new(open.to_str().unwrap()).unwrap();
            // SAFETY: a valid NUL-terminated path; we are root.
            assert_eq!(unsafe { libc::chown(c.as_ptr(), 65534, 65534) }, 0);
            let msg = refusal(&open.join("a/b"));
            assert!(msg.contains("owned by uid 65534, neither you"), "{msg}");
        }
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
