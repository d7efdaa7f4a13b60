//! A wrapper for secrets (tokens, keys) whose `Debug` and `Display` never show the value.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself. Call this only where the value is sent over TLS or stored securely.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Secrets are serialised only into the credential store.
impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn never_formats_the_value() {
        let s = super::Secret::new("eyJhbGciOi.secret");
        assert!(!format!("{s:?} {s} {s:#?}").contains("secret"));
        assert_eq!(s.expose(), "eyJhbGciOi.secret");
    }
}
