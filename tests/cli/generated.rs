//! Completions and man pages are generated from the clap definition and checked in. This test
//! fails when they drift; regenerate with `CPIS_BLESS=1 cargo test --test cli generated`.

use std::collections::BTreeMap;
use std::path::Path;

fn check(dir: &str, expected: BTreeMap<String, Vec<u8>>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    if std::env::var_os("CPIS_BLESS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
        for (name, bytes) in &expected {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        return;
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let wanted: Vec<String> = expected.keys().cloned().collect();
    assert_eq!(
        on_disk,
        wanted,
        "files in {} differ from the generated set; run CPIS_BLESS=1 cargo test --test cli generated",
        dir.display()
    );
    for (name, bytes) in &expected {
        let have = std::fs::read(dir.join(name)).unwrap();
        assert!(
            have == *bytes,
            "{}/{name} is out of date; run CPIS_BLESS=1 cargo test --test cli generated",
            dir.display()
        );
    }
}

#[test]
fn completions_are_up_to_date() {
    check("completions", cpis::cli::generate::completions());
}

#[test]
fn man_pages_are_up_to_date() {
    let pages = cpis::cli::generate::man_pages();
    for name in [
        "cpis.1",
        "cpis-lookup.1",
        "cpis-sandbox.1",
        "cpis-sandbox-serve.1",
        "cpis-sandbox-patients.1",
        "cpis-config.1",
        "cpis-config-set.1",
    ] {
        assert!(pages.contains_key(name), "no man page {name}");
    }
    let root = String::from_utf8(pages["cpis.1"].clone()).unwrap();
    for cpis::error::KindRow { code, .. } in cpis::error::KINDS {
        assert!(
            root.contains(&format!(" {code} ")),
            "exit code {code} missing from cpis.1"
        );
    }
    check("man", pages);
}

/// The indented command lines under "## On a fresh machine" in the README: (run, test).
fn fresh_machine_commands(readme: &str) -> (String, String) {
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with("On a fresh machine"))
        .expect("README has a section \"On a fresh machine\"");
    let commands: Vec<&str> = section
        .lines()
        .filter_map(|l| l.strip_prefix("    "))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        commands.len(),
        2,
        "the section gives exactly two commands: {commands:?}"
    );
    (commands[0].to_string(), commands[1].to_string())
}

#[test]
fn readme_lists_every_exit_code_and_the_commands_that_ci_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for cpis::error::KindRow {
        code,
        class,
        meaning,
        ..
    } in cpis::error::KINDS
    {
        let row = format!("| {code} | `{class}` | {meaning} |");
        assert!(
            readme.contains(&row),
            "README lacks the exit-code row: {row}"
        );
    }
    let (run, test) = fresh_machine_commands(&readme);
    // The test command is exactly the one .ci/run runs (its last command line).
    let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    let ci_test = ci
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap();
    assert_eq!(test, ci_test, "README's test command is not what CI runs");
    // The main job works on a fresh machine: run its arguments through this build.
    let args = run
        .strip_prefix("cargo run --release -- ")
        .expect("the run command is `cargo run --release -- ARGS`");
    let config = crate::common::private_tempdir();
    let out = crate::common::bare_cmd()
        .args(args.split_whitespace())
        .env("CPIS_CONFIG_DIR", config.path())
        .env("CPIS_DATA_DIR", config.path().join("data"))
        .env("CPIS_TEST_KEYRING", "unavailable")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{run}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("999 000 0018"), "{run}: {stdout}");
}

/// One table of environment variables (`cpis::env::VARS`): the README lists each in its
/// words, `--help` carries them, and every variable name the source reads is in the table
/// (but for the test hooks, which only a test-hooks build reads).
#[test]
fn every_environment_variable_read_is_in_the_one_table_and_the_readme() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let help = crate::common::Cpis::new().run(&["--help"]);
    for v in cpis::env::VARS {
        let row = format!("| `{}` | {} |", v.name, v.meaning);
        assert!(readme.contains(&row), "README lacks the row: {row}");
        if !v.meaning.starts_with("as ") {
            assert!(help.stdout.contains(v.name), "--help lacks {}", v.name);
        }
    }
    // Names that look like variables but are not read from the environment by a user's build.
    // (CPIS_CLIENT_ASSERTION is only a shell variable the --curl hints export for curl.)
    let not_read = [
        "CPIS_V3_SAMPLES",
        "CPIS_DOCTOR_PROBE",
        "CPIS_CA_BUNDLE",
        "CPIS_CLIENT_ASSERTION",
    ];
    let mut files = Vec::new();
    crate::architecture::sources(&root.join("src"), &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, _) in text.match_indices("\"CPIS_") {
            let name: String = text[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if name.starts_with("CPIS_TEST_") || not_read.contains(&name.as_str()) {
                continue;
            }
            assert!(
                cpis::env::VARS.iter().any(|v| v.name == name),
                "{} reads {name}, which is not in cpis::env::VARS",
                f.display()
            );
        }
    }
}

/// The hazard log's evidence stays true: every test it names in `tests/cli/FILE.rs` exists in
/// that file, and every source file it names exists.
#[test]
fn every_test_the_hazard_log_names_as_evidence_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let log = std::fs::read_to_string(root.join("docs/hazard-log.md")).unwrap();
    let mut checked = 0;
    for line in log.lines().filter(|l| l.starts_with("| Evidence |")) {
        // `tests/cli/FILE.rs`: `name`, `name`; `tests/cli/OTHER.rs`: `name` ...
        let mut file: Option<String> = None;
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 0 {
                continue;
            }
            if part.starts_with("tests/") || part.starts_with("src/") {
                let path = root.join(part);
                assert!(
                    path.exists(),
                    "the hazard log names {part}, which does not exist"
                );
                file = part.starts_with("tests/cli/").then(|| part.to_string());
            } else if let Some(f) = &file {
                if part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                {
                    let text = std::fs::read_to_string(root.join(f)).unwrap();
                    assert!(
                        text.contains(&format!("fn {part}(")),
                        "the hazard log names the test {part} in {f}, which has no such test"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 30, "only {checked} tests named");
}
