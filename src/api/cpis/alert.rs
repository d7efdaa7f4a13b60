//! The missed-appointment alert: a FHIR R4 `Communication` POSTed to `{alert base}/Communication`.
//! No national interface is published; this is the one this project defines (README, "Alerts").
//! A POST is made once per call: an unknown outcome is never retried here.

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, CONTENT_TYPE};
use serde_json::{json, Value};
use url::Url;

use crate::api::platform::{errors, reply};
use crate::api::record::{SYSTEM_NHS_NUMBER, SYSTEM_ROLE_PROFILE};
use crate::net::diagnose::{error_chain, never_sent};
use crate::net::http::{BodyError, MAX_BODY};
use crate::net::redirect::shown_location;

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
    /// 2xx showing the service holds this alert (201 with a `Location` naming a
    /// `Communication`, or a `Communication` body with this alert's identifier); its
    /// reference (`Location`, else `Communication/{id}` from the body).
    Accepted { status: u16, reference: String },
    /// An answer that does not show the service holds the alert: a redirect (never
    /// followed), or a 2xx without a `Location` naming a `Communication` and without this
    /// alert in its body. What happened, and what to check.
    Unconfirmed { why: String, check: String },
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
    /// equal to the alert's UUID and the lookup's auth headers. Never retried here. `http`
    /// must follow no redirect ([`crate::net::http::build_post_client`]): a 3xx comes back here
    /// as it was answered.
    pub async fn post_alert(
        &self,
        http: &reqwest::Client,
        url: &Url,
        id: &str,
        body: &[u8],
    ) -> Posted {
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
        self.add_credentials(&mut h);
        let sent = http
            .post(url.clone())
            .headers(h)
            .body(body.to_vec())
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) if never_sent(&e) => {
                let mut err = self.transport_error(e, url);
                err.message = format!("alert not sent: {}", err.message);
                return Posted::NotDelivered(err);
            }
            Err(e) if e.is_timeout() => {
                return Posted::Unknown(format!("no answer within {} s", self.timeout().as_secs()))
            }
            Err(e) => {
                return Posted::Unknown(format!(
                    "the connection failed during the request ({})",
                    error_chain(&e.without_url())
                ))
            }
        };
        let (head, body) = reply::read(resp, MAX_BODY).await;
        let (status, location) = (head.status, head.location.clone());
        let body = match body {
            Ok(b) => b,
            Err(_) if (200..300).contains(&status) && location.is_some() => Vec::new(),
            Err(BodyError::TooLarge) => {
                return Posted::Unknown(format!(
                    "HTTP {status}, then an answer too large to read (over {} MiB)",
                    MAX_BODY / (1024 * 1024)
                ))
            }
            Err(BodyError::Transport(e)) => {
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
        if (300..400).contains(&status) {
            let to = match &location {
                Some(l) => format!(" to {}", shown_location(url, l)),
                None => " with no Location".to_string(),
            };
            return Posted::Unconfirmed {
                why: format!(
                    "HTTP {status}: the service answered with a redirect{to}, which is not followed for an alert (it would be sent elsewhere, or not sent at all)"
                ),
                check: "check the alert base URL (--alert-base-url, the profile's alert_base_url, else the CP-IS base URL)".into(),
            };
        }
        if (200..300).contains(&status) {
            return accepted(url, id, status, location.as_deref(), &body);
        }
        let reply = head.reply(body, id);
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

/// Does a 2xx show that the service holds alert `id`? 201 with a `Location` naming a
/// `Communication`, or a body that is a `Communication` with this alert's identifier
/// (a body holding another alert's identifier outweighs any `Location`).
fn accepted(url: &Url, id: &str, status: u16, location: Option<&str>, body: &[u8]) -> Posted {
    let resource = serde_json::from_slice::<Value>(body)
        .ok()
        .filter(|v| v["resourceType"] == "Communication");
    let ours = format!("urn:uuid:{id}");
    let holds_ours = resource.as_ref().map(|c| {
        c["identifier"].as_array().is_some_and(|ids| {
            ids.iter().any(|i| {
                i["value"].as_str() == Some(ours.as_str())
                    && (i["system"].is_null() || i["system"] == IDENTIFIER_SYSTEM)
            })
        })
    });
    let named = location.and_then(|l| communication_reference(url, l));
    let reference = |from_body: bool| {
        named
            .clone()
            .or_else(|| {
                from_body
                    .then(|| {
                        resource.as_ref()?["id"]
                            .as_str()
                            .map(|i| format!("Communication/{i}"))
                    })
                    .flatten()
            })
            .unwrap_or_else(|| format!("(HTTP {status}; no reference given)"))
    };
    match holds_ours {
        Some(true) => Posted::Accepted {
            status,
            reference: reference(true),
        },
        Some(false) => Posted::Unconfirmed {
            why: format!(
                "HTTP {status}, but the Communication in the answer is not this alert (its identifier is not {ours})"
            ),
            check: "check the alert base URL and ask the service's operators".into(),
        },
        None if status == 201 && named.is_some() => Posted::Accepted {
            status,
            reference: reference(false),
        },
        None => Posted::Unconfirmed {
            why: format!(
                "HTTP {status} without a Location naming a Communication and without the alert in the answer: nothing shows the service holds it"
            ),
            check: "check the alert base URL (it may not be an alert service)".into(),
        },
    }
}

/// `Communication/{id}` when a `Location` (absolute, or relative to the POST URL) names a
/// Communication: a path ending `Communication/{id}`, optionally `/_history/{version}`.
fn communication_reference(url: &Url, location: &str) -> Option<String> {
    let u = url.join(location.trim()).ok()?;
    let segments: Vec<&str> = u.path_segments()?.collect();
    let tail = match segments.as_slice() {
        [.., "Communication", id, "_history", v] if !v.is_empty() => id,
        [.., "Communication", id] => id,
        _ => return None,
    };
    let valid = !tail.is_empty()
        && tail.len() <= 64
        && tail
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    valid.then(|| format!("Communication/{tail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_from_locations() {
        let post = Url::parse("https://x/cpis/FHIR/R4/Communication").unwrap();
        for (l, want) in [
            (
                "https://x/cpis/FHIR/R4/Communication/abc/_history/1",
                Some("Communication/abc"),
            ),
            ("Communication/abc", Some("Communication/abc")),
            (
                "/cpis/FHIR/R4/Communication/a-1.2",
                Some("Communication/a-1.2"),
            ),
            ("Communication/", None),
            ("Communication", None),
            ("https://x/login", None),
            ("Communication/a%20b", None),
            ("Patient/abc", None),
        ] {
            assert_eq!(communication_reference(&post, l).as_deref(), want, "{l}");
        }
    }

    #[test]
    fn a_location_is_shown_without_credentials_query_or_control_characters() {
        let post = Url::parse("https://x/cpis/FHIR/R4/Communication").unwrap();
        assert_eq!(
            shown_location(
                &post,
                "https://user:pw@elsewhere.example/a?nhs=9434765919#f"
            ),
            "https://elsewhere.example/a?…"
        );
        assert_eq!(
            shown_location(&post, "login"),
            "https://x/cpis/FHIR/R4/login"
        );
        assert!(!shown_location(&post, "/a\u{1b}[31m").contains('\u{1b}'));
        assert!(shown_location(&post, &"a".repeat(500)).chars().count() <= 201);
    }

    fn reply(status: u16, location: Option<&str>, body: &str) -> Posted {
        let post = Url::parse("https://x/cpis/FHIR/R4/Communication").unwrap();
        accepted(
            &post,
            "11111111-1111-4111-8111-111111111111",
            status,
            location,
            body.as_bytes(),
        )
    }

    #[test]
    fn only_an_answer_showing_the_alert_is_held_counts_as_sent() {
        let ours = r#"{"resourceType":"Communication","id":"c1","identifier":[{"system":"urn:ietf:rfc:3986","value":"urn:uuid:11111111-1111-4111-8111-111111111111"}]}"#;
        let theirs = r#"{"resourceType":"Communication","id":"c2","identifier":[{"system":"urn:ietf:rfc:3986","value":"urn:uuid:22222222-2222-4222-8222-222222222222"}]}"#;
        let sent = |p: Posted| match p {
            Posted::Accepted { reference, .. } => Some(reference),
            _ => None,
        };
        assert_eq!(
            sent(reply(201, Some("Communication/c1"), "")).as_deref(),
            Some("Communication/c1")
        );
        assert_eq!(
            sent(reply(200, None, ours)).as_deref(),
            Some("Communication/c1")
        );
        assert_eq!(
            sent(reply(200, Some("Communication/c9"), ours)).as_deref(),
            Some("Communication/c9")
        );
        for (status, location, body) in [
            (200, Some("Communication/c1"), ""),
            (201, None, ""),
            (201, None, r#"{"resourceType":"OperationOutcome"}"#),
            (201, Some("https://x/login"), ""),
            (201, Some("Communication/c2"), theirs),
            (200, None, theirs),
            (204, None, ""),
            (200, None, "<html>hello</html>"),
        ] {
            assert!(
                matches!(reply(status, location, body), Posted::Unconfirmed { .. }),
                "{status} {location:?} {body}"
            );
        }
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
