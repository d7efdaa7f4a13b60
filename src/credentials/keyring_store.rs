//! The OS keyring through the `keyring` crate, every call on its own thread under a timeout.

use std::sync::mpsc;

use super::{keyring_failed, KeyringDouble, KeyringFailure, Store, Waits, SERVICE};
use crate::error::Result;
use crate::secret::Secret;

pub struct KeyringStore {
    double: Option<KeyringDouble>,
    waits: Waits,
}

/// What one keyring call came back with. Never carries secret bytes in an error.
enum Outcome<T> {
    Done(T),
    NoEntry,
    Failed(KeyringFailure),
}

impl KeyringStore {
    pub fn new(double: Option<KeyringDouble>, waits: Waits) -> Self {
        KeyringStore { double, waits }
    }

    /// Run `op` on its own thread; give up after the timeout (the thread is left to finish or
    /// hang on its own: a keyring that never answers must not hang the tool). On a desktop a
    /// call that has not answered in that time may be waiting on an unlock prompt: it is
    /// given longer, with a note saying so.
    fn call<T: Send + 'static>(
        &self,
        op: impl FnOnce() -> Outcome<T> + Send + 'static,
    ) -> Result<Option<T>> {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("keyring".into())
            .spawn(move || {
                let _ = tx.send(op());
            })
            .map_err(|e| {
                keyring_failed(&KeyringFailure::Other(format!(
                    "cannot start a thread: {e}"
                )))
            })?;
        let answer = self.waits.answer;
        let mut answered = rx.recv_timeout(answer);
        let mut waited = answer;
        if let (Err(mpsc::RecvTimeoutError::Timeout), Some(unlock)) = (&answered, self.waits.unlock)
        {
            if unlock > answer {
                if !self.waits.quiet {
                    crate::ui::note(&format!(
                        "waiting for the keyring to be unlocked: answer its prompt on your screen (up to {} s more)",
                        (unlock - answer).as_secs()
                    ));
                }
                answered = rx.recv_timeout(unlock - answer);
                waited = unlock;
            }
        }
        match answered {
            Ok(Outcome::Done(v)) => Ok(Some(v)),
            Ok(Outcome::NoEntry) => Ok(None),
            Ok(Outcome::Failed(why)) => Err(keyring_failed(&why)),
            Err(_) => Err(keyring_failed(&KeyringFailure::TimedOut(format!(
                "it did not answer within {} s ({})",
                waited.as_secs_f64(),
                if waited > answer {
                    "no unlock in that time"
                } else {
                    "locked with no prompt to unlock it, or a Secret Service that does not answer"
                }
            )))),
        }
    }
}

/// What went wrong inside the Secret Service (Linux and the BSDs), from its own error type.
#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn secret_service_failure(e: &(dyn std::error::Error + 'static)) -> Option<KeyringFailure> {
    use secret_service::Error as S;
    let ss = e.downcast_ref::<S>()?;
    Some(match ss {
        S::Locked | S::NoResult => KeyringFailure::Locked("the collection is locked".into()),
        S::Prompt => KeyringFailure::PromptDismissed("it was closed without unlocking".into()),
        S::PromptDisconnected => {
            KeyringFailure::PromptDismissed("the connection closed before it was answered".into())
        }
        S::Unavailable => {
            KeyringFailure::NoService("no Secret Service provider or D-Bus session".into())
        }
        S::Zbus(_) | S::ZbusFdo(_) => KeyringFailure::NoService(format!(
            "the Secret Service cannot be reached over D-Bus: {ss}"
        )),
        _ => KeyringFailure::Other(ss.to_string()),
    })
}

#[cfg(not(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
)))]
fn secret_service_failure(_: &(dyn std::error::Error + 'static)) -> Option<KeyringFailure> {
    None
}

/// Describe a keyring error without ever formatting secret bytes some variants carry.
fn describe(e: &keyring::Error) -> KeyringFailure {
    use keyring::Error as E;
    match e {
        E::NoDefaultStore => KeyringFailure::NoService(
            "no credential store on this system: no keyring daemon (GNOME Keyring, KWallet) running, or no D-Bus session".into(),
        ),
        E::PlatformFailure(p) => secret_service_failure(p.as_ref())
            .unwrap_or_else(|| KeyringFailure::Other(format!("platform failure: {p}"))),
        E::NoStorageAccess(p) => secret_service_failure(p.as_ref())
            .unwrap_or_else(|| KeyringFailure::Locked(format!("access refused: {p}"))),
        E::BadEncoding(_) | E::BadDataFormat(..) => {
            KeyringFailure::Other("the stored entry is unreadable".into())
        }
        E::BadStoreFormat(s) => KeyringFailure::Other(format!("the store is damaged: {s}")),
        E::TooLong(what, limit) => KeyringFailure::Other(format!(
            "{what} is longer than the keyring allows ({limit})"
        )),
        E::Invalid(what, why) => KeyringFailure::Other(format!("invalid {what}: {why}")),
        E::Ambiguous(_) => KeyringFailure::Other("more than one entry matches".into()),
        E::NoEntry => KeyringFailure::Other("no entry".into()),
        _ => KeyringFailure::Other("keyring error".into()),
    }
}

fn outcome<T>(r: keyring::Result<T>) -> Outcome<T> {
    match r {
        Ok(v) => Outcome::Done(v),
        Err(keyring::Error::NoEntry) => Outcome::NoEntry,
        Err(e) => Outcome::Failed(describe(&e)),
    }
}

fn entry(key: &str) -> std::result::Result<keyring::Entry, KeyringFailure> {
    keyring::Entry::new(SERVICE, key).map_err(|e| describe(&e))
}

impl Store for KeyringStore {
    fn describe(&self) -> String {
        match &self.double {
            None => "OS keyring".to_string(),
            #[cfg(feature = "test-hooks")]
            Some(KeyringDouble::Dir(d)) => format!("OS keyring (test double in {})", d.display()),
            Some(d) => format!("OS keyring (test double: {d:?})"),
        }
    }

    fn get(&self, key: &str) -> Result<Option<Secret>> {
        let key = key.to_string();
        match self.double.clone() {
            None => self.call(move || match entry(&key) {
                Ok(e) => match outcome(e.get_password()) {
                    Outcome::Done(v) => Outcome::Done(Secret::new(v)),
                    Outcome::NoEntry => Outcome::NoEntry,
                    Outcome::Failed(w) => Outcome::Failed(w),
                },
                Err(w) => Outcome::Failed(w),
            }),
            Some(d) => self
                .call(move || double_op(&d, &key, DoubleOp::Get))
                .map(Option::flatten),
        }
    }

    fn set(&self, key: &str, value: &Secret) -> Result<()> {
        let key = key.to_string();
        let value = value.clone();
        let done = match self.double.clone() {
            None => self.call(move || match entry(&key) {
                Ok(e) => outcome(e.set_password(value.expose())),
                Err(w) => Outcome::Failed(w),
            })?,
            Some(d) => self
                .call(move || double_op(&d, &key, DoubleOp::Set(value)))?
                .map(|_| ()),
        };
        done.ok_or_else(|| {
            keyring_failed(&KeyringFailure::Other(
                "the entry could not be written".into(),
            ))
        })
    }

    fn delete(&self, key: &str) -> Result<bool> {
        let key = key.to_string();
        match self.double.clone() {
            None => Ok(self
                .call(move || match entry(&key) {
                    Ok(e) => outcome(e.delete_credential()),
                    Err(w) => Outcome::Failed(w),
                })?
                .is_some()),
            Some(d) => Ok(self
                .call(move || double_op(&d, &key, DoubleOp::Delete))?
                .flatten()
                .is_some()),
        }
    }
}

#[cfg_attr(not(feature = "test-hooks"), allow(dead_code))]
enum DoubleOp {
    Get,
    Set(Secret),
    Delete,
}

/// Without the `test-hooks` feature there is no double to call.
#[cfg(not(feature = "test-hooks"))]
fn double_op(d: &KeyringDouble, _key: &str, _op: DoubleOp) -> Outcome<Option<Secret>> {
    match *d {}
}

/// The test double: fails (as no service, locked or dismissed), hangs, answers late, or keeps
/// each entry in a private file named by its key.
#[cfg(feature = "test-hooks")]
fn double_op(d: &KeyringDouble, key: &str, op: DoubleOp) -> Outcome<Option<Secret>> {
    match d {
        KeyringDouble::Unavailable => Outcome::Failed(KeyringFailure::NoService(
            "no credential store on this system (no Secret Service?)".into(),
        )),
        KeyringDouble::Locked => {
            Outcome::Failed(KeyringFailure::Locked("the collection is locked".into()))
        }
        KeyringDouble::Dismissed => Outcome::Failed(KeyringFailure::PromptDismissed(
            "it was closed without unlocking".into(),
        )),
        KeyringDouble::Hang => loop {
            std::thread::park();
        },
        KeyringDouble::Slow(after, then) => {
            std::thread::sleep(*after);
            double_op(then, key, op)
        }
        KeyringDouble::Dir(dir) => {
            let path = dir.join(format!("{SERVICE}.{key}"));
            let r = match op {
                DoubleOp::Get => match std::fs::read_to_string(&path) {
                    Ok(s) => Ok(Some(Secret::new(s))),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(e.to_string()),
                },
                DoubleOp::Set(v) => crate::private::write_private(&path, v.expose().as_bytes())
                    .map(|_| Some(v))
                    .map_err(|e| e.message),
                DoubleOp::Delete => match std::fs::remove_file(&path) {
                    Ok(()) => Ok(Some(Secret::new(""))),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(e.to_string()),
                },
            };
            match r {
                Ok(Some(v)) => Outcome::Done(Some(v)),
                Ok(None) => Outcome::NoEntry,
                Err(w) => Outcome::Failed(KeyringFailure::Other(w)),
            }
        }
    }
}
