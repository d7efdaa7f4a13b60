//! The sandbox's PDS: `GET /personal-demographics/FHIR/R4/Patient/{id}` with the live
//! service's header rules, a record for every synthetic CP-IS patient (the unborn-child plan's
//! record is the mother's), the official PDS sandbox patients verbatim, a plain record for
//! every number of the "no record" block, and one synthetic number per classification.

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde::Serialize;
use serde_json::{json, Value};

use super::http::{fhir_text, header, Resp};

/// Where the sandbox serves PDS (as the API platform lays it out).
pub const PATIENT_PATH: &str = "/personal-demographics/FHIR/R4/Patient/";

const OFFICIAL_9000000009: &str = include_str!("data/pds-sandbox-patient-9000000009.json");
const OFFICIAL_9000000025: &str = include_str!("data/pds-sandbox-patient-9000000025.json");
const OFFICIAL_9000000033: &str = include_str!("data/pds-sandbox-patient-9000000033.json");
const INVALIDATED: &str = include_str!("data/pds-error-INVALIDATED_RESOURCE.json");
const NOT_FOUND: &str = include_str!("data/pds-error-RESOURCE_NOT_FOUND.json");
const INVALID_ID: &str = include_str!("data/pds-error-INVALID_RESOURCE_ID.json");
const MISSING_REQUEST_ID: &str = include_str!("data/pds-error-MISSING_VALUE-x-request-id.json");
const INVALID_REQUEST_ID: &str = include_str!("data/pds-error-INVALID_VALUE-x-request-id.json");
const MISSING_AUTHORIZATION: &str =
    include_str!("data/pds-error-ACCESS_DENIED-missing-authorization.json");

/// What PDS holds for one synthetic number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Record {
    pub nhs_number: &'static str,
    /// What the sandbox answers, for `cpis sandbox patients`.
    pub shows: &'static str,
    #[serde(skip)]
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A record: given name, family name, gender, birth date, security code.
    Person {
        given: &'static str,
        family: &'static str,
        gender: &'static str,
        birth_date: &'static str,
        security: &'static str,
    },
    /// Merged into this (current) number: its record is returned instead.
    SupersededBy(&'static str),
    /// Deceased on this date (formal notification).
    Deceased {
        given: &'static str,
        family: &'static str,
        birth_date: &'static str,
        died: &'static str,
    },
    /// `V`: no name and no birth date are given.
    VeryRestricted,
    /// Only `id`, `identifier` and `meta`.
    Minimal,
    Invalidated,
    NotFound,
    /// Served verbatim from the official PDS sandbox.
    Official(&'static str),
}

const fn person(
    nhs_number: &'static str,
    given: &'static str,
    family: &'static str,
    gender: &'static str,
    birth_date: &'static str,
) -> Record {
    Record {
        nhs_number,
        shows: "",
        kind: Kind::Person {
            given,
            family,
            gender,
            birth_date,
            security: "U",
        },
    }
}

/// PDS records of the synthetic CP-IS patients (names as on the CP-IS list).
pub static CPIS_PATIENTS: &[Record] = &[
    person("9990000018", "Melanie", "Jones", "female", "2018-04-12"),
    person("9990000026", "Oliver", "Smith", "male", "2019-07-03"),
    Record {
        nhs_number: "9990000034",
        shows: "",
        kind: Kind::Person {
            given: "Amelia",
            family: "Brown",
            gender: "female",
            birth_date: "2014-02-19",
            security: "R",
        },
    },
    person("9990000042", "Sophie", "Taylor", "female", "1998-11-30"),
    person("9990000050", "Noah", "Wilson", "male", "2016-09-08"),
    Record {
        nhs_number: "9990000069",
        shows: "",
        kind: Kind::VeryRestricted,
    },
    person("9990000077", "Jack", "Evans", "male", "2020-01-25"),
    person("9990000085", "Ava", "Thomas", "female", "2012-05-17"),
    person("9990000093", "Leo", "Roberts", "male", "2011-12-02"),
    person(
        "9990000107",
        "Fault",
        "Unauthorised",
        "unknown",
        "2015-01-01",
    ),
    person("9990000115", "Fault", "Denied", "unknown", "2015-01-01"),
    person(
        "9990000123",
        "Fault",
        "Ratelimited",
        "unknown",
        "2015-01-01",
    ),
    person(
        "9990000131",
        "Fault",
        "Unavailable",
        "unknown",
        "2015-01-01",
    ),
    person("9990000158", "Fault", "Slow", "unknown", "2015-01-01"),
    person("9990000166", "Fault", "Malformed", "unknown", "2015-01-01"),
    person("9990000174", "Fault", "Proxypage", "unknown", "2015-01-01"),
    person(
        "9990000239",
        "Fault",
        "Gatewaytimeout",
        "unknown",
        "2015-01-01",
    ),
    person("9990000247", "Fault", "Reset", "unknown", "2015-01-01"),
    person("9990000255", "Fault", "Otherchild", "unknown", "2015-01-01"),
    person(
        "9990000263",
        "Fault",
        "Otheraccess",
        "unknown",
        "2015-01-01",
    ),
    person("9990000271", "Fault", "Nosubject", "unknown", "2015-01-01"),
    person("9912003890", "Melanie", "Jones", "female", "2018-04-12"),
];

/// The synthetic numbers that exist to show one PDS classification each.
pub static CASES: &[Record] = &[
    Record {
        nhs_number: "9990000182",
        shows: "superseded: merged into 999 000 0026 (Oliver SMITH, active plan); CP-IS has nothing under the old number",
        kind: Kind::SupersededBy("9990000026"),
    },
    Record {
        nhs_number: "9990000190",
        shows: "invalidated on PDS (404 INVALIDATED_RESOURCE): no CP-IS result is shown",
        kind: Kind::Invalidated,
    },
    Record {
        nhs_number: "9990000204",
        shows: "not on PDS (404 RESOURCE_NOT_FOUND): no CP-IS result is shown",
        kind: Kind::NotFound,
    },
    Record {
        nhs_number: "9990000212",
        shows: "deceased (formal death notification), no plan",
        kind: Kind::Deceased {
            given: "Freddie",
            family: "Hughes",
            birth_date: "2017-03-09",
            died: "2026-01-02",
        },
    },
    Record {
        nhs_number: "9990000220",
        shows: "minimal PDS data: no name, gender or birth date; no plan",
        kind: Kind::Minimal,
    },
    Record {
        nhs_number: "9000000009",
        shows: "official PDS sandbox patient: Jane SMITH (deceased in the published stub); no plan",
        kind: Kind::Official(OFFICIAL_9000000009),
    },
    Record {
        nhs_number: "9000000025",
        shows: "official PDS sandbox patient: restricted (R), Janet SMYTHE; no plan",
        kind: Kind::Official(OFFICIAL_9000000025),
    },
    Record {
        nhs_number: "9000000033",
        shows: "official PDS sandbox patient: minimal data; no plan",
        kind: Kind::Official(OFFICIAL_9000000033),
    },
];

/// The record for `nhs_number`, if the sandbox's PDS knows it.
pub fn find(nhs_number: &str) -> Option<Record> {
    CPIS_PATIENTS
        .iter()
        .chain(CASES)
        .find(|r| r.nhs_number == nhs_number)
        .copied()
        .or_else(|| {
            super::patients::is_no_record(nhs_number).then_some(
                // A plain child for every number of the "no record" block, named by its last
                // four digits so that lists stay readable.
                Record {
                    nhs_number: "",
                    shows: "",
                    kind: Kind::Person {
                        given: "Sam",
                        family: "Norecord",
                        gender: "unknown",
                        birth_date: "2015-06-15",
                        security: "U",
                    },
                },
            )
        })
}

/// Is this one of the synthetic numbers that exist only for PDS (CP-IS holds nothing)?
pub fn is_case(nhs_number: &str) -> bool {
    CASES.iter().any(|r| r.nhs_number == nhs_number)
}

fn identifier(nhs: &str) -> Value {
    json!([{
        "system": "https://fhir.nhs.uk/Id/nhs-number",
        "value": nhs,
        "extension": [{
            "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus",
            "valueCodeableConcept": {"coding": [{
                "system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus",
                "version": "1.0.0",
                "code": "01",
                "display": "Number present and verified"
            }]}
        }]
    }])
}

fn meta(code: &str) -> Value {
    let display = match code {
        "R" => "restricted",
        "V" => "very restricted",
        _ => "unrestricted",
    };
    json!({
        "versionId": "1",
        "security": [{
            "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
            "code": code,
            "display": display
        }]
    })
}

/// A synthetic Patient as PDS would return it, with an address, a GP and a phone number. A
/// restricted record keeps them too (the live service removes them), so that tests show
/// `cpis` never prints them whatever PDS sends.
fn patient(
    nhs: &str,
    given: &str,
    family: &str,
    gender: &str,
    birth_date: &str,
    security: &str,
) -> Value {
    let mut p = json!({
        "resourceType": "Patient",
        "id": nhs,
        "identifier": identifier(nhs),
        "meta": meta(security),
        "name": [{"id": "1", "use": "usual", "given": [given], "family": family}],
        "gender": gender,
        "birthDate": birth_date,
    });
    p["address"] = json!([{"id": "1", "use": "home", "line": ["1 Sandbox Street", "Leeds"], "postalCode": "LS1 4AP"}]);
    p["generalPractitioner"] = json!([{"type": "Organization", "identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "Y12345"}}]);
    p["telecom"] = json!([{"id": "1", "system": "phone", "use": "home", "value": "01632960587"}]);
    p
}

/// The body PDS returns for `requested`, or the error reply.
fn retrieve(requested: &str) -> Resp {
    let Some(record) = find(requested) else {
        // Never "not on PDS" for a number the sandbox simply does not know: it may be a real
        // child's, and the sandbox cannot tell whether they are on PDS.
        return super::http::outcome(
            StatusCode::NOT_FOUND,
            "not-found",
            "SANDBOX_UNKNOWN_PATIENT",
            "Not a synthetic patient of the cpis sandbox",
            "This is the cpis sandbox: it has synthetic patients only (see `cpis sandbox patients`) and cannot say whether a real child is on PDS.",
        );
    };
    let body = match record.kind {
        Kind::Person {
            given,
            family,
            gender,
            birth_date,
            security,
        } => {
            let family = if family == "Norecord" {
                format!("Norecord{}", &requested[6..])
            } else {
                family.to_string()
            };
            patient(requested, given, &family, gender, birth_date, security)
        }
        Kind::SupersededBy(current) => return retrieve(current),
        Kind::Deceased {
            given,
            family,
            birth_date,
            died,
        } => {
            let mut p = patient(requested, given, family, "male", birth_date, "U");
            p["deceasedDateTime"] = json!(format!("{died}T00:00:00+00:00"));
            p["extension"] = json!([{
                "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-DeathNotificationStatus",
                "extension": [
                    {"url": "deathNotificationStatus", "valueCodeableConcept": {"coding": [{
                        "system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-DeathNotificationStatus",
                        "version": "1.0.0", "code": "2", "display": "Formal - death notice received from Registrar of Deaths"}]}},
                    {"url": "systemEffectiveDate", "valueDateTime": format!("{died}T00:00:00+00:00")}
                ]
            }]);
            p
        }
        Kind::VeryRestricted => json!({
            "resourceType": "Patient",
            "id": requested,
            "identifier": identifier(requested),
            "meta": meta("V"),
            "gender": "female",
        }),
        Kind::Minimal => json!({
            "resourceType": "Patient",
            "id": requested,
            "identifier": identifier(requested),
            "meta": meta("U"),
        }),
        Kind::Invalidated => return fhir_text(StatusCode::NOT_FOUND, INVALIDATED),
        Kind::NotFound => return fhir_text(StatusCode::NOT_FOUND, NOT_FOUND),
        Kind::Official(text) => return fhir_text(StatusCode::OK, text),
    };
    fhir_text(StatusCode::OK, &body.to_string())
}

/// An official error body with this request's `diagnostics`.
fn with_diagnostics(status: StatusCode, official: &str, diagnostics: String) -> Resp {
    let mut v: Value = serde_json::from_str(official).unwrap_or_default();
    v["issue"][0]["diagnostics"] = json!(diagnostics);
    fhir_text(status, &v.to_string())
}

/// `GET {PATIENT_PATH}{id}`, checked as the live service checks it: `X-Request-ID` present
/// and a UUID, then the token (the sandbox's own rule, as for CP-IS), then the number's
/// checksum, then the record.
pub fn handle(req: &Request<Incoming>, token_error: Option<String>) -> Resp {
    let id = req
        .uri()
        .path()
        .strip_prefix(PATIENT_PATH)
        .unwrap_or("")
        .trim_end_matches('/');
    match header(req, "x-request-id") {
        None => return fhir_text(StatusCode::BAD_REQUEST, MISSING_REQUEST_ID),
        Some(v) if uuid::Uuid::parse_str(v.trim()).is_err() => {
            return with_diagnostics(
                StatusCode::BAD_REQUEST,
                INVALID_REQUEST_ID,
                format!(
                    "Invalid value - '{}' in header 'X-Request-ID'",
                    cpis_core::sanitize::sanitize(v)
                ),
            );
        }
        Some(_) => {}
    }
    if let Some(diagnostics) = token_error {
        return with_diagnostics(StatusCode::UNAUTHORIZED, MISSING_AUTHORIZATION, diagnostics);
    }
    // The official example's published number fails Modulus 11; the sandbox serves it anyway,
    // as its CP-IS does with --no-validate.
    let valid = cpis_core::nhs_number::NhsNumber::parse(id).is_ok_and(|n| n.digits() == id)
        || id == super::patients::OFFICIAL_EXAMPLE_NUMBER;
    if !valid {
        return fhir_text(StatusCode::BAD_REQUEST, INVALID_ID);
    }
    retrieve(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_synthetic_number_is_valid_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for r in CPIS_PATIENTS.iter().chain(CASES) {
            assert!(seen.insert(r.nhs_number), "{} twice", r.nhs_number);
            if r.nhs_number != super::super::patients::OFFICIAL_EXAMPLE_NUMBER {
                assert!(
                    cpis_core::nhs_number::NhsNumber::parse(r.nhs_number).is_ok(),
                    "{}",
                    r.nhs_number
                );
            }
            assert!(!super::super::patients::is_no_record(r.nhs_number));
        }
        // Every CP-IS sandbox patient has a PDS record.
        for p in super::super::patients::PATIENTS {
            assert!(find(p.nhs_number).is_some(), "{}", p.nhs_number);
        }
    }
}
