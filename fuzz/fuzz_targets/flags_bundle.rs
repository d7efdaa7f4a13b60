//! Patient Flags API bundles, read as `cpis::api::flags::Client::search` reads them.
#![no_main]
use cpis::api::flags::model;
use cpis::nhs_number::NhsNumber;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut bundle) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let nhs = NhsNumber::parse("9990000018").unwrap();
    if let Ok(read) = model::plans(&bundle, &nhs, 20_000) {
        serde_json::to_string(&read.plans).unwrap();
    }
    model::keep_only_cpis_flags(&mut bundle);
    serde_json::to_vec_pretty(&bundle).unwrap();
});
