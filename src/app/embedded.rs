//! The embedded sandbox's commands below the command line: where `sandbox serve` may listen,
//! the applications registered with it, its TLS material, and every patient `sandbox
//! patients` lists.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::error::{Error, Kind, Result};
use crate::private;
use crate::sandbox;

/// An application registered with `sandbox serve --register-app KEY --jwks FILE`.
pub(crate) struct Registration<'a> {
    pub api_key: &'a str,
    pub jwks: &'a Path,
    pub nominated_person: Option<&'a str>,
    pub nominated_role: Option<&'a str>,
}

/// Listening beyond loopback is refused unless `--allow-remote`.
pub(crate) fn refuse_remote(addr: SocketAddr, allow_remote: bool) -> Result<()> {
    if !addr.ip().is_loopback() && !allow_remote {
        return Err(Error::usage(format!(
            "refusing to listen on {}: it is not a loopback address, so anyone who can reach it could use the sandbox",
            addr
        ))
        .with_hint(format!(
            "listen on loopback (e.g. --addr 127.0.0.1:{}), or pass --allow-remote to listen on {} anyway",
            addr.port(),
            addr
        )));
    }
    Ok(())
}

/// Registered applications: a bad JWKS file is the user's error, found before listening.
pub(crate) fn registered_apps(
    registrations: &[Registration],
) -> Result<Vec<sandbox::oauth::Application>> {
    let mut apps = Vec::new();
    for r in registrations {
        apps.push(sandbox::oauth::Application::from_jwks_file(
            r.api_key,
            r.jwks,
            r.nominated_person,
            r.nominated_role,
        )?);
    }
    Ok(apps)
}

/// With `--tls`: the server's certificate, and its CA written to `ca.pem` in `--tls-dir` or
/// in a fresh private directory (removed when `temp_dir` is dropped).
#[derive(Default)]
pub(crate) struct Tls {
    /// Where the CA certificate was written.
    pub ca_path: Option<PathBuf>,
    /// The fresh private directory it was written in, removed when this is dropped.
    pub temp_dir: Option<tempfile::TempDir>,
    /// The server's TLS configuration.
    pub config: Option<std::sync::Arc<rustls::ServerConfig>>,
}

pub(crate) fn tls(
    enabled: bool,
    tls_dir: Option<&Path>,
    fault: Option<sandbox::tls::Fault>,
) -> Result<Tls> {
    if !enabled {
        return Ok(Tls::default());
    }
    let mut temp_dir = None;
    let dir = match tls_dir {
        Some(d) => {
            private::ensure_private_dir(d).map_err(|e| match e.hint.clone() {
                Some(h) if e.kind == Kind::Usage => {
                    e.with_hint(format!("{h}, or omit --tls-dir for a fresh private one"))
                }
                _ => e,
            })?;
            d.to_path_buf()
        }
        None => {
            let t = private::private_temp_dir("cpis-sandbox-")?;
            let d = t.path().to_path_buf();
            temp_dir = Some(t);
            d
        }
    };
    let material = sandbox::tls::generate_with(fault)?;
    let path = dir.join("ca.pem");
    private::write_private(&path, material.ca_pem.as_bytes())?;
    Ok(Tls {
        ca_path: Some(path),
        temp_dir,
        config: Some(material.server_config),
    })
}

/// Every patient `sandbox patients` lists, as JSON: the CP-IS patients with their plans (each
/// plan also in `lookup --format json`'s shape: `code`, `display`, `active`,
/// `office_hours_phone`, `emergency_duty_phone`; `local_authority` stays the object it always
/// was), then the numbers that exist to show one PDS classification each (`plans` empty,
/// `pds_shows` saying what).
pub(crate) fn patients_json() -> serde_json::Value {
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
                    plan["active"] = json!(crate::api::record::is_active(
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
