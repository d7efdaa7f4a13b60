//! One row's check: PDS first (unless `--no-pds`), then CP-IS under the current number by the
//! configured route; a typed [`Record`] whichever way it ends.

use super::clients::Clients;
use super::record::{Record, Status, TraceIds};
use crate::api::cpis::model as cpis_model;
use crate::api::cpis::Search;
use crate::api::platform::Mark;
use crate::config::care::CareSetting;
use crate::config::route::Route;
use crate::error::Error;
use crate::nhs_number::NhsNumber;
use crate::render::lookup::PatientReport;
use crate::store::batch::Numbers;

/// Which row checks each number on CP-IS: filled with every valid row's number before the
/// run, then claimed by superseded rows for their current numbers, so that no number is asked
/// about twice in a run.
pub(super) type Claims = Numbers;

/// What one row asks: its line, number, care setting, and `dob` to match on PDS.
pub(super) struct Ask<'a> {
    pub line: u64,
    pub nhs: &'a NhsNumber,
    pub care: CareSetting,
    pub today: i64,
    pub dob: Option<&'a str>,
    /// The run's CP-IS slots (`--concurrency`): one is held while the row is on CP-IS.
    pub slots: &'a tokio::sync::Semaphore,
    pub route: Route,
}

/// A row PDS turned away, or whose date of birth PDS does not have.
fn invalid(
    ask: &Ask,
    digits: &str,
    message: String,
    pds_status: &str,
    patient: PatientReport,
) -> Record {
    Record {
        message: Some(message),
        pds_status: Some(pds_status.to_string()),
        patient: Some(patient),
        ..Record::new(ask.line, digits.to_string(), Status::Invalid)
    }
}

/// The patient and the number to ask CP-IS about, or the row's record when PDS ends it
/// (turned away, the wrong date of birth, a superseded number another row checks).
async fn verified(
    clients: &Clients,
    ask: &Ask<'_>,
    claims: &Claims,
) -> std::result::Result<(PatientReport, NhsNumber), Record> {
    let requested = ask.nhs.digits();
    let p = match clients.patient(ask.nhs).await {
        Err(e) => {
            return Err(Record {
                pds_status: Some("error".into()),
                ..Record::error(ask.line, &requested, &e)
            })
        }
        Ok(None) => return Ok((PatientReport::unverified(&requested), *ask.nhs)),
        Ok(Some(crate::api::pds::Outcome::Found(p))) => p,
        Ok(Some(other)) => {
            let (message, _) = other.refusal(&requested).expect("not a record");
            let unverified = PatientReport::unverified(&requested);
            return Err(invalid(ask, &requested, message, other.code(), unverified));
        }
    };
    let report = PatientReport::verified(&p, ask.today);
    if let Err(e) = crate::app::verify::check_dob(&p, ask.dob) {
        return Err(invalid(ask, &requested, e.message, "dob-mismatch", report));
    }
    let current = crate::app::verify::current_number(&p)
        .map_err(|e| Record::error(ask.line, &requested, &e))?;
    if p.superseded {
        match claims.first_or_insert(current.to_u64(), ask.line) {
            Err(e) => return Err(Record::error(ask.line, &requested, &e)),
            Ok(other) if other != ask.line => {
                return Err(Record {
                    duplicate_of: Some(other),
                    message: Some(format!(
                        "superseded by {}, which row {other} checks",
                        current.digits()
                    )),
                    ..Record::new(ask.line, current.digits(), Status::Duplicate)
                        .with_patient(&report)
                });
            }
            Ok(_) => {}
        }
    }
    Ok((report, current))
}

/// Check one number: PDS first (unless `--no-pds`), then CareTeam under the current number,
/// then AuditEvent only when a plan is found. `mark` runs before every CP-IS request is
/// written to the network; PDS (a silent read) is not marked.
pub(super) async fn check(clients: &Clients, ask: Ask<'_>, claims: &Claims, mark: &Mark) -> Record {
    let (patient, current) = match verified(clients, &ask, claims).await {
        Ok(v) => v,
        Err(record) => return record,
    };
    let digits = current.digits();
    let Ok(_slot) = ask.slots.acquire().await else {
        return Record::error(ask.line, &digits, &Error::unexpected("the run has ended"));
    };
    let on = On {
        clients,
        ask: &ask,
        nhs: &current,
        digits,
        patient: &patient,
        mark,
    };
    match ask.route {
        Route::V3 => on.v3().await,
        Route::Flags => on.flags().await,
        Route::Fhir => on.fhir().await,
    }
}

/// One row on CP-IS: the number asked about (the current one), and who it is.
struct On<'a> {
    clients: &'a Clients,
    ask: &'a Ask<'a>,
    nhs: &'a NhsNumber,
    digits: String,
    patient: &'a PatientReport,
    mark: &'a Mark,
}

impl On<'_> {
    fn failed(&self, e: &Error) -> Record {
        Record::error(self.ask.line, &self.digits, e).with_patient(self.patient)
    }

    /// One POST: plans and access history, or no CP-IS information.
    async fn v3(&self) -> Record {
        match self.clients.v3(self.nhs, self.ask.today, self.mark).await {
            Ok(found) => Record {
                access_history_available: Some(found.access_history.is_some()),
                access_history: found.access_history,
                spine_reasons: Some(found.reasons),
                trace_ids: Some(TraceIds {
                    v3: Some(vec![found.trace_id]),
                    ..TraceIds::default()
                }),
                ..Record::answered(self.ask.line, self.digits.clone(), found.plans)
                    .with_patient(self.patient)
            },
            Err(e) => self.failed(&e).in_doubt_if_seen(&e, self.ask.care, false),
        }
    }

    /// One request: the CP-IS flag with its plan and care team; no access history.
    async fn flags(&self) -> Record {
        match self
            .clients
            .flags(self.nhs, self.ask.today, self.mark)
            .await
        {
            Ok(found) => Record {
                access_history: None,
                access_history_available: Some(false),
                trace_ids: Some(TraceIds {
                    flags: Some(vec![found.trace_id]),
                    ..TraceIds::default()
                }),
                ..Record::answered(self.ask.line, self.digits.clone(), found.plans)
                    .with_patient(self.patient)
            },
            Err(e) => Record {
                access_history: None,
                access_history_available: Some(false),
                ..self.failed(&e)
            },
        }
    }

    /// CareTeam, then AuditEvent only when a plan is found.
    async fn fhir(&self) -> Record {
        let (line, care) = (self.ask.line, self.ask.care);
        let search = |s| self.clients.search(s, self.nhs, care, self.mark);
        let care_team = match search(Search::CareTeam).await {
            Ok(r) => r,
            Err(e) => return self.failed(&e).in_doubt_if_seen(&e, care, false),
        };
        let plans = cpis_model::plans_from(&care_team.bundles, self.ask.today);
        if plans.is_empty() {
            return Record {
                trace_ids: Some(TraceIds {
                    care_team: care_team.trace_ids,
                    ..TraceIds::default()
                }),
                ..Record::new(line, self.digits.clone(), Status::NoPlan).with_patient(self.patient)
            };
        }
        match search(Search::AuditEvent).await {
            Ok(audit) => Record {
                access_history: Some(cpis_model::accesses_from(&audit.bundles)),
                trace_ids: Some(TraceIds {
                    care_team: care_team.trace_ids,
                    audit_event: audit.trace_ids,
                    ..TraceIds::default()
                }),
                ..Record::answered(line, self.digits.clone(), plans).with_patient(self.patient)
            },
            // The plans are known; the access history is not. Still an error row: the
            // record is incomplete.
            Err(e) => Record {
                plans,
                ..self.failed(&e)
            }
            .in_doubt_if_seen(&e, care, true),
        }
    }
}
