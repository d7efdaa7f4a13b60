//! `auth login --combined`: CIS2 "combined authentication", where the platform's own
//! OAuth server signs the user in with CIS2.

use crate::auth::{self, system, SessionKind};
use crate::error::{Error, Result};
use crate::sandbox;

use super::super::Ctx;
use super::given::{missing_error, one_line, value_or_default, Given};
use super::{keep_user_sign_in, new_session, redirect_listener, refresh_expiry, Person, Wanted};

/// CIS2 "combined authentication": the platform's `/oauth2/authorize` signs the user in with
/// CIS2 and sends a code to the registered callback; the code is exchanged with the API key
/// and the platform client secret. No PKCE and no id_token: the platform vouches for the user.
pub(crate) async fn sign_in(ctx: &Ctx, given: &Given, person: &dyn Person) -> Result<()> {
    use auth::cis2;
    let local = ctx.settings.endpoint.base_url.is_none();
    let mut missing = Vec::new();
    let api_key = value_or_default(
        &given
            .api_key
            .clone()
            .or_else(|| ctx.settings.signin.api_key.clone()),
        local,
        sandbox::app::API_KEY,
        "--api-key KEY",
        &mut missing,
    );
    missing_error(ctx, "combined", &missing)?;
    one_line("--api-key", &api_key)?;
    let explicit_token_url = match (&given.token_url, &ctx.settings.token_url) {
        (Some(u), _) => Some(u.clone()),
        (None, Some(p)) if !given.mock_auth => Some(p.value.clone()),
        _ => None,
    };
    if let Some(u) = &explicit_token_url {
        crate::config::environment::check_base_url(u)
            .map_err(|e| Error::usage(format!("token URL {u:?}: {e}")))?;
    }
    // Asked for only once what was given has been checked.
    let client_secret = person.secret(
        Wanted::PlatformClientSecret { to_refresh: false },
        local.then_some(sandbox::app::CLIENT_SECRET),
    )?;
    let conn = ctx.connect().await?;
    let token_url = explicit_token_url
        .clone()
        .unwrap_or_else(|| system::derive_token_url(&conn.base, given.mock_auth));
    // The platform's OAuth server: authorize and userinfo beside its token endpoint.
    let oauth_base = token_url.trim_end_matches("/token").to_string();
    let (listener, redirect_uri) = redirect_listener(ctx, given).await?;
    let state = cis2::random_token();
    let mut url = url::Url::parse(&format!("{oauth_base}/authorize"))
        .map_err(|e| Error::usage(format!("token URL {token_url:?}: {e}")))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &api_key)
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("state", &state);
    person.show_sign_in(&url);
    let callback = cis2::wait_for_code(listener, &state).await?;
    let code = &callback.code;
    let signed_in: Result<()> = async {
        let now = auth::now_secs();
        let reply = system::request_token(
            &conn.post,
            &token_url,
            &[
                ("grant_type", "authorization_code"),
                ("code", code.expose()),
                ("redirect_uri", &redirect_uri),
                ("client_id", &api_key),
                ("client_secret", client_secret.expose()),
            ],
        )
        .await?;
        // Who signed in, from the platform's userinfo where it offers one.
        let anonymous = cis2::IdClaims {
            sub: "unknown".into(),
            nonce: None,
            selected_roleid: None,
            name: Some("CIS2 user (combined authentication)".into()),
            aud: None,
            azp: None,
        };
        let identity = match cis2::platform_userinfo(
            &conn.http,
            &format!("{oauth_base}/userinfo"),
            &reply.access_token,
        )
        .await
        {
            Ok(info) => cis2::identity(&anonymous, &info)?,
            Err(_) => {
                ctx.note(
                    "the platform offered no userinfo: the user's name and role are not known",
                );
                cis2::identity(&anonymous, &cis2::Userinfo::default())?
            }
        };
        let mut session = new_session(ctx, SessionKind::User);
        session.access_expires_at = Some(reply.expires_at(now));
        session.refresh_expires_at = Some(refresh_expiry(&reply, now));
        session.user = Some(auth::session::UserSession {
            identity: identity.clone(),
            api_key: api_key.clone(),
            token_url: explicit_token_url.or((!local).then(|| token_url.clone())),
        });
        let who = format!("{} (combined authentication)", identity.describe());
        keep_user_sign_in(ctx, reply, client_secret, session, &who)?;
        Ok(())
    }
    .await;
    callback.answer(signed_in.is_ok()).await;
    signed_in
}
