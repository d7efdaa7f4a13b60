//! The Patient Flags API check (the `flags` route).

use std::time::Instant;

use crate::doctor::Check;
use crate::error::Kind;

use super::*;
use crate::app::{Connection, Ctx};

/// Can the Patient Flags API be reached (`--route flags`)? `GET {base}/metadata` asks about
/// no one; an answer, or the platform's refusal of missing credentials, shows the route works.
pub(super) async fn flags_check(ctx: &Ctx, conn: &Connection) -> Check {
    let url = match ctx.flags_base(conn).and_then(|b| {
        url::Url::parse(&format!("{}/metadata", b.as_str().trim_end_matches('/')))
            .map_err(|e| crate::error::Error::usage(format!("Patient Flags base URL: {e}")))
    }) {
        Ok(u) => u,
        Err(e) => return Check::from_error("flags", &e),
    };
    let t = Instant::now();
    let status = match fhir_get(conn, &url, "flags", t).await {
        Ok(r) => r.status().as_u16(),
        Err(failed) => return failed,
    };
    let path = url.path().to_string();
    let c = match status {
        200..=299 => Check::ok(
            "flags",
            format!("GET {path}: HTTP {status}, the Patient Flags API answers"),
        ),
        401 | 403 => Check::ok(
            "flags",
            format!(
                "GET {path}: HTTP {status} (the Patient Flags API answers; it wants credentials)"
            ),
        ),
        407 => proxy_wants_authentication("flags"),
        _ => Check::fail(
            "flags",
            Kind::Service,
            format!("GET {path}: HTTP {status}"),
            "check the Patient Flags base URL (--flags-base-url, profile flags_base_url)",
        ),
    };
    c.took(t)
}
