//! The HTTP client: rustls with the platform's roots plus extra CA sources (see
//! [`super::tls`]), the proxy from the environment ([`super::proxy`]), timeouts, the redirect
//! rule ([`super::redirect`]), the system resolver ([`super::dns`]), and bodies read up to a
//! limit. Transport errors are turned into plain advice in [`super::diagnose`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::dns::Resolver;
use super::proxy::PROXY_VARS;
use super::tls::{CaSource, LazyVerifier};
use crate::error::{Error, Kind, Result};
use crate::net::diagnose::ca_error;
use crate::net::diagnose::error_chain;
use crate::net::proxy::check_proxy_env;
use crate::net::proxy::process_env;
use crate::net::proxy::EnvOs;
use crate::net::redirect::redirect_refusal;

/// Longest wait for a TCP (and proxy) connection, whatever the overall timeout.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::diagnose::{
        is_retryable, never_sent, proxy_refusal, transport_error, ProxyRefusal,
    };
    use crate::net::proxy::proxy_has_credentials;
    use std::io::{Read, Write};

    use crate::config::env_of;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
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
