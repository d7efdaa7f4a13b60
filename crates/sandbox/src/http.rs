//! The sandbox's HTTP vocabulary, a leaf every handler uses: the response type, FHIR and
//! OperationOutcome bodies, request headers and query parameters, and the hang-up a fault asks
//! for. It imports no other file of the sandbox, so the handlers form no circle through it.

use std::collections::HashMap;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use serde_json::{json, Value};

pub(crate) const SPINE_CODES: &str =
    "https://fhir.nhs.uk/CodeSystem/England-SpineErrorOrWarningCode";

pub(crate) const FHIR_JSON: &str = "application/fhir+json";

pub type Resp = Response<Full<Bytes>>;

pub(crate) fn respond(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Resp {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_str(content_type).expect("content type"),
    );
    r
}

/// A FHIR JSON body given as text (an official payload served verbatim).
pub(crate) fn fhir_text(status: StatusCode, body: &str) -> Resp {
    respond(status, FHIR_JSON, body.to_string())
}

pub(crate) fn fhir_json(status: StatusCode, v: &Value) -> Resp {
    fhir(status, v)
}

pub(crate) fn fhir(status: StatusCode, v: &Value) -> Resp {
    respond(
        status,
        FHIR_JSON,
        serde_json::to_vec_pretty(v).expect("json"),
    )
}

/// An OperationOutcome with a Spine error code.
pub fn outcome(
    status: StatusCode,
    issue_code: &str,
    code: &str,
    display: &str,
    diagnostics: &str,
) -> Resp {
    fhir(
        status,
        &json!({
            "resourceType": "OperationOutcome",
            "id": uuid::Uuid::new_v4().to_string(),
            "issue": [{
                "severity": "error",
                "code": issue_code,
                "details": {"coding": [{"system": SPINE_CODES, "code": code, "display": display}]},
                "diagnostics": diagnostics
            }]
        }),
    )
}

pub(crate) fn header<'a>(req: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// A request's query parameters (the first of each name wins).
pub(crate) fn query_map(uri: &hyper::Uri) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        m.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    m
}

/// Set on a response that must not be sent: the connection is closed instead.
#[derive(Clone, Copy)]
pub(crate) struct HangUpInstead;

/// Returned by a handler to close the connection without an answer (an alert fault).
#[derive(Debug)]
pub struct HangUp;

impl std::fmt::Display for HangUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose (sandbox alert fault)")
    }
}

impl std::error::Error for HangUp {}
