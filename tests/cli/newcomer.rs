//! What a newcomer and a support engineer trip over (issue 19): the sandbox telling the truth,
//! hints that work when pasted, pipes and terminals, pasted text, one way to ask for output.

use crate::common;

use common::*;

/// A real child's number (the API platform's published example; valid Modulus 11) that is not
/// one of the sandbox's synthetic patients.
const REAL_LOOKING: &str = "9434765919";

// 1. The embedded sandbox never says a real child "is not on PDS".

#[test]
fn the_sandbox_never_says_a_real_child_is_not_on_pds() {
    let cpis = Cpis::new();
    let r = cpis.run(&["lookup", REAL_LOOKING, "--scheduled"]);
    r.assert_code(2);
    assert!(!r.stderr.contains("not on PDS"), "{}", r.stderr);
    r.assert_stderr_has(&[
        "not one of the sandbox's synthetic patients",
        "cannot say whether a real child is on PDS",
        "cpis sandbox patients",
        "cpis --env int",
    ]);
    assert!(r.stdout.is_empty(), "{}", r.stdout);

    // A batch says the same in its record, with its own status.
    let b = cpis.run_stdin(
        &["batch", "-", "--scheduled"],
        &[],
        &format!("{REAL_LOOKING}\n"),
    );
    b.assert_code(3);
    let rec: serde_json::Value = serde_json::from_str(b.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(rec["status"], "invalid");
    assert_eq!(rec["pds_status"], "not-synthetic");
    let msg = rec["message"].as_str().unwrap();
    assert!(!msg.contains("not on PDS"), "{msg}");
    assert!(msg.contains("synthetic"), "{msg}");

    // The sandbox's own "not on PDS" patient still is.
    let r = cpis.run(&["lookup", "9990000204", "--scheduled"]);
    r.assert_code(2).assert_stderr_has(&["is not on PDS"]);
}

#[test]
fn the_sandbox_without_pds_also_says_how_to_reach_a_real_environment() {
    let cpis = Cpis::new();
    let r = cpis.run(&["lookup", REAL_LOOKING, "--scheduled", "--no-pds"]);
    r.assert_code(2).assert_stderr_has(&[
        "not a synthetic patient",
        "cpis sandbox patients",
        "cpis --env int",
    ]);
}

// 2. A batch on the embedded sandbox says so on stderr.

#[test]
fn a_batch_on_the_embedded_sandbox_says_its_results_are_synthetic() {
    let cpis = Cpis::new();
    for quiet in [false, true] {
        let mut args = vec!["batch", "-", "--scheduled"];
        if quiet {
            args.insert(0, "--quiet");
        }
        let r = cpis.run_stdin(&args, &[], "9990000018\n");
        r.assert_code(0).assert_stderr_has(&[
            "embedded sandbox (synthetic patients only)",
            "not about real children",
        ]);
        for line in r.stdout.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["environment"], "local", "{line}");
        }
    }
    // Against another endpoint, no such warning.
    let sb = SandboxProc::start(&[]);
    let r = cpis.run_stdin(
        &["--base-url", &sb.base_url, "batch", "-", "--scheduled"],
        &[],
        "9990000018\n",
    );
    r.assert_code(0);
    assert!(!r.stderr.contains("embedded sandbox"), "{}", r.stderr);
}

// 5. Every hint that names a command carries the global options in effect.

#[test]
fn hints_carry_the_global_options_in_effect() {
    let cpis = Cpis::signed_out();
    let r = cpis.run(&["--env", "int", "lookup", REAL_LOOKING, "--scheduled"]);
    r.assert_code(4)
        .assert_stderr_has(&["`cpis --env int auth login --user`"]);
    // Chosen by an environment variable: the same, so it works pasted into another shell.
    let r = cpis.run_env(
        &["lookup", REAL_LOOKING, "--scheduled"],
        &[("CPIS_ENV", "int")],
    );
    r.assert_code(4)
        .assert_stderr_has(&["`cpis --env int auth login --user`"]);
    // A profile and a base URL.
    cpis.run(&[
        "--profile",
        "ward",
        "config",
        "set",
        "care_setting",
        "scheduled",
    ])
    .assert_code(0);
    let server = Scripted::start(|_, _| Reply::fhir(EMPTY_BUNDLE));
    let base = server.base_url();
    let r = cpis.run(&[
        "--profile",
        "ward",
        "--base-url",
        &base,
        "lookup",
        REAL_LOOKING,
    ]);
    r.assert_code(4).assert_stderr_has(&[&format!(
        "`cpis --profile ward --base-url {base} auth login --system`"
    )]);
    assert!(server.requests().is_empty());
    // auth status's fix, in text and JSON.
    let r = cpis.run(&["--env", "int", "auth", "status", "--json"]);
    r.assert_code(4);
    assert!(r.json()["fix"]
        .as_str()
        .unwrap()
        .contains("cpis --env int auth login --user"));
    // Nothing given: the command as it is.
    let r = cpis.run(&["lookup", "9990000018"]);
    r.assert_code(2)
        .assert_stderr_has(&["cpis config set care_setting scheduled"]);
}

// 15. Pasted NHS numbers: odd spaces and full-width digits folded; anything else named.

#[test]
fn pasted_numbers_with_odd_spaces_or_full_width_digits_are_accepted() {
    let cpis = Cpis::new();
    for pasted in [
        "999\u{00A0}000\u{00A0}0018", // non-breaking spaces
        "999\u{202F}000\u{202F}0018", // narrow non-breaking spaces
        "\u{200B}9990000018\u{200B}", // zero-width spaces
        "\u{FEFF}999 000 0018",       // a byte-order mark
        "\u{FF19}\u{FF19}\u{FF19}\u{FF10}\u{FF10}\u{FF10}\u{FF10}\u{FF10}\u{FF11}\u{FF18}", // full width
        "999\u{2013}000\u{2013}0018", // en dashes
    ] {
        let r = cpis.run(&["lookup", pasted, "--scheduled", "--json"]);
        r.assert_code(0);
        assert_eq!(r.json()["nhs_number"], "9990000018", "{pasted:?}");
    }
    // In a batch too.
    let b = cpis.run_stdin(
        &["batch", "-", "--scheduled"],
        &[],
        "999\u{00A0}000\u{00A0}0018\n\u{FF19}\u{FF19}\u{FF19}0000026\n",
    );
    b.assert_code(0);
    let recs: Vec<serde_json::Value> = b
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let at = |line: u64| {
        recs.iter()
            .find(|r| r["line"] == line)
            .unwrap_or_else(|| panic!("no line {line}: {}", b.stdout))
    };
    assert_eq!(at(1)["nhs_number"], "9990000018");
    assert_eq!(at(1)["status"], "plan");
    assert_eq!(at(2)["nhs_number"], "9990000026");
}

#[test]
fn anything_else_is_refused_naming_the_character_in_words() {
    let cpis = Cpis::new();
    for (typed, named) in [
        ("999O000018", "the letter O (not the digit zero)"),
        ("999l000018", "the letter l (not the digit one)"),
        ("999.000.0018", "a full stop"),
        (
            "999\u{202E}0000018",
            "an invisible control or direction character (U+202E)",
        ),
        ("999\t000\t0018", "a tab"),
    ] {
        let r = cpis.run(&["lookup", typed, "--scheduled"]);
        r.assert_code(2)
            .assert_stderr_has(&[named, "nothing was sent"]);
        assert!(!r.stderr.contains('\u{202E}'), "{}", r.stderr);
    }
}

// 16. Input echoed back is cut short and neutralised.

#[test]
fn input_echoed_back_is_cut_short_and_neutralised() {
    let cpis = Cpis::new();
    let long = format!("12\u{1b}[31m{}", "x".repeat(200));
    let r = cpis.run(&["lookup", &long, "--scheduled"]);
    r.assert_code(2);
    assert!(!r.stderr.contains('\u{1b}'), "{}", r.stderr);
    assert!(!r.stderr.contains(&"x".repeat(41)), "{}", r.stderr);
    r.assert_stderr_has(&["…\""]);

    let r = cpis.run(&["lookup", "9990000018", "--scheduled", "--dob", &long]);
    r.assert_code(2);
    assert!(!r.stderr.contains('\u{1b}'), "{}", r.stderr);
    assert!(!r.stderr.contains(&"x".repeat(41)), "{}", r.stderr);

    // A batch record of an invalid row.
    let b = cpis.run_stdin(&["batch", "-", "--scheduled"], &[], &format!("{long}\n"));
    b.assert_code(3);
    let rec: serde_json::Value = serde_json::from_str(b.stdout.lines().next().unwrap()).unwrap();
    let shown = rec["nhs_number"].as_str().unwrap();
    assert_eq!(shown.chars().count(), 41, "{shown}");
    assert!(shown.ends_with('…') && !shown.contains('\u{1b}'), "{shown}");
}

// 6. Hints apply to the command they are printed for.

#[test]
fn no_validate_is_offered_only_where_it_exists_and_only_for_the_checksum() {
    let cpis = Cpis::new();
    // lookup has --no-validate: offered when the checksum is the problem...
    let r = cpis.run(&["lookup", "9990000019", "--scheduled"]);
    r.assert_code(2).assert_stderr_has(&["--no-validate"]);
    // ...and not when it is not.
    for not_checksum in ["99900", "999000001A"] {
        let r = cpis.run(&["lookup", not_checksum, "--scheduled"]);
        r.assert_code(2);
        assert!(!r.stderr.contains("--no-validate"), "{}", r.stderr);
    }
    // alert and doctor have no --no-validate: never offered.
    let r = cpis.run(&[
        "alert",
        "missed-appointment",
        "9990000019",
        "--appointment",
        "2026-11-24T10:30",
        "--service",
        "Audiology",
        "--location",
        "Clinic 2",
        "--note",
        "Did not attend",
        "--dry-run",
    ]);
    r.assert_code(2).assert_stderr_has(&["Modulus 11"]);
    assert!(!r.stderr.contains("--no-validate"), "{}", r.stderr);
    let r = cpis.run(&["doctor", "--query", "9990000019"]);
    r.assert_code(2).assert_stderr_has(&["Modulus 11"]);
    assert!(!r.stderr.contains("--no-validate"), "{}", r.stderr);
}

#[test]
fn a_404_from_a_base_url_without_the_path_says_to_check_the_path() {
    let sb = SandboxProc::start(&[]);
    let origin = sb.base_url.trim_end_matches("/cpis/FHIR/R4").to_string();
    let cpis = Cpis::new();
    let wrong = format!("{origin}/fhir");
    let r = cpis.run(&["--base-url", &wrong, "lookup", "9990000018", "--scheduled"]);
    r.assert_code(7).assert_stderr_has(&[
        "HTTP 404",
        "the base URL's path is probably wrong",
        "/cpis/FHIR/R4",
    ]);
    assert!(
        !r.stderr.contains("report it with the trace id"),
        "{}",
        r.stderr
    );
    let r = cpis.run(&[
        "--base-url",
        &sb.base_url,
        "--pds-base-url",
        &format!("{origin}/pds"),
        "lookup",
        "9990000018",
        "--scheduled",
    ]);
    r.assert_code(7).assert_stderr_has(&[
        "PDS base URL's path is probably wrong",
        "/personal-demographics/FHIR/R4",
    ]);
    // A 404 about the patient is still about the patient.
    let r = cpis.run(&[
        "--base-url",
        &sb.base_url,
        "lookup",
        "9990000204",
        "--scheduled",
    ]);
    r.assert_code(2).assert_stderr_has(&["is not on PDS"]);
}

#[test]
fn a_system_sign_in_without_a_nominated_person_says_so() {
    let cpis = Cpis::signed_out();
    let key = cpis.config_dir.path().join("app.pem");
    std::fs::write(&key, cpis::sandbox::app::PRIVATE_KEY_PEM).unwrap();
    let r = cpis.run(&[
        "--env",
        "int",
        "auth",
        "login",
        "--system",
        "--api-key",
        "KEY",
        "--kid",
        "kid-1",
        "--private-key",
        key.to_str().unwrap(),
    ]);
    r.assert_code(2).assert_stderr_has(&[
        "--nominated-person NAME",
        "default nominated person",
        "--nominated-role",
    ]);
    assert!(!r.stderr.contains("auth keygen"), "{}", r.stderr);
}

// 7. Two numbers to lookup.

#[test]
fn lookup_with_two_numbers_points_at_batch() {
    let cpis = Cpis::new();
    let r = cpis.run(&["lookup", "9990000018", "9990000026", "--scheduled"]);
    r.assert_code(2).assert_stderr_has(&[
        "lookup takes one NHS number",
        "cpis batch -",
        "nothing was sent",
    ]);
    // The three groups are still one number.
    cpis.run(&["lookup", "999", "000", "0018", "--scheduled"])
        .assert_code(0);
}

// 13. A closed pipe ends quietly; a closed or full stdout is an error naming it.

/// Run `cpis ARGS` with standard output a pipe whose reader has already gone.
#[cfg(unix)]
fn with_reader_gone(cpis: &Cpis, args: &[&str], input: &str) -> Run {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0i32; 2];
    // SAFETY: a fresh pipe; each end is owned exactly once below.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    let mut child = cpis
        .cmd()
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::from(write))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    }
    Run::from(child.wait_with_output().unwrap())
}

#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_quietly_with_exit_0() {
    let cpis = Cpis::new();
    let batch_input: String = (0..50)
        .map(|i| format!("{}\n", cpis_no_record(i)))
        .collect();
    for args in [
        &["lookup", "9990000050", "--scheduled"][..],
        &["lookup", "9990000050", "--scheduled", "--json"],
        &["batch", "-", "--scheduled", "--rate", "1000"],
        &["sandbox", "patients"],
        &["config", "show"],
        &["auth", "status"],
        &["alert", "list"],
        &["completions", "bash"],
        &["man"],
    ] {
        let r = with_reader_gone(&cpis, args, &batch_input);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("error"), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{args:?}: {}", r.stderr);
    }
}

/// The `i`th Modulus-11-valid number of the sandbox's "no record" block.
fn cpis_no_record(i: usize) -> String {
    (9_990_100_000u64..)
        .map(|n| n.to_string())
        .filter(|s| cpis::nhs_number::NhsNumber::parse(s).is_ok())
        .nth(i)
        .unwrap()
}

#[cfg(unix)]
#[test]
fn a_closed_stdout_is_refused_before_anything_is_sent() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    // `sh -c 'exec cpis ARGS >&-'`, with the test's environment.
    let closed = |args: &[&str]| {
        let mut all = vec!["-c", r#"exec "$0" "$@" >&-"#, BIN];
        all.extend_from_slice(args);
        let mut sh = std::process::Command::new("sh");
        for (k, v) in cpis.cmd().get_envs() {
            match v {
                Some(v) => sh.env(k, v),
                None => sh.env_remove(k),
            };
        }
        Run::from(sh.args(&all).output().unwrap())
    };
    let r = closed(&[
        "--base-url",
        &sb.base_url,
        "lookup",
        "9990000026",
        "--scheduled",
    ]);
    r.assert_code(2).assert_stderr_has(&[
        "standard output is closed",
        "lookup` could not be written",
        "nothing was sent",
    ]);
    let r = closed(&[
        "--base-url",
        &sb.base_url,
        "batch",
        "/dev/null",
        "--scheduled",
    ]);
    r.assert_code(2)
        .assert_stderr_has(&["standard output is closed", "batch` could not be written"]);
    assert!(sandbox_events(&sb).is_empty(), "{:?}", sandbox_events(&sb));
    // Other commands say what they could not write.
    let r = closed(&["sandbox", "patients"]);
    assert_ne!(r.code, 0);
    r.assert_stderr_has(&["cannot write the output of `cpis sandbox`", "closed"]);
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_stdout_is_an_error_naming_what_could_not_be_written() {
    let cpis = Cpis::new();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let r = Run::from(
        cpis.cmd()
            .args(["lookup", "9990000050", "--scheduled"])
            .stdout(full)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap(),
    );
    assert_ne!(r.code, 0);
    r.assert_stderr_has(&[
        "cannot write the output of `cpis lookup` to standard output",
        "No space left",
    ]);
}

// 12. Tables never wrap inside a phone number, a date or a status.

/// `cpis ARGS` on a pseudo-terminal `cols` wide; what it showed (None without `script`).
#[cfg(unix)]
fn at_width(cpis: &Cpis, cols: u16, args: &[&str]) -> Option<String> {
    on_pty(cpis, cols, &[], args)
}

/// `cpis ARGS` on a pseudo-terminal `cols` wide with `env` changed (`None` removes a
/// variable); what the terminal showed (None without `script`).
#[cfg(unix)]
fn on_pty(cpis: &Cpis, cols: u16, env: &[(&str, Option<&str>)], args: &[&str]) -> Option<String> {
    let ok = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        return None;
    }
    let line = std::iter::once(BIN.to_string())
        .chain(args.iter().map(|a| format!("'{a}'")))
        .collect::<Vec<_>>()
        .join(" ");
    let mut c = std::process::Command::new("script");
    for (k, v) in cpis.cmd().get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    for (k, v) in env {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    let o = c
        .args([
            "-qec",
            &format!("stty cols {cols} rows 60; exec {line}"),
            "/dev/null",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    Some(String::from_utf8_lossy(&o.stdout).replace('\r', ""))
}

#[cfg(unix)]
#[test]
fn tables_never_wrap_inside_a_phone_number_date_or_status() {
    let cpis = Cpis::new();
    for cols in [200u16, 100, 80, 60, 40] {
        let Some(shown) = at_width(&cpis, cols, &["lookup", "9990000050", "--scheduled"]) else {
            return;
        };
        let plans = &shown[shown.find("Plans").expect("plans")..];
        // Every value whole, on one line, as often as the plans hold it.
        for (value, times) in [
            ("02079744000", 2), // emergency duty, Camden
            ("07700900123", 1), // emergency duty, Leeds
            ("02079740000", 2),
            ("01132224403", 1),
            ("2025-01-20", 1),
            ("2022-04-01", 1),
            ("2026-10-02 03:14 UTC", 1),
            ("999000000102", 1),
        ] {
            assert_eq!(
                plans.matches(value).count(),
                times,
                "{value} at {cols} columns:\n{shown}"
            );
        }
        assert!(plans.matches("active").count() >= 2, "{shown}");
        assert!(plans.contains("ended"), "{shown}");
        // No table line, and no line with a phone number or a date, wider than the terminal
        // (so the terminal wraps none of them either).
        let table_line = |l: &str| {
            l.starts_with(['│', '┌', '└', '╞'])
                || ["0207", "0113", "0770", "20"].iter().any(|v| l.contains(v))
        };
        for l in plans
            .lines()
            .take_while(|l| !l.starts_with("Trace IDs"))
            .filter(|l| table_line(l))
        {
            assert!(
                l.chars().count() <= usize::from(cols),
                "{} > {cols}: {l}\n{shown}",
                l.chars().count()
            );
        }
        // Wide: a table; narrow: key: value lines.
        if cols >= 160 {
            assert!(plans.contains("│ Plan"), "{shown}");
        }
        if cols <= 60 {
            assert!(plans.contains("Emergency duty (out of hours):"), "{shown}");
            assert!(plans.contains("1 of 3"), "{shown}");
        }
    }
}

// 14. TERM=dumb, NO_COLOR and the locale.

#[cfg(unix)]
#[test]
fn term_dumb_gets_no_escapes_and_a_non_utf8_locale_no_box_drawing() {
    let cpis = Cpis::new();
    let lookup = ["lookup", "9990000050", "--scheduled"];
    let utf8 = Some("en_GB.UTF-8");
    // A colour terminal in a UTF-8 locale: bold verdict and box-drawing (the control).
    let Some(shown) = on_pty(
        &cpis,
        200,
        &[
            ("NO_COLOR", None),
            ("TERM", Some("xterm")),
            ("LC_ALL", utf8),
        ],
        &lookup,
    ) else {
        return;
    };
    assert!(shown.contains('\u{1b}') && shown.contains('┌'), "{shown}");
    // TERM=dumb: no escape sequence at all, and no box-drawing.
    let shown = on_pty(
        &cpis,
        200,
        &[("NO_COLOR", None), ("TERM", Some("dumb")), ("LC_ALL", utf8)],
        &lookup,
    )
    .unwrap();
    assert!(!shown.contains('\u{1b}'), "{shown:?}");
    assert!(!shown.contains('┌') && !shown.contains('│'), "{shown}");
    assert!(shown.contains("02079744000"), "{shown}");
    // A non-UTF-8 locale: ASCII tables and marks.
    for locale in [Some("C"), Some("en_GB.ISO-8859-1"), None] {
        let shown = on_pty(
            &cpis,
            200,
            &[
                ("TERM", Some("xterm")),
                ("LC_ALL", locale),
                ("LC_CTYPE", None),
                ("LANG", None),
            ],
            &lookup,
        )
        .unwrap();
        assert!(
            !shown.contains('┌') && !shown.contains('│'),
            "{locale:?}: {shown}"
        );
        assert!(shown.contains("| Plan"), "{locale:?}: {shown}");
        let doctor = on_pty(
            &cpis,
            200,
            &[
                ("NO_COLOR", None),
                ("TERM", Some("xterm")),
                ("LC_ALL", locale),
                ("LC_CTYPE", None),
                ("LANG", None),
            ],
            &["doctor"],
        )
        .unwrap();
        assert!(!doctor.contains('\u{2713}'), "{locale:?}: {doctor}");
    }
}

#[cfg(unix)]
#[test]
fn no_color_keeps_the_progress_bar_and_term_dumb_or_no_progress_hide_it() {
    let cpis = Cpis::new();
    let list = cpis.config_dir.path().join("list.txt");
    let rows: String = (0..15)
        .map(|i| format!("{}\n", cpis_no_record(i)))
        .collect();
    std::fs::write(&list, rows).unwrap();
    let list = list.to_str().unwrap();
    let out = |n: u32| {
        cpis.config_dir
            .path()
            .join(format!("out{n}.jsonl"))
            .to_str()
            .unwrap()
            .to_string()
    };
    let batch = |n: u32, extra: &[&str]| {
        let mut v: Vec<String> = ["batch", list, "--scheduled", "--rate", "10", "--output"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        v.push(out(n));
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let run = |n: u32, extra: &[&str], term: &str| {
        let v = batch(n, extra);
        let a: Vec<&str> = v.iter().map(String::as_str).collect();
        on_pty(&cpis, 120, &[("TERM", Some(term))], &a)
    };
    let Some(shown) = run(1, &[], "xterm") else {
        return;
    };
    // NO_COLOR (set for every test command) does not hide the bar.
    assert!(shown.contains("rows/s"), "{shown}");
    let shown = run(2, &["--no-progress"], "xterm").unwrap();
    assert!(!shown.contains("rows/s"), "{shown}");
    let shown = run(3, &[], "dumb").unwrap();
    assert!(!shown.contains("rows/s"), "{shown}");
    assert!(!shown.contains('\u{1b}'), "{shown:?}");
}

// 19. One way to ask for output: --format, and --json as its short form.

#[test]
fn every_command_that_prints_data_takes_format_and_json() {
    let cpis = Cpis::new();
    for args in [
        &["sandbox", "patients"][..],
        &["doctor"],
        &["config", "show"],
        &["auth", "status"],
        &["alert", "list"],
    ] {
        let with = |extra: &[&str]| {
            let mut v = args.to_vec();
            v.extend_from_slice(extra);
            let r = cpis.run(&v);
            r.assert_code(0);
            r
        };
        let short = with(&["--json"]).json();
        let long = with(&["--format", "json"]).json();
        // The same document (doctor's durations aside).
        let strip = |mut v: serde_json::Value| {
            if let Some(checks) = v.get_mut("checks").and_then(|c| c.as_array_mut()) {
                for c in checks {
                    c["duration_ms"] = serde_json::Value::Null;
                    c["detail"] = serde_json::Value::Null;
                }
            }
            v
        };
        assert_eq!(strip(short), strip(long), "{args:?}");
        let table = with(&["--format", "table"]);
        assert!(serde_json::from_str::<serde_json::Value>(&table.stdout).is_err());
        // Both at once is a usage error.
        let mut both = args.to_vec();
        both.extend_from_slice(&["--json", "--format", "table"]);
        cpis.run(&both).assert_code(2);
    }
    // An alert's result too.
    let r = cpis.run(&[
        "alert",
        "missed-appointment",
        "9990000026",
        "--appointment",
        "2026-11-24T10:30",
        "--service",
        "Audiology",
        "--location",
        "Clinic 2",
        "--note",
        "Did not attend",
        "--yes",
        "--json",
    ]);
    r.assert_code(0);
    r.json();
}

#[test]
fn sandbox_patients_json_lists_every_patient_the_table_lists_in_lookups_shapes() {
    let cpis = Cpis::new();
    let table = cpis.run(&["sandbox", "patients"]);
    table.assert_code(0);
    let listed: std::collections::BTreeSet<String> = table
        .stdout
        .lines()
        .filter_map(|l| {
            let digits: String = l
                .split('|')
                .nth(1)?
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            (digits.len() == 10).then_some(digits)
        })
        .collect();
    assert!(listed.len() > 25, "{listed:?}");
    let v = cpis.run(&["sandbox", "patients", "--json"]).json();
    let all = v.as_array().unwrap();
    let in_json: std::collections::BTreeSet<String> = all
        .iter()
        .map(|p| p["nhs_number"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, in_json);
    // Each plan also carries lookup's fields, with the same values lookup shows.
    let p26 = all
        .iter()
        .find(|p| p["nhs_number"] == "9990000026")
        .unwrap();
    let shown = cpis
        .run(&["lookup", "9990000026", "--scheduled", "--json"])
        .json();
    let (a, b) = (&p26["plans"][0], &shown["plans"][0]);
    for k in [
        "type",
        "code",
        "display",
        "start",
        "end",
        "active",
        "office_hours_phone",
        "emergency_duty_phone",
    ] {
        assert_eq!(a[k], b[k], "{k}");
    }
    assert_eq!(a["local_authority"]["name"], b["local_authority"]);
}

// 20. Man pages keep the examples' line breaks.

#[test]
fn man_pages_keep_the_examples_line_breaks() {
    let cpis = Cpis::new();
    let dir = cpis.config_dir.path().join("man1");
    std::fs::create_dir(&dir).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    cpis.run(&["man", dir.to_str().unwrap()]).assert_code(0);
    let page = std::fs::read_to_string(dir.join("cpis-lookup.1")).unwrap();
    // The hand-laid help is shown unfilled.
    let extra = &page[page.find(".SH EXTRA").expect("EXTRA")..];
    let extra = &extra[..extra[1..].find("\n.SH ").map_or(extra.len(), |i| i + 1)];
    assert!(extra.starts_with(".SH EXTRA\n.nf\n"), "{extra}");
    assert!(extra.trim_end().ends_with(".fi"), "{extra}");
    // As man shows it (when groff is here): one example a line.
    let Ok(o) = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-rLL=120n"])
        .arg(dir.join("cpis-lookup.1"))
        .env("GROFF_NO_SGR", "1")
        .output()
    else {
        return;
    };
    let shown = String::from_utf8_lossy(&o.stdout)
        .replace("\u{2010}", "-")
        .replace("\u{2212}", "-");
    // Plain text: no backspace overstriking.
    let shown: String = {
        let mut out = String::new();
        for c in shown.chars() {
            if c == '\u{8}' {
                out.pop();
            } else {
                out.push(c);
            }
        }
        out
    };
    let lines: Vec<&str> = shown.lines().map(str::trim).collect();
    assert!(
        lines.contains(&"cpis lookup 9990000018 --scheduled"),
        "{shown}"
    );
    assert!(
        lines.contains(&"cpis lookup 9990000050 --scheduled --format csv"),
        "{shown}"
    );
}

// 17. auth keygen --out DIR makes the directory, and checks it can write there first.

#[cfg(unix)]
#[test]
fn keygen_makes_its_directory_and_checks_it_can_write_there_first() {
    use std::os::unix::fs::PermissionsExt;
    let cpis = Cpis::signed_out();
    let out = cpis.config_dir.path().join("keys/int");
    let r = cpis.run(&[
        "auth",
        "keygen",
        "--kid",
        "k1",
        "--out",
        out.to_str().unwrap(),
    ]);
    r.assert_code(0);
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    assert!(out.join("k1.pem").is_file() && out.join("k1.jwks.json").is_file());
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A directory it cannot write in: refused before the key is made.
    let unwritable = if unsafe { libc::geteuid() } == 0 {
        std::path::PathBuf::from("/proc")
    } else {
        let d = cpis.config_dir.path().join("ro");
        std::fs::create_dir(&d).unwrap();
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o500)).unwrap();
        d
    };
    let r = cpis.run(&[
        "auth",
        "keygen",
        "--kid",
        "k2",
        "--out",
        unwritable.to_str().unwrap(),
    ]);
    r.assert_code(2)
        .assert_stderr_has(&["cannot write in", "no key was made"]);
    assert!(!r.stderr.contains("making a"), "{}", r.stderr);
}
