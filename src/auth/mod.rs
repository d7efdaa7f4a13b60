//! Who `cpis` acts as, and the token it sends.
//!
//! Secrets (tokens, keys, client secrets) live in the credential store; what is not secret
//! about a sign-in (its kind, when it expires, who it is) is kept in a small private index,
//! `sessions.json` in the data directory, so a command can tell whether there is a credential
//! without touching the keyring, and `auth status` can say what it holds.

pub mod cis2;
mod refresh_lock;
pub(crate) mod session;
pub mod system;

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
    Stored {
        token: Secret,
        session: Box<Session>,
    },
    /// Nothing, for the embedded sandbox only.
    None,
}

/// Who a request is made as, for every output (the nominated person of a system is shown
/// wherever its lookups are).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ActingAs {
    /// `system`, `user` or `token`.
    pub kind: &'static str,
    /// `CPIS_ACCESS_TOKEN` or `stored`.
    pub source: &'static str,
    pub api_key_fingerprint: Option<String>,
    pub nominated_person: Option<String>,
    pub nominated_role: Option<String>,
    /// A CIS2 user: name, role, organisation, role profile id and activity codes.
    pub user: Option<cis2::UserIdentity>,
    /// One line for people.
    pub description: String,
}

impl TokenSource {
    /// Can a new access token be had without the user (a system signs a new assertion)?
    pub fn renewable(&self) -> bool {
        matches!(self, TokenSource::Stored { session, .. } if session.kind != SessionKind::Token)
    }

    /// The signed-in CIS2 user, if that is who requests are made as.
    pub fn user(&self) -> Option<&cis2::UserIdentity> {
        match self {
            TokenSource::Stored { session, .. } => session.user.as_ref().map(|u| &u.identity),
            _ => None,
        }
    }

    /// Who requests are made as; `None` without a credential (the embedded sandbox).
    pub fn acting_as(&self) -> Option<ActingAs> {
        match self {
            TokenSource::None => None,
            TokenSource::EnvVar(_) => Some(ActingAs {
                kind: "token",
                source: "CPIS_ACCESS_TOKEN",
                api_key_fingerprint: None,
                nominated_person: None,
                nominated_role: None,
                user: None,
                description: "a token from CPIS_ACCESS_TOKEN".into(),
            }),
            TokenSource::Stored { session, .. } => Some(match (&session.system, &session.user) {
                (_, Some(u)) => ActingAs {
                    kind: "user",
                    source: "stored",
                    api_key_fingerprint: None,
                    nominated_person: None,
                    nominated_role: None,
                    user: Some(u.identity.clone()),
                    description: u.identity.describe(),
                },
                (Some(i), _) => ActingAs {
                    kind: "system",
                    source: "stored",
                    api_key_fingerprint: Some(i.api_key_fingerprint()),
                    nominated_person: Some(i.nominated_person.clone()),
                    nominated_role: Some(i.nominated_role.clone()),
                    user: None,
                    description: format!(
                        "system (API key {}) acting for {}, {}",
                        i.api_key_fingerprint(),
                        i.nominated_person,
                        i.nominated_role
                    ),
                },
                (None, None) => ActingAs {
                    kind: session.kind.as_str(),
                    source: "stored",
                    api_key_fingerprint: None,
                    nominated_person: None,
                    nominated_role: None,
                    user: None,
                    description: "a supplied token (cpis auth login --with-token)".into(),
                },
            }),
        }
    }

    pub fn token(&self) -> Option<&Secret> {
        match self {
            TokenSource::EnvVar(t) | TokenSource::Stored { token: t, .. } => Some(t),
            TokenSource::None => None,
        }
    }
}

/// What a token is needed for: where requests go, and the HTTP client to reach the token
/// endpoint with.
pub struct Target<'a> {
    pub endpoint: &'a Endpoint,
    /// Do not reuse a cached access token: the service has just refused it.
    pub renew: bool,
    /// The CP-IS base URL in use (for the embedded sandbox, the running instance's).
    pub base_url: &'a url::Url,
    pub http: &'a reqwest::Client,
    /// For token POSTs: follows no redirect.
    pub post: &'a reqwest::Client,
}

/// The token for the next request, or exit 4 before anything is sent when an endpoint other
/// than the embedded sandbox has no credential. A system identity whose cached access token
/// is missing or about to expire signs a new client assertion and stores the new token (so
/// the next command reuses it).
pub async fn token_for(
    env_token: Option<&Secret>,
    sessions: &mut Sessions,
    key: &str,
    store_for: impl Fn(crate::credentials::Backend) -> Result<Box<dyn Store>>,
    target: &Target<'_>,
) -> Result<TokenSource> {
    if let Some(t) = env_token {
        return Ok(TokenSource::EnvVar(t.clone()));
    }
    let Some(session) = sessions.get(key).cloned() else {
        if target.endpoint.base_url.is_none() {
            return Ok(TokenSource::None);
        }
        return Err(not_signed_in(target.endpoint));
    };
    let store = store_for(session.store)?;
    let mut secrets = load_secrets(store.as_ref(), key)?;
    let now = now_secs();
    let fresh = |exp: Option<u64>, margin: u64| exp.is_none_or(|e| e > now.saturating_add(margin));
    if let (SessionKind::User, Some(user)) = (&session.kind, &session.user) {
        return user_token(
            sessions,
            key,
            store.as_ref(),
            secrets,
            session.clone(),
            user,
            target,
            now,
        )
        .await;
    }
    match (&session.kind, &session.system) {
        (SessionKind::System, Some(info)) => {
            if let Some(t) = secrets.access_token.clone().filter(|_| !target.renew) {
                if session.access_expires_at.is_some()
                    && fresh(session.access_expires_at, system::EXPIRY_MARGIN_SECS)
                {
                    return Ok(TokenSource::Stored {
                        token: t,
                        session: Box::new(session),
                    });
                }
            }
            let key_pem = secrets.private_key_pem.clone().ok_or_else(|| {
                Error::new(
                    Kind::NotAuthenticated,
                    format!("no private key stored for {key}"),
                )
                .with_hint(SessionKind::System.login_hint())
            })?;
            let token_url = info.token_url(target.base_url);
            let reply =
                system::client_credentials(target.post, info, &key_pem, &token_url, now).await?;
            let expires_at = reply.expires_at(now);
            secrets.access_token = Some(reply.access_token.clone());
            store.set(key, &secrets.to_secret())?;
            let mut updated = session.clone();
            updated.access_expires_at = Some(expires_at);
            sessions.insert(key, updated.clone())?;
            Ok(TokenSource::Stored {
                token: reply.access_token,
                session: Box::new(updated),
            })
        }
        _ => {
            if !fresh(session.access_expires_at, 0) {
                return Err(Error::new(
                    Kind::NotAuthenticated,
                    format!("the access token for {key} has expired"),
                )
                .with_hint(session.kind.login_hint()));
            }
            let token = secrets.access_token.ok_or_else(|| {
                Error::new(
                    Kind::NotAuthenticated,
                    format!("no access token stored for {key}"),
                )
                .with_hint(session.kind.login_hint())
            })?;
            Ok(TokenSource::Stored {
                token,
                session: Box::new(session),
            })
        }
    }
}

/// A CIS2 user's platform access token: the cached one while it lasts, else a refresh (the
/// single-use refresh token is replaced in the store before the new access token is used),
/// else exit 4 with the command to sign in again. Refreshing is done holding a lock shared
/// by every `cpis` process (see [`refresh_lock`]): after taking it, the stored sign-in is read
/// again, and a token another process has just refreshed is used instead of refreshing again.
#[allow(clippy::too_many_arguments)]
async fn user_token(
    sessions: &mut Sessions,
    key: &str,
    store: &dyn Store,
    secrets: Secrets,
    session: Session,
    user: &session::UserSession,
    target: &Target<'_>,
    now: u64,
) -> Result<TokenSource> {
    let lasts = |s: &Session, now: u64| {
        s.access_expires_at
            .is_some_and(|e| e > now.saturating_add(system::EXPIRY_MARGIN_SECS))
    };
    if let Some(t) = secrets.access_token.clone().filter(|_| !target.renew) {
        if lasts(&session, now) {
            return Ok(TokenSource::Stored {
                token: t,
                session: Box::new(session),
            });
        }
    }
    let expired = || {
        Error::new(
            Kind::NotAuthenticated,
            format!("the sign-in for {key} has expired (a CIS2 session lasts 12 hours)"),
        )
        .with_hint(SessionKind::User.login_hint())
    };
    // Held until the new tokens are stored (dropped on return).
    let _lock = match sessions.data_dir() {
        Some(dir) => Some(refresh_lock::take(dir).await?),
        None => None,
    };
    let (session, mut secrets, user, now) = match sessions.data_dir() {
        Some(dir) => {
            let current = Sessions::load(Some(dir))?;
            // Signed out meanwhile: nothing to refresh.
            let stored = current.get(key).cloned().ok_or_else(expired)?;
            let stored_secrets = load_secrets(store, key)?;
            let now = now_secs();
            if let Some(t) = stored_secrets.access_token.clone() {
                // Another process refreshed while this one waited: its token is new (and so not
                // the one the service may just have refused).
                let replaced =
                    secrets.access_token.as_ref().map(Secret::expose) != Some(t.expose());
                if lasts(&stored, now) && (replaced || !target.renew) {
                    *sessions = current;
                    return Ok(TokenSource::Stored {
                        token: t,
                        session: Box::new(stored),
                    });
                }
            }
            *sessions = current;
            let user = stored.user.clone().unwrap_or_else(|| user.clone());
            (stored, stored_secrets, user, now)
        }
        None => (session, secrets, user.clone(), now),
    };
    let refresh_token = secrets.refresh_token.clone().ok_or_else(expired)?;
    if session.refresh_expires_at.is_some_and(|e| e <= now) {
        return Err(expired());
    }
    let client_secret = secrets.client_secret.clone().ok_or_else(expired)?;
    let token_url = user
        .token_url
        .clone()
        .unwrap_or_else(|| system::derive_token_url(target.base_url, false));
    let reply = cis2::refresh(
        target.post,
        &token_url,
        &refresh_token,
        &user.api_key,
        &client_secret,
    )
    .await
    .map_err(|e| {
        if e.kind == Kind::NotAuthenticated {
            expired().with_trace((*e.trace).clone())
        } else {
            e
        }
    })?;
    secrets.access_token = Some(reply.access_token.clone());
    if let Some(r) = &reply.refresh_token {
        secrets.refresh_token = Some(r.clone());
    }
    store.set(key, &secrets.to_secret())?;
    let mut updated = session;
    updated.access_expires_at = Some(reply.expires_at(now));
    if let Some(at) = reply.refresh_expires_at(now) {
        updated.refresh_expires_at = Some(at);
    }
    sessions.insert(key, updated.clone())?;
    Ok(TokenSource::Stored {
        token: reply.access_token,
        session: Box::new(updated),
    })
}

/// The secrets stored under `key`; missing or unreadable is exit 4 with the fix.
pub fn load_secrets(store: &dyn Store, key: &str) -> Result<Secrets> {
    match store.get(key)? {
        Some(s) => Secrets::from_secret(&s),
        None => Err(Error::new(
            Kind::NotAuthenticated,
            format!(
                "the credential for {key} is missing from {}",
                store.describe()
            ),
        )
        .with_hint("sign in again with `cpis auth login`")),
    }
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
