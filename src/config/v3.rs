//! The HL7 V3 route's settings (the MHS adaptor, ASIDs, the sending organisation) and the
//! checks `config set` and resolution share.

use url::Url;

use super::Sourced;

/// The adaptor's header that asks it to wait for Spine's reply (older adaptors: `sync-async`).
pub const DEFAULT_WAIT_HEADER: &str = "wait-for-response";

/// The route's profile values, as resolved (`config show`, `doctor`).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `--mhs-url`, else the profile's `mhs_url`.
    pub mhs_url: Option<Sourced<String>>,
    /// `mhs_plain_http = true`: plain HTTP to an adaptor on the organisation's own network.
    pub plain_http: bool,
    /// Whether the profile sets `mhs_plain_http` at all.
    pub plain_http_set: bool,
    pub asid: Option<String>,
    pub spine_asid: Option<String>,
    pub ods_code: Option<String>,
    pub org_name: Option<String>,
    /// `mhs_wait_header`, else [`DEFAULT_WAIT_HEADER`].
    pub wait_header: Option<String>,
    /// The nominated person's job role code (`R8000`), for a system identity.
    pub nominated_role_code: Option<String>,
}

impl Settings {
    pub fn wait_header(&self) -> &str {
        self.wait_header.as_deref().unwrap_or(DEFAULT_WAIT_HEADER)
    }
}

/// A config value check, shared by `config set` and resolution.
pub fn check_value(key: &str, value: &str) -> std::result::Result<String, String> {
    let v = value.trim();
    let digits12 = |v: &str| v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit());
    match key {
        "asid" | "spine_asid" if !digits12(v) => Err(format!("{key} {value:?}: 12 digits")),
        "ods_code"
            if v.is_empty() || v.len() > 12 || !v.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            Err(format!("ods_code {value:?}: letters and digits, e.g. RKE or X99"))
        }
        "org_name" if v.is_empty() || v.len() > 200 || v.chars().any(char::is_control) => {
            Err("org_name needs a name on one line (at most 200 characters)".into())
        }
        "mhs_wait_header"
            if v.is_empty()
                || !v
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Err(format!(
                "mhs_wait_header {value:?}: an HTTP header name, e.g. wait-for-response or sync-async"
            ))
        }
        "nominated_role_code"
            if v.is_empty()
                || v.len() > 32
                || !v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b':') =>
        {
            Err(format!(
                "nominated_role_code {value:?}: a job role code such as R8000"
            ))
        }
        "mhs_url" => {
            let u = Url::parse(v).map_err(|e| format!("mhs_url {value:?}: {e}"))?;
            if !matches!(u.scheme(), "https" | "http") || u.host_str().is_none() {
                return Err(format!("mhs_url {value:?}: an https:// URL"));
            }
            if !u.username().is_empty() || u.password().is_some() {
                return Err(format!("mhs_url {value:?}: no credentials in the URL"));
            }
            Ok(v.to_string())
        }
        _ => Ok(v.to_string()),
    }
}
