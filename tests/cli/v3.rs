//! The HL7 V3 route (`--route v3`) through the binary: against the sandbox run as its own
//! process (which plays an MHS adaptor), scripted MHS adaptors for the edges, and `xmllint`
//! for every document the tool builds and every answer the sandbox gives.

use crate::common;
use common::*;
use serde_json::Value;

const CHILD: &str = "9990000026"; // active child protection plan, Camden (Sandbox)
const NO_RECORD: &str = "9990999996";

/// A sandbox process, and `cpis` signed in to it as the sandbox's system with every V3
/// setting in its profile.
struct V3 {
    sb: SandboxProc,
    cpis: Cpis,
}

fn mhs_url(sb: &SandboxProc) -> String {
    let u = url::Url::parse(&sb.base_url).unwrap();
    format!("{}/_mhs/outbound", u.origin().ascii_serialization())
}

impl V3 {
    fn start(extra: &[&str]) -> Self {
        let sb = SandboxProc::start(extra);
        let cpis = Cpis::signed_out();
        login_system(&cpis, &sb.base_url, None);
        let url = mhs_url(&sb);
        for (k, v) in [
            ("base_url", sb.base_url.as_str()),
            ("mhs_url", url.as_str()),
            ("asid", "200000000001"),
            ("spine_asid", "999000000999"),
            ("ods_code", "X99"),
            ("org_name", "CPIS Test Trust & Partners <ED>"),
            ("nominated_role_code", "R8000"),
        ] {
            cpis.run(&["config", "set", k, v]).assert_code(0);
        }
        V3 { sb, cpis }
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut a = vec!["--route", "v3"];
        a.extend_from_slice(args);
        self.cpis.run(&a)
    }

    fn unscheduled(&self) -> u64 {
        sandbox_unscheduled(&self.sb, CHILD)
    }
}

fn xmllint() -> &'static str {
    assert!(
        std::process::Command::new("xmllint")
            .arg("--version")
            .output()
            .is_ok(),
        "xmllint is needed (libxml2-utils; .ci/run installs it)"
    );
    "xmllint"
}

/// Validate `doc` against the CP-IS schema of interaction `root`; panics with xmllint's
/// words when it does not validate.
fn validate(doc: &str, root: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.xml");
    std::fs::write(&file, doc).unwrap();
    let schema = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/v3-schemas/CPIS/Schemas")
        .join(format!("{root}.xsd"));
    let out = std::process::Command::new(xmllint())
        .args(["--noout", "--nonet", "--schema"])
        .arg(&schema)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{root} does not validate:\n{}\n{doc}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The document in the curl command `lookup --curl` prints, and its headers.
fn curl_document(stdout: &str) -> (String, Vec<String>) {
    let mut lines = stdout.lines();
    let cmd = lines
        .by_ref()
        .find(|l| l.contains("<<'CPIS_V3_EOF'"))
        .unwrap_or_else(|| panic!("no V3 curl command: {stdout}"));
    let body = lines.next().unwrap();
    assert_eq!(lines.next(), Some("CPIS_V3_EOF"));
    let v: Value = serde_json::from_str(body).unwrap();
    let headers = cmd
        .split(" -H '")
        .skip(1)
        .map(|h| h.split('\'').next().unwrap().to_string())
        .collect();
    (v["payload"].as_str().unwrap().to_string(), headers)
}

#[test]
fn a_lookup_is_one_post_with_plans_and_access_history_in_every_format() {
    let t = V3::start(&[]);
    let v = t
        .run(&["lookup", CHILD, "--unscheduled", "--yes", "--json"])
        .json();
    assert_eq!(v["route"], "v3");
    assert_eq!(v["has_active_plan"], true);
    assert_eq!(v["plans"][0]["type"], "child-protection-plan");
    assert_eq!(v["plans"][0]["emergency_duty_phone"], "02079744000");
    assert_eq!(v["plans"][0]["office_hours_phone"], "02079740000");
    assert_eq!(
        v["plans"][0]["local_authority"],
        "London Borough of Camden (Sandbox) (E09000007)"
    );
    assert_eq!(v["access_history_available"], true);
    let history = v["access_history"].as_array().unwrap();
    // This query's author is the newest access: the system for its nominated person.
    assert_eq!(history[0]["accessor_kind"], "system");
    assert!(
        history[0]["name"]
            .as_str()
            .unwrap()
            .contains(cpis::sandbox::app::NOMINATED_PERSON),
        "{v}"
    );
    assert_eq!(
        history[0]["organisation"],
        "CPIS Test Trust & Partners <ED>"
    );
    assert!(history.iter().any(|a| a["accessor_kind"] == "person"));
    let ids = v["trace_ids"]["v3"].as_array().unwrap();
    assert_eq!(ids.len(), 1);
    let id = ids[0].as_str().unwrap();
    assert_eq!(id, id.to_ascii_uppercase());
    // Exactly one POST, and the sandbox counted one notifying query; no FHIR search.
    let events = sandbox_events(&t.sb);
    assert_eq!(
        count_events(&t.sb, &format!("start v3 {CHILD}")),
        1,
        "{events:?}"
    );
    assert!(!events
        .iter()
        .any(|e| e.contains("CareTeam") || e.contains("AuditEvent")));
    assert_eq!(t.unscheduled(), 1);

    let table = t.run(&["lookup", CHILD, "--unscheduled", "--yes"]);
    table.assert_code(0);
    assert!(
        table.stdout.contains("Route:        v3 (the HL7 V3 query"),
        "{}",
        table.stdout
    );
    assert!(
        table.stdout.contains("PLAN FOUND: 1 active plan"),
        "{}",
        table.stdout
    );
    let csv = t.run(&["lookup", CHILD, "--unscheduled", "--yes", "--format", "csv"]);
    assert!(
        csv.stdout.lines().nth(1).unwrap().ends_with(",v3"),
        "{}",
        csv.stdout
    );
    // --raw prints Spine's reply document, which is the schema's.
    let raw = t.run(&["lookup", CHILD, "--unscheduled", "--yes", "--raw"]);
    raw.assert_code(0);
    assert!(raw.stdout.contains("<REPC_IN000007GB01"), "{}", raw.stdout);
    // -v logs the POST without its body.
    let verbose = t.run(&["-v", "lookup", CHILD, "--unscheduled", "--yes"]);
    assert!(
        verbose.stderr.contains("POST http://127.0.0.1:")
            && verbose.stderr.contains("(body hidden)"),
        "{}",
        verbose.stderr
    );
    assert!(!verbose.stderr.contains(CHILD), "{}", verbose.stderr);
}

#[test]
fn every_document_the_tool_builds_and_every_sandbox_answer_validates_against_the_schemas() {
    let t = V3::start(&[]);
    // Author device: the stored system sign-in.
    let c = t.run(&["lookup", CHILD, "--unscheduled", "--curl", "--no-pds"]);
    c.assert_code(0);
    let (doc, headers) = curl_document(&c.stdout);
    validate(&doc, "QUPC_IN000006GB01");
    assert!(doc.contains("COCT_TP145104GB01#System"), "{doc}");
    assert!(doc.contains("Dr Nadia NOMINATED") && doc.contains("code=\"R8000\""));
    assert!(
        doc.contains("CPIS Test Trust &amp; Partners &lt;ED&gt;"),
        "{doc}"
    );
    assert!(
        doc.contains(&format!("<value extension=\"{CHILD}\"/>")),
        "{doc}"
    );
    assert_eq!(doc.matches("<communicationFunctionRcv>").count(), 1);
    assert_eq!(doc.matches("<communicationFunctionSnd>").count(), 1);
    let id = doc
        .split("<id root=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert_eq!(id, id.to_ascii_uppercase());
    for h in [
        "content-type: application/json",
        "interaction-id: QUPC_IN000006GB01",
        "wait-for-response: true",
        &format!("message-id: {id}"),
    ] {
        assert!(headers.iter().any(|x| x == h), "{h}: {headers:?}");
    }
    assert!(headers.iter().any(|x| x.starts_with("correlation-id: ")));
    // Nothing was sent.
    assert_eq!(t.unscheduled(), 0);

    // Author person: a CIS2 user's sign-in, with and without a role profile id.
    let sessions = t.cpis.data_dir().join("sessions.json");
    let mut all: Value = serde_json::from_slice(&std::fs::read(&sessions).unwrap()).unwrap();
    let key = all.as_object().unwrap().keys().next().unwrap().clone();
    for rpid in [Some("555123456789"), None] {
        let mut identity = serde_json::json!({
            "uid": "555123456780",
            "name": "Dr Jane O'NEIL",
            "role_name": "Named Nurse Safeguarding",
            "role_code": "S8000:G8000:R8001",
            "org_name": "Whittington Health",
            "org_code": "RKE",
            "activity_codes": ["B0107"],
        });
        if let Some(r) = rpid {
            identity["role_profile_id"] = serde_json::json!(r);
        }
        let s = &mut all[&key];
        s["kind"] = serde_json::json!("user");
        s.as_object_mut().unwrap().remove("system");
        s["user"] = serde_json::json!({"identity": identity, "api_key": "k"});
        std::fs::write(&sessions, serde_json::to_vec(&all).unwrap()).unwrap();
        let c = t.run(&["lookup", CHILD, "--unscheduled", "--curl", "--no-pds"]);
        c.assert_code(0);
        let (doc, _) = curl_document(&c.stdout);
        validate(&doc, "QUPC_IN000006GB01");
        assert!(doc.contains("COCT_TP145102GB01#AssignedAuthor"), "{doc}");
        assert!(
            doc.contains("code=\"R8001\"") && doc.contains("Dr Jane O&apos;NEIL"),
            "{doc}"
        );
        assert!(doc.contains("extension=\"555123456780\""));
        assert_eq!(doc.contains("<AgentPersonSDS"), rpid.is_some(), "{doc}");
    }

    // The sandbox's answers: records (every plan type, person and system accesses), no
    // records, and a refusal.
    let t = V3::start(&[]);
    for nhs in [
        "9990000026",
        "9990000034",
        "9990000042",
        "9990000050",
        "9990000069",
    ] {
        let raw = t.run(&["lookup", nhs, "--unscheduled", "--yes", "--raw"]);
        raw.assert_code(0);
        validate(&raw.stdout, "REPC_IN000007GB01");
    }
    let raw = t.run(&[
        "lookup",
        NO_RECORD,
        "--unscheduled",
        "--yes",
        "--raw",
        "--no-pds",
    ]);
    raw.assert_code(0);
    validate(&raw.stdout, "QUQI_IN010000UK14");
    let (status, body) = raw_post(
        t.sb.addr(),
        "/_mhs/outbound",
        &[
            ("Content-Type", "application/json"),
            ("Interaction-Id", "QUPC_IN000006GB01"),
            ("wait-for-response", "true"),
        ],
        &serde_json::json!({"payload": "<QUPC_IN000006GB01 xmlns=\"urn:hl7-org:v3\"/>"})
            .to_string(),
    );
    assert_eq!(status, 200, "{body}");
    validate(&body, "MCCI_IN010000UK13");
}

#[test]
fn scheduled_care_and_missing_settings_are_refused_before_anything_is_sent() {
    let t = V3::start(&[]);
    let r = t.run(&["lookup", CHILD, "--scheduled"]);
    r.assert_code(2).assert_stderr_has(&[
        "the HL7 V3 query always notifies the local authority; for a silent scheduled read use --route flags",
    ]);
    let b = t.cpis.run_stdin(
        &["--route", "v3", "batch", "-", "--scheduled"],
        &[],
        &format!("{CHILD}\n"),
    );
    b.assert_code(2)
        .assert_stderr_has(&["always notifies the local authority"]);
    let a = t.run(&[
        "alert",
        "missed-appointment",
        CHILD,
        "--appointment",
        "2026-11-24T10:30+00:00",
        "--service",
        "Community paediatrics",
        "--location",
        "Clinic 4",
        "--note",
        "missed",
        "--yes",
    ]);
    a.assert_code(2)
        .assert_stderr_has(&["always notifies the local authority"]);
    assert_eq!(t.unscheduled(), 0);
    let events = sandbox_events(&t.sb);
    assert!(
        !events
            .iter()
            .any(|e| e.contains("Communication") || e.contains("v3")),
        "{events:?}"
    );

    // The profile's adaptor belongs to the profile's endpoint: another endpoint chosen by a
    // flag never sends the child's number to it.
    let other = t.cpis.run(&["--env", "int", "config", "show", "--json"]);
    other.assert_stderr_has(&["mhs_url", "not used"]);
    assert!(
        other.json()["mhs_url"]["value"].is_null(),
        "{}",
        other.stdout
    );

    // A profile with none of the settings: each is named.
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::signed_out();
    login_system(&cpis, &sb.base_url, None);
    let r = cpis.run(&[
        "--base-url",
        &sb.base_url,
        "--route",
        "v3",
        "lookup",
        CHILD,
        "--unscheduled",
        "--yes",
    ]);
    r.assert_code(2).assert_stderr_has(&[
        "mhs_url",
        "asid (",
        "spine_asid",
        "ods_code",
        "org_name",
        "nominated_role_code",
        "nothing was sent",
    ]);
    assert!(!sandbox_events(&sb)
        .iter()
        .any(|e| e.contains("pds") || e.contains("v3")));
    // config show lists them.
    let show = cpis.run(&["config", "show", "--json"]).json();
    for k in [
        "mhs_url",
        "asid",
        "spine_asid",
        "ods_code",
        "org_name",
        "mhs_wait_header",
        "nominated_role_code",
        "mhs_plain_http",
    ] {
        assert!(show.get(k).is_some(), "{k}: {show}");
    }
    assert_eq!(show["mhs_wait_header"]["value"], "wait-for-response");
    // A bad value is refused by config set.
    cpis.run(&["config", "set", "asid", "12345"]).assert_code(2);

    // Plain HTTP beyond this machine needs the opt-in; a supplied token has no identity.
    let r = t.run(&[
        "--mhs-url",
        "http://mhs.example.org/",
        "lookup",
        CHILD,
        "--unscheduled",
        "--yes",
    ]);
    r.assert_code(2)
        .assert_stderr_has(&["plain HTTP", "mhs_plain_http"]);
    let token = Cpis::new();
    let r = token.run(&[
        "--base-url",
        &t.sb.base_url,
        "--route",
        "v3",
        "--mhs-url",
        &mhs_url(&t.sb),
        "lookup",
        CHILD,
        "--unscheduled",
        "--yes",
    ]);
    r.assert_code(4).assert_stderr_has(&["carries no identity"]);
    assert_eq!(t.unscheduled(), 0);
}

#[test]
fn no_records_is_no_plan_with_spines_reason_and_another_childs_answer_is_not_shown() {
    let t = V3::start(&[]);
    let r = t.run(&["lookup", NO_RECORD, "--unscheduled", "--yes", "--no-pds"]);
    r.assert_code(0);
    assert!(r.stdout.contains("NO PLAN"), "{}", r.stdout);
    assert!(
        r.stdout.contains("not given in Spine's answer"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains("Spine: No Records Found (sandbox)"),
        "{}",
        r.stderr
    );
    let v = t
        .run(&[
            "lookup",
            NO_RECORD,
            "--unscheduled",
            "--yes",
            "--no-pds",
            "--json",
        ])
        .json();
    assert_eq!(v["has_plan"], false);
    assert!(v["access_history"].is_null());

    let other = t.run(&["lookup", "9990000255", "--unscheduled", "--yes"]);
    other
        .assert_code(7)
        .assert_stderr_has(&["different NHS number"]);
    assert!(other.stdout.is_empty(), "{}", other.stdout);
}

#[test]
fn a_query_that_may_have_reached_spine_is_never_resent() {
    let t = V3::start(&[]);
    // The adaptor gave up waiting: in doubt, sent once.
    let r = t.run(&["lookup", "9990000239", "--unscheduled", "--yes"]);
    r.assert_code(7)
        .assert_stderr_has(&["No async response received", "may have reached Spine"]);
    assert_eq!(sandbox_unscheduled(&t.sb, "9990000239"), 1);
    // A connection dropped after the request: in doubt, sent once.
    let r = t.run(&["lookup", "9990000247", "--unscheduled", "--yes"]);
    r.assert_code(7)
        .assert_stderr_has(&["may have reached Spine"]);
    assert_eq!(sandbox_unscheduled(&t.sb, "9990000247"), 1);
    // Spine's error JSON: its message and process key.
    let r = t.run(&["lookup", "9990000115", "--unscheduled", "--yes"]);
    r.assert_code(7).assert_stderr_has(&[
        "Error(s) received from Spine",
        "SOAP_ERROR_HANDLER0002",
        "System failure to process message - default",
    ]);
    assert_eq!(sandbox_unscheduled(&t.sb, "9990000115"), 1);
    // A timeout shorter than the slow reply: in doubt, sent once.
    let r = t.run(&[
        "--timeout",
        "1",
        "lookup",
        "9990000158",
        "--unscheduled",
        "--yes",
    ]);
    r.assert_code(7)
        .assert_stderr_has(&["may have reached Spine"]);
    assert_eq!(sandbox_unscheduled(&t.sb, "9990000158"), 1);

    // In a batch: in-doubt rows, one request per number, and no resend without asking.
    let input = format!("{CHILD}\n9990000239\n{NO_RECORD}\n");
    let b = t.cpis.run_stdin(
        &[
            "--route",
            "v3",
            "batch",
            "-",
            "--unscheduled",
            "--yes",
            "--no-pds",
            "--rate",
            "100",
        ],
        &[],
        &input,
    );
    let lines: Vec<Value> = b
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let status = |nhs: &str| {
        lines
            .iter()
            .find(|r| r["nhs_number"] == nhs)
            .map(|r| r["status"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("{nhs}: {}", b.stdout))
    };
    assert_eq!(status(CHILD), "plan");
    assert_eq!(status("9990000239"), "in-doubt");
    assert_eq!(status(NO_RECORD), "no-plan");
    let child = lines.iter().find(|r| r["nhs_number"] == CHILD).unwrap();
    assert_eq!(child["trace_ids"]["v3"].as_array().unwrap().len(), 1);
    assert_eq!(sandbox_unscheduled(&t.sb, "9990000239"), 2);
    assert_eq!(sandbox_unscheduled(&t.sb, CHILD), 1);
}

#[test]
fn the_adaptors_edges_are_named_and_only_an_unsent_request_is_retried() {
    let t = V3::start(&[]);
    let run = |server: &Scripted| {
        t.run(&[
            "--mhs-url",
            &format!("{}/", server.base_url().trim_end_matches('/')),
            "lookup",
            CHILD,
            "--unscheduled",
            "--yes",
            "--no-pds",
        ])
    };
    let mcci = "<?xml version=\"1.0\"?><MCCI_IN010000UK13 xmlns=\"urn:hl7-org:v3\"><ControlActEvent><reason><justifyingDetectedIssueEvent><code code=\"ErrorBase1712.MANDATORY_DATA_MISSING|authorID\" displayName=\"the SDS user id\"/></justifyingDetectedIssueEvent></reason></ControlActEvent></MCCI_IN010000UK13>";
    let cases: Vec<(Reply, i32, Vec<&str>, bool)> = vec![
        (Reply::new(200, "text/xml", mcci), 7, vec!["Spine refused the query", "MANDATORY_DATA_MISSING|authorID: the SDS user id"], false),
        (Reply::new(404, "text/plain", "404: Unknown interaction ID: QUPC_IN000006GB01"), 7, vec!["refused the request (HTTP 404)", "Unknown interaction ID"], false),
        (Reply::new(202, "text/plain", ""), 7, vec!["without waiting", "mhs_wait_header"], true),
        (Reply::new(302, "text/plain", "").header("Location", "https://elsewhere.example/"), 7, vec!["redirect", "not followed"], false),
        (Reply::new(200, "text/xml", "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>"), 7, vec!["DTD", "may have reached Spine"], true),
        (Reply::new(500, "text/plain", "500: No async response received from sync-async store"), 7, vec!["had no reply from Spine in time", "may have reached Spine"], true),
        (Reply::new(503, "text/plain", "busy"), 7, vec!["HTTP 503", "may have reached Spine"], true),
    ];
    for (reply, code, needles, in_doubt) in cases {
        let server = Scripted::start(move |_, _| reply.clone());
        let r = run(&server);
        r.assert_code(code).assert_stderr_has(&needles);
        assert_eq!(
            r.stderr.contains("do not repeat without checking"),
            in_doubt,
            "{}",
            r.stderr
        );
        // Whatever the answer, the query was posted once.
        assert_eq!(server.requests().len(), 1, "{needles:?}");
        assert!(r.stdout.is_empty());
    }
    // The wait header's name is configurable (older adaptors: sync-async).
    let server = Scripted::start(|_, _| Reply::new(500, "text/plain", "500: x"));
    t.cpis
        .run(&["config", "set", "mhs_wait_header", "sync-async"])
        .assert_code(0);
    run(&server);
    let seen = &server.requests()[0];
    assert_eq!(seen.header("sync-async"), Some("true"));
    assert!(seen.header("wait-for-response").is_none());
    assert_eq!(seen.method, "POST");
    // A connection never made is tried again; nothing else is.
    let refusing = RefusingPort::new();
    let port = refusing.port;
    let r = t.run(&[
        "--mhs-url",
        &format!("http://127.0.0.1:{port}/"),
        "lookup",
        CHILD,
        "--unscheduled",
        "--yes",
        "--no-pds",
    ]);
    r.assert_code(6).assert_stderr_has(&["retrying"]);
    assert!(!r.stderr.contains("may have reached Spine"), "{}", r.stderr);
}

#[test]
fn the_sandbox_adaptor_checks_headers_and_the_document_as_spine_would() {
    let sb = SandboxProc::start(&[]);
    let post =
        |headers: &[(&str, &str)], body: &str| raw_post(sb.addr(), "/_mhs/outbound", headers, body);
    let json = |p: &str| serde_json::json!({ "payload": p }).to_string();
    let (s, b) = post(
        &[
            ("Content-Type", "application/json"),
            ("wait-for-response", "true"),
        ],
        &json("<x/>"),
    );
    assert_eq!(
        (s, b.contains("Required Interaction-Id header not found")),
        (404, true),
        "{b}"
    );
    let (s, b) = post(
        &[
            ("Content-Type", "application/json"),
            ("Interaction-Id", "QUPC_IN000099GB01"),
            ("wait-for-response", "true"),
        ],
        &json("<x/>"),
    );
    assert_eq!(
        (s, b.contains("Unknown interaction ID")),
        (404, true),
        "{b}"
    );
    let (s, _) = post(
        &[
            ("Content-Type", "application/json"),
            ("Interaction-Id", "QUPC_IN000006GB01"),
        ],
        &json("<x/>"),
    );
    assert_eq!(s, 400);
    let (s, _) = post(
        &[
            ("Content-Type", "text/xml"),
            ("Interaction-Id", "QUPC_IN000006GB01"),
            ("wait-for-response", "true"),
        ],
        "<x/>",
    );
    assert_eq!(s, 415);
    // A document Spine's rules refuse: an NHS number with a root, a Message-Id that is not
    // the document's id.
    let t = V3::start(&[]);
    let c = t.run(&["lookup", CHILD, "--unscheduled", "--curl", "--no-pds"]);
    let (doc, _) = curl_document(&c.stdout);
    let bad = doc.replace(
        &format!("<value extension=\"{CHILD}\"/>"),
        &format!("<value root=\"2.16.840.1.113883.2.1.4.1\" extension=\"{CHILD}\"/>"),
    );
    let (s, b) = raw_post(
        t.sb.addr(),
        "/_mhs/outbound",
        &[
            ("Content-Type", "application/json"),
            ("Interaction-Id", "QUPC_IN000006GB01"),
            ("wait-for-response", "true"),
            ("Message-Id", "11111111-1111-1111-1111-111111111111"),
        ],
        &json(&bad),
    );
    assert_eq!(s, 200);
    assert!(
        b.contains("MCCI_IN010000UK13")
            && b.contains("INVALID_NHS_NUMBER")
            && b.contains("INVALID_ID"),
        "{b}"
    );
    assert_eq!(t.unscheduled(), 0);
}

#[test]
fn doctor_checks_the_adaptor_with_a_probe_that_sends_no_query() {
    let t = V3::start(&[]);
    let d = t.run(&["doctor", "--json"]);
    let v: Value = serde_json::from_str(&d.stdout).unwrap_or_else(|e| panic!("{e}: {}", d.stdout));
    let check = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "v3")
        .unwrap_or_else(|| panic!("no v3 check: {v}"))
        .clone();
    assert_eq!(check["status"], "ok", "{check}");
    assert!(check["detail"]
        .as_str()
        .unwrap()
        .contains("no query was sent"));
    assert!(!sandbox_events(&t.sb).iter().any(|e| e.contains("v3")));
    assert_eq!(t.unscheduled(), 0);
    // Missing settings are named by the check.
    let cpis = Cpis::signed_out();
    let d = cpis.run(&[
        "--base-url",
        &t.sb.base_url,
        "--route",
        "v3",
        "doctor",
        "--json",
    ]);
    let v: Value = serde_json::from_str(&d.stdout).unwrap();
    let check = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "v3")
        .unwrap()
        .clone();
    assert_ne!(check["status"], "ok", "{check}");
    for k in ["mhs_url", "asid", "spine_asid", "ods_code", "org_name"] {
        assert!(check.to_string().contains(k), "{k}: {check}");
    }
}

#[test]
fn the_nominated_persons_role_code_comes_from_the_sign_in() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::signed_out();
    let key = cpis.config_dir.path().join("app.pem");
    std::fs::write(&key, cpis::sandbox::app::PRIVATE_KEY_PEM).unwrap();
    let login = |code: &str| {
        cpis.run(&[
            "--base-url",
            &sb.base_url,
            "auth",
            "login",
            "--system",
            "--api-key",
            cpis::sandbox::app::API_KEY,
            "--kid",
            cpis::sandbox::app::KID,
            "--private-key",
            key.to_str().unwrap(),
            "--nominated-person",
            "Dr Jo NOMINATED",
            "--nominated-role",
            "Named Doctor",
            "--nominated-role-code",
            code,
        ])
    };
    login("R8<1>").assert_code(2);
    login("R8123").assert_code(0);
    let url = mhs_url(&sb);
    for (k, v) in [
        ("base_url", sb.base_url.as_str()),
        ("mhs_url", url.as_str()),
        ("asid", "200000000001"),
        ("spine_asid", "999000000999"),
        ("ods_code", "X99"),
        ("org_name", "CPIS Test Trust"),
    ] {
        cpis.run(&["config", "set", k, v]).assert_code(0);
    }
    let c = cpis.run(&[
        "--route",
        "v3",
        "lookup",
        CHILD,
        "--unscheduled",
        "--curl",
        "--no-pds",
    ]);
    c.assert_code(0);
    let (doc, _) = curl_document(&c.stdout);
    validate(&doc, "QUPC_IN000006GB01");
    assert!(
        doc.contains("code=\"R8123\"") && doc.contains("displayName=\"Named Doctor\""),
        "{doc}"
    );
    assert!(doc.contains("Dr Jo NOMINATED"));
}
