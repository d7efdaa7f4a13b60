//! PDS patients (`Patient::from_json`) and the error bodies of PDS and CP-IS
//! (OperationOutcome, HTML, text: `read_error_body`), as the clients read them.
#![no_main]
use cpis::api::pds::model::Patient;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = Patient::from_json("9000000009", &v);
    }
    let _ = cpis::api::platform::errors::read_error_body(Some("application/fhir+json"), data);
});
