//! `cpis auth login | status | logout | keygen`.

use std::io::{IsTerminal, Read};

use crate::app::auth::{endpoint_text, iso};
use crate::auth::system::{self, SystemInfo};
use crate::auth::{self, Secrets, Session, SessionKind};
use crate::error::{Error, Kind, Result};
use crate::secret::Secret;
use crate::{render, sandbox};
use args::{AuthCommand, KeygenArgs, LoginArgs};

pub async fn run(ctx: &crate::app::Ctx, cmd: AuthCommand) -> Result<()> {
    match cmd {
        AuthCommand::Login(args) if args.system => login_system(ctx, args).await,
        AuthCommand::Login(args) if args.user => login_user(ctx, args).await,
        AuthCommand::Login(args) if args.combined => login_combined(ctx, args).await,
        AuthCommand::Login(_) => login_with_token(ctx),
        AuthCommand::Status { json, format } => status(
            ctx,
            json || format == crate::commands::formats::ListFormat::Json,
        ),
        AuthCommand::Logout => logout(ctx),
        AuthCommand::Keygen(args) => keygen(ctx, args),
        AuthCommand::Token { yes } => print_token(ctx, yes).await,
        AuthCommand::Assertion { yes } => print_assertion(ctx, yes).await,
    }
}

/// A credential is about to be printed on standard output: refused when that is a terminal
/// (where it can be seen, scrolled back to and recorded) unless `yes`.
fn refuse_on_terminal(what: &str, command: &str, var: &str, yes: bool) -> Result<()> {
    if !yes && crate::ui::stdout_is_terminal() {
        return Err(Error::usage(format!(
            "not printing {what} to a terminal, where it can be seen, scrolled back to and recorded"
        ))
        .with_hint(format!(
            "capture it instead: export {var}=\"$(cpis auth {command})\"; or add --yes to print it here"
        )));
    }
    Ok(())
}

/// `auth token`: the access token the next request would send, on standard output.
async fn print_token(ctx: &crate::app::Ctx, yes: bool) -> Result<()> {
    refuse_on_terminal("the access token", "token", "CPIS_ACCESS_TOKEN", yes)?;
    let conn = ctx.connect().await?;
    let source = ctx.token_source(&conn).await?;
    let Some(token) = source.token() else {
        return Err(Error::new(
            Kind::NotAuthenticated,
            "no access token: the embedded sandbox is used without signing in",
        )
        .with_hint("sign in to it first to have one: `cpis auth login --system`"));
    };
    crate::ui::print_stdout(&format!("{}\n", token.expose()))?;
    let who = source
        .acting_as()
        .map(|a| a.description)
        .unwrap_or_default();
    let until = match &source {
        auth::TokenSource::Stored { session, .. } => iso(session.access_expires_at)
            .map(|t| format!(", expires {t}"))
            .unwrap_or_default(),
        _ => String::new(),
    };
    ctx.note(&format!(
        "printed the access token of {who} for {}{until}",
        endpoint_text(ctx)
    ));
    Ok(())
}

/// `auth assertion`: a freshly signed client assertion for the stored system identity.
async fn print_assertion(ctx: &crate::app::Ctx, yes: bool) -> Result<()> {
    refuse_on_terminal(
        "a client assertion",
        "assertion",
        "CPIS_CLIENT_ASSERTION",
        yes,
    )?;
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
    crate::ui::print_stdout(&format!("{}\n", assertion.expose()))?;
    ctx.note(&format!(
        "printed a client assertion for {token_url} (API key {}, kid {}), valid for {} s and once",
        info.api_key_fingerprint(),
        info.kid,
        system::ASSERTION_LIFETIME_SECS
    ));
    Ok(())
}

/// The largest token accepted on standard input.
const MAX_TOKEN_BYTES: u64 = 64 * 1024;

fn read_token_from_stdin() -> Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        if !crate::ui::stderr_is_terminal() {
            return Err(
                Error::usage("no token on standard input, and no terminal to ask on")
                    .with_hint("cpis auth login --with-token < token.txt"),
            );
        }
        return dialoguer::Password::new()
            .with_prompt("Paste the access token (input is hidden)")
            .interact()
            .map_err(|e| Error::usage(format!("cannot read the token: {e}")));
    }
    let mut buf = String::new();
    stdin
        .lock()
        .take(MAX_TOKEN_BYTES + 1)
        .read_to_string(&mut buf)
        .map_err(|_| Error::usage("standard input is not UTF-8 text"))?;
    if buf.len() as u64 > MAX_TOKEN_BYTES {
        return Err(Error::usage(format!(
            "standard input is longer than {MAX_TOKEN_BYTES} bytes: not an access token"
        )));
    }
    Ok(buf)
}

/// A new session for this endpoint, of `kind`, kept in the chosen store.
fn new_session(ctx: &crate::app::Ctx, kind: SessionKind) -> Session {
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
    ctx: &crate::app::Ctx,
    reply: system::TokenReply,
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
fn save(ctx: &crate::app::Ctx, secrets: &Secrets, session: Session) -> Result<String> {
    let key = ctx.credential_key();
    let store = ctx.store(session.store)?;
    let mut sessions = ctx.sessions()?;
    store.set(&key, &secrets.to_secret())?;
    sessions.insert(&key, session)?;
    if store.is_opt_in_file() {
        crate::ui::warning(&format!(
            "the credential is kept in a file, {}, readable only by you; the OS keyring is safer where there is one",
            store.describe()
        ));
    }
    if ctx.settings.token.is_some() {
        ctx.note("CPIS_ACCESS_TOKEN is set and wins over the stored credential while it is");
    }
    Ok(format!("{} as {key}", store.describe()))
}

fn login_with_token(ctx: &crate::app::Ctx) -> Result<()> {
    let token = auth::check_token(&read_token_from_stdin()?, "the token on standard input")?;
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

/// The platform application a sign-in uses (API key, signing key, token URL): from the
/// flags; with `--env local`, the sandbox's built-in application fills in what is not given.
struct App {
    api_key: String,
    kid: String,
    key_pem: Secret,
    token_url: Option<String>,
    mock_auth: bool,
}

fn value_or_default(
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

fn missing_error(ctx: &crate::app::Ctx, what: &str, missing: &[String]) -> Result<()> {
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

fn one_line(what: &str, v: &str) -> Result<()> {
    if v.trim().is_empty() || v.chars().any(char::is_control) {
        return Err(Error::usage(format!("{what} needs a value on one line")));
    }
    Ok(())
}

fn app_parts(ctx: &crate::app::Ctx, args: &LoginArgs, missing: &mut Vec<String>) -> Result<App> {
    let local = ctx.settings.endpoint.base_url.is_none();
    let profile = &ctx.settings.signin;
    let api_key = value_or_default(
        &args.api_key.clone().or_else(|| profile.api_key.clone()),
        local,
        sandbox::app::API_KEY,
        "--api-key KEY",
        missing,
    );
    let kid = value_or_default(
        &args.kid.clone().or_else(|| profile.kid.clone()),
        local,
        sandbox::app::KID,
        "--kid KID",
        missing,
    );
    let key_path = args
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
    let token_url = match (&args.token_url, &ctx.settings.token_url) {
        (Some(u), _) => {
            crate::config::environment::check_base_url(u)
                .map_err(|e| Error::usage(format!("--token-url {u:?}: {e}")))?;
            Some(u.clone())
        }
        (None, Some(p)) if !args.mock_auth => Some(p.value.clone()),
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
        mock_auth: args.mock_auth,
    })
}

fn app_from_args(ctx: &crate::app::Ctx, args: &LoginArgs) -> Result<App> {
    let mut missing = Vec::new();
    let app = app_parts(ctx, args, &mut missing)?;
    missing_error(ctx, "CIS2 user", &missing)?;
    one_line("--api-key", &app.api_key)?;
    one_line("--kid", &app.kid)?;
    Ok(app)
}

/// The system identity from the flags; with `--env local`, the sandbox's built-in
/// application fills in whatever is not given.
fn system_from_args(ctx: &crate::app::Ctx, args: &LoginArgs) -> Result<(SystemInfo, Secret)> {
    let local = ctx.settings.endpoint.base_url.is_none();
    let mut missing = Vec::new();
    let app = app_parts(ctx, args, &mut missing)?;
    let nominated_person = value_or_default(
        &args.nominated_person,
        local,
        sandbox::app::NOMINATED_PERSON,
        "--nominated-person NAME",
        &mut missing,
    );
    let nominated_role = value_or_default(
        &args.nominated_role,
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
            nominated_role_code: args
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

async fn login_system(ctx: &crate::app::Ctx, args: LoginArgs) -> Result<()> {
    let (info, key_pem) = system_from_args(ctx, &args)?;
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

/// A secret from standard input (first line), an environment variable, the embedded
/// sandbox's synthetic default, or a hidden prompt on a terminal; never a flag value.
fn secret_from(
    stdin_first_line: bool,
    var: &'static str,
    sandbox_default: Option<&str>,
    what: &str,
) -> Result<Secret> {
    if stdin_first_line {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|_| Error::usage(format!("cannot read the {what} from standard input")))?;
        return auth::check_token(&line, &format!("the {what} on standard input"));
    }
    if let Some(v) = std::env::var_os(var) {
        let v = v
            .into_string()
            .map_err(|_| Error::usage(format!("{var} is set but is not valid UTF-8 text")))?;
        return auth::check_token(&v, var);
    }
    if let Some(d) = sandbox_default {
        return Ok(Secret::new(d));
    }
    if crate::ui::prompt::can_ask() {
        let v = dialoguer::Password::new()
            .with_prompt(format!("The {what} (input is hidden)"))
            .interact()
            .map_err(|e| Error::usage(format!("cannot read the {what}: {e}")))?;
        return auth::check_token(&v, &format!("the {what}"));
    }
    Err(Error::usage(format!(
        "no {what}: set {var}, or run on a terminal to be asked"
    )))
}

/// The CIS2 issuer: the flag, else the environment's (the embedded sandbox's mock CIS2 for
/// `local`).
fn cis2_issuer(ctx: &crate::app::Ctx, args: &LoginArgs, base: &url::Url) -> Result<String> {
    use crate::config::environment::EnvName;
    let issuer = match (
        &args
            .cis2_issuer
            .clone()
            .or_else(|| ctx.settings.signin.cis2_issuer.clone()),
        ctx.settings.endpoint.env,
    ) {
        (Some(i), _) => i.clone(),
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

async fn login_user(ctx: &crate::app::Ctx, args: LoginArgs) -> Result<()> {
    use auth::cis2;
    let local = ctx.settings.endpoint.base_url.is_none();
    let app = app_from_args(ctx, &args)?;
    let client_id = match (
        &args
            .cis2_client_id
            .clone()
            .or_else(|| ctx.settings.signin.cis2_client_id.clone()),
        local,
    ) {
        (Some(c), _) => c.clone(),
        (None, true) => sandbox::app::CIS2_CLIENT_ID.to_string(),
        (None, false) => {
            return Err(Error::usage("a CIS2 sign-in needs --cis2-client-id ID")
                .with_hint("the client id CIS2 registered for this application"))
        }
    };
    let cis2_secret = secret_from(
        args.cis2_client_secret_stdin,
        "CPIS_CIS2_CLIENT_SECRET",
        local.then_some(sandbox::app::CIS2_CLIENT_SECRET),
        "CIS2 client secret",
    )?;
    let platform_secret = secret_from(
        false,
        "CPIS_CLIENT_SECRET",
        local.then_some(sandbox::app::CLIENT_SECRET),
        "platform client secret (for refreshing tokens)",
    )?;

    let conn = ctx.connect().await?;
    let issuer = cis2_issuer(ctx, &args, &conn.base)?;
    let disc = cis2::discover(&conn.http, &issuer).await?;
    let (listener, redirect_uri) = redirect_listener(ctx, &args).await?;
    let (state, nonce) = (cis2::random_token(), cis2::random_token());
    let (verifier, challenge) = cis2::pkce();
    let url = cis2::authorize_url(&disc, &client_id, &redirect_uri, &state, &nonce, &challenge)?;
    send_to_browser(ctx, &args, &url);
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
        session.refresh_expires_at = Some(
            reply
                .refresh_expires_at(now)
                .unwrap_or(now + system::MAX_REFRESH_LIFETIME_SECS - 1),
        );
        session.user = Some(auth::session::UserSession {
            identity: identity.clone(),
            api_key: app.api_key.clone(),
            // For the embedded sandbox the port changes with every command: derive it then.
            token_url: (!local).then(|| token_url.clone()),
        });
        keep_user_sign_in(ctx, reply, platform_secret, session, &identity.describe())?;
        for (unscheduled, what) in [(true, "unscheduled"), (false, "scheduled")] {
            if let Err(code) = identity.may_look_up(unscheduled) {
                crate::ui::warning(&format!(
                    "the selected role lacks {code} ({}), so {what} lookups will be refused",
                    crate::app::verify::activity_meaning(code)
                ));
            }
        }
        Ok(())
    }
    .await;
    callback.answer(signed_in.is_ok()).await;
    signed_in
}

/// Listen on the loopback redirect port and show (or open) the sign-in address; returns the
/// listener and the redirect URI.
async fn redirect_listener(
    ctx: &crate::app::Ctx,
    args: &LoginArgs,
) -> Result<(tokio::net::TcpListener, String)> {
    let port = args.redirect_port.or(ctx.settings.signin.redirect_port);
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

fn send_to_browser(ctx: &crate::app::Ctx, args: &LoginArgs, url: &url::Url) {
    if args.no_browser || !auth::cis2::open_browser(url.as_str()) {
        crate::ui::message(&format_args!("Open this address in a browser on this machine and sign in with your smartcard:\n{url}"));
    } else {
        ctx.note("your browser has opened the NHS CIS2 sign-in; waiting for you to finish there");
    }
}

/// CIS2 "combined authentication": the platform's `/oauth2/authorize` signs the user in with
/// CIS2 and sends a code to the registered callback; the code is exchanged with the API key
/// and the platform client secret. No PKCE and no id_token: the platform vouches for the user.
async fn login_combined(ctx: &crate::app::Ctx, args: LoginArgs) -> Result<()> {
    use auth::cis2;
    let local = ctx.settings.endpoint.base_url.is_none();
    let mut missing = Vec::new();
    let api_key = value_or_default(
        &args
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
    let client_secret = secret_from(
        false,
        "CPIS_CLIENT_SECRET",
        local.then_some(sandbox::app::CLIENT_SECRET),
        "platform client secret",
    )?;
    let explicit_token_url = match (&args.token_url, &ctx.settings.token_url) {
        (Some(u), _) => Some(u.clone()),
        (None, Some(p)) if !args.mock_auth => Some(p.value.clone()),
        _ => None,
    };
    if let Some(u) = &explicit_token_url {
        crate::config::environment::check_base_url(u)
            .map_err(|e| Error::usage(format!("token URL {u:?}: {e}")))?;
    }
    let conn = ctx.connect().await?;
    let token_url = explicit_token_url
        .clone()
        .unwrap_or_else(|| system::derive_token_url(&conn.base, args.mock_auth));
    // The platform's OAuth server: authorize and userinfo beside its token endpoint.
    let oauth_base = token_url.trim_end_matches("/token").to_string();
    let (listener, redirect_uri) = redirect_listener(ctx, &args).await?;
    let state = cis2::random_token();
    let mut url = url::Url::parse(&format!("{oauth_base}/authorize"))
        .map_err(|e| Error::usage(format!("token URL {token_url:?}: {e}")))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &api_key)
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("state", &state);
    send_to_browser(ctx, &args, &url);
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
        session.refresh_expires_at = Some(
            reply
                .refresh_expires_at(now)
                .unwrap_or(now + system::MAX_REFRESH_LIFETIME_SECS - 1),
        );
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

fn status(ctx: &crate::app::Ctx, as_json: bool) -> Result<()> {
    let (status, session) = crate::app::auth::status_of(ctx)?;
    let text = if as_json {
        render::auth::json(&status)
    } else {
        render::auth::text(&status)
    };
    crate::ui::print_stdout(&text)?;
    if !status.usable {
        return Err(Error::new(
            Kind::NotAuthenticated,
            status.problem.unwrap_or_else(|| "not signed in".into()),
        )
        .with_hint(status.fix.unwrap_or_default()));
    }
    if session
        .as_ref()
        .is_some_and(|ss| ss.store == crate::credentials::Backend::File)
    {
        crate::ui::warning("this credential is kept in a file (opt-in), not the OS keyring");
    }
    Ok(())
}

fn logout(ctx: &crate::app::Ctx) -> Result<()> {
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

/// The size of keys `auth keygen` makes (NHS tooling makes 4096-bit keys).
const KEYGEN_BITS: usize = 4096;

fn keygen(ctx: &crate::app::Ctx, args: KeygenArgs) -> Result<()> {
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    let kid = args.kid.trim();
    if kid.is_empty()
        || !kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        || kid.starts_with('.')
    {
        return Err(Error::usage(format!(
            "--kid {kid:?}: use letters, digits, '-', '_' and '.' (it names the files)"
        )));
    }
    // A directory that does not exist yet is made, 0700 (its parents checked first).
    if std::fs::symlink_metadata(&args.out).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
    {
        crate::private::ensure_private_dir(&args.out)?;
        ctx.note(&format!(
            "made the directory {} (mode 0700)",
            args.out.display()
        ));
    }
    if !args.out.is_dir() {
        return Err(Error::usage(format!(
            "{} is not a directory",
            args.out.display()
        )));
    }
    // A private key only in a directory no other user could change (before the slow work).
    crate::private::check_safe_dir(&args.out)?;
    // And one we can write in: found out now, not after making the key.
    tempfile::Builder::new()
        .prefix(".cpis-keygen-check-")
        .tempfile_in(&args.out)
        .map_err(|e| {
            Error::usage(format!("cannot write in {}: {e}", args.out.display()))
                .with_hint("no key was made; choose a directory you can write in with --out")
        })?;
    let (pem_name, jwks_name) = (format!("{kid}.pem"), format!("{kid}.jwks.json"));
    for name in [&pem_name, &jwks_name] {
        if args.out.join(name).symlink_metadata().is_ok() {
            return Err(Error::usage(format!(
                "{} already exists: cpis never replaces a key",
                args.out.join(name).display()
            ))
            .with_hint("choose another --kid, or move the old files away first"));
        }
    }
    ctx.note(&format!(
        "making a {KEYGEN_BITS}-bit RSA key (this takes a few seconds)"
    ));
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, KEYGEN_BITS)
        .map_err(|e| Error::unexpected(format!("cannot make a key: {e}")))?;
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| Error::unexpected(format!("cannot encode the key: {e}")))?;
    let jwks = sandbox::app::public_jwks(&pem, kid).map_err(Error::unexpected)?;
    crate::private::create_file_in(&args.out, &pem_name, pem.as_bytes())?;
    crate::private::create_file_in(&args.out, &jwks_name, render::json(&jwks).as_bytes())?;
    let pem_path = args.out.join(&pem_name);
    crate::ui::message(&format_args!(
        "Wrote {} (private key, mode 0600: keep it secret) and {} (public JWKS).\n\
         Next: register {jwks_name} as the JWKS of your application on the NHS API platform\n\
         (the platform caches keys for an hour), then sign in:\n  \
         cpis --env int auth login --system --api-key KEY --kid {kid} --private-key {} \\\n      \
         --nominated-person \"NAME\" --nominated-role \"JOB ROLE\"",
        pem_path.display(),
        args.out.join(&jwks_name).display(),
        pem_path.display()
    ));
    Ok(())
}

/// The command line of `cpis auth`, beside the command (the root command line in `cli`
/// re-exports it).
pub mod args {
    use std::path::PathBuf;

    use clap::{Args, Subcommand};

    use crate::commands::formats::*;

    #[derive(Debug, Subcommand)]
    pub enum AuthCommand {
        /// Sign in for this profile and environment
        #[command(after_long_help = LOGIN_HELP)]
        Login(LoginArgs),

        /// Show who cpis acts as here, where the credential is kept and when it expires
        #[command(after_long_help = STATUS_HELP)]
        Status {
            /// Shorthand for --format json
            #[arg(long, conflicts_with = "format")]
            json: bool,

            /// Output format
            #[arg(long, value_enum, default_value_t = ListFormat::Table)]
            format: ListFormat,
        },

        /// Remove everything stored for this profile and environment
        Logout,

        /// Make a 4096-bit RSA key pair for a system identity: the private key and the public
        /// JWKS to register with the NHS API platform
        #[command(after_long_help = KEYGEN_HELP)]
        Keygen(KeygenArgs),

        /// Print the access token in use (renewed first when it is about to expire) on standard
        /// output, for scripts and for running `--curl` output
        #[command(after_long_help = TOKEN_HELP)]
        Token {
            /// Print it even though standard output is a terminal, where it can be seen, scrolled
            /// back to and recorded
            #[arg(long)]
            yes: bool,
        },

        /// Print a freshly signed client assertion (a JWT) for the stored system identity, for
        /// reproducing its token request (`cpis doctor --curl`)
        #[command(after_long_help = ASSERTION_HELP)]
        Assertion {
            /// Print it even though standard output is a terminal
            #[arg(long)]
            yes: bool,
        },
    }

    pub(crate) const TOKEN_HELP: &str = include_str!("../help/token_help.txt");

    pub(crate) const ASSERTION_HELP: &str = include_str!("../help/assertion_help.txt");

    pub(crate) const KEYGEN_HELP: &str = include_str!("../help/keygen_help.txt");

    pub(crate) const LOGIN_HELP: &str = include_str!("../help/login_help.txt");

    pub(crate) const STATUS_HELP: &str = include_str!("../help/status_help.txt");

    #[derive(Debug, Clone, Args)]
    #[command(group(clap::ArgGroup::new("mode").required(true).args(["with_token", "system", "user", "combined"])))]
    #[command(group(clap::ArgGroup::new("app").args(["system", "user", "combined"])))]
    pub struct LoginArgs {
        /// Read a ready-made access token from standard input (prompted for on a terminal)
        #[arg(long)]
        pub with_token: bool,

        /// Sign in as a registered system (signed-JWT client credentials), acting for a
        /// nominated person; with --env local, the embedded sandbox's built-in application
        #[arg(long)]
        pub system: bool,

        /// Sign in as an NHS smartcard user through NHS CIS2 in the browser; with --env local,
        /// the embedded sandbox's mock CIS2 and a synthetic user
        #[arg(long)]
        pub user: bool,

        /// Sign in as an NHS smartcard user through the API platform's own sign-in page (CIS2
        /// "combined authentication"), where the application has no CIS2 registration of its own
        #[arg(long)]
        pub combined: bool,

        /// CIS2's issuer [default: the environment's CIS2 (INT or live)]
        #[arg(long, value_name = "URL", requires = "user")]
        pub cis2_issuer: Option<String>,

        /// This application's CIS2 client id
        #[arg(long, value_name = "ID", requires = "user")]
        pub cis2_client_id: Option<String>,

        /// Read the CIS2 client secret from the first line of standard input (else
        /// CPIS_CIS2_CLIENT_SECRET, else a prompt on a terminal)
        #[arg(long, requires = "user")]
        pub cis2_client_secret_stdin: bool,

        /// The loopback port of the registered redirect URI, http://127.0.0.1:PORT/callback
        /// [default: any free port]
        #[arg(long, value_name = "PORT", requires = "app")]
        pub redirect_port: Option<u16>,

        /// Print the sign-in URL on stderr instead of opening a browser, and wait for the redirect
        #[arg(long, requires = "app")]
        pub no_browser: bool,

        /// The application's API key on the NHS API platform
        #[arg(long, value_name = "KEY", requires = "app")]
        pub api_key: Option<String>,

        /// The key id registered with the platform for the signing key
        #[arg(long, value_name = "KID", requires = "app")]
        pub kid: Option<String>,

        /// The RSA private key (PEM, PKCS#1 or PKCS#8) that signs client assertions; it is
        /// copied into the credential store
        #[arg(long, value_name = "PATH", requires = "app")]
        pub private_key: Option<PathBuf>,

        /// The person responsible for CP-IS queries made by this system (shown on every output)
        #[arg(long, value_name = "NAME", requires = "system")]
        pub nominated_person: Option<String>,

        /// The nominated person's job role
        #[arg(long, value_name = "ROLE", requires = "system")]
        pub nominated_role: Option<String>,

        /// The nominated person's job role code (e.g. R8000), which the HL7 V3 route (--route v3)
        /// sends beside the role's name [default: the profile's nominated_role_code]
        #[arg(long, value_name = "CODE", requires = "system")]
        pub nominated_role_code: Option<String>,

        /// The platform's token endpoint [default: {environment host}/oauth2/token]
        #[arg(long, value_name = "URL", requires = "app")]
        pub token_url: Option<String>,

        /// Use the platform's mock authorisation ({host}/oauth2-mock/token), for testing
        #[arg(long, requires = "app", conflicts_with = "token_url")]
        pub mock_auth: bool,
    }

    #[derive(Debug, Clone, Args)]
    pub struct KeygenArgs {
        /// The key id to register the public key under (also names the files)
        #[arg(long, value_name = "KID")]
        pub kid: String,

        /// The directory to write KID.pem (private, 0600) and KID.jwks.json into
        #[arg(long, value_name = "DIR", default_value = ".")]
        pub out: PathBuf,
    }
}
