//! The keys a profile can hold, as one table ([`KEYS`]): each key's name in `config.toml`
//! and on the command line, what it means, how a value given for it is checked, and how it
//! is read back from a profile. `ConfigKey::ALL`, `name`, `describe`, [`check_value`] and
//! [`get_key`] all read this table.

use super::*;

/// One key of the table.
pub(super) struct Key {
    pub key: ConfigKey,
    pub name: &'static str,
    pub describe: &'static str,
    /// The value given (the key's name for messages), as it is stored in `config.toml`.
    pub check: fn(&str, &str) -> Result<toml_edit::Value>,
    /// The value a profile holds, as `config get` shows it.
    pub get: fn(&Profile) -> Option<String>,
}

/// Every key, in the order of `ConfigKey` (checked at compile time below).
pub(super) const KEYS: [Key; 27] = [
    Key {
        key: ConfigKey::Env,
        name: "env",
        describe: "local, sandbox, int or prod",
        check: |_, v| Ok(parse_env_name(v)?.as_str().into()),
        get: |p| p.env.map(|e| e.as_str().to_string()),
    },
    Key {
        key: ConfigKey::BaseUrl,
        name: "base_url",
        describe: "CP-IS FHIR base URL",
        check: |_, v| url_value("base URL", v),
        get: |p| p.base_url.clone(),
    },
    Key {
        key: ConfigKey::CareSetting,
        name: "care_setting",
        describe: "scheduled or unscheduled",
        check: |_, v| care_setting_value(v),
        get: |p| p.care_setting.map(|c| c.as_str().to_string()),
    },
    Key {
        key: ConfigKey::CaBundle,
        name: "ca_bundle",
        describe: "path of extra CA certificates (PEM)",
        check: |_, v| path_value(v),
        get: |p| p.ca_bundle.as_ref().map(|p| p.display().to_string()),
    },
    Key {
        key: ConfigKey::Timeout,
        name: "timeout",
        describe: "request timeout in seconds",
        check: |_, v| timeout_value(v),
        get: |p| p.timeout.map(|t| t.to_string()),
    },
    Key {
        key: ConfigKey::CredentialStore,
        name: "credential_store",
        describe: "where secrets are kept: keyring (default) or file (opt-in, for headless machines)",
        check: |_, v| Ok(parse_backend(v)?.as_str().into()),
        get: |p| p.credential_store.map(|b| b.as_str().to_string()),
    },
    Key {
        key: ConfigKey::TokenUrl,
        name: "token_url",
        describe: "the NHS API platform's token endpoint for a sign-in [default: {host}/oauth2/token]",
        check: url_value,
        get: |p| p.token_url.clone(),
    },
    Key {
        key: ConfigKey::ApiKey,
        name: "api_key",
        describe: "the platform application's API key (auth login --system/--user)",
        check: one_line_value,
        get: |p| p.api_key.clone(),
    },
    Key {
        key: ConfigKey::Kid,
        name: "kid",
        describe: "the key id of the application's signing key",
        check: one_line_value,
        get: |p| p.kid.clone(),
    },
    Key {
        key: ConfigKey::PrivateKey,
        name: "private_key",
        describe: "path of the application's RSA private key (PEM)",
        check: one_line_value,
        get: |p| p.private_key.as_ref().map(|p| p.display().to_string()),
    },
    Key {
        key: ConfigKey::Cis2Issuer,
        name: "cis2_issuer",
        describe: "NHS CIS2's issuer URL [default: the environment's]",
        check: url_value,
        get: |p| p.cis2_issuer.clone(),
    },
    Key {
        key: ConfigKey::Cis2ClientId,
        name: "cis2_client_id",
        describe: "this application's CIS2 client id",
        check: one_line_value,
        get: |p| p.cis2_client_id.clone(),
    },
    Key {
        key: ConfigKey::RedirectPort,
        name: "redirect_port",
        describe: "the loopback port of the registered CIS2 redirect URI",
        check: |_, v| port_value(v),
        get: |p| p.redirect_port.map(|p| p.to_string()),
    },
    Key {
        key: ConfigKey::AlertBaseUrl,
        name: "alert_base_url",
        describe: "base URL that missed-appointment alerts are POSTed under [default: the CP-IS base URL]",
        check: url_value,
        get: |p| p.alert_base_url.clone(),
    },
    Key {
        key: ConfigKey::PdsBaseUrl,
        name: "pds_base_url",
        describe: "PDS FHIR base URL [default: the CP-IS base's origin + /personal-demographics/FHIR/R4]",
        check: url_value,
        get: |p| p.pds_base_url.clone(),
    },
    Key {
        key: ConfigKey::VerifyOnPds,
        name: "verify_on_pds",
        describe: "verify each patient on PDS before CP-IS: true (default) or false",
        check: |_, v| bool_value(v),
        get: |p| p.verify_on_pds.map(|b| b.to_string()),
    },
    Key {
        key: ConfigKey::Route,
        name: "route",
        describe: "the route to CP-IS: fhir (the CP-IS FHIR API, default), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only)",
        check: |_, v| route_value(v),
        get: |p| p.route.map(|r| r.as_str().to_string()),
    },
    Key {
        key: ConfigKey::FlagsBaseUrl,
        name: "flags_base_url",
        describe: "Patient Flags FHIR base URL [default: the CP-IS base's origin + /patient-flags-api/FHIR/R4]",
        check: url_value,
        get: |p| p.flags_base_url.clone(),
    },
    Key {
        key: ConfigKey::FlagsPath,
        name: "flags_path",
        describe: "the Patient Flags search path: Flag (default, the capability statement's) or PatientFlag (the guide's)",
        check: |_, v| flags_path_value(v),
        get: |p| p.flags_path.clone(),
    },
    Key {
        key: ConfigKey::MhsUrl,
        name: "mhs_url",
        describe: "--route v3: the MHS adaptor's outbound endpoint (https://, or http:// on loopback)",
        check: v3_value,
        get: |p| p.mhs_url.clone(),
    },
    Key {
        key: ConfigKey::MhsPlainHttp,
        name: "mhs_plain_http",
        describe: "--route v3: allow plain http:// to an MHS adaptor on the organisation's own network (true/false)",
        check: |_, v| bool_value(v),
        get: |p| p.mhs_plain_http.map(|b| b.to_string()),
    },
    Key {
        key: ConfigKey::Asid,
        name: "asid",
        describe: "--route v3: this system's 12-digit ASID",
        check: v3_value,
        get: |p| p.asid.clone(),
    },
    Key {
        key: ConfigKey::SpineAsid,
        name: "spine_asid",
        describe: "--route v3: the receiving Spine ASID (12 digits, from the Spine directory)",
        check: v3_value,
        get: |p| p.spine_asid.clone(),
    },
    Key {
        key: ConfigKey::OdsCode,
        name: "ods_code",
        describe: "--route v3: the sending organisation's ODS code",
        check: v3_value,
        get: |p| p.ods_code.clone(),
    },
    Key {
        key: ConfigKey::OrgName,
        name: "org_name",
        describe: "--route v3: the sending organisation's name",
        check: v3_value,
        get: |p| p.org_name.clone(),
    },
    Key {
        key: ConfigKey::MhsWaitHeader,
        name: "mhs_wait_header",
        describe: "--route v3: the adaptor's wait header [default: wait-for-response; older adaptors: sync-async]",
        check: v3_value,
        get: |p| p.mhs_wait_header.clone(),
    },
    Key {
        key: ConfigKey::NominatedRoleCode,
        name: "nominated_role_code",
        describe: "--route v3: the system's nominated person's job role code, e.g. R8000",
        check: v3_value,
        get: |p| p.nominated_role_code.clone(),
    },
];

// The table is in the order of the enum, so a key finds its row by its discriminant.
const _: () = {
    let mut i = 0;
    while i < KEYS.len() {
        assert!(
            KEYS[i].key as usize == i,
            "KEYS is out of the order of ConfigKey"
        );
        i += 1;
    }
};

impl ConfigKey {
    pub const ALL: [ConfigKey; 27] = {
        let mut all = [ConfigKey::Env; 27];
        let mut i = 0;
        while i < all.len() {
            all[i] = KEYS[i].key;
            i += 1;
        }
        all
    };

    fn row(self) -> &'static Key {
        &KEYS[self as usize]
    }

    /// The key as written in `config.toml` and on the command line.
    pub fn name(self) -> &'static str {
        self.row().name
    }

    pub fn describe(self) -> &'static str {
        self.row().describe
    }
}

/// Check a value for `key` and return it as it is stored in `config.toml`.
pub fn check_value(key: ConfigKey, value: &str) -> Result<toml_edit::Value> {
    (key.row().check)(key.name(), value)
}

pub fn get_key(profile: &Profile, key: ConfigKey) -> Option<String> {
    (key.row().get)(profile)
}

/// A base URL (`what` names it in the error).
fn url_value(what: &str, value: &str) -> Result<toml_edit::Value> {
    check_base_url(value).map_err(|e| Error::usage(format!("{what} {value:?}: {e}")))?;
    Ok(value.into())
}

fn care_setting_value(value: &str) -> Result<toml_edit::Value> {
    Ok(CareSetting::parse(value)
        .ok_or_else(|| Error::usage(format!("{value:?}: use scheduled or unscheduled")))?
        .as_str()
        .into())
}

fn path_value(value: &str) -> Result<toml_edit::Value> {
    if value.trim().is_empty() {
        return Err(Error::usage("ca_bundle needs a path"));
    }
    Ok(value.into())
}

fn timeout_value(value: &str) -> Result<toml_edit::Value> {
    let t: u64 = value
        .trim()
        .parse()
        .ok()
        .filter(|t| *t > 0 && *t <= i64::MAX as u64)
        .ok_or_else(|| {
            Error::usage(format!(
                "{value:?} is not a whole number of seconds above 0"
            ))
        })?;
    Ok((t as i64).into())
}

/// A value on one line (an API key, a key id, a client id, a path).
fn one_line_value(name: &str, value: &str) -> Result<toml_edit::Value> {
    if value.trim().is_empty() || value.chars().any(char::is_control) {
        return Err(Error::usage(format!("{name} needs a value on one line")));
    }
    Ok(value.into())
}

fn route_value(value: &str) -> Result<toml_edit::Value> {
    Ok(route::Route::parse(value)
        .ok_or_else(|| Error::usage(format!("{value:?}: use fhir, flags or v3")))?
        .as_str()
        .into())
}

fn flags_path_value(value: &str) -> Result<toml_edit::Value> {
    let p = value.trim().trim_matches('/');
    if p.is_empty()
        || !p
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
    {
        return Err(Error::usage(format!(
            "flags_path {value:?}: one path segment of letters and digits, e.g. Flag or PatientFlag"
        )));
    }
    Ok(p.into())
}

/// A setting of the V3 route, checked by its own rules.
fn v3_value(name: &str, value: &str) -> Result<toml_edit::Value> {
    Ok(v3::check_value(name, value).map_err(Error::usage)?.into())
}

fn bool_value(value: &str) -> Result<toml_edit::Value> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" => Ok(true.into()),
        "false" | "no" | "off" => Ok(false.into()),
        _ => Err(Error::usage(format!("{value:?}: use true or false"))),
    }
}

fn port_value(value: &str) -> Result<toml_edit::Value> {
    let p: u16 = value
        .trim()
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| Error::usage(format!("{value:?} is not a port (1-65535)")))?;
    Ok(i64::from(p).into())
}
