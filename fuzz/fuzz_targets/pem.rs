//! CA bundles (`tls::pem_certificates`) and private keys (`system::check_private_key`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cpis::net::tls::pem_certificates(data);
    let text = String::from_utf8_lossy(data);
    let _ = cpis::auth::system::check_private_key(&cpis::secret::Secret::new(text), "the key");
});
