//! The CP-IS FHIR API as the sandbox serves it: the two searches (CareTeam, AuditEvent) with
//! the header checks the real service makes and the fault patients, `/metadata`, and
//! `Communication` (missed-appointment alerts).

use hyper::body::Incoming;
use hyper::header::{HeaderValue, RETRY_AFTER};
use hyper::{Method, Request, StatusCode};
use serde_json::{json, Value};

use super::alerts::Outcome;
use super::http::{
    fhir, header, outcome, query_map, respond, HangUp, HangUpInstead, Resp, FHIR_JSON,
};
use super::oauth;
use super::patients::{self, Accessor, Behaviour, Patient};
use super::state::{check_token, Record, State};
use super::vocab::{
    ASID_SYSTEM as SYSTEM_ASID, NHS_NUMBER_SYSTEM as SYSTEM_NHS_NUMBER,
    ROLE_PROFILE_SYSTEM as SYSTEM_ROLE_PROFILE, SNOMED_SYSTEM,
};
use cpis_core::nhs_number::NhsNumber;
use cpis_core::timeutil;

pub const BASE_PATH: &str = "/cpis/FHIR/R4";

const CARETEAM_EXAMPLE: &str = include_str!("data/fhir-careteam-searchset-found.json");
const ACCESS_DENIED: &str = include_str!("data/fhir-operationoutcome-access-denied.json");

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

/// `POST /Communication` (a missed-appointment alert) and `GET /Communication?patient:identifier=`.
pub(crate) async fn communication_endpoint(
    state: &State,
    req: Request<Incoming>,
) -> Result<Resp, HangUp> {
    if let Err(diagnostics) = check_token(state, &req) {
        return Ok(access_denied(&diagnostics));
    }
    if req.method() == Method::GET {
        return Ok(alert_search(state, &req));
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
    let answer = state
        .alerts
        .post(&body, request_id.as_deref(), state.alert_fault, &base);
    alert_answer(answer).await
}

/// `GET /Communication?patient:identifier=SYSTEM|NHS`: the alerts received about a patient.
fn alert_search(state: &State, req: &Request<Incoming>) -> Resp {
    let q = query_map(req.uri());
    let Some((system, nhs)) = q.get("patient:identifier").and_then(|v| v.split_once('|')) else {
        return invalid_search("patient:identifier=system|value is required");
    };
    if system != SYSTEM_NHS_NUMBER {
        return invalid_search(&format!("identifier system must be {SYSTEM_NHS_NUMBER}"));
    }
    let found = state.alerts.for_patient(nhs);
    let base = base_url(state, req);
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
    fhir(
        StatusCode::OK,
        &searchset(&self_url, entries.len(), entries),
    )
}

/// A posted alert's answer as the alerts service decided it (stored, or a fault).
async fn alert_answer(answer: Outcome) -> Result<Resp, HangUp> {
    let stored = |status: u16, location: Option<String>, v: Value| {
        let mut r = fhir(StatusCode::from_u16(status).unwrap_or(StatusCode::OK), &v);
        if let Some(l) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            r.headers_mut().insert(hyper::header::LOCATION, l);
        }
        r
    };
    Ok(match answer {
        Outcome::Answer(status, location, v) => stored(status, location, v),
        Outcome::Unavailable => service_unavailable(),
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
    })
}

/// The platform's 503 when the service behind it is down: its JSON fault, `Retry-After: 1`.
fn service_unavailable() -> Resp {
    let mut r = respond(
        StatusCode::SERVICE_UNAVAILABLE,
        "application/json",
        json!({"fault": {"faultstring": "The Service is temporarily unavailable", "detail": {"errorcode": "messaging.adaptors.http.flow.ServiceUnavailable"}}}).to_string(),
    );
    r.headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from_static("1"));
    r
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

pub(crate) async fn route(state: &State, req: &Request<Incoming>) -> Resp {
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

/// A CareTeam or AuditEvent search: the platform's checks, the service's header and
/// parameter checks, the fault patients, then the bundle.
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
    let (request_id, unscheduled) = match search_headers(req, token_caller.as_ref()) {
        Ok(h) => h,
        Err(diagnostics) => return precondition(diagnostics),
    };
    let query = req.uri().query().unwrap_or("");
    let (number, known) = match searched_number(query) {
        Ok(n) => n,
        Err(diagnostics) => return invalid_search(&diagnostics),
    };
    if unscheduled {
        state.count_unscheduled(&number);
    }
    if known.is_none() && (patients::is_no_record(&number) || super::pds::is_case(&number)) {
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
    if let Some(r) = fault_before_answer(state, patient, &request_id).await {
        return r;
    }
    let found = Found {
        patient,
        resource,
        unscheduled,
        caller: token_caller.as_ref(),
    };
    answer_search(state, req, &found)
}

/// The search's headers as the service checks them: `TraceID` and `X-Request-ID` UUIDs, a
/// CIS2 user's selected role, `IsUnscheduledAccessEvent`. The request id and whether the
/// access is unscheduled, or the diagnostics of the 400 (`PRECONDITION_FAILED`).
fn search_headers(
    req: &Request<Incoming>,
    token_caller: Option<&oauth::Caller>,
) -> Result<(String, bool), &'static str> {
    if !is_uuid(header(req, "traceid")) {
        return Err("TraceID header missing or not a UUID");
    }
    let request_id = match header(req, "x-request-id") {
        Some(v) if is_uuid(Some(v)) => v.trim().to_string(),
        _ => return Err("X-Request-ID header missing or not a UUID"),
    };
    // A CIS2 user's requests name the role they selected (the sandbox insists, so that a
    // client that forgets it is caught).
    if let Some(oauth::Caller::User {
        role_profile_id, ..
    }) = token_caller
    {
        if header(req, "nhsd-session-urid").map(str::trim) != Some(role_profile_id.as_str()) {
            return Err("NHSD-Session-URID header missing or not the signed-in user's selected role profile id");
        }
    }
    let unscheduled = match header(req, "isunscheduledaccessevent").map(|v| v.trim().to_ascii_lowercase()) {
        Some(v) if v == "true" => true,
        Some(v) if v == "false" => false,
        _ => {
            return Err("IsUnscheduledAccessEvent header missing or not 'true'/'false' (the sandbox is stricter than the live service, which treats a missing header as unscheduled)")
        }
    };
    Ok((request_id, unscheduled))
}

/// The NHS number `patient:identifier` names (checked), and the synthetic patient it is if
/// any; or the diagnostics of the 400 (`INVALID_SEARCH_DATA`).
fn searched_number(query: &str) -> Result<(String, Option<&'static Patient>), String> {
    let identifier = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "patient:identifier")
        .map(|(_, v)| v.into_owned());
    let Some(identifier) = identifier else {
        return Err("patient:identifier search parameter is required".into());
    };
    let Some((system, number)) = identifier.split_once('|') else {
        return Err("patient:identifier must be system|value".into());
    };
    if system != SYSTEM_NHS_NUMBER {
        return Err(format!("identifier system must be {SYSTEM_NHS_NUMBER}"));
    }
    let known = patients::find(number);
    let valid = NhsNumber::parse(number).is_ok_and(|n| n.digits() == number);
    if !valid && known.is_none() {
        return Err("Invalid NHS number".into());
    }
    Ok((number.to_string(), known))
}

/// A fault patient's answer in place of the search's (before anything is recorded); `Slow`
/// waits, then answers as usual.
async fn fault_before_answer(
    state: &State,
    patient: &'static Patient,
    request_id: &str,
) -> Option<Resp> {
    match patient.behaviour {
        Behaviour::Unauthorized => Some(outcome(
            StatusCode::UNAUTHORIZED,
            "forbidden",
            "ACCESS_DENIED",
            "Access has been denied to process this request",
            "Missing or expired access token (sandbox fault patient)",
        )),
        Behaviour::AccessDenied => Some(respond(StatusCode::FORBIDDEN, FHIR_JSON, ACCESS_DENIED)),
        Behaviour::RateLimitedOnce if state.first_sight(request_id) => Some(too_many_requests("Your application, cpis-sandbox, has exceeded its quota of 5 requests per second (sandbox fault patient)")),
        Behaviour::UnavailableOnce if state.first_sight(request_id) => Some(service_unavailable()),
        Behaviour::Slow => {
            tokio::time::sleep(patients::SLOW_RESPONSE).await;
            None
        }
        Behaviour::MalformedBody => Some(respond(
            StatusCode::OK,
            FHIR_JSON,
            "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":1,\"entry\":[{\"resource\":{\"resourceType\":\"Care",
        )),
        Behaviour::HtmlProxyPage => Some(respond(
            StatusCode::OK,
            "text/html; charset=utf-8",
            "<!DOCTYPE html>\n<html><head><title>Web page blocked</title></head><body><h1>Web page blocked</h1><p>Access to this site is blocked by your organisation's internet policy.</p></body></html>\n",
        )),
        _ => None,
    }
}

/// A search that found a synthetic patient: which search, and who asked.
struct Found<'a> {
    patient: &'static Patient,
    /// `CareTeam` or `AuditEvent`.
    resource: &'a str,
    unscheduled: bool,
    /// The caller a verified token names.
    caller: Option<&'a oauth::Caller>,
}

/// The search's bundle, the access recorded first; then the faults that come after
/// recording (a timeout, a reset, an answer about another child or about no one).
fn answer_search(state: &State, req: &Request<Incoming>, found: &Found) -> Resp {
    let Found {
        patient,
        resource,
        unscheduled,
        ..
    } = *found;
    let query = req.uri().query().unwrap_or("");
    let base = base_url(state, req);
    let self_url = format!("{base}/{resource}?{query}");
    // The caller a verified token names, else the sandbox's stand-in clinician.
    let caller = unscheduled.then(|| {
        found
            .caller
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
    let body = if resource == "CareTeam" {
        careteam_bundle(patient, &base, &self_url)
    } else {
        auditevent_bundle(patient, &history, &base, &self_url)
    };
    fault_after_recording(patient, resource, body)
}

/// The bundle as a fault patient gets it, once the search is on record (and the local
/// authority notified).
fn fault_after_recording(patient: &Patient, resource: &str, mut body: Value) -> Resp {
    match (patient.behaviour, resource) {
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
