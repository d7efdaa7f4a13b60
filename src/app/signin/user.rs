//! `auth login --user`: a smartcard user signs in with NHS CIS2 (authorization code with
//! PKCE, the id_token verified, userinfo checked against it), then the platform's token
//! exchange turns the id_token into the platform's access and refresh tokens.

use crate::auth::{self, system, SessionKind};
use crate::error::{Error, Result};
use crate::sandbox;

use super::super::Ctx;
use super::given::{app_for_user, Given};
use super::{keep_user_sign_in, new_session, redirect_listener, refresh_expiry, Person, Wanted};

/// The CIS2 issuer: the flag, else the environment's (the embedded sandbox's mock CIS2 for
/// `local`).
fn cis2_issuer(ctx: &Ctx, given: &Given, base: &url::Url) -> Result<String> {
    use crate::config::environment::EnvName;
    let issuer = match (
        given
            .cis2_issuer
            .clone()
            .or_else(|| ctx.settings.signin.cis2_issuer.clone()),
        ctx.settings.endpoint.env,
    ) {
        (Some(i), _) => i,
        (None, Some(EnvName::Local)) if ctx.settings.endpoint.base_url.is_none() => format!(
            "{}{}",
            base.origin().ascii_serialization(),
            sandbox::app::CIS2_ISSUER_PATH
        ),
        (None, Some(EnvName::Int)) => auth::cis2::CIS2_INT.to_string(),
        (None, Some(EnvName::Prod)) => auth::cis2::CIS2_LIVE.to_string(),
        _ => {
            return Err(Error::usage(format!(
                "which CIS2 does {} use? give --cis2-issuer URL",
                ctx.settings.endpoint.label()
            )))
        }
    };
    crate::config::environment::check_base_url(&issuer)
        .map_err(|e| Error::usage(format!("CIS2 issuer {issuer:?}: {e}")))?;
    Ok(issuer)
}

pub(crate) async fn sign_in(ctx: &Ctx, given: &Given, person: &dyn Person) -> Result<()> {
    use auth::cis2;
    let local = ctx.settings.endpoint.base_url.is_none();
    let app = app_for_user(ctx, given)?;
    let client_id = match (
        given
            .cis2_client_id
            .clone()
            .or_else(|| ctx.settings.signin.cis2_client_id.clone()),
        local,
    ) {
        (Some(c), _) => c,
        (None, true) => sandbox::app::CIS2_CLIENT_ID.to_string(),
        (None, false) => {
            return Err(Error::usage("a CIS2 sign-in needs --cis2-client-id ID")
                .with_hint("the client id CIS2 registered for this application"))
        }
    };
    let cis2_secret = person.secret(
        Wanted::Cis2ClientSecret,
        local.then_some(sandbox::app::CIS2_CLIENT_SECRET),
    )?;
    let platform_secret = person.secret(
        Wanted::PlatformClientSecret { to_refresh: true },
        local.then_some(sandbox::app::CLIENT_SECRET),
    )?;

    let conn = ctx.connect().await?;
    let issuer = cis2_issuer(ctx, given, &conn.base)?;
    let disc = cis2::discover(&conn.http, &issuer).await?;
    let (listener, redirect_uri) = redirect_listener(ctx, given).await?;
    let (state, nonce) = (cis2::random_token(), cis2::random_token());
    let (verifier, challenge) = cis2::pkce();
    let url = cis2::authorize_url(&disc, &client_id, &redirect_uri, &state, &nonce, &challenge)?;
    person.show_sign_in(&url);
    let callback = cis2::wait_for_code(listener, &state).await?;
    let code = &callback.code;
    let signed_in: Result<()> = async {
        let (id_token, cis2_access) = cis2::exchange_code(
            &conn.post,
            &disc,
            &client_id,
            &cis2_secret,
            code,
            &redirect_uri,
            &verifier,
        )
        .await?;
        let claims =
            cis2::verify_id_token(&conn.http, &disc, &client_id, &nonce, &id_token).await?;
        let info = match &cis2_access {
            Some(t) => {
                let info = cis2::userinfo(&conn.http, &disc, t).await?;
                cis2::check_userinfo_sub(&claims, &info)?;
                info
            }
            None => cis2::Userinfo::default(),
        };
        let identity = cis2::identity(&claims, &info)?;
        let token_url = app
            .token_url
            .clone()
            .unwrap_or_else(|| system::derive_token_url(&conn.base, app.mock_auth));
        let now = auth::now_secs();
        let reply = cis2::token_exchange(
            &conn.post,
            &app.api_key,
            &app.kid,
            &app.key_pem,
            &token_url,
            &id_token,
            now,
        )
        .await?;
        let mut session = new_session(ctx, SessionKind::User);
        session.access_expires_at = Some(reply.expires_at(now));
        session.refresh_expires_at = Some(refresh_expiry(&reply, now));
        session.user = Some(auth::session::UserSession {
            identity: identity.clone(),
            api_key: app.api_key.clone(),
            // For the embedded sandbox the port changes with every command: derive it then.
            token_url: (!local).then(|| token_url.clone()),
        });
        keep_user_sign_in(ctx, reply, platform_secret, session, &identity.describe())?;
        for (unscheduled, what) in [(true, "unscheduled"), (false, "scheduled")] {
            if let Err(code) = identity.may_look_up(unscheduled) {
                ctx.warning(&format!(
                    "the selected role lacks {code} ({}), so {what} lookups will be refused",
                    super::super::verify::activity_meaning(code)
                ));
            }
        }
        Ok(())
    }
    .await;
    callback.answer(signed_in.is_ok()).await;
    signed_in
}
