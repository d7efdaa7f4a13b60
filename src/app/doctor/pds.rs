//! The PDS check: the route to PDS, with a number that identifies no one.

use std::time::Instant;

use crate::doctor::Check;
use crate::error::{Kind, Result};

use super::*;
use crate::app::{Connection, Ctx};

/// The number PDS publishes as its example of an invalid one: asking about it identifies no
/// one, and PDS answers 400 `INVALID_RESOURCE_ID`, which shows the route to PDS works.
pub(super) const PDS_PROBE_NUMBER: &str = "9000000000";

/// The PDS URL doctor probes.
pub(super) fn pds_probe_url(ctx: &Ctx, conn: &Connection) -> Result<url::Url> {
    let base = ctx.pds_base(conn)?;
    url::Url::parse(&format!(
        "{}/Patient/{PDS_PROBE_NUMBER}",
        base.as_str().trim_end_matches('/')
    ))
    .map_err(|e| crate::error::Error::usage(format!("PDS base URL: {e}")))
}

/// Can PDS be reached? Every lookup asks it first.
pub(super) async fn pds_check(ctx: &Ctx, conn: &Connection) -> Check {
    if !ctx.settings.verify_on_pds {
        return Check::skip("pds", "verification on PDS is off (verify_on_pds = false)");
    }
    let url = match pds_probe_url(ctx, conn) {
        Ok(u) => u,
        Err(e) => return Check::from_error("pds", &e),
    };
    let t = Instant::now();
    let resp = match fhir_get(conn, &url, "pds", t).await {
        Ok(r) => r,
        Err(failed) => return failed,
    };
    let (head, body) = crate::api::platform::reply::read(resp, crate::net::http::MAX_BODY).await;
    let status = head.status;
    let body = body.unwrap_or_default();
    let said = crate::api::platform::errors::read_error_body(head.content_type.as_deref(), &body);
    let path = url.path().trim_end_matches(PDS_PROBE_NUMBER);
    let c = match (status, said.code.as_deref()) {
        (400, Some("INVALID_RESOURCE_ID")) | (200..=299, _) => Check::ok(
            "pds",
            format!("GET {path}{PDS_PROBE_NUMBER} (PDS's example of an invalid number): HTTP {status}, PDS answers"),
        ),
        (401 | 403, _) => Check::ok(
            "pds",
            format!("GET {path}{PDS_PROBE_NUMBER}: HTTP {status} (PDS answers; it wants credentials)"),
        ),
        (407, _) => proxy_wants_authentication("pds"),
        (_, code) => Check::fail(
            "pds",
            Kind::Service,
            format!(
                "GET {path}{PDS_PROBE_NUMBER}: HTTP {status}{}",
                code.map(|c| format!(" {c}")).unwrap_or_default()
            ),
            "check the PDS base URL (--pds-base-url, profile pds_base_url), or turn verification off with --no-pds",
        ),
    };
    c.took(t)
}
