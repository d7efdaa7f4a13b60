//! `config.toml`, read as `config::load` reads it.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = cpis::config::parse_file(std::path::Path::new("config.toml"), text);
});
