//! Reading a Patient Flags answer: the CP-IS `Flag`, the `CarePlan` its `flag-detail`
//! extension names, and the `CareTeam` that plan names, turned into the same [`Plan`]s as the
//! CP-IS FHIR route. Lenient: unknown fields are ignored, `collection` and `searchset` Bundles
//! alike, references resolved by `fullUrl`, by `Type/id` or to a contained resource. Only the
//! CP-IS flag is read: the reasonable-adjustment and FGM flags are never looked at further.

use serde_json::Value;

use crate::api::record::{self as model, AnotherPatient, Plan, PlanType, SYSTEM_NHS_NUMBER};
use crate::nhs_number::NhsNumber;

/// The `code` of the CP-IS flag (England-FlagCategoryPatient).
pub const CPIS_FLAG_CODE: &str = "child-protection-information-system-flag";
const FLAG_DETAIL: &str = "http://hl7.org/fhir/StructureDefinition/flag-detail";

/// The plans of one answer, and how many of its resources name no patient.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Read {
    pub plans: Vec<Plan>,
    pub unnamed: usize,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(crate::sanitize::sanitize)
}

fn is_cpis_flag(r: &Value) -> bool {
    r.get("resourceType").and_then(Value::as_str) == Some("Flag")
        && r.pointer("/code/coding")
            .and_then(Value::as_array)
            .is_some_and(|c| {
                c.iter()
                    .any(|c| c.get("code").and_then(Value::as_str) == Some(CPIS_FLAG_CODE))
            })
}

/// What a resource's `subject` says of its patient: `Some(true)` the number asked about,
/// `Some(false)` another NHS number, `None` no NHS number at all. An NHS number is named by
/// an identifier of the NHS number system, or by a `Patient/{ten digits}` reference (the
/// platform's Patient ids are NHS numbers).
fn subject_is(r: &Value, nhs: &NhsNumber) -> Option<bool> {
    let subject = r.get("subject")?;
    let mut named = Vec::new();
    if let Some(i) = subject.get("identifier") {
        if i.get("system").and_then(Value::as_str).map(str::trim) == Some(SYSTEM_NHS_NUMBER) {
            let v: String = i
                .get("value")
                .and_then(Value::as_str)
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            named.push(v);
        }
    }
    if let Some(id) = subject
        .get("reference")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit_once("Patient/"))
        .map(|(_, id)| id)
    {
        if id.len() == 10 && id.bytes().all(|b| b.is_ascii_digit()) {
            named.push(id.to_string());
        }
    }
    if named.is_empty() {
        None
    } else {
        Some(named.iter().all(|n| *n == nhs.digits()))
    }
}

/// The resource a reference points to: a contained one (`#id`) of `holder`, else the entry
/// whose `fullUrl` is the reference (or ends with it), else the resource `Type/id`.
fn resolve<'a>(bundle: &'a Value, holder: &'a Value, reference: &str) -> Option<&'a Value> {
    if let Some(id) = reference.strip_prefix('#') {
        return holder
            .get("contained")?
            .as_array()?
            .iter()
            .find(|c| c.get("id").and_then(Value::as_str) == Some(id));
    }
    let entries = bundle.get("entry")?.as_array()?;
    let by_url = entries.iter().find(|e| {
        e.get("fullUrl")
            .and_then(Value::as_str)
            .is_some_and(|u| u == reference || u.ends_with(&format!("/{reference}")))
    });
    let by_id = || {
        let (kind, id) = reference.rsplit_once('/')?;
        let kind = kind.rsplit('/').next()?;
        entries.iter().find(|e| {
            let r = &e["resource"];
            r.get("resourceType").and_then(Value::as_str) == Some(kind)
                && r.get("id").and_then(Value::as_str) == Some(id)
        })
    };
    by_url.or_else(by_id).map(|e| &e["resource"])
}

fn reference_of(v: &Value) -> Option<&str> {
    v.get("reference").and_then(Value::as_str)
}

/// Is a resource's `status` one that means "no longer in force"?
fn ended_status(r: &Value) -> bool {
    matches!(
        r.get("status").and_then(Value::as_str),
        Some("inactive" | "entered-in-error" | "completed" | "revoked" | "ended" | "suspended")
    )
}

/// Remove every flag but CP-IS's (reasonable adjustments, FGM, anything else) from `bundle`,
/// so that they are never shown or written, `--raw` included. True when any was removed.
pub fn keep_only_cpis_flags(bundle: &mut Value) -> bool {
    let Some(entries) = bundle.get_mut("entry").and_then(Value::as_array_mut) else {
        return false;
    };
    let before = entries.len();
    entries.retain(|e| {
        let r = &e["resource"];
        r.get("resourceType").and_then(Value::as_str) != Some("Flag") || is_cpis_flag(r)
    });
    let removed = entries.len() != before;
    if removed {
        let n = entries
            .iter()
            .filter(|e| e["search"]["mode"] != "include")
            .count();
        if bundle.get("total").is_some() {
            bundle["total"] = Value::from(n);
        }
    }
    removed
}

/// The plans in a Patient Flags answer for `nhs`, today being `today` (days since 1970).
/// `Err` when the flag or its plan names another NHS number.
pub fn plans(bundle: &Value, nhs: &NhsNumber, today: i64) -> Result<Read, AnotherPatient> {
    let mut out = Read::default();
    let entries = bundle
        .get("entry")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for flag in entries
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| is_cpis_flag(r))
    {
        let careplan = flag
            .get("extension")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|x| x.get("url").and_then(Value::as_str) == Some(FLAG_DETAIL))
            .filter_map(|x| x.get("valueReference").and_then(reference_of))
            .find_map(|r| resolve(bundle, flag, r))
            .filter(|r| r.get("resourceType").and_then(Value::as_str) == Some("CarePlan"));
        let mut named = Vec::new();
        named.push(subject_is(flag, nhs));
        if let Some(cp) = careplan {
            named.push(subject_is(cp, nhs));
        }
        if named.contains(&Some(false)) {
            return Err(AnotherPatient);
        }
        if named.iter().all(Option::is_none) {
            out.unnamed += 1;
        }
        out.plans.push(plan(bundle, flag, careplan, today));
    }
    Ok(out)
}

fn plan(bundle: &Value, flag: &Value, careplan: Option<&Value>, today: i64) -> Plan {
    let coding = careplan
        .and_then(|cp| cp.get("category"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("coding").and_then(Value::as_array))
        .flatten()
        .collect::<Vec<_>>();
    let known = coding.iter().find_map(|c| {
        c.get("code")
            .and_then(Value::as_str)
            .and_then(PlanType::from_code)
            .map(|t| (t, *c))
    });
    let (plan_type, chosen) = match known {
        Some((t, c)) => (t, Some(c)),
        None => (PlanType::Unknown, coding.first().copied()),
    };
    // The plan's dates, else the flag's.
    let period = careplan
        .and_then(|cp| cp.get("period"))
        .or_else(|| flag.get("period"));
    let date = |key: &str| {
        period
            .and_then(|p| text(p, key))
            .map(|d| d.chars().take(10).collect::<String>())
    };
    let (start, end) = (date("start"), date("end"));
    let careteam = careplan
        .and_then(|cp| cp.get("careTeam"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(reference_of)
        .find_map(|r| resolve(bundle, careplan.unwrap_or(flag), r))
        .filter(|r| r.get("resourceType").and_then(Value::as_str) == Some("CareTeam"));
    let phone = |use_: &str| {
        careteam?
            .get("telecom")?
            .as_array()?
            .iter()
            .filter(|t| {
                t.get("system")
                    .and_then(Value::as_str)
                    .is_none_or(|s| s == "phone")
            })
            .find(|t| t.get("use").and_then(Value::as_str) == Some(use_))
            .and_then(|t| text(t, "value"))
    };
    // An inactive or ended flag or plan is ended, whatever its dates say.
    let ended = ended_status(flag) || careplan.is_some_and(ended_status);
    Plan {
        plan_type,
        code: chosen.and_then(|c| text(c, "code")),
        display: chosen.and_then(|c| text(c, "display")),
        active: !ended && model::is_active(start.as_deref(), end.as_deref(), today),
        start,
        end,
        local_authority: careteam.and_then(|t| text(t, "name")),
        office_hours_phone: phone("work"),
        emergency_duty_phone: phone("mobile"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeutil::days_from_civil;

    fn fixture(name: &str) -> Value {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/flags")
            .join(name);
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    }

    fn nhs() -> NhsNumber {
        NhsNumber::parse("9449306753").unwrap()
    }

    #[test]
    fn the_guides_cp_is_example_is_a_child_protection_plan_with_its_phones() {
        let b = fixture("patientflags-cpis-cpp-bundle-collection.json");
        let read = plans(&b, &nhs(), days_from_civil(2026, 12, 1)).unwrap();
        assert_eq!(read.unnamed, 1, "the example's subject names no NHS number");
        let p = &read.plans[0];
        assert_eq!(p.plan_type, PlanType::ChildProtectionPlan);
        assert_eq!(p.start.as_deref(), Some("2024-07-22"));
        assert!(p.active);
        assert_eq!(
            p.local_authority.as_deref(),
            Some("SFD1 - SHEFFIELD CITY COUNCIL")
        );
        assert_eq!(p.office_hours_phone.as_deref(), Some("01133973581"));
        assert_eq!(p.emergency_duty_phone.as_deref(), Some("07133973581"));
    }

    #[test]
    fn only_the_cp_is_flag_is_read_and_an_unresolved_plan_is_still_shown() {
        let b = fixture("patientflags-searchset-ra-fgm-cpis.fixed.json");
        let read = plans(&b, &nhs(), days_from_civil(2026, 12, 1)).unwrap();
        assert_eq!(read.plans.len(), 1, "RA and FGM flags are not plans");
        assert_eq!(read.plans[0].plan_type, PlanType::Unknown);
        assert!(read.plans[0].active);
    }

    #[test]
    fn other_flags_are_removed_before_anything_is_shown() {
        let mut b = fixture("patientflags-searchset-ra-fgm-cpis.fixed.json");
        assert!(keep_only_cpis_flags(&mut b));
        let text = b.to_string();
        assert!(!text.contains("national-reasonable-adjustment-flag"));
        assert!(!text.contains("female-genital-mutilation-flag"));
        assert!(text.contains(CPIS_FLAG_CODE));
        assert!(!keep_only_cpis_flags(&mut b), "nothing more to remove");
    }

    #[test]
    fn ended_statuses_and_other_numbers() {
        let mut b = fixture("patientflags-cpis-cpp-bundle-collection.json");
        b["entry"][0]["resource"]["status"] = "inactive".into();
        let read = plans(&b, &nhs(), days_from_civil(2026, 12, 1)).unwrap();
        assert!(!read.plans[0].active, "an inactive flag is never active");
        let mut b = fixture("patientflags-cpis-cpp-bundle-collection.json");
        b["entry"][1]["resource"]["subject"] =
            serde_json::json!({"identifier": {"system": SYSTEM_NHS_NUMBER, "value": "9990000026"}});
        assert_eq!(plans(&b, &nhs(), 0), Err(AnotherPatient));
        b["entry"][1]["resource"]["subject"] =
            serde_json::json!({"reference": "Patient/9449306753"});
        assert_eq!(plans(&b, &nhs(), 0).unwrap().unnamed, 0);
        let empty: Value =
            serde_json::json!({"resourceType": "Bundle", "type": "searchset", "total": 0});
        assert_eq!(plans(&empty, &nhs(), 0).unwrap(), Read::default());
    }
}
