//! CP-IS FHIR searchsets (CareTeam, AuditEvent), read as `cpis::Client::search` reads them.
#![no_main]
use cpis::api::platform::fhir::Bundle;
use cpis::api::cpis::{model, patient, Search};
use cpis::nhs_number::NhsNumber;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(bundle) = serde_json::from_slice::<Bundle>(data) else {
        return;
    };
    let nhs = NhsNumber::parse("9990000018").unwrap();
    for search in [Search::CareTeam, Search::AuditEvent] {
        let _ = patient::check(search, &bundle, &nhs);
    }
    let _ = bundle.next_link();
    let plans = model::plans_from([&bundle], 20_000);
    let accesses = model::accesses_from([&bundle]);
    // What is shown or written must serialise.
    serde_json::to_string(&plans).unwrap();
    serde_json::to_string(&accesses).unwrap();
});
