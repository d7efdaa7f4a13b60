//! `cpis auth login | status | logout`.

use std::io::{IsTerminal, Read};

use serde_json::json;

use crate::auth::{self, Secrets, Session, SessionKind, TokenSource};
use crate::cli::{AuthCommand, LoginArgs};
use crate::error::{Error, Kind, Result};
use crate::render;
use crate::timeutil;

pub fn run(ctx: &super::Ctx, cmd: AuthCommand) -> Result<()> {
    match cmd {
        AuthCommand::Login(args) => login(ctx, args),
        AuthCommand::Status { json } => status(ctx, json),
        AuthCommand::Logout => logout(ctx),
    }
}

/// The largest token accepted on standard input.
const MAX_TOKEN_BYTES: u64 = 64 * 1024;

fn read_token_from_stdin() -> Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        if !std::io::stderr().is_terminal() {
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

fn login(ctx: &super::Ctx, args: LoginArgs) -> Result<()> {
    debug_assert!(args.with_token);
    let endpoint = &ctx.settings.endpoint;
    let token = auth::check_token(&read_token_from_stdin()?, "the token on standard input")?;
    let key = ctx.credential_key();
    let backend = ctx.settings.credential_store.value;
    let store = ctx.store(backend)?;
    let mut sessions = ctx.sessions()?;
    let secrets = Secrets {
        access_token: Some(token),
        ..Secrets::default()
    };
    store.set(&key, &secrets.to_secret())?;
    sessions.insert(
        &key,
        Session {
            kind: SessionKind::Token,
            store: backend,
            created_at: auth::now_secs(),
            access_expires_at: None,
            refresh_expires_at: None,
            environment: endpoint.label().to_string(),
            base_url: endpoint.base_url.clone(),
        },
    )?;
    if store.is_opt_in_file() {
        eprintln!(
            "warning: the token is kept in a file, {}, readable only by you; the OS keyring is safer where there is one",
            store.describe()
        );
    }
    ctx.note(&format!(
        "signed in to {} ({}) with a supplied token, kept in {} as {key}",
        endpoint.label(),
        endpoint.base_url.as_deref().unwrap_or("embedded sandbox"),
        store.describe()
    ));
    if ctx.settings.token.is_some() {
        ctx.note("CPIS_ACCESS_TOKEN is set and wins over the stored token while it is");
    }
    Ok(())
}

fn iso(secs: Option<u64>) -> Option<String> {
    secs.map(timeutil::rfc3339_secs)
}

fn status(ctx: &super::Ctx, as_json: bool) -> Result<()> {
    let s = &ctx.settings;
    let endpoint = &s.endpoint;
    let key = ctx.credential_key();
    let sessions = ctx.sessions()?;
    let session = sessions.get(&key).cloned();

    // What would a lookup send? Reading the store proves the credential is really there.
    let resolved = ctx.token_source();
    let (usable, problem, fix): (bool, Option<String>, Option<String>) = match &resolved {
        Ok(TokenSource::EnvVar(_)) | Ok(TokenSource::Stored { .. }) => (true, None, None),
        Ok(TokenSource::None) => (true, None, None),
        Err(e) => (
            false,
            Some(e.message.clone()),
            e.hint
                .clone()
                .or_else(|| Some("cpis auth login --with-token".into())),
        ),
    };
    let source = match &resolved {
        Ok(TokenSource::EnvVar(_)) => Some("CPIS_ACCESS_TOKEN"),
        Ok(TokenSource::Stored { .. }) => Some("stored"),
        _ if session.is_some() => Some("stored"),
        _ => None,
    };
    let store_desc = session
        .as_ref()
        .map(|ss| ctx.store(ss.store).map(|st| st.describe()))
        .transpose()?;
    let doc = json!({
        "profile": s.profile.value,
        "environment": endpoint.label(),
        "base_url": endpoint.base_url,
        "credential_key": key,
        "signed_in": session.is_some() || s.token.is_some(),
        "usable": usable,
        "source": source,
        "kind": session.as_ref().map(|x| x.kind.as_str()),
        "credential_store": store_desc,
        "credential_store_backend": session.as_ref().map(|x| x.store.as_str()),
        "signed_in_at": iso(session.as_ref().map(|x| x.created_at)),
        "access_token_expires_at": iso(session.as_ref().and_then(|x| x.access_expires_at)),
        "refresh_token_expires_at": iso(session.as_ref().and_then(|x| x.refresh_expires_at)),
        "env_token_overrides_stored": s.token.is_some() && session.is_some(),
        "problem": problem,
        "fix": fix,
    });
    let text = if as_json {
        render::json(&doc)
    } else {
        let mut out = format!(
            "Environment:  {} ({})\nProfile:      {}\n",
            endpoint.label(),
            endpoint.base_url.as_deref().unwrap_or("embedded sandbox"),
            s.profile.value
        );
        let line = match (&resolved, &session) {
            (Ok(TokenSource::EnvVar(_)), Some(_)) => {
                "Signed in:    with CPIS_ACCESS_TOKEN (it wins over the stored credential while set)".to_string()
            }
            (Ok(TokenSource::EnvVar(_)), None) => {
                "Signed in:    with CPIS_ACCESS_TOKEN (nothing stored)".to_string()
            }
            (_, Some(ss)) => format!("Signed in:    with a {} credential", ss.kind.as_str()),
            (Ok(TokenSource::None), None) => {
                "Signed in:    no (the embedded sandbox needs no credential)".to_string()
            }
            (_, None) => "Signed in:    no".to_string(),
        };
        out.push_str(&line);
        out.push('\n');
        if let Some(d) = &store_desc {
            out.push_str(&format!("Stored in:    {d}\n"));
        }
        if let Some(ss) = &session {
            out.push_str(&format!(
                "Since:        {}\n",
                timeutil::rfc3339_secs(ss.created_at)
            ));
            out.push_str(&format!(
                "Expires:      {}\n",
                iso(ss.access_expires_at).unwrap_or_else(|| "not known (a supplied token)".into())
            ));
        }
        out.push_str(&format!(
            "Usable:       {}\n",
            if usable { "yes" } else { "no" }
        ));
        if let (Some(p), Some(f)) = (&problem, &fix) {
            out.push_str(&format!("Problem:      {p}\nFix:          {f}\n"));
        }
        out
    };
    render::print_stdout(&text)?;
    if usable {
        if session
            .as_ref()
            .is_some_and(|ss| ss.store == crate::credentials::Backend::File)
        {
            eprintln!("warning: this credential is kept in a file (opt-in), not the OS keyring");
        }
        Ok(())
    } else {
        Err(Error::new(
            Kind::NotAuthenticated,
            problem.unwrap_or_else(|| "not signed in".into()),
        )
        .with_hint(fix.unwrap_or_default()))
    }
}

fn logout(ctx: &super::Ctx) -> Result<()> {
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
