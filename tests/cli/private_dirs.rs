//! Private directories (issue 15, item 12): a directory `cpis` keeps private files in is
//! refused when another user could change it or any directory above it (up to home, or `/`),
//! as ssh checks its key paths; sticky directories such as `/tmp` are fine; a symbolic link
//! swapped in for the directory is refused, not followed.

use crate::common;

use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;

use common::Cpis;

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `cpis alert list` (which opens the outbox in the data directory) with `data` as the data
/// directory.
fn alert_list(cpis: &Cpis, data: &Path) -> common::Run {
    cpis.run_env(
        &["alert", "list", "--format", "json"],
        &[("CPIS_DATA_DIR", data.to_str().unwrap())],
    )
}

#[test]
fn a_data_dir_under_a_world_writable_parent_is_refused() {
    let cpis = Cpis::new();
    let open = cpis.config_dir.path().join("shared");
    std::fs::create_dir(&open).unwrap();
    chmod(&open, 0o777);
    let data = open.join("data");
    let data_s = data.to_str().unwrap();
    // Missing: refused before anything is created in it.
    alert_list(&cpis, &data).assert_code(2).assert_stderr_has(&[
        data_s,
        open.to_str().unwrap(),
        "is writable by group or others and not sticky (mode 0777)",
        "chmod go-w",
    ]);
    assert!(!data.exists(), "nothing is created under an unsafe parent");
    // Present and private itself (0700, ours): still refused, for the parent, when written
    // and when only read (the sign-in index).
    std::fs::create_dir(&data).unwrap();
    chmod(&data, 0o700);
    alert_list(&cpis, &data)
        .assert_code(2)
        .assert_stderr_has(&[data_s, "not sticky (mode 0777)"]);
    cpis.run_env(&["auth", "status"], &[("CPIS_DATA_DIR", data_s)])
        .assert_code(2)
        .assert_stderr_has(&[data_s, "not sticky (mode 0777)"]);
    assert_eq!(std::fs::read_dir(&data).unwrap().count(), 0);
    // Group-writable two levels up is refused the same way. (That directory is the test's
    // configuration directory too, which is refused for itself when group-writable: the
    // configuration is read from another one here.)
    chmod(&open, 0o700);
    chmod(cpis.config_dir.path(), 0o770);
    let elsewhere = common::private_tempdir();
    cpis.run_env(
        &["alert", "list", "--format", "json"],
        &[
            ("CPIS_DATA_DIR", data_s),
            ("CPIS_CONFIG_DIR", elsewhere.path().to_str().unwrap()),
        ],
    )
    .assert_code(2)
    .assert_stderr_has(&[
        data_s,
        cpis.config_dir.path().to_str().unwrap(),
        "(mode 0770)",
    ]);
    chmod(cpis.config_dir.path(), 0o700);
    alert_list(&cpis, &data).assert_code(0);
}

#[test]
fn a_data_dir_under_a_sticky_world_writable_parent_is_accepted() {
    let cpis = Cpis::new();
    let sticky = cpis.config_dir.path().join("tmp");
    std::fs::create_dir(&sticky).unwrap();
    chmod(&sticky, 0o1777);
    let data = sticky.join("data");
    let r = alert_list(&cpis, &data);
    r.assert_code(0);
    assert_eq!(r.json(), serde_json::json!([]));
    let mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o700);
    assert!(data.join("alerts/outbox.sqlite").is_file());
}

#[test]
fn a_symlink_swapped_in_for_the_data_dir_is_refused() {
    let cpis = Cpis::new();
    let data = cpis.data_dir();
    alert_list(&cpis, &data).assert_code(0);
    // Someone moves the real directory away and puts a link to another private directory
    // (theirs, or one they can read) in its place.
    let elsewhere = cpis.config_dir.path().join("elsewhere");
    std::fs::rename(&data, &elsewhere).unwrap();
    symlink(&elsewhere, &data).unwrap();
    let data_s = data.to_str().unwrap();
    alert_list(&cpis, &data)
        .assert_code(2)
        .assert_stderr_has(&[data_s, "is a symbolic link"]);
    cpis.run(&["auth", "status"])
        .assert_code(2)
        .assert_stderr_has(&[data_s, "is a symbolic link"]);
    // A link one level down (the outbox's own directory) is refused too.
    std::fs::remove_file(&data).unwrap();
    std::fs::rename(&elsewhere, &data).unwrap();
    let alerts = data.join("alerts");
    let moved = cpis.config_dir.path().join("alerts-moved");
    std::fs::rename(&alerts, &moved).unwrap();
    symlink(&moved, &alerts).unwrap();
    alert_list(&cpis, &data)
        .assert_code(2)
        .assert_stderr_has(&[alerts.to_str().unwrap(), "is a symbolic link"]);
}

#[test]
fn a_config_dir_directly_under_tmp_works() {
    // /tmp is world-writable and sticky: a configuration directory right under it is fine.
    let cpis = Cpis::new();
    let dir = common::private_tempdir();
    let r = cpis.run_env(
        &["config", "set", "care_setting", "scheduled"],
        &[("CPIS_CONFIG_DIR", dir.path().to_str().unwrap())],
    );
    r.assert_code(0);
    assert!(dir.path().join("config.toml").is_file());
}

#[test]
fn a_private_key_is_never_written_where_another_user_could_swap_it() {
    let cpis = Cpis::signed_out();
    let out = cpis.config_dir.path().join("keys");
    std::fs::create_dir(&out).unwrap();
    chmod(&out, 0o777);
    let out_s = out.to_str().unwrap();
    cpis.run(&["auth", "keygen", "--kid", "k1", "--out", out_s])
        .assert_code(2)
        .assert_stderr_has(&[out_s, "not sticky (mode 0777)"]);
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
}

#[test]
fn a_batch_state_where_another_user_could_swap_it_is_refused() {
    let cpis = Cpis::new();
    let dir = cpis.config_dir.path();
    let list = dir.join("list.txt");
    std::fs::write(&list, "9990000018\n").unwrap();
    let open = dir.join("shared");
    std::fs::create_dir(&open).unwrap();
    chmod(&open, 0o777);
    let state = open.join("run.state");
    let args = [
        "batch",
        list.to_str().unwrap(),
        "--scheduled",
        "--state",
        state.to_str().unwrap(),
    ];
    let r = cpis.run(&args);
    r.assert_code(2)
        .assert_stderr_has(&[open.to_str().unwrap(), "not sticky (mode 0777)"]);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(!state.exists());
    chmod(&open, 0o1777);
    cpis.run(&args).assert_code(0);
    assert!(state.is_file());
}

#[test]
fn a_config_dir_others_may_read_is_accepted_but_never_one_they_may_write() {
    // Issue 19 item 18: dotfile managers make 0755 directories; config.toml holds no secret.
    let cpis = Cpis::new();
    let dir = cpis.config_dir.path();
    let dir_s = dir.to_str().unwrap();
    let config = dir.join("config.toml");
    cpis.run(&["config", "set", "care_setting", "scheduled"])
        .assert_code(0);
    let file_mode = std::fs::metadata(&config).unwrap().permissions().mode() & 0o7777;
    assert_eq!(file_mode, 0o600);
    chmod(dir, 0o755);
    // Read and written in a 0755 directory, with a dotfile manager's 0644 file too.
    let r = cpis.run(&["config", "get", "care_setting"]);
    r.assert_code(0);
    assert_eq!(r.stdout, "scheduled\n");
    cpis.run(&["config", "set", "timeout", "9"]).assert_code(0);
    chmod(&config, 0o644);
    cpis.run(&["config", "get", "timeout"]).assert_code(0);
    // The data directory, holding secrets and NHS numbers, stays 0700.
    let data = cpis.data_dir();
    std::fs::create_dir_all(&data).unwrap();
    chmod(&data, 0o755);
    alert_list(&cpis, &data).assert_code(2).assert_stderr_has(&[
        data.to_str().unwrap(),
        "accessible by group or others (mode 0755)",
    ]);
    chmod(&data, 0o700);
    alert_list(&cpis, &data).assert_code(0);
    // Writable by the group: refused when read (by any command) and when written.
    chmod(dir, 0o775);
    for args in [
        &["config", "get", "care_setting"][..],
        &["config", "set", "care_setting", "unscheduled"],
        &["lookup", "9990000026", "--scheduled"],
    ] {
        let r = cpis.run(args);
        r.assert_code(2).assert_stderr_has(&[
            dir_s,
            "writable by group or others (mode 0775)",
            "chmod go-w",
        ]);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
    }
    assert!(std::fs::read_to_string(&config)
        .unwrap()
        .contains("\"scheduled\""));
    // A group-writable config.toml in a good directory: refused the same way.
    chmod(dir, 0o755);
    chmod(&config, 0o664);
    cpis.run(&["config", "get", "care_setting"])
        .assert_code(2)
        .assert_stderr_has(&[config.to_str().unwrap(), "(mode 0664)", "chmod go-w"]);
    chmod(&config, 0o600);
    chmod(dir, 0o700);
}
