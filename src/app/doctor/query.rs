//! `doctor --query`: one real, silent lookup of a number.

use std::time::Instant;

use crate::doctor::{Check, Status};

use crate::app::{Connection, Ctx};

/// `--query`: one scheduled lookup end to end, with the time of each phase. Nothing about
/// the patient is reported, only whether it worked and how long each phase took.
pub(super) async fn query_check(
    ctx: &Ctx,
    conn: &Connection,
    nhs: &crate::nhs_number::NhsNumber,
    earlier: &[Check],
) -> Check {
    if earlier.iter().any(|c| c.status == Status::Fail) {
        return Check::skip("query", "not tried: an earlier check failed");
    }
    let t = Instant::now();
    let token = match ctx.token_source(conn).await {
        Ok(tok) => tok,
        Err(e) => return Check::from_error("query", &e).took(t),
    };
    let token_ms = t.elapsed().as_millis();
    let client = match ctx.client_with(conn, &token) {
        Ok(c) => c,
        Err(e) => return Check::from_error("query", &e).took(t),
    };
    let s = Instant::now();
    match client
        .lookup(nhs, crate::config::care::CareSetting::Scheduled)
        .await
    {
        Ok(_) => Check::ok(
            "query",
            format!(
                "a scheduled (silent) lookup worked: credential {token_ms} ms, both searches {} ms",
                s.elapsed().as_millis()
            ),
        )
        .took(t),
        Err(e) => Check::fail(
            "query",
            e.kind,
            format!("the scheduled lookup failed: {}", e.message),
            e.hint.clone().unwrap_or_default(),
        )
        .took(t),
    }
}
