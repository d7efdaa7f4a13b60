//! The credentials `auth token` and `auth assertion` hand to scripts: the access token the
//! next request would send, and a freshly signed client assertion for the stored system
//! identity.

use crate::auth::{self, system, SessionKind};
use crate::error::{Error, Kind, Result};
use crate::secret::Secret;

use super::super::auth::iso;
use super::super::Ctx;

/// The access token the next request would send, and whose it is.
pub(crate) struct Current {
    pub token: Secret,
    /// Who it acts as, in words.
    pub who: String,
    /// When it expires (RFC 3339), where the stored session says.
    pub expires: Option<String>,
}

/// The access token the next request would send (after any renewal it needs).
pub(crate) async fn current_token(ctx: &Ctx) -> Result<Current> {
    let conn = ctx.connect().await?;
    let source = ctx.token_source(&conn).await?;
    let Some(token) = source.token() else {
        return Err(Error::new(
            Kind::NotAuthenticated,
            "no access token: the embedded sandbox is used without signing in",
        )
        .with_hint("sign in to it first to have one: `cpis auth login --system`"));
    };
    let who = source
        .acting_as()
        .map(|a| a.description)
        .unwrap_or_default();
    let expires = match &source {
        auth::TokenSource::Stored { session, .. } => iso(session.access_expires_at),
        _ => None,
    };
    Ok(Current {
        token: token.clone(),
        who,
        expires,
    })
}

/// A client assertion, and what it was signed for.
pub(crate) struct Assertion {
    pub assertion: Secret,
    pub token_url: String,
    pub api_key_fingerprint: String,
    pub kid: String,
}

/// A new client assertion signed with the stored system identity's private key, for this
/// environment's token endpoint (never the embedded sandbox's, which dies with the command).
pub(crate) fn assertion(ctx: &Ctx) -> Result<Assertion> {
    let Some(base) = ctx.settings.endpoint.base_url.clone() else {
        return Err(Error::usage(
            "the embedded sandbox lives only while a cpis command runs: an assertion for its token endpoint could not be used",
        )
        .with_hint("run `cpis sandbox serve`, sign in to it with --base-url URL, and ask again with the same --base-url"));
    };
    let base =
        url::Url::parse(&base).map_err(|e| Error::usage(format!("base URL {base:?}: {e}")))?;
    let key = ctx.credential_key();
    let no_system = || {
        Error::new(
            Kind::NotAuthenticated,
            format!("no system identity is signed in for {key}: a client assertion is signed with a system's private key"),
        )
        .with_hint(SessionKind::System.login_hint())
    };
    let session = ctx
        .sessions()?
        .get(&key)
        .cloned()
        .filter(|s| s.kind == SessionKind::System)
        .ok_or_else(no_system)?;
    let info = session.system.clone().ok_or_else(no_system)?;
    let store = ctx.store(session.store)?;
    let pem = auth::load_secrets(store.as_ref(), &key)?
        .private_key_pem
        .ok_or_else(|| {
            Error::new(
                Kind::NotAuthenticated,
                format!("no private key stored for {key}"),
            )
            .with_hint(SessionKind::System.login_hint())
        })?;
    let token_url = info.token_url(&base);
    let assertion = system::client_assertion(&info, &pem, &token_url, auth::now_secs())?;
    Ok(Assertion {
        assertion,
        token_url,
        api_key_fingerprint: info.api_key_fingerprint(),
        kid: info.kid.clone(),
    })
}
