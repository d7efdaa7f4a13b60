//! A mock NHS CIS2 OpenID provider for the sandbox: discovery, an authorize endpoint that
//! signs a synthetic smartcard user in at once (no page; `login_hint` picks the user), the
//! token endpoint (authorization code with client secret and PKCE S256), JWKS and userinfo
//! with national RBAC roles and activity codes. Everything is synthetic.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use sha2::Digest;

use super::app;

/// The mock's signing key id (its key is the sandbox's synthetic key).
pub const KID: &str = "cis2-mock-key-1";

/// A synthetic smartcard user and their one role.
pub struct User {
    pub uid: &'static str,
    pub name: &'static str,
    pub role_name: &'static str,
    pub role_code: &'static str,
    pub role_profile_id: &'static str,
    pub org_code: &'static str,
    pub org_name: &'static str,
    pub activity_codes: &'static [&'static str],
}

pub const USERS: &[User] = &[
    User {
        uid: app::DEFAULT_USER_ID,
        name: "Dr Jane SMITH",
        role_name: "Named Nurse Safeguarding",
        role_code: "S8000:G8000:R8001",
        role_profile_id: "555123456789",
        org_code: "RKE",
        org_name: "Whittington Health",
        activity_codes: &["B0107", "B0170"],
    },
    User {
        uid: app::NO_B0107_USER_ID,
        name: "Mr Sam CLERK",
        role_name: "Clinic Receptionist",
        role_code: "S8000:G8001:R8008",
        role_profile_id: "555123456790",
        org_code: "RKE",
        org_name: "Whittington Health",
        activity_codes: &["B0170"],
    },
];

pub fn find_user(uid: &str) -> Option<&'static User> {
    USERS.iter().find(|u| u.uid == uid)
}

struct Grant {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    nonce: Option<String>,
    user: &'static User,
}

/// What the mock remembers while it runs: codes (single use) and CIS2 access tokens.
#[derive(Default)]
pub struct Cis2State {
    codes: Mutex<HashMap<String, Grant>>,
    tokens: Mutex<HashMap<String, &'static User>>,
}

/// A reply: status, extra headers, JSON body (or none).
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Value,
}

fn answer(status: u16, body: Value) -> Answer {
    Answer {
        status,
        headers: vec![],
        body,
    }
}

fn oauth_error(status: u16, error: &str, description: &str) -> Answer {
    answer(
        status,
        json!({"error": error, "error_description": description}),
    )
}

fn random() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

pub fn discovery(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/access_token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/connect/jwk_uri"),
        "response_types_supported": ["code"],
        "scopes_supported": ["openid", "profile", "email", "nhsperson", "nationalrbacaccess", "selectedrole"],
        "id_token_signing_alg_values_supported": ["RS256", "RS512"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
    })
}

pub fn jwks() -> Value {
    app::public_jwks(app::PRIVATE_KEY_PEM, KID).expect("the built-in key is valid")
}

/// A native app's redirect: `http://127.0.0.1:PORT/...` (any port) or `http://localhost:PORT/...`.
fn loopback_redirect(uri: &str) -> bool {
    url::Url::parse(uri).is_ok_and(|u| {
        u.scheme() == "http" && matches!(u.host_str(), Some("127.0.0.1") | Some("localhost"))
    })
}

/// `GET {issuer}/authorize?...`: sign the user in at once and redirect back with a code.
pub fn authorize(state: &Cis2State, query: &HashMap<String, String>) -> Answer {
    let get = |k: &str| query.get(k).map(String::as_str);
    if get("client_id") != Some(app::CIS2_CLIENT_ID) {
        return oauth_error(400, "invalid_client", "unknown client_id");
    }
    let Some(redirect) = get("redirect_uri").filter(|r| loopback_redirect(r)) else {
        return oauth_error(
            400,
            "invalid_request",
            "redirect_uri must be a loopback http URI",
        );
    };
    if get("response_type") != Some("code") {
        return oauth_error(
            400,
            "unsupported_response_type",
            "response_type must be code",
        );
    }
    if !get("scope").is_some_and(|s| s.split(' ').any(|x| x == "openid")) {
        return oauth_error(400, "invalid_scope", "scope must include openid");
    }
    let (Some(challenge), Some("S256")) = (get("code_challenge"), get("code_challenge_method"))
    else {
        return oauth_error(400, "invalid_request", "PKCE with S256 is required");
    };
    let Some(user) = find_user(get("login_hint").unwrap_or(app::DEFAULT_USER_ID)) else {
        return oauth_error(
            400,
            "invalid_request",
            "unknown login_hint (synthetic user)",
        );
    };
    let code = random();
    state.codes.lock().expect("codes").insert(
        code.clone(),
        Grant {
            client_id: app::CIS2_CLIENT_ID.into(),
            redirect_uri: redirect.into(),
            challenge: challenge.into(),
            nonce: get("nonce").map(str::to_string),
            user,
        },
    );
    let mut back = url::Url::parse(redirect).expect("checked above");
    back.query_pairs_mut().append_pair("code", &code);
    if let Some(s) = get("state") {
        back.query_pairs_mut().append_pair("state", s);
    }
    Answer {
        status: 302,
        headers: vec![("Location", back.to_string())],
        body: Value::Null,
    }
}

/// `POST {issuer}/access_token` (form): the code for an id_token and a CIS2 access token.
pub fn token(state: &Cis2State, issuer: &str, form: &HashMap<String, String>, now: u64) -> Answer {
    let get = |k: &str| form.get(k).map(String::as_str);
    if get("grant_type") != Some("authorization_code") {
        return oauth_error(
            400,
            "unsupported_grant_type",
            "grant_type must be authorization_code",
        );
    }
    if get("client_id") != Some(app::CIS2_CLIENT_ID)
        || get("client_secret") != Some(app::CIS2_CLIENT_SECRET)
    {
        return oauth_error(401, "invalid_client", "client authentication failed");
    }
    let Some(grant) = get("code").and_then(|c| state.codes.lock().expect("codes").remove(c)) else {
        return oauth_error(400, "invalid_grant", "unknown or used code");
    };
    if get("redirect_uri") != Some(grant.redirect_uri.as_str())
        || grant.client_id != app::CIS2_CLIENT_ID
    {
        return oauth_error(400, "invalid_grant", "redirect_uri does not match");
    }
    let verified = get("code_verifier").is_some_and(|v| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(v.as_bytes()))
            == grant.challenge
    });
    if !verified {
        return oauth_error(400, "invalid_grant", "PKCE verification failed");
    }
    let user = grant.user;
    let access = random();
    state
        .tokens
        .lock()
        .expect("tokens")
        .insert(access.clone(), user);
    let mut claims = json!({
        "sub": user.uid,
        "iss": issuer,
        "aud": app::CIS2_CLIENT_ID,
        "azp": app::CIS2_CLIENT_ID,
        "amr": ["N3_SMARTCARD"],
        "acr": "AAL3_ANY",
        "auth_time": now,
        "iat": now,
        "exp": now + 300,
        "jti": random(),
        "realm": "/NHSIdentity/Healthcare",
        "tokenName": "id_token",
        "selected_roleid": user.role_profile_id,
        "name": user.name,
    });
    if let Some(n) = grant.nonce {
        claims["nonce"] = json!(n);
    }
    let id_token = sign(&claims);
    answer(
        200,
        json!({
            "access_token": access,
            "id_token": id_token,
            "token_type": "Bearer",
            "expires_in": 3599,
            "scope": "openid profile email nhsperson nationalrbacaccess selectedrole",
        }),
    )
}

/// Sign claims as the mock provider (RS256, its kid).
pub fn sign(claims: &Value) -> String {
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some(KID.into());
    h.typ = Some("JWT".into());
    let key = EncodingKey::from_rsa_pem(app::PRIVATE_KEY_PEM.as_bytes()).expect("built-in key");
    jsonwebtoken::encode(&h, claims, &key).expect("signing in memory")
}

/// `GET {issuer}/userinfo` with the CIS2 access token.
pub fn userinfo(state: &Cis2State, bearer: Option<&str>) -> Answer {
    let user = bearer.and_then(|t| state.tokens.lock().expect("tokens").get(t).copied());
    let Some(u) = user else {
        return oauth_error(401, "invalid_token", "unknown access token");
    };
    answer(200, userinfo_of(u))
}

pub fn userinfo_of(u: &User) -> Value {
    let (given, family) = u.name.rsplit_once(' ').unwrap_or(("", u.name));
    json!({
        "sub": u.uid,
        "name": u.name,
        "given_name": given,
        "family_name": family,
        "nhsid_useruid": u.uid,
        "idassurancelevel": "3",
        "nhsid_nrbac_roles": [{
            "person_orgid": format!("{}1", u.role_profile_id),
            "person_roleid": u.role_profile_id,
            "org_code": u.org_code,
            "role_code": u.role_code,
            "role_name": u.role_name,
            "activity_codes": u.activity_codes,
        }],
        "nhsid_user_orgs": [{"org_code": u.org_code, "org_name": u.org_name}],
    })
}

/// Serve the mock CIS2 under [`app::CIS2_ISSUER_PATH`] on the sandbox's origin.
pub async fn endpoint(
    state: &Cis2State,
    tls: bool,
    req: hyper::Request<hyper::body::Incoming>,
) -> super::http::Resp {
    use http_body_util::{BodyExt, Full, Limited};
    use hyper::body::Bytes;
    let scheme = if tls { "https" } else { "http" };
    let host = req
        .headers()
        .get(hyper::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost")
        .to_string();
    let issuer = format!("{scheme}://{host}{}", app::CIS2_ISSUER_PATH);
    let path = req.uri().path().to_string();
    let rest = path.strip_prefix(app::CIS2_ISSUER_PATH).unwrap_or("");
    let query = super::http::query_map(req.uri());
    let bearer = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let a = match (req.method().as_str(), rest) {
        ("GET", "/.well-known/openid-configuration") => answer(200, discovery(&issuer)),
        ("GET", "/connect/jwk_uri") => answer(200, jwks()),
        ("GET", "/authorize") => authorize(state, &query),
        ("GET", "/userinfo") => userinfo(state, bearer.as_deref()),
        ("POST", "/access_token") => {
            let body = match Limited::new(req.into_body(), 64 * 1024).collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => Bytes::new(),
            };
            let form: HashMap<String, String> =
                url::form_urlencoded::parse(&body).into_owned().collect();
            token(state, &issuer, &form, now)
        }
        _ => oauth_error(
            404,
            "not_found",
            "the mock CIS2 serves discovery, authorize, access_token, userinfo and its JWKS",
        ),
    };
    let body = if a.body.is_null() {
        Bytes::new()
    } else {
        Bytes::from(a.body.to_string())
    };
    let mut r = hyper::Response::new(Full::new(body));
    *r.status_mut() = hyper::StatusCode::from_u16(a.status).unwrap_or(hyper::StatusCode::OK);
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r.headers_mut().insert(
        hyper::header::CACHE_CONTROL,
        hyper::header::HeaderValue::from_static("no-store"),
    );
    for (k, v) in a.headers {
        if let Ok(v) = hyper::header::HeaderValue::from_str(&v) {
            r.headers_mut().insert(k, v);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_tokens_verify_with_the_mock_key() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let t = sign(&json!({"sub": "x", "iss": "i", "exp": now + 100}));
        let key = app::public_decoding_key();
        let mut v = jsonwebtoken::Validation::new(Algorithm::RS256);
        v.validate_aud = false;
        let r = jsonwebtoken::decode::<Value>(&t, &key, &v);
        assert!(r.is_ok(), "{r:?}");
    }
}
