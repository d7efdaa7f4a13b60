//! The HTTP client: rustls with the platform's roots plus extra CA sources (see [`crate::tls`]),
//! proxies from the environment, timeouts, a redirect policy, and transport errors turned into
//! plain advice.
//!
//! Errors are classified from their types (`reqwest::Error::is_*`, `std::io::ErrorKind`,
//! `rustls::Error`, `hyper::Error`, and this module's own [`DnsError`] and [`RedirectRefused`]),
//! found by walking the error's source chain; never from the text of a message.

use std::error::Error as StdError;
use std::ffi::OsString;
use std::fmt;
use std::io;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use super::tls::{CaLoadError, CaSource, LazyVerifier};
use crate::error::{Error, Kind, Result};

/// Longest wait for a TCP (and proxy) connection, whatever the overall timeout.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 5;

/// How to build a client.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Overall time for one request, from connect to the last byte of the body.
    pub timeout: Duration,
    /// CA certificates trusted in addition to the platform's roots, with where each came from.
    pub ca_sources: Vec<CaSource>,
    /// Honour `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` / `NO_PROXY` (off for the embedded
    /// sandbox).
    pub use_proxy: bool,
}

/// The user-facing error for a CA source that cannot be used (exit 2).
pub fn ca_error(e: &CaLoadError) -> Error {
    Error::usage(e.to_string()).with_hint(
        "give a PEM file of CA certificates (-----BEGIN CERTIFICATE-----), or remove the setting",
    )
}

/// A host name that could not be resolved.
#[derive(Debug)]
pub struct DnsError {
    pub host: String,
    pub source: io::Error,
}

impl fmt::Display for DnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot resolve {} (DNS)", self.host)
    }
}

impl StdError for DnsError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.source)
    }
}

/// The addresses of `host` from the system resolver (an IP address is its own answer). Every
/// name `cpis` resolves goes through here. In a build with the test hooks, `CPIS_TEST_OFFLINE`
/// makes every name but an IP address fail as an unknown one, so that no test can reach a
/// real host (the tests set it for every run).
pub async fn lookup(host: &str, port: u16) -> std::io::Result<Vec<std::net::SocketAddr>> {
    #[cfg(feature = "test-hooks")]
    if std::env::var_os("CPIS_TEST_OFFLINE").is_some()
        && host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_err()
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "failed to lookup address information: Name or service not known (offline: a test run)",
        ));
    }
    Ok(tokio::net::lookup_host((host, port)).await?.collect())
}

/// The system resolver, failing with a [`DnsError`] that classification can find.
struct Resolver;

impl reqwest::dns::Resolve for Resolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            // `localhost` is this machine by definition: never asked of DNS, which could say
            // otherwise (plain HTTP is allowed to it).
            if host.eq_ignore_ascii_case("localhost") {
                let addrs: Vec<std::net::SocketAddr> = vec![
                    (std::net::Ipv4Addr::LOCALHOST, 0).into(),
                    (std::net::Ipv6Addr::LOCALHOST, 0).into(),
                ];
                return Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs);
            }
            let found = lookup(&host, 0).await;
            match found {
                Ok(addrs) => Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs),
                Err(source) => {
                    Err(Box::new(DnsError { host, source }) as Box<dyn StdError + Send + Sync>)
                }
            }
        })
    }
}

/// Why a redirect was not followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectRefused {
    TooMany,
    /// To another origin (scheme, host or port): the request carries the NHS number and the
    /// credentials, and its answer would not be the named environment's. Holds the
    /// `Location` as it may be shown.
    OtherOrigin(String),
}

impl fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedirectRefused::TooMany => write!(f, "more than {MAX_REDIRECTS} redirects"),
            RedirectRefused::OtherOrigin(to) => write!(
                f,
                "it goes to another origin ({to}); patient data and credentials never follow a redirect elsewhere, and nothing was sent there"
            ),
        }
    }
}

impl StdError for RedirectRefused {}

/// Is this URL's host a loopback address (127.0.0.0/8, ::1 or `localhost`)? Only such hosts
/// may be spoken to, or redirected to, over plain `http://`.
/// `localhost` counts only as that literal name (resolved by us, never through DNS);
/// `localhost.` is a DNS name like any other.
pub fn is_loopback_host(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The redirect rule: why not to follow a redirect from `previous` to `next`, if any. Only
/// the same origin (scheme, host and port) as the request, at most [`MAX_REDIRECTS`] times:
/// so never from HTTPS to HTTP, never to another machine, and the credentials and the NHS
/// number stay where they were sent.
pub fn redirect_refusal(
    previous: &[url::Url],
    next: &url::Url,
) -> std::result::Result<(), RedirectRefused> {
    if previous.len() >= MAX_REDIRECTS {
        return Err(RedirectRefused::TooMany);
    }
    if let Some(first) = previous.first() {
        if first.origin() != next.origin() {
            return Err(RedirectRefused::OtherOrigin(shown_location(
                first,
                next.as_str(),
            )));
        }
    }
    Ok(())
}

/// The environment as `cpis` reads it (a function, for tests).
pub type EnvOs<'a> = &'a dyn Fn(&str) -> Option<OsString>;

/// The process environment.
pub fn process_env(k: &str) -> Option<OsString> {
    std::env::var_os(k)
}

const PROXY_VARS: [[&str; 2]; 3] = [
    ["HTTPS_PROXY", "https_proxy"],
    ["HTTP_PROXY", "http_proxy"],
    ["ALL_PROXY", "all_proxy"],
];

/// Why a proxy variable's value cannot be used, if it cannot.
fn proxy_value_problem(value: &str) -> Option<&'static str> {
    let Ok(uri) = value.parse::<hyper::Uri>() else {
        return Some("it is not a URL");
    };
    match uri.scheme_str() {
        None | Some("http") | Some("https") => {}
        Some(_) => return Some("the scheme must be http:// or https://"),
    }
    match uri.authority() {
        Some(a) if !a.host().is_empty() => None,
        _ => Some("it has no host"),
    }
}

/// Check the proxy variables the client will read (for each pair, the first one set, as reqwest
/// reads them): each must be a usable `http://` or `https://` proxy URL (no scheme means
/// `http://`). Exit 2 naming the variable, never its value (it may hold a password).
pub fn check_proxy_env(env: EnvOs) -> Result<()> {
    for pair in PROXY_VARS {
        let Some((name, value)) = pair.iter().find_map(|n| env(n).map(|v| (*n, v))) else {
            continue;
        };
        let problem = match value.to_str() {
            None => Some("it is not valid UTF-8"),
            Some(v) if v.trim().is_empty() => None,
            Some(v) => proxy_value_problem(v.trim()),
        };
        if let Some(p) = problem {
            return Err(
                Error::usage(format!("the proxy variable {name} cannot be used: {p}")).with_hint(
                    format!("set {name} to http://HOST:PORT (or unset it to connect directly)"),
                ),
            );
        }
    }
    Ok(())
}

/// One `NO_PROXY` entry.
enum NoProxyEntry {
    Ip(IpAddr),
    Net(IpAddr, u8),
    Domain(String),
}

fn parse_no_proxy_entry(part: &str) -> Option<NoProxyEntry> {
    if let Some((addr, len)) = part.split_once('/') {
        if let (Ok(addr), Ok(len)) = (addr.parse::<IpAddr>(), len.parse::<u8>()) {
            let max = if addr.is_ipv4() { 32 } else { 128 };
            if len <= max {
                return Some(NoProxyEntry::Net(addr, len));
            }
        }
    }
    if let Ok(ip) = part.parse::<IpAddr>() {
        return Some(NoProxyEntry::Ip(ip));
    }
    (!part.is_empty()).then(|| NoProxyEntry::Domain(part.to_string()))
}

fn in_net(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Does `NO_PROXY` (comma-separated) exempt `host`? The rules of reqwest (hyper-util), after
/// curl: IP addresses and CIDR networks match IP hosts; `*` matches any host name; any other
/// entry matches that domain and its subdomains, with or without a leading dot.
pub fn no_proxy_matches(no_proxy: &str, host: &str) -> bool {
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let entries = no_proxy
        .split(',')
        .map(str::trim)
        .filter_map(parse_no_proxy_entry);
    if let Ok(ip) = host.parse::<IpAddr>() {
        return entries.into_iter().any(|e| match e {
            NoProxyEntry::Ip(a) => a == ip,
            NoProxyEntry::Net(n, len) => in_net(ip, n, len),
            NoProxyEntry::Domain(_) => false,
        });
    }
    let host = host.to_ascii_lowercase();
    entries.into_iter().any(|e| match e {
        NoProxyEntry::Domain(d) if d == "*" => true,
        NoProxyEntry::Domain(d) => {
            let d = d.to_ascii_lowercase();
            let bare = d.strip_prefix('.').unwrap_or(&d);
            host == bare || host.ends_with(&format!(".{bare}"))
        }
        _ => false,
    })
}

/// The proxy variable that applies to `url`, if a proxy does: the scheme's variable
/// (`HTTPS_PROXY`/`https_proxy` or `HTTP_PROXY`/`http_proxy`), else `ALL_PROXY`/`all_proxy`,
/// unless `NO_PROXY`/`no_proxy` exempts the host. As reqwest decides it: none at all in a CGI
/// script (`REQUEST_METHOD` set).
pub fn proxy_var_for(url: &url::Url, env: EnvOs) -> Option<&'static str> {
    if env("REQUEST_METHOD").is_some() {
        return None;
    }
    let first_set = |pair: [&'static str; 2]| {
        pair.iter()
            .find_map(|n| env(n).and_then(|v| v.into_string().ok()).map(|v| (*n, v)))
            .filter(|(_, v)| proxy_value_problem(v).is_none())
            .map(|(n, _)| n)
    };
    let scheme_pair = match url.scheme() {
        "https" => PROXY_VARS[0],
        "http" => PROXY_VARS[1],
        _ => return None,
    };
    let var = first_set(scheme_pair).or_else(|| first_set(PROXY_VARS[2]))?;
    let no_proxy = ["NO_PROXY", "no_proxy"]
        .iter()
        .find_map(|n| env(n).and_then(|v| v.into_string().ok()))
        .unwrap_or_default();
    let host = url.host_str()?;
    (!no_proxy_matches(&no_proxy, host)).then_some(var)
}

/// Build the client. Checks before any request that the CA sources can be opened and that the
/// proxy variables are usable (exit 2 otherwise).
pub fn build_client(opts: &HttpOptions) -> Result<reqwest::Client> {
    build_client_with_verifier(opts).map(|(c, _)| c)
}

/// [`build_client`], also returning the certificate verifier (to tell whether it has loaded its
/// trust store).
pub fn build_client_with_verifier(
    opts: &HttpOptions,
) -> Result<(reqwest::Client, Arc<LazyVerifier>)> {
    build(
        opts,
        reqwest::redirect::Policy::custom(|attempt| {
            match redirect_refusal(attempt.previous(), attempt.url()) {
                Err(refused) => attempt.error(refused),
                // reqwest drops Authorization (and cookies) itself when the host or port changes.
                Ok(()) => attempt.follow(),
            }
        }),
    )
}

/// [`build_client`] for a POST that must reach the service it was sent to, or be known not to
/// have: it follows **no** redirect (a followed 301/302/303 would turn the POST into a GET
/// whose answer says nothing about the POST, and a followed 307/308 would send the body to
/// another host). The 3xx answer itself is returned.
pub fn build_post_client(opts: &HttpOptions) -> Result<reqwest::Client> {
    build(opts, reqwest::redirect::Policy::none()).map(|(c, _)| c)
}

/// A `Location` as it may be shown: the URL it resolves to (against the POST URL) without
/// user name, password, query or fragment, control characters neutralised, at most 200
/// characters.
pub fn shown_location(url: &url::Url, location: &str) -> String {
    let text = match url.join(location.trim()) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            let had_query = u.query().is_some();
            u.set_query(None);
            u.set_fragment(None);
            let mut s = u.to_string();
            if had_query {
                s.push_str("?…");
            }
            s
        }
        Err(_) => "a Location that is not a URL".to_string(),
    };
    let clean = crate::sanitize::sanitize(&text);
    if clean.chars().count() > 200 {
        clean.chars().take(200).collect::<String>() + "…"
    } else {
        clean
    }
}

/// The proxy for `https://` requests from the environment (`HTTPS_PROXY`/`https_proxy`, else
/// `ALL_PROXY`/`all_proxy`, with `NO_PROXY`/`no_proxy`). Plain `http://` requests, which only
/// ever go straight to this machine's loopback, never use a proxy: the token and the NHS number
/// would cross the network in clear.
fn https_proxy(env: EnvOs) -> Result<Option<reqwest::Proxy>> {
    let value = PROXY_VARS
        .iter()
        .filter(|pair| pair[0] != "HTTP_PROXY")
        .find_map(|pair| {
            pair.iter().find_map(|name| {
                env(name)
                    .and_then(|v| v.into_string().ok())
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (*name, v))
            })
        });
    let Some((name, value)) = value else {
        return Ok(None);
    };
    let proxy = reqwest::Proxy::https(value.trim()).map_err(|e| {
        Error::usage(format!(
            "{name} is not a usable proxy URL: {}",
            error_chain(&e)
        ))
        .with_hint(format!("fix or unset {name}"))
    })?;
    Ok(Some(proxy.no_proxy(reqwest::NoProxy::from_env())))
}

/// The most of a response body read (FHIR bundles, PDS patients, token replies); more is
/// "answer too large" (exit 7).
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// Read a response body of at most `limit` bytes; beyond it, the error says "answer too
/// large". A body cut off on the way is a transport error.
pub async fn read_body(
    mut resp: reqwest::Response,
    limit: usize,
) -> std::result::Result<Vec<u8>, BodyError> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// Over the limit ([`MAX_BODY`]).
    TooLarge,
    Transport(reqwest::Error),
}

/// The error for an answer over [`MAX_BODY`] from `what`.
pub fn too_large(what: &str) -> Error {
    Error::new(
        Kind::Service,
        format!(
            "{what}: answer too large (over {} MiB); not read",
            MAX_BODY / (1024 * 1024)
        ),
    )
    .with_hint(
        "the service, or something in between, sent far more than any answer holds; report it",
    )
}

fn build(
    opts: &HttpOptions,
    redirect: reqwest::redirect::Policy,
) -> Result<(reqwest::Client, Arc<LazyVerifier>)> {
    super::tls::check_sources(&opts.ca_sources).map_err(|e| ca_error(&e))?;
    if opts.use_proxy {
        check_proxy_env(&process_env)?;
    }
    let setup_error =
        |e: &dyn fmt::Display| Error::new(Kind::Unreachable, format!("cannot set up HTTPS: {e}"));
    let (tls, verifier) =
        super::tls::client_config(opts.ca_sources.clone()).map_err(|e| setup_error(&e))?;
    let mut b = reqwest::Client::builder()
        .user_agent(crate::USER_AGENT)
        .timeout(opts.timeout)
        .connect_timeout(opts.timeout.min(MAX_CONNECT_TIMEOUT))
        .tcp_nodelay(true)
        .use_preconfigured_tls(tls)
        .dns_resolver(Arc::new(Resolver))
        .https_only(false)
        .referer(false)
        .redirect(redirect)
        // Proxies are ours to choose (below), never reqwest's own reading of the environment.
        .no_proxy();
    if opts.use_proxy {
        if let Some(proxy) = https_proxy(&process_env)? {
            b = b.proxy(proxy);
        }
    }
    let client = b.build().map_err(|e| setup_error(&error_chain(&e)))?;
    Ok((client, verifier))
}

/// The error and all its causes, joined, for messages (never for decisions).
pub fn error_chain(e: &(dyn StdError + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut src = e.source();
    while let Some(s) = src {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        src = s.source();
    }
    parts.join(": ")
}

/// The error and its causes, looking inside `io::Error` (whose `source()` skips the error it
/// wraps) and `rustls::Error::Other` (which has no `source()`).
fn causes<'a>(e: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut out = Vec::new();
    let mut cur = Some(e);
    while let Some(c) = cur {
        out.push(c);
        if out.len() > 64 {
            break;
        }
        cur = next_cause(c);
    }
    out
}

fn next_cause<'a>(e: &'a (dyn StdError + 'static)) -> Option<&'a (dyn StdError + 'static)> {
    if let Some(inner) = e.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
        return Some(inner);
    }
    if let Some(r) = e.downcast_ref::<rustls::Error>() {
        return match r {
            rustls::Error::Other(o)
            | rustls::Error::InvalidCertificate(rustls::CertificateError::Other(o)) => {
                Some(o.0.as_ref())
            }
            _ => None,
        };
    }
    e.source()
}

fn find<'a, T: StdError + 'static>(chain: &[&'a (dyn StdError + 'static)]) -> Option<&'a T> {
    chain.iter().find_map(|c| c.downcast_ref::<T>())
}

fn has_io_kind(chain: &[&(dyn StdError + 'static)], kinds: &[io::ErrorKind]) -> bool {
    chain
        .iter()
        .filter_map(|c| c.downcast_ref::<io::Error>())
        .any(|io| kinds.contains(&io.kind()))
}

/// Did this transport error happen before any of the request could reach the server
/// (connecting, DNS, TLS handshake, a CA file, building the request)? Then resending it
/// cannot duplicate anything.
pub fn never_sent(e: &reqwest::Error) -> bool {
    if e.is_builder() || e.is_connect() {
        return true;
    }
    let chain = causes(e);
    find::<CaLoadError>(&chain).is_some()
        || find::<DnsError>(&chain).is_some()
        || find::<rustls::Error>(&chain).is_some()
}

/// How a proxy refused to open the tunnel (its answer to CONNECT was not 200).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyRefusal {
    /// HTTP 407: the proxy wants (other) credentials.
    AuthRequired,
    /// Any other answer.
    Refused,
}

/// Did the proxy refuse the tunnel, and how? The proxy's answer to CONNECT reaches us only as
/// hyper-util's `TunnelError`, a type it does not export: it is recognised by its variant's
/// name (`Debug`), the one place this module reads an error's text, pinned by the tests below
/// so that an upgrade that changes it fails them.
pub fn proxy_refusal(e: &(dyn StdError + 'static)) -> Option<ProxyRefusal> {
    causes(e).iter().find_map(|c| {
        if c.source().is_some() {
            return None;
        }
        match format!("{c:?}").as_str() {
            "ProxyAuthRequired" => Some(ProxyRefusal::AuthRequired),
            "TunnelUnsuccessful" => Some(ProxyRefusal::Refused),
            _ => None,
        }
    })
}

/// Whether the proxy URL in `var` carries credentials (a user name), which reqwest then
/// sends in `Proxy-Authorization` with every CONNECT. The value itself is never shown.
pub fn proxy_has_credentials(var: &str, env: EnvOs) -> bool {
    let Some(value) = env(var).and_then(|v| v.into_string().ok()) else {
        return false;
    };
    let value = value.trim();
    let with_scheme = if value.contains("://") {
        value.to_string()
    } else {
        format!("http://{value}")
    };
    url::Url::parse(&with_scheme).is_ok_and(|u| !u.username().is_empty())
}

/// The message and hint for a proxy's refusal to open a tunnel to `host:port`, in `var`.
pub fn proxy_refusal_message(
    refusal: ProxyRefusal,
    var: &str,
    credentials: bool,
    host: &str,
    port: u16,
) -> (String, String) {
    match (refusal, credentials) {
        (ProxyRefusal::AuthRequired, false) => (
            format!("the proxy in {var} needs credentials (HTTP 407) to connect to {host}:{port}"),
            format!("the proxy needs credentials: put them in {var} as http://user:pass@host:port (percent-encode @ : / in them); a proxy that wants Windows (NTLM or Negotiate) authentication needs a local authenticating proxy such as px or cntlm"),
        ),
        (ProxyRefusal::AuthRequired, true) => (
            format!("the proxy refused the credentials in {var} (HTTP 407) to connect to {host}:{port}"),
            format!("the proxy refused the credentials in {var}: check the user name and password there (percent-encode @ : / in them); a proxy that wants Windows (NTLM or Negotiate) authentication needs a local authenticating proxy such as px or cntlm"),
        ),
        (ProxyRefusal::Refused, _) => (
            format!("the proxy in {var} refused to connect to {host}:{port}"),
            format!("check the proxy address in {var}, that the proxy allows {host}:{port}, or NO_PROXY for this host"),
        ),
    }
}

/// Does this transport error hold a TLS failure (with the service, or an `https://` proxy)?
pub fn has_tls_error(e: &(dyn StdError + 'static)) -> bool {
    find::<rustls::Error>(&causes(e)).is_some()
}

/// Is this transport error worth a retry of an idempotent GET (connect refused, reset,
/// connection closed early)? Certificate, CA file, DNS, redirect and timeout failures are not,
/// nor a proxy's refusal to open the tunnel (a 407 asked again is refused again).
pub fn is_retryable(e: &reqwest::Error) -> bool {
    if e.is_timeout() || e.is_builder() || e.is_redirect() || proxy_refusal(e).is_some() {
        return false;
    }
    let chain = causes(e);
    if find::<CaLoadError>(&chain).is_some()
        || find::<RedirectRefused>(&chain).is_some()
        || find::<DnsError>(&chain).is_some()
        || find::<rustls::Error>(&chain).is_some()
    {
        return false;
    }
    use io::ErrorKind::*;
    let io_retryable = has_io_kind(
        &chain,
        &[
            ConnectionRefused,
            ConnectionReset,
            ConnectionAborted,
            BrokenPipe,
            UnexpectedEof,
            NotConnected,
        ],
    );
    let closed_early = find::<hyper::Error>(&chain)
        .is_some_and(|h| h.is_incomplete_message() || h.is_closed() || h.is_canceled());
    io_retryable || closed_early || e.is_connect() || e.is_body()
}

/// A certificate that expired at `not_after` (seconds) when checked at `now`: longer ago than
/// this, a clock running fast cannot be why, so the clock is not mentioned.
const CLOCK_EXPLAINS_EXPIRY_SECS: u64 = 60 * 60;

/// The message and hint for a failed TLS handshake with `host`: the real cause where the
/// error (and the chain the server sent) tells it.
fn tls_message(tls: &rustls::Error, host: &str, text: &str) -> (String, String) {
    use rustls::AlertDescription as A;
    use rustls::CertificateError as C;
    let date = |t: &rustls::pki_types::UnixTime| crate::timeutil::rfc3339_secs(t.as_secs());
    let mismatch = |what: String| {
        (
            format!("TLS with {host} failed: {what}: the server and cpis have no TLS version or cipher suite in common"),
            "cpis speaks TLS 1.2 and 1.3 with ECDHE key exchange and AES-GCM or ChaCha20-Poly1305; the server (or a proxy in between) must offer one of them. This is not a certificate problem: --ca-bundle will not help; tell whoever runs the server".to_string(),
        )
    };
    match tls {
        rustls::Error::InvalidCertificate(C::Other(o)) => {
            match o.0.downcast_ref::<super::tls::UntrustedChain>() {
                Some(c) if !c.ends_in_root && c.names_issuer_url => (
                    format!(
                        "the server {host} sends an incomplete chain: its certificate is issued by {:?}, an intermediate certificate it does not send",
                        c.issuer
                    ),
                    "the server must send its intermediate certificate with its own (whoever runs it must fix its chain); nothing needs changing here, and --ca-bundle is not the fix".to_string(),
                ),
                Some(c) if !c.ends_in_root => (
                    format!(
                        "the TLS certificate of {host} is not signed by a trusted authority: its issuer {:?} is neither sent by the server nor trusted here",
                        c.issuer
                    ),
                    format!(
                        "if {:?} is your organisation's HTTPS-inspecting proxy (or a sandbox's CA), pass its CA certificate with --ca-bundle PATH (or SSL_CERT_FILE); if it is a public CA's intermediate, the server sends an incomplete chain and must send it too. cpis never turns certificate checks off",
                        c.issuer
                    ),
                ),
                Some(c) => (
                    format!(
                        "the TLS certificate of {host} is not signed by a trusted authority: its chain ends in {:?}, a root not trusted here",
                        c.issuer
                    ),
                    "if your organisation inspects HTTPS, pass its CA certificate with --ca-bundle PATH (or SSL_CERT_FILE); cpis never turns certificate checks off".to_string(),
                ),
                None => (
                    format!("TLS with {host} failed: {text}"),
                    "check --ca-bundle / SSL_CERT_FILE and any HTTPS-inspecting proxy".to_string(),
                ),
            }
        }
        rustls::Error::InvalidCertificate(C::UnknownIssuer) => (
            format!("the TLS certificate of {host} is not signed by a trusted authority"),
            "if your organisation inspects HTTPS, pass its CA certificate with --ca-bundle PATH (or SSL_CERT_FILE); cpis never turns certificate checks off"
                .to_string(),
        ),
        rustls::Error::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => (
            format!("the TLS certificate presented is not valid for {host}"),
            "something between you and the service answers for it (a proxy or wrong DNS); check the base URL and your proxy settings"
                .to_string(),
        ),
        rustls::Error::InvalidCertificate(C::ExpiredContext { time, not_after }) => {
            let message = format!(
                "the TLS certificate of {host} expired on {}",
                date(not_after)
            );
            if time.as_secs().saturating_sub(not_after.as_secs()) <= CLOCK_EXPLAINS_EXPIRY_SECS {
                (
                    message,
                    format!(
                        "it expired less than an hour before this machine's time ({}): if this machine's clock is fast, correct it; otherwise the server's certificate must be renewed",
                        date(time)
                    ),
                )
            } else {
                (
                    message,
                    "the server's certificate must be renewed by whoever runs it (or the proxy in between that presents it); nothing needs changing here".to_string(),
                )
            }
        }
        rustls::Error::InvalidCertificate(C::NotValidYetContext { time, not_before }) => (
            format!(
                "the TLS certificate of {host} is not valid until {}, and this machine's time is {}",
                date(not_before),
                date(time)
            ),
            "this machine's clock is probably behind: check its clock and time zone".to_string(),
        ),
        rustls::Error::InvalidCertificate(C::Expired | C::NotValidYet) => (
            format!("the TLS certificate of {host} is expired or not yet valid"),
            "check this machine's clock and time zone, then whether the server's certificate has expired".to_string(),
        ),
        rustls::Error::AlertReceived(
            a @ (A::HandshakeFailure | A::ProtocolVersion | A::InsufficientSecurity),
        ) => mismatch(format!("it refused the handshake ({a:?})")),
        rustls::Error::PeerIncompatible(p) => mismatch(format!("{p:?}")),
        _ => (
            format!("TLS with {host} failed: {text}"),
            "check --ca-bundle / SSL_CERT_FILE and any HTTPS-inspecting proxy".to_string(),
        ),
    }
}

/// A failed TLS handshake (any error whose causes hold a `rustls::Error` or a CA file
/// problem), diagnosed as a request's would be.
pub fn tls_diagnosis(e: &(dyn StdError + 'static), host: &str) -> Error {
    let chain = causes(e);
    if let Some(ca) = find::<CaLoadError>(&chain) {
        return ca_error(ca);
    }
    let text = error_chain(e);
    let (message, hint) = match find::<rustls::Error>(&chain) {
        Some(tls) => tls_message(tls, host, &text),
        None => (
            format!("TLS with {host} failed: {text}"),
            "check the network and any HTTPS-inspecting proxy".to_string(),
        ),
    };
    Error::new(Kind::Unreachable, message).with_hint(hint)
}

/// Turn a transport failure into one message and a hint. `use_proxy`: whether the client
/// honours the proxy variables.
pub fn transport_error(
    e: reqwest::Error,
    url: &url::Url,
    timeout: Duration,
    use_proxy: bool,
) -> Error {
    // The URL carries the NHS number: keep it out of the message.
    let e = e.without_url();
    let host = url.host_str().unwrap_or("the service").to_string();
    let chain = causes(&e);
    if let Some(ca) = find::<CaLoadError>(&chain) {
        return ca_error(ca);
    }
    let text = error_chain(&e);
    let proxy = if use_proxy {
        proxy_var_for(url, &process_env)
    } else {
        None
    };
    let (message, hint) = if e.is_timeout() {
        (
            format!("no answer from {host} within {} s", timeout.as_secs()),
            "the service or the network is slow: try again, or allow longer with --timeout SECS"
                .to_string(),
        )
    } else if let Some(r) = find::<RedirectRefused>(&chain) {
        // The service answered, with somewhere else: a service error, not unreachable.
        return Error::new(
            Kind::Service,
            format!("redirect from {host} not followed: {r}"),
        )
        .with_hint(
            "check the base URL: the service should answer itself, not send requests elsewhere",
        );
    } else if e.is_redirect() {
        (
            format!("redirect from {host} not followed: {text}"),
            "check the base URL".to_string(),
        )
    } else if let Some(d) = find::<DnsError>(&chain) {
        let mut hint = "check the host name and this machine's DNS; NHS services need a route to the internet or HSCN".to_string();
        if let Some(var) = proxy.filter(|_| d.host != host) {
            hint = format!("check the proxy host in {var}; {hint}");
        }
        (format!("{d}: {}", d.source), hint)
    } else if let (Some(refusal), Some(var)) = (proxy_refusal(&e), proxy) {
        proxy_refusal_message(
            refusal,
            var,
            proxy_has_credentials(var, &process_env),
            &host,
            url.port_or_known_default().unwrap_or(443),
        )
    } else if let Some(tls) = find::<rustls::Error>(&chain) {
        tls_message(tls, &host, &text)
    } else if let Some(var) = proxy.filter(|_| e.is_connect()) {
        (
            format!("cannot reach {host} through the proxy: {text}"),
            format!("check {var} and NO_PROXY"),
        )
    } else if has_io_kind(&chain, &[io::ErrorKind::ConnectionRefused]) {
        (
            format!("{host} refused the connection"),
            "check the base URL and port, and that the service (or sandbox) is running".to_string(),
        )
    } else {
        (
            format!("cannot reach {host}: {text}"),
            "check the network connection, the base URL and proxy settings".to_string(),
        )
    };
    Error::new(Kind::Unreachable, message).with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    use crate::config::env_of;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn no_proxy_rules_follow_reqwest() {
        let list = "example.org, .corp.nhs.uk,10.0.0.0/8, 192.168.1.7, ::1";
        for host in [
            "example.org",
            "www.example.org",
            "EXAMPLE.ORG",
            "corp.nhs.uk",
            "a.corp.nhs.uk",
            "10.1.2.3",
            "192.168.1.7",
            "[::1]",
        ] {
            assert!(no_proxy_matches(list, host), "{host}");
        }
        for host in [
            "notexample.org",
            "nhs.uk",
            "11.0.0.1",
            "192.168.1.8",
            "127.0.0.1",
        ] {
            assert!(!no_proxy_matches(list, host), "{host}");
        }
        assert!(no_proxy_matches("*", "anything.example"));
        assert!(!no_proxy_matches("", "example.org"));
    }

    #[test]
    fn which_proxy_applies() {
        let https = url("https://api.service.nhs.uk/cpis/FHIR/R4/CareTeam");
        let http = url("http://cpis.example.invalid/x");
        let p = "http://proxy:3128";
        assert_eq!(
            proxy_var_for(&https, &env_of(&[("HTTPS_PROXY", p)])),
            Some("HTTPS_PROXY")
        );
        assert_eq!(
            proxy_var_for(&https, &env_of(&[("https_proxy", p)])),
            Some("https_proxy")
        );
        assert_eq!(proxy_var_for(&http, &env_of(&[("HTTPS_PROXY", p)])), None);
        assert_eq!(
            proxy_var_for(&http, &env_of(&[("HTTPS_PROXY", p), ("ALL_PROXY", p)])),
            Some("ALL_PROXY")
        );
        assert_eq!(
            proxy_var_for(
                &https,
                &env_of(&[("HTTPS_PROXY", p), ("NO_PROXY", "nhs.uk")])
            ),
            None
        );
        assert_eq!(
            proxy_var_for(&https, &env_of(&[("HTTPS_PROXY", p), ("no_proxy", "*")])),
            None
        );
        assert_eq!(
            proxy_var_for(
                &https,
                &env_of(&[("HTTPS_PROXY", p), ("REQUEST_METHOD", "GET")])
            ),
            None,
            "reqwest ignores proxy variables in CGI scripts"
        );
        // reqwest proxies loopback addresses too unless NO_PROXY says otherwise.
        assert_eq!(
            proxy_var_for(&url("http://127.0.0.1:1/"), &env_of(&[("HTTP_PROXY", p)])),
            Some("HTTP_PROXY")
        );
    }

    #[test]
    fn unusable_proxy_variables_are_usage_errors_naming_the_variable() {
        for (var, value) in [
            ("HTTPS_PROXY", "http://[bad"),
            ("HTTPS_PROXY", "::::"),
            ("http_proxy", "ftp://proxy:21"),
            ("ALL_PROXY", "socks5://proxy:1080"),
            ("HTTP_PROXY", "http://"),
        ] {
            let e = check_proxy_env(&env_of(&[(var, value)])).unwrap_err();
            assert_eq!(e.kind, Kind::Usage);
            assert!(e.message.contains(var), "{var}={value}: {e}");
        }
        let e =
            check_proxy_env(&env_of(&[("HTTPS_PROXY", "http://user:s3cret@[bad")])).unwrap_err();
        assert!(!e.to_string().contains("s3cret"), "{e}");
        for value in [
            "http://proxy:3128",
            "https://user:pw@proxy.corp:8443/",
            "proxy.corp:3128",
            "",
        ] {
            check_proxy_env(&env_of(&[("HTTPS_PROXY", value)])).unwrap();
        }
        // Only the variable reqwest reads: the upper-case one when both are set.
        check_proxy_env(&env_of(&[
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("https_proxy", "::::"),
        ]))
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt;
            let bad = OsString::from_vec(vec![b'h', 0xff]);
            let env = move |k: &str| (k == "HTTP_PROXY").then(|| bad.clone());
            let e = check_proxy_env(&env).unwrap_err();
            assert!(e.message.contains("HTTP_PROXY"), "{e}");
        }
    }

    #[test]
    fn redirect_rules() {
        let https = url("https://api.service.nhs.uk/a?x=1");
        let http_local = url("http://127.0.0.1:8080/a");
        for (from, to) in [
            (&https, "http://api.service.nhs.uk/a"),
            (&https, "https://api.service.nhs.uk:444/a"),
            (&https, "https://int.api.service.nhs.uk/a"),
            (&http_local, "http://127.0.0.1:8081/a"),
            (&http_local, "http://localhost:8080/a"),
            (&http_local, "https://127.0.0.1:8080/a"),
        ] {
            assert!(
                matches!(
                    redirect_refusal(std::slice::from_ref(from), &url(to)),
                    Err(RedirectRefused::OtherOrigin(_))
                ),
                "{from} -> {to}"
            );
        }
        assert_eq!(
            redirect_refusal(
                std::slice::from_ref(&https),
                &url("https://api.service.nhs.uk/b?y=2")
            ),
            Ok(())
        );
        let Err(RedirectRefused::OtherOrigin(shown)) = redirect_refusal(
            std::slice::from_ref(&https),
            &url("https://user:pw@elsewhere.example/p?nhs=9434765919#f"),
        ) else {
            panic!("followed")
        };
        assert_eq!(shown, "https://elsewhere.example/p?…");
        let many = vec![http_local.clone(); MAX_REDIRECTS];
        assert_eq!(
            redirect_refusal(&many, &http_local),
            Err(RedirectRefused::TooMany)
        );
    }

    fn client() -> reqwest::Client {
        build_client(&HttpOptions {
            timeout: Duration::from_secs(10),
            ca_sources: vec![],
            use_proxy: false,
        })
        .unwrap()
    }

    #[tokio::test]
    async fn a_closed_port_is_a_retryable_refused_connection() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let u = url(&format!("http://127.0.0.1:{port}/cpis?nhs=9434765919"));
        let err = client().get(u.clone()).send().await.unwrap_err();
        assert!(is_retryable(&err));
        let e = transport_error(err, &u, Duration::from_secs(10), false);
        assert_eq!(e.kind, Kind::Unreachable);
        assert_eq!(e.message, "127.0.0.1 refused the connection");
    }

    /// A proxy on loopback answering every CONNECT with `status`; the client's error.
    async fn connect_refused_with(status: &'static str) -> reqwest::Error {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = listener.accept() {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let _ = s.write_all(
                    format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .as_bytes(),
                );
            }
        });
        let client = reqwest::Client::builder()
            .proxy(reqwest::Proxy::https(format!("http://{addr}")).unwrap())
            .build()
            .unwrap();
        client
            .get("https://cpis.example.invalid/cpis")
            .send()
            .await
            .unwrap_err()
    }

    #[tokio::test]
    async fn a_proxys_refusal_to_tunnel_is_recognised_and_never_retried() {
        // Pins the recognition of hyper-util's unexported TunnelError (see proxy_refusal).
        let e = connect_refused_with("407 Proxy Authentication Required").await;
        assert_eq!(proxy_refusal(&e), Some(ProxyRefusal::AuthRequired));
        assert!(!is_retryable(&e) && never_sent(&e));
        let e = connect_refused_with("403 Forbidden").await;
        assert_eq!(proxy_refusal(&e), Some(ProxyRefusal::Refused));
        assert!(!is_retryable(&e));
        let refused = {
            let port = {
                let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                l.local_addr().unwrap().port()
            };
            client()
                .get(format!("http://127.0.0.1:{port}/"))
                .send()
                .await
                .unwrap_err()
        };
        assert_eq!(proxy_refusal(&refused), None);
        assert!(proxy_has_credentials(
            "P",
            &env_of(&[("P", "http://u:p@proxy:3128")])
        ));
        assert!(proxy_has_credentials(
            "P",
            &env_of(&[("P", "u:p@proxy:3128")])
        ));
        assert!(!proxy_has_credentials(
            "P",
            &env_of(&[("P", "http://proxy:3128")])
        ));
        assert!(!proxy_has_credentials("P", &env_of(&[])));
    }

    #[tokio::test]
    async fn a_refused_redirect_is_a_redirect_not_a_refused_connection() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = listener.accept() {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let _ = s.write_all(
                    b"HTTP/1.1 302 Found\r\nLocation: http://example.invalid/x?nhs=9434765919\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        let u = url(&format!("http://{addr}/cpis?nhs=9434765919"));
        let err = client().get(u.clone()).send().await.unwrap_err();
        assert!(!is_retryable(&err));
        let e = transport_error(err, &u, Duration::from_secs(10), false);
        assert_eq!(e.kind, Kind::Service);
        assert!(
            e.message.starts_with(
                "redirect from 127.0.0.1 not followed: it goes to another origin (http://example.invalid/x?…)"
            ),
            "{e}"
        );
        assert!(!e.to_string().contains("9434765919"), "{e}");
    }
}
