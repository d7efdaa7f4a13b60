//! `cpis auth`: sign-in with a supplied token, where credentials are kept (a keyring test
//! double, never the machine's keyring; the opt-in file), status, logout, and that an
//! endpoint other than the embedded sandbox gets nothing without a credential.

use crate::common;
use common::*;

const TOKEN: &str = "stored-token-9f8e7d6c5b4a";

fn empty(_: &Seen, _: usize) -> Reply {
    Reply::fhir(EMPTY_BUNDLE)
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// No token or key material anywhere but the credential store's own entry.
#[track_caller]
fn assert_token_only_in_store(cpis: &Cpis, runs: &[&Run], store_dir: &std::path::Path) {
    for r in runs {
        assert!(
            !r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN),
            "{r:?}"
        );
    }
    for (path, bytes) in cpis.files() {
        if contains(&bytes, TOKEN) {
            assert!(path.starts_with(store_dir), "token in {}", path.display());
        }
    }
}

#[test]
fn login_with_token_then_lookups_use_it_until_logout() {
    let server = Scripted::start(empty);
    let cpis = Cpis::signed_out();
    let base = server.base_url();
    let at = |args: &[&str]| {
        let mut v = vec!["--base-url", &base];
        v.extend_from_slice(args);
        cpis.run(&v)
    };

    // Not signed in: status says so and how to fix it, exit 4; a lookup sends nothing.
    let before = at(&["auth", "status", "--json"]);
    before.assert_code(4);
    let v = before.json();
    assert_eq!(v["signed_in"], false);
    assert_eq!(v["usable"], false);
    // The fix carries the options in effect, so that it works when pasted.
    assert!(v["fix"]
        .as_str()
        .unwrap()
        .contains(&format!("cpis --base-url {base} auth login")));
    at(&["lookup", "9434765919", "--scheduled"]).assert_code(4);
    assert!(server.requests().is_empty());

    let login = cpis.run_stdin(
        &["--base-url", &base, "auth", "login", "--with-token"],
        &[],
        &format!("{TOKEN}\n"),
    );
    login
        .assert_code(0)
        .assert_stderr_has(&["signed in to custom"]);

    let lookup = at(&["lookup", "9434765919", "--scheduled"]);
    lookup.assert_code(0);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    for q in &reqs {
        assert_eq!(q.header("authorization"), Some(&*format!("Bearer {TOKEN}")));
    }

    let status = at(&["auth", "status", "--json"]);
    status.assert_code(0);
    let v = status.json();
    assert_eq!(v["signed_in"], true);
    assert_eq!(v["usable"], true);
    assert_eq!(v["kind"], "token");
    assert_eq!(v["source"], "stored");
    assert_eq!(v["credential_store_backend"], "keyring");
    assert_eq!(v["environment"], "custom");
    let table = at(&["auth", "status"]);
    table.assert_code(0);
    assert!(
        table.stdout.contains("Usable:       yes"),
        "{}",
        table.stdout
    );

    assert_token_only_in_store(
        &cpis,
        &[&login, &lookup, &status, &table],
        &cpis.keyring_dir(),
    );

    // The credential belongs to this endpoint and profile only.
    let other = Scripted::start(empty);
    cpis.run(&[
        "--base-url",
        &other.base_url(),
        "lookup",
        "9434765919",
        "--scheduled",
    ])
    .assert_code(4);
    cpis.run(&[
        "--profile",
        "ward",
        "config",
        "set",
        "care_setting",
        "scheduled",
    ])
    .assert_code(0);
    cpis.run(&[
        "--profile",
        "ward",
        "--base-url",
        &base,
        "lookup",
        "9434765919",
    ])
    .assert_code(4);
    assert!(other.requests().is_empty());
    assert_eq!(server.requests().len(), 2);

    let logout = at(&["auth", "logout"]);
    logout.assert_code(0).assert_stderr_has(&["signed out"]);
    at(&["lookup", "9434765919", "--scheduled"]).assert_code(4);
    assert_eq!(server.requests().len(), 2);
    // Nothing of it is left anywhere.
    assert!(cpis.files().iter().all(|(_, b)| !contains(b, TOKEN)));
    at(&["auth", "logout"])
        .assert_code(0)
        .assert_stderr_has(&["nothing stored"]);
}

#[test]
fn the_environment_variable_wins_over_the_stored_token() {
    let server = Scripted::start(empty);
    let cpis = Cpis::signed_out();
    let base = server.base_url();
    cpis.run_stdin(
        &["--base-url", &base, "auth", "login", "--with-token"],
        &[],
        TOKEN,
    )
    .assert_code(0);
    let env = [("CPIS_ACCESS_TOKEN", "from-the-environment")];
    let v = cpis
        .run_env(&["--base-url", &base, "auth", "status", "--json"], &env)
        .json();
    assert_eq!(v["source"], "CPIS_ACCESS_TOKEN");
    assert_eq!(v["env_token_overrides_stored"], true);
    cpis.run_env(
        &["--base-url", &base, "lookup", "9434765919", "--scheduled"],
        &env,
    )
    .assert_code(0);
    assert!(server
        .requests()
        .iter()
        .all(|q| q.header("authorization") == Some("Bearer from-the-environment")));
}

#[test]
fn a_token_that_cannot_be_a_header_is_refused_and_nothing_is_stored() {
    let cpis = Cpis::signed_out();
    for bad in ["", "two\nlines", "tab\there", "caf\u{e9}"] {
        cpis.run_stdin(&["--env", "int", "auth", "login", "--with-token"], &[], bad)
            .assert_code(2);
    }
    assert!(cpis.files().is_empty(), "{:?}", cpis.files());
}

#[cfg(unix)]
#[test]
fn the_opt_in_file_store_is_private_and_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let cpis = Cpis::signed_out();
    let env = [("CPIS_CREDENTIAL_STORE", "file")];
    let login = cpis.run_stdin(
        &["--env", "int", "auth", "login", "--with-token"],
        &env,
        TOKEN,
    );
    login.assert_code(0).assert_stderr_has(&["warning", "file"]);
    let data = cpis.data_dir();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("credentials.json")), 0o600);
    assert_eq!(mode(&data.join("sessions.json")), 0o600);
    // Nothing went to the keyring (double).
    assert!(!cpis.keyring_dir().exists());
    let status = cpis.run(&["--env", "int", "auth", "status", "--json"]);
    status.assert_code(0).assert_stderr_has(&["warning"]);
    let v = status.json();
    assert_eq!(v["credential_store_backend"], "file");
    assert!(v["credential_store"]
        .as_str()
        .unwrap()
        .contains("credentials.json"));
    // Only sessions.json (not secret) and credentials.json (the opt-in store) are written;
    // the token is only in the latter.
    let store_file = data.join("credentials.json");
    for (path, bytes) in cpis.files() {
        if contains(&bytes, TOKEN) {
            assert_eq!(path, store_file);
        }
    }
    // The profile can opt in instead of the environment variable.
    let other = Cpis::signed_out();
    other
        .run(&["config", "set", "credential_store", "file"])
        .assert_code(0);
    other
        .run_stdin(
            &["--env", "int", "auth", "login", "--with-token"],
            &[],
            TOKEN,
        )
        .assert_code(0);
    assert!(other.data_dir().join("credentials.json").exists());
}

#[test]
fn an_unavailable_keyring_is_reported_with_the_opt_in_and_nothing_is_kept() {
    let cpis = Cpis::signed_out();
    let r = cpis.run_stdin(
        &["--env", "int", "auth", "login", "--with-token"],
        &[("CPIS_TEST_KEYRING", "unavailable")],
        TOKEN,
    );
    r.assert_code(4)
        .assert_stderr_has(&["OS keyring is not available", "CPIS_CREDENTIAL_STORE=file"]);
    assert!(cpis.files().is_empty(), "{:?}", cpis.files());
    assert!(!r.stderr.contains(TOKEN));
}

#[test]
fn a_keyring_that_never_answers_cannot_hang_the_tool() {
    let cpis = Cpis::signed_out();
    let r = cpis.run_stdin(
        &["--env", "int", "auth", "login", "--with-token"],
        &[
            ("CPIS_TEST_KEYRING", "hang"),
            ("CPIS_KEYRING_TIMEOUT_MS", "200"),
        ],
        TOKEN,
    );
    r.assert_code(4)
        .assert_stderr_has(&["did not answer within 0.2 s", "CPIS_CREDENTIAL_STORE=file"]);
    assert!(cpis.files().is_empty());

    // A stored sign-in whose keyring then hangs: the lookup stops with exit 4, sending nothing.
    let server = Scripted::start(empty);
    let base = server.base_url();
    cpis.run_stdin(
        &["--base-url", &base, "auth", "login", "--with-token"],
        &[],
        TOKEN,
    )
    .assert_code(0);
    cpis.run_env(
        &["--base-url", &base, "lookup", "9434765919", "--scheduled"],
        &[
            ("CPIS_TEST_KEYRING", "hang"),
            ("CPIS_KEYRING_TIMEOUT_MS", "200"),
        ],
    )
    .assert_code(4);
    assert!(server.requests().is_empty());
}

#[test]
fn the_embedded_sandbox_needs_no_credential() {
    let cpis = Cpis::signed_out();
    cpis.run(&["lookup", "9990000026", "--scheduled"])
        .assert_code(0);
    let r = cpis.run(&["auth", "status", "--json"]);
    r.assert_code(0);
    assert_eq!(r.json()["environment"], "local");
    // Nothing was read from or written to any store.
    assert!(cpis.files().is_empty(), "{:?}", cpis.files());
}

#[test]
fn keyring_failures_say_which_it_is() {
    for (double, says) in [
        ("unavailable", "no Secret Service"),
        ("locked", "the OS keyring is locked"),
        ("dismissed", "unlock prompt was dismissed"),
    ] {
        let cpis = Cpis::signed_out();
        let r = cpis.run_stdin(
            &["--env", "int", "auth", "login", "--with-token"],
            &[("CPIS_TEST_KEYRING", double)],
            TOKEN,
        );
        r.assert_code(4).assert_stderr_has(&[says]);
        assert!(
            !r.stderr.contains("waiting for the keyring"),
            "{}",
            r.stderr
        );
        assert!(cpis.files().is_empty(), "{double}: {:?}", cpis.files());
    }
}

#[test]
fn on_a_desktop_a_keyring_waiting_to_be_unlocked_gets_longer_and_says_so() {
    // Without a desktop no prompt can be seen: the call times out as before.
    let cpis = Cpis::signed_out();
    let keyring = format!("slow:1500:dir:{}", cpis.keyring_dir().display());
    let r = cpis.run_stdin(
        &["--env", "int", "auth", "login", "--with-token"],
        &[
            ("CPIS_TEST_KEYRING", &keyring),
            ("CPIS_KEYRING_TIMEOUT_MS", "200"),
        ],
        TOKEN,
    );
    r.assert_code(4)
        .assert_stderr_has(&["the OS keyring timed out", "did not answer within 0.2 s"]);
    assert!(
        !r.stderr.contains("waiting for the keyring"),
        "{}",
        r.stderr
    );
    // On a desktop the same slow answer (an unlock prompt being answered) is waited for.
    let cpis = Cpis::signed_out();
    let keyring = format!("slow:1500:dir:{}", cpis.keyring_dir().display());
    let r = cpis.run_stdin(
        &["--env", "int", "auth", "login", "--with-token"],
        &[
            ("CPIS_TEST_KEYRING", &keyring),
            ("CPIS_KEYRING_TIMEOUT_MS", "200"),
            ("DISPLAY", ":99"),
        ],
        TOKEN,
    );
    r.assert_code(0)
        .assert_stderr_has(&["note: waiting for the keyring to be unlocked"]);
    assert!(!r.stderr.contains(TOKEN));
    // A prompt never answered: given up after the unlock timeout, saying so.
    let r = Cpis::signed_out().run_stdin(
        &["--env", "int", "auth", "login", "--with-token"],
        &[
            ("CPIS_TEST_KEYRING", "hang"),
            ("CPIS_KEYRING_TIMEOUT_MS", "200"),
            ("CPIS_KEYRING_UNLOCK_TIMEOUT_MS", "600"),
            ("WAYLAND_DISPLAY", "wayland-0"),
        ],
        TOKEN,
    );
    r.assert_code(4).assert_stderr_has(&[
        "waiting for the keyring to be unlocked",
        "did not answer within 0.6 s (no unlock in that time)",
        "CPIS_KEYRING_UNLOCK_TIMEOUT_MS",
    ]);
    // --quiet: no note, the same outcome.
    let r = Cpis::signed_out().run_stdin(
        &["--env", "int", "-q", "auth", "login", "--with-token"],
        &[
            ("CPIS_TEST_KEYRING", "hang"),
            ("CPIS_KEYRING_TIMEOUT_MS", "200"),
            ("CPIS_KEYRING_UNLOCK_TIMEOUT_MS", "400"),
            ("DISPLAY", ":99"),
        ],
        TOKEN,
    );
    r.assert_code(4);
    assert!(
        !r.stderr.contains("waiting for the keyring"),
        "{}",
        r.stderr
    );
}
