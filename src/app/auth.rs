//! What `auth status` knows, without any network: the credential of this profile and
//! environment, whether it could be used now, and what fixes it, as one typed
//! [`AuthStatus`] (rendered by `render::auth`).

use crate::auth::system::{self, SystemInfo};
use crate::auth::{self, Session, SessionKind};
use crate::error::{Error, Kind, Result};
use crate::render::auth::{AuthStatus, SystemStatus, UserStatus};
use crate::timeutil;

use super::Ctx;

/// The environment in words: its name and base URL.
pub(crate) fn endpoint_text(ctx: &Ctx) -> String {
    let e = &ctx.settings.endpoint;
    format!(
        "{} ({})",
        e.label(),
        e.base_url.as_deref().unwrap_or("embedded sandbox")
    )
}

/// The last second shown as a date (9999-12-31T23:59:59Z): a later one (a sessions file
/// written by something else) is not a date anyone can use.
const LAST_SHOWN_SECS: u64 = 253_402_300_799;

/// A time as RFC 3339, unless it is past any usable date.
pub(crate) fn iso(secs: Option<u64>) -> Option<String> {
    secs.filter(|s| *s <= LAST_SHOWN_SECS)
        .map(timeutil::rfc3339_secs)
}

/// Whether what is stored could be used now, without any network: a token that has not
/// expired, or a private key that can sign a new assertion.
struct Inspection {
    usable: bool,
    problem: Option<String>,
    fix: Option<String>,
    /// A CIS2 user's access tokens are renewed without them: a refresh token (with the
    /// client secret) is stored and lasts beyond the access token.
    renews_silently: bool,
}

fn inspect(ctx: &Ctx, key: &str, session: Option<&Session>) -> Inspection {
    let ok = Inspection {
        usable: true,
        problem: None,
        fix: None,
        renews_silently: false,
    };
    let fail = |e: Error| Inspection {
        usable: false,
        problem: Some(crate::paste::paste_ready(&e.message)),
        fix: e.hint.as_deref().map(crate::paste::paste_ready),
        renews_silently: false,
    };
    if ctx.settings.token.is_some() {
        return ok;
    }
    let Some(session) = session else {
        if ctx.settings.endpoint.base_url.is_none() {
            return ok;
        }
        return fail(auth::not_signed_in(&ctx.settings.endpoint));
    };
    let secrets = match ctx
        .store(session.store)
        .and_then(|store| auth::load_secrets(store.as_ref(), key))
    {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let hint = session.kind.login_hint();
    match session.kind {
        SessionKind::System => match &secrets.private_key_pem {
            Some(pem) if system::check_private_key(pem, "the stored private key").is_ok() => ok,
            _ => fail(
                Error::new(Kind::NotAuthenticated, "no usable private key is stored")
                    .with_hint(hint),
            ),
        },
        SessionKind::User => {
            let now = auth::now_secs();
            // The rules a lookup uses: an access token is used while it lasts beyond the
            // margin, and a refresh needs the refresh token, the client secret and a refresh
            // period not yet over.
            let access_ok = secrets.access_token.is_some()
                && session
                    .access_expires_at
                    .is_some_and(|e| e > now.saturating_add(system::EXPIRY_MARGIN_SECS));
            let refresh_ok = secrets.refresh_token.is_some()
                && secrets.client_secret.is_some()
                && session.refresh_expires_at.is_none_or(|e| e > now);
            let outlives = match (session.refresh_expires_at, session.access_expires_at) {
                (Some(r), Some(a)) => r > a,
                _ => true,
            };
            if access_ok || refresh_ok {
                Inspection {
                    renews_silently: refresh_ok && outlives,
                    ..ok
                }
            } else {
                fail(
                    Error::new(
                        Kind::NotAuthenticated,
                        "the sign-in has expired (a CIS2 session lasts 12 hours)",
                    )
                    .with_hint(hint),
                )
            }
        }
        SessionKind::Token => {
            let expired = session
                .access_expires_at
                .is_some_and(|e| e <= auth::now_secs());
            if secrets.access_token.is_none() || expired {
                fail(
                    Error::new(Kind::NotAuthenticated, "the access token has expired")
                        .with_hint(hint),
                )
            } else {
                ok
            }
        }
    }
}

/// What `auth status` shows, as one typed value (rendered as text or JSON).
pub(crate) fn status_of(ctx: &Ctx) -> Result<(AuthStatus, Option<Session>)> {
    let s = &ctx.settings;
    let endpoint = &s.endpoint;
    let key = ctx.credential_key();
    let sessions = ctx.sessions()?;
    let session = sessions.get(&key).cloned();
    let Inspection {
        usable,
        problem,
        fix,
        renews_silently,
    } = inspect(ctx, &key, session.as_ref());
    let source = if s.token.is_some() {
        Some("CPIS_ACCESS_TOKEN")
    } else {
        session.as_ref().map(|_| "stored")
    };
    let store_desc = session
        .as_ref()
        .map(|ss| ctx.store(ss.store).map(|st| st.describe()))
        .transpose()?;
    let status = AuthStatus {
        profile: s.profile.value.clone(),
        environment: endpoint.label().to_string(),
        base_url: endpoint.base_url.clone(),
        credential_key: key,
        signed_in: session.is_some() || s.token.is_some(),
        usable,
        source,
        kind: session.as_ref().map(|x| x.kind.as_str()),
        credential_store: store_desc,
        credential_store_backend: session.as_ref().map(|x| x.store.as_str()),
        signed_in_at: iso(session.as_ref().map(|x| x.created_at)),
        access_token_expires_at: iso(session.as_ref().and_then(|x| x.access_expires_at)),
        refresh_token_expires_at: iso(session.as_ref().and_then(|x| x.refresh_expires_at)),
        renews_silently,
        env_token_overrides_stored: s.token.is_some() && session.is_some(),
        user: session
            .as_ref()
            .and_then(|x| x.user.as_ref())
            .map(|u| UserStatus {
                name: u.identity.name.clone(),
                role: u.identity.role_name.clone(),
                organisation: u.identity.org_name.clone(),
                ods_code: u.identity.org_code.clone(),
                role_profile_id: u.identity.role_profile_id.clone(),
                activity_codes: u.identity.activity_codes.clone(),
                may_view_unscheduled_b0107: u.identity.may_look_up(true).is_ok(),
                may_view_scheduled_b0170: u.identity.may_look_up(false).is_ok(),
                described: u.identity.describe(),
            }),
        system: session
            .as_ref()
            .and_then(|x| x.system.as_ref())
            .map(|i| system_status(ctx, i)),
        problem,
        fix,
        endpoint_text: endpoint_text(ctx),
        session_kind: session.as_ref().map(|x| x.kind),
        session_described: session.as_ref().map(describe_kind),
        embedded: endpoint.base_url.is_none(),
    };
    Ok((status, session))
}

/// The registered system of a stored sign-in, with the token URL it signs in at.
fn system_status(ctx: &Ctx, i: &SystemInfo) -> SystemStatus {
    let base = ctx
        .settings
        .endpoint
        .base_url
        .as_deref()
        .and_then(|b| url::Url::parse(b).ok());
    let token_url = match &base {
        Some(b) => i.token_url(b),
        None => i
            .token_url
            .clone()
            .unwrap_or_else(|| "(the embedded sandbox's /oauth2/token)".into()),
    };
    SystemStatus {
        api_key_fingerprint: i.api_key_fingerprint(),
        kid: i.kid.clone(),
        nominated_person: i.nominated_person.clone(),
        nominated_role: i.nominated_role.clone(),
        token_url: Some(token_url),
    }
}

fn describe_kind(s: &Session) -> String {
    match (s.kind, &s.system) {
        (SessionKind::System, Some(i)) => format!(
            "as a system acting for {} ({})",
            i.nominated_person, i.nominated_role
        ),
        (SessionKind::Token, _) => "with a supplied token".into(),
        (SessionKind::User, _) => "as a CIS2 smartcard user".into(),
        (k, _) => format!("as a {}", k.as_str()),
    }
}
