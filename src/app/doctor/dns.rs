//! The DNS checks of the sign-in hosts: the API platform's OAuth server and NHS CIS2.

use std::net::SocketAddr;
use std::time::Instant;

use tokio::net::TcpStream;

use crate::doctor::{Check, CHECK_TIMEOUT};
use crate::error::Kind;

use crate::app::Ctx;

/// The addresses of `host` with `port`, or `None` when it does not resolve in time.
pub(super) async fn resolve(host: &str, port: u16) -> Option<Vec<SocketAddr>> {
    let addrs = tokio::time::timeout(CHECK_TIMEOUT, crate::net::dns::lookup(host, port))
        .await
        .ok()?
        .ok()?;
    (!addrs.is_empty()).then_some(addrs)
}

/// Addresses as text, comma-separated.
pub(super) fn ips(addrs: &[SocketAddr]) -> String {
    addrs
        .iter()
        .map(|a| a.ip().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The platform's OAuth server, when a sign-in's token URL is not on the API's origin (scheme,
/// host and port: a token endpoint on the API host but another port is another server): its
/// host must resolve and, unless a proxy carries the connection, its port must accept one.
pub(super) async fn oauth_dns(ctx: &Ctx, base: &url::Url, use_proxy: bool) -> Check {
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
    let proxied = use_proxy
        && crate::net::proxy::proxy_var_for(&url, &crate::net::proxy::process_env).is_some();
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
pub(super) async fn cis2_dns(ctx: &Ctx) -> Check {
    use crate::config::environment::EnvName;
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
