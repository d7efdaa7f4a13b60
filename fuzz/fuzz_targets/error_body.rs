//! Error bodies under any content type (`read_error_body`): the first byte picks it.
#![no_main]
use libfuzzer_sys::fuzz_target;

const TYPES: [Option<&str>; 5] = [
    None,
    Some("application/fhir+json"),
    Some("text/html; charset=utf-8"),
    Some("text/plain"),
    Some("application/json"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, body)) = data.split_first() else {
        return;
    };
    let said = cpis::api::platform::errors::read_error_body(TYPES[first as usize % TYPES.len()], body);
    // Whatever it says is shown: never a control or bidi character.
    if let Some(m) = &said.message {
        assert!(!m.chars().any(cpis::sanitize::is_unsafe), "{m:?}");
    }
});
