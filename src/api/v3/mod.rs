//! The HL7 V3 CP-IS query over Spine (`QUPC_IN000006GB01` -> `REPC_IN000007GB01`), through
//! the organisation's MHS adaptor: `POST {mhs_url}` with the document as JSON and
//! `wait-for-response: true`, and Spine's reply comes back on the same connection.
//!
//! Every V3 query notifies the local authority (the published schemas have no silent read),
//! so this route serves unscheduled care only, and a query is never resent once it may have
//! reached Spine: only a connection that was never made is tried again.

pub mod reply;
pub(crate) mod request;

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use url::Url;

use crate::api::platform::reply::read as read_response;
use crate::api::platform::{backoff, Mark, Notify, Pacer, Reply, MAX_RETRIES};
use crate::api::record::{different_number, Access, Plan};
use crate::config::v3::{check_value, Settings};
use crate::config::Endpoint;
use crate::error::{Error, Kind, Result, Trace};
use crate::net::http::BodyError;
use crate::net::{diagnose, redirect};
use crate::nhs_number::NhsNumber;
use cpis_core::xml;

/// The interaction id `doctor` probes with: no adaptor knows it, so it answers 404 and sends
/// nothing to Spine.
pub const PROBE_INTERACTION: &str = "CPIS_DOCTOR_PROBE";
/// Where the embedded sandbox plays an MHS adaptor.
pub const SANDBOX_PATH: &str = "/_mhs/outbound";
/// The job role code given for the embedded sandbox's built-in nominated person.
pub const SANDBOX_NOMINATED_ROLE_CODE: &str = "R8000";
/// The ASIDs and organisation the embedded sandbox uses when none are configured.
pub const SANDBOX_ASID: &str = "999000000001";
pub const SANDBOX_SPINE_ASID: &str = "999000000999";
pub const SANDBOX_ODS_CODE: &str = "X99";
pub const SANDBOX_ORG_NAME: &str = "CPIS SANDBOX HOSPITAL NHS TRUST";

/// What a V3 query needs, checked: every setting present, the URL allowed.
#[derive(Debug, Clone)]
pub struct Ready {
    pub url: Url,
    pub asid: String,
    pub spine_asid: String,
    pub ods_code: String,
    pub org_name: String,
    pub wait_header: HeaderName,
    pub nominated_role_code: Option<String>,
    /// `P` for prod, `T` otherwise.
    pub processing_code: &'static str,
}

/// The settings a V3 query needs, or exit 2 naming each that is missing, before anything is
/// sent. `sandbox_base`: the embedded sandbox's base URL, which supplies defaults.
pub fn ready(
    s: &Settings,
    endpoint: &Endpoint,
    sandbox_base: Option<&Url>,
    system_identity: bool,
) -> Result<Ready> {
    let local = endpoint.base_url.is_none();
    let mut missing = Vec::new();
    let url = match (&s.mhs_url, sandbox_base) {
        (Some(u), _) => Some(u.value.clone()),
        (None, Some(b)) if local => {
            let mut u = b.clone();
            u.set_path(SANDBOX_PATH);
            u.set_query(None);
            Some(u.to_string())
        }
        _ => {
            missing.push("mhs_url (--mhs-url URL: the MHS adaptor's outbound endpoint)");
            None
        }
    };
    let pick = |v: &Option<String>, dflt: &str, what: &'static str, missing: &mut Vec<_>| match v {
        Some(v) => v.clone(),
        None if local => dflt.to_string(),
        None => {
            missing.push(what);
            String::new()
        }
    };
    let asid = pick(
        &s.asid,
        SANDBOX_ASID,
        "asid (this system's 12-digit ASID)",
        &mut missing,
    );
    let spine_asid = pick(
        &s.spine_asid,
        SANDBOX_SPINE_ASID,
        "spine_asid (the receiving Spine ASID, from the Spine directory)",
        &mut missing,
    );
    let ods_code = pick(
        &s.ods_code,
        SANDBOX_ODS_CODE,
        "ods_code (the sending organisation's ODS code)",
        &mut missing,
    );
    let org_name = pick(
        &s.org_name,
        SANDBOX_ORG_NAME,
        "org_name (the sending organisation's name)",
        &mut missing,
    );
    let nominated_role_code = match (&s.nominated_role_code, system_identity) {
        (Some(c), _) => Some(c.clone()),
        (None, true) if local => Some(SANDBOX_NOMINATED_ROLE_CODE.to_string()),
        (None, true) => {
            missing.push("nominated_role_code (the nominated person's job role code, e.g. R8000)");
            None
        }
        (None, false) => None,
    };
    if !missing.is_empty() {
        return Err(Error::usage(format!(
            "the HL7 V3 route (--route v3) needs settings that are not set:\n  {}",
            missing.join("\n  ")
        ))
        .with_hint(
            "nothing was sent. Set each with `cpis config set KEY VALUE` (README, \"Routes\")",
        ));
    }
    let url = url.expect("present when nothing is missing");
    let parsed = Url::parse(&url).map_err(|e| Error::usage(format!("mhs_url {url:?}: {e}")))?;
    check_value("mhs_url", &url).map_err(|e| Error::usage(e).with_hint("nothing was sent"))?;
    let loopback = redirect::is_loopback_host(&parsed);
    if parsed.scheme() == "http" && !loopback && !s.plain_http {
        return Err(Error::usage(format!(
            "mhs_url {url:?} is plain HTTP: the query carries patient data, so it must be https:// (plain http:// only on this machine)"
        ))
        .with_hint("nothing was sent. For an adaptor on the organisation's own network that only speaks HTTP, opt in with `cpis config set mhs_plain_http true`"));
    }
    if local && !loopback {
        return Err(Error::usage(format!(
            "mhs_url {url:?} is not on this machine, and the embedded sandbox (environment local) sends nothing beyond it"
        ))
        .with_hint("nothing was sent. Name an environment (--env) or a base URL with a real MHS adaptor"));
    }
    let wait_header = HeaderName::from_bytes(s.wait_header().as_bytes()).map_err(|_| {
        Error::usage(format!(
            "mhs_wait_header {:?} is not a header name",
            s.wait_header()
        ))
    })?;
    Ok(Ready {
        url: parsed,
        asid,
        spine_asid,
        ods_code,
        org_name,
        wait_header,
        nominated_role_code,
        processing_code: if endpoint.env == Some(crate::config::environment::EnvName::Prod) {
            "P"
        } else {
            "T"
        },
    })
}

/// The query document and its ids for `nhs`.
pub fn query(ready: &Ready, author: request::Author, nhs: &NhsNumber) -> request::Query {
    let now = crate::timeutil::rfc3339(std::time::SystemTime::now());
    request::Query {
        message_id: request::new_id(),
        query_id: request::new_id(),
        created: hl7_now(&now),
        processing_code: ready.processing_code,
        spine_asid: ready.spine_asid.clone(),
        asid: ready.asid.clone(),
        nhs_number: nhs.digits(),
        author,
    }
}

/// `YYYY-MM-DDThh:mm:ss...` as HL7 `yyyymmddhhmmss`.
fn hl7_now(rfc3339: &str) -> String {
    rfc3339
        .chars()
        .filter(|c| c.is_ascii_digit())
        .take(14)
        .collect()
}

/// What one query found.
#[derive(Debug, Clone)]
pub struct Found {
    pub plans: Vec<Plan>,
    /// `None` for a "no CP-IS information" answer (it carries no history).
    pub access_history: Option<Vec<Access>>,
    pub unnamed: usize,
    pub raw: Vec<u8>,
    /// The Message-Id (our trace id on this route).
    pub trace_id: String,
    /// Spine's reasons, for a "no CP-IS information" answer.
    pub reasons: Vec<reply::Reason>,
}

/// The MHS adaptor client: one POST per query, on the connection's no-redirect POST client.
pub struct Client {
    http: reqwest::Client,
    ready: Ready,
    timeout: Duration,
    notify: Notify,
    verbose: bool,
    pacer: Option<std::sync::Arc<Pacer>>,
}

/// What `what` is called in messages.
const WHAT: &str = "HL7 V3 query (MHS adaptor)";

/// The error for a query that may have reached Spine (exit 7): never resent automatically.
pub fn in_doubt(mut err: Error) -> Error {
    err.kind = Kind::Service;
    err.message = format!(
        "{}; the query may have reached Spine and notified the local authority: do not repeat without checking",
        err.message
    );
    err.hint = Some("an HL7 V3 query always notifies the local authority: check the record's access history (for a silent read use --route flags --scheduled) before querying again".into());
    err.trace.maybe_sent = true;
    err
}

fn trace(status: Option<u16>, message_id: &str) -> Trace {
    Trace {
        http_status: status,
        trace_id: Some(message_id.to_string()),
        ..Default::default()
    }
}

impl Client {
    pub fn new(
        http: reqwest::Client,
        ready: Ready,
        timeout: Duration,
        notify: Notify,
        verbose: bool,
    ) -> Self {
        Client {
            http,
            ready,
            timeout,
            notify,
            verbose,
            pacer: None,
        }
    }

    pub fn pacer(mut self, pacer: std::sync::Arc<Pacer>) -> Self {
        self.pacer = Some(pacer);
        self
    }

    pub fn url(&self) -> &Url {
        &self.ready.url
    }

    pub fn ready(&self) -> &Ready {
        &self.ready
    }

    /// The request's headers (Message-Id = the HL7 id).
    pub fn headers(&self, message_id: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        h.insert(
            "Interaction-Id",
            HeaderValue::from_static(request::INTERACTION),
        );
        h.insert(
            self.ready.wait_header.clone(),
            HeaderValue::from_static("true"),
        );
        h.insert(
            "Message-Id",
            HeaderValue::from_str(message_id).expect("a UUID is a header value"),
        );
        h.insert(
            "Correlation-Id",
            HeaderValue::from_str(&request::new_id()).expect("a UUID is a header value"),
        );
        h
    }

    /// The JSON body for a document.
    pub fn body(document: &str) -> String {
        serde_json::json!({ "payload": document }).to_string()
    }

    /// The POST as a curl command, with the document in a here-document (nothing is sent).
    pub fn curl_command(&self, q: &request::Query, cacert: Option<&str>) -> String {
        fn quote(s: &str) -> String {
            format!("'{}'", s.replace('\'', "'\\''"))
        }
        let mut cmd = String::from("curl --fail-with-body --silent --show-error -X POST");
        if let Some(ca) = cacert {
            cmd.push_str(&format!(" --cacert {}", quote(ca)));
        }
        for (name, value) in self.headers(&q.message_id).iter() {
            let header = format!("{}: {}", name.as_str(), value.to_str().unwrap_or(""));
            cmd.push_str(&format!(" -H {}", quote(&header)));
        }
        cmd.push_str(&format!(
            " {} --data-binary @- <<'CPIS_V3_EOF'\n",
            quote(self.ready.url.as_str())
        ));
        cmd.push_str(&Self::body(&request::build(q)));
        cmd.push_str("\nCPIS_V3_EOF\n");
        cmd
    }

    /// Send one query. `mark` is called before anything is written (batch state). Only a
    /// connection that was never made is tried again; anything after sending is in doubt.
    pub async fn send(
        &self,
        q: &request::Query,
        nhs: &NhsNumber,
        today: i64,
        mark: Option<&Mark>,
    ) -> Result<Found> {
        let resp = self.post(q, mark).await?;
        if let Some(p) = &self.pacer {
            p.answered();
        }
        let id = q.message_id.clone();
        let (status, body) = self.answer(resp, &id).await?;
        found(status, body, id, nhs, today)
    }

    /// POST the query, retrying only a connection that was never made (and not refused by a
    /// proxy); the response, whatever its status.
    async fn post(&self, q: &request::Query, mark: Option<&Mark>) -> Result<reqwest::Response> {
        let body = Self::body(&request::build(q));
        let headers = self.headers(&q.message_id);
        let id = &q.message_id;
        let url = &self.ready.url;
        let mut attempt = 0u32;
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
                .post(url.clone())
                .headers(headers.clone())
                .body(body.clone())
                .send()
                .await;
            if self.verbose {
                let result = match &sent {
                    Ok(r) => format!("HTTP {}", r.status().as_u16()),
                    Err(e) if e.is_timeout() => "timed out".into(),
                    Err(_) => "connection failed".into(),
                };
                (self.notify)(&format!(
                    "POST {}{} (body hidden) -> {result} in {} ms, attempt {}, Message-Id {id}",
                    url.origin().ascii_serialization(),
                    url.path(),
                    started.elapsed().as_millis(),
                    attempt + 1
                ));
            }
            match sent {
                Ok(r) => return Ok(r),
                Err(e)
                    if diagnose::never_sent(&e)
                        && diagnose::proxy_refusal(&e).is_none()
                        && attempt < MAX_RETRIES =>
                {
                    let wait = backoff(attempt);
                    attempt += 1;
                    (self.notify)(&format!(
                        "{WHAT}: connection failed before sending, retrying in {:.1} s (attempt {} of {})",
                        wait.as_secs_f64(),
                        attempt + 1,
                        MAX_RETRIES + 1
                    ));
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    let never = diagnose::never_sent(&e);
                    let mut err = diagnose::transport_error(e, url, self.timeout, true);
                    err.message = format!("{WHAT}: {}", err.message);
                    if err.kind != Kind::Usage {
                        err.trace.trace_id = Some(id.clone());
                    }
                    return Err(if never || err.kind == Kind::Usage {
                        err
                    } else {
                        in_doubt(err)
                    });
                }
            }
        }
    }

    /// The adaptor's answer, read with the platform's one reader: its status and body when
    /// it is Spine's reply (HTTP 200), else the error for what the adaptor said.
    async fn answer(&self, resp: reqwest::Response, id: &str) -> Result<(u16, Vec<u8>)> {
        let url = &self.ready.url;
        let (head, body) = read_response(resp, xml::MAX_DOCUMENT).await;
        let status = head.status;
        let body = match body {
            Ok(b) => b,
            Err(BodyError::TooLarge) => {
                return Err(in_doubt(Error::new(
                    Kind::Service,
                    format!(
                        "{WHAT}: HTTP {status}, an answer larger than {} MiB",
                        xml::MAX_DOCUMENT / (1024 * 1024)
                    ),
                ))
                .with_trace_keep(trace(Some(status), id)))
            }
            Err(BodyError::Transport(_)) => {
                return Err(in_doubt(Error::new(
                    Kind::Service,
                    format!("{WHAT}: HTTP {status}, then the answer could not be read"),
                ))
                .with_trace_keep(trace(Some(status), id)))
            }
        };
        // The adaptor's own words, cut short: never a whole echoed document.
        let text = || {
            let s = crate::sanitize::sanitize(String::from_utf8_lossy(&body).trim());
            match s.char_indices().nth(300) {
                Some((i, _)) => format!("{}...", &s[..i]),
                None => s,
            }
        };
        match status {
            200 => Ok((status, body)),
            202 => Err(in_doubt(Error::new(
                Kind::Service,
                format!("{WHAT}: the MHS adaptor sent the query without waiting for Spine's reply (HTTP 202)"),
            ))
            .with_trace_keep(trace(Some(status), id))
            .with_hint(format!("the reply went to the adaptor's inbound queue. Check mhs_wait_header (now {:?}; older adaptors use sync-async). Do not repeat without checking the access history", self.ready.wait_header.as_str()))),
            300..=399 => {
                let to = head
                    .location
                    .as_deref()
                    .map(|l| format!(" to {}", redirect::shown_location(url, l)))
                    .unwrap_or_default();
                Err(Error::new(
                    Kind::Service,
                    format!("{WHAT}: HTTP {status}: the MHS adaptor URL answered with a redirect{to}, which is not followed (the query would be sent elsewhere)"),
                )
                .with_trace(trace(Some(status), id))
                .with_hint("check mhs_url; nothing was sent on to Spine from this URL"))
            }
            400..=499 => Err(Error::new(
                Kind::Service,
                format!("{WHAT}: the MHS adaptor refused the request (HTTP {status}): {}", text()),
            )
            .with_trace(trace(Some(status), id))
            .with_hint("the adaptor did not pass the query to Spine. Check mhs_url, mhs_wait_header and that the adaptor knows QUPC_IN000006GB01")),
            500 => Err(adaptor_500(&body, id)),
            _ => Err(in_doubt(Error::new(
                Kind::Service,
                format!("{WHAT}: HTTP {status} from the MHS adaptor: {}", text()),
            ))
            .with_trace_keep(trace(Some(status), id))),
        }
    }
}

/// What Spine's reply (`body`, HTTP `status`) says: the records, no record, or a refusal.
fn found(status: u16, body: Vec<u8>, id: String, nhs: &NhsNumber, today: i64) -> Result<Found> {
    let answer = match reply::read(&body, nhs, today) {
        Ok(a) => a,
        Err(reply::ReadError::AnotherChild) => {
            return Err(different_number(
                WHAT,
                &Reply {
                    status,
                    content_type: None,
                    body: Vec::new(),
                    trace_id: id,
                },
            ))
        }
        Err(reply::ReadError::Unreadable(why)) => {
            return Err(in_doubt(Error::new(
                Kind::Service,
                format!("{WHAT}: the answer could not be read: {why}"),
            ))
            .with_trace_keep(trace(Some(status), &id)))
        }
    };
    match answer {
        reply::Answer::Records {
            plans,
            accesses,
            unnamed,
            ..
        } => Ok(Found {
            plans,
            access_history: Some(accesses),
            unnamed,
            raw: body,
            trace_id: id,
            reasons: Vec::new(),
        }),
        reply::Answer::NoRecord { reasons } => Ok(Found {
            plans: Vec::new(),
            access_history: None,
            unnamed: 0,
            raw: body,
            trace_id: id,
            reasons,
        }),
        reply::Answer::Refused { reasons } => {
            let list: Vec<String> = reasons.iter().map(reply::Reason::describe).collect();
            Err(Error::new(
                Kind::Service,
                format!(
                    "{WHAT}: Spine refused the query (MCCI_IN010000UK13): {}",
                    if list.is_empty() {
                        "no reason given".to_string()
                    } else {
                        list.join("; ")
                    }
                ),
            )
            .with_trace(Trace {
                code: reasons.first().and_then(|r| r.code.clone()),
                ..trace(Some(status), &id)
            })
            .with_hint("Spine did not answer the query: check the settings it names (asid, spine_asid, ods_code, org_name, the sign-in's role) and report it with the Message-Id"))
        }
    }
}

/// A 500 from the adaptor: its JSON error (Spine's errors), or "No async response received"
/// (the query may have reached Spine). Either way in doubt: Spine may have seen it.
fn adaptor_500(body: &[u8], id: &str) -> Error {
    let text = String::from_utf8_lossy(body);
    let json: Option<serde_json::Value> =
        serde_json::from_str(text.trim())
            .ok()
            .and_then(|v: serde_json::Value| match v {
                // The adaptor sends the JSON as a JSON string at times.
                serde_json::Value::String(s) => serde_json::from_str(&s).ok(),
                other => Some(other),
            });
    if let Some(v) = json.filter(|v| v.is_object()) {
        let s = |v: &serde_json::Value| v.as_str().map(crate::sanitize::sanitize);
        let mut parts = Vec::new();
        if let Some(m) = s(&v["error_message"]) {
            parts.push(m);
        }
        if let Some(k) = s(&v["process_key"]) {
            parts.push(format!("process key {k}"));
        }
        for e in v["errors"].as_array().into_iter().flatten() {
            let fields: Vec<String> = [
                "errorType",
                "errorCode",
                "severity",
                "description",
                "codeContext",
            ]
            .iter()
            .filter_map(|f| s(&e[*f]).map(|x| format!("{f} {x}")))
            .collect();
            if !fields.is_empty() {
                parts.push(fields.join(", "));
            }
        }
        return in_doubt(Error::new(
            Kind::Service,
            format!(
                "{WHAT}: Spine answered with an error (HTTP 500): {}",
                parts.join("; ")
            ),
        ))
        .with_trace_keep(Trace {
            code: s(&v["process_key"]),
            ..trace(Some(500), id)
        });
    }
    let shown = crate::sanitize::sanitize(text.trim());
    let no_async = shown.to_ascii_lowercase().contains("no async response");
    in_doubt(Error::new(
        Kind::Service,
        if no_async {
            format!("{WHAT}: the MHS adaptor had no reply from Spine in time (HTTP 500: {shown})")
        } else {
            format!("{WHAT}: HTTP 500 from the MHS adaptor: {shown}")
        },
    ))
    .with_trace_keep(trace(Some(500), id))
}

trait KeepTrace {
    fn with_trace_keep(self, t: Trace) -> Self;
}

impl KeepTrace for Error {
    /// Set the trace but keep `maybe_sent`.
    fn with_trace_keep(mut self, t: Trace) -> Self {
        let sent = self.trace.maybe_sent;
        *self.trace = t;
        self.trace.maybe_sent = sent;
        self
    }
}

/// The refusal for a scheduled read on this route (exit 2, before anything is sent).
pub fn scheduled_refused() -> Error {
    Error::usage(
        "the HL7 V3 query always notifies the local authority; for a silent scheduled read use --route flags",
    )
    .with_hint("nothing was sent")
}
