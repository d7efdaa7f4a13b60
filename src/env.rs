//! The one table of the environment variables `cpis` reads. `--help` and the man page list it,
//! the README's table is checked against it, `doctor` reports the ones that are set (secrets
//! never shown), and the tests run the binary with a cleared environment holding only what
//! they set.

/// How `doctor` may show a variable's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// As it is.
    Value,
    /// A proxy URL: with any credentials in it replaced.
    Proxy,
    /// Never: only that it is set.
    Secret,
}

pub struct Var {
    pub name: &'static str,
    pub meaning: &'static str,
    pub shown: Shown,
}

const fn var(name: &'static str, meaning: &'static str, shown: Shown) -> Var {
    Var {
        name,
        meaning,
        shown,
    }
}

use Shown::{Proxy, Secret, Value};

pub const VARS: &[Var] = &[
    var(
        "CPIS_ENV",
        "environment: local, sandbox, int or prod (like --env)",
        Value,
    ),
    var(
        "CPIS_BASE_URL",
        "CP-IS FHIR base URL, overrides the environment's (like --base-url)",
        Value,
    ),
    var(
        "CPIS_PROFILE",
        "configuration profile to use (like --profile)",
        Value,
    ),
    var(
        "CPIS_CARE_SETTING",
        "scheduled or unscheduled, when no flag is given",
        Value,
    ),
    var(
        "CPIS_TIMEOUT",
        "request timeout in seconds (like --timeout, default 30)",
        Value,
    ),
    var(
        "CPIS_ACCESS_TOKEN",
        "a ready-made access token for scripts (never a flag); wins over a stored sign-in",
        Secret,
    ),
    var(
        "CPIS_CONFIG_DIR",
        "directory of config.toml (default: the platform's config directory + /cpis)",
        Value,
    ),
    var(
        "CPIS_CREDENTIAL_STORE",
        "keyring (default) or file (opt-in, for machines without a keyring)",
        Value,
    ),
    var(
        "CPIS_DATA_DIR",
        "directory of sign-ins (sessions.json), the opt-in credentials.json and the alert outbox",
        Value,
    ),
    var(
        "CPIS_KEYRING_TIMEOUT_MS",
        "how long a keyring call may take (default 5000)",
        Value,
    ),
    var(
        "CPIS_KEYRING_UNLOCK_TIMEOUT_MS",
        "on a desktop, how long in all a keyring call may wait for its unlock prompt to be answered (default 120000)",
        Value,
    ),
    var(
        "CPIS_CIS2_CLIENT_SECRET",
        "CIS2 client secret for auth login --user (else stdin or a prompt; never a flag)",
        Secret,
    ),
    var(
        "CPIS_CLIENT_SECRET",
        "the platform client secret for refreshing a user's tokens (else a prompt)",
        Secret,
    ),
    var(
        "CPIS_SANDBOX_DELAY_MS",
        "latency the embedded sandbox adds to each response (benchmarks)",
        Value,
    ),
    var(
        "SSL_CERT_FILE",
        "extra CA certificates (PEM), added to the platform's roots",
        Value,
    ),
    var(
        "SSL_CERT_DIR",
        "directories of extra CA certificates, added to the platform's roots",
        Value,
    ),
    var(
        "HTTPS_PROXY",
        "the proxy for HTTPS requests (https_proxy too)",
        Proxy,
    ),
    var("https_proxy", "as HTTPS_PROXY", Proxy),
    var(
        "ALL_PROXY",
        "the proxy when HTTPS_PROXY is not set (all_proxy too)",
        Proxy,
    ),
    var("all_proxy", "as ALL_PROXY", Proxy),
    var(
        "NO_PROXY",
        "hosts reached without the proxy (no_proxy too)",
        Value,
    ),
    var("no_proxy", "as NO_PROXY", Value),
    var(
        "HTTP_PROXY",
        "checked but never used: plain HTTP goes only straight to loopback (http_proxy too)",
        Proxy,
    ),
    var("http_proxy", "as HTTP_PROXY", Proxy),
    var(
        "NO_COLOR",
        "turn off colour (not the batch progress bar: --no-progress)",
        Value,
    ),
    var(
        "TERM",
        "dumb: no escape sequences, no progress bar, ASCII tables",
        Value,
    ),
    var(
        "LC_ALL",
        "the locale (then LC_CTYPE, then LANG): box drawing only when it is UTF-8",
        Value,
    ),
    var("LC_CTYPE", "as LC_ALL", Value),
    var("LANG", "as LC_ALL", Value),
    var(
        "DISPLAY",
        "a desktop session (with WAYLAND_DISPLAY): a keyring may be waiting on an unlock prompt",
        Value,
    ),
    var("WAYLAND_DISPLAY", "as DISPLAY", Value),
];

/// The table as text, for `--help` and the man page.
pub fn help() -> String {
    let mut s = String::from("Environment variables:\n");
    for v in VARS {
        if v.meaning.starts_with("as ") {
            continue;
        }
        s.push_str(&format!("  {:<24} {}\n", v.name, v.meaning));
    }
    s
}
