//! NHS CIS2 smartcard sign-in through the binary: the test plays the browser by following the
//! printed authorize URL to the loopback redirect. Against the embedded sandbox with no flags,
//! and against `cpis sandbox serve --require-auth` as a separately configured environment:
//! who the lookup names, NHSD-Session-URID, the role check, refresh rotation and expiry, and a
//! login whose state or id_token does not check out exchanging nothing.

mod common;
use common::*;

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;

use cpis::sandbox::app;

/// GET an absolute http URL; (status, Location header, body).
fn http_get(url: &str) -> (u16, Option<String>, String) {
    let u = url::Url::parse(url).unwrap();
    let addr = format!("{}:{}", u.host_str().unwrap(), u.port().unwrap())
        .parse()
        .unwrap();
    let target = match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    };
    let (status, head, body) = raw_request(addr, "GET", &target, &[], None);
    let location = head.lines().find_map(|l| {
        l.split_once(':')
            .filter(|(k, _)| k.eq_ignore_ascii_case("location"))
            .map(|(_, v)| v.trim().to_string())
    });
    (status, location, body)
}

/// How the test "browser" behaves.
enum Browser<'a> {
    /// Sign in as this synthetic user (login_hint) and follow the redirect back.
    SignIn(&'a str),
    /// Call the loopback callback directly with this state and a made-up code.
    Callback { state: Option<&'a str> },
}

/// Run `cpis GLOBALS auth login --user --no-browser FLAGS`, play the browser, and wait.
fn login_user(
    cpis: &Cpis,
    globals: &[&str],
    flags: &[&str],
    env: &[(&str, &str)],
    browser: Browser,
) -> Run {
    login_as(cpis, "--user", globals, flags, env, browser)
}

/// The same for any browser sign-in mode (`--user`, `--combined`).
fn login_as(
    cpis: &Cpis,
    mode: &str,
    globals: &[&str],
    flags: &[&str],
    env: &[(&str, &str)],
    browser: Browser,
) -> Run {
    let mut c = cpis.cmd();
    for (k, v) in env {
        c.env(k, v);
    }
    let mut all = globals.to_vec();
    all.extend_from_slice(&["auth", "login", mode, "--no-browser"]);
    all.extend_from_slice(flags);
    let mut child = c
        .args(&all)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let url = loop {
        let mut line = String::new();
        if err.read_line(&mut line).unwrap() == 0 {
            let out = child.wait_with_output().unwrap();
            return Run {
                code: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&out.stdout).into(),
                stderr: seen,
            };
        }
        seen.push_str(&line);
        if line.starts_with("http") && line.contains("/authorize?") {
            break line.trim().to_string();
        }
    };
    let u = url::Url::parse(&url).unwrap();
    let q: std::collections::HashMap<String, String> = u.query_pairs().into_owned().collect();
    match browser {
        Browser::SignIn(user) => {
            let (status, location, _) = http_get(&format!("{url}&login_hint={user}"));
            assert_eq!(status, 302);
            let (status, _, body) = http_get(&location.unwrap());
            assert_eq!(status, 200);
            assert!(
                body.contains("Signed in") || body.contains("failed"),
                "{body}"
            );
        }
        Browser::Callback { state } => {
            let redirect = &q["redirect_uri"];
            let state = state.unwrap_or(&q["state"]);
            http_get(&format!("{redirect}?code=made-up-code&state={state}"));
        }
    }
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    seen.push_str(&rest);
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: seen,
    }
}

/// The secrets the keyring double holds for `key` (tokens, client secret).
fn stored_secrets(cpis: &Cpis, key: &str) -> serde_json::Value {
    let raw = std::fs::read_to_string(cpis.keyring_dir().join(format!("cpis.{key}"))).unwrap();
    serde_json::from_str(&raw).unwrap()
}

/// No stored secret appears in any output or in any file but the keyring double's entry.
#[track_caller]
fn assert_secrets_kept(cpis: &Cpis, key: &str, runs: &[&Run]) {
    let secrets = stored_secrets(cpis, key);
    let values: Vec<String> = secrets
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(!values.is_empty());
    for v in &values {
        for r in runs {
            assert!(
                !r.stdout.contains(v) && !r.stderr.contains(v),
                "secret in output"
            );
        }
        for (path, bytes) in cpis.files() {
            if path.starts_with(cpis.keyring_dir()) {
                continue;
            }
            assert!(
                !String::from_utf8_lossy(&bytes).contains(v.as_str()),
                "secret in {}",
                path.display()
            );
        }
    }
}

const JANE: &str = "Dr Jane SMITH, Named Nurse Safeguarding, Whittington Health (RKE) \u{2014} role profile 555123456789";

#[test]
fn a_smartcard_user_signs_in_to_the_embedded_sandbox_with_no_flags() {
    let cpis = Cpis::signed_out();
    let login = login_user(&cpis, &[], &[], &[], Browser::SignIn(app::DEFAULT_USER_ID));
    login.assert_code(0).assert_stderr_has(&[JANE]);

    let r = cpis.run(&["lookup", "9990000026", "--unscheduled", "--yes", "--json"]);
    r.assert_code(0);
    let v = r.json();
    assert_eq!(v["acting_as"]["kind"], "user");
    assert_eq!(v["acting_as"]["description"], JANE);
    assert_eq!(v["acting_as"]["user"]["role_profile_id"], "555123456789");
    // The sandbox recorded the real caller.
    assert_eq!(v["access_history"][0]["name"], "Dr Jane SMITH");
    assert_eq!(v["access_history"][0]["role_profile_id"], "555123456789");
    let t = cpis.run(&["lookup", "9990000026", "--scheduled"]);
    assert!(
        t.stdout.contains(&format!("Acting as:    {JANE}")),
        "{}",
        t.stdout
    );

    let st = cpis.run(&["auth", "status", "--json"]);
    st.assert_code(0);
    let s = st.json();
    assert_eq!(s["kind"], "user");
    assert_eq!(s["user"]["name"], "Dr Jane SMITH");
    assert_eq!(s["user"]["ods_code"], "RKE");
    assert_eq!(s["user"]["may_view_unscheduled_b0107"], true);
    assert!(s["refresh_token_expires_at"].is_string());
    assert_secrets_kept(&cpis, "default@local", &[&login, &r, &t, &st]);
}

/// `cpis sandbox serve --require-auth` as an environment of its own: CP-IS, the platform's
/// token endpoint and the mock CIS2 on one origin, every value given as a user would.
fn serve_flags(sb: &SandboxProc, key: &std::path::Path) -> Vec<String> {
    let origin = sb.base_url.split("/cpis/").next().unwrap().to_string();
    cis2_flags(&format!("{origin}{}", app::CIS2_ISSUER_PATH), key)
}

/// Every value a CIS2 sign-in needs, as flags, for `issuer`.
fn cis2_flags(issuer: &str, key: &std::path::Path) -> Vec<String> {
    [
        "--cis2-issuer",
        issuer,
        "--cis2-client-id",
        app::CIS2_CLIENT_ID,
        "--api-key",
        app::API_KEY,
        "--kid",
        app::KID,
        "--private-key",
        key.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn app_key(cpis: &Cpis) -> std::path::PathBuf {
    let key = cpis.config_dir.path().join("app.pem");
    std::fs::write(&key, app::PRIVATE_KEY_PEM).unwrap();
    key
}

const SECRETS: [(&str, &str); 2] = [
    ("CPIS_CIS2_CLIENT_SECRET", app::CIS2_CLIENT_SECRET),
    ("CPIS_CLIENT_SECRET", app::CLIENT_SECRET),
];

fn edit_session(cpis: &Cpis, f: impl Fn(&mut serde_json::Value)) {
    let p = cpis.data_dir().join("sessions.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    for (_, s) in v.as_object_mut().unwrap().iter_mut() {
        f(s);
    }
    std::fs::write(&p, serde_json::to_vec(&v).unwrap()).unwrap();
}

#[test]
fn against_a_sandbox_that_requires_auth_tokens_refresh_and_rotate_then_expire() {
    let sb = SandboxProc::start(&["--require-auth"]);
    let cpis = Cpis::signed_out();
    let flags = serve_flags(&sb, &app_key(&cpis));
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let login = login_user(
        &cpis,
        &["--base-url", &sb.base_url],
        &flags,
        &SECRETS,
        Browser::SignIn(app::DEFAULT_USER_ID),
    );
    login.assert_code(0).assert_stderr_has(&[JANE]);
    let base = sb.base_url.as_str();
    let lookup =
        |care: &str| cpis.run(&["--base-url", base, "lookup", "9990000026", care, "--yes"]);
    lookup("--unscheduled").assert_code(0);

    // The access token lapses: the next lookup refreshes, and the refresh token rotates.
    let key_name = format!(
        "default@{}",
        url::Url::parse(base)
            .unwrap()
            .origin()
            .ascii_serialization()
    );
    let before = stored_secrets(&cpis, &key_name);
    edit_session(&cpis, |s| s["access_expires_at"] = serde_json::json!(1));
    lookup("--scheduled").assert_code(0);
    let after = stored_secrets(&cpis, &key_name);
    assert_ne!(before["refresh_token"], after["refresh_token"]);
    assert_ne!(before["access_token"], after["access_token"]);
    // The old refresh token is spent: the sandbox refuses it as the platform would.
    let form = format!(
        "grant_type=refresh_token&client_id={}&client_secret={}&refresh_token={}",
        app::API_KEY,
        app::CLIENT_SECRET,
        before["refresh_token"].as_str().unwrap()
    );
    let (status, body) = raw_post(
        sb.addr(),
        "/oauth2/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &form,
    );
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("refresh_token is invalid"), "{body}");

    // Twelve hours on: nothing can be renewed; exit 4 with the command, nothing sent.
    edit_session(&cpis, |s| {
        s["access_expires_at"] = serde_json::json!(1);
        s["refresh_expires_at"] = serde_json::json!(2);
    });
    lookup("--scheduled")
        .assert_code(4)
        .assert_stderr_has(&["has expired", "cpis auth login --user"]);
    cpis.run(&["--base-url", base, "auth", "status"])
        .assert_code(4);
}

#[test]
fn a_role_without_b0107_is_refused_before_anything_is_sent() {
    // CP-IS is a scripted server that records what reaches it; sign-in goes to a sandbox.
    let sb = SandboxProc::start(&[]);
    let cpis_srv = Scripted::start(|_, _| Reply::fhir(EMPTY_BUNDLE));
    let cpis = Cpis::signed_out();
    let origin = sb.base_url.split("/cpis/").next().unwrap().to_string();
    let mut flags = serve_flags(&sb, &app_key(&cpis));
    flags.extend(["--token-url".to_string(), format!("{origin}/oauth2/token")]);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let base = cpis_srv.base_url();
    let login = login_user(
        &cpis,
        &["--base-url", &base],
        &flags,
        &SECRETS,
        Browser::SignIn(app::NO_B0107_USER_ID),
    );
    login
        .assert_code(0)
        .assert_stderr_has(&["warning: the selected role lacks B0107"]);
    // The role is checked first: no request for --yes or a terminal to confirm on.
    cpis.run(&["--base-url", &base, "lookup", "9434765919", "--unscheduled"])
        .assert_code(5)
        .assert_stderr_has(&["lacks B0107", "nothing was sent"]);
    cpis.run(&[
        "--base-url",
        &base,
        "lookup",
        "9434765919",
        "--unscheduled",
        "--yes",
    ])
    .assert_code(5)
    .assert_stderr_has(&["lacks B0107", "nothing was sent"]);
    assert!(cpis_srv.requests().is_empty());
    // Scheduled care needs B0170, which the role holds; each request names the role.
    cpis.run(&["--base-url", &base, "lookup", "9434765919", "--scheduled"])
        .assert_code(0);
    let reqs = cpis_srv.requests();
    assert_eq!(reqs.len(), 2);
    for q in &reqs {
        assert_eq!(q.header("nhsd-session-urid"), Some("555123456790"));
        assert!(q
            .header("authorization")
            .is_some_and(|a| a.starts_with("Bearer ")));
    }
}

#[test]
fn a_login_whose_state_does_not_match_exchanges_nothing() {
    let cpis = Cpis::signed_out();
    let r = login_user(
        &cpis,
        &[],
        &[],
        &[],
        Browser::Callback {
            state: Some("forged"),
        },
    );
    r.assert_code(4)
        .assert_stderr_has(&["state does not match", "nothing was exchanged"]);
    assert!(!cpis.data_dir().join("sessions.json").exists());
    assert!(!cpis.keyring_dir().exists());
}

/// A scripted CIS2 whose token endpoint returns `id_token`, with the sandbox's mock JWKS; and
/// a platform token endpoint that must never be reached.
fn rogue_provider(id_token: impl Fn(&str) -> String + Send + Sync + 'static) -> Scripted {
    // (The test plays the browser by calling the loopback callback itself.)
    Scripted::start(move |seen, _| {
        let me = format!("http://{}", seen.header("host").unwrap());
        let issuer = format!("{me}/cis2");
        match (seen.method.as_str(), seen.target.split('?').next().unwrap()) {
            ("GET", "/cis2/.well-known/openid-configuration") => Reply::new(
                200,
                "application/json",
                cpis::sandbox::cis2::discovery(&issuer).to_string(),
            ),
            ("GET", "/cis2/connect/jwk_uri") => Reply::new(
                200,
                "application/json",
                cpis::sandbox::cis2::jwks().to_string(),
            ),
            ("POST", "/cis2/access_token") => Reply::new(
                200,
                "application/json",
                serde_json::json!({"id_token": id_token(&issuer), "access_token": "a"}).to_string(),
            ),
            _ => Reply::new(500, "text/plain", "the platform must not be reached"),
        }
    })
}

#[test]
fn an_id_token_that_does_not_check_out_exchanges_nothing() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    type Claims = fn(&str, u64) -> serde_json::Value;
    let good: Claims = |iss, now| {
        serde_json::json!({"sub": app::DEFAULT_USER_ID, "iss": iss, "aud": app::CIS2_CLIENT_ID,
            "exp": now + 300, "iat": now, "nonce": "WRONG", "selected_roleid": "555123456789"})
    };
    type MakeToken = Box<dyn Fn(&str) -> String + Send + Sync>;
    let cases: Vec<(&str, MakeToken)> = vec![
        (
            "nonce does not match",
            Box::new(move |iss: &str| cpis::sandbox::cis2::sign(&good(iss, now))),
        ),
        (
            "audience is not this client",
            Box::new(move |iss: &str| {
                let mut c = good(iss, now);
                c["aud"] = "someone-else".into();
                cpis::sandbox::cis2::sign(&c)
            }),
        ),
        (
            "issuer is not CIS2's",
            Box::new(move |_: &str| {
                cpis::sandbox::cis2::sign(&good("https://evil.example/cis2", now))
            }),
        ),
        (
            "has expired",
            Box::new(move |iss: &str| {
                let mut c = good(iss, now);
                c["exp"] = (now - 600).into();
                cpis::sandbox::cis2::sign(&c)
            }),
        ),
        (
            "signature does not verify",
            Box::new(move |iss: &str| {
                let key = jsonwebtoken::EncodingKey::from_rsa_pem(include_bytes!(
                    "fixtures/oauth-test-key.pem"
                ))
                .unwrap();
                let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
                h.kid = Some(cpis::sandbox::cis2::KID.into());
                jsonwebtoken::encode(&h, &good(iss, now), &key).unwrap()
            }),
        ),
    ];
    for (why, make) in cases {
        let provider = rogue_provider(make);
        let cpis = Cpis::signed_out();
        let issuer = format!("http://{}/cis2", provider.addr);
        let token_url = format!("http://{}/oauth2/token", provider.addr);
        let mut flags = cis2_flags(&issuer, &app_key(&cpis));
        flags.extend(["--token-url".to_string(), token_url]);
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let r = login_user(
            &cpis,
            &["--base-url", &provider.base_url()],
            &flags,
            &SECRETS,
            Browser::Callback { state: None },
        );
        r.assert_code(4)
            .assert_stderr_has(&[why, "nothing was exchanged"]);
        assert!(
            provider
                .requests()
                .iter()
                .all(|q| q.target != "/oauth2/token"),
            "{why}: the id_token was exchanged"
        );
        assert!(!cpis.data_dir().join("sessions.json").exists(), "{why}");
    }
}

#[test]
fn the_profile_holds_the_sign_in_values_so_a_clinician_types_no_flags() {
    let sb = SandboxProc::start(&["--require-auth"]);
    let cpis = Cpis::signed_out();
    let origin = sb.base_url.split("/cpis/").next().unwrap().to_string();
    let key = app_key(&cpis);
    for (k, v) in [
        ("base_url", sb.base_url.clone()),
        ("cis2_issuer", format!("{origin}{}", app::CIS2_ISSUER_PATH)),
        ("cis2_client_id", app::CIS2_CLIENT_ID.to_string()),
        ("api_key", app::API_KEY.to_string()),
        ("kid", app::KID.to_string()),
        ("private_key", key.to_str().unwrap().to_string()),
        ("care_setting", "scheduled".to_string()),
    ] {
        cpis.run(&["config", "set", k, &v]).assert_code(0);
    }
    cpis.run(&["config", "set", "redirect_port", "0"])
        .assert_code(2);
    let login = login_user(
        &cpis,
        &[],
        &[],
        &SECRETS,
        Browser::SignIn(app::DEFAULT_USER_ID),
    );
    login.assert_code(0).assert_stderr_has(&[JANE]);
    let r = cpis.run(&["lookup", "9990000026", "--json"]);
    r.assert_code(0);
    assert_eq!(r.json()["acting_as"]["kind"], "user");
}

#[test]
fn combined_authentication_signs_in_through_the_platforms_own_page() {
    // Embedded sandbox, no flags.
    let cpis = Cpis::signed_out();
    let login = login_as(
        &cpis,
        "--combined",
        &[],
        &[],
        &[],
        Browser::SignIn(app::DEFAULT_USER_ID),
    );
    login
        .assert_code(0)
        .assert_stderr_has(&[JANE, "combined authentication"]);
    let r = cpis.run(&["lookup", "9990000026", "--unscheduled", "--yes", "--json"]);
    r.assert_code(0);
    assert_eq!(r.json()["access_history"][0]["name"], "Dr Jane SMITH");

    // Against a sandbox that requires auth, with the API key and client secret given; a
    // forged state exchanges nothing.
    let sb = SandboxProc::start(&["--require-auth"]);
    let other = Cpis::signed_out();
    let globals = ["--base-url", sb.base_url.as_str()];
    let flags = ["--api-key", app::API_KEY];
    let env = [("CPIS_CLIENT_SECRET", app::CLIENT_SECRET)];
    login_as(
        &other,
        "--combined",
        &globals,
        &flags,
        &env,
        Browser::Callback { state: Some("x") },
    )
    .assert_code(4);
    assert!(!other.data_dir().join("sessions.json").exists());
    login_as(
        &other,
        "--combined",
        &globals,
        &flags,
        &env,
        Browser::SignIn(app::NO_B0107_USER_ID),
    )
    .assert_code(0);
    other
        .run(&[
            "--base-url",
            &sb.base_url,
            "lookup",
            "9990000026",
            "--unscheduled",
            "--yes",
        ])
        .assert_code(5);
    other
        .run(&[
            "--base-url",
            &sb.base_url,
            "lookup",
            "9990000026",
            "--scheduled",
        ])
        .assert_code(0);
    // A wrong client secret is the platform's refusal, exit 4.
    let third = Cpis::signed_out();
    login_as(
        &third,
        "--combined",
        &globals,
        &flags,
        &[("CPIS_CLIENT_SECRET", "wrong")],
        Browser::SignIn(app::DEFAULT_USER_ID),
    )
    .assert_code(4)
    .assert_stderr_has(&["client_id or client_secret is invalid"]);
}
