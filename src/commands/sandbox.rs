//! `cpis sandbox serve` and `cpis sandbox patients`.

use std::time::Duration;

use crate::cli::{Format, PatientsArgs, ServeArgs};
use crate::error::{Error, Kind, Result};
use crate::private;
use crate::render;
use crate::sandbox;

pub async fn serve(ctx: &super::Ctx, args: ServeArgs) -> Result<()> {
    if !args.addr.ip().is_loopback() && !args.allow_remote {
        return Err(Error::usage(format!(
            "refusing to listen on {}: it is not a loopback address, so anyone who can reach it could use the sandbox",
            args.addr
        ))
        .with_hint(format!(
            "listen on loopback (e.g. --addr 127.0.0.1:{}), or pass --allow-remote to listen on {} anyway",
            args.addr.port(),
            args.addr
        )));
    }
    // Registered applications: a bad JWKS file is the user's error, found before listening.
    let mut apps = Vec::new();
    for r in &args.apps.0 {
        apps.push(sandbox::oauth::Application::from_jwks_file(
            &r.api_key,
            &r.jwks,
            r.nominated_person.as_deref(),
            r.nominated_role.as_deref(),
        )?);
    }
    // Before anything is created: a stop signal from now on ends the server cleanly, and the
    // temporary directory is removed on the way out.
    let stop = super::stop_signal()?;
    let mut ca_path = None;
    // With --tls and no --tls-dir: a fresh private directory, removed when this is dropped.
    let mut temp_dir = None;
    let mut tls = None;
    if args.tls {
        let dir = match &args.tls_dir {
            Some(d) => {
                private::ensure_private_dir(d).map_err(|e| match e.hint.clone() {
                    Some(h) if e.kind == Kind::Usage => {
                        e.with_hint(format!("{h}, or omit --tls-dir for a fresh private one"))
                    }
                    _ => e,
                })?;
                d.clone()
            }
            None => {
                let t = private::private_temp_dir("cpis-sandbox-")?;
                let d = t.path().to_path_buf();
                temp_dir = Some(t);
                d
            }
        };
        let material = sandbox::tls::generate_with(args.tls_fault)?;
        let path = dir.join("ca.pem");
        private::write_private(&path, material.ca_pem.as_bytes())?;
        ca_path = Some(path);
        tls = Some(material.server_config);
    }
    let running = sandbox::start(
        args.addr,
        sandbox::Options {
            delay: Duration::from_millis(args.delay_ms),
            clock_offset_secs: args.clock_offset_secs,
            tls,
            require_auth: args.require_auth,
            apps,
            rate_limit: args.rate_limit,
            alert_fault: args.alert_fault,
            token_uses: args.token_uses,
            flags_ignore_code: args.flags_ignore_code,
        },
    )
    .await?;

    // Machine-readable lines first, on stdout; flushed so a parent process can read them.
    let mut lines = format!("base_url: {}\n", running.base_url);
    if let Some(p) = &ca_path {
        lines.push_str(&format!("ca_bundle: {}\n", p.display()));
    }
    crate::ui::print_stdout(&lines)?;

    if !args.addr.ip().is_loopback() {
        ctx.note("listening beyond loopback: anyone who can reach this address can use the sandbox (synthetic data only)");
    }
    if !ctx.settings.quiet {
        let ca = ca_path
            .as_ref()
            .map(|p| format!(" --ca-bundle {}", p.display()))
            .unwrap_or_default();
        let token_url = format!(
            "{}/oauth2/token",
            running
                .base_url
                .trim_end_matches(sandbox::server::BASE_PATH)
        );
        let try_it = if args.require_auth {
            format!(
                "--require-auth: every search needs 'Authorization: Bearer TOKEN' with a token from {token_url}\n\
                 Sign in as a smartcard user of the mock CIS2 (see README, \"The embedded sandbox\"):\n  \
                 CPIS_CIS2_CLIENT_SECRET={} CPIS_CLIENT_SECRET={} cpis --base-url {base}{ca} auth login --user \\\n    \
                 --cis2-issuer {origin}{} --cis2-client-id {} --api-key {} --kid KID --private-key KEY.pem\n\
                 (KEY.pem and KID: `cpis auth keygen --kid KID`, registered here with --register-app {} --jwks KID.jwks.json)",
                sandbox::app::CIS2_CLIENT_SECRET,
                sandbox::app::CLIENT_SECRET,
                sandbox::app::CIS2_ISSUER_PATH,
                sandbox::app::CIS2_CLIENT_ID,
                sandbox::app::API_KEY,
                sandbox::app::API_KEY,
                base = running.base_url,
                origin = running.base_url.trim_end_matches(sandbox::server::BASE_PATH),
            )
        } else {
            format!(
                "Try: CPIS_ACCESS_TOKEN=sandbox cpis --base-url {}{ca} lookup 9990000026 --scheduled\n\
                 (any well-formed token will do; a base URL always needs a credential)",
                running.base_url
            )
        };
        crate::ui::message(&format_args!(
            "CP-IS sandbox (synthetic patients only) listening on {}\n\
             {try_it}\n\
             Signed-JWT sign-in: {token_url} (built-in application: API key {}, kid {}).\n\
             Patients: cpis sandbox patients. Stop with Ctrl-C.",
            running.base_url,
            sandbox::app::API_KEY,
            sandbox::app::KID,
        ));
    }
    stop.await;
    // Stop accepting, then remove the temporary directory (if any) with the CA in it. A CA
    // written to --tls-dir stays: that directory is the user's.
    drop(running);
    drop(temp_dir);
    Ok(())
}

/// Every patient `sandbox patients` lists, as JSON: the CP-IS patients with their plans (each
/// plan also in `lookup --format json`'s shape: `code`, `display`, `active`,
/// `office_hours_phone`, `emergency_duty_phone`; `local_authority` stays the object it always
/// was), then the numbers that exist to show one PDS classification each (`plans` empty,
/// `pds_shows` saying what).
fn patients_json() -> serde_json::Value {
    use serde_json::{json, Value};
    let today = crate::timeutil::today_days();
    let mut all: Vec<Value> = sandbox::patients::PATIENTS
        .iter()
        .map(|p| {
            let mut v = serde_json::to_value(p).unwrap_or(Value::Null);
            if let Some(plans) = v["plans"].as_array_mut() {
                for (plan, spec) in plans.iter_mut().zip(p.plans) {
                    let (code, display) = spec.kind.code();
                    plan["code"] = json!(code);
                    plan["display"] = json!(display);
                    plan["active"] = json!(crate::cpis::model::is_active(
                        Some(spec.start),
                        spec.end,
                        today
                    ));
                    plan["office_hours_phone"] = json!(spec.local_authority.office_hours);
                    plan["emergency_duty_phone"] = json!(spec.local_authority.emergency_duty);
                }
            }
            v["pds_shows"] = Value::Null;
            v
        })
        .collect();
    all.extend(sandbox::pds::CASES.iter().map(|r| {
        json!({
            "nhs_number": r.nhs_number,
            "name": null,
            "shows": r.shows,
            "behaviour": "pds-case",
            "plans": [],
            "pds_shows": r.shows,
        })
    }));
    Value::Array(all)
}

pub fn patients(args: PatientsArgs) -> Result<()> {
    let list = sandbox::patients::PATIENTS;
    let format = if args.json { Format::Json } else { args.format };
    let text = match format {
        Format::Json => render::json(&patients_json()),
        Format::Csv => {
            let mut rows = vec![vec![
                "nhs_number".to_string(),
                "name".to_string(),
                "behaviour".to_string(),
                "shows".to_string(),
            ]];
            rows.extend(list.iter().map(|p| {
                vec![
                    p.nhs_number.to_string(),
                    p.name.to_string(),
                    serde_json::to_value(p.behaviour)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    p.shows.to_string(),
                ]
            }));
            render::csv(&rows)
        }
        Format::Table => {
            let mut t = render::new_table(&["NHS number", "Name", "Shows"]);
            for p in list {
                t.add_row(vec![p.nhs_number, p.name, p.shows]);
            }
            let mut pds = render::new_table(&["NHS number", "PDS shows"]);
            for r in sandbox::pds::CASES {
                pds.add_row(vec![r.nhs_number, r.shows]);
            }
            format!(
                "Synthetic patients of the embedded sandbox (`cpis lookup NUMBER --scheduled`):\n{t}\n\
                 Each has a PDS record (999 000 0034 restricted R, 999 000 0069 very restricted V, 999 000 0042 the mother's). \
                 These numbers show one PDS classification each:\n{pds}\n\
                 Also \"no record\" (an empty searchset): every Modulus-11-valid number from 999 010 0000 to 999 999 9999, for batch runs.\n\
                 Any other number gets an error: the sandbox never answers \"no plan\" for a number it does not know.\n"
            )
        }
    };
    Ok(render::print_stdout(&text)?)
}
