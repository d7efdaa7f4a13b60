//! The HL7 V3 route (`--route v3`) for the commands: its settings checked before anything is
//! sent, the author from the sign-in, one POST to the MHS adaptor per lookup, and `--curl`.

use crate::api::v3;
use crate::auth::TokenSource;
use crate::config::care::CareSetting;
use crate::error::{Error, Kind, Result};
use crate::nhs_number::NhsNumber;

/// The checked settings and the query's author, or why this lookup cannot be made on the
/// route (exit 2: scheduled care or a missing setting; exit 4: no identity), before anything
/// is sent.
pub(crate) fn preflight(
    ctx: &super::Ctx,
    conn: &super::Connection,
    token: &TokenSource,
    care: CareSetting,
) -> Result<(v3::Ready, v3::request::Author)> {
    if care == CareSetting::Scheduled {
        return Err(v3::scheduled_refused());
    }
    has_identity(token)?;
    let ready = v3::ready(
        &ctx.settings.v3,
        &ctx.settings.endpoint,
        Some(&conn.base),
        is_system(token),
    )?;
    let unsigned = (
        crate::sandbox::app::NOMINATED_PERSON,
        crate::sandbox::app::NOMINATED_ROLE,
    );
    let author = author(token, &ready, unsigned)?;
    Ok((ready, author))
}

/// The query's author from the sign-in: a CIS2 user is the author person, a system the author
/// device acting for its nominated person; a supplied token has no identity (exit 4). With no
/// sign-in at all (the embedded sandbox), the system acts for `unsigned`: the sandbox's
/// nominated person and role name, given by the caller that started it.
pub(crate) fn author(
    token: &TokenSource,
    ready: &v3::Ready,
    unsigned: (&str, &str),
) -> Result<v3::request::Author> {
    match token {
        TokenSource::None => Ok(v3::request::Author::System {
            asid: ready.asid.clone(),
            org_code: ready.ods_code.clone(),
            org_name: ready.org_name.clone(),
            nominated_person: unsigned.0.into(),
            nominated_role_code: ready
                .nominated_role_code
                .clone()
                .unwrap_or_else(|| v3::SANDBOX_NOMINATED_ROLE_CODE.into()),
            nominated_role_name: unsigned.1.into(),
        }),
        TokenSource::EnvVar(_) => Err(no_identity()),
        TokenSource::Stored { session, .. } => {
            if let Some(u) = &session.user {
                let id = &u.identity;
                let code = id
                    .role_code
                    .as_deref()
                    .and_then(|c| c.rsplit(':').next())
                    .filter(|c| !c.trim().is_empty());
                let (Some(code), Some(role)) = (code, id.role_name.as_deref()) else {
                    return Err(Error::new(
                        Kind::NotAuthenticated,
                        "the sign-in does not hold the selected role's job role code and name, which Spine requires of the query's author",
                    )
                    .with_hint("nothing was sent. Sign in again (cpis auth login --user) so that the role's code is kept"));
                };
                return Ok(v3::request::Author::Person {
                    user_id: id.uid.clone(),
                    role_profile_id: id.role_profile_id.clone(),
                    job_role_code: code.to_string(),
                    job_role_name: role.to_string(),
                    name: id.name.clone(),
                    org_code: id
                        .org_code
                        .clone()
                        .unwrap_or_else(|| ready.ods_code.clone()),
                    org_name: id
                        .org_name
                        .clone()
                        .unwrap_or_else(|| ready.org_name.clone()),
                });
            }
            if let Some(sys) = &session.system {
                let code = sys
                    .nominated_role_code
                    .clone()
                    .or_else(|| ready.nominated_role_code.clone())
                    .ok_or_else(|| {
                        Error::usage("the HL7 V3 route needs the nominated person's job role code: nominated_role_code is not set")
                            .with_hint("nothing was sent. cpis config set nominated_role_code R8000 (or auth login --system --nominated-role-code CODE)")
                    })?;
                return Ok(v3::request::Author::System {
                    asid: ready.asid.clone(),
                    org_code: ready.ods_code.clone(),
                    org_name: ready.org_name.clone(),
                    nominated_person: sys.nominated_person.clone(),
                    nominated_role_code: code,
                    nominated_role_name: sys.nominated_role.clone(),
                });
            }
            Err(no_identity())
        }
    }
}

/// A supplied token (no sign-in identity) is refused on this route (exit 4).
pub(crate) fn has_identity(token: &TokenSource) -> Result<()> {
    match token {
        TokenSource::Stored { session, .. }
            if session.user.is_none() && session.system.is_none() => {}
        TokenSource::EnvVar(_) => {}
        _ => return Ok(()),
    }
    Err(no_identity())
}

fn no_identity() -> Error {
    Error::new(
        Kind::NotAuthenticated,
        "the HL7 V3 route writes who is asking into the query, and a supplied token (CPIS_ACCESS_TOKEN or auth login --with-token) carries no identity",
    )
    .with_hint("nothing was sent. Sign in as a CIS2 user (cpis auth login --user) or as a system with a nominated person (cpis auth login --system)")
}

/// Does this sign-in act as a system whose sign-in holds no nominated role code (so the
/// profile's `nominated_role_code` is needed)?
pub(crate) fn is_system(token: &TokenSource) -> bool {
    match token {
        TokenSource::None => true,
        TokenSource::Stored { session, .. } => {
            session.user.is_none()
                && session
                    .system
                    .as_ref()
                    .is_some_and(|s| s.nominated_role_code.is_none())
        }
        TokenSource::EnvVar(_) => false,
    }
}

/// The MHS adaptor client on the connection's POST client (which follows no redirect).
pub(crate) fn client(ctx: &super::Ctx, conn: &super::Connection, ready: v3::Ready) -> v3::Client {
    // The adaptor waits for Spine (about 20 s by default): the timeout must be longer.
    v3::Client::new(
        conn.post.clone(),
        ready,
        ctx.settings.timeout.value,
        ctx.notifier(),
        ctx.settings.verbose,
    )
}

/// One V3 query for `nhs`: what CP-IS holds, or the error.
pub(crate) async fn record(
    ctx: &super::Ctx,
    conn: &super::Connection,
    token: &TokenSource,
    nhs: &NhsNumber,
    care: CareSetting,
    today: i64,
) -> Result<v3::Found> {
    let (ready, author) = preflight(ctx, conn, token, care)?;
    let q = v3::query(&ready, author, nhs);
    let found = client(ctx, conn, ready).send(&q, nhs, today, None).await?;
    note_reasons(ctx, &found);
    Ok(found)
}

/// Spine's reasons for a "no CP-IS information" answer, verbatim (sanitised), on stderr.
pub(crate) fn note_reasons(ctx: &super::Ctx, found: &v3::Found) {
    for r in &found.reasons {
        if let Some(d) = &r.display {
            ctx.note(&format!("Spine: {d}"));
        }
    }
}

/// The token source `--curl` would use: the stored sign-in (its token left as a variable),
/// nothing for the embedded sandbox, the variable's token otherwise.
pub(crate) fn curl_token(ctx: &super::Ctx) -> Result<TokenSource> {
    if let Some(t) = &ctx.settings.token {
        return Ok(TokenSource::EnvVar(t.clone()));
    }
    match ctx.sessions()?.get(&ctx.credential_key()) {
        Some(s) => Ok(TokenSource::Stored {
            token: crate::secret::Secret::new("$CPIS_ACCESS_TOKEN"),
            session: Box::new(s.clone()),
        }),
        None => Ok(TokenSource::None),
    }
}

/// `lookup --curl` on this route: the POST with its document (nothing is sent).
pub(crate) fn curl(
    ctx: &super::Ctx,
    conn: &super::Connection,
    nhs: &NhsNumber,
    care: CareSetting,
    cacert: Option<&str>,
) -> Result<String> {
    let token = curl_token(ctx)?;
    let (ready, author) = preflight(ctx, conn, &token, care)?;
    let q = v3::query(&ready, author, nhs);
    Ok(client(ctx, conn, ready).curl_command(&q, cacert))
}
