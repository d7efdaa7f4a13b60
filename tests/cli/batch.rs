//! `cpis batch` through the binary: against the embedded sandbox, `cpis sandbox serve` and a
//! scripted server that counts requests.

use crate::common;
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
        &["batch", "-", "--unscheduled", "--yes", "--rate", "100"],
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
        "line,nhs_number,status,plans,active_plans,local_authorities,accesses,duplicate_of,exit_code,http_status,code,message,trace_id,patient_name,birth_date,pds_status,route"
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
            "--yes",
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

/// A resumed CSV run writes, from its state, the records its output lost (the process died
/// between keeping a row and writing it) or all of them when the output was moved away, as
/// the same CSV rows, and sends nothing again.
#[test]
fn a_resumed_csv_run_writes_the_rows_its_output_lost_from_the_state() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let dir = private_tempdir();
    let list = dir.path().join("list.txt");
    let mut numbers = vec!["9990000026".to_string()];
    numbers.extend(no_record_numbers(3));
    let input = format!("{}\nbad\n{}\n", numbers[0], numbers[1..].join("\n"));
    std::fs::write(&list, input).unwrap();
    let out = dir.path().join("out.csv");
    let run = || {
        cpis.run(&[
            "--base-url",
            &sb.base_url,
            "batch",
            list.to_str().unwrap(),
            "--unscheduled",
            "--yes",
            "--format",
            "csv",
            "--output",
            out.to_str().unwrap(),
            "--rate",
            "100",
        ])
    };
    let rows = |text: &str| -> (String, Vec<String>) {
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let header = lines.remove(0);
        lines.sort();
        (header, lines)
    };
    run().assert_code(3);
    // Each number's unscheduled searches (CareTeam, and AuditEvent where a plan was found).
    let searched = |sb: &SandboxProc| -> Vec<u64> {
        numbers
            .iter()
            .map(|n| unscheduled_searches(sb, n))
            .collect()
    };
    let sent = searched(&sb);
    assert_eq!(sent, [2, 1, 1, 1]);
    let (header, first) = rows(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(first.len(), 5, "{first:?}");
    assert!(
        first
            .iter()
            .any(|l| l.starts_with("1,9990000026,plan,1,1,London Borough of Camden (Sandbox),")),
        "{first:?}"
    );

    // The output lost every row but the invalid one (line 2).
    let kept: Vec<&String> = first.iter().filter(|l| l.starts_with("2,")).collect();
    std::fs::write(&out, format!("{header}\n{}\n", kept[0])).unwrap();
    run().assert_code(3);
    assert_eq!(
        rows(&std::fs::read_to_string(&out).unwrap()),
        (header.clone(), first.clone())
    );

    // The output moved away: every record is written again, under the header.
    std::fs::remove_file(&out).unwrap();
    run().assert_code(3);
    assert_eq!(
        rows(&std::fs::read_to_string(&out).unwrap()),
        (header, first)
    );
    assert_eq!(searched(&sb), sent, "nothing is sent again");
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
            "--yes",
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

/// A private directory with `list.txt` holding `numbers`, and the paths of an output and
/// its default state there.
struct Files {
    dir: tempfile::TempDir,
    list: std::path::PathBuf,
    out: std::path::PathBuf,
    state: std::path::PathBuf,
}

impl Files {
    fn new(list: &str) -> Self {
        let dir = private_tempdir();
        let path = dir.path().join("list.txt");
        std::fs::write(&path, list).unwrap();
        let out = dir.path().join("out.jsonl");
        let state = dir.path().join("out.jsonl.state");
        Files {
            dir,
            list: path,
            out,
            state,
        }
    }

    fn p(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }
}

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_second_run_on_the_same_state_or_output_exits_2_naming_the_first_and_sends_nothing() {
    // The server holds the first CP-IS request until released.
    let (got_tx, got_rx) = std::sync::mpsc::channel::<()>();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let got_tx = std::sync::Mutex::new(got_tx);
    let release_rx = std::sync::Mutex::new(release_rx);
    let server = Scripted::start(move |_, i| {
        if i == 0 {
            got_tx.lock().unwrap().send(()).unwrap();
            let _ = release_rx
                .lock()
                .unwrap()
                .recv_timeout(std::time::Duration::from_secs(60));
        }
        Reply::fhir(EMPTY_BUNDLE)
    });
    let cpis = Cpis::new();
    let f = Files::new("9990000077\n");
    let base = server.base_url();
    let args = |out: &str, state: &str| -> Vec<String> {
        [
            "--base-url",
            &base,
            "batch",
            s(&f.list),
            "--unscheduled",
            "--yes",
            "--output",
            out,
            "--state",
            state,
            "--concurrency",
            "1",
            "--rate",
            "100",
        ]
        .map(String::from)
        .to_vec()
    };
    let first_args = args(s(&f.out), s(&f.state));
    let first = cpis
        .cmd()
        .args(&first_args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    got_rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the first run's request");
    let connections = server.connection_count();
    let pid = format!("pid {}", first.id());
    // The same state and output; another state, the same output; the same state, another
    // output.
    let other_state = f.p("other.state");
    let other_out = f.p("other.jsonl");
    for (out, state, what) in [
        (&f.out, &f.state, "output"),
        (&f.out, &other_state, "output"),
        (&other_out, &f.state, "batch state"),
    ] {
        let a = args(s(out), s(state));
        let r = cpis.run(&a.iter().map(String::as_str).collect::<Vec<_>>());
        r.assert_code(2).assert_stderr_has(&[
            &format!("another batch run is using the {what}"),
            &pid,
            "started 20",
            "nothing was sent",
        ]);
        assert!(r.stdout.is_empty());
    }
    assert!(!other_out.exists(), "the second run wrote no output");
    assert_eq!(server.requests().len(), 1, "only the first run's request");
    assert_eq!(
        server.connection_count(),
        connections,
        "nothing sent, PDS included"
    );
    release_tx.send(()).unwrap();
    let o = first.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (results, _) = split(&std::fs::read_to_string(&f.out).unwrap());
    assert_eq!(status_of(&results), vec![(1, "no-plan".into())]);
    // Once it has ended, the same command resumes (the lock file held nothing).
    let a = args(s(&f.out), s(&f.state));
    cpis.run(&a.iter().map(String::as_str).collect::<Vec<_>>())
        .assert_code(0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let lock = f.p("out.jsonl.state.lock");
        let mode = std::fs::metadata(&lock).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn a_resume_that_differs_in_how_the_run_is_made_exits_2_naming_the_difference() {
    let server = Scripted::start(|_, _| Reply::fhir(EMPTY_BUNDLE));
    let elsewhere = Scripted::start(|_, _| Reply::fhir(EMPTY_BUNDLE));
    let cpis = Cpis::new();
    let f = Files::new("nhs_number,other\n9990000077,9990000018\n9990000034,9990000026\n");
    let run = |base: &str, extra: &[&str]| {
        let mut a = vec![
            "--base-url",
            base,
            "batch",
            s(&f.list),
            "--output",
            s(&f.out),
            "--rate",
            "100",
        ];
        a.extend_from_slice(extra);
        cpis.run(&a)
    };
    let base = server.base_url();
    let same = ["--scheduled", "--column", "nhs_number"];
    run(&base, &same).assert_code(0);
    let written = std::fs::read_to_string(&f.out).unwrap();
    let sent = server.connection_count();
    for (b, extra, says) in [
        (
            base.as_str(),
            &["--scheduled", "--column", "other"][..],
            "its --column is nhs_number, this run's is other",
        ),
        (
            &base,
            &["--scheduled", "--column", "nhs_number", "--format", "csv"],
            "its --format is jsonl, this run's is csv",
        ),
        (
            &base,
            &["--unscheduled", "--yes", "--column", "nhs_number"],
            "its care setting is scheduled, this run's is unscheduled",
        ),
        (
            &base,
            &["--scheduled", "--column", "nhs_number", "--no-pds"],
            "its PDS verification is on, this run's is off",
        ),
        (
            &elsewhere.base_url(),
            &same,
            &format!("its base URL is {base}"),
        ),
    ] {
        run(b, extra).assert_code(2).assert_stderr_has(&[
            "belongs to another run",
            says,
            "nothing was sent",
        ]);
        assert_eq!(std::fs::read_to_string(&f.out).unwrap(), written, "{says}");
    }
    assert_eq!(server.connection_count(), sent);
    assert_eq!(elsewhere.connection_count(), 0);
    // The same run resumes.
    run(&base, &same).assert_code(0);
}

#[cfg(unix)]
#[test]
fn a_state_or_output_that_is_not_ours_is_refused_before_anything_is_sent() {
    use std::os::unix::fs::PermissionsExt;
    let server = Scripted::start(|_, _| Reply::fhir(EMPTY_BUNDLE));
    let cpis = Cpis::new();
    let f = Files::new("9990000077\n");
    let run = || {
        cpis.run(&[
            "--base-url",
            &server.base_url(),
            "batch",
            s(&f.list),
            "--scheduled",
            "--output",
            s(&f.out),
        ])
    };
    run().assert_code(0);
    let sent = server.connection_count();
    let mode = |p: &std::path::Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
    };

    mode(&f.state, 0o644);
    run()
        .assert_code(2)
        .assert_stderr_has(&["batch state", "its mode is 0644, not 0600"]);
    mode(&f.state, 0o600);

    let link = f.p("elsewhere.state");
    std::fs::hard_link(&f.state, &link).unwrap();
    run()
        .assert_code(2)
        .assert_stderr_has(&["batch state", "it has 2 hard links"]);
    std::fs::remove_file(&link).unwrap();

    let real = f.p("real.state");
    std::fs::rename(&f.state, &real).unwrap();
    std::os::unix::fs::symlink(&real, &f.state).unwrap();
    run()
        .assert_code(2)
        .assert_stderr_has(&["batch state", "it is a symbolic link"]);
    std::fs::remove_file(&f.state).unwrap();
    std::fs::rename(&real, &f.state).unwrap();

    mode(&f.out, 0o644);
    run()
        .assert_code(2)
        .assert_stderr_has(&["output", "its mode is 0644, not 0600"]);
    mode(&f.out, 0o600);

    assert_eq!(server.connection_count(), sent, "nothing was sent");
    run().assert_code(0);
}

#[test]
fn standard_output_keeps_no_state_unless_asked_and_a_resume_writes_every_record() {
    let server = Scripted::start(|_, _| Reply::fhir(EMPTY_BUNDLE));
    let cpis = Cpis::new();
    let input = "9990000077\n12\n9990000018\n";
    // The same list twice through a pipe: two whole runs, nothing kept.
    for _ in 0..2 {
        let r = batch_stdin(&cpis, &server.base_url(), &["--scheduled"], input);
        r.assert_code(3);
        let (results, summary) = split(&r.stdout);
        assert_eq!(status_of(&results).len(), 3, "{}", r.stdout);
        assert_eq!(summary["requests"], 2);
    }
    assert_eq!(server.requests().len(), 4);
    assert!(!cpis.data_dir().join("batch").exists());

    // With --state, a rerun on standard output writes the records again from the state,
    // sends nothing, and still exits 3 for the invalid row of the first run.
    let f = Files::new(input);
    let stdout_state = f.p("stdout.state");
    let with_state = ["--scheduled", "--state", s(&stdout_state)];
    let first = batch_stdin(&cpis, &server.base_url(), &with_state, input);
    first.assert_code(3);
    let again = batch_stdin(&cpis, &server.base_url(), &with_state, input);
    again.assert_code(3);
    let (a, _) = split(&first.stdout);
    let (b, summary) = split(&again.stdout);
    assert_eq!(a, b);
    assert_eq!(summary["requests"], 0);
    assert_eq!(summary["already_done"], 3);
    assert_eq!(summary["invalid"], 1, "totals across runs: {summary}");
    assert_eq!(summary["no-plan"], 2, "{summary}");
    assert_eq!(summary["this_run"]["invalid"], 0, "{summary}");
    assert_eq!(server.requests().len(), 6);

    // An output moved away: its records are written again from the state.
    let base = server.base_url();
    let run = |extra: &[&str]| {
        let mut a = vec![
            "--base-url",
            &base,
            "batch",
            s(&f.list),
            "--scheduled",
            "--output",
            s(&f.out),
        ];
        a.extend_from_slice(extra);
        cpis.run(&a)
    };
    run(&[]).assert_code(3);
    let text = std::fs::read_to_string(&f.out).unwrap();
    std::fs::rename(&f.out, f.p("moved.jsonl")).unwrap();
    let r = run(&[]);
    r.assert_code(3)
        .assert_stderr_has(&["written again", "1 invalid"]);
    let (rewritten, summary) = split(&std::fs::read_to_string(&f.out).unwrap());
    assert_eq!(rewritten, split(&text).0);
    assert_eq!(summary["requests"], 0);
    assert_eq!(server.requests().len(), 8);

    // --fresh: refused while the output is there (nothing discarded), then a new run.
    run(&["--fresh"])
        .assert_code(2)
        .assert_stderr_has(&["--fresh starts a new run", "move the output away"]);
    assert!(f.state.exists());
    std::fs::remove_file(&f.out).unwrap();
    let r = run(&["--fresh"]);
    r.assert_code(3).assert_stderr_has(&["discarded"]);
    let (_, summary) = split(&std::fs::read_to_string(&f.out).unwrap());
    assert_eq!(summary["requests"], 2);
    assert_eq!(summary["already_done"], 0);
}

#[test]
fn an_unscheduled_row_cp_is_answered_is_in_doubt_and_only_retry_in_doubt_resends_it() {
    // 9990000077: CareTeam answers 500. 9990000026: a plan, then the AuditEvent search
    // answers 500. 9990000018: its CareTeam search is refused by the platform (429, then
    // given up after the retries): an error, which --retry-failed sends again.
    // (The official example, about 9990000026 here: an answer about another number is never
    // taken as this child's.)
    let found = String::from_utf8(fixture("fhir-careteam-searchset-found.json"))
        .unwrap()
        .replace("9912003890", "9990000026");
    let server = Scripted::start(move |req, _| {
        if req.target.contains("9990000077") {
            Reply::new(500, "application/fhir+json", "{}")
        } else if req.target.contains("9990000018") {
            Reply::new(429, "application/json", "{}").header("Retry-After", "0")
        } else if req.target.contains("/CareTeam?") {
            Reply::fhir(found.clone())
        } else {
            Reply::new(500, "application/fhir+json", "{}")
        }
    });
    let cpis = Cpis::new();
    let f = Files::new("9990000077\n9990000026\n9990000018\n");
    let base = server.base_url();
    let run = |extra: &[&str]| {
        let mut a = vec![
            "--base-url",
            &base,
            "batch",
            s(&f.list),
            "--unscheduled",
            "--yes",
            "--output",
            s(&f.out),
            "--rate",
            "1000",
        ];
        a.extend_from_slice(extra);
        cpis.run(&a)
    };
    let searches = |nhs: &str| {
        server
            .requests()
            .iter()
            .filter(|r| r.target.contains(nhs))
            .count()
    };
    run(&[]).assert_code(3);
    let (results, summary) = split(&std::fs::read_to_string(&f.out).unwrap());
    assert_eq!(
        status_of(&results),
        vec![
            (1, "in-doubt".into()),
            (2, "in-doubt".into()),
            (3, "error".into())
        ]
    );
    assert_eq!(results[0]["http_status"], 500);
    assert!(results[1]["in_doubt"]
        .as_str()
        .unwrap()
        .contains("CareTeam search"));
    assert_eq!(results[2]["http_status"], 429);
    assert_eq!(summary["in-doubt"], 2);
    let (a, b, c) = (
        searches("9990000077"),
        searches("9990000026"),
        searches("9990000018"),
    );
    assert_eq!((a, b), (1, 2));

    run(&["--retry-failed"]).assert_code(3);
    assert_eq!(searches("9990000077"), a, "not resent by --retry-failed");
    assert_eq!(searches("9990000026"), b, "not resent by --retry-failed");
    assert!(searches("9990000018") > c, "the refused row is sent again");

    run(&["--retry-in-doubt"]).assert_code(3);
    assert_eq!(searches("9990000077"), a + 1);
    assert_eq!(searches("9990000026"), b + 2);
}

/// The most CP-IS searches the sandbox had in flight at once, and how many it saw.
fn cp_is_in_flight(sb: &SandboxProc) -> (u64, u64) {
    let (status, body) = raw_get(sb.addr(), "/_sandbox/events", &[]);
    assert_eq!(status, 200, "{body}");
    let events: Vec<String> = serde_json::from_str(&body).unwrap();
    let (mut now, mut max, mut started) = (0i64, 0i64, 0u64);
    for e in &events {
        let cp_is = e.contains(" CareTeam ") || e.contains(" AuditEvent ");
        if cp_is && e.starts_with("start ") {
            now += 1;
            started += 1;
            max = max.max(now);
        } else if cp_is && e.starts_with("end ") {
            now -= 1;
        }
    }
    (max as u64, started)
}

#[test]
fn concurrency_is_the_number_of_cp_is_requests_in_flight_with_pds_on() {
    let sb = SandboxProc::start(&["--delay-ms", "40"]);
    let cpis = Cpis::new();
    let numbers = no_record_numbers(16);
    let r = batch_stdin(
        &cpis,
        &sb.base_url,
        &[
            "--scheduled",
            "--rate",
            "1000",
            "--pds-rate",
            "1000",
            "--concurrency",
            "2",
        ],
        &numbers.join("\n"),
    );
    r.assert_code(0);
    let (results, summary) = split(&r.stdout);
    assert!(results.iter().all(|v| v["pds_status"] == "verified"));
    let (max, started) = cp_is_in_flight(&sb);
    assert!(
        max <= 2,
        "{max} CP-IS requests in flight with --concurrency 2"
    );
    assert_eq!(
        summary["requests"], started,
        "requests counts what was sent"
    );
    assert_eq!(started, 16);
}

#[test]
fn an_unscheduled_batch_without_yes_or_a_terminal_exits_2_and_sends_nothing() {
    let server = Scripted::start(|_, _| Reply::fhir(EMPTY_BUNDLE));
    let cpis = Cpis::new();
    let r = batch_stdin(
        &cpis,
        &server.base_url(),
        &["--unscheduled"],
        "9990000077\n",
    );
    r.assert_code(2)
        .assert_stderr_has(&["--yes", "nothing was sent"]);
    assert!(r.stdout.is_empty());
    assert_eq!(server.connection_count(), 0, "no PDS or CP-IS request");
    batch_stdin(
        &cpis,
        &server.base_url(),
        &["--unscheduled", "--yes"],
        "9990000077\n",
    )
    .assert_code(0);
}

#[cfg(unix)]
#[test]
fn on_a_terminal_an_unscheduled_batch_asks_and_only_yes_sends_it() {
    let server = Scripted::start(|_, _| Reply::fhir(EMPTY_BUNDLE));
    let cpis = Cpis::new();
    let f = Files::new("9990000077\n9990000018\n12\n");
    let base = server.base_url();
    let args = [
        "--base-url",
        &base,
        "batch",
        s(&f.list),
        "--unscheduled",
        "--output",
        s(&f.out),
    ];
    let Some((code, shown)) = on_a_terminal(&cpis, &args, &[("[y/N]", "n\n")]) else {
        eprintln!(
            "note: util-linux `script` is not installed: the terminal prompt was not exercised"
        );
        return;
    };
    assert_eq!(code, 2, "{shown}");
    assert!(
        shown.contains("notify up to 2 local authorities?"),
        "{shown}"
    );
    assert!(shown.contains("nothing was sent"), "{shown}");
    assert_eq!(server.connection_count(), 0, "no PDS or CP-IS request");
    let (code, shown) = on_a_terminal(&cpis, &args, &[("[y/N]", "yes\n")]).unwrap();
    assert_eq!(code, 3, "{shown}");
    assert_eq!(server.requests().len(), 2);
    // Nothing left to send: no question.
    let (code, shown) = on_a_terminal(&cpis, &args, &[]).unwrap();
    assert_eq!(code, 3, "{shown}");
    assert!(!shown.contains("notify up to"), "{shown}");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn an_answer_about_another_child_is_an_error_row_and_shows_nothing_of_it() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    // 0255's plans and 0263's access history name 999 000 0026; 0018 is an ordinary child.
    let input = "9990000255\n9990000263\n9990000018\n";
    for format in ["jsonl", "csv"] {
        let r = batch_stdin(
            &cpis,
            &sb.base_url,
            &["--scheduled", "--rate", "100", "--format", format],
            input,
        );
        r.assert_code(3);
        assert!(!r.stdout.contains("9990000026"), "{}", r.stdout);
        if format == "jsonl" {
            let (results, _) = split(&r.stdout);
            assert_eq!(
                status_of(&results),
                vec![(1, "error".into()), (2, "error".into()), (3, "plan".into())]
            );
            // Nothing of the answer about another child: 0255's plans were that answer.
            assert_eq!(results[0]["plans"], serde_json::json!([]));
            assert_eq!(results[1]["access_history"], serde_json::json!([]));
            for row in &results[..2] {
                assert!(row["message"]
                    .as_str()
                    .unwrap()
                    .contains("the service answered about a different NHS number"));
            }
        }
    }
    // Unscheduled, CP-IS answered (and may have notified): in doubt, never resent by
    // --retry-failed.
    let r = batch_stdin(
        &cpis,
        &sb.base_url,
        &["--unscheduled", "--yes", "--rate", "100"],
        "9990000255\n",
    );
    r.assert_code(3);
    let (results, _) = split(&r.stdout);
    assert_eq!(results[0]["status"], "in-doubt", "{}", results[0]);
    assert!(!r.stdout.contains("9990000026"));
}

/// Run `cpis batch FILE --scheduled --no-pds ARGS` to the end: its stdout and its own peak
/// resident memory in KiB (`VmHWM`, Linux: see `peak`).
#[cfg(target_os = "linux")]
fn batch_peak_rss(cpis: &Cpis, input: &std::path::Path, args: &[&str]) -> (String, i64) {
    use std::io::Read;
    let mut child = cpis
        .cmd()
        .arg("batch")
        .arg(input)
        .args(["--scheduled", "--no-pds", "--rate", "100"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let watch = crate::peak::watch(&child);
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let peak = watch.join().unwrap().expect("VmHWM in /proc");
    let status = child.wait().unwrap();
    assert!(status.code().is_some(), "{status}");
    (out, peak)
}

/// The input is read a row at a time, never held: 64 MiB of comment lines around three
/// numbers cost no more memory than three numbers alone (the input used to be read whole,
/// and copied once more as text).
#[cfg(target_os = "linux")]
#[test]
fn a_large_input_is_streamed_not_held_in_memory() {
    let cpis = Cpis::new();
    let dir = private_tempdir();
    let small = dir.path().join("small.txt");
    std::fs::write(&small, "9990000018\n9990000026\n9990000077\n").unwrap();
    let big = dir.path().join("big.txt");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
        let comment = format!("# {}\n", "x".repeat(1022));
        for i in 0..64 * 1024 {
            if i % (32 * 1024) == 1 {
                writeln!(f, "9990000018").unwrap();
            }
            f.write_all(comment.as_bytes()).unwrap();
        }
        writeln!(f, "999 000 0026\n9990000077").unwrap();
    }
    let (out_small, rss_small) = batch_peak_rss(&cpis, &small, &[]);
    let (out_big, rss_big) = batch_peak_rss(&cpis, &big, &[]);
    let (results, summary) = split(&out_big);
    assert_eq!(summary["rows"], 4, "{summary}");
    assert_eq!(
        results
            .iter()
            .map(|r| r["status"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["plan", "duplicate", "plan", "no-plan"]
    );
    assert_eq!(split(&out_small).1["rows"], 3);
    assert!(
        rss_big < rss_small + 16 * 1024,
        "peak RSS {rss_big} KiB for a 64 MiB input, {rss_small} KiB for three rows"
    );
}

/// A resume reads the earlier output a line at a time to find the rows already written: an
/// output of 64 MiB costs no more memory than a small one (it used to be read whole).
#[cfg(target_os = "linux")]
#[test]
fn a_resume_reads_a_large_output_line_by_line() {
    let cpis = Cpis::new();
    let dir = private_tempdir();
    let input = dir.path().join("list.txt");
    std::fs::write(&input, "9990000018\n9990000026\n9990000077\n").unwrap();
    let out = dir.path().join("out.jsonl");
    let out_arg = out.to_str().unwrap();
    let (_, rss_first) = batch_peak_rss(&cpis, &input, &["--output", out_arg]);
    let (first, _) = split(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(first.len(), 3);
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&out).unwrap();
        let pad = format!("{{\"type\":\"note\",\"pad\":\"{}\"}}\n", "x".repeat(1000));
        for _ in 0..64 * 1024 {
            f.write_all(pad.as_bytes()).unwrap();
        }
    }
    let (_, rss_resume) = batch_peak_rss(&cpis, &input, &["--output", out_arg]);
    let text = std::fs::read_to_string(&out).unwrap();
    let last: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["type"], "summary");
    assert_eq!(last["already_done"], 3, "{last}");
    assert_eq!(last["requests"], 0, "{last}");
    // Nothing written twice: the three records are there once each.
    assert_eq!(text.matches("\"type\":\"result\"").count(), 3);
    assert!(
        rss_resume < rss_first + 16 * 1024,
        "peak RSS {rss_resume} KiB resuming with a 64 MiB output, {rss_first} KiB for the run"
    );
}
