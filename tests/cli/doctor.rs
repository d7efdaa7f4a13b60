//! `cpis doctor` through the binary, each diagnosis provoked for real on loopback: a closed
//! port, an unresolvable host, a TLS sandbox whose CA is not trusted, a proxy that wants NTLM,
//! a server whose clock is 10 minutes off; the JSON report holds no secret.

use crate::common;
use common::*;

const SECRET: &str = "doctor-secret-token-4242";

fn statuses(v: &serde_json::Value) -> Vec<(String, String)> {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn status_of(v: &serde_json::Value, name: &str) -> String {
    statuses(v)
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name} check"))
        .1
}

#[test]
fn the_embedded_sandbox_passes_every_check() {
    let r = Cpis::signed_out().run(&["doctor", "--json"]);
    r.assert_code(0);
    let v = r.json();
    let names: Vec<String> = statuses(&v).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "config",
            "proxy",
            "dns",
            "tcp",
            "tls",
            "http",
            "clock",
            "pds",
            "oauth",
            "cis2",
            "credentials"
        ]
    );
    assert!(
        statuses(&v).iter().all(|(_, s)| s == "ok" || s == "skip"),
        "{v}"
    );
    assert_eq!(v["environment"], "local");
    let t = Cpis::signed_out().run(&["doctor"]);
    t.assert_code(0);
    assert!(t.stdout.contains("ok http "), "{}", t.stdout);
}

#[test]
fn a_closed_port_and_an_unresolvable_host_are_unreachable() {
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let cpis = Cpis::signed_out();
    let r = cpis.run_env(
        &[
            "--base-url",
            &format!("http://{dead}/cpis/FHIR/R4"),
            "doctor",
            "--json",
        ],
        &[("CPIS_ACCESS_TOKEN", SECRET)],
    );
    r.assert_code(6);
    let v = r.json();
    assert_eq!(status_of(&v, "tcp"), "fail");
    assert_eq!(status_of(&v, "http"), "skip");
    assert!(v.to_string().contains("refused the connection"));
    assert!(!r.stdout.contains(SECRET) && !r.stderr.contains(SECRET));

    let r = cpis.run(&[
        "--base-url",
        "https://cpis.example.invalid/cpis/FHIR/R4",
        "doctor",
        "--json",
    ]);
    r.assert_code(6);
    let v = r.json();
    assert_eq!(status_of(&v, "dns"), "fail");
    // "cannot resolve", or "no answer resolving" where DNS times out.
    assert!(v.to_string().contains("resolv"), "{v}");
    assert!(v.to_string().contains("cpis.example.invalid"), "{v}");
}

#[test]
fn an_untrusted_certificate_is_diagnosed_and_the_ca_bundle_fixes_it() {
    let sb = SandboxProc::start(&["--tls"]);
    let cpis = Cpis::new();
    let r = cpis.run(&["--base-url", &sb.base_url, "doctor"]);
    r.assert_code(6);
    assert!(
        r.stdout.contains("XX tls") && r.stdout.contains("not signed by a trusted authority"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("--ca-bundle"), "{}", r.stdout);
    let ca = sb.ca_bundle.clone().unwrap();
    let r = cpis.run(&[
        "--base-url",
        &sb.base_url,
        "--ca-bundle",
        ca.to_str().unwrap(),
        "doctor",
        "--json",
    ]);
    r.assert_code(0);
    let v = r.json();
    // Trusted, but only through the extra CA: worth a warning, not a failure.
    assert_eq!(status_of(&v, "tls"), "warn");
    let text = v.to_string();
    assert!(text.contains("TLSv1_3"), "{text}");
    assert!(
        text.contains(
            "certificate cpis sandbox issued by cpis sandbox CA (throwaway), valid until 4096-01-01 00:00 UTC"
        ),
        "{text}"
    );
    assert!(text.contains("only through an extra CA"), "{text}");
    assert_eq!(status_of(&v, "http"), "ok");
    assert!(!r.stdout.contains(TEST_TOKEN));
}

#[test]
fn a_proxy_that_wants_ntlm_is_named_with_the_workaround() {
    let proxy = Scripted::start(|_, _| {
        Reply::new(407, "text/html", "<html>auth</html>")
            .header("Proxy-Authenticate", "NTLM")
            .header("Proxy-Authenticate", "Negotiate")
    });
    let r = Cpis::new().run_env(
        &[
            "--base-url",
            "https://cpis.example.invalid/cpis/FHIR/R4",
            "doctor",
            "--json",
        ],
        &[(
            "HTTPS_PROXY",
            &format!("http://alice:proxy-pass-99@{}", proxy.addr),
        )],
    );
    r.assert_code(6);
    let v = r.json();
    assert_eq!(status_of(&v, "proxy"), "fail");
    let text = v.to_string();
    assert!(text.contains("NTLM or Negotiate"), "{text}");
    assert!(text.contains("local authenticating proxy"), "{text}");
    // The proxy's credentials are never shown; the CONNECT went to the proxy.
    assert!(!r.stdout.contains("proxy-pass-99") && !r.stdout.contains("alice"));
    assert!(proxy
        .requests()
        .iter()
        .any(|q| q.method == "CONNECT" && q.target == "cpis.example.invalid:443"));
}

#[test]
fn a_clock_ten_minutes_out_fails_and_a_minute_out_warns() {
    // The sandbox's Date runs 10 minutes behind (this machine is ahead), or a minute ahead.
    for (offset, status, code, says) in
        [("-600", "fail", 2, "ahead of"), ("60", "warn", 0, "behind")]
    {
        let sb = SandboxProc::start(&["--clock-offset-secs", offset]);
        let r = Cpis::new().run(&["--base-url", &sb.base_url, "doctor", "--json"]);
        r.assert_code(code);
        let v = r.json();
        assert_eq!(status_of(&v, "clock"), status, "{v}");
        let text = v.to_string();
        let secs = offset.trim_start_matches('-');
        let near = secs.parse::<u64>().unwrap();
        assert!(
            // The Date header has whole seconds and the machine may be busy: a few either way.
            (near - 3..=near + 3).any(|n| text.contains(&format!("{n} s {says} the server's"))),
            "{text}"
        );
    }
}

#[test]
fn curl_commands_reproduce_the_lookup() {
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("note: curl is not installed; skipping the run of the printed commands");
        return;
    }
    for tls in [false, true] {
        let sb = SandboxProc::start(if tls { &["--tls"] } else { &[] });
        let ca = sb.ca_bundle.clone();
        let mut args = vec!["--base-url", sb.base_url.as_str()];
        if let Some(ca) = &ca {
            args.extend(["--ca-bundle", ca.to_str().unwrap()]);
        }
        let cpis = Cpis::new();
        let mut curl_args = args.clone();
        curl_args.extend(["lookup", "9990000026", "--scheduled", "--curl"]);
        let printed = cpis.run_env(&curl_args, &[("CPIS_ACCESS_TOKEN", SECRET)]);
        printed
            .assert_code(0)
            .assert_stderr_has(&["nothing was sent"]);
        assert!(!printed.stdout.contains(SECRET), "{}", printed.stdout);
        let all: Vec<&str> = printed.stdout.lines().collect();
        assert_eq!(all.len(), 3, "{}", printed.stdout);
        // PDS first (who the number belongs to), then the two CP-IS searches.
        let pds = all[0];
        assert!(pds.contains("/personal-demographics/FHIR/R4/Patient/9990000026'"));
        assert!(pds.contains("$CPIS_ACCESS_TOKEN") && pds.contains("'x-request-id: "));
        let lines = &all[1..];
        assert!(lines
            .iter()
            .all(|l| l.contains("$CPIS_ACCESS_TOKEN")
                && l.contains("'isunscheduledaccessevent: false'")));
        if tls {
            assert!(lines[0].contains("--cacert") && pds.contains("--cacert"));
        }
        let patient = std::process::Command::new("sh")
            .args(["-c", pds])
            .env("CPIS_ACCESS_TOKEN", "any-token")
            .output()
            .unwrap();
        assert!(patient.status.success(), "{pds}");
        let patient: serde_json::Value = serde_json::from_slice(&patient.stdout).unwrap();
        assert_eq!(patient["id"], "9990000026");
        let mut raw_args = args.clone();
        raw_args.extend(["lookup", "9990000026", "--scheduled", "--raw"]);
        let raw = cpis.run(&raw_args);
        raw.assert_code(0);
        let want: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&raw.stdout)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(want.len(), 2);
        for (line, want) in lines.iter().zip(&want) {
            let out = std::process::Command::new("sh")
                .args(["-c", line])
                .env("CPIS_ACCESS_TOKEN", "any-token")
                .env_remove("HTTPS_PROXY")
                .env_remove("https_proxy")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{line}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            // The bundles' ids and timestamps differ per request; their entries do not.
            assert_eq!(got["entry"], want["entry"], "{line}");
            assert_eq!(got["total"], want["total"]);
        }
    }
}

#[test]
fn query_makes_one_silent_lookup_and_a_system_sign_in_is_checked() {
    let cpis = Cpis::signed_out();
    cpis.run(&["auth", "login", "--system"]).assert_code(0);
    let r = cpis.run(&["doctor", "--json", "--query", "999 000 0026"]);
    r.assert_code(0);
    let v = r.json();
    assert_eq!(status_of(&v, "query"), "ok", "{v}");
    let text = v.to_string();
    assert!(
        text.contains("a scheduled (silent) lookup worked"),
        "{text}"
    );
    assert!(
        text.contains("alg RS512") && text.contains("a token can be obtained"),
        "{text}"
    );
    // No NHS number in a report meant for a ticket.
    assert!(!text.contains("9990000026") && !text.contains("999 000 0026"));
    // A bad number is refused before anything is checked.
    cpis.run(&["doctor", "--query", "9990000027"])
        .assert_code(2)
        .assert_stderr_has(&["Modulus 11"]);
}

#[test]
fn an_expired_certificate_and_a_wrong_name_are_diagnosed() {
    for (fault, says) in [
        // (Deliberately changed, issue 19 item 10: the date it expired, no clock advice.)
        ("expired", "expired on "),
        ("wrong-name", "not valid for 127.0.0.1"),
    ] {
        let sb = SandboxProc::start(&["--tls", "--tls-fault", fault]);
        let ca = sb.ca_bundle.clone().unwrap();
        let args = [
            "--base-url",
            sb.base_url.as_str(),
            "--ca-bundle",
            ca.to_str().unwrap(),
        ];
        let mut doctor = args.to_vec();
        doctor.extend(["doctor", "--json"]);
        let r = Cpis::new().run(&doctor);
        r.assert_code(6);
        let v = r.json();
        assert_eq!(status_of(&v, "tls"), "fail", "{fault}");
        assert!(v.to_string().contains(says), "{fault}: {v}");
        // A lookup says the same.
        let mut lookup = args.to_vec();
        lookup.extend(["lookup", "9990000026", "--scheduled"]);
        Cpis::new()
            .run(&lookup)
            .assert_code(6)
            .assert_stderr_has(&[says]);
    }
}

#[test]
fn a_token_url_of_another_environment_is_refused_and_diagnosed() {
    let cpis = Cpis::signed_out();
    let key = cpis.config_dir.path().join("k.pem");
    std::fs::write(&key, cpis::sandbox::app::PRIVATE_KEY_PEM).unwrap();
    let r = cpis.run(&[
        "--env",
        "int",
        "auth",
        "login",
        "--system",
        "--api-key",
        "k",
        "--kid",
        "kid",
        "--private-key",
        key.to_str().unwrap(),
        "--nominated-person",
        "N",
        "--nominated-role",
        "R",
        "--token-url",
        "https://api.service.nhs.uk/oauth2/token",
    ]);
    r.assert_code(2)
        .assert_stderr_has(&["on the prod environment's host, but this is int"]);
    assert!(!cpis.data_dir().join("sessions.json").exists());

    // A sign-in stored that way (say, by hand or by an older version) is caught by doctor.
    std::fs::create_dir_all(cpis.data_dir()).unwrap();
    std::fs::write(
        cpis.data_dir().join("sessions.json"),
        serde_json::json!({"default@int": {
            "kind": "system", "store": "keyring", "created_at": 1, "environment": "int",
            "base_url": "https://int.api.service.nhs.uk/cpis/FHIR/R4",
            "system": {"api_key": "k", "kid": "kid", "nominated_person": "N", "nominated_role": "R",
                       "token_url": "https://api.service.nhs.uk/oauth2/token", "mock_auth": false}
        }})
        .to_string(),
    )
    .unwrap();
    std::fs::create_dir_all(cpis.keyring_dir()).unwrap();
    std::fs::write(
        cpis.keyring_dir().join("cpis.default@int"),
        serde_json::json!({"private_key_pem": cpis::sandbox::app::PRIVATE_KEY_PEM}).to_string(),
    )
    .unwrap();
    #[cfg(unix)]
    for d in [cpis.data_dir(), cpis.keyring_dir()] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let r = cpis.run(&["--env", "int", "doctor", "--json"]);
    assert_ne!(r.code, 0);
    let v = r.json();
    assert_eq!(status_of(&v, "credentials"), "fail");
    assert!(
        v.to_string().contains("on the prod environment's host"),
        "{v}"
    );
}

#[test]
fn doctor_curl_prints_its_requests_and_sends_nothing() {
    let server = Scripted::start(|_, _| Reply::fhir(r#"{"resourceType":"CapabilityStatement"}"#));
    let r = Cpis::new().run(&["--base-url", &server.base_url(), "doctor", "--curl"]);
    r.assert_code(0).assert_stderr_has(&["nothing was sent"]);
    assert!(server.requests().is_empty());
    let line = r.stdout.lines().next().unwrap().to_string();
    assert!(line.contains("/cpis/FHIR/R4/metadata"), "{line}");
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_ok()
    {
        let out = std::process::Command::new("sh")
            .args(["-c", &line])
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&out.stdout).contains("CapabilityStatement"));
        assert_eq!(server.requests().len(), 1);
    }
    // Then the PDS probe, with PDS's own example of an invalid number.
    let pds = r.stdout.lines().nth(1).unwrap();
    assert!(
        pds.contains("/personal-demographics/FHIR/R4/Patient/9000000000'")
            && pds.contains("x-request-id: "),
        "{pds}"
    );
}

#[test]
fn a_token_endpoint_on_another_host_is_checked() {
    let server = Scripted::start(|_, _| Reply::fhir(r#"{"resourceType":"CapabilityStatement"}"#));
    let cpis = Cpis::new();
    cpis.run(&["config", "set", "base_url", &server.base_url()])
        .assert_code(0);
    cpis.run(&[
        "config",
        "set",
        "token_url",
        "https://auth.example.invalid/oauth2/token",
    ])
    .assert_code(0);
    let r = cpis.run(&["--base-url", &server.base_url(), "doctor", "--json"]);
    r.assert_code(6);
    let v = r.json();
    assert_eq!(status_of(&v, "oauth"), "fail");
    assert!(v.to_string().contains("auth.example.invalid"), "{v}");
}

#[test]
fn the_route_to_pds_is_checked_without_asking_about_anyone() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let doctor = |extra: &[&str]| {
        let mut args = vec!["--base-url", sb.base_url.as_str()];
        args.extend_from_slice(extra);
        args.extend(["doctor", "--json"]);
        cpis.run(&args)
    };
    let pds_detail = |v: &serde_json::Value| {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "pds")
            .unwrap()["detail"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // PDS's own example of an invalid number: 400 INVALID_RESOURCE_ID means PDS answered.
    let r = doctor(&[]);
    r.assert_code(0);
    let v = r.json();
    assert_eq!(status_of(&v, "pds"), "ok");
    assert!(pds_detail(&v).contains("/personal-demographics/FHIR/R4/Patient/9000000000"));
    assert!(pds_detail(&v).contains("PDS answers"));

    // Nothing listening where PDS should be: unreachable (exit 6).
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let dead_pds = format!("http://{dead}/personal-demographics/FHIR/R4");
    let r = doctor(&["--pds-base-url", &dead_pds]);
    r.assert_code(6);
    assert_eq!(status_of(&r.json(), "pds"), "fail");

    // A PDS base URL that is not PDS: the service's 404 says so (exit 7).
    let wrong = sb.base_url.replace("/cpis/FHIR/R4", "/not-pds/FHIR/R4");
    let r = doctor(&["--pds-base-url", &wrong]);
    r.assert_code(7);
    assert!(pds_detail(&r.json()).contains("HTTP 404"), "{}", r.stdout);

    // Verification switched off in the profile: nothing to check.
    cpis.run(&["config", "set", "verify_on_pds", "false"])
        .assert_code(0);
    let r = doctor(&[]);
    r.assert_code(0);
    assert_eq!(status_of(&r.json(), "pds"), "skip");

    // With --require-auth and no credential, PDS still answers (401): the route works.
    let locked = SandboxProc::start(&["--require-auth"]);
    let r = Cpis::signed_out().run(&["--base-url", &locked.base_url, "doctor", "--json"]);
    let v = r.json();
    assert_eq!(status_of(&v, "pds"), "ok", "{v}");
    assert!(pds_detail(&v).contains("wants credentials"));
}

/// `cpis doctor --json` of the TLS sandbox `sb` through `HTTPS_PROXY=proxy_url`, trusting
/// `ca`.
fn doctor_through(sb: &SandboxProc, ca: &std::path::Path, proxy_url: &str) -> Run {
    Cpis::new().run_env(
        &[
            "--base-url",
            &sb.base_url,
            "--ca-bundle",
            ca.to_str().unwrap(),
            "doctor",
            "--json",
        ],
        &[("HTTPS_PROXY", proxy_url)],
    )
}

fn detail_of(v: &serde_json::Value, name: &str) -> String {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .map(|c| format!("{} {}", c["detail"], c["fix"]))
        .unwrap()
}

#[test]
fn the_proxy_check_uses_the_requests_own_proxy_client_credentials_and_all() {
    const PASS: &str = "doctor-proxy-pass-55";
    let sb = SandboxProc::start(&["--tls"]);
    let service_ca = std::fs::read_to_string(sb.ca_bundle.as_ref().unwrap()).unwrap();
    for tls in [false, true] {
        let proxy = if tls {
            TunnelProxy::start_tls(Some(&format!("carol:{PASS}")))
        } else {
            TunnelProxy::start(Some(&format!("carol:{PASS}")))
        };
        let dir = private_tempdir();
        let ca = dir.path().join("ca.pem");
        std::fs::write(
            &ca,
            format!("{service_ca}{}", proxy.ca_pem.clone().unwrap_or_default()),
        )
        .unwrap();
        // A proxy that carries lookups (credentials in HTTPS_PROXY) passes, and so does
        // everything behind it; the credentials are used and never shown.
        let good = proxy.url(Some(&format!("carol:{PASS}")));
        let r = doctor_through(&sb, &ca, &good);
        r.assert_code(0);
        let v = r.json();
        assert_eq!(status_of(&v, "proxy"), "ok", "{v}");
        assert_eq!(status_of(&v, "http"), "ok", "{v}");
        assert_eq!(status_of(&v, "pds"), "ok", "{v}");
        assert!(
            detail_of(&v, "proxy").contains("with credentials, not shown"),
            "{v}"
        );
        assert!(!r.stdout.contains(PASS) && !r.stderr.contains(PASS));
        assert!(!r.stdout.contains("carol"), "{}", r.stdout);
        let lookup = Cpis::new().run_env(
            &[
                "--base-url",
                &sb.base_url,
                "--ca-bundle",
                ca.to_str().unwrap(),
                "lookup",
                "9990000026",
                "--scheduled",
            ],
            &[("HTTPS_PROXY", &good)],
        );
        lookup.assert_code(0);
        // No credentials: one request, one CONNECT, and the message for missing ones.
        let before = proxy.connects().len();
        let r = doctor_through(&sb, &ca, &proxy.url(None));
        r.assert_code(6);
        let v = r.json();
        assert_eq!(status_of(&v, "proxy"), "fail");
        assert_eq!(status_of(&v, "http"), "skip");
        assert!(
            detail_of(&v, "proxy").contains("the proxy needs credentials: put them in HTTPS_PROXY as http://user:pass@host:port"),
            "{v}"
        );
        assert_eq!(proxy.connects().len(), before + 1, "{:?}", proxy.connects());
        // Wrong ones: told apart, never shown.
        let before = proxy.connects().len();
        let r = doctor_through(&sb, &ca, &proxy.url(Some("carol:not-it-88")));
        r.assert_code(6);
        let v = r.json();
        assert!(
            detail_of(&v, "proxy").contains("the proxy refused the credentials in HTTPS_PROXY"),
            "{v}"
        );
        assert!(!r.stdout.contains("not-it-88"), "{}", r.stdout);
        assert_eq!(proxy.connects().len(), before + 1);
    }
}

#[test]
fn the_oauth_check_compares_scheme_host_and_port() {
    let server = Scripted::start(|_, _| Reply::fhir(r#"{"resourceType":"CapabilityStatement"}"#));
    let other = Scripted::start(|_, _| Reply::new(404, "text/plain", ""));
    let refusing = RefusingPort::new();
    let closed = refusing.port;
    let cpis = Cpis::new();
    cpis.run(&["config", "set", "base_url", &server.base_url()])
        .assert_code(0);
    let doctor = |token_url: &str| {
        cpis.run(&["config", "set", "token_url", token_url])
            .assert_code(0);
        let r = cpis.run(&["doctor", "--json"]);
        let v = r.json();
        (r.code, status_of(&v, "oauth"), detail_of(&v, "oauth"))
    };
    // The API's own origin: checked above.
    let (code, status, _) = doctor(&format!("http://{}/oauth2/token", server.addr));
    assert_eq!((code, status.as_str()), (0, "skip"));
    // The same host, another port where nothing listens: not the API's server, and failing.
    let (code, status, detail) = doctor(&format!("http://127.0.0.1:{closed}/oauth2/token"));
    assert_eq!((code, status.as_str()), (6, "fail"), "{detail}");
    assert!(
        detail.contains(&format!("does not accept connections on port {closed}")),
        "{detail}"
    );
    // Another port that answers.
    let (code, status, detail) = doctor(&format!("http://{}/oauth2/token", other.addr));
    assert_eq!((code, status.as_str()), (0, "ok"), "{detail}");
    assert!(
        detail.contains(&format!("port {} accepts", other.addr.port())),
        "{detail}"
    );
}
