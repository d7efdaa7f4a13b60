//! The environments `cpis` knows, their CP-IS base URLs, and the rule for plain HTTP.

/// A named environment. `local` is the embedded sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvName {
    /// The embedded sandbox, started in-process on a loopback port (synthetic data).
    Local,
    /// The NHS API platform's public sandbox.
    Sandbox,
    /// The NHS integration (test) environment.
    Int,
    /// Production: real patients.
    Prod,
}

impl EnvName {
    pub const ALL: [EnvName; 4] = [
        EnvName::Local,
        EnvName::Sandbox,
        EnvName::Int,
        EnvName::Prod,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EnvName::Local => "local",
            EnvName::Sandbox => "sandbox",
            EnvName::Int => "int",
            EnvName::Prod => "prod",
        }
    }

    /// One line for help text.
    pub fn describe(self) -> &'static str {
        match self {
            EnvName::Local => {
                "The embedded sandbox, started in-process on a loopback port (synthetic data)"
            }
            EnvName::Sandbox => "The NHS API platform's public sandbox",
            EnvName::Int => "The NHS integration (test) environment",
            EnvName::Prod => "Production: real patients",
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

    /// The API platform host of the environment (`None` for the embedded sandbox).
    pub fn host(self) -> Option<&'static str> {
        match self {
            EnvName::Local => None,
            EnvName::Sandbox => Some("sandbox.api.service.nhs.uk"),
            EnvName::Int => Some("int.api.service.nhs.uk"),
            EnvName::Prod => Some("api.service.nhs.uk"),
        }
    }

    /// The CP-IS FHIR base URL. The guide prints the sandbox host without `.api.`; we use the
    /// API platform's usual host (see README, "Choices").
    pub fn base_url(self) -> Option<String> {
        self.host().map(|h| format!("https://{h}/cpis/FHIR/R4"))
    }

    /// The environment whose API platform host this is, if any.
    pub fn from_host(host: &str) -> Option<EnvName> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        EnvName::ALL.into_iter().find(|e| e.host() == Some(&*host))
    }
}

impl std::fmt::Display for EnvName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Another API of the platform beside a CP-IS base: the same origin, `path` (PDS, Patient
/// Flags: the API platform lays every API out under one host).
pub fn beside(cpis_base: &url::Url, path: &str) -> url::Url {
    let mut u = cpis_base.clone();
    u.set_path(path);
    u.set_query(None);
    u.set_fragment(None);
    u
}

/// A base URL must be absolute, `https://` (or `http://` on a loopback address), with a host
/// and no query, fragment or credentials.
pub fn check_base_url(s: &str) -> Result<url::Url, String> {
    let u = url::Url::parse(s).map_err(|e| e.to_string())?;
    match u.scheme() {
        "https" => {}
        "http" if crate::net::redirect::is_loopback_host(&u) => {}
        "http" => {
            return Err(
                "plain http:// is allowed only for loopback addresses (127.0.0.1, ::1, localhost): \
                 the access token and the NHS number would cross the network unencrypted; use https://"
                    .into(),
            )
        }
        _ => return Err("must start with https://".into()),
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err("has no host".into());
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err("must not have a query or fragment".into());
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("must not contain credentials".into());
    }
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_on_loopback() {
        for ok in [
            "https://int.api.service.nhs.uk/cpis/FHIR/R4",
            "http://127.0.0.1:8790/cpis/FHIR/R4",
            "http://127.1.2.3/x",
            "http://[::1]:1/x",
            "http://localhost:9/x",
            "http://LOCALHOST/x",
        ] {
            assert!(check_base_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://int.api.service.nhs.uk/cpis/FHIR/R4",
            "http://10.0.0.1/x",
            "http://localhost.example.com/x",
            "http://127.0.0.1.nip.io/x",
            "ftp://x/y",
            "https://u:p@host/x",
            "https://host/x?q=1",
            "https://host/x#f",
        ] {
            assert!(check_base_url(bad).is_err(), "{bad}");
        }
        assert!(check_base_url("http://10.0.0.1/x")
            .unwrap_err()
            .contains("loopback"));
    }

    #[test]
    fn hosts_name_their_environment() {
        assert_eq!(
            EnvName::from_host("api.service.nhs.uk"),
            Some(EnvName::Prod)
        );
        assert_eq!(
            EnvName::from_host("INT.api.service.nhs.uk."),
            Some(EnvName::Int)
        );
        assert_eq!(EnvName::from_host("127.0.0.1"), None);
        for e in EnvName::ALL {
            assert_eq!(EnvName::parse(e.as_str()), Some(e));
        }
    }
}
