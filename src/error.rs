//! Error kinds with hints, and the one table that maps them to exit codes.
//!
//! Every error a user can cause says what happened and what to do next, and carries the
//! service's `message_id`, Spine error code and the request's trace id when there is one.

use std::fmt;

/// What went wrong, at the level a script cares about. Each kind has one exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A bug or a condition nobody planned for.
    Unexpected,
    /// Bad command-line usage or invalid input (an invalid NHS number, no care setting).
    Usage,
    /// A batch finished, but some rows failed.
    BatchFailures,
    /// No credentials, or the service rejected them (HTTP 401).
    NotAuthenticated,
    /// The service refused access (HTTP 403, `ACCESS_DENIED`).
    AccessDenied,
    /// The service could not be reached: DNS, connect, TLS, proxy, timeout.
    Unreachable,
    /// The service answered with an error, or with something that could not be read.
    Service,
    /// An alert was sent but its outcome is not known.
    AlertUnknown,
    /// Interrupted by the user (Ctrl-C).
    Interrupted,
}

/// One row of the error-kind table.
pub struct KindRow {
    /// `None` for success, which is no error kind.
    pub kind: Option<Kind>,
    pub code: i32,
    /// The name of the kind in batch records (`exit_class`).
    pub class: &'static str,
    pub meaning: &'static str,
}

/// The one table of error kinds: exit code, class, meaning. `--help`, the man page, the
/// README (checked by a test) and batch records are all made from it.
pub const KINDS: &[KindRow] = &[
    KindRow {
        kind: None,
        code: 0,
        class: "success",
        meaning: "success (whatever was found, including \"no plan\")",
    },
    KindRow {
        kind: Some(Kind::Unexpected),
        code: 1,
        class: "unexpected",
        meaning: "unexpected error",
    },
    KindRow {
        kind: Some(Kind::Usage),
        code: 2,
        class: "usage",
        meaning: "usage or invalid input (invalid NHS number, missing care setting, unknown option), or a confirmation declined",
    },
    KindRow {
        kind: Some(Kind::BatchFailures),
        code: 3,
        class: "batch-failures",
        meaning: "batch finished with failed rows",
    },
    KindRow {
        kind: Some(Kind::NotAuthenticated),
        code: 4,
        class: "not-authenticated",
        meaning: "not authenticated, or credentials rejected (HTTP 401)",
    },
    KindRow {
        kind: Some(Kind::AccessDenied),
        code: 5,
        class: "access-denied",
        meaning: "access denied (HTTP 403, or the signed-in role lacks the RBAC activity)",
    },
    KindRow {
        kind: Some(Kind::Unreachable),
        code: 6,
        class: "unreachable",
        meaning: "service unreachable (DNS, connect, TLS, proxy, timeout)",
    },
    KindRow {
        kind: Some(Kind::Service),
        code: 7,
        class: "service",
        meaning: "service error or unreadable response, an answer about another NHS number, or an unscheduled search that may have reached CP-IS",
    },
    KindRow {
        kind: Some(Kind::AlertUnknown),
        code: 8,
        class: "alert-unknown",
        meaning: "alert outcome unknown",
    },
    KindRow {
        kind: Some(Kind::Interrupted),
        code: 130,
        class: "interrupted",
        meaning: "interrupted (Ctrl-C)",
    },
];

impl Kind {
    fn row(self) -> &'static KindRow {
        KINDS
            .iter()
            .find(|r| r.kind == Some(self))
            .expect("every kind has its row in KINDS (tested)")
    }

    pub fn exit_code(self) -> i32 {
        self.row().code
    }

    /// The kind's name in batch records.
    pub fn class(self) -> &'static str {
        self.row().class
    }
}

/// The exit-code table as text, for `--help` and the man page.
pub fn exit_code_help() -> String {
    let mut s = String::from("Exit codes:\n");
    for KindRow { code, meaning, .. } in KINDS {
        s.push_str(&format!("  {code:>3}  {meaning}\n"));
    }
    s
}

/// Identifiers that let NHS support find a request in their logs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    pub http_status: Option<u16>,
    /// The Spine error code (`ACCESS_DENIED`, `INVALID_SEARCH_DATA`, ...) or OAuth `error`.
    pub code: Option<String>,
    /// The API platform's `message_id`.
    pub message_id: Option<String>,
    /// Our `TraceID` / `X-Request-ID` for the failed request.
    pub trace_id: Option<String>,
    /// The request may have reached the service (an answer other than a platform refusal, a
    /// timeout or a reset after sending): for an unscheduled search, the local authority may
    /// have been notified, so it must not be resent without the user's say-so.
    pub maybe_sent: bool,
}

impl Trace {
    /// Nothing for support to quote (whether the request may have been sent is no identifier).
    fn is_empty(&self) -> bool {
        self.http_status.is_none()
            && self.code.is_none()
            && self.message_id.is_none()
            && self.trace_id.is_none()
    }
}

/// A user-facing error.
#[derive(Debug, Clone)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    pub hint: Option<String>,
    /// Boxed: errors travel in every `Result`, and most carry no trace.
    pub trace: Box<Trace>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            hint: None,
            trace: Box::default(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Error::new(Kind::Usage, message)
    }

    pub fn unexpected(message: impl Into<String>) -> Self {
        Error::new(Kind::Unexpected, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_trace(mut self, trace: Trace) -> Self {
        self.trace = Box::new(trace);
        self
    }

    pub fn exit_code(&self) -> i32 {
        self.kind.exit_code()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", crate::paste::paste_ready(&self.message))?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {}", crate::paste::paste_ready(hint))?;
        }
        if !self.trace.is_empty() {
            let mut parts = Vec::new();
            if let Some(s) = self.trace.http_status {
                parts.push(format!("HTTP {s}"));
            }
            if let Some(c) = &self.trace.code {
                parts.push(format!("code {c}"));
            }
            if let Some(m) = &self.trace.message_id {
                parts.push(format!("message_id {m}"));
            }
            if let Some(t) = &self.trace.trace_id {
                parts.push(format!("trace id {t}"));
            }
            write!(f, "\n  for support: {}", parts.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::unexpected(e.to_string())
    }
}

/// The sandbox's errors: its usage errors are ours (exit 2), the rest unexpected.
impl From<cpis_sandbox::error::Error> for Error {
    fn from(e: cpis_sandbox::error::Error) -> Self {
        let kind = match e.kind {
            cpis_sandbox::error::Kind::Usage => Kind::Usage,
            cpis_sandbox::error::Kind::Unexpected => Kind::Unexpected,
        };
        e.hints
            .into_iter()
            .fold(Error::new(kind, e.message), |err, h| err.with_hint(h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind, each once. The match below is exhaustive: a new kind does not compile
    /// until it is listed here, and so checked against the table the README shows.
    fn position(k: Kind) -> usize {
        match k {
            Kind::Unexpected => 0,
            Kind::Usage => 1,
            Kind::BatchFailures => 2,
            Kind::NotAuthenticated => 3,
            Kind::AccessDenied => 4,
            Kind::Unreachable => 5,
            Kind::Service => 6,
            Kind::AlertUnknown => 7,
            Kind::Interrupted => 8,
        }
    }

    const ALL: [Kind; 9] = [
        Kind::Unexpected,
        Kind::Usage,
        Kind::BatchFailures,
        Kind::NotAuthenticated,
        Kind::AccessDenied,
        Kind::Unreachable,
        Kind::Service,
        Kind::AlertUnknown,
        Kind::Interrupted,
    ];

    #[test]
    fn every_kind_has_its_own_row_in_the_table() {
        for (i, k) in ALL.iter().enumerate() {
            assert_eq!(position(*k), i, "{k:?} is listed out of place");
        }
        let mut codes: Vec<i32> = ALL.iter().map(|k| k.exit_code()).collect();
        codes.push(0);
        codes.sort();
        let table: Vec<i32> = KINDS.iter().map(|r| r.code).collect();
        assert_eq!(codes, table, "KINDS: one row per kind, plus success");
        let mut classes: Vec<&str> = KINDS.iter().map(|r| r.class).collect();
        classes.sort();
        classes.dedup();
        assert_eq!(classes.len(), KINDS.len(), "each kind its own class");
    }

    #[test]
    fn display_carries_support_identifiers() {
        let e = Error::new(Kind::AccessDenied, "access denied")
            .with_hint("ask your RA")
            .with_trace(Trace {
                http_status: Some(403),
                code: Some("ACCESS_DENIED".into()),
                message_id: Some("m-1".into()),
                trace_id: Some("t-1".into()),
                ..Trace::default()
            });
        let s = e.to_string();
        assert!(s.contains("hint: ask your RA"));
        assert!(s.contains("HTTP 403, code ACCESS_DENIED, message_id m-1, trace id t-1"));
    }
}
