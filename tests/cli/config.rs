//! `cpis config` and the precedence flag > environment variable > profile > default, through
//! the real binary against scripted servers (never a real service).

use crate::common;
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
            "--yes",
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
        &["lookup", "9434765919", "--json", "--yes"],
        &[("CPIS_CARE_SETTING", "unscheduled")],
    );
    assert_eq!(r.json()["care_setting"], "unscheduled");
}

#[test]
fn show_reports_values_and_their_sources() {
    let cpis = Cpis::signed_out();
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
    let r = cpis.run(&[
        "--profile",
        "ward",
        "lookup",
        "9990000026",
        "--json",
        "--yes",
    ]);
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

/// The endpoint is one setting: the highest source naming an environment or a base URL wins
/// as a whole, and what the output names is what was talked to.
#[test]
fn the_environment_shown_is_the_one_used() {
    let (profile_srv, env_srv, flag_srv) = (
        Scripted::start(empty),
        Scripted::start(empty),
        Scripted::start(empty),
    );
    let cpis = Cpis::new();
    cpis.run(&["config", "set", "base_url", &profile_srv.base_url()])
        .assert_code(0);

    // --env local beats the profile's base URL: the embedded sandbox answers, and says so.
    let r = cpis.run(&[
        "--env",
        "local",
        "lookup",
        "9990000026",
        "--scheduled",
        "--json",
    ]);
    r.assert_code(0);
    let v = r.json();
    assert_eq!(v["environment"], "local");
    assert_ne!(v["base_url"], profile_srv.base_url());
    assert!(profile_srv.requests().is_empty());

    // CPIS_ENV=local beats the profile's base URL too.
    let r = cpis.run_env(
        &["lookup", "9990000026", "--scheduled", "--json"],
        &[("CPIS_ENV", "local")],
    );
    r.assert_code(0);
    assert_eq!(r.json()["environment"], "local");
    assert!(profile_srv.requests().is_empty());

    // --env local beats CPIS_BASE_URL.
    let r = cpis.run_env(
        &[
            "--env",
            "local",
            "lookup",
            "9990000026",
            "--scheduled",
            "--json",
        ],
        &[("CPIS_BASE_URL", &env_srv.base_url())],
    );
    r.assert_code(0);
    assert_eq!(r.json()["environment"], "local");
    assert!(env_srv.requests().is_empty());

    // --base-url beats a profile env and CPIS_ENV; the label is custom, and -v names it.
    let r = cpis.run_env(
        &[
            "--base-url",
            &flag_srv.base_url(),
            "-v",
            "lookup",
            "9434765919",
            "--scheduled",
            "--json",
        ],
        &[("CPIS_ENV", "prod")],
    );
    r.assert_code(0);
    let v = r.json();
    assert_eq!(v["environment"], "custom");
    assert_eq!(v["base_url"], flag_srv.base_url());
    r.assert_stderr_has(&[&format!(
        "environment custom (flag): {}",
        flag_srv.base_url()
    )]);
    assert_eq!(flag_srv.requests().len(), 2);

    // config show says the same, from the same source.
    let v = cpis
        .run_env(&["--env", "int", "config", "show", "--json"], &[])
        .json();
    assert_eq!(v["env"]["value"], "int");
    assert_eq!(v["env"]["source"], "flag");
    assert_eq!(
        v["base_url"]["value"],
        "https://int.api.service.nhs.uk/cpis/FHIR/R4"
    );
    assert_eq!(v["base_url"]["source"], "flag");
    let v = cpis.run(&["config", "show", "--json"]).json();
    assert_eq!(v["env"]["value"], "custom");
    assert_eq!(v["base_url"]["value"], profile_srv.base_url());
    assert_eq!(v["base_url"]["source"], "profile default");
}

#[test]
fn a_production_base_url_never_hides_behind_another_environment_name() {
    let cpis = Cpis::new();
    cpis.run(&[
        "config",
        "set",
        "base_url",
        "https://api.service.nhs.uk/cpis/FHIR/R4",
    ])
    .assert_code(0);
    // The flag wins as a whole: int's own URL, never the profile's production URL.
    let v = cpis
        .run(&["--env", "int", "config", "show", "--json"])
        .json();
    assert_eq!(v["env"]["value"], "int");
    assert_eq!(
        v["base_url"]["value"],
        "https://int.api.service.nhs.uk/cpis/FHIR/R4"
    );
    // The profile alone: its URL is production's, and it is labelled prod, not custom.
    let v = cpis.run(&["config", "show", "--json"]).json();
    assert_eq!(v["env"]["value"], "prod");
    // One source naming int and production's host is a contradiction.
    cpis.run(&["config", "set", "env", "int"]).assert_code(0);
    let r = cpis.run(&["lookup", "9434765919", "--scheduled"]);
    r.assert_code(2).assert_stderr_has(&["disagree"]);
}

#[cfg(unix)]
#[test]
fn unreadable_settings_are_errors_never_defaults() {
    use std::os::unix::ffi::OsStrExt;
    let cpis = Cpis::new();
    // A config directory whose name is not UTF-8 is used as it is, not replaced by the default.
    let mut odd = cpis.config_dir.path().as_os_str().as_bytes().to_vec();
    odd.extend_from_slice(b"/d\xff");
    let odd = std::ffi::OsStr::from_bytes(&odd);
    let out = cpis
        .cmd()
        .env("CPIS_CONFIG_DIR", odd)
        .args(["config", "path"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let mut want = odd.as_bytes().to_vec();
    want.extend_from_slice(b"/config.toml\n");
    assert_eq!(out.stdout, want);

    // A text variable that is not UTF-8 is an error naming it.
    for var in [
        "CPIS_ENV",
        "CPIS_PROFILE",
        "CPIS_ACCESS_TOKEN",
        "CPIS_BASE_URL",
    ] {
        let out = cpis
            .cmd()
            .env(var, std::ffi::OsStr::from_bytes(b"in\xfft"))
            .args(["lookup", "9990000026", "--scheduled"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(var) && err.contains("UTF-8"), "{var}: {err}");
    }

    // A config.toml that is not UTF-8 is exit 2 naming the file.
    std::fs::write(
        cpis.config_dir.path().join("config.toml"),
        b"[profiles.default]\nenv = \"int\xff\"\n",
    )
    .unwrap();
    cpis.run(&["config", "show"])
        .assert_code(2)
        .assert_stderr_has(&["config.toml", "not UTF-8"]);
}

#[test]
fn profile_names_are_letters_digits_dash_underscore() {
    let cpis = Cpis::new();
    for bad in ["../../etc", "a/b", "with space", ""] {
        let r = cpis.run(&["--profile", bad, "config", "set", "env", "int"]);
        r.assert_code(2).assert_stderr_has(&["profile name"]);
        let r = cpis.run_env(&["config", "path"], &[("CPIS_PROFILE", bad)]);
        if !bad.is_empty() {
            r.assert_code(2).assert_stderr_has(&["CPIS_PROFILE"]);
        }
    }
    assert!(!cpis.config_dir.path().join("config.toml").exists());
    cpis.run(&["--profile", "ward_7-b", "config", "set", "env", "int"])
        .assert_code(0);
}

#[test]
fn config_set_keeps_comments_and_unknown_keys() {
    let cpis = Cpis::new();
    let path = cpis.config_dir.path().join("config.toml");
    let text = "# Ward 7 workstation\n[profiles.default]\nenv = \"int\"  # integration only\nnew_setting = \"kept\"\n\n[extras]\nanything = [1, 2, 3]\n";
    std::fs::write(&path, text).unwrap();
    cpis.run(&["config", "set", "care_setting", "scheduled"])
        .assert_code(0);
    cpis.run(&["config", "set", "env", "sandbox"])
        .assert_code(0);
    let after = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        after,
        text.replace("env = \"int\"", "env = \"sandbox\"").replace(
            "new_setting = \"kept\"\n",
            "new_setting = \"kept\"\ncare_setting = \"scheduled\"\n"
        )
    );
    cpis.run(&["config", "unset", "care_setting"])
        .assert_code(0);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text.replace("env = \"int\"", "env = \"sandbox\"")
    );
}

#[test]
fn completions_and_man_pages_are_generated_at_run_time() {
    let cpis = Cpis::new();
    let r = cpis.run(&["completions", "bash"]);
    r.assert_code(0);
    let shipped = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/cpis.bash"),
    )
    .unwrap();
    assert_eq!(r.stdout, shipped);
    cpis.run(&["completions", "tcsh"]).assert_code(2);

    let r = cpis.run(&["man"]);
    r.assert_code(0);
    let shipped_man = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man/cpis.1"),
    )
    .unwrap();
    assert_eq!(r.stdout, shipped_man);

    let dir = tempfile::tempdir().unwrap();
    // An existing page that is a symbolic link is replaced, not written through.
    #[cfg(unix)]
    let victim = {
        let v = dir.path().join("victim");
        std::fs::write(&v, "keep").unwrap();
        std::os::unix::fs::symlink(&v, dir.path().join("cpis-lookup.1")).unwrap();
        v
    };
    cpis.run(&["man", dir.path().to_str().unwrap()])
        .assert_code(0);
    let shipped_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    for entry in std::fs::read_dir(&shipped_dir).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap();
        let written = dir.path().join(name);
        assert_eq!(
            std::fs::read(&written).unwrap(),
            std::fs::read(&p).unwrap(),
            "{}",
            written.display()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::symlink_metadata(&written).unwrap();
            assert!(meta.file_type().is_file());
            assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        }
    }
    #[cfg(unix)]
    assert_eq!(std::fs::read_to_string(victim).unwrap(), "keep");
    cpis.run(&["man", "/nonexistent-cpis-dir"]).assert_code(2);
}
