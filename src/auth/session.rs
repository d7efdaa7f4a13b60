//! The index of sign-ins: what is not secret about each, in `sessions.json` (mode 0600) in
//! the data directory. Secrets are in the credential store under the same key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::credentials::Backend;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionKind {
    /// A token supplied by the user (`auth login --with-token`).
    Token,
    /// A registered system signing its own client assertions.
    System,
    /// A CIS2 smartcard user.
    User,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Token => "token",
            SessionKind::System => "system",
            SessionKind::User => "user",
        }
    }

    /// The command that makes a fresh credential of this kind.
    pub fn login_hint(self) -> &'static str {
        match self {
            SessionKind::Token => "give a fresh token: cpis auth login --with-token < token.txt",
            SessionKind::System => "sign in again: cpis auth login --system",
            SessionKind::User => "sign in again: cpis auth login --user",
        }
    }
}

/// What is not secret about one sign-in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Session {
    pub kind: SessionKind,
    /// Which credential store holds its secrets.
    pub store: Backend,
    /// When it was made (seconds since the epoch).
    pub created_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_expires_at: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_expires_at: Option<u64>,
    /// The environment label and base URL it was made for.
    pub environment: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// For a system identity: who it is and whom it acts for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<super::system::SystemInfo>,
    /// For a CIS2 user: who they are in their selected role, and the platform application
    /// their tokens belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserSession>,
}

/// What is not secret about a CIS2 user's sign-in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UserSession {
    pub identity: super::cis2::UserIdentity,
    /// The platform application (API key) the tokens were issued to.
    pub api_key: String,
    /// Where the tokens are refreshed; `None`: derived from the endpoint at each use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
}

/// All sign-ins, by key (see [`super::credential_key`]).
#[derive(Debug, Clone, Default)]
pub struct Sessions {
    path: Option<PathBuf>,
    map: BTreeMap<String, Session>,
}

impl Sessions {
    /// Read the index; a missing data directory or file means no sign-ins. A file that is
    /// present but unreadable is an error, never taken for "not signed in".
    pub fn load(data_dir: Option<&Path>) -> Result<Self> {
        let Some(dir) = data_dir else {
            return Ok(Sessions::default());
        };
        let path = dir.join("sessions.json");
        let map = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::usage(format!("cannot read {}: {e}", path.display()))
                    .with_hint("remove it and sign in again with `cpis auth login`")
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(Error::usage(format!("cannot read {}: {e}", path.display()))),
        };
        Ok(Sessions {
            path: Some(path),
            map,
        })
    }

    /// The data directory the index lives in (`None`: there is none).
    pub fn data_dir(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }

    pub fn get(&self, key: &str) -> Option<&Session> {
        self.map.get(key)
    }

    fn save(&self) -> Result<()> {
        let path = self
            .path
            .as_ref()
            .ok_or_else(|| Error::usage("no data directory: set CPIS_DATA_DIR or HOME"))?;
        let json = serde_json::to_vec_pretty(&self.map).expect("serialisable");
        crate::private::write_private(path, &json)
    }

    pub fn insert(&mut self, key: &str, session: Session) -> Result<()> {
        self.map.insert(key.to_string(), session);
        self.save()
    }

    pub fn remove(&mut self, key: &str) -> Result<bool> {
        let had = self.map.remove(key).is_some();
        if had {
            self.save()?;
        }
        Ok(had)
    }
}
