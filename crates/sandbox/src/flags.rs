//! The sandbox's Patient Flags API: `GET /patient-flags-api/FHIR/R4/{Flag|PatientFlag}
//! ?patient={nhs}&code=...` for the synthetic patients, as searchset Bundles of the CP-IS flag
//! with its CarePlan and CareTeam (the guide's shapes), with the platform's header rules.
//!
//! Cases: 999 000 0026 also carries a reasonable-adjustment and an FGM flag (returned only
//! when `code` is not given, or with `serve --flags-ignore-code`); an ended plan is an
//! `inactive` flag with an end date; 999 000 0255's flag names another child (a fault);
//! a number the sandbox does not know answers 404 `not-found`.
//!
//! The vocabulary here is written from the implementation guide, not taken from the client,
//! so that a wrong constant in the client is caught.

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde_json::{json, Value};

use super::http::{fhir_json, header, outcome, query_map, Resp};
use super::patients::{self, Behaviour, Patient};

/// Where the sandbox serves the Patient Flags API.
pub const BASE_PATH: &str = "/patient-flags-api/FHIR/R4";

const NHS_NUMBER: &str = "https://fhir.nhs.uk/Id/nhs-number";
const FLAG_CATEGORY: &str = "https://fhir.nhs.uk/England/CodeSystem/England-FlagCategoryPatient";
const CPIS_CODE: &str = "child-protection-information-system-flag";
const RA_CODE: &str = "national-reasonable-adjustment-flag";
const FGM_CODE: &str = "female-genital-mutilation-flag";
const FLAG_DETAIL: &str = "http://hl7.org/fhir/StructureDefinition/flag-detail";

/// The patient whose record carries other flags besides CP-IS's.
pub const OTHER_FLAGS_PATIENT: &str = "9990000026";

/// `GET {BASE_PATH}/...`. `token_error`: why the access token was refused, if it was.
pub fn handle(req: &Request<Incoming>, token_error: Option<String>, ignore_code: bool) -> Resp {
    let path = req.uri().path();
    let resource = path.strip_prefix(BASE_PATH).unwrap_or("").trim_matches('/');
    if header(req, "x-request-id").is_none_or(|v| uuid::Uuid::parse_str(v.trim()).is_err()) {
        return outcome(
            StatusCode::BAD_REQUEST,
            "value",
            "INVALID_VALUE",
            "Missing or invalid X-Request-ID header",
            "X-Request-ID must be a UUID",
        );
    }
    if let Some(diagnostics) = token_error {
        return outcome(
            StatusCode::UNAUTHORIZED,
            "forbidden",
            "ACCESS_DENIED",
            "Access Denied - Unauthorised",
            &diagnostics,
        );
    }
    match resource {
        "metadata" => fhir_json(
            StatusCode::OK,
            &json!({"resourceType": "CapabilityStatement", "status": "active", "kind": "instance",
                    "fhirVersion": "4.0.1", "format": ["application/fhir+json"],
                    "rest": [{"mode": "server", "resource": [
                        {"type": "Flag", "searchParam": [{"name": "patient", "type": "reference"}, {"name": "code", "type": "token"}]}]}]}),
        ),
        "Flag" | "PatientFlag" => search(req, resource, ignore_code),
        _ => outcome(
            StatusCode::NOT_FOUND,
            "not-found",
            "NOT_FOUND",
            "Not found",
            "the Patient Flags sandbox serves Flag, PatientFlag and metadata",
        ),
    }
}

fn search(req: &Request<Incoming>, resource: &str, ignore_code: bool) -> Resp {
    let q = query_map(req.uri());
    let Some(nhs) = q.get("patient").map(|v| v.trim().to_string()) else {
        return outcome(
            StatusCode::BAD_REQUEST,
            "required",
            "INVALID_SEARCH_DATA",
            "Missing search parameter",
            "the patient search parameter (an NHS number) is required",
        );
    };
    let code = if ignore_code {
        None
    } else {
        q.get("code").cloned()
    };
    let self_url = format!("{BASE_PATH}/{resource}?patient={nhs}");
    let empty = || fhir_json(StatusCode::OK, &searchset(&self_url, Vec::new()));
    let Some(patient) = patients::find(&nhs) else {
        if patients::is_no_record(&nhs) || super::pds::is_case(&nhs) {
            return empty();
        }
        return fhir_json(
            StatusCode::NOT_FOUND,
            &json!({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "not-found",
                    "diagnostics": format!("No patient found with identifier {}", cpis_core::sanitize::sanitize(&nhs))}]}),
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
            return outcome(
                StatusCode::FORBIDDEN,
                "forbidden",
                "ACCESS_DENIED",
                "Access has been denied to process this request",
                "sandbox fault patient",
            )
        }
        _ => {}
    }
    let mut entries = Vec::new();
    let wants = |c: &str| code.as_deref().is_none_or(|want| want == c);
    if patient.nhs_number == OTHER_FLAGS_PATIENT {
        for (c, display) in [
            (RA_CODE, "National Reasonable Adjustments Flag"),
            (FGM_CODE, "Female Genital Mutilation Flag"),
        ] {
            if wants(c) {
                entries.push(other_flag(patient, c, display));
            }
        }
    }
    if wants(CPIS_CODE) {
        entries.extend(cpis_entries(patient));
    }
    fhir_json(StatusCode::OK, &searchset(&self_url, entries))
}

fn searchset(self_url: &str, entries: Vec<Value>) -> Value {
    let total = entries
        .iter()
        .filter(|e| e["search"]["mode"] == "match")
        .count();
    json!({
        "resourceType": "Bundle",
        "id": uuid::Uuid::new_v4().to_string(),
        "type": "searchset",
        "total": total,
        "link": [{"relation": "self", "url": self_url}],
        "entry": entries,
    })
}

fn subject(patient: &Patient) -> Value {
    // The fault patient's flag names another child.
    let number = if patient.behaviour == Behaviour::OtherChildCareTeam {
        patients::OTHER_CHILD
    } else {
        patient.nhs_number
    };
    json!({"reference": format!("Patient/{number}"),
           "identifier": {"system": NHS_NUMBER, "value": number},
           "display": patient.name})
}

fn other_flag(patient: &Patient, code: &str, display: &str) -> Value {
    json!({
        "fullUrl": format!("Flag/{}-{code}", patient.nhs_number),
        "resource": {
            "resourceType": "Flag",
            "id": format!("{}-{code}", patient.nhs_number),
            "status": "active",
            "code": {"coding": [{"system": FLAG_CATEGORY, "code": code, "display": display}]},
            "subject": subject(patient),
            "period": {"start": "2024-01-01"}
        },
        "search": {"mode": "match"}
    })
}

/// One CP-IS flag per plan, each with its CarePlan and CareTeam (search mode `include`).
fn cpis_entries(patient: &Patient) -> Vec<Value> {
    let mut out = Vec::new();
    for (i, plan) in patient.plans.iter().enumerate() {
        let id = format!("{}-{}", patient.nhs_number, i + 1);
        let (code, display) = plan_code(plan.kind);
        let mut period = json!({"start": plan.start});
        if let Some(end) = plan.end {
            period["end"] = json!(end);
        }
        let status = if plan.end.is_some() {
            "inactive"
        } else {
            "active"
        };
        out.push(json!({
            "fullUrl": format!("Flag/cpis-{id}"),
            "resource": {
                "resourceType": "Flag",
                "id": format!("cpis-{id}"),
                "status": status,
                "code": {"coding": [{"system": FLAG_CATEGORY, "code": CPIS_CODE, "display": "Child Protection Information System Flag"}]},
                "subject": subject(patient),
                "period": period,
                "extension": [{"url": FLAG_DETAIL, "valueReference": {"reference": format!("CarePlan/careplan-{id}")}}]
            },
            "search": {"mode": "match"}
        }));
        out.push(json!({
            "fullUrl": format!("CarePlan/careplan-{id}"),
            "resource": {
                "resourceType": "CarePlan",
                "id": format!("careplan-{id}"),
                "status": if plan.end.is_some() { "completed" } else { "active" },
                "intent": "plan",
                "category": [{"coding": [{"system": "http://snomed.info/sct", "code": code, "display": display}]}],
                "subject": subject(patient),
                "period": period,
                "careTeam": [{"reference": format!("CareTeam/careteam-{id}")}]
            },
            "search": {"mode": "include"}
        }));
        out.push(json!({
            "fullUrl": format!("CareTeam/careteam-{id}"),
            "resource": {
                "resourceType": "CareTeam",
                "id": format!("careteam-{id}"),
                "status": "active",
                "name": plan.local_authority.name,
                "telecom": [
                    {"system": "phone", "value": plan.local_authority.office_hours, "use": "work"},
                    {"system": "phone", "value": plan.local_authority.emergency_duty, "use": "mobile"}
                ]
            },
            "search": {"mode": "include"}
        }));
    }
    out
}

/// SNOMED CT codes of the three plan types, from the CP-IS guide.
fn plan_code(kind: patients::PlanKind) -> (&'static str, &'static str) {
    match kind {
        patients::PlanKind::Cpp => ("342191000000101", "Subject to child protection plan"),
        patients::PlanKind::Lac => ("764841000000100", "Looked after child"),
        patients::PlanKind::Ucpp => ("818901000000100", "Subject to unborn child protection plan"),
    }
}
