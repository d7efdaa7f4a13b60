//! The real binary against the embedded sandbox (`--env local`, the default with nothing
//! configured): every synthetic patient, every fault case and its exit code.

use crate::common;
use common::*;

fn lookup_json(cpis: &Cpis, number: &str, care: &str) -> serde_json::Value {
    let r = cpis.run(&["lookup", number, care, "--format", "json"]);
    r.assert_code(0);
    r.json()
}

#[test]
fn fresh_machine_main_job_prints_verdict_tables_and_environment() {
    let cpis = Cpis::new();
    let r = cpis.run(&["lookup", "9990000018", "--scheduled"]);
    r.assert_code(0);
    let out = &r.stdout;
    assert!(out.contains("NHS number 999 000 0018"), "{out}");
    assert!(out.contains("Environment:  local (embedded sandbox, synthetic data)"));
    assert!(out.contains("2023-09-07 17:36 UTC"), "{out}");
    assert!(out.contains("Care setting: scheduled (silent read"));
    assert!(out.contains("NO ACTIVE PLAN: CP-IS holds 1 plan"), "{out}");
    assert!(out.contains("Child protection plan"));
    assert!(out.contains("Islington Local Authority"));
    assert!(out.contains("0207527200") && out.contains("0734577777"));
    assert!(out.contains("Mrs Paula PALMER"));
    assert!(out.contains("Midwifery sister"));
    assert!(out.contains("Trace IDs: "));
    assert!(!out.contains('\x1b'), "no colour when not a terminal");
}

#[test]
fn json_document_has_the_documented_fields() {
    let cpis = Cpis::new();
    let v = lookup_json(&cpis, "9990000026", "--scheduled");
    assert_eq!(v["nhs_number"], "9990000026");
    assert_eq!(v["environment"], "local");
    assert_eq!(v["care_setting"], "scheduled");
    assert_eq!(v["has_plan"], true);
    assert_eq!(v["has_active_plan"], true);
    let p = &v["plans"][0];
    assert_eq!(p["type"], "child-protection-plan");
    assert_eq!(p["code"], "342191000000101");
    assert_eq!(p["start"], "2025-03-14");
    assert!(p["end"].is_null());
    assert_eq!(p["active"], true);
    assert_eq!(p["local_authority"], "London Borough of Camden (Sandbox)");
    assert_eq!(p["office_hours_phone"], "02079740000");
    assert_eq!(p["emergency_duty_phone"], "02079744000");
    let a = &v["access_history"][0];
    for k in [
        "recorded",
        "accessor_kind",
        "name",
        "role",
        "organisation",
        "role_profile_id",
    ] {
        assert!(a.get(k).is_some(), "access_history[0].{k} missing");
    }
    assert_eq!(a["accessor_kind"], "person");
    let ids = &v["trace_ids"];
    let ct = ids["care_team"][0].as_str().unwrap();
    let ae = ids["audit_event"][0].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(ct).is_ok() && uuid::Uuid::parse_str(ae).is_ok());
    assert_ne!(ct, ae, "each request has its own trace id");
}

#[test]
fn plan_kinds_several_ended_and_none() {
    let cpis = Cpis::new();
    let lac = lookup_json(&cpis, "9990000034", "--scheduled");
    assert_eq!(lac["plans"][0]["type"], "looked-after-child");

    let ucpp = lookup_json(&cpis, "9990000042", "--scheduled");
    assert_eq!(ucpp["plans"][0]["type"], "unborn-child-protection-plan");

    let several = lookup_json(&cpis, "9990000050", "--scheduled");
    let plans = several["plans"].as_array().unwrap();
    assert_eq!(plans.len(), 3);
    assert_eq!(plans.iter().filter(|p| p["active"] == true).count(), 2);

    let ended = lookup_json(&cpis, "9990000069", "--scheduled");
    assert_eq!(ended["has_plan"], true);
    assert_eq!(ended["has_active_plan"], false);
    assert_eq!(ended["plans"][0]["end"], "2024-08-31");
    let t = cpis.run(&["lookup", "9990000069", "--scheduled"]);
    assert!(t.stdout.contains("NO ACTIVE PLAN"), "{}", t.stdout);
    assert!(t.stdout.contains("| ended "), "{}", t.stdout);

    let none = lookup_json(&cpis, "9990000077", "--scheduled");
    assert_eq!(none["has_plan"], false);
    assert_eq!(none["plans"].as_array().unwrap().len(), 0);
    let t = cpis.run(&["lookup", "9990000077", "--scheduled"]);
    t.assert_code(0);
    assert!(t.stdout.contains("NO PLAN ON CP-IS"), "{}", t.stdout);
}

#[test]
fn access_history_is_capped_at_25_and_systems_are_shown() {
    let cpis = Cpis::new();
    let many = lookup_json(&cpis, "9990000085", "--scheduled");
    let h = many["access_history"].as_array().unwrap();
    assert_eq!(h.len(), 25);
    assert_eq!(h[0]["name"], "Dr Test CLINICIAN01");

    let sys = lookup_json(&cpis, "9990000093", "--scheduled");
    let h = sys["access_history"].as_array().unwrap();
    assert_eq!(h[0]["accessor_kind"], "system");
    assert!(h[0]["name"]
        .as_str()
        .unwrap()
        .contains("Urgent care triage system"));
    assert_eq!(h[1]["accessor_kind"], "person");
    let t = cpis.run(&["lookup", "9990000093", "--scheduled"]);
    assert!(t.stdout.contains("[system]"), "{}", t.stdout);
}

#[test]
fn unscheduled_lookup_records_the_caller_and_says_so() {
    let cpis = Cpis::new();
    let r = cpis.run(&["lookup", "9990000034", "--unscheduled", "--yes", "--json"]);
    r.assert_code(0);
    let v = r.json();
    assert_eq!(v["care_setting"], "unscheduled");
    assert_eq!(v["access_history"][0]["name"], "Dr Alex SANDBOX");
    r.assert_stderr_has(&["local authority is notified"]);
}

#[test]
fn csv_has_one_row_per_plan_and_raw_is_unchanged() {
    let cpis = Cpis::new();
    let r = cpis.run(&["lookup", "9990000050", "--scheduled", "--format", "csv"]);
    r.assert_code(0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "nhs_number,environment,care_setting,type,code,start,end,active,local_authority,office_hours_phone,emergency_duty_phone,patient_name,birth_date,pds_status,route"
    );
    assert_eq!(lines.len(), 4);
    assert!(lines[1].starts_with(
        "9990000050,local,scheduled,child-protection-plan,342191000000101,2025-01-20,,true,"
    ));

    let none = cpis.run(&["lookup", "9990000077", "--scheduled", "--format", "csv"]);
    assert_eq!(none.stdout.lines().count(), 1);

    let raw = cpis.run(&["lookup", "9990000018", "--scheduled", "--raw"]);
    raw.assert_code(0);
    let expected = String::from_utf8(fixture("fhir-careteam-searchset-found.json"))
        .unwrap()
        .replace("9912003890", "9990000018");
    assert!(raw.stdout.starts_with(&expected), "{}", raw.stdout);
    assert!(raw.stdout.contains("\"resourceType\": \"AuditEvent\""));
    raw.assert_stderr_has(&["environment local"]);
}

#[test]
fn official_example_needs_no_validate() {
    let cpis = Cpis::new();
    let r = cpis.run(&["lookup", "9912003890", "--scheduled"]);
    r.assert_code(2);
    r.assert_stderr_has(&["Modulus 11"]);
    let r = cpis.run(&[
        "lookup",
        "9912003890",
        "--scheduled",
        "--no-validate",
        "--json",
    ]);
    r.assert_code(0);
    let expected = serde_json::json!("Islington Local Authority");
    assert_eq!(r.json()["plans"][0]["local_authority"], expected);
}

#[test]
fn number_spellings_and_groups() {
    let cpis = Cpis::new();
    for args in [
        vec!["lookup", "999", "000", "0026", "--scheduled", "--json"],
        vec!["lookup", "999 000 0026", "--scheduled", "--json"],
        vec!["lookup", "999-000-0026", "--scheduled", "--json"],
    ] {
        let r = cpis.run(&args);
        r.assert_code(0);
        assert_eq!(r.json()["nhs_number"], "9990000026");
    }
    let r = cpis.run(&["lookup", "999", "000", "00", "26", "--scheduled"]);
    r.assert_code(2);
}

#[test]
fn unknown_numbers_are_never_no_plan() {
    let cpis = Cpis::new();
    // 943 476 5919 is valid but not one of the sandbox's synthetic patients.
    let r = cpis.run(&["lookup", "9434765919", "--scheduled"]);
    r.assert_code(2);
    // PDS answers first: not a synthetic patient (never "not on PDS": it may be a real
    // child's number, which the sandbox knows nothing about).
    r.assert_stderr_has(&["not one of the sandbox's synthetic patients"]);
    assert!(!r.stderr.contains("not on PDS"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    // Without PDS, CP-IS itself refuses rather than saying "no plan".
    let r = cpis.run(&["lookup", "9434765919", "--scheduled", "--no-pds"]);
    r.assert_code(2);
    r.assert_stderr_has(&["not a synthetic patient"]);
    assert!(r.stdout.is_empty());
    // A number failing Modulus 11 sent with --no-validate: the sandbox says INVALID_SEARCH_DATA.
    // PDS, asked first, refuses it as PDS does (INVALID_RESOURCE_ID).
    let r = cpis.run(&["lookup", "9000000000", "--scheduled", "--no-validate"]);
    r.assert_code(2);
    r.assert_stderr_has(&["not a valid NHS number"]);
    let r = cpis.run(&[
        "lookup",
        "9000000000",
        "--scheduled",
        "--no-validate",
        "--no-pds",
    ]);
    r.assert_code(2);
    r.assert_stderr_has(&["INVALID_SEARCH_DATA"]);
}

#[test]
fn fault_401_exits_4() {
    let r = Cpis::new().run(&["lookup", "9990000107", "--scheduled"]);
    r.assert_code(4);
    r.assert_stderr_has(&["HTTP 401", "trace id "]);
}

#[test]
fn fault_403_exits_5_with_spine_code() {
    let r = Cpis::new().run(&["lookup", "9990000115", "--scheduled"]);
    r.assert_code(5);
    r.assert_stderr_has(&["ACCESS_DENIED"]);
    assert!(
        r.stderr
            .contains("Access has been denied to process this request"),
        "{}",
        r.stderr
    );
}

#[test]
fn fault_429_then_success_after_retry_after() {
    let r = Cpis::new().run(&["lookup", "9990000123", "--scheduled", "--json"]);
    r.assert_code(0);
    assert_eq!(r.json()["has_plan"], true);
    r.assert_stderr_has(&["HTTP 429, retrying in 1.0 s"]);
}

#[test]
fn fault_503_then_success() {
    let r = Cpis::new().run(&["lookup", "9990000131", "--scheduled", "--json"]);
    r.assert_code(0);
    assert_eq!(r.json()["plans"][0]["type"], "looked-after-child");
    r.assert_stderr_has(&["HTTP 503"]);
    let q = Cpis::new().run(&["lookup", "9990000131", "--scheduled", "--json", "--quiet"]);
    q.assert_code(0);
    assert!(q.stderr.is_empty(), "--quiet: {}", q.stderr);
}

#[test]
fn fault_slow_times_out_with_exit_6_and_succeeds_with_time() {
    let cpis = Cpis::new();
    let r = cpis.run(&["lookup", "9990000158", "--scheduled", "--timeout", "1"]);
    r.assert_code(6);
    r.assert_stderr_has(&["within 1 s"]);
    let r = cpis.run(&["lookup", "9990000158", "--scheduled", "--json"]);
    r.assert_code(0);
}

#[test]
fn fault_malformed_body_exits_7() {
    let r = Cpis::new().run(&["lookup", "9990000166", "--scheduled"]);
    r.assert_code(7);
    r.assert_stderr_has(&["could not read the reply"]);
}

#[test]
fn fault_html_proxy_page_exits_7_with_proxy_hint() {
    let r = Cpis::new().run(&["lookup", "9990000174", "--scheduled"]);
    r.assert_code(7);
    r.assert_stderr_has(&["HTML page", "Web page blocked", "proxy"]);
}

#[test]
fn invalid_input_never_reaches_the_network() {
    // A base URL that records any request: nothing may arrive.
    let server = Scripted::start(|_, _| Reply::fhir(EMPTY_BUNDLE));
    let cpis = Cpis::new();
    let base = server.base_url();
    let r = cpis.run(&["--base-url", &base, "lookup", "9434765918", "--scheduled"]);
    r.assert_code(2);
    r.assert_stderr_has(&["check digit"]);
    let r = cpis.run(&["--base-url", &base, "lookup", "94347659", "--scheduled"]);
    r.assert_code(2);
    r.assert_stderr_has(&["10 digits"]);
    let r = cpis.run(&["--base-url", &base, "lookup", "9434765919"]);
    r.assert_code(2);
    r.assert_stderr_has(&["--scheduled", "--unscheduled", "notified"]);
    let r = cpis.run(&[
        "--base-url",
        &base,
        "lookup",
        "9434765919",
        "--scheduled",
        "--unscheduled",
        "--yes",
    ]);
    r.assert_code(2);
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[test]
fn sandbox_patients_lists_every_case() {
    let r = Cpis::new().run(&["sandbox", "patients", "--format", "json"]);
    r.assert_code(0);
    let v = r.json();
    let list = v.as_array().unwrap();
    assert!(list.len() >= 16);
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    for p in list {
        let n = p["nhs_number"].as_str().unwrap();
        let spaced = format!("{} {} {}", &n[..3], &n[3..6], &n[6..]);
        let row = format!("| {spaced} | {} |", p["shows"].as_str().unwrap());
        assert!(readme.contains(&row), "README lacks the sandbox row: {row}");
    }
    let t = Cpis::new().run(&["sandbox", "patients"]);
    assert!(t.stdout.contains("9990000085"));
}

#[test]
fn the_nhs_number_can_come_on_stdin() {
    let cpis = Cpis::new();
    for input in ["9990000018\n", "  999 000 0018  \r\n", "999-000-0018"] {
        let r = cpis.run_stdin(&["lookup", "-", "--scheduled", "--json"], &[], input);
        r.assert_code(0);
        assert_eq!(r.json()["nhs_number"], "9990000018", "{input:?}");
    }
    // The same validation as an argument, --no-validate included.
    cpis.run_stdin(&["lookup", "-", "--scheduled"], &[], "9990000017\n")
        .assert_code(2)
        .assert_stderr_has(&["invalid NHS number", "--no-validate"]);
    let r = cpis.run_stdin(
        &["lookup", "-", "--scheduled", "--no-validate", "--json"],
        &[],
        "9912003890\n",
    );
    assert_eq!(r.json()["nhs_number"], "9912003890", "{}", r.stderr);
    // Nothing, more than one line, or `-` beside other arguments: refused.
    cpis.run_stdin(&["lookup", "-", "--scheduled"], &[], "\n")
        .assert_code(2)
        .assert_stderr_has(&["standard input is empty"]);
    cpis.run_stdin(
        &["lookup", "-", "--scheduled"],
        &[],
        "9990000018\n9990000026\n",
    )
    .assert_code(2)
    .assert_stderr_has(&["more than one line"]);
    cpis.run_stdin(&["lookup", "999", "-", "--scheduled"], &[], "")
        .assert_code(2)
        .assert_stderr_has(&["must be the only NHS_NUMBER argument"]);
}

#[test]
fn an_unscheduled_lookup_with_the_number_on_stdin_needs_yes_or_dob() {
    let cpis = Cpis::new();
    let r = cpis.run_stdin(&["lookup", "-", "--unscheduled"], &[], "9990000034\n");
    r.assert_code(2).assert_stderr_has(&[
        "standard input holds the NHS number",
        "cannot also answer the confirmation question",
        "--dob",
        "--yes",
        "nothing was sent",
    ]);
    assert!(r.stdout.is_empty());
    let r = cpis.run_stdin(
        &["lookup", "-", "--unscheduled", "--yes", "--json"],
        &[],
        "9990000034\n",
    );
    r.assert_code(0);
    assert_eq!(r.json()["care_setting"], "unscheduled");
}
