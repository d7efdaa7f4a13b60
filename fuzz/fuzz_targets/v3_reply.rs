//! The MHS adaptor's HL7 V3 answers (REPC, QUQI, MCCI), read as the V3 route reads them.
#![no_main]
use cpis::nhs_number::NhsNumber;
use cpis::api::v3::reply;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let nhs = NhsNumber::parse("9990000026").unwrap();
    if let Ok(reply::Answer::Records { plans, .. }) = reply::read(data, &nhs, 20_000) {
        // What is shown or written must serialise.
        serde_json::to_string(&plans).unwrap();
    }
});
