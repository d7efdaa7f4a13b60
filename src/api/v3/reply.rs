//! Reading the MHS adaptor's `200 text/xml` answer: dispatch on the root element.
//!
//! - `REPC_IN000007GB01`: the plans (their type is which template appears), the responsible
//!   local authority, the child (or, for an unborn-child plan, the mother) and the access
//!   history, in the same shapes as the FHIR route;
//! - `QUQI_IN010000UK14`: no CP-IS information (the reason's display text is kept);
//! - `MCCI_IN010000UK13`: Spine refused the query (each reason's code and display).

use crate::api::record::{is_active, Access, AccessorKind, Plan, PlanType};
use crate::nhs_number::NhsNumber;
use cpis_core::xml::{self, Element};

pub const HL7_NS: &str = "urn:hl7-org:v3";
/// The NHS number's id root in an answer.
pub const NHS_NUMBER_ROOT: &str = "2.16.840.1.113883.2.1.4.1";
const ROLE_PROFILE_ROOT: &str = super::request::ROLE_PROFILE_ROOT;

/// One reason Spine gave (`reason/justifyingDetectedIssueEvent/code`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reason {
    pub code: Option<String>,
    pub display: Option<String>,
}

impl Reason {
    pub fn describe(&self) -> String {
        match (&self.code, &self.display) {
            (Some(c), Some(d)) => format!("{c}: {d}"),
            (Some(c), None) => c.clone(),
            (None, Some(d)) => d.clone(),
            (None, None) => "(no code or text given)".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Answer {
    /// `REPC_IN000007GB01`.
    Records {
        plans: Vec<Plan>,
        accesses: Vec<Access>,
        /// Records naming no NHS number at all (shown, with a warning).
        unnamed: usize,
        /// The reply's message id (for support).
        id: Option<String>,
    },
    /// `QUQI_IN010000UK14`: no CP-IS information (or the query failed), with reasons.
    NoRecord { reasons: Vec<Reason> },
    /// `MCCI_IN010000UK13`: Spine refused the query.
    Refused { reasons: Vec<Reason> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Unreadable(String),
    /// The answer is about another NHS number than the one asked about.
    AnotherChild,
}

fn clean(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(crate::sanitize::sanitize)
}

/// `yyyymmdd[hhmm[ss[.f]]][+|-hhmm]` as `YYYY-MM-DD` (date only) or with the time, `None` when
/// it is not such a value.
pub fn hl7_time(v: &str, with_time: bool) -> Option<String> {
    let v = v.trim();
    let (main, offset) = match v.find(['+', '-']) {
        Some(i) => (&v[..i], Some(&v[i..])),
        None => (v, None),
    };
    let main = main.split('.').next().unwrap_or(main);
    if !matches!(main.len(), 8 | 12 | 14) || !main.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some(o) = offset {
        if o.len() != 5 || !o[1..].bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    let date = format!("{}-{}-{}", &main[..4], &main[4..6], &main[6..8]);
    crate::timeutil::parse_date_days(&date)?;
    if !with_time || main.len() == 8 {
        return Some(date);
    }
    let (h, m) = (&main[8..10], &main[10..12]);
    let s = if main.len() == 14 {
        &main[12..14]
    } else {
        "00"
    };
    if h > "23" || m > "59" || s > "60" {
        return None;
    }
    let off = offset.map_or(String::new(), |o| format!("{}:{}", &o[..3], &o[3..]));
    Some(format!("{date}T{h}:{m}:{s}{off}"))
}

/// A date as shown: the ISO form, else the value as sent (an unreadable date is kept, so the
/// plan counts as active: hiding a live plan is the worse mistake).
fn date_value(e: Option<&Element>) -> Option<String> {
    let v = e?.attr("value")?;
    hl7_time(v, false).or_else(|| clean(Some(v)))
}

/// A person name: its parts in order (prefix, given, family, suffix), else its text.
fn person_name(e: Option<&Element>) -> Option<String> {
    let e = e?;
    let parts: Vec<String> = e
        .children
        .iter()
        .filter(|c| matches!(c.name.as_str(), "prefix" | "given" | "family" | "suffix"))
        .filter_map(|c| clean(Some(&c.text)))
        .collect();
    if parts.is_empty() {
        clean(Some(&e.text))
    } else {
        Some(parts.join(" "))
    }
}

fn reasons(cae: Option<&Element>) -> Vec<Reason> {
    let Some(cae) = cae else { return Vec::new() };
    cae.all("reason")
        .filter_map(|r| r.at(&["justifyingDetectedIssueEvent", "code"]))
        .map(|c| Reason {
            code: clean(c.attr("code")),
            display: clean(c.attr("displayName"))
                .or_else(|| c.child("originalText").and_then(|t| clean(Some(&t.text)))),
        })
        .collect()
}

/// Read an answer about `nhs`.
pub fn read(body: &[u8], nhs: &NhsNumber, today: i64) -> Result<Answer, ReadError> {
    let root = xml::parse(body).map_err(|e| ReadError::Unreadable(e.0))?;
    if root.ns.as_deref() != Some(HL7_NS) {
        return Err(ReadError::Unreadable(format!(
            "the root element {} is not in the HL7 V3 namespace",
            crate::sanitize::sanitize(&root.name)
        )));
    }
    let cae = root.child("ControlActEvent");
    match root.name.as_str() {
        "QUQI_IN010000UK14" => Ok(Answer::NoRecord {
            reasons: reasons(cae),
        }),
        "MCCI_IN010000UK13" => Ok(Answer::Refused {
            reasons: reasons(cae),
        }),
        "REPC_IN000007GB01" => records(&root, nhs, today),
        other => Err(ReadError::Unreadable(format!(
            "an answer of an unexpected kind ({})",
            crate::sanitize::sanitize(other)
        ))),
    }
}

fn records(root: &Element, nhs: &NhsNumber, today: i64) -> Result<Answer, ReadError> {
    let resp = root
        .at(&["ControlActEvent", "subject", "CP-ISNHSQueryResponse"])
        .ok_or_else(|| ReadError::Unreadable("no CP-ISNHSQueryResponse in the answer".into()))?;
    let asked = nhs.digits();
    let mut plans = Vec::new();
    let mut unnamed = 0;
    for pi14 in resp.all("pertinentInformation14") {
        let Some(act) = pi14.child("pertinentCP-ISRecordControlAct") else {
            continue;
        };
        for record in act.all("record") {
            let Some(rec) = record.child("CP-ISRecord") else {
                continue;
            };
            if !names_the_child(rec, &asked)? {
                unnamed += 1;
            }
            let la = Authority::of(record);
            for pi15 in rec.all("pertinentInformation15") {
                plans.push(plan(pi15, &la, today));
            }
        }
    }
    let accesses = resp
        .all("pertinentInformation13")
        .filter_map(|pi13| pi13.child("pertinentCP-ISNHSQuery"))
        .map(|q| access(q, &asked))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Answer::Records {
        plans,
        accesses,
        unnamed,
        id: clean(root.attr_at(&["id"], "root")),
    })
}

/// Whether a record names the child asked about (`asked`, digits): `Ok(false)` when it names
/// no one, an error when it names another NHS number. Whose record: the child's NHS number,
/// or for an unborn child the mother's.
fn names_the_child(rec: &Element, asked: &str) -> Result<bool, ReadError> {
    let mut named = false;
    for s in rec.all("subject") {
        let ids: Vec<&Element> = if let Some(c) = s.child("COCT_TP145101GB01.Child") {
            c.all("id").collect()
        } else if let Some(u) = s.child("COCT_TP145100GB01.UnbornChild") {
            u.at(&["parentMotherPerson", "playedMother"])
                .map(|m| m.all("id").collect())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        for id in ids {
            if id.attr("root") == Some(NHS_NUMBER_ROOT) {
                named = true;
                if id.attr("extension").map(str::trim) != Some(asked) {
                    return Err(ReadError::AnotherChild);
                }
            }
        }
    }
    Ok(named)
}

/// The responsible local authority, as a record's sender gives it.
struct Authority {
    name: Option<String>,
    office_hours_phone: Option<String>,
    emergency_duty_phone: Option<String>,
}

impl Authority {
    fn of(record: &Element) -> Authority {
        let org = record.at(&["communicationFunctionSnd", "organisation"]);
        let la_name = org
            .and_then(|o| o.child("name"))
            .and_then(|n| clean(Some(&n.text)));
        let la_code = org.and_then(|o| clean(o.attr_at(&["id"], "extension")));
        let phone = |use_: &str| {
            org.and_then(|o| {
                o.all("telecom")
                    .find(|t| {
                        t.attr("use")
                            .is_some_and(|u| u.split_whitespace().any(|x| x == use_))
                    })
                    .and_then(|t| t.attr("value"))
                    .map(|v| {
                        v.trim()
                            .strip_prefix("tel:")
                            .unwrap_or(v.trim())
                            .to_string()
                    })
                    .and_then(|v| clean(Some(&v)))
            })
        };
        Authority {
            name: match (la_name, la_code) {
                (Some(n), Some(c)) => Some(format!("{n} ({c})")),
                (n, c) => n.or(c),
            },
            office_hours_phone: phone("WP"),
            emergency_duty_phone: phone("EC"),
        }
    }
}

/// One plan of a record (`pertinentInformation15`); a template we do not know is shown as
/// such, never dropped.
fn plan(pi15: &Element, la: &Authority, today: i64) -> Plan {
    let found = [
        (
            "COCT_TP146105GB01.CPPInformation",
            PlanType::ChildProtectionPlan,
            "cPP",
        ),
        (
            "COCT_TP146103GB01.LACInformation",
            PlanType::LookedAfterChild,
            "lAC",
        ),
        (
            "COCT_TP146104GB01.UCPInformation",
            PlanType::UnbornChildProtectionPlan,
            "uCP",
        ),
    ]
    .into_iter()
    .find_map(|(el, t, p)| pi15.child(el).map(|e| (e, t, p)));
    let Some((info, plan_type, prefix)) = found else {
        return Plan {
            plan_type: PlanType::Unknown,
            code: clean(pi15.attr_at(&["contentId"], "extension")),
            display: None,
            start: None,
            end: None,
            active: true,
            local_authority: la.name.clone(),
            office_hours_phone: la.office_hours_phone.clone(),
            emergency_duty_phone: la.emergency_duty_phone.clone(),
        };
    };
    let start = date_value(info.at(&["component", &format!("{prefix}StartDate"), "value"]));
    let end = date_value(info.at(&["component1", &format!("{prefix}EndDate"), "value"]));
    Plan {
        plan_type,
        code: None,
        display: Some(plan_type.label().to_string()),
        active: is_active(start.as_deref(), end.as_deref(), today),
        start,
        end,
        local_authority: la.name.clone(),
        office_hours_phone: la.office_hours_phone.clone(),
        emergency_duty_phone: la.emergency_duty_phone.clone(),
    }
}

/// One earlier query of the record (`pertinentCP-ISNHSQuery`): who made it and when. A query
/// about another NHS number fails the answer.
fn access(q: &Element, asked: &str) -> Result<Access, ReadError> {
    if let Some(n) = q.attr_at(
        &["queryByParameter", "person.NHSnumber", "value"],
        "extension",
    ) {
        if n.trim() != asked {
            return Err(ReadError::AnotherChild);
        }
    }
    let recorded = q
        .attr_at(&["effectiveTime"], "value")
        .and_then(|v| hl7_time(v, true).or_else(|| clean(Some(v))));
    let author = q.child("author");
    if let Some(p) = author.and_then(|a| a.child("COCT_TP145102GB01.AssignedAuthor")) {
        return Ok(Access {
            recorded,
            accessor_kind: AccessorKind::Person,
            name: person_name(p.at(&["assignedAuthorPerson", "name"])),
            role: clean(p.attr_at(&["code"], "displayName")),
            organisation: p
                .at(&["representedOrganization", "name"])
                .and_then(|n| clean(Some(&n.text))),
            role_profile_id: p
                .all("id")
                .find(|i| i.attr("root") == Some(ROLE_PROFILE_ROOT))
                .and_then(|i| clean(i.attr("extension"))),
        });
    }
    let Some(s) = author.and_then(|a| a.child("COCT_TP145104GB01.System")) else {
        return Ok(Access {
            recorded,
            accessor_kind: AccessorKind::Unknown,
            name: None,
            role: None,
            organisation: None,
            role_profile_id: None,
        });
    };
    let asid = clean(s.attr_at(&["id"], "extension"));
    let nominated = s.at(&["indirectAuthority", "superiorAssignedEntity"]);
    let person = person_name(nominated.and_then(|n| n.at(&["assignedPerson", "name"])));
    let name = match (&asid, &person) {
        (Some(a), Some(p)) => Some(format!("system (ASID {a}) for {p}")),
        (Some(a), None) => Some(format!("system (ASID {a})")),
        (None, Some(p)) => Some(format!("system for {p}")),
        (None, None) => Some("system".into()),
    };
    Ok(Access {
        recorded,
        accessor_kind: AccessorKind::System,
        name,
        role: nominated.and_then(|n| clean(n.attr_at(&["code"], "displayName"))),
        organisation: s
            .at(&["maintainingOrganization", "name"])
            .and_then(|n| clean(Some(&n.text))),
        role_profile_id: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hl7_times_of_8_12_and_14_digits_with_offsets() {
        assert_eq!(hl7_time("20260115", false).as_deref(), Some("2026-01-15"));
        assert_eq!(
            hl7_time("202601151230", false).as_deref(),
            Some("2026-01-15")
        );
        assert_eq!(
            hl7_time("20260115123045+0100", true).as_deref(),
            Some("2026-01-15T12:30:45+01:00")
        );
        assert_eq!(
            hl7_time("202601151230", true).as_deref(),
            Some("2026-01-15T12:30:00")
        );
        assert_eq!(hl7_time("20260230", false), None);
        assert_eq!(hl7_time("2026011", false), None);
        assert_eq!(hl7_time("20260115+01", false), None);
    }
}
