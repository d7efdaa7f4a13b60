//! The answer must be about the child asked for: every result of a search names the NHS
//! number queried, or names no patient at all (shown, with a warning). A result naming any
//! other NHS number fails the whole search, so that nothing of another child's answer is ever
//! shown as this child's.

use super::fhir::{AuditEvent, CareTeam};
use super::Search;
use crate::api::platform::fhir::{parse_resource, Bundle, Identifier};
use crate::api::record::{AnotherPatient, SYSTEM_NHS_NUMBER};
use crate::nhs_number::NhsNumber;

/// What one result says of its patient.
#[derive(Debug, PartialEq, Eq)]
enum Names {
    /// The number queried.
    This,
    /// No NHS number at all.
    Nobody,
    /// Another NHS number.
    Other,
}

fn names(identifiers: &[&Identifier], nhs: &NhsNumber) -> Names {
    let numbers: Vec<String> = identifiers
        .iter()
        .filter(|i| i.system.as_deref().map(str::trim) == Some(SYSTEM_NHS_NUMBER))
        .map(|i| {
            i.value
                .as_deref()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect()
        })
        .collect();
    if numbers.is_empty() {
        Names::Nobody
    } else if numbers.iter().all(|n| *n == nhs.digits()) {
        Names::This
    } else {
        Names::Other
    }
}

/// Check every match entry of `bundle` against `nhs`: the number of results that name no
/// patient, or `Err` when any names another NHS number.
pub fn check(search: Search, bundle: &Bundle, nhs: &NhsNumber) -> Result<usize, AnotherPatient> {
    let mut unnamed = 0;
    for (_, r) in bundle
        .resources(search.resource())
        .filter(|(e, _)| e.is_match())
    {
        let said = match search {
            Search::CareTeam => {
                let ct: CareTeam = parse_resource(r);
                let ids: Vec<&Identifier> = ct
                    .subject
                    .as_ref()
                    .and_then(|s| s.identifier.as_ref())
                    .into_iter()
                    .collect();
                names(&ids, nhs)
            }
            Search::AuditEvent => {
                let ev: AuditEvent = parse_resource(r);
                let ids: Vec<&Identifier> = ev
                    .agent
                    .iter()
                    .filter(|a| a.has_type_code("PAT"))
                    .filter_map(|a| a.who.as_ref().and_then(|w| w.identifier.as_ref()))
                    .collect();
                names(&ids, nhs)
            }
        };
        match said {
            Names::This => {}
            Names::Nobody => unnamed += 1,
            Names::Other => return Err(AnotherPatient),
        }
    }
    Ok(unnamed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundle(v: serde_json::Value) -> Bundle {
        serde_json::from_value(v).unwrap()
    }

    fn careteam(subject: serde_json::Value) -> serde_json::Value {
        json!({"resourceType": "Bundle", "entry": [
            {"resource": {"resourceType": "CareTeam", "subject": subject}, "search": {"mode": "match"}}
        ]})
    }

    #[test]
    fn careteams_must_name_the_number_asked_for() {
        let n = NhsNumber::parse("9990000018").unwrap();
        let this =
            careteam(json!({"identifier": {"system": SYSTEM_NHS_NUMBER, "value": "9990000018"}}));
        assert_eq!(check(Search::CareTeam, &bundle(this), &n), Ok(0));
        let spaced =
            careteam(json!({"identifier": {"system": SYSTEM_NHS_NUMBER, "value": "999 000 0018"}}));
        assert_eq!(check(Search::CareTeam, &bundle(spaced), &n), Ok(0));
        let other =
            careteam(json!({"identifier": {"system": SYSTEM_NHS_NUMBER, "value": "9990000026"}}));
        assert_eq!(
            check(Search::CareTeam, &bundle(other), &n),
            Err(AnotherPatient)
        );
        let nobody = careteam(json!({"display": "A child"}));
        assert_eq!(check(Search::CareTeam, &bundle(nobody), &n), Ok(1));
        let other_system = careteam(json!({"identifier": {"system": "urn:local", "value": "1"}}));
        assert_eq!(check(Search::CareTeam, &bundle(other_system), &n), Ok(1));
    }

    #[test]
    fn audit_events_are_checked_by_their_patient_agent_only() {
        let n = NhsNumber::parse("9990000018").unwrap();
        let ev = |pat: &str| {
            bundle(json!({"resourceType": "Bundle", "entry": [
                {"resource": {"resourceType": "AuditEvent", "agent": [
                    {"type": {"coding": [{"code": "PAT"}]}, "who": {"identifier": {"system": SYSTEM_NHS_NUMBER, "value": pat}}},
                    {"type": {"coding": [{"code": "ASSIGNED"}]}, "who": {"identifier": {"system": SYSTEM_NHS_NUMBER, "value": "9990000026"}}}
                ]}},
                {"resource": {"resourceType": "PractitionerRole", "id": "x"}, "search": {"mode": "include"}}
            ]}))
        };
        assert_eq!(check(Search::AuditEvent, &ev("9990000018"), &n), Ok(0));
        assert_eq!(
            check(Search::AuditEvent, &ev("9990000034"), &n),
            Err(AnotherPatient)
        );
    }
}
