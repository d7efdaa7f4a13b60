//! What a PDS `Patient` says, read leniently, and how its state is classified.
//!
//! Every field but `id` may be absent (the official sandbox's 9000000033 has only `id`,
//! `identifier` and `meta`); birth dates may be `yyyy-mm-dd`, `yyyy-mm` or `yyyy`. Errors are
//! classified by `details.coding[].code`, never by text.

use serde::Serialize;
use serde_json::Value;

use crate::api::platform::errors::SANDBOX_ONLY_HINT;
use crate::sanitize::sanitize;

/// The extension holding a death notification's status.
const DEATH_NOTIFICATION: &str =
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-DeathNotificationStatus";

/// A patient as PDS holds them, reduced to what identifies the child. Location details
/// (address, GP, telecom) are never read, so they can never be shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Patient {
    /// The number as it was asked about.
    pub requested_nhs_number: String,
    /// The number PDS answered with: the current one.
    pub nhs_number: String,
    /// The requested number was merged into another (`id` differs).
    pub superseded: bool,
    pub name: Option<String>,
    pub birth_date: Option<String>,
    pub gender: Option<String>,
    pub deceased: bool,
    pub deceased_date: Option<String>,
    /// The death notification's status: `informal`, `formal`, `removed`, or the code as given.
    pub death_notification: Option<String>,
    /// `meta.security` code: `U` unrestricted, `R` restricted, `V` very restricted, or any
    /// other code verbatim. Anything but `U` means location details are withheld.
    pub restricted: Option<String>,
    /// `meta.versionId`.
    pub pds_version: Option<String>,
}

impl Patient {
    /// Read a `Patient` body. `None` when it is not a Patient with an `id`.
    pub fn from_json(requested: &str, v: &Value) -> Option<Patient> {
        if v.get("resourceType").and_then(Value::as_str) != Some("Patient") {
            return None;
        }
        let id = text(v.get("id"))?;
        let deceased_date = text(v.get("deceasedDateTime"));
        Some(Patient {
            requested_nhs_number: requested.to_string(),
            superseded: id != requested,
            nhs_number: id,
            name: name(v.get("name")),
            birth_date: text(v.get("birthDate")),
            gender: text(v.get("gender")),
            deceased: deceased_date.is_some(),
            death_notification: deceased_date.as_ref().and_then(|_| death_notification(v)),
            deceased_date: deceased_date.map(|d| d.chars().take(10).collect()),
            restricted: v
                .pointer("/meta/security")
                .and_then(Value::as_array)
                .and_then(|a| a.iter().find_map(|s| text(s.get("code")))),
            pds_version: text(v.pointer("/meta/versionId")),
        })
    }

    /// Is the record restricted (any security code but `U`)? Then location details are
    /// withheld, and nothing about where the child lives is ever shown.
    pub fn is_restricted(&self) -> bool {
        self.restricted.as_deref().is_some_and(|c| c != "U")
    }

    /// The age in whole years (months under two) on `today` (days since 1970-01-01), from a
    /// full birth date only.
    pub fn age(&self, today: i64) -> Option<String> {
        let born = self.birth_date.as_deref()?;
        if born.len() != 10 {
            return None;
        }
        let b = crate::timeutil::parse_date_days(born)?;
        if b > today {
            return None;
        }
        let (by, bm, bd) = crate::timeutil::civil_from_days(b);
        let (ty, tm, td) = crate::timeutil::civil_from_days(today);
        let mut months = (ty - by) * 12 + i64::from(tm) - i64::from(bm);
        if td < bd {
            months -= 1;
        }
        Some(if months < 24 {
            format!("{months} month{}", if months == 1 { "" } else { "s" })
        } else {
            format!("{} years", months / 12)
        })
    }

    /// The one-line statuses, in the order they matter.
    pub fn flags(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.superseded {
            out.push(format!(
                "SUPERSEDED: {} was replaced by {} (checked under the current number)",
                spaced(&self.requested_nhs_number),
                spaced(&self.nhs_number)
            ));
        }
        if self.deceased {
            let note = self
                .death_notification
                .as_deref()
                .map(|n| format!(" ({n} notification)"))
                .unwrap_or_default();
            out.push(format!(
                "DECEASED {}{note}",
                self.deceased_date
                    .as_deref()
                    .unwrap_or("(date not recorded)")
            ));
        }
        match self.restricted.as_deref() {
            None | Some("U") => {}
            Some("R") => out.push("RESTRICTED RECORD (location details withheld)".into()),
            Some("V") => out.push("VERY RESTRICTED RECORD (location details withheld)".into()),
            Some(other) => out.push(format!(
                "RESTRICTED RECORD, code {} (location details withheld)",
                sanitize(other)
            )),
        }
        out
    }
}

/// `943 476 5919` for `9434765919`.
pub fn spaced(n: &str) -> String {
    if n.len() == 10 && n.bytes().all(|b| b.is_ascii_digit()) {
        format!("{} {} {}", &n[..3], &n[3..6], &n[6..])
    } else {
        sanitize(n)
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(|s| sanitize(s.trim()))
        .filter(|s| !s.is_empty())
}

/// The usual name (the first one marked `usual`, else the first), as `Given Names FAMILY`.
/// A name whose period has ended is still the patient's name.
fn name(v: Option<&Value>) -> Option<String> {
    let names = v?.as_array()?;
    let n = names
        .iter()
        .find(|n| n.get("use").and_then(Value::as_str) == Some("usual"))
        .or_else(|| names.first())?;
    let given: Vec<String> = n
        .get("given")
        .and_then(Value::as_array)
        .map(|g| g.iter().filter_map(|x| text(Some(x))).collect())
        .unwrap_or_default();
    let family = text(n.get("family")).map(|f| f.to_uppercase());
    let parts: Vec<String> = given.into_iter().chain(family).collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn death_notification(v: &Value) -> Option<String> {
    let ext = v
        .get("deceasedDateTime")
        .and(v.get("extension"))?
        .as_array()?
        .iter()
        .find(|e| e.get("url").and_then(Value::as_str) == Some(DEATH_NOTIFICATION))?;
    let code = ext
        .get("extension")?
        .as_array()?
        .iter()
        .find(|e| e.get("url").and_then(Value::as_str) == Some("deathNotificationStatus"))?
        .pointer("/valueCodeableConcept/coding/0/code")
        .and_then(Value::as_str)?;
    Some(match code {
        "1" => "informal".to_string(),
        "2" => "formal".to_string(),
        "U" => "removed".to_string(),
        other => sanitize(other),
    })
}

/// What PDS said about a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A record (perhaps under another, current number).
    Found(Box<Patient>),
    /// 404 `INVALIDATED_RESOURCE`: the number was invalidated and not superseded.
    Invalidated,
    /// 404 `RESOURCE_NOT_FOUND`: no record under this number.
    NotFound,
    /// 400 `INVALID_RESOURCE_ID`: not a valid NHS number as far as PDS is concerned.
    InvalidNumber,
    /// A sandbox (404 `SANDBOX_UNKNOWN_PATIENT`): not one of its synthetic patients. Says
    /// nothing about PDS.
    NotSynthetic,
}

impl Outcome {
    /// Why no CP-IS result may be shown, for anything but a record.
    pub fn refusal(&self, nhs: &str) -> Option<(String, &'static str)> {
        let n = spaced(nhs);
        match self {
            Outcome::Found(_) => None,
            Outcome::Invalidated => Some((
                format!("NHS number {n} has been invalidated on PDS (it was withdrawn, not merged into another)"),
                "check the number with the patient or their records, or trace them on PDS; no CP-IS result is shown and nobody was notified",
            )),
            Outcome::NotFound => Some((
                format!("NHS number {n} is not on PDS: no patient has this number"),
                "check the number for a typing error, or trace the patient on PDS; no CP-IS result is shown and nobody was notified",
            )),
            Outcome::InvalidNumber => Some((
                format!("PDS says {n} is not a valid NHS number"),
                "check the number; no CP-IS result is shown and nobody was notified",
            )),
            Outcome::NotSynthetic => Some((
                format!("NHS number {n} is not one of the sandbox's synthetic patients: this is a sandbox, not PDS, and it cannot say whether a real child is on PDS"),
                SANDBOX_ONLY_HINT,
            )),
        }
    }

    /// The short status used in batch records: `invalidated`, `not-on-pds`, `invalid-number`.
    pub fn code(&self) -> &'static str {
        match self {
            Outcome::Found(_) => "found",
            Outcome::Invalidated => "invalidated",
            Outcome::NotFound => "not-on-pds",
            Outcome::InvalidNumber => "invalid-number",
            Outcome::NotSynthetic => "not-synthetic",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/pds")
            .join(name);
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn the_official_sandbox_patients_parse() {
        let jane =
            Patient::from_json("9000000009", &fixture("sandbox-patient-9000000009.json")).unwrap();
        assert_eq!(jane.name.as_deref(), Some("Jane SMITH"));
        assert_eq!(jane.birth_date.as_deref(), Some("2010-10-22"));
        assert_eq!(jane.gender.as_deref(), Some("female"));
        assert!(jane.deceased && !jane.superseded && !jane.is_restricted());
        assert_eq!(jane.deceased_date.as_deref(), Some("2010-10-22"));
        assert_eq!(jane.death_notification.as_deref(), Some("formal"));
        assert_eq!(jane.pds_version.as_deref(), Some("2"));

        let janet =
            Patient::from_json("9000000025", &fixture("sandbox-patient-9000000025.json")).unwrap();
        assert_eq!(janet.restricted.as_deref(), Some("R"));
        assert!(janet.is_restricted());
        assert!(janet
            .flags()
            .iter()
            .any(|f| f.contains("RESTRICTED RECORD")));

        let minimal =
            Patient::from_json("9000000033", &fixture("sandbox-patient-9000000033.json")).unwrap();
        assert_eq!(minimal.name, None);
        assert_eq!(minimal.birth_date, None);
        assert_eq!(minimal.restricted.as_deref(), Some("U"));
        assert!(minimal.flags().is_empty());
    }

    #[test]
    fn superseded_when_the_id_differs_and_partial_dates_have_no_age() {
        let v = serde_json::json!({"resourceType": "Patient", "id": "9990000026", "birthDate": "2019-03"});
        let p = Patient::from_json("9990000190", &v).unwrap();
        assert!(p.superseded);
        assert_eq!(p.nhs_number, "9990000026");
        assert!(p.flags()[0].contains("999 000 0190 was replaced by 999 000 0026"));
        assert_eq!(p.age(crate::timeutil::today_days()), None);
        let v = serde_json::json!({"resourceType": "Patient", "id": "1", "meta": {"security": [{"code": "S"}]}});
        let p = Patient::from_json("1", &v).unwrap();
        assert!(p.flags()[0].contains("code S"));
        assert!(Patient::from_json("1", &serde_json::json!({"resourceType": "Patient"})).is_none());
    }

    #[test]
    fn age_in_months_then_years() {
        let today = crate::timeutil::parse_date_days("2026-11-28").unwrap();
        let p = |d: &str| Patient {
            birth_date: Some(d.into()),
            ..Default::default()
        };
        assert_eq!(p("2026-11-01").age(today).as_deref(), Some("0 months"));
        assert_eq!(p("2025-10-28").age(today).as_deref(), Some("13 months"));
        assert_eq!(p("2024-11-29").age(today).as_deref(), Some("23 months"));
        assert_eq!(p("2018-11-28").age(today).as_deref(), Some("8 years"));
        assert_eq!(p("2027-01-01").age(today), None);
    }
}
