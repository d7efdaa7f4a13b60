//! NHS England's official example payloads: the repository keeps its own copies under
//! `tests/fixtures/cpis` (with their SOURCES.md), every one parses, the sandbox's embedded
//! copies are byte-for-byte the same, and, when `../shared` is beside the checkout, the copies
//! still equal the originals there.

use std::path::{Path, PathBuf};

use cpis::api::cpis::model;
use cpis::api::platform::fhir::{Bundle, OperationOutcome};
use cpis::api::record::{self, PlanType};

fn copies() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cpis")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(copies().join(name)).unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn embedded_copies_are_unchanged() {
    let embedded = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/sandbox/src/data");
    let embedded_names = names(&embedded);
    assert_eq!(embedded_names.len(), 14);
    for name in embedded_names {
        // PDS payloads are embedded as `pds-NAME`, copies of tests/fixtures/pds/NAME.
        let official = match name.strip_prefix("pds-") {
            Some(pds) => std::fs::read(pds_copies().join(pds)).unwrap(),
            None => read(&name),
        };
        assert_eq!(
            std::fs::read(embedded.join(&name)).unwrap(),
            official,
            "{name} differs from the official copy"
        );
    }
}

fn pds_copies() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pds")
}

#[test]
fn the_pds_copies_still_equal_the_shared_originals_when_present() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/pds");
    if !shared.is_dir() {
        eprintln!("note: {} is absent; comparing nothing", shared.display());
        return;
    }
    for name in names(&pds_copies()) {
        assert_eq!(
            std::fs::read(pds_copies().join(&name)).unwrap(),
            std::fs::read(shared.join(&name)).unwrap(),
            "tests/fixtures/pds/{name} differs from ../shared"
        );
    }
}

#[test]
fn every_pds_patient_fixture_parses_and_classifies() {
    for name in names(&pds_copies()) {
        let Some(nhs) = name
            .strip_prefix("sandbox-patient-")
            .and_then(|n| n.strip_suffix(".json"))
        else {
            continue;
        };
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(pds_copies().join(&name)).unwrap()).unwrap();
        let p = cpis::api::pds::Patient::from_json(nhs, &v).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(p.nhs_number, nhs);
        assert!(!p.superseded);
    }
}

#[test]
fn the_copies_still_equal_the_shared_originals_when_present() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/cpis");
    if !shared.is_dir() {
        eprintln!("note: {} is absent; comparing nothing", shared.display());
        return;
    }
    assert_eq!(names(&copies()), names(&shared));
    for name in names(&shared) {
        assert_eq!(
            read(&name),
            std::fs::read(shared.join(&name)).unwrap(),
            "tests/fixtures/cpis/{name} differs from ../shared"
        );
    }
}

#[test]
fn every_json_fixture_parses() {
    let today = cpis::timeutil::days_from_civil(2026, 11, 25);
    let ct: Bundle = serde_json::from_slice(&read("fhir-careteam-searchset-found.json")).unwrap();
    let plans = model::plans_from([&ct], today);
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].plan_type, PlanType::ChildProtectionPlan);

    let ae: Bundle = serde_json::from_slice(&read("fhir-auditevent-searchset-found.json")).unwrap();
    let a = model::accesses_from([&ae]);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].name.as_deref(), Some("Mrs Paula PALMER"));
    assert_eq!(
        a[0].organisation.as_deref(),
        Some("THE WHITTINGTON HOSPITAL NHS TRUST - COMM. PAED. MEDICAL TEAM (RKEAA)")
    );

    let none: Bundle =
        serde_json::from_slice(&read("fhir-searchset-no-record-found.json")).unwrap();
    assert_eq!(none.total, Some(0));
    assert!(model::plans_from([&none], today).is_empty());

    let oo: OperationOutcome =
        serde_json::from_slice(&read("fhir-operationoutcome-access-denied.json")).unwrap();
    let said = cpis::api::platform::errors::read_error_body(
        Some("application/fhir+json"),
        &read("fhir-operationoutcome-access-denied.json"),
    );
    assert_eq!(oo.issue.len(), 1);
    assert_eq!(said.code.as_deref(), Some("ACCESS_DENIED"));

    let cs: serde_json::Value =
        serde_json::from_slice(&read("capabilitystatement-cpis-fhir-api-consumer.json")).unwrap();
    let types: Vec<&str> = cs["rest"][0]["resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["CareTeam", "AuditEvent"]);
}

#[test]
fn the_patient_flags_xml_fixture_parses_and_carries_a_cp_plan() {
    use quick_xml::events::Event;
    let xml = read("patientflag-cpis-cpp-bundle-collection.xml");
    let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
    let mut buf = Vec::new();
    let mut elements = Vec::new();
    let mut values = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).unwrap() {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                for a in e.attributes() {
                    let a = a.unwrap();
                    if a.key.as_ref() == b"value" {
                        values.push((name.clone(), a.unescape_value().unwrap().into_owned()));
                    }
                }
                elements.push(name);
            }
            _ => {}
        }
        buf.clear();
    }
    for resource in ["Bundle", "Flag", "CarePlan", "CareTeam"] {
        assert!(elements.iter().any(|e| e == resource), "no {resource}");
    }
    let codes: Vec<&str> = values
        .iter()
        .filter(|(n, _)| n == "code")
        .map(|(_, v)| v.as_str())
        .collect();
    assert!(codes
        .iter()
        .any(|c| PlanType::from_code(c) == Some(PlanType::ChildProtectionPlan)));
    assert!(values.iter().any(|(_, v)| v == "01133973581"));
}

/// The sandbox keeps its own vocabulary (it checks the client rather than agreeing with it),
/// so each side is checked here against the published examples: every system and code the
/// examples show is written the same on both sides, and the ones they do not show (the
/// looked-after and unborn plan codes, the ASID system) are the values the README documents.
#[test]
fn the_sandboxs_vocabulary_and_the_clients_both_match_the_published_examples() {
    use cpis::sandbox::vocab;
    let published = [
        "fhir-careteam-searchset-found.json",
        "fhir-auditevent-searchset-found.json",
    ]
    .map(|n| String::from_utf8(read(n)).unwrap())
    .join("\n");
    let quoted = |v: &str| format!("\"{v}\"");
    for (what, sandbox, client) in [
        (
            "NHS number system",
            vocab::NHS_NUMBER_SYSTEM,
            record::SYSTEM_NHS_NUMBER,
        ),
        (
            "role profile system",
            vocab::ROLE_PROFILE_SYSTEM,
            record::SYSTEM_ROLE_PROFILE,
        ),
        ("SNOMED CT", vocab::SNOMED_SYSTEM, record::SNOMED),
        (
            "child protection plan code",
            vocab::PLAN_CPP,
            record::CODE_CPP,
        ),
    ] {
        assert!(
            published.contains(&quoted(sandbox)),
            "sandbox {what} {sandbox:?}"
        );
        assert!(
            published.contains(&quoted(client)),
            "client {what} {client:?}"
        );
    }
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for (what, sandbox, client) in [
        ("looked-after code", vocab::PLAN_LAC, record::CODE_LAC),
        ("unborn plan code", vocab::PLAN_UCPP, record::CODE_UCPP),
        ("ASID system", vocab::ASID_SYSTEM, record::SYSTEM_ASID),
    ] {
        assert!(
            readme.contains(&format!("`{sandbox}`")),
            "sandbox {what} {sandbox:?}"
        );
        assert!(
            readme.contains(&format!("`{client}`")),
            "client {what} {client:?}"
        );
    }
}
