//! NHS England's official example payloads (in ../shared/fixtures/cpis): every one parses, and
//! the sandbox's embedded copies are byte-for-byte the same.

use std::path::{Path, PathBuf};

use cpis::cpis::fhir::{Bundle, OperationOutcome};
use cpis::cpis::model::{self, PlanType};

fn shared() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/cpis");
    assert!(
        dir.is_dir(),
        "the official fixtures are expected at {} (shared/ beside the checkout)",
        dir.display()
    );
    dir
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(shared().join(name)).unwrap()
}

#[test]
fn embedded_copies_are_unchanged() {
    let embedded = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sandbox/data");
    let mut n = 0;
    for entry in std::fs::read_dir(&embedded).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap();
        assert_eq!(
            std::fs::read(&p).unwrap(),
            read(name),
            "{name} differs from the official copy"
        );
        n += 1;
    }
    assert_eq!(n, 5);
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
    let said = cpis::cpis::errors::read_error_body(
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
