//! `cpis lookup`: one NHS number, both searches concurrently, rendered for people or scripts.

use super::renewal::Renewal;
use crate::cli::{Format, LookupArgs};
use crate::cpis::model;
use crate::cpis::{CareSetting, Route, Search, SearchResult};
use crate::error::{Error, Result};
use crate::nhs_number::NhsNumber;
use crate::render::{self, lookup::LookupReport, lookup::PatientReport, lookup::TraceIds};

/// The NHS number from one argument or its three groups, for `lookup` (which has
/// `--no-validate`).
pub fn parse_number(parts: &[String], no_validate: bool) -> Result<NhsNumber> {
    parse_number_for(parts, no_validate, true)
}

/// The NHS number from one argument or its three groups. `offers_no_validate`: the command
/// has `--no-validate`, so a number failing only its checksum is told about it.
pub fn parse_number_for(
    parts: &[String],
    no_validate: bool,
    offers_no_validate: bool,
) -> Result<NhsNumber> {
    use crate::nhs_number::NhsNumberError;
    let joined = parts.join(" ");
    let parsed = if no_validate {
        NhsNumber::parse_unchecked(&joined)
    } else {
        NhsNumber::parse(&joined)
    };
    parsed.map_err(|e| {
        let err = Error::usage(format!(
            "invalid NHS number \"{}\": {e}",
            crate::sanitize::echo(&joined)
        ));
        let checksum = matches!(
            e,
            NhsNumberError::CheckDigit { .. } | NhsNumberError::NeverValid
        );
        if checksum && offers_no_validate && !no_validate {
            err.with_hint(
                "nothing was sent. --no-validate skips the Modulus 11 check, for test data only",
            )
        } else {
            err.with_hint("nothing was sent")
        }
    })
}

/// Refuse several NHS numbers (`cpis lookup A B`): lookup takes one, given whole or as its
/// three groups; several are a batch. Two or more arguments of which one alone is ten digits
/// are several numbers.
pub fn several_numbers(parts: &[String]) -> Result<()> {
    let whole = parts
        .iter()
        .filter(|p| NhsNumber::parse_unchecked(p).is_ok())
        .count();
    if parts.len() > 1 && whole > 0 {
        return Err(Error::usage(format!(
            "lookup takes one NHS number, and was given {} arguments{}",
            parts.len(),
            if whole > 1 {
                format!(" ({whole} of them whole NHS numbers)")
            } else {
                String::new()
            }
        ))
        .with_hint(
            "nothing was sent. Give one number (whole, or as its three groups `943 476 5919`); for several, use `cpis batch -` with one number a line, e.g. `printf '%s\\n' NUMBER1 NUMBER2 | cpis batch - --scheduled`",
        ));
    }
    Ok(())
}

/// Whether the NHS number is to be read from standard input: the single argument `-`. A `-`
/// among other arguments is refused.
pub fn number_on_stdin(parts: &[String]) -> Result<bool> {
    match parts {
        [one] if one == "-" => Ok(true),
        _ if parts.iter().any(|p| p == "-") => Err(Error::usage(
            "`-` (read the NHS number from standard input) must be the only NHS_NUMBER argument",
        )
        .with_hint("nothing was sent")),
        _ => Ok(false),
    }
}

/// The longest standard input read for an NHS number, in bytes.
const MAX_NUMBER_INPUT: u64 = 256;

/// All of standard input as text, at most `max` bytes; `what` names it in errors.
pub fn read_stdin(what: &str, max: u64) -> Result<String> {
    read_limited(std::io::stdin().lock(), what, max)
}

/// All of `r` as UTF-8 text, at most `max` bytes (more is refused, not cut short).
pub fn read_limited(r: impl std::io::Read, what: &str, max: u64) -> Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    r.take(max + 1).read_to_end(&mut bytes).map_err(|e| {
        Error::usage(format!("cannot read {what}: {e}")).with_hint("nothing was sent")
    })?;
    if bytes.len() as u64 > max {
        return Err(Error::usage(format!("{what} is longer than {max} bytes"))
            .with_hint("nothing was sent"));
    }
    String::from_utf8(bytes).map_err(|_| {
        Error::usage(format!("{what} is not UTF-8 text")).with_hint("nothing was sent")
    })
}

/// The NHS number on standard input: one line, trimmed, validated as an argument is.
pub fn number_from_stdin(no_validate: bool) -> Result<NhsNumber> {
    number_from_stdin_for(no_validate, true)
}

/// [`number_from_stdin`] for a command with or without `--no-validate`.
pub fn number_from_stdin_for(no_validate: bool, offers_no_validate: bool) -> Result<NhsNumber> {
    let what = "the NHS number on standard input";
    let text = read_stdin(what, MAX_NUMBER_INPUT)?;
    let line = text.trim();
    if line.is_empty() {
        return Err(Error::usage(format!("{what} is missing: standard input is empty"))
            .with_hint("nothing was sent. Give the number on one line, e.g. `echo 9990000018 | cpis lookup - --scheduled`"));
    }
    if line.contains('\n') {
        return Err(
            Error::usage(format!("{what} is more than one line: give one NHS number"))
                .with_hint("nothing was sent. For many numbers use `cpis batch`"),
        );
    }
    parse_number_for(&[line.to_string()], no_validate, offers_no_validate)
}

/// The refusal when standard input holds the NHS number (or a note) and a question would be
/// asked on it too.
pub fn stdin_taken(what: &str, instead: &str) -> Error {
    Error::usage(format!(
        "standard input holds {what}, so it cannot also answer the confirmation question"
    ))
    .with_hint(format!("nothing was sent. {instead}"))
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
            "--dob \"{}\" is not a date: use YYYY-MM-DD",
            crate::sanitize::echo(d)
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
/// patient and said yes, or `--dob` matched, or `--yes` was given. `report` is what PDS said,
/// or the bare number when PDS was not asked.
async fn confirm_patient(report: &PatientReport, dob_checked: bool, yes: bool) -> Result<()> {
    if dob_checked || yes {
        return Ok(());
    }
    if !crate::prompt::can_ask() {
        return Err(unconfirmed());
    }
    eprint!("{}", report.block());
    let question = if report.verified {
        "Is this the patient? (an unscheduled lookup notifies their local authority)"
    } else {
        "This NHS number is not verified on PDS. Is it the patient's? (an unscheduled lookup notifies their local authority)"
    };
    if crate::prompt::confirm(question).await? {
        Ok(())
    } else {
        Err(
            crate::prompt::declined("not the patient: nothing was sent to CP-IS")
                .with_hint("check the NHS number with the patient or their records"),
        )
    }
}

fn note_superseded(ctx: &super::Ctx, requested: &NhsNumber, current: &NhsNumber) {
    ctx.note(&format!(
        "NHS number {} has been superseded by {} on PDS: checking CP-IS under the current number",
        crate::pds::model::spaced(&requested.digits()),
        crate::pds::model::spaced(&current.digits())
    ));
}

fn unconfirmed() -> Error {
    Error::usage(
        "an unscheduled lookup notifies the local authority, so the patient must be confirmed first, and there is no terminal to ask on",
    )
    .with_hint("pass --dob YYYY-MM-DD (checked against PDS), or --yes once the patient has been checked; nothing was sent")
}

/// Both results of one lookup, or the error that matters most: one that may have reached
/// CP-IS (the user must not simply repeat the lookup) before any other.
fn both<A, B>(a: Result<A>, b: Result<B>) -> Result<(A, B)> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(e), Err(f)) if f.trace.maybe_sent && !e.trace.maybe_sent => Err(f),
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// What CP-IS holds for one child, whichever route answered.
pub(crate) struct Record {
    pub plans: Vec<model::Plan>,
    /// `None` where the route gives no access history (Patient Flags).
    pub access_history: Option<Vec<model::Access>>,
    /// The bodies as received, for `--raw`.
    pub raw: Vec<Vec<u8>>,
    pub trace_ids: TraceIds,
    /// Results that name no patient (shown, with a warning).
    pub unnamed: usize,
}

/// Both CP-IS searches at once. Each is renewed and resent on its own: a 401 on one never
/// resends the other. Both run to the end, so that a failure of one never cuts the other off
/// half-sent.
async fn searches(
    renewal: &Renewal<'_>,
    nhs: &NhsNumber,
    care: CareSetting,
) -> Result<(SearchResult, SearchResult)> {
    let (ct, ae) = tokio::join!(
        renewal.search(Search::CareTeam, nhs, care),
        renewal.search(Search::AuditEvent, nhs, care)
    );
    both(ct, ae)
}

/// What CP-IS holds for `nhs`, by the configured route (the only place that knows routes).
pub(crate) async fn care_record(
    ctx: &super::Ctx,
    renewal: &Renewal<'_>,
    nhs: &NhsNumber,
    care: CareSetting,
    today: i64,
) -> Result<Record> {
    match ctx.settings.route.value {
        Route::Fhir => {
            let (care_team, audit) = searches(renewal, nhs, care).await?;
            Ok(Record {
                plans: model::plans_from(&care_team.bundles, today),
                access_history: Some(model::accesses_from(&audit.bundles)),
                unnamed: care_team.unnamed + audit.unnamed,
                raw: care_team.raw.into_iter().chain(audit.raw).collect(),
                trace_ids: TraceIds {
                    care_team: care_team.trace_ids,
                    audit_event: audit.trace_ids,
                    flags: Vec::new(),
                    v3: Vec::new(),
                },
            })
        }
        Route::Flags => {
            if care == CareSetting::Unscheduled {
                return Err(crate::flags::unscheduled_refused());
            }
            let found = renewal.flags(nhs, today).await?;
            Ok(Record {
                plans: found.plans,
                access_history: None,
                unnamed: found.unnamed,
                raw: vec![found.raw],
                trace_ids: TraceIds {
                    care_team: Vec::new(),
                    audit_event: Vec::new(),
                    flags: vec![found.trace_id],
                    v3: Vec::new(),
                },
            })
        }
        Route::V3 => {
            let token = renewal.token().await;
            let found =
                super::v3route::record(ctx, renewal.conn(), &token, nhs, care, today).await?;
            Ok(Record {
                plans: found.plans,
                access_history: found.access_history,
                unnamed: found.unnamed,
                raw: vec![found.raw],
                // The Message-Id of the POST is this route's trace id.
                trace_ids: TraceIds {
                    care_team: Vec::new(),
                    audit_event: Vec::new(),
                    flags: Vec::new(),
                    v3: vec![found.trace_id],
                },
            })
        }
    }
}

const UNSCHEDULED_NOTE: &str = "unscheduled lookup: this access is recorded in the record's access history, and the responsible local authority is notified";

pub async fn run(ctx: &super::Ctx, args: LookupArgs) -> Result<()> {
    // Nowhere to show the answer: refuse before anything is sent (an unscheduled lookup
    // would notify for nothing).
    render::require_stdout()?;
    let on_stdin = number_on_stdin(&args.nhs_number)?;
    let given = if on_stdin {
        None
    } else {
        several_numbers(&args.nhs_number)?;
        Some(parse_number(&args.nhs_number, args.no_validate)?)
    };
    let care = care_setting(&args, ctx.settings.care_setting.as_ref().map(|c| c.value))?;
    let dob = parse_dob(args.dob.as_deref())?;
    // `lookup -`: the number is on standard input, so "Is this the patient?" cannot be asked
    // there: an unscheduled lookup needs --dob or --yes, refused before anything is read or
    // sent.
    if on_stdin && care == CareSetting::Unscheduled && dob.is_none() && !args.yes {
        return Err(stdin_taken(
            "the NHS number (`lookup -`)",
            "An unscheduled lookup with the number on standard input needs --dob YYYY-MM-DD (checked against PDS) or --yes (once the patient has been checked)",
        ));
    }
    let requested = match given {
        Some(n) => n,
        None => number_from_stdin(args.no_validate)?,
    };
    let verify = !args.no_pds && ctx.settings.verify_on_pds;
    if args.curl {
        return curl(ctx, &requested, care, verify).await;
    }
    if dob.is_some() && !verify {
        return Err(Error::usage(
            "--dob is checked against PDS, and PDS is not asked (--no-pds or verify_on_pds = false)",
        )
        .with_hint("nothing was sent. Drop --no-pds to check the date of birth, or confirm the patient another way"));
    }
    let conn = ctx.connect().await?;
    let token = ctx.token_source(&conn).await?;
    // The role comes first: a user who may not make this lookup is told so, not asked to
    // confirm a patient.
    check_role(&token, care)?;
    // Refused before anything is sent when the patient could not be confirmed anyway; with
    // less assurance (no PDS) the same question is asked, never fewer.
    if care == CareSetting::Unscheduled && dob.is_none() && !args.yes && !crate::prompt::can_ask() {
        return Err(unconfirmed());
    }
    // Refused before anything is sent: a route that cannot serve this care setting.
    if care == CareSetting::Unscheduled && ctx.settings.route.value == Route::Flags {
        return Err(crate::flags::unscheduled_refused());
    }
    if ctx.settings.route.value == Route::V3 {
        super::v3route::preflight(ctx, &conn, &token, care)?;
    }
    let renewal = Renewal::new(ctx, &conn, token);
    let today = crate::timeutil::today_days();

    let (patient_report, nhs, record) = if !verify {
        ctx.note("not verified on PDS (--no-pds or verify_on_pds = false): make sure this is the right child");
        let report = PatientReport::unverified(&requested.digits());
        if care == CareSetting::Unscheduled {
            confirm_patient(&report, false, args.yes).await?;
            ctx.note(UNSCHEDULED_NOTE);
        }
        let found = care_record(ctx, &renewal, &requested, care, today).await?;
        (report, requested, found)
    } else if care == CareSetting::Scheduled {
        // A silent read: PDS and both CP-IS searches at once, one round trip.
        let (outcome, found) = tokio::join!(
            renewal.patient(&requested),
            care_record(ctx, &renewal, &requested, care, today)
        );
        let patient = accept(outcome?, &requested)?;
        check_dob(&patient, dob.as_deref())?;
        let current = current_number(&patient)?;
        let found = if patient.superseded {
            note_superseded(ctx, &requested, &current);
            care_record(ctx, &renewal, &current, care, today).await?
        } else {
            found?
        };
        (PatientReport::verified(&patient, today), current, found)
    } else {
        // Unscheduled: nothing that notifies a local authority before the patient is known.
        let outcome = renewal.patient(&requested).await?;
        let patient = accept(outcome, &requested)?;
        check_dob(&patient, dob.as_deref())?;
        let report = PatientReport::verified(&patient, today);
        confirm_patient(&report, dob.is_some(), args.yes).await?;
        let current = current_number(&patient)?;
        if patient.superseded {
            note_superseded(ctx, &requested, &current);
        }
        ctx.note(UNSCHEDULED_NOTE);
        let found = care_record(ctx, &renewal, &current, care, today).await?;
        (report, current, found)
    };
    let base_url = conn.base.as_str().trim_end_matches('/').to_string();
    let unnamed = record.unnamed;
    let warnings: Vec<String> = (unnamed > 0)
        .then(|| {
            format!(
                "{unnamed} result(s) in the answer name no patient: shown as the service sent them; check they are about this child"
            )
        })
        .into_iter()
        .collect();
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    if args.raw {
        // The bundles carry no environment: say it on stderr.
        let what = if ctx.settings.route.value == Route::V3 {
            "the raw HL7 V3 reply document"
        } else {
            "raw FHIR bundles"
        };
        ctx.note(&format!(
            "{what} from environment {} ({base_url})",
            ctx.settings.environment_label(),
        ));
        let mut out = String::new();
        for body in &record.raw {
            // The same JSON, with anything that could play tricks on a terminal escaped.
            out.push_str(&crate::sanitize::json_text(&String::from_utf8_lossy(body)));
            if !out.ends_with('\n') {
                out.push('\n');
            }
        }
        return Ok(render::print_stdout(&out)?);
    }

    let plans = record.plans;
    let report = LookupReport {
        nhs_number: nhs.digits(),
        environment: ctx.settings.environment_label().to_string(),
        base_url,
        care_setting: care.as_str().to_string(),
        has_plan: !plans.is_empty(),
        has_active_plan: plans.iter().any(|p| p.active),
        plans,
        access_history_available: record.access_history.is_some(),
        access_history: record.access_history,
        route: ctx.settings.route.value.as_str().to_string(),
        trace_ids: record.trace_ids,
        acting_as: renewal.token().await.acting_as(),
        patient: patient_report,
        warnings,
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
        Some(crate::secret::Secret::new("$CPIS_ACCESS_TOKEN")),
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
    ctx.note(&crate::paste::paste_ready(
        "nothing was sent; set CPIS_ACCESS_TOKEN to the access token before running these: export CPIS_ACCESS_TOKEN=\"$(cpis auth token)\"",
    ));
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
            Some(crate::secret::Secret::new("$CPIS_ACCESS_TOKEN")),
            ctx.settings.timeout.value,
            ctx.notifier(),
        )?
        .session_urid(urid.as_deref())?;
        out.push_str(&crate::pds::Client::new(api, base).curl_command(nhs, cacert.as_deref()));
    }
    match ctx.settings.route.value {
        Route::Fhir => out.push_str(&client.curl_commands(nhs, care, cacert.as_deref())),
        Route::Flags => {
            if care == CareSetting::Unscheduled {
                return Err(crate::flags::unscheduled_refused());
            }
            let base = ctx.flags_base(&conn)?;
            let api = crate::cpis::Client::new(
                conn.http.clone(),
                base.as_str(),
                Some(crate::secret::Secret::new("$CPIS_ACCESS_TOKEN")),
                ctx.settings.timeout.value,
                ctx.notifier(),
            )?
            .session_urid(urid.as_deref())?;
            out.push_str(
                &crate::flags::Client::new(api, base, &ctx.settings.flags_path.value)
                    .curl_command(nhs, cacert.as_deref()),
            );
        }
        Route::V3 => out.push_str(&super::v3route::curl(
            ctx,
            &conn,
            nhs,
            care,
            cacert.as_deref(),
        )?),
    }
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
