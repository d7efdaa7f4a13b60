//! Neutralising text that came from a server before anyone shows it. Lives below both the API
//! layer (error messages quote the service) and `render` (tables, CSV).

/// Replace control characters (C0, DEL, C1) and bidirectional overrides with U+FFFD, so a
/// value from the server cannot move the cursor, change colours or reorder what is shown.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn neutralises_escapes_and_bidi() {
        assert_eq!(
            sanitize("a\x1b[31mb\u{7}c\u{202E}d\r\n"),
            "a\u{FFFD}[31mb\u{FFFD}c\u{FFFD}d\u{FFFD}\u{FFFD}"
        );
        assert_eq!(sanitize("Melanie JONES"), "Melanie JONES");
    }
}
