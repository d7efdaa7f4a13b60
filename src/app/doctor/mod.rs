//! The doctor workflow: one check per file, each a typed [`Check`], gathered into a
//! [`Report`] (rendered by `crate::doctor`'s pure functions); nothing here prints.

mod configuration;
mod credentials;
mod dns;
mod flags;
mod network;
mod pds;
mod query;
mod v3;

use crate::app::Ctx;
use crate::doctor::{Check, Report, Status};
use crate::error::{Kind, Result};
use crate::nhs_number::NhsNumber;

use configuration::configuration;
use credentials::credentials;
use dns::{cis2_dns, oauth_dns};
use flags::flags_check;
use network::network;
use pds::{pds_check, pds_probe_url};
use query::query_check;
use v3::v3_check;

/// A 407 from the proxy in front of the service.
fn proxy_wants_authentication(name: &'static str) -> Check {
    Check::fail(
        name,
        Kind::Unreachable,
        "the proxy wants authentication (HTTP 407)",
        "put the proxy's credentials in HTTPS_PROXY, use a local authenticating proxy, or ask IT for an exemption",
    )
}

/// One GET asking for FHIR, with a fresh `X-Request-ID`, under the checks' timeout: the
/// response, or check `name`'s failure naming what the transport met (timed from `t`).
async fn fhir_get(
    conn: &crate::app::Connection,
    url: &url::Url,
    name: &'static str,
    t: std::time::Instant,
) -> std::result::Result<reqwest::Response, Check> {
    conn.http
        .get(url.clone())
        .header("Accept", "application/fhir+json")
        .header("X-Request-ID", uuid::Uuid::new_v4().to_string())
        .timeout(crate::doctor::CHECK_TIMEOUT)
        .send()
        .await
        .map_err(|e| {
            let err = crate::net::diagnose::transport_error(
                e,
                url,
                crate::doctor::CHECK_TIMEOUT,
                conn.use_proxy,
            );
            Check::from_error(name, &err).took(t)
        })
}

/// Every check, in order; `query` adds one real, silent lookup.
pub(crate) async fn report(ctx: &Ctx, query: Option<&NhsNumber>) -> Report {
    let s = &ctx.settings;
    let mut checks = vec![configuration(ctx)];
    let conn = match ctx.connect().await {
        Ok(c) => Some(c),
        Err(e) => {
            checks.push(Check::from_error("setup", &e));
            None
        }
    };
    if let Some(conn) = &conn {
        network(ctx, conn, &mut checks).await;
        checks.push(oauth_dns(ctx, &conn.base, conn.use_proxy).await);
        checks.push(cis2_dns(ctx).await);
        checks.push(credentials(ctx, conn).await);
        if let Some(nhs) = query {
            checks.push(query_check(ctx, conn, nhs, &checks).await);
        }
    }
    Report {
        version: env!("CARGO_PKG_VERSION"),
        environment: s.endpoint.label().to_string(),
        base_url: s.endpoint.base_url.clone(),
        checks,
    }
}

/// The error `doctor` exits with: the first failed check's, or none.
pub(crate) fn outcome(report: &Report) -> Result<()> {
    match report.exit_code() {
        0 => Ok(()),
        _ => {
            let first = report
                .checks
                .iter()
                .find(|c| c.status == Status::Fail)
                .expect("a failure");
            Err(crate::error::Error::new(
                first.kind.unwrap_or(Kind::Unexpected),
                format!("doctor: the {} check failed: {}", first.name, first.detail),
            ))
        }
    }
}

/// `doctor --curl`: the requests doctor makes, as curl commands; nothing is sent. A signed
/// client assertion is a credential, so it stays a shell variable too.
pub(crate) async fn curl(ctx: &Ctx) -> Result<String> {
    let Some(base) = ctx.settings.endpoint.base_url.clone() else {
        return Err(crate::error::Error::usage(
            "the embedded sandbox lives only while a cpis command runs: there is nothing for curl to reach",
        )
        .with_hint("run `cpis sandbox serve` and use its base URL: cpis --base-url URL doctor --curl"));
    };
    let q = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let cacert = ctx
        .settings
        .ca_sources
        .iter()
        .find(|s| !s.dir)
        .map(|s| format!(" --cacert {}", q(&s.path.display().to_string())))
        .unwrap_or_default();
    let mut out = format!(
        "curl --silent --show-error --include{cacert} -H 'accept: application/fhir+json' {}\n",
        q(&format!("{}/metadata", base.trim_end_matches('/')))
    );
    if ctx.settings.verify_on_pds {
        let conn = ctx.connect().await?;
        out.push_str(&format!(
            "curl --silent --show-error --include{cacert} -H 'accept: application/fhir+json' -H 'x-request-id: {}' {}\n",
            uuid::Uuid::new_v4(),
            q(pds_probe_url(ctx, &conn)?.as_str())
        ));
    }
    let session = ctx.sessions()?.get(&ctx.credential_key()).cloned();
    if let Some(i) = session.as_ref().and_then(|s| s.system.clone()) {
        let base_url =
            url::Url::parse(&base).map_err(|e| crate::error::Error::usage(e.to_string()))?;
        out.push_str(&format!(
            "curl --silent --show-error{cacert} -X POST -H 'content-type: application/x-www-form-urlencoded' --data-urlencode 'grant_type=client_credentials' --data-urlencode {} --data-urlencode \"client_assertion=$CPIS_CLIENT_ASSERTION\" {}\n",
            q(&format!("client_assertion_type={}", crate::auth::system::CLIENT_ASSERTION_TYPE)),
            q(&i.token_url(&base_url))
        ));
        ctx.note(&crate::paste::paste_ready(
            "set CPIS_CLIENT_ASSERTION to a freshly signed client assertion before running the token request: export CPIS_CLIENT_ASSERTION=\"$(cpis auth assertion)\"",
        ));
    }
    ctx.note("nothing was sent");
    Ok(out)
}
