//! Every lookup verifies the child on PDS first: each classification through the binary
//! against the sandbox, the concurrency of a scheduled lookup, the order of an unscheduled
//! one (nothing that notifies before the patient is confirmed), superseded numbers re-asked
//! under the current number, and `--no-pds`.

use crate::common;

use common::*;
use serde_json::Value;

fn json_lookup(cpis: &Cpis, nhs: &str) -> Value {
    let r = cpis.run(&["lookup", nhs, "--scheduled", "--json"]);
    r.assert_code(0);
    r.json()
}

/// The sandbox's request log: `start pds N`, `end CareTeam N`, ...
fn events(sb: &SandboxProc) -> Vec<String> {
    let (status, body) = raw_get(sb.addr(), "/_sandbox/events", &[]);
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn position(events: &[String], e: &str) -> usize {
    events
        .iter()
        .position(|x| x == e)
        .unwrap_or_else(|| panic!("no {e:?} in {events:?}"))
}

#[test]
fn a_plain_record_is_shown_above_the_plans() {
    let cpis = Cpis::new();
    let v = json_lookup(&cpis, "9990000026");
    let p = &v["patient"];
    assert_eq!(p["verified"], true);
    assert_eq!(p["requested_nhs_number"], "9990000026");
    assert_eq!(p["nhs_number"], "9990000026");
    assert_eq!(p["superseded"], false);
    assert_eq!(p["name"], "Oliver SMITH");
    assert_eq!(p["birth_date"], "2019-07-03");
    assert_eq!(p["gender"], "male");
    assert_eq!(p["deceased"], false);
    assert_eq!(p["restricted"], "U");
    assert_eq!(p["pds_version"], "1");
    // The sandbox's record has an address and a GP: never part of the output.
    let text = v.to_string();
    assert!(!text.contains("Sandbox Street") && !text.contains("Y12345"));

    let r = cpis.run(&["lookup", "9990000026", "--scheduled"]);
    r.assert_code(0);
    let patient = r.stdout.find("Patient:      Oliver SMITH").unwrap();
    let plans = r.stdout.find("PLAN FOUND").unwrap();
    assert!(patient < plans, "{}", r.stdout);
    assert!(r.stdout.contains("Born:         2019-07-03 (age "));
    assert!(r.stdout.contains("verified on PDS"));
    assert!(!r.stdout.contains("Sandbox Street"));
}

#[test]
fn a_superseded_number_is_checked_under_the_current_one() {
    // 999 000 0182 was merged into 999 000 0026, which has an active plan; CP-IS holds
    // nothing under the old number, so without PDS this child would look plan-free.
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let r = cpis.run(&[
        "--base-url",
        &sb.base_url,
        "lookup",
        "9990000182",
        "--scheduled",
        "--json",
    ]);
    r.assert_code(0).assert_stderr_has(&[
        "999 000 0182 has been superseded by 999 000 0026",
        "checking CP-IS under the current number",
    ]);
    let v = r.json();
    assert_eq!(v["nhs_number"], "9990000026");
    assert_eq!(v["has_active_plan"], true);
    assert_eq!(v["patient"]["requested_nhs_number"], "9990000182");
    assert_eq!(v["patient"]["nhs_number"], "9990000026");
    assert_eq!(v["patient"]["superseded"], true);
    let e = events(&sb);
    position(&e, "end CareTeam 9990000182");
    position(&e, "end CareTeam 9990000026");
    position(&e, "end AuditEvent 9990000026");

    let table = cpis.run(&["lookup", "9990000182", "--scheduled"]);
    table.assert_code(0);
    assert!(table.stdout.contains(
        "SUPERSEDED: 999 000 0182 was replaced by 999 000 0026 (checked under the current number)"
    ));
    assert!(table
        .stdout
        .contains("CP-IS lookup for NHS number 999 000 0026"));

    // Without PDS the old number shows no plan: the danger this check exists for.
    let blind = cpis.run(&["lookup", "9990000182", "--scheduled", "--json", "--no-pds"]);
    blind.assert_code(0);
    assert_eq!(blind.json()["has_plan"], false);
    assert_eq!(blind.json()["patient"]["verified"], false);
}

#[test]
fn restricted_deceased_and_minimal_records_say_so() {
    let cpis = Cpis::new();
    let r = json_lookup(&cpis, "9990000034");
    assert_eq!(r["patient"]["restricted"], "R");
    assert_eq!(r["patient"]["name"], "Amelia BROWN");
    let t = cpis.run(&["lookup", "9990000034", "--scheduled"]);
    assert!(t
        .stdout
        .contains("RESTRICTED RECORD (location details withheld)"));
    // The sandbox's restricted record carries an address, a GP and a phone number anyway:
    // none of them is ever shown, in any format.
    for format in ["table", "json", "csv"] {
        let out = cpis.run(&["lookup", "9990000034", "--scheduled", "--format", format]);
        for secret in ["Sandbox Street", "LS1 4AP", "Y12345", "01632960587"] {
            assert!(!out.stdout.contains(secret), "{format}: {}", out.stdout);
            assert!(!out.stderr.contains(secret), "{format}: {}", out.stderr);
        }
    }

    let v = json_lookup(&cpis, "9990000069");
    assert_eq!(v["patient"]["restricted"], "V");
    assert_eq!(v["patient"]["name"], Value::Null);
    assert_eq!(v["patient"]["birth_date"], Value::Null);
    let t = cpis.run(&["lookup", "9990000069", "--scheduled"]);
    assert!(t.stdout.contains("Patient:      not recorded"));
    assert!(t.stdout.contains("VERY RESTRICTED RECORD"));

    let d = json_lookup(&cpis, "9990000212");
    assert_eq!(d["patient"]["deceased"], true);
    assert_eq!(d["patient"]["deceased_date"], "2026-01-02");
    assert_eq!(d["patient"]["death_notification"], "formal");
    let t = cpis.run(&["lookup", "9990000212", "--scheduled"]);
    assert!(t
        .stdout
        .contains("DECEASED 2026-01-02 (formal notification)"));

    let m = json_lookup(&cpis, "9990000220");
    assert_eq!(m["patient"]["verified"], true);
    assert_eq!(m["patient"]["name"], Value::Null);
    assert_eq!(m["patient"]["gender"], Value::Null);

    // The official PDS sandbox's restricted patient, served verbatim.
    let o = json_lookup(&cpis, "9000000025");
    assert_eq!(o["patient"]["restricted"], "R");
    assert_eq!(o["patient"]["name"], "Janet SMYTHE");
    let csv = cpis.run(&["lookup", "9990000034", "--scheduled", "--format", "csv"]);
    assert!(csv
        .stdout
        .lines()
        .nth(1)
        .unwrap()
        .ends_with(",Amelia BROWN,2014-02-19,verified+restricted,fhir"));
}

#[test]
fn invalidated_and_unknown_numbers_show_no_cp_is_result() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    for (nhs, says) in [
        ("9990000190", "has been invalidated on PDS"),
        ("9990000204", "is not on PDS"),
    ] {
        for care in ["--scheduled", "--unscheduled"] {
            let r = cpis.run(&["--base-url", &sb.base_url, "lookup", nhs, care, "--yes"]);
            r.assert_code(2)
                .assert_stderr_has(&[says, "no CP-IS result is shown"]);
            assert!(r.stdout.is_empty(), "{}", r.stdout);
        }
        // Only the scheduled lookup's silent search reached CP-IS (asked alongside PDS); the
        // unscheduled one never did: nobody was notified.
        let e = events(&sb);
        let searches = e
            .iter()
            .filter(|x| *x == &format!("start CareTeam {nhs}"))
            .count();
        assert_eq!(searches, 1, "{e:?}");
        let (_, q) = raw_get(sb.addr(), &format!("/_sandbox/queries?nhs={nhs}"), &[]);
        let q: Value = serde_json::from_str(&q).unwrap();
        assert_eq!(q["unscheduled_searches"], 0, "{q}");
    }
}

#[test]
fn a_scheduled_lookup_asks_pds_and_both_searches_at_once() {
    // Each answer takes 400 ms: concurrent requests all arrive before the first answer.
    let sb = SandboxProc::start(&["--delay-ms", "400"]);
    let cpis = Cpis::new();
    cpis.run(&[
        "--base-url",
        &sb.base_url,
        "lookup",
        "9990000026",
        "--scheduled",
    ])
    .assert_code(0);
    let e = events(&sb);
    assert_eq!(e.len(), 6, "one PDS retrieval and two searches: {e:?}");
    let first_end = e.iter().position(|x| x.starts_with("end ")).unwrap();
    for start in [
        "start pds 9990000026",
        "start CareTeam 9990000026",
        "start AuditEvent 9990000026",
    ] {
        assert!(position(&e, start) < first_end, "{e:?}");
    }
}

#[test]
fn an_unscheduled_lookup_asks_cp_is_only_after_pds_and_the_check() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let lookup = |extra: &[&str]| {
        let mut args = vec![
            "--base-url",
            sb.base_url.as_str(),
            "lookup",
            "9990000026",
            "--unscheduled",
        ];
        args.extend_from_slice(extra);
        cpis.run(&args)
    };
    // No terminal to ask on, no --dob, no --yes: refused before anything is sent.
    lookup(&[])
        .assert_code(2)
        .assert_stderr_has(&["no terminal to ask on", "--dob", "--yes"]);
    assert!(events(&sb).is_empty(), "{:?}", events(&sb));

    // A date of birth that is not the child's: PDS was asked, CP-IS never.
    lookup(&["--dob", "2019-07-04"])
        .assert_code(2)
        .assert_stderr_has(&["does not match --dob 2019-07-04"]);
    let e = events(&sb);
    assert_eq!(
        e,
        vec!["start pds 9990000026", "end pds 9990000026"],
        "{e:?}"
    );

    // The right date of birth: PDS answered before CP-IS was asked.
    let r = lookup(&["--dob", "2019-07-03", "--json"]);
    r.assert_code(0);
    assert_eq!(r.json()["patient"]["name"], "Oliver SMITH");
    let e = events(&sb);
    assert!(
        position(&e, "end pds 9990000026") < position(&e, "start CareTeam 9990000026"),
        "{e:?}"
    );
    let (_, q) = raw_get(sb.addr(), "/_sandbox/queries?nhs=9990000026", &[]);
    let q: Value = serde_json::from_str(&q).unwrap();
    assert_eq!(q["unscheduled_searches"], 2, "{q}");

    // A malformed --dob is refused before anything.
    let before = events(&sb).len();
    lookup(&["--dob", "03/07/2019"])
        .assert_code(2)
        .assert_stderr_has(&["YYYY-MM-DD"]);
    assert_eq!(events(&sb).len(), before);
}

#[test]
fn no_pds_skips_the_check_and_every_output_says_so() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let r = cpis.run(&[
        "--base-url",
        &sb.base_url,
        "lookup",
        "9990000026",
        "--scheduled",
        "--no-pds",
    ]);
    r.assert_code(0).assert_stderr_has(&["not verified on PDS"]);
    assert!(r.stdout.contains("NOT VERIFIED ON PDS"));
    assert!(!events(&sb).iter().any(|e| e.contains("pds")));
    let csv = cpis.run(&[
        "--base-url",
        &sb.base_url,
        "lookup",
        "9990000026",
        "--scheduled",
        "--no-pds",
        "--format",
        "csv",
    ]);
    assert!(csv
        .stdout
        .lines()
        .nth(1)
        .unwrap()
        .ends_with(",,,not-verified,fhir"));
    // The profile can turn it off too.
    cpis.run(&["config", "set", "verify_on_pds", "false"])
        .assert_code(0);
    let j = cpis.run(&[
        "--base-url",
        &sb.base_url,
        "lookup",
        "9990000026",
        "--scheduled",
        "--json",
    ]);
    j.assert_code(0);
    assert_eq!(j.json()["patient"]["verified"], false);
    assert_eq!(j.json()["patient"]["nhs_number"], "9990000026");
}

#[test]
fn the_pds_base_follows_the_environment_and_is_checked() {
    let cpis = Cpis::new();
    // Another environment's host is refused before anything is sent.
    let r = cpis.run(&[
        "--env",
        "int",
        "--pds-base-url",
        "https://api.service.nhs.uk/personal-demographics/FHIR/R4",
        "lookup",
        "9990000026",
        "--scheduled",
    ]);
    r.assert_code(2)
        .assert_stderr_has(&["is not on environment int"]);
    // Plain HTTP off this machine is refused.
    let r = cpis.run(&[
        "--pds-base-url",
        "http://pds.example.nhs.uk/personal-demographics/FHIR/R4",
        "lookup",
        "9990000026",
        "--scheduled",
    ]);
    r.assert_code(2);
    // A PDS elsewhere on this machine (another sandbox) is used as given.
    let sb = SandboxProc::start(&[]);
    let pds = sb
        .base_url
        .replace("/cpis/FHIR/R4", "/personal-demographics/FHIR/R4");
    let r = cpis.run(&[
        "--pds-base-url",
        &pds,
        "lookup",
        "9990000026",
        "--scheduled",
        "--json",
    ]);
    r.assert_code(0);
    assert_eq!(r.json()["patient"]["name"], "Oliver SMITH");
    assert!(events(&sb).iter().any(|e| e == "end pds 9990000026"));
}

#[test]
fn the_sandbox_pds_keeps_the_live_header_rules() {
    let sb = SandboxProc::start(&[]);
    let path = "/personal-demographics/FHIR/R4/Patient/9990000026";
    let (status, body) = raw_get(sb.addr(), path, &[]);
    assert_eq!(status, 400);
    assert!(body.contains("MISSING_VALUE"), "{body}");
    let (status, body) = raw_get(sb.addr(), path, &[("X-Request-ID", "1234")]);
    assert_eq!(status, 400);
    assert!(body.contains("Invalid value - '1234' in header 'X-Request-ID'"));
    let id = ("X-Request-ID", "5f0e6a4c-4a8e-4a3b-9a53-0d0c1c2b3a4d");
    let (status, body) = raw_get(
        sb.addr(),
        "/personal-demographics/FHIR/R4/Patient/9000000000",
        &[id],
    );
    assert_eq!(status, 400);
    assert!(body.contains("INVALID_RESOURCE_ID"));
    let (status, body) = raw_get(sb.addr(), path, &[id]);
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["id"], "9990000026");
    // Every number of the no-record block has a plain record, for batch runs.
    let (status, _) = raw_get(
        sb.addr(),
        "/personal-demographics/FHIR/R4/Patient/9990100009",
        &[id],
    );
    assert!(status == 200 || status == 400);
}

#[test]
fn a_batch_verifies_each_row_on_pds_and_never_asks_cp_is_about_a_mismatch() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let input = "nhs_number,dob\n\
                 9990000026,2019-07-03\n\
                 9990000182,\n\
                 9990000190,\n\
                 9990000204,\n\
                 9990000034,2014-02-20\n\
                 9990000212,2017-03-09\n\
                 9990000050,09/08/2016\n";
    let r = cpis.run_stdin(
        &[
            "--base-url",
            &sb.base_url,
            "batch",
            "-",
            "--column",
            "nhs_number",
            "--scheduled",
            "--keep-order",
        ],
        &[],
        input,
    );
    r.assert_code(3);
    let records: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let row = |line: u64| {
        records
            .iter()
            .find(|v| v["line"] == line)
            .unwrap_or_else(|| panic!("no line {line}: {records:?}"))
    };
    assert_eq!(row(2)["status"], "plan");
    assert_eq!(row(2)["patient"]["name"], "Oliver SMITH");
    assert_eq!(row(2)["pds_status"], "verified");
    // Superseded into 999 000 0026, which row 2 already checks: checked once.
    assert_eq!(row(3)["status"], "duplicate");
    assert_eq!(row(3)["duplicate_of"], 2);
    assert_eq!(row(3)["nhs_number"], "9990000026");
    assert_eq!(row(3)["patient"]["requested_nhs_number"], "9990000182");
    assert_eq!(row(3)["pds_status"], "verified+superseded");
    assert_eq!(row(4)["status"], "invalid");
    assert_eq!(row(4)["pds_status"], "invalidated");
    assert_eq!(row(5)["status"], "invalid");
    assert_eq!(row(5)["pds_status"], "not-on-pds");
    assert_eq!(row(6)["status"], "invalid");
    assert_eq!(row(6)["pds_status"], "dob-mismatch");
    assert_eq!(row(7)["status"], "no-plan");
    assert_eq!(row(7)["patient"]["deceased"], true);
    assert_eq!(row(7)["pds_status"], "verified+deceased");
    // A dob that is not a date is invalid before any request.
    assert_eq!(row(8)["status"], "invalid");
    assert!(row(8)["message"].as_str().unwrap().contains("dob column"));
    let summary = records.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["pds_requests"], 6, "{summary}");

    let e = events(&sb);
    for never in [
        "9990000034",
        "9990000190",
        "9990000204",
        "9990000182",
        "9990000050",
    ] {
        assert!(
            !e.iter()
                .any(|x| x.starts_with("start CareTeam") && x.ends_with(never)),
            "{never}: {e:?}"
        );
    }
    assert!(!e.iter().any(|x| x.ends_with("9990000050")), "{e:?}");

    // --no-pds: every record says so, and PDS is not asked.
    let before = events(&sb).iter().filter(|x| x.contains("pds")).count();
    let r = cpis.run_stdin(
        &[
            "--base-url",
            &sb.base_url,
            "batch",
            "-",
            "--scheduled",
            "--no-pds",
        ],
        &[],
        "9990000077\n",
    );
    r.assert_code(0);
    let v: Value = serde_json::from_str(r.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(v["pds_status"], "not-verified");
    assert_eq!(v["patient"]["verified"], false);
    assert_eq!(
        events(&sb).iter().filter(|x| x.contains("pds")).count(),
        before
    );
}

#[cfg(unix)]
#[test]
fn on_a_terminal_the_patient_is_shown_and_only_yes_sends_the_unscheduled_lookup() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let args = [
        "--base-url",
        sb.base_url.as_str(),
        "lookup",
        "9990000026",
        "--unscheduled",
    ];
    let Some((code, shown)) = on_a_terminal(&cpis, &args, &[("[y/N]", "n\n")]) else {
        eprintln!(
            "note: util-linux `script` is not installed: the terminal prompt was not exercised"
        );
        return;
    };
    assert_eq!(code, 2, "{shown}");
    assert!(shown.contains("Patient:      Oliver SMITH"), "{shown}");
    assert!(shown.contains("Is this the patient?"), "{shown}");
    assert!(shown.contains("nothing was sent to CP-IS"), "{shown}");
    // PDS was asked; CP-IS never.
    assert!(!events(&sb).iter().any(|e| e.contains("CareTeam")));

    let (code, shown) = on_a_terminal(&cpis, &args, &[("[y/N]", "y\n")]).unwrap();
    assert_eq!(code, 0, "{shown}");
    let e = events(&sb);
    assert!(
        position(&e, "end pds 9990000026") < position(&e, "start CareTeam 9990000026"),
        "{e:?}"
    );
}

#[test]
fn pds_is_retried_with_the_same_request_id_and_sent_the_same_credentials() {
    // PDS on a server of its own (under a path the scripted CP-IS does not answer): a 503,
    // then the record.
    let pds = Scripted::start(|seen, i| {
        if i == 0 {
            return Reply::new(503, "application/fhir+json", "{}").header("Retry-After", "0");
        }
        let id = seen.target.rsplit('/').next().unwrap().to_string();
        Reply::fhir(format!(
            r#"{{"resourceType":"Patient","id":"{id}","name":[{{"use":"usual","given":["Ada"],"family":"Lovelace"}}]}}"#
        ))
    });
    let cpis_server = Scripted::start(|_, _| Reply::fhir(EMPTY_BUNDLE));
    let pds_base = format!("http://{}/pds/FHIR/R4", pds.addr);
    let r = Cpis::new().run(&[
        "--base-url",
        &cpis_server.base_url(),
        "--pds-base-url",
        &pds_base,
        "lookup",
        "9434765919",
        "--scheduled",
        "--json",
    ]);
    r.assert_code(0);
    assert_eq!(r.json()["patient"]["name"], "Ada LOVELACE");
    let seen = pds.requests();
    assert_eq!(seen.len(), 2);
    for s in &seen {
        assert_eq!(s.target, "/pds/FHIR/R4/Patient/9434765919");
        assert_eq!(s.header("accept"), Some("application/fhir+json"));
        assert_eq!(s.header("authorization"), Some("Bearer cpis-test-token"));
        assert!(s.header("x-correlation-id").is_some());
        assert!(s.header("isunscheduledaccessevent").is_none());
    }
    assert_eq!(
        seen[0].header("x-request-id"),
        seen[1].header("x-request-id")
    );
    assert!(uuid::Uuid::parse_str(seen[0].header("x-request-id").unwrap()).is_ok());

    // PDS unreachable: the lookup fails as any unreachable service does, unless --no-pds.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let dead_base = format!("http://{dead}/pds/FHIR/R4");
    let args = |extra: &'static str| {
        vec![
            "--base-url".to_string(),
            cpis_server.base_url(),
            "--pds-base-url".to_string(),
            dead_base.clone(),
            "lookup".to_string(),
            "9434765919".to_string(),
            "--scheduled".to_string(),
            extra.to_string(),
        ]
    };
    let cpis = Cpis::new();
    let a = args("--quiet");
    cpis.run(&a.iter().map(String::as_str).collect::<Vec<_>>())
        .assert_code(6)
        .assert_stderr_has(&["PDS patient retrieval"]);
    let a = args("--no-pds");
    cpis.run(&a.iter().map(String::as_str).collect::<Vec<_>>())
        .assert_code(0);
}

#[test]
fn a_dob_that_does_not_exist_is_refused_before_anything_is_sent() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    for dob in ["2026-02-30", "2026-04-31", "2026-02-29"] {
        for setting in ["--unscheduled", "--scheduled"] {
            cpis.run(&[
                "--base-url",
                &sb.base_url,
                "lookup",
                "9990000026",
                setting,
                "--dob",
                dob,
            ])
            .assert_code(2)
            .assert_stderr_has(&[
                &format!("--dob \"{dob}\" is not a date"),
                "nothing was sent",
            ]);
        }
    }
    assert!(events(&sb).is_empty(), "{:?}", events(&sb));
    // A batch's dob column the same: the row is invalid before any request about it.
    let r = cpis.run_stdin(
        &[
            "--base-url",
            &sb.base_url,
            "batch",
            "-",
            "--column",
            "nhs_number",
            "--scheduled",
        ],
        &[],
        "nhs_number,dob\n9990000026,2019-02-29\n",
    );
    r.assert_code(3);
    let v: Value = serde_json::from_str(r.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(v["status"], "invalid", "{v}");
    assert!(v["message"].as_str().unwrap().contains("dob column"), "{v}");
    assert!(events(&sb).is_empty(), "{:?}", events(&sb));
}
