//! `cpis batch` through the binary: against the embedded sandbox, `cpis sandbox serve` and a
//! scripted server that counts requests.

mod common;
use common::*;

use serde_json::Value;

fn records(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// The result records by line, and the summary.
fn split(text: &str) -> (Vec<Value>, Value) {
    let mut all = records(text);
    let summary = all.pop().expect("a summary");
    assert_eq!(summary["type"], "summary", "{summary}");
    let mut results = all;
    assert!(results.iter().all(|r| r["type"] == "result"));
    results.sort_by_key(|r| r["line"].as_u64().unwrap());
    (results, summary)
}

fn status_of(results: &[Value]) -> Vec<(u64, String)> {
    results
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `cpis --base-url BASE batch - ARGS...` with `input` on standard input.
fn batch_stdin(cpis: &Cpis, base: &str, args: &[&str], input: &str) -> Run {
    let mut all = vec!["--base-url", base, "batch", "-"];
    all.extend_from_slice(args);
    cpis.run_stdin(&all, &[], input)
}

#[test]
fn invalid_and_duplicate_rows_are_records_and_the_run_goes_on() {
    let cpis = Cpis::new();
    let input =
        "# clinic list\n9990000018\n\n12\n999 000 0077\n999-000-0018\n9990000026\n9434765918\n";
    let r = cpis.run_stdin(&["batch", "-", "--scheduled", "--rate", "100"], &[], input);
    r.assert_code(3);
    let (results, summary) = split(&r.stdout);
    assert_eq!(
        status_of(&results),
        vec![
            (2, "plan".into()),
            (4, "invalid".into()),
            (5, "no-plan".into()),
            (6, "duplicate".into()),
            (7, "plan".into()),
            (8, "invalid".into()),
        ]
    );
    let dup = &results[3];
    assert_eq!(dup["duplicate_of"], 2);
    assert_eq!(dup["nhs_number"], "9990000018");
    assert_eq!(results[1]["nhs_number"], "12");
    assert!(results[5]["message"]
        .as_str()
        .unwrap()
        .contains("Modulus 11"));
    // Plans and access history in lookup's JSON shape.
    let p = &results[4]["plans"][0];
    assert_eq!(p["type"], "child-protection-plan");
    assert_eq!(p["local_authority"], "London Borough of Camden (Sandbox)");
    assert_eq!(results[4]["access_history"].as_array().unwrap().len(), 2);
    assert_eq!(results[0]["access_history"][0]["name"], "Mrs Paula PALMER");
    for (k, n) in [
        ("plan", 2),
        ("no-plan", 1),
        ("invalid", 2),
        ("duplicate", 1),
        ("error", 0),
        ("in-doubt", 0),
        ("rows", 6),
    ] {
        assert_eq!(summary[k], n, "{k}: {summary}");
    }
    // Two numbers with a plan (two searches each), one without (one search).
    assert_eq!(summary["requests"], 5);
    r.assert_stderr_has(&["6 rows: 2 plan, 1 no-plan, 2 invalid, 1 duplicate"]);
}

#[test]
fn every_valid_row_exits_0() {
    let cpis = Cpis::new();
    let r = cpis.run_stdin(
        &["batch", "-", "--unscheduled", "--rate", "100"],
        &[],
        "9990000018\n9990000077\n9990000077\n",
    );
    r.assert_code(0);
    let (results, summary) = split(&r.stdout);
    assert_eq!(results.len(), 3);
    assert_eq!(summary["duplicate"], 1);
}

#[test]
fn care_setting_is_required_before_anything() {
    let server = Scripted::start(|_, _| Reply::fhir(EMPTY_BUNDLE));
    let cpis = Cpis::new();
    let r = cpis.run_stdin(
        &["--base-url", &server.base_url(), "batch", "-"],
        &[],
        "9990000077\n",
    );
    r.assert_code(2)
        .assert_stderr_has(&["--scheduled or --unscheduled"]);
    assert!(r.stdout.is_empty());
    assert!(server.requests().is_empty());
}

#[test]
fn an_endpoint_without_a_credential_exits_4_before_anything_is_sent() {
    let server = Scripted::start(|_, _| Reply::fhir(EMPTY_BUNDLE));
    let cpis = Cpis::signed_out();
    let r = batch_stdin(&cpis, &server.base_url(), &["--scheduled"], "9990000077\n");
    r.assert_code(4);
    assert!(server.requests().is_empty());
}

#[test]
fn a_number_without_a_plan_costs_one_request() {
    let server = Scripted::start(|_, _| Reply::fhir(EMPTY_BUNDLE));
    let cpis = Cpis::new();
    let numbers = [
        "9990000077",
        "9434765919",
        "9990000018",
        "9990000026",
        "9990000034",
    ];
    let r = batch_stdin(
        &cpis,
        &server.base_url(),
        &["--scheduled", "--rate", "200", "--concurrency", "3"],
        &numbers.join("\n"),
    );
    r.assert_code(0);
    let (results, summary) = split(&r.stdout);
    assert!(results.iter().all(|r| r["status"] == "no-plan"));
    assert_eq!(summary["requests"], 5);
    assert_eq!(summary["requests_per_number"], 1.0);
    let seen = server.requests();
    assert_eq!(seen.len(), 5);
    assert!(seen.iter().all(|s| s.target.contains("/CareTeam?")));
    assert!(seen
        .iter()
        .all(|s| s.header("isunscheduledaccessevent") == Some("false")));
}

#[test]
fn csv_input_by_column_with_quoting_bom_and_crlf() {
    let cpis = Cpis::new();
    let dir = private_tempdir();
    let list = dir.path().join("clinic.csv");
    std::fs::write(
        &list,
        b"\xEF\xBB\xBFname,\"nhs_number\",ward\r\n\"JONES, Melanie\",999 000 0018,A\r\n\"EVANS,\r\nJack\",\"999-000-0077\",B\r\nX,not a number,C\r\n",
    )
    .unwrap();
    let r = cpis.run(&[
        "batch",
        list.to_str().unwrap(),
        "--column",
        "nhs_number",
        "--scheduled",
        "--rate",
        "100",
    ]);
    r.assert_code(3);
    let (results, _) = split(&r.stdout);
    assert_eq!(
        status_of(&results),
        vec![
            (2, "plan".into()),
            (3, "no-plan".into()),
            (5, "invalid".into())
        ]
    );
    assert_eq!(results[1]["nhs_number"], "9990000077");

    let r = cpis.run(&[
        "batch",
        list.to_str().unwrap(),
        "--column",
        "nhs",
        "--scheduled",
    ]);
    r.assert_code(2)
        .assert_stderr_has(&["no column \"nhs\"", "name, nhs_number, ward"]);
}

#[test]
fn service_errors_are_error_records_with_their_trace() {
    let cpis = Cpis::new();
    let r = cpis.run_stdin(
        &["batch", "-", "--scheduled", "--rate", "100"],
        &[],
        "9990000115\n9990000077\n",
    );
    r.assert_code(3);
    let (results, summary) = split(&r.stdout);
    let e = &results[0];
    assert_eq!(e["status"], "error");
    assert_eq!(e["exit_code"], 5);
    assert_eq!(e["exit_class"], "access-denied");
    assert_eq!(e["http_status"], 403);
    assert_eq!(e["code"], "ACCESS_DENIED");
    assert!(e["trace_id"].as_str().unwrap().len() == 36, "{e}");
    assert_eq!(results[1]["status"], "no-plan");
    assert_eq!(summary["error"], 1);
}

#[test]
fn a_429_is_waited_out_and_counted() {
    let cpis = Cpis::new();
    let r = cpis.run_stdin(
        &["batch", "-", "--scheduled", "--rate", "100"],
        &[],
        "9990000123\n",
    );
    r.assert_code(0);
    let (results, summary) = split(&r.stdout);
    assert_eq!(results[0]["status"], "plan");
    // CareTeam and AuditEvent each answered 429 once, then succeeded.
    assert_eq!(summary["rate_limited"], 2);
    assert_eq!(summary["requests"], 4);
}

#[test]
fn output_file_is_new_and_private_and_csv_has_the_documented_columns() {
    let cpis = Cpis::new();
    let dir = private_tempdir();
    let out = dir.path().join("results.csv");
    let r = cpis.run_stdin(
        &[
            "batch",
            "-",
            "--scheduled",
            "--format",
            "csv",
            "--output",
            out.to_str().unwrap(),
            "--rate",
            "100",
        ],
        &[],
        "9990000026\nbad\n",
    );
    r.assert_code(3);
    assert!(r.stdout.is_empty());
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.remove(0),
        "line,nhs_number,status,plans,active_plans,local_authorities,accesses,duplicate_of,exit_code,http_status,code,message,trace_id,patient_name,birth_date,pds_status"
    );
    lines.sort();
    assert!(
        lines[0].starts_with("1,9990000026,plan,1,1,London Borough of Camden (Sandbox),2,"),
        "{text}"
    );
    assert!(lines[1].starts_with("2,bad,invalid,0,0,,0,"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // Never replaced.
    let again = cpis.run_stdin(
        &[
            "batch",
            "-",
            "--scheduled",
            "--output",
            out.to_str().unwrap(),
        ],
        &[],
        "9990000026\n",
    );
    again.assert_code(2);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
}

/// `count` valid numbers of the sandbox's "no record" block, from 999 010 0000.
fn no_record_numbers(count: usize) -> Vec<String> {
    (9_990_100_000u64..)
        .map(|n| n.to_string())
        .filter(|s| cpis::nhs_number::NhsNumber::parse(s).is_ok())
        .take(count)
        .collect()
}

fn unscheduled_searches(sb: &SandboxProc, nhs: &str) -> u64 {
    let (status, body) = raw_get(sb.addr(), &format!("/_sandbox/queries?nhs={nhs}"), &[]);
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    v["unscheduled_searches"].as_u64().unwrap()
}

#[test]
fn a_resumed_run_skips_done_rows_and_refuses_another_care_setting() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let dir = private_tempdir();
    let list = dir.path().join("list.txt");
    let numbers = no_record_numbers(5);
    std::fs::write(&list, numbers.join("\n")).unwrap();
    let out = dir.path().join("out.jsonl");
    let run = |care: &str| {
        cpis.run(&[
            "--base-url",
            &sb.base_url,
            "batch",
            list.to_str().unwrap(),
            care,
            "--output",
            out.to_str().unwrap(),
            "--rate",
            "100",
        ])
    };
    run("--unscheduled").assert_code(0);
    let first = std::fs::read_to_string(&out).unwrap();
    let state = dir.path().join("out.jsonl.state");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&state).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    run("--scheduled")
        .assert_code(2)
        .assert_stderr_has(&["care setting is unscheduled, this run's is scheduled"]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), first);

    let again = run("--unscheduled");
    again.assert_code(0);
    let text = std::fs::read_to_string(&out).unwrap();
    let added = records(&text[first.len()..]);
    assert_eq!(added.len(), 1, "only a summary: {text}");
    assert_eq!(added[0]["already_done"], 5);
    assert_eq!(added[0]["requests"], 0);
    for n in &numbers {
        assert_eq!(unscheduled_searches(&sb, n), 1, "{n}");
    }

    // Another input under the same output and state is another run.
    std::fs::write(&list, numbers[..2].join("\n")).unwrap();
    run("--unscheduled")
        .assert_code(2)
        .assert_stderr_has(&["input file (content hash)"]);
}

/// An unscheduled batch of 300 no-record numbers against a slow sandbox: long enough to be
/// interrupted part way.
struct LongRun {
    sb: SandboxProc,
    cpis: Cpis,
    _dir: tempfile::TempDir,
    out: std::path::PathBuf,
    numbers: Vec<String>,
    args: Vec<String>,
}

impl LongRun {
    fn new() -> Self {
        let sb = SandboxProc::start(&["--delay-ms", "20"]);
        let dir = private_tempdir();
        let list = dir.path().join("list.txt");
        let numbers = no_record_numbers(300);
        std::fs::write(&list, numbers.join("\n")).unwrap();
        let out = dir.path().join("out.jsonl");
        let args = [
            "--base-url",
            &sb.base_url,
            "batch",
            list.to_str().unwrap(),
            "--unscheduled",
            "--output",
            out.to_str().unwrap(),
            "--rate",
            "100",
            "--concurrency",
            "4",
            "--no-progress",
        ]
        .map(String::from)
        .to_vec();
        LongRun {
            sb,
            cpis: Cpis::new(),
            _dir: dir,
            out,
            numbers,
            args,
        }
    }

    fn args(&self) -> Vec<&str> {
        self.args.iter().map(String::as_str).collect()
    }

    fn spawn(&self, stderr: std::process::Stdio) -> std::process::Child {
        self.cpis
            .cmd()
            .args(&self.args)
            .stdout(std::process::Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap()
    }

    /// Wait (polling the output, at most 120 s) until it holds `n` records; false when the
    /// batch ended first.
    fn wait_for_records(&self, child: &mut std::process::Child, n: usize) -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        loop {
            let lines = std::fs::read_to_string(&self.out)
                .map(|t| t.lines().count())
                .unwrap_or(0);
            if lines >= n {
                return true;
            }
            if child.try_wait().unwrap().is_some() {
                return false;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no records after 120 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

#[test]
fn kill_9_mid_unscheduled_run_then_resume_queries_no_number_twice() {
    let run = LongRun::new();
    let (sb, cpis, out) = (&run.sb, &run.cpis, &run.out);
    let mut child = run.spawn(std::process::Stdio::null());
    // Wait until some records are out, then kill -9 mid-run.
    assert!(
        run.wait_for_records(&mut child, 20),
        "the batch ended before it could be killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let before = std::fs::read_to_string(out).unwrap();
    assert!(
        !before.contains("\"type\":\"summary\""),
        "the run finished before the kill"
    );

    let r = cpis.run(&run.args());
    let text = std::fs::read_to_string(out).unwrap();
    let all = records(&text);
    let summary = all.last().unwrap();
    assert_eq!(summary["type"], "summary");
    let results: Vec<&Value> = all.iter().filter(|v| v["type"] == "result").collect();
    let mut lines: Vec<u64> = results
        .iter()
        .map(|v| v["line"].as_u64().unwrap())
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        (1..=300).collect::<Vec<u64>>(),
        "every row exactly one record"
    );
    let in_doubt = results.iter().filter(|v| v["status"] == "in-doubt").count();
    r.assert_code(if in_doubt > 0 { 3 } else { 0 });
    for v in &results {
        let nhs = v["nhs_number"].as_str().unwrap();
        let seen = unscheduled_searches(sb, nhs);
        match v["status"].as_str().unwrap() {
            "no-plan" => assert_eq!(seen, 1, "{nhs}"),
            "in-doubt" => assert!(seen <= 1, "{nhs}: {seen}"),
            other => panic!("{nhs}: {other}"),
        }
    }
}

#[test]
fn a_rate_limited_sandbox_slows_the_batch_down_without_failing_rows() {
    let sb = SandboxProc::start(&["--rate-limit", "2"]);
    let cpis = Cpis::new();
    let numbers = no_record_numbers(8);
    // One request in flight: after a 429 the next waits out Retry-After, so it lands in a new
    // one-second window and succeeds.
    let r = batch_stdin(
        &cpis,
        &sb.base_url,
        &["--scheduled", "--rate", "50", "--concurrency", "1"],
        &numbers.join("\n"),
    );
    r.assert_code(0);
    let (results, summary) = split(&r.stdout);
    assert!(results.iter().all(|v| v["status"] == "no-plan"));
    let limited = summary["rate_limited"].as_u64().unwrap();
    assert!(limited >= 1, "{summary}");
    assert_eq!(summary["requests"].as_u64().unwrap(), 8 + limited);

    // The platform's body and Retry-After, for any client.
    let mut last = (0, String::new());
    for _ in 0..5 {
        last = raw_get(
            sb.addr(),
            "/cpis/FHIR/R4/CareTeam?patient:identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9990000077",
            &[
                ("TraceID", "5f0e6a4c-4a8e-4a3b-9a53-0d0c1c2b3a4d"),
                ("X-Request-ID", "5f0e6a4c-4a8e-4a3b-9a53-0d0c1c2b3a4d"),
                ("IsUnscheduledAccessEvent", "false"),
            ],
        );
        if last.0 == 429 {
            break;
        }
    }
    assert_eq!(last.0, 429, "{}", last.1);
    let v: Value = serde_json::from_str(&last.1).unwrap();
    assert_eq!(v["policy"], "spikearrest");
    assert!(v["message"]
        .as_str()
        .unwrap()
        .contains("has exceeded its quota of 2 requests per second"));
    assert!(v["message_id"].is_string());
}

#[cfg(unix)]
#[test]
fn ctrl_c_finishes_requests_in_flight_exits_130_and_the_rerun_completes() {
    let run = LongRun::new();
    let (sb, cpis, out, numbers) = (&run.sb, &run.cpis, &run.out, &run.numbers);
    let mut child = run.spawn(std::process::Stdio::piped());
    // (A batch that finished first is handled below.)
    run.wait_for_records(&mut child, 10);
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let o = child.wait_with_output().unwrap();
    let first = std::fs::read_to_string(out).unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    if first.contains("\"rows\":300") && !stderr.contains("interrupted") {
        // Finished before the signal arrived: nothing to resume.
        return;
    }
    assert_eq!(o.status.code(), Some(130), "{stderr}");
    let summary = records(&first).pop().unwrap();
    assert_eq!(
        summary["type"], "summary",
        "a summary even when interrupted"
    );
    // Every request that went out was answered and recorded: nothing is in doubt.
    let r = cpis.run(&run.args());
    r.assert_code(0);
    let all = records(&std::fs::read_to_string(out).unwrap());
    let mut lines: Vec<u64> = all
        .iter()
        .filter(|v| v["type"] == "result")
        .map(|v| {
            assert_eq!(v["status"], "no-plan", "{v}");
            v["line"].as_u64().unwrap()
        })
        .collect();
    lines.sort();
    assert_eq!(lines, (1..=300).collect::<Vec<u64>>());
    for n in numbers {
        assert_eq!(unscheduled_searches(sb, n), 1, "{n}");
    }
}

#[test]
fn a_token_refused_mid_run_is_renewed_once_and_no_row_fails() {
    // Each access token is good for three searches; the system identity gets a new one
    // without the user, and the refused request is sent again.
    let sb = SandboxProc::start(&["--require-auth", "--token-uses", "3"]);
    let cpis = Cpis::signed_out();
    let key = cpis.config_dir.path().join("app.pem");
    std::fs::write(&key, cpis::sandbox::app::PRIVATE_KEY_PEM).unwrap();
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
        cpis::sandbox::app::NOMINATED_PERSON,
        "--nominated-role",
        cpis::sandbox::app::NOMINATED_ROLE,
    ])
    .assert_code(0);
    let numbers = no_record_numbers(8);
    let r = batch_stdin(
        &cpis,
        &sb.base_url,
        // (PDS retrievals use the token too: left out here to count CP-IS's exactly.)
        &[
            "--scheduled",
            "--rate",
            "100",
            "--concurrency",
            "1",
            "--no-pds",
        ],
        &numbers.join("\n"),
    );
    r.assert_code(0)
        .assert_stderr_has(&["refused the access token (HTTP 401): getting a new one"]);
    let (results, summary) = split(&r.stdout);
    assert_eq!(results.len(), 8);
    assert!(
        results.iter().all(|v| v["status"] == "no-plan"),
        "{results:?}"
    );
    // Eight searches plus one refused attempt per used-up token: 3 + 1, 3 + 1, then 2.
    assert_eq!(summary["requests"], 10, "{summary}");
    assert_eq!(summary["requests_per_number"], 1.25);
    assert_eq!(summary["pds_requests"], 0);

    // With PDS (which also uses up tokens), every row still ends well.
    let others = no_record_numbers(16).split_off(8);
    let r = batch_stdin(
        &cpis,
        &sb.base_url,
        &["--scheduled", "--rate", "100", "--concurrency", "1"],
        &others.join("\n"),
    );
    r.assert_code(0);
    let (results, summary) = split(&r.stdout);
    assert!(
        results
            .iter()
            .all(|v| v["status"] == "no-plan" && v["pds_status"] == "verified"),
        "{results:?}"
    );
    assert!(summary["pds_requests"].as_u64().unwrap() >= 8, "{summary}");
}

#[test]
fn keep_order_writes_records_in_input_order() {
    let sb = SandboxProc::start(&["--delay-ms", "5"]);
    let cpis = Cpis::new();
    // Plans cost two requests, no-plan rows one, invalid and duplicate rows none: without
    // --keep-order they finish out of order.
    let mut input = Vec::new();
    for (i, n) in no_record_numbers(12).into_iter().enumerate() {
        if i % 3 == 0 {
            input.push("9990000026".to_string());
        }
        if i % 4 == 1 {
            input.push("12345".to_string());
        }
        input.push(n);
    }
    input.push("9990000077".to_string());
    let r = batch_stdin(
        &cpis,
        &sb.base_url,
        &[
            "--scheduled",
            "--rate",
            "200",
            "--concurrency",
            "8",
            "--keep-order",
        ],
        &input.join("\n"),
    );
    r.assert_code(3);
    let (results, summary) = split(&r.stdout);
    assert_eq!(results.len(), input.len());
    let lines: Vec<u64> = results
        .iter()
        .map(|v| v["line"].as_u64().unwrap())
        .collect();
    let expected: Vec<u64> = (1..=input.len() as u64).collect();
    assert_eq!(lines, expected);
    assert_eq!(summary["plan"], 1, "{summary}");
    assert_eq!(summary["duplicate"], 3, "{summary}");
}

#[test]
fn no_progress_bar_or_control_characters_when_stderr_is_not_a_terminal() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let r = batch_stdin(
        &cpis,
        &sb.base_url,
        &["--scheduled"],
        &no_record_numbers(3).join("\n"),
    );
    r.assert_code(0);
    assert!(
        !r.stderr.contains('\r') && !r.stderr.contains('\x1b'),
        "{:?}",
        r.stderr
    );
    assert!(!r.stderr.contains("rows "), "{}", r.stderr);
}
