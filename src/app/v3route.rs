//! The HL7 V3 route (`--route v3`) for the commands: its settings checked before anything is
//! sent, the author from the sign-in, one POST to the MHS adaptor per lookup, and `--curl`.

use crate::api::v3;
use crate::auth::TokenSource;
use crate::config::care::CareSetting;
use crate::error::Result;
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
    v3::has_identity(token)?;
    let ready = v3::ready(
        &ctx.settings.v3,
        &ctx.settings.endpoint,
        Some(&conn.base),
        v3::is_system(token),
    )?;
    let unsigned = (
        crate::sandbox::app::NOMINATED_PERSON,
        crate::sandbox::app::NOMINATED_ROLE,
    );
    let author = v3::author(token, &ready, unsigned)?;
    Ok((ready, author))
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
