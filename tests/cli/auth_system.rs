//! The nominated system identity (signed-JWT client credentials) through the binary, against
//! a scripted token endpoint and CP-IS on loopback: the assertion's exact shape, token caching
//! across processes, a new assertion when the token lapses, refusals with the platform's
//! `error_description` and `message_id`, and `auth keygen`.

use crate::common;
use common::*;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const API_KEY: &str = "test-api-key-0042";
const KID: &str = "test-kid-7";
const PERSON: &str = "Dr Jane SMITH";
const ROLE: &str = "Named Doctor for Safeguarding";

fn b64json(part: &str) -> serde_json::Value {
    use base64::Engine;
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A token endpoint (`POST /oauth2/token`) and CP-IS on one loopback server. Each token
/// issued is `tok-N`; `expires_in` is what the test says.
fn platform(expires_in: &'static str) -> (Scripted, Arc<AtomicUsize>) {
    let issued = Arc::new(AtomicUsize::new(0));
    let n = issued.clone();
    let server = Scripted::start(move |seen, _| {
        if seen.method == "POST" && seen.target == "/oauth2/token" {
            let i = n.fetch_add(1, Ordering::SeqCst) + 1;
            let ms = now() * 1000;
            return Reply::new(
                200,
                "application/json",
                format!(
                    r#"{{"access_token":"tok-{i}","expires_in":"{expires_in}","token_type":"Bearer","issued_at":"{ms}"}}"#
                ),
            );
        }
        Reply::fhir(EMPTY_BUNDLE)
    });
    (server, issued)
}

fn key_file(cpis: &Cpis) -> std::path::PathBuf {
    let p = cpis.config_dir.path().join("app-key.pem");
    std::fs::write(&p, cpis::sandbox::app::PRIVATE_KEY_PEM).unwrap();
    p
}

fn login_args(base: &str, key: &std::path::Path) -> Vec<String> {
    [
        "--base-url",
        base,
        "auth",
        "login",
        "--system",
        "--api-key",
        API_KEY,
        "--kid",
        KID,
        "--private-key",
        key.to_str().unwrap(),
        "--nominated-person",
        PERSON,
        "--nominated-role",
        ROLE,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn login(cpis: &Cpis, base: &str, key: &std::path::Path) -> Run {
    let args = login_args(base, key);
    cpis.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn a_system_signs_in_once_and_lookups_reuse_its_token_across_processes() {
    let (server, issued) = platform("599");
    let cpis = Cpis::signed_out();
    let base = server.base_url();
    let key = key_file(&cpis);
    let r = login(&cpis, &base, &key);
    r.assert_code(0)
        .assert_stderr_has(&["as system", "acting for Dr Jane SMITH"]);
    assert_eq!(issued.load(Ordering::SeqCst), 1);

    // The assertion, exactly as the platform requires.
    let post = &server.requests()[0];
    assert_eq!(
        post.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let form = post.form();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(
        form["client_assertion_type"],
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    );
    let parts: Vec<&str> = form["client_assertion"].split('.').collect();
    assert_eq!(parts.len(), 3);
    let (header, claims) = (b64json(parts[0]), b64json(parts[1]));
    assert_eq!(header["alg"], "RS512");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["kid"], KID);
    assert_eq!(claims["iss"], API_KEY);
    assert_eq!(claims["sub"], API_KEY);
    assert_eq!(
        claims["aud"],
        format!("http://{}/oauth2/token", server.addr)
    );
    let exp = claims["exp"].as_u64().expect("exp is an integer");
    assert!(exp > now() && exp <= now() + 300, "exp {exp}");
    assert!(uuid::Uuid::parse_str(claims["jti"].as_str().unwrap()).is_ok());
    // ... and it verifies against the registered public key.
    let jwks = cpis::sandbox::app::public_jwks(cpis::sandbox::app::PRIVATE_KEY_PEM, KID).unwrap();
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwks["keys"][0].clone()).unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS512);
    v.set_audience(&[format!("http://{}/oauth2/token", server.addr)]);
    jsonwebtoken::decode::<serde_json::Value>(
        &form["client_assertion"],
        &jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap(),
        &v,
    )
    .unwrap();

    // Two lookups in two processes: no new token, the one from sign-in is sent.
    for _ in 0..2 {
        let r = cpis.run(&[
            "--base-url",
            &base,
            "lookup",
            "9434765919",
            "--scheduled",
            "--json",
        ]);
        r.assert_code(0);
        let acting = &r.json()["acting_as"];
        assert_eq!(acting["kind"], "system");
        assert_eq!(acting["nominated_person"], PERSON);
        assert_eq!(acting["nominated_role"], ROLE);
    }
    assert_eq!(issued.load(Ordering::SeqCst), 1);
    let gets: Vec<Seen> = server
        .requests()
        .into_iter()
        .filter(|q| q.method == "GET")
        .collect();
    assert_eq!(gets.len(), 4);
    assert!(gets
        .iter()
        .all(|q| q.header("authorization") == Some("Bearer tok-1")));

    // The table names the nominated person too.
    let t = cpis.run(&["--base-url", &base, "lookup", "9434765919", "--scheduled"]);
    assert!(
        t.stdout.contains("Acting as:    system (API key") && t.stdout.contains(PERSON),
        "{}",
        t.stdout
    );

    let st = cpis.run(&["--base-url", &base, "auth", "status", "--json"]);
    st.assert_code(0);
    let v = st.json();
    assert_eq!(v["kind"], "system");
    assert_eq!(v["system"]["kid"], KID);
    assert_eq!(v["system"]["nominated_person"], PERSON);
    assert_eq!(
        v["system"]["token_url"],
        format!("http://{}/oauth2/token", server.addr)
    );
    assert_eq!(
        v["system"]["api_key_fingerprint"].as_str().unwrap().len(),
        12
    );

    // No key or token material anywhere but the keyring (double).
    let pem_body: String = cpis::sandbox::app::PRIVATE_KEY_PEM
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    for (path, bytes) in cpis.files() {
        let text = String::from_utf8_lossy(&bytes);
        if path.starts_with(cpis.keyring_dir()) || path == key {
            continue;
        }
        assert!(
            !text.contains(&pem_body) && !text.contains("tok-1"),
            "secret material in {}",
            path.display()
        );
    }
    for r in [&r, &t, &st] {
        assert!(!r.stdout.contains("tok-1") && !r.stderr.contains("tok-1"));
        assert!(!r.stdout.contains(&pem_body) && !r.stderr.contains(&pem_body));
    }
}

#[test]
fn a_lapsing_token_is_replaced_by_signing_a_new_assertion() {
    // Tokens that live 10 s are always within the 30 s safety margin: every command signs a
    // new assertion, with a new jti.
    let (server, issued) = platform("10");
    let cpis = Cpis::signed_out();
    let base = server.base_url();
    login(&cpis, &base, &key_file(&cpis)).assert_code(0);
    for i in 2..=3 {
        cpis.run(&["--base-url", &base, "lookup", "9434765919", "--scheduled"])
            .assert_code(0);
        assert_eq!(issued.load(Ordering::SeqCst), i);
    }
    let reqs = server.requests();
    let jtis: std::collections::HashSet<String> = reqs
        .iter()
        .filter(|q| q.method == "POST")
        .map(|q| {
            let a = q.form()["client_assertion"].clone();
            b64json(a.split('.').nth(1).unwrap())["jti"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(jtis.len(), 3, "each assertion has a fresh jti");
    let last_get = reqs.iter().rev().find(|q| q.method == "GET").unwrap();
    assert_eq!(last_get.header("authorization"), Some("Bearer tok-3"));
}

#[test]
fn a_refusal_shows_the_platforms_description_and_message_id_and_keeps_nothing() {
    let server = Scripted::start(|seen, _| {
        if seen.method == "POST" {
            return Reply::new(
                401,
                "application/json",
                r#"{"error":"invalid_request","error_description":"Invalid 'iss'/'sub' claims in client_assertion JWT","message_id":"rrt-5517-1"}"#,
            );
        }
        Reply::fhir(EMPTY_BUNDLE)
    });
    let cpis = Cpis::signed_out();
    let r = login(&cpis, &server.base_url(), &key_file(&cpis));
    r.assert_code(4).assert_stderr_has(&[
        "refused to issue an access token: Invalid 'iss'/'sub' claims in client_assertion JWT",
        "message_id rrt-5517-1",
        "HTTP 401",
    ]);
    assert!(!cpis.data_dir().join("sessions.json").exists());
    assert!(!cpis.keyring_dir().exists());
    // Nothing was searched.
    assert!(server.requests().iter().all(|q| q.method == "POST"));
}

#[test]
fn a_system_sign_in_elsewhere_needs_every_registration_value() {
    let cpis = Cpis::signed_out();
    let r = cpis.run(&["--env", "int", "auth", "login", "--system"]);
    r.assert_code(2).assert_stderr_has(&[
        "--api-key KEY",
        "--kid KID",
        "--private-key PATH",
        "--nominated-person NAME",
        "--nominated-role ROLE",
        "auth keygen",
    ]);
    // A key file that is not a key is refused before anything is sent.
    let bad = cpis.config_dir.path().join("bad.pem");
    std::fs::write(&bad, "not a key").unwrap();
    let server = Scripted::start(|_, _| Reply::fhir(EMPTY_BUNDLE));
    login(&cpis, &server.base_url(), &bad)
        .assert_code(2)
        .assert_stderr_has(&["not an RSA private key"]);
    assert!(server.requests().is_empty());
    // Secrets are never flag values: there is no flag for the key's contents.
    cpis.run(&[
        "--env",
        "int",
        "auth",
        "login",
        "--system",
        "--private-key-pem",
        "x",
    ])
    .assert_code(2);
    // A plain-HTTP token URL off this machine is refused like a base URL.
    let mut args = login_args(&server.base_url(), &key_file(&cpis));
    args.extend(["--token-url", "http://auth.example.nhs.uk/oauth2/token"].map(String::from));
    let r = cpis.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    r.assert_code(2)
        .assert_stderr_has(&["--token-url", "loopback"]);
}

#[cfg(unix)]
#[test]
fn keygen_writes_a_private_key_and_the_jwks_to_register() {
    use std::os::unix::fs::PermissionsExt;
    let cpis = Cpis::signed_out();
    let out = cpis.config_dir.path().join("keys");
    std::fs::create_dir(&out).unwrap();
    let out_s = out.to_str().unwrap();
    let r = cpis.run(&["auth", "keygen", "--kid", "cpis-int-1", "--out", out_s]);
    r.assert_code(0)
        .assert_stderr_has(&["cpis-int-1.jwks.json", "auth login --system"]);
    let pem = std::fs::read_to_string(out.join("cpis-int-1.pem")).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    let meta = std::fs::metadata(out.join("cpis-int-1.pem")).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let jwks: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("cpis-int-1.jwks.json")).unwrap()).unwrap();
    let k = &jwks["keys"][0];
    assert_eq!(k["kty"], "RSA");
    assert_eq!(k["alg"], "RS512");
    assert_eq!(k["use"], "sig");
    assert_eq!(k["kid"], "cpis-int-1");
    assert_eq!(k["e"], "AQAB");
    // 4096 bits: 512 bytes of modulus, 683 base64url characters.
    assert_eq!(k["n"].as_str().unwrap().len(), 683);
    // The key never reaches the terminal, and the JWKS holds no private part.
    let body = pem.lines().nth(1).unwrap();
    assert!(!r.stdout.contains(body) && !r.stderr.contains(body));
    assert!(k.get("d").is_none() && k.get("p").is_none());
    // Never replaces a key; a bad kid is refused.
    cpis.run(&["auth", "keygen", "--kid", "cpis-int-1", "--out", out_s])
        .assert_code(2)
        .assert_stderr_has(&["already exists"]);
    assert_eq!(
        std::fs::read_to_string(out.join("cpis-int-1.pem")).unwrap(),
        pem
    );
    cpis.run(&["auth", "keygen", "--kid", "../x", "--out", out_s])
        .assert_code(2);
}

#[test]
fn a_refused_token_is_renewed_once_and_the_lookup_tried_once_more() {
    let issued = Arc::new(AtomicUsize::new(0));
    let n = issued.clone();
    // The first token is refused by the "platform"; later ones are accepted.
    let server = Scripted::start(move |seen, _| {
        if seen.method == "POST" {
            let i = n.fetch_add(1, Ordering::SeqCst) + 1;
            return Reply::new(
                200,
                "application/json",
                format!(r#"{{"access_token":"tok-{i}","expires_in":"599"}}"#),
            );
        }
        if seen.header("authorization") == Some("Bearer tok-1") {
            return Reply::new(
                401,
                "application/json",
                r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"forbidden","details":{"coding":[{"code":"ACCESS_DENIED"}]}}]}"#,
            );
        }
        Reply::fhir(EMPTY_BUNDLE)
    });
    let cpis = Cpis::signed_out();
    let base = server.base_url();
    login(&cpis, &base, &key_file(&cpis)).assert_code(0);
    let r = cpis.run(&[
        "--base-url",
        &base,
        "lookup",
        "9434765919",
        "--unscheduled",
        "--yes",
    ]);
    r.assert_code(0)
        .assert_stderr_has(&["refused the access token (HTTP 401)"]);
    // One renewal, even though both searches were refused.
    assert_eq!(issued.load(Ordering::SeqCst), 2);
    let accepted = server
        .requests()
        .into_iter()
        .filter(|q| q.method == "GET" && q.header("authorization") == Some("Bearer tok-2"))
        .count();
    assert_eq!(accepted, 2);

    // A supplied token cannot be renewed: exit 4 at once, with the fix.
    let other = Cpis::signed_out();
    other
        .run_stdin(
            &["--base-url", &base, "auth", "login", "--with-token"],
            &[],
            "tok-1",
        )
        .assert_code(0);
    let before = server.requests().len();
    other
        .run(&["--base-url", &base, "lookup", "9434765919", "--scheduled"])
        .assert_code(4);
    assert!(server.requests().len() - before <= 2, "no retry");
}

#[test]
fn the_profile_can_name_the_token_url_and_the_flag_overrides_it() {
    let (a, a_issued) = platform("599");
    let (b, b_issued) = platform("599");
    let cpis = Cpis::signed_out();
    // The profile's token URL belongs to the profile's endpoint.
    cpis.run(&["config", "set", "base_url", &a.base_url()])
        .assert_code(0);
    cpis.run(&[
        "config",
        "set",
        "token_url",
        &format!("http://{}/oauth2/token", b.addr),
    ])
    .assert_code(0);
    // CP-IS on `a`, tokens from `b` (the profile's token URL).
    login(&cpis, &a.base_url(), &key_file(&cpis)).assert_code(0);
    assert_eq!(
        (
            a_issued.load(Ordering::SeqCst),
            b_issued.load(Ordering::SeqCst)
        ),
        (0, 1)
    );
    let claims = {
        let form = b.requests()[0].form();
        b64json(form["client_assertion"].split('.').nth(1).unwrap())
    };
    assert_eq!(claims["aud"], format!("http://{}/oauth2/token", b.addr));
    cpis.run(&[
        "config",
        "set",
        "token_url",
        "http://auth.example.nhs.uk/oauth2/token",
    ])
    .assert_code(2);
}

#[test]
fn a_new_key_registered_with_a_sandbox_that_requires_auth_signs_in_end_to_end() {
    // As the README walks a new user through it: make a key, register its JWKS, sign in,
    // look up. The key is PKCS#8 (keygen's), the sandbox's own is PKCS#1.
    let cpis = Cpis::signed_out();
    let keys = cpis.config_dir.path().join("keys");
    std::fs::create_dir(&keys).unwrap();
    cpis.run(&[
        "auth",
        "keygen",
        "--kid",
        "ward-7",
        "--out",
        keys.to_str().unwrap(),
    ])
    .assert_code(0);
    let jwks = keys.join("ward-7.jwks.json");
    let sb = SandboxProc::start(&[
        "--require-auth",
        "--register-app",
        "ward-7-app",
        "--jwks",
        jwks.to_str().unwrap(),
        "--nominated-person",
        PERSON,
        "--nominated-role",
        ROLE,
    ]);
    let r = cpis.run(&[
        "--base-url",
        &sb.base_url,
        "auth",
        "login",
        "--system",
        "--api-key",
        "ward-7-app",
        "--kid",
        "ward-7",
        "--private-key",
        keys.join("ward-7.pem").to_str().unwrap(),
        "--nominated-person",
        PERSON,
        "--nominated-role",
        ROLE,
    ]);
    r.assert_code(0);
    let l = cpis.run(&[
        "--base-url",
        &sb.base_url,
        "lookup",
        "9990000026",
        "--unscheduled",
        "--yes",
        "--json",
    ]);
    l.assert_code(0);
    let who = l.json()["access_history"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(who.contains(PERSON), "{who}");
    // Signed out, the same sandbox refuses the search.
    cpis.run(&["--base-url", &sb.base_url, "auth", "logout"])
        .assert_code(0);
    Cpis::new()
        .run(&[
            "--base-url",
            &sb.base_url,
            "lookup",
            "9990000026",
            "--scheduled",
        ])
        .assert_code(4);
}

/// Everything a test may see: stdout, stderr and every file of the test's directory except
/// the keyring double (which holds the secrets by design).
#[track_caller]
fn assert_nowhere(cpis: &Cpis, run: &Run, secrets: &[String]) {
    for s in secrets {
        assert!(!s.is_empty());
        assert!(
            !run.stdout.contains(s.as_str()) && !run.stderr.contains(s.as_str()),
            "a secret we sent is in the output:\n{}",
            run.stderr
        );
        for (path, bytes) in cpis.files() {
            if path.starts_with(cpis.keyring_dir()) {
                continue;
            }
            assert!(
                !String::from_utf8_lossy(&bytes).contains(s.as_str()),
                "a secret we sent is in {}",
                path.display()
            );
        }
    }
}

#[test]
fn a_token_endpoint_that_echoes_the_request_never_shows_the_assertion() {
    // The endpoint puts the whole form we posted, and each value as sent and decoded, into
    // every field of its refusal.
    for shape in ["error_description", "message", "html"] {
        let server = Scripted::start(move |seen, _| {
            let raw = String::from_utf8_lossy(&seen.body).into_owned();
            let decoded: Vec<String> = seen.form().into_values().collect();
            let all = format!("{raw} | {}", decoded.join(" | "));
            match shape {
                "html" => Reply::new(
                    400,
                    "text/html",
                    format!("<html><title>{all}</title></html>"),
                ),
                field => Reply::new(
                    400,
                    "application/json",
                    serde_json::json!({"error": all, field: all, "message_id": all}).to_string(),
                ),
            }
        });
        let cpis = Cpis::signed_out();
        let key = key_file(&cpis);
        let r = login(&cpis, &server.base_url(), &key);
        r.assert_code(4);
        let reqs = server.requests();
        assert_eq!(reqs.len(), 1);
        let assertion = reqs[0].form()["client_assertion"].clone();
        let encoded: String = url::form_urlencoded::byte_serialize(assertion.as_bytes()).collect();
        // Even a part of it: the signature alone.
        let signature = assertion.rsplit('.').next().unwrap().to_string();
        assert_nowhere(&cpis, &r, &[assertion, encoded, signature]);
        if shape != "html" {
            assert!(r.stderr.contains("[redacted]"), "{shape}: {}", r.stderr);
        }
    }
}

#[test]
fn lifetimes_from_the_token_endpoint_are_bounded_and_never_overflow() {
    // Each value as the JSON of `expires_in` (and of `issued_at`).
    for expires_in in [
        "18446744073709551615",
        "1e300",
        "-5",
        "\"soon\"",
        "\"18446744073709551615\"",
        "599.5",
        "{}",
    ] {
        let server = Scripted::start(move |seen, _| {
            if seen.method == "POST" && seen.target == "/oauth2/token" {
                return Reply::new(
                    200,
                    "application/json",
                    format!(
                        r#"{{"access_token":"tok-1","expires_in":{expires_in},"issued_at":{expires_in},"refresh_token_expires_in":{expires_in}}}"#
                    ),
                );
            }
            Reply::fhir(EMPTY_BUNDLE)
        });
        let cpis = Cpis::signed_out();
        let key = key_file(&cpis);
        let r = login(&cpis, &server.base_url(), &key);
        assert_ne!(r.code, 101, "{expires_in}: a panic:\n{}", r.stderr);
        r.assert_code(0);
        let st = cpis.run(&["--base-url", &server.base_url(), "auth", "status", "--json"]);
        st.assert_code(0);
        let at = st.json()["access_token_expires_at"]
            .as_str()
            .unwrap()
            .to_string();
        let when = cpis::timeutil::parse_rfc3339(&at)
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(
            when <= now() + 24 * 3600,
            "{expires_in}: expires {at}, more than a day ahead"
        );
        cpis.run(&["--base-url", &server.base_url(), "auth", "status"])
            .assert_code(0);
    }
}

#[test]
fn a_key_file_that_is_not_a_usable_rsa_key_exits_2_naming_it() {
    let server = Scripted::start(|_, _| Reply::new(500, "text/plain", "must not be reached"));
    let cpis = Cpis::signed_out();
    // A real RSA key too small to sign RS512 (the signer panics on it), garbage inside a PEM
    // armour, an unencrypted-looking but empty file.
    let small = include_str!("../fixtures/rsa-512-too-small.pem");
    let garbage = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    for (name, body) in [
        ("small.pem", small),
        ("garbage.pem", garbage),
        ("empty.pem", ""),
    ] {
        let p = cpis.config_dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        let r = login(&cpis, &server.base_url(), &p);
        r.assert_code(2).assert_stderr_has(&[name]);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
    assert!(server.requests().is_empty());
    assert!(!cpis.data_dir().join("sessions.json").exists());
}

#[test]
fn auth_token_prints_the_token_in_use_renewing_it_and_curl_output_runs_with_it() {
    // Tokens that live 10 s are within the 30 s margin: each `auth token` renews, as a lookup
    // would, and prints the new token.
    let (server, issued) = platform("10");
    let cpis = Cpis::signed_out();
    let base = server.base_url();
    login(&cpis, &base, &key_file(&cpis)).assert_code(0);
    let t = cpis.run(&["--base-url", &base, "auth", "token"]);
    t.assert_code(0)
        .assert_stderr_has(&["printed the access token of system", PERSON]);
    assert_eq!(t.stdout, "tok-2\n");
    assert!(!t.stderr.contains("tok-2"), "{}", t.stderr);
    assert_eq!(issued.load(Ordering::SeqCst), 2);
    // The --curl output names the variable the tool itself reads, and runs with the token.
    let curl = cpis.run(&[
        "--base-url",
        &base,
        "lookup",
        "9434765919",
        "--scheduled",
        "--curl",
    ]);
    curl.assert_code(0).assert_stderr_has(&[
        "nothing was sent",
        &format!("export CPIS_ACCESS_TOKEN=\"$(cpis --base-url {base} auth token)\""),
    ]);
    assert!(
        curl.stdout.contains("Bearer $CPIS_ACCESS_TOKEN"),
        "{}",
        curl.stdout
    );
    let before = server.requests().len();
    // (The scripted server does not record PDS requests: the first CP-IS search.)
    let line = curl
        .stdout
        .lines()
        .find(|l| l.contains("/CareTeam?"))
        .unwrap();
    let out = std::process::Command::new("sh")
        .args(["-c", line])
        .env("CPIS_ACCESS_TOKEN", t.stdout.trim())
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{line}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), before + 1, "{}", curl.stdout);
    assert_eq!(reqs[before].header("authorization"), Some("Bearer tok-2"));
    // CPIS_ACCESS_TOKEN, when set, is the token in use.
    let e = cpis.run_env(
        &["--base-url", &base, "auth", "token"],
        &[("CPIS_ACCESS_TOKEN", "from-the-environment")],
    );
    e.assert_code(0)
        .assert_stderr_has(&["a token from CPIS_ACCESS_TOKEN"]);
    assert_eq!(e.stdout, "from-the-environment\n");
    // Signed out: exit 4, nothing printed.
    let out = Cpis::signed_out();
    let r = out.run(&["--base-url", &base, "auth", "token"]);
    r.assert_code(4);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let r = out.run(&["--base-url", &base, "auth", "assertion"]);
    r.assert_code(4)
        .assert_stderr_has(&["no system identity is signed in", "cpis --base-url"]);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
}

#[test]
fn auth_assertion_prints_a_fresh_signed_client_assertion_for_the_system() {
    let (server, issued) = platform("599");
    let cpis = Cpis::signed_out();
    let base = server.base_url();
    login(&cpis, &base, &key_file(&cpis)).assert_code(0);
    let token_url = format!("http://{}/oauth2/token", server.addr);
    let mut jtis = std::collections::HashSet::new();
    for _ in 0..2 {
        let r = cpis.run(&["--base-url", &base, "auth", "assertion"]);
        r.assert_code(0)
            .assert_stderr_has(&["printed a client assertion for", &token_url, KID]);
        let jwt = r.stdout.trim();
        assert!(!r.stderr.contains(jwt));
        assert_eq!(r.stdout, format!("{jwt}\n"));
        // Signed with the registered key, for the token URL, short-lived.
        let key = cpis::sandbox::app::public_decoding_key();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS512);
        v.set_audience(&[&token_url]);
        v.set_issuer(&[API_KEY]);
        let claims = jsonwebtoken::decode::<serde_json::Value>(jwt, &key, &v)
            .unwrap()
            .claims;
        assert_eq!(claims["sub"], API_KEY);
        let exp = claims["exp"].as_u64().unwrap();
        assert!(exp > now() && exp <= now() + 300, "{claims}");
        jtis.insert(claims["jti"].as_str().unwrap().to_string());
        let header = b64json(jwt.split('.').next().unwrap());
        assert_eq!(header["kid"], KID);
    }
    assert_eq!(jtis.len(), 2, "each assertion is fresh");
    // Nothing was sent: the assertion is for support to send.
    assert_eq!(issued.load(Ordering::SeqCst), 1);
    // A token sign-in has no key to sign with.
    let tok = Cpis::signed_out();
    let mut c = tok.cmd();
    let child = c
        .args(["--base-url", &base, "auth", "login", "--with-token"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    let mut child = child;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a-supplied-token\n")
        .unwrap();
    assert!(child.wait_with_output().unwrap().status.success());
    tok.run(&["--base-url", &base, "auth", "assertion"])
        .assert_code(4)
        .assert_stderr_has(&["no system identity is signed in"]);
    // The embedded sandbox's token endpoint dies with the command: no assertion for it.
    cpis.run(&["--env", "local", "auth", "assertion"])
        .assert_code(2)
        .assert_stderr_has(&["embedded sandbox"]);
}

#[cfg(unix)]
#[test]
fn a_credential_is_printed_on_a_terminal_only_with_yes() {
    let (server, _) = platform("599");
    let cpis = Cpis::signed_out();
    let base = server.base_url();
    login(&cpis, &base, &key_file(&cpis)).assert_code(0);
    for (cmd, what, var) in [
        ("token", "the access token", "CPIS_ACCESS_TOKEN"),
        ("assertion", "a client assertion", "CPIS_CLIENT_ASSERTION"),
    ] {
        let Some((code, shown)) = on_a_terminal(&cpis, &["--base-url", &base, "auth", cmd], &[])
        else {
            eprintln!("skipped: no `script` for a pseudo-terminal");
            return;
        };
        assert_eq!(code, 2, "{shown}");
        assert!(
            shown.contains(&format!("not printing {what} to a terminal")),
            "{shown}"
        );
        assert!(shown.contains(&format!("export {var}=")), "{shown}");
        assert!(
            !shown.contains("tok-1") && !shown.contains("eyJ"),
            "{shown}"
        );
        let (code, shown) =
            on_a_terminal(&cpis, &["--base-url", &base, "auth", cmd, "--yes"], &[]).unwrap();
        assert_eq!(code, 0, "{shown}");
        match cmd {
            "token" => assert!(shown.contains("tok-1"), "{shown}"),
            _ => assert!(shown.contains("eyJ"), "{shown}"),
        }
    }
}
