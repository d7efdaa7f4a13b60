//! The Patient Flags route (`--route flags`) through the binary: against the sandbox run as
//! its own process, the embedded one, and scripted servers for the service's edges.

use crate::common;
use common::*;
use serde_json::Value;

fn on(sb: &SandboxProc, cpis: &Cpis, args: &[&str]) -> Run {
    let mut a = vec!["--base-url", sb.base_url.as_str(), "--route", "flags"];
    a.extend_from_slice(args);
    cpis.run(&a)
}

#[test]
fn a_scheduled_lookup_names_the_route_and_shows_the_plan_without_access_history() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let t = on(&sb, &cpis, &["lookup", "9990000026", "--scheduled"]);
    t.assert_code(0);
    assert!(
        t.stdout
            .contains("Route:        flags (the Patient Flags API"),
        "{}",
        t.stdout
    );
    assert!(
        t.stdout.contains("PLAN FOUND: 1 active plan"),
        "{}",
        t.stdout
    );
    assert!(
        t.stdout.contains("02079744000"),
        "emergency duty phone: {}",
        t.stdout
    );
    assert!(
        t.stdout
            .contains("Prior access: not available through the Patient Flags API"),
        "{}",
        t.stdout
    );
    assert!(
        !t.stdout.contains("none recorded"),
        "never as if nobody had looked"
    );

    let v = on(
        &sb,
        &cpis,
        &["lookup", "9990000026", "--scheduled", "--json"],
    )
    .json();
    assert_eq!(v["route"], "flags");
    assert!(v["access_history"].is_null());
    assert_eq!(v["access_history_available"], false);
    assert_eq!(v["plans"][0]["type"], "child-protection-plan");
    assert_eq!(
        v["plans"][0]["local_authority"],
        "London Borough of Camden (Sandbox)"
    );
    assert_eq!(v["plans"][0]["office_hours_phone"], "02079740000");
    assert_eq!(v["trace_ids"]["flags"].as_array().unwrap().len(), 1);
    // The FHIR route says so too, and still has its access history.
    let f = cpis
        .run(&[
            "--base-url",
            &sb.base_url,
            "lookup",
            "9990000026",
            "--scheduled",
            "--json",
        ])
        .json();
    assert_eq!(f["route"], "fhir");
    assert_eq!(f["access_history_available"], true);
    assert!(f["access_history"].is_array());

    let csv = on(
        &sb,
        &cpis,
        &["lookup", "9990000026", "--scheduled", "--format", "csv"],
    );
    assert!(csv.stdout.lines().next().unwrap().ends_with(",route"));
    assert!(
        csv.stdout.lines().nth(1).unwrap().ends_with(",flags"),
        "{}",
        csv.stdout
    );
}

#[test]
fn pds_and_the_flag_are_asked_at_once() {
    // With a delay on every answer, overlapping requests show in the sandbox's event log.
    let sb = SandboxProc::start(&["--delay-ms", "150"]);
    on(&sb, &Cpis::new(), &["lookup", "9990000026", "--scheduled"]).assert_code(0);
    let e = sandbox_events(&sb);
    let pos = |x: &str| {
        e.iter()
            .position(|y| y == x)
            .unwrap_or_else(|| panic!("{x}: {e:?}"))
    };
    assert!(
        pos("start flags 9990000026") < pos("end pds 9990000026"),
        "{e:?}"
    );
    assert!(
        pos("start pds 9990000026") < pos("end flags 9990000026"),
        "{e:?}"
    );
    assert!(
        !e.iter()
            .any(|x| x.contains("CareTeam") || x.contains("AuditEvent")),
        "{e:?}"
    );
}

#[test]
fn ended_absent_and_another_childs_flags() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    // An ended plan: an inactive flag, shown as ended.
    let v = on(
        &sb,
        &cpis,
        &["lookup", "9990000069", "--scheduled", "--json"],
    )
    .json();
    assert_eq!(v["has_plan"], true);
    assert_eq!(v["has_active_plan"], false);
    assert_eq!(v["plans"][0]["active"], false);
    // No flag.
    let t = on(&sb, &cpis, &["lookup", "9990000077", "--scheduled"]);
    t.assert_code(0);
    assert!(t.stdout.contains("NO PLAN ON CP-IS"), "{}", t.stdout);
    // A flag about another child: nothing of it shown, in any format.
    for format in ["table", "json", "csv"] {
        let r = on(
            &sb,
            &cpis,
            &["lookup", "9990000255", "--scheduled", "--format", format],
        );
        r.assert_code(7)
            .assert_stderr_has(&["the service answered about a different NHS number"]);
        assert!(r.stdout.is_empty());
    }
    let raw = on(
        &sb,
        &cpis,
        &["lookup", "9990000255", "--scheduled", "--raw"],
    );
    raw.assert_code(7);
    assert!(raw.stdout.is_empty());
    // Not known to the service: never "no plan".
    let r = on(
        &sb,
        &cpis,
        &["lookup", "9434765919", "--scheduled", "--no-pds"],
    );
    r.assert_code(2)
        .assert_stderr_has(&["is not on the Patient Flags service"]);
    assert!(r.stdout.is_empty());
}

#[test]
fn other_flags_are_never_shown_or_written() {
    // A service that ignores `code` answers the reasonable-adjustment and FGM flags too.
    let sb = SandboxProc::start(&["--flags-ignore-code"]);
    let cpis = Cpis::new();
    for args in [
        &["lookup", "9990000026", "--scheduled", "--json"][..],
        &["lookup", "9990000026", "--scheduled", "--raw"],
        &["lookup", "9990000026", "--scheduled", "--format", "csv"],
    ] {
        let r = on(&sb, &cpis, args);
        r.assert_code(0);
        for other in [
            "reasonable-adjustment",
            "genital",
            "Reasonable Adjustments",
            "Genital",
        ] {
            assert!(!r.stdout.contains(other), "{args:?}: {}", r.stdout);
            assert!(!r.stderr.contains(other), "{args:?}: {}", r.stderr);
        }
    }
    let v = on(
        &sb,
        &cpis,
        &["lookup", "9990000026", "--scheduled", "--json"],
    )
    .json();
    assert_eq!(v["plans"].as_array().unwrap().len(), 1);
    let r = on(
        &sb,
        &cpis,
        &["lookup", "9990000026", "--scheduled", "--raw"],
    );
    let raw: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(raw["total"], 1);
}

#[test]
fn unscheduled_care_is_refused_before_anything_is_sent() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let r = on(
        &sb,
        &cpis,
        &["lookup", "9990000026", "--unscheduled", "--yes"],
    );
    r.assert_code(2).assert_stderr_has(&[
        "the Patient Flags API serves scheduled care only; use --route fhir or --route v3 for unscheduled care",
    ]);
    let r = cpis.run_stdin(
        &[
            "--base-url",
            &sb.base_url,
            "--route",
            "flags",
            "batch",
            "-",
            "--unscheduled",
            "--yes",
        ],
        &[],
        "9990000026\n",
    );
    r.assert_code(2)
        .assert_stderr_has(&["serves scheduled care only"]);
    // The profile's route, the same.
    cpis.run(&["config", "set", "route", "flags"])
        .assert_code(0);
    cpis.run(&[
        "--base-url",
        &sb.base_url,
        "lookup",
        "9990000026",
        "--unscheduled",
        "--yes",
    ])
    .assert_code(2);
    assert!(
        sandbox_events(&sb).is_empty(),
        "nothing was sent: {:?}",
        sandbox_events(&sb)
    );
    cpis.run(&["config", "set", "route", "carrier-pigeon"])
        .assert_code(2);
}

#[test]
fn batch_alert_doctor_and_curl_work_on_the_route() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let r = cpis.run_stdin(
        &[
            "--base-url",
            &sb.base_url,
            "--route",
            "flags",
            "batch",
            "-",
            "--scheduled",
            "--rate",
            "100",
        ],
        &[],
        "9990000026\n9990000069\n9990000077\n",
    );
    r.assert_code(0);
    let records: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary = records.last().unwrap();
    assert_eq!(summary["route"], "flags");
    assert_eq!(summary["requests"], 3, "one request per number: {summary}");
    for rec in &records[..3] {
        assert_eq!(rec["route"], "flags");
        assert!(rec["access_history"].is_null(), "{rec}");
        assert_eq!(rec["access_history_available"], false);
    }
    assert_eq!(
        sandbox_events(&sb)
            .iter()
            .filter(|e| e.starts_with("start flags"))
            .count(),
        3
    );

    // The alert's silent plan read goes by the route.
    let r = on(
        &sb,
        &cpis,
        &[
            "alert",
            "missed-appointment",
            "9990000026",
            "--appointment",
            "2026-11-24T10:30+00:00",
            "--service",
            "Community paediatrics",
            "--location",
            "Clinic 4",
            "--note",
            "Missed twice",
            "--yes",
        ],
    );
    r.assert_code(0);
    assert!(
        r.stdout
            .contains("alert sent to London Borough of Camden (Sandbox)"),
        "{}",
        r.stdout
    );
    assert_eq!(count_events(&sb, "start flags 9990000026"), 2);

    // doctor checks the route's base.
    let d = on(&sb, &cpis, &["doctor", "--json"]).json();
    let flags = d["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "flags")
        .unwrap()
        .clone();
    assert_eq!(flags["status"], "ok", "{flags}");

    // --curl prints the route's request; nothing is sent.
    let before = sandbox_events(&sb).len();
    let c = on(
        &sb,
        &cpis,
        &["lookup", "9990000026", "--scheduled", "--curl"],
    );
    c.assert_code(0);
    assert!(
        c.stdout
            .contains("/patient-flags-api/FHIR/R4/Flag?patient=9990000026&code=child-protection-information-system-flag"),
        "{}",
        c.stdout
    );
    assert!(!c.stdout.contains("CareTeam"));
    assert_eq!(sandbox_events(&sb).len(), before);
}

#[test]
fn the_request_its_path_its_headers_and_its_retries() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Seen>::new()));
    let server = {
        let seen = seen.clone();
        Scripted::start(move |q, i| {
            seen.lock().unwrap().push(q.clone());
            if i == 0 {
                return Reply::new(503, "application/json", "{}").header("Retry-After", "0");
            }
            Reply::fhir(r#"{"resourceType":"Bundle","type":"searchset","total":0}"#)
        })
    };
    let cpis = Cpis::new();
    cpis.run(&["config", "set", "flags_path", "PatientFlag"])
        .assert_code(0);
    let r = cpis.run(&[
        "--base-url",
        &server.base_url(),
        "--route",
        "flags",
        "lookup",
        "9434765919",
        "--scheduled",
        "--quiet",
    ]);
    r.assert_code(0);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2, "retried once");
    for q in &reqs {
        assert_eq!(
            q.target,
            "/patient-flags-api/FHIR/R4/PatientFlag?patient=9434765919&code=child-protection-information-system-flag"
        );
        assert_eq!(q.header("authorization"), Some("Bearer cpis-test-token"));
        assert_eq!(q.header("accept"), Some("application/fhir+json"));
        assert!(q.header("x-correlation-id").is_some());
        assert!(q.header("isunscheduledaccessevent").is_none());
    }
    assert_eq!(
        reqs[0].header("x-request-id"),
        reqs[1].header("x-request-id")
    );

    // 403 is access denied (5); another environment's host for the route is refused (2).
    let denied = Scripted::start(|_, _| {
        Reply::new(
            403,
            "application/fhir+json",
            r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"forbidden","details":{"coding":[{"code":"ACCESS_DENIED"}]}}]}"#,
        )
    });
    Cpis::new()
        .run(&[
            "--base-url",
            &denied.base_url(),
            "--route",
            "flags",
            "lookup",
            "9434765919",
            "--scheduled",
        ])
        .assert_code(5);
    Cpis::new()
        .run(&[
            "--env",
            "int",
            "--flags-base-url",
            "https://api.service.nhs.uk/patient-flags-api/FHIR/R4",
            "--route",
            "flags",
            "lookup",
            "9434765919",
            "--scheduled",
        ])
        .assert_code(2)
        .assert_stderr_has(&["--flags-base-url", "is not on environment int"]);
    // The sandbox answers on both paths, with the service's header rules.
    let sb = SandboxProc::start(&[]);
    for path in ["Flag", "PatientFlag"] {
        let (status, body) = raw_get(
            sb.addr(),
            &format!("/patient-flags-api/FHIR/R4/{path}?patient=9990000026&code=child-protection-information-system-flag"),
            &[("X-Request-ID", "3f2a1b9c-0d4e-4f5a-8b6c-7d8e9f0a1b2c")],
        );
        assert_eq!(status, 200, "{body}");
        let (status, _) = raw_get(
            sb.addr(),
            &format!("/patient-flags-api/FHIR/R4/{path}?patient=9990000026"),
            &[],
        );
        assert_eq!(status, 400, "no X-Request-ID");
    }
}

#[test]
fn a_refused_token_is_renewed_once_on_the_route() {
    // The first Patient Flags request is refused (an expired token); the system identity gets a
    // new one from a sandbox's token endpoint, and the request is sent once more.
    let sb = SandboxProc::start(&[]);
    let origin = sb.base_url.split("/cpis/").next().unwrap().to_string();
    let token_url = format!("{origin}/oauth2/token");
    let server = Scripted::start(|_, i| {
        if i == 0 {
            return Reply::new(401, "application/json", r#"{"message":"expired"}"#);
        }
        Reply::fhir(r#"{"resourceType":"Bundle","type":"searchset","total":0}"#)
    });
    let cpis = Cpis::signed_out();
    let base = server.base_url();
    login_system(&cpis, &base, Some(&token_url));
    let r = cpis.run(&[
        "--base-url",
        &base,
        "--route",
        "flags",
        "lookup",
        "9434765919",
        "--scheduled",
    ]);
    r.assert_code(0)
        .assert_stderr_has(&["refused the access token (HTTP 401)"]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_ne!(
        reqs[0].header("authorization"),
        reqs[1].header("authorization")
    );
    assert!(r.stdout.contains("NO PLAN ON CP-IS"), "{}", r.stdout);
}
