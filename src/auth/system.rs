//! The nominated system identity: signed-JWT client credentials on the NHS API platform
//! (application-restricted), acting for a configured nominated person.
//!
//! `POST {token_url}` form-encoded with `grant_type=client_credentials`,
//! `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer` and a
//! client assertion signed RS512 with `typ: JWT` and `kid`, claims `iss` = `sub` = the API key,
//! `aud` = the token URL posted to, a fresh `jti`, and an integer `exp` under 300 s ahead.

use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Deserializer};
use sha2::Digest;

use crate::api::platform::errors::read_error_body;
use crate::error::{Error, Kind, Result, Trace};
use crate::secret::Secret;

pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// How far ahead a client assertion expires: a little under the platform's 300 s limit.
pub const ASSERTION_LIFETIME_SECS: u64 = 290;
/// An access token this close to expiry is not used; a new one is requested.
pub const EXPIRY_MARGIN_SECS: u64 = 30;
/// Token requests get a timeout of their own (the reference advises 15-30 s).
pub const TOKEN_TIMEOUT: Duration = Duration::from_secs(20);

/// What is not secret about a registered system: kept in the session index.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SystemInfo {
    pub api_key: String,
    pub kid: String,
    pub nominated_person: String,
    pub nominated_role: String,
    /// The nominated person's job role code (`R8000`), for the HL7 V3 route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nominated_role_code: Option<String>,
    /// Set with `--token-url`; otherwise derived from the endpoint at each use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    /// Use the platform's mock authorisation (`/oauth2-mock/token`).
    #[serde(default)]
    pub mock_auth: bool,
}

impl SystemInfo {
    /// The token URL: the explicit one, or `{origin of the CP-IS base}/oauth2/token`.
    pub fn token_url(&self, cpis_base: &url::Url) -> String {
        self.token_url
            .clone()
            .unwrap_or_else(|| derive_token_url(cpis_base, self.mock_auth))
    }

    /// A short, stable fingerprint of the API key for display: the first 12 hex digits of
    /// its SHA-256 (the key itself is an identifier, but need not be on every screen).
    pub fn api_key_fingerprint(&self) -> String {
        fingerprint(&self.api_key)
    }
}

pub fn fingerprint(s: &str) -> String {
    let digest = sha2::Sha256::digest(s.as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// A token URL on another known environment's host than the endpoint's is a mistake that
/// would sign in to the wrong environment: say which, or `None` when it is consistent.
pub fn token_url_mismatch(
    token_url: &str,
    endpoint_env: Option<crate::config::environment::EnvName>,
) -> Option<String> {
    let host_env = url::Url::parse(token_url)
        .ok()?
        .host_str()
        .and_then(crate::config::environment::EnvName::from_host)?;
    match endpoint_env {
        Some(env) if env != host_env => Some(format!(
            "the token URL {token_url} is on the {host_env} environment's host, but this is {env}"
        )),
        _ => None,
    }
}

/// The API platform's OAuth server sits at the root of the same host as every API.
pub fn derive_token_url(cpis_base: &url::Url, mock: bool) -> String {
    let path = if mock {
        "/oauth2-mock/token"
    } else {
        "/oauth2/token"
    };
    format!("{}{path}", cpis_base.origin().ascii_serialization())
}

/// The smallest RSA key accepted (the platform asks for 4096-bit keys; 2048 is the floor
/// anyone still accepts). A smaller key cannot even sign an RS512 assertion.
pub const MIN_KEY_BITS: usize = 2048;
/// The largest: beyond this a key is not one anyone made for this.
pub const MAX_KEY_BITS: usize = 16384;

/// Why `pem` is not a usable RSA private key (PKCS#1 or PKCS#8 PEM, a consistent key of
/// [`MIN_KEY_BITS`] to [`MAX_KEY_BITS`] bits), or `None` when it is.
fn key_problem(pem: &Secret) -> Option<String> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::traits::PublicKeyParts;
    let text = pem.expose().trim();
    let Ok(key) = rsa::RsaPrivateKey::from_pkcs1_pem(text)
        .or_else(|_| rsa::RsaPrivateKey::from_pkcs8_pem(text))
    else {
        return Some("is not an RSA private key in PEM (PKCS#1 or PKCS#8)".into());
    };
    if key.validate().is_err() {
        return Some("is not a consistent RSA private key".into());
    }
    let bits = key.size() * 8;
    if !(MIN_KEY_BITS..=MAX_KEY_BITS).contains(&bits) {
        return Some(format!(
            "is a {bits}-bit RSA key: the key must have {MIN_KEY_BITS} to {MAX_KEY_BITS} bits"
        ));
    }
    if EncodingKey::from_rsa_pem(text.as_bytes()).is_err() {
        return Some("is not an RSA private key in PEM (PKCS#1 or PKCS#8)".into());
    }
    None
}

/// Read a private key (PKCS#1 or PKCS#8 PEM) so that a bad file is reported at once
/// (exit 2, naming `from`).
pub fn check_private_key(pem: &Secret, from: &str) -> Result<()> {
    match key_problem(pem) {
        None => Ok(()),
        Some(why) => Err(Error::usage(format!("{from} {why}"))
            .with_hint("make one with `cpis auth keygen --kid KID`")),
    }
}

#[derive(serde::Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    jti: String,
    exp: u64,
}

/// Sign a fresh client assertion for `aud` (the token URL it will be posted to).
pub fn client_assertion(
    info: &SystemInfo,
    key_pem: &Secret,
    aud: &str,
    now: u64,
) -> Result<Secret> {
    sign_assertion(&info.api_key, &info.kid, key_pem, aud, now)
}

/// Sign a client assertion as the application `api_key` with its key `kid`.
pub fn sign_assertion(
    api_key: &str,
    kid: &str,
    key_pem: &Secret,
    aud: &str,
    now: u64,
) -> Result<Secret> {
    // Checked whole first: the signer panics on a key too small for RS512.
    let unusable = |why: String| {
        Error::new(
            Kind::NotAuthenticated,
            format!("the stored private key cannot be used: it {why}"),
        )
        .with_hint("sign in again: cpis auth login --system")
    };
    if let Some(why) = key_problem(key_pem) {
        return Err(unusable(why));
    }
    let key = EncodingKey::from_rsa_pem(key_pem.expose().trim().as_bytes())
        .map_err(|_| unusable("cannot be read".into()))?;
    let mut header = Header::new(Algorithm::RS512);
    header.typ = Some("JWT".into());
    header.kid = Some(kid.to_string());
    let claims = Claims {
        iss: api_key,
        sub: api_key,
        aud,
        jti: uuid::Uuid::new_v4().to_string(),
        exp: now + ASSERTION_LIFETIME_SECS,
    };
    jsonwebtoken::encode(&header, &claims, &key)
        .map(Secret::new)
        .map_err(|e| Error::unexpected(format!("cannot sign the client assertion: {e}")))
}

/// The longest an access token is taken to last, whatever the server says: 24 hours (the
/// platform issues them for 10 minutes; a longer claim is clamped, the service itself still
/// decides, and a refused token is renewed).
pub const MAX_ACCESS_LIFETIME_SECS: u64 = 24 * 60 * 60;
/// The longest a refresh token is taken to last: 12 hours, the length of a CIS2 session
/// (the platform's `refresh_token_expires_in` is 43199).
pub const MAX_REFRESH_LIFETIME_SECS: u64 = 12 * 60 * 60;
/// An access token whose reply gives no usable `expires_in` is taken to last the platform's
/// usual 599 seconds.
pub const DEFAULT_ACCESS_LIFETIME_SECS: u64 = 599;

/// A count of seconds (or milliseconds) from a server, as a JSON number or a string of
/// digits (`"599"`). Anything else (negative, fractional, `1e300`, beyond 2^64, text, another
/// JSON type) is ignored as if it were absent: it never fails the reply, and never reaches
/// arithmetic unbounded.
fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<u64>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// The token endpoint's reply.
#[derive(Debug, Deserialize)]
pub struct TokenReply {
    pub access_token: Secret,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub expires_in: Option<u64>,
    /// Milliseconds since the epoch.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub issued_at: Option<u64>,
    #[serde(default)]
    pub refresh_token: Option<Secret>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub refresh_token_expires_in: Option<u64>,
}

impl TokenReply {
    /// When the access token expires, in seconds since the epoch (`issued_at` is in ms):
    /// `expires_in` (599 when absent or unusable) clamped to [`MAX_ACCESS_LIFETIME_SECS`].
    pub fn expires_at(&self, now: u64) -> u64 {
        let issued = self.issued_at.map_or(now, |ms| ms / 1000);
        let lifetime = self
            .expires_in
            .unwrap_or(DEFAULT_ACCESS_LIFETIME_SECS)
            .min(MAX_ACCESS_LIFETIME_SECS);
        // A clock far from the server's must not make a token look valid for longer.
        issued.min(now).saturating_add(lifetime)
    }

    /// When the refresh token expires, if the reply says: `refresh_token_expires_in` clamped
    /// to [`MAX_REFRESH_LIFETIME_SECS`].
    pub fn refresh_expires_at(&self, now: u64) -> Option<u64> {
        self.refresh_token_expires_in
            .map(|s| now.saturating_add(s.min(MAX_REFRESH_LIFETIME_SECS)))
    }
}

/// Every value of a form we posted, in the forms a server could echo it back in (as sent,
/// form- and percent-encoded, JSON-escaped), so that none reaches a message. The protocol's
/// own names (`grant_type`, `*_type`) are not secrets and are left, so that "refresh_token is
/// invalid" still reads as such.
pub struct Redactor {
    needles: Vec<String>,
}

pub const REDACTED: &str = "[redacted]";

impl Redactor {
    pub fn new(form: &[(&str, &str)]) -> Self {
        use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
        const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~');
        let mut needles = Vec::new();
        for (k, v) in form {
            if v.is_empty() || *k == "grant_type" || k.ends_with("_type") {
                continue;
            }
            let mut forms = vec![
                v.to_string(),
                url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>(),
                utf8_percent_encode(v, UNRESERVED).to_string(),
                utf8_percent_encode(v, NON_ALPHANUMERIC).to_string(),
            ];
            let json = serde_json::to_string(v).expect("strings serialise");
            let json = json[1..json.len() - 1].to_string();
            forms.push(json.replace('/', "\\/"));
            forms.push(json);
            for f in forms {
                // Percent-encoding with lower-case hex digits too.
                let lower = lower_hex_escapes(&f);
                needles.push(f);
                needles.push(lower);
            }
        }
        needles.retain(|n| !n.is_empty());
        // Longest first, so a value that contains another is removed whole.
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        needles.dedup();
        Redactor { needles }
    }

    pub fn clean(&self, s: &str) -> String {
        let mut out = s.to_string();
        for n in &self.needles {
            if out.contains(n.as_str()) {
                out = out.replace(n.as_str(), REDACTED);
            }
        }
        out
    }

    fn clean_opt(&self, s: Option<String>) -> Option<String> {
        s.map(|s| self.clean(&s))
    }
}

/// `%2F` → `%2f` (the escapes of an ASCII string; anything else is returned as it is).
fn lower_hex_escapes(s: &str) -> String {
    if !s.is_ascii() {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.extend_from_slice(&[
                b'%',
                b[i + 1].to_ascii_lowercase(),
                b[i + 2].to_ascii_lowercase(),
            ]);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("ASCII in, ASCII out")
}

/// POST a form to the token endpoint. A refusal exits 4 with the platform's
/// `error_description` and `message_id`.
pub async fn request_token(
    http: &reqwest::Client,
    token_url: &str,
    form: &[(&str, &str)],
) -> Result<TokenReply> {
    let bytes = request_token_raw(http, token_url, form).await?;
    parse_token_reply(&bytes)
}

/// A token endpoint's 2xx reply as a [`TokenReply`].
pub fn parse_token_reply(bytes: &[u8]) -> Result<TokenReply> {
    serde_json::from_slice(bytes).map_err(|_| {
        Error::new(
            Kind::Service,
            "token endpoint: the reply holds no access token",
        )
        .with_hint("check the token URL")
    })
}

/// POST a form to a token endpoint; the body of a 2xx reply, or the refusal as an error.
pub async fn request_token_raw(
    http: &reqwest::Client,
    token_url: &str,
    form: &[(&str, &str)],
) -> Result<Vec<u8>> {
    let url = url::Url::parse(token_url)
        .map_err(|e| Error::usage(format!("token URL {token_url:?}: {e}")))?;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let resp = http
        .post(url.clone())
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(reqwest::header::ACCEPT, "application/json")
        .header("X-Request-ID", uuid::Uuid::new_v4().to_string())
        .timeout(TOKEN_TIMEOUT)
        .body(body)
        .send()
        .await
        .map_err(|e| {
            let mut err = crate::net::diagnose::transport_error(e, &url, TOKEN_TIMEOUT, true);
            err.message = format!("token endpoint: {}", err.message);
            err
        })?;
    let (head, bytes) = crate::api::platform::reply::read(resp, crate::net::http::MAX_BODY).await;
    let (status, content_type, location) = (head.status, head.content_type, head.location);
    let bytes = match bytes {
        Ok(b) => b,
        Err(crate::net::http::BodyError::TooLarge) => {
            return Err(crate::net::http::too_large("token endpoint"))
        }
        Err(crate::net::http::BodyError::Transport(e)) => {
            return Err(crate::net::diagnose::transport_error(
                e,
                &url,
                TOKEN_TIMEOUT,
                true,
            ))
        }
    };
    if (200..300).contains(&status) {
        return Ok(bytes.to_vec());
    }
    // Nothing derived from a refusal is shown with anything we sent in it: a server that
    // echoes the request would otherwise print the assertion, a refresh token or a secret.
    let redactor = Redactor::new(form);
    if (300..400).contains(&status) {
        // Never followed: the body holds the client assertion, a refresh token or a secret.
        let location = location
            .as_deref()
            .map(|l| redactor.clean(&crate::net::redirect::shown_location(&url, l)))
            .unwrap_or_else(|| "nowhere (no Location)".into());
        return Err(Error::new(
            Kind::Service,
            format!(
                "token endpoint: answered HTTP {status}, a redirect to {location}; not followed, and nothing was sent there"
            ),
        )
        .with_hint("check the token URL: it should be the token endpoint itself")
        .with_trace(Trace {
            http_status: Some(status),
            ..Trace::default()
        }));
    }
    let cleaned = redactor.clean(&String::from_utf8_lossy(&bytes));
    let said = read_error_body(content_type.as_deref(), cleaned.as_bytes());
    let said = crate::api::platform::errors::Said {
        code: redactor.clean_opt(said.code),
        message: redactor.clean_opt(said.message),
        message_id: redactor.clean_opt(said.message_id),
        html: said.html,
    };
    let host = url.host_str().unwrap_or("the token endpoint").to_string();
    let detail = said
        .message
        .clone()
        .unwrap_or_else(|| format!("HTTP {status}"));
    let (kind, hint) = match status {
        400 | 401 | 403 | 415 => (
            Kind::NotAuthenticated,
            "check the API key, kid, private key and token URL registered for this environment; `cpis auth status` shows what is configured",
        ),
        429 => (Kind::Service, "rate limited: wait a minute and try again"),
        _ => (Kind::Service, "try again shortly; if it persists, report it with the message_id"),
    };
    Err(Error::new(
        kind,
        format!("{host} refused to issue an access token: {detail}"),
    )
    .with_hint(hint)
    .with_trace(Trace {
        http_status: Some(status),
        code: said.code,
        message_id: said.message_id,
        ..Trace::default()
    }))
}

/// Sign an assertion and exchange it for an access token.
pub async fn client_credentials(
    http: &reqwest::Client,
    info: &SystemInfo,
    key_pem: &Secret,
    token_url: &str,
    now: u64,
) -> Result<TokenReply> {
    let assertion = client_assertion(info, key_pem, token_url, now)?;
    request_token(
        http,
        token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", CLIENT_ASSERTION_TYPE),
            ("client_assertion", assertion.expose()),
        ],
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assertions_carry_exactly_the_published_claims() {
        let info = SystemInfo {
            api_key: "key-1".into(),
            kid: "kid-1".into(),
            nominated_person: "N".into(),
            nominated_role: "R".into(),
            nominated_role_code: None,
            token_url: None,
            mock_auth: false,
        };
        let pem = Secret::new(crate::sandbox::app::PRIVATE_KEY_PEM);
        let jwt = client_assertion(
            &info,
            &pem,
            "https://int.api.service.nhs.uk/oauth2/token",
            1000,
        )
        .unwrap();
        let header = jsonwebtoken::decode_header(jwt.expose()).unwrap();
        assert_eq!(header.alg, Algorithm::RS512);
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        assert_eq!(header.kid.as_deref(), Some("kid-1"));
        let payload = jwt.expose().split('.').nth(1).unwrap();
        use base64::Engine;
        let claims: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(claims["iss"], "key-1");
        assert_eq!(claims["sub"], "key-1");
        assert_eq!(claims["aud"], "https://int.api.service.nhs.uk/oauth2/token");
        assert_eq!(claims["exp"], 1290);
        assert!(uuid::Uuid::parse_str(claims["jti"].as_str().unwrap()).is_ok());
        let again = client_assertion(&info, &pem, "x", 1000).unwrap();
        assert_ne!(again.expose(), jwt.expose(), "jti is fresh each time");
    }

    #[test]
    fn token_urls_follow_the_endpoint() {
        let base = url::Url::parse("https://int.api.service.nhs.uk/cpis/FHIR/R4").unwrap();
        assert_eq!(
            derive_token_url(&base, false),
            "https://int.api.service.nhs.uk/oauth2/token"
        );
        assert_eq!(
            derive_token_url(&base, true),
            "https://int.api.service.nhs.uk/oauth2-mock/token"
        );
        let local = url::Url::parse("http://127.0.0.1:4567/cpis/FHIR/R4").unwrap();
        assert_eq!(
            derive_token_url(&local, false),
            "http://127.0.0.1:4567/oauth2/token"
        );
    }

    #[test]
    fn everything_posted_is_redacted_in_any_encoding() {
        let r = Redactor::new(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "rt/a+b c\"d"),
            ("client_secret", "s3cret"),
            ("empty", ""),
        ]);
        for echoed in [
            "rt/a+b c\"d",
            "rt%2Fa%2Bb+c%22d",
            "rt%2fa%2bb+c%22d",
            "rt%2Fa%2Bb%20c%22d",
            "rt\\/a+b c\\\"d",
            "rt/a+b c\\\"d",
        ] {
            let out = r.clean(&format!("refresh_token is invalid: {echoed} and s3cret"));
            assert_eq!(
                out, "refresh_token is invalid: [redacted] and [redacted]",
                "{echoed}"
            );
        }
    }

    #[test]
    fn lifetimes_are_bounded_and_unusable_ones_ignored() {
        let r: TokenReply = serde_json::from_str(
            r#"{"access_token":"t","expires_in":18446744073709551615,"refresh_token_expires_in":"18446744073709551615"}"#,
        )
        .unwrap();
        assert_eq!(r.expires_at(1000), 1000 + MAX_ACCESS_LIFETIME_SECS);
        assert_eq!(
            r.refresh_expires_at(1000),
            Some(1000 + MAX_REFRESH_LIFETIME_SECS)
        );
        assert_eq!(r.expires_at(u64::MAX), u64::MAX);
        for v in [
            "-5", "1e300", "599.5", "\"soon\"", "{}", "[1]", "true", "null",
        ] {
            let r: TokenReply = serde_json::from_str(&format!(
                r#"{{"access_token":"t","expires_in":{v},"issued_at":{v},"refresh_token_expires_in":{v}}}"#
            ))
            .unwrap();
            assert_eq!(
                r.expires_at(1000),
                1000 + DEFAULT_ACCESS_LIFETIME_SECS,
                "{v}"
            );
            assert_eq!(r.refresh_expires_at(1000), None, "{v}");
        }
    }

    #[test]
    fn replies_with_numbers_as_strings_are_read() {
        let r: TokenReply = serde_json::from_str(
            r#"{"access_token":"t","expires_in":"599","token_type":"Bearer","issued_at":"1700000000123"}"#,
        )
        .unwrap();
        assert_eq!(r.expires_in, Some(599));
        assert_eq!(r.expires_at(1_700_000_100), 1_700_000_000 + 599);
        let r: TokenReply =
            serde_json::from_str(r#"{"access_token":"t","expires_in":599}"#).unwrap();
        assert_eq!(r.expires_at(50), 649);
        assert!(!format!("{r:?}").contains("\"t\""));
    }
}
