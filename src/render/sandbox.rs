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

/// One synthetic patient, as `sandbox patients --format csv` lists it.
pub struct Listed<'a> {
    pub nhs_number: &'a str,
    pub name: &'a str,
    /// The patient's behaviour, as its JSON name.
    pub behaviour: String,
    pub shows: &'a str,
}

/// `sandbox patients --format csv`.
pub fn patients_csv(list: &[Listed<'_>]) -> String {
    let mut rows = vec![vec![
        "nhs_number".to_string(),
        "name".to_string(),
        "behaviour".to_string(),
        "shows".to_string(),
    ]];
    rows.extend(list.iter().map(|p| {
        vec![
            p.nhs_number.to_string(),
            p.name.to_string(),
            p.behaviour.clone(),
            p.shows.to_string(),
        ]
    }));
    super::csv(&rows)
}

/// `sandbox patients`: the CP-IS patients (number, name, what they show), then the numbers
/// that show one PDS classification each (number, what PDS shows).
pub fn patients_table(
    patients: &[(&str, &str, &str)],
    pds_cases: &[(&str, &str)],
    term: &crate::ui::Terminal,
) -> String {
    let mut t = super::new_table(&["NHS number", "Name", "Shows"], term);
    for (nhs_number, name, shows) in patients {
        t.add_row(vec![*nhs_number, *name, *shows]);
    }
    let mut pds = super::new_table(&["NHS number", "PDS shows"], term);
    for (nhs_number, shows) in pds_cases {
        pds.add_row(vec![*nhs_number, *shows]);
    }
    format!(
        "Synthetic patients of the embedded sandbox (`cpis lookup NUMBER --scheduled`):\n{t}\n\
         Each has a PDS record (999 000 0034 restricted R, 999 000 0069 very restricted V, 999 000 0042 the mother's). \
         These numbers show one PDS classification each:\n{pds}\n\
         Also \"no record\" (an empty searchset): every Modulus-11-valid number from 999 010 0000 to 999 999 9999, for batch runs.\n\
         Any other number gets an error: the sandbox never answers \"no plan\" for a number it does not know.\n"
    )
}
