//! What CP-IS holds about a child, in the tool's own terms, whichever route answered (the
//! CP-IS FHIR API, the Patient Flags API, the HL7 V3 query): plans and prior accesses, the
//! code systems they are read from, and the check that an answer is about the child asked
//! for. Rendered by `render`.

use serde::Serialize;

use crate::api::platform::Reply;
use crate::error::{Error, Kind};
use crate::timeutil;

pub const SNOMED: &str = "http://snomed.info/sct";
pub const CODE_CPP: &str = "342191000000101";
pub const CODE_LAC: &str = "764841000000100";
pub const CODE_UCPP: &str = "818901000000100";
pub const SYSTEM_NHS_NUMBER: &str = "https://fhir.nhs.uk/Id/nhs-number";
pub const SYSTEM_ROLE_PROFILE: &str = "https://fhir.nhs.uk/Id/sds-role-profile-id";
pub const SYSTEM_ASID: &str = "https://fhir.nhs.uk/Id/nhsSpineASID";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlanType {
    ChildProtectionPlan,
    LookedAfterChild,
    UnbornChildProtectionPlan,
    Unknown,
}

impl PlanType {
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            CODE_CPP => Some(PlanType::ChildProtectionPlan),
            CODE_LAC => Some(PlanType::LookedAfterChild),
            CODE_UCPP => Some(PlanType::UnbornChildProtectionPlan),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PlanType::ChildProtectionPlan => "Child protection plan",
            PlanType::LookedAfterChild => "Looked-after child",
            PlanType::UnbornChildProtectionPlan => "Unborn child protection plan",
            PlanType::Unknown => "Unrecognised plan type",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PlanType::ChildProtectionPlan => "child-protection-plan",
            PlanType::LookedAfterChild => "looked-after-child",
            PlanType::UnbornChildProtectionPlan => "unborn-child-protection-plan",
            PlanType::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    #[serde(rename = "type")]
    pub plan_type: PlanType,
    /// The SNOMED CT code the service sent (the first code, when it is not one we know).
    pub code: Option<String>,
    /// The service's own wording for the plan.
    pub display: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    /// Started (or no start given) and not yet ended, by today's UTC date. A date that cannot
    /// be read counts as active: hiding a live plan is the worse mistake.
    pub active: bool,
    pub local_authority: Option<String>,
    pub office_hours_phone: Option<String>,
    pub emergency_duty_phone: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessorKind {
    Person,
    System,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Access {
    pub recorded: Option<String>,
    pub accessor_kind: AccessorKind,
    pub name: Option<String>,
    pub role: Option<String>,
    pub organisation: Option<String>,
    pub role_profile_id: Option<String>,
}

/// A value from the service as shown in every format: trimmed, neutralised
/// ([`crate::sanitize::sanitize`]), absent when blank.
pub(crate) fn clean(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(crate::sanitize::sanitize)
}

/// Is a plan with these dates active on `today` (days since 1970-01-01)?
pub fn is_active(start: Option<&str>, end: Option<&str>, today: i64) -> bool {
    let started = match start {
        None => true,
        Some(s) => timeutil::parse_date_days(s).is_none_or(|d| d <= today),
    };
    let not_ended = match end {
        None => true,
        Some(e) => timeutil::parse_date_days(e).is_none_or(|d| d >= today),
    };
    started && not_ended
}

/// A result names another NHS number than the one asked about.
#[derive(Debug, PartialEq, Eq)]
pub struct AnotherPatient;

/// The error for an answer about another NHS number (exit 7). The other number is not
/// repeated: it is another child's.
pub fn different_number(what: &str, reply: &Reply) -> Error {
    Error::new(
        Kind::Service,
        format!(
            "{what}: the service answered about a different NHS number; nothing of that answer is shown"
        ),
    )
    .with_hint("this may be another child's record: report it to the service desk with the trace id, and do not rely on CP-IS for this child until it is resolved")
    .with_trace(reply.trace())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeutil::days_from_civil;

    #[test]
    fn active_by_dates() {
        let today = days_from_civil(2026, 11, 25);
        assert!(is_active(Some("2022-09-26"), None, today));
        assert!(!is_active(Some("2022-09-26"), Some("2023-09-26"), today));
        assert!(is_active(Some("2022-09-26"), Some("2026-11-25"), today));
        assert!(!is_active(Some("2027-01-01"), None, today));
        assert!(is_active(Some("garbled"), Some("also garbled"), today));
    }
}
