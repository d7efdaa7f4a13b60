//! Transport errors turned into plain advice: classified from their types
//! (`reqwest::Error::is_*`, `std::io::ErrorKind`, `rustls::Error`, `hyper::Error`, and the
//! network layer's own [`DnsError`] and [`RedirectRefused`]), found by walking the error's
//! source chain; never from the text of a message. Whether a failure may be retried, or
//! proves the request was never sent.

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use super::dns::DnsError;
use super::proxy::{process_env, proxy_has_credentials, proxy_var_for};
use super::redirect::RedirectRefused;
use super::tls::CaLoadError;
use crate::error::{Error, Kind};

/// The user-facing error for a CA source that cannot be used (exit 2).
pub fn ca_error(e: &CaLoadError) -> Error {
    Error::usage(e.to_string()).with_hint(
        "give a PEM file of CA certificates (-----BEGIN CERTIFICATE-----), or remove the setting",
    )
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
