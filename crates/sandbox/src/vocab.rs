//! The sandbox's own vocabulary: the identifier systems and codes it serves and checks,
//! written from the published material (NHS England's CP-IS examples in
//! `tests/fixtures/cpis/`, the CP-IS guide's plan codes, the HL7 V3 schemas), never taken from
//! the client. A wrong constant in the client then fails against the sandbox instead of
//! agreeing with it; `tests/cli/fixtures.rs` checks both sides against the published files.

/// FHIR identifier system of the NHS number (the CareTeam `subject.identifier`).
pub const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";
/// FHIR identifier system of an SDS role profile id (an accessor's PractitionerRole).
pub const ROLE_PROFILE_SYSTEM: &str = "https://fhir.nhs.uk/Id/sds-role-profile-id";
/// FHIR identifier system of a Spine ASID (an accessing system's Device).
pub const ASID_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhsSpineASID";
/// SNOMED CT, the code system of the plan categories and job roles.
pub const SNOMED_SYSTEM: &str = "http://snomed.info/sct";
/// "Subject to child protection plan".
pub const PLAN_CPP: &str = "342191000000101";
/// "Looked after child".
pub const PLAN_LAC: &str = "764841000000100";
/// Unborn child protection plan (queried with the mother's NHS number).
pub const PLAN_UCPP: &str = "818901000000100";

/// A missed-appointment alert's identifier system (a URN the client makes up per alert).
pub const ALERT_IDENTIFIER_SYSTEM: &str = "urn:ietf:rfc:3986";
/// The alert category: a local code system of this project (README, "Alerts"), as no national
/// one is published.
pub const ALERT_CATEGORY_SYSTEM: &str = "urn:cpis-cli:fhir:CodeSystem:alert-category";
pub const ALERT_CATEGORY_CODE: &str = "missed-appointment";

/// The path the sandbox's MHS adaptor answers on, and the ASID it treats as the caller's.
pub const MHS_PATH: &str = "/_mhs/outbound";
pub const MHS_CALLER_ASID: &str = "999000000001";

/// A fresh message id as Spine writes them: an upper-case UUID.
pub fn message_id() -> String {
    uuid::Uuid::new_v4().to_string().to_uppercase()
}
