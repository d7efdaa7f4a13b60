//! The sandbox's HTTP handling: the two CP-IS searches, `/metadata`, the header checks the real
//! service makes, the access history kept while it runs, and the fault cases.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use hyper::body::Incoming;
use hyper::header::{HeaderValue, RETRY_AFTER};
use hyper::{Method, Request, StatusCode};
use serde_json::{json, Value};

use super::http::{fhir, header, outcome, query_map, respond, HangUp, Resp, FHIR_JSON};
use super::oauth;
use super::patients::{self, Accessor, Behaviour, Patient};
use super::vocab::{
    ASID_SYSTEM as SYSTEM_ASID, NHS_NUMBER_SYSTEM as SYSTEM_NHS_NUMBER,
    ROLE_PROFILE_SYSTEM as SYSTEM_ROLE_PROFILE, SNOMED_SYSTEM,
};
use cpis_core::nhs_number::NhsNumber;
use cpis_core::timeutil;

pub const BASE_PATH: &str = "/cpis/FHIR/R4";
/// How many request starts and ends `/_sandbox/events` keeps.
const MAX_EVENTS: usize = 1000;
/// The most accesses the service returns.
pub const MAX_HISTORY: usize = 25;

const CARETEAM_EXAMPLE: &str = include_str!("data/fhir-careteam-searchset-found.json");
const ACCESS_DENIED: &str = include_str!("data/fhir-operationoutcome-access-denied.json");

#[derive(Debug, Clone)]
struct Record {
    id: String,
    recorded: SystemTime,
    accessor: Accessor,
}

/// The state a running sandbox keeps.
pub struct State {
    pub delay: Duration,
    pub tls: bool,
    /// The CP-IS searches demand a sandbox access token (`serve --require-auth`).
    pub require_auth: bool,
    /// The applications `/oauth2/token` knows, and the assertion ids it has seen.
    pub oauth: oauth::Registry,
    /// The mock CIS2's codes and access tokens.
    pub cis2: super::cis2::Cis2State,
    /// Seconds added to every response's `Date` (`serve --clock-offset-secs`).
    pub clock_offset_secs: i64,
    histories: Mutex<HashMap<&'static str, Vec<Record>>>,
    /// `--rate-limit`: searches allowed per one-second window, and the current window.
    rate_limit: Option<u32>,
    window: Mutex<(std::time::Instant, u32)>,
    /// Unscheduled searches seen per NHS number (any number), for `/_sandbox/queries`.
    unscheduled_queries: Mutex<HashMap<String, u64>>,
    seen_request_ids: Mutex<HashSet<String>>,
    /// The newest requests' starts and ends, for `/_sandbox/events` (tests of ordering).
    events: Mutex<std::collections::VecDeque<String>>,
    /// Missed-appointment alerts received, and the fault for their first attempts.
    alerts: super::alerts::Alerts,
    alert_fault: Option<super::alerts::AlertFault>,
    /// `--token-uses`: searches each access token is good for, and the uses so far.
    token_uses: Option<u32>,
    /// The Patient Flags search ignores `code` and answers every flag (`--flags-ignore-code`).
    flags_ignore_code: bool,
    uses: Mutex<HashMap<String, u32>>,
}

impl State {
    pub fn new(delay: Duration, tls: bool) -> Self {
        State {
            delay,
            tls,
            require_auth: false,
            oauth: oauth::Registry::default(),
            cis2: Default::default(),
            clock_offset_secs: 0,
            histories: Mutex::new(HashMap::new()),
            unscheduled_queries: Mutex::new(HashMap::new()),
            rate_limit: None,
            window: Mutex::new((std::time::Instant::now(), 0)),
            seen_request_ids: Mutex::new(HashSet::new()),
            events: Mutex::new(Default::default()),
            alerts: Default::default(),
            alert_fault: None,
            token_uses: None,
            flags_ignore_code: false,
            uses: Mutex::new(HashMap::new()),
        }
    }

    pub fn with_alert_fault(mut self, fault: Option<super::alerts::AlertFault>) -> Self {
        self.alert_fault = fault;
        self
    }

    /// Demand access tokens on the searches (or not), with these applications.
    pub fn with_clock_offset(mut self, secs: i64) -> Self {
        self.clock_offset_secs = secs;
        self
    }

    pub fn with_rate_limit(mut self, per_second: Option<u32>) -> Self {
        self.rate_limit = per_second;
        self
    }

    /// Count an unscheduled query about `nhs` (`/_sandbox/queries`).
    pub(crate) fn count_unscheduled(&self, nhs: &str) {
        *self
            .unscheduled_queries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(nhs.to_string())
            .or_default() += 1;
    }

    /// Record an access by `caller` and return the newest accesses (RFC 3339, accessor).
    pub(crate) fn record_access(
        &self,
        p: &'static Patient,
        caller: Option<Accessor>,
    ) -> Vec<(String, Accessor)> {
        self.history(p, caller)
            .into_iter()
            .map(|r| (timeutil::rfc3339(r.recorded), r.accessor))
            .collect()
    }

    /// Note a request's start or end: `start pds 9990000026`, `end CareTeam 9990000026`.
    pub(crate) fn event(&self, e: String) {
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        if events.len() >= MAX_EVENTS {
            events.pop_front();
        }
        events.push_back(e);
    }

    /// Count one search against `--rate-limit`: false when it is over the limit.
    fn within_rate_limit(&self) -> bool {
        let Some(limit) = self.rate_limit else {
            return true;
        };
        let mut w = self.window.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        if now.duration_since(w.0) >= Duration::from_secs(1) {
            *w = (now, 0);
        }
        w.1 += 1;
        w.1 <= limit
    }

    pub fn with_flags_ignore_code(mut self, on: bool) -> Self {
        self.flags_ignore_code = on;
        self
    }

    pub fn with_token_uses(mut self, uses: Option<u32>) -> Self {
        self.token_uses = uses;
        self
    }

    /// Count one search made with `token`: false once it has been used up (`--token-uses`).
    fn token_still_good(&self, token: &str) -> bool {
        let Some(limit) = self.token_uses else {
            return true;
        };
        let mut uses = self.uses.lock().unwrap_or_else(|e| e.into_inner());
        let n = uses.entry(token.to_string()).or_default();
        *n += 1;
        *n <= limit
    }

    pub fn with_auth(mut self, require_auth: bool, registry: oauth::Registry) -> Self {
        self.require_auth = require_auth;
        self.oauth = registry;
        self
    }

    /// Record an unscheduled access (unless the same person accessed within 24 hours) and
    /// return the newest accesses, at most [`MAX_HISTORY`].
    fn history(&self, p: &'static Patient, caller: Option<Accessor>) -> Vec<Record> {
        let mut all = self.histories.lock().expect("history lock");
        let h = all.entry(p.nhs_number).or_insert_with(|| {
            (p.history)()
                .into_iter()
                .map(|(t, a)| Record {
                    id: uuid::Uuid::new_v4().to_string(),
                    recorded: timeutil::parse_rfc3339(&t).expect("seed dates are RFC 3339"),
                    accessor: a,
                })
                .collect()
        });
        if let Some(caller) = caller {
            let now = SystemTime::now();
            let day = Duration::from_secs(24 * 3600);
            let recent = h.iter().any(|r| {
                r.accessor.key() == caller.key()
                    && now.duration_since(r.recorded).unwrap_or_default() < day
            });
            if !recent {
                h.insert(
                    0,
                    Record {
                        id: uuid::Uuid::new_v4().to_string(),
                        recorded: now,
                        accessor: caller,
                    },
                );
            }
        }
        h.iter().take(MAX_HISTORY).cloned().collect()
    }

    /// True the first time a request id is seen.
    fn first_sight(&self, request_id: &str) -> bool {
        self.seen_request_ids
            .lock()
            .expect("seen lock")
            .insert(request_id.to_string())
    }
}

fn precondition(diag: &str) -> Resp {
    outcome(
        StatusCode::BAD_REQUEST,
        "required",
        "PRECONDITION_FAILED",
        "Required condition was not fulfilled",
        diag,
    )
}

fn invalid_search(diag: &str) -> Resp {
    outcome(
        StatusCode::BAD_REQUEST,
        "value",
        "INVALID_SEARCH_DATA",
        "Invalid search data provided",
        diag,
    )
}

/// The request's own base URL, for `link` and `fullUrl`.
fn base_url(state: &State, req: &Request<Incoming>) -> String {
    let host = header(req, "host").unwrap_or("localhost");
    let scheme = if state.tls { "https" } else { "http" };
    format!("{scheme}://{host}{BASE_PATH}")
}

/// Combined authentication's two GETs on the platform: authorize (redirects back with a code)
/// and userinfo (who the user is).
fn combined(state: &State, req: &Request<Incoming>) -> Resp {
    if req.uri().path() == "/oauth2/userinfo" {
        let bearer = header(req, "authorization").and_then(|a| a.strip_prefix("Bearer "));
        return match oauth::userinfo(bearer) {
            Some(v) => respond(StatusCode::OK, "application/json", v.to_string()),
            None => respond(
                StatusCode::UNAUTHORIZED,
                "application/json",
                json!({"error": "invalid_token", "error_description": "Access token is invalid or expired"}).to_string(),
            ),
        };
    }
    match state.oauth.authorize(&query_map(req.uri())) {
        Ok(location) => {
            let mut r = respond(StatusCode::FOUND, "text/plain", "");
            if let Ok(v) = HeaderValue::from_str(&location) {
                r.headers_mut().insert(hyper::header::LOCATION, v);
            }
            r
        }
        Err(e) => e.response(),
    }
}

/// `pds NUMBER`, `CareTeam NUMBER`, `AuditEvent NUMBER` or the path, for the event log.
fn event_name(req: &Request<Incoming>) -> String {
    let path = req.uri().path();
    if let Some(id) = path.strip_prefix(super::pds::PATIENT_PATH) {
        return format!("pds {}", cpis_core::sanitize::sanitize(id));
    }
    if path.starts_with(super::flags::BASE_PATH) {
        let nhs = query_map(req.uri())
            .get("patient")
            .cloned()
            .unwrap_or_default();
        return format!("flags {}", cpis_core::sanitize::sanitize(&nhs));
    }
    let resource = path.rsplit('/').next().unwrap_or("");
    let nhs = query_map(req.uri())
        .get("patient:identifier")
        .and_then(|v| v.rsplit('|').next().map(str::to_string))
        .unwrap_or_default();
    format!(
        "{} {}",
        cpis_core::sanitize::sanitize(resource),
        cpis_core::sanitize::sanitize(&nhs)
    )
}

/// Set on a response that must not be sent: the connection is closed instead.
#[derive(Clone, Copy)]
struct HangUpInstead;

pub async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Resp, HangUp> {
    // PDS retrievals and CP-IS searches are logged as they arrive and as they are answered
    // (`/_sandbox/events`), so tests can see which overlapped and which came first; token
    // requests as they are answered (`token refresh_token 200`).
    let path = req.uri().path();
    let tracked = (path.starts_with(super::pds::PATIENT_PATH)
        || path.starts_with(&format!("{}/Flag", super::flags::BASE_PATH))
        || path.starts_with(&format!("{}/PatientFlag", super::flags::BASE_PATH))
        || path.starts_with(&format!("{BASE_PATH}/CareTeam"))
        || path.starts_with(&format!("{BASE_PATH}/AuditEvent")))
    .then(|| event_name(&req));
    if let Some(what) = &tracked {
        state.event(format!("start {what}"));
    }
    if !state.delay.is_zero() {
        tokio::time::sleep(state.delay).await;
    }
    let request_id = req.headers().get("x-request-id").cloned();
    let communication = format!("{BASE_PATH}/Communication");
    let mut resp = if req.uri().path().trim_end_matches('/') == communication {
        let what = format!("Communication {}", req.method());
        state.event(format!("start {what}"));
        let r = communication_endpoint(&state, req).await;
        state.event(format!("end {what}"));
        r?
    } else if oauth::TOKEN_PATHS.contains(&req.uri().path()) {
        oauth::token_endpoint(&state.oauth, state.tls, req, |e| state.event(e)).await
    } else if req.uri().path() == "/oauth2/authorize" || req.uri().path() == "/oauth2/userinfo" {
        combined(&state, &req)
    } else if req.uri().path() == "/_sandbox/queries" {
        sandbox_queries(&state, &req)
    } else if req.uri().path() == "/_sandbox/events" {
        let events = state
            .events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        fhir(StatusCode::OK, &json!(events))
    } else if req.uri().path().starts_with(super::app::CIS2_ISSUER_PATH) {
        super::cis2::endpoint(&state.cis2, state.tls, req).await
    } else if req.uri().path() == super::vocab::MHS_PATH {
        super::mhs::handle(&state, req).await?
    } else if req.uri().path().starts_with(super::flags::BASE_PATH) {
        super::flags::handle(
            &req,
            check_token(&state, &req).err(),
            state.flags_ignore_code,
        )
    } else if req.uri().path().starts_with(super::pds::PATIENT_PATH) {
        super::pds::handle(&req, check_token(&state, &req).err())
    } else {
        route(&state, &req).await
    };
    if let Some(what) = tracked {
        state.event(format!("end {what}"));
    }
    if resp.extensions().get::<HangUpInstead>().is_some() {
        return Err(HangUp);
    }
    if let Some(id) = request_id {
        resp.headers_mut().insert("x-request-id", id);
    }
    if state.clock_offset_secs != 0 {
        let now = SystemTime::now();
        let off = Duration::from_secs(state.clock_offset_secs.unsigned_abs());
        let date = if state.clock_offset_secs > 0 {
            now + off
        } else {
            now - off
        };
        if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(date)) {
            resp.headers_mut().insert(hyper::header::DATE, v);
        }
    }
    Ok(resp)
}

/// `POST /Communication` (a missed-appointment alert) and `GET /Communication?patient:identifier=`.
async fn communication_endpoint(state: &State, req: Request<Incoming>) -> Result<Resp, HangUp> {
    use super::alerts::Outcome;
    if let Err(diagnostics) = check_token(state, &req) {
        return Ok(access_denied(&diagnostics));
    }
    if req.method() == Method::GET {
        let q = query_map(req.uri());
        let Some((system, nhs)) = q.get("patient:identifier").and_then(|v| v.split_once('|'))
        else {
            return Ok(invalid_search(
                "patient:identifier=system|value is required",
            ));
        };
        if system != SYSTEM_NHS_NUMBER {
            return Ok(invalid_search(&format!(
                "identifier system must be {SYSTEM_NHS_NUMBER}"
            )));
        }
        let found = state.alerts.for_patient(nhs);
        let base = base_url(state, &req);
        let self_url = format!("{base}/Communication?{}", req.uri().query().unwrap_or(""));
        let entries = found
            .into_iter()
            .map(|r| {
                json!({
                    "fullUrl": format!("{base}/Communication/{}", r["id"].as_str().unwrap_or("")),
                    "resource": r,
                    "search": {"mode": "match"}
                })
            })
            .collect::<Vec<_>>();
        return Ok(fhir(
            StatusCode::OK,
            &searchset(&self_url, entries.len(), entries),
        ));
    }
    if req.method() != Method::POST {
        return Ok(outcome(
            StatusCode::METHOD_NOT_ALLOWED,
            "not-supported",
            "METHOD_NOT_ALLOWED",
            "Method not allowed",
            "Communication takes POST (send an alert) or GET (search)",
        ));
    }
    let fhir_json = header(&req, "content-type")
        .is_some_and(|v| v.split(';').next().unwrap_or("").trim() == FHIR_JSON);
    if !fhir_json {
        return Ok(outcome(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not-supported",
            "UNSUPPORTED_MEDIA_TYPE",
            "Unsupported media type",
            "Content-Type must be application/fhir+json",
        ));
    }
    let request_id = header(&req, "x-request-id").map(str::to_string);
    let base = base_url(state, &req);
    let body = match http_body_util::BodyExt::collect(req.into_body()).await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Err(HangUp),
    };
    if body.len() > 1 << 20 {
        return Ok(outcome(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-costly",
            "PAYLOAD_TOO_LARGE",
            "Payload too large",
            "an alert is at most 1 MiB",
        ));
    }
    let stored = |status: u16, location: Option<String>, v: Value| {
        let mut r = fhir(StatusCode::from_u16(status).unwrap_or(StatusCode::OK), &v);
        if let Some(l) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            r.headers_mut().insert(hyper::header::LOCATION, l);
        }
        r
    };
    Ok(
        match state
            .alerts
            .post(&body, request_id.as_deref(), state.alert_fault, &base)
        {
            Outcome::Answer(status, location, v) => stored(status, location, v),
            Outcome::Unavailable => {
                let mut r = respond(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "application/json",
                    json!({"fault": {"faultstring": "The Service is temporarily unavailable", "detail": {"errorcode": "messaging.adaptors.http.flow.ServiceUnavailable"}}}).to_string(),
                );
                r.headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from_static("1"));
                r
            }
            Outcome::Drop => return Err(HangUp),
            Outcome::Redirect(status, location) => {
                let mut r = respond(
                    StatusCode::from_u16(status).unwrap_or(StatusCode::SEE_OTHER),
                    "text/plain",
                    String::new(),
                );
                if let Ok(l) = HeaderValue::from_str(&location) {
                    r.headers_mut().insert(hyper::header::LOCATION, l);
                }
                r
            }
            Outcome::Slow(location, v) => {
                tokio::time::sleep(super::alerts::SLOW_ALERT).await;
                stored(201, location, v)
            }
        },
    )
}

/// The API platform's spike-arrest answer: 429, its JSON body, `Retry-After: 1`.
fn too_many_requests(message: &str) -> Resp {
    let mut r = respond(
        StatusCode::TOO_MANY_REQUESTS,
        "application/json",
        json!({
            "message": message,
            "message_id": format!("rrt-{}", uuid::Uuid::new_v4()),
            "policy": "spikearrest"
        })
        .to_string(),
    );
    r.headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from_static("1"));
    r
}

/// Sandbox only (no such endpoint on the real service): `GET /_sandbox/queries?nhs=N` answers
/// how many unscheduled CareTeam and AuditEvent searches the sandbox has seen for `N`, so a
/// test can check that no number was queried twice.
fn sandbox_queries(state: &State, req: &Request<Incoming>) -> Resp {
    let query = req.uri().query().unwrap_or("");
    let Some(nhs) = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "nhs")
        .map(|(_, v)| v.into_owned())
    else {
        return respond(
            StatusCode::BAD_REQUEST,
            "application/json",
            json!({"error": "give ?nhs=NHS_NUMBER"}).to_string(),
        );
    };
    let n = state
        .unscheduled_queries
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&nhs)
        .copied()
        .unwrap_or(0);
    respond(
        StatusCode::OK,
        "application/json",
        json!({"nhs_number": nhs, "unscheduled_searches": n}).to_string(),
    )
}

async fn route(state: &State, req: &Request<Incoming>) -> Resp {
    let path = req.uri().path();
    let Some(resource) = path.strip_prefix(BASE_PATH) else {
        return outcome(
            StatusCode::NOT_FOUND,
            "not-found",
            "NOT_FOUND",
            "Not found",
            &format!("the CP-IS sandbox serves {BASE_PATH}/CareTeam, {BASE_PATH}/AuditEvent, {BASE_PATH}/metadata and /oauth2/token"),
        );
    };
    let resource = resource.trim_end_matches('/');
    if req.method() != Method::GET {
        return outcome(
            StatusCode::METHOD_NOT_ALLOWED,
            "not-supported",
            "METHOD_NOT_ALLOWED",
            "Method not allowed",
            "CP-IS searches are read-only GETs",
        );
    }
    match resource {
        "/metadata" => fhir(StatusCode::OK, &capability_statement()),
        "/CareTeam" | "/AuditEvent" => search(state, req, &resource[1..]).await,
        _ => outcome(
            StatusCode::NOT_FOUND,
            "not-found",
            "NOT_FOUND",
            "Not found",
            "unknown resource type",
        ),
    }
}

fn is_uuid(v: Option<&str>) -> bool {
    v.is_some_and(|v| uuid::Uuid::parse_str(v.trim()).is_ok())
}

fn access_denied(diagnostics: &str) -> Resp {
    outcome(
        StatusCode::UNAUTHORIZED,
        "forbidden",
        "ACCESS_DENIED",
        "Access has been denied to process this request",
        diagnostics,
    )
}

/// The API platform's token check, made before anything else: who is calling, when a token
/// issued by a sandbox says so. Without `--require-auth` any well-formed bearer token (or
/// none) is accepted; with it, only a genuine, unexpired sandbox token. `Err` is the 401's
/// diagnostics.
fn check_token(state: &State, req: &Request<Incoming>) -> Result<Option<oauth::Caller>, String> {
    let Some(auth) = header(req, "authorization") else {
        if state.require_auth {
            let host = header(req, "host").unwrap_or("localhost");
            let scheme = if state.tls { "https" } else { "http" };
            return Err(format!(
                "Missing access token: this sandbox requires 'Authorization: Bearer <access token>' from {scheme}://{host}/oauth2/token"
            ));
        }
        return Ok(None);
    };
    let token = match auth.strip_prefix("Bearer ") {
        Some(t) if !t.trim().is_empty() => t.trim(),
        _ => return Err("Invalid Authorization header: expected 'Bearer <access token>'".into()),
    };
    let caller = oauth::verify_access_token(token);
    if (caller.is_none() && state.require_auth) || !state.token_still_good(token) {
        return Err(
            "Invalid or expired access token: this sandbox accepts only access tokens issued by a cpis sandbox's /oauth2/token".into(),
        );
    }
    Ok(caller)
}

async fn search(state: &State, req: &Request<Incoming>, resource: &str) -> Resp {
    if !state.within_rate_limit() {
        return too_many_requests(&format!(
            "Your application, cpis-sandbox, has exceeded its quota of {} requests per second",
            state.rate_limit.unwrap_or_default()
        ));
    }
    let token_caller = match check_token(state, req) {
        Ok(c) => c,
        Err(diagnostics) => return access_denied(&diagnostics),
    };
    if !is_uuid(header(req, "traceid")) {
        return precondition("TraceID header missing or not a UUID");
    }
    let request_id = match header(req, "x-request-id") {
        Some(v) if is_uuid(Some(v)) => v.trim().to_string(),
        _ => return precondition("X-Request-ID header missing or not a UUID"),
    };
    // A CIS2 user's requests name the role they selected (the sandbox insists, so that a
    // client that forgets it is caught).
    if let Some(oauth::Caller::User {
        role_profile_id, ..
    }) = &token_caller
    {
        if header(req, "nhsd-session-urid").map(str::trim) != Some(role_profile_id.as_str()) {
            return precondition(
                "NHSD-Session-URID header missing or not the signed-in user's selected role profile id",
            );
        }
    }
    let unscheduled = match header(req, "isunscheduledaccessevent").map(|v| v.trim().to_ascii_lowercase()) {
        Some(v) if v == "true" => true,
        Some(v) if v == "false" => false,
        _ => {
            return precondition(
                "IsUnscheduledAccessEvent header missing or not 'true'/'false' (the sandbox is stricter than the live service, which treats a missing header as unscheduled)",
            )
        }
    };

    let query = req.uri().query().unwrap_or("");
    let identifier = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "patient:identifier")
        .map(|(_, v)| v.into_owned());
    let Some(identifier) = identifier else {
        return invalid_search("patient:identifier search parameter is required");
    };
    let Some((system, number)) = identifier.split_once('|') else {
        return invalid_search("patient:identifier must be system|value");
    };
    if system != SYSTEM_NHS_NUMBER {
        return invalid_search(&format!("identifier system must be {SYSTEM_NHS_NUMBER}"));
    }
    let known = patients::find(number);
    let valid = NhsNumber::parse(number).is_ok_and(|n| n.digits() == number);
    if !valid && known.is_none() {
        return invalid_search("Invalid NHS number");
    }
    if unscheduled {
        *state
            .unscheduled_queries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(number.to_string())
            .or_default() += 1;
    }
    if known.is_none() && (patients::is_no_record(number) || super::pds::is_case(number)) {
        let self_url = format!("{}/{resource}?{query}", base_url(state, req));
        return fhir(StatusCode::OK, &searchset(&self_url, 0, Vec::new()));
    }
    let Some(patient) = known else {
        return outcome(
            StatusCode::NOT_FOUND,
            "not-found",
            "SANDBOX_UNKNOWN_PATIENT",
            "Not a synthetic patient of the cpis sandbox",
            "The cpis sandbox only knows its synthetic patients (see `cpis sandbox patients`); it never answers 'no plan' for any other number.",
        );
    };

    match patient.behaviour {
        Behaviour::Unauthorized => {
            return outcome(
                StatusCode::UNAUTHORIZED,
                "forbidden",
                "ACCESS_DENIED",
                "Access has been denied to process this request",
                "Missing or expired access token (sandbox fault patient)",
            )
        }
        Behaviour::AccessDenied => {
            return respond(StatusCode::FORBIDDEN, FHIR_JSON, ACCESS_DENIED);
        }
        Behaviour::RateLimitedOnce if state.first_sight(&request_id) => {
            return too_many_requests("Your application, cpis-sandbox, has exceeded its quota of 5 requests per second (sandbox fault patient)");
        }
        Behaviour::UnavailableOnce if state.first_sight(&request_id) => {
            let mut r = respond(
                StatusCode::SERVICE_UNAVAILABLE,
                "application/json",
                json!({"fault": {"faultstring": "The Service is temporarily unavailable", "detail": {"errorcode": "messaging.adaptors.http.flow.ServiceUnavailable"}}}).to_string(),
            );
            r.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
            return r;
        }
        Behaviour::Slow => tokio::time::sleep(patients::SLOW_RESPONSE).await,
        Behaviour::MalformedBody => {
            return respond(
                StatusCode::OK,
                FHIR_JSON,
                "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":1,\"entry\":[{\"resource\":{\"resourceType\":\"Care",
            )
        }
        Behaviour::HtmlProxyPage => {
            return respond(
                StatusCode::OK,
                "text/html; charset=utf-8",
                "<!DOCTYPE html>\n<html><head><title>Web page blocked</title></head><body><h1>Web page blocked</h1><p>Access to this site is blocked by your organisation's internet policy.</p></body></html>\n",
            )
        }
        _ => {}
    }

    let base = base_url(state, req);
    let self_url = format!("{base}/{resource}?{query}");
    // The caller a verified token names, else the sandbox's stand-in clinician.
    let caller = unscheduled.then(|| {
        token_caller
            .as_ref()
            .map(oauth::Caller::accessor)
            .unwrap_or_else(patients::sandbox_caller)
    });
    // An unscheduled query of either search records the access before answering, so the
    // current caller always appears in the access history.
    let history = if unscheduled || resource == "AuditEvent" {
        state.history(patient, caller)
    } else {
        Vec::new()
    };
    if resource == "CareTeam" && patient.behaviour == Behaviour::OfficialExample {
        // The official payload, byte for byte, but for the NHS number.
        let text = CARETEAM_EXAMPLE.replace(patients::OFFICIAL_EXAMPLE_NUMBER, patient.nhs_number);
        return respond(StatusCode::OK, FHIR_JSON, text);
    }
    let mut body = if resource == "CareTeam" {
        careteam_bundle(patient, &base, &self_url)
    } else {
        auditevent_bundle(patient, &history, &base, &self_url)
    };
    match (patient.behaviour, resource) {
        // The search is on record (and the local authority notified) before these answer.
        (Behaviour::GatewayTimeoutAfterRecording, _) => {
            return respond(
                StatusCode::GATEWAY_TIMEOUT,
                "application/json",
                json!({"fault": {"faultstring": "Gateway Timeout", "detail": {"errorcode": "messaging.adaptors.http.flow.GatewayTimeout"}}}).to_string(),
            );
        }
        (Behaviour::ResetAfterRecording, _) => {
            let mut r = fhir(StatusCode::OK, &body);
            r.extensions_mut().insert(HangUpInstead);
            return r;
        }
        (Behaviour::OtherChildCareTeam, "CareTeam") => {
            for e in body["entry"].as_array_mut().into_iter().flatten() {
                e["resource"]["subject"]["identifier"]["value"] = json!(patients::OTHER_CHILD);
            }
        }
        (Behaviour::OtherChildAuditEvent, "AuditEvent") => {
            for e in body["entry"].as_array_mut().into_iter().flatten() {
                if e["resource"]["resourceType"] == "AuditEvent" {
                    e["resource"]["agent"][0]["who"]["identifier"]["value"] =
                        json!(patients::OTHER_CHILD);
                }
            }
        }
        (Behaviour::NoSubject, "CareTeam") => {
            for e in body["entry"].as_array_mut().into_iter().flatten() {
                if let Some(r) = e["resource"].as_object_mut() {
                    r.remove("subject");
                }
            }
        }
        _ => {}
    }
    fhir(StatusCode::OK, &body)
}

fn searchset(self_url: &str, total: usize, entries: Vec<Value>) -> Value {
    let mut b = json!({
        "resourceType": "Bundle",
        "id": uuid::Uuid::new_v4().to_string(),
        "type": "searchset",
        "total": total,
        "link": [{"relation": "self", "url": self_url}],
    });
    if !entries.is_empty() {
        b["entry"] = Value::Array(entries);
    }
    b
}

fn careteam_bundle(p: &Patient, base: &str, self_url: &str) -> Value {
    let entries: Vec<Value> = p
        .plans
        .iter()
        .enumerate()
        .map(|(i, plan)| {
            let (code, display) = plan.kind.code();
            let id = format!("{}-plan-{}", p.nhs_number, i + 1);
            let mut period = json!({"start": plan.start});
            if let Some(end) = plan.end {
                period["end"] = json!(end);
            }
            json!({
                "fullUrl": format!("{base}/CareTeam/{id}"),
                "resource": {
                    "resourceType": "CareTeam",
                    "id": id,
                    "category": [{"coding": [{"system": SNOMED_SYSTEM, "code": code, "display": display}]}],
                    "name": plan.local_authority.name,
                    "subject": {
                        "identifier": {"system": SYSTEM_NHS_NUMBER, "value": p.nhs_number},
                        "display": p.name
                    },
                    "telecom": [
                        {"system": "phone", "value": plan.local_authority.office_hours, "use": "work"},
                        {"system": "phone", "value": plan.local_authority.emergency_duty, "use": "mobile"}
                    ],
                    "period": period
                },
                "search": {"mode": "match"}
            })
        })
        .collect();
    searchset(self_url, entries.len(), entries)
}

fn auditevent_bundle(p: &Patient, history: &[Record], base: &str, self_url: &str) -> Value {
    let mut matches = Vec::new();
    let mut includes = Vec::new();
    for r in history {
        let patient_agent = json!({
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleClass", "code": "PAT", "display": "patient"}]},
            "who": {"identifier": {"system": SYSTEM_NHS_NUMBER, "value": p.nhs_number}},
            "requestor": "false"
        });
        let (accessor_agent, observer) = match &r.accessor {
            Accessor::Person {
                name,
                role_code,
                role,
                organisation,
                role_profile_id,
            } => {
                let pr_id = format!("pr-{}", r.id);
                includes.push(json!({
                    "fullUrl": format!("{base}/PractitionerRole/{pr_id}"),
                    "resource": {
                        "resourceType": "PractitionerRole",
                        "id": pr_id,
                        "identifier": [{"system": SYSTEM_ROLE_PROFILE, "value": role_profile_id}],
                        "practitioner": {"display": name},
                        "organization": {"display": organisation},
                        "code": [{"coding": [{"system": SNOMED_SYSTEM, "code": role_code, "display": role}]}]
                    },
                    "search": {"mode": "include"}
                }));
                let reference = format!("PractitionerRole/{pr_id}");
                (
                    json!({
                        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleClass", "code": "ASSIGNED", "display": "assigned entity"}]},
                        "who": {"reference": reference},
                        "requestor": "true"
                    }),
                    json!({"reference": reference}),
                )
            }
            // No published FHIR shape exists for a system accessor; this follows the earlier
            // draft: `who` identifies a Device by its ASID.
            Accessor::System {
                asid,
                name,
                organisation,
            } => (
                json!({
                    "who": {
                        "type": "Device",
                        "identifier": {"system": SYSTEM_ASID, "value": asid},
                        "display": format!("{name} - {organisation}")
                    },
                    "requestor": "true"
                }),
                json!({"identifier": {"system": SYSTEM_ASID, "value": asid}}),
            ),
        };
        matches.push(json!({
            "fullUrl": format!("{base}/AuditEvent/{}", r.id),
            "resource": {
                "resourceType": "AuditEvent",
                "id": r.id,
                "type": {"system": "http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle", "display": "Access/View Record Lifecycle Event"},
                "recorded": timeutil::rfc3339(r.recorded),
                "agent": [patient_agent, accessor_agent],
                "source": {"observer": observer}
            },
            "search": {"mode": "match"}
        }));
    }
    let total = matches.len();
    matches.extend(includes);
    searchset(self_url, total, matches)
}

fn capability_statement() -> Value {
    json!({
        "resourceType": "CapabilityStatement",
        "id": "cpis-sandbox",
        "name": "CPISSandbox",
        "title": "cpis embedded CP-IS sandbox",
        "status": "active",
        "date": "2026-11-25",
        "kind": "instance",
        "software": {"name": "cpis sandbox", "version": env!("CARGO_PKG_VERSION")},
        "implementation": {"description": "Synthetic patients only; see `cpis sandbox patients`"},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [{
            "mode": "server",
            "resource": [
                {"type": "CareTeam", "interaction": [{"code": "search-type"}],
                 "searchParam": [{"name": "patient", "type": "token"}]},
                {"type": "AuditEvent", "interaction": [{"code": "search-type"}],
                 "searchInclude": ["PractitionerRole"],
                 "searchParam": [{"name": "patient", "type": "token"}]}
            ]
        }]
    })
}
