//! `cpis doctor [--json]`: configuration, proxy, DNS, TCP, TLS, HTTP, clock and credentials,
//! one line each with a fix under anything not ok.

use std::net::SocketAddr;
use std::time::{Instant, SystemTime};

use tokio::net::TcpStream;

use crate::doctor::{redact_proxy, Check, Report, Status, CHECK_TIMEOUT, SKEW_FAIL, SKEW_WARN};
use crate::error::{Kind, Result};
use crate::render;

pub async fn run(ctx: &crate::app::Ctx, json: bool, query: Option<&str>) -> Result<()> {
    let s = &ctx.settings;
    // A bad number is refused before anything is checked or sent.
    let query = query
        .map(|q| crate::app::input::parse_number_for(&[q.to_string()], false, false))
        .transpose()?;
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
        if let Some(nhs) = &query {
            checks.push(query_check(ctx, conn, nhs, &checks).await);
        }
    }
    let report = Report {
        version: env!("CARGO_PKG_VERSION"),
        environment: s.endpoint.label().to_string(),
        base_url: s.endpoint.base_url.clone(),
        checks,
    };
    let text = if json {
        render::json(&report)
    } else {
        report.text(crate::ui::colour_enabled() && crate::ui::unicode_marks())
    };
    render::print_stdout(&text)?;
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
pub async fn curl(ctx: &crate::app::Ctx) -> Result<()> {
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
    Ok(render::print_stdout(&out)?)
}

fn configuration(ctx: &crate::app::Ctx) -> Check {
    let s = &ctx.settings;
    let vars: Vec<String> = crate::env::VARS
        .iter()
        .filter_map(|v| Some((v, std::env::var_os(v.name)?)))
        .map(|(v, value)| {
            let value = value.to_string_lossy();
            match v.shown {
                crate::env::Shown::Secret => format!("{}=(set, not shown)", v.name),
                crate::env::Shown::Proxy => format!("{}={}", v.name, redact_proxy(&value)),
                crate::env::Shown::Value => {
                    format!("{}={}", v.name, crate::sanitize::sanitize(&value))
                }
            }
        })
        .collect();
    Check::ok(
        "config",
        format!(
            "cpis {} on {}; config {}; profile {}; environment {} from {}; {}",
            env!("CARGO_PKG_VERSION"),
            std::env::consts::OS,
            s.config_path
                .as_ref()
                .map_or("(none)".into(), |p| p.display().to_string()),
            s.profile.value,
            s.endpoint.label(),
            s.endpoint.source,
            if vars.is_empty() {
                "no relevant environment variables".to_string()
            } else {
                vars.join(", ")
            }
        ),
    )
}

async fn network(ctx: &crate::app::Ctx, conn: &crate::app::Connection, checks: &mut Vec<Check>) {
    let base = &conn.base;
    let host = base.host_str().unwrap_or("").to_string();
    let port = base.port_or_known_default().unwrap_or(443);
    let proxy = conn
        .use_proxy
        .then(|| crate::http::proxy_var_for(base, &crate::http::process_env))
        .flatten();

    let metadata = {
        let mut dir = base.clone();
        if !dir.path().ends_with('/') {
            let p = format!("{}/", dir.path());
            dir.set_path(&p);
        }
        dir.join("metadata").expect("joins")
    };
    let get_metadata = || {
        conn.http
            .get(metadata.clone())
            .header("Accept", "application/fhir+json")
            .timeout(CHECK_TIMEOUT)
            .send()
    };

    // Proxy: through the very client every request uses (its proxy settings, credentials and
    // TLS to an https:// proxy), with the request the http check makes, sent once.
    let t = Instant::now();
    let mut first = None;
    match proxy {
        None => checks.push(Check::ok("proxy", "none applies: direct connection").took(t)),
        Some(var) => {
            let (check, sent) = proxy_check(
                var,
                &host,
                port,
                get_metadata().await,
                &metadata,
                conn.use_proxy,
            );
            checks.push(check.took(t));
            first = sent.map(|s| (s, t));
        }
    }

    // DNS.
    let t = Instant::now();
    let addrs: Vec<SocketAddr> = match tokio::time::timeout(
        CHECK_TIMEOUT,
        crate::http::lookup(&host, port),
    )
    .await
    {
        Ok(Ok(a)) => a,
        Ok(Err(e)) => {
            let c = if proxy.is_some() {
                Check::warn(
                    "dns",
                    format!("{host} does not resolve here ({e}); the proxy resolves it"),
                    "nothing to do while the proxy is used",
                )
            } else {
                Check::fail(
                        "dns",
                        Kind::Unreachable,
                        format!("cannot resolve {host}: {e}"),
                        "check the host name and this machine's DNS; NHS services need a route to the internet or HSCN",
                    )
            };
            checks.push(c.took(t));
            vec![]
        }
        Err(_) => {
            checks.push(
                Check::fail(
                    "dns",
                    Kind::Unreachable,
                    format!(
                        "no answer resolving {host} within {} s",
                        CHECK_TIMEOUT.as_secs()
                    ),
                    "check this machine's DNS servers",
                )
                .took(t),
            );
            vec![]
        }
    };
    if !addrs.is_empty() {
        let list: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
        checks.push(Check::ok("dns", format!("{host} -> {}", list.join(", "))).took(t));
    }

    // TCP and TLS (direct connections; through a proxy the HTTP check covers both).
    if proxy.is_some() {
        checks.push(Check::skip("tcp", "through the proxy: see http"));
        checks.push(Check::skip("tls", "through the proxy: see http"));
    } else if addrs.is_empty() {
        checks.push(Check::skip("tcp", "not tried: the host did not resolve"));
        checks.push(Check::skip("tls", "not tried"));
    } else {
        let t = Instant::now();
        match tokio::time::timeout(CHECK_TIMEOUT, TcpStream::connect(&addrs[..])).await {
            Ok(Ok(stream)) => {
                let peer = stream
                    .peer_addr()
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                checks.push(Check::ok("tcp", format!("connected to {peer}")).took(t));
                if base.scheme() == "https" {
                    checks.push(tls_check(ctx, stream, &host).await);
                } else {
                    checks.push(Check::skip("tls", "plain http (loopback only)"));
                }
            }
            Ok(Err(e)) => {
                let refused = e.kind() == std::io::ErrorKind::ConnectionRefused;
                checks.push(
                    Check::fail(
                        "tcp",
                        Kind::Unreachable,
                        if refused {
                            format!("{host}:{port} refused the connection")
                        } else {
                            format!("cannot connect to {host}:{port}: {e}")
                        },
                        "check the base URL and port, firewalls, and that the service (or sandbox) is running",
                    )
                    .took(t),
                );
                checks.push(Check::skip("tls", "not tried"));
            }
            Err(_) => {
                checks.push(
                    Check::fail(
                        "tcp",
                        Kind::Unreachable,
                        format!("no connection to {host}:{port} within {} s", CHECK_TIMEOUT.as_secs()),
                        "a firewall may be dropping the connection; on HSCN check the route, elsewhere try HTTPS_PROXY",
                    )
                    .took(t),
                );
                checks.push(Check::skip("tls", "not tried"));
            }
        }
    }

    // HTTP and clock.
    if checks.iter().any(|c| c.status == Status::Fail) {
        checks.push(Check::skip("http", "not tried: an earlier check failed"));
        checks.push(Check::skip("clock", "not tried"));
        return;
    }
    let (sent, t) = match first.take() {
        Some(done) => done,
        None => {
            let t = Instant::now();
            (get_metadata().await, t)
        }
    };
    match sent {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let date = resp
                .headers()
                .get(reqwest::header::DATE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| httpdate::parse_http_date(v).ok());
            let c = match status {
                200..=299 => Check::ok("http", format!("GET /metadata: HTTP {status}")),
                401 | 403 => Check::ok(
                    "http",
                    format!("GET /metadata: HTTP {status} (the service answers; it wants credentials)"),
                ),
                407 => proxy_wants_authentication("http"),
                _ => Check::fail(
                    "http",
                    Kind::Service,
                    format!("GET /metadata: HTTP {status}"),
                    "the service (or something in front of it) is not answering normally; try again shortly",
                ),
            };
            checks.push(c.took(t));
            checks.push(clock_check(date));
            checks.push(pds_check(ctx, conn).await);
            if ctx.settings.route.value == crate::cpis::Route::Flags {
                checks.push(flags_check(ctx, conn).await);
            }
            if ctx.settings.route.value == crate::cpis::Route::V3 {
                checks.push(v3_check(ctx, conn).await);
            }
        }
        Err(e) => {
            let err = crate::http::transport_error(e, &metadata, CHECK_TIMEOUT, conn.use_proxy);
            checks.push(Check::from_error("http", &err).took(t));
            checks.push(Check::skip("clock", "not tried"));
            checks.push(Check::skip("pds", "not tried"));
        }
    }
}

/// A 407 from the proxy in front of the service.
fn proxy_wants_authentication(name: &'static str) -> Check {
    Check::fail(
        name,
        Kind::Unreachable,
        "the proxy wants authentication (HTTP 407)",
        "put the proxy's credentials in HTTPS_PROXY, use a local authenticating proxy, or ask IT for an exemption",
    )
}

/// The number PDS publishes as its example of an invalid one: asking about it identifies no
/// one, and PDS answers 400 `INVALID_RESOURCE_ID`, which shows the route to PDS works.
const PDS_PROBE_NUMBER: &str = "9000000000";

/// The PDS URL doctor probes.
fn pds_probe_url(ctx: &crate::app::Ctx, conn: &crate::app::Connection) -> Result<url::Url> {
    let base = ctx.pds_base(conn)?;
    url::Url::parse(&format!(
        "{}/Patient/{PDS_PROBE_NUMBER}",
        base.as_str().trim_end_matches('/')
    ))
    .map_err(|e| crate::error::Error::usage(format!("PDS base URL: {e}")))
}

/// Can PDS be reached? Every lookup asks it first.
async fn pds_check(ctx: &crate::app::Ctx, conn: &crate::app::Connection) -> Check {
    if !ctx.settings.verify_on_pds {
        return Check::skip("pds", "verification on PDS is off (verify_on_pds = false)");
    }
    let url = match pds_probe_url(ctx, conn) {
        Ok(u) => u,
        Err(e) => return Check::from_error("pds", &e),
    };
    let t = Instant::now();
    let sent = conn
        .http
        .get(url.clone())
        .header("Accept", "application/fhir+json")
        .header("X-Request-ID", uuid::Uuid::new_v4().to_string())
        .timeout(CHECK_TIMEOUT)
        .send()
        .await;
    let resp = match sent {
        Ok(r) => r,
        Err(e) => {
            let err = crate::http::transport_error(e, &url, CHECK_TIMEOUT, conn.use_proxy);
            return Check::from_error("pds", &err).took(t);
        }
    };
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = crate::http::read_body(resp, crate::http::MAX_BODY)
        .await
        .unwrap_or_default();
    let said = crate::cpis::errors::read_error_body(content_type.as_deref(), &body);
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

/// Can the Patient Flags API be reached (`--route flags`)? `GET {base}/metadata` asks about
/// no one; an answer, or the platform's refusal of missing credentials, shows the route works.
async fn flags_check(ctx: &crate::app::Ctx, conn: &crate::app::Connection) -> Check {
    let url = match ctx.flags_base(conn).and_then(|b| {
        url::Url::parse(&format!("{}/metadata", b.as_str().trim_end_matches('/')))
            .map_err(|e| crate::error::Error::usage(format!("Patient Flags base URL: {e}")))
    }) {
        Ok(u) => u,
        Err(e) => return Check::from_error("flags", &e),
    };
    let t = Instant::now();
    let sent = conn
        .http
        .get(url.clone())
        .header("Accept", "application/fhir+json")
        .header("X-Request-ID", uuid::Uuid::new_v4().to_string())
        .timeout(CHECK_TIMEOUT)
        .send()
        .await;
    let status = match sent {
        Ok(r) => r.status().as_u16(),
        Err(e) => {
            let err = crate::http::transport_error(e, &url, CHECK_TIMEOUT, conn.use_proxy);
            return Check::from_error("flags", &err).took(t);
        }
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

/// Does the MHS adaptor answer (`--route v3`)? Its settings are checked, then a POST with a
/// probe interaction id that no adaptor knows: the adaptor answers 404 before anything could
/// reach Spine, so no query is sent and nobody is notified.
async fn v3_check(ctx: &crate::app::Ctx, conn: &crate::app::Connection) -> Check {
    let token = match crate::app::v3route::curl_token(ctx) {
        Ok(t) => t,
        Err(e) => return Check::from_error("v3", &e),
    };
    let ready = match crate::v3::ready(
        &ctx.settings.v3,
        &ctx.settings.endpoint,
        Some(&conn.base),
        crate::v3::is_system(&token),
    ) {
        Ok(r) => r,
        Err(e) => return Check::from_error("v3", &e),
    };
    let t = Instant::now();
    let sent = conn
        .post
        .post(ready.url.clone())
        .header("Content-Type", "application/json")
        .header("Interaction-Id", crate::v3::PROBE_INTERACTION)
        .header(ready.wait_header.clone(), "true")
        .body(r#"{"payload": "cpis doctor probe: not a query"}"#)
        .timeout(CHECK_TIMEOUT)
        .send()
        .await;
    let resp = match sent {
        Ok(r) => r,
        Err(e) => {
            let err = crate::http::transport_error(e, &ready.url, CHECK_TIMEOUT, conn.use_proxy);
            return Check::from_error("v3", &err).took(t);
        }
    };
    let status = resp.status().as_u16();
    let body = crate::http::read_body(resp, 64 * 1024)
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

/// CONNECT through the proxy that applies, to tell a working proxy from one that wants
/// authentication the HTTP stack cannot do (NTLM, Negotiate).
/// What sending a request came to.
type Sent = std::result::Result<reqwest::Response, reqwest::Error>;

/// The proxy check, from the first request sent through it (`sent`): a tunnel was opened
/// when anything answered; a refusal (407 with or without credentials, another status) or a
/// proxy that cannot be reached fails it. What went wrong after the tunnel opened (TLS with
/// the service, a timeout) is the http check's to report: `sent` is handed back for it,
/// unless this check failed (then the http check is not made).
fn proxy_check(
    var: &'static str,
    host: &str,
    port: u16,
    sent: Sent,
    url: &url::Url,
    use_proxy: bool,
) -> (Check, Option<Sent>) {
    let shown = redact_proxy(&std::env::var(var).unwrap_or_default());
    let credentials = crate::http::proxy_has_credentials(var, &crate::http::process_env);
    let with = if credentials {
        " (with credentials, not shown)"
    } else {
        ""
    };
    let e = match sent {
        Ok(resp) => {
            let check = Check::ok(
                "proxy",
                format!(
                    "{var} = {shown}{with}: the tunnel to {host}:{port} opened (the service answered HTTP {})",
                    resp.status().as_u16()
                ),
            );
            return (check, Some(Ok(resp)));
        }
        Err(e) => e,
    };
    if let Some(refusal) = crate::http::proxy_refusal(&e) {
        let (detail, fix) =
            crate::http::proxy_refusal_message(refusal, var, credentials, host, port);
        let check = Check::fail(
            "proxy",
            Kind::Unreachable,
            format!("{var} = {shown}{with}: {detail}"),
            fix,
        );
        return (check, None);
    }
    if e.is_timeout() || !e.is_connect() || crate::http::has_tls_error(&e) {
        let check = Check::skip(
            "proxy",
            format!("{var} = {shown}{with}: the request through it failed: see http"),
        );
        return (check, Some(Err(e)));
    }
    // The proxy itself could not be reached (refused, its name does not resolve).
    let err = crate::http::transport_error(e, url, CHECK_TIMEOUT, use_proxy);
    let check = Check::fail(
        "proxy",
        Kind::Unreachable,
        format!("cannot reach the proxy {shown} ({var}): {}", err.message),
        format!("check {var} and NO_PROXY"),
    );
    (check, None)
}

/// A TLS handshake with the same trust as every request (platform roots plus extra CAs).
async fn tls_check(ctx: &crate::app::Ctx, stream: TcpStream, host: &str) -> Check {
    let t = Instant::now();
    let config = match crate::tls::client_config(ctx.settings.ca_sources.clone()) {
        Ok((c, _)) => std::sync::Arc::new(c),
        Err(e) => {
            return Check::fail(
                "tls",
                Kind::Unexpected,
                format!("cannot set up TLS: {e}"),
                "",
            )
        }
    };
    let Ok(name) = rustls::pki_types::ServerName::try_from(host.to_string()) else {
        return Check::fail(
            "tls",
            Kind::Usage,
            format!("{host} is not a TLS server name"),
            "",
        );
    };
    let connector = tokio_rustls::TlsConnector::from(config);
    match tokio::time::timeout(CHECK_TIMEOUT, connector.connect(name, stream)).await {
        Ok(Ok(tls)) => {
            let (_, session) = tls.get_ref();
            let chain: Vec<_> = session
                .peer_certificates()
                .map(|c| c.to_vec())
                .unwrap_or_default();
            let name = rustls::pki_types::ServerName::try_from(host.to_string()).ok();
            let by_platform = name
                .as_ref()
                .is_some_and(|n| crate::tls::trusted_by_platform_alone(&chain, n));
            let cert = chain
                .first()
                .and_then(|c| crate::x509::summarise(c))
                .map(|c| {
                    format!(
                        "; certificate {} issued by {}, valid until {}",
                        c.subject, c.issuer, c.not_after
                    )
                })
                .unwrap_or_default();
            let detail = format!(
                "{}, {}{cert}; trusted {}",
                session
                    .protocol_version()
                    .map(|v| format!("{v:?}"))
                    .unwrap_or_default(),
                session
                    .negotiated_cipher_suite()
                    .map(|c| format!("{:?}", c.suite()))
                    .unwrap_or_default(),
                if by_platform {
                    "by the platform's roots"
                } else {
                    "only through an extra CA (--ca-bundle, the profile's ca_bundle or SSL_CERT_*)"
                }
            );
            if by_platform {
                Check::ok("tls", detail).took(t)
            } else {
                Check::warn(
                    "tls",
                    detail,
                    "fine for a sandbox or your organisation's own CA; on a hospital network this usually means HTTPS inspection by a proxy",
                )
                .took(t)
            }
        }
        Ok(Err(e)) => {
            // The same typed diagnosis as a request's (untrusted issuer, name, expiry, CA file).
            Check::from_error("tls", &crate::http::tls_diagnosis(&e, host)).took(t)
        }
        Err(_) => Check::fail(
            "tls",
            Kind::Unreachable,
            format!(
                "no TLS handshake with {host} within {} s",
                CHECK_TIMEOUT.as_secs()
            ),
            "something between you and the service is holding the connection",
        )
        .took(t),
    }
}

fn clock_check(server_date: Option<SystemTime>) -> Check {
    let Some(date) = server_date else {
        return Check::skip("clock", "the server sent no Date header");
    };
    let now = SystemTime::now();
    let (skew, ahead) = match now.duration_since(date) {
        Ok(d) => (d, true),
        Err(e) => (e.duration(), false),
    };
    let text = format!(
        "this machine's clock is {} s {} the server's",
        skew.as_secs(),
        if ahead { "ahead of" } else { "behind" }
    );
    if skew > SKEW_FAIL {
        Check::fail(
            "clock",
            Kind::Usage,
            text,
            "set the clock right (or turn on network time): signed sign-in assertions are refused more than 5 minutes out",
        )
    } else if skew > SKEW_WARN {
        Check::warn("clock", text, "turn on network time (NTP) for this machine")
    } else {
        Check::ok("clock", text)
    }
}

/// The addresses of `host` with `port`, or `None` when it does not resolve in time.
async fn resolve(host: &str, port: u16) -> Option<Vec<SocketAddr>> {
    let addrs = tokio::time::timeout(CHECK_TIMEOUT, crate::http::lookup(host, port))
        .await
        .ok()?
        .ok()?;
    (!addrs.is_empty()).then_some(addrs)
}

/// Addresses as text, comma-separated.
fn ips(addrs: &[SocketAddr]) -> String {
    addrs
        .iter()
        .map(|a| a.ip().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The platform's OAuth server, when a sign-in's token URL is not on the API's origin (scheme,
/// host and port: a token endpoint on the API host but another port is another server): its
/// host must resolve and, unless a proxy carries the connection, its port must accept one.
async fn oauth_dns(ctx: &crate::app::Ctx, base: &url::Url, use_proxy: bool) -> Check {
    let token_url = ctx
        .sessions()
        .ok()
        .and_then(|ss| ss.get(&ctx.credential_key()).cloned())
        .and_then(|s| {
            s.system
                .and_then(|i| i.token_url)
                .or(s.user.and_then(|u| u.token_url))
        })
        .or_else(|| ctx.settings.token_url.as_ref().map(|t| t.value.clone()));
    let Some(url) = token_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .filter(|u| u.host_str().is_some() && u.origin() != base.origin())
    else {
        return Check::skip(
            "oauth",
            "the token endpoint is on the API's origin (checked above)",
        );
    };
    let host = url.host_str().unwrap_or("").to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let origin = url.origin().ascii_serialization();
    let t = Instant::now();
    let Some(targets) = resolve(&host, port).await else {
        return Check::fail(
            "oauth",
            Kind::Unreachable,
            format!("the token endpoint's host {host} does not resolve"),
            "check the token URL (`cpis config get token_url`) and this machine's DNS",
        )
        .took(t);
    };
    let addrs = ips(&targets);
    let proxied =
        use_proxy && crate::http::proxy_var_for(&url, &crate::http::process_env).is_some();
    if proxied {
        return Check::ok(
            "oauth",
            format!("{origin}: {host} -> {addrs}; reached through the proxy"),
        )
        .took(t);
    }
    let connected = tokio::time::timeout(CHECK_TIMEOUT, TcpStream::connect(&targets[..])).await;
    match connected {
        Ok(Ok(_)) => Check::ok(
            "oauth",
            format!("{origin}: {host} -> {addrs}; port {port} accepts connections"),
        )
        .took(t),
        Ok(Err(e)) => Check::fail(
            "oauth",
            Kind::Unreachable,
            format!("the token endpoint {origin} does not accept connections on port {port}: {e}"),
            "check the token URL's scheme, host and port (`cpis config get token_url`)",
        )
        .took(t),
        Err(_) => Check::fail(
            "oauth",
            Kind::Unreachable,
            format!(
                "no connection to the token endpoint {origin} within {} s",
                CHECK_TIMEOUT.as_secs()
            ),
            "a firewall may be dropping the connection; check the token URL and the route to it",
        )
        .took(t),
    }
}

/// The CIS2 host a smartcard sign-in needs (reachable on HSCN), where this environment has one.
async fn cis2_dns(ctx: &crate::app::Ctx) -> Check {
    use crate::cpis::EnvName;
    let issuer = match (&ctx.settings.signin.cis2_issuer, ctx.settings.endpoint.env) {
        (Some(i), _) => i.clone(),
        (None, Some(EnvName::Int)) => crate::auth::cis2::CIS2_INT.to_string(),
        (None, Some(EnvName::Prod)) => crate::auth::cis2::CIS2_LIVE.to_string(),
        _ => {
            return Check::skip(
                "cis2",
                "no CIS2 for this environment (the sandbox's is on its own address)",
            )
        }
    };
    let t = Instant::now();
    let Some(host) = url::Url::parse(&issuer)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
    else {
        return Check::fail(
            "cis2",
            Kind::Usage,
            format!("CIS2 issuer {issuer:?} has no host"),
            "fix cis2_issuer",
        );
    };
    if let Some(addrs) = resolve(&host, 443).await.map(|a| ips(&a)) {
        Check::ok("cis2", format!("{host} -> {addrs}")).took(t)
    } else {
        Check::warn(
            "cis2",
            format!("{host} does not resolve here"),
            "smartcard sign-in needs a route to NHS CIS2 (HSCN); lookups with a stored sign-in still work",
        )
        .took(t)
    }
}

/// `--query`: one scheduled lookup end to end, with the time of each phase. Nothing about
/// the patient is reported, only whether it worked and how long each phase took.
async fn query_check(
    ctx: &crate::app::Ctx,
    conn: &crate::app::Connection,
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
        .lookup(nhs, crate::cpis::CareSetting::Scheduled)
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

async fn credentials(ctx: &crate::app::Ctx, conn: &crate::app::Connection) -> Check {
    let t = Instant::now();
    let s = &ctx.settings;
    if s.token.is_some() {
        return Check::ok(
            "credentials",
            "CPIS_ACCESS_TOKEN is set (it wins over anything stored)",
        )
        .took(t);
    }
    let key = ctx.credential_key();
    let session = match ctx.sessions() {
        Ok(ss) => ss.get(&key).cloned(),
        Err(e) => return Check::from_error("credentials", &e).took(t),
    };
    let Some(session) = session else {
        if s.endpoint.base_url.is_none() {
            return Check::ok("credentials", "none needed for the embedded sandbox").took(t);
        }
        return Check::fail(
            "credentials",
            Kind::NotAuthenticated,
            format!("not signed in for {key}"),
            "cpis auth login --user (smartcard), --system, or --with-token",
        )
        .took(t);
    };
    let store = match ctx.store(session.store) {
        Ok(st) => st,
        Err(e) => return Check::from_error("credentials", &e).took(t),
    };
    match store.get(&key) {
        Ok(Some(_)) => {}
        Ok(None) => {
            return Check::fail(
                "credentials",
                Kind::NotAuthenticated,
                format!(
                    "the credential for {key} is missing from {}",
                    store.describe()
                ),
                session.kind.login_hint(),
            )
            .took(t)
        }
        Err(e) => return Check::from_error("credentials", &e).took(t),
    }
    let now = crate::auth::now_secs();
    let mut detail = format!("{} sign-in in {}", session.kind.as_str(), store.describe());
    if let Some(why) = session
        .system
        .as_ref()
        .and_then(|i| i.token_url.as_deref())
        .and_then(|u| crate::auth::system::token_url_mismatch(u, ctx.settings.endpoint.env))
    {
        return Check::fail(
            "credentials",
            Kind::Usage,
            why,
            "sign in again without --token-url (it follows the environment), or with this environment's",
        )
        .took(t);
    }
    if let Some(i) = &session.system {
        detail.push_str(&format!(
            "; assertion: alg RS512, kid {}, iss = sub = API key {} (fingerprint), aud = {}, exp +{} s; acting for {} ({})",
            i.kid,
            i.api_key_fingerprint(),
            i.token_url
                .clone()
                .unwrap_or_else(|| "{this environment}/oauth2/token".into()),
            crate::auth::system::ASSERTION_LIFETIME_SECS,
            i.nominated_person,
            i.nominated_role
        ));
    }
    if let Some(u) = &session.user {
        detail.push_str(&format!(
            "; {}; activity codes {}",
            u.identity.describe(),
            if u.identity.activity_codes.is_empty() {
                "not listed".to_string()
            } else {
                u.identity.activity_codes.join(", ")
            }
        ));
        match session.refresh_expires_at {
            Some(e) if e > now => {
                detail.push_str(&format!("; refresh token for {} min more", (e - now) / 60))
            }
            _ => {
                return Check::fail(
                    "credentials",
                    Kind::NotAuthenticated,
                    format!("{detail}; the sign-in has expired"),
                    session.kind.login_hint(),
                )
                .took(t)
            }
        }
    }
    if session.system.is_some() {
        // Can a token be had? (A client assertion is signed and posted; no patient data.)
        match ctx.token_source(conn).await {
            Ok(_) => detail.push_str("; a token can be obtained"),
            Err(e) => {
                return Check::fail(
                    "credentials",
                    e.kind,
                    format!("{detail}; no token: {}", e.message),
                    e.hint.unwrap_or_default(),
                )
                .took(t)
            }
        }
    }
    Check::ok("credentials", detail).took(t)
}

/// The command line of `cpis doctor`, beside the command (the root command line in `cli`
/// re-exports it).
pub mod args {

    pub(crate) const DOCTOR_HELP: &str = include_str!("../help/doctor_help.txt");
}
