//! The network checks to the CP-IS base URL: proxy, DNS, TCP, TLS, HTTP and the clock.

use std::net::SocketAddr;
use std::time::{Instant, SystemTime};

use tokio::net::TcpStream;

use crate::doctor::{redact_proxy, Check, Status, CHECK_TIMEOUT, SKEW_FAIL, SKEW_WARN};
use crate::error::Kind;

use super::*;
use crate::app::{Connection, Ctx};

pub(super) async fn network(ctx: &Ctx, conn: &Connection, checks: &mut Vec<Check>) {
    let base = &conn.base;
    let host = base.host_str().unwrap_or("").to_string();
    let port = base.port_or_known_default().unwrap_or(443);
    let proxy = conn
        .use_proxy
        .then(|| crate::net::proxy::proxy_var_for(base, &crate::net::proxy::process_env))
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

    let addrs = dns(&host, port, proxy.is_some(), checks).await;
    tcp_and_tls(ctx, base, (&host, port), proxy.is_some(), &addrs, checks).await;

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
    http(ctx, conn, sent, t, &metadata, checks).await;
}

/// DNS: the base URL's host resolved here (a proxy resolves it itself).
async fn dns(
    host: &str,
    port: u16,
    through_proxy: bool,
    checks: &mut Vec<Check>,
) -> Vec<SocketAddr> {
    let t = Instant::now();
    let addrs: Vec<SocketAddr> = match tokio::time::timeout(
        CHECK_TIMEOUT,
        crate::net::dns::lookup(host, port),
    )
    .await
    {
        Ok(Ok(a)) => a,
        Ok(Err(e)) => {
            let c = if through_proxy {
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

    addrs
}

/// TCP and TLS (direct connections; through a proxy the HTTP check covers both).
async fn tcp_and_tls(
    ctx: &Ctx,
    base: &url::Url,
    (host, port): (&str, u16),
    through_proxy: bool,
    addrs: &[SocketAddr],
    checks: &mut Vec<Check>,
) {
    if through_proxy {
        checks.push(Check::skip("tcp", "through the proxy: see http"));
        checks.push(Check::skip("tls", "through the proxy: see http"));
    } else if addrs.is_empty() {
        checks.push(Check::skip("tcp", "not tried: the host did not resolve"));
        checks.push(Check::skip("tls", "not tried"));
    } else {
        let t = Instant::now();
        match tokio::time::timeout(CHECK_TIMEOUT, TcpStream::connect(addrs)).await {
            Ok(Ok(stream)) => {
                let peer = stream
                    .peer_addr()
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                checks.push(Check::ok("tcp", format!("connected to {peer}")).took(t));
                if base.scheme() == "https" {
                    checks.push(tls_check(ctx, stream, host).await);
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
}

/// HTTP (`GET /metadata`), then the clock from its `Date`, then the APIs beside CP-IS.
async fn http(
    ctx: &Ctx,
    conn: &Connection,
    sent: Sent,
    t: Instant,
    metadata: &url::Url,
    checks: &mut Vec<Check>,
) {
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
            // The route's own service, beside the CP-IS base URL checked above.
            match crate::app::record::CareRecordSource::configured(ctx) {
                crate::app::record::CareRecordSource::Fhir => {}
                crate::app::record::CareRecordSource::Flags => {
                    checks.push(flags_check(ctx, conn).await)
                }
                crate::app::record::CareRecordSource::V3 => checks.push(v3_check(ctx, conn).await),
            }
        }
        Err(e) => {
            let err =
                crate::net::diagnose::transport_error(e, metadata, CHECK_TIMEOUT, conn.use_proxy);
            checks.push(Check::from_error("http", &err).took(t));
            checks.push(Check::skip("clock", "not tried"));
            checks.push(Check::skip("pds", "not tried"));
        }
    }
}

/// What sending a request came to.
pub(super) type Sent = std::result::Result<reqwest::Response, reqwest::Error>;

/// The proxy check, from the first request sent through it (`sent`): a tunnel was opened
/// when anything answered; a refusal (407 with or without credentials, another status) or a
/// proxy that cannot be reached fails it. What went wrong after the tunnel opened (TLS with
/// the service, a timeout) is the http check's to report: `sent` is handed back for it,
/// unless this check failed (then the http check is not made).
pub(super) fn proxy_check(
    var: &'static str,
    host: &str,
    port: u16,
    sent: Sent,
    url: &url::Url,
    use_proxy: bool,
) -> (Check, Option<Sent>) {
    let shown = redact_proxy(&std::env::var(var).unwrap_or_default());
    let credentials =
        crate::net::proxy::proxy_has_credentials(var, &crate::net::proxy::process_env);
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
    if let Some(refusal) = crate::net::diagnose::proxy_refusal(&e) {
        let (detail, fix) =
            crate::net::diagnose::proxy_refusal_message(refusal, var, credentials, host, port);
        let check = Check::fail(
            "proxy",
            Kind::Unreachable,
            format!("{var} = {shown}{with}: {detail}"),
            fix,
        );
        return (check, None);
    }
    if e.is_timeout() || !e.is_connect() || crate::net::diagnose::has_tls_error(&e) {
        let check = Check::skip(
            "proxy",
            format!("{var} = {shown}{with}: the request through it failed: see http"),
        );
        return (check, Some(Err(e)));
    }
    // The proxy itself could not be reached (refused, its name does not resolve).
    let err = crate::net::diagnose::transport_error(e, url, CHECK_TIMEOUT, use_proxy);
    let check = Check::fail(
        "proxy",
        Kind::Unreachable,
        format!("cannot reach the proxy {shown} ({var}): {}", err.message),
        format!("check {var} and NO_PROXY"),
    );
    (check, None)
}

/// A TLS handshake with the same trust as every request (platform roots plus extra CAs).
pub(super) async fn tls_check(ctx: &Ctx, stream: TcpStream, host: &str) -> Check {
    let t = Instant::now();
    let config = match crate::net::tls::client_config(ctx.settings.ca_sources.clone()) {
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
                .is_some_and(|n| crate::net::tls::trusted_by_platform_alone(&chain, n));
            let cert = chain
                .first()
                .and_then(|c| crate::net::x509::summarise(c))
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
            Check::from_error("tls", &crate::net::diagnose::tls_diagnosis(&e, host)).took(t)
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

pub(super) fn clock_check(server_date: Option<SystemTime>) -> Check {
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
