//! `cpis doctor`: why can this workstation not reach CP-IS? Each check is a small function
//! returning a finding; they run in order, each under its own short timeout.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::Kind;

/// How long one network check may take.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(5);
/// Clock skew beyond this is worth a warning; beyond [`SKEW_FAIL`] signed JWTs are refused.
pub const SKEW_WARN: Duration = Duration::from_secs(30);
pub const SKEW_FAIL: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
    Skip,
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
    pub fix: Option<String>,
    pub duration_ms: u64,
    /// The exit class of a failure.
    #[serde(skip)]
    pub kind: Option<Kind>,
}

impl Check {
    pub fn ok(name: &'static str, detail: impl Into<String>) -> Self {
        Check {
            name,
            status: Status::Ok,
            detail: detail.into(),
            fix: None,
            duration_ms: 0,
            kind: None,
        }
    }

    pub fn skip(name: &'static str, detail: impl Into<String>) -> Self {
        Check {
            status: Status::Skip,
            ..Check::ok(name, detail)
        }
    }

    pub fn warn(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Check {
            status: Status::Warn,
            fix: Some(crate::paste::paste_ready(&fix.into())),
            ..Check::ok(name, detail)
        }
    }

    pub fn fail(
        name: &'static str,
        kind: Kind,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Check {
            status: Status::Fail,
            fix: Some(crate::paste::paste_ready(&fix.into())),
            kind: Some(kind),
            ..Check::ok(name, detail)
        }
    }

    /// A failure carrying an error's class, message and hint.
    pub fn from_error(name: &'static str, e: &crate::error::Error) -> Self {
        Check::fail(
            name,
            e.kind,
            e.message.clone(),
            e.hint.clone().unwrap_or_default(),
        )
    }

    /// Stamp how long the check took.
    pub fn took(mut self, since: Instant) -> Self {
        self.duration_ms = since.elapsed().as_millis() as u64;
        self
    }
}

/// The whole report, as `doctor --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: &'static str,
    pub environment: String,
    pub base_url: Option<String>,
    pub checks: Vec<Check>,
}

impl Report {
    /// 0 when nothing failed, else the exit code of the first failure's class.
    pub fn exit_code(&self) -> i32 {
        self.checks
            .iter()
            .find(|c| c.status == Status::Fail)
            .map_or(0, |c| c.kind.unwrap_or(Kind::Unexpected).exit_code())
    }
}

/// A proxy URL for display: scheme, host and port only (never a user name or password).
pub fn redact_proxy(value: &str) -> String {
    let with_scheme = if value.contains("://") {
        value.to_string()
    } else {
        format!("http://{value}")
    };
    match url::Url::parse(&with_scheme) {
        Ok(u) => format!(
            "{}://{}{}",
            u.scheme(),
            u.host_str().unwrap_or("?"),
            u.port().map(|p| format!(":{p}")).unwrap_or_default()
        ),
        Err(_) => "(unreadable)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxies_are_shown_without_credentials() {
        assert_eq!(
            redact_proxy("http://user:secret@proxy.trust.nhs.uk:8080"),
            "http://proxy.trust.nhs.uk:8080"
        );
        assert_eq!(redact_proxy("proxy:3128"), "http://proxy:3128");
    }

    #[test]
    fn the_first_failure_decides_the_exit_code() {
        let r = Report {
            version: "x",
            environment: "int".into(),
            base_url: None,
            checks: vec![
                Check::ok("a", ""),
                Check::warn("b", "", ""),
                Check::fail("c", Kind::Unreachable, "", ""),
                Check::fail("d", Kind::NotAuthenticated, "", ""),
            ],
        };
        assert_eq!(r.exit_code(), 6);
        assert!(crate::render::doctor::text(&r, false).contains("XX c"));
    }
}
