//! The embedded CP-IS sandbox: synthetic patients served over real HTTP(S) on loopback.
//! `cpis sandbox serve` runs it on its own; `--env local` starts it in-process.
//!
//! Its own crate: it uses only `cpis-core` (NHS numbers, time, sanitising, XML) and keeps its
//! own vocabulary ([`vocab`]), so it checks the client rather than agreeing with it.

pub mod alerts;
pub mod app;
pub mod cis2;
pub mod cpis_fhir;
pub mod error;
pub mod flags;
pub mod http;
pub mod mhs;
pub mod oauth;
pub mod patients;
pub mod pds;
pub mod server;
pub mod state;
pub mod tls;
pub mod vocab;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::error::{Error, Kind, Result};

#[derive(Clone, Default)]
pub struct Options {
    /// Extra latency for every response.
    pub delay: Duration,
    /// Serve HTTPS with this configuration.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The CP-IS searches demand an access token issued by a sandbox's `/oauth2/token`.
    pub require_auth: bool,
    /// Applications `/oauth2/token` knows besides the built-in one ([`app`]).
    pub apps: Vec<oauth::Application>,
    /// Seconds added to the `Date` of every response (negative: behind), to show clock skew.
    pub clock_offset_secs: i64,
    /// At most this many CP-IS searches per one-second window; more answer 429 as the API
    /// platform's spike arrest does.
    pub rate_limit: Option<u32>,
    /// What to do to the first attempt of each missed-appointment alert.
    pub alert_fault: Option<alerts::AlertFault>,
    /// Each access token is accepted for this many CP-IS searches, then refused with 401 as
    /// an expired one would be.
    pub token_uses: Option<u32>,
    /// The Patient Flags search ignores `code` and answers every flag the patient has.
    pub flags_ignore_code: bool,
}

/// A sandbox accepting connections until dropped.
pub struct Running {
    pub addr: SocketAddr,
    pub base_url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Bind and start serving in the background of the current Tokio runtime.
pub async fn start(addr: SocketAddr, opts: Options) -> Result<Running> {
    let listener = TcpListener::bind(addr).await.map_err(|e| {
        Error::new(Kind::Usage, format!("cannot listen on {addr}: {e}"))
            .with_hint("pick another port with --addr 127.0.0.1:PORT (port 0 picks a free one)")
    })?;
    let addr = listener.local_addr()?;
    let scheme = if opts.tls.is_some() { "https" } else { "http" };
    let base_url = format!("{scheme}://{addr}{}", cpis_fhir::BASE_PATH);
    let state = Arc::new(
        state::State::new(opts.delay, opts.tls.is_some())
            .with_auth(opts.require_auth, oauth::Registry::new(opts.apps))
            .with_clock_offset(opts.clock_offset_secs)
            .with_rate_limit(opts.rate_limit)
            .with_alert_fault(opts.alert_fault)
            .with_token_uses(opts.token_uses)
            .with_flags_ignore_code(opts.flags_ignore_code),
    );
    let acceptor = opts.tls.map(tokio_rustls::TlsAcceptor::from);
    let task = tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => {
                    // Without this, small TLS records wait ~40 ms on delayed ACKs.
                    let _ = stream.set_nodelay(true);
                    stream
                }
                Err(_) => {
                    // Out of file descriptors or similar: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let state = state.clone();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req| server::handle(state.clone(), req));
                let http = hyper::server::conn::http1::Builder::new();
                match acceptor {
                    Some(acc) => {
                        // A failed handshake (an untrusting client) just ends the connection.
                        if let Ok(tls) = acc.accept(stream).await {
                            let _ = http.serve_connection(TokioIo::new(tls), svc).await;
                        }
                    }
                    None => {
                        let _ = http.serve_connection(TokioIo::new(stream), svc).await;
                    }
                }
            });
        }
    });
    Ok(Running {
        addr,
        base_url,
        task,
    })
}
