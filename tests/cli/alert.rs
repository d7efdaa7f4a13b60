//! `cpis alert` through the binary: against `cpis sandbox serve` (with its alert faults) and a
//! scripted server, including the exactly-once property when a send is cut short at each step.

use crate::common;
use common::*;

use serde_json::Value;

const CHILD: &str = "9990000026"; // active child protection plan, Camden (Sandbox)

fn alert_args<'a>(base: &'a str, nhs: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "--base-url",
        base,
        "alert",
        "missed-appointment",
        nhs,
        "--appointment",
        "2026-11-24T10:30+00:00",
        "--service",
        "Community paediatrics",
        "--location",
        "Whittington Health, Clinic 4",
        "--note",
        "Second missed appointment; mother not reachable by phone",
    ];
    a.extend_from_slice(extra);
    a
}

/// The alerts the sandbox holds for `nhs`.
fn held(sandbox: &SandboxProc, nhs: &str) -> Vec<Value> {
    let target = format!(
        "/cpis/FHIR/R4/Communication?patient:identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C{nhs}"
    );
    let (status, body) = raw_get(sandbox.addr(), &target, &[]);
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    v["entry"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e["resource"].clone())
        .collect()
}

fn outbox(cpis: &Cpis) -> Vec<Value> {
    let r = cpis.run(&["alert", "list", "--format", "json"]);
    r.assert_code(0);
    r.json().as_array().unwrap().clone()
}

fn retry_all(cpis: &Cpis, base: &str) -> Run {
    cpis.run(&["--base-url", base, "alert", "retry", "--yes"])
}

/// After a cut-short send: the alert is pending; a retry sends it; the sandbox then holds
/// exactly one alert with its identifier, and the outbox says sent with the sandbox's id.
fn retry_leaves_exactly_one(cpis: &Cpis, sandbox: &SandboxProc) {
    let rows = outbox(cpis);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["state"], "pending", "{rows:?}");
    let id = rows[0]["id"].as_str().unwrap().to_string();
    let r = retry_all(cpis, &sandbox.base_url);
    r.assert_code(0);
    assert!(
        r.stdout.contains("reference: Communication/"),
        "{}",
        r.stdout
    );
    let alerts = held(sandbox, CHILD);
    assert_eq!(alerts.len(), 1, "exactly one alert: {alerts:?}");
    assert_eq!(
        alerts[0]["identifier"][0]["value"],
        format!("urn:uuid:{id}")
    );
    let rows = outbox(cpis);
    assert_eq!(rows[0]["state"], "sent");
    assert_eq!(
        rows[0]["reference"],
        format!("Communication/{}", alerts[0]["id"].as_str().unwrap())
    );
    // A second retry has nothing to do, and the sandbox still holds one.
    retry_all(cpis, &sandbox.base_url).assert_code(0);
    assert_eq!(held(sandbox, CHILD).len(), 1);
}

#[test]
fn dry_run_prints_the_documented_body_field_by_field_and_sends_nothing() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let r = cpis.run(&alert_args(&sandbox.base_url, CHILD, &["--dry-run"]));
    r.assert_code(0);
    let c = r.json();
    assert_eq!(c["resourceType"], "Communication");
    assert_eq!(c["status"], "completed");
    assert_eq!(c["identifier"][0]["system"], "urn:ietf:rfc:3986");
    let ident = c["identifier"][0]["value"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(ident.strip_prefix("urn:uuid:").unwrap()).is_ok());
    assert_eq!(
        c["category"][0]["coding"][0]["system"],
        "urn:cpis-cli:fhir:CodeSystem:alert-category"
    );
    assert_eq!(c["category"][0]["coding"][0]["code"], "missed-appointment");
    assert_eq!(
        c["subject"]["identifier"],
        serde_json::json!({"system": "https://fhir.nhs.uk/Id/nhs-number", "value": CHILD})
    );
    let contained = c["contained"].as_array().unwrap();
    let by_ref = |r: &Value| {
        let id = r["reference"].as_str().unwrap().strip_prefix('#').unwrap();
        contained.iter().find(|x| x["id"] == id).unwrap().clone()
    };
    let appt = by_ref(&c["about"][0]);
    assert_eq!(appt["resourceType"], "Appointment");
    assert_eq!(appt["status"], "noshow");
    assert_eq!(appt["start"], "2026-11-24T10:30:00+00:00");
    assert_eq!(appt["end"], "2026-11-24T10:30:00+00:00");
    assert_eq!(appt["serviceType"][0]["text"], "Community paediatrics");
    assert_eq!(
        appt["participant"][1]["actor"]["display"],
        "Whittington Health, Clinic 4"
    );
    let la = by_ref(&c["recipient"][0]);
    assert_eq!(la["resourceType"], "Organization");
    assert_eq!(la["name"], "London Borough of Camden (Sandbox)");
    assert_eq!(la["telecom"][0]["use"], "work");
    assert_eq!(la["telecom"][1]["use"], "mobile");
    let sender = by_ref(&c["sender"]);
    assert_eq!(sender["resourceType"], "PractitionerRole");
    assert!(c["sent"].as_str().unwrap().ends_with("+00:00"));
    assert_eq!(
        c["payload"][0]["contentString"],
        "Second missed appointment; mother not reachable by phone"
    );
    // Every contained resource is referenced (FHIR dom-3), and the sandbox's own shape
    // check accepts the body.
    assert_eq!(contained.len(), 3);
    assert_eq!(cpis::sandbox::alerts::check(&c).unwrap().len(), 36);
    // Nothing was sent and nothing kept.
    assert!(held(&sandbox, CHILD).is_empty());
    assert!(outbox(&cpis).is_empty());
}

/// `docs/alert-example.json` is what `--dry-run` prints, but for the identifier, the time
/// sent and the sender (the example shows a signed-in clinician).
#[test]
fn the_documented_example_matches_the_dry_run() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let r = cpis.run(&alert_args(&sandbox.base_url, CHILD, &["--dry-run"]));
    r.assert_code(0);
    let mut got = r.json();
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/alert-example.json"),
    )
    .unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    let doc_sender = doc["contained"][2].clone();
    assert_eq!(doc_sender["id"], "sender");
    assert_eq!(
        doc_sender["identifier"][0]["system"],
        "https://fhir.nhs.uk/Id/sds-role-profile-id"
    );
    assert_eq!(
        doc_sender["organization"]["identifier"]["system"],
        "https://fhir.nhs.uk/Id/ods-organization-code"
    );
    assert!(cpis::sandbox::alerts::check(&doc).is_ok());
    for v in [&mut got, &mut doc] {
        v["identifier"][0]["value"] = "ID".into();
        v["sent"] = "SENT".into();
        v["sender"] = "SENDER".into();
        v["contained"][2] = "SENDER".into();
    }
    assert_eq!(got, doc);
}

#[test]
fn without_a_terminal_and_without_yes_it_previews_and_refuses() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let r = cpis.run(&alert_args(&sandbox.base_url, CHILD, &[]));
    r.assert_code(2);
    r.assert_stderr_has(&[
        "London Borough of Camden (Sandbox)",
        "02079740000",
        "02079744000",
        "Community paediatrics",
        "Second missed appointment",
        "--yes",
        "nothing was sent",
    ]);
    assert!(r.stdout.is_empty());
    assert!(held(&sandbox, CHILD).is_empty());
    assert!(outbox(&cpis).is_empty());
}

#[test]
fn no_active_plan_means_no_alert() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    // An ended plan only (the official example), and a number with no record at all.
    for nhs in ["9990000018", "9990100004"] {
        let r = cpis.run(&alert_args(&sandbox.base_url, nhs, &["--yes"]));
        r.assert_code(2);
        r.assert_stderr_has(&["no active plan", "nobody to alert", "nothing was sent"]);
        assert!(held(&sandbox, nhs).is_empty());
    }
    assert!(outbox(&cpis).is_empty());
}

#[test]
fn invalid_input_is_refused_before_any_request() {
    let server = Scripted::start(|_, _| Reply::fhir(EMPTY_BUNDLE));
    let base = server.base_url();
    let cpis = Cpis::new();
    let with = |nhs: &'static str, at: &'static str, service: &'static str, note: String| {
        let a = vec![
            "--base-url".to_string(),
            base.clone(),
            "alert".into(),
            "missed-appointment".into(),
            nhs.into(),
            "--appointment".into(),
            at.into(),
            "--service".into(),
            service.into(),
            "--location".into(),
            "Clinic 4".into(),
            "--note".into(),
            note,
            "--yes".into(),
        ];
        let args: Vec<&str> = a.iter().map(String::as_str).collect();
        cpis.run(&args)
    };
    let ok_note = || "Did not attend".to_string();
    let cases = [
        (
            with("9434765918", "2026-11-24T10:30", "Audiology", ok_note()),
            "check digit",
        ),
        (
            with(CHILD, "2999-01-01T10:30", "Audiology", ok_note()),
            "in the future",
        ),
        (
            with(CHILD, "24/11/2026 10:30", "Audiology", ok_note()),
            "is not a time",
        ),
        (
            with(CHILD, "2026-11-24T10:30", "Audio\u{1b}[31mlogy", ok_note()),
            "control character",
        ),
        (
            with(CHILD, "2026-11-24T10:30", "Audiology", "x".repeat(1001)),
            "at most 1000",
        ),
        (
            with(CHILD, "2026-11-24T10:30", "  ", ok_note()),
            "--service is empty",
        ),
    ];
    for (r, needle) in cases {
        r.assert_code(2);
        r.assert_stderr_has(&[needle]);
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[test]
fn one_post_with_the_identifier_as_request_id_and_the_lookup_headers() {
    // The plan read answers from the sandbox's data; the POST is dropped the first time and
    // answered 201 the second.
    let sandbox = SandboxProc::start(&[]);
    let plans = {
        let target = format!(
            "/cpis/FHIR/R4/CareTeam?patient:identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C{CHILD}"
        );
        let id = uuid::Uuid::new_v4().to_string();
        raw_get(
            sandbox.addr(),
            &target,
            &[
                ("TraceID", &id),
                ("X-Request-ID", &id),
                ("IsUnscheduledAccessEvent", "false"),
            ],
        )
        .1
    };
    let server = Scripted::start(move |seen, _| {
        if seen.method == "GET" {
            return Reply::fhir(plans.clone());
        }
        Reply::hang_up()
    });
    let base = server.base_url();
    let cpis = Cpis::new();
    let r = cpis.run(&alert_args(&base, CHILD, &["--yes"]));
    r.assert_code(8);
    r.assert_stderr_has(&[
        &format!("the alert may or may not have arrived; it is kept as pending; run `cpis --base-url {base} alert retry`"),
    ]);
    let seen = server.requests();
    let gets: Vec<_> = seen.iter().filter(|s| s.method == "GET").collect();
    let posts: Vec<_> = seen.iter().filter(|s| s.method == "POST").collect();
    assert_eq!(gets.len(), 1);
    assert_eq!(gets[0].header("isunscheduledaccessevent"), Some("false"));
    assert!(gets[0].target.starts_with("/cpis/FHIR/R4/CareTeam?"));
    assert_eq!(posts.len(), 1, "never resent within the command");
    let p = posts[0];
    assert_eq!(p.target, "/cpis/FHIR/R4/Communication");
    assert_eq!(p.header("content-type"), Some("application/fhir+json"));
    assert_eq!(p.header("accept"), Some("application/fhir+json"));
    assert_eq!(
        p.header("authorization"),
        Some(format!("Bearer {TEST_TOKEN}").as_str())
    );
    let body: Value = serde_json::from_slice(&p.body).unwrap();
    let uuid = body["identifier"][0]["value"]
        .as_str()
        .unwrap()
        .strip_prefix("urn:uuid:")
        .unwrap()
        .to_string();
    assert_eq!(p.header("x-request-id"), Some(uuid.as_str()));
    // The retry: same identifier, same body, same X-Request-ID.
    let r = cpis.run(&["--base-url", &base, "alert", "retry", "--yes"]);
    r.assert_code(8);
    let seen = server.requests();
    let posts: Vec<_> = seen.iter().filter(|s| s.method == "POST").collect();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[1].header("x-request-id"), Some(uuid.as_str()));
    assert_eq!(posts[1].body, posts[0].body);
    assert_eq!(outbox(&cpis)[0]["attempts"], 2);
}

#[test]
fn a_refusal_with_an_operation_outcome_is_recorded_as_failed_and_not_resent() {
    let sandbox = SandboxProc::start(&[]);
    let base = sandbox.base_url.clone();
    let server = Scripted::start(move |seen, _| {
        if seen.method == "GET" {
            let id = uuid::Uuid::new_v4().to_string();
            let u = url::Url::parse(&base).unwrap();
            let addr = format!("{}:{}", u.host_str().unwrap(), u.port().unwrap());
            let (_, body) = raw_get(
                addr.parse().unwrap(),
                &seen.target,
                &[
                    ("TraceID", &id),
                    ("X-Request-ID", &id),
                    ("IsUnscheduledAccessEvent", "false"),
                ],
            );
            return Reply::fhir(body);
        }
        Reply::new(
            400,
            "application/fhir+json",
            r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","details":{"coding":[{"code":"INVALID_RESOURCE"}]},"diagnostics":"payload[0].contentString is required"}]}"#,
        )
    });
    let cpis = Cpis::new();
    let r = cpis.run(&alert_args(&server.base_url(), CHILD, &["--yes"]));
    r.assert_code(7);
    r.assert_stderr_has(&["failed", "will not be resent"]);
    let rows = outbox(&cpis);
    assert_eq!(rows[0]["state"], "failed");
    let r = cpis.run(&["--base-url", &server.base_url(), "alert", "retry", "--yes"]);
    r.assert_code(0);
    r.assert_stderr_has(&["no pending alerts"]);
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|s| s.method == "POST")
            .count(),
        1
    );
}

#[test]
fn sent_once_then_listed_with_its_reference() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let r = cpis.run(&alert_args(
        &sandbox.base_url,
        CHILD,
        &["--yes", "--format", "json"],
    ));
    r.assert_code(0);
    let out = r.json();
    assert_eq!(out["state"], "sent");
    let alerts = held(&sandbox, CHILD);
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        out["reference"],
        format!("Communication/{}", alerts[0]["id"].as_str().unwrap())
    );
    let r = cpis.run(&["alert", "list"]);
    r.assert_code(0);
    assert!(r.stdout.contains("sent"), "{}", r.stdout);
    assert!(r.stdout.contains("London Borough of Camden (Sandbox)"));
    // The outbox is private: 0600 in a 0700 directory.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = cpis.data_dir().join("alerts");
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("outbox.sqlite")), 0o600);
    }
}

#[test]
fn connection_dropped_after_the_service_stored_it_then_retry() {
    let sandbox = SandboxProc::start(&["--alert-fault", "drop-after-store"]);
    let cpis = Cpis::new();
    let r = cpis.run(&alert_args(&sandbox.base_url, CHILD, &["--yes"]));
    r.assert_code(8);
    r.assert_stderr_has(&["may or may not have arrived", "alert retry`"]);
    assert_eq!(held(&sandbox, CHILD).len(), 1, "stored before the drop");
    retry_leaves_exactly_one(&cpis, &sandbox);
}

#[test]
fn slow_answer_after_the_service_stored_it_times_out_then_retry() {
    let sandbox = SandboxProc::start(&["--alert-fault", "slow-after-store"]);
    let cpis = Cpis::new();
    let mut args = vec!["--timeout", "2"];
    args.extend(alert_args(&sandbox.base_url, CHILD, &["--yes"]));
    let r = cpis.run(&args);
    r.assert_code(8);
    r.assert_stderr_has(&["may or may not have arrived"]);
    retry_leaves_exactly_one(&cpis, &sandbox);
}

#[test]
fn unavailable_before_storing_then_retry() {
    let sandbox = SandboxProc::start(&["--alert-fault", "unavailable-before-store"]);
    let cpis = Cpis::new();
    let r = cpis.run(&alert_args(&sandbox.base_url, CHILD, &["--yes"]));
    r.assert_code(8);
    assert!(held(&sandbox, CHILD).is_empty());
    retry_leaves_exactly_one(&cpis, &sandbox);
}

#[test]
fn process_killed_before_sending_then_retry() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let r = cpis.run_env(
        &alert_args(&sandbox.base_url, CHILD, &["--yes"]),
        &[("CPIS_TEST_ALERT_CRASH", "before-send")],
    );
    assert_ne!(r.code, 0);
    assert!(held(&sandbox, CHILD).is_empty());
    assert_eq!(outbox(&cpis)[0]["attempts"], 0);
    retry_leaves_exactly_one(&cpis, &sandbox);
}

#[test]
fn process_killed_after_the_reply_before_recording_it_then_retry() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let r = cpis.run_env(
        &alert_args(&sandbox.base_url, CHILD, &["--yes"]),
        &[("CPIS_TEST_ALERT_CRASH", "after-reply")],
    );
    assert_ne!(r.code, 0);
    assert_eq!(held(&sandbox, CHILD).len(), 1);
    retry_leaves_exactly_one(&cpis, &sandbox);
}

#[test]
fn kill_9_while_the_service_holds_it_unanswered_then_retry() {
    let sandbox = SandboxProc::start(&["--alert-fault", "slow-after-store"]);
    let cpis = Cpis::new();
    let mut child = cpis
        .cmd()
        .args(alert_args(&sandbox.base_url, CHILD, &["--yes"]))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the sandbox has stored it (it then holds the answer back), then kill -9.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while held(&sandbox, CHILD).is_empty() {
        assert!(std::time::Instant::now() < deadline, "never stored");
        assert!(child.try_wait().unwrap().is_none(), "ended before the kill");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    retry_leaves_exactly_one(&cpis, &sandbox);
}

#[test]
fn sandbox_checks_the_shape_and_keeps_each_identifier_once() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let r = cpis.run(&alert_args(&sandbox.base_url, CHILD, &["--dry-run"]));
    let body: Value = r.json();
    let id = body["identifier"][0]["value"]
        .as_str()
        .unwrap()
        .strip_prefix("urn:uuid:")
        .unwrap()
        .to_string();
    let post = |b: &Value, rid: &str| {
        raw_request(
            sandbox.addr(),
            "POST",
            "/cpis/FHIR/R4/Communication",
            &[
                ("Content-Type", "application/fhir+json"),
                ("X-Request-ID", rid),
            ],
            Some(&b.to_string()),
        )
    };
    let (s1, head1, _) = post(&body, &id);
    assert_eq!(s1, 201);
    assert!(
        head1
            .to_ascii_lowercase()
            .contains("location: communication/"),
        "{head1}"
    );
    let (s2, _, b2) = post(&body, &id);
    assert_eq!(s2, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&b2).unwrap()["identifier"],
        body["identifier"]
    );
    assert_eq!(held(&sandbox, CHILD).len(), 1);
    // The first problem is named.
    let mut bad = body.clone();
    bad["contained"][0]["status"] = "booked".into();
    let (s, _, b) = post(&bad, &id);
    assert_eq!(s, 400);
    assert!(
        b.contains("OperationOutcome") && b.contains("noshow"),
        "{b}"
    );
    let mut bad = body.clone();
    bad["payload"] = Value::Null;
    let (s, _, b) = post(&bad, &id);
    assert_eq!(s, 400);
    assert!(b.contains("payload"), "{b}");
    let (s, _, b) = post(&body, &uuid::Uuid::new_v4().to_string());
    assert_eq!(s, 400);
    assert!(b.contains("X-Request-ID"), "{b}");
}

#[test]
fn a_system_identity_sends_as_its_nominated_person_with_a_sandbox_token() {
    use cpis::sandbox::app;
    let sandbox = SandboxProc::start(&["--require-auth"]);
    let cpis = Cpis::signed_out();
    let key = cpis.config_dir.path().join("app-key.pem");
    std::fs::write(&key, app::PRIVATE_KEY_PEM).unwrap();
    let base = sandbox.base_url.clone();
    cpis.run(&[
        "--base-url",
        &base,
        "auth",
        "login",
        "--system",
        "--api-key",
        app::API_KEY,
        "--kid",
        app::KID,
        "--private-key",
        key.to_str().unwrap(),
        "--nominated-person",
        app::NOMINATED_PERSON,
        "--nominated-role",
        app::NOMINATED_ROLE,
    ])
    .assert_code(0);
    let r = cpis.run(&alert_args(&base, CHILD, &["--dry-run"]));
    r.assert_code(0);
    let c = r.json();
    assert_eq!(c["sender"]["display"], app::NOMINATED_PERSON);
    assert_eq!(
        c["contained"][2]["practitioner"]["display"],
        app::NOMINATED_PERSON
    );
    assert_eq!(c["contained"][2]["code"][0]["text"], app::NOMINATED_ROLE);
    // And it is accepted by a sandbox that demands a token.
    let r = cpis.run(&alert_args(&base, CHILD, &["--yes"]));
    r.assert_code(0);
    assert!(
        r.stdout.contains("reference: Communication/"),
        "{}",
        r.stdout
    );
    assert_eq!(outbox(&cpis)[0]["state"], "sent");
}

#[test]
fn the_alert_base_url_comes_from_the_flag_or_the_profile_and_must_be_safe() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let other = Scripted::start(|_, _| Reply::hang_up());
    let other_base = other.base_url();
    // The profile's alert_base_url sends the POST elsewhere; the plan read stays on CP-IS.
    // (It belongs to the profile's endpoint: used with the same one.)
    cpis.run(&["config", "set", "base_url", &sandbox.base_url])
        .assert_code(0);
    cpis.run(&["config", "set", "alert_base_url", &other_base])
        .assert_code(0);
    let r = cpis.run(&alert_args(&sandbox.base_url, CHILD, &["--yes"]));
    r.assert_code(8);
    let seen = other.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].target, "/cpis/FHIR/R4/Communication");
    assert!(held(&sandbox, CHILD).is_empty());
    // The flag wins over the profile; a retry goes only where the alert was made for.
    let r = cpis.run(&[
        "--base-url",
        &sandbox.base_url,
        "alert",
        "retry",
        "--yes",
        "--alert-base-url",
        &sandbox.base_url,
    ]);
    r.assert_code(2);
    r.assert_stderr_has(&["was made for", "not resent"]);
    // Plain HTTP is refused for anything but loopback, before any request.
    let r = cpis.run(&alert_args(
        &sandbox.base_url,
        CHILD,
        &[
            "--yes",
            "--alert-base-url",
            "http://alerts.example.nhs.uk/fhir",
        ],
    ));
    r.assert_code(2);
    r.assert_stderr_has(&["--alert-base-url", "plain http://"]);
    let r = cpis.run(&[
        "config",
        "set",
        "alert_base_url",
        "http://alerts.example.nhs.uk/fhir",
    ]);
    r.assert_code(2);
    assert_eq!(other.requests().len(), 1);
    // No token anywhere in what was printed or written.
    for (path, bytes) in cpis.files() {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(TEST_TOKEN),
            "token in {}",
            path.display()
        );
    }
    assert!(!r.stdout.contains(TEST_TOKEN) && !r.stderr.contains(TEST_TOKEN));
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_the_send_keeps_it_pending_then_retry() {
    let sandbox = SandboxProc::start(&["--alert-fault", "slow-after-store"]);
    let cpis = Cpis::new();
    let child = cpis
        .cmd()
        .args(alert_args(&sandbox.base_url, CHILD, &["--yes"]))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while held(&sandbox, CHILD).is_empty() {
        assert!(std::time::Instant::now() < deadline, "never stored");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let r = Run::from(child.wait_with_output().unwrap());
    r.assert_code(130);
    r.assert_stderr_has(&["may or may not have arrived", "alert retry`"]);
    retry_leaves_exactly_one(&cpis, &sandbox);
}

#[test]
fn a_token_refused_on_the_post_leaves_it_pending() {
    let sandbox = SandboxProc::start(&[]);
    let sandbox_addr = sandbox.addr();
    let server = Scripted::start(move |seen, _| {
        if seen.method == "GET" {
            let id = uuid::Uuid::new_v4().to_string();
            let (_, body) = raw_get(
                sandbox_addr,
                &seen.target,
                &[
                    ("TraceID", &id),
                    ("X-Request-ID", &id),
                    ("IsUnscheduledAccessEvent", "false"),
                ],
            );
            return Reply::fhir(body);
        }
        Reply::new(
            401,
            "application/fhir+json",
            r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"forbidden","details":{"coding":[{"code":"ACCESS_DENIED"}]}}]}"#,
        )
    });
    let cpis = Cpis::new();
    let r = cpis.run(&alert_args(&server.base_url(), CHILD, &["--yes"]));
    r.assert_code(4);
    r.assert_stderr_has(&["kept as pending"]);
    assert_eq!(outbox(&cpis)[0]["state"], "pending");
}

#[test]
fn the_plan_read_is_silent_and_local_times_follow_the_machine_zone() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    // Europe/London's rule as a POSIX TZ string (needs no time-zone database).
    let london = [("TZ", "GMT0BST,M3.5.0/1,M10.5.0")];
    let mut args = alert_args(&sandbox.base_url, CHILD, &["--dry-run"]);
    let summer = args.iter().position(|a| *a == "--appointment").unwrap() + 1;
    args[summer] = "2026-07-01T09:15";
    let r = cpis.run_env(&args, &london);
    r.assert_code(0);
    assert_eq!(
        r.json()["contained"][0]["start"],
        "2026-07-01T09:15:00+01:00"
    );
    args[summer] = "2026-01-05 09:15";
    let r = cpis.run_env(&args, &london);
    r.assert_code(0);
    assert_eq!(
        r.json()["contained"][0]["start"],
        "2026-01-05T09:15:00+00:00"
    );
    // An unborn-child plan: the mother's number, her plan's local authority.
    let r = cpis.run(&alert_args(&sandbox.base_url, "9990000042", &["--dry-run"]));
    r.assert_code(0);
    assert_eq!(
        r.json()["contained"][1]["name"],
        cpis::sandbox::patients::find("9990000042").unwrap().plans[0]
            .local_authority
            .name
    );
    // Sending reads the plan as scheduled care: no unscheduled search was made.
    cpis.run(&alert_args(&sandbox.base_url, CHILD, &["--yes"]))
        .assert_code(0);
    let (status, body) = raw_get(
        sandbox.addr(),
        &format!("/_sandbox/queries?nhs={CHILD}"),
        &[],
    );
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["unscheduled_searches"],
        0
    );
}

// ---- The patient verified on PDS (issue 10, alerts) ----

const SUPERSEDED: &str = "9990000182"; // superseded by CHILD on PDS; CP-IS holds nothing under it
const INVALIDATED: &str = "9990000190";
const NOT_ON_PDS: &str = "9990000204";

/// What the sandbox saw, in order (`start pds 9990000026`, `end Communication POST`, ...).
fn events(sandbox: &SandboxProc) -> Vec<String> {
    let (status, body) = raw_get(sandbox.addr(), "/_sandbox/events", &[]);
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

#[test]
fn the_preview_shows_the_patient_from_pds_above_who_is_alerted() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    // Without a terminal and without --yes: the preview, then a refusal.
    let r = cpis.run(&alert_args(&sandbox.base_url, CHILD, &[]));
    r.assert_code(2);
    r.assert_stderr_has(&[
        "Oliver SMITH",
        "2019-07-03",
        "verified on PDS",
        "London Borough of Camden (Sandbox)",
    ]);
    let block = r.stderr.find("Oliver SMITH").unwrap();
    let la = r.stderr.find("Alert goes to").unwrap();
    assert!(block < la, "the patient block comes first:\n{}", r.stderr);
    assert!(!r.stderr.contains("SUPERSEDED"), "{}", r.stderr);
    // PDS was asked once, the plan read once; nothing was posted.
    let seen = events(&sandbox);
    let starts = |what: &str| {
        seen.iter()
            .filter(|e| *e == &format!("start {what}"))
            .count()
    };
    assert_eq!(starts(&format!("pds {CHILD}")), 1, "{seen:?}");
    assert_eq!(starts(&format!("CareTeam {CHILD}")), 1, "{seen:?}");
    assert!(
        !seen.iter().any(|e| e.contains("Communication")),
        "{seen:?}"
    );
    // The dry run shows the same preview, and its body keeps the plan's subject.
    let r = cpis.run(&alert_args(&sandbox.base_url, CHILD, &["--dry-run"]));
    r.assert_code(0);
    r.assert_stderr_has(&["Oliver SMITH", "verified on PDS", "Alert goes to"]);
    assert_eq!(r.json()["subject"]["identifier"]["value"], CHILD);
}

#[test]
fn a_superseded_number_alerts_the_current_numbers_local_authority() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let r = cpis.run(&alert_args(&sandbox.base_url, SUPERSEDED, &["--dry-run"]));
    r.assert_code(0);
    let c = r.json();
    assert_eq!(
        c["subject"]["identifier"],
        serde_json::json!({"system": "https://fhir.nhs.uk/Id/nhs-number", "value": CHILD})
    );
    assert_eq!(
        c["contained"][0]["participant"][0]["actor"]["identifier"]["value"],
        CHILD
    );
    assert_eq!(
        c["contained"][1]["name"],
        "London Borough of Camden (Sandbox)"
    );
    r.assert_stderr_has(&[
        "SUPERSEDED",
        "999 000 0182",
        "999 000 0026",
        "Oliver SMITH",
        "London Borough of Camden (Sandbox)",
    ]);
    // Sent: the sandbox holds it under the current number; the outbox keeps that number.
    let r = cpis.run(&alert_args(
        &sandbox.base_url,
        SUPERSEDED,
        &["--yes", "--format", "json"],
    ));
    r.assert_code(0);
    assert_eq!(r.json()["nhs_number"], CHILD);
    assert_eq!(held(&sandbox, CHILD).len(), 1);
    assert!(held(&sandbox, SUPERSEDED).is_empty());
    let rows = outbox(&cpis);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["nhs_number"], CHILD);
    assert_eq!(rows[0]["state"], "sent");
    // Both plan reads were scheduled (silent).
    for nhs in [SUPERSEDED, CHILD] {
        let (_, body) = raw_get(sandbox.addr(), &format!("/_sandbox/queries?nhs={nhs}"), &[]);
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["unscheduled_searches"],
            0
        );
    }
}

#[test]
fn invalidated_or_not_on_pds_sends_nothing() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    for (nhs, said) in [
        (INVALIDATED, "has been invalidated on PDS"),
        (NOT_ON_PDS, "is not on PDS"),
    ] {
        for extra in [&["--yes"][..], &["--dry-run"][..]] {
            let r = cpis.run(&alert_args(&sandbox.base_url, nhs, extra));
            r.assert_code(2);
            r.assert_stderr_has(&[said, "no alert was sent"]);
            assert!(r.stdout.is_empty(), "{}", r.stdout);
            assert!(!r.stderr.contains("Alert goes to"), "{}", r.stderr);
        }
        assert!(held(&sandbox, nhs).is_empty());
    }
    assert!(outbox(&cpis).is_empty());
    let seen = events(&sandbox);
    assert!(
        seen.iter()
            .any(|e| e == &format!("start pds {INVALIDATED}")),
        "{seen:?}"
    );
    assert!(
        !seen.iter().any(|e| e.contains("Communication POST")),
        "nothing posted: {seen:?}"
    );
}

#[test]
fn no_pds_skips_pds_and_says_not_verified() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let r = cpis.run(&alert_args(
        &sandbox.base_url,
        CHILD,
        &["--dry-run", "--no-pds"],
    ));
    r.assert_code(0);
    r.assert_stderr_has(&["NOT VERIFIED ON PDS", "Alert goes to"]);
    assert!(!r.stderr.contains("Oliver SMITH"), "{}", r.stderr);
    assert_eq!(r.json()["subject"]["identifier"]["value"], CHILD);
    // The profile's verify_on_pds = false does the same; the alert is sent unverified.
    cpis.run(&["config", "set", "verify_on_pds", "false"])
        .assert_code(0);
    let r = cpis.run(&alert_args(&sandbox.base_url, CHILD, &["--yes"]));
    r.assert_code(0);
    r.assert_stderr_has(&["NOT VERIFIED ON PDS"]);
    assert_eq!(held(&sandbox, CHILD).len(), 1);
    let seen = events(&sandbox);
    assert!(!seen.iter().any(|e| e.starts_with("start pds")), "{seen:?}");
    assert!(
        seen.iter().any(|e| e == "start Communication POST"),
        "{seen:?}"
    );
    // Without PDS, a superseded number is not replaced: CP-IS holds no plan under it.
    let r = cpis.run(&alert_args(
        &sandbox.base_url,
        SUPERSEDED,
        &["--dry-run", "--no-pds"],
    ));
    r.assert_code(2);
    r.assert_stderr_has(&["no active plan"]);
}

#[test]
fn a_retry_resends_the_stored_body_without_asking_pds_again() {
    let sandbox = SandboxProc::start(&["--alert-fault", "unavailable-before-store"]);
    let cpis = Cpis::new();
    let r = cpis.run(&alert_args(&sandbox.base_url, SUPERSEDED, &["--yes"]));
    r.assert_code(8);
    assert_eq!(outbox(&cpis)[0]["nhs_number"], CHILD);
    let before = events(&sandbox)
        .iter()
        .filter(|e| e.starts_with("start pds"))
        .count();
    assert_eq!(before, 1);
    let r = retry_all(&cpis, &sandbox.base_url);
    r.assert_code(0);
    let seen = events(&sandbox);
    assert_eq!(
        seen.iter().filter(|e| e.starts_with("start pds")).count(),
        1,
        "no second PDS read: {seen:?}"
    );
    let alerts = held(&sandbox, CHILD);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["subject"]["identifier"]["value"], CHILD);
}

#[test]
fn the_preview_flags_a_restricted_record_and_names_the_mother_for_an_unborn_child() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let r = cpis.run(&alert_args(&sandbox.base_url, "9990000034", &["--dry-run"]));
    r.assert_code(0);
    r.assert_stderr_has(&[
        "Amelia BROWN",
        "RESTRICTED RECORD (location details withheld)",
    ]);
    assert_eq!(r.json()["subject"]["identifier"]["value"], "9990000034");
    // An unborn-child plan is under the mother's number: PDS names the mother.
    let r = cpis.run(&alert_args(&sandbox.base_url, "9990000042", &["--dry-run"]));
    r.assert_code(0);
    r.assert_stderr_has(&["Sophie TAYLOR", "Unborn child protection plan"]);
}

#[test]
fn the_pds_read_and_the_plan_read_run_at_once() {
    // PDS at its own base on the scripted server; each of the first two replies waits until
    // both requests have arrived: a client sending them one after the other would see the
    // first held for 5 s, then a 500.
    use std::sync::{Arc, Barrier};
    let sandbox = SandboxProc::start(&[]);
    let sandbox_addr = sandbox.addr();
    let barrier = Arc::new(Barrier::new(2));
    let server = Scripted::start(move |seen, i| {
        if i < 2 {
            let (tx, rx) = std::sync::mpsc::channel();
            let b = barrier.clone();
            std::thread::spawn(move || {
                b.wait();
                let _ = tx.send(());
            });
            if rx.recv_timeout(std::time::Duration::from_secs(5)).is_err() {
                return Reply::new(500, "text/plain", "requests were not concurrent");
            }
        }
        if let Some(id) = seen.target.strip_prefix("/pds/Patient/") {
            return Reply::fhir(format!(
                r#"{{"resourceType":"Patient","id":"{id}","meta":{{"versionId":"3","security":[{{"code":"U"}}]}},"name":[{{"use":"usual","given":["Oliver"],"family":"Smith"}}],"birthDate":"2019-07-03","gender":"male"}}"#
            ));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let (_, body) = raw_get(
            sandbox_addr,
            &seen.target,
            &[
                ("TraceID", &id),
                ("X-Request-ID", &id),
                ("IsUnscheduledAccessEvent", "false"),
            ],
        );
        Reply::fhir(body)
    });
    let base = server.base_url();
    let pds = format!("{}/pds", base.split("/cpis/").next().unwrap());
    let cpis = Cpis::new();
    let mut args = vec!["--pds-base-url", &pds];
    args.extend(alert_args(&base, CHILD, &["--dry-run"]));
    let r = cpis.run(&args);
    r.assert_code(0);
    r.assert_stderr_has(&["Oliver SMITH", "record version 3"]);
    let seen = server.requests();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let p = seen
        .iter()
        .find(|s| s.target.starts_with("/pds/"))
        .expect("a PDS read");
    assert_eq!(p.target, format!("/pds/Patient/{CHILD}"));
    assert_eq!(p.header("accept"), Some("application/fhir+json"));
    assert!(p.header("x-request-id").is_some());
    assert_eq!(
        p.header("authorization"),
        Some(format!("Bearer {TEST_TOKEN}").as_str())
    );
    let c = seen
        .iter()
        .find(|s| s.target.starts_with("/cpis/FHIR/R4/CareTeam?"))
        .expect("the plan read");
    assert_eq!(c.header("isunscheduledaccessevent"), Some("false"));
}

// ---- Dates and local times that do not exist (issue 14, item 14) ----

/// `alert_args` with another `--appointment`.
fn at_time<'a>(base: &'a str, appointment: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = alert_args(base, CHILD, extra);
    let i = args.iter().position(|a| *a == "--appointment").unwrap() + 1;
    args[i] = appointment;
    args
}

#[test]
fn an_appointment_on_a_date_that_does_not_exist_is_refused_and_nothing_is_sent() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    for day in [
        "2026-02-30T10:30",
        "2026-04-31T10:30",
        "2026-02-29T10:30+00:00",
        "2026-06-31 09:00Z",
    ] {
        for extra in [&["--yes"][..], &["--dry-run"][..]] {
            let r = cpis.run(&at_time(&sandbox.base_url, day, extra));
            r.assert_code(2);
            r.assert_stderr_has(&["--appointment", "is not a time", "nothing was sent"]);
            assert!(r.stdout.is_empty(), "{}", r.stdout);
        }
    }
    assert!(events(&sandbox).is_empty(), "{:?}", events(&sandbox));
    assert!(outbox(&cpis).is_empty());
}

#[test]
fn a_local_time_skipped_or_repeated_by_the_clock_change_needs_an_offset() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    // Europe/London's rule as a POSIX TZ string (needs no time-zone database): in 2026 the
    // clocks go forward at 01:00 on 29 March and back at 02:00 on 25 October.
    let london = [("TZ", "GMT0BST,M3.5.0/1,M10.5.0")];
    let r = cpis.run_env(
        &at_time(&sandbox.base_url, "2026-03-29T01:30", &["--yes"]),
        &london,
    );
    r.assert_code(2);
    r.assert_stderr_has(&[
        "does not exist in this machine's time zone",
        "2026-03-29T01:30+00:00",
        "nothing was sent",
    ]);
    let r = cpis.run_env(
        &at_time(&sandbox.base_url, "2026-10-25 01:30", &["--yes"]),
        &london,
    );
    r.assert_code(2);
    r.assert_stderr_has(&[
        "happened twice",
        "2026-10-25 01:30+01:00 for the first",
        "2026-10-25 01:30+00:00 for the second",
        "nothing was sent",
    ]);
    assert!(events(&sandbox).is_empty(), "{:?}", events(&sandbox));
    assert!(outbox(&cpis).is_empty());
    // With the offset each is a time, and the minutes either side of the changes are local.
    for (given, start) in [
        ("2026-03-29T01:30+00:00", "2026-03-29T01:30:00+00:00"),
        ("2026-03-29T00:59", "2026-03-29T00:59:00+00:00"),
        ("2026-03-29T02:00", "2026-03-29T02:00:00+01:00"),
        ("2026-10-25T01:30+01:00", "2026-10-25T01:30:00+01:00"),
        ("2026-10-25T00:59", "2026-10-25T00:59:00+01:00"),
        ("2026-10-25T02:00", "2026-10-25T02:00:00+00:00"),
    ] {
        let r = cpis.run_env(&at_time(&sandbox.base_url, given, &["--dry-run"]), &london);
        r.assert_code(0);
        assert_eq!(r.json()["contained"][0]["start"], start, "{given}");
    }
}

// ---- An alert counts as sent only when the service shows it holds it (issue 14, item 12) ----

/// A scripted CP-IS whose plan reads are answered from `sandbox` and whose alert POSTs are
/// answered by `post` (given the request).
fn scripted_with_plans(
    sandbox: &SandboxProc,
    post: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
) -> Scripted {
    let sandbox_addr = sandbox.addr();
    Scripted::start(move |seen, _| {
        if seen.method == "GET" && seen.target.contains("/CareTeam?") {
            let id = uuid::Uuid::new_v4().to_string();
            let (_, body) = raw_get(
                sandbox_addr,
                &seen.target,
                &[
                    ("TraceID", &id),
                    ("X-Request-ID", &id),
                    ("IsUnscheduledAccessEvent", "false"),
                ],
            );
            return Reply::fhir(body);
        }
        if seen.method == "POST" {
            return post(seen);
        }
        Reply::fhir(EMPTY_BUNDLE)
    })
}

#[test]
fn a_redirected_alert_post_is_never_followed_and_stays_pending() {
    let sandbox = SandboxProc::start(&[]);
    // Another loopback origin, answering anything 200 (as a login page or a search would).
    let elsewhere = Scripted::start(|_, _| Reply::fhir(r#"{"resourceType":"Bundle"}"#));
    let other = format!(
        "http://user:pw@{}/cpis/FHIR/R4/Communication?nhs={CHILD}#frag",
        elsewhere.addr
    );
    for status in [301, 302, 303, 307, 308] {
        for location in [other.as_str(), "Communication?seen=1"] {
            let loc = location.to_string();
            let server = scripted_with_plans(&sandbox, move |_| {
                Reply::new(status, "text/plain", "").header("Location", &loc)
            });
            let cpis = Cpis::new();
            let r = cpis.run(&alert_args(&server.base_url(), CHILD, &["--yes"]));
            r.assert_code(8);
            let shown = if location == other {
                format!("{}/cpis/FHIR/R4/Communication?…", elsewhere.addr)
            } else {
                format!("{}/cpis/FHIR/R4/Communication?…", server.addr)
            };
            r.assert_stderr_has(&[
                &format!("HTTP {status}"),
                "redirect to http://",
                &shown,
                "not followed",
                "kept as pending",
                "alert retry",
            ]);
            assert!(!r.stderr.contains("user:pw"), "{}", r.stderr);
            assert!(!r.stderr.contains("#frag"), "{}", r.stderr);
            assert!(r.stdout.is_empty(), "{}", r.stdout);
            let rows = outbox(&cpis);
            assert_eq!(rows.len(), 1);
            assert_eq!(rows[0]["state"], "pending", "{status} {location}");
            // The plan read and one POST; nothing followed the redirect, here or elsewhere.
            let seen = server.requests();
            assert_eq!(seen.len(), 2, "{status} {location}: {seen:?}");
            assert_eq!(seen[1].method, "POST");
            assert!(
                elsewhere.requests().is_empty(),
                "{status}: {:?}",
                elsewhere.requests()
            );
        }
    }
}

#[test]
fn a_2xx_that_does_not_show_the_alert_is_held_stays_pending() {
    let sandbox = SandboxProc::start(&[]);
    let other_alert = r#"{"resourceType":"Communication","id":"c2","identifier":[{"system":"urn:ietf:rfc:3986","value":"urn:uuid:22222222-2222-4222-8222-222222222222"}]}"#;
    let cases: Vec<(u16, Option<&'static str>, &'static str)> = vec![
        (200, None, ""),
        (201, None, ""),
        (
            201,
            None,
            r#"{"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"informational"}]}"#,
        ),
        (200, Some("Communication/abc"), ""),
        (201, Some("https://login.example/sign-in"), ""),
        (201, Some("Communication/c2"), other_alert),
        (200, None, other_alert),
        (204, None, ""),
    ];
    for (status, location, body) in cases {
        let server = scripted_with_plans(&sandbox, move |_| {
            let mut r = Reply::new(status, "application/fhir+json", body);
            if let Some(l) = location {
                r = r.header("Location", l);
            }
            r
        });
        let cpis = Cpis::new();
        let r = cpis.run(&alert_args(&server.base_url(), CHILD, &["--yes"]));
        r.assert_code(8);
        r.assert_stderr_has(&[
            "did not show that it holds the alert",
            &format!("HTTP {status}"),
            "kept as pending",
        ]);
        assert_eq!(
            outbox(&cpis)[0]["state"],
            "pending",
            "{status} {location:?}"
        );
    }
    // What does show it: 201 with a Location naming a Communication, or this alert echoed.
    let server = scripted_with_plans(&sandbox, |_| {
        Reply::new(201, "application/fhir+json", "").header(
            "Location",
            "https://elsewhere.example/cpis/FHIR/R4/Communication/abc/_history/1",
        )
    });
    let cpis = Cpis::new();
    let r = cpis.run(&alert_args(&server.base_url(), CHILD, &["--yes"]));
    r.assert_code(0);
    assert!(
        r.stdout.contains("reference: Communication/abc"),
        "{}",
        r.stdout
    );
    let server = scripted_with_plans(&sandbox, |seen| {
        let mut c: Value = serde_json::from_slice(&seen.body).unwrap();
        c["id"] = "echoed".into();
        Reply::new(200, "application/fhir+json", c.to_string())
    });
    let cpis = Cpis::new();
    let r = cpis.run(&alert_args(&server.base_url(), CHILD, &["--yes"]));
    r.assert_code(0);
    assert!(
        r.stdout.contains("reference: Communication/echoed"),
        "{}",
        r.stdout
    );
    assert_eq!(outbox(&cpis)[0]["state"], "sent");
}

#[test]
fn sandbox_redirect_303_is_not_followed_then_retry() {
    let sandbox = SandboxProc::start(&["--alert-fault", "redirect-303"]);
    let cpis = Cpis::new();
    let r = cpis.run(&alert_args(&sandbox.base_url, CHILD, &["--yes"]));
    r.assert_code(8);
    r.assert_stderr_has(&[
        "HTTP 303",
        "/cpis/FHIR/R4/Communication?…",
        "kept as pending",
    ]);
    // No GET followed the 303: the only Communication request is the POST.
    let seen = events(&sandbox);
    assert_eq!(
        seen.iter()
            .filter(|e| e.starts_with("start Communication"))
            .collect::<Vec<_>>(),
        vec!["start Communication POST"],
        "{seen:?}"
    );
    assert!(held(&sandbox, CHILD).is_empty());
    retry_leaves_exactly_one(&cpis, &sandbox);
}

#[test]
fn sandbox_redirect_307_to_another_origin_is_not_followed_then_retry() {
    let sandbox = SandboxProc::start(&["--alert-fault", "redirect-307"]);
    let cpis = Cpis::new();
    let r = cpis.run(&alert_args(&sandbox.base_url, CHILD, &["--yes"]));
    r.assert_code(8);
    let port = sandbox.addr().port();
    r.assert_stderr_has(&[
        "HTTP 307",
        &format!("redirect to http://localhost:{port}/cpis/FHIR/R4/Communication"),
        "kept as pending",
    ]);
    // The alert was not re-posted to the other origin (which is this sandbox again).
    let seen = events(&sandbox);
    assert_eq!(
        seen.iter()
            .filter(|e| e.starts_with("start Communication"))
            .count(),
        1,
        "{seen:?}"
    );
    assert!(held(&sandbox, CHILD).is_empty());
    retry_leaves_exactly_one(&cpis, &sandbox);
}

#[test]
fn sandbox_ok_without_location_stays_pending_then_retry() {
    let sandbox = SandboxProc::start(&["--alert-fault", "ok-without-location"]);
    let cpis = Cpis::new();
    let r = cpis.run(&alert_args(&sandbox.base_url, CHILD, &["--yes"]));
    r.assert_code(8);
    r.assert_stderr_has(&[
        "HTTP 201 without a Location naming a Communication",
        "kept as pending",
    ]);
    // The sandbox did store it; the retry finds it there and it is held once.
    assert_eq!(held(&sandbox, CHILD).len(), 1);
    retry_leaves_exactly_one(&cpis, &sandbox);
}

// ---- Once per patient and appointment (issue 14, item 13) ----

#[test]
fn the_same_alert_again_is_refused_showing_the_one_sent_unless_again() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let r = cpis.run(&alert_args(
        &sandbox.base_url,
        CHILD,
        &["--yes", "--format", "json"],
    ));
    r.assert_code(0);
    let first = r.json();
    let reference = first["reference"].as_str().unwrap().to_string();
    let id = first["id"].as_str().unwrap().to_string();
    let before = events(&sandbox).len();
    // The same command, the same moment written in another offset, and a dry run: each
    // shows the alert held and exits 2, with no request at all.
    for (appointment, extra) in [
        ("2026-11-24T10:30+00:00", &["--yes"][..]),
        ("2026-11-24T10:30Z", &["--yes"][..]),
        ("2026-11-24T11:30+01:00", &["--yes"][..]),
        ("2026-11-24T10:30+00:00", &["--dry-run"][..]),
    ] {
        let r = cpis.run(&at_time(&sandbox.base_url, appointment, extra));
        r.assert_code(2);
        r.assert_stderr_has(&[
            "Already in the outbox",
            &id,
            "| State ",
            "sent",
            &reference,
            "2026-11-24T10:30:00+00:00",
            "already in the outbox (sent, reference Communication/",
            "nothing was sent",
            "--again",
        ]);
        assert!(r.stdout.is_empty(), "{}", r.stdout);
    }
    assert_eq!(events(&sandbox).len(), before, "{:?}", events(&sandbox));
    assert_eq!(held(&sandbox, CHILD).len(), 1);
    // Another appointment time is another alert.
    cpis.run(&at_time(
        &sandbox.base_url,
        "2026-11-24T10:31+00:00",
        &["--dry-run"],
    ))
    .assert_code(0);
    // --again makes a second alert, with its own identifier.
    let r = cpis.run(&alert_args(
        &sandbox.base_url,
        CHILD,
        &["--yes", "--again", "--format", "json"],
    ));
    r.assert_code(0);
    assert_ne!(r.json()["id"], first["id"]);
    assert_eq!(held(&sandbox, CHILD).len(), 2);
    assert_eq!(outbox(&cpis).len(), 2);
    // The help says so.
    let r = cpis.run(&["alert", "missed-appointment", "--help"]);
    r.assert_code(0);
    assert!(r.stdout.contains("--again"), "{}", r.stdout);
    // A failed alert (refused by the service) does not count: a new one may be made.
    let server = scripted_with_plans(&sandbox, |_| {
        Reply::new(
            400,
            "application/fhir+json",
            r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","diagnostics":"bad"}]}"#,
        )
    });
    let cpis = Cpis::new();
    for _ in 0..2 {
        cpis.run(&alert_args(&server.base_url(), CHILD, &["--yes"]))
            .assert_code(7);
    }
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|s| s.method == "POST")
            .count(),
        2
    );
}

#[test]
fn after_exit_8_the_same_alert_again_points_to_retry_and_sends_nothing() {
    let sandbox = SandboxProc::start(&["--alert-fault", "unavailable-before-store"]);
    let cpis = Cpis::new();
    cpis.run(&alert_args(&sandbox.base_url, CHILD, &["--yes"]))
        .assert_code(8);
    let id = outbox(&cpis)[0]["id"].as_str().unwrap().to_string();
    let before = events(&sandbox).len();
    let r = cpis.run(&alert_args(&sandbox.base_url, CHILD, &["--yes"]));
    r.assert_code(2);
    r.assert_stderr_has(&[
        "already in the outbox (pending)",
        "| State ",
        "pending",
        &format!("cpis --base-url {} alert retry {id}", sandbox.base_url),
        "--again",
    ]);
    assert_eq!(events(&sandbox).len(), before, "{:?}", events(&sandbox));
    assert_eq!(outbox(&cpis).len(), 1);
    retry_leaves_exactly_one(&cpis, &sandbox);
}

#[test]
fn a_superseded_number_is_refused_once_pds_names_the_current_one() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    cpis.run(&alert_args(&sandbox.base_url, CHILD, &["--yes"]))
        .assert_code(0);
    let r = cpis.run(&alert_args(&sandbox.base_url, SUPERSEDED, &["--yes"]));
    r.assert_code(2);
    r.assert_stderr_has(&["already in the outbox (sent", "999 000 0026"]);
    assert!(!r.stderr.contains("will be sent once"), "{}", r.stderr);
    let seen = events(&sandbox);
    assert_eq!(
        seen.iter()
            .filter(|e| *e == "start Communication POST")
            .count(),
        1,
        "{seen:?}"
    );
    assert_eq!(held(&sandbox, CHILD).len(), 1);
}

#[cfg(unix)]
#[test]
fn on_a_terminal_declining_the_alert_sends_nothing_and_exits_2_as_lookup_does() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let args = alert_args(&sandbox.base_url, "9990000026", &[]);
    let Some((code, shown)) = on_a_terminal(&cpis, &args, &[("Send this alert? [y/N]", "n\n")])
    else {
        eprintln!("note: util-linux `script` is not installed: the prompt was not exercised");
        return;
    };
    assert_eq!(code, 2, "{shown}");
    assert!(
        shown.contains("declined: the alert was not sent"),
        "{shown}"
    );
    // A lone keypress does not send; Ctrl-C then cancels.
    let (code, shown) = on_a_terminal(
        &cpis,
        &args,
        &[("Send this alert? [y/N]", "y"), ("[y/N] y", "\x03")],
    )
    .unwrap();
    assert_eq!(code, 130, "{shown}");
    assert!(shown.contains("cancelled: nothing was sent"), "{shown}");
    assert!(held(&sandbox, "9990000026").is_empty());
    assert!(outbox(&cpis).is_empty(), "nothing kept: nothing was sent");
}

/// `alert_args` without `--note TEXT` (and with `-` or a number as given).
fn alert_args_no_note<'a>(base: &'a str, nhs: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = alert_args(base, nhs, &[]);
    a.truncate(a.len() - 2);
    a.extend_from_slice(extra);
    a
}

#[test]
fn the_number_and_the_note_can_come_on_stdin_or_from_a_file() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let base = sandbox.base_url.clone();
    // The NHS number on standard input (one line, trimmed), the note as an argument.
    let r = cpis.run_stdin(
        &alert_args(&base, "-", &["--dry-run"]),
        &[],
        " 999 000 0026 \n",
    );
    r.assert_code(0);
    let c = r.json();
    assert!(c.to_string().contains(CHILD), "{c}");
    // The note on standard input, line breaks kept, outer blank lines trimmed.
    let r = cpis.run_stdin(
        &alert_args_no_note(&base, CHILD, &["--note-file", "-", "--dry-run"]),
        &[],
        "Did not attend.\nMother not reachable.\n\n",
    );
    r.assert_code(0);
    assert_eq!(
        r.json()["payload"][0]["contentString"],
        "Did not attend.\nMother not reachable."
    );
    // The note from a file, sent for real (--yes): what the sandbox holds is the file's text.
    let file = cpis.config_dir.path().join("note.txt");
    std::fs::write(&file, "From a file\n").unwrap();
    let r = cpis.run(&alert_args_no_note(
        &base,
        CHILD,
        &["--note-file", file.to_str().unwrap(), "--yes"],
    ));
    r.assert_code(0);
    let held = held(&sandbox, CHILD);
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["payload"][0]["contentString"], "From a file");
}

#[test]
fn stdin_is_either_the_number_or_the_note_and_never_also_the_question() {
    let sandbox = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let base = sandbox.base_url.clone();
    // Both on standard input: refused.
    cpis.run_stdin(
        &alert_args_no_note(&base, "-", &["--note-file", "-", "--yes"]),
        &[],
        "9990000026\n",
    )
    .assert_code(2)
    .assert_stderr_has(&["not both", "--note-file FILE"]);
    // Standard input taken, no --yes or --dry-run: "Send this alert?" cannot be asked on it.
    for (args, input) in [
        (alert_args(&base, "-", &[]), "9990000026\n"),
        (
            alert_args_no_note(&base, CHILD, &["--note-file", "-"]),
            "a note\n",
        ),
    ] {
        cpis.run_stdin(&args, &[], input)
            .assert_code(2)
            .assert_stderr_has(&["cannot also answer the confirmation", "--yes", "--dry-run"]);
    }
    // --note and --note-file together, or neither: usage errors.
    let file = cpis.config_dir.path().join("note.txt");
    std::fs::write(&file, "x").unwrap();
    let mut both = alert_args(&base, CHILD, &["--note-file", file.to_str().unwrap()]);
    both.push("--dry-run");
    cpis.run(&both)
        .assert_code(2)
        .assert_stderr_has(&["--note-file"]);
    cpis.run(&alert_args_no_note(&base, CHILD, &["--dry-run"]))
        .assert_code(2)
        .assert_stderr_has(&["--note"]);
    // A note file that is missing, empty or too long; a number on stdin that is not one.
    let missing = cpis.config_dir.path().join("missing.txt");
    cpis.run(&alert_args_no_note(
        &base,
        CHILD,
        &["--note-file", missing.to_str().unwrap(), "--dry-run"],
    ))
    .assert_code(2)
    .assert_stderr_has(&["cannot read the note file", missing.to_str().unwrap()]);
    cpis.run_stdin(
        &alert_args_no_note(&base, CHILD, &["--note-file", "-", "--dry-run"]),
        &[],
        " \n",
    )
    .assert_code(2)
    .assert_stderr_has(&["is empty"]);
    cpis.run_stdin(
        &alert_args_no_note(&base, CHILD, &["--note-file", "-", "--dry-run"]),
        &[],
        &"x".repeat(1001),
    )
    .assert_code(2)
    .assert_stderr_has(&["at most 1000"]);
    cpis.run_stdin(&alert_args(&base, "-", &["--dry-run"]), &[], "9990000027\n")
        .assert_code(2)
        .assert_stderr_has(&["invalid NHS number"]);
    assert!(held(&sandbox, CHILD).is_empty());
    assert!(outbox(&cpis).is_empty());
}
