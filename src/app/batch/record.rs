//! What `cpis batch` writes: one typed [`Record`] per data row and a [`Summary`] at the end,
//! each serialised with serde under the field names the JSON Lines output has always had
//! (written through a `serde_json::Value`, so the keys come out in the same, sorted, order),
//! and the CSV row of a record ([`CsvRow`]), built from the record rather than read back from
//! its JSON.

use serde::{Deserialize, Serialize};

use crate::api::record as model;
use crate::config::care::CareSetting;
use crate::error::{Error, Result};
use crate::render::lookup::PatientReport;

/// What became of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Plan,
    NoPlan,
    Invalid,
    Duplicate,
    InDoubt,
    Error,
}

impl Status {
    /// Every status, in summary order.
    pub const ALL: [Status; 6] = [
        Status::Plan,
        Status::NoPlan,
        Status::Invalid,
        Status::Duplicate,
        Status::InDoubt,
        Status::Error,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Plan => "plan",
            Status::NoPlan => "no-plan",
            Status::Invalid => "invalid",
            Status::Duplicate => "duplicate",
            Status::InDoubt => "in-doubt",
            Status::Error => "error",
        }
    }

    /// `plan` when `plans` holds one, else `no-plan`.
    fn of(plans: &[model::Plan]) -> Status {
        if plans.is_empty() {
            Status::NoPlan
        } else {
            Status::Plan
        }
    }
}

/// The record statuses' names, in summary order (from [`Status::ALL`]).
pub const STATUSES: &[&str] = &{
    let mut names = [""; Status::ALL.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = Status::ALL[i].as_str();
        i += 1;
    }
    names
};

/// The CSV columns of `--format csv`.
pub const CSV_COLUMNS: &[&str] = &[
    "line",
    "nhs_number",
    "status",
    "plans",
    "active_plans",
    "local_authorities",
    "accesses",
    "duplicate_of",
    "exit_code",
    "http_status",
    "code",
    "message",
    "trace_id",
    "patient_name",
    "birth_date",
    "pds_status",
    "route",
];

/// What an error row says of its error (every field written, `null` when unknown).
#[derive(Debug, Clone, Serialize)]
pub struct ErrorFields {
    pub exit_class: &'static str,
    pub exit_code: i32,
    pub http_status: Option<u16>,
    pub code: Option<String>,
    pub trace_id: Option<String>,
}

/// The trace ids of the requests that answered a row, by search (and by route).
#[derive(Debug, Clone, Default, Serialize)]
pub struct TraceIds {
    pub care_team: Vec<String>,
    pub audit_event: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub v3: Option<Vec<String>>,
}

/// One data row's record (`"type": "result"`). A field that is `None` is left out, except
/// `access_history`, which is `null` where the route gives none.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub line: u64,
    pub nhs_number: String,
    pub status: Status,
    pub plans: Vec<model::Plan>,
    pub access_history: Option<Vec<model::Access>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_active_plan: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_history_available: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spine_reasons: Option<Vec<crate::api::v3::reply::Reason>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_ids: Option<TraceIds>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<u64>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorFields>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_doubt: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pds_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient: Option<PatientReport>,
    /// Where the record came from, set on every record as it is finished.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
}

impl Record {
    /// A record of `status` with nothing else known.
    pub fn new(line: u64, nhs_number: String, status: Status) -> Record {
        Record {
            kind: "result",
            line,
            nhs_number,
            status,
            plans: Vec::new(),
            access_history: Some(Vec::new()),
            has_active_plan: None,
            access_history_available: None,
            spine_reasons: None,
            trace_ids: None,
            duplicate_of: None,
            error: None,
            message: None,
            in_doubt: None,
            pds_status: None,
            patient: None,
            route: None,
            environment: None,
            base_url: None,
        }
    }

    /// A row that failed with `e`.
    pub fn error(line: u64, nhs: &str, e: &Error) -> Record {
        Record {
            error: Some(ErrorFields {
                exit_class: e.kind.class(),
                exit_code: e.exit_code(),
                http_status: e.trace.http_status,
                code: e.trace.code.clone(),
                trace_id: e.trace.trace_id.clone(),
            }),
            message: Some(e.message.clone()),
            ..Record::new(line, nhs.to_string(), Status::Error)
        }
    }

    /// A row whose number was checked and answered with `plans` (`has_active_plan` said).
    pub fn answered(line: u64, nhs: String, plans: Vec<model::Plan>) -> Record {
        Record {
            has_active_plan: Some(plans.iter().any(|p| p.active)),
            ..Record::new(line, nhs, Status::of(&plans)).with_plans(plans)
        }
    }

    fn with_plans(mut self, plans: Vec<model::Plan>) -> Record {
        self.plans = plans;
        self
    }

    /// Who the row's number belongs to on PDS, and what PDS said.
    pub fn with_patient(mut self, patient: &PatientReport) -> Record {
        self.pds_status = Some(patient.status());
        self.patient = Some(patient.clone());
        self
    }

    /// Stopped by Ctrl-C before its request went out.
    pub fn interrupted(&self) -> bool {
        self.error
            .as_ref()
            .is_some_and(|e| e.exit_class == "interrupted")
    }

    /// An unscheduled row whose CP-IS request may have been seen (`maybe_sent`), or which
    /// had an answer before (`answered`: its CareTeam search, when the AuditEvent search
    /// failed), is `in-doubt` rather than `error`: the local authority may have been
    /// notified, so only `--retry-in-doubt` sends it again, never `--retry-failed`.
    pub fn in_doubt_if_seen(mut self, e: &Error, care: CareSetting, answered: bool) -> Record {
        if care == CareSetting::Unscheduled && (answered || maybe_sent(e)) {
            self.status = Status::InDoubt;
            self.in_doubt = Some(if answered {
                "CP-IS answered this row's CareTeam search, so the local authority may have been notified: not sent again without --retry-in-doubt"
            } else {
                "CP-IS may have seen this request, so the local authority may have been notified: not sent again without --retry-in-doubt"
            });
        }
        self
    }

    /// The record as JSON, its keys in the order they have always been written in.
    pub fn to_json(&self) -> Result<serde_json::Value> {
        serde_json::to_value(self)
            .map_err(|e| Error::unexpected(format!("cannot write a record: {e}")))
    }
}

/// Is this failed CP-IS request one the service may have seen: any answer but the platform's
/// refusals (401: the token; 429: the rate), or a failure after sending?
fn maybe_sent(e: &Error) -> bool {
    e.trace.maybe_sent || e.trace.http_status.is_some_and(|s| s != 401 && s != 429)
}

/// The number of rows of each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub plan: u64,
    #[serde(rename = "no-plan")]
    pub no_plan: u64,
    pub invalid: u64,
    pub duplicate: u64,
    #[serde(rename = "in-doubt")]
    pub in_doubt: u64,
    pub error: u64,
}

impl Counts {
    /// The counts `of` gives for each status.
    pub fn from_fn(of: impl Fn(Status) -> u64) -> Counts {
        Counts {
            plan: of(Status::Plan),
            no_plan: of(Status::NoPlan),
            invalid: of(Status::Invalid),
            duplicate: of(Status::Duplicate),
            in_doubt: of(Status::InDoubt),
            error: of(Status::Error),
        }
    }

    pub fn add(&mut self, s: Status) {
        let n = match s {
            Status::Plan => &mut self.plan,
            Status::NoPlan => &mut self.no_plan,
            Status::Invalid => &mut self.invalid,
            Status::Duplicate => &mut self.duplicate,
            Status::InDoubt => &mut self.in_doubt,
            Status::Error => &mut self.error,
        };
        *n += 1;
    }

    /// The rows that make the batch fail: invalid, in doubt or failed.
    pub fn failed(&self) -> u64 {
        self.invalid + self.in_doubt + self.error
    }
}

/// The last record of a run (`"type": "summary"`): the statuses across runs (every row's
/// latest record), this run's, and what the run cost.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub rows: u64,
    pub already_done: u64,
    pub requests: u64,
    pub requests_per_number: f64,
    pub rate_limited: u64,
    pub pds_requests: u64,
    pub pds_rate_limited: u64,
    pub verified_on_pds: bool,
    pub route: String,
    pub environment: String,
    pub base_url: String,
    pub wall_time_ms: u64,
    pub achieved_rate: f64,
    #[serde(flatten)]
    pub totals: Counts,
    pub this_run: Counts,
    /// Seconds the run took (for the closing note; not written).
    #[serde(skip)]
    pub seconds: f64,
}

impl Summary {
    pub fn to_json(&self) -> Result<serde_json::Value> {
        serde_json::to_value(self)
            .map_err(|e| Error::unexpected(format!("cannot write the summary: {e}")))
    }
}

/// The columns of one record in `--format csv` ([`CSV_COLUMNS`]), as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRow(pub Vec<String>);

/// What the CSV needs of a record kept in the run's state (a resumed run writes the records
/// of rows done before from there).
#[derive(Debug, Deserialize)]
pub struct Stored {
    line: u64,
    nhs_number: String,
    status: Status,
    #[serde(default)]
    plans: Vec<StoredPlan>,
    access_history: Option<Vec<serde::de::IgnoredAny>>,
    duplicate_of: Option<u64>,
    exit_code: Option<i32>,
    http_status: Option<u16>,
    code: Option<String>,
    message: Option<String>,
    trace_id: Option<String>,
    patient: Option<StoredPatient>,
    pds_status: Option<String>,
    route: Option<String>,
}

#[derive(Debug, Deserialize)]
struct StoredPlan {
    #[serde(default)]
    active: bool,
    local_authority: Option<String>,
}

#[derive(Debug, Deserialize)]
struct StoredPatient {
    name: Option<String>,
    birth_date: Option<String>,
}

fn text<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// The local authorities of `plans`, repeats next to each other once, `; ` between.
fn authorities<'a>(plans: impl Iterator<Item = &'a Option<String>>) -> String {
    let mut las: Vec<&str> = plans.filter_map(|l| l.as_deref()).collect();
    las.dedup();
    las.join("; ")
}

/// A CSV row's columns, named, in the order of the header: built from a record or from one
/// kept in the run's state, and listed in order once ([`Columns::row`]).
struct Columns<'a, P> {
    line: u64,
    nhs_number: &'a str,
    status: Status,
    plans: &'a [P],
    accesses: usize,
    duplicate_of: Option<u64>,
    exit_code: Option<i32>,
    http_status: Option<u16>,
    code: Option<&'a str>,
    message: Option<&'a str>,
    trace_id: Option<&'a str>,
    name: Option<&'a str>,
    birth_date: Option<&'a str>,
    pds_status: Option<&'a str>,
    route: Option<&'a str>,
}

/// What the CSV shows of a plan: whether it is active, and its local authority.
trait PlanColumns {
    fn active(&self) -> bool;
    fn local_authority(&self) -> &Option<String>;
}

impl PlanColumns for model::Plan {
    fn active(&self) -> bool {
        self.active
    }
    fn local_authority(&self) -> &Option<String> {
        &self.local_authority
    }
}

impl PlanColumns for StoredPlan {
    fn active(&self) -> bool {
        self.active
    }
    fn local_authority(&self) -> &Option<String> {
        &self.local_authority
    }
}

impl<P: PlanColumns> Columns<'_, P> {
    fn row(self) -> CsvRow {
        CsvRow(vec![
            self.line.to_string(),
            self.nhs_number.to_string(),
            self.status.as_str().to_string(),
            self.plans.len().to_string(),
            self.plans.iter().filter(|p| p.active()).count().to_string(),
            authorities(self.plans.iter().map(PlanColumns::local_authority)),
            self.accesses.to_string(),
            text(&self.duplicate_of),
            text(&self.exit_code),
            text(&self.http_status),
            text(&self.code),
            text(&self.message),
            text(&self.trace_id),
            text(&self.name),
            text(&self.birth_date),
            text(&self.pds_status),
            text(&self.route),
        ])
    }
}

impl CsvRow {
    pub fn of(r: &Record) -> CsvRow {
        let e = r.error.as_ref();
        let pds = r.patient.as_ref().map(|p| &p.pds);
        Columns {
            line: r.line,
            nhs_number: &r.nhs_number,
            status: r.status,
            plans: &r.plans,
            accesses: r.access_history.as_ref().map_or(0, Vec::len),
            duplicate_of: r.duplicate_of,
            exit_code: e.map(|e| e.exit_code),
            http_status: e.and_then(|e| e.http_status),
            code: e.and_then(|e| e.code.as_deref()),
            message: r.message.as_deref(),
            trace_id: e.and_then(|e| e.trace_id.as_deref()),
            name: pds.and_then(|p| p.name.as_deref()),
            birth_date: pds.and_then(|p| p.birth_date.as_deref()),
            pds_status: r.pds_status.as_deref(),
            route: r.route.as_deref(),
        }
        .row()
    }

    /// The CSV row of a record kept as JSON in the run's state.
    pub fn of_stored(json: &str) -> Result<CsvRow> {
        let r: Stored = serde_json::from_str(json)
            .map_err(|e| Error::unexpected(format!("a record in the batch state: {e}")))?;
        let patient = r.patient.as_ref();
        Ok(Columns {
            line: r.line,
            nhs_number: &r.nhs_number,
            status: r.status,
            plans: &r.plans,
            accesses: r.access_history.as_ref().map_or(0, Vec::len),
            duplicate_of: r.duplicate_of,
            exit_code: r.exit_code,
            http_status: r.http_status,
            code: r.code.as_deref(),
            message: r.message.as_deref(),
            trace_id: r.trace_id.as_deref(),
            name: patient.and_then(|p| p.name.as_deref()),
            birth_date: patient.and_then(|p| p.birth_date.as_deref()),
            pds_status: r.pds_status.as_deref(),
            route: r.route.as_deref(),
        }
        .row())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_record_has_every_error_field_and_the_old_key_order() {
        let e = Error::unexpected("boom");
        let v = Record::error(3, "9990000018", &e).to_json().unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "access_history",
                "code",
                "exit_class",
                "exit_code",
                "http_status",
                "line",
                "message",
                "nhs_number",
                "plans",
                "status",
                "trace_id",
                "type"
            ]
        );
        assert_eq!(v["http_status"], serde_json::Value::Null);
        assert_eq!(v["status"], "error");
        let csv = CsvRow::of_stored(&v.to_string()).unwrap();
        assert_eq!(csv, CsvRow::of(&Record::error(3, "9990000018", &e)));
    }

    #[test]
    fn statuses_are_in_summary_order() {
        assert_eq!(
            STATUSES,
            [
                "plan",
                "no-plan",
                "invalid",
                "duplicate",
                "in-doubt",
                "error"
            ]
        );
    }
}
