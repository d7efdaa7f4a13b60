//! NHS CIS2 smartcard sign-in through the binary: the test plays the browser by following the
//! printed authorize URL to the loopback redirect. Against the embedded sandbox with no flags,
//! and against `cpis sandbox serve --require-auth` as a separately configured environment:
//! who the lookup names, NHSD-Session-URID, the role check, refresh rotation and expiry, and a
//! login whose state or id_token does not check out exchanging nothing.

use crate::common;
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
    /// Anything else, given the printed authorize URL.
    Custom(Box<dyn FnOnce(&str) + 'a>),
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
    // The page the browser is shown: it comes only once the sign-in has ended, and says
    // "signed in" only when it was (the session already kept by then).
    let sessions = cpis.data_dir().join("sessions.json");
    let page = match browser {
        Browser::SignIn(user) => {
            let (status, location, _) = http_get(&format!("{url}&login_hint={user}"));
            assert_eq!(status, 302);
            let (status, _, body) = http_get(&location.unwrap());
            assert_eq!(status, 200);
            Some((body, sessions.exists()))
        }
        Browser::Callback { state } => {
            let redirect = &q["redirect_uri"];
            let state = state.unwrap_or(&q["state"]);
            let (_, _, body) = http_get(&format!("{redirect}?code=made-up-code&state={state}"));
            Some((body, sessions.exists()))
        }
        Browser::Custom(f) => {
            f(&url);
            None
        }
    };
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    seen.push_str(&rest);
    let out = child.wait_with_output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: seen,
    };
    if let Some((body, kept)) = page {
        assert_browser_page(&body, run.code == 0, kept);
    }
    run
}

/// The loopback page says "signed in" exactly when the sign-in succeeded, and only once the
/// session was kept (`kept`: when the page arrived); a failed one says to look at the terminal.
fn assert_browser_page(body: &str, succeeded: bool, kept: bool) {
    if succeeded {
        assert!(body.contains("Signed in."), "{body}");
        assert!(kept, "the page said signed in before the session was kept");
    } else {
        assert!(!body.contains("Signed in"), "{body}");
        assert!(
            body.contains("Sign-in failed") && body.contains("Look at the terminal"),
            "{body}"
        );
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

    // `auth token` prints the token in use, refreshed first when it has lapsed, as a lookup
    // would; `lookup --curl`'s commands run with it (they carry the role's session URID).
    let t = cpis.run(&["--base-url", base, "auth", "token"]);
    t.assert_code(0).assert_stderr_has(&[JANE]);
    assert_eq!(
        t.stdout,
        format!("{}\n", after["access_token"].as_str().unwrap())
    );
    edit_session(&cpis, |s| s["access_expires_at"] = serde_json::json!(1));
    let t = cpis.run(&["--base-url", base, "auth", "token"]);
    t.assert_code(0);
    let refreshed = stored_secrets(&cpis, &key_name);
    assert_ne!(refreshed["access_token"], after["access_token"]);
    assert_eq!(
        t.stdout,
        format!("{}\n", refreshed["access_token"].as_str().unwrap())
    );
    assert!(!t.stderr.contains(t.stdout.trim()));
    let curl = cpis.run(&[
        "--base-url",
        base,
        "lookup",
        "9990000026",
        "--scheduled",
        "--curl",
    ]);
    curl.assert_code(0);
    for line in curl.stdout.lines() {
        let out = std::process::Command::new("sh")
            .args(["-c", line])
            .env("CPIS_ACCESS_TOKEN", t.stdout.trim())
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{line}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // Twelve hours on: nothing can be renewed; exit 4 with the command, nothing sent.
    edit_session(&cpis, |s| {
        s["access_expires_at"] = serde_json::json!(1);
        s["refresh_expires_at"] = serde_json::json!(2);
    });
    lookup("--scheduled").assert_code(4).assert_stderr_has(&[
        "has expired",
        &format!("cpis --base-url {base} auth login --user"),
    ]);
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

/// GET an absolute http URL with a read timeout, so that a listener that never answers fails
/// the test instead of hanging it; (status, body).
fn timed_get(url: &str) -> (u16, String) {
    use std::io::Write;
    let u = url::Url::parse(url).unwrap();
    let mut s = std::net::TcpStream::connect((u.host_str().unwrap(), u.port().unwrap())).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let target = match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    };
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: {}:{}\r\nConnection: close\r\n\r\n",
        u.host_str().unwrap(),
        u.port().unwrap()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp)
        .expect("the loopback listener answers within 30 s");
    let status = resp[9..12].parse().unwrap();
    let body = resp.split_once("\r\n\r\n").map_or("", |x| x.1).to_string();
    (status, body)
}

/// The loopback redirect URI and state of a printed authorize URL.
fn redirect_and_state(authorize: &str) -> (String, String) {
    let q: std::collections::HashMap<String, String> = url::Url::parse(authorize)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    (q["redirect_uri"].clone(), q["state"].clone())
}

#[test]
fn a_login_whose_state_does_not_match_exchanges_nothing() {
    // Deliberately changed (issue 15 item 9): a forged or stale reply no longer ends the
    // login; it is refused with an error page and ignored. The login then ends with the
    // provider's own refusal, having exchanged nothing.
    let provider = cis2_provider(good_claims, |_| userinfo_for(app::DEFAULT_USER_ID), None);
    let cpis = Cpis::signed_out();
    let flags = provider_flags(&cpis, &provider);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let r = login_user(
        &cpis,
        &["--base-url", &provider.base_url()],
        &flags,
        &SECRETS,
        Browser::Custom(Box::new(|url| {
            let (redirect, state) = redirect_and_state(url);
            let (status, body) = timed_get(&format!("{redirect}?code=forged-code&state=forged"));
            assert_eq!(status, 400, "{body}");
            assert!(body.contains("state mismatch"), "{body}");
            let (status, body) = timed_get(&format!("{redirect}?code=forged-code"));
            assert_eq!(status, 400, "{body}");
            // Nothing was exchanged: no token request reached CIS2 or the platform.
            assert!(provider.requests().iter().all(|q| q.method != "POST"));
            let (status, body) =
                timed_get(&format!("{redirect}?error=access_denied&state={state}"));
            assert_eq!(status, 200, "{body}");
            assert_browser_page(&body, false, false);
        })),
    );
    r.assert_code(4).assert_stderr_has(&[
        "state does not match",
        "CIS2 refused the sign-in: access_denied",
        "nothing was exchanged",
    ]);
    assert!(provider.requests().iter().all(|q| q.method != "POST"));
    assert!(!cpis.data_dir().join("sessions.json").exists());
    assert!(!cpis.keyring_dir().exists());
}

#[test]
fn an_idle_connection_and_a_forged_callback_do_not_block_or_end_the_sign_in() {
    let cpis = Cpis::signed_out();
    let login = login_user(
        &cpis,
        &[],
        &[],
        &[],
        Browser::Custom(Box::new(|url| {
            let (redirect, _) = redirect_and_state(url);
            let u = url::Url::parse(&redirect).unwrap();
            // A port scanner or a browser's pre-connect: connected, saying nothing, held open
            // for the whole sign-in.
            let idle =
                std::net::TcpStream::connect((u.host_str().unwrap(), u.port().unwrap())).unwrap();
            let (status, body) = timed_get(&format!("{redirect}?code=forged&state=forged"));
            assert_eq!(status, 400, "{body}");
            // Then the real sign-in, through the sandbox's CIS2.
            let (status, location, _) =
                http_get(&format!("{url}&login_hint={}", app::DEFAULT_USER_ID));
            assert_eq!(status, 302);
            let (status, body) = timed_get(&location.unwrap());
            assert_eq!(status, 200);
            assert!(body.contains("Signed in"), "{body}");
            drop(idle);
        })),
    );
    login
        .assert_code(0)
        .assert_stderr_has(&[JANE, "ignored a sign-in reply whose state does not match"]);
}

/// How an in-test endpoint answers.
type Answerer = Box<dyn Fn(&Seen) -> Reply + Send + Sync>;

/// An in-test CIS2 on loopback (discovery, authorize, access_token, userinfo, JWKS) whose
/// id_token claims and userinfo the test chooses (given the issuer and the login's nonce),
/// with the platform's token endpoint (`/oauth2/token`) on the same server: it issues tokens
/// for the token exchange, and answers anything else with `platform`.
fn cis2_provider(
    claims: fn(&str, &str) -> serde_json::Value,
    userinfo: fn(&str) -> serde_json::Value,
    platform: Option<Answerer>,
) -> Scripted {
    cis2_provider_with(claims, userinfo, None, platform)
}

fn cis2_provider_with(
    claims: fn(&str, &str) -> serde_json::Value,
    userinfo: fn(&str) -> serde_json::Value,
    cis2_token: Option<Answerer>,
    platform: Option<Answerer>,
) -> Scripted {
    cis2_provider_full(claims, userinfo, cis2_token, platform, false)
}

/// The same; with `exchange_by_platform`, the token exchange too is answered by `platform`.
fn cis2_provider_full(
    claims: fn(&str, &str) -> serde_json::Value,
    userinfo: fn(&str) -> serde_json::Value,
    cis2_token: Option<Answerer>,
    platform: Option<Answerer>,
    exchange_by_platform: bool,
) -> Scripted {
    let nonce = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    Scripted::start(move |seen, _| {
        let me = format!("http://{}", seen.header("host").unwrap());
        let issuer = format!("{me}/cis2");
        let (path, query) = seen.target.split_once('?').unwrap_or((&seen.target, ""));
        let q: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
        let json = |v: serde_json::Value| Reply::new(200, "application/json", v.to_string());
        match (seen.method.as_str(), path) {
            ("GET", "/cis2/.well-known/openid-configuration") => {
                json(cpis::sandbox::cis2::discovery(&issuer))
            }
            ("GET", "/cis2/connect/jwk_uri") => json(cpis::sandbox::cis2::jwks()),
            ("GET", "/cis2/authorize") => {
                *nonce.lock().unwrap() = q.get("nonce").cloned().unwrap_or_default();
                let mut back = url::Url::parse(&q["redirect_uri"]).unwrap();
                back.query_pairs_mut()
                    .append_pair("code", CIS2_CODE)
                    .append_pair("state", &q["state"]);
                Reply::new(302, "text/plain", "").header("Location", back.as_str())
            }
            ("POST", "/cis2/access_token") => match &cis2_token {
                Some(f) => f(seen),
                None => json(serde_json::json!({
                    "id_token": cpis::sandbox::cis2::sign(&claims(&issuer, &nonce.lock().unwrap())),
                    "access_token": "cis2-access",
                })),
            },
            ("GET", "/cis2/userinfo") => json(userinfo(&issuer)),
            ("POST", "/oauth2/token")
                if seen.form().get("grant_type").map(String::as_str)
                    == Some(cpis::auth::cis2::TOKEN_EXCHANGE)
                    && !exchange_by_platform =>
            {
                json(serde_json::json!({
                    "access_token": "platform-access-1",
                    "expires_in": "599",
                    "refresh_token": PLATFORM_REFRESH,
                    "refresh_token_expires_in": "43199",
                }))
            }
            _ => match &platform {
                Some(f) => f(seen),
                None => Reply::new(500, "text/plain", "not expected"),
            },
        }
    })
}

const CIS2_CODE: &str = "cis2-code-0f1e2d3c4b5a";
const PLATFORM_REFRESH: &str = "platform-refresh-9a8b7c6d5e4f";

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn good_claims(iss: &str, nonce: &str) -> serde_json::Value {
    let now = now_secs();
    serde_json::json!({"sub": app::DEFAULT_USER_ID, "iss": iss, "aud": app::CIS2_CLIENT_ID,
        "exp": now + 300, "iat": now, "nonce": nonce, "selected_roleid": "555123456789"})
}

fn userinfo_for(uid: &str) -> serde_json::Value {
    cpis::sandbox::cis2::userinfo_of(cpis::sandbox::cis2::find_user(uid).unwrap())
}

/// The sign-in flags for an in-test provider: its CIS2 and its token endpoint.
fn provider_flags(cpis: &Cpis, provider: &Scripted) -> Vec<String> {
    let mut flags = cis2_flags(&format!("http://{}/cis2", provider.addr), &app_key(cpis));
    flags.extend([
        "--token-url".to_string(),
        format!("http://{}/oauth2/token", provider.addr),
    ]);
    flags
}

#[test]
fn an_id_token_for_several_audiences_needs_our_azp_and_userinfo_must_be_about_its_sub() {
    let many_no_azp: fn(&str, &str) -> serde_json::Value = |iss, nonce| {
        let mut c = good_claims(iss, nonce);
        c["aud"] = serde_json::json!([app::CIS2_CLIENT_ID, "another-client"]);
        c
    };
    let many_other_azp: fn(&str, &str) -> serde_json::Value = |iss, nonce| {
        let mut c = good_claims(iss, nonce);
        c["aud"] = serde_json::json!([app::CIS2_CLIENT_ID, "another-client"]);
        c["azp"] = "another-client".into();
        c
    };
    let many_our_azp: fn(&str, &str) -> serde_json::Value = |iss, nonce| {
        let mut c = good_claims(iss, nonce);
        c["aud"] = serde_json::json!([app::CIS2_CLIENT_ID, "another-client"]);
        c["azp"] = app::CIS2_CLIENT_ID.into();
        c
    };
    let jane: fn(&str) -> serde_json::Value = |_| userinfo_for(app::DEFAULT_USER_ID);
    let someone_else: fn(&str) -> serde_json::Value = |_| {
        let mut u = userinfo_for(app::DEFAULT_USER_ID);
        u["sub"] = "111111111111".into();
        u
    };
    let no_sub: fn(&str) -> serde_json::Value = |_| {
        let mut u = userinfo_for(app::DEFAULT_USER_ID);
        u.as_object_mut().unwrap().remove("sub");
        u
    };
    type Case = (
        &'static str,
        fn(&str, &str) -> serde_json::Value,
        fn(&str) -> serde_json::Value,
        Option<&'static str>,
    );
    let cases: Vec<Case> = vec![
        (
            "several audiences, no azp",
            many_no_azp,
            jane,
            Some("no authorized party (azp)"),
        ),
        (
            "several audiences, another azp",
            many_other_azp,
            jane,
            Some("(azp) is another client"),
        ),
        (
            "another user's userinfo",
            good_claims,
            someone_else,
            Some("its sub differs"),
        ),
        (
            "userinfo without sub",
            good_claims,
            no_sub,
            Some("its sub differs"),
        ),
        ("several audiences, our azp", many_our_azp, jane, None),
    ];
    for (what, claims, userinfo, refused) in cases {
        let provider = cis2_provider(claims, userinfo, None);
        let cpis = Cpis::signed_out();
        let flags = provider_flags(&cpis, &provider);
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let r = login_user(
            &cpis,
            &["--base-url", &provider.base_url()],
            &flags,
            &SECRETS,
            Browser::SignIn(app::DEFAULT_USER_ID),
        );
        let exchanged = provider
            .requests()
            .iter()
            .any(|q| q.target == "/oauth2/token");
        match refused {
            Some(why) => {
                r.assert_code(4)
                    .assert_stderr_has(&[why, "nothing was exchanged"]);
                assert!(!exchanged, "{what}: the id_token was exchanged");
                assert!(!cpis.data_dir().join("sessions.json").exists(), "{what}");
            }
            None => {
                r.assert_code(0).assert_stderr_has(&[JANE]);
                assert!(exchanged, "{what}");
            }
        }
    }
}

#[test]
fn the_browser_says_signed_in_only_once_the_sign_in_has_finished() {
    // The id_token checks out, but the platform refuses to exchange it: the browser, which
    // waited, is told the sign-in failed and to look at the terminal (assert_browser_page).
    let refuse: Answerer = Box::new(|_| {
        Reply::new(
            401,
            "application/json",
            r#"{"error":"invalid_client","error_description":"no such application"}"#,
        )
    });
    let provider = cis2_provider_full(
        good_claims,
        |_| userinfo_for(app::DEFAULT_USER_ID),
        None,
        Some(refuse),
        true,
    );
    let cpis = Cpis::signed_out();
    let flags = provider_flags(&cpis, &provider);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let r = login_user(
        &cpis,
        &["--base-url", &provider.base_url()],
        &flags,
        &SECRETS,
        Browser::SignIn(app::DEFAULT_USER_ID),
    );
    assert_ne!(r.code, 0, "{}", r.stderr);
    assert!(provider
        .requests()
        .iter()
        .any(|q| q.target == "/oauth2/token"));
    assert!(!cpis.data_dir().join("sessions.json").exists());
    // And the same provider answering the exchange: signed in, said once kept.
    let provider = cis2_provider(good_claims, |_| userinfo_for(app::DEFAULT_USER_ID), None);
    let cpis = Cpis::signed_out();
    let flags = provider_flags(&cpis, &provider);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    login_user(
        &cpis,
        &["--base-url", &provider.base_url()],
        &flags,
        &SECRETS,
        Browser::SignIn(app::DEFAULT_USER_ID),
    )
    .assert_code(0)
    .assert_stderr_has(&[JANE]);
}

/// A token endpoint's refusal that repeats everything it was sent: the raw form, and every
/// value decoded, in each field.
fn echo(seen: &Seen) -> Reply {
    let raw = String::from_utf8_lossy(&seen.body).into_owned();
    let decoded: Vec<String> = seen.form().into_values().collect();
    let all = format!("{raw} | {}", decoded.join(" | "));
    Reply::new(
        400,
        "application/json",
        serde_json::json!({"error": all, "error_description": all, "message": all, "message_id": all})
            .to_string(),
    )
}

/// Nothing in `secrets` is in any output of `runs` or in any file but the keyring double's.
#[track_caller]
fn assert_nowhere(cpis: &Cpis, runs: &[&Run], secrets: &[&str]) {
    for s in secrets {
        for r in runs {
            assert!(
                !r.stdout.contains(s) && !r.stderr.contains(s),
                "{s:?} is in the output:\n{}",
                r.stderr
            );
        }
        for (path, bytes) in cpis.files() {
            if path.starts_with(cpis.keyring_dir()) {
                continue;
            }
            assert!(
                !String::from_utf8_lossy(&bytes).contains(s),
                "{s:?} is in {}",
                path.display()
            );
        }
    }
}

const ODD_CIS2_SECRET: &str = "cis2/secret+with&odd=chars%41";
const ODD_PLATFORM_SECRET: &str = "platform/secret+x&y=z";

#[test]
fn a_cis2_token_endpoint_that_echoes_the_code_exchange_never_shows_what_was_sent() {
    let provider = cis2_provider_with(
        good_claims,
        |_| userinfo_for(app::DEFAULT_USER_ID),
        Some(Box::new(echo)),
        None,
    );
    let cpis = Cpis::signed_out();
    let flags = provider_flags(&cpis, &provider);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let r = login_user(
        &cpis,
        &["--base-url", &provider.base_url()],
        &flags,
        &[
            ("CPIS_CIS2_CLIENT_SECRET", ODD_CIS2_SECRET),
            ("CPIS_CLIENT_SECRET", ODD_PLATFORM_SECRET),
        ],
        Browser::SignIn(app::DEFAULT_USER_ID),
    );
    r.assert_code(4).assert_stderr_has(&["[redacted]"]);
    let posted = provider
        .requests()
        .into_iter()
        .find(|q| q.target == "/cis2/access_token")
        .unwrap();
    let verifier = posted.form()["code_verifier"].clone();
    let encoded: String =
        url::form_urlencoded::byte_serialize(ODD_CIS2_SECRET.as_bytes()).collect();
    assert_nowhere(
        &cpis,
        &[&r],
        &[CIS2_CODE, ODD_CIS2_SECRET, &encoded, &verifier],
    );
}

#[test]
fn a_refresh_that_is_echoed_back_never_shows_the_refresh_token_or_the_secret() {
    // The refresh is refused with an echo of everything sent.
    let provider = cis2_provider_with(
        good_claims,
        |_| userinfo_for(app::DEFAULT_USER_ID),
        None,
        Some(Box::new(|seen: &Seen| {
            if seen.target == "/oauth2/token" {
                echo(seen)
            } else {
                Reply::fhir(EMPTY_BUNDLE)
            }
        })),
    );
    let cpis = Cpis::signed_out();
    let flags = provider_flags(&cpis, &provider);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let base = provider.base_url();
    let env = [
        ("CPIS_CIS2_CLIENT_SECRET", app::CIS2_CLIENT_SECRET),
        ("CPIS_CLIENT_SECRET", ODD_PLATFORM_SECRET),
    ];
    let login = login_user(
        &cpis,
        &["--base-url", &base],
        &flags,
        &env,
        Browser::SignIn(app::DEFAULT_USER_ID),
    );
    login.assert_code(0);
    edit_session(&cpis, |s| s["access_expires_at"] = serde_json::json!(1));
    let r = cpis.run(&["--base-url", &base, "lookup", "9990000026", "--scheduled"]);
    r.assert_code(4)
        .assert_stderr_has(&["has expired", "[redacted]"]);
    let refresh = provider
        .requests()
        .into_iter()
        .rfind(|q| q.target == "/oauth2/token")
        .unwrap();
    assert_eq!(refresh.form()["grant_type"], "refresh_token");
    assert_eq!(refresh.form()["refresh_token"], PLATFORM_REFRESH);
    let encoded: String =
        url::form_urlencoded::byte_serialize(ODD_PLATFORM_SECRET.as_bytes()).collect();
    assert_nowhere(
        &cpis,
        &[&login, &r],
        &[PLATFORM_REFRESH, ODD_PLATFORM_SECRET, &encoded],
    );
}

#[test]
fn lifetimes_from_the_token_exchange_are_bounded_and_never_overflow() {
    for (expires_in, refresh_in) in [
        ("18446744073709551615", "18446744073709551615"),
        ("1e300", "1e300"),
        ("-5", "-5"),
        ("\"soon\"", "\"later\""),
    ] {
        let reply = format!(
            r#"{{"access_token":"platform-access-1","expires_in":{expires_in},"refresh_token":"{PLATFORM_REFRESH}","refresh_token_expires_in":{refresh_in}}}"#
        );
        let provider = cis2_provider_full(
            good_claims,
            |_| userinfo_for(app::DEFAULT_USER_ID),
            None,
            Some(Box::new(move |seen: &Seen| {
                if seen.target == "/oauth2/token" {
                    Reply::new(200, "application/json", reply.clone())
                } else {
                    Reply::new(500, "text/plain", "not expected")
                }
            })),
            true,
        );
        let cpis = Cpis::signed_out();
        let flags = provider_flags(&cpis, &provider);
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let base = provider.base_url();
        let login = login_user(
            &cpis,
            &["--base-url", &base],
            &flags,
            &SECRETS,
            Browser::SignIn(app::DEFAULT_USER_ID),
        );
        assert_ne!(login.code, 101, "{expires_in}: a panic:\n{}", login.stderr);
        login.assert_code(0);
        let st = cpis.run(&["--base-url", &base, "auth", "status", "--json"]);
        st.assert_code(0);
        let v = st.json();
        let secs = |k: &str| {
            cpis::timeutil::parse_rfc3339(v[k].as_str().unwrap())
                .unwrap()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
        };
        assert!(
            secs("access_token_expires_at") <= now_secs() + 24 * 3600,
            "{expires_in}"
        );
        assert!(
            secs("refresh_token_expires_at") <= now_secs() + 12 * 3600,
            "{refresh_in}"
        );
    }
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
                    "../fixtures/oauth-test-key.pem"
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
    // (Since issue 15 item 9 a forged state is ignored, not the end of the login: the login
    // ends here with the platform's refusal on the genuine reply.)
    login_as(
        &other,
        "--combined",
        &globals,
        &flags,
        &env,
        Browser::Custom(Box::new(|url| {
            let (redirect, state) = redirect_and_state(url);
            let (status, _) = timed_get(&format!("{redirect}?code=forged&state=x"));
            assert_eq!(status, 400);
            let (status, body) =
                timed_get(&format!("{redirect}?error=access_denied&state={state}"));
            assert_eq!(status, 200, "{body}");
            assert_browser_page(&body, false, false);
        })),
    )
    .assert_code(4)
    .assert_stderr_has(&["state does not match", "access_denied"]);
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

#[test]
fn two_commands_at_once_share_one_refresh_of_the_single_use_token() {
    // Every answer is slowed, so both commands are sure to want the refresh at once.
    let sb = SandboxProc::start(&["--require-auth", "--delay-ms", "300"]);
    let cpis = Cpis::signed_out();
    let flags = serve_flags(&sb, &app_key(&cpis));
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let base = sb.base_url.as_str();
    login_user(
        &cpis,
        &["--base-url", base],
        &flags,
        &SECRETS,
        Browser::SignIn(app::DEFAULT_USER_ID),
    )
    .assert_code(0);
    edit_session(&cpis, |s| s["access_expires_at"] = serde_json::json!(1));
    let start = || {
        cpis.cmd()
            .args(["--base-url", base, "lookup", "9990000026", "--scheduled"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (start(), start());
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(count_events(&sb, "token refresh_token 200"), 1);
    assert_eq!(count_events(&sb, "token refresh_token 401"), 0);
    // The lock file is private.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let m = std::fs::symlink_metadata(cpis.data_dir().join("refresh.lock")).unwrap();
        assert!(m.is_file());
        assert_eq!(m.permissions().mode() & 0o777, 0o600);
    }
}

/// Issue 19 item 3: `auth status` says "renewed silently" and "usable" only when a refresh
/// token exists and will outlive the access token, by the margin a lookup uses.
#[test]
fn status_says_renewed_silently_only_when_a_refresh_token_will_do_it() {
    let cpis = Cpis::signed_out();
    login_user(&cpis, &[], &[], &[], Browser::SignIn(app::DEFAULT_USER_ID)).assert_code(0);
    let status = || {
        let r = cpis.run(&["auth", "status", "--json"]);
        (r.code, r.json(), cpis.run(&["auth", "status"]).stdout)
    };
    let (code, v, text) = status();
    assert_eq!(code, 0);
    assert_eq!(v["renews_silently"], true);
    assert!(text.contains("renewed silently"), "{text}");

    // No refresh token stored: nothing renews the access token.
    let entry = cpis.keyring_dir().join("cpis.default@local");
    let mut secrets: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&entry).unwrap()).unwrap();
    let refresh = secrets["refresh_token"].take();
    std::fs::write(&entry, serde_json::to_vec(&secrets).unwrap()).unwrap();
    let (code, v, text) = status();
    assert_eq!(code, 0, "the access token still lasts");
    assert_eq!(v["renews_silently"], false);
    assert!(!text.contains("renewed silently"), "{text}");
    assert!(text.contains("Refresh:      no"), "{text}");
    // ...and an access token within the lookup's margin (30 s) is not usable: a lookup
    // would not use it either.
    edit_session(&cpis, |s| {
        s["access_expires_at"] = serde_json::json!(now_secs() + 10)
    });
    let (code, v, _) = status();
    assert_eq!(code, 4);
    assert_eq!(v["usable"], false);
    cpis.run(&["lookup", "9990000026", "--scheduled"])
        .assert_code(4);

    // A refresh token that ends before the access token: not "renewed silently".
    secrets["refresh_token"] = refresh;
    std::fs::write(&entry, serde_json::to_vec(&secrets).unwrap()).unwrap();
    let now = now_secs();
    edit_session(&cpis, |s| {
        s["access_expires_at"] = serde_json::json!(now + 500);
        s["refresh_expires_at"] = serde_json::json!(now + 100);
    });
    let (code, v, text) = status();
    assert_eq!(code, 0);
    assert_eq!(v["renews_silently"], false);
    assert!(!text.contains("renewed silently"), "{text}");
}
