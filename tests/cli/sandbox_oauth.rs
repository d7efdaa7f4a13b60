//! The sandbox's `/oauth2/token`, through real HTTP against `cpis sandbox serve`: signed-JWT
//! client credentials answered as the NHS API platform answers them (every fault with its own
//! status, `error` and `error_description`), registered applications, `--require-auth`, and
//! accesses recorded under the application's nominated person.
//!
//! `fixtures/oauth-test-key.pem` is a synthetic RSA key made with `openssl genrsa 2048` for
//! these tests only: a key the sandbox does not know until it is registered.

use crate::common;
use common::*;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use cpis::sandbox::app;
use cpis::sandbox::oauth;
use jsonwebtoken::{Algorithm, AlgorithmFamily, EncodingKey};
use serde_json::{json, Value};

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const TEST_KEY: &str = include_str!("../fixtures/oauth-test-key.pem");
const TEST_KID: &str = "test-key-1";
const TEST_API_KEY: &str = "test-app-api-key";
const UUID: &str = "5f0e6a4c-4a8e-4a3b-9a53-0d0c1c2b3a4d";
const CT_26: &str = "/cpis/FHIR/R4/CareTeam?patient:identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9990000026";
const AE_26: &str = "/cpis/FHIR/R4/AuditEvent?patient:identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9990000026";

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn token_url(sb: &SandboxProc, path: &str) -> String {
    format!("http://{}{path}", sb.addr())
}

/// A JWT with exactly this header and these claims, signed as its `alg` says: RSA algorithms
/// with `pem`, HMAC ones with a made-up secret.
fn sign(header: &Value, claims: &Value, pem: &str) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let message = format!(
        "{}.{}",
        b64.encode(header.to_string()),
        b64.encode(claims.to_string())
    );
    let alg: Algorithm = header["alg"].as_str().unwrap_or("RS512").parse().unwrap();
    let key = match alg.family() {
        AlgorithmFamily::Hmac => EncodingKey::from_secret(b"a made-up secret"),
        _ => EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    };
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, alg).unwrap();
    format!("{message}.{signature}")
}

fn header() -> Value {
    json!({"alg": "RS512", "typ": "JWT", "kid": app::KID})
}

fn claims(aud: &str) -> Value {
    json!({
        "iss": app::API_KEY,
        "sub": app::API_KEY,
        "aud": aud,
        "jti": uuid::Uuid::new_v4().to_string(),
        "exp": now() + 240,
    })
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn assertion_form(assertion: &str) -> String {
    form(&[
        ("grant_type", "client_credentials"),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", assertion),
    ])
}

/// POST a form to `path`; (status, JSON body).
fn post(sb: &SandboxProc, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
    let (status, body) = raw_post(sb.addr(), path, headers, body);
    let v = serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    (status, v)
}

fn token_for(sb: &SandboxProc, header: &Value, claims: &Value, pem: &str) -> (u16, Value) {
    post(
        sb,
        "/oauth2/token",
        &[FORM],
        &assertion_form(&sign(header, claims, pem)),
    )
}

/// A fresh access token for the built-in application.
fn access_token(sb: &SandboxProc) -> String {
    let (s, v) = token_for(
        sb,
        &header(),
        &claims(&token_url(sb, "/oauth2/token")),
        app::PRIVATE_KEY_PEM,
    );
    assert_eq!(s, 200, "{v}");
    v["access_token"].as_str().unwrap().to_string()
}

#[track_caller]
fn assert_refused(got: (u16, Value), status: u16, error: &str, description: &str) {
    let (s, v) = got;
    assert_eq!(
        (s, v["error"].as_str(), v["error_description"].as_str()),
        (status, Some(error), Some(description)),
        "{v}"
    );
    let id = v["message_id"].as_str().unwrap_or_default();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "message_id {id:?}");
    assert_eq!(v.as_object().unwrap().len(), 3, "{v}");
}

fn search_headers(unscheduled: bool) -> Vec<(&'static str, &'static str)> {
    vec![
        ("TraceID", UUID),
        ("X-Request-ID", UUID),
        (
            "IsUnscheduledAccessEvent",
            if unscheduled { "true" } else { "false" },
        ),
    ]
}

#[test]
fn a_signed_jwt_gets_a_token_shaped_like_the_platforms() {
    let sb = SandboxProc::start(&[]);
    for path in ["/oauth2/token", "/oauth2-mock/token"] {
        let (s, v) = post(
            &sb,
            path,
            &[FORM],
            &assertion_form(&sign(
                &header(),
                &claims(&token_url(&sb, path)),
                app::PRIVATE_KEY_PEM,
            )),
        );
        assert_eq!(s, 200, "{path}: {v}");
        let o = v.as_object().unwrap();
        let mut keys: Vec<&str> = o.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            ["access_token", "expires_in", "issued_at", "token_type"]
        );
        assert_eq!(v["expires_in"], "599", "a string, as the platform sends it");
        assert_eq!(v["token_type"], "Bearer");
        let issued: u128 = v["issued_at"].as_str().unwrap().parse().unwrap();
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis();
        assert!(
            issued <= now_ms && now_ms - issued < 10_000,
            "issued_at {issued} is milliseconds, now {now_ms}"
        );
        let caller = oauth::verify_access_token(v["access_token"].as_str().unwrap());
        assert_eq!(
            caller,
            Some(oauth::Caller::System {
                api_key: app::API_KEY.into(),
                app_name: app::APP_NAME.into(),
                nominated_person: app::NOMINATED_PERSON.into(),
                nominated_role: app::NOMINATED_ROLE.into(),
            })
        );
    }
    // Within the platform's tolerance (300 s + 10 s of skew), charset in the content type.
    let mut c = claims(&token_url(&sb, "/oauth2/token"));
    c["exp"] = json!(now() + 305);
    let (s, v) = post(
        &sb,
        "/oauth2/token",
        &[(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=UTF-8",
        )],
        &assertion_form(&sign(&header(), &c, app::PRIVATE_KEY_PEM)),
    );
    assert_eq!(s, 200, "{v}");
}

#[test]
fn every_fault_gets_the_platforms_answer() {
    let sb = SandboxProc::start(&[]);
    let url = token_url(&sb, "/oauth2/token");
    let key = app::PRIVATE_KEY_PEM;
    let good = sign(&header(), &claims(&url), key);
    let good = good.as_str();
    let post_form = |body: &str| post(&sb, "/oauth2/token", &[FORM], body);

    // The request itself.
    assert_refused(
        post(
            &sb,
            "/oauth2/token",
            &[("Content-Type", "application/json")],
            &json!({"grant_type": "client_credentials"}).to_string(),
        ),
        415,
        "invalid_request",
        "Content-Type header must be application/x-www-form-urlencoded",
    );
    assert_refused(
        post(&sb, "/oauth2/token", &[], &assertion_form(good)),
        415,
        "invalid_request",
        "Content-Type header must be application/x-www-form-urlencoded",
    );
    assert_refused(
        post_form(&form(&[
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", good),
        ])),
        400,
        "invalid_request",
        "grant_type is missing",
    );
    assert_refused(
        post_form(&form(&[
            ("grant_type", "password"),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", good),
        ])),
        400,
        "unsupported_grant_type",
        "grant_type is invalid",
    );
    let wrong_type = "Missing or invalid client_assertion_type - must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'";
    for t in [
        None,
        Some("urn:ietf:params:oauth:client-assertion-type:saml2-bearer"),
    ] {
        let mut pairs = vec![
            ("grant_type", "client_credentials"),
            ("client_assertion", good),
        ];
        if let Some(t) = t {
            pairs.push(("client_assertion_type", t));
        }
        assert_refused(post_form(&form(&pairs)), 400, "invalid_request", wrong_type);
    }
    assert_refused(
        post_form(&form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", ASSERTION_TYPE),
        ])),
        400,
        "invalid_request",
        "Missing client_assertion",
    );
    for malformed in ["not-a-jwt", "a.b", "a.b.c", "e30.e30.", "W10.e30.c2ln"] {
        assert_refused(
            post_form(&assertion_form(malformed)),
            400,
            "invalid_request",
            "Malformed JWT in client_assertion",
        );
    }

    // The header.
    let with_header = |change: &dyn Fn(&mut Value)| {
        let mut h = header();
        change(&mut h);
        token_for(&sb, &h, &claims(&url), key)
    };
    let bad_alg = "Invalid 'alg' header in client_assertion JWT - unsupported JWT algorithm - must be 'RS512'";
    for alg in ["HS512", "RS256", "PS512"] {
        assert_refused(
            with_header(&|h| h["alg"] = json!(alg)),
            400,
            "invalid_request",
            bad_alg,
        );
    }
    assert_refused(
        with_header(&|h| {
            h.as_object_mut().unwrap().remove("kid");
        }),
        400,
        "invalid_request",
        "Missing 'kid' header in client_assertion JWT",
    );
    assert_refused(
        with_header(&|h| h["kid"] = json!("no-such-key")),
        401,
        "invalid_request",
        "Invalid 'kid' header in client_assertion JWT - no matching public key",
    );
    for typ in [json!("JWS"), json!(null)] {
        assert_refused(
            with_header(&|h| h["typ"] = typ.clone()),
            400,
            "invalid_request",
            "Invalid 'typ' header in client_assertion JWT - must be 'JWT'",
        );
    }

    // The claims.
    let with_claims = |change: &dyn Fn(&mut Value)| {
        let mut c = claims(&url);
        change(&mut c);
        token_for(&sb, &header(), &c, key)
    };
    let remove = |name: &'static str| {
        move |c: &mut Value| {
            c.as_object_mut().unwrap().remove(name);
        }
    };
    let iss_sub = "Missing or non-matching 'iss'/'sub' claims in client_assertion JWT";
    assert_refused(
        with_claims(&|c| c["iss"] = json!("someone-else")),
        400,
        "invalid_request",
        iss_sub,
    );
    assert_refused(with_claims(&remove("iss")), 400, "invalid_request", iss_sub);
    assert_refused(with_claims(&remove("sub")), 400, "invalid_request", iss_sub);
    assert_refused(
        with_claims(&|c| {
            c["iss"] = json!("unknown-api-key");
            c["sub"] = json!("unknown-api-key");
        }),
        401,
        "invalid_request",
        "Invalid 'iss'/'sub' claims in client_assertion JWT",
    );
    let bad_aud = "Missing or invalid 'aud' claim in client_assertion JWT";
    for aud in [
        json!("https://int.api.service.nhs.uk/oauth2/token"),
        json!(token_url(&sb, "/oauth2-mock/token")),
        json!(format!("{url}/")),
        json!([url.clone()]),
    ] {
        assert_refused(
            with_claims(&|c| c["aud"] = aud.clone()),
            401,
            "invalid_request",
            bad_aud,
        );
    }
    assert_refused(with_claims(&remove("aud")), 401, "invalid_request", bad_aud);
    assert_refused(
        with_claims(&remove("jti")),
        400,
        "invalid_request",
        "Missing 'jti' claim in client_assertion JWT",
    );
    for jti in [json!(42), json!(""), json!(["a"])] {
        assert_refused(
            with_claims(&|c| c["jti"] = jti.clone()),
            400,
            "invalid_request",
            "Invalid 'jti' claim in client_assertion JWT - must be a unique string value such as a GUID",
        );
    }
    assert_refused(
        with_claims(&remove("exp")),
        400,
        "invalid_request",
        "Missing 'exp' claim in client_assertion JWT",
    );
    for exp in [json!((now() + 60).to_string()), json!(now() as f64 + 60.5)] {
        assert_refused(
            with_claims(&|c| c["exp"] = exp.clone()),
            400,
            "invalid_request",
            "Invalid 'exp' claim in client_assertion JWT - must be an integer",
        );
    }
    assert_refused(
        with_claims(&|c| c["exp"] = json!(now() - 60)),
        400,
        "invalid_request",
        "Invalid 'exp' claim in client_assertion JWT - JWT has expired",
    );
    assert_refused(
        with_claims(&|c| c["exp"] = json!(now() + 400)),
        400,
        "invalid_request",
        "Invalid 'exp' claim in client_assertion JWT - more than 5 minutes in future",
    );

    // The signature: signed with another key under the built-in key's kid.
    assert_refused(
        token_for(&sb, &header(), &claims(&url), TEST_KEY),
        401,
        "public_key error",
        "JWT signature verification failed",
    );
    // A tampered assertion: the built-in key's signature over other claims.
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    let mut c = claims(&url);
    c["jti"] = json!("tampered");
    parts[1] = b64.encode(c.to_string());
    assert_refused(
        post_form(&assertion_form(&parts.join("."))),
        401,
        "public_key error",
        "JWT signature verification failed",
    );

    // A jti is good once; a refused assertion does not use it up.
    let reused = claims(&url);
    let mut forged = reused.clone();
    forged["exp"] = json!(now() - 60);
    assert_eq!(token_for(&sb, &header(), &forged, key).0, 400);
    assert_eq!(token_for(&sb, &header(), &reused, TEST_KEY).0, 401);
    let (s, v) = token_for(&sb, &header(), &reused, key);
    assert_eq!(s, 200, "{v}");
    assert_refused(
        token_for(&sb, &header(), &reused, key),
        400,
        "invalid_request",
        "Non-unique 'jti' claim in client_assertion JWT",
    );
    // Not even at the mock path.
    let mut again = reused.clone();
    again["aud"] = json!(token_url(&sb, "/oauth2-mock/token"));
    assert_refused(
        post(
            &sb,
            "/oauth2-mock/token",
            &[FORM],
            &assertion_form(&sign(&header(), &again, key)),
        ),
        400,
        "invalid_request",
        "Non-unique 'jti' claim in client_assertion JWT",
    );
}

#[test]
fn registered_applications_sign_in_with_their_own_keys() {
    let dir = tempfile::tempdir().unwrap();
    let jwks = dir.path().join("test.jwks.json");
    let set = app::public_jwks(TEST_KEY, TEST_KID).unwrap();
    std::fs::write(&jwks, set.to_string()).unwrap();
    let sb = SandboxProc::start(&[
        "--register-app",
        TEST_API_KEY,
        "--jwks",
        jwks.to_str().unwrap(),
        "--nominated-person",
        "Dr Jo BLOGGS",
        "--nominated-role",
        "Named Nurse for Safeguarding",
        "--register-app",
        "second-app",
        "--jwks",
        jwks.to_str().unwrap(),
    ]);
    let url = token_url(&sb, "/oauth2/token");
    let test_header = json!({"alg": "RS512", "typ": "JWT", "kid": TEST_KID});
    let test_claims = |api_key: &str| {
        let mut c = claims(&url);
        c["iss"] = json!(api_key);
        c["sub"] = json!(api_key);
        c
    };

    let (s, v) = token_for(&sb, &test_header, &test_claims(TEST_API_KEY), TEST_KEY);
    assert_eq!(s, 200, "{v}");
    let token = v["access_token"].as_str().unwrap().to_string();
    let (s, v) = token_for(&sb, &test_header, &test_claims("second-app"), TEST_KEY);
    assert_eq!(s, 200, "{v}");
    assert!(matches!(
        oauth::verify_access_token(v["access_token"].as_str().unwrap()),
        Some(oauth::Caller::System { nominated_person, .. }) if nominated_person == oauth::DEFAULT_NOMINATED_PERSON
    ));
    // The built-in application is still there, and each key belongs to its own application.
    access_token(&sb);
    assert_refused(
        token_for(&sb, &test_header, &claims(&url), TEST_KEY),
        401,
        "invalid_request",
        "Invalid 'kid' header in client_assertion JWT - no matching public key",
    );
    assert_refused(
        token_for(&sb, &header(), &test_claims(TEST_API_KEY), TEST_KEY),
        401,
        "invalid_request",
        "Invalid 'kid' header in client_assertion JWT - no matching public key",
    );

    // Its accesses name it and its nominated person.
    let r = Cpis::new().run_env(
        &[
            "--base-url",
            &sb.base_url,
            "lookup",
            "9990000026",
            "--unscheduled",
            "--yes",
            "--json",
            "--quiet",
        ],
        &[("CPIS_ACCESS_TOKEN", &token)],
    );
    r.assert_code(0);
    let newest = r.json()["access_history"][0].clone();
    assert_eq!(newest["accessor_kind"], "system", "{newest}");
    let name = newest["name"].as_str().unwrap();
    assert!(
        name.contains(
            "application test-app-api-key for Dr Jo BLOGGS (Named Nurse for Safeguarding)"
        ),
        "{name}"
    );
}

#[test]
fn bad_registrations_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let not_json = dir.path().join("not.json");
    std::fs::write(&not_json, "-----BEGIN PUBLIC KEY-----").unwrap();
    let no_kid = dir.path().join("no-kid.json");
    let mut set = app::public_jwks(TEST_KEY, TEST_KID).unwrap();
    set["keys"][0].as_object_mut().unwrap().remove("kid");
    std::fs::write(&no_kid, set.to_string()).unwrap();
    let missing = dir.path().join("missing.json");
    let cpis = Cpis::new();
    for (file, why) in [
        (&not_json, "not JSON"),
        (&no_kid, "kid"),
        (&missing, "No such file"),
    ] {
        let f = file.to_str().unwrap();
        let r = cpis.run(&[
            "sandbox",
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--register-app",
            "k",
            "--jwks",
            f,
        ]);
        r.assert_code(2)
            .assert_stderr_has(&[f, why, "--register-app k"]);
    }
    let jwks = dir.path().join("ok.json");
    std::fs::write(
        &jwks,
        app::public_jwks(TEST_KEY, TEST_KID).unwrap().to_string(),
    )
    .unwrap();
    let j = jwks.to_str().unwrap();
    for (args, why) in [
        (vec!["--register-app", "k"], "needs --jwks"),
        (vec!["--jwks", j], "--register-app"),
        (
            vec!["--jwks", j, "--register-app", "k"],
            "must follow the --register-app",
        ),
        (
            vec!["--register-app", "k", "--jwks", j, "--jwks", j],
            "more than one --jwks",
        ),
        (
            vec![
                "--register-app",
                "k",
                "--jwks",
                j,
                "--nominated-person",
                "X",
            ],
            "both --nominated-person and --nominated-role",
        ),
    ] {
        let mut all = vec!["sandbox", "serve", "--addr", "127.0.0.1:0"];
        all.extend(args.iter().copied());
        let r = cpis.run(&all);
        r.assert_code(2).assert_stderr_has(&[why]);
    }
}

#[test]
fn require_auth_demands_a_token_from_a_sandbox() {
    let sb = SandboxProc::start(&["--require-auth"]);
    let addr = sb.addr();
    let with_auth = |value: &str| {
        let mut h = search_headers(false);
        h.push(("Authorization", value));
        raw_get(addr, CT_26, &h)
    };
    let (s, body) = raw_get(addr, CT_26, &search_headers(false));
    assert_eq!(s, 401, "{body}");
    assert!(body.contains("ACCESS_DENIED"), "{body}");
    assert!(
        body.contains("/oauth2/token"),
        "says where to get one: {body}"
    );

    for bad in ["Bearer garbage", "Bearer a.b.c", "Basic abc"] {
        let (s, body) = with_auth(bad);
        assert_eq!(s, 401, "{bad}: {body}");
        assert!(body.contains("ACCESS_DENIED"), "{body}");
    }
    let caller = oauth::Caller::System {
        api_key: app::API_KEY.into(),
        app_name: app::APP_NAME.into(),
        nominated_person: app::NOMINATED_PERSON.into(),
        nominated_role: app::NOMINATED_ROLE.into(),
    };
    let expired = oauth::issue_access_token(
        &caller,
        SystemTime::now() - Duration::from_secs(oauth::EXPIRES_IN + 60),
    );
    let (s, body) = with_auth(&format!("Bearer {expired}"));
    assert_eq!(s, 401, "{body}");
    assert!(body.contains("expired"), "{body}");

    let token = access_token(&sb);
    let (s, body) = with_auth(&format!("Bearer {token}"));
    assert_eq!(s, 200, "{body}");
    // The token endpoint and metadata need no token.
    assert_eq!(raw_get(addr, "/cpis/FHIR/R4/metadata", &[]).0, 200);

    // Through the client: a token from another sandbox instance is as good.
    let other = SandboxProc::start(&[]);
    let token = access_token(&other);
    let cpis = Cpis::new();
    let lookup = [
        "--base-url",
        &sb.base_url,
        "lookup",
        "9990000026",
        "--scheduled",
        "--json",
    ];
    cpis.run_env(&lookup, &[("CPIS_ACCESS_TOKEN", &token)])
        .assert_code(0);
    cpis.run(&lookup).assert_code(4);

    // Without --require-auth any well-formed bearer token still does.
    let (s, body) = {
        let mut h = search_headers(false);
        h.push(("Authorization", "Bearer garbage"));
        raw_get(other.addr(), CT_26, &h)
    };
    assert_eq!(s, 200, "{body}");
}

#[test]
fn unscheduled_searches_with_a_sandbox_token_name_the_system_and_its_nominated_person() {
    let sb = SandboxProc::start(&[]);
    let token = access_token(&sb);
    let bearer = format!("Bearer {token}");
    let mut h = search_headers(true);
    h.push(("Authorization", &bearer));
    let (s, body) = raw_get(sb.addr(), AE_26, &h);
    assert_eq!(s, 200, "{body}");
    let bundle: Value = serde_json::from_str(&body).unwrap();
    let newest = &bundle["entry"][0]["resource"];
    assert_eq!(newest["resourceType"], "AuditEvent");
    let who = &newest["agent"][1]["who"];
    assert_eq!(who["type"], "Device", "{newest}");
    assert_eq!(
        who["identifier"]["system"],
        "https://fhir.nhs.uk/Id/nhsSpineASID"
    );
    assert_eq!(
        who["identifier"]["value"],
        oauth::synthetic_asid(app::API_KEY)
    );
    let display = who["display"].as_str().unwrap();
    assert_eq!(
        display,
        format!(
            "{} for {} ({}) - {}",
            app::APP_NAME,
            app::NOMINATED_PERSON,
            app::NOMINATED_ROLE,
            oauth::SYSTEM_ORGANISATION
        )
    );

    // The client shows it; a search with a token that is not a sandbox's records the
    // sandbox's stand-in clinician as before.
    let cpis = Cpis::new();
    let r = cpis.run_env(
        &[
            "--base-url",
            &sb.base_url,
            "lookup",
            "9990000026",
            "--unscheduled",
            "--yes",
            "--json",
            "--quiet",
        ],
        &[("CPIS_ACCESS_TOKEN", &token)],
    );
    r.assert_code(0);
    let history = r.json()["access_history"].clone();
    assert_eq!(history[0]["accessor_kind"], "system");
    assert!(history[0]["name"]
        .as_str()
        .unwrap()
        .contains(app::NOMINATED_PERSON));
    assert_eq!(
        history.as_array().unwrap().len(),
        3,
        "recorded once per caller per 24 hours"
    );
    let r = cpis.run(&[
        "--base-url",
        &sb.base_url,
        "lookup",
        "9990000026",
        "--unscheduled",
        "--yes",
        "--json",
        "--quiet",
    ]);
    r.assert_code(0);
    let history = r.json()["access_history"].clone();
    assert_eq!(history[0]["name"], "Dr Alex SANDBOX");
    assert_eq!(history[1]["accessor_kind"], "system");
    assert_eq!(history.as_array().unwrap().len(), 4);
}
