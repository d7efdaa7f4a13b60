//! The OS keyring through the `keyring` crate, every call on its own thread under a timeout.

use std::sync::mpsc;
use std::time::Duration;

use super::{keyring_unavailable, KeyringDouble, Store, SERVICE};
use crate::error::Result;
use crate::secret::Secret;

pub struct KeyringStore {
    double: Option<KeyringDouble>,
    timeout: Duration,
}

/// What one keyring call came back with. Never carries secret bytes in an error.
enum Outcome<T> {
    Done(T),
    NoEntry,
    Failed(String),
}

impl KeyringStore {
    pub fn new(double: Option<KeyringDouble>, timeout: Duration) -> Self {
        KeyringStore { double, timeout }
    }

    /// Run `op` on its own thread; give up after the timeout (the thread is left to finish or
    /// hang on its own: a keyring that never answers must not hang the tool).
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
            .map_err(|e| keyring_unavailable(&format!("cannot start a thread: {e}")))?;
        match rx.recv_timeout(self.timeout) {
            Ok(Outcome::Done(v)) => Ok(Some(v)),
            Ok(Outcome::NoEntry) => Ok(None),
            Ok(Outcome::Failed(why)) => Err(keyring_unavailable(&why)),
            Err(_) => Err(keyring_unavailable(&format!(
                "it did not answer within {} s (locked, or no Secret Service running?)",
                self.timeout.as_secs_f64()
            ))),
        }
    }
}

/// Describe a keyring error without ever formatting secret bytes some variants carry.
fn describe(e: &keyring::Error) -> String {
    use keyring::Error as E;
    match e {
        E::NoDefaultStore => "no credential store on this system (no Secret Service?)".into(),
        E::PlatformFailure(p) => format!("platform failure: {p}"),
        E::NoStorageAccess(p) => format!("access refused (locked?): {p}"),
        E::BadEncoding(_) | E::BadDataFormat(..) => "the stored entry is unreadable".into(),
        E::BadStoreFormat(s) => format!("the store is damaged: {s}"),
        E::TooLong(what, limit) => format!("{what} is longer than the keyring allows ({limit})"),
        E::Invalid(what, why) => format!("invalid {what}: {why}"),
        E::Ambiguous(_) => "more than one entry matches".into(),
        E::NoEntry => "no entry".into(),
        _ => "keyring error".into(),
    }
}

fn outcome<T>(r: keyring::Result<T>) -> Outcome<T> {
    match r {
        Ok(v) => Outcome::Done(v),
        Err(keyring::Error::NoEntry) => Outcome::NoEntry,
        Err(e) => Outcome::Failed(describe(&e)),
    }
}

fn entry(key: &str) -> std::result::Result<keyring::Entry, String> {
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
        done.ok_or_else(|| keyring_unavailable("the entry could not be written"))
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

/// The test double: fails, hangs, or keeps each entry in a private file named by its key.
#[cfg(feature = "test-hooks")]
fn double_op(d: &KeyringDouble, key: &str, op: DoubleOp) -> Outcome<Option<Secret>> {
    match d {
        KeyringDouble::Unavailable => {
            Outcome::Failed("no credential store on this system (no Secret Service?)".into())
        }
        KeyringDouble::Hang => loop {
            std::thread::park();
        },
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
                Err(w) => Outcome::Failed(w),
            }
        }
    }
}
