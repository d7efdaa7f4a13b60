//! What the command line gave a sign-in ([`Given`]), and the platform application it signs
//! in with ([`App`]): from the flags, else the profile; with the embedded sandbox, its
//! built-in application fills in what is not given.

use std::path::PathBuf;

use crate::auth::system;
use crate::error::{Error, Result};
use crate::sandbox;
use crate::secret::Secret;

use super::super::Ctx;

/// What `auth login` was given (secrets never: they are read by the command, never flags).
#[derive(Debug, Clone, Default)]
pub(crate) struct Given {
    pub api_key: Option<String>,
    pub kid: Option<String>,
    pub private_key: Option<PathBuf>,
    pub token_url: Option<String>,
    pub mock_auth: bool,
    pub nominated_person: Option<String>,
    pub nominated_role: Option<String>,
    pub nominated_role_code: Option<String>,
    pub cis2_issuer: Option<String>,
    pub cis2_client_id: Option<String>,
    pub redirect_port: Option<u16>,
}

/// The platform application a sign-in uses (API key, signing key, token URL): from the
/// flags; with `--env local`, the sandbox's built-in application fills in what is not given.
pub(super) struct App {
    pub(super) api_key: String,
    pub(super) kid: String,
    pub(super) key_pem: Secret,
    pub(super) token_url: Option<String>,
    pub(super) mock_auth: bool,
}

pub(super) fn value_or_default(
    v: &Option<String>,
    local: bool,
    default: &str,
    flag: &str,
    missing: &mut Vec<String>,
) -> String {
    match (v, local) {
        (Some(v), _) => v.clone(),
        (None, true) => default.to_string(),
        (None, false) => {
            missing.push(flag.to_string());
            String::new()
        }
    }
}

pub(super) fn missing_error(ctx: &Ctx, what: &str, missing: &[String]) -> Result<()> {
    if missing.is_empty() {
        return Ok(());
    }
    let mut hints = Vec::new();
    if missing
        .iter()
        .any(|m| m.starts_with("--nominated-person") || m.starts_with("--nominated-role"))
    {
        hints.push("a system acts for a default nominated person, the person responsible for its CP-IS queries, who is named on every output: give --nominated-person \"NAME\" and --nominated-role \"JOB ROLE\"");
    }
    if missing
        .iter()
        .any(|m| m.starts_with("--private-key") || m.starts_with("--kid"))
    {
        hints.push("make a key with `cpis auth keygen --kid KID` and register its JWKS with your application on the NHS API platform");
    }
    if missing.iter().any(|m| m.starts_with("--api-key")) {
        hints.push("the API key is your application's, from the NHS API platform's developer hub (or `cpis config set api_key KEY`)");
    }
    Err(Error::usage(format!(
        "a {what} sign-in to {} needs {}",
        ctx.settings.endpoint.label(),
        missing.join(", ")
    ))
    .with_hint(hints.join("; ")))
}

pub(super) fn one_line(what: &str, v: &str) -> Result<()> {
    if v.trim().is_empty() || v.chars().any(char::is_control) {
        return Err(Error::usage(format!("{what} needs a value on one line")));
    }
    Ok(())
}

pub(super) fn app_parts(ctx: &Ctx, given: &Given, missing: &mut Vec<String>) -> Result<App> {
    let local = ctx.settings.endpoint.base_url.is_none();
    let profile = &ctx.settings.signin;
    let api_key = value_or_default(
        &given.api_key.clone().or_else(|| profile.api_key.clone()),
        local,
        sandbox::app::API_KEY,
        "--api-key KEY",
        missing,
    );
    let kid = value_or_default(
        &given.kid.clone().or_else(|| profile.kid.clone()),
        local,
        sandbox::app::KID,
        "--kid KID",
        missing,
    );
    let key_path = given
        .private_key
        .clone()
        .or_else(|| profile.private_key.clone());
    let key_pem = match (&key_path, local) {
        (Some(path), _) => {
            let bytes = std::fs::read(path).map_err(|e| {
                Error::usage(format!(
                    "cannot read the private key {}: {e}",
                    path.display()
                ))
            })?;
            let pem = String::from_utf8(bytes)
                .map_err(|_| Error::usage(format!("{} is not a PEM file", path.display())))?;
            let pem = Secret::new(pem);
            system::check_private_key(&pem, &path.display().to_string())?;
            pem
        }
        (None, true) => Secret::new(sandbox::app::PRIVATE_KEY_PEM),
        (None, false) => {
            missing.push("--private-key PATH".into());
            Secret::new("")
        }
    };
    // --token-url, else the profile's token_url, else derived from the endpoint at each use.
    let token_url = match (&given.token_url, &ctx.settings.token_url) {
        (Some(u), _) => {
            crate::config::environment::check_base_url(u)
                .map_err(|e| Error::usage(format!("--token-url {u:?}: {e}")))?;
            Some(u.clone())
        }
        (None, Some(p)) if !given.mock_auth => Some(p.value.clone()),
        _ => None,
    };
    if let Some(why) = token_url
        .as_deref()
        .and_then(|u| system::token_url_mismatch(u, ctx.settings.endpoint.env))
    {
        return Err(Error::usage(why).with_hint(
            "give the token URL of this environment, or none (it follows the environment)",
        ));
    }
    if let Some(u) = &token_url {
        crate::config::check_on_endpoint("the token URL", u, &ctx.settings.endpoint)?;
    }
    Ok(App {
        api_key,
        kid,
        key_pem,
        token_url,
        mock_auth: given.mock_auth,
    })
}

pub(super) fn app_for_user(ctx: &Ctx, given: &Given) -> Result<App> {
    let mut missing = Vec::new();
    let app = app_parts(ctx, given, &mut missing)?;
    missing_error(ctx, "CIS2 user", &missing)?;
    one_line("--api-key", &app.api_key)?;
    one_line("--kid", &app.kid)?;
    Ok(app)
}
