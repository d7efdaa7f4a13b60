//! `cpis sandbox serve`: the machine-readable lines on standard output, and the welcome on
//! standard error. Pure.

use std::path::Path;

/// What the lines of a running sandbox say: its base URL, and the CA to trust with `--tls`.
pub fn listening(base_url: &str, ca_path: Option<&Path>) -> String {
    let mut lines = format!("base_url: {base_url}\n");
    if let Some(p) = ca_path {
        lines.push_str(&format!("ca_bundle: {}\n", p.display()));
    }
    lines
}

/// What the welcome shows: where the sandbox listens and its built-in credentials
/// (synthetic, published in the README).
pub struct Welcome<'a> {
    pub base_url: &'a str,
    /// The base URL without the CP-IS path: where the OAuth and mock CIS2 endpoints are.
    pub origin: &'a str,
    pub ca_path: Option<&'a Path>,
    pub require_auth: bool,
    pub cis2_client_secret: &'a str,
    pub client_secret: &'a str,
    pub cis2_issuer_path: &'a str,
    pub cis2_client_id: &'a str,
    pub api_key: &'a str,
    pub kid: &'a str,
}

/// The welcome on standard error: how to try the sandbox.
pub fn welcome(w: &Welcome<'_>) -> String {
    let ca = w
        .ca_path
        .map(|p| format!(" --ca-bundle {}", p.display()))
        .unwrap_or_default();
    let token_url = format!("{}/oauth2/token", w.origin);
    let try_it = if w.require_auth {
        format!(
            "--require-auth: every search needs 'Authorization: Bearer TOKEN' with a token from {token_url}\n\
             Sign in as a smartcard user of the mock CIS2 (see README, \"The embedded sandbox\"):\n  \
             CPIS_CIS2_CLIENT_SECRET={} CPIS_CLIENT_SECRET={} cpis --base-url {base}{ca} auth login --user \\\n    \
             --cis2-issuer {origin}{} --cis2-client-id {} --api-key {} --kid KID --private-key KEY.pem\n\
             (KEY.pem and KID: `cpis auth keygen --kid KID`, registered here with --register-app {} --jwks KID.jwks.json)",
            w.cis2_client_secret,
            w.client_secret,
            w.cis2_issuer_path,
            w.cis2_client_id,
            w.api_key,
            w.api_key,
            base = w.base_url,
            origin = w.origin,
        )
    } else {
        format!(
            "Try: CPIS_ACCESS_TOKEN=sandbox cpis --base-url {}{ca} lookup 9990000026 --scheduled\n\
             (any well-formed token will do; a base URL always needs a credential)",
            w.base_url
        )
    };
    format!(
        "CP-IS sandbox (synthetic patients only) listening on {}\n\
         {try_it}\n\
         Signed-JWT sign-in: {token_url} (built-in application: API key {}, kid {}).\n\
         Patients: cpis sandbox patients. Stop with Ctrl-C.",
        w.base_url, w.api_key, w.kid,
    )
}
