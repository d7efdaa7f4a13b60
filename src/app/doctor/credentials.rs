//! The credential check: what is stored, and whether a token can be had.

use std::time::Instant;

use crate::doctor::Check;
use crate::error::Kind;

use crate::app::{Connection, Ctx};

pub(super) async fn credentials(ctx: &Ctx, conn: &Connection) -> Check {
    let t = Instant::now();
    let s = &ctx.settings;
    if s.token.is_some() {
        return Check::ok(
            "credentials",
            "CPIS_ACCESS_TOKEN is set (it wins over anything stored)",
        )
        .took(t);
    }
    let key = ctx.credential_key();
    let session = match ctx.sessions() {
        Ok(ss) => ss.get(&key).cloned(),
        Err(e) => return Check::from_error("credentials", &e).took(t),
    };
    let Some(session) = session else {
        if s.endpoint.base_url.is_none() {
            return Check::ok("credentials", "none needed for the embedded sandbox").took(t);
        }
        return Check::fail(
            "credentials",
            Kind::NotAuthenticated,
            format!("not signed in for {key}"),
            "cpis auth login --user (smartcard), --system, or --with-token",
        )
        .took(t);
    };
    let store = match ctx.store(session.store) {
        Ok(st) => st,
        Err(e) => return Check::from_error("credentials", &e).took(t),
    };
    match store.get(&key) {
        Ok(Some(_)) => {}
        Ok(None) => {
            return Check::fail(
                "credentials",
                Kind::NotAuthenticated,
                format!(
                    "the credential for {key} is missing from {}",
                    store.describe()
                ),
                session.kind.login_hint(),
            )
            .took(t)
        }
        Err(e) => return Check::from_error("credentials", &e).took(t),
    }
    let now = crate::auth::now_secs();
    let mut detail = format!("{} sign-in in {}", session.kind.as_str(), store.describe());
    if let Some(why) = session
        .system
        .as_ref()
        .and_then(|i| i.token_url.as_deref())
        .and_then(|u| crate::auth::system::token_url_mismatch(u, ctx.settings.endpoint.env))
    {
        return Check::fail(
            "credentials",
            Kind::Usage,
            why,
            "sign in again without --token-url (it follows the environment), or with this environment's",
        )
        .took(t);
    }
    if let Some(i) = &session.system {
        detail.push_str(&format!(
            "; assertion: alg RS512, kid {}, iss = sub = API key {} (fingerprint), aud = {}, exp +{} s; acting for {} ({})",
            i.kid,
            i.api_key_fingerprint(),
            i.token_url
                .clone()
                .unwrap_or_else(|| "{this environment}/oauth2/token".into()),
            crate::auth::system::ASSERTION_LIFETIME_SECS,
            i.nominated_person,
            i.nominated_role
        ));
    }
    if let Some(u) = &session.user {
        detail.push_str(&format!(
            "; {}; activity codes {}",
            u.identity.describe(),
            if u.identity.activity_codes.is_empty() {
                "not listed".to_string()
            } else {
                u.identity.activity_codes.join(", ")
            }
        ));
        match session.refresh_expires_at {
            Some(e) if e > now => {
                detail.push_str(&format!("; refresh token for {} min more", (e - now) / 60))
            }
            _ => {
                return Check::fail(
                    "credentials",
                    Kind::NotAuthenticated,
                    format!("{detail}; the sign-in has expired"),
                    session.kind.login_hint(),
                )
                .took(t)
            }
        }
    }
    if session.system.is_some() {
        // Can a token be had? (A client assertion is signed and posted; no patient data.)
        match ctx.token_source(conn).await {
            Ok(_) => detail.push_str("; a token can be obtained"),
            Err(e) => {
                return Check::fail(
                    "credentials",
                    e.kind,
                    format!("{detail}; no token: {}", e.message),
                    e.hint.unwrap_or_default(),
                )
                .took(t)
            }
        }
    }
    Check::ok("credentials", detail).took(t)
}
