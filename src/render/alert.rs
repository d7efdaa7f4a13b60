//! `cpis alert`: the previews shown before an alert is sent or resent, the result of each
//! attempt, and the outbox as a table. Pure.

use super::cell;
use crate::api::cpis::alert::Alert;
use crate::api::record::Plan;
use crate::sanitize::sanitize;
use crate::store::outbox::Row;
use crate::ui::Terminal;

/// Labelled values as a plain two-column table (values sanitised).
pub fn preview(rows: &[(&str, String)]) -> String {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    for (k, v) in rows {
        t.add_row(vec![k.to_string(), sanitize(v)]);
    }
    t.to_string()
}

/// An alert the outbox already holds for the patient and appointment asked about.
pub fn held(r: &Row, nhs: &str) -> String {
    format!(
        "Already in the outbox:\n{}",
        preview(&[
            ("Alert", r.id.clone()),
            ("State", r.state.clone()),
            ("Made", r.created.clone()),
            (
                "Last attempt",
                r.last_attempt
                    .clone()
                    .unwrap_or_else(|| "never tried".into())
            ),
            ("Reference", cell(r.reference.as_deref())),
            ("Patient (NHS number)", nhs.to_string()),
            ("Missed appointment", r.appointment.clone()),
            ("Alert goes to", r.local_authority.clone()),
            (
                "Last outcome",
                r.detail.clone().unwrap_or_else(|| "never tried".into())
            ),
        ])
    )
}

/// What a new alert's preview shows.
pub struct Preview<'a> {
    /// The patient as PDS gave them (a block), before the table.
    pub patient_block: String,
    /// The number CP-IS was asked about (the current one).
    pub nhs: String,
    /// The number given, when PDS says it was superseded.
    pub superseded_given: Option<String>,
    pub plan: &'a Plan,
    pub alert: &'a Alert,
    pub target: &'a str,
    pub others: &'a [String],
    pub dry_run: bool,
}

/// The preview of a new alert, on standard error before it is sent.
pub fn alert_preview(p: &Preview<'_>) -> String {
    let alert = p.alert;
    let mut rows = vec![("Patient (NHS number)", p.nhs.clone())];
    if let Some(given) = &p.superseded_given {
        rows.push((
            "Number given",
            format!("{given} (superseded on PDS by {})", p.nhs),
        ));
    }
    rows.extend([
        ("Plan", p.plan.plan_type.label().to_string()),
        ("Missed appointment", alert.appointment.clone()),
        ("Service", alert.service.clone()),
        ("Location", alert.location.clone()),
        ("Note", alert.note.clone()),
        ("Alert goes to", alert.recipient.name.clone()),
        ("Office hours", cell(p.plan.office_hours_phone.as_deref())),
        (
            "Emergency duty",
            cell(p.plan.emergency_duty_phone.as_deref()),
        ),
        ("From", alert.sender.name.clone()),
        ("Sent to", p.target.to_string()),
    ]);
    if !p.others.is_empty() {
        rows.push(("Other active plans", p.others.join(", ")));
    }
    let heading = if p.dry_run {
        "Dry run: this alert would be sent once, to the responsible local authority:"
    } else {
        "This alert will be sent once, to the responsible local authority:"
    };
    format!("{}\n{heading}\n{}", p.patient_block, preview(&rows))
}

/// The preview of a kept alert about to be resent.
pub fn retry_preview(row: &Row) -> String {
    format!(
        "Resending with its original identifier (the service keeps it once):\n{}",
        preview(&[
            ("Alert", row.id.clone()),
            ("Patient (NHS number)", row.nhs_number.clone()),
            ("Missed appointment", row.appointment.clone()),
            ("Alert goes to", row.local_authority.clone()),
            ("Attempts so far", row.attempts.to_string()),
            (
                "Last outcome",
                row.detail.clone().unwrap_or_else(|| "never tried".into())
            ),
            ("Sent to", row.url.clone()),
        ])
    )
}

#[derive(serde::Serialize)]
struct Sent<'a> {
    id: &'a str,
    identifier: String,
    state: &'a str,
    reference: Option<&'a str>,
    nhs_number: &'a str,
    local_authority: &'a str,
}

/// The result of one alert sent (or found already sent), as JSON or as text.
pub fn result(row: &Row, json: bool) -> String {
    if json {
        return super::json(&Sent {
            id: &row.id,
            identifier: format!("urn:uuid:{}", row.id),
            state: &row.state,
            reference: row.reference.as_deref(),
            nhs_number: &row.nhs_number,
            local_authority: &row.local_authority,
        });
    }
    format!(
        "alert sent to {}\nreference: {}\nidentifier: urn:uuid:{}\n",
        sanitize(&row.local_authority),
        cell(row.reference.as_deref()),
        row.id
    )
}

/// The outbox as a table.
pub fn list_table(rows: &[Row], term: &Terminal) -> String {
    let mut t = super::new_table(
        &[
            "ID",
            "Created",
            "State",
            "NHS number",
            "Local authority",
            "Appointment",
            "Reference",
            "Attempts",
        ],
        term,
    );
    for r in rows {
        t.add_row(vec![
            r.id.clone(),
            r.created.clone(),
            r.state.clone(),
            r.nhs_number.clone(),
            sanitize(&r.local_authority),
            r.appointment.clone(),
            cell(r.reference.as_deref()),
            r.attempts.to_string(),
        ]);
    }
    format!("{t}\n")
}
