//! `Retry-After` (`parse_retry_after`) and `Date` (httpdate, as the clock-skew check reads it),
//! and the FHIR/RFC 3339 times of replies.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(d) = cpis::api::platform::parse_retry_after(s) {
        assert!(d <= cpis::api::platform::RETRY_AFTER_BOUND);
    }
    let _ = httpdate::parse_http_date(s);
    let _ = cpis::timeutil::parse_rfc3339(s);
    let _ = cpis::timeutil::parse_date_days(s);
});
