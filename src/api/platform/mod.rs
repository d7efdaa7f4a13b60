//! The NHS API platform client, which every API of the platform stands on (CP-IS, PDS, the
//! Patient Flags API, alerts): credentials (`Authorization`, `NHSD-Session-URID`), request ids
//! (`X-Request-ID`, the same on every retry), retries with backoff and `Retry-After`, pacing,
//! size limits, one response reader ([`reply`]) and error bodies that name their service
//! ([`errors`]).

pub mod errors;
pub mod fhir;
pub mod pacer;
pub(crate) mod reply;
mod retry;

pub use errors::Service;
pub use pacer::Pacer;
pub use reply::Reply;
pub use retry::{
    backoff, parse_retry_after, Get, Resend, MAX_RETRIES, MAX_RETRY_AFTER, RETRY_AFTER_BOUND,
};

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION};
use url::Url;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// Called before a request is written to the network (see [`Client::get_with_marked`]).
pub type Mark = dyn Fn() -> Result<()> + Send + Sync;

/// Called with a line of progress for stderr (retries); silent when quiet.
pub type Notify = Arc<dyn Fn(&str) + Send + Sync>;

/// A client of the API platform at one base URL, with one set of credentials. The APIs add
/// their requests to it (`api::cpis` its searches and alerts); `api::pds` and `api::flags`
/// hold one for their own base URLs.
pub struct Client {
    http: reqwest::Client,
    base: Url,
    /// `Bearer {token}`, marked sensitive so it is never shown by `Debug`.
    authorization: Option<HeaderValue>,
    timeout: Duration,
    notify: Notify,
    verbose: bool,
    /// Whether `http` honours the proxy variables (for error messages).
    use_proxy: bool,
    /// `NHSD-Session-URID`: the CIS2 user's selected role profile id.
    session_urid: Option<HeaderValue>,
    /// Awaited before every attempt (retries included), when set.
    pacer: Option<Arc<Pacer>>,
}

impl Client {
    pub fn new(
        http: reqwest::Client,
        base_url: &str,
        token: Option<Secret>,
        timeout: Duration,
        notify: Notify,
    ) -> Result<Self> {
        let mut base = Url::parse(base_url)
            .map_err(|e| Error::usage(format!("base URL {base_url:?}: {e}")))?;
        let authorization = match &token {
            None => None,
            Some(t) => {
                let mut v =
                    HeaderValue::from_str(&format!("Bearer {}", t.expose())).map_err(|_| {
                        Error::usage(
                        "the access token holds characters that cannot be sent in an HTTP header",
                    )
                    .with_hint("check CPIS_ACCESS_TOKEN: it should be the token alone, on one line")
                    })?;
                v.set_sensitive(true);
                Some(v)
            }
        };
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        Ok(Client {
            http,
            base,
            authorization,
            timeout,
            notify,
            verbose: false,
            use_proxy: true,
            session_urid: None,
            pacer: None,
        })
    }

    /// Log each attempt (method, path without the query, status, time, trace id) through
    /// the notifier. The query, which holds the NHS number, is never logged.
    pub fn verbose(mut self, on: bool) -> Self {
        self.verbose = on;
        self
    }

    /// Whether the HTTP client honours the proxy variables (the default); errors then name the
    /// proxy when one applies.
    pub fn use_proxy(mut self, on: bool) -> Self {
        self.use_proxy = on;
        self
    }

    /// Send `NHSD-Session-URID` (the signed-in user's role profile id) with every request.
    pub fn session_urid(mut self, role_profile_id: Option<&str>) -> Result<Self> {
        self.session_urid = role_profile_id
            .map(|id| {
                HeaderValue::from_str(id)
                    .map_err(|_| Error::usage("the stored role profile id is not a header value"))
            })
            .transpose()?;
        Ok(self)
    }

    /// Send notes (retries, `--verbose` lines) here instead.
    pub fn notifier(mut self, notify: Notify) -> Self {
        self.notify = notify;
        self
    }

    /// Wait for `pacer` before every attempt (retries included) and tell it about 429s.
    pub fn pacer(mut self, pacer: Arc<Pacer>) -> Self {
        self.pacer = Some(pacer);
        self
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// How long one request may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The error for a request that failed on the way (connection, TLS, proxy, timeout),
    /// naming the proxy when this client uses one.
    pub fn transport_error(&self, e: reqwest::Error, url: &Url) -> Error {
        crate::net::diagnose::transport_error(e, url, self.timeout, self.use_proxy)
    }

    /// `Authorization` and `NHSD-Session-URID`, when this client has them.
    pub fn add_credentials(&self, h: &mut HeaderMap) {
        if let Some(v) = &self.authorization {
            h.insert(AUTHORIZATION, v.clone());
        }
        if let Some(v) = &self.session_urid {
            h.insert("NHSD-Session-URID", v.clone());
        }
    }

    /// `extra` with `X-Request-ID: trace_id` and this client's credentials: the headers of a
    /// request to an API of the platform.
    pub fn headers_with(&self, mut extra: HeaderMap, trace_id: &str) -> HeaderMap {
        extra.insert(
            "X-Request-ID",
            HeaderValue::from_str(trace_id).expect("uuid is a header value"),
        );
        self.add_credentials(&mut extra);
        extra
    }

    /// One `curl` command for a GET of `url` with exactly `headers`, on one line. A token of
    /// `$CPIS_ACCESS_TOKEN` stays a shell variable.
    pub fn curl_line(url: &Url, headers: &HeaderMap, cacert: Option<&str>) -> String {
        fn quote(s: &str) -> String {
            format!("'{}'", s.replace('\'', "'\\''"))
        }
        let mut cmd = String::from("curl --fail-with-body --silent --show-error");
        if let Some(ca) = cacert {
            cmd.push_str(&format!(" --cacert {}", quote(ca)));
        }
        for (name, value) in headers.iter() {
            let value = value.to_str().unwrap_or("");
            let header = format!("{}: {value}", name.as_str());
            if value.contains("$CPIS_ACCESS_TOKEN") {
                // Double quotes: the shell expands the variable; nothing else in it needs them.
                cmd.push_str(&format!(" -H \"{header}\""));
            } else {
                cmd.push_str(&format!(" -H {}", quote(&header)));
            }
        }
        cmd.push(' ');
        cmd.push_str(&quote(url.as_str()));
        cmd.push('\n');
        cmd
    }

    /// A GET to an API of the platform with this client's credentials (`Authorization`,
    /// `NHSD-Session-URID`), its pacer and retries, `extra` headers, and a fresh
    /// `X-Request-ID` that stays the same on every retry.
    pub async fn get_with(
        &self,
        service: Service,
        what: &str,
        url: &Url,
        extra: HeaderMap,
    ) -> Result<Reply> {
        self.get_with_marked(service, what, url, extra, None).await
    }

    /// [`Client::get_with`], calling `mark` before every attempt: after the pacer has granted
    /// it and before anything is written to the network (an error from `mark` stops the
    /// request unsent). For silent reads only: every transient failure is retried.
    pub async fn get_with_marked(
        &self,
        service: Service,
        what: &str,
        url: &Url,
        extra: HeaderMap,
        mark: Option<&Mark>,
    ) -> Result<Reply> {
        let trace_id = uuid::Uuid::new_v4().to_string();
        let get = Get {
            service,
            what,
            url,
            headers: self.headers_with(extra, &trace_id),
            trace_id,
            resend: Resend::Freely,
        };
        self.send(get, mark).await
    }
}

/// The headers of a FHIR read on the platform (PDS, Patient Flags): FHIR JSON accepted, and a
/// fresh `X-Correlation-ID` for the service's logs.
pub fn fhir_read_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(ACCEPT, HeaderValue::from_static("application/fhir+json"));
    h.insert(
        "X-Correlation-ID",
        HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).expect("uuid is a header value"),
    );
    h
}
