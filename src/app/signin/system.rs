//! `auth login --system`: a nominated system identity (signed-JWT client credentials, acting
//! for a nominated person). The registration is proved (a first access token obtained)
//! before anything is kept.

use crate::auth::system::{self, SystemInfo};
use crate::auth::{self, Secrets, SessionKind};
use crate::error::{Error, Result};
use crate::sandbox;
use crate::secret::Secret;

use super::super::auth::endpoint_text;
use super::super::Ctx;
use super::given::{app_parts, missing_error, one_line, value_or_default, Given};
use super::{new_session, save};

/// The system identity from the flags; with `--env local`, the sandbox's built-in
/// application fills in whatever is not given.
fn system_from(ctx: &Ctx, given: &Given) -> Result<(SystemInfo, Secret)> {
    let local = ctx.settings.endpoint.base_url.is_none();
    let mut missing = Vec::new();
    let app = app_parts(ctx, given, &mut missing)?;
    let nominated_person = value_or_default(
        &given.nominated_person,
        local,
        sandbox::app::NOMINATED_PERSON,
        "--nominated-person NAME",
        &mut missing,
    );
    let nominated_role = value_or_default(
        &given.nominated_role,
        local,
        sandbox::app::NOMINATED_ROLE,
        "--nominated-role ROLE",
        &mut missing,
    );
    missing_error(ctx, "system", &missing)?;
    for (what, v) in [
        ("--api-key", &app.api_key),
        ("--kid", &app.kid),
        ("--nominated-person", &nominated_person),
        ("--nominated-role", &nominated_role),
    ] {
        one_line(what, v)?;
    }
    Ok((
        SystemInfo {
            api_key: app.api_key,
            kid: app.kid,
            nominated_person,
            nominated_role,
            nominated_role_code: given
                .nominated_role_code
                .as_deref()
                .map(|c| {
                    crate::config::v3::check_value("nominated_role_code", c)
                        .map_err(|e| Error::usage(e).with_hint("nothing was stored"))
                })
                .transpose()?,
            token_url: app.token_url,
            mock_auth: app.mock_auth,
        },
        app.key_pem,
    ))
}

pub(crate) async fn sign_in(ctx: &Ctx, given: &Given) -> Result<()> {
    let (info, key_pem) = system_from(ctx, given)?;
    // Prove the registration works before keeping anything: get a first access token.
    let conn = ctx.connect().await?;
    let token_url = info.token_url(&conn.base);
    let now = auth::now_secs();
    let reply = system::client_credentials(&conn.post, &info, &key_pem, &token_url, now).await?;
    let mut session = new_session(ctx, SessionKind::System);
    session.access_expires_at = Some(reply.expires_at(now));
    session.system = Some(info.clone());
    let secrets = Secrets {
        access_token: Some(reply.access_token),
        private_key_pem: Some(key_pem),
        ..Secrets::default()
    };
    let kept = save(ctx, &secrets, session)?;
    ctx.note(&format!(
        "signed in to {} as system {} (API key {}, kid {}), acting for {} ({}); token URL {token_url}; key and token kept in {kept}",
        endpoint_text(ctx),
        info.api_key,
        info.api_key_fingerprint(),
        info.kid,
        info.nominated_person,
        info.nominated_role,
    ));
    Ok(())
}
