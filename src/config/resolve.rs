//! The settings of one run, resolved: flag > environment variable > profile > default, for
//! each setting. Each step below resolves one thing (the profile, the endpoint, the timeout,
//! the credential store's waits, the profile's own URLs), in the order their errors have
//! always been reported.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use super::*;

/// Resolve the settings from flags, environment variables and the profile.
pub fn resolve(
    flags: &Overrides,
    env: &dyn Fn(&str) -> Option<OsString>,
    allow_missing_profile: bool,
) -> Result<Settings> {
    let env = EnvVars(env);
    let profile = profile_name(flags, &env)?;
    let config_path = config_dir(&env).map(|d| d.join("config.toml"));
    let prof = profile_of(&profile, config_path.as_deref(), allow_missing_profile)?;
    let from_profile = Source::Profile(profile.value.clone());
    let endpoint = endpoint(flags, &env, &prof, &from_profile)?;
    let care_setting = pick(
        None,
        "CPIS_CARE_SETTING",
        env.text("CPIS_CARE_SETTING")?,
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
    let timeout = timeout(flags, &env, &prof, &from_profile)?;
    let sandbox_delay = sandbox_delay(&env)?;
    let credential_store = credential_store(&env, &prof, &from_profile)?;
    let keyring_double = KeyringDouble::from_env(|k| env.text(k))?;
    let (keyring_timeout, keyring_unlock_wait) = keyring_waits(&env)?;

    let mut prof = prof;
    let warnings = set_aside_foreign_urls(&mut prof, &endpoint, &from_profile);
    let flags_base_url = flags_base_url(
        flags,
        &prof,
        &from_profile,
        &endpoint,
        allow_missing_profile,
    )?;
    let route = flag_or_profile(&flags.route, &prof.route, &from_profile).unwrap_or(Sourced {
        value: route::Route::Fhir,
        source: Source::Default,
    });
    let flags_path = flag_or_profile(&None, &prof.flags_path, &from_profile).unwrap_or(Sourced {
        value: route::FLAGS_DEFAULT_PATH.to_string(),
        source: Source::Default,
    });
    // `config` commands must work whatever the profile holds, so that it can be mended.
    let pds_base_url = if allow_missing_profile {
        pds_base_url(flags, &prof, &from_profile, &endpoint).unwrap_or(None)
    } else {
        pds_base_url(flags, &prof, &from_profile, &endpoint)?
    };
    if !allow_missing_profile {
        check_profile_urls(&prof, &from_profile, &endpoint)?;
    }
    Ok(Settings {
        config_path,
        profile,
        endpoint,
        care_setting,
        ca_sources: ca_sources(ca_bundle.as_ref(), env.0),
        ca_bundle,
        timeout: Sourced {
            value: Duration::from_secs(timeout.value),
            source: timeout.source,
        },
        token: env
            .text("CPIS_ACCESS_TOKEN")?
            .map(|t| Secret::new(t.trim()))
            .filter(|t| !t.expose().is_empty()),
        data_dir: env
            .path("CPIS_DATA_DIR")
            .or_else(|| dirs::data_dir().map(|d| d.join("cpis"))),
        credential_store,
        token_url: profile_url("token_url", &prof.token_url, &from_profile)?.map(|value| Sourced {
            value,
            source: from_profile.clone(),
        }),
        alert_base_url: profile_url("alert_base_url", &prof.alert_base_url, &from_profile)?,
        signin: signin(&prof, &from_profile)?,
        keyring_double,
        keyring_timeout,
        keyring_unlock_wait,
        sandbox_delay,
        pds_base_url,
        verify_on_pds: prof.verify_on_pds.unwrap_or(true),
        route,
        flags_base_url,
        flags_path,
        v3: v3_settings(flags, &prof, &from_profile),
        verify_on_pds_source: if prof.verify_on_pds.is_some() {
            from_profile.clone()
        } else {
            Source::Default
        },
        data_dir_source: env_or_default(&env, "CPIS_DATA_DIR"),
        config_dir_source: env_or_default(&env, "CPIS_CONFIG_DIR"),
        profile_source: from_profile,
        warnings,
        quiet: flags.quiet,
        verbose: flags.verbose,
    })
}

/// The Patient Flags API's base URL, when one is set: `--flags-base-url`, else the profile's,
/// on the endpoint in use (not checked for `config` commands, so a profile can be mended).
fn flags_base_url(
    flags: &Overrides,
    prof: &Profile,
    from_profile: &Source,
    endpoint: &Endpoint,
    allow_missing_profile: bool,
) -> Result<Option<Sourced<String>>> {
    let flags_base_url = flag_or_profile(&flags.flags_base_url, &prof.flags_base_url, from_profile);
    if let Some(f) = flags_base_url.as_ref().filter(|_| !allow_missing_profile) {
        let named = match &f.source {
            Source::Flag => "--flags-base-url".to_string(),
            other => format!("flags_base_url ({other})"),
        };
        check_on_endpoint(&named, &f.value, endpoint)?;
    }
    Ok(flags_base_url)
}

/// The profile's alert and token URLs belong to the endpoint in use.
fn check_profile_urls(prof: &Profile, from_profile: &Source, endpoint: &Endpoint) -> Result<()> {
    if let Some(v) = &prof.alert_base_url {
        check_on_endpoint(&format!("alert_base_url ({from_profile})"), v, endpoint)?;
    }
    if let Some(v) = &prof.token_url {
        check_on_endpoint(&format!("token_url ({from_profile})"), v, endpoint)?;
    }
    Ok(())
}

/// The credential store: `CPIS_CREDENTIAL_STORE`, else the profile's, else the keyring.
fn credential_store(
    env: &EnvVars,
    prof: &Profile,
    from_profile: &Source,
) -> Result<Sourced<Backend>> {
    Ok(pick(
        None,
        "CPIS_CREDENTIAL_STORE",
        env.text("CPIS_CREDENTIAL_STORE")?,
        |s| {
            parse_backend(s)
                .map_err(|e| Error::usage(format!("CPIS_CREDENTIAL_STORE: {}", e.message)))
        },
        prof.credential_store,
        from_profile,
    )?
    .unwrap_or(Sourced {
        value: Backend::Keyring,
        source: Source::Default,
    }))
}

/// The profile: `--profile`, else `CPIS_PROFILE`, else the default; a name that could key
/// credentials and file names.
fn profile_name(flags: &Overrides, env: &EnvVars) -> Result<Sourced<String>> {
    let profile = if let Some(p) = &flags.profile {
        Sourced {
            value: p.clone(),
            source: Source::Flag,
        }
    } else if let Some(p) = env.text("CPIS_PROFILE")? {
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
    check_profile_name(&profile.value).map_err(|e| {
        Error::usage(format!(
            "profile name {:?} ({}) {e}",
            crate::sanitize::sanitize(&profile.value),
            profile.source
        ))
    })?;
    Ok(profile)
}

/// The profile's settings from the configuration file; a profile named (not the default)
/// that the file lacks is refused unless `allow_missing`.
fn profile_of(
    profile: &Sourced<String>,
    config_path: Option<&Path>,
    allow_missing: bool,
) -> Result<Profile> {
    let file = match config_path {
        Some(p) => load(p)?,
        None => ConfigFile::default(),
    };
    match file.profiles.get(&profile.value) {
        Some(p) => Ok(p.clone()),
        None if profile.source != Source::Default && !allow_missing => Err(Error::usage(format!(
            "no profile named {:?} in {}",
            profile.value,
            config_path.map_or("the configuration".into(), |p| p.display().to_string())
        ))
        .with_hint(format!(
            "create it with `cpis --profile {} config set env int` (or another key)",
            profile.value
        ))),
        None => Ok(Profile::default()),
    }
}

/// One setting: flag > environment variable > profile; `None` when none gives it.
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

/// A setting with no environment variable: flag > profile.
fn flag_or_profile<T: Clone>(
    flag: &Option<T>,
    profile: &Option<T>,
    from_profile: &Source,
) -> Option<Sourced<T>> {
    match (flag, profile) {
        (Some(v), _) => Some(Sourced {
            value: v.clone(),
            source: Source::Flag,
        }),
        (None, Some(v)) => Some(Sourced {
            value: v.clone(),
            source: from_profile.clone(),
        }),
        (None, None) => None,
    }
}

/// The endpoint: the first source naming an environment or a base URL wins as a whole.
fn endpoint(
    flags: &Overrides,
    env: &EnvVars,
    prof: &Profile,
    from_profile: &Source,
) -> Result<Endpoint> {
    let env_var_env = env
        .text("CPIS_ENV")?
        .map(|s| parse_env_name(&s).map_err(|e| Error::usage(format!("CPIS_ENV: {}", e.message))))
        .transpose()?;
    let env_var_base = env.text("CPIS_BASE_URL")?;
    let env_var_source = match (&env_var_env, &env_var_base) {
        (Some(_), Some(_)) => "CPIS_ENV and CPIS_BASE_URL",
        (None, Some(_)) => "CPIS_BASE_URL",
        _ => "CPIS_ENV",
    };
    [
        (flags.env, flags.base_url.clone(), Source::Flag),
        (env_var_env, env_var_base, Source::EnvVar(env_var_source)),
        (prof.env, prof.base_url.clone(), from_profile.clone()),
    ]
    .into_iter()
    .find(|(e, b, _)| e.is_some() || b.is_some())
    .map_or_else(
        || Endpoint::from_source(None, None, Source::Default),
        |(e, b, source)| Endpoint::from_source(e, b, source),
    )
}

/// The timeout in seconds: at least one.
fn timeout(
    flags: &Overrides,
    env: &EnvVars,
    prof: &Profile,
    from_profile: &Source,
) -> Result<Sourced<u64>> {
    let timeout = pick(
        flags.timeout,
        "CPIS_TIMEOUT",
        env.text("CPIS_TIMEOUT")?,
        |s| {
            s.trim().parse::<u64>().map_err(|_| {
                Error::usage(format!(
                    "CPIS_TIMEOUT={s:?} is not a whole number of seconds"
                ))
            })
        },
        prof.timeout,
        from_profile,
    )?
    .unwrap_or(Sourced {
        value: DEFAULT_TIMEOUT_SECS,
        source: Source::Default,
    });
    if timeout.value == 0 {
        return Err(Error::usage("the timeout must be at least 1 second"));
    }
    Ok(timeout)
}

/// The embedded sandbox's delay before each answer (`CPIS_SANDBOX_DELAY_MS`).
fn sandbox_delay(env: &EnvVars) -> Result<Duration> {
    Ok(match env.text("CPIS_SANDBOX_DELAY_MS")? {
        Some(v) => Duration::from_millis(v.trim().parse().map_err(|_| {
            Error::usage(format!(
                "CPIS_SANDBOX_DELAY_MS={v:?} is not a number of milliseconds"
            ))
        })?),
        None => Duration::ZERO,
    })
}

/// A number of milliseconds above 0 from `name`.
fn millis_above_zero(name: &str, v: &str) -> Result<Duration> {
    v.trim()
        .parse()
        .ok()
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis)
        .ok_or_else(|| {
            Error::usage(format!(
                "{name}={v:?} is not a number of milliseconds above 0"
            ))
        })
}

/// How long the keyring may take to answer, and (on a desktop) to be unlocked.
fn keyring_waits(env: &EnvVars) -> Result<(Duration, Option<Duration>)> {
    let keyring_timeout = match env.text("CPIS_KEYRING_TIMEOUT_MS")? {
        Some(v) => millis_above_zero("CPIS_KEYRING_TIMEOUT_MS", &v)?,
        None => crate::credentials::KEYRING_TIMEOUT,
    };
    let keyring_unlock_wait = match env.text("CPIS_KEYRING_UNLOCK_TIMEOUT_MS")? {
        Some(v) => Some(millis_above_zero("CPIS_KEYRING_UNLOCK_TIMEOUT_MS", &v)?),
        None => Some(crate::credentials::KEYRING_UNLOCK_TIMEOUT),
    }
    .filter(|_| crate::credentials::on_a_desktop(|k| env.text(k).ok().flatten()))
    .map(|w| w.max(keyring_timeout));
    Ok((keyring_timeout, keyring_unlock_wait))
}

/// The profile's own URLs belong to the profile's endpoint. When a flag or variable chooses
/// another, they are set aside (with a warning, returned) unless they are on the chosen one.
fn set_aside_foreign_urls(
    prof: &mut Profile,
    endpoint: &Endpoint,
    from_profile: &Source,
) -> Vec<String> {
    let mut warnings = Vec::new();
    if matches!(endpoint.source, Source::Profile(_) | Source::Default) {
        return warnings;
    }
    let profile_endpoint = if prof.env.is_some() || prof.base_url.is_some() {
        Endpoint::from_source(prof.env, prof.base_url.clone(), from_profile.clone()).ok()
    } else {
        Endpoint::from_source(None, None, Source::Default).ok()
    };
    let same =
        profile_endpoint.is_some_and(|p| p.env == endpoint.env && p.base_url == endpoint.base_url);
    if same {
        return warnings;
    }
    let mut keep = |key: &str, v: &mut Option<String>| {
        let Some(value) = v.as_deref() else { return };
        if !url_on_endpoint(value, endpoint) {
            warnings.push(format!(
                "{key} {value:?} of {from_profile} is for the profile's endpoint, not {} ({}), which this command uses: not used",
                endpoint.label(),
                endpoint.source
            ));
            *v = None;
        }
    };
    keep("pds_base_url", &mut prof.pds_base_url);
    keep("flags_base_url", &mut prof.flags_base_url);
    keep("alert_base_url", &mut prof.alert_base_url);
    keep("token_url", &mut prof.token_url);
    keep("cis2_issuer", &mut prof.cis2_issuer);
    // The profile's MHS adaptor talks to the profile's Spine environment.
    keep("mhs_url", &mut prof.mhs_url);
    warnings
}

/// A URL of the profile, checked like a base URL.
fn profile_url(key: &str, v: &Option<String>, from_profile: &Source) -> Result<Option<String>> {
    v.clone()
        .map(|v| {
            check_base_url(&v)
                .map_err(|e| Error::usage(format!("{key} {v:?} ({from_profile}): {e}")))?;
            Ok(v)
        })
        .transpose()
}

/// What sign-in uses from the profile.
fn signin(prof: &Profile, from_profile: &Source) -> Result<Profile> {
    Ok(Profile {
        api_key: prof.api_key.clone(),
        kid: prof.kid.clone(),
        private_key: prof.private_key.clone(),
        cis2_issuer: profile_url("cis2_issuer", &prof.cis2_issuer, from_profile)?,
        cis2_client_id: prof.cis2_client_id.clone(),
        redirect_port: prof.redirect_port,
        ..Profile::default()
    })
}

/// The HL7 V3 route's settings.
fn v3_settings(flags: &Overrides, prof: &Profile, from_profile: &Source) -> v3::Settings {
    v3::Settings {
        mhs_url: flag_or_profile(&flags.mhs_url, &prof.mhs_url, from_profile),
        plain_http: prof.mhs_plain_http.unwrap_or(false),
        plain_http_set: prof.mhs_plain_http.is_some(),
        asid: prof.asid.clone(),
        spine_asid: prof.spine_asid.clone(),
        ods_code: prof.ods_code.clone(),
        org_name: prof.org_name.clone(),
        wait_header: prof.mhs_wait_header.clone(),
        nominated_role_code: prof.nominated_role_code.clone(),
    }
}

/// Where a directory came from: its environment variable when set, else the default.
fn env_or_default(env: &EnvVars, name: &'static str) -> Source {
    if env.path(name).is_some() {
        Source::EnvVar(name)
    } else {
        Source::Default
    }
}
