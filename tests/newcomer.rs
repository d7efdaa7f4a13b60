//! What a newcomer and a support engineer trip over (issue 19): the sandbox telling the truth,
//! hints that work when pasted, pipes and terminals, pasted text, one way to ask for output.

mod common;

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
