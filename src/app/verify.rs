//! The one verification pipeline: PDS's answer accepted (or why no CP-IS result may be shown),
//! the current NHS number after a supersession, `--dob` against PDS, and the role check, used
//! by lookup, alert and batch alike.

use crate::auth;
use crate::config::care::CareSetting;
use crate::error::{Error, Result};
use crate::nhs_number::NhsNumber;

/// The patient PDS returned, or why no CP-IS result may be shown (exit 2).
pub fn accept(
    outcome: crate::api::pds::Outcome,
    nhs: &NhsNumber,
) -> Result<crate::api::pds::Patient> {
    match outcome {
        crate::api::pds::Outcome::Found(p) => Ok(*p),
        other => {
            let (message, hint) = other
                .refusal(&nhs.digits())
                .expect("only a record has no refusal");
            Err(Error::usage(message).with_hint(hint))
        }
    }
}

/// The patient's current NHS number (PDS's record id), the one CP-IS is asked about.
pub fn current_number(patient: &crate::api::pds::Patient) -> Result<NhsNumber> {
    NhsNumber::parse_unchecked(&patient.nhs_number).map_err(|_| {
        Error::new(
            crate::error::Kind::Service,
            "PDS answered with a record whose id is not an NHS number",
        )
    })
}

/// `--dob` against PDS's birth date: a mismatch, or nothing to compare with, refuses.
pub fn check_dob(patient: &crate::api::pds::Patient, dob: Option<&str>) -> Result<()> {
    let Some(dob) = dob else { return Ok(()) };
    match patient.birth_date.as_deref() {
        Some(b) if b == dob => Ok(()),
        Some(_) => Err(Error::usage(format!(
            "the date of birth on PDS for NHS number {} does not match --dob {dob}",
            crate::api::pds::model::spaced(&patient.requested_nhs_number)
        ))
        .with_hint("this may be another child's number: check it with the patient or their records; no CP-IS result is shown and nobody was notified")),
        None => Err(Error::usage(format!(
            "PDS gives no full date of birth for NHS number {} to check --dob against",
            crate::api::pds::model::spaced(&patient.requested_nhs_number)
        ))
        .with_hint("confirm the patient on a terminal instead (without --dob), or pass --yes after checking them another way; no CP-IS result is shown and nobody was notified")),
    }
}

/// A CIS2 role whose activity codes lack the one this care setting needs is refused here,
/// before anything is sent, rather than by Spine with a 403.
pub fn check_role(token: &crate::auth::TokenSource, care: CareSetting) -> Result<()> {
    if let Some(user) = token.user() {
        if let Err(code) = user.may_look_up(care == CareSetting::Unscheduled) {
            return Err(Error::new(
                crate::error::Kind::AccessDenied,
                format!(
                    "your selected role ({}) lacks {code}: {}; nothing was sent",
                    user.role_name.as_deref().unwrap_or("unnamed role"),
                    activity_meaning(code)
                ),
            )
            .with_hint("ask your Registration Authority for the activity, or sign in again choosing a role that holds it: cpis auth login --user"));
        }
    }
    Ok(())
}

/// What a national RBAC activity code allows.
pub fn activity_meaning(code: &str) -> &'static str {
    match code {
        auth::cis2::VIEW_WITH_NOTIFICATION => {
            "View CP-IS flag: unscheduled care, notifies the local authority"
        }
        auth::cis2::VIEW_WITHOUT_NOTIFICATION => {
            "View CP-IS flag without sending an access notification: scheduled care"
        }
        _ => "a national RBAC activity",
    }
}
