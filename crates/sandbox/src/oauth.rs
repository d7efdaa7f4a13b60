//! The sandbox's OAuth server: `POST /oauth2/token` (and `/oauth2-mock/token`) on the same
//! loopback server as the CP-IS searches, answering signed-JWT client credentials the way the
//! NHS API platform does: the same checks, the same status codes, the same `error` and
//! `error_description` texts, and the same reply shape (numbers as strings, `issued_at` in
//! milliseconds).
//!
//! Applications are known by API key: the built-in one ([`super::app`]) and any registered
//! with `cpis sandbox serve --register-app KEY --jwks FILE`. The access tokens issued are
//! self-describing (HS256 JWTs signed with a constant, public sandbox secret), so any sandbox
//! instance can verify them with [`verify_access_token`] — the embedded sandbox is started
//! afresh by every command.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{LazyLock, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::app;
use super::http::Resp;
use super::patients::Accessor;
use crate::error::{Error, Result};

/// The paths the token endpoint answers on (the second is the platform's mock-auth twin).
pub const TOKEN_PATHS: &[&str] = &["/oauth2/token", "/oauth2-mock/token"];
/// The only `client_assertion_type` the platform accepts.
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
pub const ID_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id_token";
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// How long an access token lives, in seconds (the platform's `expires_in`).
pub const EXPIRES_IN: u64 = 599;
/// A client assertion's `exp` may be at most 300 s ahead; the platform allows 10 s of skew.
pub const MAX_ASSERTION_LIFETIME: u64 = 300 + 10;
/// The `iss` of every access token a sandbox issues.
pub const TOKEN_ISSUER: &str = "cpis-sandbox";
/// The organisation recorded for a system caller (the sandbox knows no other).
pub const SYSTEM_ORGANISATION: &str = "CPIS SANDBOX HOSPITAL NHS TRUST (X99)";
/// The nominated person and role of a registered application that names none.
pub const DEFAULT_NOMINATED_PERSON: &str = "Nominated PERSON";
pub const DEFAULT_NOMINATED_ROLE: &str = "Nominated person for CP-IS queries";
/// The HS256 secret of sandbox access tokens. Public on purpose: it only lets a sandbox
/// recognise its own tokens, and sandbox tokens open nothing but sandboxes.
const TOKEN_SECRET: &[u8] = b"cpis-sandbox access tokens: synthetic, public, sandbox-only";
/// The largest token request body read.
const MAX_BODY: usize = 64 * 1024;

/// An application as registered with the platform: its API key, its public keys (by `kid`),
/// and the nominated person its system identity acts for.
#[derive(Debug, Clone)]
pub struct Application {
    pub api_key: String,
    pub name: String,
    pub nominated_person: String,
    pub nominated_role: String,
    keys: Vec<(String, DecodingKey)>,
}

impl Application {
    /// The sandbox's built-in application ([`super::app`]).
    pub fn built_in() -> Application {
        static BUILT_IN: LazyLock<Application> = LazyLock::new(|| {
            let jwks = app::public_jwks(app::PRIVATE_KEY_PEM, app::KID)
                .expect("the built-in key is valid");
            Application::from_jwks(
                app::API_KEY,
                app::APP_NAME,
                &jwks,
                app::NOMINATED_PERSON,
                app::NOMINATED_ROLE,
            )
            .expect("the built-in JWKS is valid")
        });
        BUILT_IN.clone()
    }

    /// An application whose public keys are the RSA keys of a JWKS (`{"keys": [...]}`); every
    /// key needs a `kid`.
    pub fn from_jwks(
        api_key: &str,
        name: &str,
        jwks: &Value,
        nominated_person: &str,
        nominated_role: &str,
    ) -> std::result::Result<Application, String> {
        if api_key.trim().is_empty() {
            return Err("the API key is empty".into());
        }
        let set: JwkSet = serde_json::from_value(jwks.clone())
            .map_err(|e| format!("not a JWKS ({{\"keys\": [...]}} of JSON Web Keys): {e}"))?;
        if set.keys.is_empty() {
            return Err("the JWKS has no keys".into());
        }
        let mut keys = Vec::new();
        for (i, jwk) in set.keys.iter().enumerate() {
            let kid = jwk
                .common
                .key_id
                .clone()
                .filter(|k| !k.is_empty())
                .ok_or_else(|| format!("key {} has no \"kid\"", i + 1))?;
            let AlgorithmParameters::RSA(rsa_params) = &jwk.algorithm else {
                return Err(format!("key {kid:?} is not an RSA key (kty must be RSA)"));
            };
            // A real RSA public key, not just two base64 strings.
            let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let n = b64.decode(rsa_params.n.trim_end_matches('='));
            let e = b64.decode(rsa_params.e.trim_end_matches('='));
            let (Ok(n), Ok(e)) = (n, e) else {
                return Err(format!("key {kid:?}: n and e must be base64url"));
            };
            rsa::RsaPublicKey::new(
                rsa::BigUint::from_bytes_be(&n),
                rsa::BigUint::from_bytes_be(&e),
            )
            .map_err(|e| format!("key {kid:?} is not a usable RSA public key: {e}"))?;
            let key = DecodingKey::from_jwk(jwk)
                .map_err(|e| format!("key {kid:?} is not usable: {e}"))?;
            keys.push((kid, key));
        }
        Ok(Application {
            api_key: api_key.to_string(),
            name: name.to_string(),
            nominated_person: nominated_person.to_string(),
            nominated_role: nominated_role.to_string(),
            keys,
        })
    }

    /// An application registered with `--register-app KEY --jwks FILE`: a bad file is a usage
    /// error naming it.
    pub fn from_jwks_file(
        api_key: &str,
        path: &Path,
        nominated_person: Option<&str>,
        nominated_role: Option<&str>,
    ) -> Result<Application> {
        let bad = |why: String| {
            Error::usage(format!(
                "--register-app {api_key}: cannot use --jwks {}: {why}",
                path.display()
            ))
            .with_hint("give the public JWKS of the application's signing key, as registered with the platform: {\"keys\": [{\"kty\": \"RSA\", \"n\", \"e\", \"kid\", ...}]}")
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let jwks: Value = serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
        Application::from_jwks(
            api_key,
            &format!("application {api_key}"),
            &jwks,
            nominated_person.unwrap_or(DEFAULT_NOMINATED_PERSON),
            nominated_role.unwrap_or(DEFAULT_NOMINATED_ROLE),
        )
        .map_err(bad)
    }

    /// The key ids of its public keys.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(k, _)| k.as_str())
    }

    fn key(&self, kid: &str) -> Option<&DecodingKey> {
        self.keys.iter().find(|(k, _)| k == kid).map(|(_, key)| key)
    }

    /// Who this application's system identity is.
    pub fn system_caller(&self) -> Caller {
        Caller::System {
            api_key: self.api_key.clone(),
            app_name: self.name.clone(),
            nominated_person: self.nominated_person.clone(),
            nominated_role: self.nominated_role.clone(),
        }
    }
}

/// The applications a sandbox knows, and the client-assertion `jti`s it has seen (kept for
/// the life of the server; the platform keeps them for 30 days).
#[derive(Debug)]
pub struct Registry {
    apps: HashMap<String, Application>,
    used_jtis: Mutex<HashSet<(String, String)>>,
    /// Combined authentication: authorization codes (single use) -> (redirect URI, user id).
    codes: Mutex<HashMap<String, (String, String)>>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new(Vec::new())
    }
}

impl Registry {
    /// The built-in application plus `registered` (a later one replaces an earlier one with
    /// the same API key, the built-in one included).
    pub fn new(registered: Vec<Application>) -> Registry {
        let mut apps = HashMap::new();
        for a in std::iter::once(Application::built_in()).chain(registered) {
            apps.insert(a.api_key.clone(), a);
        }
        Registry {
            apps,
            used_jtis: Mutex::new(HashSet::new()),
            codes: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, api_key: &str) -> Option<&Application> {
        self.apps.get(api_key)
    }

    /// Answer a token request's form parameters, posted to `token_url`, as the platform would.
    pub fn token_request(
        &self,
        form: &HashMap<String, String>,
        token_url: &str,
        now: SystemTime,
    ) -> std::result::Result<TokenReply, TokenError> {
        match form.get("grant_type").map(String::as_str) {
            None | Some("") => Err(TokenError::bad("invalid_request", "grant_type is missing")),
            Some("client_credentials") => {
                let caller = self.client_assertion(form, token_url, now)?;
                Ok(TokenReply::issue(&caller, now))
            }
            Some(TOKEN_EXCHANGE) => {
                let app = self.client_assertion(form, token_url, now)?;
                let caller = self.exchange_id_token(form, &app)?;
                let iat = epoch_secs(now);
                Ok(TokenReply::issue(&caller, now).with_refresh(
                    sign_token(&caller, REFRESH_SUFFIX, iat, iat + REFRESH_EXPIRES_IN),
                    REFRESH_EXPIRES_IN,
                    0,
                ))
            }
            Some("refresh_token") => self.refresh(form, now),
            Some("authorization_code") => {
                let caller = self.redeem_code(form)?;
                let iat = epoch_secs(now);
                Ok(TokenReply::issue(&caller, now).with_refresh(
                    sign_token(&caller, REFRESH_SUFFIX, iat, iat + REFRESH_EXPIRES_IN),
                    REFRESH_EXPIRES_IN,
                    0,
                ))
            }
            Some(_) => Err(TokenError::bad(
                "unsupported_grant_type",
                "grant_type is invalid",
            )),
        }
    }

    /// The token-exchange grant's subject: a CIS2 id_token from a sandbox's mock CIS2, not
    /// expired and never exchanged before; the user it names, signed in through `app`.
    fn exchange_id_token(
        &self,
        form: &HashMap<String, String>,
        app: &Caller,
    ) -> std::result::Result<Caller, TokenError> {
        use TokenError as E;
        if form.get("subject_token_type").map(String::as_str) != Some(ID_TOKEN_TYPE) {
            return Err(E::bad(
                "invalid_request",
                "missing or invalid subject_token_type - must be 'urn:ietf:params:oauth:token-type:id_token'",
            ));
        }
        let Some(id_token) = form.get("subject_token").filter(|t| !t.is_empty()) else {
            return Err(E::bad("invalid_request", "missing subject_token"));
        };
        let key = super::app::public_decoding_key();
        let mut v = Validation::new(Algorithm::RS256);
        v.algorithms = vec![Algorithm::RS256, Algorithm::RS512];
        v.validate_aud = false;
        v.leeway = 0;
        v.set_required_spec_claims(&["exp", "iss", "sub"]);
        let claims = match jsonwebtoken::decode::<Value>(id_token, &key, &v) {
            Ok(d) => d.claims,
            Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature) => {
                return Err(E::bad(
                    "invalid_request",
                    "Invalid exp claim in JWT - JWT has expired",
                ))
            }
            Err(_) => {
                return Err(E::unauthorized(
                    "invalid_request",
                    "Invalid subject_token: signature or claims do not verify",
                ))
            }
        };
        let from_mock = claims
            .get("iss")
            .and_then(Value::as_str)
            .is_some_and(|i| i.ends_with(super::app::CIS2_ISSUER_PATH));
        if !from_mock {
            return Err(E::unauthorized(
                "invalid_request",
                "Invalid issuer in subject_token",
            ));
        }
        let jti = claims.get("jti").and_then(Value::as_str).unwrap_or("");
        if jti.is_empty() {
            return Err(E::bad("invalid_request", "Missing jti claim in JWT"));
        }
        let fresh = self
            .used_jtis
            .lock()
            .expect("jti lock")
            .insert(("id_token".into(), jti.to_string()));
        if !fresh {
            return Err(E::bad("invalid_request", "Non-unique jti claim in JWT"));
        }
        let user = claims
            .get("sub")
            .and_then(Value::as_str)
            .and_then(super::cis2::find_user)
            .ok_or_else(|| E::unauthorized("invalid_request", "Unknown user in subject_token"))?;
        let Caller::System {
            api_key, app_name, ..
        } = app
        else {
            return Err(E::bad(
                "invalid_request",
                "client assertion does not name an application",
            ));
        };
        Ok(Caller::User {
            api_key: api_key.clone(),
            app_name: app_name.clone(),
            name: user.name.into(),
            role_code: user.role_code.into(),
            role: user.role_name.into(),
            organisation: format!("{} ({})", user.org_name, user.org_code),
            role_profile_id: user.role_profile_id.into(),
        })
    }

    /// Combined authentication's `GET /oauth2/authorize`: the platform signs the user in with
    /// CIS2 (here: a synthetic user at once, `login_hint` picks which) and redirects back to
    /// the application's callback with a code. `Err` is (status, error, description).
    pub fn authorize(
        &self,
        query: &HashMap<String, String>,
    ) -> std::result::Result<String, TokenError> {
        use TokenError as E;
        let get = |k: &str| query.get(k).map(String::as_str);
        if get("response_type") != Some("code") {
            return Err(E::bad(
                "unsupported_response_type",
                "response_type must be code",
            ));
        }
        if get("client_id") != Some(app::API_KEY) {
            return Err(E::unauthorized("invalid_client", "client_id is invalid"));
        }
        // The sandbox's application registered loopback callbacks (any port).
        let redirect = get("redirect_uri")
            .filter(|r| {
                url::Url::parse(r).is_ok_and(|u| {
                    u.scheme() == "http" && matches!(u.host_str(), Some("127.0.0.1" | "localhost"))
                })
            })
            .ok_or_else(|| {
                E::bad(
                    "invalid_request",
                    "redirect_uri does not match the registered callback",
                )
            })?;
        let state = get("state")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| E::bad("invalid_request", "state is missing"))?;
        let user = get("login_hint").unwrap_or(app::DEFAULT_USER_ID);
        if super::cis2::find_user(user).is_none() {
            return Err(E::bad(
                "invalid_request",
                "unknown login_hint (synthetic user)",
            ));
        }
        let code = uuid::Uuid::new_v4().simple().to_string();
        self.codes
            .lock()
            .expect("codes")
            .insert(code.clone(), (redirect.to_string(), user.to_string()));
        let mut back = url::Url::parse(redirect).expect("checked above");
        back.query_pairs_mut()
            .append_pair("code", &code)
            .append_pair("state", state);
        Ok(back.to_string())
    }

    /// The authorization-code grant of combined authentication: client id and secret, and a
    /// code issued for this redirect URI, once.
    fn redeem_code(
        &self,
        form: &HashMap<String, String>,
    ) -> std::result::Result<Caller, TokenError> {
        use TokenError as E;
        let client_ok = form.get("client_id").map(String::as_str) == Some(app::API_KEY)
            && form.get("client_secret").map(String::as_str) == Some(app::CLIENT_SECRET);
        if !client_ok {
            return Err(E::unauthorized(
                "invalid_client",
                "client_id or client_secret is invalid",
            ));
        }
        let (redirect, uid) = form
            .get("code")
            .and_then(|c| self.codes.lock().expect("codes").remove(c))
            .ok_or_else(|| E::bad("invalid_grant", "authorization code is invalid"))?;
        if form.get("redirect_uri") != Some(&redirect) {
            return Err(E::bad("invalid_grant", "redirect_uri does not match"));
        }
        let user = super::cis2::find_user(&uid).expect("codes name known users");
        Ok(user_caller(self.get(app::API_KEY).expect("built in"), user))
    }

    /// The refresh grant: the application's client id and secret, and a refresh token never
    /// used before (refresh tokens are single-use), within its 12 hours.
    fn refresh(
        &self,
        form: &HashMap<String, String>,
        now: SystemTime,
    ) -> std::result::Result<TokenReply, TokenError> {
        use TokenError as E;
        let client_ok = form.get("client_id").map(String::as_str) == Some(super::app::API_KEY)
            && form.get("client_secret").map(String::as_str) == Some(super::app::CLIENT_SECRET);
        if !client_ok {
            return Err(E::unauthorized(
                "invalid_client",
                "client_id or client_secret is invalid",
            ));
        }
        let invalid = || E::unauthorized("invalid_grant", "refresh_token is invalid");
        let claims = form
            .get("refresh_token")
            .and_then(|t| decode_claims(t))
            .ok_or_else(invalid)?;
        let (exp, jti, refresh_count) = (claims.exp, claims.jti.clone(), 0);
        let caller = caller_of(claims, REFRESH_SUFFIX).ok_or_else(invalid)?;
        let iat = epoch_secs(now);
        if exp <= iat {
            return Err(E::unauthorized(
                "invalid_grant",
                "refresh token refresh period has expired",
            ));
        }
        let fresh = self
            .used_jtis
            .lock()
            .expect("jti lock")
            .insert(("refresh".into(), jti));
        if !fresh {
            return Err(invalid());
        }
        // The refresh period is fixed at sign-in: the new refresh token ends when the old one did.
        Ok(TokenReply::issue(&caller, now).with_refresh(
            sign_token(&caller, REFRESH_SUFFIX, iat, exp),
            exp - iat,
            refresh_count + 1,
        ))
    }

    /// Check a signed-JWT client assertion; on success, the application it identifies.
    /// Header and claims first, unverified, so that each fault gets its own answer; the
    /// signature is checked once the key is known; only a verified assertion uses up its jti.
    fn client_assertion(
        &self,
        form: &HashMap<String, String>,
        token_url: &str,
        now: SystemTime,
    ) -> std::result::Result<Caller, TokenError> {
        let assertion = assertion_of(form)?;
        let (header, claims) = unverified_parts(assertion).ok_or_else(|| {
            TokenError::bad("invalid_request", "Malformed JWT in client_assertion")
        })?;
        let kid = assertion_kid(&header)?;
        let (api_key, jti) = assertion_issuer(&claims)?;
        assertion_expiry(&claims, now)?;
        let (application, key) = self.assertion_key(api_key, kid)?;
        assertion_audience(&claims, token_url)?;
        assertion_signature(assertion, key)?;
        self.use_jti(api_key, jti)?;
        Ok(application.system_caller())
    }

    /// The application `api_key` names and its public key `kid`.
    fn assertion_key(
        &self,
        api_key: &str,
        kid: &str,
    ) -> std::result::Result<(&Application, &DecodingKey), TokenError> {
        let Some(application) = self.get(api_key) else {
            return Err(TokenError::unauthorized(
                "invalid_request",
                "Invalid 'iss'/'sub' claims in client_assertion JWT",
            ));
        };
        let Some(key) = application.key(kid) else {
            return Err(TokenError::unauthorized(
                "invalid_request",
                "Invalid 'kid' header in client_assertion JWT - no matching public key",
            ));
        };
        Ok((application, key))
    }

    /// Use up a verified assertion's `jti`: refused when the application used it before.
    fn use_jti(&self, api_key: &str, jti: &str) -> std::result::Result<(), TokenError> {
        let fresh = self
            .used_jtis
            .lock()
            .expect("jti lock")
            .insert((api_key.to_string(), jti.to_string()));
        if !fresh {
            return Err(TokenError::bad(
                "invalid_request",
                "Non-unique 'jti' claim in client_assertion JWT",
            ));
        }
        Ok(())
    }
}

/// The form's client assertion, of the JWT-bearer type.
fn assertion_of(form: &HashMap<String, String>) -> std::result::Result<&str, TokenError> {
    use TokenError as E;
    if form.get("client_assertion_type").map(String::as_str) != Some(CLIENT_ASSERTION_TYPE) {
        return Err(E::bad(
            "invalid_request",
            "Missing or invalid client_assertion_type - must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'",
        ));
    }
    match form.get("client_assertion").map(|s| s.trim()) {
        None | Some("") => Err(E::bad("invalid_request", "Missing client_assertion")),
        Some(a) => Ok(a),
    }
}

/// The assertion's header: `alg` RS512, a `kid` (returned), `typ` JWT.
fn assertion_kid(header: &serde_json::Map<String, Value>) -> std::result::Result<&str, TokenError> {
    use TokenError as E;
    if header.get("alg").and_then(Value::as_str) != Some("RS512") {
        return Err(E::bad(
            "invalid_request",
            "Invalid 'alg' header in client_assertion JWT - unsupported JWT algorithm - must be 'RS512'",
        ));
    }
    let kid = match header.get("kid").and_then(Value::as_str) {
        Some(k) if !k.is_empty() => k,
        _ => {
            return Err(E::bad(
                "invalid_request",
                "Missing 'kid' header in client_assertion JWT",
            ))
        }
    };
    if !header
        .get("typ")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("JWT"))
    {
        return Err(E::bad(
            "invalid_request",
            "Invalid 'typ' header in client_assertion JWT - must be 'JWT'",
        ));
    }
    Ok(kid)
}

/// Who the assertion says it is (`iss` = `sub`, the API key) and its `jti`.
fn assertion_issuer(
    claims: &serde_json::Map<String, Value>,
) -> std::result::Result<(&str, &str), TokenError> {
    use TokenError as E;
    let iss = claims.get("iss").and_then(Value::as_str);
    let sub = claims.get("sub").and_then(Value::as_str);
    let api_key = match (iss, sub) {
        (Some(iss), Some(sub)) if iss == sub && !sub.is_empty() => sub,
        _ => {
            return Err(E::bad(
                "invalid_request",
                "Missing or non-matching 'iss'/'sub' claims in client_assertion JWT",
            ))
        }
    };
    let jti = match claims.get("jti") {
        None => {
            return Err(E::bad(
                "invalid_request",
                "Missing 'jti' claim in client_assertion JWT",
            ))
        }
        Some(Value::String(j)) if !j.is_empty() => j.as_str(),
        Some(_) => {
            return Err(E::bad(
                "invalid_request",
                "Invalid 'jti' claim in client_assertion JWT - must be a unique string value such as a GUID",
            ))
        }
    };
    Ok((api_key, jti))
}

/// The assertion's `exp`: an integer, not past, at most five minutes ahead.
fn assertion_expiry(
    claims: &serde_json::Map<String, Value>,
    now: SystemTime,
) -> std::result::Result<(), TokenError> {
    use TokenError as E;
    let exp = match claims.get("exp") {
        None => {
            return Err(E::bad(
                "invalid_request",
                "Missing 'exp' claim in client_assertion JWT",
            ))
        }
        Some(v) => v.as_i64().ok_or_else(|| {
            E::bad(
                "invalid_request",
                "Invalid 'exp' claim in client_assertion JWT - must be an integer",
            )
        })?,
    };
    let now_s = epoch_secs(now) as i64;
    if exp < now_s {
        return Err(E::bad(
            "invalid_request",
            "Invalid 'exp' claim in client_assertion JWT - JWT has expired",
        ));
    }
    if exp > now_s + MAX_ASSERTION_LIFETIME as i64 {
        return Err(E::bad(
            "invalid_request",
            "Invalid 'exp' claim in client_assertion JWT - more than 5 minutes in future",
        ));
    }
    Ok(())
}

/// The assertion's `aud`: the token URL it was posted to.
fn assertion_audience(
    claims: &serde_json::Map<String, Value>,
    token_url: &str,
) -> std::result::Result<(), TokenError> {
    if claims.get("aud").and_then(Value::as_str) != Some(token_url) {
        return Err(TokenError::unauthorized(
            "invalid_request",
            "Missing or invalid 'aud' claim in client_assertion JWT",
        ));
    }
    Ok(())
}

/// The assertion's signature by `key` (its claims were checked one by one before).
fn assertion_signature(assertion: &str, key: &DecodingKey) -> std::result::Result<(), TokenError> {
    let mut validation = Validation::new(Algorithm::RS512);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    if jsonwebtoken::decode::<Value>(assertion, key, &validation).is_err() {
        return Err(TokenError::unauthorized(
            "public_key error",
            "JWT signature verification failed",
        ));
    }
    Ok(())
}

/// A synthetic CIS2 user signed in through `application`.
fn user_caller(application: &Application, user: &super::cis2::User) -> Caller {
    Caller::User {
        api_key: application.api_key.clone(),
        app_name: application.name.clone(),
        name: user.name.into(),
        role_code: user.role_code.into(),
        role: user.role_name.into(),
        organisation: format!("{} ({})", user.org_name, user.org_code),
        role_profile_id: user.role_profile_id.into(),
    }
}

/// `GET /oauth2/userinfo` with a user's platform access token: who they are, in CIS2's
/// userinfo shape (as the platform passes it on for combined authentication).
pub fn userinfo(bearer: Option<&str>) -> Option<Value> {
    let Some(Caller::User {
        role_profile_id, ..
    }) = bearer.and_then(verify_access_token)
    else {
        return None;
    };
    super::cis2::USERS
        .iter()
        .find(|u| u.role_profile_id == role_profile_id)
        .map(super::cis2::userinfo_of)
}

/// A JWT's header and claims as JSON objects, without verifying anything; `None` when it is
/// not three base64url parts of which the first two are JSON objects.
fn unverified_parts(
    jwt: &str,
) -> Option<(
    serde_json::Map<String, Value>,
    serde_json::Map<String, Value>,
)> {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [header, claims, signature] = parts[..] else {
        return None;
    };
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let object = |part: &str| -> Option<serde_json::Map<String, Value>> {
        let bytes = b64.decode(part).ok()?;
        match serde_json::from_slice(&bytes).ok()? {
            Value::Object(m) => Some(m),
            _ => None,
        }
    };
    if signature.is_empty() || b64.decode(signature).is_err() {
        return None;
    }
    Some((object(header)?, object(claims)?))
}

fn epoch_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
}

/// A token-endpoint failure, as the platform reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: &'static str,
}

impl TokenError {
    fn bad(error: &'static str, description: &'static str) -> Self {
        TokenError {
            status: StatusCode::BAD_REQUEST,
            error,
            description,
        }
    }

    fn unauthorized(error: &'static str, description: &'static str) -> Self {
        TokenError {
            status: StatusCode::UNAUTHORIZED,
            error,
            description,
        }
    }

    /// The platform's JSON body, with a fresh `message_id`.
    pub fn response(&self) -> Resp {
        json_response(
            self.status,
            &json!({
                "error": self.error,
                "error_description": self.description,
                "message_id": uuid::Uuid::new_v4().to_string(),
            }),
        )
    }
}

/// A successful token reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenReply {
    pub access_token: String,
    /// Milliseconds since the epoch.
    pub issued_at_ms: u128,
    /// For a user: the refresh token, its lifetime in seconds, and how often it was refreshed.
    pub refresh: Option<(String, u64, u32)>,
}

impl TokenReply {
    fn issue(caller: &Caller, now: SystemTime) -> Self {
        TokenReply {
            access_token: issue_access_token(caller, now),
            issued_at_ms: now
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis(),
            refresh: None,
        }
    }

    fn with_refresh(mut self, token: String, expires_in: u64, count: u32) -> Self {
        self.refresh = Some((token, expires_in, count));
        self
    }

    /// The platform's shape: numbers as strings, `issued_at` in milliseconds.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "access_token": self.access_token,
            "expires_in": EXPIRES_IN.to_string(),
            "token_type": "Bearer",
            "issued_at": self.issued_at_ms.to_string(),
        });
        if let Some((token, expires_in, count)) = &self.refresh {
            v["refresh_token"] = json!(token);
            v["refresh_token_expires_in"] = json!(expires_in.to_string());
            v["refresh_count"] = json!(count.to_string());
        }
        v
    }
}

/// Who the sandbox knows to be calling, from an access token it (or another sandbox) issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// An application's system identity, acting for its nominated person (signed-JWT client
    /// credentials).
    System {
        api_key: String,
        app_name: String,
        nominated_person: String,
        nominated_role: String,
    },
    /// A CIS2 user signed in through an application. No grant issues these yet: this is where
    /// token exchange (a CIS2 id_token for an access token) will plug in; verification and
    /// the access record already handle them.
    User {
        api_key: String,
        app_name: String,
        name: String,
        role_code: String,
        role: String,
        organisation: String,
        role_profile_id: String,
    },
}

impl Caller {
    /// How the access history records this caller.
    pub fn accessor(&self) -> Accessor {
        match self {
            Caller::System {
                api_key,
                app_name,
                nominated_person,
                nominated_role,
            } => Accessor::System {
                asid: synthetic_asid(api_key),
                name: format!("{app_name} for {nominated_person} ({nominated_role})"),
                organisation: SYSTEM_ORGANISATION.to_string(),
            },
            Caller::User {
                name,
                role_code,
                role,
                organisation,
                role_profile_id,
                ..
            } => Accessor::Person {
                name: name.clone(),
                role_code: role_code.clone(),
                role: role.clone(),
                organisation: organisation.clone(),
                role_profile_id: role_profile_id.clone(),
            },
        }
    }
}

/// A stable, synthetic 12-digit ASID for an application, derived from its API key (real ASIDs
/// are issued by Spine; the sandbox has none to give).
pub fn synthetic_asid(api_key: &str) -> String {
    let digest = Sha256::digest(api_key.as_bytes());
    let n = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    format!("9{:011}", n % 100_000_000_000)
}

/// The claims of a sandbox access token.
#[derive(Debug, Serialize, Deserialize)]
struct AccessClaims {
    iss: String,
    sub: String,
    app: String,
    /// "system" or "user".
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nominated_person: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nominated_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    organisation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role_profile_id: Option<String>,
    iat: u64,
    exp: u64,
    jti: String,
}

/// How long a refresh token lasts: the platform's 12 hours (`refresh_token_expires_in`).
pub const REFRESH_EXPIRES_IN: u64 = 43_199;
/// Marks a refresh token's `kind`, so that it can never pass as an access token.
const REFRESH_SUFFIX: &str = "-refresh";

/// A sandbox token (access, or refresh with `suffix`) for `caller`.
fn sign_token(caller: &Caller, suffix: &str, iat: u64, exp: u64) -> String {
    let mut claims = AccessClaims {
        iss: TOKEN_ISSUER.into(),
        sub: String::new(),
        app: String::new(),
        kind: String::new(),
        nominated_person: None,
        nominated_role: None,
        name: None,
        role_code: None,
        role: None,
        organisation: None,
        role_profile_id: None,
        iat,
        exp,
        jti: uuid::Uuid::new_v4().to_string(),
    };
    match caller.clone() {
        Caller::System {
            api_key,
            app_name,
            nominated_person,
            nominated_role,
        } => {
            claims.sub = api_key;
            claims.app = app_name;
            claims.kind = format!("system{suffix}");
            claims.nominated_person = Some(nominated_person);
            claims.nominated_role = Some(nominated_role);
        }
        Caller::User {
            api_key,
            app_name,
            name,
            role_code,
            role,
            organisation,
            role_profile_id,
        } => {
            claims.sub = api_key;
            claims.app = app_name;
            claims.kind = format!("user{suffix}");
            claims.name = Some(name);
            claims.role_code = Some(role_code);
            claims.role = Some(role);
            claims.organisation = Some(organisation);
            claims.role_profile_id = Some(role_profile_id);
        }
    }
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(TOKEN_SECRET),
    )
    .expect("HS256 signing cannot fail")
}

/// A sandbox access token for `caller`, issued at `now`, valid for [`EXPIRES_IN`] seconds.
pub fn issue_access_token(caller: &Caller, now: SystemTime) -> String {
    let iat = epoch_secs(now);
    sign_token(caller, "", iat, iat + EXPIRES_IN)
}

/// The claims of a genuine sandbox token (expiry not checked).
fn decode_claims(token: &str) -> Option<AccessClaims> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.set_issuer(&[TOKEN_ISSUER]);
    validation.set_required_spec_claims(&["exp", "iss", "sub"]);
    validation.validate_aud = false;
    jsonwebtoken::decode::<AccessClaims>(
        token.trim(),
        &DecodingKey::from_secret(TOKEN_SECRET),
        &validation,
    )
    .ok()
    .map(|d| d.claims)
}

fn caller_of(c: AccessClaims, suffix: &str) -> Option<Caller> {
    // An access token's kind is `system`/`user`; a refresh token's ends in REFRESH_SUFFIX.
    match c.kind.strip_suffix(suffix)? {
        "system" => Some(Caller::System {
            api_key: c.sub,
            app_name: c.app,
            nominated_person: c.nominated_person?,
            nominated_role: c.nominated_role?,
        }),
        "user" => Some(Caller::User {
            api_key: c.sub,
            app_name: c.app,
            name: c.name?,
            role_code: c.role_code?,
            role: c.role?,
            organisation: c.organisation?,
            role_profile_id: c.role_profile_id?,
        }),
        _ => None,
    }
}

/// The caller named by an access token a sandbox issued, if it is genuine and unexpired.
pub fn verify_access_token(token: &str) -> Option<Caller> {
    let c = decode_claims(token)?;
    if c.exp <= epoch_secs(SystemTime::now()) {
        return None;
    }
    caller_of(c, "")
}

fn json_response(status: StatusCode, v: &Value) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(v.to_string())));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `POST /oauth2/token` (or `/oauth2-mock/token`). `tls` says which scheme the server
/// speaks: the assertion's `aud` must be `{scheme}://{Host}{path}`, the URL actually posted to.
/// Each request with a `grant_type` is told to `on_grant` as `token GRANT STATUS`.
pub async fn token_endpoint(
    registry: &Registry,
    tls: bool,
    req: Request<Incoming>,
    on_grant: impl FnOnce(String),
) -> Resp {
    if req.method() != Method::POST {
        let mut r = json_response(
            StatusCode::METHOD_NOT_ALLOWED,
            &json!({
                "error": "invalid_request",
                "error_description": "The token endpoint only accepts POST",
                "message_id": uuid::Uuid::new_v4().to_string(),
            }),
        );
        r.headers_mut()
            .insert(hyper::header::ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    let form_encoded = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_encoded {
        return TokenError {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            error: "invalid_request",
            description: "Content-Type header must be application/x-www-form-urlencoded",
        }
        .response();
    }
    let scheme = if tls { "https" } else { "http" };
    let host = req
        .headers()
        .get(hyper::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let token_url = format!("{scheme}://{host}{}", req.uri().path());
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return TokenError::bad("invalid_request", "Request body too large or unreadable")
                .response()
        }
    };
    let mut form = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        form.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    let r = match registry.token_request(&form, &token_url, SystemTime::now()) {
        Ok(reply) => json_response(StatusCode::OK, &reply.to_json()),
        Err(e) => e.response(),
    };
    if let Some(grant) = form.get("grant_type") {
        // For `/_sandbox/events`: `token refresh_token 200`.
        let grant: String = grant
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(80)
            .collect();
        on_grant(format!("token {grant} {}", r.status().as_u16()));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn access_tokens_round_trip_and_expire() {
        let caller = Application::built_in().system_caller();
        let now = SystemTime::now();
        let t = issue_access_token(&caller, now);
        assert_eq!(verify_access_token(&t), Some(caller.clone()));
        let old = issue_access_token(&caller, now - Duration::from_secs(EXPIRES_IN + 5));
        assert_eq!(verify_access_token(&old), None);
        assert_eq!(verify_access_token("garbage"), None);
        // Signed with another secret: refused.
        let forged = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::HS256),
            &json!({"iss": TOKEN_ISSUER, "sub": "k", "app": "a", "kind": "system",
                    "nominated_person": "p", "nominated_role": "r",
                    "iat": epoch_secs(now), "exp": epoch_secs(now) + 60, "jti": "j"}),
            &EncodingKey::from_secret(b"another secret"),
        )
        .unwrap();
        assert_eq!(verify_access_token(&forged), None);
    }

    #[test]
    fn system_callers_are_recorded_with_their_nominated_person() {
        let a = Application::built_in().system_caller().accessor();
        let Accessor::System {
            asid,
            name,
            organisation,
        } = a
        else {
            panic!("not a system accessor");
        };
        assert_eq!(asid, synthetic_asid(app::API_KEY));
        assert_eq!(asid.len(), 12);
        assert!(asid.chars().all(|c| c.is_ascii_digit()));
        assert_eq!(
            name,
            format!(
                "{} for {} ({})",
                app::APP_NAME,
                app::NOMINATED_PERSON,
                app::NOMINATED_ROLE
            )
        );
        assert_eq!(organisation, SYSTEM_ORGANISATION);
        assert_ne!(synthetic_asid("a"), synthetic_asid("b"));
    }

    #[test]
    fn user_tokens_become_people() {
        let user = Caller::User {
            api_key: app::API_KEY.into(),
            app_name: app::APP_NAME.into(),
            name: "Dr Una USER".into(),
            role_code: "309343006".into(),
            role: "Physician".into(),
            organisation: "SOMEWHERE (X1)".into(),
            role_profile_id: "555000000001".into(),
        };
        let t = issue_access_token(&user, SystemTime::now());
        let back = verify_access_token(&t).unwrap();
        assert_eq!(back, user);
        assert!(matches!(
            back.accessor(),
            Accessor::Person { ref role_profile_id, .. } if role_profile_id == "555000000001"
        ));
    }

    #[test]
    fn bad_jwks_are_refused_with_a_reason() {
        let ok = app::public_jwks(app::PRIVATE_KEY_PEM, "k1").unwrap();
        assert!(Application::from_jwks("key", "n", &ok, "p", "r").is_ok());
        let mut no_kid = ok.clone();
        no_kid["keys"][0].as_object_mut().unwrap().remove("kid");
        let e = Application::from_jwks("key", "n", &no_kid, "p", "r").unwrap_err();
        assert!(e.contains("kid"), "{e}");
        let e = Application::from_jwks("key", "n", &json!({"keys": []}), "p", "r").unwrap_err();
        assert!(e.contains("no keys"), "{e}");
        let e = Application::from_jwks("key", "n", &json!([1]), "p", "r").unwrap_err();
        assert!(e.contains("not a JWKS"), "{e}");
        let mut bad_n = ok.clone();
        bad_n["keys"][0]["n"] = json!("AQAB");
        assert!(Application::from_jwks("key", "n", &bad_n, "p", "r").is_err());
    }

    #[test]
    fn unknown_grants_and_missing_grants() {
        let r = Registry::default();
        let form = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let now = SystemTime::now();
        let e = r.token_request(&form(&[]), "u", now).unwrap_err();
        assert_eq!(
            (e.error, e.description),
            ("invalid_request", "grant_type is missing")
        );
        let e = r
            .token_request(&form(&[("grant_type", "password")]), "u", now)
            .unwrap_err();
        assert_eq!(
            (e.status, e.error, e.description),
            (
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type is invalid"
            )
        );
    }
}
