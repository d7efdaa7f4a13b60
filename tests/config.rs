//! `cpis config` and the precedence flag > environment variable > profile > default, through
//! the real binary against scripted servers (never a real service).

mod common;
use common::*;

fn empty(_: &Seen, _: usize) -> Reply {
    Reply::fhir(EMPTY_BUNDLE)
}

#[test]
fn base_url_precedence_flag_env_profile() {
    let (p, e, f) = (
        Scripted::start(empty),
        Scripted::start(empty),
        Scripted::start(empty),
    );
    let cpis = Cpis::new();
    cpis.run(&["config", "set", "base_url", &p.base_url()])
        .assert_code(0);
    cpis.run(&["config", "set", "care_setting", "scheduled"])
        .assert_code(0);

    // Profile only; care setting from the profile too.
    let r = cpis.run(&["lookup", "9434765919", "--json"]);
    r.assert_code(0);
    assert_eq!(r.json()["care_setting"], "scheduled");
    assert_eq!(p.requests().len(), 2);

    // Environment variable beats profile.
    cpis.run_env(
        &["lookup", "9434765919"],
        &[("CPIS_BASE_URL", &e.base_url())],
    )
    .assert_code(0);
    assert_eq!(e.requests().len(), 2);

    // Flag beats both.
    cpis.run_env(
        &[
            "--base-url",
            &f.base_url(),
            "lookup",
            "9434765919",
            "--unscheduled",
        ],
        &[("CPIS_BASE_URL", &e.base_url())],
    )
    .assert_code(0);
    assert_eq!(f.requests().len(), 2);
    assert!(f
        .requests()
        .iter()
        .all(|q| q.header("isunscheduledaccessevent") == Some("true")));
    assert_eq!(p.requests().len(), 2);
    assert_eq!(e.requests().len(), 2);

    // CPIS_CARE_SETTING beats the profile's care setting.
    let r = cpis.run_env(
        &["lookup", "9434765919", "--json"],
        &[("CPIS_CARE_SETTING", "unscheduled")],
    );
    assert_eq!(r.json()["care_setting"], "unscheduled");
}

#[test]
fn show_reports_values_and_their_sources() {
    let cpis = Cpis::new();
    let r = cpis.run(&["config", "show", "--json"]);
    r.assert_code(0);
    let v = r.json();
    assert_eq!(v["env"]["value"], "local");
    assert_eq!(v["env"]["source"], "default");
    assert!(v["care_setting"]["value"].is_null());
    assert_eq!(v["access_token"]["source"], "not set");

    cpis.run(&["config", "set", "env", "int"]).assert_code(0);
    cpis.run(&["config", "set", "timeout", "12"]).assert_code(0);
    let r = cpis.run_env(
        &["config", "show", "--json"],
        &[
            ("CPIS_ACCESS_TOKEN", "tok-should-not-show"),
            ("CPIS_TIMEOUT", "7"),
        ],
    );
    let v = r.json();
    assert_eq!(v["env"]["value"], "int");
    assert_eq!(v["env"]["source"], "profile default");
    assert_eq!(
        v["base_url"]["value"],
        "https://int.api.service.nhs.uk/cpis/FHIR/R4"
    );
    assert_eq!(v["timeout"]["value"], "7");
    assert_eq!(v["timeout"]["source"], "environment variable CPIS_TIMEOUT");
    assert_eq!(v["access_token"]["value"], "(set)");
    assert!(!r.stdout.contains("tok-should-not-show"));

    let t = cpis.run(&["config", "show"]);
    assert!(t.stdout.contains("| env "), "{}", t.stdout);

    assert_eq!(cpis.run(&["config", "get", "env"]).stdout, "int\n");
    cpis.run(&["config", "unset", "env"]).assert_code(0);
    cpis.run(&["config", "get", "env"]).assert_code(2);

    let path = cpis.run(&["config", "path"]).stdout.trim().to_string();
    assert!(path.ends_with("config.toml"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn bad_values_are_refused_with_exit_2() {
    let cpis = Cpis::new();
    for (k, v) in [
        ("env", "staging"),
        ("care_setting", "sometimes"),
        ("timeout", "0"),
        ("base_url", "not a url"),
    ] {
        let r = cpis.run(&["config", "set", k, v]);
        r.assert_code(2);
        assert!(!r.stderr.is_empty());
    }
    cpis.run(&["config", "set", "no_such_key", "x"])
        .assert_code(2);
    let r = cpis.run_env(
        &["lookup", "9990000026", "--scheduled"],
        &[("CPIS_ENV", "staging")],
    );
    r.assert_code(2);
    r.assert_stderr_has(&["CPIS_ENV"]);
    let r = cpis.run(&["--profile", "ward", "lookup", "9990000026", "--scheduled"]);
    r.assert_code(2);
    r.assert_stderr_has(&["no profile named"]);
    cpis.run(&[
        "--profile",
        "ward",
        "config",
        "set",
        "care_setting",
        "unscheduled",
    ])
    .assert_code(0);
    let r = cpis.run(&["--profile", "ward", "lookup", "9990000026", "--json"]);
    r.assert_code(0);
    assert_eq!(r.json()["care_setting"], "unscheduled");
    // A broken file is reported, not ignored.
    std::fs::write(
        cpis.config_dir.path().join("config.toml"),
        "this is = = not toml",
    )
    .unwrap();
    let r = cpis.run(&["lookup", "9990000026", "--scheduled"]);
    r.assert_code(2);
    r.assert_stderr_has(&["config.toml"]);
}

#[test]
fn help_and_version() {
    let cpis = Cpis::new();
    let r = cpis.run(&["--version"]);
    r.assert_code(0);
    assert_eq!(
        r.stdout.trim(),
        format!("cpis {}", env!("CARGO_PKG_VERSION"))
    );
    let r = cpis.run(&["lookup", "--help"]);
    r.assert_code(0);
    assert!(r.stdout.contains("--scheduled") && r.stdout.contains("Examples:"));
    let r = cpis.run(&["--help"]);
    assert!(r.stdout.contains("Exit codes:") && r.stdout.contains("130"));
    cpis.run(&["lookup"]).assert_code(2);
    cpis.run(&["frobnicate"]).assert_code(2);
}
