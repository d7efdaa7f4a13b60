//! CIS2's OpenID Connect answers: discovery, userinfo, and an id_token checked against a
//! JWKS (`check_id_token`). Input: JWKS JSON, a 0 byte, the id_token.
#![no_main]
use cpis::auth::cis2::{self, Discovery, IdClaims, Jwks, Userinfo};
use cpis::secret::Secret;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let d = cis2::parse_json::<Discovery>(data, "CIS2 discovery");
    let info = cis2::parse_json::<Userinfo>(data, "CIS2 userinfo");
    let claims = cis2::parse_json::<IdClaims>(data, "claims");
    if let (Ok(c), Ok(i)) = (&claims, &info) {
        let _ = cis2::check_userinfo_sub(c, i);
        let _ = cis2::identity(c, i);
    }
    let d = d.unwrap_or_else(|_| Discovery {
        issuer: "https://cis2.example".into(),
        authorization_endpoint: "https://cis2.example/authorize".into(),
        token_endpoint: "https://cis2.example/token".into(),
        userinfo_endpoint: None,
        jwks_uri: "https://cis2.example/jwks".into(),
    });
    let (jwks, token) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(jwks) = cis2::parse_json::<Jwks>(jwks, "CIS2 JWKS") else {
        return;
    };
    let token = Secret::new(String::from_utf8_lossy(token));
    let _ = cis2::check_id_token(&d, "client", "nonce", &token, &jwks);
});
