//! Completions and man pages are generated from the clap definition and checked in. This test
//! fails when they drift; regenerate with `CPIS_BLESS=1 cargo test --test generated`.

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
        "files in {} differ from the generated set; run CPIS_BLESS=1 cargo test --test generated",
        dir.display()
    );
    for (name, bytes) in &expected {
        let have = std::fs::read(dir.join(name)).unwrap();
        assert!(
            have == *bytes,
            "{}/{name} is out of date; run CPIS_BLESS=1 cargo test --test generated",
            dir.display()
        );
    }
}

#[test]
fn completions_are_up_to_date() {
    check("completions", cpis::generate::completions());
}

#[test]
fn man_pages_are_up_to_date() {
    let pages = cpis::generate::man_pages();
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
    for (code, _) in cpis::error::EXIT_CODES {
        assert!(
            root.contains(&format!(" {code} ")),
            "exit code {code} missing from cpis.1"
        );
    }
    check("man", pages);
}

#[test]
fn readme_lists_every_exit_code_and_the_test_command() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for (code, meaning) in cpis::error::EXIT_CODES {
        let row = format!("| {code} | {meaning} |");
        assert!(
            readme.contains(&row),
            "README lacks the exit-code row: {row}"
        );
    }
    let ci =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/run")).unwrap();
    let test_line = ci.lines().last().unwrap().trim();
    assert!(
        readme.contains(test_line),
        "README must give the CI test command {test_line:?}"
    );
}
