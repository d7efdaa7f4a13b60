//! `cpis lookup`: one NHS number, both searches concurrently, rendered for people or scripts.

use crate::cli::{Format, LookupArgs};
use crate::cpis::model;
use crate::cpis::CareSetting;
use crate::error::{Error, Result};
use crate::nhs_number::NhsNumber;
use crate::render::{self, lookup::LookupReport, lookup::PatientReport, lookup::TraceIds};

/// The NHS number from one argument or its three groups.
pub fn parse_number(parts: &[String], no_validate: bool) -> Result<NhsNumber> {
    let joined = parts.join(" ");
    let parsed = if no_validate {
        NhsNumber::parse_unchecked(&joined)
    } else {
        NhsNumber::parse(&joined)
    };
    parsed.map_err(|e| {
        let err = Error::usage(format!(
            "invalid NHS number {:?}: {e}",
            render::sanitize(&joined)
        ));
        if no_validate {
            err
        } else {
            err.with_hint(
                "nothing was sent. --no-validate skips the Modulus 11 check, for test data only",
            )
        }
    })
}

/// The care setting from the flags, else the profile/environment, else a refusal.
pub fn care_setting(args: &LookupArgs, configured: Option<CareSetting>) -> Result<CareSetting> {
    care_from_flags(args.scheduled, args.unscheduled, configured)
}

/// The care setting from `--scheduled`/`--unscheduled`, else the profile, else a refusal.
pub fn care_from_flags(
    scheduled: bool,
    unscheduled: bool,
    configured: Option<CareSetting>,
) -> Result<CareSetting> {
    match (scheduled, unscheduled) {
        (true, _) => Ok(CareSetting::Scheduled),
        (_, true) => Ok(CareSetting::Unscheduled),
        _ => configured.ok_or_else(|| {
            Error::usage(format!(
                "say which care setting this lookup is for: --scheduled or --unscheduled\n{}",
                CareSetting::EXPLANATION
            ))
            .with_hint("nothing was sent. To set a default for this workstation: cpis config set care_setting scheduled")
        }),
    }
}

/// `--dob YYYY-MM-DD`, checked for shape before anything is sent.
pub fn parse_dob(dob: Option<&str>) -> Result<Option<String>> {
    let Some(d) = dob else { return Ok(None) };
    let d = d.trim();
    if d.len() != 10 || crate::timeutil::parse_date_days(d).is_none() {
        return Err(Error::usage(format!(
            "--dob {:?} is not a date: use YYYY-MM-DD",
            render::sanitize(d)
        ))
        .with_hint("nothing was sent"));
    }
    Ok(Some(d.to_string()))
}

/// The patient PDS returned, or why no CP-IS result may be shown (exit 2).
pub fn accept(outcome: crate::pds::Outcome, nhs: &NhsNumber) -> Result<crate::pds::Patient> {
    match outcome {
        crate::pds::Outcome::Found(p) => Ok(*p),
        other => {
            let (message, hint) = other
                .refusal(&nhs.digits())
                .expect("only a record has no refusal");
            Err(Error::usage(message).with_hint(hint))
        }
    }
}

/// The patient's current NHS number (PDS's record id), the one CP-IS is asked about.
pub fn current_number(patient: &crate::pds::Patient) -> Result<NhsNumber> {
    NhsNumber::parse_unchecked(&patient.nhs_number).map_err(|_| {
        Error::new(
            crate::error::Kind::Service,
            "PDS answered with a record whose id is not an NHS number",
        )
    })
}

/// `--dob` against PDS's birth date: a mismatch, or nothing to compare with, refuses.
pub fn check_dob(patient: &crate::pds::Patient, dob: Option<&str>) -> Result<()> {
    let Some(dob) = dob else { return Ok(()) };
    match patient.birth_date.as_deref() {
        Some(b) if b == dob => Ok(()),
        Some(_) => Err(Error::usage(format!(
            "the date of birth on PDS for NHS number {} does not match --dob {dob}",
            crate::pds::model::spaced(&patient.requested_nhs_number)
        ))
        .with_hint("this may be another child's number: check it with the patient or their records; no CP-IS result is shown and nobody was notified")),
        None => Err(Error::usage(format!(
            "PDS gives no full date of birth for NHS number {} to check --dob against",
            crate::pds::model::spaced(&patient.requested_nhs_number)
        ))
        .with_hint("confirm the patient on a terminal instead (without --dob), or pass --yes after checking them another way; no CP-IS result is shown and nobody was notified")),
    }
}

/// Before an unscheduled lookup (which notifies the local authority): the user has seen the
/// patient and said yes, or `--dob` matched, or `--yes` was given.
fn confirm_patient(report: &PatientReport, dob_checked: bool, yes: bool) -> Result<()> {
    if dob_checked || yes {
        return Ok(());
    }
    if !can_ask() {
        return Err(unconfirmed());
    }
    eprint!("{}", report.block());
    let yes = dialoguer::Confirm::new()
        .with_prompt("Is this the patient? (an unscheduled lookup notifies their local authority)")
        .default(false)
        .interact()
        .map_err(|e| Error::usage(format!("cannot ask: {e}")))?;
    if yes {
        Ok(())
    } else {
        Err(Error::usage("not the patient: nothing was sent to CP-IS")
            .with_hint("check the NHS number with the patient or their records"))
    }
}

fn note_superseded(ctx: &super::Ctx, requested: &NhsNumber, current: &NhsNumber) {
    ctx.note(&format!(
        "NHS number {} has been superseded by {} on PDS: checking CP-IS under the current number",
        crate::pds::model::spaced(&requested.digits()),
        crate::pds::model::spaced(&current.digits())
    ));
}

/// Is there a terminal to ask on (standard input and standard error)?
fn can_ask() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

fn unconfirmed() -> Error {
    Error::usage(
        "an unscheduled lookup notifies the local authority, so the patient must be confirmed first, and there is no terminal to ask on",
    )
    .with_hint("pass --dob YYYY-MM-DD (checked against PDS), or --yes once the patient has been checked; nothing was sent")
}

/// The CP-IS lookup, once more with a new token after a 401 where one can be had.
async fn lookup_renewing(
    ctx: &super::Ctx,
    conn: &super::Connection,
    client: &mut crate::cpis::Client,
    token: &mut crate::auth::TokenSource,
    nhs: &NhsNumber,
    care: CareSetting,
) -> Result<(crate::cpis::SearchResult, crate::cpis::SearchResult)> {
    match client.lookup(nhs, care).await {
        // The API platform refused the token before CP-IS saw the request (nothing was
        // recorded or notified): get a new one, once, and try once more.
        Err(e) if e.trace.http_status == Some(401) && token.renewable() => {
            ctx.note("the service refused the access token (HTTP 401): getting a new one and trying once more");
            *token = ctx.renewed_token(conn).await?;
            *client = ctx.client_with(conn, token)?;
            client.lookup(nhs, care).await
        }
        r => r,
    }
}

/// The PDS retrieval, once more with a new token after a 401 where one can be had.
pub(crate) async fn patient_renewing(
    ctx: &super::Ctx,
    conn: &super::Connection,
    token: &mut crate::auth::TokenSource,
    nhs: &NhsNumber,
) -> Result<crate::pds::Outcome> {
    match ctx.pds_client(conn, token)?.patient(nhs).await {
        Err(e) if e.trace.http_status == Some(401) && token.renewable() => {
            ctx.note(
                "PDS refused the access token (HTTP 401): getting a new one and trying once more",
            );
            *token = ctx.renewed_token(conn).await?;
            ctx.pds_client(conn, token)?.patient(nhs).await
        }
        r => r,
    }
}

pub async fn run(ctx: &super::Ctx, args: LookupArgs) -> Result<()> {
    let requested = parse_number(&args.nhs_number, args.no_validate)?;
    let care = care_setting(&args, ctx.settings.care_setting.as_ref().map(|c| c.value))?;
    let dob = parse_dob(args.dob.as_deref())?;
    let verify = !args.no_pds && ctx.settings.verify_on_pds;
    if args.curl {
        return curl(ctx, &requested, care, verify).await;
    }
    // Refused before anything is sent when the patient could not be confirmed anyway.
    if care == CareSetting::Unscheduled && verify && dob.is_none() && !args.yes && !can_ask() {
        return Err(unconfirmed());
    }
    let (mut client, conn, mut token) = ctx.cpis_client().await?;
    check_role(&token, care)?;
    let today = crate::timeutil::today_days();

    let (patient, nhs, (care_team, audit)) = if !verify {
        ctx.note("not verified on PDS (--no-pds or verify_on_pds = false): make sure this is the right child");
        if care == CareSetting::Unscheduled {
            ctx.note("unscheduled lookup: this access is recorded in the record's access history, and the responsible local authority is notified");
        }
        let found = lookup_renewing(ctx, &conn, &mut client, &mut token, &requested, care).await?;
        (
            PatientReport::unverified(&requested.digits()),
            requested,
            found,
        )
    } else if care == CareSetting::Scheduled {
        // A silent read: PDS and both CP-IS searches at once, one round trip.
        let pds = ctx.pds_client(&conn, &token)?;
        let (outcome, found) =
            tokio::join!(pds.patient(&requested), client.lookup(&requested, care));
        let outcome = match outcome {
            Err(e) if e.trace.http_status == Some(401) && token.renewable() => {
                patient_renewing(ctx, &conn, &mut token, &requested).await?
            }
            r => r?,
        };
        let patient = accept(outcome, &requested)?;
        check_dob(&patient, dob.as_deref())?;
        let current = current_number(&patient)?;
        let found = if patient.superseded {
            note_superseded(ctx, &requested, &current);
            lookup_renewing(ctx, &conn, &mut client, &mut token, &current, care).await?
        } else {
            match found {
                Err(e) if e.trace.http_status == Some(401) && token.renewable() => {
                    client = ctx.client_with(&conn, &token)?;
                    lookup_renewing(ctx, &conn, &mut client, &mut token, &current, care).await?
                }
                r => r?,
            }
        };
        (PatientReport::verified(&patient, today), current, found)
    } else {
        // Unscheduled: nothing that notifies a local authority before the patient is known.
        let outcome = patient_renewing(ctx, &conn, &mut token, &requested).await?;
        let patient = accept(outcome, &requested)?;
        check_dob(&patient, dob.as_deref())?;
        let report = PatientReport::verified(&patient, today);
        confirm_patient(&report, dob.is_some(), args.yes)?;
        let current = current_number(&patient)?;
        if patient.superseded {
            note_superseded(ctx, &requested, &current);
        }
        ctx.note("unscheduled lookup: this access is recorded in the record's access history, and the responsible local authority is notified");
        client = ctx.client_with(&conn, &token)?;
        let found = lookup_renewing(ctx, &conn, &mut client, &mut token, &current, care).await?;
        (report, current, found)
    };
    if args.raw {
        // The bundles carry no environment: say it on stderr.
        ctx.note(&format!(
            "raw FHIR bundles from environment {} ({})",
            ctx.settings.environment_label(),
            client.base_url().as_str().trim_end_matches('/')
        ));
        let mut out = String::new();
        for body in care_team.raw.iter().chain(&audit.raw) {
            out.push_str(&String::from_utf8_lossy(body));
            if !out.ends_with('\n') {
                out.push('\n');
            }
        }
        return Ok(render::print_stdout(&out)?);
    }

    let plans = model::plans_from(&care_team.bundles, today);
    let access_history = model::accesses_from(&audit.bundles);
    let report = LookupReport {
        nhs_number: nhs.digits(),
        environment: ctx.settings.environment_label().to_string(),
        base_url: client.base_url().as_str().trim_end_matches('/').to_string(),
        care_setting: care.as_str().to_string(),
        has_plan: !plans.is_empty(),
        has_active_plan: plans.iter().any(|p| p.active),
        plans,
        access_history,
        trace_ids: TraceIds {
            care_team: care_team.trace_ids,
            audit_event: audit.trace_ids,
        },
        acting_as: token.acting_as(),
        patient,
    };
    let format = if args.json { Format::Json } else { args.format };
    let text = match format {
        Format::Table => render::lookup::table(&report),
        Format::Json => render::json(&report),
        Format::Csv => render::lookup::csv(&report),
    };
    Ok(render::print_stdout(&text)?)
}

/// `lookup --curl`: the two searches as curl commands; nothing is sent.
async fn curl(
    ctx: &super::Ctx,
    nhs: &crate::nhs_number::NhsNumber,
    care: CareSetting,
    verify: bool,
) -> Result<()> {
    if ctx.settings.endpoint.base_url.is_none() {
        return Err(Error::usage(
            "the embedded sandbox lives only while a cpis command runs: there is nothing for curl to reach",
        )
        .with_hint("run `cpis sandbox serve` and use its base URL: cpis --base-url URL lookup ... --curl"));
    }
    let conn = ctx.connect().await?;
    // The token stays a shell variable; a CIS2 user's role goes in as it would.
    let urid = ctx
        .sessions()?
        .get(&ctx.credential_key())
        .and_then(|s| s.user.clone())
        .and_then(|u| u.identity.role_profile_id);
    let client = crate::cpis::Client::new(
        conn.http.clone(),
        conn.base.as_str(),
        Some(crate::secret::Secret::new("$CPIS_TOKEN")),
        ctx.settings.timeout.value,
        ctx.notifier(),
    )?
    .session_urid(urid.as_deref())?;
    let cacert = ctx
        .settings
        .ca_sources
        .iter()
        .find(|s| !s.dir)
        .map(|s| s.path.display().to_string());
    ctx.note("nothing was sent; set CPIS_TOKEN to an access token before running these");
    if care == CareSetting::Unscheduled {
        ctx.note("these are unscheduled searches: running them records an access and notifies the local authority");
    }
    let mut out = String::new();
    if verify {
        // PDS first: who the number belongs to (a silent read).
        let base = ctx.pds_base(&conn)?;
        let api = crate::cpis::Client::new(
            conn.http.clone(),
            base.as_str(),
            Some(crate::secret::Secret::new("$CPIS_TOKEN")),
            ctx.settings.timeout.value,
            ctx.notifier(),
        )?
        .session_urid(urid.as_deref())?;
        out.push_str(&crate::pds::Client::new(api, base).curl_command(nhs, cacert.as_deref()));
    }
    out.push_str(&client.curl_commands(nhs, care, cacert.as_deref()));
    Ok(render::print_stdout(&out)?)
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
                    super::auth::activity_meaning(code)
                ),
            )
            .with_hint("ask your Registration Authority for the activity, or sign in again choosing a role that holds it: cpis auth login --user"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_groups_or_one_argument() {
        let a = parse_number(&["943".into(), "476".into(), "5919".into()], false).unwrap();
        let b = parse_number(&["943-476-5919".into()], false).unwrap();
        assert_eq!(a, b);
        let e = parse_number(&["9434765918".into()], false).unwrap_err();
        assert!(e.message.contains("Modulus 11"), "{}", e.message);
        assert_eq!(e.exit_code(), 2);
        assert!(parse_number(&["9912003890".into()], true).is_ok());
    }
}
