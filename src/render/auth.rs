//! `cpis auth status`: one typed value, [`AuthStatus`], shown as text for people or as JSON
//! for scripts. Pure.

use crate::auth::SessionKind;

/// Everything `auth status` knows about the credential of this profile and environment.
/// The serialised fields are the JSON document (its keys come out sorted, as they always
/// have); the skipped ones only shape the text.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuthStatus {
    pub profile: String,
    pub environment: String,
    pub base_url: Option<String>,
    pub credential_key: String,
    pub signed_in: bool,
    pub usable: bool,
    /// `CPIS_ACCESS_TOKEN` or `stored`.
    pub source: Option<&'static str>,
    pub kind: Option<&'static str>,
    pub credential_store: Option<String>,
    pub credential_store_backend: Option<&'static str>,
    pub signed_in_at: Option<String>,
    pub access_token_expires_at: Option<String>,
    pub refresh_token_expires_at: Option<String>,
    pub renews_silently: bool,
    pub env_token_overrides_stored: bool,
    pub user: Option<UserStatus>,
    pub system: Option<SystemStatus>,
    pub problem: Option<String>,
    pub fix: Option<String>,
    /// The environment as the text shows it: its name and base URL.
    #[serde(skip)]
    pub endpoint_text: String,
    /// The kind of the stored credential, when there is one.
    #[serde(skip)]
    pub session_kind: Option<SessionKind>,
    /// "as a system acting for ...", "as ... (CIS2)": the stored credential in words.
    #[serde(skip)]
    pub session_described: Option<String>,
    /// The embedded sandbox is in use (it needs no credential).
    #[serde(skip)]
    pub embedded: bool,
}

/// The CIS2 user of a stored sign-in.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UserStatus {
    pub name: String,
    pub role: Option<String>,
    pub organisation: Option<String>,
    pub ods_code: Option<String>,
    pub role_profile_id: Option<String>,
    pub activity_codes: Vec<String>,
    pub may_view_unscheduled_b0107: bool,
    pub may_view_scheduled_b0170: bool,
    /// The user in one line.
    #[serde(skip)]
    pub described: String,
}

/// The registered system of a stored sign-in.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SystemStatus {
    pub api_key_fingerprint: String,
    pub kid: String,
    pub nominated_person: String,
    pub nominated_role: String,
    pub token_url: Option<String>,
}

/// `auth status --json`.
pub fn json(s: &AuthStatus) -> String {
    // Through a JSON value, whose object keys are sorted: the document as it has always been.
    super::json(&serde_json::to_value(s).expect("serialisable"))
}

/// `auth status`, for people.
pub fn text(s: &AuthStatus) -> String {
    let mut out = format!(
        "Environment:  {}\nProfile:      {}\n",
        s.endpoint_text, s.profile
    );
    out.push_str(&format!("Signed in:    {}\n", signed_in(s)));
    if let Some(i) = &s.system {
        out.push_str(&format!(
            "System:       API key {} (fingerprint), kid {}\nActing for:   {} ({})\nToken URL:    {}\n",
            i.api_key_fingerprint,
            i.kid,
            i.nominated_person,
            i.nominated_role,
            i.token_url.clone().unwrap_or_default()
        ));
    }
    if let Some(u) = &s.user {
        out.push_str(&user(u));
    }
    if let Some(d) = &s.credential_store {
        out.push_str(&format!("Stored in:    {d}\n"));
    }
    if let Some(kind) = s.session_kind {
        out.push_str(&stored(s, kind));
    }
    out.push_str(&format!(
        "Usable:       {}\n",
        if s.usable { "yes" } else { "no" }
    ));
    if let Some(p) = &s.problem {
        out.push_str(&format!("Problem:      {p}\n"));
    }
    if let Some(f) = &s.fix {
        out.push_str(&format!("Fix:          {f}\n"));
    }
    out
}

fn signed_in(s: &AuthStatus) -> String {
    match (s.source, &s.session_described) {
        (Some("CPIS_ACCESS_TOKEN"), Some(_)) => {
            "with CPIS_ACCESS_TOKEN (it wins over the stored credential while set)".to_string()
        }
        (Some("CPIS_ACCESS_TOKEN"), None) => "with CPIS_ACCESS_TOKEN (nothing stored)".to_string(),
        (_, Some(d)) => format!("yes, {d}"),
        (_, None) if s.embedded => "no (the embedded sandbox needs no credential)".to_string(),
        _ => "no".to_string(),
    }
}

fn user(u: &UserStatus) -> String {
    let holds = |may: bool, code: &str| {
        if may {
            format!("{code} yes")
        } else {
            format!("{code} NO")
        }
    };
    format!(
        "User:         {}\nActivities:   {}, {}{}\n",
        u.described,
        holds(u.may_view_unscheduled_b0107, "B0107 (unscheduled)"),
        holds(u.may_view_scheduled_b0170, "B0170 (scheduled)"),
        if u.activity_codes.is_empty() {
            " (CIS2 listed no activity codes: not checked)"
        } else {
            ""
        }
    )
}

/// Since when, until when, and whether it renews: the stored credential's times.
fn stored(s: &AuthStatus, kind: SessionKind) -> String {
    let mut out = format!(
        "Since:        {}\n",
        s.signed_in_at.as_deref().unwrap_or("not known")
    );
    let expiry = match (kind, &s.access_token_expires_at) {
        (SessionKind::System, Some(t)) => {
            format!("{t} (a new token is requested automatically)")
        }
        (_, Some(t)) => t.clone(),
        (_, None) => "not known (a supplied token)".into(),
    };
    out.push_str(&format!("Access token: expires {expiry}\n"));
    match (kind, &s.refresh_token_expires_at) {
        (SessionKind::User, Some(t)) if s.renews_silently => out.push_str(&format!(
            "Refresh:      until {t} (access tokens are renewed silently until then)\n"
        )),
        (SessionKind::User, _) if s.renews_silently => {
            out.push_str("Refresh:      yes (access tokens are renewed silently)\n")
        }
        (SessionKind::User, _) => out.push_str(
            "Refresh:      no (nothing can renew the access token: sign in again when it expires)\n",
        ),
        _ => {}
    }
    out
}

/// What `auth keygen` wrote, and what to do next (register the JWKS, then sign in).
pub fn keygen_next(pem: &std::path::Path, jwks: &std::path::Path, kid: &str) -> String {
    let jwks_name = jwks
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(
        "Wrote {} (private key, mode 0600: keep it secret) and {} (public JWKS).\n\
         Next: register {jwks_name} as the JWKS of your application on the NHS API platform\n\
         (the platform caches keys for an hour), then sign in:\n  \
         cpis --env int auth login --system --api-key KEY --kid {kid} --private-key {} \\\n      \
         --nominated-person \"NAME\" --nominated-role \"JOB ROLE\"",
        pem.display(),
        jwks.display(),
        pem.display()
    )
}
