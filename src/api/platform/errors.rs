//! Turning an unsuccessful or unreadable reply into one clear message with a hint, keeping the
//! Spine error code, any `message_id` and the request's trace id for support.
//!
//! Shapes handled: FHIR `OperationOutcome`, OAuth-style `{"error", "error_description"}`,
//! API platform `{"message", "message_id"}`, Apigee `{"fault": ...}`, HTML from a proxy, empty
//! and truncated bodies, and bodies in an unexpected content type.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::fhir::OperationOutcome;
use super::reply::Reply;
use crate::error::{Error, Kind, Result, Trace};
use crate::sanitize::sanitize;

/// The hint for a number the embedded sandbox does not know (its `SANDBOX_UNKNOWN_PATIENT`
/// answer, from CP-IS's or PDS's sandbox alike).
pub const SANDBOX_ONLY_HINT: &str = "`cpis sandbox patients` lists the synthetic patients; for a real child, choose a real environment and sign in (`cpis --env int auth login --user`, then `cpis --env int lookup ...`, or `cpis config set env int`); nothing was sent to a real service";

/// The service of the platform that gave an answer: every error message names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Cpis,
    Pds,
    Flags,
}

impl Service {
    /// Its name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Service::Cpis => "CP-IS",
            Service::Pds => "PDS",
            Service::Flags => "the Patient Flags API",
        }
    }

    /// The error for a reply from this service that is not a successful answer.
    pub fn error(self, what: &str, reply: &Reply) -> Error {
        service_error(self.name(), what, reply)
    }
}

/// What an error body said.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Said {
    pub code: Option<String>,
    pub message: Option<String>,
    pub message_id: Option<String>,
    pub html: bool,
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(|s| sanitize(s.trim()))
        .filter(|s| !s.is_empty())
}

pub fn looks_like_html(content_type: Option<&str>, body: &[u8]) -> bool {
    let ct_html = content_type.is_some_and(|c| c.to_ascii_lowercase().contains("html"));
    let start = String::from_utf8_lossy(&body[..body.len().min(200)]).to_ascii_lowercase();
    let start = start.trim_start();
    ct_html || start.starts_with("<!doctype html") || start.starts_with("<html")
}

fn html_title(body: &[u8]) -> Option<String> {
    let s = String::from_utf8_lossy(body);
    let lower = s.to_ascii_lowercase();
    let a = lower.find("<title")?;
    let a = a + lower[a..].find('>')? + 1;
    let b = a + lower[a..].find("</title")?;
    let t = sanitize(s.get(a..b)?.trim());
    (!t.is_empty()).then(|| t.chars().take(120).collect())
}

/// Read what an error body says, whatever its shape.
pub fn read_error_body(content_type: Option<&str>, body: &[u8]) -> Said {
    if looks_like_html(content_type, body) {
        return Said {
            message: html_title(body),
            html: true,
            ..Said::default()
        };
    }
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Said::default();
    };
    if v.get("resourceType").and_then(Value::as_str) == Some("OperationOutcome") {
        let oo: OperationOutcome = super::fhir::parse_resource(&v);
        let issue = oo.issue.first();
        let coding = issue
            .and_then(|i| i.details.as_ref())
            .and_then(|d| d.coding.iter().find(|c| c.code.is_some()));
        let display = coding.and_then(|c| c.display.clone()).or_else(|| {
            issue
                .and_then(|i| i.details.as_ref())
                .and_then(|d| d.text.clone())
        });
        let diagnostics = issue.and_then(|i| i.diagnostics.clone());
        let message = match (display, diagnostics) {
            (Some(d), Some(g)) if d != g => Some(format!("{d} ({g})")),
            (Some(d), _) => Some(d),
            (None, g) => g,
        };
        return Said {
            code: coding
                .and_then(|c| c.code.clone())
                .or_else(|| issue.and_then(|i| i.code.clone())),
            message: message.map(|m| sanitize(m.trim())),
            message_id: text(v.get("message_id")),
            html: false,
        };
    }
    if let Some(fault) = v.get("fault") {
        return Said {
            code: text(fault.pointer("/detail/errorcode")),
            message: text(fault.get("faultstring")),
            message_id: text(v.get("message_id")),
            html: false,
        };
    }
    if v.get("error").is_some() || v.get("message").is_some() {
        let error = text(v.get("error"));
        return Said {
            code: error.clone(),
            message: text(v.get("error_description"))
                .or_else(|| text(v.get("message")))
                .or(error),
            message_id: text(v.get("message_id")),
            html: false,
        };
    }
    Said::default()
}

fn reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

/// The hint for a 404 that is not the service's answer about a patient: the base URL in use
/// probably lacks the API's path (a gateway, a host without `/cpis/FHIR/R4`).
fn wrong_path_hint(what: &str) -> &'static str {
    if what.starts_with("PDS") {
        "the PDS base URL's path is probably wrong: PDS is at https://HOST/personal-demographics/FHIR/R4 on the API platform; check --pds-base-url or the profile's pds_base_url (`cpis config show` shows the one in use)"
    } else if what == "alert" {
        "the alert base URL's path is probably wrong: alerts go to {alert base}/Communication; check --alert-base-url or the profile's alert_base_url (else the CP-IS base URL is used)"
    } else if what.starts_with("Patient Flags") {
        "the Patient Flags base URL or path is probably wrong: it is https://HOST/patient-flags-api/FHIR/R4 on the API platform; check --flags-base-url, flags_base_url and flags_path (`cpis config show` shows them)"
    } else {
        "the base URL's path is probably wrong: CP-IS is at https://HOST/cpis/FHIR/R4 on the API platform; check --base-url or the profile's base_url (`cpis config show` shows the one in use)"
    }
}

/// Spine and sandbox codes that a 404 carries when the service itself answered about the
/// patient (not a wrong path).
const PATIENT_404_CODES: &[&str] = &[
    "SANDBOX_UNKNOWN_PATIENT",
    "INVALID_SEARCH_DATA",
    "RESOURCE_NOT_FOUND",
    "INVALIDATED_RESOURCE",
];

/// The error for a reply that is not a successful CP-IS search result. `what` names the
/// request ("CareTeam search").
pub fn reply_error(what: &str, reply: &Reply) -> Error {
    Service::Cpis.error(what, reply)
}

/// The error for a reply from `service` (CP-IS, PDS, the Patient Flags API) that is not a
/// successful answer: every message names the service that gave it.
pub fn service_error(service: &str, what: &str, reply: &Reply) -> Error {
    let said = read_error_body(reply.content_type.as_deref(), &reply.body);
    let trace = Trace {
        code: said.code.clone(),
        message_id: said.message_id.clone(),
        ..reply.trace()
    };
    let status = reply.status;
    let detail = said
        .message
        .clone()
        .map(|m| format!(": {m}"))
        .unwrap_or_default();

    if said.html {
        return Error::new(
            Kind::Service,
            format!(
                "{what}: got an HTML page (HTTP {status}) instead of the API's FHIR answer{detail}"
            ),
        )
        .with_hint(if status == 404 {
            "a web server answered that it has no such page: the base URL's path is probably wrong (CP-IS is at https://HOST/cpis/FHIR/R4, PDS at https://HOST/personal-demographics/FHIR/R4; `cpis config show` shows what is in use), or a web proxy or filter answered (check HTTPS_PROXY/NO_PROXY)"
        } else {
            "a web proxy, filter or captive portal probably answered; check HTTPS_PROXY/NO_PROXY, or ask IT to allow the NHS API platform"
        })
        .with_trace(trace);
    }
    let code = said.code.as_deref().unwrap_or("");
    let (kind, message, hint) = match (status, code) {
        (401, _) => (
            Kind::NotAuthenticated,
            format!("{what}: not authenticated (HTTP 401){detail}"),
            "sign in again, or give a fresh token in CPIS_ACCESS_TOKEN (tokens last about 10 minutes)",
        ),
        (403, _) => (
            Kind::AccessDenied,
            format!("{what}: access denied by {service} (HTTP 403){detail}"),
            if service == "CP-IS" {
                "your role needs the national RBAC activity B0107 (View CP-IS flag) or B0170 (view without notification); ask your Registration Authority"
            } else {
                "this application or your role may not have access to this API; ask your Registration Authority, or the application's owner on the NHS API platform"
            },
        ),
        (_, "INVALID_SEARCH_DATA") => (
            Kind::Usage,
            format!("{what}: {service} rejected the NHS number{detail}"),
            "check the NHS number",
        ),
        (_, "SANDBOX_UNKNOWN_PATIENT") => (
            Kind::Usage,
            format!("{what}: not a synthetic patient of the sandbox{detail}"),
            SANDBOX_ONLY_HINT,
        ),
        (_, "PRECONDITION_FAILED") => (
            Kind::Service,
            format!("{what}: {service} refused the request's headers{detail}"),
            "this is a bug in cpis or a proxy changing headers; report it with the trace id",
        ),
        (407, _) => (
            Kind::Unreachable,
            format!("{what}: the proxy wants authentication (HTTP 407){detail}"),
            "put the proxy's credentials in HTTPS_PROXY (http://user:pass@host:port) or ask IT",
        ),
        (429, _) => (
            Kind::Service,
            format!("{what}: rate limited by the API platform (HTTP 429){detail}"),
            "wait a minute and try again; the limit is shared by every user of this application",
        ),
        (500..=599, _) => (
            Kind::Service,
            format!(
                "{what}: {service} is not available (HTTP {status} {}){detail}",
                reason(status)
            ),
            "try again shortly; if it persists, report it with the trace id",
        ),
        (404, c) if !PATIENT_404_CODES.contains(&c) => (
            Kind::Service,
            format!("{what}: HTTP 404 Not Found{detail}"),
            wrong_path_hint(what),
        ),
        (200..=299, _) => (
            Kind::Service,
            format!(
                "{what}: could not read the reply (HTTP {status}, {}){detail}",
                reply.content_type.as_deref().unwrap_or("no content type")
            ),
            "the service sent something other than a FHIR Bundle; report it with the trace id",
        ),
        _ => (
            Kind::Service,
            format!("{what}: {service} answered HTTP {status} {}{detail}", reason(status)),
            "report it with the trace id",
        ),
    };
    Error::new(kind, message).with_hint(hint).with_trace(trace)
}

/// Why a 2xx body is not a readable Bundle.
pub fn unreadable(what: &str, reply: &Reply, why: &str) -> Error {
    let ct = reply.content_type.as_deref().unwrap_or("no content type");
    let message = if reply.body.is_empty() {
        format!("{what}: the reply was empty (HTTP {}, {ct})", reply.status)
    } else {
        format!(
            "{what}: could not read the reply (HTTP {}, {ct}): {}",
            reply.status,
            sanitize(why)
        )
    };
    Error::new(Kind::Service, message)
        .with_hint("the reply may have been cut off or changed on the way; try again, and report it with the trace id if it persists")
        .with_trace(reply.trace())
}

impl Reply {
    /// A successful FHIR answer of `resource_type` (as `type_of` reads it from the parsed
    /// `T`). Anything else is the error that names `service`: a status other than 2xx, an
    /// HTML page, a body that cannot be read as `T`, or another resource type.
    pub fn fhir<T: DeserializeOwned>(
        &self,
        service: Service,
        what: &str,
        resource_type: &str,
        type_of: impl Fn(&T) -> Option<&str>,
    ) -> Result<T> {
        if !self.is_success() || looks_like_html(self.content_type.as_deref(), &self.body) {
            return Err(service.error(what, self));
        }
        let parsed: T = serde_json::from_slice(&self.body)
            .map_err(|e| unreadable(what, self, &e.to_string()))?;
        if type_of(&parsed) != Some(resource_type) {
            return Err(service.error(what, self));
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_error_shape() {
        let oo =
            include_bytes!("../../../tests/fixtures/cpis/fhir-operationoutcome-access-denied.json");
        let s = read_error_body(Some("application/fhir+json"), oo);
        assert_eq!(s.code.as_deref(), Some("ACCESS_DENIED"));
        assert_eq!(
            s.message.as_deref(),
            Some("Access has been denied to process this request")
        );

        let oauth = br#"{"error":"invalid_request","error_description":"Missing or invalid 'aud' claim in client_assertion JWT","message_id":"rrt-1"}"#;
        let s = read_error_body(Some("application/json"), oauth);
        assert_eq!(s.code.as_deref(), Some("invalid_request"));
        assert_eq!(s.message_id.as_deref(), Some("rrt-1"));

        let fault = br#"{"fault":{"faultstring":"Invalid ApiKey","detail":{"errorcode":"oauth.v2.InvalidApiKey"}}}"#;
        let s = read_error_body(None, fault);
        assert_eq!(s.code.as_deref(), Some("oauth.v2.InvalidApiKey"));
        assert_eq!(s.message.as_deref(), Some("Invalid ApiKey"));

        let quota = br#"{"message":"Your application, X, has exceeded its quota","message_id":"m-9","policy":"spikearrest"}"#;
        let s = read_error_body(None, quota);
        assert_eq!(s.message_id.as_deref(), Some("m-9"));

        let html =
            b"<!DOCTYPE html><html><head><title>Blocked \x1b[31mby filter</title></head></html>";
        let s = read_error_body(Some("text/html"), html);
        assert!(s.html);
        assert_eq!(s.message.as_deref(), Some("Blocked \u{fffd}[31mby filter"));

        assert_eq!(read_error_body(None, b""), Said::default());
        assert_eq!(
            read_error_body(None, b"{\"resourceType\":"),
            Said::default()
        );
    }

    #[test]
    fn status_maps_to_kind() {
        let r = |status, body: &str| Reply {
            status,
            content_type: Some("application/json".into()),
            body: body.as_bytes().to_vec(),
            trace_id: "t".into(),
        };
        assert_eq!(reply_error("x", &r(401, "{}")).kind, Kind::NotAuthenticated);
        assert_eq!(reply_error("x", &r(403, "{}")).kind, Kind::AccessDenied);
        let invalid = r#"{"resourceType":"OperationOutcome","issue":[{"details":{"coding":[{"code":"INVALID_SEARCH_DATA"}]}}]}"#;
        assert_eq!(reply_error("x", &r(400, invalid)).kind, Kind::Usage);
        assert_eq!(reply_error("x", &r(503, "")).kind, Kind::Service);
        let mut html = r(403, "<html><title>No</title></html>");
        html.content_type = Some("text/html".into());
        assert_eq!(reply_error("x", &html).kind, Kind::Service);
    }

    #[test]
    fn every_message_names_the_service_that_answered() {
        let r = |status| Reply {
            status,
            content_type: Some("application/json".into()),
            body: b"{}".to_vec(),
            trace_id: "t".into(),
        };
        for status in [403, 503, 418] {
            let e = service_error("PDS", "PDS patient retrieval", &r(status));
            assert!(e.message.contains("PDS"), "{}", e.message);
            assert!(!e.message.contains("CP-IS"), "{}", e.message);
            assert!(!e.to_string().contains("B0107"), "{e}");
        }
        let e = reply_error("CareTeam search", &r(403));
        assert!(
            e.message.contains("access denied by CP-IS"),
            "{}",
            e.message
        );
        assert!(e.to_string().contains("B0107"), "{e}");
    }
}
