//! The HL7 V3 route check: the MHS adaptor and its settings.

use std::time::Instant;

use crate::doctor::{Check, CHECK_TIMEOUT};
use crate::error::Kind;

use crate::app::{Connection, Ctx};

/// Does the MHS adaptor answer (`--route v3`)? Its settings are checked, then a POST with a
/// probe interaction id that no adaptor knows: the adaptor answers 404 before anything could
/// reach Spine, so no query is sent and nobody is notified.
pub(super) async fn v3_check(ctx: &Ctx, conn: &Connection) -> Check {
    let token = match crate::app::v3route::curl_token(ctx) {
        Ok(t) => t,
        Err(e) => return Check::from_error("v3", &e),
    };
    let ready = match crate::api::v3::ready(
        &ctx.settings.v3,
        &ctx.settings.endpoint,
        Some(&conn.base),
        crate::app::v3route::is_system(&token),
    ) {
        Ok(r) => r,
        Err(e) => return Check::from_error("v3", &e),
    };
    let t = Instant::now();
    let sent = conn
        .post
        .post(ready.url.clone())
        .header("Content-Type", "application/json")
        .header("Interaction-Id", crate::api::v3::PROBE_INTERACTION)
        .header(ready.wait_header.clone(), "true")
        .body(r#"{"payload": "cpis doctor probe: not a query"}"#)
        .timeout(CHECK_TIMEOUT)
        .send()
        .await;
    let resp = match sent {
        Ok(r) => r,
        Err(e) => {
            let err =
                crate::net::diagnose::transport_error(e, &ready.url, CHECK_TIMEOUT, conn.use_proxy);
            return Check::from_error("v3", &err).took(t);
        }
    };
    let status = resp.status().as_u16();
    let body = crate::net::http::read_body(resp, 64 * 1024)
        .await
        .unwrap_or_default();
    let said = crate::sanitize::sanitize(String::from_utf8_lossy(&body).trim());
    let c = if status == 404 && said.contains("Unknown interaction ID") {
        Check::ok(
            "v3",
            format!(
                "POST {} with a probe interaction id: HTTP 404 ({said}), the MHS adaptor answers; no query was sent",
                ready.url.path()
            ),
        )
    } else {
        Check::fail(
            "v3",
            Kind::Service,
            format!(
                "POST {} with a probe interaction id: HTTP {status} {said}",
                ready.url.path()
            ),
            "check mhs_url (--mhs-url): it should be the MHS adaptor's outbound endpoint",
        )
    };
    c.took(t)
}
