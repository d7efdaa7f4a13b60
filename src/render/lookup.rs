//! The lookup result as a table, JSON or CSV.

use serde::Serialize;

use super::{bold, cell};
use crate::api::record::{Access, AccessorKind, Plan};
use crate::auth::ActingAs;

/// One lookup, as the JSON document (`--format json`) and the source of every other format.
#[derive(Debug, Clone, Serialize)]
pub struct LookupReport {
    /// Ten digits, no spaces.
    pub nhs_number: String,
    /// `local`, `sandbox`, `int`, `prod` or `custom`.
    pub environment: String,
    pub base_url: String,
    /// `scheduled` or `unscheduled`.
    pub care_setting: String,
    /// True when CP-IS holds any plan (active or ended) for this NHS number.
    pub has_plan: bool,
    /// True when any plan is active today.
    pub has_active_plan: bool,
    pub plans: Vec<Plan>,
    /// `null` where the route gives no access history (the Patient Flags API): never an
    /// empty list, which would say that nobody had looked.
    pub access_history: Option<Vec<Access>>,
    /// False on a route that gives no access history.
    pub access_history_available: bool,
    /// `fhir` (the CP-IS FHIR API) or `flags` (the Patient Flags API).
    pub route: String,
    pub trace_ids: TraceIds,
    /// Who the lookup was made as (`null` without a credential, for the embedded sandbox).
    pub acting_as: Option<ActingAs>,
    /// Who the record belongs to, as PDS says (`verified: false` with `--no-pds`).
    pub patient: PatientReport,
    /// What the reader must know about the answer (results that name no patient); absent
    /// when there is nothing to say.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The patient as verified on PDS before CP-IS was asked: what PDS said (location details,
/// address, GP and telecom, are never part of it), whether it was asked, and the age.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PatientReport {
    /// False when PDS was not asked (`--no-pds`, profile `verify_on_pds = false`).
    pub verified: bool,
    #[serde(flatten)]
    pub pds: crate::api::pds::Patient,
    /// Age on the day of the lookup, from a full birth date.
    pub age: Option<String>,
}

impl PatientReport {
    /// From what PDS returned.
    pub fn verified(p: &crate::api::pds::Patient, today: i64) -> Self {
        PatientReport {
            verified: true,
            pds: p.clone(),
            age: p.age(today),
        }
    }

    /// PDS was not asked.
    pub fn unverified(nhs: &str) -> Self {
        PatientReport {
            pds: crate::api::pds::Patient {
                requested_nhs_number: nhs.to_string(),
                nhs_number: nhs.to_string(),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    /// `verified`, `superseded`, `deceased`, `restricted` (joined with `+`), or `not-verified`.
    pub fn status(&self) -> String {
        if !self.verified {
            return "not-verified".into();
        }
        let mut s = vec!["verified"];
        if self.pds.superseded {
            s.push("superseded");
        }
        if self.pds.deceased {
            s.push("deceased");
        }
        if self.pds.is_restricted() {
            s.push("restricted");
        }
        s.join("+")
    }

    /// The patient block: name, date of birth with age, gender, and what PDS flags.
    pub fn block(&self, term: &crate::ui::Terminal) -> String {
        if !self.verified {
            return "Patient:      NOT VERIFIED ON PDS (--no-pds or verify_on_pds = false): make sure this is the right child\n"
                .to_string();
        }
        let withheld = |v: &Option<String>| {
            v.as_deref()
                .map(crate::sanitize::sanitize)
                .unwrap_or_else(|| "not recorded".to_string())
        };
        let p = &self.pds;
        let born = match (&p.birth_date, &self.age) {
            (Some(b), Some(a)) => format!("{} (age {a})", crate::sanitize::sanitize(b)),
            (b, _) => withheld(b),
        };
        let mut out = format!(
            "Patient:      {}\nBorn:         {born}\nGender:       {}\nPDS:          verified on PDS{}\n",
            withheld(&p.name),
            withheld(&p.gender),
            p.pds_version
                .as_deref()
                .map(|v| format!(" (record version {})", crate::sanitize::sanitize(v)))
                .unwrap_or_default()
        );
        for flag in p.flags() {
            out.push_str(&format!("              {}\n", bold(&flag, term)));
        }
        out
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TraceIds {
    pub care_team: Vec<String>,
    pub audit_event: Vec<String>,
    /// The Patient Flags search's (absent on the FHIR route).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
    /// The HL7 V3 query's Message-Id (absent on the other routes).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub v3: Vec<String>,
}

pub const CSV_COLUMNS: &[&str] = &[
    "nhs_number",
    "environment",
    "care_setting",
    "type",
    "code",
    "start",
    "end",
    "active",
    "local_authority",
    "office_hours_phone",
    "emergency_duty_phone",
    "patient_name",
    "birth_date",
    "pds_status",
    "route",
];

fn environment_note(env: &str) -> &'static str {
    match env {
        "local" => " (embedded sandbox, synthetic data)",
        "sandbox" => " (NHS sandbox, synthetic data)",
        "int" => " (integration, test data)",
        "prod" => " (PRODUCTION)",
        _ => "",
    }
}

fn route_note(route: &str) -> String {
    match crate::config::route::Route::parse(route) {
        Some(r) => format!("{route} ({})", r.describe()),
        None => route.to_string(),
    }
}

fn care_note(care: &str) -> &'static str {
    if care == "unscheduled" {
        "unscheduled (access recorded; local authority notified)"
    } else {
        "scheduled (silent read: not recorded, no notification)"
    }
}

fn display_number(digits: &str) -> String {
    if digits.len() == 10 {
        format!("{} {} {}", &digits[..3], &digits[3..6], &digits[6..])
    } else {
        digits.to_string()
    }
}

/// The one-line verdict.
pub fn verdict(r: &LookupReport) -> String {
    let active: Vec<&Plan> = r.plans.iter().filter(|p| p.active).collect();
    let label = |p: &Plan| {
        format!(
            "{} ({})",
            p.plan_type.label().to_lowercase(),
            cell(p.local_authority.as_deref())
        )
    };
    if !active.is_empty() {
        let list: Vec<String> = active.iter().map(|p| label(p)).collect();
        let n = active.len();
        format!(
            "PLAN FOUND: {n} active plan{} on CP-IS: {}",
            if n == 1 { "" } else { "s" },
            list.join("; ")
        )
    } else if !r.plans.is_empty() {
        let n = r.plans.len();
        format!(
            "NO ACTIVE PLAN: CP-IS holds {n} plan{} for this NHS number, all ended",
            if n == 1 { "" } else { "s" }
        )
    } else {
        "NO PLAN ON CP-IS: no child protection, looked-after or unborn-child plan is recorded for this NHS number".to_string()
    }
}

pub fn table(r: &LookupReport, term: &crate::ui::Terminal) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "CP-IS lookup for NHS number {}\nEnvironment:  {}{}\nRoute:        {}\nCare setting: {}\n",
        display_number(&r.nhs_number),
        r.environment,
        environment_note(&r.environment),
        route_note(&r.route),
        care_note(&r.care_setting)
    ));
    if let Some(a) = &r.acting_as {
        out.push_str(&format!(
            "Acting as:    {}\n",
            crate::sanitize::sanitize(&a.description)
        ));
    }
    out.push('\n');
    out.push_str(&r.patient.block(term));
    out.push('\n');
    out.push_str(&bold(&verdict(r), term));
    out.push_str("\n\n");
    for w in &r.warnings {
        out.push_str(&format!("Warning: {}\n\n", crate::sanitize::sanitize(w)));
    }

    if !r.plans.is_empty() {
        out.push_str("Plans\n");
        let mut rows = Vec::new();
        for p in &r.plans {
            let mut plan = p.plan_type.label().to_string();
            if p.plan_type == crate::api::record::PlanType::Unknown {
                plan = format!(
                    "{plan}: {} {}",
                    cell(p.code.as_deref()),
                    cell(p.display.as_deref())
                );
            }
            rows.push(vec![
                plan,
                if p.active { "active" } else { "ended" }.to_string(),
                cell(p.start.as_deref()),
                cell(p.end.as_deref()),
                cell(p.local_authority.as_deref()),
                cell(p.office_hours_phone.as_deref()),
                cell(p.emergency_duty_phone.as_deref()),
            ]);
        }
        let t = super::fitted_table(
            &[
                "Plan",
                "Status",
                "Start",
                "End",
                "Local authority",
                "Office hours",
                "Emergency duty (out of hours)",
            ],
            &rows,
            // Never wrapped inside: the status, the dates and the phone numbers.
            &[false, true, true, true, false, true, true],
            term,
        );
        out.push_str(&format!("{t}\n\n"));
    }

    match r.access_history.as_deref() {
        None if r.route == "v3" => {
            out.push_str("Prior access: not given in Spine's answer (no CP-IS information)\n")
        }
        None => out.push_str("Prior access: not available through the Patient Flags API\n"),
        Some([]) => out.push_str("Prior access from unscheduled care: none recorded\n"),
        Some(history) => out.push_str(&access_table(history, term)),
    }
    let ids: Vec<&str> = r
        .trace_ids
        .care_team
        .iter()
        .chain(&r.trace_ids.audit_event)
        .chain(&r.trace_ids.flags)
        .chain(&r.trace_ids.v3)
        .map(String::as_str)
        .collect();
    out.push_str(&format!("\nTrace IDs: {}\n", ids.join(", ")));
    out
}

/// The prior accesses, newest first, as a table under its heading.
fn access_table(history: &[Access], term: &crate::ui::Terminal) -> String {
    let mut out = format!(
        "Prior access from unscheduled care (newest first, {} shown)\n",
        history.len()
    );
    let mut rows = Vec::new();
    for a in history {
        let who = match a.accessor_kind {
            AccessorKind::Person => cell(a.name.as_deref()),
            AccessorKind::System => format!("{} [system]", cell(a.name.as_deref())),
            AccessorKind::Unknown => format!("{} [unknown accessor]", cell(a.name.as_deref())),
        };
        rows.push(vec![
            when(a.recorded.as_deref()),
            who,
            cell(a.role.as_deref()),
            cell(a.organisation.as_deref()),
            cell(a.role_profile_id.as_deref()),
        ]);
    }
    let t = super::fitted_table(
        &["When", "Who", "Role", "Organisation", "Role profile"],
        &rows,
        &[true, false, false, false, true],
        term,
    );
    out.push_str(&format!("{t}\n"));
    out
}

/// `2026-10-02 03:14 UTC` for a timestamp that can be read; otherwise the text as sent.
fn when(recorded: Option<&str>) -> String {
    match recorded.and_then(crate::timeutil::parse_rfc3339) {
        Some(t) => {
            let s = crate::timeutil::rfc3339(t);
            format!("{} {} UTC", &s[..10], &s[11..16])
        }
        None => cell(recorded),
    }
}

pub fn csv_rows(r: &LookupReport) -> Vec<Vec<String>> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    r.plans
        .iter()
        .map(|p| {
            vec![
                r.nhs_number.clone(),
                r.environment.clone(),
                r.care_setting.clone(),
                p.plan_type.as_str().to_string(),
                o(&p.code),
                o(&p.start),
                o(&p.end),
                p.active.to_string(),
                o(&p.local_authority),
                o(&p.office_hours_phone),
                o(&p.emergency_duty_phone),
                o(&r.patient.pds.name),
                o(&r.patient.pds.birth_date),
                r.patient.status(),
                r.route.clone(),
            ]
        })
        .collect()
}

/// `lookup --raw`: the bodies as received, with anything that could play tricks on a terminal
/// escaped (the same JSON), each ending its line.
pub fn raw(bodies: &[Vec<u8>]) -> String {
    let mut out = String::new();
    for body in bodies {
        out.push_str(&crate::sanitize::json_text(&String::from_utf8_lossy(body)));
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

pub fn csv(r: &LookupReport) -> String {
    let mut rows = vec![CSV_COLUMNS.iter().map(|c| c.to_string()).collect()];
    rows.extend(csv_rows(r));
    super::csv(&rows)
}
