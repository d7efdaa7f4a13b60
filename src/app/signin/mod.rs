//! Signing in, and what a sign-in keeps: the workflows behind `cpis auth login` (a supplied
//! token, a system identity, a CIS2 user, CIS2 combined authentication), `auth logout`,
//! `auth keygen`, and the credentials `auth token` and `auth assertion` hand out. Typed
//! values in ([`Given`]: what the command line gave); what the terminal is asked (secrets,
//! the browser) stays with the command.

pub(crate) mod combined;
pub(crate) mod credential;
mod given;
pub(crate) mod keygen;
pub(crate) mod system;
pub(crate) mod user;

use crate::auth::{self, Secrets, Session, SessionKind};
use crate::error::{Error, Result};
use crate::secret::Secret;

use super::auth::endpoint_text;
use super::Ctx;

pub(crate) use given::Given;

/// A secret a sign-in needs, which the command reads (standard input, the environment, or a
/// hidden prompt: never a flag value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wanted {
    /// The client secret CIS2 registered for this application.
    Cis2ClientSecret,
    /// The platform application's client secret (kept, `to_refresh`, for renewing tokens).
    PlatformClientSecret { to_refresh: bool },
}

/// What a user's sign-in asks of the person at the terminal.
pub(crate) trait Person {
    /// The secret `wanted`; `sandbox_default` is the embedded sandbox's synthetic one.
    fn secret(&self, wanted: Wanted, sandbox_default: Option<&'static str>) -> Result<Secret>;
    /// Show (or open in a browser) the address where the user signs in.
    fn show_sign_in(&self, url: &url::Url);
}

/// A new session for this endpoint, of `kind`, kept in the chosen store.
fn new_session(ctx: &Ctx, kind: SessionKind) -> Session {
    let endpoint = &ctx.settings.endpoint;
    Session {
        kind,
        store: ctx.settings.credential_store.value,
        created_at: auth::now_secs(),
        access_expires_at: None,
        refresh_expires_at: None,
        environment: endpoint.label().to_string(),
        base_url: endpoint.base_url.clone(),
        system: None,
        user: None,
    }
}

/// Keep a signed-in user's tokens and the platform client secret that refreshes them, with
/// the sign-in, and say where they were kept.
fn keep_user_sign_in(
    ctx: &Ctx,
    reply: crate::auth::system::TokenReply,
    client_secret: Secret,
    session: Session,
    who: &str,
) -> Result<()> {
    let secrets = Secrets {
        access_token: Some(reply.access_token),
        refresh_token: reply.refresh_token,
        client_secret: Some(client_secret),
        ..Secrets::default()
    };
    let kept = save(ctx, &secrets, session)?;
    ctx.note(&format!(
        "signed in to {} as {who}; kept in {kept}",
        endpoint_text(ctx)
    ));
    Ok(())
}

/// Keep the secrets and the session; say where, and warn about the opt-in file store.
fn save(ctx: &Ctx, secrets: &Secrets, session: Session) -> Result<String> {
    let key = ctx.credential_key();
    let store = ctx.store(session.store)?;
    let mut sessions = ctx.sessions()?;
    store.set(&key, &secrets.to_secret())?;
    sessions.insert(&key, session)?;
    if store.is_opt_in_file() {
        ctx.warning(&format!(
            "the credential is kept in a file, {}, readable only by you; the OS keyring is safer where there is one",
            store.describe()
        ));
    }
    if ctx.settings.token.is_some() {
        ctx.note("CPIS_ACCESS_TOKEN is set and wins over the stored credential while it is");
    }
    Ok(format!("{} as {key}", store.describe()))
}

/// `auth login --with-token`: keep a token someone else obtained.
pub(crate) fn with_token(ctx: &Ctx, token: &str) -> Result<()> {
    let token = auth::check_token(token, "the token on standard input")?;
    let secrets = Secrets {
        access_token: Some(token),
        ..Secrets::default()
    };
    let kept = save(ctx, &secrets, new_session(ctx, SessionKind::Token))?;
    ctx.note(&format!(
        "signed in to {} with a supplied token, kept in {kept}",
        endpoint_text(ctx)
    ));
    Ok(())
}

/// `auth logout`: remove this profile's credential for this endpoint, wherever it was kept.
pub(crate) fn logout(ctx: &Ctx) -> Result<()> {
    let key = ctx.credential_key();
    let mut sessions = ctx.sessions()?;
    let Some(session) = sessions.get(&key).cloned() else {
        ctx.note(&format!("nothing stored for {key}"));
        return Ok(());
    };
    let store = ctx.store(session.store)?;
    store.delete(&key)?;
    sessions.remove(&key)?;
    ctx.note(&format!(
        "signed out: removed the credential for {key} from {}",
        store.describe()
    ));
    Ok(())
}

/// Listen on the loopback redirect port (the one given, else the profile's, else any);
/// returns the listener and the redirect URI.
async fn redirect_listener(ctx: &Ctx, given: &Given) -> Result<(tokio::net::TcpListener, String)> {
    let port = given.redirect_port.or(ctx.settings.signin.redirect_port);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port.unwrap_or(0)))
        .await
        .map_err(|e| {
            Error::usage(format!(
                "cannot listen for the sign-in redirect on 127.0.0.1: {e}"
            ))
            .with_hint("choose another --redirect-port (it must match the registered redirect URI)")
        })?;
    let port = listener.local_addr()?.port();
    Ok((listener, format!("http://127.0.0.1:{port}/callback")))
}

/// The refresh token's end: the reply's, else just inside the platform's longest.
fn refresh_expiry(reply: &crate::auth::system::TokenReply, now: u64) -> u64 {
    reply
        .refresh_expires_at(now)
        .unwrap_or(now + crate::auth::system::MAX_REFRESH_LIFETIME_SECS - 1)
}
