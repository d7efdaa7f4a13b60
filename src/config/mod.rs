//! Profiles in `config.toml`, and the precedence flag > environment variable > profile > default.
//!
//! The endpoint (environment and base URL) is resolved as **one** setting: the highest-precedence
//! source that names either an environment or a base URL wins as a whole, so what a command
//! shows is always what it talks to.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub(crate) mod care;
pub(crate) mod environment;
mod keys;
mod resolve;
pub(crate) mod route;
pub(crate) mod v3;

use crate::credentials::{Backend, KeyringDouble};
use crate::error::{Error, Result};
use crate::secret::Secret;
use care::CareSetting;
use environment::{check_base_url, EnvName};
pub use keys::{check_value, get_key};
pub use resolve::resolve;

pub const DEFAULT_PROFILE: &str = "default";
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;
/// Longest profile name: names key credential entries and file names.
const MAX_PROFILE_NAME: usize = 64;

/// The contents of `config.toml`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConfigFile {
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// One profile. Unknown keys are ignored on reading so that newer files still load, and kept
/// byte for byte when a value is set (see [`set_in_document`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<EnvName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub care_setting: Option<CareSetting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_bundle: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_store: Option<Backend>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    /// The platform application a sign-in uses (not secrets: the private key is a path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cis2_issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cis2_client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_port: Option<u16>,
    /// Where missed-appointment alerts go, when not under the CP-IS base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_base_url: Option<String>,
    /// PDS FHIR base URL [default: beside the CP-IS base on the same platform origin].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pds_base_url: Option<String>,
    /// Verify every patient on PDS before CP-IS (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_on_pds: Option<bool>,
    /// The route to CP-IS: `fhir` (default) or `flags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<route::Route>,
    /// Patient Flags FHIR base URL [default: beside the CP-IS base on the same origin].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags_base_url: Option<String>,
    /// The Patient Flags search path, `Flag` (default) or `PatientFlag`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags_path: Option<String>,
    /// The HL7 V3 route: the MHS adaptor's outbound endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mhs_url: Option<String>,
    /// Plain HTTP to an MHS adaptor beyond this machine (opt-in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mhs_plain_http: Option<bool>,
    /// This system's ASID (12 digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asid: Option<String>,
    /// The receiving Spine ASID (from the Spine directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spine_asid: Option<String>,
    /// The sending organisation's ODS code and name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ods_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_name: Option<String>,
    /// The adaptor's wait header (`wait-for-response`, or `sync-async` on older adaptors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mhs_wait_header: Option<String>,
    /// The nominated person's job role code (`R8000`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nominated_role_code: Option<String>,
}

/// The keys a profile can hold. Secrets are never stored here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigKey {
    Env,
    BaseUrl,
    CareSetting,
    CaBundle,
    Timeout,
    CredentialStore,
    TokenUrl,
    ApiKey,
    Kid,
    PrivateKey,
    Cis2Issuer,
    Cis2ClientId,
    RedirectPort,
    AlertBaseUrl,
    PdsBaseUrl,
    VerifyOnPds,
    Route,
    FlagsBaseUrl,
    FlagsPath,
    MhsUrl,
    MhsPlainHttp,
    Asid,
    SpineAsid,
    OdsCode,
    OrgName,
    MhsWaitHeader,
    NominatedRoleCode,
}

/// What the command line says, before environment variables and the profile are consulted.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub env: Option<EnvName>,
    pub base_url: Option<String>,
    pub profile: Option<String>,
    pub ca_bundle: Option<PathBuf>,
    pub timeout: Option<u64>,
    pub pds_base_url: Option<String>,
    pub route: Option<route::Route>,
    pub flags_base_url: Option<String>,
    pub mhs_url: Option<String>,
    pub quiet: bool,
    pub verbose: bool,
}

fn parse_env_name(s: &str) -> Result<EnvName> {
    EnvName::parse(s).ok_or_else(|| {
        Error::usage(format!(
            "{s:?} is not an environment: use local, sandbox, int or prod"
        ))
    })
}

fn parse_care_setting(s: &str) -> Result<CareSetting> {
    CareSetting::parse(s).ok_or_else(|| {
        Error::usage(format!(
            "{s:?} is not a care setting: use scheduled or unscheduled"
        ))
    })
}

fn parse_backend(s: &str) -> Result<Backend> {
    Backend::parse(s).ok_or_else(|| {
        Error::usage(format!(
            "{s:?} is not a credential store: use keyring or file"
        ))
    })
}

/// Where a setting came from, for `cpis config show`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag,
    EnvVar(&'static str),
    Profile(String),
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag => f.write_str("flag"),
            Source::EnvVar(v) => write!(f, "environment variable {v}"),
            Source::Profile(p) => write!(f, "profile {p}"),
            Source::Default => f.write_str("default"),
        }
    }
}

/// A value with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

/// Where the tool sends its requests: one resolved value, from which the label every output
/// carries, the base URL and `config show` are all derived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The environment, or `None` for a base URL of no known environment (`custom`).
    pub env: Option<EnvName>,
    /// The CP-IS FHIR base URL; `None` for the embedded sandbox (`local`).
    pub base_url: Option<String>,
    /// The one source the endpoint came from.
    pub source: Source,
}

impl Endpoint {
    /// The label every output carries: the environment's name, or `custom`.
    pub fn label(&self) -> &'static str {
        self.env.map_or("custom", EnvName::as_str)
    }

    /// Is this exactly a named environment's own endpoint (not a refined base URL)?
    pub fn is_standard(&self) -> bool {
        self.env.is_some_and(|e| e.base_url() == self.base_url)
    }

    /// Build the endpoint named by one source. Within a source, `base_url` refines `env`.
    fn from_source(env: Option<EnvName>, base_url: Option<String>, source: Source) -> Result<Self> {
        let Some(raw) = base_url else {
            let env = env.unwrap_or(EnvName::Local);
            return Ok(Endpoint {
                env: Some(env),
                base_url: env.base_url(),
                source,
            });
        };
        let url = check_base_url(&raw)
            .map_err(|e| Error::usage(format!("base URL {raw:?} ({source}): {e}")))?;
        let host_env = url.host_str().and_then(EnvName::from_host);
        let env = match (env, host_env) {
            (Some(EnvName::Local), _) => {
                return Err(Error::usage(format!(
                    "environment local is the embedded sandbox and takes no base URL ({source} names both)"
                ))
                .with_hint("for a sandbox you run yourself, give its base URL without an environment"))
            }
            (Some(named), Some(host)) if named != host => {
                return Err(Error::usage(format!(
                    "environment {named} and base URL {raw:?} disagree: that host is the {host} environment ({source})"
                ))
                .with_hint("name one environment, or give the base URL alone"))
            }
            (Some(named), _) => Some(named),
            // A base URL on a known environment's host is labelled with that environment.
            (None, host) => host,
        };
        Ok(Endpoint {
            env,
            base_url: Some(raw),
            source,
        })
    }
}

/// Everything a command needs to know about where and how to connect.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config_path: Option<PathBuf>,
    pub profile: Sourced<String>,
    pub endpoint: Endpoint,
    pub care_setting: Option<Sourced<CareSetting>>,
    pub ca_bundle: Option<Sourced<PathBuf>>,
    /// Extra CA certificates: `ca_bundle` above, then `SSL_CERT_FILE` and `SSL_CERT_DIR`.
    pub ca_sources: Vec<crate::net::tls::CaSource>,
    pub timeout: Sourced<Duration>,
    /// `CPIS_ACCESS_TOKEN`: wins over any stored credential.
    pub token: Option<Secret>,
    /// Where sign-ins are indexed and the opt-in credential file lives.
    pub data_dir: Option<PathBuf>,
    pub credential_store: Sourced<Backend>,
    /// The token endpoint for a system sign-in, when the profile names one.
    pub token_url: Option<Sourced<String>>,
    /// The profile's `alert_base_url` (checked like a base URL).
    pub alert_base_url: Option<String>,
    /// The profile's sign-in values (flags of `auth login` override them).
    pub signin: Profile,
    /// A test double in place of the OS keyring (builds with the `test-hooks` feature only).
    pub keyring_double: Option<KeyringDouble>,
    pub keyring_timeout: Duration,
    /// On a desktop, where the keyring may be showing an unlock prompt: how long in all a
    /// keyring call may wait for it (`CPIS_KEYRING_UNLOCK_TIMEOUT_MS`); `None` elsewhere.
    pub keyring_unlock_wait: Option<Duration>,
    pub sandbox_delay: Duration,
    /// `--pds-base-url`, else the profile's `pds_base_url`; checked against the endpoint.
    pub pds_base_url: Option<Sourced<String>>,
    /// The profile's `verify_on_pds` (default true).
    pub verify_on_pds: bool,
    /// `--route`, else the profile's `route`, else `fhir`.
    pub route: Sourced<route::Route>,
    /// `--flags-base-url`, else the profile's `flags_base_url`; checked against the endpoint.
    pub flags_base_url: Option<Sourced<String>>,
    /// The profile's `flags_path`, else `Flag`.
    pub flags_path: Sourced<String>,
    /// The HL7 V3 route's settings (`--mhs-url`, the profile's `mhs_url`, `asid`, ...).
    pub v3: v3::Settings,
    /// Said on stderr before the command runs (profile URLs set aside, ...).
    pub warnings: Vec<String>,
    /// Where `verify_on_pds`, the data directory and the configuration directory came from.
    pub verify_on_pds_source: Source,
    pub data_dir_source: Source,
    pub config_dir_source: Source,
    /// Where the profile's own values come from (`profile NAME`).
    pub profile_source: Source,
    pub quiet: bool,
    pub verbose: bool,
}

impl Settings {
    /// The global options to repeat, from the resolved settings: the profile when it is not the
    /// default one, and the endpoint when a flag or an environment variable chose it.
    pub fn global_options(&self) -> String {
        let settings = self;
        let mut parts = Vec::new();
        if settings.profile.source != Source::Default {
            parts.push(format!(
                "--profile {}",
                crate::paste::quote(&settings.profile.value)
            ));
        }
        let e = &settings.endpoint;
        if matches!(e.source, Source::Flag | Source::EnvVar(_)) {
            match (&e.env, &e.base_url) {
                (Some(env), _) if e.is_standard() => parts.push(format!("--env {}", env.as_str())),
                (_, Some(url)) => parts.push(format!("--base-url {}", crate::paste::quote(url))),
                (Some(env), None) => parts.push(format!("--env {}", env.as_str())),
                (None, None) => {}
            }
        }
        parts.join(" ")
    }

    /// The label every output carries (see [`Endpoint::label`]).
    pub fn environment_label(&self) -> &'static str {
        self.endpoint.label()
    }
}

/// Reads environment variables as the operating system holds them: a variable that is set
/// but not valid UTF-8 is an error naming it, never silently treated as unset.
pub struct EnvVars<'a>(pub &'a dyn Fn(&str) -> Option<OsString>);

impl EnvVars<'_> {
    /// A text variable; unset or blank is `None`.
    pub fn text(&self, name: &'static str) -> Result<Option<String>> {
        match (self.0)(name) {
            None => Ok(None),
            Some(v) => match v.into_string() {
                Ok(s) if s.trim().is_empty() => Ok(None),
                Ok(s) => Ok(Some(s)),
                Err(_) => Err(
                    Error::usage(format!("{name} is set but is not valid UTF-8 text"))
                        .with_hint(format!("fix or unset {name}")),
                ),
            },
        }
    }

    /// A path variable, any bytes the OS allows; unset or empty is `None`.
    pub fn path(&self, name: &'static str) -> Option<PathBuf> {
        (self.0)(name).filter(|v| !v.is_empty()).map(PathBuf::from)
    }
}

/// The configuration directory: `CPIS_CONFIG_DIR`, else the platform's config dir + `cpis`.
pub fn config_dir(env: &EnvVars) -> Option<PathBuf> {
    env.path("CPIS_CONFIG_DIR")
        .or_else(|| dirs::config_dir().map(|d| d.join("cpis")))
}

fn file_error(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::usage(format!("cannot read {}: {why}", path.display()))
        .with_hint("fix the file, or remove it and set values again with `cpis config set`")
}

/// The text of `config.toml`, or `None` when there is none. Unreadable or not UTF-8: exit 2.
/// Its directory, when there is one, must be ours and writable by no one else (readable by
/// others is fine: see [`crate::private::open_config_dir`]), and so must the file: what it
/// says decides where requests go.
pub fn read_text(path: &Path) -> Result<Option<String>> {
    use std::io::Read;
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        crate::private::check_config_dir_if_exists(dir)?;
    }
    let mut file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(file_error(path, e)),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = file.metadata().map_err(|e| file_error(path, e))?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        let mode = meta.mode() & 0o7777;
        let why = if meta.uid() != me {
            Some(format!(
                "it is owned by uid {}, not you (uid {me})",
                meta.uid()
            ))
        } else if mode & 0o022 != 0 {
            Some(format!(
                "it is writable by group or others (mode {mode:04o})"
            ))
        } else {
            None
        };
        if let Some(why) = why {
            return Err(Error::usage(format!("cannot use {}: {why}", path.display()))
                .with_hint(format!(
                    "another user could change your configuration: `chmod go-w {}`, or remove it and set values again with `cpis config set`",
                    path.display()
                )));
        }
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| file_error(path, e))?;
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| file_error(path, "it is not UTF-8 text"))
}

/// The text of a `config.toml` (read from `path`, which errors name).
pub fn parse_file(path: &Path, text: &str) -> Result<ConfigFile> {
    toml::from_str(text).map_err(|e| file_error(path, e.message()))
}

pub fn load(path: &Path) -> Result<ConfigFile> {
    match read_text(path)? {
        Some(text) => parse_file(path, &text),
        None => Ok(ConfigFile::default()),
    }
}

/// A profile name keys credential entries and file names: letters, digits, `-` and `_` only.
pub fn check_profile_name(name: &str) -> std::result::Result<(), String> {
    if name.is_empty() || name.len() > MAX_PROFILE_NAME {
        return Err(format!("must be 1 to {MAX_PROFILE_NAME} characters"));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err("may hold only letters, digits, '-' and '_'".into());
    }
    Ok(())
}

/// The PDS base URL, when one is set: `--pds-base-url`, else the profile's. It must be HTTPS
/// (plain HTTP only on loopback) and belong to the environment the command talks to: an API
/// platform host of another environment is refused, and with the embedded sandbox only a
/// loopback address is allowed.
fn pds_base_url(
    flags: &Overrides,
    prof: &Profile,
    from_profile: &Source,
    endpoint: &Endpoint,
) -> Result<Option<Sourced<String>>> {
    let (value, source) = match (&flags.pds_base_url, &prof.pds_base_url) {
        (Some(v), _) => (v.clone(), Source::Flag),
        (None, Some(v)) => (v.clone(), from_profile.clone()),
        (None, None) => return Ok(None),
    };
    let named = match &source {
        Source::Flag => "--pds-base-url".to_string(),
        other => format!("pds_base_url ({other})"),
    };
    check_on_endpoint(&named, &value, endpoint)?;
    Ok(Some(Sourced { value, source }))
}

/// Is `value` on `endpoint`: a host of the same named environment, or for a base URL of no
/// known environment the same origin? (The embedded sandbox has no URL of its own here.)
fn url_on_endpoint(value: &str, endpoint: &Endpoint) -> bool {
    let Ok(url) = url::Url::parse(value) else {
        // Reported by the checks that follow.
        return true;
    };
    match (
        endpoint.env,
        EnvName::from_host(url.host_str().unwrap_or("")),
    ) {
        (Some(EnvName::Local), _) => false,
        (Some(env), Some(host_env)) => env == host_env,
        (Some(_), None) => false,
        (None, _) => endpoint
            .base_url
            .as_deref()
            .and_then(|b| url::Url::parse(b).ok())
            .is_some_and(|b| b.origin() == url.origin()),
    }
}

/// A URL that this command may send requests to (`named` says which setting it is): HTTPS
/// (plain HTTP only on loopback), and on the environment the command talks to: an API
/// platform host of another environment is refused, and with the embedded sandbox only a
/// loopback address is allowed. Exit 2.
pub fn check_on_endpoint(named: &str, value: &str, endpoint: &Endpoint) -> Result<url::Url> {
    let url = check_base_url(value).map_err(|e| Error::usage(format!("{named} {value:?}: {e}")))?;
    let label = endpoint.label();
    let wrong = match EnvName::from_host(url.host_str().unwrap_or("")) {
        Some(host_env) => label != host_env.as_str(),
        // The embedded sandbox: nothing beyond this machine.
        None if endpoint.base_url.is_none() => !crate::net::redirect::is_loopback_host(&url),
        None => false,
    };
    if wrong {
        return Err(Error::usage(format!(
            "{named} {value:?} is not on environment {label}, which this command talks to"
        ))
        .with_hint(
            "every URL a command uses must be on the environment it names: leave the setting unset to use the one beside CP-IS",
        ));
    }
    Ok(url)
}

/// The extra CA sources: the `ca_bundle` setting, `SSL_CERT_FILE`, and each directory of
/// `SSL_CERT_DIR` (empty entries skipped). Read as `OsString`s: paths need not be UTF-8.
pub fn ca_sources(
    ca_bundle: Option<&Sourced<PathBuf>>,
    env_os: &dyn Fn(&str) -> Option<std::ffi::OsString>,
) -> Vec<crate::net::tls::CaSource> {
    use crate::net::tls::CaSource;
    let mut out = Vec::new();
    if let Some(b) = ca_bundle {
        let origin = match &b.source {
            Source::Flag => "--ca-bundle".to_string(),
            Source::Profile(p) => format!("profile {p} (ca_bundle)"),
            other => other.to_string(),
        };
        out.push(CaSource::file(b.value.clone(), origin));
    }
    if let Some(f) = env_os("SSL_CERT_FILE").filter(|f| !f.is_empty()) {
        out.push(CaSource::file(f, "SSL_CERT_FILE"));
    }
    if let Some(dirs) = env_os("SSL_CERT_DIR") {
        for d in std::env::split_paths(&dirs).filter(|d| !d.as_os_str().is_empty()) {
            out.push(CaSource::dir(d, "SSL_CERT_DIR"));
        }
    }
    out
}

fn edit_error(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::usage(format!("cannot change {}: {why}", path.display()))
        .with_hint("fix the file by hand, or remove it and set values again")
}

/// Set (`Some`) or remove (`None`) one key of one profile in the text of `config.toml`,
/// keeping comments, unknown keys and tables, and layout byte for byte. Returns the new text,
/// checked to still load.
pub fn set_in_document(
    path: &Path,
    text: &str,
    profile: &str,
    key: ConfigKey,
    value: Option<toml_edit::Value>,
) -> Result<String> {
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| edit_error(path, e))?;
    let removing = value.is_none();
    let present = doc
        .get("profiles")
        .and_then(|p| p.get(profile))
        .is_some_and(|p| p.get(key.name()).is_some());
    if removing && !present {
        return Ok(text.to_string());
    }
    let profiles = doc
        .entry("profiles")
        .or_insert_with(|| {
            let mut t = toml_edit::Table::new();
            t.set_implicit(true);
            toml_edit::Item::Table(t)
        })
        .as_table_like_mut()
        .ok_or_else(|| edit_error(path, "`profiles` is not a table"))?;
    let table = profiles
        .entry(profile)
        .or_insert(toml_edit::Item::Table(toml_edit::Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| edit_error(path, format!("`profiles.{profile}` is not a table")))?;
    match value {
        Some(v) => {
            // Keep any comment or spacing around an existing value.
            match table.get_mut(key.name()).and_then(|i| i.as_value_mut()) {
                Some(old) => {
                    let decor = old.decor().clone();
                    *old = v;
                    *old.decor_mut() = decor;
                }
                None => {
                    table.insert(key.name(), toml_edit::Item::Value(v));
                }
            }
        }
        None => {
            table.remove(key.name());
        }
    }
    let out = doc.to_string();
    parse_file(path, &out)?;
    Ok(out)
}

/// An environment of exactly these variables, for tests.
#[cfg(test)]
pub(crate) fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
    let m: std::collections::HashMap<String, OsString> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), OsString::from(v)))
        .collect();
    move |k| m.get(k).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_config(dir: &Path, text: &str) {
        crate::private::write_private(&dir.join("config.toml"), text.as_bytes()).unwrap();
    }

    #[test]
    fn local_is_the_default_only_while_nothing_is_configured() {
        let dir = crate::private::private_temp_dir("cpis-test-").unwrap();
        let d = dir.path().to_str().unwrap().to_string();
        let env = env_of(&[("CPIS_CONFIG_DIR", &d)]);
        let s = resolve(&Overrides::default(), &env, false).unwrap();
        assert_eq!(s.endpoint.base_url, None);
        assert_eq!(s.environment_label(), "local");
        assert!(s.care_setting.is_none());

        write_config(
            dir.path(),
            "[profiles.default]\nenv = \"int\"\ncare_setting = \"scheduled\"\n",
        );
        let s = resolve(&Overrides::default(), &env, false).unwrap();
        assert_eq!(
            s.endpoint,
            Endpoint {
                env: Some(EnvName::Int),
                base_url: Some("https://int.api.service.nhs.uk/cpis/FHIR/R4".into()),
                source: Source::Profile("default".into()),
            }
        );
        assert_eq!(s.care_setting.unwrap().value, CareSetting::Scheduled);
    }

    #[test]
    fn flag_beats_env_beats_profile() {
        let dir = crate::private::private_temp_dir("cpis-test-").unwrap();
        let d = dir.path().to_str().unwrap().to_string();
        write_config(
            dir.path(),
            "[profiles.default]\ntimeout = 5\nenv = \"sandbox\"\n",
        );
        let env = env_of(&[
            ("CPIS_CONFIG_DIR", &d),
            ("CPIS_TIMEOUT", "7"),
            ("CPIS_ENV", "int"),
        ]);
        let s = resolve(&Overrides::default(), &env, false).unwrap();
        assert_eq!(s.timeout.value, Duration::from_secs(7));
        assert_eq!(s.endpoint.env, Some(EnvName::Int));
        let flags = Overrides {
            timeout: Some(9),
            env: Some(EnvName::Prod),
            ..Overrides::default()
        };
        let s = resolve(&flags, &env, false).unwrap();
        assert_eq!(s.timeout.value, Duration::from_secs(9));
        assert_eq!(s.endpoint.source, Source::Flag);
        assert_eq!(s.endpoint.env, Some(EnvName::Prod));
    }

    /// Every combination of flag / environment variable / profile naming an environment, a
    /// base URL, both or neither: the highest source naming either wins as a whole.
    #[test]
    fn the_endpoint_is_one_setting_from_one_source() {
        const LOCAL_URL: &str = "http://127.0.0.1:9/cpis/FHIR/R4";
        const PROD_URL: &str = "https://api.service.nhs.uk/cpis/FHIR/R4";
        const INT_URL: &str = "https://int.api.service.nhs.uk/cpis/FHIR/R4";
        // What each source may say: (env, base_url).
        let flag_opts: [(Option<EnvName>, Option<&str>); 4] = [
            (None, None),
            (Some(EnvName::Int), None),
            (None, Some(LOCAL_URL)),
            (Some(EnvName::Int), Some(INT_URL)),
        ];
        let env_opts: [(Option<&str>, Option<&str>); 4] = [
            (None, None),
            (Some("sandbox"), None),
            (None, Some(PROD_URL)),
            (Some("prod"), Some(PROD_URL)),
        ];
        let prof_opts: [(Option<&str>, Option<&str>); 4] = [
            (None, None),
            (Some("local"), None),
            (None, Some(PROD_URL)),
            (Some("int"), Some(INT_URL)),
        ];
        for (fe, fb) in flag_opts {
            for (ee, eb) in env_opts {
                for (pe, pb) in prof_opts {
                    let dir = crate::private::private_temp_dir("cpis-test-").unwrap();
                    let mut text = String::from("[profiles.default]\n");
                    if let Some(e) = pe {
                        text.push_str(&format!("env = {e:?}\n"));
                    }
                    if let Some(b) = pb {
                        text.push_str(&format!("base_url = {b:?}\n"));
                    }
                    write_config(dir.path(), &text);
                    let d = dir.path().to_str().unwrap().to_string();
                    let mut pairs = vec![("CPIS_CONFIG_DIR", d.as_str())];
                    if let Some(e) = ee {
                        pairs.push(("CPIS_ENV", e));
                    }
                    if let Some(b) = eb {
                        pairs.push(("CPIS_BASE_URL", b));
                    }
                    let flags = Overrides {
                        env: fe,
                        base_url: fb.map(str::to_string),
                        ..Overrides::default()
                    };
                    let s = resolve(&flags, &env_of(&pairs), false).unwrap();
                    let case =
                        format!("flag {fe:?}/{fb:?}, env {ee:?}/{eb:?}, profile {pe:?}/{pb:?}");
                    // The expected winner.
                    let (want_env, want_base, want_source): (
                        Option<EnvName>,
                        Option<String>,
                        Source,
                    ) = if fe.is_some() || fb.is_some() {
                        let env = match (fe, fb) {
                            (Some(e), _) => Some(e),
                            (None, _) => None, // loopback URL: custom
                        };
                        let base = fb
                            .map(str::to_string)
                            .or_else(|| fe.and_then(EnvName::base_url));
                        (env, base, Source::Flag)
                    } else if ee.is_some() || eb.is_some() {
                        let env = ee
                            .map(|e| EnvName::parse(e).unwrap())
                            .or(Some(EnvName::Prod).filter(|_| eb.is_some()));
                        let base = eb
                            .map(str::to_string)
                            .or_else(|| env.and_then(EnvName::base_url));
                        let var = match (ee, eb) {
                            (Some(_), Some(_)) => "CPIS_ENV and CPIS_BASE_URL",
                            (None, Some(_)) => "CPIS_BASE_URL",
                            _ => "CPIS_ENV",
                        };
                        (env, base, Source::EnvVar(var))
                    } else if pe.is_some() || pb.is_some() {
                        let env = pe
                            .map(|e| EnvName::parse(e).unwrap())
                            .or(Some(EnvName::Prod).filter(|_| pb.is_some()));
                        let base = pb
                            .map(str::to_string)
                            .or_else(|| env.and_then(EnvName::base_url));
                        (env, base, Source::Profile("default".into()))
                    } else {
                        (Some(EnvName::Local), None, Source::Default)
                    };
                    assert_eq!(s.endpoint.env, want_env, "{case}");
                    assert_eq!(s.endpoint.base_url, want_base, "{case}");
                    assert_eq!(s.endpoint.source, want_source, "{case}");
                }
            }
        }
    }

    #[test]
    fn contradictions_within_one_source_are_refused() {
        let env = env_of(&[("CPIS_CONFIG_DIR", "/nonexistent-cpis-test")]);
        let both = |e, b: &str| {
            resolve(
                &Overrides {
                    env: Some(e),
                    base_url: Some(b.into()),
                    ..Overrides::default()
                },
                &env,
                false,
            )
        };
        let e = both(EnvName::Int, "https://api.service.nhs.uk/cpis/FHIR/R4").unwrap_err();
        assert!(e.message.contains("disagree"), "{}", e.message);
        assert_eq!(e.exit_code(), 2);
        let e = both(EnvName::Local, "http://127.0.0.1:1/cpis/FHIR/R4").unwrap_err();
        assert!(e.message.contains("takes no base URL"), "{}", e.message);
        // A proxy path on another host refines the environment.
        let s = both(EnvName::Int, "https://gateway.example.nhs.uk/cpis/FHIR/R4").unwrap();
        assert_eq!(s.environment_label(), "int");
    }

    #[test]
    fn base_url_without_env_is_custom_and_plain_http_must_be_loopback() {
        let env = env_of(&[("CPIS_CONFIG_DIR", "/nonexistent-cpis-test")]);
        let with = |b: &str| {
            resolve(
                &Overrides {
                    base_url: Some(b.into()),
                    ..Overrides::default()
                },
                &env,
                false,
            )
        };
        assert_eq!(
            with("http://127.0.0.1:1/cpis/FHIR/R4")
                .unwrap()
                .environment_label(),
            "custom"
        );
        assert!(with("ftp://x").is_err());
        let e = with("http://cpis.example.nhs.uk/cpis/FHIR/R4").unwrap_err();
        assert!(e.message.contains("loopback"), "{}", e.message);
    }

    #[test]
    fn non_utf8_variables_are_errors_naming_them() {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt;
            let bad = OsString::from_vec(vec![b'i', 0xff, b'n', b't']);
            for var in [
                "CPIS_ENV",
                "CPIS_BASE_URL",
                "CPIS_PROFILE",
                "CPIS_CARE_SETTING",
                "CPIS_TIMEOUT",
                "CPIS_ACCESS_TOKEN",
                "CPIS_SANDBOX_DELAY_MS",
            ] {
                let bad = bad.clone();
                let env = move |k: &str| match k {
                    "CPIS_CONFIG_DIR" => Some(OsString::from("/nonexistent-cpis-test")),
                    k if k == var => Some(bad.clone()),
                    _ => None,
                };
                let e = resolve(&Overrides::default(), &env, false).unwrap_err();
                assert_eq!(e.exit_code(), 2, "{var}");
                assert!(e.message.contains(var), "{var}: {}", e.message);
            }
            // A path variable may hold any bytes: it is used as it is.
            let dir = crate::private::private_temp_dir("cpis-test-").unwrap();
            let mut odd = dir.path().as_os_str().to_os_string().into_vec();
            odd.extend_from_slice(b"/conf\xff");
            let odd = OsString::from_vec(odd);
            let env = move |k: &str| (k == "CPIS_CONFIG_DIR").then(|| odd.clone());
            let s = resolve(&Overrides::default(), &env, false).unwrap();
            assert!(s
                .config_path
                .unwrap()
                .as_os_str()
                .as_encoded_bytes()
                .contains(&0xff));
        }
    }

    #[test]
    fn profile_names_are_checked() {
        for ok in ["default", "ward-7", "A_b9"] {
            assert!(check_profile_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "../../etc", "a b", "a/b", "é", &"x".repeat(65)] {
            assert!(check_profile_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn setting_a_value_keeps_everything_else_byte_for_byte() {
        let path = Path::new("config.toml");
        let text = "# my settings\n[profiles.default] # main\nenv = \"int\" # the test env\nfuture_key = [1, 2]\n\n[profiles.ward]\ntimeout = 5\n\n[telemetry]\nx = 1\n";
        let v = check_value(ConfigKey::Env, "prod").unwrap();
        let out = set_in_document(path, text, "default", ConfigKey::Env, Some(v)).unwrap();
        assert_eq!(out, text.replace("env = \"int\"", "env = \"prod\""));
        let v = check_value(ConfigKey::Timeout, "9").unwrap();
        let out2 = set_in_document(path, &out, "ward", ConfigKey::Timeout, Some(v)).unwrap();
        assert_eq!(out2, out.replace("timeout = 5", "timeout = 9"));
        let out3 = set_in_document(path, &out2, "ward", ConfigKey::Timeout, None).unwrap();
        assert_eq!(out3, out2.replace("timeout = 9\n", ""));
        let v = check_value(ConfigKey::CareSetting, "Scheduled").unwrap();
        let out4 = set_in_document(path, "", "new-one", ConfigKey::CareSetting, Some(v)).unwrap();
        assert_eq!(out4, "[profiles.new-one]\ncare_setting = \"scheduled\"\n");
        // Removing what is not there changes nothing.
        assert_eq!(
            set_in_document(path, text, "nope", ConfigKey::Env, None).unwrap(),
            text
        );
        assert!(check_value(ConfigKey::BaseUrl, "http://example.nhs.uk/x").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn config_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = crate::private::private_temp_dir("cpis-test-").unwrap();
        let path = dir.path().join("sub/config.toml");
        crate::private::write_private(&path, b"").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
