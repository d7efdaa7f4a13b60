//! The sandbox's missed-appointment alerts: `POST /Communication` checks the shape this project
//! defines (see README, "Alerts") and keeps each alert once per `identifier`;
//! `GET /Communication?patient:identifier=...` lists what arrived. Fault options
//! (`serve --alert-fault`) act on the first attempt of each identifier only, so that a retry
//! with the same identifier can show what the service holds.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Value};

use super::vocab::{
    ALERT_CATEGORY_CODE as CATEGORY_CODE, ALERT_CATEGORY_SYSTEM as CATEGORY_SYSTEM,
    ALERT_IDENTIFIER_SYSTEM as IDENTIFIER_SYSTEM, NHS_NUMBER_SYSTEM as SYSTEM_NHS_NUMBER,
};
use cpis_core::nhs_number::NhsNumber;

/// What `serve --alert-fault` does to the first attempt of each alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AlertFault {
    /// Store the alert, then close the connection without answering.
    DropAfterStore,
    /// Store the alert, then answer only after [`SLOW_ALERT`].
    SlowAfterStore,
    /// Answer 503 (with `Retry-After`) without storing anything.
    UnavailableBeforeStore,
    /// Answer 303 See Other, without storing anything, pointing at the search for the
    /// patient's alerts (which a GET answers 200): a client that follows it learns nothing
    /// about its POST.
    #[value(name = "redirect-303")]
    Redirect303,
    /// Answer 307 Temporary Redirect, without storing anything, to the same endpoint under
    /// another loopback origin (`localhost` for `127.0.0.1`, and the other way round): a
    /// client that follows it re-posts the alert elsewhere.
    #[value(name = "redirect-307")]
    Redirect307,
    /// Store the alert, then answer 201 with no `Location` and an informational
    /// OperationOutcome instead of the Communication: nothing shows the alert is held.
    OkWithoutLocation,
}

/// How long `slow-after-store` waits before answering.
pub const SLOW_ALERT: Duration = Duration::from_secs(20);

/// What to do with one POST.
pub enum Outcome {
    /// Answer with this status, `Location` (when stored) and body.
    Answer(u16, Option<String>, Value),
    /// 503 before storing.
    Unavailable,
    /// Stored; close the connection without an answer.
    Drop,
    /// Stored; answer after a long wait.
    Slow(Option<String>, Value),
    /// Not stored; a redirect with this status and `Location`.
    Redirect(u16, String),
}

#[derive(Default)]
pub struct Alerts {
    /// identifier value → (server id, stored resource), in arrival order.
    stored: Mutex<Vec<(String, String, Value)>>,
    /// Identifiers whose first attempt has met the fault.
    faulted: Mutex<HashSet<String>>,
}

fn problem(diagnostics: impl Into<String>) -> Outcome {
    Outcome::Answer(
        400,
        None,
        json!({
            "resourceType": "OperationOutcome",
            "issue": [{
                "severity": "error",
                "code": "invalid",
                "details": {"coding": [{
                    "system": "https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode",
                    "code": "INVALID_RESOURCE",
                    "display": "Invalid resource"
                }]},
                "diagnostics": diagnostics.into()
            }]
        }),
    )
}

fn is_date_time(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() > 10 && cpis_core::timeutil::parse_rfc3339(s).is_some())
}

fn text(v: &Value) -> Option<&str> {
    v.as_str().filter(|s| !s.trim().is_empty())
}

/// The contained resource a local reference (`#id`) names.
fn contained<'a>(c: &'a Value, reference: &Value) -> Option<&'a Value> {
    let id = reference["reference"].as_str()?.strip_prefix('#')?;
    c["contained"]
        .as_array()?
        .iter()
        .find(|r| r["id"].as_str() == Some(id))
}

/// The first problem with a Communication's shape, if any; else its identifier's UUID.
pub fn check(c: &Value) -> Result<String, String> {
    if c["resourceType"] != "Communication" {
        return Err("resourceType must be Communication".into());
    }
    let ident = &c["identifier"][0];
    if ident["system"] != IDENTIFIER_SYSTEM {
        return Err(format!("identifier[0].system must be {IDENTIFIER_SYSTEM}"));
    }
    let uuid = ident["value"]
        .as_str()
        .and_then(|v| v.strip_prefix("urn:uuid:"))
        .filter(|u| uuid::Uuid::parse_str(u).is_ok())
        .ok_or("identifier[0].value must be urn:uuid: followed by a UUID")?;
    if c["status"] != "completed" {
        return Err("status must be completed".into());
    }
    let coded = c["category"][0]["coding"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|x| x["system"] == CATEGORY_SYSTEM && x["code"] == CATEGORY_CODE)
    });
    if !coded {
        return Err(format!(
            "category[0].coding must hold {CATEGORY_SYSTEM}|{CATEGORY_CODE}"
        ));
    }
    let subject = &c["subject"]["identifier"];
    if subject["system"] != SYSTEM_NHS_NUMBER {
        return Err(format!(
            "subject.identifier.system must be {SYSTEM_NHS_NUMBER}"
        ));
    }
    let nhs = subject["value"].as_str().unwrap_or("");
    if !NhsNumber::parse(nhs).is_ok_and(|n| n.digits() == nhs)
        && super::patients::find(nhs).is_none()
    {
        return Err("subject.identifier.value is not a valid NHS number".into());
    }
    let Some(appt) = contained(c, &c["about"][0]) else {
        return Err("about[0] must reference a contained Appointment (#id)".into());
    };
    if appt["resourceType"] != "Appointment" {
        return Err("about[0] must reference a contained Appointment".into());
    }
    if appt["status"] != "noshow" {
        return Err("the contained Appointment's status must be noshow".into());
    }
    if !is_date_time(&appt["start"]) || !is_date_time(&appt["end"]) {
        return Err(
            "the contained Appointment needs start and end as date-times with a time zone".into(),
        );
    }
    if text(&appt["serviceType"][0]["text"]).is_none() {
        return Err("the contained Appointment needs serviceType[0].text".into());
    }
    let participants = appt["participant"].as_array().map_or(0, Vec::len);
    if participants == 0
        || appt["participant"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| text(&p["status"]).is_none()))
    {
        return Err("the contained Appointment needs participants, each with a status".into());
    }
    let Some(org) = contained(c, &c["recipient"][0]) else {
        return Err("recipient[0] must reference a contained Organization (#id)".into());
    };
    if org["resourceType"] != "Organization" || text(&org["name"]).is_none() {
        return Err("recipient[0] must be an Organization with a name".into());
    }
    let sender = &c["sender"];
    if contained(c, sender).is_none() && text(&sender["display"]).is_none() {
        return Err("sender must reference a contained resource or have a display".into());
    }
    if !is_date_time(&c["sent"]) {
        return Err("sent must be a date-time with a time zone".into());
    }
    if text(&c["payload"][0]["contentString"]).is_none() {
        return Err("payload[0].contentString is required".into());
    }
    // Every contained resource is referenced from the Communication (FHIR dom-3).
    if let Some(all) = c["contained"].as_array() {
        let refs: Vec<&str> = [&c["about"][0], &c["recipient"][0], sender]
            .iter()
            .filter_map(|r| r["reference"].as_str())
            .collect();
        for r in all {
            let id = r["id"].as_str().unwrap_or("");
            if !refs.contains(&format!("#{id}").as_str()) {
                return Err(format!("contained resource {id:?} is not referenced"));
            }
        }
    }
    Ok(uuid.to_string())
}

/// `base` under another loopback origin: `localhost` for an IP address, `127.0.0.1` for a
/// name (the sandbox answers on both, so a followed redirect reaches it again).
fn other_origin(base: &str) -> String {
    let Ok(mut u) = url::Url::parse(base) else {
        return base.to_string();
    };
    let other = match u.host() {
        Some(url::Host::Domain(_)) => "127.0.0.1",
        _ => "localhost",
    };
    if u.set_host(Some(other)).is_err() {
        return base.to_string();
    }
    u.as_str().trim_end_matches('/').to_string()
}

impl Alerts {
    /// One POST of a Communication whose `X-Request-ID` is `request_id`, made to the sandbox
    /// at `base` (its base URL as the request named it).
    pub fn post(
        &self,
        body: &[u8],
        request_id: Option<&str>,
        fault: Option<AlertFault>,
        base: &str,
    ) -> Outcome {
        let Ok(c) = serde_json::from_slice::<Value>(body) else {
            return problem("the body is not JSON");
        };
        let uuid = match check(&c) {
            Ok(u) => u,
            Err(p) => return problem(p),
        };
        if request_id.map(str::trim) != Some(uuid.as_str()) {
            return problem("X-Request-ID must equal the UUID of identifier[0]");
        }
        let identifier = format!("urn:uuid:{uuid}");
        let mut stored = self.stored.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((id, _, resource)) = stored.iter().find(|(_, i, _)| *i == identifier) {
            return Outcome::Answer(200, Some(format!("Communication/{id}")), resource.clone());
        }
        let first = self
            .faulted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(identifier.clone());
        if first {
            match fault {
                Some(AlertFault::UnavailableBeforeStore) => return Outcome::Unavailable,
                Some(AlertFault::Redirect303) => {
                    let nhs = c["subject"]["identifier"]["value"].as_str().unwrap_or("");
                    return Outcome::Redirect(
                        303,
                        format!(
                            "Communication?patient:identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C{nhs}"
                        ),
                    );
                }
                Some(AlertFault::Redirect307) => {
                    return Outcome::Redirect(307, other_origin(base) + "/Communication")
                }
                _ => {}
            }
        }
        let id = uuid::Uuid::new_v4().to_string();
        let mut resource = c;
        resource["id"] = json!(id);
        resource["meta"] =
            json!({"lastUpdated": cpis_core::timeutil::rfc3339(std::time::SystemTime::now())});
        stored.push((id.clone(), identifier, resource.clone()));
        let location = Some(format!("Communication/{id}"));
        match fault {
            Some(AlertFault::DropAfterStore) if first => Outcome::Drop,
            Some(AlertFault::SlowAfterStore) if first => Outcome::Slow(location, resource),
            Some(AlertFault::OkWithoutLocation) if first => Outcome::Answer(
                201,
                None,
                json!({
                    "resourceType": "OperationOutcome",
                    "issue": [{
                        "severity": "information",
                        "code": "informational",
                        "diagnostics": "accepted"
                    }]
                }),
            ),
            _ => Outcome::Answer(201, location, resource),
        }
    }

    /// The alerts held for one NHS number, oldest first.
    pub fn for_patient(&self, nhs: &str) -> Vec<Value> {
        self.stored
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(_, _, r)| r["subject"]["identifier"]["value"] == nhs)
            .map(|(_, _, r)| r.clone())
            .collect()
    }
}
