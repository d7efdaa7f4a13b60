//! The HTTP client: rustls with the platform's roots plus extra CA bundles, proxies from the
//! environment, timeouts, a redirect policy, and transport errors turned into plain advice.

use std::path::{Path, PathBuf};
use std::time::Duration;

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
    /// PEM files whose certificates are trusted in addition to the platform's roots.
    pub ca_files: Vec<PathBuf>,
    /// Honour `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` (off for the embedded sandbox).
    pub use_proxy: bool,
}

/// Take `SSL_CERT_FILE` and `SSL_CERT_DIR` out of the process environment and return the
/// certificate files they name. rustls-native-certs would otherwise use them *instead of* the
/// platform's roots; `cpis` adds them *to* the platform's roots. Call this from `main` before
/// any thread starts.
pub fn take_env_ca_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Some(f) = std::env::var_os("SSL_CERT_FILE") {
        std::env::remove_var("SSL_CERT_FILE");
        if !f.is_empty() {
            files.push(PathBuf::from(f));
        }
    }
    if let Some(dirs) = std::env::var_os("SSL_CERT_DIR") {
        std::env::remove_var("SSL_CERT_DIR");
        for dir in std::env::split_paths(&dirs) {
            if let Ok(rd) = std::fs::read_dir(&dir) {
                // Certificate directories also hold CRLs and other files: keep PEM certificates.
                let mut entries: Vec<PathBuf> = rd
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        std::fs::read(p).is_ok_and(|b| {
                            b.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----")
                        })
                    })
                    .collect();
                entries.sort();
                files.extend(entries);
            }
        }
    }
    files
}

/// Read every certificate in a PEM file.
pub fn read_certificates(path: &Path) -> Result<Vec<reqwest::Certificate>> {
    let pem = std::fs::read(path).map_err(|e| {
        Error::usage(format!("cannot read CA bundle {}: {e}", path.display()))
            .with_hint("pass a PEM file of CA certificates with --ca-bundle PATH or SSL_CERT_FILE")
    })?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
        Error::usage(format!(
            "{} is not a PEM certificate bundle: {e}",
            path.display()
        ))
    })?;
    if certs.is_empty() {
        return Err(Error::usage(format!(
            "{} holds no PEM certificates (expected -----BEGIN CERTIFICATE-----)",
            path.display()
        )));
    }
    Ok(certs)
}

pub fn build_client(opts: &HttpOptions) -> Result<reqwest::Client> {
    let mut b = reqwest::Client::builder()
        .user_agent(crate::USER_AGENT)
        .timeout(opts.timeout)
        .connect_timeout(opts.timeout.min(MAX_CONNECT_TIMEOUT))
        .tls_built_in_root_certs(true)
        .https_only(false)
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
            }
            let downgrade = attempt
                .previous()
                .last()
                .is_some_and(|p| p.scheme() == "https")
                && attempt.url().scheme() != "https";
            if downgrade {
                return attempt.error("refused a redirect from HTTPS to plain HTTP");
            }
            // reqwest drops Authorization (and cookies) itself when the host or port changes.
            attempt.follow()
        }));
    for f in &opts.ca_files {
        for c in read_certificates(f)? {
            b = b.add_root_certificate(c);
        }
    }
    if !opts.use_proxy {
        b = b.no_proxy();
    }
    b.build().map_err(|e| {
        Error::new(
            Kind::Unreachable,
            format!("cannot set up HTTPS: {}", error_chain(&e)),
        )
    })
}

/// The error and all its causes, joined, for matching and for messages.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
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

fn proxy_in_use() -> Option<String> {
    [
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "HTTP_PROXY",
        "http_proxy",
    ]
    .iter()
    .find_map(|v| {
        std::env::var(v)
            .ok()
            .filter(|s| !s.is_empty())
            .map(|_| v.to_string())
    })
}

/// Is this transport error worth a retry of an idempotent GET (connect refused, reset,
/// connection closed early)? Certificate, DNS and timeout failures are not.
pub fn is_retryable(e: &reqwest::Error) -> bool {
    if e.is_timeout() || e.is_builder() || e.is_redirect() {
        return false;
    }
    let chain = error_chain(e).to_ascii_lowercase();
    if chain.contains("certificate") || chain.contains("dns error") || chain.contains("tls") {
        return false;
    }
    e.is_connect()
        || e.is_body()
        || chain.contains("reset")
        || chain.contains("broken pipe")
        || chain.contains("closed")
        || chain.contains("incomplete")
}

/// Turn a transport failure into one message and a hint.
pub fn transport_error(e: reqwest::Error, url: &url::Url, timeout: Duration) -> Error {
    // The URL carries the NHS number: keep it out of the message.
    let e = e.without_url();
    let host = url.host_str().unwrap_or("the service").to_string();
    let chain = error_chain(&e);
    let lower = chain.to_ascii_lowercase();
    let proxy = proxy_in_use();
    let (message, hint) = if e.is_timeout() {
        (
            format!("no answer from {host} within {} s", timeout.as_secs()),
            "the service or the network is slow: try again, or allow longer with --timeout SECS"
                .to_string(),
        )
    } else if lower.contains("dns error") || lower.contains("failed to lookup address") {
        (
            format!("cannot resolve {host} (DNS): {chain}"),
            "check the host name and this machine's DNS; NHS services need a route to the internet or HSCN"
                .to_string(),
        )
    } else if lower.contains("unknownissuer") || lower.contains("unknown issuer") {
        (
            format!("the TLS certificate of {host} is not signed by a trusted authority"),
            "if your organisation inspects HTTPS, pass its CA certificate with --ca-bundle PATH (or SSL_CERT_FILE); cpis never turns certificate checks off"
                .to_string(),
        )
    } else if lower.contains("notvalidforname") || lower.contains("not valid for name") {
        (
            format!("the TLS certificate presented is not valid for {host}"),
            "something between you and the service answers for it (a proxy or wrong DNS); check the base URL and your proxy settings"
                .to_string(),
        )
    } else if lower.contains("expired") || lower.contains("notvalidyet") {
        (
            format!("the TLS certificate of {host} is expired or not yet valid"),
            "check this machine's clock and time zone".to_string(),
        )
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        (
            format!("TLS with {host} failed: {chain}"),
            "check --ca-bundle / SSL_CERT_FILE and any HTTPS-inspecting proxy".to_string(),
        )
    } else if lower.contains("proxy") || (e.is_connect() && proxy.is_some()) {
        (
            format!("cannot reach {host} through the proxy: {chain}"),
            format!(
                "check {} and NO_PROXY",
                proxy.unwrap_or_else(|| "HTTPS_PROXY".into())
            ),
        )
    } else if lower.contains("refused") {
        (
            format!("{host} refused the connection"),
            "check the base URL and port, and that the service (or sandbox) is running".to_string(),
        )
    } else if e.is_redirect() {
        (
            format!("redirect from {host} not followed: {chain}"),
            "check the base URL".to_string(),
        )
    } else {
        (
            format!("cannot reach {host}: {chain}"),
            "check the network connection, the base URL and proxy settings".to_string(),
        )
    };
    Error::new(Kind::Unreachable, message).with_hint(hint)
}
