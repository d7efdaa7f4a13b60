//! The sandbox's built-in application, as it would be registered with the NHS API platform:
//! its API key, the key id and key pair it signs client assertions with, and the nominated
//! person a system acts for. With `--env local`, `cpis auth login --system` uses these with no
//! flags at all.
//!
//! The private key is **synthetic and public**: it exists only so the embedded sandbox can be
//! signed in to; the sandbox trusts it and nothing else does.

use base64::Engine;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;

/// The built-in application's API key (`iss` = `sub` of its client assertions).
pub const API_KEY: &str = "cpis-sandbox-app-0001";
/// The key id (`kid`) of its signing key.
pub const KID: &str = "cpis-sandbox-key-1";
/// The application's name, as the platform's messages quote it.
pub const APP_NAME: &str = "cpis sandbox application";
/// Its platform client secret (for refresh-token and authorization-code grants). Synthetic.
pub const CLIENT_SECRET: &str = "cpis-sandbox-client-secret";
/// The nominated person a system identity acts for, and their job role.
pub const NOMINATED_PERSON: &str = "Dr Nadia NOMINATED";
pub const NOMINATED_ROLE: &str = "Named Doctor for Safeguarding Children";
/// The synthetic private key (PKCS#1 PEM, 2048-bit).
pub const PRIVATE_KEY_PEM: &str = include_str!("keys/sandbox-app.pem");

/// The public JWKS of an RSA private key in PKCS#1 or PKCS#8 PEM: `{"keys": [{kty, n, e,
/// alg: RS512, use: sig, kid}]}`, as registered with the platform.
pub fn public_jwks(private_key_pem: &str, kid: &str) -> Result<serde_json::Value, String> {
    let key = rsa::RsaPrivateKey::from_pkcs1_pem(private_key_pem)
        .or_else(|_| rsa::RsaPrivateKey::from_pkcs8_pem(private_key_pem))
        .map_err(|_| "not an RSA private key in PKCS#1 or PKCS#8 PEM".to_string())?;
    let b64 = |bytes: Vec<u8>| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    Ok(serde_json::json!({
        "keys": [{
            "kty": "RSA",
            "n": b64(key.n().to_bytes_be()),
            "e": b64(key.e().to_bytes_be()),
            "alg": "RS512",
            "use": "sig",
            "kid": kid,
        }]
    }))
}

/// The mock CIS2 provider's client registration for the built-in application (synthetic).
pub const CIS2_CLIENT_ID: &str = "cpis-sandbox-cis2-client";
pub const CIS2_CLIENT_SECRET: &str = "cpis-sandbox-cis2-secret";
/// The mock CIS2 issuer's path on the sandbox's own origin.
pub const CIS2_ISSUER_PATH: &str = "/cis2/realms/NHSIdentity/realms/Healthcare";
/// The synthetic smartcard user the mock CIS2 signs in when no other is asked for (the
/// platform's published mock-auth test user id).
pub const DEFAULT_USER_ID: &str = "656005750104";
/// A synthetic user whose selected role lacks B0107 (cannot make unscheduled lookups).
pub const NO_B0107_USER_ID: &str = "656005750105";

/// The built-in key's public half, for verifying what it signed.
pub fn public_decoding_key() -> jsonwebtoken::DecodingKey {
    let jwks = public_jwks(PRIVATE_KEY_PEM, KID).expect("the built-in key is valid");
    let k = &jwks["keys"][0];
    jsonwebtoken::DecodingKey::from_rsa_components(
        k["n"].as_str().expect("n"),
        k["e"].as_str().expect("e"),
    )
    .expect("the built-in key is valid")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_built_in_key_has_a_public_jwks() {
        let jwks = super::public_jwks(super::PRIVATE_KEY_PEM, super::KID).unwrap();
        let k = &jwks["keys"][0];
        assert_eq!(k["kid"], super::KID);
        assert_eq!(k["alg"], "RS512");
        assert_eq!(k["e"], "AQAB");
        assert!(super::public_jwks("nope", "k").is_err());
    }
}
