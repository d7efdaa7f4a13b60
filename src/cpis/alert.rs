//! The missed-appointment alert: a FHIR R4 `Communication` POSTed to `{alert base}/Communication`.
//! No national interface is published; this is the one this project defines (README, "Alerts").
//! A POST is made once per call: an unknown outcome is never retried here.

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, CONTENT_TYPE, LOCATION};
use serde_json::{json, Value};
use url::Url;

use super::errors::{self, Reply};
use super::model::{SYSTEM_NHS_NUMBER, SYSTEM_ROLE_PROFILE};

/// The identifier system of a `urn:uuid:` value (FHIR's rule for URIs as identifiers).
pub const IDENTIFIER_SYSTEM: &str = "urn:ietf:rfc:3986";
/// This project's local code system for the alert category, until a national one exists.
pub const CATEGORY_SYSTEM: &str = "urn:cpis-cli:fhir:CodeSystem:alert-category";
pub const CATEGORY_CODE: &str = "missed-appointment";
pub const CATEGORY_DISPLAY: &str = "Missed appointment of a child or pregnant woman on a plan";
/// ODS organisation codes.
pub const SYSTEM_ODS: &str = "https://fhir.nhs.uk/Id/ods-organization-code";

/// The responsible local authority, as the plan gave it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Recipient {
    pub name: String,
    pub office_hours_phone: Option<String>,
    pub emergency_duty_phone: Option<String>,
}

/// Who sends the alert.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sender {
    /// The clinician's name, or the system's nominated person.
    pub name: String,
    pub role: Option<String>,
    pub role_profile_id: Option<String>,
    pub org_code: Option<String>,
    pub org_name: Option<String>,
}

/// Everything that goes into one alert.
#[derive(Debug, Clone)]
pub struct Alert {
    /// The UUID of the identifier (also `X-Request-ID` on every attempt).
    pub id: String,
    pub nhs_number: String,
    pub patient_name: Option<String>,
    /// The appointment's start (RFC 3339 with offset).
    pub appointment: String,
    pub service: String,
    pub location: String,
    pub note: String,
    pub recipient: Recipient,
    pub sender: Sender,
    /// When it is sent (RFC 3339 with offset).
    pub sent: String,
}

/// The FHIR R4 Communication for `a`.
pub fn body(a: &Alert) -> Value {
    let patient = json!({"identifier": {"system": SYSTEM_NHS_NUMBER, "value": a.nhs_number}});
    let mut subject = patient.clone();
    if let Some(n) = &a.patient_name {
        subject["display"] = json!(n);
    }
    let mut telecom = Vec::new();
    if let Some(p) = &a.recipient.office_hours_phone {
        telecom.push(json!({"system": "phone", "value": p, "use": "work"}));
    }
    if let Some(p) = &a.recipient.emergency_duty_phone {
        telecom.push(json!({"system": "phone", "value": p, "use": "mobile"}));
    }
    let mut organisation = json!({
        "resourceType": "Organization",
        "id": "local-authority",
        "name": a.recipient.name,
    });
    if !telecom.is_empty() {
        organisation["telecom"] = json!(telecom);
    }
    let mut role = json!({
        "resourceType": "PractitionerRole",
        "id": "sender",
        "practitioner": {"display": a.sender.name},
    });
    if let Some(id) = &a.sender.role_profile_id {
        role["identifier"] = json!([{"system": SYSTEM_ROLE_PROFILE, "value": id}]);
    }
    if let Some(r) = &a.sender.role {
        role["code"] = json!([{"text": r}]);
    }
    match (&a.sender.org_code, &a.sender.org_name) {
        (None, None) => {}
        (code, name) => {
            let mut org = json!({});
            if let Some(c) = code {
                org["identifier"] = json!({"system": SYSTEM_ODS, "value": c});
            }
            if let Some(n) = name {
                org["display"] = json!(n);
            }
            role["organization"] = org;
        }
    }
    json!({
        "resourceType": "Communication",
        "contained": [
            {
                "resourceType": "Appointment",
                "id": "appointment",
                "status": "noshow",
                "serviceType": [{"text": a.service}],
                "start": a.appointment,
                "end": a.appointment,
                "participant": [
                    {"actor": patient, "status": "accepted"},
                    {"actor": {"type": "Location", "display": a.location}, "status": "accepted"}
                ]
            },
            organisation,
            role
        ],
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": format!("urn:uuid:{}", a.id)}],
        "status": "completed",
        "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": CATEGORY_CODE, "display": CATEGORY_DISPLAY}]}],
        "subject": subject,
        "about": [{"reference": "#appointment"}],
        "sent": a.sent,
        "recipient": [{"reference": "#local-authority", "display": a.recipient.name}],
        "sender": {"reference": "#sender", "display": a.sender.name},
        "payload": [{"contentString": a.note}]
    })
}

/// What one POST came to.
#[derive(Debug)]
pub enum Posted {
    /// 2xx: the service holds the alert; its reference (`Location`, else `Communication/{id}`).
    Accepted { status: u16, reference: String },
    /// A 4xx with an OperationOutcome: the service refused this alert; sending it again
    /// cannot help.
    Refused(crate::error::Error),
    /// Definitely not delivered (nothing reached the service, or the platform turned it away
    /// before the service saw it: 4xx without an OperationOutcome): it may be sent again.
    NotDelivered(crate::error::Error),
    /// The request may have reached the service: timeout after sending, a dropped
    /// connection, a 5xx, a reply that cannot be read.
    Unknown(String),
}

/// The `Communication` endpoint under an alert base URL.
pub fn endpoint(base: &Url) -> Url {
    let mut b = base.clone();
    if !b.path().ends_with('/') {
        let p = format!("{}/", b.path());
        b.set_path(&p);
    }
    b.join("Communication").expect("resource name joins")
}

impl super::Client {
    /// One POST of an alert body (exactly the stored bytes), with `X-Request-ID` and `TraceID`
    /// equal to the alert's UUID and the lookup's auth headers. Never retried here.
    pub async fn post_alert(&self, url: &Url, id: &str, body: &[u8]) -> Posted {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT, HeaderValue::from_static("application/fhir+json"));
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/fhir+json"),
        );
        let Ok(idv) = HeaderValue::from_str(id) else {
            return Posted::Refused(crate::error::Error::unexpected(
                "the alert's identifier is not a header value",
            ));
        };
        h.insert("X-Request-ID", idv.clone());
        h.insert("TraceID", idv);
        if let Some(v) = &self.authorization {
            h.insert(reqwest::header::AUTHORIZATION, v.clone());
        }
        if let Some(v) = &self.session_urid {
            h.insert("NHSD-Session-URID", v.clone());
        }
        let sent = self
            .http
            .post(url.clone())
            .headers(h)
            .body(body.to_vec())
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) if crate::http::never_sent(&e) => {
                let mut err = crate::http::transport_error(e, url, self.timeout, self.use_proxy);
                err.message = format!("alert not sent: {}", err.message);
                return Posted::NotDelivered(err);
            }
            Err(e) if e.is_timeout() => {
                return Posted::Unknown(format!("no answer within {} s", self.timeout.as_secs()))
            }
            Err(e) => {
                return Posted::Unknown(format!(
                    "the connection failed during the request ({})",
                    crate::http::error_chain(&e.without_url())
                ))
            }
        };
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let content_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = match resp.bytes().await {
            Ok(b) => b.to_vec(),
            Err(_) if (200..300).contains(&status) && location.is_some() => Vec::new(),
            Err(e) => {
                return Posted::Unknown(format!(
                    "HTTP {status}, then the reply could not be read ({})",
                    if e.is_timeout() {
                        "timed out"
                    } else {
                        "connection failed"
                    }
                ))
            }
        };
        if (200..300).contains(&status) {
            let id = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v["id"].as_str().map(|i| format!("Communication/{i}")));
            let reference = location
                .map(|l| reference_from_location(&l))
                .or(id)
                .unwrap_or_else(|| format!("(HTTP {status}; no reference given)"));
            return Posted::Accepted { status, reference };
        }
        let reply = Reply {
            status,
            content_type,
            body,
            trace_id: id.to_string(),
        };
        // Turned away before the service processed it: the token (401), a request timeout
        // (408) or the rate limit (429). It may be sent again.
        if matches!(status, 401 | 408 | 429) {
            return Posted::NotDelivered(errors::reply_error("alert", &reply));
        }
        if (400..500).contains(&status) {
            let is_outcome = serde_json::from_slice::<Value>(&reply.body)
                .is_ok_and(|v| v["resourceType"] == "OperationOutcome");
            let err = errors::reply_error("alert", &reply);
            return if is_outcome {
                Posted::Refused(err)
            } else {
                Posted::NotDelivered(err)
            };
        }
        Posted::Unknown(format!("HTTP {status}"))
    }
}

/// `Communication/{id}` from a `Location` (absolute or relative, with or without `_history`).
fn reference_from_location(l: &str) -> String {
    let path = l.split('?').next().unwrap_or(l);
    match path.find("Communication/") {
        Some(i) => {
            let rest = &path[i..];
            match rest.find("/_history") {
                Some(j) => rest[..j].to_string(),
                None => rest.to_string(),
            }
        }
        None => l.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_from_locations() {
        assert_eq!(
            reference_from_location("https://x/cpis/FHIR/R4/Communication/abc/_history/1"),
            "Communication/abc"
        );
        assert_eq!(
            reference_from_location("Communication/abc"),
            "Communication/abc"
        );
    }

    #[test]
    fn endpoint_is_under_the_base() {
        let u = Url::parse("https://int.api.service.nhs.uk/cpis/FHIR/R4").unwrap();
        assert_eq!(
            endpoint(&u).as_str(),
            "https://int.api.service.nhs.uk/cpis/FHIR/R4/Communication"
        );
    }
}
