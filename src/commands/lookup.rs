//! `cpis lookup`: one NHS number, both searches concurrently, rendered for people or scripts.

use crate::cli::{Format, LookupArgs};
use crate::cpis::model;
use crate::cpis::CareSetting;
use crate::error::{Error, Result};
use crate::nhs_number::NhsNumber;
use crate::render::{self, lookup::LookupReport, lookup::TraceIds};

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

pub async fn run(ctx: &super::Ctx, args: LookupArgs) -> Result<()> {
    let nhs = parse_number(&args.nhs_number, args.no_validate)?;
    let care = care_setting(&args, ctx.settings.care_setting.as_ref().map(|c| c.value))?;
    if args.curl {
        return curl(ctx, &nhs, care).await;
    }
    let (mut client, conn, mut token) = ctx.cpis_client().await?;
    check_role(&token, care)?;
    if care == CareSetting::Unscheduled {
        ctx.note("unscheduled lookup: this access is recorded in the record's access history, and the responsible local authority is notified");
    }
    let (care_team, audit) = match client.lookup(&nhs, care).await {
        // The API platform refused the token before CP-IS saw the request (nothing was
        // recorded or notified): get a new one, once, and try once more.
        Err(e) if e.trace.http_status == Some(401) && token.renewable() => {
            ctx.note("the service refused the access token (HTTP 401): getting a new one and trying once more");
            token = ctx.renewed_token(&conn).await?;
            client = ctx.client_with(&conn, &token)?;
            client.lookup(&nhs, care).await?
        }
        r => r?,
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

    let today = crate::timeutil::today_days();
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
    Ok(render::print_stdout(&client.curl_commands(
        nhs,
        care,
        cacert.as_deref(),
    ))?)
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
