//! Neutralising text that came from a server before anyone shows it. Lives below both the API
//! layer (error messages quote the service) and `render` (tables, CSV).

/// Is `c` a character that can change how text around it is shown: a control character (C0,
/// DEL, C1: escapes, cursor movement, line breaks), a bidirectional mark, embedding, override
/// or isolate (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069), or a line or paragraph
/// separator (U+2028, U+2029)?
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Replace every [`is_unsafe`] character with U+FFFD, so a value from the server cannot move
/// the cursor, change colours or reorder what is shown. Idempotent.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if is_unsafe(c) { '\u{FFFD}' } else { c })
        .collect()
}

/// The most characters of a user's input repeated in an error or a record.
pub const ECHO_MAX: usize = 40;

/// Input echoed back (an error, a record): [`sanitize`]d, and cut to [`ECHO_MAX`] characters
/// with `…` when longer, so a pasted paragraph or an escape sequence is never repeated whole.
pub fn echo(s: &str) -> String {
    let clean = sanitize(s);
    if clean.chars().count() > ECHO_MAX {
        let mut cut: String = clean.chars().take(ECHO_MAX).collect();
        cut.push('…');
        cut
    } else {
        clean
    }
}

/// A CSV cell: [`sanitize`]d, and prefixed with `'` when it starts with a character a
/// spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, carriage return).
pub fn csv_cell(s: &str) -> String {
    let clean = sanitize(s);
    if clean.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{clean}")
    } else {
        clean
    }
}

/// JSON text with every [`is_unsafe`] character written as a `\uXXXX` escape: the same JSON
/// value, shown safely (`--raw`). Outside strings JSON holds only whitespace, which stays.
pub fn json_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_unsafe(c) && !matches!(c, '\n' | '\r' | '\t') {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
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
        for c in [
            '\u{200E}', '\u{200F}', '\u{061C}', '\u{2066}', '\u{2069}', '\u{2028}',
        ] {
            assert_eq!(sanitize(&format!("a{c}b")), "a\u{FFFD}b", "{c:?}");
        }
        let once = sanitize("x\u{1b}\u{202E}y");
        assert_eq!(sanitize(&once), once, "idempotent");
    }

    #[test]
    fn csv_cells_cannot_be_formulas() {
        use super::csv_cell;
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for s in ["+1", "-1", "@SUM(A1)"] {
            assert_eq!(csv_cell(s), format!("'{s}"));
        }
        assert_eq!(csv_cell("\u{1b}[31m"), "\u{FFFD}[31m");
        assert_eq!(csv_cell("Kent"), "Kent");
    }

    #[test]
    fn raw_json_keeps_its_value_and_loses_its_tricks() {
        use super::json_text;
        let raw = "{\"name\": \"a\u{202E}b\u{2066}\"}\n";
        let safe = json_text(raw);
        assert!(!safe.chars().any(super::is_unsafe) || safe.ends_with('\n'));
        let a: serde_json::Value = serde_json::from_str(raw).unwrap();
        let b: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(a, b);
    }
}
