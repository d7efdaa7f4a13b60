//! Who `cpis` acts as, and the token it sends.
//!
//! Secrets (tokens, keys, client secrets) live in the credential store; what is not secret
//! about a sign-in (its kind, when it expires, who it is) is kept in a small private index,
//! `sessions.json` in the data directory, so a command can tell whether there is a credential
//! without touching the keyring, and `auth status` can say what it holds.

pub mod session;

use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::Endpoint;
use crate::credentials::Store;
use crate::error::{Error, Kind, Result};
use crate::secret::Secret;
pub use session::{Session, SessionKind, Sessions};

/// The secret half of a sign-in, kept as one JSON entry in the credential store.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Secrets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key_pem: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
}

impl Secrets {
    pub fn to_secret(&self) -> Secret {
        Secret::new(serde_json::to_string(self).expect("strings serialise"))
    }

    pub fn from_secret(s: &Secret) -> Result<Self> {
        serde_json::from_str(s.expose()).map_err(|_| {
            Error::new(
                Kind::NotAuthenticated,
                "the stored credential is unreadable",
            )
            .with_hint("sign in again with `cpis auth login`")
        })
    }
}

/// The key of a sign-in: the profile and the endpoint it was made for (the environment's
/// name, or the origin of a custom base URL), so a credential for one environment is never
/// sent to another.
pub fn credential_key(profile: &str, endpoint: &Endpoint) -> String {
    let place = match (&endpoint.env, &endpoint.base_url) {
        (Some(env), _) if endpoint.is_standard() => env.as_str().to_string(),
        (_, Some(url)) => url::Url::parse(url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_else(|_| url.clone()),
        (Some(env), None) => env.as_str().to_string(),
        (None, None) => "custom".to_string(),
    };
    format!("{profile}@{place}")
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A token is only ever a header value: refuse anything that could not be sent as one
/// (a pasted file with several lines, control characters), before it is stored or sent.
pub fn check_token(token: &str, from: &str) -> Result<Secret> {
    let t = token.trim();
    if t.is_empty() {
        return Err(Error::usage(format!("{from} is empty")));
    }
    if !t.bytes().all(|b| (0x21..0x7f).contains(&b)) {
        return Err(Error::usage(format!(
            "{from} holds characters that cannot be sent in an HTTP header"
        ))
        .with_hint("it should be the token alone, on one line"));
    }
    Ok(Secret::new(t))
}

/// Where the token for a request comes from.
#[derive(Debug, Clone)]
pub enum TokenSource {
    /// `CPIS_ACCESS_TOKEN`: wins over anything stored.
    EnvVar(Secret),
    /// A stored sign-in.
    Stored { token: Secret, session: Session },
    /// Nothing, for the embedded sandbox only.
    None,
}

impl TokenSource {
    pub fn token(&self) -> Option<&Secret> {
        match self {
            TokenSource::EnvVar(t) | TokenSource::Stored { token: t, .. } => Some(t),
            TokenSource::None => None,
        }
    }
}

/// The token for the next request, or exit 4 before anything is sent when an endpoint other
/// than the embedded sandbox has no credential.
pub fn token_for(
    env_token: Option<&Secret>,
    sessions: &Sessions,
    key: &str,
    store: impl FnOnce(crate::credentials::Backend) -> Result<Box<dyn Store>>,
    endpoint: &Endpoint,
) -> Result<TokenSource> {
    if let Some(t) = env_token {
        return Ok(TokenSource::EnvVar(t.clone()));
    }
    if let Some(session) = sessions.get(key) {
        let store = store(session.store)?;
        let secrets = match store.get(key)? {
            Some(s) => Secrets::from_secret(&s)?,
            None => {
                return Err(Error::new(
                    Kind::NotAuthenticated,
                    format!(
                        "the credential for {key} is missing from {}",
                        store.describe()
                    ),
                )
                .with_hint("sign in again with `cpis auth login`"))
            }
        };
        if let Some(exp) = session.access_expires_at {
            if exp <= now_secs() {
                return Err(Error::new(
                    Kind::NotAuthenticated,
                    format!("the access token for {key} has expired"),
                )
                .with_hint(session.kind.login_hint()));
            }
        }
        let token = secrets.access_token.ok_or_else(|| {
            Error::new(
                Kind::NotAuthenticated,
                format!("no access token stored for {key}"),
            )
            .with_hint(session.kind.login_hint())
        })?;
        return Ok(TokenSource::Stored {
            token,
            session: session.clone(),
        });
    }
    if endpoint.base_url.is_none() {
        return Ok(TokenSource::None);
    }
    Err(not_signed_in(endpoint))
}

pub fn not_signed_in(endpoint: &Endpoint) -> Error {
    Error::new(
        Kind::NotAuthenticated,
        format!(
            "not signed in to {} ({}); nothing was sent",
            endpoint.label(),
            endpoint.base_url.as_deref().unwrap_or("embedded sandbox")
        ),
    )
    .with_hint(
        "sign in with `cpis auth login --user` (smartcard), `cpis auth login --system` \
         (a registered system), or `cpis auth login --with-token`; scripts may set CPIS_ACCESS_TOKEN",
    )
}
