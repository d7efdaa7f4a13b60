//! Where secrets live: one small trait over the OS keyring (default), an opt-in file store,
//! and a test double. Every keyring call runs under a timeout, so a locked or absent keyring
//! cannot hang the tool; an unavailable keyring is reported with the opt-in, never replaced by
//! memory or a readable file behind the user's back.

mod file;
mod keyring_store;

use std::path::PathBuf;
use std::time::Duration;

use crate::error::{Error, Kind, Result};
use crate::secret::Secret;

pub use file::FileStore;
pub use keyring_store::KeyringStore;

/// The service name under which entries are kept in the OS keyring.
pub const SERVICE: &str = "cpis";
/// How long a keyring call may take before it is abandoned.
pub const KEYRING_TIMEOUT: Duration = Duration::from_secs(5);
/// On a desktop, how long in all a keyring call may wait while an unlock prompt may be
/// showing (someone has to see it, find their password and type it).
pub const KEYRING_UNLOCK_TIMEOUT: Duration = Duration::from_secs(120);

/// How long keyring calls may take.
#[derive(Debug, Clone, Copy)]
pub struct Waits {
    /// For an answer ([`KEYRING_TIMEOUT`]).
    pub answer: Duration,
    /// On a desktop, in all, for an unlock prompt to be answered; `None` without a desktop
    /// (no one could see a prompt).
    pub unlock: Option<Duration>,
    /// No note while waiting for the unlock (`--quiet`).
    pub quiet: bool,
}

/// Is there a desktop where a keyring's unlock prompt can be shown? macOS and Windows always;
/// elsewhere a graphical session (`WAYLAND_DISPLAY` or `DISPLAY`), read through `var`.
pub fn on_a_desktop(var: impl Fn(&'static str) -> Option<String>) -> bool {
    if cfg!(any(target_os = "macos", windows)) {
        return true;
    }
    ["WAYLAND_DISPLAY", "DISPLAY"]
        .iter()
        .any(|v| var(v).is_some_and(|x| !x.trim().is_empty()))
}

/// Why the OS keyring could not be used, as the user can act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyringFailure {
    /// No keyring service to talk to (no Secret Service, no D-Bus session).
    NoService(String),
    /// It is locked and was not unlocked.
    Locked(String),
    /// Its unlock prompt was dismissed (or closed before it was answered).
    PromptDismissed(String),
    /// It did not answer in time.
    TimedOut(String),
    /// Anything else.
    Other(String),
}

/// A place to keep secrets, keyed by a short printable string.
pub trait Store: Send + Sync {
    /// What and where, for `auth status` (e.g. "OS keyring (Secret Service)").
    fn describe(&self) -> String;
    /// Whether the user opted in to something weaker than the OS keyring (warned about).
    fn is_opt_in_file(&self) -> bool {
        false
    }
    fn get(&self, key: &str) -> Result<Option<Secret>>;
    fn set(&self, key: &str, value: &Secret) -> Result<()>;
    /// Remove the entry; `Ok(false)` when there was none.
    fn delete(&self, key: &str) -> Result<bool>;
}

/// Which backend the user chose (`CPIS_CREDENTIAL_STORE` or the profile's `credential_store`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Keyring,
    File,
}

impl Backend {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "keyring" => Some(Backend::Keyring),
            "file" => Some(Backend::File),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Keyring => "keyring",
            Backend::File => "file",
        }
    }
}

/// What a test may put in place of the OS keyring (`CPIS_TEST_KEYRING`): `unavailable`
/// (every call fails as a headless server's would), `hang` (no call ever answers), or
/// `dir:PATH` (a keyring that keeps entries as files under PATH, so tests can look inside).
/// Only in builds with the `test-hooks` feature (which `cargo test` switches on); in any other
/// build there is no double and the variable is not even read.
#[cfg(feature = "test-hooks")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyringDouble {
    Unavailable,
    Hang,
    Dir(PathBuf),
    /// Locked, and not unlocked (`locked`).
    Locked,
    /// Its unlock prompt dismissed (`dismissed`).
    Dismissed,
    /// Answers only after this long, as an unlock prompt being answered (`slow:MS:DOUBLE`),
    /// then as the double after it.
    Slow(Duration, Box<KeyringDouble>),
}

/// Without the `test-hooks` feature there is no keyring double: this type has no values.
#[cfg(not(feature = "test-hooks"))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyringDouble {}

impl KeyringDouble {
    /// The double `CPIS_TEST_KEYRING` asks for, read through `text` (the configuration's
    /// environment). Always `None` in a build without the `test-hooks` feature.
    pub fn from_env(text: impl Fn(&'static str) -> Result<Option<String>>) -> Result<Option<Self>> {
        #[cfg(feature = "test-hooks")]
        {
            text("CPIS_TEST_KEYRING")?
                .map(|v| {
                    Self::parse(&v).ok_or_else(|| {
                        Error::usage(format!(
                            "CPIS_TEST_KEYRING={v:?}: use unavailable, hang, locked, dismissed, dir:PATH or slow:MS:DOUBLE"
                        ))
                    })
                })
                .transpose()
        }
        #[cfg(not(feature = "test-hooks"))]
        {
            let _ = text;
            Ok(None)
        }
    }

    #[cfg(feature = "test-hooks")]
    fn parse(s: &str) -> Option<Self> {
        if let Some(rest) = s.strip_prefix("slow:") {
            let (ms, then) = rest.split_once(':')?;
            return Some(KeyringDouble::Slow(
                Duration::from_millis(ms.parse().ok()?),
                Box::new(Self::parse(then)?),
            ));
        }
        match s {
            "unavailable" => Some(KeyringDouble::Unavailable),
            "hang" => Some(KeyringDouble::Hang),
            "locked" => Some(KeyringDouble::Locked),
            "dismissed" => Some(KeyringDouble::Dismissed),
            _ => s
                .strip_prefix("dir:")
                .filter(|p| !p.is_empty())
                .map(|p| KeyringDouble::Dir(PathBuf::from(p))),
        }
    }
}

/// Open the chosen store.
pub fn open(
    backend: Backend,
    data_dir: Option<PathBuf>,
    double: Option<KeyringDouble>,
    waits: Waits,
) -> Result<Box<dyn Store>> {
    match backend {
        Backend::Keyring => Ok(Box::new(KeyringStore::new(double, waits))),
        Backend::File => {
            let dir = data_dir.ok_or_else(|| {
                Error::usage("no data directory for the credential file: set CPIS_DATA_DIR or HOME")
            })?;
            Ok(Box::new(FileStore::new(dir)))
        }
    }
}

/// The opt-in for machines without a keyring.
const FILE_OPT_IN: &str = "opt in to a private file instead: CPIS_CREDENTIAL_STORE=file, or `cpis config set credential_store file` (mode 0600 under the data directory; see README, \"Where credentials live\")";

/// The error for a keyring that failed as `failure` says, with what to do about it.
pub fn keyring_failed(failure: &KeyringFailure) -> Error {
    let (message, hint) = match failure {
        KeyringFailure::NoService(why) => (
            format!("the OS keyring is not available: no Secret Service ({why})"),
            format!("on a desktop, start its keyring (GNOME Keyring, KWallet) in your session; on a machine without one (a headless server), {FILE_OPT_IN}"),
        ),
        KeyringFailure::Locked(why) => (
            format!("the OS keyring is locked ({why})"),
            format!("unlock it (log in to the desktop session, or open your keyring manager and unlock it) and run the command again; without a desktop to unlock it on, {FILE_OPT_IN}"),
        ),
        KeyringFailure::PromptDismissed(why) => (
            format!("the OS keyring's unlock prompt was dismissed ({why})"),
            "run the command again and unlock the keyring when it asks".to_string(),
        ),
        KeyringFailure::TimedOut(why) => (
            format!("the OS keyring timed out: {why}"),
            format!("on a desktop, unlock the keyring when it asks (or allow longer with CPIS_KEYRING_UNLOCK_TIMEOUT_MS); on a machine without a keyring (a headless server), {FILE_OPT_IN}"),
        ),
        KeyringFailure::Other(why) => return keyring_unavailable(why),
    };
    Error::new(Kind::NotAuthenticated, message).with_hint(hint)
}

/// The error for a keyring that cannot be used, with the documented opt-in.
pub fn keyring_unavailable(why: &str) -> Error {
    Error::new(
        Kind::NotAuthenticated,
        format!("the OS keyring is not available: {why}"),
    )
    .with_hint(
        "on a machine without a keyring (a headless server), opt in to a private file instead: \
         CPIS_CREDENTIAL_STORE=file, or `cpis config set credential_store file` \
         (mode 0600 under the data directory; see README, \"Where credentials live\")",
    )
}
