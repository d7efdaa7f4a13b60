//! Profiles in `config.toml`, and the precedence flag > environment variable > profile > default.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cli::{ConfigKey, EnvName, GlobalArgs};
use crate::error::{Error, Result};
use crate::secret::Secret;

pub const DEFAULT_PROFILE: &str = "default";
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;

/// The contents of `config.toml`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConfigFile {
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// One profile. Unknown keys are ignored on reading so that newer files still load.
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
}

/// Scheduled or unscheduled care: a clinical and legal choice, never a silent default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CareSetting {
    /// Silent read: nothing recorded, no notification (`IsUnscheduledAccessEvent: false`).
    Scheduled,
    /// Recorded in the access history; the local authority is notified (`true`).
    Unscheduled,
}

impl CareSetting {
    pub fn as_str(self) -> &'static str {
        match self {
            CareSetting::Scheduled => "scheduled",
            CareSetting::Unscheduled => "unscheduled",
        }
    }

    /// The `IsUnscheduledAccessEvent` header value.
    pub fn header_value(self) -> &'static str {
        match self {
            CareSetting::Scheduled => "false",
            CareSetting::Unscheduled => "true",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "scheduled" => Some(CareSetting::Scheduled),
            "unscheduled" => Some(CareSetting::Unscheduled),
            _ => None,
        }
    }

    /// One sentence for each choice, used wherever the tool asks for it.
    pub const EXPLANATION: &'static str = "  --scheduled    scheduled care (a planned appointment): a silent read; nothing is recorded and no one is notified\n  \
         --unscheduled  unscheduled care (e.g. an emergency attendance): the access is recorded in the record's access history and the responsible local authority is notified";
}

impl EnvName {
    pub fn as_str(self) -> &'static str {
        match self {
            EnvName::Local => "local",
            EnvName::Sandbox => "sandbox",
            EnvName::Int => "int",
            EnvName::Prod => "prod",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "local" => Some(EnvName::Local),
            "sandbox" => Some(EnvName::Sandbox),
            "int" | "integration" => Some(EnvName::Int),
            "prod" | "production" => Some(EnvName::Prod),
            _ => None,
        }
    }

    /// The CP-IS FHIR base URL. The guide prints the sandbox host without `.api.`; we use the
    /// API platform's usual host (see README, "Choices").
    pub fn base_url(self) -> Option<&'static str> {
        match self {
            EnvName::Local => None,
            EnvName::Sandbox => Some("https://sandbox.api.service.nhs.uk/cpis/FHIR/R4"),
            EnvName::Int => Some("https://int.api.service.nhs.uk/cpis/FHIR/R4"),
            EnvName::Prod => Some("https://api.service.nhs.uk/cpis/FHIR/R4"),
        }
    }
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

/// Where the tool sends its requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// Start the embedded sandbox in-process and talk to it over loopback HTTP.
    Embedded,
    /// A CP-IS FHIR base URL.
    Remote { base_url: String },
}

/// Everything a command needs to know about where and how to connect.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config_path: Option<PathBuf>,
    pub profile: Sourced<String>,
    pub env: Sourced<EnvName>,
    pub base_url: Option<Sourced<String>>,
    pub care_setting: Option<Sourced<CareSetting>>,
    pub ca_bundle: Option<Sourced<PathBuf>>,
    /// Extra CA certificates: `ca_bundle` above, then `SSL_CERT_FILE` and `SSL_CERT_DIR`.
    pub ca_sources: Vec<crate::tls::CaSource>,
    pub timeout: Sourced<Duration>,
    pub token: Option<Secret>,
    pub sandbox_delay: Duration,
    pub quiet: bool,
    pub verbose: bool,
}

impl Settings {
    /// The label every output carries: the environment's name, or `custom` for a base URL
    /// given without an environment.
    pub fn environment_label(&self) -> &'static str {
        match (&self.base_url, &self.env.source) {
            (Some(_), Source::Default) => "custom",
            _ => self.env.value.as_str(),
        }
    }

    pub fn endpoint(&self) -> Endpoint {
        if let Some(b) = &self.base_url {
            return Endpoint::Remote {
                base_url: b.value.clone(),
            };
        }
        match self.env.value.base_url() {
            Some(u) => Endpoint::Remote {
                base_url: u.to_string(),
            },
            None => Endpoint::Embedded,
        }
    }
}

/// The configuration directory: `CPIS_CONFIG_DIR`, else the platform's config dir + `cpis`.
pub fn config_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(d) = env("CPIS_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    dirs::config_dir().map(|d| d.join("cpis"))
}

pub fn load(path: &Path) -> Result<ConfigFile> {
    match fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map_err(|e| {
            Error::usage(format!("cannot read {}: {e}", path.display()))
                .with_hint("fix the file, or remove it and set values again with `cpis config set`")
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
        Err(e) => Err(Error::unexpected(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

/// Write the file atomically (temporary file + rename), mode 0600 in a 0700 directory.
pub fn save(path: &Path, cfg: &ConfigFile) -> Result<()> {
    let text = toml::to_string_pretty(cfg).map_err(|e| Error::unexpected(e.to_string()))?;
    write_private(path, text.as_bytes())
}

/// Create or replace a file readable only by its owner, atomically.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .ok_or_else(|| Error::unexpected("file has no parent directory"))?;
    create_private_dir(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        std::process::id()
    ));
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(&tmp)
        .map_err(|e| Error::unexpected(format!("cannot write {}: {e}", tmp.display())))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    fs::rename(&tmp, path)
        .map_err(|e| Error::unexpected(format!("cannot write {}: {e}", path.display())))?;
    Ok(())
}

pub fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
        .map_err(|e| Error::unexpected(format!("cannot create {}: {e}", dir.display())))
}

/// Resolve the settings from flags, environment variables and the profile.
pub fn resolve(
    flags: &GlobalArgs,
    env: &dyn Fn(&str) -> Option<String>,
    allow_missing_profile: bool,
) -> Result<Settings> {
    let config_path = config_dir(env).map(|d| d.join("config.toml"));
    let file = match &config_path {
        Some(p) => load(p)?,
        None => ConfigFile::default(),
    };
    let env_nonempty = |k: &str| env(k).filter(|v| !v.trim().is_empty());

    let profile = if let Some(p) = &flags.profile {
        Sourced {
            value: p.clone(),
            source: Source::Flag,
        }
    } else if let Some(p) = env_nonempty("CPIS_PROFILE") {
        Sourced {
            value: p,
            source: Source::EnvVar("CPIS_PROFILE"),
        }
    } else {
        Sourced {
            value: DEFAULT_PROFILE.to_string(),
            source: Source::Default,
        }
    };
    let prof = match file.profiles.get(&profile.value) {
        Some(p) => p.clone(),
        None if profile.source != Source::Default && !allow_missing_profile => {
            return Err(Error::usage(format!(
                "no profile named {:?} in {}",
                profile.value,
                config_path
                    .as_deref()
                    .map_or("the configuration".into(), |p| p.display().to_string())
            ))
            .with_hint(format!(
                "create it with `cpis --profile {} config set env int` (or another key)",
                profile.value
            )))
        }
        None => Profile::default(),
    };
    let from_profile = Source::Profile(profile.value.clone());

    // flag > environment variable > profile > default, for each setting.
    fn pick<T>(
        flag: Option<T>,
        env_var: &'static str,
        env_value: Option<String>,
        parse: impl Fn(&str) -> Result<T>,
        profile: Option<T>,
        profile_source: &Source,
    ) -> Result<Option<Sourced<T>>> {
        if let Some(v) = flag {
            return Ok(Some(Sourced {
                value: v,
                source: Source::Flag,
            }));
        }
        if let Some(raw) = env_value {
            return Ok(Some(Sourced {
                value: parse(&raw)?,
                source: Source::EnvVar(env_var),
            }));
        }
        Ok(profile.map(|v| Sourced {
            value: v,
            source: profile_source.clone(),
        }))
    }

    let env_name = pick(
        flags.env,
        "CPIS_ENV",
        env_nonempty("CPIS_ENV"),
        |s| parse_env_name(s).map_err(|e| Error::usage(format!("CPIS_ENV: {}", e.message))),
        prof.env,
        &from_profile,
    )?
    .unwrap_or(Sourced {
        value: EnvName::Local,
        source: Source::Default,
    });

    let base_url = pick(
        flags.base_url.clone(),
        "CPIS_BASE_URL",
        env_nonempty("CPIS_BASE_URL"),
        |s| Ok(s.to_string()),
        prof.base_url.clone(),
        &from_profile,
    )?;
    if let Some(b) = &base_url {
        check_base_url(&b.value)
            .map_err(|e| Error::usage(format!("base URL {:?} ({}): {e}", b.value, b.source)))?;
    }

    let care_setting = pick(
        None,
        "CPIS_CARE_SETTING",
        env_nonempty("CPIS_CARE_SETTING"),
        |s| {
            parse_care_setting(s)
                .map_err(|e| Error::usage(format!("CPIS_CARE_SETTING: {}", e.message)))
        },
        prof.care_setting,
        &from_profile,
    )?;

    let ca_bundle = pick(
        flags.ca_bundle.clone(),
        "CPIS_CA_BUNDLE",
        None,
        |s| Ok(PathBuf::from(s)),
        prof.ca_bundle.clone(),
        &from_profile,
    )?;

    let timeout = pick(
        flags.timeout,
        "CPIS_TIMEOUT",
        env_nonempty("CPIS_TIMEOUT"),
        |s| {
            s.trim().parse::<u64>().map_err(|_| {
                Error::usage(format!(
                    "CPIS_TIMEOUT={s:?} is not a whole number of seconds"
                ))
            })
        },
        prof.timeout,
        &from_profile,
    )?
    .unwrap_or(Sourced {
        value: DEFAULT_TIMEOUT_SECS,
        source: Source::Default,
    });
    if timeout.value == 0 {
        return Err(Error::usage("the timeout must be at least 1 second"));
    }

    let sandbox_delay = match env_nonempty("CPIS_SANDBOX_DELAY_MS") {
        Some(v) => Duration::from_millis(v.trim().parse().map_err(|_| {
            Error::usage(format!(
                "CPIS_SANDBOX_DELAY_MS={v:?} is not a number of milliseconds"
            ))
        })?),
        None => Duration::ZERO,
    };

    Ok(Settings {
        config_path,
        profile,
        env: env_name,
        base_url,
        care_setting,
        ca_sources: ca_sources(ca_bundle.as_ref(), &|k| std::env::var_os(k)),
        ca_bundle,
        timeout: Sourced {
            value: Duration::from_secs(timeout.value),
            source: timeout.source,
        },
        token: env("CPIS_ACCESS_TOKEN")
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .map(Secret::new),
        sandbox_delay,
        quiet: flags.quiet,
        verbose: flags.verbose,
    })
}

/// The extra CA sources: the `ca_bundle` setting, `SSL_CERT_FILE`, and each directory of
/// `SSL_CERT_DIR` (empty entries skipped). Read as `OsString`s: paths need not be UTF-8.
pub fn ca_sources(
    ca_bundle: Option<&Sourced<PathBuf>>,
    env_os: &dyn Fn(&str) -> Option<std::ffi::OsString>,
) -> Vec<crate::tls::CaSource> {
    use crate::tls::CaSource;
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

/// A base URL must be absolute http(s), with no query or fragment.
pub fn check_base_url(s: &str) -> std::result::Result<(), String> {
    let u = url::Url::parse(s).map_err(|e| e.to_string())?;
    if u.scheme() != "https" && u.scheme() != "http" {
        return Err("must start with https://".into());
    }
    if u.host_str().is_none() {
        return Err("has no host".into());
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err("must not have a query or fragment".into());
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("must not contain credentials".into());
    }
    Ok(())
}

/// Validate and store one key in a profile.
pub fn set_key(profile: &mut Profile, key: ConfigKey, value: &str) -> Result<()> {
    match key {
        ConfigKey::Env => profile.env = Some(parse_env_name(value)?),
        ConfigKey::BaseUrl => {
            check_base_url(value).map_err(|e| Error::usage(format!("base URL {value:?}: {e}")))?;
            profile.base_url = Some(value.to_string());
        }
        ConfigKey::CareSetting => {
            profile.care_setting =
                Some(CareSetting::parse(value).ok_or_else(|| {
                    Error::usage(format!("{value:?}: use scheduled or unscheduled"))
                })?)
        }
        ConfigKey::CaBundle => profile.ca_bundle = Some(PathBuf::from(value)),
        ConfigKey::Timeout => {
            let t: u64 = value
                .trim()
                .parse()
                .ok()
                .filter(|t| *t > 0)
                .ok_or_else(|| {
                    Error::usage(format!(
                        "{value:?} is not a whole number of seconds above 0"
                    ))
                })?;
            profile.timeout = Some(t);
        }
    }
    Ok(())
}

pub fn unset_key(profile: &mut Profile, key: ConfigKey) {
    match key {
        ConfigKey::Env => profile.env = None,
        ConfigKey::BaseUrl => profile.base_url = None,
        ConfigKey::CareSetting => profile.care_setting = None,
        ConfigKey::CaBundle => profile.ca_bundle = None,
        ConfigKey::Timeout => profile.timeout = None,
    }
}

pub fn get_key(profile: &Profile, key: ConfigKey) -> Option<String> {
    match key {
        ConfigKey::Env => profile.env.map(|e| e.as_str().to_string()),
        ConfigKey::BaseUrl => profile.base_url.clone(),
        ConfigKey::CareSetting => profile.care_setting.map(|c| c.as_str().to_string()),
        ConfigKey::CaBundle => profile.ca_bundle.as_ref().map(|p| p.display().to_string()),
        ConfigKey::Timeout => profile.timeout.map(|t| t.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn local_is_the_default_only_while_nothing_is_configured() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap().to_string();
        let s = resolve(
            &GlobalArgs::default(),
            &env_of(&[("CPIS_CONFIG_DIR", &d)]),
            false,
        )
        .unwrap();
        assert_eq!(s.endpoint(), Endpoint::Embedded);
        assert_eq!(s.environment_label(), "local");
        assert!(s.care_setting.is_none());

        let mut cfg = ConfigFile::default();
        let mut p = Profile::default();
        set_key(&mut p, ConfigKey::Env, "int").unwrap();
        set_key(&mut p, ConfigKey::CareSetting, "scheduled").unwrap();
        cfg.profiles.insert("default".into(), p);
        save(&dir.path().join("config.toml"), &cfg).unwrap();
        let s = resolve(
            &GlobalArgs::default(),
            &env_of(&[("CPIS_CONFIG_DIR", &d)]),
            false,
        )
        .unwrap();
        assert_eq!(s.env.value, EnvName::Int);
        assert_eq!(s.env.source, Source::Profile("default".into()));
        assert_eq!(
            s.endpoint(),
            Endpoint::Remote {
                base_url: "https://int.api.service.nhs.uk/cpis/FHIR/R4".into()
            }
        );
        assert_eq!(s.care_setting.unwrap().value, CareSetting::Scheduled);
    }

    #[test]
    fn flag_beats_env_beats_profile() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap().to_string();
        let mut cfg = ConfigFile::default();
        cfg.profiles.insert(
            "default".into(),
            Profile {
                timeout: Some(5),
                env: Some(EnvName::Sandbox),
                ..Profile::default()
            },
        );
        save(&dir.path().join("config.toml"), &cfg).unwrap();
        let env = env_of(&[
            ("CPIS_CONFIG_DIR", &d),
            ("CPIS_TIMEOUT", "7"),
            ("CPIS_ENV", "int"),
        ]);
        let s = resolve(&GlobalArgs::default(), &env, false).unwrap();
        assert_eq!(s.timeout.value, Duration::from_secs(7));
        assert_eq!(s.env.value, EnvName::Int);
        let flags = GlobalArgs {
            timeout: Some(9),
            env: Some(EnvName::Prod),
            ..GlobalArgs::default()
        };
        let s = resolve(&flags, &env, false).unwrap();
        assert_eq!(s.timeout.value, Duration::from_secs(9));
        assert_eq!(s.env.source, Source::Flag);
        assert_eq!(s.env.value, EnvName::Prod);
    }

    #[test]
    fn base_url_without_env_is_custom() {
        let s = resolve(
            &GlobalArgs {
                base_url: Some("http://127.0.0.1:1/cpis/FHIR/R4".into()),
                ..GlobalArgs::default()
            },
            &env_of(&[("CPIS_CONFIG_DIR", "/nonexistent-cpis-test")]),
            false,
        )
        .unwrap();
        assert_eq!(s.environment_label(), "custom");
        assert!(resolve(
            &GlobalArgs {
                base_url: Some("ftp://x".into()),
                ..GlobalArgs::default()
            },
            &env_of(&[("CPIS_CONFIG_DIR", "/nonexistent-cpis-test")]),
            false,
        )
        .is_err());
    }

    #[cfg(unix)]
    #[test]
    fn config_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.toml");
        save(&path, &ConfigFile::default()).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
