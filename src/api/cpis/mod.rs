//! The CP-IS FHIR R4 API: request building, retries, response models and error mapping.

pub mod alert;
pub mod errors;
pub mod fhir;
pub mod model;
pub use crate::api::platform::pacer;
pub mod patient;

// The settings' vocabulary lives with the settings; kept here at its old paths.
pub use crate::config::{care, environment, route};
pub use care::CareSetting;
pub use environment::EnvName;
pub use pacer::Pacer;
pub use route::Route;

use std::time::{Duration, SystemTime};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use url::Url;

use crate::error::{Error, Kind, Result};
use crate::nhs_number::NhsNumber;
use crate::secret::Secret;
use errors::Reply;
use fhir::Bundle;

/// Everything but RFC 3986 unreserved characters is percent-encoded in query values.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The `_include` value exactly as the guide writes it (not valid FHIR; never relied on).
pub const AUDIT_INCLUDE: &str =
    "AuditEvent:entity-type=http://terminology.hl7.org/CodeSystem/v3-RoleClass|ASSIGNED";

/// Retries after the first attempt, for GETs.
pub const MAX_RETRIES: u32 = 3;
/// The longest `Retry-After` the client waits for; longer ones fail at once with the wait.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// The first backoff step; doubles on each retry, with jitter.
const BACKOFF_BASE: Duration = Duration::from_millis(250);
const BACKOFF_CAP: Duration = Duration::from_secs(4);
/// Pages of one search followed before giving up (the guide specifies no paging at all).
const MAX_PAGES: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Search {
    CareTeam,
    AuditEvent,
}

impl Search {
    pub fn resource(self) -> &'static str {
        match self {
            Search::CareTeam => "CareTeam",
            Search::AuditEvent => "AuditEvent",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Search::CareTeam => "CareTeam search (plans)",
            Search::AuditEvent => "AuditEvent search (access history)",
        }
    }
}

/// One search's pages: the raw bodies (for `--raw`), the parsed bundles and trace ids.
#[derive(Debug, Clone, Default)]
pub struct SearchResult {
    pub raw: Vec<Vec<u8>>,
    pub bundles: Vec<Bundle>,
    pub trace_ids: Vec<String>,
    /// Results (match entries) that name no patient at all: shown, with a warning.
    pub unnamed: usize,
}

/// What a failed attempt may be resent after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resend {
    /// A silent read (a scheduled search, PDS): any transient failure is retried.
    Freely,
    /// An unscheduled search notifies the local authority: only a failure that provably never
    /// reached CP-IS is retried (no connection made, or a 429 spike-arrest answer). A 5xx, a
    /// 408, a timeout or a reset after sending is returned as "may have reached CP-IS".
    OnlyIfNotReached,
}

impl Resend {
    fn for_care(care: CareSetting) -> Self {
        match care {
            CareSetting::Scheduled => Resend::Freely,
            CareSetting::Unscheduled => Resend::OnlyIfNotReached,
        }
    }
}

/// The error for an unscheduled search that may have reached CP-IS (exit 7): the local
/// authority may already have been notified, so it must not be repeated without checking.
pub fn may_have_reached(mut err: Error) -> Error {
    err.kind = Kind::Service;
    err.message = format!(
        "{}; the request may have reached CP-IS: do not repeat without checking",
        err.message
    );
    err.hint = Some(
        "an unscheduled search notifies the local authority, and this one may already have done so: check the record's access history with a scheduled lookup (--scheduled) before searching again".into(),
    );
    err.trace.maybe_sent = true;
    err
}

/// Does a transport error prove the request never reached the service? Only a connection
/// that was never made (DNS, refused, TLS handshake) does.
fn never_sent(e: &reqwest::Error) -> bool {
    e.is_connect() && !e.is_timeout()
}

/// Called before a request is written to the network (see [`Client::get_marked`]).
pub type Mark = dyn Fn() -> Result<()> + Send + Sync;

/// Called with a line of progress for stderr (retries); silent when quiet.
pub type Notify = std::sync::Arc<dyn Fn(&str) + Send + Sync>;

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
    pacer: Option<std::sync::Arc<Pacer>>,
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
    pub fn pacer(mut self, pacer: std::sync::Arc<Pacer>) -> Self {
        self.pacer = Some(pacer);
        self
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The search URL, exactly as the guide gives it, with values percent-encoded.
    pub fn search_url(&self, search: Search, nhs: &NhsNumber) -> Url {
        let identifier = format!("{}|{}", model::SYSTEM_NHS_NUMBER, nhs.digits());
        let mut query = format!(
            "patient:identifier={}",
            utf8_percent_encode(&identifier, QUERY_VALUE)
        );
        if search == Search::AuditEvent {
            query.push_str("&_include=");
            query.extend(utf8_percent_encode(AUDIT_INCLUDE, QUERY_VALUE));
        }
        let mut url = self
            .base
            .join(search.resource())
            .expect("resource name joins");
        url.set_query(Some(&query));
        url
    }

    fn headers(&self, trace_id: &str, care: CareSetting) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT, HeaderValue::from_static("application/fhir+json"));
        let id = HeaderValue::from_str(trace_id).expect("uuid is a header value");
        h.insert("TraceID", id.clone());
        h.insert("X-Request-ID", id);
        h.insert(
            "IsUnscheduledAccessEvent",
            HeaderValue::from_static(care.header_value()),
        );
        self.add_credentials(&mut h);
        h
    }

    /// `Authorization` and `NHSD-Session-URID`, when this client has them.
    fn add_credentials(&self, h: &mut HeaderMap) {
        if let Some(v) = &self.authorization {
            h.insert(AUTHORIZATION, v.clone());
        }
        if let Some(v) = &self.session_urid {
            h.insert("NHSD-Session-URID", v.clone());
        }
    }

    /// `extra` with `X-Request-ID: trace_id` and this client's credentials: the headers of a
    /// request to another API of the platform (PDS).
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

    /// The `curl` commands that make this lookup's two searches with exactly these headers,
    /// one per line, for support to reproduce a request outside the tool. The client must have
    /// been made with the token `$CPIS_ACCESS_TOKEN`: it stays a shell variable, never a value.
    pub fn curl_commands(
        &self,
        nhs: &NhsNumber,
        care: CareSetting,
        cacert: Option<&str>,
    ) -> String {
        let mut out = String::new();
        for search in [Search::CareTeam, Search::AuditEvent] {
            let trace_id = uuid::Uuid::new_v4().to_string();
            out.push_str(&Self::curl_line(
                &self.search_url(search, nhs),
                &self.headers(&trace_id, care),
                cacert,
            ));
        }
        out
    }

    /// GET with retries on connect/reset errors and 408, 429, 502, 503, 504. The same
    /// `TraceID`/`X-Request-ID` is sent on every attempt. Returns the final reply, whatever
    /// its status.
    pub async fn get(&self, what: &str, url: &Url, care: CareSetting) -> Result<Reply> {
        self.get_marked(what, url, care, None).await
    }

    /// [`Client::get`], calling `mark` before every attempt: after the pacer has granted it
    /// and before anything is written to the network. An error from `mark` stops the request
    /// unsent.
    pub async fn get_marked(
        &self,
        what: &str,
        url: &Url,
        care: CareSetting,
        mark: Option<&Mark>,
    ) -> Result<Reply> {
        let trace_id = uuid::Uuid::new_v4().to_string();
        let headers = self.headers(&trace_id, care);
        self.send(what, url, headers, trace_id, mark, Resend::for_care(care))
            .await
    }

    /// A GET to another API of the platform (PDS) with this client's credentials
    /// (`Authorization`, `NHSD-Session-URID`), its pacer and retries, `extra` headers, and a
    /// fresh `X-Request-ID` that stays the same on every retry.
    pub async fn get_with(&self, what: &str, url: &Url, extra: HeaderMap) -> Result<Reply> {
        self.get_with_marked(what, url, extra, None).await
    }

    /// [`Client::get_with`], calling `mark` before every attempt (see
    /// [`Client::get_marked`]). For silent reads only: every transient failure is retried.
    pub async fn get_with_marked(
        &self,
        what: &str,
        url: &Url,
        extra: HeaderMap,
        mark: Option<&Mark>,
    ) -> Result<Reply> {
        let trace_id = uuid::Uuid::new_v4().to_string();
        let headers = self.headers_with(extra, &trace_id);
        self.send(what, url, headers, trace_id, mark, Resend::Freely)
            .await
    }

    /// Send a GET with `headers`, retrying 408, 429 and 502-504 (honouring `Retry-After`) and
    /// connection failures, with the same headers each time; under [`Resend::OnlyIfNotReached`]
    /// only 429 and connections never made are retried.
    async fn send(
        &self,
        what: &str,
        url: &Url,
        headers: HeaderMap,
        trace_id: String,
        mark: Option<&Mark>,
        resend: Resend,
    ) -> Result<Reply> {
        let mut attempt: u32 = 0;
        loop {
            if let Some(p) = &self.pacer {
                p.wait().await;
            }
            if let Some(mark) = mark {
                mark()?;
            }
            let started = std::time::Instant::now();
            let sent = self
                .http
                .get(url.clone())
                .headers(headers.clone())
                .send()
                .await;
            let outcome = match sent {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = resp
                        .headers()
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(parse_retry_after);
                    let content_type = resp
                        .headers()
                        .get(CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    match crate::http::read_body(resp, crate::http::MAX_BODY).await {
                        Ok(body) => Ok((
                            Reply {
                                status,
                                content_type,
                                body,
                                trace_id: trace_id.clone(),
                            },
                            retry_after,
                        )),
                        Err(crate::http::BodyError::Transport(e)) => Err(e),
                        // Never retried: the next answer would be as large.
                        Err(crate::http::BodyError::TooLarge) => {
                            let mut err = crate::http::too_large(what);
                            err.trace.http_status = Some(status);
                            err.trace.trace_id = Some(trace_id.clone());
                            if resend == Resend::OnlyIfNotReached && !matches!(status, 401 | 429) {
                                err = may_have_reached(err);
                            }
                            return Err(err);
                        }
                    }
                }
                Err(e) => Err(e),
            };
            if self.verbose {
                let result = match &outcome {
                    Ok((reply, _)) => format!("HTTP {}", reply.status),
                    Err(e) if e.is_timeout() => "timed out".to_string(),
                    Err(_) => "connection failed".to_string(),
                };
                // The NHS number never reaches the log: it is in the query (CP-IS) or is
                // a path segment of digits (PDS).
                let path: Vec<&str> = url
                    .path()
                    .split('/')
                    .map(|seg| {
                        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                            "(number hidden)"
                        } else {
                            seg
                        }
                    })
                    .collect();
                (self.notify)(&format!(
                    "GET {}{} (query hidden) -> {result} in {} ms, attempt {}, trace id {trace_id}",
                    url.origin().ascii_serialization(),
                    path.join("/"),
                    started.elapsed().as_millis(),
                    attempt + 1
                ));
            }
            match outcome {
                Ok((reply, retry_after)) => {
                    if let Some(p) = &self.pacer {
                        if reply.status == 429 {
                            p.slow_down(retry_after.unwrap_or_else(|| backoff(attempt)));
                        } else {
                            p.answered();
                        }
                    }
                    let transient = matches!(reply.status, 408 | 429 | 502 | 503 | 504);
                    if transient && reply.status != 429 && resend == Resend::OnlyIfNotReached {
                        return Err(may_have_reached(errors::reply_error(what, &reply)));
                    }
                    if !transient || attempt >= MAX_RETRIES {
                        return Ok(reply);
                    }
                    let wait = match retry_after {
                        Some(w) if w > MAX_RETRY_AFTER => {
                            let mut err = errors::reply_error(what, &reply);
                            err.hint = Some(format!(
                                "the service asked to wait {} s before trying again",
                                w.as_secs()
                            ));
                            return Err(err);
                        }
                        Some(w) => w,
                        None => backoff(attempt),
                    };
                    attempt += 1;
                    (self.notify)(&format!(
                        "{what}: HTTP {}, retrying in {:.1} s (attempt {} of {})",
                        reply.status,
                        wait.as_secs_f64(),
                        attempt + 1,
                        MAX_RETRIES + 1
                    ));
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    let reached = resend == Resend::OnlyIfNotReached
                        && !never_sent(&e)
                        && !e.is_builder()
                        && !e.is_redirect();
                    if reached || !crate::http::is_retryable(&e) || attempt >= MAX_RETRIES {
                        let mut err =
                            crate::http::transport_error(e, url, self.timeout, self.use_proxy);
                        err.message = format!("{what}: {}", err.message);
                        // A usage error (an unusable CA file) never reached the service.
                        if err.kind != Kind::Usage {
                            err.trace.trace_id = Some(trace_id);
                        }
                        if reached && err.kind != Kind::Usage {
                            err = may_have_reached(err);
                        }
                        return Err(err);
                    }
                    let wait = backoff(attempt);
                    attempt += 1;
                    (self.notify)(&format!(
                        "{what}: connection failed, retrying in {:.1} s (attempt {} of {})",
                        wait.as_secs_f64(),
                        attempt + 1,
                        MAX_RETRIES + 1
                    ));
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// One search, following `next` links on the same origin.
    pub async fn search(
        &self,
        search: Search,
        nhs: &NhsNumber,
        care: CareSetting,
    ) -> Result<SearchResult> {
        self.search_marked(search, nhs, care, None).await
    }

    /// [`Client::search`], calling `mark` before every request it sends (see
    /// [`Client::get_marked`]).
    pub async fn search_marked(
        &self,
        search: Search,
        nhs: &NhsNumber,
        care: CareSetting,
        mark: Option<&Mark>,
    ) -> Result<SearchResult> {
        let what = search.what();
        let mut url = self.search_url(search, nhs);
        let mut out = SearchResult::default();
        // An unscheduled search that was answered at all (but for the platform's 401 and 429,
        // which CP-IS never saw) may have notified the local authority.
        let answered = |err: Error| {
            let refused_by_platform = matches!(err.trace.http_status, Some(401 | 429));
            let answered = err
                .trace
                .http_status
                .is_some_and(|s| s >= 500 || s == 408 || s < 300);
            if care == CareSetting::Unscheduled
                && !refused_by_platform
                && !err.trace.maybe_sent
                && answered
            {
                return may_have_reached(err);
            }
            err
        };
        loop {
            let reply = self.get_marked(what, &url, care, mark).await?;
            if !(200..300).contains(&reply.status) {
                return Err(answered(errors::reply_error(what, &reply)));
            }
            if errors::looks_like_html(reply.content_type.as_deref(), &reply.body) {
                return Err(answered(errors::reply_error(what, &reply)));
            }
            let bundle: Bundle = serde_json::from_slice(&reply.body)
                .map_err(|e| answered(errors::unreadable(what, &reply, &e.to_string())))?;
            if bundle.resource_type != "Bundle" {
                return Err(answered(errors::reply_error(what, &reply)));
            }
            out.unnamed += patient::check(search, &bundle, nhs)
                .map_err(|patient::AnotherPatient| patient::different_number(what, &reply))?;
            let next = bundle.next_link().map(str::to_string);
            out.trace_ids.push(reply.trace_id.clone());
            out.raw.push(reply.body);
            out.bundles.push(bundle);
            let Some(next) = next else {
                return Ok(out);
            };
            let next_url = self.base.join(&next).map_err(|e| {
                Error::new(Kind::Service, format!("{what}: bad next-page link: {e}"))
            })?;
            if next_url.origin() != self.base.origin() {
                return Err(Error::new(
                    Kind::Service,
                    format!(
                        "{what}: the next-page link points to another host ({}); not followed",
                        next_url.host_str().unwrap_or("?")
                    ),
                ));
            }
            if out.bundles.len() >= MAX_PAGES {
                return Err(Error::new(
                    Kind::Service,
                    format!("{what}: more than {MAX_PAGES} pages; stopped"),
                ));
            }
            url = next_url;
        }
    }

    /// Both searches of one lookup, concurrently.
    pub async fn lookup(
        &self,
        nhs: &NhsNumber,
        care: CareSetting,
    ) -> Result<(SearchResult, SearchResult)> {
        tokio::try_join!(
            self.search(Search::CareTeam, nhs, care),
            self.search(Search::AuditEvent, nhs, care)
        )
    }
}

/// Exponential backoff with jitter: 250 ms, 500 ms, 1 s, ... capped at 4 s, each scaled by a
/// random factor in [0.5, 1.0].
pub fn backoff(attempt: u32) -> Duration {
    let base = BACKOFF_BASE
        .saturating_mul(1u32 << attempt.min(16))
        .min(BACKOFF_CAP);
    base.mul_f64(0.5 + fastrand::f64() * 0.5)
}

/// The longest `Retry-After` is taken to ask for: a day (anything longer, in seconds or as a
/// date, is read as a day; either is far past [`MAX_RETRY_AFTER`], so it is not waited for).
pub const RETRY_AFTER_BOUND: Duration = Duration::from_secs(24 * 60 * 60);

/// `Retry-After` as seconds or an HTTP date, at most [`RETRY_AFTER_BOUND`].
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs).min(RETRY_AFTER_BOUND));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
            .min(RETRY_AFTER_BOUND),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Client {
        Client::new(
            reqwest::Client::new(),
            "https://int.api.service.nhs.uk/cpis/FHIR/R4",
            None,
            Duration::from_secs(1),
            std::sync::Arc::new(|_| {}),
        )
        .unwrap()
    }

    #[test]
    fn search_urls_are_exactly_as_published() {
        let c = client();
        let n = NhsNumber::parse("9990000018").unwrap();
        assert_eq!(
            c.search_url(Search::CareTeam, &n).as_str(),
            "https://int.api.service.nhs.uk/cpis/FHIR/R4/CareTeam?patient:identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9990000018"
        );
        assert_eq!(
            c.search_url(Search::AuditEvent, &n).as_str(),
            "https://int.api.service.nhs.uk/cpis/FHIR/R4/AuditEvent?patient:identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9990000018&_include=AuditEvent%3Aentity-type%3Dhttp%3A%2F%2Fterminology.hl7.org%2FCodeSystem%2Fv3-RoleClass%7CASSIGNED"
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        let later = SystemTime::now() + Duration::from_secs(120);
        let d = parse_retry_after(&httpdate::fmt_http_date(later)).unwrap();
        assert!(d > Duration::from_secs(100) && d <= Duration::from_secs(120));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-5"), None);
        assert_eq!(
            parse_retry_after("18446744073709551615"),
            Some(RETRY_AFTER_BOUND)
        );
        assert_eq!(
            parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT"),
            Some(RETRY_AFTER_BOUND)
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        for a in 0..10 {
            let d = backoff(a);
            let base = BACKOFF_BASE.saturating_mul(1 << a).min(BACKOFF_CAP);
            assert!(d >= base / 2 && d <= base, "attempt {a}: {d:?}");
        }
    }

    #[test]
    fn every_official_fixture_parses() {
        let ct: Bundle = serde_json::from_slice(include_bytes!(
            "../../../tests/fixtures/cpis/fhir-careteam-searchset-found.json"
        ))
        .unwrap();
        let plans = model::plans_from([&ct], crate::timeutil::days_from_civil(2026, 11, 25));
        assert_eq!(plans.len(), 1);
        let p = &plans[0];
        assert_eq!(p.plan_type, model::PlanType::ChildProtectionPlan);
        assert_eq!(
            p.local_authority.as_deref(),
            Some("Islington Local Authority")
        );
        assert_eq!(p.office_hours_phone.as_deref(), Some("0207527200"));
        assert_eq!(p.emergency_duty_phone.as_deref(), Some("0734577777"));
        assert_eq!(p.end.as_deref(), Some("2023-09-26"));
        assert!(!p.active);

        let ae: Bundle = serde_json::from_slice(include_bytes!(
            "../../../tests/fixtures/cpis/fhir-auditevent-searchset-found.json"
        ))
        .unwrap();
        let a = model::accesses_from([&ae]);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].accessor_kind, model::AccessorKind::Person);
        assert_eq!(a[0].name.as_deref(), Some("Mrs Paula PALMER"));
        assert_eq!(a[0].role.as_deref(), Some("Midwifery sister"));
        assert_eq!(a[0].role_profile_id.as_deref(), Some("110694889738"));
        assert_eq!(a[0].recorded.as_deref(), Some("2023-09-07T17:36:41+00:00"));

        let empty: Bundle = serde_json::from_slice(include_bytes!(
            "../../../tests/fixtures/cpis/fhir-searchset-no-record-found.json"
        ))
        .unwrap();
        assert_eq!(empty.total, Some(0));
        assert!(model::plans_from([&empty], 0).is_empty());

        let oo: fhir::OperationOutcome = serde_json::from_slice(include_bytes!(
            "../../../tests/fixtures/cpis/fhir-operationoutcome-access-denied.json"
        ))
        .unwrap();
        assert_eq!(oo.issue.len(), 1);

        let cs: serde_json::Value = serde_json::from_slice(include_bytes!(
            "../../../tests/fixtures/cpis/capabilitystatement-cpis-fhir-api-consumer.json"
        ))
        .unwrap();
        assert_eq!(cs["resourceType"], "CapabilityStatement");
    }
}
