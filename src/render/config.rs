//! `cpis config show`: every setting in effect with its source, as a table or as JSON
//! (where a missing value is `null` with a `note`, never prose in place of a URL). Pure.

use serde_json::json;

use crate::config::{Settings, Source, Sourced};

/// One row of `config show`: the value (or none, with a note saying what applies instead),
/// and where it came from.
pub struct Row {
    key: &'static str,
    value: Option<String>,
    source: String,
    note: Option<String>,
}

fn row(key: &'static str, value: Option<String>, source: &Source, note: &str) -> Row {
    let set = value.is_some();
    Row {
        key,
        value,
        source: if set {
            source.to_string()
        } else {
            "not set".into()
        },
        note: (!set && !note.is_empty()).then(|| note.to_string()),
    }
}

fn sourced<T: ToString>(key: &'static str, v: Option<&Sourced<T>>, note: &str) -> Row {
    match v {
        Some(s) => row(key, Some(s.value.to_string()), &s.source, ""),
        None => row(key, None, &Source::Default, note),
    }
}

/// Every setting in effect, each with its source, in the order shown.
pub fn rows(s: &Settings) -> Vec<Row> {
    [endpoint, signin, routes, v3, dirs]
        .iter()
        .flat_map(|group| group(s))
        .collect()
}

fn dir(d: Option<&std::path::Path>) -> Option<String> {
    d.map(|d| d.display().to_string())
}

/// The profile, the endpoint and the connection.
fn endpoint(s: &Settings) -> Vec<Row> {
    let e = &s.endpoint;
    vec![
        sourced("profile", Some(&s.profile), ""),
        row("env", Some(e.label().to_string()), &e.source, ""),
        // One resolved endpoint: env and base_url name the same source, set or not.
        Row {
            source: e.source.to_string(),
            ..row(
                "base_url",
                e.base_url.clone(),
                &e.source,
                "the embedded sandbox, started on loopback for each command",
            )
        },
        sourced(
            "care_setting",
            s.care_setting
                .as_ref()
                .map(|c| Sourced {
                    value: c.value.as_str(),
                    source: c.source.clone(),
                })
                .as_ref(),
            "none: each lookup must say --scheduled or --unscheduled",
        ),
        sourced(
            "ca_bundle",
            s.ca_bundle
                .as_ref()
                .map(|c| Sourced {
                    value: c.value.display().to_string(),
                    source: c.source.clone(),
                })
                .as_ref(),
            "the platform's root certificates only (plus SSL_CERT_FILE/SSL_CERT_DIR)",
        ),
        row(
            "timeout",
            Some(s.timeout.value.as_secs().to_string()),
            &s.timeout.source,
            "",
        ),
        row(
            "access_token",
            s.token.as_ref().map(|_| "(set)".to_string()),
            &Source::EnvVar("CPIS_ACCESS_TOKEN"),
            "none: the stored sign-in, if any, is used",
        ),
        sourced(
            "credential_store",
            Some(&Sourced {
                value: s.credential_store.value.as_str(),
                source: s.credential_store.source.clone(),
            }),
            "",
        ),
        sourced(
            "token_url",
            s.token_url.as_ref(),
            "derived from the endpoint: {origin}/oauth2/token",
        ),
    ]
}

/// Sign-in and alerts.
fn signin(s: &Settings) -> Vec<Row> {
    let p = &s.profile_source;
    vec![
        row(
            "api_key",
            s.signin.api_key.clone(),
            p,
            "none: give --api-key to auth login",
        ),
        row(
            "kid",
            s.signin.kid.clone(),
            p,
            "none: give --kid to auth login",
        ),
        row(
            "private_key",
            dir(s.signin.private_key.as_deref()),
            p,
            "none: give --private-key to auth login",
        ),
        row(
            "cis2_issuer",
            s.signin.cis2_issuer.clone(),
            p,
            "the environment's NHS CIS2 issuer",
        ),
        row(
            "cis2_client_id",
            s.signin.cis2_client_id.clone(),
            p,
            "none: give --cis2-client-id to auth login --user",
        ),
        row(
            "redirect_port",
            s.signin.redirect_port.map(|p| p.to_string()),
            p,
            "a free loopback port, chosen at sign-in",
        ),
        row(
            "alert_base_url",
            s.alert_base_url.clone(),
            p,
            "the CP-IS base URL in use",
        ),
    ]
}

/// PDS and the route to CP-IS.
fn routes(s: &Settings) -> Vec<Row> {
    vec![
        sourced(
            "pds_base_url",
            s.pds_base_url.as_ref(),
            "beside CP-IS: the base URL's origin + /personal-demographics/FHIR/R4",
        ),
        row(
            "verify_on_pds",
            Some(s.verify_on_pds.to_string()),
            &s.verify_on_pds_source,
            "",
        ),
        row(
            "route",
            Some(s.route.value.as_str().to_string()),
            &s.route.source,
            "",
        ),
        sourced(
            "flags_base_url",
            s.flags_base_url.as_ref(),
            "beside CP-IS: the base URL's origin + /patient-flags-api/FHIR/R4",
        ),
        row(
            "flags_path",
            Some(s.flags_path.value.clone()),
            &s.flags_path.source,
            "",
        ),
    ]
}

/// The HL7 V3 route.
fn v3(s: &Settings) -> Vec<Row> {
    let p = &s.profile_source;
    vec![
        sourced(
            "mhs_url",
            s.v3.mhs_url.as_ref(),
            "none: --route v3 needs it (the embedded sandbox plays an MHS adaptor)",
        ),
        row(
            "mhs_plain_http",
            Some(s.v3.plain_http.to_string()),
            if s.v3.plain_http_set {
                p
            } else {
                &Source::Default
            },
            "",
        ),
        row("asid", s.v3.asid.clone(), p, "none: --route v3 needs it"),
        row(
            "spine_asid",
            s.v3.spine_asid.clone(),
            p,
            "none: --route v3 needs it (from the Spine directory)",
        ),
        row(
            "ods_code",
            s.v3.ods_code.clone(),
            p,
            "none: --route v3 needs it",
        ),
        row(
            "org_name",
            s.v3.org_name.clone(),
            p,
            "none: --route v3 needs it",
        ),
        row(
            "mhs_wait_header",
            Some(s.v3.wait_header().to_string()),
            if s.v3.wait_header.is_some() {
                p
            } else {
                &Source::Default
            },
            "",
        ),
        row(
            "nominated_role_code",
            s.v3.nominated_role_code.clone(),
            p,
            "none: --route v3 with a system sign-in needs it (or auth login --nominated-role-code)",
        ),
    ]
}

/// Where state and configuration are kept.
fn dirs(s: &Settings) -> Vec<Row> {
    vec![
        row(
            "data_dir",
            dir(s.data_dir.as_deref()),
            &s.data_dir_source,
            "none: set CPIS_DATA_DIR or HOME",
        ),
        row(
            "config_dir",
            dir(s.config_path.as_deref().and_then(|c| c.parent())),
            &s.config_dir_source,
            "none: set CPIS_CONFIG_DIR or HOME",
        ),
    ]
}

/// `config show --json`.
pub fn json(s: &Settings, rows: &[Row]) -> String {
    let mut m = serde_json::Map::new();
    m.insert(
        "config_file".into(),
        json!(s.config_path.as_ref().map(|p| p.display().to_string())),
    );
    for r in rows {
        let mut v = json!({"value": r.value, "source": r.source});
        if let Some(n) = &r.note {
            v["note"] = json!(n);
        }
        m.insert(r.key.to_string(), v);
    }
    super::json(&m)
}

/// `config show`, for people.
pub fn table(s: &Settings, rows: &[Row], term: &crate::ui::Terminal) -> String {
    let mut t = super::new_table(&["Setting", "Value", "From"], term);
    for r in rows {
        let value = match (&r.value, &r.note) {
            (Some(v), _) => crate::sanitize::sanitize(v),
            (None, Some(n)) => format!("({n})"),
            (None, None) => String::new(),
        };
        t.add_row(vec![r.key.to_string(), value, r.source.clone()]);
    }
    format!(
        "Configuration file: {}\n{t}\n",
        s.config_path
            .as_ref()
            .map_or("(none)".into(), |p| p.display().to_string())
    )
}
