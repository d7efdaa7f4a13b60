//! NHS numbers (`NhsNumber::parse`): whatever parses formats back to the same number.
#![no_main]
use cpis::nhs_number::NhsNumber;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(n) = NhsNumber::parse(s) {
        assert!(n.is_valid());
        assert_eq!(NhsNumber::parse(&n.digits()).unwrap(), n);
        assert_eq!(NhsNumber::parse(&n.to_string()).unwrap(), n);
    }
    let _ = NhsNumber::parse_unchecked(s);
});
