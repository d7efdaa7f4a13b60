//! Hints that work when pasted: every `cpis SUBCOMMAND` a message names carries the global
//! options in effect (`--profile`, and `--env` or `--base-url`), as `gh auth login -h HOST`
//! does, so that the command acts on the same profile and endpoint as the one that printed it.
//! Which options those are is the settings' to say (`config::Settings::global_options`).

use std::sync::OnceLock;

static GLOBALS: OnceLock<String> = OnceLock::new();

/// The subcommands whose meaning depends on the profile and endpoint.
const SCOPED: &[&str] = &["auth", "lookup", "batch", "alert", "config", "doctor"];

/// Remember the global options of this run (once, at start-up).
pub fn set_globals(globals: String) {
    let _ = GLOBALS.set(globals);
}

/// `text` with the global options of this run inserted after `cpis` in every command it
/// names (`cpis auth login` -> `cpis --env int auth login`); commands that already carry
/// options, and those that do not depend on them (`cpis sandbox ...`), are left as they are.
pub fn paste_ready(text: &str) -> String {
    match GLOBALS.get() {
        Some(g) if !g.is_empty() => insert_globals(text, g),
        _ => text.to_string(),
    }
}

fn insert_globals(text: &str, globals: &str) -> String {
    let mut out = String::with_capacity(text.len() + globals.len());
    let mut rest = text;
    while let Some(i) = rest.find("cpis ") {
        let before = &text[..text.len() - rest.len() + i];
        let after = &rest[i + 5..];
        let starts_word = before
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '/' | '-' | '_' | '.')));
        let word: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        out.push_str(&rest[..i + 5]);
        if starts_word && SCOPED.contains(&word.as_str()) {
            out.push_str(globals);
            out.push(' ');
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// A value as a shell word: as it is when it holds nothing a shell would read, else quoted.
/// `s` as one shell word.
pub fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:@%+=,-".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_get_the_globals_and_nothing_else_does() {
        let g = "--env int";
        assert_eq!(
            insert_globals("sign in with `cpis auth login --user`", g),
            "sign in with `cpis --env int auth login --user`"
        );
        assert_eq!(
            insert_globals("sign in again: cpis auth login --system", g),
            "sign in again: cpis --env int auth login --system"
        );
        assert_eq!(
            insert_globals("see `cpis sandbox patients`; the cpis sandbox", g),
            "see `cpis sandbox patients`; the cpis sandbox"
        );
        assert_eq!(
            insert_globals("`cpis --env prod lookup ...`", g),
            "`cpis --env prod lookup ...`"
        );
        assert_eq!(insert_globals("src/cpis config", g), "src/cpis config");
        assert_eq!(
            insert_globals("`cpis config set a b`, then `cpis doctor`", g),
            "`cpis --env int config set a b`, then `cpis --env int doctor`"
        );
    }

    #[test]
    fn values_are_shell_words() {
        assert_eq!(quote("ward"), "ward");
        assert_eq!(
            quote("https://h.example/cpis/FHIR/R4"),
            "https://h.example/cpis/FHIR/R4"
        );
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
    }
}
