//! Token endpoint replies: the API platform's (`parse_token_reply`, with the lifetimes
//! derived from them) and CIS2's (`cis2::parse_token_reply`).
#![no_main]
use cpis::auth::{cis2, system};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = system::parse_token_reply(data) {
        for now in [0, 1_800_000_000, u64::MAX] {
            let _ = r.expires_at(now);
            let _ = r.refresh_expires_at(now);
        }
    }
    let _ = cis2::parse_token_reply(data);
});
